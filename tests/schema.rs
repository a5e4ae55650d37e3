//! Editor and shell integration: the JSON Schemas (`policy schema`, the
//! committed copies in `schemas/`, the `#:schema` lines `policy init`
//! writes), shell completions and the man page.
//!
//! Every file of the example repository and of the default pack is
//! validated against its schema with the `jsonschema` crate, formats
//! (dates) included, after converting TOML to JSON the way Taplo does
//! (dates and times become strings).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use jsonschema::Validator;
use policy_lint::schema::Kind;
use serde_json::Value;
use tempfile::TempDir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn policy() -> Command {
    let mut command = Command::cargo_bin("policy").unwrap();
    command.env("NO_COLOR", "1").env_remove("POLICY_TODAY");
    command
}

fn validator(kind: Kind) -> Validator {
    let schema = kind.schema();
    jsonschema::draft7::meta::validate(&schema)
        .unwrap_or_else(|e| panic!("{} schema is not valid draft-07: {e}", kind.name()));
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} schema does not compile: {e}", kind.name()))
}

/// TOML to JSON as an editor sees it: dates and times are strings.
fn to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        toml::Value::Table(table) => {
            Value::Object(table.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

fn parse(path: &Path, text: &str) -> Value {
    let table: toml::Table =
        toml::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    to_json(toml::Value::Table(table))
}

/// The TOML between the `+++` lines at the top of a playbook.
fn front_matter(path: &Path, text: &str) -> String {
    let rest = text
        .strip_prefix("+++\n")
        .unwrap_or_else(|| panic!("{}: no front matter", path.display()));
    let end = rest
        .find("\n+++\n")
        .unwrap_or_else(|| panic!("{}: front matter not closed", path.display()));
    rest[..=end].to_string()
}

/// Validates `document` and panics with every error, each with its path.
fn assert_valid(validator: &Validator, kind: Kind, path: &Path, document: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("  at `{}`: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} does not validate against the {} schema:\n{}",
        path.display(),
        kind.name(),
        errors.join("\n")
    );
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The kind of a file in a repository laid out with the default paths.
fn kind_of(relative: &Path) -> Option<Kind> {
    let text = relative.to_string_lossy().replace('\\', "/");
    let parts: Vec<&str> = text.split('/').collect();
    let toml = text.ends_with(".toml");
    if text == "policy.toml" {
        Some(Kind::Config)
    } else if toml && parts.contains(&"signoffs") {
        Some(Kind::Signoff)
    } else if toml && parts.last() == Some(&"feature.toml") && parts[0] == "features" {
        Some(Kind::Feature)
    } else if toml && parts[0] == "waivers" {
        Some(Kind::Waiver)
    } else if toml && parts[0] == "debt" && parts.len() == 2 {
        Some(Kind::Debt)
    } else if toml && parts[0] == "policies" && parts.len() == 2 {
        Some(Kind::Policy)
    } else if parts[0] == "playbooks" && text.ends_with(".md") {
        Some(Kind::Playbook)
    } else {
        None
    }
}

/// Validates every file of a repository; returns how many of each kind.
fn validate_repository(repo: &Path) -> Vec<(Kind, usize)> {
    let validators: Vec<(Kind, Validator)> = Kind::ALL
        .into_iter()
        .map(|kind| (kind, validator(kind)))
        .collect();
    let mut paths = Vec::new();
    files(repo, &mut paths);
    paths.sort();
    let mut counts: Vec<(Kind, usize)> = Kind::ALL.into_iter().map(|k| (k, 0)).collect();
    for path in paths {
        let Some(kind) = kind_of(path.strip_prefix(repo).unwrap()) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace("\r\n", "\n");
        let document = match kind {
            Kind::Playbook => parse(&path, &front_matter(&path, &text)),
            _ => parse(&path, &text),
        };
        let (_, validator) = validators.iter().find(|(k, _)| *k == kind).unwrap();
        assert_valid(validator, kind, &path, &document);
        counts.iter_mut().find(|(k, _)| *k == kind).unwrap().1 += 1;
    }
    counts
}

// ---------------------------------------------------------------------------
// The committed schemas

#[test]
fn committed_schemas_are_up_to_date() {
    let dir = root().join("schemas");
    let mut stale = Vec::new();
    for kind in Kind::ALL {
        let path = dir.join(kind.file_name());
        match std::fs::read_to_string(&path) {
            Ok(text) if text == kind.render() => {}
            Ok(_) => stale.push(format!("{} is stale", path.display())),
            Err(e) => stale.push(format!("{} cannot be read: {e}", path.display())),
        }
    }
    let expected: Vec<String> = Kind::ALL.iter().map(|k| k.file_name()).collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !expected.contains(&name) {
            stale.push(format!(
                "schemas/{name} is not generated by `policy schema`"
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nregenerate the committed schemas with `cargo run -- schema --out schemas` and commit them",
        stale.join("\n")
    );
}

#[test]
fn schema_command_prints_one_kind_or_writes_all() {
    for kind in Kind::ALL {
        let output = policy().args(["schema", kind.name()]).output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(String::from_utf8(output.stdout).unwrap(), kind.render());
    }

    let output = policy().arg("schema").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "a kind or --out is required");
    let output = policy().args(["schema", "manifest"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("feature, playbook, policy"), "{stderr}");

    let dir = TempDir::new().unwrap();
    let out = dir.path().join("schemas");
    let output = policy()
        .args(["schema", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.matches("wrote").count(), 7, "{stderr}");
    for kind in Kind::ALL {
        let written = std::fs::read_to_string(out.join(kind.file_name())).unwrap();
        assert_eq!(written, kind.render());
    }

    // Generated files are refreshed in place; identical ones are left alone.
    std::fs::write(out.join("policy-waiver.schema.json"), "{}").unwrap();
    let output = policy()
        .args(["schema", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.matches("unchanged").count(), 6, "{stderr}");
    assert!(stderr.contains("wrote      "), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("policy-waiver.schema.json")).unwrap(),
        Kind::Waiver.render()
    );

    // With a kind, only that file.
    let one = dir.path().join("one");
    policy()
        .args(["schema", "signoff", "--out"])
        .arg(&one)
        .assert()
        .code(0);
    let names: Vec<String> = std::fs::read_dir(&one)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["policy-signoff.schema.json"]);
}

// ---------------------------------------------------------------------------
// Real files validate

#[test]
fn example_repository_validates() {
    let counts = validate_repository(&root().join("fixtures/example"));
    for (kind, count) in counts {
        assert!(count > 0, "no {} file in fixtures/example", kind.name());
    }
}

#[test]
fn default_pack_validates() {
    let validator = validator(Kind::Policy);
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("policies")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_valid(&validator, Kind::Policy, &path, &parse(&path, &text));
            count += 1;
        }
    }
    assert!(count > 0);
}

/// The schemas are not vacuous: each rejects a typical mistake.
#[test]
fn schemas_reject_mistakes() {
    let cases: &[(Kind, &str, &str)] = &[
        (Kind::Feature, "missing id", "stage = \"concept\"\n"),
        (
            Kind::Feature,
            "unknown risk tier",
            "id = \"a\"\nstage = \"concept\"\nrisk_tier = \"severe\"\n",
        ),
        (
            Kind::Feature,
            "playbook without version",
            "id = \"a\"\nstage = \"concept\"\nplaybooks = [\"red-team\"]\n",
        ),
        (
            Kind::Feature,
            "hypothesis not a table",
            "id = \"a\"\nstage = \"concept\"\nhypothesis = \"yes\"\n",
        ),
        (
            Kind::Playbook,
            "unknown key",
            "id = \"a\"\nversion = 1\nsections = []\n",
        ),
        (
            Kind::Playbook,
            "version as a string",
            "id = \"a\"\nversion = \"1\"\n",
        ),
        (
            Kind::Policy,
            "version not semver",
            "[policy]\nid = \"p\"\nversion = \"1.0\"\n",
        ),
        (
            Kind::Policy,
            "rule that checks nothing",
            "[policy]\nid = \"p\"\nversion = \"1.0.0\"\n[[rules]]\ncode = \"X1\"\ntitle = \"t\"\n",
        ),
        (
            Kind::Policy,
            "unknown severity",
            "[policy]\nid = \"p\"\nversion = \"1.0.0\"\n[[rules]]\ncode = \"X1\"\ntitle = \"t\"\nassert = \"true\"\nseverity = \"fatal\"\n",
        ),
        (
            Kind::Signoff,
            "conditional without conditions",
            "subject = \"feature:a\"\nrole = \"srb\"\nsigner = \"a@example.com\"\ndecision = \"conditional\"\ndate = 2026-11-20\ndigest = \"sha256:00\"\n",
        ),
        (
            Kind::Signoff,
            "unknown decision",
            "subject = \"feature:a\"\nrole = \"srb\"\nsigner = \"a@example.com\"\ndecision = \"yes\"\ndate = 2026-11-20\ndigest = \"sha256:00\"\n",
        ),
        (
            Kind::Signoff,
            "date that is not a date",
            "subject = \"feature:a\"\nrole = \"srb\"\nsigner = \"a@example.com\"\ndecision = \"go\"\ndate = \"last tuesday\"\ndigest = \"sha256:00\"\n",
        ),
        (
            Kind::Waiver,
            "blank reason",
            "rule = \"MON001\"\nfeature = \"a\"\nreason = \"  \"\napproved_by = \"srb\"\nexpires = 2026-12-31\n",
        ),
        (
            Kind::Config,
            "unknown table",
            "[taxonomies]\nstages = [\"concept\"]\n",
        ),
        (
            Kind::Config,
            "role without members",
            "[roles.srb]\ndescription = \"board\"\n",
        ),
    ];
    for (kind, what, text) in cases {
        let validator = validator(*kind);
        let document = parse(Path::new(what), text);
        assert!(
            !validator.is_valid(&document),
            "the {} schema accepts a {what}",
            kind.name()
        );
    }
    // And accepts the conditional sign-off once it lists its conditions.
    let fixed = "subject = \"feature:a\"\nrole = \"srb\"\nsigner = \"a@example.com\"\ndecision = \"conditional\"\ndate = 2026-11-20\ndigest = \"sha256:00\"\nconditions = [\"re-run the red team\"]\n";
    assert!(validator(Kind::Signoff).is_valid(&parse(Path::new("fixed"), fixed)));
}

// ---------------------------------------------------------------------------
// policy init

/// Every TOML file `policy init` writes starts with `#:schema <path>`; the
/// path, relative to the file as Taplo resolves it, names the schema of the
/// file's kind among the schemas init writes, and the file validates
/// against it.
#[test]
fn init_writes_schema_directives_that_resolve() {
    let dir = TempDir::new().unwrap();
    let home = TempDir::new().unwrap();
    policy()
        .arg("-C")
        .arg(dir.path())
        .arg("init")
        .env("HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .assert()
        .code(0);

    for kind in Kind::ALL {
        let path = dir.path().join(".policy/schemas").join(kind.file_name());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            kind.render(),
            "{}",
            path.display()
        );
    }

    let mut paths = Vec::new();
    files(dir.path(), &mut paths);
    let tomls: Vec<PathBuf> = paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert!(tomls.len() >= 3, "{tomls:?}");
    for path in &tomls {
        let relative = path.strip_prefix(dir.path()).unwrap();
        let kind = kind_of(relative).unwrap_or_else(|| panic!("{relative:?}"));
        let text = std::fs::read_to_string(path).unwrap();
        let first = text.lines().next().unwrap();
        let target = first
            .strip_prefix("#:schema ")
            .unwrap_or_else(|| panic!("{relative:?} starts with {first:?}"));
        assert!(!target.contains("://"), "{target}");
        let resolved = path.parent().unwrap().join(target);
        let resolved = resolved
            .canonicalize()
            .unwrap_or_else(|e| panic!("{relative:?}: {target} does not resolve: {e}"));
        assert_eq!(
            resolved,
            dir.path()
                .join(".policy/schemas")
                .join(kind.file_name())
                .canonicalize()
                .unwrap(),
            "{relative:?}"
        );
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(&resolved).unwrap()).unwrap();
        let validator = jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        assert_valid(&validator, kind, path, &parse(path, &text));
    }
    let counts = validate_repository(dir.path());
    for kind in [Kind::Config, Kind::Feature, Kind::Policy] {
        let count = counts.iter().find(|(k, _)| *k == kind).unwrap().1;
        assert!(count > 0, "init wrote no {} file", kind.name());
    }

    // A second run keeps every file, the schemas included.
    std::fs::write(
        dir.path()
            .join(".policy/schemas/policy-feature.schema.json"),
        "{}",
    )
    .unwrap();
    policy()
        .arg("-C")
        .arg(dir.path())
        .arg("init")
        .env("HOME", home.path())
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(
            dir.path()
                .join(".policy/schemas/policy-feature.schema.json")
        )
        .unwrap(),
        "{}"
    );
}

// ---------------------------------------------------------------------------
// Completions and the man page

#[test]
fn completions_for_every_shell_know_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = policy().args(["completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(!script.is_empty(), "{shell}");
        for word in ["lint", "sign", "schema"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let output = policy().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn man_page_is_roff_and_lists_the_subcommands() {
    let output = policy().arg("man").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
    assert!(page.contains(".TH policy"), "{page}");
    for word in ["lint", "sign", "explain", "schema"] {
        assert!(page.contains(word), "man page lacks {word}");
    }
}
