//! `policy audit` (DESIGN §5): one walk of history, checked field by field
//! against a repository built here with fixed authors and dates over four
//! quarters of 2026: a feature taken from concept to launch, its panel's
//! sign-offs (one signed commit, one by a key nobody listed), a waiver that
//! expired, a change of meaning that leaves every sign-off stale, a go
//! changed to no-go, a revoked sign-off, a member who left a role and
//! signed afterwards, a waiver on a merged branch, and safety debt.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, SshSig, rand_core::OsRng};
use tempfile::TempDir;

mod common;
use common::{CONFIG, POLICY, binary, isolate};

const ANA: &str = "ana@example.com";
const LEE: &str = "lee@example.com";
const DANA: &str = "dana@example.com";
const CHAIR: &str = "chair@example.com";
const PM: &str = "pm@example.com";

const TODAY: &str = "2026-12-01";

struct Repo {
    dir: TempDir,
    home: TempDir,
}

fn key() -> PrivateKey {
    PrivateKey::random(&mut OsRng, Algorithm::Ed25519).expect("an Ed25519 key")
}

fn feature(id: &str, stage: &str, tier: &str) -> String {
    format!(
        "id = \"{id}\"\ntitle = \"Feature {id}\"\nstage = \"{stage}\"\nrisk_tier = \"{tier}\"\n"
    )
}

/// Noon UTC on `day`.
fn at(day: &str) -> String {
    format!("{day}T12:00:00Z")
}

