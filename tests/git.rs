//! Git-native modes on repositories built in the test, with fixed authors
//! and dates: staged content, ranges judged by the base's policies,
//! sign-off staleness and authorship, the pre-commit hook, shallow clones.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

mod common;
use common::{DATE, binary, isolate};

const CONFIG: &str = r#"
[roles.safety-researcher]
members = ["ana@example.com"]
[roles.srb]
members = ["chair@example.com"]

[signoff]
digest_excludes = ["stage"]
verify_authors = true
"#;

const POLICY: &str = r#"
[policy]
id = "launch-gate"
version = "1.0.0"
title = "Launch gate"
owners = ["srb"]

[[rules]]
code = "LG001"
title = "Cleared features need a safety researcher's go"
when = "feature.stage in ['cleared', 'launched']"
require_signoffs = ["safety-researcher"]

[[rules]]
code = "LG002"
title = "Launch needs an SRB go"
when = "feature.stage == 'launched'"
require_signoffs = ["srb"]

[[rules]]
code = "LG003"
title = "A feature is cleared before it launches"
when = "feature.stage == 'launched' && base != null && base.stage != 'launched'"
assert = "base.stage == 'cleared'"
at = "stage"
"#;

fn feature(id: &str, stage: &str, tier: &str) -> String {
    format!(
        "id = \"{id}\"\ntitle = \"Feature {id}\"\nstage = \"{stage}\"\nrisk_tier = \"{tier}\"\n"
    )
}

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
        repo.git(&["init", "-q", "-b", "main"]);
        repo.write("policy.toml", CONFIG);
        repo.write("policies/launch-gate.toml", POLICY);
        repo.write(
            "features/chat/feature.toml",
            &feature("chat", "design", "medium"),
        );
        repo.write(
            "features/search/feature.toml",
            &feature("search", "concept", "low"),
        );
        repo.commit("chair@example.com", "initial");
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn env(&self, command: &mut Command, email: &str) {
        isolate(command, self.path(), self.home.path(), email, DATE);
    }

    fn git_as(&self, email: &str, args: &[&str]) -> Output {
        let mut command = Command::new("git");
        self.env(&mut command, email);
        command.args(args).output().unwrap()
    }

    fn git(&self, args: &[&str]) -> String {
        let output = self.git_as("chair@example.com", args);
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
        let add = self.git_as(email, &["add", "-A"]);
        assert!(add.status.success());
        let output = self.git_as(email, &["commit", "-q", "-m", message]);
        assert!(
            output.status.success(),
            "commit: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn policy_as(&self, email: &str, args: &[&str]) -> (i32, String, String) {
        let mut command = Command::new(binary());
        self.env(&mut command, email);
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

    fn policy(&self, args: &[&str]) -> (i32, String, String) {
        self.policy_as("chair@example.com", args)
    }

    /// `lint` with JSON output: exit code and `(code, feature)` of each diagnostic.
    fn lint(&self, args: &[&str]) -> (i32, Vec<(String, String)>) {
        let mut full = vec!["lint", "--format", "json"];
        full.extend_from_slice(args);
        let (code, stdout, stderr) = self.policy(&full);
        let document: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
        let found = document["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["feature"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        (code, found)
    }

    /// Signs `feature` for `role` as `email` and commits it as that person.
    fn sign(&self, feature: &str, role: &str, email: &str) {
        let (code, _, stderr) = self.policy_as(
            email,
            &[
                "sign", feature, "--role", role, "--signer", email, "--force",
            ],
        );
        assert_eq!(code, 0, "{stderr}");
        self.commit(email, &format!("{role} signs {feature}"));
    }
}

fn codes(found: &[(String, String)]) -> Vec<&str> {
    found.iter().map(|(c, _)| c.as_str()).collect()
}

#[test]
fn staged_content_is_checked_not_the_working_tree() {
    let repo = Repo::new();
    // Staged: a violation. Working tree: fixed again.
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "cleared", "medium"),
    );
    repo.git(&["add", "features/chat/feature.toml"]);
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "design", "medium"),
    );
    let (code, found) = repo.lint(&["--staged"]);
    assert_eq!(code, 1, "{found:?}");
    assert!(codes(&found).contains(&"LG001"), "{found:?}");

    // The other direction: staged clean, working tree violating.
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "design", "high"),
    );
    repo.git(&["add", "features/chat/feature.toml"]);
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "cleared", "high"),
    );
    let (code, found) = repo.lint(&["--staged"]);
    assert_eq!(code, 0, "{found:?}");
    let (code, found) = repo.lint(&[]);
    assert_eq!(code, 1, "tree mode sees the working tree: {found:?}");
}

