//! End-to-end runs of the `policy` binary: exit codes, output formats,
//! file-level edge cases (CRLF, BOM, binary, huge, symlinks) and the
//! commands that write files (`init`, `sign`).
//!
//! Every run uses `--color never --today 2026-11-26`, `NO_COLOR=1` and
//! `COLUMNS=100`, and a temporary `HOME` with git's system config off, so
//! nothing from the machine running the tests leaks into the output.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const TODAY: &str = "2026-11-26";

/// The panel and SRB roles, so `policy sign` knows who may sign.
const CONFIG: &str = r#"[roles.safety-researcher]
members = ["ana@example.com"]
[roles.policy-analyst]
members = ["lee@example.com"]
[roles.legal-counsel]
members = ["dana@example.com"]
[roles.srb]
members = ["chair@example.com"]
"#;

/// A feature that passes every built-in check and the built-in pack.
const CLEAN: &str = r#"id = "alpha"
title = "Alpha"
stage = "concept"
risk_tier = "low"
harm_categories = []
"#;

/// A cleared feature that satisfies the whole pack once the three SIA panel
/// roles have signed.
const CLEARED: &str = r#"id = "alpha"
title = "Alpha"
stage = "cleared"
risk_tier = "low"
harm_categories = []

[hypothesis]
statement = "Alpha answers without harmful content"

[risk]
evasion_potential = 1
systemic_amplification = 1
residual = "low"

[monitoring]
toxicity = { max = 0.02 }
"#;

/// A feature in review whose only finding is a warning: no safety
/// hypothesis (HYP003).
const WARNS: &str = r#"id = "alpha"
title = "Alpha"
stage = "review"
risk_tier = "low"
harm_categories = []

[risk]
evasion_potential = 1
systemic_amplification = 1
residual = "low"
"#;

/// A temporary repository (a plain directory: no git).
struct Repo {
    dir: TempDir,
    home: TempDir,
}

impl Repo {
    /// With `policy.toml` defining the roles.
    fn new() -> Repo {
        let repo = Repo::empty();
        repo.write("policy.toml", CONFIG);
        repo
    }

    fn empty() -> Repo {
        Repo {
            dir: tempfile::tempdir().expect("temp dir"),
            home: tempfile::tempdir().expect("temp home"),
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, path: &str, contents: impl AsRef<[u8]>) {
        let full = self.root().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, contents).unwrap();
    }

    fn read(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.root().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
    }

    /// `policy` started in the repository root.
    fn policy(&self) -> Command {
        policy_in(self.root(), self.home.path())
    }
}

fn policy_in(dir: &Path, home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("policy").expect("the policy binary");
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("POLICY_TODAY")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_ACTIONS")
        .args(["--color", "never", "--today", TODAY]);
    cmd
}

/// Runs `cmd`, asserts its exit code, and returns what it printed.
fn run(cmd: &mut Command, code: i32) -> Output {
    cmd.assert().code(code).get_output().clone()
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// Runs `policy lint --format json` and parses the document.
fn lint_json(repo: &Repo, extra: &[&str], code: i32) -> Value {
    let output = run(
        repo.policy().args(["lint", "--format", "json"]).args(extra),
        code,
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(&output),
            stderr(&output)
        )
    })
}

fn diagnostics(document: &Value) -> &Vec<Value> {
    document["diagnostics"]
        .as_array()
        .expect("diagnostics array")
}

fn codes(document: &Value) -> Vec<&str> {
    diagnostics(document)
        .iter()
        .map(|d| d["code"].as_str().expect("code"))
        .collect()
}

/// The launch-gate codes among the findings.
fn lg_codes(document: &Value) -> Vec<&str> {
    codes(document)
        .into_iter()
        .filter(|c| c.starts_with("LG"))
        .collect()
}

/// The diagnostic with `code`, which must be there exactly once.
fn only<'a>(document: &'a Value, code: &str) -> &'a Value {
    let found: Vec<&Value> = diagnostics(document)
        .iter()
        .filter(|d| d["code"] == code)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {code}, got {:?}",
        codes(document)
    );
    found[0]
}

