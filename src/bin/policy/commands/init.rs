//! `policy init`: scaffold a repository. Existing files are never touched.
//!
//! It writes `policy.toml` (the default taxonomy spelled out), the default
//! policy pack, a red-team playbook whose `applies_when` is the pack's
//! RT001 condition (so the playbook and the rule ask for the same exercise
//! at the same stages), commented waiver and safety debt examples outside
//! their globs,
//! the JSON Schemas and a commented allowed-signers file. The example
//! feature is written only into an empty repository: no `policy.toml` yet,
//! no feature manifests, and none in its git history, so an example deleted
//! for good is not brought back by the next `init`.
//!
//! Every TOML file it writes starts with a Taplo `#:schema` directive that
//! points, by a path relative to the file, at the JSON Schemas it writes
//! into `.policy/schemas/`, so editors with Taplo / Even Better TOML
//! complete and check the files from the first keystroke.

use std::path::Path;

use policy_lint::model::config;
use policy_lint::pack;
use policy_lint::schema::Kind;
use policy_lint::source::git::Git;
use policy_lint::source::{Snapshot, WorkTree};

use crate::args::Cli;
use crate::write::{Existing, Written, write_file};
use crate::{Failure, project};

/// The `policy.toml` `init` writes; `{TAXONOMY}` stands for the default
/// stages and harm categories (see [`config_text`]).
const CONFIG: &str = r#"# policy.toml: configuration for `policy` (https://crates.io/crates/policy-lint)

[paths]
features  = ["features/**/feature.toml"]
playbooks = ["playbooks/**/*.md"]
policies  = ["policies/*.toml"]
waivers   = ["waivers/**/*.toml"]
debt      = ["debt/*.toml"]

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
{TAXONOMY}
[signoff]
digest_excludes = ["stage"]   # fields whose change does not invalidate a sign-off
verify_authors  = true

# Risk scoring: each feature's score is the weighted mean of the 1-5 scores in
# its [risk] table; a `risk_tier` below the tier the score reaches is an error.
[risk.weights]
evasion_potential = 0.6
systemic_amplification = 0.4
[risk.tiers]                  # the lowest score of each tier
medium = 2.0
high = 3.0
critical = 4.0

[debt]
grace_days = 30   # open debt this many days past `due` is a warning; later, an error
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

/// [`CONFIG`] with the taxonomy written out from the defaults the linter
/// applies when `policy.toml` has none, so the two never differ.
pub fn config_text() -> String {
    let quoted = |item: &&str| format!("\"{item}\"");
    let stages: Vec<String> = config::DEFAULT_STAGES.iter().map(quoted).collect();
    let categories: String = config::DEFAULT_HARM_CATEGORIES
        .iter()
        .map(|item| format!("  {},\n", quoted(item)))
        .collect();
    let taxonomy = format!(
        "stages = [{}]\n# Extend the list with the categories your organisation tracks.\nharm_categories = [\n{categories}]\n",
        stages.join(", ")
    );
    CONFIG.replace("{TAXONOMY}", &taxonomy)
}

/// Where the schemas go, relative to the repository root.
pub const SCHEMA_DIR: &str = ".policy/schemas";

/// Where the example feature goes.
pub const EXAMPLE_FEATURE_PATH: &str = "features/example-feature/feature.toml";

/// Where the red-team playbook goes: the path the pack's RT001 help names.
pub const RED_TEAM_PATH: &str = "playbooks/red-team.md";

/// Where the example waiver goes: outside `waivers/**/*.toml`, so it is
/// never read as a waiver; copy it to a `.toml` name and uncomment it.
pub const WAIVER_EXAMPLE_PATH: &str = "waivers/example.toml.example";

/// The example waiver: every field, all commented out.
const WAIVER_EXAMPLE: &str = r#"# An example waiver, not in force: `policy lint` reads `waivers/**/*.toml`
# only. A waiver turns one rule's violation on one feature into a note until
# it expires; an expired waiver is an error, an unused one a warning.
#
# Write one with
#   policy waive --rule MON001 --feature example-feature --reason "..." \
#     --expires 2027-03-31 --approved-by srb
# or copy this file to `waivers/<feature>-<rule>.toml` and uncomment it. A
# member of the approving role commits the file.
#
# rule = "MON001"                # the code waived (`policy explain MON001`)
# feature = "example-feature"    # the id of the feature it is waived for
# reason = "Toxicity classifier being recalibrated; 0.05 is the interim threshold"
# approved_by = "srb"            # an owner role of the rule's policy ([waivers] approvers for PL codes)
# expires = 2027-03-31           # the last day it holds
# tracking = "SAFE-123"          # optional: the ticket that tracks the fix
"#;

/// Where the example debt goes: outside `debt/*.toml`, so it is never read
/// as debt; copy it to a `.toml` name and uncomment it.
pub const DEBT_EXAMPLE_PATH: &str = "debt/example.toml.example";

/// The example safety debt: every field, all commented out.
const DEBT_EXAMPLE: &str = r#"# An example of safety debt, not in force: `policy lint` reads `debt/*.toml`
# only. Debt is a known safety gap of a feature with an owner and a due date.
# Open debt past `due` is a warning, and an error once it is more than
# `[debt] grace_days` (policy.toml, default 30) late; a feature with overdue
# critical debt cannot move to a later stage. `policy status` lists it and
# `policy audit` reports when it is added, resolved or rescheduled.
#
# Copy this file to `debt/<feature>-<gap>.toml` and uncomment it.
#
# feature = "example-feature"    # the id of the feature the gap belongs to
# title = "Toxicity classifier not yet calibrated for PDF uploads"
# owner = "pm@example.com"       # who closes it: an email address
# due = 2027-03-31               # the day it is due
# severity = "high"              # low | medium | high | critical
# resolved = 2027-03-15          # once closed: the day it was (not after today)
# tracking = "SAFE-124"          # optional: the ticket that tracks the fix
"#;

