//! Who judges a change (DESIGN.md §3, §3.1, §2.5, §2.6): pull requests that
//! try to relax, dodge or supply their own judge must fail the gate
//! (`policy lint --base main` on branch `pr`), and honest changes must pass.
//! Every repository is built in the test with fixed authors and dates.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

mod common;
use common::{CONFIG, DATE, POLICY, binary, isolate};

const ANA: &str = "ana@example.com"; // safety-researcher
const LEE: &str = "lee@example.com"; // policy-analyst
const DANA: &str = "dana@example.com"; // legal-counsel
const CHAIR: &str = "chair@example.com"; // srb
const PM: &str = "pm@example.com"; // writes features, holds no role
const DEV: &str = "dev@example.com"; // the attacker, holds no role

const PANEL: [(&str, &str); 3] = [
    ("safety-researcher", ANA),
    ("policy-analyst", LEE),
    ("legal-counsel", DANA),
];

fn feature(id: &str, stage: &str, tier: &str) -> String {
    format!(
        "id = \"{id}\"\ntitle = \"Feature {id}\"\nstage = \"{stage}\"\nrisk_tier = \"{tier}\"\n"
    )
}

fn waiver(rule: &str, feature: &str, approved_by: &str) -> String {
    format!(
        "rule = \"{rule}\"\nfeature = \"{feature}\"\nreason = \"tracked in SAFE-1\"\napproved_by = \"{approved_by}\"\nexpires = 2027-01-31\n"
    )
}

/// One finding of `policy lint --format json`.
#[derive(Debug)]
#[allow(dead_code)]
struct Diag {
    code: String,
    severity: String,
    feature: String,
    file: String,
    message: String,
}

/// The outcome of one `policy lint --format json` run.
#[derive(Debug)]
struct Lint {
    exit: i32,
    diags: Vec<Diag>,
    summary: serde_json::Value,
    stderr: String,
}

impl Lint {
    fn codes(&self) -> Vec<&str> {
        self.diags.iter().map(|d| d.code.as_str()).collect()
    }

    fn has(&self, code: &str) -> bool {
        self.diags.iter().any(|d| d.code == code)
    }

    fn find(&self, code: &str) -> Vec<&Diag> {
        self.diags.iter().filter(|d| d.code == code).collect()
    }

    fn errors(&self, code: &str) -> Vec<&Diag> {
        self.diags
            .iter()
            .filter(|d| d.code == code && d.severity == "error")
            .collect()
    }
}

struct Repo {
    dir: TempDir,
    home: TempDir,
    /// More environment for the commands run (as a CI runner sets it).
    extra_env: std::cell::RefCell<Vec<(String, String)>>,
}

impl Repo {
    /// An empty repository on branch `main`.
    fn empty() -> Repo {
        let repo = Repo {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
            extra_env: Default::default(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// `main` holds the config, the launch gate and a design-stage feature
    /// `chat` written by pm.
    fn new() -> Repo {
        let repo = Repo::empty();
        repo.write("policy.toml", CONFIG);
        repo.write("policies/launch-gate.toml", POLICY);
        repo.write(
            "features/chat/feature.toml",
            &feature("chat", "design", "medium"),
        );
        repo.commit(PM, "initial");
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn env(&self, command: &mut Command, email: &str) {
        isolate(command, self.path(), self.home.path(), email, DATE);
        for (name, value) in self.extra_env.borrow().iter() {
            command.env(name, value);
        }
    }

    fn git_as(&self, email: &str, args: &[&str]) -> Output {
        let mut command = Command::new("git");
        self.env(&mut command, email);
        command.args(args).output().unwrap()
    }

    fn git_ok_as(&self, email: &str, args: &[&str]) -> String {
        let output = self.git_as(email, args);
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_ok_as(CHAIR, args)
    }

    fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_string()
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path)).unwrap()
    }

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.path().join(path)).unwrap();
    }

    fn branch(&self, name: &str) {
        self.git(&["checkout", "-q", "-b", name]);
    }

    fn commit(&self, email: &str, message: &str) {
        self.git_ok_as(email, &["add", "-A"]);
        self.git_ok_as(email, &["commit", "-q", "-m", message]);
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

    /// `lint` with JSON output, run by dev (who holds no role). Exit 2 may
    /// leave stdout empty: then there are no diagnostics.
    fn lint(&self, args: &[&str]) -> Lint {
        let mut full = vec!["lint", "--format", "json"];
        full.extend_from_slice(args);
        let (exit, stdout, stderr) = self.policy_as(DEV, &full);
        let document: serde_json::Value = if stdout.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&stdout)
                .unwrap_or_else(|e| panic!("{e}: exit {exit}\n{stdout}\n{stderr}"))
        };
        let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
        let diags = document["diagnostics"]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|d| Diag {
                        code: text(&d["code"]),
                        severity: text(&d["severity"]),
                        feature: text(&d["feature"]),
                        file: text(&d["file"]),
                        message: text(&d["message"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Lint {
            exit,
            diags,
            summary: document["summary"].clone(),
            stderr,
        }
    }

    /// Signs `feature` for `role` as `email` and commits it as that person.
    fn sign(&self, feature: &str, role: &str, email: &str) {
        let (code, _, stderr) = self.policy_as(
            email,
            &[
                "sign", feature, "--role", role, "--signer", email, "--force",
            ],
        );
        assert_eq!(code, 0, "sign {feature} as {role}: {stderr}");
        self.commit(email, &format!("{role} signs {feature}"));
    }

    /// Signs policy `id` for `role` as `email` and commits it as that person.
    fn sign_policy(&self, id: &str, role: &str, email: &str) {
        let (code, _, stderr) = self.policy_as(
            email,
            &[
                "sign", id, "--policy", "--role", role, "--signer", email, "--force",
            ],
        );
        assert_eq!(code, 0, "sign policy {id} as {role}: {stderr}");
        self.commit(email, &format!("{role} signs policy {id}"));
    }

    /// Writes `features/<dir>/feature.toml` at stage `cleared` (by pm) and
    /// has the SIA panel sign it, each member committing their own sign-off.
    fn cleared_with_panel(&self, dir: &str, id: &str) {
        self.write(
            &format!("features/{dir}/feature.toml"),
            &feature(id, "cleared", "medium"),
        );
        self.commit(PM, &format!("{id} cleared"));
        for (role, email) in PANEL {
            self.sign(id, role, email);
        }
    }
}

// 1. Weakening a policy and dropping its owners.

#[test]
fn deleting_a_rule_and_emptying_owners_still_needs_the_base_owners_signoff() {
    let repo = Repo::new();
    repo.branch("pr");
    let weakened = POLICY
        .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
        .replace("owners = [\"srb\"]", "owners = []");
    let weakened = &weakened[..weakened.find("[[rules]]\ncode = \"LG002\"").unwrap()];
    repo.write("policies/launch-gate.toml", weakened);
    repo.commit(DEV, "drop LG002 and its owners");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    let unsigned = lint.errors("PL027");
    assert!(
        !unsigned.is_empty(),
        "the base version's owners must sign: {lint:#?}"
    );
    assert!(
        unsigned.iter().any(|d| d.message.contains("srb")),
        "owners come from the base version (srb), not the change's []: {lint:#?}"
    );
    assert!(
        lint.diags.iter().any(|d| d.severity == "error"
            && d.code != "PL027"
            && d.file == "policies/launch-gate.toml"
            && d.message.contains("owners")),
        "`owners = []` is an error of the change: {lint:#?}"
    );
}

// 2. Removing a policy from the judge.

#[test]
fn deleting_a_policy_needs_its_owners_signoff() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.remove("policies/launch-gate.toml");
    repo.commit(DEV, "delete the launch gate");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.to_lowercase().contains("delet")),
        "PL027 must name the deletion: {lint:#?}"
    );
}

#[test]
fn moving_a_policy_out_of_the_policies_glob_needs_its_owners_signoff() {
    let repo = Repo::new();
    repo.branch("pr");
    std::fs::create_dir_all(repo.path().join("policies/old")).unwrap();
    repo.git(&[
        "mv",
        "policies/launch-gate.toml",
        "policies/old/launch-gate.toml",
    ]);
    repo.commit(DEV, "archive the launch gate");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(!lint.errors("PL027").is_empty(), "{lint:#?}");
}

#[test]
fn changing_a_policy_id_needs_its_owners_signoff() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.write(
        "policies/launch-gate.toml",
        &POLICY
            .replace("id = \"launch-gate\"", "id = \"launch-gate-v2\"")
            .replace("version = \"1.0.0\"", "version = \"1.1.0\""),
    );
    repo.commit(DEV, "rename the launch gate");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(!lint.errors("PL027").is_empty(), "{lint:#?}");
}

// 3. A broken or duplicate new policy cannot land.

const NEW_POLICY_HEAD: &str = r#"
[policy]
id = "extra"
version = "1.0.0"
title = "Extra"
owners = ["srb"]
"#;

#[test]
fn a_new_policy_whose_cel_does_not_compile_is_an_error_of_the_change() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.write(
        "policies/extra.toml",
        &format!(
            "{NEW_POLICY_HEAD}\n[[rules]]\ncode = \"EX001\"\ntitle = \"Broken\"\nwhen = \"feature.stage == \"\nassert = \"true\"\n"
        ),
    );
    repo.commit(DEV, "add a broken policy");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(
        lint.exit, 1,
        "a broken new policy is a violation, not exit 2: {lint:#?}"
    );
    assert!(
        lint.errors("PL010")
            .iter()
            .any(|d| d.file == "policies/extra.toml"),
        "{lint:#?}"
    );
    assert!(
        !lint.errors("PL027").is_empty(),
        "a new policy needs the admins' go: {lint:#?}"
    );
}

#[test]
fn a_new_policy_that_does_not_parse_is_an_error_of_the_change() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.write("policies/extra.toml", "[policy\nid = \"extra\"\n");
    repo.commit(DEV, "add an unparseable policy");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL001")
            .iter()
            .any(|d| d.file == "policies/extra.toml"),
        "{lint:#?}"
    );
}

#[test]
fn a_new_policy_reusing_a_rule_code_is_an_error_of_the_change() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.write(
        "policies/extra.toml",
        &format!(
            "{NEW_POLICY_HEAD}\n[[rules]]\ncode = \"LG002\"\ntitle = \"Shadow\"\nwhen = \"false\"\nassert = \"true\"\n"
        ),
    );
    repo.commit(DEV, "add a policy reusing LG002");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(!lint.errors("PL009").is_empty(), "{lint:#?}");
    assert!(
        !lint.errors("PL027").is_empty(),
        "a new policy needs the admins' go: {lint:#?}"
    );
}

// 4. Links.

#[cfg(unix)]
#[test]
fn a_manifest_replaced_by_a_symlink_is_reported() {
    let repo = Repo::new();
    repo.write(
        "features/upload/feature.toml",
        &feature("upload", "design", "medium"),
    );
    repo.commit(PM, "upload");
    repo.branch("pr");
    repo.write(
        "features/_shared/upload.toml",
        &feature("upload", "launched", "medium"),
    );
    repo.remove("features/upload/feature.toml");
    std::os::unix::fs::symlink(
        "../_shared/upload.toml",
        repo.path().join("features/upload/feature.toml"),
    )
    .unwrap();
    repo.commit(DEV, "share the upload manifest");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(!lint.errors("PL031").is_empty(), "{lint:#?}");
}