/// The bytes of the file a JSON location points at.
fn slice<'a>(bytes: &'a [u8], location: &Value) -> &'a [u8] {
    let start = location["byte_start"].as_u64().expect("byte_start") as usize;
    let end = location["byte_end"].as_u64().expect("byte_end") as usize;
    assert!(
        start <= end && end <= bytes.len(),
        "byte range {start}..{end} outside a {}-byte file",
        bytes.len()
    );
    &bytes[start..end]
}

/// Snapshots human output with temporary paths replaced.
macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({
            filters => vec![(r"[^\s`'\x22]*\.tmp[A-Za-z0-9]+", "[TEMP]")],
        }, {
            insta::assert_snapshot!($name, $text);
        })
    };
}

// ---------------------------------------------------------------------------
// Exit codes

#[test]
fn clean_repository_exits_0() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEAN);
    let output = run(repo.policy().args(["lint", "--deny", "warnings"]), 0);
    assert!(output.stdout.is_empty(), "human output goes to stderr");
    assert!(
        stderr(&output).starts_with("no errors or warnings (checked 1 feature)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn error_violation_exits_1() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEARED);
    let output = run(repo.policy().arg("lint"), 1);
    let text = stderr(&output);
    assert!(text.contains("LG001"), "{text}");
    assert!(
        text.contains("3 errors in 1 feature (checked 1 feature)"),
        "{text}"
    );
}

#[test]
fn warnings_exit_1_only_with_deny_warnings() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", WARNS);
    let document = lint_json(&repo, &[], 0);
    assert_eq!(codes(&document), ["HYP003"]);
    assert_eq!(document["summary"]["errors"], 0);
    assert_eq!(document["summary"]["warnings"], 1);
    lint_json(&repo, &["--deny", "warnings"], 1);
    repo.policy()
        .args(["lint", "--deny", "warnings"])
        .assert()
        .code(1);
}

#[test]
fn invalid_config_exits_2() {
    let repo = Repo::new();
    repo.write("policy.toml", "[roles.srb\nmembers = []\n");
    repo.write("features/alpha/feature.toml", CLEAN);
    let document = lint_json(&repo, &[], 2);
    let d = only(&document, "PL001");
    assert_eq!(d["file"], "policy.toml");
    assert_eq!(d["start"]["line"], 1);
}

#[test]
fn policy_with_cel_syntax_error_exits_2() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEAN);
    let policy = r#"[policy]
id = "broken"
version = "1.0.0"
title = "A policy whose condition does not parse"
owners = ["srb"]

[[rules]]
code = "BRK001"
title = "Broken"
severity = "error"
when = 'feature.stage == "cleared" &&'
assert = 'true'
"#;
    repo.write("policies/broken.toml", policy);
    let document = lint_json(&repo, &[], 2);
    let d = only(&document, "PL010");
    assert_eq!(d["file"], "policies/broken.toml");
    assert_eq!(d["start"]["line"], 11);
    // The span lies inside the condition's string.
    let when = policy.find("'feature").unwrap();
    let start = d["byte_start"].as_u64().unwrap() as usize;
    assert!(
        start > when && start < when + "'feature.stage == \"cleared\" &&'".len(),
        "span starts at {start}, outside the condition"
    );
    let output = run(repo.policy().arg("lint"), 2);
    snapshot!("cel_syntax_error", stderr(&output));
}

/// A policy's or playbook's id names the directory of its sign-offs: one
/// that is not a plain name (a path, the configuration's reserved `_config`)
/// is a schema error at the id, and the document does not count.
#[test]
fn ids_that_cannot_name_a_signoff_directory_are_rejected() {
    for id in [
        "_config",
        "../features/alpha",
        "a/b",
        ".hidden",
        "two words",
        "",
    ] {
        let repo = Repo::new();
        repo.write("features/alpha/feature.toml", CLEAN);
        let policy = format!(
            "[policy]\nid = \"{}\"\nversion = \"1.0.0\"\nowners = [\"srb\"]\n",
            id.escape_default()
        );
        repo.write("policies/odd.toml", policy);
        let document = lint_json(&repo, &[], 2);
        let d = only(&document, "PL004");
        assert_eq!(d["file"], "policies/odd.toml", "{id:?}");
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .contains("cannot name a directory of sign-offs"),
            "{id:?}: {d}"
        );

        let repo = Repo::new();
        repo.write("features/alpha/feature.toml", CLEAN);
        repo.write(
            "playbooks/odd.md",
            format!(
                "+++\nid = \"{}\"\nversion = 1\ntitle = \"Odd\"\n+++\n# Odd\n",
                id.escape_default()
            ),
        );
        let document = lint_json(&repo, &[], 1);
        let found: Vec<&Value> = diagnostics(&document)
            .iter()
            .filter(|d| d["file"] == "playbooks/odd.md")
            .collect();
        assert!(
            found.iter().any(|d| d["code"] == "PL004"
                && d["message"]
                    .as_str()
                    .unwrap()
                    .contains("cannot name a directory of sign-offs")),
            "{id:?}: {found:?}"
        );
    }
    // Plain names pass.
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEAN);
    repo.write(
        "policies/plain.toml",
        "[policy]\nid = \"launch-gate.v2_b\"\nversion = \"1.0.0\"\nowners = [\"srb\"]\n",
    );
    lint_json(&repo, &[], 0);
}