#[test]
fn staged_mode_reports_only_touched_features() {
    let repo = Repo::new();
    repo.write(
        "features/search/feature.toml",
        &feature("search", "launched", "low"),
    );
    repo.commit("chair@example.com", "search launched without gates");
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "review", "medium"),
    );
    repo.git(&["add", "-A"]);
    let (code, found) = repo.lint(&["--staged"]);
    assert_eq!(code, 0, "search is untouched: {found:?}");
    let (code, found) = repo.lint(&["--staged", "--all"]);
    assert_eq!(code, 1);
    assert!(
        found.iter().any(|(c, f)| c == "LG002" && f == "search"),
        "{found:?}"
    );
}

#[cfg(unix)]
#[test]
fn commit_through_the_installed_hook_is_blocked_by_a_staged_violation() {
    let repo = Repo::new();
    std::fs::create_dir_all(repo.path().join(".git/hooks")).unwrap();
    std::fs::write(
        repo.path().join(".git/hooks/pre-commit"),
        "#!/bin/sh\necho existing hook ran >&2\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            repo.path().join(".git/hooks/pre-commit"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let (code, _, stderr) = repo.policy(&["hook", "install"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("kept your existing pre-commit hook"),
        "{stderr}"
    );
    assert!(
        repo.path()
            .join(".git/hooks/pre-commit.before-policy")
            .exists()
    );

    // `git commit -a` runs the hook with a temporary index.
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    let output = repo.git_as(
        "chair@example.com",
        &["commit", "-a", "-q", "-m", "launch chat"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the commit must be blocked: {stderr}"
    );
    assert!(stderr.contains("LG002"), "{stderr}");
    assert!(
        stderr.contains("existing hook ran"),
        "the old hook is chained: {stderr}"
    );
    assert_eq!(repo.git(&["log", "--format=%s", "-1"]).trim(), "initial");

    // A clean change goes through.
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "review", "medium"),
    );
    let output = repo.git_as(
        "chair@example.com",
        &["commit", "-a", "-q", "-m", "chat to review"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Installing again changes nothing.
    let (code, _, stderr) = repo.policy(&["hook", "install"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("already installed"), "{stderr}");
}

#[test]
fn a_branch_that_weakens_a_policy_is_judged_by_the_base_policy() {
    let repo = Repo::new();
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "cleared", "medium"),
    );
    repo.commit("chair@example.com", "chat cleared");
    repo.sign("chat", "safety-researcher", "ana@example.com");
    repo.git(&["checkout", "-q", "-b", "weaken"]);
    // Drop the SRB requirement and launch in the same branch.
    repo.write(
        "policies/launch-gate.toml",
        &POLICY.replace("require_signoffs = [\"srb\"]", "require_signoffs = []"),
    );
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    repo.commit("chair@example.com", "launch without the board");

    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1, "{found:?}");
    let found = codes(&found);
    assert!(
        found.contains(&"LG002"),
        "still judged by the base policy: {found:?}"
    );
    assert!(
        found.contains(&"PL026"),
        "the policy change must raise its version: {found:?}"
    );
    assert!(
        found.contains(&"PL027"),
        "the policy change needs its owners' sign-off: {found:?}"
    );
}

#[test]
fn base_binds_the_manifest_at_the_merge_base() {
    let repo = Repo::new();
    repo.git(&["checkout", "-q", "-b", "jump"]);
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    repo.commit("chair@example.com", "design straight to launched");
    let (_, found) = repo.lint(&["--base", "main"]);
    assert!(
        found.iter().any(|(c, _)| c == "LG003"),
        "design -> launched skips cleared: {found:?}"
    );
}