/// The red-team playbook's body: the sections its front matter requires,
/// with what goes in each.
const RED_TEAM_BODY: &str = r#"# Red-team exercise

Replace the guidance below with your organisation's process, and raise
`version` with every change (features then reference the new version).

## Scope

- The models, prompt templates and tools the feature ships with, at the
  versions named in its Safety Impact Assessment.
- The harm categories of the manifest that put the feature in scope.

## Adversarial test plan

1. Safety researchers outside the feature team attack it for a fixed period.
2. Start from the attack library for each harm category in scope, then write
   attacks against this feature's inputs and tools.
3. Log every finding with a severity (critical, high, medium, low) and a
   minimal reproduction; re-test every fix.

## Exit criteria

- [ ] No open critical findings: the manifest records
      `[red_team] open_critical_findings = 0` (RT002).
- [ ] Every high finding has a fix or a mitigation under `[risk] mitigations`.
- [ ] The feature lists `"red-team@<version>"` in `playbooks`.
"#;

pub fn run(cli: &Cli) -> Result<u8, Failure> {
    let root = project::start_dir(cli)?;
    let example = match not_empty(&root) {
        None => true,
        Some(why) => {
            eprintln!("  skipped  {EXAMPLE_FEATURE_PATH} ({why})");
            false
        }
    };
    let mut files: Vec<(String, String)> = Vec::new();
    let mut toml = |path: String, kind: Kind, text: &str| {
        let text = with_schema_directive(&path, kind, text);
        files.push((path, text));
    };
    toml("policy.toml".into(), Kind::Config, &config_text());
    if example {
        toml(EXAMPLE_FEATURE_PATH.into(), Kind::Feature, EXAMPLE_FEATURE);
    }
    for (name, text) in pack::POLICIES {
        toml(format!("policies/{name}"), Kind::Policy, text);
    }
    toml(WAIVER_EXAMPLE_PATH.into(), Kind::Waiver, WAIVER_EXAMPLE);
    toml(DEBT_EXAMPLE_PATH.into(), Kind::Debt, DEBT_EXAMPLE);
    files.push((RED_TEAM_PATH.into(), red_team_playbook()?));
    for kind in Kind::ALL {
        files.push((format!("{SCHEMA_DIR}/{}", kind.file_name()), kind.render()));
    }
    files.push((
        config::DEFAULT_ALLOWED_SIGNERS.to_string(),
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

/// Why the repository at `root` is not empty, so that `init` leaves the
/// example feature out; `None` for an empty one.
fn not_empty(root: &Path) -> Option<&'static str> {
    if root.join("policy.toml").symlink_metadata().is_ok() {
        return Some("policy.toml exists: the repository is set up already");
    }
    let has_manifest = WorkTree::new(root)
        .list("features/")
        .unwrap_or_default()
        .iter()
        .any(|entry| entry.path.ends_with("/feature.toml"));
    if has_manifest {
        return Some("the repository has features");
    }
    let git = Git::open().ok()?;
    let workdir = std::fs::canonicalize(git.workdir()).ok()?;
    let prefix = root.strip_prefix(workdir).ok()?;
    let mut path = prefix.to_string_lossy().replace('\\', "/");
    if !path.is_empty() {
        path.push('/');
    }
    path.push_str("features");
    // Bounded: a repository with this much history is not empty anyway.
    match git.ever_had_path(&path, 100_000) {
        Ok(false) => None,
        Ok(true) | Err(_) => Some("features existed in the git history"),
    }
}

/// The red-team playbook: the sections the pack's help points at, and an
/// `applies_when` that is RT001's `when`, read from the pack itself.
fn red_team_playbook() -> Result<String, Failure> {
    let rt001_when = pack::POLICIES
        .iter()
        .filter_map(|(_, text)| text.parse::<toml::Table>().ok())
        .filter_map(|policy| policy.get("rules")?.as_array().cloned())
        .flatten()
        .find(|rule| rule.get("code").and_then(|c| c.as_str()) == Some("RT001"))
        .and_then(|rule| rule.get("when")?.as_str().map(str::to_string))
        .ok_or_else(|| Failure::usage("the built-in pack has no RT001 condition"))?;
    let applies_when = if rt001_when.contains("'''") {
        toml::Value::String(rt001_when).to_string()
    } else {
        format!("'''{rt001_when}'''")
    };
    Ok(format!(
        "+++\n\
         id = \"red-team\"\n\
         version = 1\n\
         title = \"Red-team exercise\"\n\
         # The condition of the default pack's RT001: from `review` on, high and\n\
         # critical features in a high-risk harm category follow this playbook.\n\
         applies_when = {applies_when}\n\
         required_sections = [\"Scope\", \"Adversarial test plan\", \"Exit criteria\"]\n\
         # owners = [\"safety-researcher\"]   # roles whose go a change of this playbook needs\n\
         +++\n\
         {RED_TEAM_BODY}"
    ))
}