// ---------------------------------------------------------------------------
// explain

#[test]
fn explain_builtin_code() {
    let repo = Repo::new();
    let output = run(repo.policy().args(["explain", "PL001"]), 0);
    let text = stdout(&output);
    assert!(text.starts_with("PL001: invalid-toml\n"), "{text}");
    assert!(text.contains("\nFix\n"), "{text}");
}

#[test]
fn explain_pack_rule_code() {
    // No policies in the repository: the built-in pack explains LG001.
    let repo = Repo::new();
    let output = run(repo.policy().args(["explain", "LG001"]), 0);
    let text = stdout(&output);
    assert!(text.starts_with("LG001: "), "{text}");
    assert!(text.contains("Defined by: policy `launch-gate@"), "{text}");
    assert!(
        text.contains("`safety-researcher`, `policy-analyst`, `legal-counsel`"),
        "{text}"
    );
}

#[test]
fn explain_unknown_code_exits_2() {
    let repo = Repo::new();
    let output = run(repo.policy().args(["explain", "XYZ"]), 2);
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).contains("no code matches `XYZ`"),
        "{}",
        stderr(&output)
    );
}

// ---------------------------------------------------------------------------
// Output formats and determinism

#[test]
fn json_output_has_the_documented_fields() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEARED);
    let document = lint_json(&repo, &[], 1);
    assert_eq!(document["version"], 1);
    let summary = &document["summary"];
    for key in [
        "errors",
        "warnings",
        "notes",
        "features_checked",
        "features_total",
    ] {
        assert!(summary[key].is_u64(), "summary.{key} in {summary}");
    }
    assert_eq!(summary["errors"], 3);
    let manifest = repo.read("features/alpha/feature.toml");
    assert_eq!(diagnostics(&document).len(), 3);
    for d in diagnostics(&document) {
        assert_eq!(d["code"], "LG001");
        assert_eq!(d["severity"], "error");
        assert_eq!(d["file"], "features/alpha/feature.toml");
        for key in ["start", "end"] {
            assert!(d[key]["line"].is_u64() && d[key]["column"].is_u64(), "{d}");
        }
        assert_eq!(d["start"]["line"], 3);
        assert_eq!(d["start"]["column"], 9);
        assert_eq!(slice(&manifest, d), br#""cleared""#);
    }
}

#[test]
fn example_output_is_byte_for_byte_stable() {
    let root = crate_dir();
    let home = tempfile::tempdir().unwrap();
    for format in ["human", "json"] {
        let lint = || {
            run(
                policy_in(&root, home.path()).args([
                    "-C",
                    "fixtures/example",
                    "lint",
                    "--format",
                    format,
                ]),
                1,
            )
        };
        let (first, second) = (lint(), lint());
        assert_eq!(first.stdout, second.stdout, "{format} stdout differs");
        assert_eq!(first.stderr, second.stderr, "{format} stderr differs");
        let output = if format == "json" {
            &first.stdout
        } else {
            &first.stderr
        };
        assert!(!output.is_empty(), "{format} output is empty");
    }
}

// ---------------------------------------------------------------------------
// File-level edge cases