// 5. Borrowed waivers.

#[test]
fn a_new_manifest_cannot_borrow_another_features_waivers() {
    let repo = Repo::new();
    repo.write(
        "features/legacy/feature.toml",
        &feature("legacy", "launched", "medium"),
    );
    repo.commit(PM, "legacy");
    repo.write(
        "waivers/legacy-lg001.toml",
        &waiver("LG001", "legacy", "srb"),
    );
    repo.write(
        "waivers/legacy-lg002.toml",
        &waiver("LG002", "legacy", "srb"),
    );
    repo.commit(CHAIR, "srb waives the gate for legacy");
    let on_main = repo.lint(&[]);
    assert_eq!(on_main.exit, 0, "main is clean: {on_main:#?}");

    repo.branch("pr");
    repo.write(
        "features/team-b/legacy/feature.toml",
        &feature("legacy", "launched", "high"),
    );
    repo.commit(DEV, "team-b legacy launched");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(!lint.errors("PL008").is_empty(), "{lint:#?}");
    // The waivers excuse neither manifest while the id is declared twice.
    assert!(!lint.errors("LG002").is_empty(), "{lint:#?}");
    assert!(
        lint.diags
            .iter()
            .all(|d| d.severity != "note" || !d.code.starts_with("LG")),
        "no LG finding is waived: {lint:#?}"
    );
}

// 6. Choosing one's own judge.

#[test]
fn a_config_passed_with_dash_dash_config_is_read_from_the_merge_base() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    repo.branch("pr");
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "members = [\"chair@example.com\"]",
            "members = [\"chair@example.com\", \"dev@example.com\"]",
        ),
    );
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    repo.commit(DEV, "dev joins the board and launches chat");
    repo.sign("chat", "srb", DEV);

    for args in [
        &["--base", "main", "--config", "policy.toml"][..],
        &["--base", "main"][..],
    ] {
        let lint = repo.lint(args);
        assert_eq!(lint.exit, 1, "{args:?}: {lint:#?}");
        assert!(
            lint.has("PL028"),
            "{args:?}: dev is no srb member at the base: {lint:#?}"
        );
        assert!(
            !lint.errors("LG002").is_empty(),
            "{args:?}: dev's sign-off does not count: {lint:#?}"
        );
    }
}

fn product_repo() -> Repo {
    let repo = Repo::empty();
    repo.write("README.md", "# product\n");
    repo.write("product/policy.toml", CONFIG);
    repo.write("product/policies/launch-gate.toml", POLICY);
    repo.write(
        "product/features/chat/feature.toml",
        &feature("chat", "design", "medium"),
    );
    repo.commit(PM, "initial");
    repo.branch("pr");
    repo.remove("product/policy.toml");
    repo.write(
        "product/features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    repo.commit(DEV, "drop the config and launch chat");
    repo
}

fn assert_judged_by_base_config(lint: &Lint, how: &str) {
    assert!(
        lint.exit == 1 || lint.exit == 2,
        "{how}: must not pass: {lint:#?}"
    );
    if lint.exit == 1 {
        assert!(
            !lint.errors("LG002").is_empty() && !lint.errors("LG001").is_empty(),
            "{how}: the base config still judges: {lint:#?}"
        );
    }
    assert_ne!(
        lint.summary["features_total"],
        serde_json::json!(0),
        "{how}: `0 of 0 features` is a silent pass: {lint:#?}"
    );
    assert!(
        !lint.stderr.contains("no feature manifests found"),
        "{how}: {lint:#?}"
    );
}

#[test]
fn deleting_the_config_of_a_project_in_a_subdirectory_does_not_empty_the_judge() {
    let repo = product_repo();
    let lint = repo.lint(&["-C", "product", "--base", "main"]);
    assert_judged_by_base_config(&lint, "-C product");
}

#[test]
fn deleting_the_config_is_caught_when_discovered_from_a_nested_directory() {
    let repo = product_repo();
    let lint = repo.lint(&["-C", "product/features/chat", "--base", "main"]);
    assert_judged_by_base_config(&lint, "-C product/features/chat");
}

// 7. Playbook neutering.

const PLAYBOOK: &str = "+++\nid = \"red-team\"\nversion = 1\ntitle = \"Red-team exercise\"\napplies_when = \"feature.risk_tier == 'high'\"\nrequired_sections = [\"Scope\"]\n+++\n# Red-team exercise\n## Scope\nEverything.\n";

fn playbook_repo() -> Repo {
    let repo = Repo::new();
    repo.write("playbooks/red-team.md", PLAYBOOK);
    repo.write(
        "features/upload/feature.toml",
        &format!(
            "{}playbooks = [\"red-team@1\"]\n",
            feature("upload", "design", "high")
        ),
    );
    repo.commit(PM, "upload follows red-team");
    let on_main = repo.lint(&[]);
    assert_eq!(on_main.exit, 0, "main is clean: {on_main:#?}");
    repo.branch("pr");
    repo
}

#[test]
fn neutering_applies_when_is_judged_by_the_base_playbook() {
    let repo = playbook_repo();
    repo.write(
        "playbooks/red-team.md",
        &PLAYBOOK
            .replace("version = 1", "version = 2")
            .replace("feature.risk_tier == 'high'", "false"),
    );
    repo.write(
        "features/upload/feature.toml",
        &feature("upload", "design", "high"),
    );
    repo.commit(DEV, "red-team applies to nothing");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL015").iter().any(|d| d.feature == "upload"),
        "the base's applies_when decides: {lint:#?}"
    );
}

#[test]
fn deleting_a_playbook_that_still_applies_is_an_error() {
    let repo = playbook_repo();
    repo.remove("playbooks/red-team.md");
    repo.write(
        "features/upload/feature.toml",
        &feature("upload", "design", "high"),
    );
    repo.commit(DEV, "delete red-team");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL015").iter().any(|d| d.feature == "upload"),
        "the deleted playbook still applies to upload: {lint:#?}"
    );
}

// 8. Empty roles.

#[test]
fn a_role_with_no_members_warns_in_the_config_and_its_signoffs_are_errors() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    repo.commit(PM, "chat launched");
    repo.sign("chat", "srb", CHAIR);
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "[roles.srb]\nmembers = [\"chair@example.com\"]",
            "[roles.srb]\nmembers = []",
        ),
    );
    assert!(repo.read("policy.toml").contains("members = []"));
    repo.commit(PM, "the board is empty");

    let lint = repo.lint(&[]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.find("PL012")
            .iter()
            .any(|d| d.file == "policy.toml" && d.severity == "warning"),
        "an empty role is a warning where it is defined: {lint:#?}"
    );
    assert!(
        lint.errors("PL020")
            .iter()
            .any(|d| d.file == "features/chat/signoffs/srb.toml"),
        "a sign-off for a role with no members is an error: {lint:#?}"
    );
}

// 9. A waiver from the wrong role.

#[test]
fn a_waiver_approved_by_a_role_that_does_not_own_the_rule_is_an_error() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    repo.branch("pr");
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    repo.commit(PM, "chat launched");
    repo.write(
        "waivers/chat-lg002.toml",
        &waiver("LG002", "chat", "policy-analyst"),
    );
    repo.commit(LEE, "policy-analyst waives the board");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(!lint.errors("PL032").is_empty(), "{lint:#?}");
    assert!(
        !lint.errors("LG002").is_empty(),
        "the wrong approver waives nothing: {lint:#?}"
    );
}

// 10. A stale base on GitHub's merge ref.

#[test]
fn on_a_merge_ref_the_first_parent_judges_not_a_stale_base() {
    let repo = Repo::new();
    let old_base = repo.rev("HEAD");

    repo.branch("pr");
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "review", "medium"),
    );
    repo.commit(PM, "chat to review");
    repo.sign("chat", "policy-analyst", LEE);

    // main tightens the gate after the PR branched, properly signed.
    repo.git(&["checkout", "-q", "main"]);
    let stricter = format!(
        "{}\n[[rules]]\ncode = \"LG003\"\ntitle = \"Review needs a safety researcher\"\nwhen = \"feature.stage in ['review', 'cleared', 'launched']\"\nrequire_signoffs = [\"safety-researcher\"]\n",
        POLICY.replace("version = \"1.0.0\"", "version = \"1.1.0\"")
    );
    repo.write("policies/launch-gate.toml", &stricter);
    repo.commit(PM, "add LG003");
    repo.sign_policy("launch-gate", "srb", CHAIR);
    let main_tip = repo.rev("main");

    // The synthetic merge commit: first parent main, second parent pr.
    repo.git(&["checkout", "-q", "--detach", "main"]);
    repo.git_ok_as(
        "noreply@github.com",
        &["merge", "-q", "--no-ff", "-m", "Merge pr into main", "pr"],
    );
    let merge = repo.rev("HEAD");
    assert_eq!(repo.rev(&format!("{merge}^1")), main_tip);
    assert_eq!(repo.rev(&format!("{merge}^2")), repo.rev("pr"));

    // As on a GitHub runner: the target branch is known and fetched.
    repo.git(&["update-ref", "refs/remotes/origin/main", &main_tip]);
    repo.extra_env
        .borrow_mut()
        .push(("GITHUB_BASE_REF".into(), "main".into()));
    let lint = repo.lint(&["--base", &old_base, "--head", &merge]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("LG003").iter().any(|d| d.feature == "chat"),
        "main's new rule judges the merge: {lint:#?}"
    );
    assert!(
        !lint.has("PL028"),
        "lee's own sign-off is not attributed to the merge commit: {lint:#?}"
    );
}

/// A merge commit the pull request makes itself never picks its judge: its
/// first parent is the change's own commit, not the target branch.
#[test]
fn a_merge_commit_in_the_change_does_not_make_it_its_own_judge() {
    let repo = Repo::new();
    repo.branch("pr");
    // The change adds dev to the SRB and launches chat with dev's go ...
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "members = [\"chair@example.com\"]",
            "members = [\"chair@example.com\", \"dev@example.com\"]",
        ),
    );
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    repo.commit(DEV, "launch chat");
    // ... then merges a side branch, so HEAD is a merge whose first parent
    // contains the base.
    repo.git(&["checkout", "-q", "-b", "side", "main"]);
    repo.write("README.md", "side\n");
    repo.commit(DEV, "readme");
    repo.git(&["checkout", "-q", "pr"]);
    repo.git_ok_as(DEV, &["merge", "-q", "--no-ff", "-m", "merge side", "side"]);
    for env in [false, true] {
        if env {
            let main = repo.rev("main");
            repo.git(&["update-ref", "refs/remotes/origin/main", &main]);
            repo.extra_env
                .borrow_mut()
                .push(("GITHUB_BASE_REF".into(), "main".into()));
        }
        let lint = repo.lint(&["--base", "main"]);
        assert_eq!(lint.exit, 1, "GITHUB_BASE_REF set: {env}: {lint:#?}");
        assert!(lint.has("LG001") || lint.has("LG002"), "{lint:#?}");
    }
}