#[test]
fn meaning_changes_make_a_signoff_stale_formatting_does_not() {
    let repo = Repo::new();
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "cleared", "medium"),
    );
    repo.commit("chair@example.com", "chat cleared");
    repo.sign("chat", "safety-researcher", "ana@example.com");
    let (code, found) = repo.lint(&[]);
    assert_eq!(code, 0, "{found:?}");

    // Comments, quoting and key order only.
    repo.write(
        "features/chat/feature.toml",
        "# reformatted\nrisk_tier = 'medium'\nstage = \"cleared\"\ntitle = \"Feature chat\"\nid = \"chat\"\n",
    );
    let (code, found) = repo.lint(&[]);
    assert_eq!(code, 0, "formatting keeps the sign-off fresh: {found:?}");

    // The stage is excluded from the digest.
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    let (_, found) = repo.lint(&[]);
    assert!(!codes(&found).contains(&"PL017"), "{found:?}");

    // A change of meaning.
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "cleared", "high"),
    );
    let (code, found) = repo.lint(&[]);
    assert_eq!(code, 1);
    assert!(codes(&found).contains(&"PL017"), "{found:?}");
    assert!(
        codes(&found).contains(&"LG001"),
        "a stale sign-off does not count: {found:?}"
    );
}

#[test]
fn a_signoff_committed_by_a_non_member_is_reported() {
    let repo = Repo::new();
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "cleared", "medium"),
    );
    repo.commit("chair@example.com", "chat cleared");
    repo.git(&["checkout", "-q", "-b", "forged"]);
    // The file names ana as signer, but mallory commits it.
    let (code, _, stderr) = repo.policy_as(
        "mallory@example.com",
        &[
            "sign",
            "chat",
            "--role",
            "safety-researcher",
            "--signer",
            "ana@example.com",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    repo.commit("mallory@example.com", "sign as ana");

    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1);
    assert!(codes(&found).contains(&"PL028"), "{found:?}");
    assert!(
        codes(&found).contains(&"LG001"),
        "a forged sign-off does not count: {found:?}"
    );
    let (_, found) = repo.lint(&[]);
    assert!(
        codes(&found).contains(&"PL028"),
        "tree mode walks history too: {found:?}"
    );
}

#[test]
fn untouched_features_are_silent_in_range_mode() {
    let repo = Repo::new();
    repo.write(
        "features/search/feature.toml",
        &feature("search", "launched", "low"),
    );
    repo.commit("chair@example.com", "search launched on main");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "review", "medium"),
    );
    repo.commit("chair@example.com", "chat to review");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 0, "{found:?}");
    let (code, found) = repo.lint(&["--base", "main", "--all"]);
    assert_eq!(code, 1);
    assert!(
        found.iter().any(|(c, f)| c == "LG002" && f == "search"),
        "{found:?}"
    );
}

#[test]
fn a_shallow_clone_without_the_merge_base_says_how_to_fetch() {
    let repo = Repo::new();
    repo.git(&["checkout", "-q", "-b", "topic"]);
    for i in 0..3 {
        repo.write(
            "features/chat/feature.toml",
            &feature("chat", "design", &format!("low{i}")),
        );
        repo.commit("chair@example.com", &format!("change {i}"));
    }
    let clone = TempDir::new().unwrap();
    let source = format!("file://{}", repo.path().display());
    let output = repo.git_as(
        "chair@example.com",
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "topic",
            "--no-single-branch",
            &source,
            clone.path().to_str().unwrap(),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut command = Command::new(binary());
    repo.env(&mut command, "chair@example.com");
    let output = command
        .current_dir(clone.path())
        .args(["lint", "--base", "origin/main", "--today", "2026-11-26"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("fetch-depth: 0"), "{stderr}");
}

#[test]
fn git_modes_fail_clearly_outside_a_repository_and_on_unknown_refs() {
    let plain = TempDir::new().unwrap();
    let output = Command::new(binary())
        .current_dir(plain.path())
        .env("GIT_CEILING_DIRECTORIES", plain.path().parent().unwrap())
        .args(["lint", "--staged"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a git repository"));

    let repo = Repo::new();
    let (code, _, stderr) = repo.policy(&["lint", "--base", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown revision `no-such-branch`"),
        "{stderr}"
    );
}

#[test]
fn tree_mode_outside_git_says_authorship_could_not_be_checked() {
    let repo = Repo::new();
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "cleared", "medium"),
    );
    repo.commit("chair@example.com", "cleared");
    repo.sign("chat", "safety-researcher", "ana@example.com");
    std::fs::remove_dir_all(repo.path().join(".git")).unwrap();
    let mut command = Command::new(binary());
    repo.env(&mut command, "chair@example.com");
    let output = command
        .env("GIT_CEILING_DIRECTORIES", repo.path().parent().unwrap())
        .args(["lint", "--format", "json", "--today", "2026-11-26"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\"PL029\""), "{stdout}");
    assert_eq!(output.status.code(), Some(0), "a warning, not a failure");
}

#[test]
fn an_unparseable_signoff_gets_its_syntax_error_and_no_authorship_finding() {
    // History is read from the listing while files are parsed; a sign-off
    // that does not parse must not be judged by it.
    let repo = Repo::new();
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "design", "medium"),
    );
    repo.write("features/chat/signoffs/legal-counsel.toml", "role = \n");
    repo.commit("chair@example.com", "a broken sign-off");
    std::fs::remove_dir_all(repo.path().join(".git")).unwrap();
    let mut command = Command::new(binary());
    repo.env(&mut command, "chair@example.com");
    let output = command
        .env("GIT_CEILING_DIRECTORIES", repo.path().parent().unwrap())
        .args(["lint", "--format", "json", "--today", "2026-11-26"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\"PL001\""), "{stdout}");
    assert!(!stdout.contains("\"PL029\""), "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_waiver_linked_to_a_pipe_outside_the_repository_is_reported_not_read() {
    // History is looked up for the listed sign-offs and waivers while files
    // are parsed; a link out of the repository must not be followed there
    // either (reading a pipe would block forever).
    let repo = Repo::new();
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "design", "medium"),
    );
    let outside = TempDir::new().unwrap();
    let pipe = outside.path().join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap()
            .success()
    );
    std::fs::create_dir_all(repo.path().join("waivers")).unwrap();
    std::os::unix::fs::symlink(&pipe, repo.path().join("waivers/evil.toml")).unwrap();
    repo.commit("chair@example.com", "a waiver that links out");
    let mut command = Command::new(binary());
    repo.env(&mut command, "chair@example.com");
    let mut child = command
        .args(["lint", "--format", "json", "--today", "2026-11-26"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("lint blocked on the linked pipe");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\"PL024\""), "{stdout}");
}

