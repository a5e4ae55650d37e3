//! `policy status` (DESIGN §5) and the waiver expiry warning (`[waivers]
//! warn_days`): a repository built in the test with fixed authors and
//! dates, one feature in each situation the board distinguishes, checked
//! field by field in JSON, and as a table, Markdown and HTML (the HTML
//! rendered by headless Chromium to a PNG and looked at).

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

mod common;
use common::{CONFIG, DATE, POLICY, binary, isolate};

const ANA: &str = "ana@example.com"; // safety-researcher
const LEE: &str = "lee@example.com"; // policy-analyst
const DANA: &str = "dana@example.com"; // legal-counsel
const CHAIR: &str = "chair@example.com"; // srb
const PM: &str = "pm@example.com"; // writes features, holds no role

const PANEL: [(&str, &str); 3] = [
    ("safety-researcher", ANA),
    ("policy-analyst", LEE),
    ("legal-counsel", DANA),
];

struct Repo {
    dir: TempDir,
    home: TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
        };
        repo.git(PM, &["init", "-q", "-b", "main"]);
        repo.write("policy.toml", CONFIG);
        repo.write("policies/launch-gate.toml", POLICY);
        repo.commit(CHAIR, "policies");
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, email: &str, args: &[&str]) -> String {
        let mut command = Command::new("git");
        isolate(&mut command, self.path(), self.home.path(), email, DATE);
        let output = command.args(args).output().unwrap();
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

    fn commit(&self, email: &str, message: &str) {
        self.git(email, &["add", "-A"]);
        self.git(email, &["commit", "-q", "-m", message]);
    }

    fn policy(&self, email: &str, args: &[&str]) -> (i32, String, String) {
        let mut command = Command::new(binary());
        isolate(&mut command, self.path(), self.home.path(), email, DATE);
        command.args(args).args(["--color", "never"]);
        if !args.contains(&"--today") {
            command.args(["--today", "2026-11-26"]);
        }
        let output = command.output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn sign(&self, feature: &str, role: &str, email: &str, decision: &str) {
        let mut args = vec![
            "sign",
            feature,
            "--role",
            role,
            "--signer",
            email,
            "--decision",
            decision,
            "--force",
        ];
        if decision == "no-go" {
            args.extend(["--reason", "red-team findings are open"]);
        }
        let (code, _, stderr) = self.policy(email, &args);
        assert_eq!(code, 0, "sign {feature} as {role}: {stderr}");
        self.commit(email, &format!("{role} signs {feature}"));
    }

    fn feature(&self, id: &str, stage: &str, residual: &str) {
        self.write(
            &format!("features/{id}/feature.toml"),
            &format!(
                "id = \"{id}\"\ntitle = \"Feature {id}\"\nstage = \"{stage}\"\nrisk_tier = \"medium\"\n\n[risk]\nresidual = \"{residual}\"\n"
            ),
        );
        self.commit(PM, &format!("{id} at {stage}"));
    }

    fn panel(&self, id: &str) {
        for (role, email) in PANEL {
            self.sign(id, role, email, "go");
        }
    }

    fn status_json(&self) -> serde_json::Value {
        let (code, stdout, stderr) = self.policy(PM, &["status", "--format", "json"]);
        assert_eq!(code, 0, "{stderr}");
        serde_json::from_str(&stdout).unwrap()
    }
}

/// The board's scenario: one feature in each situation.
/// - `chat` at design: no gates now or next; ready to move on.
/// - `search` cleared with the panel's go: the SRB is next.
/// - `upload` cleared with the panel's go, then its residual risk raised
///   and two of three re-signed: legal counsel is stale.
/// - `beta` launched with the panel's go and a waiver of LG002 (the SRB's
///   go) that expires in nine days.
/// - `legacy` launched, the SRB decided no-go: blocked.
fn scenario() -> Repo {
    let repo = Repo::new();
    repo.feature("chat", "design", "low");
    repo.feature("search", "cleared", "low");
    repo.panel("search");
    repo.feature("upload", "cleared", "low");
    repo.panel("upload");
    repo.feature("upload", "cleared", "high");
    repo.sign("upload", "safety-researcher", ANA, "go");
    repo.sign("upload", "policy-analyst", LEE, "go");
    repo.feature("beta", "launched", "low");
    repo.panel("beta");
    repo.write(
        "waivers/beta-srb.toml",
        "rule = \"LG002\"\nfeature = \"beta\"\nreason = \"SRB meets on the 3rd; SAFE-9\"\napproved_by = \"srb\"\nexpires = 2026-12-05\n",
    );
    repo.commit(CHAIR, "srb waives LG002 for beta until the meeting");
    repo.feature("legacy", "launched", "low");
    repo.panel("legacy");
    repo.sign("legacy", "srb", CHAIR, "no-go");
    repo
}

fn gates(feature: &serde_json::Value) -> Vec<(String, String, String, String)> {
    feature["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["rule"].as_str().unwrap().to_string(),
                g["role"].as_str().unwrap().to_string(),
                g["state"].as_str().unwrap().to_string(),
                g["stage"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn gate(rule: &str, role: &str, state: &str, stage: &str) -> (String, String, String, String) {
    (rule.into(), role.into(), state.into(), stage.into())
}

#[test]
fn the_board_in_json_names_every_gate_state_and_next_action() {
    let repo = scenario();
    let board = repo.status_json();
    let features = board["features"].as_array().unwrap();
    let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    // By stage in taxonomy order, then id.
    assert_eq!(ids, ["chat", "search", "upload", "beta", "legacy"]);
    let by_id = |id: &str| features.iter().find(|f| f["id"] == id).unwrap();

    let chat = by_id("chat");
    assert_eq!(chat["stage"], "design");
    assert_eq!(chat["next_stage"], "review");
    assert_eq!(chat["blocked"], false);
    assert!(gates(chat).is_empty());
    assert_eq!(chat["next_action"], "ready to move to `review`");
    assert_eq!(chat["risk_score"], serde_json::Value::Null);
    assert_eq!(chat["spike"], false);
    assert_eq!(chat["debt"], serde_json::json!([]));
    assert_eq!(chat["path"], "features/chat/feature.toml");

    let search = by_id("search");
    assert_eq!(
        gates(search),
        [
            gate("LG001", "safety-researcher", "go", "cleared"),
            gate("LG001", "policy-analyst", "go", "cleared"),
            gate("LG001", "legal-counsel", "go", "cleared"),
            gate("LG002", "srb", "missing", "launched"),
        ]
    );
    assert_eq!(search["blocked"], false);
    assert_eq!(
        search["next_action"],
        "to reach `launched`: needs a go from `srb`"
    );

    let upload = by_id("upload");
    assert_eq!(
        gates(upload)[..3],
        [
            gate("LG001", "safety-researcher", "go", "cleared"),
            gate("LG001", "policy-analyst", "go", "cleared"),
            gate("LG001", "legal-counsel", "stale", "cleared"),
        ]
    );
    assert_eq!(
        upload["gates"][2]["detail"], "`risk.residual` (\"low\" → \"high\") changed",
        "{upload}"
    );
    assert_eq!(upload["blocked"], true, "a stale gate is an error of LG001");
    assert_eq!(
        upload["next_action"],
        "`legal-counsel` to re-sign: `risk.residual` (\"low\" → \"high\") changed"
    );
    let codes: Vec<&str> = upload["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"LG001"), "{codes:?}");

    let beta = by_id("beta");
    assert_eq!(
        beta["waivers"],
        serde_json::json!([{
            "rule": "LG002",
            "expires": "2026-12-05",
            "days_left": 9,
            "path": "waivers/beta-srb.toml"
        }])
    );
    assert_eq!(beta["blocked"], false, "the waiver holds LG002 open");
    assert_eq!(beta["gates"][3]["state"], "missing");
    assert_eq!(beta["gates"][3]["waived_by"], "waivers/beta-srb.toml");
    assert_eq!(
        beta["next_action"],
        "waiver of LG002 expires in 9 days: fix the finding or renew the waiver"
    );
    let beta_codes: Vec<&str> = beta["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(beta_codes, ["PL037"], "the expiry warning is a finding");

    let legacy = by_id("legacy");
    assert_eq!(legacy["blocked"], true);
    assert!(gates(legacy).contains(&gate("LG002", "srb", "no-go", "launched")));
    assert!(
        legacy["next_action"]
            .as_str()
            .unwrap()
            .starts_with("`srb` decided no-go (LG002)"),
        "{legacy}"
    );
    assert_eq!(legacy["next_stage"], serde_json::Value::Null);

    assert_eq!(
        board["totals"],
        serde_json::json!({
            "cleared": 2, "concept": 0, "design": 1, "launched": 2,
            "paused": 0, "retired": 0, "review": 0
        })
    );
}

#[test]
fn the_table_fits_the_terminal_and_shows_the_next_actions() {
    let repo = scenario();
    let (code, stdout, stderr) = repo.policy(PM, &["status"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("status_table", stdout);
    for line in stdout.lines() {
        assert!(unicode_width(line) <= 100, "wider than 100 columns: {line}");
    }
}

fn unicode_width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn the_markdown_board_escapes_what_files_say() {
    let repo = scenario();
    repo.write(
        "features/evil/feature.toml",
        "id = \"evil\"\ntitle = \"x\"\nstage = \"concept\"\nrisk_tier = \"[low](https://evil.example) | <img src=x>\"\n",
    );
    repo.commit(PM, "evil");
    let (code, stdout, stderr) = repo.policy(PM, &["status", "--format", "markdown"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("<img"), "{stdout}");
    assert!(!stdout.contains("](https"), "{stdout}");
    let row = stdout.lines().find(|l| l.contains("evil")).unwrap();
    let unescaped_pipes = row
        .char_indices()
        .filter(|(i, c)| *c == '|' && (*i == 0 || row.as_bytes()[i - 1] != b'\\'))
        .count();
    assert_eq!(unescaped_pipes, 8, "one row of seven cells: {row}");
    let (_, without_evil, _) = {
        std::fs::remove_dir_all(repo.path().join("features/evil")).unwrap();
        repo.policy(PM, &["status", "--format", "markdown"])
    };
    insta::assert_snapshot!("status_markdown", without_evil);
}

#[test]
fn status_output_is_written_atomically_and_never_through_a_link() {
    let repo = scenario();
    let (code, _, stderr) = repo.policy(PM, &["status", "--format", "json", "-o", "board.json"]);
    assert_eq!(code, 0, "{stderr}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("board.json")).unwrap())
            .unwrap();
    assert_eq!(written["features"].as_array().unwrap().len(), 5);
    #[cfg(unix)]
    {
        let target = repo.path().join("elsewhere.txt");
        std::fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, repo.path().join("link.json")).unwrap();
        let (code, _, stderr) = repo.policy(PM, &["status", "-o", "link.json"]);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }
}

#[test]
fn a_broken_config_gives_no_board_and_exit_2() {
    let repo = scenario();
    repo.write("policy.toml", "[roles.srb\nmembers = 1\n");
    let (code, stdout, stderr) = repo.policy(PM, &["status"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("policy.toml"), "{stderr}");
}

// The expiry warning in lint.

fn lint_codes(repo: &Repo, args: &[&str]) -> Vec<(String, String, String)> {
    let mut full = vec!["lint", "--format", "json"];
    full.extend_from_slice(args);
    let (_, stdout, stderr) = repo.policy(PM, &full);
    let document: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
    document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_waiver_close_to_expiry_warns_in_every_mode_on_untouched_features() {
    let repo = scenario();
    let expected = (
        "PL037".to_string(),
        "warning".to_string(),
        "waiver `beta-srb` of LG002 for `beta` expires in 9 days, on 2026-12-05".to_string(),
    );
    assert!(lint_codes(&repo, &[]).contains(&expected));
    // A pull request that touches only `chat` still warns about `beta`.
    repo.git(PM, &["checkout", "-q", "-b", "pr"]);
    repo.feature("chat", "review", "low");
    assert!(lint_codes(&repo, &["--base", "main"]).contains(&expected));
    // And a staged change elsewhere: still a warning (the hook does not
    // turn it into a note as it does other findings HEAD already has).
    repo.write(
        "features/chat/feature.toml",
        "id = \"chat\"\ntitle = \"Chat v2\"\nstage = \"review\"\n",
    );
    repo.git(PM, &["add", "-A"]);
    assert!(lint_codes(&repo, &["--staged"]).contains(&expected));
}

#[test]
fn once_expired_a_waiver_of_an_untouched_feature_still_warns_in_range_mode() {
    let repo = scenario();
    repo.git(PM, &["checkout", "-q", "-b", "pr"]);
    repo.feature("chat", "review", "low");
    let run = |today: &str| {
        let (_, stdout, stderr) = repo.policy(
            PM,
            &[
                "lint", "--format", "json", "--base", "main", "--today", today,
            ],
        );
        let document: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        document["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "PL037")
            .map(|d| (d["severity"].to_string(), d["message"].to_string()))
            .collect::<Vec<_>>()
    };
    let after = run("2026-12-06");
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].0, "\"warning\"");
    assert!(after[0].1.contains("expired on 2026-12-05"), "{after:?}");
    // In tree mode the expiry is the error it always was.
    let (_, stdout, _) = repo.policy(PM, &["lint", "--format", "json", "--today", "2026-12-06"]);
    assert!(stdout.contains("\"PL021\""));
    assert!(
        !stdout.contains("\"PL037\""),
        "no second finding for one expiry"
    );
}

/// On a branch, `status --base main` is the board the merge-base judges:
/// a branch that adds its author to the SRB and signs does not get a go.
#[test]
fn status_on_a_branch_is_judged_by_the_merge_base() {
    let repo = Repo::new();
    repo.feature("beta", "cleared", "low");
    repo.panel("beta");
    repo.git(PM, &["checkout", "-q", "-b", "pr"]);
    let mallory = "mal@example.com";
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "members = [\"chair@example.com\"]",
            "members = [\"chair@example.com\", \"mal@example.com\"]",
        ),
    );
    repo.commit(mallory, "join the SRB");
    repo.feature("beta", "launched", "low");
    repo.sign("beta", "srb", mallory, "go");
    let (code, stdout, stderr) = repo.policy(PM, &["status", "--format", "json", "--base", "main"]);
    assert_eq!(code, 0, "{stderr}");
    let board: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let beta = &board["features"][0];
    assert_eq!(beta["blocked"], true, "{beta}");
    let srb = beta["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["role"] == "srb")
        .unwrap();
    assert_eq!(srb["open"], false, "{srb}");
    assert_eq!(srb["state"], "unverified", "{srb}");
}

/// A gate is waived on the board only when lint applied the waiver.
#[test]
fn a_waiver_lint_rejects_holds_no_gate_open() {
    let repo = Repo::new();
    repo.feature("beta", "launched", "low");
    repo.panel("beta");
    repo.write(
        "waivers/beta-srb.toml",
        "rule = \"LG002\"\nfeature = \"beta\"\nreason = \"soon\"\napproved_by = \"srb\"\nexpires = 2027-01-31\n",
    );
    // Committed by the PM, who is not in the SRB.
    repo.commit(PM, "waive LG002 for beta");
    let board = repo.status_json();
    let beta = &board["features"][0];
    let srb = &beta["gates"][3];
    assert_eq!(srb["role"], "srb");
    assert_eq!(srb["open"], false, "{srb}");
    assert!(srb.get("waived_by").is_none(), "{srb}");
    assert_eq!(beta["blocked"], true);
    assert!(
        beta["waivers"][0]["problem"]
            .as_str()
            .unwrap()
            .starts_with("PL028"),
        "{beta}"
    );
}

/// The gates take lint's verdict: one person giving two of a rule's
/// sign-offs does not count, and a rule set to `allow` blocks nothing.
#[test]
fn gate_states_agree_with_lint() {
    let repo = Repo::new();
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "[roles.policy-analyst]\nmembers = [\"lee@example.com\"]",
            "[roles.policy-analyst]\nmembers = [\"lee@example.com\", \"ana@example.com\"]",
        ),
    );
    repo.commit(CHAIR, "ana also analyses policy");
    repo.feature("beta", "cleared", "low");
    repo.sign("beta", "safety-researcher", ANA, "go");
    repo.sign("beta", "policy-analyst", ANA, "go");
    repo.sign("beta", "legal-counsel", DANA, "go");
    let board = repo.status_json();
    let beta = &board["features"][0];
    assert_eq!(
        gates(beta)[1],
        gate("LG001", "policy-analyst", "unverified", "cleared"),
        "{beta}"
    );
    assert_eq!(beta["gates"][1]["open"], false);
    assert!(
        beta["gates"][1]["detail"]
            .as_str()
            .unwrap()
            .contains("one person")
    );
    // LG001 allowed: lint is clean, so the gates are open.
    repo.write(
        "policy.toml",
        &format!(
            "{}\n[lints]\nLG001 = \"allow\"\n",
            std::fs::read_to_string(repo.path().join("policy.toml")).unwrap()
        ),
    );
    let board = repo.status_json();
    let beta = &board["features"][0];
    assert!(
        beta["gates"].as_array().unwrap()[..3]
            .iter()
            .all(|g| g["open"] == true)
    );
    assert_eq!(beta["blocked"], false);
    assert_eq!(
        beta["next_action"],
        "to reach `launched`: needs a go from `srb`"
    );
}

/// A manifest that cannot be read has a blocked row; two manifests with
/// one id each keep their own findings; totals keep the taxonomy's order.
#[test]
fn unreadable_and_duplicate_manifests_have_their_own_rows() {
    let repo = Repo::new();
    repo.write(
        "features/broken/feature.toml",
        "id = \"broken\nstage = \"design\"\n",
    );
    repo.write(
        "features/t1/dup/feature.toml",
        "id = \"dup\"\nstage = \"launched\"\n",
    );
    repo.write(
        "features/t2/dup/feature.toml",
        "id = \"dup\"\nstage = \"design\"\n",
    );
    repo.commit(PM, "three manifests");
    let (code, stdout, stderr) = repo.policy(PM, &["status", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let board: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let features = board["features"].as_array().unwrap();
    let broken = features.iter().find(|f| f["id"] == "broken").unwrap();
    assert_eq!(broken["blocked"], true);
    assert_eq!(broken["stage"], "(no stage)");
    assert_eq!(broken["path"], "features/broken/feature.toml");
    let design = features
        .iter()
        .find(|f| f["path"] == "features/t2/dup/feature.toml")
        .unwrap();
    let codes: Vec<&str> = design["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        !codes.contains(&"LG002"),
        "the launched copy's findings: {codes:?}"
    );
    let order: Vec<&str> = stdout
        .split("\"totals\": {")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.trim_start().starts_with('}'))
        .filter_map(|l| l.trim().split('"').nth(1))
        .collect();
    assert_eq!(
        order,
        [
            "concept",
            "design",
            "review",
            "cleared",
            "launched",
            "paused",
            "retired",
            "(no stage)"
        ]
    );
}

#[test]
fn an_expiring_waiver_names_its_feature_when_a_change_touches_another() {
    // A pull request or a commit that touches only `chat` loads only `chat`;
    // the warning about `beta`'s waiver still belongs to `beta`.
    let repo = scenario();
    let feature_of_warning = |args: &[&str]| {
        let mut full = vec!["lint", "--format", "json"];
        full.extend_from_slice(args);
        let (_, stdout, stderr) = repo.policy(PM, &full);
        let document: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
        let warnings: Vec<serde_json::Value> = document["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "PL037")
            .map(|d| d["feature"].clone())
            .collect();
        warnings
    };
    assert_eq!(feature_of_warning(&[]), ["beta"]);
    repo.git(PM, &["checkout", "-q", "-b", "pr"]);
    repo.feature("chat", "review", "low");
    assert_eq!(feature_of_warning(&["--base", "main"]), ["beta"]);
    repo.write(
        "features/chat/feature.toml",
        "id = \"chat\"\ntitle = \"Chat v2\"\nstage = \"review\"\n",
    );
    repo.git(PM, &["add", "-A"]);
    assert_eq!(feature_of_warning(&["--staged"]), ["beta"]);
}

#[test]
fn warn_days_sets_the_horizon_and_zero_turns_it_off() {
    let repo = scenario();
    let with = |extra: &str| {
        repo.write("policy.toml", &format!("{CONFIG}\n[waivers]\n{extra}\n"));
        lint_codes(&repo, &[])
    };
    let has_warning = |codes: &[(String, String, String)]| codes.iter().any(|c| c.0 == "PL037");
    assert!(
        !has_warning(&with("warn_days = 9")),
        "nine days left: not < 9"
    );
    assert!(has_warning(&with("warn_days = 10")));
    assert!(!has_warning(&with("warn_days = 0")));
    let bad = with("warn_days = -1");
    assert!(
        bad.iter().any(|c| c.2.contains("warn_days")),
        "a negative horizon is a config error: {bad:?}"
    );
}

// The HTML board, looked at in a browser.

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(name))
                    .find(|p| p.is_file())
            })
        })
}

#[test]
fn the_html_board_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        // .ci/run installs Chromium and requires it; a developer machine
        // may not have it.
        assert!(
            std::env::var_os("POLICY_REQUIRE_BROWSER").is_none(),
            "Chromium (Debian package `chromium`) is required for the HTML board test"
        );
        eprintln!("skipped: no chromium on PATH");
        return;
    };
    let repo = scenario();
    let (code, _, stderr) = repo.policy(PM, &["status", "--format", "html", "-o", "board.html"]);
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(repo.path().join("board.html")).unwrap();
    // Self-contained: nothing from the network, no scripts.
    for forbidden in ["<script", "http://", "https://", "@import", "<link"] {
        let allowed_svg_namespace = forbidden == "http://"
            && html.matches("http://").count()
                == html.matches("http://www.w3.org/2000/svg").count();
        assert!(
            !html.contains(forbidden) || allowed_svg_namespace,
            "{forbidden} in the page"
        );
    }
    let profile = TempDir::new().unwrap();
    let png = repo.path().join("board.png");
    let run = |extra: &[&str]| {
        Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--window-size=1200,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!(
                "file://{}",
                repo.path().join("board.html").display()
            ))
            .output()
            .unwrap()
    };
    // The DOM the browser built: every feature's row and the chart.
    let dom = run(&["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    for id in ["chat", "search", "upload", "beta", "legacy"] {
        assert!(
            dom.contains(&format!("<span class=\"id\">{id}</span>")),
            "{id}"
        );
    }
    assert!(dom.contains("<svg"), "the chart is in the page");
    // The picture: the page is drawn, with the chart's colours.
    let out = run(&[&format!("--screenshot={}", png.display())]);
    assert!(png.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1200, 900));
    let channels = info.color_type.samples();
    let count = |rgb: [u8; 3]| {
        pixels[..info.buffer_size()]
            .chunks(channels)
            .filter(|p| p[..3] == rgb)
            .count()
    };
    // The chart's bars are solid blocks (badges only have a one-pixel
    // border in these colours): three features with their gates cleared
    // (green) and two blocked (red), each bar 20 pixels high.
    let green = count([0x4a, 0xc2, 0x6b]);
    let red = count([0xcf, 0x22, 0x2e]);
    assert!(green > 3 * 3000, "green bars: {green} pixels");
    assert!(red > 2 * 3000, "red bars: {red} pixels");
    assert!(green > red, "more cleared than blocked");
    if let Some(dir) = std::env::var_os("POLICY_STATUS_PICTURE") {
        std::fs::copy(&png, Path::new(&dir).join("status-board.png")).unwrap();
    }
}

/// Signing in someone else's name warns at once: the sign-off counts only
/// if the signer commits it.
#[test]
fn signing_for_someone_else_warns_on_the_spot() {
    let repo = Repo::new();
    repo.feature("beta", "review", "low");
    let (code, _, stderr) = repo.policy(
        PM,
        &[
            "sign",
            "beta",
            "--role",
            "safety-researcher",
            "--signer",
            ANA,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("counts only if ana@example.com commits it"),
        "{stderr}"
    );
    let (code, _, stderr) = repo.policy(
        ANA,
        &[
            "sign",
            "beta",
            "--role",
            "safety-researcher",
            "--signer",
            ANA,
            "--force",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}