#[test]
fn crlf_and_bom_keep_spans_on_the_right_text() {
    let repo = Repo::new();
    let manifest = "\u{feff}id = \"alpha\"\r\nstage = \"concept\"\r\nharm_categories = [\"privcy\"]\r\n\r\n[hypothesis]\r\nstatement = \"x\"\r\n";
    repo.write("features/alpha/feature.toml", manifest);
    let document = lint_json(&repo, &[], 1);
    let d = only(&document, "PL006");
    let bytes = repo.read("features/alpha/feature.toml");
    assert_eq!(slice(&bytes, d), br#""privcy""#);
    assert_eq!(d["start"]["line"], 3);
    assert_eq!(d["start"]["column"], 20);
    assert_eq!(d["end"]["line"], 3);
    assert_eq!(d["end"]["column"], 28);

    // A finding on the BOM's own line.
    repo.write(
        "features/alpha/feature.toml",
        "\u{feff}id = \"beta\"\r\nstage = \"concept\"\r\n",
    );
    let document = lint_json(&repo, &[], 1);
    let d = only(&document, "PL007");
    let bytes = repo.read("features/alpha/feature.toml");
    assert_eq!(slice(&bytes, d), br#""beta""#);
    assert_eq!(d["start"]["line"], 1);
    assert_eq!(d["start"]["column"], 6, "the BOM is not a column");

    // A syntax error after the BOM, on a CRLF line.
    repo.write(
        "features/alpha/feature.toml",
        "\u{feff}id = \"alpha\"\r\nstage = = \"concept\"\r\n",
    );
    let document = lint_json(&repo, &[], 1);
    let d = only(&document, "PL001");
    assert_eq!(d["start"]["line"], 2);
    let bytes = repo.read("features/alpha/feature.toml");
    assert_eq!(slice(&bytes, d), b"=");

    let output = run(repo.policy().arg("lint"), 1);
    snapshot!("crlf_bom_syntax_error", stderr(&output));
}

#[test]
fn binary_and_invalid_utf8_manifests_give_pl002() {
    // The span is empty, at the first offending byte: true to the file even
    // when that byte is its last.
    let cases: [(&str, &[u8], usize); 3] = [
        ("binary", b"id = \"alpha\"\n\0\0\x01\x02", 13),
        ("latin-1", b"id = \"alpha\"\ntitle = \"caf\xe9\"\n", 25),
        ("truncated at the end", b"id = \"alpha\"\n# \xe2\x82", 15),
    ];
    for (name, bytes, offset) in cases {
        let repo = Repo::new();
        repo.write("features/alpha/feature.toml", bytes);
        let document = lint_json(&repo, &[], 1);
        assert_eq!(codes(&document), ["PL002"], "{name}");
        let d = &diagnostics(&document)[0];
        assert_eq!(d["file"], "features/alpha/feature.toml", "{name}");
        assert_eq!(d["byte_start"], offset, "{name}");
        assert_eq!(slice(bytes, d), b"", "{name}");
        repo.policy().arg("lint").assert().code(1);
    }
    let repo = Repo::new();
    repo.write(
        "features/alpha/feature.toml",
        b"id = \"alpha\"\ntitle = \"caf\xe9\"\n",
    );
    let output = run(repo.policy().arg("lint"), 1);
    snapshot!("invalid_utf8", stderr(&output));
}

/// The encoding error used to be reported against text where each NUL had
/// become a three-byte replacement character, and slicing it at the
/// invalid byte's offset panicked.
#[test]
fn nul_before_invalid_utf8_does_not_panic() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", b"\0\xff");
    let document = lint_json(&repo, &[], 1);
    let d = only(&document, "PL002");
    assert_eq!(d["message"], "file contains NUL bytes: it looks binary");
    assert_eq!(d["byte_start"], 0);
    assert_eq!(d["byte_end"], 0);
}

#[test]
fn manifest_over_one_mebibyte_gives_pl003() {
    let repo = Repo::new();
    let mut manifest = String::from("id = \"alpha\"\nstage = \"concept\"\n");
    let line = format!("# {}\n", "x".repeat(1000));
    while manifest.len() <= 1024 * 1024 {
        manifest.push_str(&line);
    }
    repo.write("features/alpha/feature.toml", &manifest);
    let document = lint_json(&repo, &[], 1);
    let d = only(&document, "PL003");
    assert_eq!(d["file"], "features/alpha/feature.toml");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains(&manifest.len().to_string()),
        "{d}"
    );
}

