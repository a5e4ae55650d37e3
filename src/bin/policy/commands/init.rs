//! `policy init`: scaffold a repository. Existing files are never touched.
//!
//! Every TOML file it writes starts with a Taplo `#:schema` directive that
//! points, by a path relative to the file, at the JSON Schemas it writes
//! into `.policy/schemas/`, so editors with Taplo / Even Better TOML
//! complete and check the files from the first keystroke.

use std::path::Path;

use policy_lint::pack;
use policy_lint::schema::Kind;

use crate::args::Cli;
use crate::write::{Existing, Written, write_file};
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

/// The allowed-signers file `init` writes: git's format, all comments.
const ALLOWED_SIGNERS: &str = "\
# Allowed signers: the SSH keys whose signatures prove who wrote a sign-off or
# waiver, read from the target branch (never from the change being checked).
# Used when policy.toml sets `[signoff] require_signed = true`.
#
# One key per line, in git's format (ssh-keygen(1), ALLOWED SIGNERS):
#   principals [options] keytype base64-key [comment]
# The principal is the member's email as listed under [roles] in policy.toml.
#
# chair@example.com namespaces=\"git\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... chair's laptop
# ana@example.com namespaces=\"git\",valid-before=\"20271231\" ssh-ed25519 AAAAC3Nza... ana
#
# Each member signs their commits with that key:
#   git config gpg.format ssh
#   git config user.signingkey ~/.ssh/id_ed25519.pub
#   git commit -S
";

/// Where the schemas go, relative to the repository root.
pub const SCHEMA_DIR: &str = ".policy/schemas";

pub fn run(cli: &Cli) -> Result<u8, Failure> {
    let root = project::start_dir(cli)?;
    let mut files: Vec<(String, String)> = Vec::new();
    let mut toml = |path: String, kind: Kind, text: &str| {
        let text = with_schema_directive(&path, kind, text);
        files.push((path, text));
    };
    toml("policy.toml".into(), Kind::Config, CONFIG);
    toml(
        "features/example-feature/feature.toml".into(),
        Kind::Feature,
        EXAMPLE_FEATURE,
    );
    for (name, text) in pack::POLICIES {
        toml(format!("policies/{name}"), Kind::Policy, text);
    }
    for kind in Kind::ALL {
        files.push((format!("{SCHEMA_DIR}/{}", kind.file_name()), kind.render()));
    }
    files.push((
        policy_lint::model::config::DEFAULT_ALLOWED_SIGNERS.to_string(),
        ALLOWED_SIGNERS.to_string(),
    ));
    let mut created = 0;
    for (path, text) in &files {
        match create_new(&root, path, text) {
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

/// `text` with a first line `#:schema <path>` that leads from `path` (a
/// repository-relative file) to the schema of `kind` under [`SCHEMA_DIR`].
/// Taplo resolves a relative schema path against the file's directory; the
/// directive must come before any key. A directive already in `text` is
/// replaced.
fn with_schema_directive(path: &str, kind: Kind, text: &str) -> String {
    let depth = path.matches('/').count();
    let up = if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    };
    let body = match text.strip_prefix("#:schema ") {
        Some(rest) => rest.split_once('\n').map_or("", |(_, body)| body),
        None => text,
    };
    format!("#:schema {up}{SCHEMA_DIR}/{}\n{body}", kind.file_name())
}

/// Writes `text` to a new file under `root`; returns false, touching
/// nothing, when the path exists.
fn create_new(root: &Path, path: &str, text: &str) -> std::io::Result<bool> {
    Ok(
        write_file(root, Path::new(path), text.as_bytes(), Existing::Keep, None)?
            == Written::Created,
    )
}
