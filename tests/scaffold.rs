//! `policy init` (one taxonomy everywhere, the red-team playbook that
//! agrees with RT001, the commented waiver example, the example feature only
//! in an empty repository) and `policy sign --reason`.
//!
//! Repositories are built here with fixed authors and dates (tests/common).

use std::path::Path;
use std::process::{Command, Output};

use policy_lint::model::config::{DEFAULT_HARM_CATEGORIES, DEFAULT_STAGES};
use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{DATE, binary, isolate};

const TODAY: &str = "2026-11-26";
const PM: &str = "pm@example.com";

struct Repo {
    dir: TempDir,
    home: TempDir,
}

impl Repo {
    /// An empty directory (no git).
    fn plain() -> Repo {
        Repo {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
        }
    }

    /// An empty git repository (unborn `main`).
    fn git_repo() -> Repo {
        let repo = Repo::plain();
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path))
            .unwrap_or_else(|e| panic!("read {path}: {e}"))
    }

    fn exists(&self, path: &str) -> bool {
        self.path().join(path).exists()
    }

    fn git(&self, args: &[&str]) {
        let mut command = Command::new("git");
        isolate(&mut command, self.path(), self.home.path(), PM, DATE);
        let output = command.args(args).output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// Runs `policy ARGS` and checks its exit code.
    fn policy(&self, args: &[&str], code: i32) -> Output {
        let mut command = Command::new(binary());
        isolate(&mut command, self.path(), self.home.path(), PM, DATE);
        let output = command
            .args(["--color", "never", "--today", TODAY])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(code),
            "policy {args:?}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn lint(&self, code: i32) -> Value {
        let output = self.policy(&["lint", "--format", "json"], code);
        serde_json::from_slice(&output.stdout).expect("JSON report")
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn strings(value: &toml::Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The findings of `code` in a JSON report.
fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

// ---------------------------------------------------------------------------
// one taxonomy

/// `init` once wrote 7 harm categories, the defaults had 16, the schema text
/// listed 16 and the example used 10.
#[test]
fn init_defaults_schema_and_example_share_one_taxonomy() {
    let repo = Repo::plain();
    repo.policy(&["init"], 0);
    let config: toml::Table = repo.read("policy.toml").parse().unwrap();
    let taxonomy = &config["taxonomy"];
    assert_eq!(
        strings(&taxonomy["harm_categories"]),
        owned(DEFAULT_HARM_CATEGORIES)
    );
    assert_eq!(strings(&taxonomy["stages"]), owned(DEFAULT_STAGES));

    let example: toml::Table = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example/policy.toml"),
    )
    .unwrap()
    .parse()
    .unwrap();
    assert_eq!(
        strings(&example["taxonomy"]["harm_categories"]),
        owned(DEFAULT_HARM_CATEGORIES)
    );

    let schema: Value =
        serde_json::from_slice(&repo.policy(&["schema", "feature"], 0).stdout).unwrap();
    for (field, defaults) in [
        ("harm_categories", DEFAULT_HARM_CATEGORIES),
        ("stage", DEFAULT_STAGES),
    ] {
        let description = schema["properties"][field]["description"].as_str().unwrap();
        let listed = description
            .split_once("The defaults are ")
            .map(|(_, list)| list.trim_end_matches('.'))
            .unwrap_or_else(|| panic!("{field}: {description}"));
        let listed: Vec<String> = listed
            .split(", ")
            .flat_map(|item| item.split(" and "))
            .map(str::to_string)
            .collect();
        assert_eq!(listed, owned(defaults), "{field}");
    }
}

/// The unknown-category help says where the taxonomy is defined, and still
/// suggests the closest category.
#[test]
fn unknown_harm_category_help_names_the_taxonomy() {
    let repo = Repo::plain();
    repo.policy(&["init"], 0);
    repo.write(
        "features/example-feature/feature.toml",
        "id = \"example-feature\"\nstage = \"concept\"\nrisk_tier = \"low\"\nharm_categories = [\"malwre\"]\n[hypothesis]\nstatement = \"x\"\n",
    );
    let report = repo.lint(1);
    let found = findings(&report, "PL006");
    assert_eq!(found.len(), 1, "{report}");
    let help = found[0]["help"].as_str().unwrap();
    assert!(help.contains("did you mean `malware`?"), "{help}");
    assert!(
        help.contains("add it to `taxonomy.harm_categories` in policy.toml"),
        "{help}"
    );
}

// ---------------------------------------------------------------------------
// the red-team playbook

fn manifest(stage: &str) -> String {
    format!(
        r#"id = "uploads"
title = "Uploads"
stage = "{stage}"
risk_tier = "high"
harm_categories = ["malware"]
playbooks = []

[hypothesis]
statement = "Uploads do not spread malware"

[risk]
evasion_potential = 4
systemic_amplification = 3
residual = "high"
mitigations = ["malware scanning of uploads"]
"#
    )
}

/// With a harm-category-only `applies_when`, PL015 failed `concept`
/// features while RT001 asks from `review` on, and at review the two
/// reported the same missing playbook twice on one line.
#[test]
fn init_red_team_playbook_agrees_with_rt001() {
    let repo = Repo::plain();
    repo.policy(&["init"], 0);
    let playbook = repo.read("playbooks/red-team.md");
    assert!(playbook.contains("id = \"red-team\""), "{playbook}");
    for section in ["## Scope", "## Adversarial test plan", "## Exit criteria"] {
        assert!(playbook.contains(section), "{section}:\n{playbook}");
    }

    for stage in ["concept", "design"] {
        repo.write("features/uploads/feature.toml", &manifest(stage));
        let report = repo.lint(0);
        for code in ["PL015", "RT001"] {
            assert!(findings(&report, code).is_empty(), "{stage}: {report}");
        }
    }

    repo.write("features/uploads/feature.toml", &manifest("review"));
    let report = repo.lint(1);
    assert!(findings(&report, "PL015").is_empty(), "{report}");
    let rt001 = findings(&report, "RT001");
    assert_eq!(rt001.len(), 1, "{report}");
    // The one finding names both places that ask for the exercise.
    let related: Vec<&str> = rt001[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert!(related.contains(&"policies/red-team.toml"), "{related:?}");
    assert!(related.contains(&"playbooks/red-team.md"), "{related:?}");

    // Following the playbook clears both.
    repo.write(
        "features/uploads/feature.toml",
        &manifest("review").replace("playbooks = []", "playbooks = [\"red-team@1\"]"),
    );
    let report = repo.lint(0);
    for code in ["PL015", "RT001", "PL013", "PL014"] {
        assert!(findings(&report, code).is_empty(), "{code}: {report}");
    }
}

/// A playbook that applies where no policy rule asks for it is still
/// reported by PL015.
#[test]
fn a_playbook_no_rule_demands_is_still_reported() {
    let repo = Repo::plain();
    repo.policy(&["init"], 0);
    repo.write(
        "playbooks/privacy-review.md",
        "+++\nid = \"privacy-review\"\nversion = 1\napplies_when = '\"privacy\" in feature.harm_categories'\n+++\n# Privacy review\n",
    );
    repo.write(
        "features/uploads/feature.toml",
        &manifest("review").replace("[\"malware\"]", "[\"malware\", \"privacy\"]"),
    );
    let report = repo.lint(1);
    let pl015 = findings(&report, "PL015");
    assert_eq!(pl015.len(), 1, "{report}");
    assert!(
        pl015[0]["message"]
            .as_str()
            .unwrap()
            .contains("privacy-review"),
        "{report}"
    );
    assert_eq!(findings(&report, "RT001").len(), 1, "{report}");
}

// ---------------------------------------------------------------------------
// the waiver example

#[test]
fn init_writes_a_commented_waiver_example_with_every_field() {
    let repo = Repo::plain();
    repo.policy(&["init"], 0);
    let example = repo.read("waivers/example.toml.example");
    assert!(
        example.lines().all(|l| l.is_empty() || l.starts_with('#')),
        "{example}"
    );
    let schema: Value =
        serde_json::from_slice(&repo.policy(&["schema", "waiver"], 0).stdout).unwrap();
    for field in schema["properties"].as_object().unwrap().keys() {
        assert!(
            example.contains(&format!("# {field} = ")),
            "{field} missing:\n{example}"
        );
    }
    // Uncommented, it is a valid waiver (here: unused, so a warning).
    let live: String = example
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| {
            l.split_once(" = ")
                .is_some_and(|(key, _)| !key.contains(' '))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    repo.write("waivers/example-feature-MON001.toml", &live);
    let report = repo.lint(0);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // Outside git its authorship cannot be checked (PL029).
    assert_eq!(codes, ["PL029", "PL022"], "{report}");
    // As written, lint does not read it: the fresh scaffold is clean.
    std::fs::remove_file(repo.path().join("waivers/example-feature-MON001.toml")).unwrap();
    repo.policy(&["lint", "--deny", "warnings"], 0);
}

// ---------------------------------------------------------------------------
// the example feature only in an empty repository

#[test]
fn init_writes_the_example_feature_into_an_empty_repository() {
    let repo = Repo::git_repo();
    let output = repo.policy(&["init"], 0);
    assert!(
        stderr(&output).contains("created  features/example-feature/feature.toml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn init_leaves_the_example_out_when_features_exist() {
    let repo = Repo::plain();
    repo.write("features/uploads/feature.toml", &manifest("concept"));
    let output = repo.policy(&["init"], 0);
    assert!(
        stderr(&output).contains(
            "skipped  features/example-feature/feature.toml (the repository has features)"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!repo.exists("features/example-feature/feature.toml"));
    assert!(repo.exists("policy.toml"));
}

/// Deleting the example (and everything else `init` wrote) in a repository
/// whose history had features does not make `init` bring it back.
#[test]
fn init_does_not_recreate_an_example_deleted_from_history() {
    let repo = Repo::git_repo();
    repo.policy(&["init"], 0);
    repo.commit_all("scaffold");
    repo.git(&["rm", "-q", "-r", "features", "policy.toml"]);
    repo.commit_all("start over");
    let output = repo.policy(&["init"], 0);
    assert!(
        stderr(&output).contains(
            "skipped  features/example-feature/feature.toml (features existed in the git history)"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!repo.exists("features/example-feature/feature.toml"));
    assert!(repo.exists("policy.toml"), "policy.toml is written again");
}

#[test]
fn init_never_overwrites_the_playbook_or_the_waiver_example() {
    let repo = Repo::plain();
    repo.write("playbooks/red-team.md", "mine\n");
    repo.write("waivers/example.toml.example", "# mine\n");
    let output = repo.policy(&["init"], 0);
    let text = stderr(&output);
    assert!(
        text.contains("kept     playbooks/red-team.md (already exists)"),
        "{text}"
    );
    assert!(
        text.contains("kept     waivers/example.toml.example (already exists)"),
        "{text}"
    );
    assert_eq!(repo.read("playbooks/red-team.md"), "mine\n");
    assert_eq!(repo.read("waivers/example.toml.example"), "# mine\n");
}

// ---------------------------------------------------------------------------
// sign --reason

const ROLES: &str = r#"[roles.srb]
members = ["chair@example.com"]
[roles.legal-counsel]
members = ["dana@example.com"]
[roles.safety-researcher]
members = ["ana@example.com"]
[roles.policy-analyst]
members = ["lee@example.com"]
"#;

fn signable() -> Repo {
    let repo = Repo::plain();
    repo.write("policy.toml", ROLES);
    repo.write("features/uploads/feature.toml", &manifest("review"));
    repo
}

const SRB_SIGNOFF: &str = "features/uploads/signoffs/srb.toml";

fn sign(repo: &Repo, extra: &[&str], code: i32) -> Output {
    let mut args = vec![
        "sign",
        "uploads",
        "--role",
        "srb",
        "--signer",
        "chair@example.com",
    ];
    args.extend_from_slice(extra);
    repo.policy(&args, code)
}

#[test]
fn sign_no_go_without_a_reason_is_refused() {
    let repo = signable();
    let output = sign(&repo, &["--decision", "no-go"], 2);
    assert!(
        stderr(&output).contains("a no-go decision needs --reason TEXT"),
        "{}",
        stderr(&output)
    );
    assert!(!repo.exists(SRB_SIGNOFF));
    let output = sign(&repo, &["--decision", "no-go", "--reason", "  "], 2);
    assert!(stderr(&output).contains("--reason is empty"));
    assert!(!repo.exists(SRB_SIGNOFF));
}

#[test]
fn sign_reason_is_recorded_and_does_not_change_the_digest() {
    let repo = signable();
    sign(&repo, &[], 0);
    let go: toml::Table = repo.read(SRB_SIGNOFF).parse().unwrap();
    assert!(!go.contains_key("reason"));

    let reason = "Open critical red-team findings (SAFE-7)";
    sign(
        &repo,
        &["--decision", "no-go", "--reason", reason, "--force"],
        0,
    );
    let no_go: toml::Table = repo.read(SRB_SIGNOFF).parse().unwrap();
    assert_eq!(no_go["decision"].as_str(), Some("no-go"));
    assert_eq!(no_go["reason"].as_str(), Some(reason));
    assert_eq!(no_go["digest"], go["digest"]);

    // The sign-off with its reason is a valid file: no schema or unknown
    // key finding.
    let report = repo.lint(1);
    for code in ["PL004", "PL025"] {
        assert!(findings(&report, code).is_empty(), "{report}");
    }

    // Re-signing with --force and no --decision keeps the decision and
    // its reason; a new --decision drops the old reason.
    sign(&repo, &["--force"], 0);
    let kept: toml::Table = repo.read(SRB_SIGNOFF).parse().unwrap();
    assert_eq!(kept["decision"].as_str(), Some("no-go"));
    assert_eq!(kept["reason"].as_str(), Some(reason));
    sign(&repo, &["--decision", "go", "--force"], 0);
    let go_again: toml::Table = repo.read(SRB_SIGNOFF).parse().unwrap();
    assert!(!go_again.contains_key("reason"));

    // An existing sign-off is never replaced without --force.
    let before = repo.read(SRB_SIGNOFF);
    sign(&repo, &["--decision", "no-go", "--reason", reason], 2);
    assert_eq!(repo.read(SRB_SIGNOFF), before);
}
