//! Shared by the tests that build git repositories: one environment for
//! every `git` and `policy` process they run (fixed authors and dates, no
//! user or system configuration), the binary, and the panel configuration
//! and launch gate most scenarios start from.
#![allow(dead_code)] // each test crate uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

/// The commit date of every commit unless a scenario says otherwise.
pub const DATE: &str = "2026-11-20T12:00:00Z";

/// The built `policy` binary.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_policy"))
}

/// Runs `command` in `dir` as `email` at `date`, with nothing from the
/// machine's environment or git configuration but `PATH`.
pub fn isolate(command: &mut Command, dir: &Path, home: &Path, email: &str, date: &str) {
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", email)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
}

/// The four panel roles with one member each, authorship verified.
pub const CONFIG: &str = r#"
[roles.safety-researcher]
members = ["ana@example.com"]
[roles.policy-analyst]
members = ["lee@example.com"]
[roles.legal-counsel]
members = ["dana@example.com"]
[roles.srb]
members = ["chair@example.com"]

[signoff]
digest_excludes = ["stage"]
verify_authors = true
"#;

/// The launch gate: LG001 (the SIA panel for cleared and launched
/// features) and LG002 (the SRB for launched ones), owned by the SRB.
pub const POLICY: &str = r#"
[policy]
id = "launch-gate"
version = "1.0.0"
title = "Launch gate"
owners = ["srb"]

[[rules]]
code = "LG001"
title = "Cleared features need the SIA panel"
when = "feature.stage in ['cleared', 'launched']"
require_signoffs = ["safety-researcher", "policy-analyst", "legal-counsel"]

[[rules]]
code = "LG002"
title = "Launch needs an SRB go"
when = "feature.stage == 'launched'"
require_signoffs = ["srb"]
"#;

/// Writes the commit object `payload` (as `git cat-file commit` prints it)
/// with a `gpgsig` header holding the armored signature `armored`, the way
/// git stores a signed commit, through `git` (a command set up to run git
/// in the repository); returns the new commit's id.
pub fn write_signed_commit(mut git: Command, payload: &str, armored: &str) -> String {
    use std::io::Write;
    let (headers, message) = payload.split_once("\n\n").unwrap();
    let header = format!("gpgsig {}", armored.trim_end().replace('\n', "\n "));
    let object = format!("{headers}\n{header}\n\n{message}");
    let mut child = git
        .args(["hash-object", "-t", "commit", "-w", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(object.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}
