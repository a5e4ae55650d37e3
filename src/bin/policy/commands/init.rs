//! `policy init`: scaffold a repository. Existing files are never touched.

use std::io::Write;
use std::path::Path;

use policy_lint::pack;

use crate::args::Cli;
use crate::{Failure, project};

const CONFIG: &str = r#"# policy.toml: configuration for `policy` (https://crates.io/crates/policy-lint)

[paths]
features  = ["features/**/feature.toml"]
playbooks = ["playbooks/**/*.md"]
policies  = ["policies/*.toml"]
waivers   = ["waivers/**/*.toml"]

# Who may sign for each role. Replace the example addresses.
[roles.safety-researcher]
members = ["safety@example.com"]
[roles.policy-analyst]
members = ["policy@example.com"]
[roles.legal-counsel]
members = ["legal@example.com"]
[roles.srb]                # the Safety Review Board
members = ["srb-chair@example.com"]

[taxonomy]
stages = ["concept", "design", "review", "cleared", "launched", "paused", "retired"]
harm_categories = ["violence", "self-harm", "malware", "cyber", "bio", "chem", "privacy"]

[signoff]
digest_excludes = ["stage"]   # fields whose change does not invalidate a sign-off
verify_authors  = true
"#;

const EXAMPLE_FEATURE: &str = r#"id = "example-feature"
title = "Example feature"
owner = "pm@example.com"
stage = "concept"
risk_tier = "low"
harm_categories = []
playbooks = []

[hypothesis]
statement = "State what the launch must prove about safety"
"#;

pub fn run(cli: &Cli) -> Result<u8, Failure> {
    let root = project::start_dir(cli)?;
    let mut files: Vec<(String, &str)> = vec![
        ("policy.toml".into(), CONFIG),
        (
            "features/example-feature/feature.toml".into(),
            EXAMPLE_FEATURE,
        ),
    ];
    for (name, text) in pack::POLICIES {
        files.push((format!("policies/{name}"), text));
    }
    let mut created = 0;
    for (path, text) in &files {
        match create_new(&root.join(path), text) {
            Ok(true) => {
                created += 1;
                eprintln!("  created  {path}");
            }
            Ok(false) => eprintln!("  kept     {path} (already exists)"),
            Err(e) => return Err(Failure::usage(format!("cannot write `{path}`: {e}"))),
        }
    }
    eprintln!("{created} file(s) created; run `policy lint` to check the repository");
    Ok(0)
}

/// Writes `text` to a new file; returns false, touching nothing, when the
/// path exists.
fn create_new(path: &Path, text: &str) -> std::io::Result<bool> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(text.as_bytes())?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}