#[cfg(unix)]
#[test]
fn symlink_out_of_the_repository_gives_pl024() {
    let repo = Repo::new();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("feature.toml");
    std::fs::write(&target, CLEAN).unwrap();
    std::fs::create_dir_all(repo.root().join("features/alpha")).unwrap();
    std::os::unix::fs::symlink(&target, repo.root().join("features/alpha/feature.toml")).unwrap();
    let document = lint_json(&repo, &[], 1);
    let d = only(&document, "PL024");
    assert_eq!(d["file"], "features/alpha/feature.toml");
    assert_eq!(codes(&document), ["PL024"]);

    // A link to a system file is refused the same way.
    std::fs::remove_file(repo.root().join("features/alpha/feature.toml")).unwrap();
    std::os::unix::fs::symlink(
        "/etc/hostname",
        repo.root().join("features/alpha/feature.toml"),
    )
    .unwrap();
    let document = lint_json(&repo, &[], 1);
    only(&document, "PL024");
}

// ---------------------------------------------------------------------------
// init

#[test]
fn init_creates_files_and_never_overwrites() {
    let repo = Repo::empty();
    let output = run(repo.policy().arg("init"), 0);
    let text = stderr(&output);
    let created: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("created"))
        .map(str::trim)
        .collect();
    for path in ["policy.toml", "features/example-feature/feature.toml"] {
        assert!(created.contains(&path), "{path} not created:\n{text}");
    }
    assert!(created.iter().any(|p| p.starts_with("policies/")), "{text}");
    for path in &created {
        assert!(repo.root().join(path).is_file(), "{path} missing");
    }

    let before: Vec<Vec<u8>> = created.iter().map(|p| repo.read(p)).collect();
    let edited = b"# mine\n[roles.srb]\nmembers = [\"me@example.com\"]\n";
    repo.write("policy.toml", edited);
    std::fs::remove_file(repo.root().join("features/example-feature/feature.toml")).unwrap();

    // The example feature is not brought back: the repository is set up.
    let output = run(repo.policy().arg("init"), 0);
    let text = stderr(&output);
    assert!(
        text.contains("kept     policy.toml (already exists)"),
        "{text}"
    );
    assert!(
        text.contains("skipped  features/example-feature/feature.toml (policy.toml exists"),
        "{text}"
    );
    assert!(text.contains("0 file(s) created"), "{text}");
    assert!(
        !repo
            .root()
            .join("features/example-feature/feature.toml")
            .exists()
    );
    assert_eq!(repo.read("policy.toml"), edited);
    for (path, bytes) in created.iter().zip(&before) {
        if !["policy.toml", "features/example-feature/feature.toml"].contains(path) {
            assert_eq!(&repo.read(path), bytes, "{path} changed");
        }
    }
}

/// The pack's RT002 reads `feature.red_team.open_critical_findings` after
/// `has(feature.red_team)`; with no manifest defining `red_team` yet, that
/// guarded read was reported as an unknown field (PL011), so a fresh
/// scaffold failed `--deny warnings`.
#[test]
fn init_scaffold_passes_deny_warnings() {
    let repo = Repo::empty();
    repo.policy().arg("init").assert().code(0);
    let document = lint_json(&repo, &["--deny", "warnings"], 0);
    assert_eq!(diagnostics(&document).len(), 0, "{:?}", codes(&document));
}

// ---------------------------------------------------------------------------
// sign

