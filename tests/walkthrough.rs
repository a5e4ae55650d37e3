//! A month with `policy`, end to end: a new team's repository from
//! `policy init` to a launch, as the people in it would work.
//!
//! Five people: a PM who writes the features and holds no role, a safety
//! researcher, a policy analyst, legal counsel and the SRB chair. Four
//! features move through their stages in pull requests, each a branch
//! checked with `policy lint --base main` (as CI would) and merged into
//! `main` with `git merge --no-ff`. The pre-commit hook `policy hook
//! install` writes runs on every commit; no step passes `--no-verify`.
//! Where the story expects the hook to block a commit, the test checks
//! that it did and why, and the person fixes the change and commits again.
//!
//! The calendar runs from 2026-11-02 to 2026-11-30: every git and policy
//! process of a step runs at that step's date (`GIT_AUTHOR_DATE`,
//! `GIT_COMMITTER_DATE`, `--today`, and `POLICY_TODAY` for the hook).

use std::cell::RefCell;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::binary;

const PM: &str = "pm@example.com"; // writes the features, holds no role
const ANA: &str = "ana@example.com"; // safety-researcher
const LEE: &str = "lee@example.com"; // policy-analyst
const DANA: &str = "dana@example.com"; // legal-counsel
const CHAIR: &str = "chair@example.com"; // srb

const PANEL: [(&str, &str); 3] = [
    (ANA, "safety-researcher"),
    (LEE, "policy-analyst"),
    (DANA, "legal-counsel"),
];

/// The last line of the hook when it blocks a commit.
const BLOCKED: &str = "policy: this commit is blocked by the findings above";

/// One finding as CI would read it from `--format json`.
type Finding = (String, String, String); // (code, severity, feature)

struct Team {
    dir: TempDir,
    home: TempDir,
    /// The step's date, `YYYY-MM-DD`.
    today: RefCell<String>,
}