// 11. Sparse checkouts.

#[test]
fn a_sparse_checkout_never_passes_silently_in_tree_mode() {
    let repo = Repo::new();
    repo.write(
        "policies/owners.toml",
        "[policy]\nid = \"owners\"\nversion = \"1.0.0\"\ntitle = \"Owners\"\nowners = [\"srb\"]\n\n[[rules]]\ncode = \"OW001\"\ntitle = \"Features name an owner\"\nassert = \"has(feature.owner)\"\n",
    );
    repo.commit(PM, "owners policy");
    let full = repo.lint(&[]);
    assert_eq!(full.exit, 1, "{full:#?}");
    assert!(full.has("OW001"), "{full:#?}");

    repo.git(&["sparse-checkout", "set", "--cone", "features"]);
    assert!(!repo.path().join("policies/owners.toml").exists());
    let sparse = repo.lint(&[]);
    // §3.1: read the governed files from the index, or say the checkout is
    // sparse (exit 2). Never a pass.
    let read_from_index = sparse.exit == 1 && sparse.has("OW001");
    let refused = sparse.exit == 2 && sparse.stderr.to_lowercase().contains("sparse");
    assert!(
        read_from_index || refused,
        "a sparse checkout must not be judged without its policies: {sparse:#?}"
    );
}

// 12. Renames keep sign-offs and their authors.

fn renamed_repo() -> Repo {
    let repo = Repo::new();
    repo.cleared_with_panel("alpha", "alpha");
    let on_main = repo.lint(&[]);
    assert_eq!(on_main.exit, 0, "main is clean: {on_main:#?}");
    repo.branch("pr");
    std::fs::create_dir_all(repo.path().join("features/team-a")).unwrap();
    repo.git_ok_as(DEV, &["mv", "features/alpha", "features/team-a/alpha"]);
    repo
}

fn assert_rename_is_clean(lint: &Lint, how: &str) {
    assert_eq!(lint.exit, 0, "{how}: {lint:#?}");
    for code in ["PL030", "PL028", "LG001", "PL017"] {
        assert!(!lint.has(code), "{how}: unexpected {code}: {lint:#?}");
    }
}

#[test]
fn moving_a_feature_directory_keeps_its_signoffs_in_range_mode() {
    let repo = renamed_repo();
    repo.commit(DEV, "move alpha under team-a");
    let lint = repo.lint(&["--base", "main"]);
    assert_rename_is_clean(&lint, "--base main");
}

#[test]
fn moving_a_feature_directory_keeps_its_signoffs_when_staged() {
    let repo = renamed_repo();
    let lint = repo.lint(&["--staged"]);
    assert_rename_is_clean(&lint, "--staged");
}

// 13. Honest changes pass.

#[test]
fn members_adding_their_own_signoffs_pass() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.cleared_with_panel("chat", "chat");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
    assert!(
        lint.diags.iter().all(|d| d.severity == "note"),
        "{:?}",
        lint.codes()
    );
}

#[test]
fn a_versioned_policy_change_with_a_fresh_owner_go_passes() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.write(
        "policies/launch-gate.toml",
        &POLICY
            .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
            .replace(
                "feature.stage in ['cleared', 'launched']",
                "feature.stage in ['review', 'cleared', 'launched']",
            ),
    );
    repo.commit(PM, "tighten the gate");
    repo.sign_policy("launch-gate", "srb", CHAIR);

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
    for code in ["PL026", "PL027", "PL028"] {
        assert!(!lint.has(code), "unexpected {code}: {lint:#?}");
    }
}

#[test]
fn adopting_the_tool_in_a_pull_request_passes_with_a_note() {
    let repo = Repo::empty();
    repo.write("README.md", "# product\n");
    repo.commit(PM, "initial");
    repo.branch("pr");
    repo.write("policy.toml", CONFIG);
    repo.write("policies/launch-gate.toml", POLICY);
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "concept", "low"),
    );
    repo.commit(PM, "adopt policy");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
    let noted = lint.diags.iter().any(|d| d.severity == "note")
        || lint.stderr.to_lowercase().contains("note");
    assert!(noted, "adoption is noted: {lint:#?}");
}

