//! The machine formats for CI: SARIF checked against the official OASIS
//! schema, GitHub workflow commands read back the way the Actions runner
//! reads them, byte-for-byte stable output, and the GitHub defaults
//! (`GITHUB_ACTIONS`, `GITHUB_STEP_SUMMARY`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use policy_lint::diagnostic::{Diagnostic, Severity, SourceFile};
use policy_lint::engine::Outcome;
use policy_lint::model::workspace::PolicySource;
use policy_lint::report::{github, sarif};
use serde_json::Value;
use tempfile::TempDir;

const TODAY: &str = "2026-11-26";

/// The official SARIF 2.1.0 schema, kept in `tests/data/sarif/` with its notice.
const SARIF_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/sarif/sarif-schema-2.1.0.json"
);

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `policy` started in `dir`, with nothing from the machine's environment
/// that changes the output.
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
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["--color", "never", "--today", TODAY]);
    cmd
}

/// `policy -C fixtures/example lint ARGS` from the crate root; returns
/// stdout, after checking the exit code (the example has errors: 1).
fn lint_example(home: &Path, args: &[&str]) -> String {
    let output = policy_in(&crate_dir(), home)
        .args(["-C", "fixtures/example", "lint"])
        .args(args)
        .assert()
        .code(1)
        .get_output()
        .clone();
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// A validator for the SARIF schema. The schema declares draft-04; the
/// crate is built without its network and file resolvers and ships the
/// draft-04 meta-schema, so nothing is fetched.
fn sarif_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(SARIF_SCHEMA)
            .unwrap_or_else(|e| panic!("read {SARIF_SCHEMA}: {e}"));
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        assert_eq!(
            schema["$schema"], "http://json-schema.org/draft-04/schema#",
            "the SARIF schema changed draft"
        );
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

fn assert_valid_sarif(text: &str) -> Value {
    let log: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("SARIF output is not JSON ({e}):\n{text}"));
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is not valid against the 2.1.0 schema:\n{}",
        errors.join("\n")
    );
    assert_uri_references(&log);
    log
}

/// The schema's `uri-reference` format is not a draft-04 format, so the
/// validator skips it: check artifact URIs here (RFC 3986 characters only,
/// everything else percent-encoded).
fn assert_uri_references(value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "uri"
                    && let Some(uri) = value.as_str()
                {
                    let allowed =
                        |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=@/%".contains(c);
                    assert!(uri.chars().all(allowed), "not a URI reference: {uri}");
                    assert!(!uri.starts_with('/'), "not relative: {uri}");
                }
                assert_uri_references(value);
            }
        }
        Value::Array(items) => items.iter().for_each(assert_uri_references),
        _ => {}
    }
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

fn fingerprint(result: &Value) -> &str {
    result["partialFingerprints"]["policyFinding/v1"]
        .as_str()
        .expect("a policyFinding/v1 fingerprint")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn sarif_of_the_example_is_valid_and_complete() {
    let home = TempDir::new().unwrap();
    let text = lint_example(home.path(), &["--format", "sarif"]);
    let log = assert_valid_sarif(&text);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "policy");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for check in policy_lint::rules::BUILTIN {
        assert!(ids.contains(&check.code), "{} is not listed", check.code);
    }
    for code in ["LG001", "LG002", "MON001", "HYP001", "RSK003", "ST001"] {
        assert!(ids.contains(&code), "policy rule {code} is not listed");
    }
    let lg002 = &rules[ids.iter().position(|id| *id == "LG002").unwrap()];
    assert_eq!(
        lg002["shortDescription"]["text"],
        "Launch needs an SRB go decision"
    );
    assert_eq!(lg002["defaultConfiguration"]["level"], "error");
    assert!(
        lg002["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Fix")
    );
    let pl014 = &rules[ids.iter().position(|id| *id == "PL014").unwrap()];
    assert_eq!(pl014["defaultConfiguration"]["level"], "warning");
    assert!(
        pl014["help"]["markdown"]
            .as_str()
            .unwrap()
            .starts_with("## What it checks\n")
    );

    let results = results(&log);
    assert_eq!(results.len(), 6, "{text}");
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("fixtures/example/"), "{uri}");
    }

    // LG002 points at the stage and, as a related location, at the policy
    // line that requires the SRB.
    let lg002 = results.iter().find(|r| r["ruleId"] == "LG002").unwrap();
    let region = &lg002["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ),
        (
            &Value::from(6),
            &Value::from(9),
            &Value::from(6),
            &Value::from(19)
        )
    );
    assert_eq!(region["byteOffset"], 183);
    assert_eq!(region["byteLength"], 10);
    let related = &lg002["relatedLocations"][0];
    assert_eq!(related["id"], 1);
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/example/policies/launch-gate.toml"
    );
    assert_eq!(related["message"]["text"], "LG002 requires this role");

    // The waived finding stays, suppressed by its waiver, not dropped.
    let waived = results.iter().find(|r| r["ruleId"] == "MON001").unwrap();
    assert_eq!(waived["level"], "note");
    let suppression = &waived["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert!(
        suppression["justification"]
            .as_str()
            .unwrap()
            .contains("Tracked in SAFE-123")
    );
    assert!(
        results
            .iter()
            .filter(|r| r["ruleId"] != "MON001")
            .all(|r| r.get("suppressions").is_none())
    );
}

