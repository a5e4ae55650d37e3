//! Risk scoring (DESIGN §2.8): `[risk.weights]` and `[risk.tiers]` in
//! policy.toml give every manifest with a `[risk]` table a computed score
//! and tier; a declared `risk_tier` below the computed one is `PL039`; CEL
//! sees `computed.risk_score` and `computed.risk_tier`; `status` shows the
//! score. In range mode the merge-base's weights judge, even when the
//! change edits them. Every repository is built here, with fixed authors
//! and dates.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{CONFIG, DATE, binary, isolate};

const PM: &str = "pm@example.com";
const DEV: &str = "dev@example.com";

/// The weights and thresholds of the spec (the tiers written out).
const WEIGHTS: &str = "
[risk.weights]
evasion_potential = 0.6
systemic_amplification = 0.4
[risk.tiers]
medium = 2.0
high = 3.0
critical = 4.0
";

/// A policy that reads `computed`: features scored 3.0 or more list
/// mitigations, and a `[risk]` table is always scored.
const RISK_POLICY: &str = r#"
[policy]
id = "risk-gate"
version = "1.0.0"
title = "Computed risk"
owners = ["srb"]

[[rules]]
code = "RG001"
title = "Features scored high or above list their mitigations"
when = "computed != null && computed.risk_score >= 3.0"
assert = "has(feature.risk.mitigations)"
at = "risk"
message = "a feature scored high or above lists no mitigations"

[[rules]]
code = "RG002"
title = "A risk review is scored"
when = "has(feature.risk)"
assert = "computed != null && computed.risk_tier in ['low', 'medium', 'high', 'critical']"
at = "risk"
message = "the risk review has no computed score"
"#;

fn manifest(id: &str, tier: &str, evasion: i64, amplification: i64) -> String {
    format!(
        "id = \"{id}\"\nstage = \"design\"\nrisk_tier = \"{tier}\"\n\n[risk]\nevasion_potential = {evasion}\nsystemic_amplification = {amplification}\nmitigations = [\"rate limits\"]\n"
    )
}

struct Repo {
    dir: TempDir,
    home: TempDir,
}

struct Run {
    exit: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: exit {}\n{}\n{}", self.exit, self.stdout, self.stderr))
    }

    /// The diagnostics with `code`.
    fn findings(&self, code: &str) -> Vec<Value> {
        self.json()["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["code"] == code)
            .cloned()
            .collect()
    }
}

