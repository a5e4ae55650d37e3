//! Who signed: provenance of sign-offs through git history (DESIGN §2.5).
//! Every scenario builds its repository in the test with fixed authors and
//! dates: merges that are not authors, merges that smuggle content, backdated
//! commits, resurrected decisions, GitHub's synthetic merge commit, octopus
//! and criss-cross merges, shallow clones, renames and line endings.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

mod common;
use common::{CONFIG, DATE, POLICY, binary, isolate};

const ANA: &str = "ana@example.com";
const LEE: &str = "lee@example.com";
const DANA: &str = "dana@example.com";
const CHAIR: &str = "chair@example.com";
/// Writes the feature manifests; a member of no role.
const PM: &str = "pm@example.com";
/// A member of no role.
const DEV: &str = "dev@example.com";
const GITHUB: &str = "noreply@github.com";

fn feature(id: &str, stage: &str) -> String {
    format!(
        "id = \"{id}\"\ntitle = \"Feature {id}\"\nstage = \"{stage}\"\nrisk_tier = \"medium\"\n"
    )
}

#[derive(Debug)]
struct Diag {
    code: String,
    feature: String,
    message: String,
}

struct Repo {
    dir: TempDir,
    home: TempDir,
}

impl Repo {
    /// A repository on `main` with the config, the launch gate and feature
    /// `x` at `stage`, all committed by the product manager.
    fn new(stage: &str) -> Repo {
        Repo::with_feature("features/x", "x", stage)
    }

    fn with_feature(dir: &str, id: &str, stage: &str) -> Repo {
        let repo = Repo::empty();
        repo.git(&["init", "-q", "-b", "main"]);
        repo.write("policy.toml", CONFIG);
        repo.write("policies/launch-gate.toml", POLICY);
        repo.write(&format!("{dir}/feature.toml"), &feature(id, stage));
        repo.commit(PM, "initial");
        repo
    }