#[test]
fn sign_by_the_three_panel_roles_clears_lg001() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEARED);
    let document = lint_json(&repo, &[], 1);
    assert_eq!(lg_codes(&document), ["LG001", "LG001", "LG001"]);

    for (role, signer) in [
        ("safety-researcher", "ana@example.com"),
        ("policy-analyst", "lee@example.com"),
        ("legal-counsel", "dana@example.com"),
    ] {
        let output = run(
            repo.policy()
                .args(["sign", "alpha", "--role", role, "--signer", signer]),
            0,
        );
        assert!(
            stderr(&output).contains(&format!("wrote features/alpha/signoffs/{role}.toml")),
            "{}",
            stderr(&output)
        );
        let signoff =
            String::from_utf8(repo.read(&format!("features/alpha/signoffs/{role}.toml"))).unwrap();
        let table: toml::Table = toml::from_str(&signoff).unwrap();
        assert_eq!(table["subject"].as_str(), Some("feature:alpha"));
        assert_eq!(table["role"].as_str(), Some(role));
        assert_eq!(table["signer"].as_str(), Some(signer));
        assert_eq!(table["decision"].as_str(), Some("go"));
        assert_eq!(table["date"].to_string(), TODAY);
        assert!(table["digest"].as_str().unwrap().starts_with("sha256:"));
    }
    // Outside git, authorship cannot be verified: a warning, not an error.
    let document = lint_json(&repo, &[], 0);
    assert_eq!(lg_codes(&document), Vec::<&str>::new());
    assert_eq!(document["summary"]["errors"], 0);

    // Signing again does not replace the file without --force.
    let path = "features/alpha/signoffs/legal-counsel.toml";
    let before = repo.read(path);
    let output = run(
        repo.policy().args([
            "sign",
            "alpha",
            "--role",
            "legal-counsel",
            "--signer",
            "dana@example.com",
            "--decision",
            "no-go",
            "--reason",
            "the DPIA is not done",
        ]),
        2,
    );
    assert!(
        stderr(&output).contains("already exists; pass --force"),
        "{}",
        stderr(&output)
    );
    assert_eq!(repo.read(path), before);

    // With --force it is replaced, and the no-go blocks the gate again.
    repo.policy()
        .args([
            "sign",
            "alpha",
            "--role",
            "legal-counsel",
            "--signer",
            "dana@example.com",
            "--decision",
            "no-go",
            "--reason",
            "the DPIA is not done",
            "--force",
        ])
        .assert()
        .code(0);
    assert_ne!(repo.read(path), before);
    let document = lint_json(&repo, &[], 1);
    assert_eq!(lg_codes(&document), ["LG001"]);
}

#[test]
fn sign_refuses_an_unknown_role() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEARED);
    let output = run(
        repo.policy().args([
            "sign",
            "alpha",
            "--role",
            "legal-councel",
            "--signer",
            "dana@example.com",
        ]),
        2,
    );
    let text = stderr(&output);
    assert!(text.contains("unknown role `legal-councel`"), "{text}");
    assert!(text.contains("legal-counsel"), "{text}");
    assert!(!repo.root().join("features/alpha/signoffs").exists());
}

// ---------------------------------------------------------------------------
// Paths and -C

#[test]
fn lint_paths_restrict_reporting() {
    let repo = Repo::new();
    repo.write("features/good/alpha/feature.toml", CLEAN);
    repo.write(
        "features/bad/beta/feature.toml",
        CLEARED.replace("alpha", "beta").replace("Alpha", "Beta"),
    );

    let document = lint_json(&repo, &["features/good"], 0);
    assert_eq!(diagnostics(&document).len(), 0, "{:?}", codes(&document));
    assert_eq!(document["summary"]["features_checked"], 1);
    assert_eq!(document["summary"]["features_total"], 2);

    let document = lint_json(&repo, &["features/bad"], 1);
    assert_eq!(codes(&document), ["LG001", "LG001", "LG001"]);
    for d in diagnostics(&document) {
        assert_eq!(d["file"], "features/bad/beta/feature.toml");
    }

    // A manifest path works too, and so does a path given from a subdirectory.
    lint_json(&repo, &["features/good/alpha/feature.toml"], 0);
    policy_in(&repo.root().join("features/bad"), repo.home.path())
        .args(["lint", "beta"])
        .assert()
        .code(1);
    policy_in(&repo.root().join("features/bad"), repo.home.path())
        .args(["lint", "../good"])
        .assert()
        .code(0);

    // Without paths, everything is reported.
    let document = lint_json(&repo, &[], 1);
    assert_eq!(document["summary"]["features_checked"], 2);
}