impl Team {
    fn new() -> Team {
        Team {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
            today: RefCell::new("2026-11-02".into()),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Moves the calendar on; steps happen in date order.
    fn on(&self, date: &str) {
        assert!(
            date >= self.today.borrow().as_str(),
            "the month runs forward"
        );
        *self.today.borrow_mut() = date.into();
    }

    /// `program` run in the repository as `email` on the step's date, with
    /// the built `policy` first on `PATH` (the hook calls `policy`).
    fn command(&self, program: &Path, email: &str) -> Command {
        let today = self.today.borrow().clone();
        let date = format!("{today}T10:00:00Z");
        let bin_dir = binary().parent().unwrap().to_path_buf();
        let mut path = vec![bin_dir];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path: OsString = std::env::join_paths(path).unwrap();
        let name = email.split('@').next().unwrap();
        let mut command = Command::new(program);
        command
            .current_dir(self.path())
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("POLICY_TODAY", &today)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100");
        command
    }

    fn run_git(&self, email: &str, args: &[&str]) -> Output {
        assert!(
            !args.contains(&"--no-verify") && !args.contains(&"-n"),
            "no step of the month bypasses the hook"
        );
        self.command(Path::new("git"), email)
            .args(args)
            .output()
            .unwrap()
    }

    fn git(&self, email: &str, args: &[&str]) -> String {
        let output = self.run_git(email, args);
        assert!(
            output.status.success(),
            "git {args:?} as {email}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs `policy ARGS --today <step date>` as `email`.
    fn policy(&self, email: &str, args: &[&str]) -> (i32, String, String) {
        let today = self.today.borrow().clone();
        let output = self
            .command(&binary(), email)
            .args(args)
            .args(["--today", &today])
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn file(&self, path: &str) -> PathBuf {
        self.path().join(path)
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.file(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.file(path)).unwrap()
    }

    /// Replaces `from` (which must be there) by `to` in `path`.
    fn edit(&self, path: &str, from: &str, to: &str) {
        let text = self.read(path);
        assert!(text.contains(from), "`{from}` is not in {path}:\n{text}");
        self.write(path, &text.replacen(from, to, 1));
    }

    fn manifest(feature: &str) -> String {
        format!("features/{feature}/feature.toml")
    }

    fn edit_feature(&self, feature: &str, from: &str, to: &str) {
        self.edit(&Self::manifest(feature), from, to);
    }

    /// `git add -A && git commit` as `email`: the hook lets it through.
    fn commit(&self, email: &str, message: &str) {
        self.git(email, &["add", "-A"]);
        self.git(email, &["commit", "-q", "-m", message]);
    }

    /// `git add -A && git commit` as `email`, which the hook blocks: the
    /// commit is not made, and the hook's output is returned.
    fn commit_blocked(&self, email: &str, message: &str) -> String {
        let head = self.git(email, &["rev-parse", "HEAD"]);
        self.git(email, &["add", "-A"]);
        let output = self.run_git(email, &["commit", "-q", "-m", message]);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(!output.status.success(), "the hook let `{message}` through");
        assert!(stderr.contains(BLOCKED), "{stderr}");
        assert_eq!(self.git(email, &["rev-parse", "HEAD"]), head);
        stderr
    }

    /// Opens a pull request: a branch from `main`.
    fn open(&self, branch: &str) {
        self.git(PM, &["checkout", "-q", "main"]);
        self.git(PM, &["checkout", "-q", "-b", branch]);
    }

    /// Someone else works on the pull request's branch.
    fn checkout(&self, branch: &str) {
        self.git(PM, &["checkout", "-q", branch]);
    }

    /// CI on the checked-out branch: `policy lint --base main`, its exit
    /// code and its errors and warnings.
    fn ci(&self) -> (i32, Vec<Finding>) {
        self.lint(&["--base", "main"])
    }

    /// `policy lint ARGS --format json`: exit code, errors and warnings.
    fn lint(&self, args: &[&str]) -> (i32, Vec<Finding>) {
        let mut all = vec!["lint", "--format", "json"];
        all.extend(args);
        let (code, stdout, stderr) = self.policy(PM, &all);
        assert!(code == 0 || code == 1, "policy {all:?}: {stderr}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        (code, findings(&report, false))
    }

    /// The notes of `policy lint --base main` (waived findings).
    fn ci_notes(&self) -> Vec<Finding> {
        let (_, stdout, stderr) = self.policy(PM, &["lint", "--format", "json", "--base", "main"]);
        let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
        findings(&report, true)
    }

    /// Merges the pull request into `main`, then CI on `main` checks
    /// every feature in the working tree.
    fn merge(&self, branch: &str) {
        let (code, found) = self.ci();
        assert_eq!(
            code, 0,
            "{branch} is merged only with a green check: {found:?}"
        );
        self.git(PM, &["checkout", "-q", "main"]);
        self.git(
            PM,
            &[
                "merge",
                "-q",
                "--no-ff",
                branch,
                "-m",
                &format!("Merge {branch}"),
            ],
        );
    }

    /// Signs `feature` as `role` and commits the sign-off (`--commit`),
    /// through the hook.
    fn sign(&self, email: &str, feature: &str, role: &str, extra: &[&str]) -> String {
        let mut args = vec!["sign", feature, "--role", role, "--commit"];
        args.extend(extra);
        let (code, _, stderr) = self.policy(email, &args);
        assert_eq!(code, 0, "{email} signs {feature} as {role}: {stderr}");
        stderr
    }

    fn panel_signs(&self, feature: &str, extra: &[&str]) {
        for (email, role) in PANEL {
            self.sign(email, feature, role, extra);
        }
    }

    fn status(&self) -> Value {
        let (code, stdout, stderr) = self.policy(PM, &["status", "--format", "json"]);
        assert_eq!(code, 0, "{stderr}");
        serde_json::from_str(&stdout).unwrap()
    }
}

/// The findings of a JSON report: errors and warnings, or only notes.
fn findings(report: &Value, notes: bool) -> Vec<Finding> {
    let mut found: Vec<Finding> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| (d["severity"] == "note") == notes)
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                d["feature"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn finding(code: &str, severity: &str, feature: &str) -> Finding {
    (code.into(), severity.into(), feature.into())
}

fn error(code: &str, feature: &str) -> Finding {
    finding(code, "error", feature)
}

fn warning(code: &str, feature: &str) -> Finding {
    finding(code, "warning", feature)
}

/// A feature of the board, by id.
fn board_feature<'a>(board: &'a Value, id: &str) -> &'a Value {
    board["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not on the board: {board:#}"))
}

/// The codes of a board feature's open findings.
fn board_findings(feature: &Value) -> Vec<String> {
    let mut codes: Vec<String> = feature["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes
}

/// A board feature's gates as `(rule, role, state)`.
fn board_gates(feature: &Value) -> Vec<(String, String, String)> {
    feature["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["rule"].as_str().unwrap().to_string(),
                g["role"].as_str().unwrap().to_string(),
                g["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn gate(rule: &str, role: &str, state: &str) -> (String, String, String) {
    (rule.into(), role.into(), state.into())
}

const FILE_UPLOAD: &str = r#"id = "file-upload"
title = "Enterprise file upload"
owner = "pm@example.com"
stage = "concept"
risk_tier = "high"
harm_categories = ["malware", "privacy"]
playbooks = []

[hypothesis]
statement = "Uploads never deliver malware to another tenant"

[risk]
evasion_potential = 3
systemic_amplification = 2
residual = "medium"
mitigations = ["sandboxed parsing", "malware scanning of uploads"]

[monitoring]
malware_passthrough = { max = 0.0 }
"#;

const IMAGE_GEN: &str = r#"id = "image-gen"
title = "Image generation"
owner = "pm@example.com"
stage = "concept"
risk_tier = "critical"
harm_categories = ["violence", "sexual-content"]
playbooks = []

[hypothesis]
statement = "Generated images never depict graphic violence"

[risk]
evasion_potential = 4
systemic_amplification = 4
residual = "high"
mitigations = ["prompt classifier", "output image classifier"]

[monitoring]
toxicity = { max = 0.05 }
"#;

const CHAT_SUMMARY: &str = r#"id = "chat-summary"
title = "Chat summaries"
owner = "pm@example.com"
stage = "concept"
risk_tier = "medium"
harm_categories = ["privacy"]
playbooks = []

[hypothesis]
statement = "Summaries never quote personal data the reader could not see"

[metrics.pii_leak_free]
baseline = 0.97
measured = 0.995
target = 0.99

[risk]
evasion_potential = 2
systemic_amplification = 2
residual = "low"
mitigations = ["PII redaction before summarising"]

[monitoring]
pii_leak_rate = { max = 0.005 }
"#;

const VOICE_NOTES: &str = r#"id = "voice-notes"
title = "Voice notes transcription"
owner = "pm@example.com"
stage = "concept"
risk_tier = "low"
harm_categories = ["privacy"]
playbooks = []

[hypothesis]
statement = "Transcripts stay with the account that recorded them"
"#;

#[test]
fn a_month_of_pull_requests_through_the_hook_ends_in_a_launch() {
    let team = Team::new();

    // ── 2026-11-02: the PM sets the repository up ───────────────────────
    team.git(PM, &["init", "-q", "-b", "main"]);
    let (code, _, stderr) = team.policy(PM, &["init"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(team.file("playbooks/red-team.md").exists());
    assert!(team.file("waivers/example.toml.example").exists());
    // The team's own people replace the example addresses, and the example
    // feature makes way for the real ones.
    for (example, member) in [
        ("safety@example.com", ANA),
        ("policy@example.com", LEE),
        ("legal@example.com", DANA),
        ("srb-chair@example.com", CHAIR),
    ] {
        team.edit(
            "policy.toml",
            &format!("\"{example}\""),
            &format!("\"{member}\""),
        );
    }
    std::fs::remove_dir_all(team.file("features/example-feature")).unwrap();
    let (code, _, stderr) = team.policy(PM, &["hook", "install"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(team.file(".git/hooks/pre-commit").exists());
    team.commit(PM, "Adopt policy: config, default pack, red-team playbook");
    let (code, found) = team.lint(&[]);
    assert_eq!((code, found), (0, vec![]));

    // ── 2026-11-03: four features enter at `concept` ────────────────────
    team.on("2026-11-03");
    team.open("pr/1-features");
    team.write(&Team::manifest("file-upload"), FILE_UPLOAD);
    team.write(&Team::manifest("image-gen"), IMAGE_GEN);
    team.write(&Team::manifest("chat-summary"), CHAT_SUMMARY);
    team.write(&Team::manifest("voice-notes"), VOICE_NOTES);
    team.commit(PM, "Four features at concept");
    assert_eq!(team.ci(), (0, vec![]));
    team.merge("pr/1-features");

    // ── 2026-11-04: file-upload and chat-summary to `design` ────────────
    team.on("2026-11-04");
    team.open("pr/2-design");
    team.edit_feature("file-upload", "stage = \"concept\"", "stage = \"design\"");
    team.edit_feature("chat-summary", "stage = \"concept\"", "stage = \"design\"");
    team.commit(PM, "file-upload and chat-summary to design");
    assert_eq!(team.ci(), (0, vec![]));
    team.merge("pr/2-design");

    // ── 2026-11-05: image-gen to `design`, under a waiver ───────────────
    // A critical feature pages on toxicity above 2% from design on; the
    // classifier cannot do better than 5% yet, and the hook says so.
    team.on("2026-11-05");
    team.open("pr/3-image-gen-design");
    team.edit_feature("image-gen", "stage = \"concept\"", "stage = \"design\"");
    let blocked = team.commit_blocked(PM, "image-gen to design");
    assert!(blocked.contains("MON001"), "{blocked}");
    // The PM asks the SRB, which owns the monitoring policy; the chair
    // writes a time-boxed waiver and commits it (and nothing else) on the
    // pull request's branch. Until the stage moves, it waives nothing.
    team.git(CHAIR, &["restore", "--staged", "."]);
    let (code, _, stderr) = team.policy(
        CHAIR,
        &[
            "waive",
            "--rule",
            "MON001",
            "--feature",
            "image-gen",
            "--reason",
            "Toxicity classifier being recalibrated; SAFE-123",
            "--expires",
            "2026-11-20",
            "--approved-by",
            "srb",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    team.git(CHAIR, &["add", "waivers/image-gen-mon001.toml"]);
    team.git(
        CHAIR,
        &[
            "commit",
            "-q",
            "-m",
            "SRB waives MON001 for image-gen until 2026-11-20",
        ],
    );
    // The PM commits the move again: the waiver now turns MON001 into a note.
    team.commit(PM, "image-gen to design");
    assert_eq!(team.ci(), (0, vec![]));
    assert_eq!(
        team.ci_notes(),
        vec![finding("MON001", "note", "image-gen")]
    );
    team.merge("pr/3-image-gen-design");

    // ── 2026-11-06: voice-notes skips a stage, and is told ──────────────
    team.on("2026-11-06");
    team.open("pr/4-voice-notes");
    team.edit_feature("voice-notes", "stage = \"concept\"", "stage = \"review\"");
    let blocked = team.commit_blocked(PM, "voice-notes to review");
    assert!(blocked.contains("ST002"), "{blocked}");
    team.edit_feature("voice-notes", "stage = \"review\"", "stage = \"design\"");
    team.commit(PM, "voice-notes to design");
    assert_eq!(team.ci(), (0, vec![]));
    team.merge("pr/4-voice-notes");

    // From here until it lapses on 2026-11-20, every pull request's check
    // warns that image-gen's waiver is about to expire (PL037), whatever
    // the pull request touches.
    let expiring = || warning("PL037", "image-gen");

    // ── 2026-11-09: file-upload to `review`: the red-team playbook ──────
    team.on("2026-11-09");
    team.open("pr/5-file-upload-review");
    team.edit_feature("file-upload", "stage = \"design\"", "stage = \"review\"");
    let blocked = team.commit_blocked(PM, "file-upload to review");
    assert!(blocked.contains("RT001"), "{blocked}");
    // The exercise of the playbook `init` scaffolded is run, and its
    // outcome recorded: two critical findings still open.
    team.edit_feature(
        "file-upload",
        "playbooks = []",
        "playbooks = [\"red-team@1\"]",
    );
    team.write(
        &Team::manifest("file-upload"),
        &(team.read(&Team::manifest("file-upload")) + "\n[red_team]\nopen_critical_findings = 2\n"),
    );
    team.commit(PM, "file-upload to review after the red-team exercise");
    assert_eq!(team.ci(), (0, vec![expiring()]));
    team.merge("pr/5-file-upload-review");

    team.open("pr/6-chat-summary-review");
    team.edit_feature("chat-summary", "stage = \"design\"", "stage = \"review\"");
    team.commit(PM, "chat-summary to review");
    assert_eq!(team.ci(), (0, vec![expiring()]));
    team.merge("pr/6-chat-summary-review");

    // ── 2026-11-10: the board warns that image-gen's waiver runs out ────
    team.on("2026-11-10");
    let board = team.status();
    let image_gen = board_feature(&board, "image-gen");
    assert_eq!(board_findings(image_gen), ["PL037"]);
    assert_eq!(image_gen["waivers"][0]["days_left"], 10);
    assert_eq!(image_gen["blocked"], false);
    let (code, found) = team.lint(&[]);
    assert_eq!((code, found), (0, vec![warning("PL037", "image-gen")]));

    // ── 2026-11-12: the panel clears chat-summary ───────────────────────
    // The PM cannot clear it alone: the hook names the missing panel.
    team.on("2026-11-12");
    team.open("pr/7-chat-summary-cleared");
    team.edit_feature("chat-summary", "stage = \"review\"", "stage = \"cleared\"");
    let blocked = team.commit_blocked(PM, "chat-summary to cleared");
    // One finding for one cause: the three missing panel roles together.
    let flat = blocked
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(
            "missing sign-offs from `legal-counsel`, `policy-analyst` and `safety-researcher`"
        ),
        "{blocked}"
    );
    // Nor by signing for the panel: the sign-off is checked against who
    // commits it.
    team.edit_feature("chat-summary", "stage = \"cleared\"", "stage = \"review\"");
    team.git(PM, &["reset", "-q"]);
    let (code, _, stderr) = team.policy(
        PM,
        &[
            "sign",
            "chat-summary",
            "--role",
            "safety-researcher",
            "--signer",
            ANA,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let blocked = team.commit_blocked(PM, "safety-researcher go (written by the PM)");
    assert!(blocked.contains("PL028"), "{blocked}");
    assert!(
        blocked.contains("who is not a member of role `safety-researcher`"),
        "{blocked}"
    );
    team.git(PM, &["reset", "-q"]);
    std::fs::remove_file(team.file("features/chat-summary/signoffs/safety-researcher.toml"))
        .unwrap();
    // The panel reviews the SIA at `review` and signs as themselves.
    team.panel_signs("chat-summary", &[]);
    team.edit_feature("chat-summary", "stage = \"review\"", "stage = \"cleared\"");
    team.commit(PM, "chat-summary to cleared");
    assert_eq!(team.ci(), (0, vec![expiring()]));
    team.merge("pr/7-chat-summary-cleared");

    // ── 2026-11-13: file-upload's red-team findings are fixed ───────────
    team.on("2026-11-13");
    team.open("pr/8-file-upload-red-team");
    team.edit_feature(
        "file-upload",
        "open_critical_findings = 2",
        "open_critical_findings = 0",
    );
    team.commit(PM, "file-upload: red-team findings fixed and re-tested");
    assert_eq!(team.ci(), (0, vec![expiring()]));
    team.merge("pr/8-file-upload-red-team");

    // ── 2026-11-16: the panel clears file-upload ────────────────────────
    team.on("2026-11-16");
    team.open("pr/9-file-upload-cleared");
    team.panel_signs("file-upload", &[]);
    team.edit_feature("file-upload", "stage = \"review\"", "stage = \"cleared\"");
    team.commit(PM, "file-upload to cleared");
    assert_eq!(team.ci(), (0, vec![expiring()]));
    team.merge("pr/9-file-upload-cleared");

    // ── 2026-11-17: the SRB says no-go to launching file-upload ─────────
    team.on("2026-11-17");
    team.open("pr/10-file-upload-launch");
    team.sign(
        CHAIR,
        "file-upload",
        "srb",
        &[
            "--decision",
            "no-go",
            "--reason",
            "the upload abuse on-call rotation is not staffed yet",
        ],
    );
    let signoff = team.read("features/file-upload/signoffs/srb.toml");
    assert!(signoff.contains("decision = \"no-go\""), "{signoff}");
    assert!(signoff.contains("on-call rotation"), "{signoff}");
    team.edit_feature("file-upload", "stage = \"cleared\"", "stage = \"launched\"");
    let blocked = team.commit_blocked(PM, "launch file-upload");
    assert!(blocked.contains("LG002"), "{blocked}");
    assert!(blocked.contains("`srb` decided no-go"), "{blocked}");
    team.edit_feature("file-upload", "stage = \"launched\"", "stage = \"cleared\"");
    team.git(PM, &["reset", "-q"]);
    // The branch with the no-go is green (nothing launched) and the board
    // shows the decision and what it blocks.
    assert_eq!(team.ci(), (0, vec![expiring()]));
    let board = team.status();
    let upload = board_feature(&board, "file-upload");
    assert_eq!(upload["blocked"], true);
    assert!(
        upload["next_action"].as_str().unwrap().contains("no-go"),
        "{upload:#}"
    );

    // ── 2026-11-19: chat-summary changes meaning after clearance ────────
    // Its residual risk is re-assessed as medium: the panel's sign-offs no
    // longer describe it. The panel can only re-sign the new content once
    // it is committed, so the hook lets the change through with a warning;
    // the pull-request check fails until the panel has re-signed.
    team.on("2026-11-19");
    team.open("pr/11-chat-summary-residual");
    team.edit_feature(
        "chat-summary",
        "residual = \"low\"",
        "residual = \"medium\"",
    );
    team.commit(PM, "chat-summary: residual risk is medium");
    let (code, found) = team.ci();
    assert_eq!(
        (code, found),
        (
            1,
            vec![
                error("LG001", "chat-summary"),
                error("LG001", "chat-summary"),
                error("LG001", "chat-summary"),
                warning("PL017", "chat-summary"),
                warning("PL017", "chat-summary"),
                warning("PL017", "chat-summary"),
                expiring(),
            ]
        )
    );
    let board = team.status();
    let chat = board_feature(&board, "chat-summary");
    assert_eq!(
        board_gates(chat),
        [
            gate("LG001", "safety-researcher", "stale"),
            gate("LG001", "policy-analyst", "stale"),
            gate("LG001", "legal-counsel", "stale"),
            gate("LG002", "srb", "missing"),
        ]
    );
    assert_eq!(chat["blocked"], true);

    team.on("2026-11-20");
    team.panel_signs("chat-summary", &["--force"]);
    assert_eq!(team.ci(), (0, vec![expiring()]));
    team.merge("pr/11-chat-summary-residual");

    // ── 2026-11-21: image-gen's waiver has expired ──────────────────────
    team.on("2026-11-21");
    let (code, found) = team.lint(&[]);
    assert_eq!(
        (code, found),
        (
            1,
            vec![error("MON001", "image-gen"), error("PL021", "image-gen")]
        )
    );
    let board = team.status();
    let image_gen = board_feature(&board, "image-gen");
    assert_eq!(image_gen["blocked"], true);
    assert_eq!(board_findings(image_gen), ["MON001", "PL021"]);

    // ── 2026-11-23: the recalibrated classifier pages at 2% ─────────────
    team.on("2026-11-23");
    team.open("pr/12-image-gen-toxicity");
    team.edit_feature(
        "image-gen",
        "toxicity = { max = 0.05 }",
        "toxicity = { max = 0.02 }",
    );
    std::fs::remove_file(team.file("waivers/image-gen-mon001.toml")).unwrap();
    team.commit(
        PM,
        "image-gen pages on toxicity above 2%; waiver no longer needed",
    );
    assert_eq!(team.ci(), (0, vec![]));
    team.merge("pr/12-image-gen-toxicity");
    let (code, found) = team.lint(&[]);
    assert_eq!((code, found), (0, vec![]));

    // ── 2026-11-24: the SRB says go, and file-upload launches ───────────
    team.on("2026-11-24");
    team.checkout("pr/10-file-upload-launch");
    team.sign(
        CHAIR,
        "file-upload",
        "srb",
        &[
            "--force",
            "--decision",
            "go",
            "--reason",
            "on-call rotation staffed from 2026-11-23",
        ],
    );
    team.edit_feature("file-upload", "stage = \"cleared\"", "stage = \"launched\"");
    team.commit(PM, "launch file-upload");
    // The branch was opened before main dropped image-gen's waiver: its tree
    // still holds the expired waiver, and the check says the gate it held is
    // open again (a warning: the branch does not touch image-gen).
    assert_eq!(team.ci(), (0, vec![warning("PL037", "image-gen")]));
    team.merge("pr/10-file-upload-launch");

    // ── 2026-11-30: the board at the end of the month ───────────────────
    team.on("2026-11-30");
    let (code, found) = team.lint(&[]);
    assert_eq!((code, found), (0, vec![]));
    let board = team.status();
    let ids: Vec<&str> = board["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["image-gen", "voice-notes", "chat-summary", "file-upload"]
    );
    for id in &ids {
        let feature = board_feature(&board, id);
        assert_eq!(feature["blocked"], false, "{feature:#}");
        assert_eq!(board_findings(feature), Vec::<String>::new(), "{id}");
        assert_eq!(feature["waivers"], serde_json::json!([]), "{id}");
    }
    let upload = board_feature(&board, "file-upload");
    assert_eq!(upload["stage"], "launched");
    assert_eq!(
        board_gates(upload),
        [
            gate("LG001", "safety-researcher", "go"),
            gate("LG001", "policy-analyst", "go"),
            gate("LG001", "legal-counsel", "go"),
            gate("LG002", "srb", "go"),
        ]
    );
    let chat = board_feature(&board, "chat-summary");
    assert_eq!(chat["stage"], "cleared");
    assert_eq!(chat["next_stage"], "launched");
    assert_eq!(
        board_gates(chat),
        [
            gate("LG001", "safety-researcher", "go"),
            gate("LG001", "policy-analyst", "go"),
            gate("LG001", "legal-counsel", "go"),
            gate("LG002", "srb", "missing"),
        ]
    );
    assert_eq!(
        chat["next_action"],
        "to reach `launched`: needs a go from `srb`"
    );
    assert_eq!(board_feature(&board, "image-gen")["stage"], "design");
    assert_eq!(board_feature(&board, "voice-notes")["stage"], "design");
    assert_eq!(
        board["totals"],
        serde_json::json!({
            "concept": 0, "design": 2, "review": 0, "cleared": 1,
            "launched": 1, "paused": 0, "retired": 0
        })
    );

    // Every commit of the month went through the hook: the history holds
    // the commits above, each by the person the story names.
    let authors = team.git(PM, &["log", "--format=%ae %s", "main"]);
    assert!(
        authors.contains(&format!("{CHAIR} SRB waives MON001")),
        "{authors}"
    );
    assert!(
        authors.contains(&format!("{CHAIR} srb: go for feature:file-upload")),
        "{authors}"
    );
}