    fn empty() -> Repo {
        Repo {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn env(&self, command: &mut Command, email: &str, date: &str) {
        isolate(command, self.path(), self.home.path(), email, date);
    }

    fn git_at(&self, email: &str, date: &str, args: &[&str]) -> String {
        let mut command = Command::new("git");
        self.env(&mut command, email, date);
        let output: Output = command.args(args).output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?} as {email}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn git_as(&self, email: &str, args: &[&str]) -> String {
        self.git_at(email, DATE, args)
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_as(PM, args)
    }

    fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_string()
    }

    fn checkout(&self, args: &[&str]) {
        let mut full = vec!["checkout", "-q"];
        full.extend_from_slice(args);
        self.git(&full);
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn commit_at(&self, email: &str, date: &str, message: &str) {
        self.git_at(email, date, &["add", "-A"]);
        self.git_at(email, date, &["commit", "-q", "-m", message]);
    }

    fn commit(&self, email: &str, message: &str) {
        self.commit_at(email, DATE, message);
    }

    /// An unrelated change committed by `email`.
    fn chore(&self, email: &str, file: &str) {
        self.write(file, &format!("{file} by {email}\n"));
        self.commit(email, &format!("chore {file}"));
    }

    /// `git merge --no-ff` of `branches` into the current branch, as `email`.
    fn merge(&self, email: &str, branches: &[&str]) {
        let mut args = vec!["merge", "-q", "--no-ff", "-m", "merge"];
        args.extend_from_slice(branches);
        self.git_as(email, &args);
    }

    fn policy_as(&self, email: &str, args: &[&str]) -> (i32, String, String) {
        let mut command = Command::new(binary());
        self.env(&mut command, email, DATE);
        let output = command
            .args(args)
            .args(["--today", "2026-11-26", "--color", "never"])
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// `lint --format json` run by `email` (the identity about to commit).
    fn lint_as(&self, email: &str, args: &[&str]) -> (i32, Vec<Diag>) {
        let mut full = vec!["lint", "--format", "json"];
        full.extend_from_slice(args);
        let (code, stdout, stderr) = self.policy_as(email, &full);
        let document: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("exit {code}: {e}: {stdout}\n{stderr}"));
        let found = document["diagnostics"]
            .as_array()
            .unwrap_or_else(|| panic!("{stdout}"))
            .iter()
            .map(|d| Diag {
                code: d["code"].as_str().unwrap().to_string(),
                feature: d["feature"].as_str().unwrap_or("").to_string(),
                message: d["message"].as_str().unwrap_or("").to_string(),
            })
            .collect();
        (code, found)
    }

    fn lint(&self, args: &[&str]) -> (i32, Vec<Diag>) {
        self.lint_as(CHAIR, args)
    }

    /// Writes `role`'s `decision` on `feature` naming `signer`, as `email`
    /// (without committing).
    fn write_signoff(&self, feature: &str, role: &str, signer: &str, decision: &str, email: &str) {
        let mut args = vec![
            "sign",
            feature,
            "--role",
            role,
            "--signer",
            signer,
            "--decision",
            decision,
            "--force",
        ];
        if decision == "no-go" {
            args.extend(["--reason", "not ready"]);
        }
        let (code, _, stderr) = self.policy_as(email, &args);
        assert_eq!(code, 0, "sign {feature} {role} as {email}: {stderr}");
    }

    /// `email` signs `feature` for `role` with `decision` and commits it.
    fn decide(&self, feature: &str, role: &str, email: &str, decision: &str) {
        self.write_signoff(feature, role, email, decision, email);
        self.commit(email, &format!("{role}: {decision} on {feature}"));
    }

    /// `email` gives `role`'s go on `feature` and commits it.
    fn sign(&self, feature: &str, role: &str, email: &str) {
        self.decide(feature, role, email, "go");
    }

    /// The review panel (LG001) signs `feature`, each member committing.
    fn panel(&self, feature: &str) {
        self.sign(feature, "safety-researcher", ANA);
        self.sign(feature, "policy-analyst", LEE);
        self.sign(feature, "legal-counsel", DANA);
    }

    /// A clone of this repository with `--depth 1` (over file:// so that the
    /// depth applies).
    fn shallow_clone(&self) -> Repo {
        let clone = Repo::empty();
        let source = format!("file://{}", self.path().display());
        self.git(&[
            "clone",
            "-q",
            "--depth",
            "1",
            &source,
            clone.path().to_str().unwrap(),
        ]);
        clone
    }
}

fn has(found: &[Diag], code: &str) -> bool {
    found.iter().any(|d| d.code == code)
}

/// A finding `code` on `feature`.
fn on(found: &[Diag], code: &str, feature: &str) -> bool {
    found.iter().any(|d| d.code == code && d.feature == feature)
}

/// A PL028 whose message names `email`.
fn pl028_naming(found: &[Diag], email: &str) -> bool {
    found
        .iter()
        .any(|d| d.code == "PL028" && d.message.contains(email))
}

#[test]
fn a_merge_by_a_non_member_is_not_the_author_of_the_signoffs_it_brings() {
    let repo = Repo::new("cleared");
    repo.checkout(&["-b", "signoffs"]);
    repo.panel("x");
    repo.checkout(&["main"]);
    let before = repo.rev("HEAD");
    repo.merge(DEV, &["signoffs"]);

    let (code, found) = repo.lint_as(DEV, &[]);
    assert!(!has(&found, "PL028"), "tree mode: {found:?}");
    assert_eq!(code, 0, "tree mode: {found:?}");

    let (code, found) = repo.lint_as(DEV, &["--base", &before]);
    assert!(!has(&found, "PL028"), "range mode: {found:?}");
    assert_eq!(code, 0, "range mode: {found:?}");
}

#[test]
fn a_merge_by_a_member_does_not_launder_a_non_members_signoff() {
    let repo = Repo::new("cleared");
    repo.sign("x", "safety-researcher", ANA);
    repo.sign("x", "policy-analyst", LEE);
    let before = repo.rev("HEAD");
    repo.checkout(&["-b", "legal"]);
    // dev writes dana's go.
    repo.write_signoff("x", "legal-counsel", DANA, "go", DEV);
    repo.commit(DEV, "legal-counsel go for x");
    repo.checkout(&["main"]);
    repo.merge(DANA, &["legal"]);

    let (code, found) = repo.lint_as(DANA, &[]);
    assert_eq!(code, 1, "tree mode: {found:?}");
    assert!(pl028_naming(&found, DEV), "tree mode: {found:?}");

    let (code, found) = repo.lint_as(DANA, &["--base", &before]);
    assert_eq!(code, 1, "range mode: {found:?}");
    assert!(pl028_naming(&found, DEV), "range mode: {found:?}");
    assert!(
        on(&found, "LG001", "x"),
        "the laundered go does not count: {found:?}"
    );
}

#[test]
fn a_backdated_go_merged_over_the_chairs_no_go_is_not_the_chairs() {
    let repo = Repo::new("launched");
    repo.panel("x");
    repo.decide("x", "srb", CHAIR, "no-go");
    repo.checkout(&["-b", "sneak"]);
    // dev turns the chair's no-go into a go, dated long before the no-go.
    repo.write_signoff("x", "srb", CHAIR, "go", DEV);
    repo.commit_at(DEV, "2020-01-01T00:00:00Z", "srb go (backdated)");
    repo.checkout(&["main"]);
    repo.write("notes.txt", "main moves on\n");
    repo.commit_at(CHAIR, "2026-11-21T12:00:00Z", "notes");
    let before = repo.rev("HEAD");
    repo.git_at(
        CHAIR,
        "2026-11-22T12:00:00Z",
        &["merge", "-q", "--no-ff", "-m", "merge sneak", "sneak"],
    );

    let (code, found) = repo.lint(&[]);
    assert_eq!(code, 1, "tree mode: {found:?}");
    assert!(pl028_naming(&found, DEV), "tree mode: {found:?}");
    assert!(on(&found, "LG002", "x"), "tree mode: {found:?}");

    let (code, found) = repo.lint(&["--base", &before]);
    assert_eq!(code, 1, "range mode: {found:?}");
    assert!(pl028_naming(&found, DEV), "range mode: {found:?}");
    assert!(on(&found, "LG002", "x"), "range mode: {found:?}");
}

#[test]
fn a_merge_that_resurrects_a_revoked_go_fails_closed() {
    let repo = Repo::new("launched");
    repo.panel("x");
    repo.sign("x", "srb", CHAIR);
    let a = repo.rev("HEAD");
    repo.decide("x", "srb", CHAIR, "no-go");

    // A side branch from A with an unrelated commit.
    repo.checkout(&["-b", "old", &a]);
    repo.chore(DEV, "unrelated.txt");
    // The pull request, from main (the no-go): merge `old` and take A's
    // sign-off back into the merge result.
    repo.checkout(&["-b", "pr", "main"]);
    repo.git_as(DEV, &["merge", "-q", "--no-ff", "--no-commit", "old"]);
    repo.git_as(DEV, &["checkout", &a, "--", "features/x/signoffs/srb.toml"]);
    repo.git_as(DEV, &["commit", "-q", "-m", "merge old"]);
    let srb = std::fs::read_to_string(repo.path().join("features/x/signoffs/srb.toml")).unwrap();
    assert!(srb.contains("\"go\""), "precondition: {srb}");

    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "range mode: {found:?}");
    assert!(
        has(&found, "PL028") || on(&found, "LG002", "x"),
        "the resurrected go must not count: {found:?}"
    );
}

#[test]
fn githubs_merge_commit_is_never_the_author() {
    let repo = Repo::new("cleared");
    repo.checkout(&["-b", "pr"]);
    repo.panel("x");
    repo.checkout(&["main"]);
    repo.chore(PM, "unrelated.txt");
    let tip = repo.rev("main");
    repo.checkout(&["--detach", "main"]);
    repo.merge(GITHUB, &["pr"]);
    assert_eq!(repo.rev("HEAD^1"), tip);
    assert_eq!(repo.rev("HEAD^2"), repo.rev("pr"));

    let (code, found) = repo.lint_as(GITHUB, &["--base", &tip]);
    assert!(!has(&found, "PL028"), "{found:?}");
    assert_eq!(code, 0, "{found:?}");
}

#[test]
fn a_members_merge_commit_does_not_vouch_for_a_non_members_signoff() {
    let repo = Repo::new("cleared");
    repo.checkout(&["-b", "pr"]);
    repo.sign("x", "safety-researcher", ANA);
    repo.sign("x", "policy-analyst", LEE);
    repo.write_signoff("x", "legal-counsel", DANA, "go", DEV);
    repo.commit(DEV, "legal-counsel go for x");
    repo.checkout(&["main"]);
    repo.chore(PM, "unrelated.txt");
    let tip = repo.rev("main");
    repo.checkout(&["--detach", "main"]);
    repo.merge(DANA, &["pr"]);

    let (code, found) = repo.lint_as(DANA, &["--base", &tip]);
    assert_eq!(code, 1, "{found:?}");
    assert!(pl028_naming(&found, DEV), "{found:?}");
}

#[test]
fn an_octopus_merge_is_not_the_author() {
    let repo = Repo::new("cleared");
    repo.checkout(&["-b", "b1"]);
    repo.sign("x", "safety-researcher", ANA);
    repo.sign("x", "policy-analyst", LEE);
    repo.checkout(&["-b", "b2", "main"]);
    repo.sign("x", "legal-counsel", DANA);
    repo.checkout(&["-b", "b3", "main"]);
    repo.chore(PM, "unrelated.txt");
    repo.checkout(&["main"]);
    let before = repo.rev("HEAD");
    repo.merge(DEV, &["b1", "b2", "b3"]);
    assert!(
        repo.git(&["rev-parse", "-q", "--verify", "HEAD^3"])
            .trim()
            .len()
            == 40,
        "precondition: an octopus merge"
    );

    let (code, found) = repo.lint_as(DEV, &[]);
    assert!(!has(&found, "PL028"), "tree mode: {found:?}");
    assert_eq!(code, 0, "tree mode: {found:?}");
    let (code, found) = repo.lint_as(DEV, &["--base", &before]);
    assert!(!has(&found, "PL028"), "range mode: {found:?}");
    assert_eq!(code, 0, "range mode: {found:?}");
}

#[test]
fn criss_cross_merges_keep_the_members_as_authors() {
    let repo = Repo::new("cleared");
    let before = repo.rev("HEAD");
    repo.checkout(&["-b", "p"]);
    repo.sign("x", "safety-researcher", ANA);
    let p1 = repo.rev("HEAD");
    repo.checkout(&["-b", "q", "main"]);
    repo.sign("x", "policy-analyst", LEE);
    let q1 = repo.rev("HEAD");
    // Each branch merges the other's tip: the criss-cross.
    repo.checkout(&["p"]);
    repo.merge(DEV, &[&q1]);
    repo.checkout(&["q"]);
    repo.merge(DEV, &[&p1]);
    // And once more, after more work on both sides.
    repo.checkout(&["p"]);
    repo.sign("x", "legal-counsel", DANA);
    repo.checkout(&["q"]);
    repo.chore(PM, "unrelated.txt");
    let p2 = repo.rev("p");
    let q2 = repo.rev("q");
    repo.checkout(&["p"]);
    repo.merge(DEV, &[&q2]);
    repo.checkout(&["q"]);
    repo.merge(DEV, &[&p2]);
    repo.checkout(&["main"]);
    repo.merge(DEV, &["p"]);
    repo.merge(DEV, &["q"]);
    let bases = repo.git(&["merge-base", "--all", &p1, &q1]);
    assert_eq!(bases.lines().count(), 1);
    let bases = repo.git(&["merge-base", "--all", &p2, &q2]);
    assert_eq!(bases.lines().count(), 2, "precondition: criss-cross");

    let (code, found) = repo.lint_as(DEV, &[]);
    assert!(!has(&found, "PL028"), "tree mode: {found:?}");
    assert_eq!(code, 0, "tree mode: {found:?}");
    let (code, found) = repo.lint_as(DEV, &["--base", &before]);
    assert!(!has(&found, "PL028"), "range mode: {found:?}");
    assert_eq!(code, 0, "range mode: {found:?}");
}

#[test]
fn a_shallow_clone_is_incomplete_history_not_the_oldest_commits_authorship() {
    let repo = Repo::new("cleared");
    repo.panel("x");
    // The only commit a depth-1 clone fetches is by a non-member.
    repo.chore(DEV, "unrelated.txt");
    let clone = repo.shallow_clone();
    assert_eq!(
        clone.git(&["rev-parse", "--is-shallow-repository"]).trim(),
        "true",
        "precondition"
    );

    let (code, found) = clone.lint_as(CHAIR, &[]);
    assert!(!pl028_naming(&found, DEV), "{found:?}");
    assert!(
        found.iter().any(|d| d.code == "PL029"
            && (d.message.contains("fetch-depth") || d.message.contains("unshallow"))),
        "{found:?}"
    );
    assert_ne!(code, 2, "{found:?}");
    assert_eq!(code, 0, "PL029 is a warning: {found:?}");
}

#[test]
fn a_renamed_feature_directory_keeps_its_signoffs_and_their_authors() {
    let repo = Repo::with_feature("features/alpha", "alpha", "cleared");
    repo.panel("alpha");
    let before = repo.rev("HEAD");
    std::fs::create_dir_all(repo.path().join("features/team-a")).unwrap();
    repo.git_as(DEV, &["mv", "features/alpha", "features/team-a/alpha"]);
    repo.commit(DEV, "move alpha under team-a");
    assert!(
        repo.path()
            .join("features/team-a/alpha/signoffs/legal-counsel.toml")
            .is_file(),
        "precondition: the sign-offs moved"
    );

    let (code, found) = repo.lint_as(DEV, &[]);
    assert!(!has(&found, "PL028"), "tree mode: {found:?}");
    assert!(!has(&found, "PL030"), "tree mode: {found:?}");
    assert_eq!(code, 0, "tree mode: {found:?}");

    let (code, found) = repo.lint_as(DEV, &["--base", &before]);
    assert!(!has(&found, "PL028"), "range mode: {found:?}");
    assert!(!has(&found, "PL030"), "range mode: {found:?}");
    assert_eq!(code, 0, "range mode: {found:?}");
}

#[test]
fn a_crlf_checkout_of_lf_signoffs_is_committed_content() {
    let repo = Repo::new("launched");
    repo.panel("x");
    repo.sign("x", "srb", CHAIR);
    repo.git(&["config", "core.autocrlf", "true"]);
    repo.git(&["rm", "-q", "--cached", "-r", "."]);
    repo.git(&["reset", "-q", "--hard"]);
    let on_disk = std::fs::read(repo.path().join("features/x/signoffs/srb.toml")).unwrap();
    assert!(
        on_disk.windows(2).any(|w| w == b"\r\n"),
        "precondition: CRLF on disk"
    );
    let manifest = std::fs::read(repo.path().join("features/x/feature.toml")).unwrap();
    assert!(
        manifest.windows(2).any(|w| w == b"\r\n"),
        "precondition: CRLF on disk"
    );
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "precondition: git sees a clean tree"
    );

    let (code, found) = repo.lint_as(DEV, &[]);
    assert!(!has(&found, "PL028"), "{found:?}");
    assert!(!has(&found, "PL017"), "{found:?}");
    assert_eq!(code, 0, "{found:?}");
}