impl Repo {
    fn empty() -> Repo {
        Repo {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: &str, email: &str, day: &str) -> Command {
        let mut command = Command::new(program);
        isolate(&mut command, self.path(), self.home.path(), email, &at(day));
        command
    }

    fn git(&self, email: &str, day: &str, args: &[&str]) -> String {
        let output = self.command("git", email, day).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path)).unwrap()
    }

    /// Commits everything as `email` on `day`; returns the commit id.
    fn commit(&self, email: &str, day: &str, message: &str) -> String {
        self.git(email, day, &["add", "-A"]);
        self.git(email, day, &["commit", "-q", "-m", message]);
        self.head()
    }

    fn head(&self) -> String {
        self.git(PM, "2026-01-01", &["rev-parse", "HEAD"])
            .trim()
            .to_string()
    }

    /// `policy sign x --role ROLE` as `email` on `day`.
    fn sign(&self, email: &str, day: &str, role: &str, extra: &[&str]) {
        let output = self
            .command(binary().to_str().unwrap(), email, day)
            .args(["sign", "x", "--role", role, "--today", day])
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    }

    /// Replaces HEAD by the same commit carrying an SSH signature by `key`
    /// (a `gpgsig` header over the unsigned object, as git stores it).
    fn sign_head(&self, key: &PrivateKey) -> String {
        let payload = self.git(PM, "2026-01-01", &["cat-file", "commit", "HEAD"]);
        let armored = SshSig::sign(key, "git", HashAlg::Sha512, payload.as_bytes())
            .unwrap()
            .to_pem(LineEnding::LF)
            .unwrap();
        let id =
            common::write_signed_commit(self.command("git", PM, "2026-01-01"), &payload, &armored);
        self.git(PM, "2026-01-01", &["update-ref", "HEAD", &id]);
        id
    }

    fn audit(&self, args: &[&str]) -> Output {
        self.command(binary().to_str().unwrap(), PM, "2026-12-01")
            .args(["audit", "--today", TODAY])
            .args(args)
            .output()
            .unwrap()
    }

    fn audit_json(&self, args: &[&str]) -> Value {
        let output = self.audit(&[&["--format", "json"], args].concat());
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

/// The commits of the scenario, by step.
struct History {
    repo: Repo,
    initial: String,
    design: String,
    review: String,
    legal_go: String,
    safety_go: String,
    analyst_go: String,
    cleared: String,
    waiver_x: String,
    srb_go: String,
    launched: String,
    meaning: String,
    debt_opened: String,
    waiver_y: String,
    merge: String,
    no_go: String,
    revoked: String,
    dana_left: String,
    dana_again: String,
    debt_closed: String,
    /// Digests of the sign-offs as written.
    legal_digest: String,
    no_go_digest: String,
    dana_again_digest: String,
}

fn digest_of(text: &str) -> String {
    let line = text.lines().find(|l| l.starts_with("digest")).unwrap();
    line.split('"').nth(1).unwrap().to_string()
}

fn scenario() -> History {
    let repo = Repo::empty();
    let chair_key = key();
    let stranger_key = key();
    repo.git(PM, "2026-01-05", &["init", "-q", "-b", "main"]);
    repo.write("policy.toml", CONFIG);
    repo.write("policies/launch-gate.toml", POLICY);
    repo.write(
        ".policy/allowed_signers",
        &format!(
            "{CHAIR} namespaces=\"git\" {}\n",
            chair_key.public_key().to_openssh().unwrap()
        ),
    );
    repo.write(
        "features/x/feature.toml",
        &feature("x", "concept", "medium"),
    );
    repo.write("features/y/feature.toml", &feature("y", "concept", "low"));
    let initial = repo.commit(PM, "2026-01-05", "initial");

    repo.write("features/x/feature.toml", &feature("x", "design", "medium"));
    let design = repo.commit(PM, "2026-02-10", "x: design");
    repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
    let review = repo.commit(PM, "2026-03-01", "x: review");

    repo.sign(DANA, "2026-03-10", "legal-counsel", &[]);
    let legal_digest = digest_of(&repo.read("features/x/signoffs/legal-counsel.toml"));
    let legal_go = repo.commit(DANA, "2026-03-10", "legal: go");
    repo.sign(ANA, "2026-03-12", "safety-researcher", &[]);
    let safety_go = repo.commit(ANA, "2026-03-12", "safety: go");
    repo.sign(LEE, "2026-04-02", "policy-analyst", &[]);
    let analyst_go = repo.commit(LEE, "2026-04-02", "analyst: go");
    repo.write(
        "features/x/feature.toml",
        &feature("x", "cleared", "medium"),
    );
    let cleared = repo.commit(PM, "2026-04-05", "x: cleared");

    repo.write(
        "waivers/x-mon.toml",
        "rule = \"LG001\"\nfeature = \"x\"\nreason = \"recalibrating\"\napproved_by = \"srb\"\nexpires = 2026-05-31\n",
    );
    let waiver_x = repo.commit(CHAIR, "2026-04-20", "waive LG001 for x");
    repo.sign(CHAIR, "2026-05-01", "srb", &[]);
    repo.commit(CHAIR, "2026-05-01", "srb: go");
    let srb_go = repo.sign_head(&chair_key);
    repo.write(
        "features/x/feature.toml",
        &feature("x", "launched", "medium"),
    );
    let launched = repo.commit(PM, "2026-05-02", "x: launched");

    // A change of meaning after signing: every sign-off goes stale.
    repo.write("features/x/feature.toml", &feature("x", "launched", "high"));
    let meaning = repo.commit(PM, "2026-07-01", "x: high risk");
    repo.write(
        "debt/x-toxicity.toml",
        "feature = \"x\"\ntitle = \"Recalibrate\"\nowner = \"pm@example.com\"\ndue = 2026-09-30\nseverity = \"high\"\n",
    );
    let debt_opened = repo.commit(PM, "2026-07-02", "debt for x");

    // A waiver on a branch, merged: the merge reports nothing of its own.
    repo.git(PM, "2026-07-10", &["checkout", "-q", "-b", "side"]);
    repo.write(
        "waivers/y-lg.toml",
        "rule = \"LG001\"\nfeature = \"y\"\nreason = \"pilot\"\napproved_by = \"srb\"\nexpires = 2027-01-31\n",
    );
    let waiver_y = repo.commit(CHAIR, "2026-07-10", "waive LG001 for y");
    repo.git(PM, "2026-07-11", &["checkout", "-q", "main"]);
    // go → no-go by editing the file: still bound to the old content.
    let text = repo
        .read("features/x/signoffs/safety-researcher.toml")
        .replace("decision = \"go\"", "decision = \"no-go\"");
    let no_go_digest = digest_of(&text);
    repo.write("features/x/signoffs/safety-researcher.toml", &text);
    let no_go = repo.commit(ANA, "2026-07-15", "safety: no-go");
    repo.git(
        PM,
        "2026-07-20",
        &["merge", "-q", "--no-ff", "side", "-m", "merge side"],
    );
    let merge = repo.head();

    std::fs::remove_file(repo.path().join("features/x/signoffs/policy-analyst.toml")).unwrap();
    let revoked = repo.commit(LEE, "2026-08-01", "analyst: revoke");
    // Dana leaves legal-counsel, then signs again (`policy sign` refuses a
    // non-member, so her file is prepared before she leaves).
    repo.sign(DANA, "2026-10-05", "legal-counsel", &["--force"]);
    let resigned = repo.read("features/x/signoffs/legal-counsel.toml");
    repo.git(
        PM,
        "2026-09-01",
        &["checkout", "--", "features/x/signoffs/legal-counsel.toml"],
    );
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "members = [\"dana@example.com\"]",
            "members = [\"other@example.com\"]",
        ),
    );
    let dana_left = repo.commit(CHAIR, "2026-09-01", "dana leaves legal");
    repo.write("features/x/signoffs/legal-counsel.toml", &resigned);
    let dana_again_digest = digest_of(&repo.read("features/x/signoffs/legal-counsel.toml"));
    repo.commit(DANA, "2026-10-05", "legal: go again");
    let dana_again = repo.sign_head(&stranger_key);
    repo.write(
        "debt/x-toxicity.toml",
        "feature = \"x\"\ntitle = \"Recalibrate\"\nowner = \"pm@example.com\"\ndue = 2026-09-30\nseverity = \"high\"\nresolved = 2026-10-10\n",
    );
    let debt_closed = repo.commit(PM, "2026-10-10", "debt resolved");
    History {
        repo,
        initial,
        design,
        review,
        legal_go,
        safety_go,
        analyst_go,
        cleared,
        waiver_x,
        srb_go,
        launched,
        meaning,
        debt_opened,
        waiver_y,
        merge,
        no_go,
        revoked,
        dana_left,
        dana_again,
        debt_closed,
        legal_digest,
        no_go_digest,
        dana_again_digest,
    }
}