/// `policy init && policy hook install && git commit`: adopting the tool is
/// not a policy change needing sign-offs, on an unborn branch and on a
/// repository with history but no policies yet.
#[test]
fn the_commit_that_adopts_the_tool_goes_through_the_hook() {
    for with_history in [false, true] {
        let repo = Repo::empty();
        if with_history {
            repo.write("README.md", "# product\n");
            repo.commit(PM, "readme");
        }
        let (code, _, stderr) = repo.policy_as(PM, &["init"]);
        assert_eq!(code, 0, "{stderr}");
        let (code, _, stderr) = repo.policy_as(PM, &["hook", "install"]);
        assert_eq!(code, 0, "{stderr}");
        repo.git_ok_as(PM, &["add", "-A"]);
        let output = repo.git_as(PM, &["commit", "-q", "-m", "adopt policy"]);
        assert!(
            output.status.success(),
            "history: {with_history}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The next policy change is judged: it needs its owners.
        let text = repo.read("policies/launch-gate.toml");
        repo.write(
            "policies/launch-gate.toml",
            &text
                .replace("version = \"1.0.0\"", "version = \"1.0.1\"")
                .replace("title = \"", "title = \"Edited: "),
        );
        repo.git_ok_as(PM, &["add", "-A"]);
        let output = repo.git_as(PM, &["commit", "-q", "-m", "edit the gate"]);
        assert!(!output.status.success(), "history: {with_history}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("PL027"),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// A playbook whose front matter names `owners` changes only with their go
/// on the new content; the change cannot drop the owners to skip them.
#[test]
fn a_playbook_with_owners_changes_only_with_their_go() {
    let repo = Repo::new();
    let owned = PLAYBOOK.replace(
        "required_sections",
        "owners = [\"safety-researcher\"]\nrequired_sections",
    );
    repo.git_ok_as(PM, &["checkout", "-q", "main"]);
    repo.write("playbooks/red-team.md", &owned);
    repo.commit(PM, "red-team playbook with owners");
    repo.branch("pr");
    // Version bump, new text, and the owners dropped: still the base's owners.
    repo.write(
        "playbooks/red-team.md",
        &PLAYBOOK
            .replace("version = 1", "version = 2")
            .replace("Everything.", "Only the upload path."),
    );
    repo.commit(DEV, "narrow the red-team scope");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("playbook `red-team`")
                && d.message.contains("safety-researcher")),
        "{lint:#?}"
    );
    // The owner reviews and signs the new content: the change passes.
    let (code, _, stderr) = repo.policy_as(
        ANA,
        &[
            "sign",
            "red-team",
            "--playbook",
            "--role",
            "safety-researcher",
            "--signer",
            ANA,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    repo.commit(ANA, "safety-researcher signs the red-team change");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
    // Signed by someone else in the owner's name: not counted.
    repo.write(
        "playbooks/red-team.md",
        &PLAYBOOK
            .replace("version = 1", "version = 3")
            .replace("Everything.", "Nothing."),
    );
    repo.commit(DEV, "narrow it further");
    let (code, _, stderr) = repo.policy_as(
        DEV,
        &[
            "sign",
            "red-team",
            "--playbook",
            "--role",
            "safety-researcher",
            "--signer",
            ANA,
            "--force",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    repo.commit(DEV, "forge the owner's go");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(lint.has("PL028"), "{lint:#?}");
}

/// A change to a playbook touches the features that follow it, for the
/// playbook's checks only: what was already wrong with them elsewhere is
/// not this change's doing and does not block it.
#[test]
fn a_playbook_change_reports_its_followers_playbook_findings_only() {
    let repo = Repo::new();
    repo.write("playbooks/red-team.md", PLAYBOOK);
    // `chat` follows the playbook and is launched without any sign-off:
    // LG001 and LG002 fail on main already.
    repo.write(
        "features/chat/feature.toml",
        &format!(
            "{}playbooks = [\"red-team@1\"]\n",
            feature("chat", "launched", "high")
        ),
    );
    repo.commit(PM, "chat follows red-team");
    repo.branch("pr");
    repo.write(
        "playbooks/red-team.md",
        &PLAYBOOK
            .replace("version = 1", "version = 2")
            .replace("Everything.", "Everything, twice."),
    );
    repo.commit(PM, "red-team v2");
    let lint = repo.lint(&["--base", "main"]);
    assert!(
        lint.find("PL014").iter().any(|d| d.feature == "chat"),
        "the follower is told its reference is outdated: {lint:#?}"
    );
    assert!(!lint.has("LG001") && !lint.has("LG002"), "{lint:#?}");
    assert_eq!(lint.exit, 0, "{lint:#?}");
    // With --all, everything is reported as before.
    let all = repo.lint(&["--base", "main", "--all"]);
    assert!(all.has("LG002"), "{all:#?}");
}

/// Separation of duties in a real history: a panel member who edits the
/// feature cannot sign the edit off, in range mode and in tree mode.
#[test]
fn a_panel_member_cannot_sign_off_their_own_edit() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    repo.branch("pr");
    let text = repo.read("features/chat/feature.toml");
    repo.write(
        "features/chat/feature.toml",
        &format!("{text}notes = \"dana's edit\"\n"),
    );
    repo.commit(DANA, "legal counsel edits the feature");
    for (role, email) in PANEL {
        repo.sign("chat", role, email);
    }
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(lint.has("PL034"), "{lint:#?}");
    let tree = repo.lint(&[]);
    assert!(tree.has("PL034"), "{tree:#?}");
    // Another edit by someone outside the panel, signed again: clean.
    repo.write(
        "features/chat/feature.toml",
        &format!("{text}notes = \"pm's edit\"\n"),
    );
    repo.commit(PM, "pm edits the feature");
    for (role, email) in PANEL {
        repo.sign("chat", role, email);
    }
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
}

/// Re-signing with the hook installed: a cleared feature's change of
/// meaning goes through the hook with warnings (it must be committed before
/// anyone can re-sign it) while the range check fails; each panel member
/// re-signs in a commit of their own and none is blocked; a commit that
/// makes the feature worse (a launch without the SRB) is still blocked.
#[test]
fn the_panel_re_signs_through_the_hook_one_commit_each() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    let (code, _, stderr) = repo.policy_as(PM, &["hook", "install"]);
    assert_eq!(code, 0, "{stderr}");
    // The feature changes through the hook: every sign-off is now stale,
    // and only committed content can be re-signed, so the hook warns
    // instead of blocking; the pull-request check fails until re-signed.
    let text = repo.read("features/chat/feature.toml");
    repo.write(
        "features/chat/feature.toml",
        &text.replace("risk_tier = \"medium\"", "risk_tier = \"high\""),
    );
    let staged = {
        repo.git_ok_as(PM, &["add", "-A"]);
        repo.lint(&["--staged"])
    };
    assert_eq!(staged.exit, 0, "{staged:#?}");
    assert_eq!(staged.find("LG001").len(), 3);
    assert!(
        staged
            .find("LG001")
            .iter()
            .all(|d| d.severity == "warning" && d.message.contains("re-sign")),
        "{staged:#?}"
    );
    let output = repo.git_as(PM, &["commit", "-q", "-m", "chat is high risk"]);
    assert!(
        output.status.success(),
        "a change of meaning is not blocked by the hook: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let range = repo.lint(&["--base", "HEAD~1"]);
    assert_eq!(range.exit, 1, "the range check still needs the panel");
    assert_eq!(range.errors("LG001").len(), 3);
    for (role, email) in PANEL {
        let (code, _, stderr) = repo.policy_as(
            email,
            &["sign", "chat", "--role", role, "--signer", email, "--force"],
        );
        assert_eq!(code, 0, "{stderr}");
        repo.git_ok_as(email, &["add", "-A"]);
        let output = repo.git_as(email, &["commit", "-q", "-m", &format!("{role} re-signs")]);
        assert!(
            output.status.success(),
            "{role}'s re-sign commit is not blocked: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let lint = repo.lint(&[]);
    assert_eq!(lint.exit, 0, "all three fresh again: {lint:#?}");
    // Launching without the SRB makes it worse: blocked.
    let text = repo.read("features/chat/feature.toml");
    repo.write(
        "features/chat/feature.toml",
        &text.replace("stage = \"cleared\"", "stage = \"launched\""),
    );
    repo.git_ok_as(PM, &["add", "-A"]);
    let output = repo.git_as(PM, &["commit", "-q", "-m", "launch chat"]);
    assert!(
        !output.status.success(),
        "a launch without the SRB is blocked"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("LG002"));
}

/// `policy sign --commit` commits the sign-off and nothing else.
#[test]
fn sign_commit_commits_only_the_signoff() {
    let repo = Repo::new();
    repo.write("unrelated.txt", "staged, not part of the sign-off\n");
    repo.git_ok_as(CHAIR, &["add", "unrelated.txt"]);
    let (code, _, stderr) = repo.policy_as(
        CHAIR,
        &[
            "sign", "chat", "--role", "srb", "--signer", CHAIR, "--commit",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let files = repo.git_ok_as(CHAIR, &["show", "--name-only", "--format=%ae %s", "HEAD"]);
    assert!(
        files.contains("chair@example.com srb: go for feature:chat"),
        "{files}"
    );
    assert!(files.contains("features/chat/signoffs/srb.toml"), "{files}");
    assert!(!files.contains("unrelated.txt"), "{files}");
    let status = repo.git_ok_as(CHAIR, &["status", "--porcelain"]);
    assert!(status.contains("A  unrelated.txt"), "{status}");
}

/// A stale sign-off says what changed since it was signed, on the changed
/// line: the signed content is found in history by the sign-off's digest.
#[test]
fn a_stale_signoff_names_the_values_that_changed() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    let text = repo.read("features/chat/feature.toml");
    repo.write(
        "features/chat/feature.toml",
        &text.replace("risk_tier = \"medium\"", "risk_tier = \"high\""),
    );
    repo.commit(PM, "chat is high risk");
    for args in [&[][..], &["--base", "HEAD~1"][..]] {
        let lint = repo.lint(args);
        let stale = lint.find("PL017");
        assert_eq!(stale.len(), 3, "{args:?}: {lint:#?}");
        for d in stale {
            assert!(
                d.message.contains("`risk_tier` (\"medium\" → \"high\")"),
                "{args:?}: {d:?}"
            );
            assert_eq!(d.file, "features/chat/feature.toml", "on the changed line");
        }
    }
}

/// A sign-off text smuggled in as a note in one pull request, then moved
/// into `signoffs/` in the next, was written by whoever moved it there: a
/// move is followed only between files of the same kind.
#[test]
fn a_note_moved_into_signoffs_is_written_by_the_mover() {
    let repo = Repo::new();
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "cleared", "medium"),
    );
    repo.commit(PM, "chat cleared");
    for (role, email) in PANEL {
        repo.sign("chat", role, email);
    }
    // PR 1 (merged): an srb go in the chair's name, parked as a note.
    repo.branch("pr1");
    let (code, _, stderr) =
        repo.policy_as(DEV, &["sign", "chat", "--role", "srb", "--signer", CHAIR]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::create_dir_all(repo.path().join("features/chat/notes")).unwrap();
    std::fs::rename(
        repo.path().join("features/chat/signoffs/srb.toml"),
        repo.path().join("features/chat/notes/srb-draft.toml"),
    )
    .unwrap();
    repo.commit(DEV, "notes");
    assert_eq!(repo.lint(&["--base", "main"]).exit, 0);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--ff-only", "pr1"]);
    // PR 2: the note becomes the sign-off, and chat launches.
    repo.branch("pr2");
    repo.git_ok_as(
        DEV,
        &[
            "mv",
            "features/chat/notes/srb-draft.toml",
            "features/chat/signoffs/srb.toml",
        ],
    );
    let text = repo.read("features/chat/feature.toml");
    repo.write(
        "features/chat/feature.toml",
        &text.replace("stage = \"cleared\"", "stage = \"launched\""),
    );
    repo.commit(DEV, "launch");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(lint.has("PL028"), "{lint:#?}");
    assert!(lint.has("LG002"), "{lint:#?}");
}

/// What a touched-directory listing cannot see is still judged: a
/// submodule in place of a feature directory, and a manifest renamed out of
/// the features glob while the feature's sign-offs stay.
#[test]
fn a_feature_cannot_vanish_behind_a_submodule_or_a_renamed_manifest() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    repo.branch("pr");
    let head = repo.rev("HEAD");
    repo.git_ok_as(DEV, &["rm", "-rq", "--cached", "features/chat"]);
    std::fs::remove_dir_all(repo.path().join("features/chat")).unwrap();
    repo.git_ok_as(
        DEV,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{head},features/chat"),
        ],
    );
    repo.git_ok_as(DEV, &["commit", "-q", "-m", "chat becomes a submodule"]);
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(lint.has("PL031"), "{lint:#?}");

    repo.git(&["checkout", "-q", "-f", "main"]);
    repo.git(&["checkout", "-q", "-b", "pr2"]);
    let text = repo.read("features/chat/feature.toml");
    repo.write(
        "features/chat/feature.toml",
        &text.replace("stage = \"cleared\"", "stage = \"launched\""),
    );
    repo.git_ok_as(
        DEV,
        &[
            "mv",
            "features/chat/feature.toml",
            "features/chat/Feature.toml",
        ],
    );
    repo.commit(DEV, "launch, quietly");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(lint.has("PL035"), "{lint:#?}");
    let tree = repo.lint(&[]);
    assert!(tree.has("PL035"), "{tree:#?}");
}

/// `policy.toml` is part of the judge: a change to its roles takes effect
/// for every later change, so it needs the admins' go like a new policy.
#[test]
fn a_config_change_needs_the_admins_go() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "members = [\"chair@example.com\"]",
            "members = [\"chair@example.com\", \"dev@example.com\"]",
        ),
    );
    repo.commit(DEV, "dev joins the SRB");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("modifies config `policy.toml`")),
        "{lint:#?}"
    );
    // Reformatting alone needs nobody.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "pr-format"]);
    repo.write("policy.toml", &format!("# roles\n{CONFIG}"));
    repo.commit(DEV, "comment");
    assert_eq!(repo.lint(&["--base", "main"]).exit, 0);
    // The SRB approves the membership change: it lands.
    repo.git(&["checkout", "-q", "pr"]);
    let (code, _, stderr) = repo.policy_as(
        CHAIR,
        &[
            "sign",
            "--config-change",
            "--role",
            "srb",
            "--signer",
            CHAIR,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    repo.commit(CHAIR, "srb approves dev joining");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
}

/// `policy hook install` inside a linked worktree installs where git runs
/// hooks from (the main repository's hooks), so commits there are checked.
#[cfg(unix)]
#[test]
fn the_hook_installed_from_a_linked_worktree_checks_its_commits() {
    let repo = Repo::new();
    let worktree = repo.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        worktree.to_str().unwrap(),
        "-b",
        "wt",
    ]);
    let mut command = Command::new(binary());
    repo.env(&mut command, PM);
    let output = command
        .current_dir(&worktree)
        .args(["hook", "install"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(repo.path().join(".git/hooks/pre-commit").exists());
    std::fs::write(
        worktree.join("features/chat/feature.toml"),
        feature("chat", "launched", "medium"),
    )
    .unwrap();
    let mut command = Command::new("git");
    repo.env(&mut command, PM);
    let output = command
        .current_dir(&worktree)
        .args(["commit", "-q", "-am", "launch chat"])
        .output()
        .unwrap();
    assert!(!output.status.success(), "the worktree's commit is checked");
    assert!(String::from_utf8_lossy(&output.stderr).contains("LG002"));
}

/// A `.gitignore` entry never hides a committed manifest in tree mode.
#[test]
fn an_ignored_but_committed_manifest_is_checked() {
    let repo = Repo::new();
    repo.write(".gitignore", "features/secret/\n");
    repo.write(
        "features/secret/feature.toml",
        &feature("secret", "launched", "medium"),
    );
    repo.git_ok_as(PM, &["add", ".gitignore"]);
    repo.git_ok_as(PM, &["add", "-f", "features/secret/feature.toml"]);
    repo.git_ok_as(PM, &["commit", "-q", "-m", "secret launch"]);
    let tree = repo.lint(&[]);
    assert!(
        tree.errors("LG002").iter().any(|d| d.feature == "secret"),
        "{tree:#?}"
    );
}

/// A repository owned by another user: git's `safe.directory` refusal is
/// named, with the fix, instead of "not a git repository".
#[cfg(unix)]
#[test]
fn a_repository_owned_by_someone_else_names_safe_directory() {
    use std::os::unix::fs::MetadataExt;
    let repo = Repo::new();
    let owner = std::fs::metadata(repo.path()).unwrap().uid();
    let status = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(repo.path())
        .status();
    if !status.is_ok_and(|s| s.success()) || owner == 65534 {
        eprintln!("cannot give the repository to another user here; skipping");
        return;
    }
    let (code, _, stderr) = repo.policy_as(DEV, &["lint", "--staged"]);
    let _ = Command::new("chown")
        .args(["-R", &format!("{owner}:{owner}")])
        .arg(repo.path())
        .status();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("safe.directory"), "{stderr}");
    assert!(!stderr.contains("git init"), "{stderr}");
}

/// The fetch hint for a remote-tracking base names the remote and the
/// branch apart (`git fetch origin main`, not `git fetch origin origin/main`).
#[test]
fn the_fetch_hint_for_an_unknown_remote_base_is_runnable() {
    let repo = Repo::new();
    let (code, _, stderr) = repo.policy_as(DEV, &["lint", "--base", "origin/main"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`git fetch origin main`"), "{stderr}");
    // A plain branch name is fetched as a remote-tracking branch, which is
    // then the name to pass; a tag is fetched as a tag.
    let (code, _, stderr) = repo.policy_as(DEV, &["lint", "--base", "release"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`git fetch origin release`, then pass `origin/release`"),
        "{stderr}"
    );
    let (code, _, stderr) = repo.policy_as(DEV, &["lint", "--base", "refs/tags/v2.0.0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`git fetch origin tag v2.0.0`"), "{stderr}");
}

/// The hook is quiet when a commit is clean, ends a blocked commit with one
/// line saying so (and how to bypass in an emergency), and `uninstall`
/// restores the hook it kept.
#[cfg(unix)]
#[test]
fn the_hook_is_quiet_explains_a_block_and_uninstalls_cleanly() {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::new();
    let hooks = repo.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(
        hooks.join("pre-commit"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let (code, _, stderr) = repo.policy_as(PM, &["hook", "install"]);
    assert_eq!(code, 0, "{stderr}");

    repo.write("features/chat/notes.md", "clean change\n");
    repo.git_ok_as(PM, &["add", "-A"]);
    let output = repo.git_as(PM, &["commit", "-q", "-m", "notes"]);
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).trim().is_empty(),
        "a clean commit prints nothing: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    repo.git_ok_as(PM, &["add", "-A"]);
    let output = repo.git_as(PM, &["commit", "-q", "-m", "launch"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.contains("this commit is blocked") && l.contains("--no-verify")),
        "{stderr}"
    );

    let (code, _, stderr) = repo.policy_as(PM, &["hook", "uninstall"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );
    assert!(!hooks.join("pre-commit.before-policy").exists());
}

/// With `policy.toml` in a subdirectory, tree mode still finds who wrote
/// each sign-off (the history walk looks under the project's directory).
#[test]
fn authorship_is_checked_for_a_project_in_a_subdirectory() {
    let repo = Repo::empty();
    repo.write("sub/policy.toml", CONFIG);
    repo.write("sub/policies/launch-gate.toml", POLICY);
    repo.write(
        "sub/features/chat/feature.toml",
        &feature("chat", "cleared", "medium"),
    );
    repo.commit(PM, "initial");
    // dev writes the legal-counsel sign-off in dana's name.
    let mut command = Command::new(binary());
    repo.env(&mut command, DEV);
    let output = command
        .current_dir(repo.path().join("sub"))
        .args([
            "sign",
            "chat",
            "--role",
            "legal-counsel",
            "--signer",
            DANA,
            "--today",
            "2026-11-26",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    repo.commit(DEV, "forged sign-off");
    let mut command = Command::new(binary());
    repo.env(&mut command, DEV);
    let output = command
        .current_dir(repo.path().join("sub"))
        .args(["lint", "--format", "json", "--today", "2026-11-26"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("\"PL028\""), "{stdout}");
}

/// The SRB chair who moves a feature to `launched` (a field excluded from
/// the digest) in the commit that adds their go is not approving their own
/// content: the signed content was written by the product manager.
#[test]
fn moving_the_stage_next_to_a_go_is_not_self_approval() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    let text = repo.read("features/chat/feature.toml");
    repo.write(
        "features/chat/feature.toml",
        &text.replace("stage = \"cleared\"", "stage = \"launched\""),
    );
    let (code, _, stderr) =
        repo.policy_as(CHAIR, &["sign", "chat", "--role", "srb", "--signer", CHAIR]);
    assert_eq!(code, 0, "{stderr}");
    repo.git_ok_as(CHAIR, &["add", "-A"]);
    let (code, stdout, stderr) = repo.policy_as(CHAIR, &["lint", "--staged", "--format", "json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    repo.git_ok_as(CHAIR, &["commit", "-q", "-m", "launch with the SRB's go"]);
    let lint = repo.lint(&["--base", "HEAD~1"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
    let tree = repo.lint(&[]);
    assert_eq!(tree.exit, 0, "{tree:#?}");
}

/// A tag named like the base branch never becomes the base: git resolves a
/// short name to the tag first, so a pull request could push a tag `main`
/// at its own head and judge itself by itself. The ambiguity is refused.
#[test]
fn a_tag_named_like_the_base_branch_is_refused() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "launched", "medium"),
    );
    repo.commit(DEV, "launch chat");
    repo.git(&["tag", "main", "pr"]);
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 2, "{lint:#?}");
    assert!(lint.stderr.contains("ambiguous"), "{}", lint.stderr);
    // The full name judges against the branch.
    let lint = repo.lint(&["--base", "refs/heads/main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(lint.has("LG002"), "{lint:#?}");
}

/// Someone else's cosmetic commit on top of a panel member's edit does not
/// take over its authorship: the member still cannot sign their own edit.
#[test]
fn a_comment_on_top_of_an_edit_does_not_launder_self_approval() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    repo.branch("pr");
    let text = repo.read("features/chat/feature.toml");
    repo.write(
        "features/chat/feature.toml",
        &text.replace("risk_tier = \"medium\"", "risk_tier = \"high\""),
    );
    repo.commit(ANA, "ana edits the feature");
    let text = repo.read("features/chat/feature.toml");
    repo.write("features/chat/feature.toml", &format!("{text}# reviewed\n"));
    repo.commit(DEV, "a comment");
    for (role, email) in PANEL {
        repo.sign("chat", role, email);
    }
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.find("PL034")
            .iter()
            .any(|d| d.message.contains("ana@example.com")),
        "{lint:#?}"
    );
}

/// Two fields of a cleared feature changed: three gate findings and three
/// stale sign-offs follow from one edit. The human output says it once,
/// the gate first, in a screenful; JSON keeps one result per finding.
#[test]
fn a_stale_panel_is_one_diagnostic_with_the_gate_first() {
    let repo = Repo::new();
    repo.cleared_with_panel("chat", "chat");
    repo.branch("pr");
    let text = repo.read("features/chat/feature.toml");
    repo.write(
        "features/chat/feature.toml",
        &text
            .replace("risk_tier = \"medium\"", "risk_tier = \"high\"")
            .replace("title = \"Feature chat\"", "title = \"Chat\""),
    );
    repo.commit(PM, "chat: two fields");

    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.find("LG001").len(), 3, "{lint:#?}");
    assert_eq!(lint.find("PL017").len(), 3, "{lint:#?}");

    let (exit, _, human) = repo.policy_as(DEV, &["lint", "--base", "main"]);
    assert_eq!(exit, 1, "{human}");
    let lines = human.lines().count();
    assert!(lines < 40, "{lines} lines:\n{human}");
    assert_eq!(
        human.lines().next(),
        Some("LG001"),
        "the gate that blocks comes first:\n{human}"
    );
    assert_eq!(human.matches("LG001\n").count(), 1, "{human}");
    assert!(!human.contains("PL017\n"), "PL017 folded in:\n{human}");
    for role in ["safety-researcher", "policy-analyst", "legal-counsel"] {
        assert!(human.contains(&format!("`{role}`")), "{role}:\n{human}");
    }
    assert!(
        human.contains("was \"medium\" when signed") && human.contains("was \"Feature chat\""),
        "both changed values are labelled:\n{human}"
    );
    assert!(
        human.contains("6 findings shown as one: LG001 ×3 (error), PL017 ×3 (warning)"),
        "{human}"
    );
    assert!(!human.contains("violates this rule"), "{human}");
    // The summary still counts every finding.
    assert!(
        human.contains("3 errors, 3 warnings in 1 feature"),
        "{human}"
    );
    insta::assert_snapshot!(human);
}

// Impact preview of a policy change (PL038).

const OWNER_RULE: &str = "\n[[rules]]\ncode = \"EX001\"\ntitle = \"Features name an owner\"\nseverity = \"warning\"\nassert = \"has(feature.owner)\"\n";

/// `main` with two features that name no owner, and a branch `pr`.
fn preview_repo(policy: &str) -> Repo {
    let repo = Repo::new();
    repo.write("policies/launch-gate.toml", policy);
    repo.write(
        "features/search/feature.toml",
        &feature("search", "design", "medium"),
    );
    repo.commit(PM, "search");
    repo.branch("pr");
    repo
}

#[test]
fn a_pr_adding_a_rule_previews_the_features_that_would_fail_it() {
    let repo = preview_repo(POLICY);
    repo.write(
        "policies/launch-gate.toml",
        &format!("{}{OWNER_RULE}", POLICY.replace("1.0.0", "1.1.0")),
    );
    repo.commit(DEV, "require an owner");

    // Unsigned, the change's rules are not run on every feature.
    let lint = repo.lint(&["--base", "main"]);
    let notes = lint.find("PL038");
    assert_eq!(notes.len(), 1, "{lint:#?}");
    assert!(
        notes[0]
            .message
            .contains("once the change carries its owners' go")
    );
    assert!(!lint.has("EX001"), "the base judges the change: {lint:#?}");
    // With the owner's go, the preview names the features; the note alone
    // never fails a check.
    repo.sign_policy("launch-gate", "srb", CHAIR);
    let signed = repo.lint(&["--base", "main"]);
    assert_eq!(signed.exit, 0, "{signed:#?}");
    let notes = signed.find("PL038");
    assert_eq!(notes.len(), 1, "one note per rule: {signed:#?}");
    assert_eq!(notes[0].severity, "note");
    assert_eq!(
        notes[0].message,
        "after this change, 2 features would fail EX001 (new rule): `chat`, `search`"
    );
    assert_eq!(notes[0].file, "policies/launch-gate.toml");
}

/// A rule every feature would fail is one note that counts them.
#[test]
fn a_preview_names_ten_features_and_counts_the_rest() {
    let repo = preview_repo(POLICY);
    for n in 0..12 {
        repo.write(
            &format!("features/f{n:02}/feature.toml"),
            &feature(&format!("f{n:02}"), "design", "low"),
        );
    }
    repo.commit(PM, "twelve more");
    repo.write(
        "policies/launch-gate.toml",
        &format!("{}{OWNER_RULE}", POLICY.replace("1.0.0", "1.1.0")),
    );
    repo.commit(DEV, "require an owner");
    repo.sign_policy("launch-gate", "srb", CHAIR);
    let lint = repo.lint(&["--base", "main"]);
    let notes = lint.find("PL038");
    assert_eq!(notes.len(), 1, "{lint:#?}");
    assert!(
        notes[0].message.starts_with(
            "after this change, 14 features would fail EX001 (new rule): `chat`, `f00`"
        ),
        "{}",
        notes[0].message
    );
    assert!(
        notes[0].message.ends_with(", 4 more"),
        "{}",
        notes[0].message
    );
}

#[test]
fn a_pr_relaxing_a_rule_previews_the_features_that_would_pass_it() {
    let repo = preview_repo(&format!("{POLICY}{OWNER_RULE}"));
    repo.write(
        "policies/launch-gate.toml",
        &format!("{POLICY}{OWNER_RULE}")
            .replace("1.0.0", "1.1.0")
            .replace(
                "has(feature.owner)",
                "feature.stage == 'design' || has(feature.owner)",
            ),
    );
    repo.commit(DEV, "owners from review on");
    repo.sign_policy("launch-gate", "srb", CHAIR);

    let lint = repo.lint(&["--base", "main"]);
    let messages: Vec<&str> = lint
        .find("PL038")
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        ["after this change, 2 features would no longer fail EX001: `chat`, `search`"],
        "{lint:#?}"
    );
}

#[test]
fn a_pr_not_touching_policies_gets_no_preview() {
    let repo = preview_repo(&format!("{POLICY}{OWNER_RULE}"));
    repo.write(
        "features/chat/feature.toml",
        &feature("chat", "design", "high"),
    );
    repo.commit(PM, "chat is high risk");

    let lint = repo.lint(&["--base", "main"]);
    assert!(!lint.has("PL038"), "{lint:#?}");
    assert!(lint.has("EX001"), "the rule in force still runs: {lint:#?}");
}

/// A policy change loads every manifest for its preview; a manifest the
/// change does not touch, broken on main already, does not fail it.
#[test]
fn a_signed_policy_change_is_not_failed_by_an_untouched_broken_manifest() {
    let repo = Repo::new();
    repo.write(
        "features/broken/feature.toml",
        "id = \"broken\nstage = \"design\"\n",
    );
    repo.commit(PM, "a manifest that does not parse");
    repo.branch("pr");
    repo.write(
        "policies/launch-gate.toml",
        &format!("{}{OWNER_RULE}", POLICY.replace("1.0.0", "1.1.0")),
    );
    repo.commit(DEV, "require an owner");
    repo.sign_policy("launch-gate", "srb", CHAIR);
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
    assert!(lint.has("PL038"), "{lint:#?}");
    // On main, the broken manifest is still reported.
    repo.git(&["checkout", "-q", "main"]);
    assert_eq!(repo.lint(&[]).exit, 1);
}

/// A panel member who only moved `stage` (excluded from the digest) on
/// main is not the author of the feature: the launch pull request is not
/// refused as self-approval. One who wrote the meaning still is.
#[test]
fn moving_only_the_stage_does_not_make_a_signer_the_author() {
    let repo = Repo::new();
    repo.write(
        "features/upload/feature.toml",
        &feature("upload", "review", "medium"),
    );
    repo.commit(PM, "upload in review");
    for (role, email) in PANEL {
        repo.sign("upload", role, email);
    }
    let text = repo.read("features/upload/feature.toml");
    repo.write(
        "features/upload/feature.toml",
        &text.replace("stage = \"review\"", "stage = \"cleared\""),
    );
    repo.commit(ANA, "upload cleared");
    repo.branch("pr");
    let text = repo.read("features/upload/feature.toml");
    repo.write(
        "features/upload/feature.toml",
        &text.replace("stage = \"cleared\"", "stage = \"launched\""),
    );
    repo.commit(PM, "launch upload");
    repo.sign("upload", "srb", CHAIR);
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");

    // Control: ana writes the feature's meaning, then signs it.
    let repo = Repo::new();
    repo.write(
        "features/upload/feature.toml",
        &feature("upload", "cleared", "medium"),
    );
    repo.commit(ANA, "ana writes upload");
    for (role, email) in PANEL {
        repo.sign("upload", role, email);
    }
    repo.branch("pr");
    let text = repo.read("features/upload/feature.toml");
    repo.write(
        "features/upload/feature.toml",
        &text.replace("stage = \"cleared\"", "stage = \"launched\""),
    );
    repo.commit(PM, "launch upload");
    repo.sign("upload", "srb", CHAIR);
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.diags
            .iter()
            .any(|d| d.message.contains("wrote the feature")),
        "{lint:#?}"
    );
}

/// A directory move by someone else does not make the mover the author of
/// the feature: the panel member who wrote it still cannot approve it.
#[test]
fn a_move_by_someone_else_does_not_launder_self_approval() {
    let repo = Repo::new();
    repo.write(
        "features/team1/x/feature.toml",
        &feature("x", "review", "medium"),
    );
    repo.commit(ANA, "ana writes x");
    std::fs::create_dir_all(repo.path().join("features/team2")).unwrap();
    repo.git_ok_as(PM, &["mv", "features/team1/x", "features/team2/x"]);
    repo.commit(PM, "reorganise teams");
    check_move_keeps_the_author(repo);
}

/// The same, when the move also changes a field that does not count.
#[test]
fn a_move_with_a_stage_change_does_not_launder_self_approval() {
    let repo = Repo::new();
    repo.write(
        "features/team1/x/feature.toml",
        &feature("x", "design", "medium"),
    );
    repo.commit(ANA, "ana writes x");
    std::fs::create_dir_all(repo.path().join("features/team2")).unwrap();
    repo.git_ok_as(PM, &["mv", "features/team1/x", "features/team2/x"]);
    let text = repo.read("features/team2/x/feature.toml");
    repo.write(
        "features/team2/x/feature.toml",
        &text.replace("stage = \"design\"", "stage = \"review\""),
    );
    repo.commit(PM, "reorganise teams; x in review");
    check_move_keeps_the_author(repo);
}

/// Ana clears `x` in a pull request and the panel signs, ana included: her
/// go is self-approval, however the directory moved before.
fn check_move_keeps_the_author(repo: Repo) {
    repo.branch("pr");
    let text = repo.read("features/team2/x/feature.toml");
    repo.write(
        "features/team2/x/feature.toml",
        &text.replace("stage = \"review\"", "stage = \"cleared\""),
    );
    repo.commit(ANA, "x cleared");
    for (role, email) in PANEL {
        repo.sign("x", role, email);
    }
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.diags
            .iter()
            .any(|d| d.message.contains("wrote the feature")),
        "{lint:#?}"
    );
}

// Separation of duties fails closed: a sign-off whose approved content has
// no known author does not count (DESIGN §2.5).

impl Repo {
    /// A clone of this repository holding the last `depth` commits of every
    /// branch (over file:// so that the depth applies), on branch `branch`.
    fn shallow_clone(&self, depth: &str, branch: &str) -> Repo {
        let clone = Repo {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
            extra_env: Default::default(),
        };
        let source = format!("file://{}", self.path().display());
        self.git(&[
            "clone",
            "-q",
            "--depth",
            depth,
            "--no-single-branch",
            &source,
            clone.path().to_str().unwrap(),
        ]);
        clone.git(&["checkout", "-q", branch]);
        clone
    }

    /// Runs without any git identity (no `GIT_AUTHOR_EMAIL`, no
    /// `user.email`), as a check run before git would ask for one.
    fn without_identity(&self) {
        self.extra_env
            .borrow_mut()
            .push(("GIT_AUTHOR_EMAIL".into(), String::new()));
    }

    /// `email` signs policy `id` (`--policy`, plus `extra`) in the working
    /// tree without committing.
    fn write_policy_signoff(&self, id: &str, role: &str, email: &str, extra: &[&str]) {
        let mut args = vec!["sign", id, "--role", role, "--signer", email, "--force"];
        args.extend_from_slice(extra);
        let (code, _, stderr) = self.policy_as(email, &args);
        assert_eq!(code, 0, "sign {args:?}: {stderr}");
    }

    /// `email` signs `feature` for `role` in the working tree without
    /// committing.
    fn write_signoff(&self, feature: &str, role: &str, email: &str) {
        let (code, _, stderr) = self.policy_as(
            email,
            &[
                "sign", feature, "--role", role, "--signer", email, "--force",
            ],
        );
        assert_eq!(code, 0, "sign {feature} as {role}: {stderr}");
    }
}

/// A PL034 error saying the author could not be determined.
fn author_undetermined(lint: &Lint) -> bool {
    lint.errors("PL034")
        .iter()
        .any(|d| d.message.contains("could not be determined"))
}

/// Ana writes feature `x` on main long before her panel signs it in a pull
/// request; the base `main` is then five unrelated commits further on.
fn ana_writes_x_then_main_moves_on() -> Repo {
    let repo = Repo::new();
    repo.write(
        "features/x/feature.toml",
        &feature("x", "cleared", "medium"),
    );
    repo.commit(ANA, "ana writes x");
    for n in 0..5 {
        repo.write("notes.md", &format!("note {n}\n"));
        repo.commit(PM, &format!("note {n}"));
    }
    repo
}

/// A shallow clone whose history stops before the commit that wrote the
/// feature cannot say who wrote it: the panel member's go does not count,
/// with the fix, instead of passing as if someone else wrote it.
#[test]
fn a_shallow_clone_cannot_hide_who_wrote_the_signed_feature() {
    let repo = ana_writes_x_then_main_moves_on();
    repo.branch("pr");
    for (role, email) in PANEL {
        repo.sign("x", role, email);
    }
    // With the whole history, ana's go is self-approval.
    let full = repo.lint(&["--base", "main"]);
    assert_eq!(full.exit, 1, "{full:#?}");
    assert!(
        full.find("PL034")
            .iter()
            .any(|d| d.message.contains("wrote the feature")),
        "{full:#?}"
    );
    // Four commits of each branch: the pull request and its base are
    // there, ana's commit is not.
    let clone = repo.shallow_clone("4", "pr");
    let lint = clone.lint(&["--base", "origin/main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(author_undetermined(&lint), "{lint:#?}");
    assert!(
        lint.diags.iter().any(|d| d.code == "PL034"
            && d.file == "features/x/signoffs/safety-researcher.toml"
            && d.message.contains("shallow clone")),
        "the finding is on the sign-off and says why: {lint:#?}"
    );
    let (_, _, human) = clone.policy_as(DEV, &["lint", "--base", "origin/main"]);
    assert!(human.contains("fetch-depth: 0"), "{human}");
}

/// The same clone on a pull request that only moves the feature's stage (a
/// field the digest leaves out) under the panel's sign-offs from the base:
/// those were judged when they landed, nothing new is approved, it passes.
#[test]
fn a_shallow_clone_keeps_quiet_on_signoffs_already_in_force_at_the_base() {
    let repo = Repo::new();
    repo.write(
        "features/x/feature.toml",
        &feature("x", "cleared", "medium"),
    );
    repo.commit(PM, "pm writes x");
    for (role, email) in PANEL {
        repo.sign("x", role, email);
    }
    for n in 0..5 {
        repo.write("notes.md", &format!("note {n}\n"));
        repo.commit(PM, &format!("note {n}"));
    }
    repo.branch("pr");
    let text = repo.read("features/x/feature.toml");
    repo.write(
        "features/x/feature.toml",
        &text.replace("stage = \"cleared\"", "stage = \"paused\""),
    );
    repo.commit(PM, "pause x");
    let clone = repo.shallow_clone("3", "pr");
    let lint = clone.lint(&["--base", "origin/main"]);
    assert!(!lint.has("PL034"), "{lint:#?}");
    assert_eq!(lint.exit, 0, "{lint:#?}");
}

/// A policy owner who deletes the policy cannot approve the deletion: the
/// deletion's author is whoever deleted it. Someone else's deletion with
/// the owner's go passes.
#[test]
fn the_owner_who_deletes_a_policy_cannot_approve_the_deletion() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.remove("policies/launch-gate.toml");
    repo.commit(CHAIR, "chair deletes the launch gate");
    repo.write_policy_signoff(
        "launch-gate",
        "srb",
        CHAIR,
        &["--policy", "--deletes", "--from", "main"],
    );
    repo.commit(CHAIR, "srb approves the deletion");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("who wrote this change")),
        "{lint:#?}"
    );

    // Control: dev deletes it, the chair reviews and approves.
    let repo = Repo::new();
    repo.branch("pr");
    repo.remove("policies/launch-gate.toml");
    repo.commit(DEV, "dev deletes the launch gate");
    repo.write_policy_signoff(
        "launch-gate",
        "srb",
        CHAIR,
        &["--policy", "--deletes", "--from", "main"],
    );
    repo.commit(CHAIR, "srb approves the deletion");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
}

/// An admin who edits `policy.toml` (the judge) cannot approve the edit.
#[test]
fn the_admin_who_edits_the_config_cannot_approve_it() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.write(
        "policy.toml",
        &CONFIG.replace(
            "[\"chair@example.com\"]",
            "[\"chair@example.com\", \"dev@example.com\"]",
        ),
    );
    repo.commit(CHAIR, "chair adds dev to the srb");
    let (code, _, stderr) = repo.policy_as(
        CHAIR,
        &[
            "sign",
            "--config-change",
            "--role",
            "srb",
            "--signer",
            CHAIR,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    repo.commit(CHAIR, "srb approves");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("config") && d.message.contains("who wrote this change")),
        "{lint:#?}"
    );
}

/// A weak version of the policy, written long ago and replaced on main,
/// is merged back in by the chair, who then approves it. No commit of the
/// pull request writes that content: who chose it is unknown, so the go
/// does not count (it used to be credited to the old version's author).
#[test]
fn an_old_policy_version_merged_back_in_has_no_known_author() {
    let repo = Repo::new();
    let weak = POLICY.replace("version = \"1.0.0\"", "version = \"2.0.0\"");
    let weak = &weak[..weak.find("[[rules]]\ncode = \"LG002\"").unwrap()];
    repo.write("policies/launch-gate.toml", weak);
    repo.commit(PM, "pm drops LG002");
    let old = repo.rev("HEAD");
    repo.write("policies/launch-gate.toml", POLICY);
    repo.commit(PM, "pm restores LG002");
    repo.branch("pr");
    // A merge with the old commit as second parent, taking its policy.
    repo.git(&["checkout", "-q", &old, "--", "policies/launch-gate.toml"]);
    let tree = repo.git(&["write-tree"]);
    let merge = repo.git_ok_as(
        CHAIR,
        &[
            "commit-tree",
            tree.trim(),
            "-p",
            "HEAD",
            "-p",
            &old,
            "-m",
            "merge the old gate",
        ],
    );
    repo.git(&["reset", "-q", "--hard", merge.trim()]);
    repo.write_policy_signoff("launch-gate", "srb", CHAIR, &["--policy"]);
    repo.commit(CHAIR, "srb approves");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(author_undetermined(&lint), "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("could not be determined")),
        "{lint:#?}"
    );
}

/// Staged, with no identity to commit: the staged edit of a cleared
/// feature has no author, so the panel's fresh sign-offs do not count.
#[test]
fn staged_without_an_identity_a_feature_edit_has_no_author() {
    let repo = Repo::new();
    repo.cleared_with_panel("upload", "upload");
    let text = repo.read("features/upload/feature.toml");
    repo.write(
        "features/upload/feature.toml",
        &text.replace("title = \"Feature upload\"", "title = \"Upload\""),
    );
    for (role, email) in PANEL {
        repo.write_signoff("upload", role, email);
    }
    repo.git(&["add", "-A"]);
    // With an identity (ana's), her own go is self-approval.
    let (code, stdout, _) = repo.policy_as(ANA, &["lint", "--staged", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("wrote the feature"), "{stdout}");
    repo.without_identity();
    let lint = repo.lint(&["--staged"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(author_undetermined(&lint), "{lint:#?}");
    assert!(
        lint.errors("PL034")
            .iter()
            .any(|d| d.message.contains("no git identity")),
        "{lint:#?}"
    );
}

/// The same for a staged policy change and a staged playbook change.
#[test]
fn staged_without_an_identity_a_policy_or_playbook_edit_has_no_author() {
    let repo = Repo::new();
    repo.write(
        "policies/launch-gate.toml",
        &POLICY
            .replace("title = \"Launch gate\"", "title = \"The launch gate\"")
            .replace("version = \"1.0.0\"", "version = \"1.1.0\""),
    );
    repo.write_policy_signoff("launch-gate", "srb", CHAIR, &["--policy"]);
    repo.git(&["add", "-A"]);
    // Committed by the chair, the go is self-approval.
    let (code, stdout, _) = repo.policy_as(CHAIR, &["lint", "--staged", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("who wrote this change"), "{stdout}");
    repo.without_identity();
    let lint = repo.lint(&["--staged"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(author_undetermined(&lint), "{lint:#?}");
    assert!(!lint.errors("PL027").is_empty(), "{lint:#?}");

    let repo = Repo::new();
    let owned = PLAYBOOK.replace(
        "required_sections",
        "owners = [\"safety-researcher\"]\nrequired_sections",
    );
    repo.write("playbooks/red-team.md", &owned);
    repo.commit(PM, "red-team playbook with owners");
    repo.write(
        "playbooks/red-team.md",
        &owned
            .replace("version = 1", "version = 2")
            .replace("Everything.", "Only the upload path."),
    );
    let (code, _, stderr) = repo.policy_as(
        ANA,
        &[
            "sign",
            "red-team",
            "--playbook",
            "--role",
            "safety-researcher",
            "--signer",
            ANA,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    repo.git(&["add", "-A"]);
    let (code, stdout, _) = repo.policy_as(ANA, &["lint", "--staged", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("who wrote this change"), "{stdout}");
    repo.without_identity();
    let lint = repo.lint(&["--staged"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(author_undetermined(&lint), "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("playbook `red-team`")),
        "{lint:#?}"
    );
}

/// Without authorship checks (`verify_authors = false`) nothing is looked
/// up, and nothing fails for it.
#[test]
fn without_authorship_checks_an_unknown_author_is_not_an_error() {
    let repo = Repo::empty();
    repo.write(
        "policy.toml",
        &CONFIG.replace("verify_authors = true", "verify_authors = false"),
    );
    repo.write("policies/launch-gate.toml", POLICY);
    repo.write(
        "features/x/feature.toml",
        &feature("x", "cleared", "medium"),
    );
    repo.commit(PM, "initial");
    let text = repo.read("features/x/feature.toml");
    repo.write(
        "features/x/feature.toml",
        &text.replace("title = \"Feature x\"", "title = \"X\""),
    );
    for (role, email) in PANEL {
        repo.write_signoff("x", role, email);
    }
    repo.git(&["add", "-A"]);
    repo.without_identity();
    let lint = repo.lint(&["--staged"]);
    assert!(!lint.has("PL034"), "{lint:#?}");
    assert_eq!(lint.exit, 0, "{lint:#?}");
}

// Separation of duties across several commits of one change: every commit
// that changed the meaning of what is signed is by one of its authors, not
// only the last one.

/// Ana lowers the risk tier of `x` in a pull request; a later commit by
/// someone else (a note, or a revert and redo of her edit) does not make
/// her go count on content she wrote.
#[test]
fn a_later_commit_by_someone_else_does_not_launder_an_edit() {
    type Later = fn(&Repo);
    let later_edits: [(&str, Later); 2] = [
        ("a note added on top", |repo| {
            let text = repo.read("features/x/feature.toml");
            repo.write("features/x/feature.toml", &format!("{text}notes = \"n\"\n"));
            repo.commit(DEV, "dev adds a note");
        }),
        ("a revert and a redo", |repo| {
            repo.git_ok_as(DEV, &["revert", "--no-edit", "HEAD"]);
            repo.git_ok_as(DEV, &["revert", "--no-edit", "HEAD"]);
        }),
    ];
    for (how, later) in later_edits {
        let repo = Repo::new();
        repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
        repo.commit(PM, "pm writes x");
        repo.branch("pr");
        repo.write("features/x/feature.toml", &feature("x", "cleared", "low"));
        repo.commit(ANA, "ana lowers the tier and clears x");
        later(&repo);
        for (role, email) in PANEL {
            repo.sign("x", role, email);
        }
        let lint = repo.lint(&["--base", "main"]);
        assert_eq!(lint.exit, 1, "{how}: {lint:#?}");
        assert!(
            lint.errors("PL034")
                .iter()
                .any(|d| d.message.contains("ana@example.com")
                    && d.message.contains("wrote the feature")),
            "{how}: {lint:#?}"
        );
    }

    // Control: ana wrote `x` on main long ago; pm edits it in the pull
    // request and a note follows: ana's go counts.
    let repo = Repo::new();
    repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
    repo.commit(ANA, "ana writes x");
    repo.branch("pr");
    repo.write("features/x/feature.toml", &feature("x", "cleared", "low"));
    repo.commit(PM, "pm lowers the tier and clears x");
    let text = repo.read("features/x/feature.toml");
    repo.write("features/x/feature.toml", &format!("{text}notes = \"n\"\n"));
    repo.commit(DEV, "dev adds a note");
    for (role, email) in PANEL {
        repo.sign("x", role, email);
    }
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
}

/// The chair weakens the launch gate, someone else retitles it after, and
/// the chair approves: the go is still self-approval. The same for an
/// owner's edit of a playbook with a blank line added on top.
#[test]
fn a_later_commit_by_someone_else_does_not_launder_a_policy_or_playbook_edit() {
    let repo = Repo::new();
    repo.branch("pr");
    let weakened = POLICY
        .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
        .replace("when = \"feature.stage == 'launched'\"", "when = \"false\"");
    repo.write("policies/launch-gate.toml", &weakened);
    repo.commit(CHAIR, "chair turns LG002 off");
    repo.write(
        "policies/launch-gate.toml",
        &weakened.replace("title = \"Launch gate\"", "title = \"The launch gate\""),
    );
    repo.commit(DEV, "dev retitles the gate");
    repo.sign_policy("launch-gate", "srb", CHAIR);
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("who wrote this change")),
        "{lint:#?}"
    );

    let repo = Repo::new();
    let owned = PLAYBOOK.replace(
        "required_sections",
        "owners = [\"safety-researcher\"]\nrequired_sections",
    );
    repo.write("playbooks/red-team.md", &owned);
    repo.commit(PM, "red-team playbook with owners");
    repo.branch("pr");
    let narrowed = owned
        .replace("version = 1", "version = 2")
        .replace("Everything.", "Only the upload path.");
    repo.write("playbooks/red-team.md", &narrowed);
    repo.commit(ANA, "ana narrows the red-team scope");
    repo.write("playbooks/red-team.md", &format!("{narrowed}\n"));
    repo.commit(DEV, "dev adds a blank line");
    let (code, _, stderr) = repo.policy_as(
        ANA,
        &[
            "sign",
            "red-team",
            "--playbook",
            "--role",
            "safety-researcher",
            "--signer",
            ANA,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    repo.commit(ANA, "ana approves");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("playbook `red-team`")
                && d.message.contains("who wrote this change")),
        "{lint:#?}"
    );
}

/// The chair adds dev to the srb in `policy.toml`, dev adds a comment on
/// top, and the chair approves the config change: the go is still the
/// chair's approval of their own edit.
#[test]
fn a_later_commit_by_someone_else_does_not_launder_a_config_edit() {
    let repo = Repo::new();
    repo.branch("pr");
    let widened = CONFIG.replace(
        "[\"chair@example.com\"]",
        "[\"chair@example.com\", \"dev@example.com\"]",
    );
    repo.write("policy.toml", &widened);
    repo.commit(CHAIR, "chair adds dev to the srb");
    repo.write("policy.toml", &format!("# reviewed\n{widened}"));
    repo.commit(DEV, "dev adds a comment");
    let (code, _, stderr) = repo.policy_as(
        CHAIR,
        &[
            "sign",
            "--config-change",
            "--role",
            "srb",
            "--signer",
            CHAIR,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    repo.commit(CHAIR, "srb approves");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("config") && d.message.contains("who wrote this change")),
        "{lint:#?}"
    );
}

/// Dev edits the launch gate in a pull request, then the chair deletes
/// it and approves the deletion: the deletion is still the chair's own
/// change, whoever edited the policy before it went.
#[test]
fn an_earlier_edit_by_someone_else_does_not_launder_a_deletion() {
    let repo = Repo::new();
    repo.branch("pr");
    repo.write(
        "policies/launch-gate.toml",
        &POLICY
            .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
            .replace("title = \"Launch gate\"", "title = \"The launch gate\""),
    );
    repo.commit(DEV, "dev retitles the gate");
    repo.remove("policies/launch-gate.toml");
    repo.commit(CHAIR, "chair deletes the launch gate");
    repo.write_policy_signoff(
        "launch-gate",
        "srb",
        CHAIR,
        &["--policy", "--deletes", "--from", "main"],
    );
    repo.commit(CHAIR, "srb approves the deletion");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("who wrote this change")),
        "{lint:#?}"
    );
}

/// Ana lowers `x`'s risk tier in a pull request; pm then moves the
/// feature's directory and clears it in one commit (a move with an edit is
/// new content at the new path). Her go is still self-approval: the move
/// does not make pm the only author of what she wrote.
#[test]
fn a_move_with_an_edit_by_someone_else_does_not_launder_an_edit() {
    let repo = Repo::new();
    repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
    repo.commit(PM, "pm writes x");
    repo.branch("pr");
    repo.write("features/x/feature.toml", &feature("x", "review", "low"));
    repo.commit(ANA, "ana lowers the tier");
    std::fs::create_dir_all(repo.path().join("features/team2")).unwrap();
    repo.git_ok_as(PM, &["mv", "features/x", "features/team2/x"]);
    let text = repo.read("features/team2/x/feature.toml");
    repo.write(
        "features/team2/x/feature.toml",
        &text.replace("stage = \"review\"", "stage = \"cleared\""),
    );
    repo.commit(PM, "pm moves x to team2 and clears it");
    for (role, email) in PANEL {
        repo.sign("x", role, email);
    }
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL034")
            .iter()
            .any(|d| d.message.contains("ana@example.com")
                && d.message.contains("wrote the feature")),
        "{lint:#?}"
    );

    // Control: ana wrote `x` on main long ago; pm lowers the tier in the
    // pull request and dev moves and clears it: ana's go counts.
    let repo = Repo::new();
    repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
    repo.commit(ANA, "ana writes x");
    repo.branch("pr");
    repo.write("features/x/feature.toml", &feature("x", "review", "low"));
    repo.commit(PM, "pm lowers the tier");
    std::fs::create_dir_all(repo.path().join("features/team2")).unwrap();
    repo.git_ok_as(DEV, &["mv", "features/x", "features/team2/x"]);
    let text = repo.read("features/team2/x/feature.toml");
    repo.write(
        "features/team2/x/feature.toml",
        &text.replace("stage = \"review\"", "stage = \"cleared\""),
    );
    repo.commit(DEV, "dev moves x to team2 and clears it");
    for (role, email) in PANEL {
        repo.sign("x", role, email);
    }
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
}

/// The chair weakens the launch gate; dev then renames its file and
/// retitles it in one commit. The chair's go is still approval of their
/// own edit: a rename with an edit does not drop who edited before it.
/// The same for a playbook.
#[test]
fn a_rename_with_an_edit_by_someone_else_does_not_launder_a_policy_or_playbook_edit() {
    let repo = Repo::new();
    repo.branch("pr");
    let weakened = POLICY
        .replace("version = \"1.0.0\"", "version = \"1.1.0\"")
        .replace("when = \"feature.stage == 'launched'\"", "when = \"false\"");
    repo.write("policies/launch-gate.toml", &weakened);
    repo.commit(CHAIR, "chair turns LG002 off");
    repo.remove("policies/launch-gate.toml");
    repo.write(
        "policies/gate.toml",
        &weakened.replace("title = \"Launch gate\"", "title = \"The launch gate\""),
    );
    repo.commit(DEV, "dev renames and retitles the gate");
    repo.sign_policy("launch-gate", "srb", CHAIR);
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("who wrote this change")),
        "{lint:#?}"
    );

    // The same for a playbook an owner narrows and dev moves to another
    // directory under another name, with a blank line added.
    let repo = Repo::new();
    let owned = PLAYBOOK.replace(
        "required_sections",
        "owners = [\"safety-researcher\"]\nrequired_sections",
    );
    repo.write("playbooks/red-team.md", &owned);
    repo.commit(PM, "red-team playbook with owners");
    repo.branch("pr");
    let narrowed = owned
        .replace("version = 1", "version = 2")
        .replace("Everything.", "Only the upload path.");
    repo.write("playbooks/red-team.md", &narrowed);
    repo.commit(ANA, "ana narrows the red-team scope");
    repo.remove("playbooks/red-team.md");
    repo.write("playbooks/security/rt.md", &format!("{narrowed}\n"));
    repo.commit(DEV, "dev moves the playbook and adds a blank line");
    let (code, _, stderr) = repo.policy_as(
        ANA,
        &[
            "sign",
            "red-team",
            "--playbook",
            "--role",
            "safety-researcher",
            "--signer",
            ANA,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    repo.commit(ANA, "ana approves");
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL027")
            .iter()
            .any(|d| d.message.contains("playbook `red-team`")
                && d.message.contains("who wrote this change")),
        "{lint:#?}"
    );
}

/// Ana lowers `x`'s risk tier in a pull request; pm then renames the
/// feature to `y` (its id and its directory) in one commit and clears it.
/// The rename is a move with an edit: ana's go on `y` is still approval of
/// her own edit.
#[test]
fn renaming_a_feature_does_not_launder_an_edit() {
    let rename = |repo: &Repo, email: &str| {
        repo.git_ok_as(email, &["mv", "features/x", "features/y"]);
        let text = repo.read("features/y/feature.toml");
        repo.write(
            "features/y/feature.toml",
            &text
                .replace("id = \"x\"", "id = \"y\"")
                .replace("stage = \"review\"", "stage = \"cleared\""),
        );
        repo.commit(email, "rename x to y and clear it");
    };
    let repo = Repo::new();
    repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
    repo.commit(PM, "pm writes x");
    repo.branch("pr");
    repo.write("features/x/feature.toml", &feature("x", "review", "low"));
    repo.commit(ANA, "ana lowers the tier");
    rename(&repo, PM);
    for (role, email) in PANEL {
        repo.sign("y", role, email);
    }
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL034")
            .iter()
            .any(|d| d.message.contains("ana@example.com")
                && d.message.contains("wrote the feature")),
        "{lint:#?}"
    );

    // Control: ana wrote `x` on main; pm lowers the tier in the pull
    // request and dev renames it: ana's go on `y` counts.
    let repo = Repo::new();
    repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
    repo.commit(ANA, "ana writes x");
    repo.branch("pr");
    repo.write("features/x/feature.toml", &feature("x", "review", "low"));
    repo.commit(PM, "pm lowers the tier");
    rename(&repo, DEV);
    for (role, email) in PANEL {
        repo.sign("y", role, email);
    }
    let lint = repo.lint(&["--base", "main"]);
    assert_eq!(lint.exit, 0, "{lint:#?}");
}

/// Tree mode on the merged result: ana lowers `x`'s tier and clears it,
/// dev adds a note on top, and the panel (ana included) signs. Range mode
/// fails her go (see above); tree mode takes the author of the newest
/// meaning (dev's note) alone and passes it.
#[test]
#[ignore = "gap: tree mode's author of a feature is the commit that gave it its current meaning only, so a later edit by someone else (a note) launders an earlier edit; range mode, the gate, catches it"]
fn tree_mode_a_later_commit_by_someone_else_does_not_launder_an_edit() {
    let repo = Repo::new();
    repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
    repo.commit(PM, "pm writes x");
    repo.write("features/x/feature.toml", &feature("x", "cleared", "low"));
    repo.commit(ANA, "ana lowers the tier and clears x");
    let text = repo.read("features/x/feature.toml");
    repo.write("features/x/feature.toml", &format!("{text}notes = \"n\"\n"));
    repo.commit(DEV, "dev adds a note");
    for (role, email) in PANEL {
        repo.sign("x", role, email);
    }
    let lint = repo.lint(&[]);
    assert_eq!(lint.exit, 1, "{lint:#?}");
    assert!(
        lint.errors("PL034")
            .iter()
            .any(|d| d.message.contains("ana@example.com")),
        "{lint:#?}"
    );
}

/// On main, ana lowers `x`'s tier and pm then clears it (a stage change
/// only); a pull request brings the panel's sign-offs, ana's among them.
/// She gave the feature its meaning: her go is self-approval, in range and
/// staged mode as in tree mode, though the last commit to touch the
/// manifest is pm's.
#[test]
fn a_stage_change_on_main_does_not_launder_an_edit_made_there() {
    let repo = Repo::new();
    repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
    repo.commit(PM, "pm writes x");
    repo.write("features/x/feature.toml", &feature("x", "review", "low"));
    repo.commit(ANA, "ana lowers the tier");
    repo.write("features/x/feature.toml", &feature("x", "cleared", "low"));
    repo.commit(PM, "pm clears x");
    repo.branch("pr");
    for (role, email) in &PANEL[1..] {
        repo.sign("x", role, email);
    }
    repo.write_signoff("x", "safety-researcher", ANA);
    repo.git_ok_as(ANA, &["add", "-A"]);
    let (code, stdout, stderr) = repo.policy_as(ANA, &["lint", "--staged", "--format", "json"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("who wrote the feature"), "{stdout}");
    repo.commit(ANA, "safety-researcher signs x");
    for args in [&["--base", "main"][..], &[]] {
        let lint = repo.lint(args);
        assert_eq!(lint.exit, 1, "{args:?}: {lint:#?}");
        assert!(
            lint.errors("PL034")
                .iter()
                .any(|d| d.message.contains("ana@example.com")
                    && d.message.contains("wrote the feature")),
            "{args:?}: {lint:#?}"
        );
    }

    // Control: pm lowers the tier of ana's feature on main: her go counts.
    let repo = Repo::new();
    repo.write("features/x/feature.toml", &feature("x", "review", "medium"));
    repo.commit(ANA, "ana writes x");
    repo.write("features/x/feature.toml", &feature("x", "cleared", "low"));
    repo.commit(PM, "pm lowers the tier and clears x");
    repo.branch("pr");
    for (role, email) in PANEL {
        repo.sign("x", role, email);
    }
    for args in [&["--base", "main"][..], &[]] {
        let lint = repo.lint(args);
        assert_eq!(lint.exit, 0, "{args:?}: {lint:#?}");
    }
}