#[test]
fn directory_option_runs_elsewhere() {
    let outer = tempfile::tempdir().unwrap();
    let repo_dir = outer.path().join("repo");
    std::fs::create_dir_all(repo_dir.join("features/alpha")).unwrap();
    std::fs::write(repo_dir.join("policy.toml"), CONFIG).unwrap();
    std::fs::write(repo_dir.join("features/alpha/feature.toml"), CLEARED).unwrap();
    let home = tempfile::tempdir().unwrap();

    let output = run(
        policy_in(outer.path(), home.path()).args(["-C", "repo", "lint", "--format", "json"]),
        1,
    );
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(codes(&document), ["LG001", "LG001", "LG001"]);
    // Paths are relative to the repository, not to where the command ran.
    assert_eq!(
        diagnostics(&document)[0]["file"],
        "features/alpha/feature.toml"
    );

    // The option also comes after the subcommand, and a missing directory is
    // a usage error.
    policy_in(outer.path(), home.path())
        .args(["lint", "-C", "repo"])
        .assert()
        .code(1);
    policy_in(outer.path(), home.path())
        .args(["-C", "missing", "lint"])
        .assert()
        .code(2);
}

#[cfg(unix)]
#[test]
fn sign_never_writes_through_a_linked_signoffs_directory() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEAN);
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.root().join("features/alpha/signoffs"))
        .unwrap();
    let output = run(
        repo.policy().args([
            "sign",
            "alpha",
            "--role",
            "srb",
            "--signer",
            "chair@example.com",
        ]),
        2,
    );
    assert!(
        stderr(&output).contains("symbolic link"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn sign_force_never_overwrites_the_target_of_a_linked_signoff() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEAN);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious.toml");
    std::fs::write(&target, "keep me\n").unwrap();
    std::fs::create_dir_all(repo.root().join("features/alpha/signoffs")).unwrap();
    std::os::unix::fs::symlink(
        &target,
        repo.root().join("features/alpha/signoffs/srb.toml"),
    )
    .unwrap();
    let output = run(
        repo.policy().args([
            "sign",
            "alpha",
            "--role",
            "srb",
            "--signer",
            "chair@example.com",
            "--force",
        ]),
        2,
    );
    assert!(
        stderr(&output).contains("symbolic link"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
}

#[cfg(unix)]
#[test]
fn init_never_writes_the_pack_through_a_linked_policies_directory() {
    let repo = Repo::empty();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.root().join("policies")).unwrap();
    let output = run(repo.policy().arg("init"), 2);
    assert!(
        stderr(&output).contains("symbolic link"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn sign_leaves_no_temporary_file_and_refuses_to_clobber() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEAN);
    let sign = |repo: &Repo, code| {
        run(
            repo.policy().args([
                "sign",
                "alpha",
                "--role",
                "srb",
                "--signer",
                "chair@example.com",
            ]),
            code,
        )
    };
    sign(&repo, 0);
    let first = repo.read("features/alpha/signoffs/srb.toml");
    let output = sign(&repo, 2);
    assert!(
        stderr(&output).contains("`features/alpha/signoffs/srb.toml` already exists"),
        "{}",
        stderr(&output)
    );
    assert_eq!(repo.read("features/alpha/signoffs/srb.toml"), first);
    let names: Vec<String> = std::fs::read_dir(repo.root().join("features/alpha/signoffs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["srb.toml".to_string()]);
}

#[test]
fn sign_force_keeps_the_earlier_decision_and_conditions() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEAN);
    let sign = |extra: &[&str]| {
        let mut args = vec![
            "sign",
            "alpha",
            "--role",
            "legal-counsel",
            "--signer",
            "dana@example.com",
        ];
        args.extend_from_slice(extra);
        run(repo.policy().args(&args), 0);
        String::from_utf8(repo.read("features/alpha/signoffs/legal-counsel.toml")).unwrap()
    };
    let first = sign(&[
        "--decision",
        "conditional",
        "--condition",
        "re-run the red team",
    ]);
    assert!(first.contains("decision = \"conditional\""), "{first}");
    // Re-signing after a change: still conditional, same conditions.
    let again = sign(&["--force"]);
    assert!(again.contains("decision = \"conditional\""), "{again}");
    assert!(again.contains("re-run the red team"), "{again}");
    // An explicit decision replaces both.
    let go = sign(&["--force", "--decision", "go"]);
    assert!(go.contains("decision = \"go\""), "{go}");
    assert!(!go.contains("conditions"), "{go}");
}

#[test]
fn sign_refuses_a_date_in_the_future() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEAN);
    let output = run(
        repo.policy().args([
            "sign",
            "alpha",
            "--role",
            "srb",
            "--signer",
            "chair@example.com",
            "--today",
            "2999-01-01",
        ]),
        2,
    );
    assert!(
        stderr(&output).contains("in the future"),
        "{}",
        stderr(&output)
    );
}