#[test]
fn fingerprints_survive_a_line_inserted_above_the_finding() {
    let home = TempDir::new().unwrap();
    let repo = TempDir::new().unwrap();
    copy_dir(&crate_dir().join("fixtures/example"), repo.path());
    let sarif = || {
        let output = policy_in(repo.path(), home.path())
            .args(["lint", "--format", "sarif"])
            .assert()
            .code(1)
            .get_output()
            .clone();
        assert_valid_sarif(&String::from_utf8(output.stdout).unwrap())
    };
    let before = sarif();
    let manifest = repo.path().join("features/health-coach/feature.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("# Reviewed in SAFE-7.\n\n{text}")).unwrap();
    let after = sarif();

    let by_rule = |log: &Value| -> BTreeMap<String, (String, u64)> {
        results(log)
            .iter()
            .map(|r| {
                let line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap();
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    (fingerprint(r).to_string(), line),
                )
            })
            .collect()
    };
    let (before, after) = (by_rule(&before), by_rule(&after));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let (fingerprint_before, line_before) = &before["PL006"];
    let (fingerprint_after, line_after) = &after["PL006"];
    assert_eq!(*line_after, line_before + 2, "the finding moved down");
    assert_eq!(fingerprint_after, fingerprint_before);
    for (rule, (fingerprint, _)) in &before {
        assert_eq!(&after[rule].0, fingerprint, "{rule}'s fingerprint changed");
    }
}