impl Repo {
    /// `main`: the panel config (plus `extra_config`), the risk policy and
    /// the given features, committed by pm.
    fn new(extra_config: &str, features: &[(&str, String)]) -> Repo {
        let repo = Repo {
            dir: TempDir::new().unwrap(),
            home: TempDir::new().unwrap(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.write("policy.toml", &format!("{CONFIG}{extra_config}"));
        repo.write("policies/risk-gate.toml", RISK_POLICY);
        for (id, text) in features {
            repo.write(&format!("features/{id}/feature.toml"), text);
        }
        repo.commit(PM, "initial");
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        let mut command = Command::new("git");
        isolate(&mut command, self.path(), self.home.path(), PM, DATE);
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

    fn commit(&self, email: &str, message: &str) {
        let mut command = Command::new("git");
        isolate(&mut command, self.path(), self.home.path(), email, DATE);
        assert!(command.args(["add", "-A"]).status().unwrap().success());
        let mut command = Command::new("git");
        isolate(&mut command, self.path(), self.home.path(), email, DATE);
        assert!(
            command
                .args(["commit", "-q", "-m", message])
                .status()
                .unwrap()
                .success()
        );
    }

    fn policy(&self, args: &[&str]) -> Run {
        let mut command = Command::new(binary());
        isolate(&mut command, self.path(), self.home.path(), DEV, DATE);
        let output = command
            .args(args)
            .args(["--today", "2026-11-26", "--color", "never"])
            .output()
            .unwrap();
        Run {
            exit: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

#[test]
fn a_tier_below_the_computed_one_is_an_error_that_shows_the_arithmetic() {
    let repo = Repo::new(
        WEIGHTS,
        &[
            ("upload", manifest("upload", "medium", 4, 3)),
            ("chat", manifest("chat", "high", 4, 3)),
        ],
    );
    let run = repo.policy(&["lint", "--format", "json"]);
    assert_eq!(run.exit, 1, "{}", run.stdout);
    let found = run.findings("PL039");
    assert_eq!(found.len(), 1, "{}", run.stdout);
    let d = &found[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["feature"], "upload");
    assert_eq!(
        d["message"],
        "risk tier `medium` is below the computed tier `high`: 0.6×4 + 0.4×3 = 3.6 ≥ high 3.0"
    );
    // At the declared tier, with the weights as the related place.
    assert_eq!(d["file"], "features/upload/feature.toml");
    assert_eq!(d["start"], serde_json::json!({"line": 3, "column": 13}));
    assert_eq!(d["label"], "declared `medium`, computed `high`");
    let related = &d["related"][0];
    assert_eq!(related["file"], "policy.toml");
    assert_eq!(related["label"], "the weights");
    let text = std::fs::read_to_string(repo.path().join("policy.toml")).unwrap();
    let start = related["byte_start"].as_u64().unwrap() as usize;
    let end = related["byte_end"].as_u64().unwrap() as usize;
    assert_eq!(
        &text[start..end],
        "evasion_potential = 0.6\nsystemic_amplification = 0.4"
    );
    // Nothing else: both are scored (RG002 passes) and list mitigations.
    let codes: Vec<String> = run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["PL039"], "{}", run.stdout);

    // The human output shows the same sentence, pointing into both files.
    let human = repo.policy(&["lint"]);
    assert!(
        human.stderr.contains("0.6×4 + 0.4×3 = 3.6 ≥ high 3.0"),
        "{}",
        human.stderr
    );
    assert!(human.stderr.contains("policy.toml"), "{}", human.stderr);

    // Raising the tier (or declaring a higher one) clears it.
    repo.write(
        "features/upload/feature.toml",
        &manifest("upload", "critical", 4, 3),
    );
    let run = repo.policy(&["lint", "--format", "json"]);
    assert_eq!(run.exit, 0, "{}", run.stdout);
}

#[test]
fn cel_sees_the_computed_score_and_tier() {
    // 0.6×5 + 0.4×2 = 3.8: high; RG001 wants mitigations from 3.0 on.
    let bare = "id = \"scan\"\nstage = \"design\"\nrisk_tier = \"high\"\n\n[risk]\nevasion_potential = 5\nsystemic_amplification = 2\n";
    // 0.6×2 + 0.4×3 = 2.4: medium; no mitigations needed.
    let mild = "id = \"mild\"\nstage = \"design\"\nrisk_tier = \"medium\"\n\n[risk]\nevasion_potential = 2\nsystemic_amplification = 3\n";
    let repo = Repo::new(
        WEIGHTS,
        &[("scan", bare.to_string()), ("mild", mild.to_string())],
    );
    let run = repo.policy(&["lint", "--format", "json"]);
    let found = run.findings("RG001");
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert_eq!(found[0]["feature"], "scan");
    assert!(run.findings("RG002").is_empty(), "{}", run.stdout);
    assert!(run.findings("PL039").is_empty(), "{}", run.stdout);
}

#[test]
fn without_weights_nothing_is_scored() {
    let repo = Repo::new("", &[("upload", manifest("upload", "low", 5, 5))]);
    let run = repo.policy(&["lint", "--format", "json"]);
    assert!(run.findings("PL039").is_empty(), "{}", run.stdout);
    // `computed` is null: the rule that wants a score reports it.
    assert_eq!(run.findings("RG002").len(), 1, "{}", run.stdout);
    let status = repo.policy(&["status", "--format", "json"]);
    assert_eq!(status.exit, 0, "{}", status.stderr);
    let feature = &status.json()["features"][0];
    assert_eq!(feature["risk_score"], Value::Null);
    assert_eq!(feature["risk_tier_computed"], Value::Null);
}

#[test]
fn a_weighted_score_missing_from_risk_is_a_schema_error_never_a_zero() {
    let text = "id = \"upload\"\nstage = \"design\"\nrisk_tier = \"low\"\n\n[risk]\nevasion_potential = 1\n";
    let odd = "id = \"odd\"\nstage = \"design\"\nrisk_tier = \"low\"\n\n[risk]\nevasion_potential = 1.5\nsystemic_amplification = 9\n";
    let repo = Repo::new(
        WEIGHTS,
        &[("upload", text.to_string()), ("odd", odd.to_string())],
    );
    let run = repo.policy(&["lint", "--format", "json"]);
    assert_eq!(run.exit, 1, "{}", run.stdout);
    let schema = run.findings("PL004");
    let missing = schema
        .iter()
        .find(|d| d["feature"] == "upload")
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert_eq!(
        missing["message"],
        "`[risk]` is missing the score `systemic_amplification`, weighted in policy.toml"
    );
    assert_eq!(missing["start"]["line"], 5, "at the [risk] header");
    assert_eq!(missing["related"][0]["file"], "policy.toml");
    let odd_messages: Vec<&str> = schema
        .iter()
        .filter(|d| d["feature"] == "odd")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        odd_messages,
        [
            "`risk.evasion_potential` must be an integer score from 1 to 5",
            "`risk.systemic_amplification` must be an integer score from 1 to 5",
        ],
        "{}",
        run.stdout
    );
    // Unscored, so no tier is computed: no PL039 for the low tier.
    assert!(run.findings("PL039").is_empty(), "{}", run.stdout);
}

#[test]
fn bad_weights_and_tiers_are_configuration_errors_with_spans() {
    for (config, message) in [
        (
            "[risk.weights]\nevasion_potential = 0\n",
            "the weight of `evasion_potential` must be a number above 0",
        ),
        (
            "[risk.weights]\nresidual = 1\n",
            "`risk.residual` is not a review score and cannot be weighted",
        ),
        (
            "[risk.weights]\nevasion_potental = 1\n",
            "did you mean `evasion_potential`?",
        ),
        (
            "[risk.weights]\nevasion_potential = 1\n[risk.tiers]\nhigh = 5\ncritical = 4.5\n",
            "risk tier thresholds must increase: critical 4.5 is not above high 5.0",
        ),
    ] {
        let repo = Repo::new(config, &[("upload", manifest("upload", "low", 1, 1))]);
        let run = repo.policy(&["lint", "--format", "json"]);
        assert_eq!(run.exit, 2, "{config}: {}", run.stdout);
        let all = run.json()["diagnostics"].as_array().unwrap().clone();
        let d = all
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains(message))
            .unwrap_or_else(|| panic!("{config}: {}", run.stdout));
        assert_eq!(d["file"], "policy.toml");
        let text = std::fs::read_to_string(repo.path().join("policy.toml")).unwrap();
        let start = d["byte_start"].as_u64().unwrap() as usize;
        let end = d["byte_end"].as_u64().unwrap() as usize;
        assert!(end > start, "{config}: a span");
        assert!(text[start..].starts_with(&text[start..end]), "{config}");
    }
}

#[test]
fn a_pull_request_cannot_lower_its_own_tier_by_editing_the_weights() {
    let repo = Repo::new(WEIGHTS, &[("upload", manifest("upload", "high", 4, 3))]);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    // Under the new weights, 0.1×4 + 0.9×1 = 1.3 would be low.
    repo.write(
        "policy.toml",
        &format!(
            "{CONFIG}{}",
            WEIGHTS.replace("= 0.6", "= 0.1").replace("= 0.4", "= 0.9")
        ),
    );
    repo.write(
        "features/upload/feature.toml",
        &manifest("upload", "low", 4, 1),
    );
    repo.commit(DEV, "re-weigh and lower the tier");
    let run = repo.policy(&["lint", "--format", "json", "--base", "main"]);
    assert_eq!(run.exit, 1, "{}", run.stdout);
    let found = run.findings("PL039");
    assert_eq!(found.len(), 1, "{}", run.stdout);
    // The base's weights: 0.6×4 + 0.4×1 = 2.8, medium.
    assert_eq!(
        found[0]["message"],
        "risk tier `low` is below the computed tier `medium`: 0.6×4 + 0.4×1 = 2.8 ≥ medium 2.0"
    );
    // The weights it points at are the base's.
    let related = &found[0]["related"][0];
    assert_eq!(related["file"], "policy.toml");
    let base_config = format!("{CONFIG}{WEIGHTS}");
    let start = related["byte_start"].as_u64().unwrap() as usize;
    let end = related["byte_end"].as_u64().unwrap() as usize;
    assert_eq!(
        &base_config[start..end],
        "evasion_potential = 0.6\nsystemic_amplification = 0.4"
    );
    // The config change itself needs the admins' go.
    assert!(!run.findings("PL027").is_empty(), "{}", run.stdout);

    // In tree mode (the working tree judges itself) the new weights apply:
    // the difference is the judge, not the feature.
    let tree = repo.policy(&["lint", "--format", "json"]);
    assert!(tree.findings("PL039").is_empty(), "{}", tree.stdout);
}

#[test]
fn a_pull_request_that_raises_scores_must_raise_the_tier() {
    let repo = Repo::new(WEIGHTS, &[("upload", manifest("upload", "medium", 2, 2))]);
    assert_eq!(repo.policy(&["lint"]).exit, 0);
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.write(
        "features/upload/feature.toml",
        &manifest("upload", "medium", 5, 4),
    );
    repo.commit(DEV, "new review scores");
    let run = repo.policy(&["lint", "--format", "json", "--base", "main"]);
    assert_eq!(run.exit, 1, "{}", run.stdout);
    let found = run.findings("PL039");
    assert_eq!(
        found[0]["message"],
        "risk tier `medium` is below the computed tier `critical`: 0.6×5 + 0.4×4 = 4.6 ≥ critical 4.0"
    );
}

#[test]
fn status_shows_the_computed_score_in_every_format() {
    let repo = Repo::new(
        WEIGHTS,
        &[
            ("upload", manifest("upload", "medium", 4, 3)),
            (
                "chat",
                "id = \"chat\"\nstage = \"design\"\nrisk_tier = \"low\"\n".to_string(),
            ),
        ],
    );
    let run = repo.policy(&["status", "--format", "json"]);
    assert_eq!(run.exit, 0, "{}", run.stderr);
    let board = run.json();
    let features = board["features"].as_array().unwrap();
    let by_id = |id: &str| features.iter().find(|f| f["id"] == id).unwrap().clone();
    let upload = by_id("upload");
    assert_eq!(upload["risk_score"], serde_json::json!(3.6));
    assert_eq!(upload["risk_tier_computed"], "high");
    assert!(
        run.stdout.contains("\"risk_score\": 3.6,"),
        "{}",
        run.stdout
    );
    assert!(
        upload["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "PL039"),
        "the board shows the finding: {upload}"
    );
    assert_eq!(upload["blocked"], true);
    let chat = by_id("chat");
    assert_eq!(chat["risk_score"], Value::Null, "no [risk] table");

    let table = repo.policy(&["status"]);
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("upload") && l.contains("medium 3.6")),
        "{}",
        table.stdout
    );
    let markdown = repo.policy(&["status", "--format", "markdown"]);
    assert!(
        markdown
            .stdout
            .contains("| ⛔ **upload** | design | medium 3.6 |"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown.stdout.contains("| design | medium 3.6 |"),
        "{}",
        markdown.stdout
    );
    let html = repo.policy(&["status", "--format", "html"]);
    assert!(
        html.stdout.contains("<td>medium 3.6</td>"),
        "{}",
        html.stdout
    );
}

#[test]
fn a_misspelt_computed_field_is_reported_in_the_policy() {
    let repo = Repo::new(WEIGHTS, &[("upload", manifest("upload", "high", 4, 3))]);
    repo.write(
        "policies/risk-gate.toml",
        &RISK_POLICY.replace("computed.risk_score >= 3.0", "computed.risk_scor >= 3.0"),
    );
    let run = repo.policy(&["lint", "--format", "json"]);
    assert_eq!(run.exit, 2, "{}", run.stdout);
    let found = run.findings("PL010");
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert_eq!(
        found[0]["message"],
        "`computed.risk_scor` is not a computed value"
    );
    let help = found[0]["help"].as_str().unwrap();
    assert!(
        help.starts_with("did you mean `computed.risk_score`?"),
        "{help}"
    );
    let text = std::fs::read_to_string(repo.path().join("policies/risk-gate.toml")).unwrap();
    let start = found[0]["byte_start"].as_u64().unwrap() as usize;
    let end = found[0]["byte_end"].as_u64().unwrap() as usize;
    assert_eq!(&text[start..end], "computed.risk_scor");
}

#[test]
fn a_staged_change_that_raises_scores_is_blocked_by_the_hook_check() {
    let repo = Repo::new(WEIGHTS, &[("upload", manifest("upload", "medium", 2, 2))]);
    repo.write(
        "features/upload/feature.toml",
        &manifest("upload", "medium", 4, 4),
    );
    repo.git(&["add", "-A"]);
    let run = repo.policy(&["lint", "--staged", "--format", "json"]);
    assert_eq!(run.exit, 1, "{}", run.stdout);
    assert_eq!(
        run.findings("PL039")[0]["message"],
        "risk tier `medium` is below the computed tier `critical`: 0.6×4 + 0.4×4 = 4.0 ≥ critical 4.0"
    );
}

#[test]
fn explain_prints_the_risk_tier_check() {
    let repo = Repo::new("", &[]);
    let run = repo.policy(&["explain", "PL039"]);
    assert_eq!(run.exit, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("PL039: risk-tier-below-computed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("0.6×4 + 0.4×3 = 3.6 ≥ high 3.0"),
        "{}",
        run.stdout
    );
}