/// Control characters from values and paths never reach the terminal or a
/// log viewer raw, and quoted values cannot add Markdown to the job summary.
#[cfg(unix)]
#[test]
fn control_characters_and_markdown_from_files_are_escaped_in_every_output() {
    let repo = Repo::new();
    let dir = "features/x\u{1b}[2Jy";
    repo.write(
        &format!("{dir}/feature.toml"),
        "id = \"x\\u001b[2Jy\"\ntitle = \"T\"\nstage = \"la\\u0007unched <img src=x onerror=alert(1)> [link](http://evil) `code\"\n",
    );
    let summary = repo.root().join("summary.md");
    for format in ["human", "github"] {
        let output = repo
            .policy()
            .args(["lint", "--format", format])
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        for stream in [&output.stdout, &output.stderr] {
            assert!(
                !stream.iter().any(|b| *b == 0x1b || *b == 0x07),
                "{format}: {}",
                String::from_utf8_lossy(stream)
            );
        }
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(shown.contains("\\u{1b}"), "{format}: {shown}");
    }
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(!markdown.contains("<img"), "{markdown}");
    assert!(!markdown.contains("](http"), "{markdown}");
    assert!(markdown.contains("&lt;img"), "{markdown}");
}

#[test]
fn output_file_holds_the_report_and_quiet_prints_nothing_when_clean() {
    let repo = Repo::new();
    repo.write("features/alpha/feature.toml", CLEAN);
    let output = run(repo.policy().args(["lint", "--quiet"]), 0);
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let output = run(
        repo.policy().args([
            "lint",
            "--format",
            "sarif",
            "--output-file",
            "out/report.sarif",
        ]),
        2,
    );
    assert!(
        stderr(&output).contains("cannot write"),
        "{}",
        stderr(&output)
    );
    std::fs::create_dir_all(repo.root().join("out")).unwrap();
    let output = run(
        repo.policy().args([
            "lint",
            "--format",
            "sarif",
            "--output-file",
            "out/report.sarif",
        ]),
        0,
    );
    assert!(stdout(&output).is_empty());
    let report = String::from_utf8(repo.read("out/report.sarif")).unwrap();
    assert!(report.contains("\"version\": \"2.1.0\""), "{report}");
    run(
        repo.policy()
            .args(["lint", "--output-file", "out/human.txt"]),
        2,
    );
}

#[test]
fn waive_writes_a_waiver_lint_applies_and_never_clobbers() {
    let repo = Repo::new();
    repo.write(
        "features/alpha/feature.toml",
        "id = \"alpha\"\ntitle = \"Alpha\"\nstage = \"launched\"\nrisk_tier = \"low\"\nharm_categories = []\n",
    );
    let waive = |extra: &[&str], code| {
        let mut args = vec![
            "waive",
            "--rule",
            "LG002",
            "--feature",
            "alpha",
            "--reason",
            "board meets on Monday",
            "--expires",
            "2026-12-31",
        ];
        args.extend_from_slice(extra);
        run(repo.policy().args(&args), code)
    };
    // LG002 is the SRB's rule: a policy analyst cannot waive it.
    let refused = waive(&["--approved-by", "policy-analyst"], 2);
    assert!(
        stderr(&refused).contains("may not waive LG002"),
        "{}",
        stderr(&refused)
    );
    waive(&["--approved-by", "srb"], 0);
    let text = String::from_utf8(repo.read("waivers/alpha-lg002.toml")).unwrap();
    assert!(text.contains("approved_by = \"srb\""), "{text}");
    assert!(text.contains("expires = 2026-12-31"), "{text}");
    let again = waive(&["--approved-by", "srb"], 2);
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    let document = lint_json(&repo, &[], 1);
    let waived = diagnostics(&document)
        .iter()
        .any(|d| d["code"] == "LG002" && d["severity"] == "note");
    assert!(waived, "{document}");
}