#[test]
fn a_policy_change_signed_by_its_owners_passes_in_range_mode() {
    let repo = Repo::new();
    repo.git(&["checkout", "-q", "-b", "tighten"]);
    let tightened = POLICY
        .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
        .replace(
            "feature.stage in ['cleared', 'launched']",
            "feature.stage in ['review', 'cleared', 'launched']",
        );
    repo.write("policies/launch-gate.toml", &tightened);
    // Proposed by someone else: the owner reviews it (no self-approval).
    repo.commit("pm@example.com", "tighten the gate");
    let (code, _, stderr) = repo.policy(&[
        "sign",
        "launch-gate",
        "--policy",
        "--role",
        "srb",
        "--signer",
        "chair@example.com",
    ]);
    assert_eq!(code, 0, "{stderr}");
    repo.commit("chair@example.com", "srb signs the new gate");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 0, "{found:?}");
    assert!(
        found.is_empty(),
        "a signed, versioned policy change is clean: {found:?}"
    );
}

#[test]
fn an_owner_cannot_approve_their_own_policy_change() {
    let repo = Repo::new();
    repo.git(&["checkout", "-q", "-b", "relax"]);
    let relaxed = POLICY
        .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
        .replace(
            "title = \"Launch gate\"",
            "title = \"Launch gate (relaxed)\"",
        );
    repo.write("policies/launch-gate.toml", &relaxed);
    repo.commit("chair@example.com", "relax the gate");
    let (code, _, stderr) = repo.policy(&[
        "sign",
        "launch-gate",
        "--policy",
        "--role",
        "srb",
        "--signer",
        "chair@example.com",
    ]);
    assert_eq!(code, 0, "{stderr}");
    repo.commit("chair@example.com", "srb signs its own change");
    let (code, stdout, _) = repo.policy(&["lint", "--base", "main", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("who wrote this change"),
        "self-approval does not count: {stdout}"
    );
}

#[test]
fn waivers_of_untouched_features_are_not_judged_in_range_mode() {
    let repo = Repo::new();
    repo.write(
        "waivers/search-lg002.toml",
        "rule = \"LG002\"\nfeature = \"search\"\nreason = \"board meets next week\"\napproved_by = \"srb\"\nexpires = 2027-01-31\n",
    );
    repo.commit("chair@example.com", "waive LG002 for search");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "review", "medium"),
    );
    repo.commit("chair@example.com", "chat to review");
    let (code, found) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 0, "{found:?}");
    assert!(
        found.is_empty(),
        "search is not part of this change: {found:?}"
    );
}
