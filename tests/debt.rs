//! Safety debt (DESIGN §2.10) end to end: git repositories built in the
//! test with fixed authors and dates, checked by the binary in tree,
//! staged and range modes (`lint`), on the board (`status`) and in the
//! audit trail (`audit`).

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

mod common;
use common::{CONFIG, DATE, POLICY, binary, isolate};

const PM: &str = "pm@example.com"; // writes features and debt, holds no role
const CHAIR: &str = "chair@example.com"; // srb

struct Repo {
    dir: TempDir,
    home: TempDir,
}

impl Repo {
    /// The panel configuration and launch gate, committed on `main`.
    fn new() -> Repo {
        let repo = Repo {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
        };
        repo.git(PM, DATE, &["init", "-q", "-b", "main"]);
        repo.write("policy.toml", CONFIG);
        repo.write("policies/launch-gate.toml", POLICY);
        repo.commit(CHAIR, DATE, "policies");
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, email: &str, date: &str, args: &[&str]) -> String {
        let mut command = Command::new("git");
        isolate(&mut command, self.path(), self.home.path(), email, date);
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

    fn commit(&self, email: &str, date: &str, message: &str) {
        self.git(email, date, &["add", "-A"]);
        self.git(email, date, &["commit", "-q", "-m", message]);
    }

    fn feature(&self, id: &str, stage: &str) {
        self.write(
            &format!("features/{id}/feature.toml"),
            &format!("id = \"{id}\"\ntitle = \"Feature {id}\"\nstage = \"{stage}\"\nrisk_tier = \"low\"\n"),
        );
    }

    fn debt(&self, name: &str, feature: &str, due: &str, severity: &str, resolved: Option<&str>) {
        let resolved = resolved
            .map(|r| format!("resolved = {r}\n"))
            .unwrap_or_default();
        self.write(
            &format!("debt/{name}.toml"),
            &format!(
                "feature = \"{feature}\"\ntitle = \"Gap {name}\"\nowner = \"{PM}\"\ndue = {due}\nseverity = \"{severity}\"\n{resolved}"
            ),
        );
    }

    /// Runs the binary as `PM` with `--today 2026-11-26` unless given.
    fn policy(&self, args: &[&str]) -> (i32, String, String) {
        let mut command = Command::new(binary());
        isolate(&mut command, self.path(), self.home.path(), PM, DATE);
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

    /// `lint --format json` with `args`: the exit code, the (code,
    /// severity, feature) of each finding and `features_checked`.
    fn lint(&self, args: &[&str]) -> (i32, Vec<(String, String, String)>, u64) {
        let mut full = vec!["lint", "--format", "json"];
        full.extend_from_slice(args);
        let (code, stdout, stderr) = self.policy(&full);
        let document: serde_json::Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
        let findings = document["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["severity"].as_str().unwrap().to_string(),
                    d["feature"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let checked = document["summary"]["features_checked"].as_u64().unwrap();
        (code, findings, checked)
    }
}

fn finding(code: &str, severity: &str, feature: &str) -> (String, String, String) {
    (code.to_string(), severity.to_string(), feature.to_string())
}

/// `upload` at design with critical debt due 2026-11-10 (16 days late on
/// 2026-11-26), `chat` at design with none; committed on `main`.
fn scenario() -> Repo {
    let repo = Repo::new();
    repo.feature("upload", "design");
    repo.feature("chat", "design");
    repo.debt("upload-pdf", "upload", "2026-11-10", "critical", None);
    repo.commit(PM, DATE, "upload and chat, with debt");
    repo
}

#[test]
fn tree_mode_warns_then_errors_past_the_grace_period() {
    let repo = scenario();
    let (code, findings, _) = repo.lint(&[]);
    assert_eq!(code, 0, "a warning only: {findings:?}");
    assert_eq!(findings, [finding("PL040", "warning", "upload")]);
    let (code, findings, _) = repo.lint(&["--today", "2026-12-11"]);
    assert_eq!(code, 1);
    assert_eq!(findings, [finding("PL041", "error", "upload")]);
    // Resolved debt is quiet.
    repo.debt(
        "upload-pdf",
        "upload",
        "2026-11-10",
        "critical",
        Some("2026-11-20"),
    );
    let (code, findings, _) = repo.lint(&["--today", "2026-12-11"]);
    assert_eq!((code, findings), (0, vec![]));
}

#[test]
fn staged_change_of_a_debt_file_touches_its_feature_only() {
    let repo = scenario();
    // A staged edit of the debt file alone: its feature is reported on.
    repo.debt("upload-pdf", "upload", "2026-09-01", "critical", None);
    repo.git(PM, DATE, &["add", "-A"]);
    let (code, findings, checked) = repo.lint(&["--staged"]);
    assert_eq!(checked, 1, "{findings:?}");
    assert_eq!(code, 1);
    assert_eq!(findings, [finding("PL041", "error", "upload")]);
    repo.git(PM, DATE, &["reset", "-q", "--hard"]);
    // A staged change of another feature leaves `upload`'s debt out.
    repo.feature("chat", "review");
    repo.git(PM, DATE, &["add", "-A"]);
    let (code, findings, checked) = repo.lint(&["--staged"]);
    assert_eq!((code, checked), (0, 1), "{findings:?}");
    assert!(findings.is_empty(), "{findings:?}");
    repo.git(PM, DATE, &["reset", "-q", "--hard"]);
    // A new debt file naming a feature that does not exist.
    repo.debt("typo", "uplaod", "2026-12-31", "low", None);
    repo.git(PM, DATE, &["add", "-A"]);
    let (code, findings, _) = repo.lint(&["--staged"]);
    assert_eq!(code, 1);
    assert!(
        findings.contains(&finding("PL043", "error", "")),
        "{findings:?}"
    );
}

#[test]
fn staged_stage_advance_over_overdue_critical_debt_is_an_error() {
    let repo = scenario();
    repo.feature("upload", "review");
    repo.git(PM, DATE, &["add", "-A"]);
    let (code, findings, _) = repo.lint(&["--staged"]);
    assert_eq!(code, 1, "{findings:?}");
    assert!(
        findings.contains(&finding("PL042", "error", "upload")),
        "{findings:?}"
    );
    // The human output points at the manifest's `stage`.
    let (_, _, stderr) = repo.policy(&["lint", "--staged"]);
    assert!(
        stderr.contains("features/upload/feature.toml:3:9"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "`upload` moves from `design` to `review` with overdue critical debt `upload-pdf`"
        ),
        "{stderr}"
    );
}

#[test]
fn range_mode_blocks_the_advance_until_the_debt_is_resolved() {
    let repo = scenario();
    repo.git(PM, DATE, &["checkout", "-q", "-b", "pr"]);
    repo.feature("upload", "review");
    repo.commit(PM, DATE, "upload to review");
    let (code, findings, _) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1);
    assert!(
        findings.contains(&finding("PL042", "error", "upload")),
        "{findings:?}"
    );
    // Resolving the debt in the same pull request lets the stage move.
    repo.debt(
        "upload-pdf",
        "upload",
        "2026-11-10",
        "critical",
        Some("2026-11-25"),
    );
    repo.commit(PM, DATE, "upload-pdf resolved");
    let (code, findings, _) = repo.lint(&["--base", "main"]);
    assert_eq!((code, findings), (0, vec![]));
    // Deleting the debt file instead does not close the gap.
    repo.git(PM, DATE, &["rm", "-q", "debt/upload-pdf.toml"]);
    repo.commit(PM, DATE, "upload-pdf deleted");
    let (code, findings, _) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1);
    assert!(
        findings.contains(&finding("PL042", "error", "upload")),
        "{findings:?}"
    );
    // Rewriting the debt in the pull request does not lift the block
    // either: the base's debt counts as it was merged unless the change
    // only resolves it.
    for (name, feature, due, severity, what) in [
        (
            "upload-pdf",
            "upload",
            "2026-11-10",
            "high",
            "lowered to high",
        ),
        (
            "upload-pdf",
            "upload",
            "2027-01-31",
            "critical",
            "due moved out",
        ),
        (
            "upload-pdf",
            "other",
            "2026-11-10",
            "critical",
            "pointed elsewhere",
        ),
    ] {
        repo.debt(name, feature, due, severity, None);
        repo.commit(PM, DATE, what);
        let (code, findings, _) = repo.lint(&["--base", "main"]);
        assert_eq!(code, 1, "{what}: {findings:?}");
        assert!(
            findings.contains(&finding("PL042", "error", "upload")),
            "{what}: {findings:?}"
        );
    }
}

/// Deleting overdue debt in a change that touches its feature does not make
/// the overdue finding go away: it is reported at the base's copy.
#[test]
fn deleting_overdue_debt_does_not_clear_its_finding() {
    let repo = scenario();
    repo.git(PM, DATE, &["checkout", "-q", "-b", "pr"]);
    repo.git(PM, DATE, &["rm", "-q", "debt/upload-pdf.toml"]);
    repo.commit(PM, DATE, "upload-pdf deleted");
    // 31 days late: past the grace period.
    let args = ["--base", "main", "--today", "2026-12-11"];
    let (code, findings, _) = repo.lint(&args);
    assert_eq!(code, 1, "{findings:?}");
    assert!(
        findings.contains(&finding("PL041", "error", "upload")),
        "{findings:?}"
    );
    let (_, _, stderr) = repo.policy(&["lint", args[0], args[1], args[2], args[3]]);
    assert!(
        stderr.contains("deleting debt does not resolve it"),
        "{stderr}"
    );
}

#[test]
fn range_mode_takes_grace_days_from_the_merge_base() {
    let repo = scenario();
    repo.git(PM, DATE, &["checkout", "-q", "-b", "pr"]);
    // 47 days late: an error under the base's default grace of 30 days,
    // whatever the pull request's own policy.toml says.
    repo.debt("upload-pdf", "upload", "2026-10-10", "critical", None);
    repo.write(
        "policy.toml",
        &format!("{CONFIG}\n[debt]\ngrace_days = 365\n"),
    );
    repo.commit(PM, DATE, "more slack");
    let (code, findings, _) = repo.lint(&["--base", "main"]);
    assert_eq!(code, 1);
    assert!(
        findings.contains(&finding("PL041", "error", "upload")),
        "{findings:?}"
    );
    assert!(!findings.iter().any(|f| f.0 == "PL040"), "{findings:?}");
    // Once merged, the new config is the judge.
    repo.git(PM, DATE, &["checkout", "-q", "main"]);
    repo.git(PM, DATE, &["merge", "-q", "--ff-only", "pr"]);
    let (_, findings, _) = repo.lint(&[]);
    assert!(
        findings.contains(&finding("PL040", "warning", "upload")),
        "{findings:?}"
    );
}

#[test]
fn status_lists_each_features_debt() {
    let repo = scenario();
    repo.debt(
        "upload-old",
        "upload",
        "2026-06-01",
        "low",
        Some("2026-05-20"),
    );
    repo.debt("chat-later", "chat", "2027-01-31", "medium", None);
    repo.commit(PM, DATE, "more debt");
    let (code, stdout, stderr) = repo.policy(&["status", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let board: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let feature = |id: &str| {
        board["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap()
            .clone()
    };
    let upload = feature("upload");
    assert_eq!(
        upload["debt"],
        serde_json::json!([
            {"name": "upload-pdf", "path": "debt/upload-pdf.toml", "title": "Gap upload-pdf",
             "owner": PM, "due": "2026-11-10", "severity": "critical", "overdue_days": 16,
             "resolved": null},
            {"name": "upload-old", "path": "debt/upload-old.toml", "title": "Gap upload-old",
             "owner": PM, "due": "2026-06-01", "severity": "low", "overdue_days": 0,
             "resolved": "2026-05-20"},
        ])
    );
    assert_eq!(
        upload["next_action"],
        "resolve critical debt `upload-pdf` (16 days overdue, owner pm@example.com) before moving to `review`"
    );
    assert_eq!(feature("chat")["debt"][0]["overdue_days"], 0);

    let (_, table, _) = repo.policy(&["status"]);
    assert!(
        table.contains("! debt upload-pdf critical 16 days overdue, due 2026-11-10"),
        "{table}"
    );
    assert!(
        !table.contains("upload-old"),
        "resolved debt is left off the table: {table}"
    );
    let (_, markdown, _) = repo.policy(&["status", "--format", "markdown"]);
    assert!(
        markdown.contains("| Waivers | Debt | Next action |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("upload-old resolved 2026-05-20"),
        "{markdown}"
    );
    let (_, html, _) = repo.policy(&["status", "--format", "html"]);
    assert!(html.contains("<th>Debt</th>"), "{html}");
    assert!(html.contains("chat-later medium due 2027-01-31"), "{html}");
}

#[test]
fn audit_reports_debt_added_rescheduled_and_resolved() {
    let repo = Repo::new();
    repo.feature("upload", "design");
    repo.commit(PM, "2026-07-01T12:00:00Z", "upload");
    repo.debt("upload-pdf", "upload", "2026-09-30", "high", None);
    repo.commit(PM, "2026-07-02T12:00:00Z", "debt for upload");
    repo.debt("upload-pdf", "upload", "2026-10-31", "high", None);
    repo.commit(PM, "2026-09-15T12:00:00Z", "more time");
    repo.debt(
        "upload-pdf",
        "upload",
        "2026-10-31",
        "high",
        Some("2026-10-20"),
    );
    repo.commit(PM, "2026-10-20T12:00:00Z", "closed");
    let (code, stdout, stderr) = repo.policy(&["audit", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let audit: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let debt: Vec<serde_json::Value> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "debt")
        .map(|e| {
            serde_json::json!({
                "action": e["action"], "feature": e["feature"], "decision": e["decision"],
                "previous": e["previous"], "debt": e["debt"],
            })
        })
        .collect();
    let fields = |due: &str, resolved: Option<&str>, previous_due: Option<&str>| {
        serde_json::json!({"title": "Gap upload-pdf", "owner": PM, "severity": "high",
            "due": due, "resolved": resolved, "previous_due": previous_due})
    };
    assert_eq!(
        debt,
        [
            serde_json::json!({"action": "added", "feature": "upload", "decision": "open",
                "previous": null, "debt": fields("2026-09-30", None, None)}),
            serde_json::json!({"action": "changed", "feature": "upload", "decision": "open",
                "previous": "open", "debt": fields("2026-10-31", None, Some("2026-09-30"))}),
            serde_json::json!({"action": "changed", "feature": "upload", "decision": "resolved",
                "previous": "open", "debt": fields("2026-10-31", Some("2026-10-20"), None)}),
        ]
    );
    // Events of other kinds carry no `debt` field.
    assert!(
        audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] != "debt")
            .all(|e| e.get("debt").is_none())
    );
    let (_, markdown, _) = repo.policy(&["audit", "--format", "markdown"]);
    assert!(
        markdown.contains("debt changed (open; high, due 2026-09-30 → 2026-10-31, owner pm@example.com): Gap upload-pdf"),
        "{markdown}"
    );
}

#[test]
fn init_scaffolds_a_debt_example_that_lint_does_not_read() {
    let repo = Repo::new();
    std::fs::remove_file(repo.path().join("policy.toml")).unwrap();
    std::fs::remove_dir_all(repo.path().join("policies")).unwrap();
    let (code, _, stderr) = repo.policy(&["init"]);
    assert_eq!(code, 0, "{stderr}");
    let example = std::fs::read_to_string(repo.path().join("debt/example.toml.example")).unwrap();
    assert!(example.starts_with("#:schema ../.policy/schemas/policy-debt.schema.json\n"));
    assert!(
        repo.path()
            .join(".policy/schemas/policy-debt.schema.json")
            .is_file()
    );
    // Uncommented and renamed, it is debt of the example feature.
    let body: String = example
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| l.contains(" = "))
        .map(|l| format!("{}\n", l.split("  #").next().unwrap().trim_end()))
        .filter(|l| !l.starts_with("resolved"))
        .collect();
    repo.write("debt/example.toml", &body);
    let (_, findings, _) = repo.lint(&["--today", "2027-04-15"]);
    assert!(
        findings.contains(&finding("PL040", "warning", "example-feature")),
        "{findings:?}\n{body}"
    );
}