/// A rule over a collection (`each`) is one finding per failing entry in
/// the machine formats too: two failing metrics are two results, each on
/// its own line, named, and with its own fingerprint.
#[test]
fn a_rule_over_a_collection_gives_one_result_per_failing_entry() {
    let home = TempDir::new().unwrap();
    let repo = TempDir::new().unwrap();
    std::fs::create_dir_all(repo.path().join("features/summaries")).unwrap();
    std::fs::write(
        repo.path().join("features/summaries/feature.toml"),
        concat!(
            "id = \"summaries\"\nstage = \"review\"\nrisk_tier = \"low\"\n",
            "[hypothesis]\nstatement = \"Faithful summaries\"\n",
            "[metrics.alpha]\nmeasured = 0.5\ntarget = 0.9\n",
            "[metrics.beta]\nmeasured = 0.95\ntarget = 0.9\n",
            "[metrics.gamma]\nmeasured = 0.5\ntarget = 0.9\n",
            "[risk]\nevasion_potential = 1\nsystemic_amplification = 1\nresidual = \"low\"\n",
        ),
    )
    .unwrap();
    let run = |format: &str| {
        let output = policy_in(repo.path(), home.path())
            .args(["lint", "--format", format])
            .assert()
            .code(1)
            .get_output()
            .clone();
        String::from_utf8(output.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    let found: Vec<(String, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "HYP001")
        .map(|d| {
            (
                d["message"].as_str().unwrap().to_string(),
                d["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "metric `alpha` is unmeasured or measured below its target".to_string(),
                7
            ),
            (
                "metric `gamma` is unmeasured or measured below its target".to_string(),
                13
            ),
        ]
    );
    let log = assert_valid_sarif(&run("sarif"));
    let fingerprints: Vec<&str> = results(&log)
        .iter()
        .filter(|r| r["ruleId"] == "HYP001")
        .map(fingerprint)
        .collect();
    assert_eq!(fingerprints.len(), 2);
    assert_ne!(fingerprints[0], fingerprints[1]);
}

#[test]
fn sarif_names_built_in_pack_files_by_their_own_base() {
    let home = TempDir::new().unwrap();
    let repo = TempDir::new().unwrap();
    std::fs::write(
        repo.path().join("policy.toml"),
        concat!(
            "[roles.safety-researcher]\nmembers = [\"ana@example.com\"]\n",
            "[roles.policy-analyst]\nmembers = [\"lee@example.com\"]\n",
            "[roles.legal-counsel]\nmembers = [\"dana@example.com\"]\n",
            "[roles.srb]\nmembers = [\"chair@example.com\"]\n",
        ),
    )
    .unwrap();
    std::fs::create_dir_all(repo.path().join("features/alpha")).unwrap();
    std::fs::write(
        repo.path().join("features/alpha/feature.toml"),
        "id = \"alpha\"\ntitle = \"Alpha\"\nstage = \"launched\"\nrisk_tier = \"low\"\nharm_categories = []\n",
    )
    .unwrap();
    let output = policy_in(repo.path(), home.path())
        .args(["lint", "--format", "sarif"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let text = String::from_utf8(output.stdout).unwrap();
    let log = assert_valid_sarif(&text);
    assert!(
        log["runs"][0]["originalUriBaseIds"]["BUILTIN_POLICY_PACK"]["description"]["text"]
            .is_string()
    );
    let builtin: Vec<&Value> = results(&log)
        .iter()
        .flat_map(|r| r["relatedLocations"].as_array().into_iter().flatten())
        .map(|l| &l["physicalLocation"]["artifactLocation"])
        .filter(|a| a["uriBaseId"] == "BUILTIN_POLICY_PACK")
        .collect();
    assert!(!builtin.is_empty(), "{text}");
    for artifact in builtin {
        let uri = artifact["uri"].as_str().unwrap();
        assert!(uri.starts_with("policies/") && !uri.contains('<'), "{uri}");
    }
}

/// A workflow command as the runner parses it (actions/runner,
/// `ActionCommand.TryParseV2`).
#[derive(Debug)]
struct WorkflowCommand {
    name: String,
    properties: BTreeMap<String, String>,
    data: String,
}

fn unescape(text: &str, mappings: &[(&str, &str)]) -> String {
    // The runner replaces each escape in turn, `%25` last.
    let mut text = text.to_string();
    for (escaped, plain) in mappings {
        text = text.replace(escaped, plain);
    }
    text
}

const DATA_ESCAPES: &[(&str, &str)] = &[("%0D", "\r"), ("%0A", "\n"), ("%25", "%")];
const PROPERTY_ESCAPES: &[(&str, &str)] = &[
    ("%0D", "\r"),
    ("%0A", "\n"),
    ("%3A", ":"),
    ("%2C", ","),
    ("%25", "%"),
];

fn parse_command(line: &str) -> Option<WorkflowCommand> {
    let line = line.trim_start();
    let rest = line.strip_prefix("::")?;
    let end = rest.find("::")?;
    let (info, data) = (&rest[..end], &rest[end + 2..]);
    let (name, properties) = match info.split_once(' ') {
        Some((name, properties)) => (name, properties.trim()),
        None => (info, ""),
    };
    let mut parsed = BTreeMap::new();
    for property in properties.split(',').filter(|p| !p.is_empty()) {
        if let Some((key, value)) = property.split_once('=')
            && !key.is_empty()
            && !value.is_empty()
        {
            parsed.insert(key.to_string(), unescape(value, PROPERTY_ESCAPES));
        }
    }
    Some(WorkflowCommand {
        name: name.to_string(),
        properties: parsed,
        data: unescape(data, DATA_ESCAPES),
    })
}

/// One finding in a file whose name has a comma, a colon and a space, with
/// a message that has a comma, a colon, a percent sign and line breaks.
fn awkward_outcome() -> Outcome {
    let file = SourceFile::new(
        "features/a,b: c/é feature.toml",
        "id = \"x\"\nstage = \"läunched\"\n",
    );
    let start = "id = \"x\"\nstage = ".len();
    let diagnostic = Diagnostic::new(
        "PL005",
        Severity::Warning,
        "stage, maybe: 100% wrong%0A\nsecond line\r\nthird",
    )
    .at(&file, start..start + "\"läunched\"".len(), "")
    .related(&file, 0..2, "see: here, 50%")
    .feature("x");
    Outcome {
        diagnostics: vec![diagnostic],
        features_checked: 1,
        features_total: Some(1),
        policy_source: PolicySource::Repository,
        authorship_unverified: false,
    }
}

#[test]
fn github_commands_round_trip_through_the_runners_parser() {
    let outcome = awkward_outcome();
    let text = github::render(&outcome);
    assert_eq!(text.lines().count(), 1, "one line per finding: {text:?}");
    let command = parse_command(text.lines().next().unwrap()).expect("a workflow command");
    assert_eq!(command.name, "warning");
    // A carriage return from a value is shown escaped: it would move a log
    // viewer's cursor.
    assert_eq!(
        command.data,
        "stage, maybe: 100% wrong%0A\nsecond line\\u{d}\nthird"
    );
    let expected: BTreeMap<String, String> = [
        ("file", "features/a,b: c/é feature.toml"),
        ("line", "2"),
        ("col", "9"),
        ("endLine", "2"),
        ("endColumn", "19"),
        ("title", "PL005"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(command.properties, expected);
}

#[test]
fn github_commands_use_notice_for_notes_and_skip_columns_across_lines() {
    let file = SourceFile::new("policies/p.toml", "a = [\n  1,\n]\n");
    let outcome = Outcome {
        diagnostics: vec![
            Diagnostic::new("LG001", Severity::Note, "waived").at(&file, 4..11, ""),
            Diagnostic::new("PL001", Severity::Error, "no file"),
        ],
        features_checked: 0,
        features_total: Some(0),
        policy_source: PolicySource::Repository,
        authorship_unverified: false,
    };
    let lines: Vec<WorkflowCommand> = github::render(&outcome)
        .lines()
        .map(|l| parse_command(l).unwrap())
        .collect();
    assert_eq!(lines[0].name, "notice");
    assert_eq!(lines[0].properties["line"], "1");
    assert_eq!(lines[0].properties["endLine"], "3");
    assert!(!lines[0].properties.contains_key("col"));
    assert!(!lines[0].properties.contains_key("endColumn"));
    assert_eq!(lines[1].name, "error");
    assert_eq!(
        lines[1].properties.keys().collect::<Vec<_>>(),
        vec!["title"]
    );
    assert_eq!(lines[1].data, "no file");
}

#[test]
fn sarif_of_awkward_paths_and_messages_is_valid() {
    let text = sarif::render(&awkward_outcome(), &[]);
    let log = assert_valid_sarif(&text);
    let result = &results(&log)[0];
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "features/a,b%3A%20c/%C3%A9%20feature.toml"
    );
    let region = &result["locations"][0]["physicalLocation"]["region"];
    // Columns count code points; byteLength counts the two-byte `ä`.
    assert_eq!(region["startColumn"], 9);
    assert_eq!(region["endColumn"], 19);
    assert_eq!(region["byteLength"], 11);
    assert_eq!(result["ruleId"], "PL005");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][index]["id"],
        "PL005"
    );
}

#[test]
fn machine_formats_are_byte_for_byte_stable() {
    let home = TempDir::new().unwrap();
    for format in ["sarif", "github", "json"] {
        let first = lint_example(home.path(), &["--format", format]);
        let second = lint_example(home.path(), &["--format", format]);
        assert!(!first.is_empty(), "{format} printed nothing");
        assert_eq!(first, second, "{format} output differs between runs");
    }
}

#[test]
fn github_actions_defaults_to_github_and_appends_the_step_summary() {
    let home = TempDir::new().unwrap();
    let summary = home.path().join("step-summary.md");
    std::fs::write(&summary, "## Earlier step\n\nkept\n").unwrap();
    let output = policy_in(&crate_dir(), home.path())
        .args(["-C", "fixtures/example", "lint"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let commands: Vec<WorkflowCommand> = stdout
        .lines()
        .map(|l| parse_command(l).unwrap_or_else(|| panic!("not a workflow command: {l}")))
        .collect();
    assert_eq!(commands.len(), 6, "{stdout}");
    assert!(commands.iter().any(|c| c.name == "error"
        && c.properties["title"] == "PL006"
        && c.properties["file"] == "fixtures/example/features/health-coach/feature.toml"));
    assert!(commands.iter().any(|c| c.name == "notice"));
    assert!(commands.iter().any(|c| c.name == "warning"));

    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(
        markdown.starts_with("## Earlier step\n\nkept\n"),
        "{markdown}"
    );
    assert!(markdown.contains("| Severity | Code | Location | Message |"));
    assert!(markdown.contains(
        "| error | PL006 | `fixtures/example/features/health-coach/feature.toml:6:33` |"
    ));
    assert!(
        markdown.contains("**4 errors, 1 warning in 4 features, 1 note (checked all 6 features)**")
    );

    // A second run appends again; an explicit format wins over the default.
    let output = policy_in(&crate_dir(), home.path())
        .args(["-C", "fixtures/example", "lint", "--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(document["summary"]["errors"], 4);
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), markdown);
}

#[test]
fn summary_markdown_keeps_each_finding_in_one_table_row() {
    let markdown = github::summary_markdown(&awkward_outcome());
    let row = markdown
        .lines()
        .find(|l| l.starts_with("| warning |"))
        .expect("a row");
    assert!(row.contains("second line\\\\u{d}<br>third"), "{row}");
    assert!(row.ends_with(" |"));
    let empty = Outcome {
        diagnostics: Vec::new(),
        features_checked: 3,
        features_total: Some(3),
        policy_source: PolicySource::Repository,
        authorship_unverified: false,
    };
    assert!(github::summary_markdown(&empty).contains("No findings."));
}

/// A repository exported without history (`git archive`): the authorship
/// check cannot run, and says so. Code scanning rejects a whole upload for
/// one result without a location, so that finding is a run-level
/// notification and every result has a location.
#[test]
fn sarif_without_history_has_no_result_without_a_location() {
    let home = TempDir::new().unwrap();
    let dir = TempDir::new().unwrap();
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    };
    write(
        "features/x/feature.toml",
        "id = \"x\"\ntitle = \"X\"\nstage = \"concept\"\n",
    );
    write(
        "features/x/signoffs/srb.toml",
        "subject = \"feature:x\"\nrole = \"srb\"\nsigner = \"chair@example.com\"\ndecision = \"go\"\ndate = 2026-11-20\ndigest = \"sha256:00\"\n",
    );
    let output = policy_in(dir.path(), home.path())
        .args(["lint", "--format", "sarif"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let log = assert_valid_sarif(&text);
    for result in results(&log) {
        assert!(
            result["locations"]
                .as_array()
                .is_some_and(|l| !l.is_empty()),
            "{result}"
        );
    }
    let notifications = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert!(
        notifications
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["descriptor"]["id"] == "PL029")),
        "{text}"
    );
}

/// `fixtures/example/EXPECTED.md` shows what `policy lint` reports on the
/// example, generated from a real run: the block between the markers must
/// match it. `UPDATE_EXPECTED=1 cargo test --test formats` rewrites it.
#[test]
fn the_examples_expected_findings_are_current() {
    const START: &str = "<!-- generated by tests/formats.rs: the findings of a real run -->";
    const END: &str = "<!-- end of generated findings -->";
    let home = TempDir::new().unwrap();
    let json = lint_example(home.path(), &["--format", "json", "--today", TODAY]);
    let document: Value = serde_json::from_str(&json).unwrap();
    let mut block = String::from(
        "| code | severity | feature | where | message |\n| --- | --- | --- | --- | --- |\n",
    );
    for d in document["diagnostics"].as_array().unwrap() {
        let file = d["file"]
            .as_str()
            .unwrap_or("")
            .trim_start_matches("fixtures/example/");
        let message = d["message"].as_str().unwrap_or("").replace('|', "\\|");
        block.push_str(&format!(
            "| {} | {} | {} | `{}:{}` | {} |\n",
            d["code"].as_str().unwrap_or(""),
            d["severity"].as_str().unwrap_or(""),
            d["feature"].as_str().unwrap_or("—"),
            file,
            d["start"]["line"],
            message
        ));
    }
    // The summary line exactly as the human output ends.
    let human = policy_in(&crate_dir(), home.path())
        .args(["-C", "fixtures/example", "lint", "--today", TODAY])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(human.stderr).unwrap();
    let summary = stderr.lines().last().unwrap_or_default();
    block.push_str(&format!("\n`{summary}`; exit code 1.\n"));
    let path = crate_dir().join("fixtures/example/EXPECTED.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (before, rest) = text.split_once(START).expect("the start marker");
    let (current, after) = rest.split_once(END).expect("the end marker");
    let generated = format!("\n{block}");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, format!("{before}{START}{generated}{END}{after}")).unwrap();
        return;
    }
    assert_eq!(
        current, generated,
        "EXPECTED.md is stale: run `UPDATE_EXPECTED=1 cargo test --test formats`"
    );
}