fn csv_row(fields: [&str; 12]) -> String {
    fields.join(",")
}

#[test]
fn csv_lists_every_event_with_the_contract_columns() {
    let h = scenario();
    let output = h.repo.audit(&[]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    let row = |day: &str, commit: &str, author: &str, signed: &str, rest: [&str; 8]| {
        let date = at(day);
        csv_row([
            &date, commit, author, signed, rest[0], rest[1], rest[2], rest[3], rest[4], rest[5],
            rest[6], rest[7],
        ])
    };
    let lg = "launch-gate@1.0.0";
    let expected = vec![
        "date,commit,author,signed,kind,action,path,feature,role,decision,member,policy_version"
            .to_string(),
        row(
            "2026-01-05",
            &h.initial,
            PM,
            "unsigned",
            [
                "config",
                "added",
                ".policy/allowed_signers",
                "",
                "",
                "",
                "",
                "",
            ],
        ),
        row(
            "2026-01-05",
            &h.initial,
            PM,
            "unsigned",
            [
                "stage",
                "added",
                "features/x/feature.toml",
                "x",
                "",
                "concept",
                "",
                "",
            ],
        ),
        row(
            "2026-01-05",
            &h.initial,
            PM,
            "unsigned",
            [
                "stage",
                "added",
                "features/y/feature.toml",
                "y",
                "",
                "concept",
                "",
                "",
            ],
        ),
        row(
            "2026-01-05",
            &h.initial,
            PM,
            "unsigned",
            [
                "policy",
                "added",
                "policies/launch-gate.toml",
                "",
                "",
                "",
                "",
                lg,
            ],
        ),
        row(
            "2026-01-05",
            &h.initial,
            PM,
            "unsigned",
            ["config", "added", "policy.toml", "", "", "", "", ""],
        ),
        row(
            "2026-02-10",
            &h.design,
            PM,
            "unsigned",
            [
                "stage",
                "changed",
                "features/x/feature.toml",
                "x",
                "",
                "design",
                "",
                "",
            ],
        ),
        row(
            "2026-03-01",
            &h.review,
            PM,
            "unsigned",
            [
                "stage",
                "changed",
                "features/x/feature.toml",
                "x",
                "",
                "review",
                "",
                "",
            ],
        ),
        row(
            "2026-03-10",
            &h.legal_go,
            DANA,
            "unsigned",
            [
                "signoff",
                "added",
                "features/x/signoffs/legal-counsel.toml",
                "x",
                "legal-counsel",
                "go",
                "true",
                lg,
            ],
        ),
        row(
            "2026-03-12",
            &h.safety_go,
            ANA,
            "unsigned",
            [
                "signoff",
                "added",
                "features/x/signoffs/safety-researcher.toml",
                "x",
                "safety-researcher",
                "go",
                "true",
                lg,
            ],
        ),
        row(
            "2026-04-02",
            &h.analyst_go,
            LEE,
            "unsigned",
            [
                "signoff",
                "added",
                "features/x/signoffs/policy-analyst.toml",
                "x",
                "policy-analyst",
                "go",
                "true",
                lg,
            ],
        ),
        row(
            "2026-04-05",
            &h.cleared,
            PM,
            "unsigned",
            [
                "stage",
                "changed",
                "features/x/feature.toml",
                "x",
                "",
                "cleared",
                "",
                "",
            ],
        ),
        row(
            "2026-04-20",
            &h.waiver_x,
            CHAIR,
            "unsigned",
            [
                "waiver",
                "added",
                "waivers/x-mon.toml",
                "x",
                "srb",
                "waive LG001 until 2026-05-31",
                "true",
                "",
            ],
        ),
        row(
            "2026-05-01",
            &h.srb_go,
            CHAIR,
            "verified",
            [
                "signoff",
                "added",
                "features/x/signoffs/srb.toml",
                "x",
                "srb",
                "go",
                "true",
                lg,
            ],
        ),
        row(
            "2026-05-02",
            &h.launched,
            PM,
            "unsigned",
            [
                "stage",
                "changed",
                "features/x/feature.toml",
                "x",
                "",
                "launched",
                "",
                "",
            ],
        ),
        row(
            "2026-07-01",
            &h.meaning,
            PM,
            "unsigned",
            [
                "feature",
                "changed",
                "features/x/feature.toml",
                "x",
                "",
                "",
                "",
                "",
            ],
        ),
        row(
            "2026-07-02",
            &h.debt_opened,
            PM,
            "unsigned",
            [
                "debt",
                "added",
                "debt/x-toxicity.toml",
                "x",
                "",
                "open",
                "",
                "",
            ],
        ),
        row(
            "2026-07-10",
            &h.waiver_y,
            CHAIR,
            "unsigned",
            [
                "waiver",
                "added",
                "waivers/y-lg.toml",
                "y",
                "srb",
                "waive LG001 until 2027-01-31",
                "true",
                "",
            ],
        ),
        row(
            "2026-07-15",
            &h.no_go,
            ANA,
            "unsigned",
            [
                "signoff",
                "changed",
                "features/x/signoffs/safety-researcher.toml",
                "x",
                "safety-researcher",
                "no-go",
                "true",
                lg,
            ],
        ),
        row(
            "2026-08-01",
            &h.revoked,
            LEE,
            "unsigned",
            [
                "signoff",
                "removed",
                "features/x/signoffs/policy-analyst.toml",
                "x",
                "policy-analyst",
                "go",
                "true",
                lg,
            ],
        ),
        row(
            "2026-09-01",
            &h.dana_left,
            CHAIR,
            "unsigned",
            ["config", "changed", "policy.toml", "", "", "", "", ""],
        ),
        row(
            "2026-10-05",
            &h.dana_again,
            DANA,
            "unlisted-key",
            [
                "signoff",
                "changed",
                "features/x/signoffs/legal-counsel.toml",
                "x",
                "legal-counsel",
                "go",
                "false",
                lg,
            ],
        ),
        row(
            "2026-10-10",
            &h.debt_closed,
            PM,
            "unsigned",
            [
                "debt",
                "changed",
                "debt/x-toxicity.toml",
                "x",
                "",
                "resolved",
                "",
                "",
            ],
        ),
        String::new(),
    ];
    assert_eq!(lines, expected, "{text}");
    // The merge commit reports nothing: the waiver is the side commit's.
    assert!(!text.contains(&h.merge));
}

#[test]
fn json_carries_digests_freshness_and_previous_values() {
    let h = scenario();
    let document = h.repo.audit_json(&[]);
    assert_eq!(document["version"], 1);
    assert_eq!(document["head"], h.debt_closed.as_str());
    assert_eq!(document["since"], Value::Null);
    assert_eq!(document["until"], Value::Null);
    // 18 commits on main and side, and the merge.
    assert_eq!(document["commits"], 19);
    let events = document["events"].as_array().unwrap();
    let find = |commit: &str, path: &str, kind: &str| -> &Value {
        events
            .iter()
            .find(|e| e["commit"] == commit && e["path"] == path && e["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} event at {commit} {path}"))
    };
    let lg = "launch-gate@1.0.0";

    // The first sign-off: every field.
    assert_eq!(
        find(
            &h.legal_go,
            "features/x/signoffs/legal-counsel.toml",
            "signoff"
        ),
        &json!({
            "date": "2026-03-10T12:00:00Z", "commit": h.legal_go, "author": DANA,
            "signed": "unsigned", "kind": "signoff", "action": "added",
            "path": "features/x/signoffs/legal-counsel.toml", "feature": "x",
            "role": "legal-counsel", "decision": "go", "member": true, "policy_version": lg,
            "summary": "legal: go", "subject": "feature:x", "signer": DANA,
            "digest": h.legal_digest, "fresh": true, "previous": null, "stale_signoffs": [],
            "rule": null, "expires": null, "problem": null
        })
    );

    // The change of meaning: the new digest differs from what was signed,
    // and every sign-off in the commit is named stale.
    let meaning = find(&h.meaning, "features/x/feature.toml", "feature");
    assert_eq!(meaning["action"], "changed");
    assert_eq!(meaning["previous"], h.legal_digest.as_str());
    assert_ne!(meaning["digest"], h.legal_digest.as_str());
    assert_eq!(
        meaning["stale_signoffs"],
        json!([
            "legal-counsel",
            "policy-analyst",
            "safety-researcher",
            "srb"
        ])
    );
    assert_eq!(meaning["decision"], Value::Null);
    // No stage event for a change that keeps the stage.
    assert!(
        !events
            .iter()
            .any(|e| e["commit"] == h.meaning.as_str() && e["kind"] == "stage")
    );

    // go → no-go, edited by hand: bound to the content signed before the
    // change of meaning, so not fresh.
    let no_go = find(
        &h.no_go,
        "features/x/signoffs/safety-researcher.toml",
        "signoff",
    );
    assert_eq!(no_go["action"], "changed");
    assert_eq!(no_go["decision"], "no-go");
    assert_eq!(no_go["previous"], "go");
    assert_eq!(no_go["digest"], h.no_go_digest.as_str());
    assert_eq!(no_go["fresh"], false);
    assert_eq!(no_go["member"], true);

    // Revoked: the decision withdrawn, by a member.
    let revoked = find(
        &h.revoked,
        "features/x/signoffs/policy-analyst.toml",
        "signoff",
    );
    assert_eq!(revoked["action"], "removed");
    assert_eq!(revoked["decision"], "go");
    assert_eq!(revoked["signer"], LEE);
    assert_eq!(revoked["fresh"], Value::Null);
    assert_eq!(revoked["previous"], Value::Null);

    // A member who left: true while a member, false after the config of
    // that commit dropped her; her re-sign is fresh on the new content.
    let again = find(
        &h.dana_again,
        "features/x/signoffs/legal-counsel.toml",
        "signoff",
    );
    assert_eq!(again["member"], false);
    assert_eq!(again["signed"], "unlisted-key");
    assert_eq!(again["previous"], "go");
    assert_eq!(again["digest"], h.dana_again_digest.as_str());
    assert_eq!(again["fresh"], true);
    assert_eq!(
        find(
            &h.legal_go,
            "features/x/signoffs/legal-counsel.toml",
            "signoff"
        )["member"],
        true
    );

    // The signed sign-off verifies against the allowed-signers file.
    assert_eq!(
        find(&h.srb_go, "features/x/signoffs/srb.toml", "signoff")["signed"],
        "verified"
    );

    // Waivers: rule and expiry in their own fields.
    let waiver = find(&h.waiver_x, "waivers/x-mon.toml", "waiver");
    assert_eq!(waiver["rule"], "LG001");
    assert_eq!(waiver["expires"], "2026-05-31");
    assert_eq!(waiver["role"], "srb");
    assert_eq!(waiver["member"], true);

    // Stages keep the stage before.
    let launched = find(&h.launched, "features/x/feature.toml", "stage");
    assert_eq!(launched["previous"], "cleared");
    assert_eq!(launched["decision"], "launched");

    // Debt: open, then resolved.
    assert_eq!(
        find(&h.debt_closed, "debt/x-toxicity.toml", "debt")["previous"],
        "open"
    );

    // The merge commit has no events; the side branch's waiver is there once.
    assert!(!events.iter().any(|e| e["commit"] == h.merge.as_str()));
    assert_eq!(
        events
            .iter()
            .filter(|e| e["path"] == "waivers/y-lg.toml")
            .count(),
        1
    );
}

fn quarter(name: &str, start: &str, end: &str) -> Value {
    json!({
        "quarter": name, "start": start, "end": end,
        "cleared": 0, "launched": 0, "gates_cleared": 0,
        "median_days_concept_to_launched": null, "launches_measured": 0,
        "median_days_in_review": null, "review_stays": 0,
        "waivers_granted": 0, "waivers_expired": 0, "debt_opened": 0, "debt_closed": 0
    })
}

#[test]
fn kpis_per_quarter_follow_the_history() {
    let h = scenario();
    let document = h.repo.audit_json(&[]);
    let mut q2 = quarter("2026-Q2", "2026-04-01", "2026-06-30");
    // Cleared on 04-05 and launched on 05-02; concept on 01-05, so 117
    // days to launch; in review from 03-01 to 04-05: 35 days. The waiver
    // granted on 04-20 expired after 05-31.
    q2["cleared"] = json!(1);
    q2["launched"] = json!(1);
    q2["gates_cleared"] = json!(2);
    q2["median_days_concept_to_launched"] = json!(117.0);
    q2["launches_measured"] = json!(1);
    q2["median_days_in_review"] = json!(35.0);
    q2["review_stays"] = json!(1);
    q2["waivers_granted"] = json!(1);
    q2["waivers_expired"] = json!(1);
    let mut q3 = quarter("2026-Q3", "2026-07-01", "2026-09-30");
    // y's waiver (expires 2027-01-31, after today) and x's debt.
    q3["waivers_granted"] = json!(1);
    q3["debt_opened"] = json!(1);
    let mut q4 = quarter("2026-Q4", "2026-10-01", "2026-12-31");
    q4["debt_closed"] = json!(1);
    assert_eq!(
        document["kpis"],
        json!([quarter("2026-Q1", "2026-01-01", "2026-03-31"), q2, q3, q4])
    );
}

#[test]
fn since_and_until_keep_the_window_and_its_quarters() {
    let h = scenario();
    let document = h
        .repo
        .audit_json(&["--since", "2026-07-01", "--until", "2026-09-30"]);
    assert_eq!(document["since"], "2026-07-01");
    assert_eq!(document["until"], "2026-09-30");
    let commits: Vec<&str> = document["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["commit"].as_str().unwrap())
        .collect();
    assert_eq!(
        commits,
        vec![
            h.meaning.as_str(),
            h.debt_opened.as_str(),
            h.waiver_y.as_str(),
            h.no_go.as_str(),
            h.revoked.as_str(),
            h.dana_left.as_str(),
        ]
    );
    let mut q3 = quarter("2026-Q3", "2026-07-01", "2026-09-30");
    q3["waivers_granted"] = json!(1);
    q3["debt_opened"] = json!(1);
    assert_eq!(document["kpis"], json!([q3]));

    // A window before the expiry of x's waiver does not count it expired.
    let early = h.repo.audit_json(&["--until", "2026-05-15"]);
    let kpis = early["kpis"].as_array().unwrap();
    assert_eq!(kpis.last().unwrap()["quarter"], "2026-Q2");
    assert_eq!(kpis.last().unwrap()["waivers_expired"], 0);
    assert_eq!(kpis.last().unwrap()["launched"], 1);
}

#[test]
fn markdown_tells_the_chain_of_decisions_behind_the_launch() {
    let h = scenario();
    let output = h.repo.audit(&["--format", "markdown"]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let short = |id: &str| id[..10].to_string();
    let launch = format!(
        "**Launched** on 2026-05-02 in `{}` by pm@example.com (signature: unsigned). Decisions in force:\n\n\
         - legal-counsel: **go** by dana@example.com on 2026-03-10 in `{}` under launch-gate@1.0.0; committer was a member at that commit; signature unsigned\n\
         - policy-analyst: **go** by lee@example.com on 2026-04-02 in `{}` under launch-gate@1.0.0; committer was a member at that commit; signature unsigned\n\
         - safety-researcher: **go** by ana@example.com on 2026-03-12 in `{}` under launch-gate@1.0.0; committer was a member at that commit; signature unsigned\n\
         - srb: **go** by chair@example.com on 2026-05-01 in `{}` under launch-gate@1.0.0; committer was a member at that commit; signature verified\n",
        short(&h.launched),
        short(&h.legal_go),
        short(&h.analyst_go),
        short(&h.safety_go),
        short(&h.srb_go),
    );
    assert!(text.contains(&launch), "{text}");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"`[0-9a-f]{10}`", "`[commit]`");
    settings.bind(|| insta::assert_snapshot!("audit_markdown", text));
}

#[test]
fn output_never_clobbers_without_force() {
    let h = scenario();
    h.repo.write("report.csv", "keep me\n");
    let output = h.repo.audit(&["--output", "report.csv"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--force"));
    assert_eq!(h.repo.read("report.csv"), "keep me\n");
    let output = h.repo.audit(&["--output", "report.csv", "--force"]);
    assert!(output.status.success(), "{output:?}");
    assert!(h.repo.read("report.csv").starts_with("date,commit,author,"));
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn no_repository_unborn_head_and_shallow_clone_exit_2() {
    let plain = Repo::empty();
    let output = plain.audit(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not a git repository"),
        "{}",
        stderr(&output)
    );

    let unborn = Repo::empty();
    unborn.git(PM, "2026-01-05", &["init", "-q", "-b", "main"]);
    let output = unborn.audit(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no commits yet"),
        "{}",
        stderr(&output)
    );

    let h = scenario();
    let clone = Repo::empty();
    let url = format!("file://{}", h.repo.path().display());
    clone.git(
        PM,
        "2026-01-05",
        &["clone", "-q", "--depth", "2", &url, "."],
    );
    let output = clone.audit(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("shallow clone"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("fetch-depth: 0"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_dates_are_usage_errors() {
    let h = Repo::empty();
    let output = h.audit(&["--since", "2026-13-01"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--since `2026-13-01` is not a date"));
    let output = h.audit(&["--since", "2026-05-01", "--until", "2026-04-01"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is after --until"));
}

/// Membership is judged by the configuration in force before the commit
/// (its first parent's): a commit that adds its author to a role and signs
/// in that role is not shown as a member; a later sign-off, once the change
/// of the config has landed, is.
#[test]
fn a_commit_that_adds_its_author_to_a_role_is_not_a_member_for_its_own_signoff() {
    let repo = Repo::empty();
    repo.git(PM, "2026-01-05", &["init", "-q", "-b", "main"]);
    repo.write("policy.toml", CONFIG);
    repo.write("policies/launch-gate.toml", POLICY);
    repo.write("features/x/feature.toml", &feature("x", "review", "low"));
    repo.commit(PM, "2026-01-05", "start");
    let dev = "dev@example.com";
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "members = [\"chair@example.com\"]",
            "members = [\"chair@example.com\", \"dev@example.com\"]",
        ),
    );
    repo.sign(dev, "2026-01-06", "srb", &["--signer", dev]);
    let same = repo.commit(dev, "2026-01-06", "join the SRB and sign");
    std::fs::remove_file(repo.path().join("features/x/signoffs/srb.toml")).unwrap();
    repo.commit(dev, "2026-01-07", "drop it");
    repo.sign(dev, "2026-01-08", "srb", &["--signer", dev]);
    let later = repo.commit(dev, "2026-01-08", "sign as a member");
    let audit = repo.audit_json(&[]);
    let signoffs: Vec<(&str, &str, bool)> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "signoff" && e["action"] == "added")
        .map(|e| {
            (
                e["commit"].as_str().unwrap(),
                e["author"].as_str().unwrap(),
                e["member"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(signoffs, [(&same[..], dev, false), (&later[..], dev, true)]);
}

/// Commits a merge brings in are judged by the base of that pull request
/// (the merge-base of the merge's parents): a branch that adds its author
/// to a role in one commit and signs in the next does not make her a member
/// for that sign-off, even once merged past the check.
#[test]
fn a_branch_that_promotes_its_author_then_signs_is_judged_by_its_base() {
    let repo = Repo::empty();
    repo.git(PM, "2026-01-05", &["init", "-q", "-b", "main"]);
    repo.write("policy.toml", CONFIG);
    repo.write("policies/launch-gate.toml", POLICY);
    repo.write("features/x/feature.toml", &feature("x", "review", "low"));
    repo.commit(PM, "2026-01-05", "start");
    let eve = "eve@example.com";
    repo.git(eve, "2026-01-06", &["checkout", "-q", "-b", "pr"]);
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "members = [\"dana@example.com\"]",
            "members = [\"dana@example.com\", \"eve@example.com\"]",
        ),
    );
    repo.commit(eve, "2026-01-06", "join legal counsel");
    repo.sign(eve, "2026-01-07", "legal-counsel", &["--signer", eve]);
    let signed = repo.commit(eve, "2026-01-07", "sign as legal counsel");
    repo.git(PM, "2026-01-08", &["checkout", "-q", "main"]);
    repo.git(
        PM,
        "2026-01-08",
        &["merge", "-q", "--no-ff", "-m", "merge pr", "pr"],
    );
    let audit = repo.audit_json(&[]);
    let event = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "signoff" && e["commit"] == signed.as_str())
        .unwrap_or_else(|| panic!("{audit}"));
    assert_eq!(event["member"], false, "{event}");
}
