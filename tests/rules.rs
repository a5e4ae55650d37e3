//! Per-rule snapshot tests: each test builds a tiny repository from inline
//! files, runs the library as `policy lint` does in tree mode, and snapshots
//! the rendered human diagnostics (no colour, width 100). Every built-in
//! check (`PL…`) and every rule of the default policy pack has a test here;
//! each test also asserts the code it is about, so a snapshot accepted
//! without reading still fails for the wrong reason.

use std::collections::BTreeSet;
use std::path::Path;

use policy_lint::Settings;
use policy_lint::diagnostic;
use policy_lint::engine::{self, Outcome};
use policy_lint::model::config::Config;
use policy_lint::model::read::decode;
use policy_lint::model::workspace::{self, Author, Workspace};
use policy_lint::source::WorkTree;

/// Codes with at least one test below that asserts them. A new built-in
/// check without a test fails `every_builtin_check_has_a_test`. PL023 is
/// asserted through `waived_by`: no diagnostic carries that code (see
/// `pl023_active_waiver_turns_a_violation_into_a_note`).
const TESTED_CHECKS: &[&str] = &[
    "PL001", "PL002", "PL003", "PL004", "PL005", "PL006", "PL007", "PL008", "PL009", "PL010",
    "PL011", "PL012", "PL013", "PL014", "PL015", "PL016", "PL017", "PL018", "PL019", "PL020",
    "PL021", "PL022", "PL023", "PL024", "PL025", "PL026", "PL027", "PL028", "PL029", "PL030",
    "PL031", "PL032", "PL033", "PL034", "PL035", "PL036", "PL037", "PL038", "PL039", "PL040",
    "PL041", "PL042", "PL043",
];

/// Default-pack rules with a test below. The ST rules need `base`: they
/// are tested on a change, and for staying silent in tree mode.
const TESTED_PACK_RULES: &[&str] = &[
    "LG001", "LG002", "ST001", "ST002", "ST003", "RT001", "RT002", "MON001", "MON002", "MON003",
    "HYP001", "HYP002", "HYP003", "RSK001", "RSK002", "RSK003", "RSK004",
];

const TODAY: jiff::civil::Date = jiff::civil::Date::constant(2026, 11, 26);

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// One lint run: the rendered text and the outcome it was rendered from.
struct Run {
    text: String,
    outcome: Outcome,
}

impl Run {
    fn codes(&self) -> Vec<&str> {
        self.outcome
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    /// Asserts that `code` was reported (at any severity).
    #[track_caller]
    fn assert_fires(&self, code: &str) {
        assert!(
            self.codes().contains(&code),
            "expected {code}, got {:?}\n{}",
            self.codes(),
            self.text
        );
    }

    /// Asserts that `code` was not reported.
    #[track_caller]
    fn assert_silent(&self, code: &str) {
        assert!(
            !self.codes().contains(&code),
            "expected no {code}, got {:?}\n{}",
            self.codes(),
            self.text
        );
    }
}

/// Writes `files` (path relative to the root, contents) under `root`.
fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A fresh repository holding `files`.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    write(dir.path(), files);
    dir
}

/// The defaults, with people in the default roles (a role without members
/// cannot sign): `<role>@example.com` and the example's panel.
fn default_config_with_members() -> Config {
    let mut config = Config::default();
    for (name, role) in config.roles.iter_mut() {
        let named = match name.as_str() {
            "safety-researcher" => "ana@example.com",
            "policy-analyst" => "lee@example.com",
            "legal-counsel" => "dana@example.com",
            _ => "chair@example.com",
        };
        role.members = vec![format!("{name}@example.com"), named.to_string()];
    }
    config
}

/// `policy.toml` as the binary reads it: parse problems become diagnostics.
fn config(root: &Path) -> (Config, Vec<diagnostic::Diagnostic>) {
    let Ok(bytes) = std::fs::read(root.join("policy.toml")) else {
        return (default_config_with_members(), Vec::new());
    };
    match decode("policy.toml", bytes) {
        Ok(file) => Config::parse(&file),
        Err(mut d) => {
            d.config = true;
            (Config::default(), vec![d])
        }
    }
}

fn load(root: &Path) -> (Workspace, Settings, Vec<diagnostic::Diagnostic>) {
    let (config, config_diagnostics) = config(root);
    let tree = WorkTree::new(root);
    let workspace = workspace::load(&tree, &tree, "", config.clone());
    (workspace, Settings::new(config, TODAY), config_diagnostics)
}

/// Lints the repository at `root` in tree mode, like `policy lint --today 2026-11-26`.
fn run(root: &Path) -> Run {
    run_with(root, |_| {})
}

/// Like [`run`], with `edit` applied to the loaded workspace first: how
/// tests supply what the binary learns from git (history, a base).
fn run_with(root: &Path, edit: impl FnOnce(&mut Workspace)) -> Run {
    let (mut workspace, settings, mut config_diagnostics) = load(root);
    edit(&mut workspace);
    let mut outcome = engine::check(&workspace, &settings);
    outcome.diagnostics.append(&mut config_diagnostics);
    diagnostic::sort(&mut outcome.diagnostics);
    let text = policy_lint::report::human::render(&outcome, false, 100);
    Run { text, outcome }
}

/// Lints a change from `base` to `head` (each a whole repository) the way
/// `policy lint --staged` judges it: files and policies from `head`, `base`
/// bound to the base revision's manifests, and the changed paths known. The
/// git plumbing that finds these lives in the binary; here they are given.
fn lint_change(base: &[(&str, &str)], head: &[(&str, &str)]) -> Run {
    lint_change_with(base, head, |_| {})
}

fn lint_change_with(
    base: &[(&str, &str)],
    head: &[(&str, &str)],
    edit: impl FnOnce(&mut Workspace),
) -> Run {
    let base_dir = repo(base);
    let head_dir = repo(head);
    let changed: BTreeSet<String> = base
        .iter()
        .chain(head)
        .map(|(path, _)| path.to_string())
        .filter(|path| {
            let before = base.iter().find(|(p, _)| p == path).map(|(_, t)| t);
            let after = head.iter().find(|(p, _)| p == path).map(|(_, t)| t);
            before != after
        })
        .collect();
    run_with(head_dir.path(), |workspace| {
        let dirs: BTreeSet<String> = workspace.features.iter().map(|f| f.dir.clone()).collect();
        let removed_signoffs = changed
            .iter()
            .filter(|p| p.contains("/signoffs/") && !head.iter().any(|(h, _)| h == *p))
            .cloned()
            .collect();
        workspace.base = Some(Workspace::load_base(
            &WorkTree::new(base_dir.path()),
            "",
            &workspace.config,
            &dirs,
            changed,
        ));
        workspace.history.removed_signoffs = removed_signoffs;
        // As in staged mode: the change's own policies are the ones loaded.
        workspace.checked_policies = workspace
            .policies
            .iter()
            .filter(|p| !p.builtin)
            .cloned()
            .collect();
        edit(workspace);
    })
}

/// Lints a repository made of `files`.
fn lint(files: &[(&str, &str)]) -> Run {
    run(repo(files).path())
}

/// What `policy sign` would write for `feature_id` now: the content digest
/// and the policy in force for `role`, plus the directory of the manifest.
fn signing_facts(root: &Path, feature_id: &str, role: &str) -> (String, Option<String>, String) {
    let (workspace, settings, _) = load(root);
    let feature = workspace
        .features
        .iter()
        .find(|f| f.id == feature_id)
        .unwrap_or_else(|| panic!("no feature {feature_id}"));
    let digest = engine::digest_feature(feature, &settings.config);
    let policy = engine::policy_in_force(&workspace.policies, role)
        .map(|p| format!("{}@{}", p.id, p.version.text));
    (digest, policy, feature.dir.clone())
}

/// Writes a sign-off for `feature_id` by `role` bound to the feature's
/// current content: the fields given in `fields` (TOML lines), plus
/// `subject`, `role`, `digest` and `policy` as `policy sign` writes them.
fn sign_with(root: &Path, feature_id: &str, role: &str, fields: &str) {
    let (digest, policy, dir) = signing_facts(root, feature_id, role);
    let policy = policy.map_or(String::new(), |p| format!("policy = \"{p}\"\n"));
    let text = format!(
        "subject = \"feature:{feature_id}\"\nrole = \"{role}\"\n{fields}digest = \"{digest}\"\n{policy}"
    );
    write(root, &[(&format!("{dir}/signoffs/{role}.toml"), &text)]);
}

/// A fresh `go` from each of `roles`, signed 2026-11-20.
fn sign_go(root: &Path, feature_id: &str, roles: &[&str]) {
    for role in roles {
        sign_with(
            root,
            feature_id,
            role,
            &format!("signer = \"{role}@example.com\"\ndecision = \"go\"\ndate = 2026-11-20\n"),
        );
    }
}

const PANEL: &[&str] = &["safety-researcher", "policy-analyst", "legal-counsel"];

/// A feature with nothing for the built-in pack to say: built-in check tests
/// start from it so their snapshots show only the check under test.
const QUIET_FEATURE: &str = r#"id = "chat-memory"
title = "Chat memory"
stage = "concept"
"#;

/// A minimal policy, for repositories whose test is about something other
/// than the default pack.
const MINIMAL_POLICY: &str = r#"[policy]
id = "minimal"
version = "1.0.0"
title = "A policy with one rule that never fires"

[[rules]]
code = "MIN001"
title = "Features have an id"
assert = 'has(feature.id)'
"#;

// ---------------------------------------------------------------------------
// Built-in checks
// ---------------------------------------------------------------------------

#[test]
fn pl001_invalid_toml_in_a_manifest() {
    let run = lint(&[(
        "features/chat-memory/feature.toml",
        "id = \"chat-memory\"\nstage = \"review\ntitle = \"Chat memory\"\n",
    )]);
    run.assert_fires("PL001");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl001_invalid_toml_in_policy_toml() {
    let run = lint(&[
        (
            "policy.toml",
            "[roles.srb]\nmembers = [\"chair@example.com\"\n",
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    run.assert_fires("PL001");
    assert!(
        run.outcome.has_config_errors(),
        "a broken policy.toml is a config error"
    );
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl002_manifest_is_not_utf8() {
    let dir = repo(&[]);
    let manifest = dir.path().join("features/cafe/feature.toml");
    std::fs::create_dir_all(manifest.parent().unwrap()).unwrap();
    // "café" in Latin-1: 0xE9 is not valid UTF-8.
    std::fs::write(
        &manifest,
        b"id = \"cafe\"\ntitle = \"Caf\xe9\"\nstage = \"concept\"\n",
    )
    .unwrap();
    let run = run(dir.path());
    run.assert_fires("PL002");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl002_manifest_with_nul_bytes_looks_binary() {
    let run = lint(&[(
        "features/ocr/feature.toml",
        "id = \"ocr\"\nstage = \"concept\"\n\0\0\0\0",
    )]);
    run.assert_fires("PL002");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl003_manifest_over_one_mebibyte() {
    let mut manifest = String::from(QUIET_FEATURE);
    let padding = "# generated padding that makes the manifest too large to read\n";
    while manifest.len() <= policy_lint::source::MAX_FILE_BYTES as usize {
        manifest.push_str(padding);
    }
    let run = lint(&[("features/chat-memory/feature.toml", &manifest)]);
    run.assert_fires("PL003");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl004_manifest_with_missing_stage_and_unknown_risk_tier() {
    let run = lint(&[
        ("policies/minimal.toml", MINIMAL_POLICY),
        (
            "features/chat-memory/feature.toml",
            r#"id = "chat-memory"
title = "Chat memory"
risk_tier = "severe"
harm_categories = "privacy"
"#,
        ),
    ]);
    run.assert_fires("PL004");
    insta::assert_snapshot!(run.text);
}

#[test]
fn missing_stage_is_reported_once_not_by_every_rule_that_reads_it() {
    // The built-in pack: a dozen rules and a playbook read `feature.stage`
    // or `feature.risk_tier`. Their failures would only repeat PL004.
    let run = lint(&[(
        "features/chat-memory/feature.toml",
        r#"id = "chat-memory"
title = "Chat memory"
risk_tier = "severe"
harm_categories = ["privacy"]
"#,
    )]);
    assert_eq!(run.codes(), ["PL004", "PL004"], "{}", run.text);
}

#[test]
fn a_rule_failing_for_another_reason_is_reported_even_if_it_reads_a_broken_field() {
    let run = lint(&[
        (
            "policies/eval.toml",
            r#"[policy]
id = "eval"
version = "1.0.0"
title = "Evaluated features"

[[rules]]
code = "EV001"
title = "Risky features carry an evaluation score"
assert = 'feature.risk_tier == "low" || feature.eval.score > 0.9'
"#,
        ),
        (
            "features/chat-memory/feature.toml",
            "id = \"chat-memory\"\nstage = \"concept\"\nrisk_tier = \"severe\"\n",
        ),
    ]);
    run.assert_fires("EV001");
    assert!(
        run.text.contains("`feature.eval` is missing"),
        "{}",
        run.text
    );
}

#[test]
fn waiving_a_schema_error_does_not_silence_the_rules_it_stood_in_for() {
    let gate = r#"[policy]
id = "gate"
version = "1.0.0"
title = "Review gate"

[[rules]]
code = "GATE001"
title = "Features in review have an SRB go"
when = 'feature.stage == "review"'
require_signoffs = ["srb"]
"#;
    let manifest = "id = \"chat-memory\"\ntitle = \"Chat memory\"\n";
    let run = lint(&[
        ("policies/gate.toml", gate),
        ("features/chat-memory/feature.toml", manifest),
    ]);
    assert!(!run.codes().contains(&"GATE001"), "{}", run.text);
    let run = lint(&[
        ("policies/gate.toml", gate),
        ("features/chat-memory/feature.toml", manifest),
        (
            "waivers/chat-memory-stage.toml",
            r#"rule = "PL004"
feature = "chat-memory"
reason = "Stage being decided"
approved_by = "srb"
expires = 2027-03-31
"#,
        ),
    ]);
    run.assert_fires("GATE001");
}

#[test]
fn a_rule_failing_on_a_field_without_a_schema_error_is_still_reported() {
    let run = lint(&[
        (
            "policies/strict.toml",
            r#"[policy]
id = "strict"
version = "1.0.0"
title = "Every feature names its model"

[[rules]]
code = "STR001"
title = "The model is pinned"
assert = 'feature.model.version != ""'
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    run.assert_fires("STR001");
    assert!(
        run.text.contains("`feature.model` is missing"),
        "{}",
        run.text
    );
}

#[test]
fn pl004_policy_with_bad_severity_and_version() {
    let run = lint(&[
        (
            "policies/gate.toml",
            r#"[policy]
id = "gate"
version = "1.0"
title = "Gate"

[[rules]]
code = "GT001"
title = "Features have a title"
severity = "fatal"
assert = 'has(feature.title)'
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    run.assert_fires("PL004");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl005_unknown_stage_suggests_the_closest() {
    let run = lint(&[
        (
            "policy.toml",
            r#"[taxonomy]
stages = ["concept", "design", "review", "cleared", "launched"]
"#,
        ),
        (
            "features/chat-memory/feature.toml",
            "id = \"chat-memory\"\nstage = \"lanched\"\n",
        ),
    ]);
    run.assert_fires("PL005");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl006_unknown_harm_category() {
    let run = lint(&[(
        "features/chat-memory/feature.toml",
        r#"id = "chat-memory"
stage = "concept"
harm_categories = ["privacy", "malwre"]
"#,
    )]);
    run.assert_fires("PL006");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl007_id_differs_from_directory() {
    let run = lint(&[(
        "features/file-upload/feature.toml",
        "id = \"enterprise-file-upload\"\nstage = \"concept\"\n",
    )]);
    run.assert_fires("PL007");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl008_two_teams_declare_the_same_feature_id() {
    let run = lint(&[
        (
            "features/assistant/upload/feature.toml",
            "id = \"upload\"\nstage = \"concept\"\n",
        ),
        (
            "features/enterprise/upload/feature.toml",
            "id = \"upload\"\ntitle = \"Enterprise upload\"\nstage = \"concept\"\n",
        ),
    ]);
    run.assert_fires("PL008");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl008_two_playbooks_declare_the_same_id() {
    let run = lint(&[
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
        (
            "playbooks/red-team.md",
            "+++\nid = \"red-team\"\nversion = 1\n+++\n# Red team\n",
        ),
        (
            "playbooks/red-team-v2.md",
            "+++\nid = \"red-team\"\nversion = 2\n+++\n# Red team, again\n",
        ),
    ]);
    run.assert_fires("PL008");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl009_duplicate_and_reserved_rule_codes() {
    let run = lint(&[
        (
            "policies/gate.toml",
            r#"[policy]
id = "gate"
version = "1.0.0"
title = "Gate"

[[rules]]
code = "GT001"
title = "Features have a title"
assert = 'has(feature.title)'

[[rules]]
code = "GT001"
title = "Features have an owner"
assert = 'has(feature.owner)'

[[rules]]
code = "PL100"
title = "Features have a stage"
assert = 'has(feature.stage)'
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    run.assert_fires("PL009");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl010_invalid_expression_and_unknown_variable() {
    let run = lint(&[
        (
            "policies/gate.toml",
            r#"[policy]
id = "gate"
version = "1.0.0"
title = "Gate"

[[rules]]
code = "GT001"
title = "Launched features are monitored"
when = "feature.stage = 'launched'"
assert = 'has(feature.monitoring)'

[[rules]]
code = "GT002"
title = "Reviewed features have a title"
when = "feture.stage == 'review'"
assert = 'has(feature.title)'
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    run.assert_fires("PL010");
    assert!(run.outcome.has_config_errors());
    insta::assert_snapshot!(run.text);
}

/// Expressions are bounded (DESIGN §3.2): a chain of 5,000 additions, an
/// expression over the size limit and comprehensions nested three deep are
/// configuration errors with the limit in the message, never an abort.
#[test]
fn pl010_expressions_over_the_limits_are_refused_not_run() {
    let policy = |assert: &str| {
        format!(
            "[policy]\nid = \"limits\"\nversion = \"1.0.0\"\ntitle = \"Limits\"\nowners = [\"srb\"]\n\n[[rules]]\ncode = \"LIM001\"\ntitle = \"x\"\nassert = '{assert}'\n"
        )
    };
    let cases = [
        (
            format!("{} == 5000", vec!["1"; 5000].join(" + ")),
            "the limit is 8192",
        ),
        (
            format!("{} == 4000", vec!["1"; 4000].join("+")),
            "the limit is 64",
        ),
        (
            "feature.tags.all(a, feature.tags.all(b, feature.tags.all(c, a == b && b == c)))"
                .to_string(),
            "the limit is 2",
        ),
    ];
    for (assert, limit) in cases {
        let text = policy(&assert);
        let run = lint(&[
            ("policies/limits.toml", text.as_str()),
            ("features/chat-memory/feature.toml", QUIET_FEATURE),
        ]);
        let found: Vec<&str> = run
            .outcome
            .diagnostics
            .iter()
            .filter(|d| d.code == "PL010")
            .map(|d| d.message.as_str())
            .collect();
        assert!(
            found.iter().any(|m| m.contains(limit)),
            "{limit}: {found:?}"
        );
        assert!(run.outcome.has_config_errors());
    }
}

/// At run time, nested comprehensions over a large collection are not run:
/// the rule reports that it exceeds the evaluation budget, at once.
#[test]
fn pl010_an_expression_over_the_evaluation_budget_is_a_violation_of_its_rule() {
    let tags: Vec<String> = (0..6000).map(|i| format!("\"t{i}\"")).collect();
    let feature = format!("{QUIET_FEATURE}tags = [{}]\n", tags.join(", "));
    let started = std::time::Instant::now();
    let run = lint(&[
        (
            "playbooks/quadratic.md",
            "+++\nid = \"quadratic\"\nversion = 1\ntitle = \"Q\"\napplies_when = \"feature.tags.exists(a, feature.tags.exists(b, a + b == 'never'))\"\n+++\n# Q\n",
        ),
        ("features/chat-memory/feature.toml", feature.as_str()),
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        run.outcome
            .diagnostics
            .iter()
            .any(|d| d.message.contains("exceeds the evaluation budget")
                && d.message.contains("the limit is 1000000")),
        "{}",
        run.text
    );
}

#[test]
fn pl010_invalid_playbook_applies_when() {
    let run = lint(&[
        ("policies/minimal.toml", MINIMAL_POLICY),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
        (
            "playbooks/red-team.md",
            r#"+++
id = "red-team"
version = 1
applies_when = "feature.harm_categories.exists(c, c in ['malware'"
+++
# Red team
"#,
        ),
    ]);
    run.assert_fires("PL010");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl011_expression_reads_a_misspelt_field() {
    let run = lint(&[
        (
            "policies/gate.toml",
            r#"[policy]
id = "gate"
version = "1.0.0"
title = "Gate"

[[rules]]
code = "GT001"
title = "Features name their harm categories"
assert = "feature.harm_categorie.size() > 0"

[[rules]]
code = "GT002"
title = "Toxicity pages at 2%"
when = "has(feature.monitoring.toxicity)"
assert = "feature.monitoring.toxicty.max <= 0.02"
"#,
        ),
        (
            "features/chat-memory/feature.toml",
            r#"id = "chat-memory"
stage = "concept"
harm_categories = ["privacy"]

[monitoring]
toxicity = { max = 0.02 }
"#,
        ),
    ]);
    run.assert_fires("PL011");
    // Regression: the label was an empty span at a `.`, not the path read.
    let underlined: Vec<&str> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "PL011")
        .filter_map(|d| d.primary.as_ref())
        .map(|l| &l.file.text[l.span.clone()])
        .collect();
    assert_eq!(
        underlined,
        ["feature.harm_categorie", "feature.monitoring.toxicty.max"]
    );
    insta::assert_snapshot!(run.text);
}

/// Regression: a typo in a rule's `when` gave one error per feature, each on
/// the feature's `stage` line with the rule's feature-side help, and the
/// useful did-you-mean came last as a warning. It is one error, in the
/// policy; a field missing from one feature only is still that feature's.
#[test]
fn pl011_a_misspelt_field_in_when_is_one_error_in_the_policy_not_one_per_feature() {
    let run = lint(&[
        (
            "policies/gate.toml",
            r#"[policy]
id = "gate"
version = "1.0.0"
title = "Gate"

[[rules]]
code = "GT001"
title = "Reviewed features state a hypothesis"
when = "feature.stagee == 'review'"
assert = "has(feature.hypothesis)"
help = "add a [hypothesis] table to the feature"

[[rules]]
code = "GT002"
title = "Features name an owner"
assert = "feature.owner != ''"
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
        (
            "features/smart-reply/feature.toml",
            "id = \"smart-reply\"\nstage = \"review\"\nowner = \"pm@example.com\"\n",
        ),
    ]);
    let found: Vec<(&str, Option<&str>, &str)> = run
        .outcome
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.feature.as_deref(), d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "GT002",
                Some("chat-memory"),
                "Features name an owner: `feature.owner` is missing"
            ),
            (
                "PL011",
                None,
                "no feature manifest has a field `stagee`: the expression cannot be evaluated"
            ),
        ],
        "{}",
        run.text
    );
    assert_eq!(
        run.outcome.diagnostics[1].help.as_deref(),
        Some("did you mean `feature.stage`?")
    );
    assert_eq!(
        run.outcome.diagnostics[1].severity,
        diagnostic::Severity::Error
    );
    insta::assert_snapshot!(run.text);
}

/// Regression: a field read after a `has()` guard on it was reported for
/// every repository whose manifests lack it, including three times for the
/// built-in pack's RT002 (`red_team`), which users cannot edit.
#[test]
fn pl011_guarded_optional_field_is_not_reported() {
    let run = lint(&[
        (
            "policies/gate.toml",
            r#"[policy]
id = "gate"
version = "1.0.0"
title = "Gate"

[[rules]]
code = "GT001"
title = "Red-teamed features have no open critical findings"
assert = '''!has(feature.red_team) || (has(feature.red_team.open_critical_findings)
  && feature.red_team.open_critical_findings == 0)'''
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    run.assert_silent("PL011");
    assert!(run.outcome.diagnostics.is_empty(), "{}", run.text);
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl012_policy_requires_an_unknown_role() {
    let run = lint(&[
        (
            "policies/gate.toml",
            r#"[policy]
id = "gate"
version = "1.0.0"
title = "Gate"
owners = ["review-board"]

[[rules]]
code = "GT001"
title = "Cleared features have legal's go"
when = 'feature.stage == "cleared"'
require_signoffs = ["legal"]
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    run.assert_fires("PL012");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl012_signoff_and_waiver_name_unknown_roles() {
    let dir = repo(&[
        ("policies/minimal.toml", MINIMAL_POLICY),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
        (
            "waivers/chat-memory.toml",
            r#"rule = "MIN001"
feature = "chat-memory"
reason = "Not needed yet"
approved_by = "sbr"
expires = 2027-01-31
"#,
        ),
    ]);
    sign_go(dir.path(), "chat-memory", &["ethics-board"]);
    let run = run(dir.path());
    run.assert_fires("PL012");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl013_unknown_playbook_references() {
    let run = lint(&[
        (
            "features/chat-memory/feature.toml",
            r#"id = "chat-memory"
stage = "concept"
playbooks = ["red-teem@3", "red-team@9", "privacy-review"]
"#,
        ),
        (
            "playbooks/red-team.md",
            "+++\nid = \"red-team\"\nversion = 3\n+++\n# Red team\n",
        ),
    ]);
    run.assert_fires("PL013");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl014_feature_follows_an_older_playbook_version() {
    let run = lint(&[
        (
            "features/chat-memory/feature.toml",
            r#"id = "chat-memory"
stage = "concept"
playbooks = ["file-handling@1"]
"#,
        ),
        (
            "playbooks/file-handling.md",
            "+++\nid = \"file-handling\"\nversion = 2\ntitle = \"File handling\"\n+++\n# File handling\n",
        ),
    ]);
    run.assert_fires("PL014");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl015_applicable_playbook_not_followed() {
    let run = lint(&[
        (
            "features/chat-memory/feature.toml",
            r#"id = "chat-memory"
stage = "concept"
harm_categories = ["malware"]
playbooks = []
"#,
        ),
        (
            "playbooks/red-team.md",
            r#"+++
id = "red-team"
version = 3
applies_when = 'feature.harm_categories.exists(c, c in ["malware", "cyber", "bio"])'
+++
# Red team
"#,
        ),
    ]);
    run.assert_fires("PL015");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl016_playbook_missing_a_required_section() {
    let run = lint(&[
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
        (
            "playbooks/red-team.md",
            r#"+++
id = "red-team"
version = 3
required_sections = ["Scope", "Adversarial test plan", "Exit criteria"]
+++
# Red-team exercise

## Scope

Every model and tool the feature ships with.

## Exit criteria

No open critical findings.
"#,
        ),
    ]);
    run.assert_fires("PL016");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl017_feature_changed_after_signing() {
    let dir = repo(&[(
        "features/chat-memory/feature.toml",
        r#"id = "chat-memory"
stage = "concept"
risk_tier = "medium"
"#,
    )]);
    sign_go(dir.path(), "chat-memory", &["legal-counsel"]);
    // The tier changes after legal signed.
    write(
        dir.path(),
        &[(
            "features/chat-memory/feature.toml",
            r#"id = "chat-memory"
stage = "concept"
risk_tier = "high"
"#,
        )],
    );
    let run = run(dir.path());
    run.assert_fires("PL017");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl017_stage_change_does_not_make_a_signoff_stale() {
    // `stage` is in the default `digest_excludes`: moving a feature along
    // must not invalidate the panel's review of its content.
    let dir = repo(&[("features/chat-memory/feature.toml", QUIET_FEATURE)]);
    sign_go(dir.path(), "chat-memory", &["legal-counsel"]);
    write(
        dir.path(),
        &[(
            "features/chat-memory/feature.toml",
            &QUIET_FEATURE.replace("concept", "design"),
        )],
    );
    let run = run(dir.path());
    run.assert_silent("PL017");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl017_signed_under_an_old_policy_major() {
    let dir = repo(&[("features/chat-memory/feature.toml", QUIET_FEATURE)]);
    let (digest, _, _) = signing_facts(dir.path(), "chat-memory", "legal-counsel");
    write(
        dir.path(),
        &[(
            "features/chat-memory/signoffs/legal-counsel.toml",
            &format!(
                r#"subject = "feature:chat-memory"
role = "legal-counsel"
signer = "dana@example.com"
decision = "go"
date = 2026-11-20
digest = "{digest}"
policy = "launch-gate@0.9.0"
"#
            ),
        )],
    );
    let run = run(dir.path());
    run.assert_fires("PL017");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl018_signoff_dated_in_the_future() {
    let dir = repo(&[("features/chat-memory/feature.toml", QUIET_FEATURE)]);
    sign_with(
        dir.path(),
        "chat-memory",
        "legal-counsel",
        "signer = \"dana@example.com\"\ndecision = \"go\"\ndate = 2031-01-01\n",
    );
    let run = run(dir.path());
    run.assert_fires("PL018");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl019_conditional_signoff_without_conditions() {
    let dir = repo(&[("features/chat-memory/feature.toml", QUIET_FEATURE)]);
    sign_with(
        dir.path(),
        "chat-memory",
        "safety-researcher",
        "signer = \"ana@example.com\"\ndecision = \"conditional\"\ndate = 2026-11-20\n",
    );
    let run = run(dir.path());
    run.assert_fires("PL019");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl020_signoff_for_another_subject_role_and_signer() {
    let dir = repo(&[
        (
            "policy.toml",
            r#"[roles.safety-researcher]
members = ["ana@example.com"]
[roles.policy-analyst]
members = ["lee@example.com"]
[roles.legal-counsel]
members = ["dana@example.com"]
[roles.srb]
members = ["chair@example.com"]
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    let (digest, _, _) = signing_facts(dir.path(), "chat-memory", "legal-counsel");
    write(
        dir.path(),
        &[
            // Copied from another feature.
            (
                "features/chat-memory/signoffs/legal-counsel.toml",
                &format!(
                    r#"subject = "feature:smart-reply"
role = "legal-counsel"
signer = "dana@example.com"
decision = "go"
date = 2026-11-20
digest = "{digest}"
"#
                ),
            ),
            // Filed under the wrong role, by someone outside the panel.
            (
                "features/chat-memory/signoffs/policy-analyst.toml",
                &format!(
                    r#"subject = "feature:chat-memory"
role = "safety-researcher"
signer = "intern@example.com"
decision = "go"
date = 2026-11-20
digest = "{digest}"
"#
                ),
            ),
        ],
    );
    let run = run(dir.path());
    run.assert_fires("PL020");
    insta::assert_snapshot!(run.text);
}

/// A design-stage critical feature whose toxicity threshold is too loose:
/// MON001 fires and nothing else does. The waiver tests excuse it.
const LOOSE_TOXICITY_FEATURE: &str = r#"id = "code-interpreter"
stage = "design"
risk_tier = "critical"

[risk]
mitigations = ["sandboxed execution"]

[monitoring]
toxicity = { max = 0.05 }
"#;

#[test]
fn pl021_expired_waiver_reports_the_violation_again() {
    let run = lint(&[
        (
            "features/code-interpreter/feature.toml",
            LOOSE_TOXICITY_FEATURE,
        ),
        (
            "waivers/code-interpreter-toxicity.toml",
            r#"rule = "MON001"
feature = "code-interpreter"
reason = "Toxicity classifier being recalibrated; tracked in SAFE-123"
approved_by = "srb"
expires = 2026-10-31
"#,
        ),
    ]);
    run.assert_fires("PL021");
    run.assert_fires("MON001");
    assert!(
        run.outcome
            .diagnostics
            .iter()
            .all(|d| d.waived_by.is_none()),
        "an expired waiver waives nothing"
    );
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl037_a_waiver_about_to_expire_warns_and_still_waives() {
    let run = lint(&[
        (
            "features/code-interpreter/feature.toml",
            LOOSE_TOXICITY_FEATURE,
        ),
        (
            "waivers/code-interpreter-toxicity.toml",
            r#"rule = "MON001"
feature = "code-interpreter"
reason = "Toxicity classifier being recalibrated; tracked in SAFE-123"
approved_by = "srb"
expires = 2026-12-01
"#,
        ),
    ]);
    run.assert_fires("PL037");
    assert!(
        run.outcome
            .diagnostics
            .iter()
            .any(|d| d.code == "MON001" && d.waived_by.is_some()),
        "the waiver still holds until its last day"
    );
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl039_declared_risk_tier_below_the_computed_tier() {
    let manifest = r#"id = "file-upload"
stage = "design"
risk_tier = "medium"

[risk]
evasion_potential = 4
systemic_amplification = 3
residual = "medium"
mitigations = ["sandboxed parsing"]
"#;
    let config = r#"[risk.weights]
evasion_potential = 0.6
systemic_amplification = 0.4
"#;
    let run = lint(&[
        ("policy.toml", config),
        ("features/file-upload/feature.toml", manifest),
    ]);
    run.assert_fires("PL039");
    insta::assert_snapshot!(run.text);
    // Declared at the computed tier: silent.
    let run = lint(&[
        ("policy.toml", config),
        (
            "features/file-upload/feature.toml",
            &manifest.replace("\"medium\"\n\n", "\"high\"\n\n"),
        ),
    ]);
    run.assert_silent("PL039");
}

#[test]
fn pl022_waivers_that_match_nothing() {
    let run = lint(&[
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
        (
            "waivers/chat-memory-toxicity.toml",
            r#"rule = "MON001"
feature = "chat-memory"
reason = "Classifier recalibration"
approved_by = "srb"
expires = 2027-03-31
"#,
        ),
        (
            "waivers/old-feature.toml",
            r#"rule = "MON001"
feature = "smart-replies"
reason = "Classifier recalibration"
approved_by = "srb"
expires = 2027-03-31
"#,
        ),
    ]);
    run.assert_fires("PL022");
    // Regression: the waiver for a feature that does not exist was counted
    // as a feature with findings ("in 2 of 1 feature").
    assert_eq!(run.outcome.features_with_findings(), 1, "{}", run.text);
    insta::assert_snapshot!(run.text);
}

/// PL023 is the waived state of a finding, not a code a diagnostic carries:
/// the waived diagnostic keeps its rule's code (so reports and later waivers
/// still name the rule), drops to a note and records `waived_by`.
#[test]
fn pl023_active_waiver_turns_a_violation_into_a_note() {
    let run = lint(&[
        (
            "features/code-interpreter/feature.toml",
            LOOSE_TOXICITY_FEATURE,
        ),
        (
            "waivers/code-interpreter-toxicity.toml",
            r#"rule = "MON001"
feature = "code-interpreter"
reason = "Toxicity classifier being recalibrated; tracked in SAFE-123"
approved_by = "srb"
expires = 2027-03-31
"#,
        ),
    ]);
    let waived: Vec<_> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.waived_by.is_some())
        .collect();
    assert_eq!(waived.len(), 1, "{}", run.text);
    assert_eq!(waived[0].code, "MON001");
    assert_eq!(waived[0].severity, policy_lint::Severity::Note);
    assert_eq!(
        waived[0].waived_by.as_deref(),
        Some("waivers/code-interpreter-toxicity.toml")
    );
    assert_eq!(run.outcome.count(policy_lint::Severity::Error), 0);
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl032_a_waiver_approved_by_a_role_that_does_not_own_the_rule() {
    // LG002 is the SRB's rule (launch-gate, owners = ["srb"]); a policy
    // analyst cannot excuse it, and a PL check needs `[waivers] approvers`.
    let run = lint(&[
        (
            "features/chat-memory/feature.toml",
            "id = \"chat-memory\"\ntitle = \"Chat memory\"\nstage = \"launched\"\nrisk_tier = \"low\"\n",
        ),
        (
            "waivers/lg002.toml",
            "rule = \"LG002\"\nfeature = \"chat-memory\"\nreason = \"x\"\napproved_by = \"policy-analyst\"\nexpires = 2026-12-31\n",
        ),
        (
            "waivers/pl014.toml",
            "rule = \"PL014\"\nfeature = \"chat-memory\"\nreason = \"x\"\napproved_by = \"safety-researcher\"\nexpires = 2026-12-31\n",
        ),
    ]);
    let wrong: Vec<&str> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "PL032")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(wrong.len(), 2, "{}", run.text);
    // The waiver excuses nothing: LG002 stays an error.
    assert!(
        run.outcome
            .diagnostics
            .iter()
            .any(|d| d.code == "LG002" && d.severity == policy_lint::Severity::Error),
        "{}",
        run.text
    );
    insta::assert_snapshot!(run.text);
}

#[cfg(unix)]
#[test]
fn pl031_a_manifest_linked_to_a_file_inside_the_repository_is_not_followed() {
    // The target is a valid, launched manifest: followed, it would be
    // checked as `chat-memory`; a later change could then edit only the
    // target and launch the feature without touching its directory.
    let dir = repo(&[(
        "features/_shared/chat.toml",
        "id = \"chat-memory\"\ntitle = \"x\"\nstage = \"launched\"\n",
    )]);
    let link = dir.path().join("features/chat-memory/feature.toml");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("../_shared/chat.toml", &link).unwrap();
    let run = run(dir.path());
    run.assert_fires("PL031");
    run.assert_silent("LG002");
    assert_eq!(run.outcome.features_total, Some(1), "{}", run.text);
    insta::assert_snapshot!(run.text);
}

#[cfg(unix)]
#[test]
fn pl031_linked_directories_and_submodule_checkouts_are_reported() {
    let dir = repo(&[
        ("elsewhere/team-b/b/feature.toml", QUIET_FEATURE),
        (
            "features/vendored/.git",
            "gitdir: ../../.git/modules/vendored\n",
        ),
        ("features/vendored/x/feature.toml", QUIET_FEATURE),
    ]);
    std::os::unix::fs::symlink("../elsewhere/team-b", dir.path().join("features/team-b")).unwrap();
    std::os::unix::fs::symlink("../elsewhere", dir.path().join("waivers")).unwrap();
    let run = run(dir.path());
    let links: Vec<String> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "PL031")
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(links.len(), 2, "{}", run.text);
    assert!(links[0].contains("features/team-b") && links[0].contains("symbolic link"));
    assert!(links[1].contains("features/vendored") && links[1].contains("submodule"));
}

#[cfg(unix)]
#[test]
fn pl024_a_manifest_linked_into_dot_git_is_never_read_or_quoted() {
    let dir = repo(&[]);
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join(".git/config"),
        "[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n",
    )
    .unwrap();
    let link = dir.path().join("features/leak/feature.toml");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("../../.git/config", &link).unwrap();
    let run = run(dir.path());
    run.assert_fires("PL024");
    assert!(!run.text.contains("extraheader"), "{}", run.text);
    assert!(!run.text.contains("c2VjcmV0"), "{}", run.text);
}

#[cfg(unix)]
#[test]
fn pl024_manifest_is_a_symlink_out_of_the_repository() {
    let dir = repo(&[]);
    let link = dir.path().join("features/chat-memory/feature.toml");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    // A relative target, so the snapshot does not depend on temp paths; it
    // climbs out of the repository whatever the temp directory is.
    let target = "../../../../../../../../../../../../../../../../etc/passwd";
    std::os::unix::fs::symlink(target, &link).unwrap();
    let run = run(dir.path());
    run.assert_fires("PL024");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl024_path_glob_climbs_out_of_the_repository() {
    let run = lint(&[
        (
            "policy.toml",
            r#"[paths]
features = ["features/**/feature.toml", "../elsewhere/**/feature.toml"]
waivers = ["/etc/policy/waivers/*.toml"]
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    run.assert_fires("PL024");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl025_unknown_keys_in_a_policy() {
    let run = lint(&[
        (
            "policies/gate.toml",
            r#"[policy]
id = "gate"
version = "1.0.0"
title = "Gate"
owner = ["srb"]

[[rules]]
code = "GT001"
title = "Launch needs the SRB"
when = 'feature.stage == "launched"'
require_signof = ["srb"]
"#,
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    run.assert_fires("PL025");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl025_unknown_keys_in_policy_toml_signoff_and_waiver() {
    let dir = repo(&[
        (
            "policy.toml",
            r#"[taxonomy]
stage = ["concept", "launched"]

[signoff]
verify_author = true
"#,
        ),
        ("policies/minimal.toml", MINIMAL_POLICY),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
        (
            "waivers/chat-memory.toml",
            r#"rule = "MIN001"
feature = "chat-memory"
reason = "Not needed yet"
approved_by = "srb"
expiry = 2027-01-31
"#,
        ),
    ]);
    sign_with(
        dir.path(),
        "chat-memory",
        "srb",
        "signer = \"chair@example.com\"\ndecision = \"go\"\ndate = 2026-11-20\ncomment = \"ok\"\n",
    );
    let run = run(dir.path());
    run.assert_fires("PL025");
    insta::assert_snapshot!(run.text);
}

// ---------------------------------------------------------------------------
// Built-in checks on a change and on history (git modes)
// ---------------------------------------------------------------------------

const GATE_V1: &str = r#"[policy]
id = "gate"
version = "1.0.0"
title = "Gate"

[[rules]]
code = "GT001"
title = "Features have a title"
assert = 'has(feature.title)'
"#;

#[test]
fn pl026_policy_changed_without_raising_its_version() {
    let run = lint_change(
        &[
            ("policies/gate.toml", GATE_V1),
            ("features/chat-memory/feature.toml", QUIET_FEATURE),
        ],
        &[
            (
                "policies/gate.toml",
                &GATE_V1.replace("has(feature.title)", "has(feature.owner)"),
            ),
            (
                "features/chat-memory/feature.toml",
                &format!("{QUIET_FEATURE}owner = \"pm@example.com\"\n"),
            ),
        ],
    );
    run.assert_fires("PL026");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl026_playbook_changed_without_raising_its_version() {
    let playbook =
        "+++\nid = \"red-team\"\nversion = 2\n+++\n# Red team\n\n## Scope\n\nEvery model.\n";
    let run = lint_change(
        &[
            ("playbooks/red-team.md", playbook),
            ("features/chat-memory/feature.toml", QUIET_FEATURE),
        ],
        &[
            (
                "playbooks/red-team.md",
                &playbook.replace("Every model.", "Every model and every tool."),
            ),
            ("features/chat-memory/feature.toml", QUIET_FEATURE),
        ],
    );
    run.assert_fires("PL026");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl027_policy_change_without_its_owners_signoff() {
    let owned = GATE_V1.replace(
        "title = \"Gate\"\n",
        "title = \"Gate\"\nowners = [\"srb\"]\n",
    );
    let run = lint_change(
        &[
            ("policies/gate.toml", &owned),
            ("features/chat-memory/feature.toml", QUIET_FEATURE),
        ],
        &[
            (
                "policies/gate.toml",
                &owned.replace("1.0.0", "1.1.0").replace(
                    "has(feature.title)",
                    "has(feature.title) && has(feature.stage)",
                ),
            ),
            ("features/chat-memory/feature.toml", QUIET_FEATURE),
        ],
    );
    run.assert_fires("PL027");
    insta::assert_snapshot!(run.text);
}

const PANEL_ROLES: &str = r#"[roles.safety-researcher]
members = ["ana@example.com"]
[roles.policy-analyst]
members = ["lee@example.com"]
[roles.legal-counsel]
members = ["dana@example.com"]
[roles.srb]
members = ["chair@example.com"]
"#;

/// Regression: a sign-off that does not count was reported like a stale
/// one. Each reason is worded as itself (an author outside the role, a
/// signature that does not verify, the feature's own author approving it),
/// and a `require_signoffs` rule's own `message` leads its findings.
#[test]
fn a_signoff_that_does_not_count_says_why_under_the_rules_message() {
    let gate = r#"[policy]
id = "gate"
version = "1.0.0"
title = "Gate"

[[rules]]
code = "GT001"
title = "Cleared features have the panel's go"
when = "feature.stage == 'cleared'"
require_signoffs = ["safety-researcher", "policy-analyst", "legal-counsel"]
message = "the SIA panel has not cleared this feature"
"#;
    let scenario = |require_signed: bool| {
        let config = format!("{PANEL_ROLES}\n[signoff]\nrequire_signed = {require_signed}\n");
        let dir = repo(&[
            ("policy.toml", config.as_str()),
            ("policies/gate.toml", gate),
            (
                "features/chat-memory/feature.toml",
                "id = \"chat-memory\"\nstage = \"cleared\"\n",
            ),
        ]);
        for (role, signer) in [
            ("safety-researcher", "ana@example.com"),
            ("policy-analyst", "lee@example.com"),
            ("legal-counsel", "dana@example.com"),
        ] {
            sign_with(
                dir.path(),
                "chat-memory",
                role,
                &format!("signer = \"{signer}\"\ndecision = \"go\"\ndate = 2026-11-20\n"),
            );
        }
        let run = run_with(dir.path(), |workspace| {
            let author = |email: &str, signature| Author {
                email: email.into(),
                source: "commit 1a2b3c4d5e (\"Sign off chat memory\")".into(),
                signature,
            };
            let unsigned =
                || require_signed.then_some(policy_lint::model::allowed_signers::Verdict::Unsigned);
            let signoffs = "features/chat-memory/signoffs";
            workspace.history.authors.insert(
                format!("{signoffs}/legal-counsel.toml"),
                vec![author("intern@example.com", unsigned())],
            );
            workspace.history.authors.insert(
                format!("{signoffs}/policy-analyst.toml"),
                vec![author("lee@example.com", unsigned())],
            );
            workspace.history.authors.insert(
                format!("{signoffs}/safety-researcher.toml"),
                vec![author("ana@example.com", unsigned())],
            );
            // lee wrote the manifest being approved.
            workspace.history.content_authors.insert(
                "features/chat-memory/feature.toml".into(),
                vec!["lee@example.com".into()],
            );
        });
        let messages: Vec<String> = run
            .outcome
            .diagnostics
            .iter()
            .filter(|d| d.code == "GT001")
            .map(|d| d.message.clone())
            .collect();
        (run, messages)
    };
    let (run, messages) = scenario(false);
    assert_eq!(
        messages,
        [
            "the SIA panel has not cleared this feature: sign-off from `legal-counsel` does not count: intern@example.com, who is not a member of `legal-counsel`, wrote it in commit 1a2b3c4d5e (\"Sign off chat memory\")",
            "the SIA panel has not cleared this feature: sign-off from `policy-analyst` does not count: lee@example.com wrote the feature's current content",
        ],
        "{}",
        run.text
    );
    assert!(!run.text.contains("stale"), "{}", run.text);
    insta::assert_snapshot!(run.text);
    let (run, messages) = scenario(true);
    assert!(
        messages.iter().any(|m| m.ends_with(
            "sign-off from `safety-researcher` does not count: its signature does not verify: commit 1a2b3c4d5e (\"Sign off chat memory\") is not signed"
        )),
        "{}",
        run.text
    );
}

#[test]
fn pl028_signoff_committed_by_someone_outside_the_role() {
    let dir = repo(&[
        ("policy.toml", PANEL_ROLES),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    sign_with(
        dir.path(),
        "chat-memory",
        "legal-counsel",
        "signer = \"dana@example.com\"\ndecision = \"go\"\ndate = 2026-11-20\n",
    );
    // The file names dana as signer, but git says an intern wrote it.
    let run = run_with(dir.path(), |workspace| {
        workspace.history.authors.insert(
            "features/chat-memory/signoffs/legal-counsel.toml".into(),
            vec![Author {
                email: "intern@example.com".into(),
                source: "commit 1a2b3c4d5e (\"Sign off chat memory\")".into(),
                signature: None,
            }],
        );
    });
    run.assert_fires("PL028");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl033_signoff_written_by_an_unsigned_commit() {
    let config = format!("{PANEL_ROLES}\n[signoff]\nrequire_signed = true\n");
    let dir = repo(&[
        ("policy.toml", config.as_str()),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    sign_with(
        dir.path(),
        "chat-memory",
        "legal-counsel",
        "signer = \"dana@example.com\"\ndecision = \"go\"\ndate = 2026-11-20\n",
    );
    // dana's email on the commit, but no signature: the email is a claim.
    let run = run_with(dir.path(), |workspace| {
        workspace.history.authors.insert(
            "features/chat-memory/signoffs/legal-counsel.toml".into(),
            vec![Author {
                email: "dana@example.com".into(),
                source: "commit 1a2b3c4d5e (\"Sign off chat memory\")".into(),
                signature: Some(policy_lint::model::allowed_signers::Verdict::Unsigned),
            }],
        );
    });
    run.assert_fires("PL033");
    run.assert_silent("PL028");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl034_the_author_of_a_feature_cannot_sign_it_off() {
    let dir = repo(&[
        ("policy.toml", PANEL_ROLES),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    sign_with(
        dir.path(),
        "chat-memory",
        "legal-counsel",
        "signer = \"dana@example.com\"\ndecision = \"go\"\ndate = 2026-11-20\n",
    );
    // Git says dana also wrote the manifest as it stands.
    let run = run_with(dir.path(), |workspace| {
        workspace.history.content_authors.insert(
            "features/chat-memory/feature.toml".into(),
            vec!["dana@example.com".into()],
        );
    });
    run.assert_fires("PL034");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl034_one_person_cannot_give_two_signoffs_of_one_rule() {
    let roles = r#"[roles.safety-researcher]
members = ["ana@example.com"]
[roles.policy-analyst]
members = ["ana@example.com", "lee@example.com"]
[roles.legal-counsel]
members = ["dana@example.com"]
[roles.srb]
members = ["chair@example.com"]
"#;
    let cleared =
        "id = \"chat-memory\"\ntitle = \"Chat memory\"\nstage = \"cleared\"\nrisk_tier = \"low\"\n";
    let dir = repo(&[
        ("policy.toml", roles),
        ("features/chat-memory/feature.toml", cleared),
    ]);
    for (role, signer) in [
        ("safety-researcher", "ana@example.com"),
        ("policy-analyst", "ana@example.com"),
        ("legal-counsel", "dana@example.com"),
    ] {
        sign_with(
            dir.path(),
            "chat-memory",
            role,
            &format!("signer = \"{signer}\"\ndecision = \"go\"\ndate = 2026-11-20\n"),
        );
    }
    let run = run(dir.path());
    let lg001: Vec<&str> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "LG001")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(lg001.len(), 1, "{}", run.text);
    assert!(
        lg001[0].contains("ana@example.com, who already gave `safety-researcher`'s"),
        "{}",
        run.text
    );
    // With the option off, one person may hold the two roles.
    let relaxed = format!("{roles}\n[signoff]\ndistinct_signers = false\n");
    write(dir.path(), &[("policy.toml", relaxed.as_str())]);
    let run = self::run(dir.path());
    run.assert_silent("LG001");
}

#[test]
fn pl035_signoffs_left_without_a_manifest() {
    // `feature.toml` renamed to `Feature.toml`: the features glob no longer
    // matches, and the feature must not silently drop out.
    let dir = repo(&[
        ("features/chat-memory/Feature.toml", QUIET_FEATURE),
        (
            "features/chat-memory/signoffs/srb.toml",
            "subject = \"feature:chat-memory\"\nrole = \"srb\"\nsigner = \"chair@example.com\"\ndecision = \"go\"\ndate = 2026-11-20\ndigest = \"sha256:00\"\n",
        ),
    ]);
    let run = run(dir.path());
    run.assert_fires("PL035");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl036_a_typo_in_a_gated_field_is_flagged() {
    // `risk_teir` leaves `risk_tier` unset: the critical-feature rules
    // (MON001, RSK004) would otherwise be silently skipped.
    let run = lint(&[(
        "features/chat-memory/feature.toml",
        "id = \"chat-memory\"\ntitle = \"Chat memory\"\nstage = \"concept\"\nrisk_teir = \"critical\"\n[monitoring]\ntoxicty = { max = 0.5 }\n",
    )]);
    let typos: Vec<&str> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "PL036")
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        typos.iter().any(|m| m.contains("did you mean `risk_tier`")),
        "{}",
        run.text
    );
    assert!(
        typos
            .iter()
            .any(|m| m.contains("did you mean `monitoring.toxicity`")),
        "{}",
        run.text
    );
    insta::assert_snapshot!(run.text);
}

/// `[lints]` sets per-code levels; an unknown code gets a did-you-mean.
#[test]
fn lint_levels_from_policy_toml() {
    let typo =
        "id = \"chat-memory\"\ntitle = \"Chat memory\"\nstage = \"concept\"\nrisk_teir = \"low\"\n";
    let level_of = |lints: &str| {
        let config = format!("{PANEL_ROLES}\n[lints]\n{lints}\n");
        let run = lint(&[
            ("policy.toml", config.as_str()),
            ("features/chat-memory/feature.toml", typo),
        ]);
        let level = run
            .outcome
            .diagnostics
            .iter()
            .find(|d| d.code == "PL036")
            .map(|d| d.severity);
        (level, run)
    };
    assert_eq!(level_of("").0, Some(policy_lint::Severity::Warning));
    assert_eq!(
        level_of("PL036 = \"error\"").0,
        Some(policy_lint::Severity::Error)
    );
    assert_eq!(level_of("PL036 = \"allow\"").0, None);
    let (_, run) = level_of("PL37 = \"error\"");
    assert!(
        run.outcome
            .diagnostics
            .iter()
            .any(|d| d.code == "PL025" && d.message.contains("`PL37`")),
        "{}",
        run.text
    );
}

#[test]
fn pl029_authorship_cannot_be_verified_outside_git() {
    let dir = repo(&[
        (
            "policy.toml",
            &format!("{PANEL_ROLES}\n[signoff]\nverify_authors = true\n"),
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    sign_with(
        dir.path(),
        "chat-memory",
        "legal-counsel",
        "signer = \"dana@example.com\"\ndecision = \"go\"\ndate = 2026-11-20\n",
    );
    let run = run_with(dir.path(), |workspace| {
        workspace.history.unavailable = Some("not a git repository".into());
    });
    run.assert_fires("PL029");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl030_change_deletes_a_signoff() {
    let run = lint_change(
        &[
            ("features/chat-memory/feature.toml", QUIET_FEATURE),
            (
                "features/chat-memory/signoffs/legal-counsel.toml",
                "subject = \"feature:chat-memory\"\nrole = \"legal-counsel\"\n",
            ),
        ],
        &[("features/chat-memory/feature.toml", QUIET_FEATURE)],
    );
    run.assert_fires("PL030");
    insta::assert_snapshot!(run.text);
}

// ---------------------------------------------------------------------------
// The default policy pack (no `policies/` directory: the built-in pack)
// ---------------------------------------------------------------------------

/// A cleared feature that satisfies every content rule of the pack; the
/// launch-gate tests vary only its sign-offs.
const CLEARED_FEATURE: &str = r#"id = "smart-reply"
title = "Smart reply"
owner = "pm@example.com"
stage = "cleared"
risk_tier = "medium"
harm_categories = ["privacy"]

[hypothesis]
statement = "Suggested replies leak no personal data from other threads"

[metrics.leak_rate_reduction]
baseline = 0.0
measured = 0.97
target = 0.95

[risk]
evasion_potential = 2
systemic_amplification = 2
residual = "low"
mitigations = ["thread-scoped context"]

[monitoring]
toxicity = { max = 0.02 }
pii_leak_rate = { max = 0.001 }
"#;

#[test]
fn lg001_cleared_feature_missing_a_panel_signoff() {
    let dir = repo(&[("features/smart-reply/feature.toml", CLEARED_FEATURE)]);
    sign_go(
        dir.path(),
        "smart-reply",
        &["safety-researcher", "policy-analyst"],
    );
    let run = run(dir.path());
    run.assert_fires("LG001");
    insta::assert_snapshot!(run.text);
}

#[test]
fn lg001_no_go_blocks_clearance() {
    let dir = repo(&[("features/smart-reply/feature.toml", CLEARED_FEATURE)]);
    sign_go(
        dir.path(),
        "smart-reply",
        &["safety-researcher", "policy-analyst"],
    );
    sign_with(
        dir.path(),
        "smart-reply",
        "legal-counsel",
        "signer = \"dana@example.com\"\ndecision = \"no-go\"\ndate = 2026-11-20\n",
    );
    let run = run(dir.path());
    run.assert_fires("LG001");
    insta::assert_snapshot!(run.text);
}

#[test]
fn lg001_stale_signoff_does_not_count() {
    let dir = repo(&[("features/smart-reply/feature.toml", CLEARED_FEATURE)]);
    sign_go(dir.path(), "smart-reply", PANEL);
    // A new harm category after the panel signed.
    write(
        dir.path(),
        &[(
            "features/smart-reply/feature.toml",
            &CLEARED_FEATURE.replace(r#"["privacy"]"#, r#"["privacy", "fraud"]"#),
        )],
    );
    let run = run(dir.path());
    run.assert_fires("LG001");
    run.assert_fires("PL017");
    insta::assert_snapshot!(run.text);
}

#[test]
fn lg001_passes_with_a_fresh_go_from_every_panel_role() {
    let dir = repo(&[("features/smart-reply/feature.toml", CLEARED_FEATURE)]);
    sign_go(dir.path(), "smart-reply", PANEL);
    let run = run(dir.path());
    assert!(run.outcome.diagnostics.is_empty(), "{}", run.text);
    insta::assert_snapshot!(run.text);
}

#[test]
fn lg002_launched_without_an_srb_decision() {
    let dir = repo(&[(
        "features/smart-reply/feature.toml",
        &CLEARED_FEATURE.replace(r#"stage = "cleared""#, r#"stage = "launched""#),
    )]);
    sign_go(dir.path(), "smart-reply", PANEL);
    let run = run(dir.path());
    run.assert_fires("LG002");
    insta::assert_snapshot!(run.text);
}

/// The default pack's stage-order policy, alone, so stage-order snapshots
/// show nothing else.
fn stage_order_policy() -> (&'static str, &'static str) {
    let text = policy_lint::pack::POLICIES
        .iter()
        .find(|(name, _)| *name == "stage-order.toml")
        .unwrap()
        .1;
    ("policies/stage-order.toml", text)
}

/// The stage-order rules compare the manifest with `base`, which only the
/// git modes (`--staged`, `--base`) bind; tree mode binds `base = null`, so
/// they must stay silent there rather than fail or fire. The `st00N_…`
/// tests below make each one fire on a change.
#[test]
fn st001_st002_st003_stay_silent_in_tree_mode() {
    let run = lint(&[
        stage_order_policy(),
        // Would break ST001 (launched straight from review) ...
        (
            "features/smart-reply/feature.toml",
            "id = \"smart-reply\"\nstage = \"launched\"\n",
        ),
        // ... ST002 (concept to cleared) ...
        (
            "features/chat-memory/feature.toml",
            "id = \"chat-memory\"\nstage = \"cleared\"\n",
        ),
        // ... and ST003 (retired brought back), had there been a base.
        (
            "features/health-coach/feature.toml",
            "id = \"health-coach\"\nstage = \"review\"\n",
        ),
    ]);
    for code in ["ST001", "ST002", "ST003"] {
        run.assert_silent(code);
    }
    assert!(run.outcome.diagnostics.is_empty(), "{}", run.text);
    insta::assert_snapshot!(run.text);
}

#[test]
fn st001_change_launches_a_feature_that_was_never_cleared() {
    let run = lint_change(
        &[
            stage_order_policy(),
            (
                "features/smart-reply/feature.toml",
                "id = \"smart-reply\"\nstage = \"review\"\n",
            ),
        ],
        &[
            stage_order_policy(),
            (
                "features/smart-reply/feature.toml",
                "id = \"smart-reply\"\nstage = \"launched\"\n",
            ),
        ],
    );
    run.assert_fires("ST001");
    insta::assert_snapshot!(run.text);
}

#[test]
fn st002_change_skips_a_stage() {
    let run = lint_change(
        &[
            stage_order_policy(),
            (
                "features/chat-memory/feature.toml",
                "id = \"chat-memory\"\nstage = \"concept\"\n",
            ),
        ],
        &[
            stage_order_policy(),
            (
                "features/chat-memory/feature.toml",
                "id = \"chat-memory\"\nstage = \"review\"\n",
            ),
        ],
    );
    run.assert_fires("ST002");
    insta::assert_snapshot!(run.text);
}

#[test]
fn st003_change_brings_back_a_retired_feature() {
    let run = lint_change(
        &[
            stage_order_policy(),
            (
                "features/health-coach/feature.toml",
                "id = \"health-coach\"\nstage = \"retired\"\n",
            ),
        ],
        &[
            stage_order_policy(),
            (
                "features/health-coach/feature.toml",
                "id = \"health-coach\"\nstage = \"review\"\n",
            ),
        ],
    );
    run.assert_fires("ST003");
    insta::assert_snapshot!(run.text);
}

#[test]
fn rt001_high_risk_malware_feature_without_red_team() {
    let run = lint(&[(
        "features/enterprise-file-upload/feature.toml",
        r#"id = "enterprise-file-upload"
stage = "review"
risk_tier = "high"
harm_categories = ["malware", "privacy"]
playbooks = []

[hypothesis]
statement = "Uploaded files cannot smuggle malware to other tenants"

[risk]
evasion_potential = 3
systemic_amplification = 2
residual = "medium"
mitigations = ["sandboxed parsing", "malware scanning of uploads"]
"#,
    )]);
    run.assert_fires("RT001");
    insta::assert_snapshot!(run.text);
}

#[test]
fn rt002_cleared_with_open_critical_red_team_findings() {
    let dir = repo(&[
        (
            "features/enterprise-file-upload/feature.toml",
            r#"id = "enterprise-file-upload"
stage = "cleared"
risk_tier = "high"
harm_categories = ["malware"]
playbooks = ["red-team@1"]

[hypothesis]
statement = "Uploaded files cannot smuggle malware to other tenants"

[risk]
evasion_potential = 3
systemic_amplification = 2
residual = "medium"
mitigations = ["sandboxed parsing"]

[monitoring]
malware_detections = { max = 0 }

[red_team]
open_critical_findings = 2
"#,
        ),
        (
            "playbooks/red-team.md",
            "+++\nid = \"red-team\"\nversion = 1\ntitle = \"Red-team exercise\"\n+++\n# Red team\n",
        ),
    ]);
    sign_go(dir.path(), "enterprise-file-upload", PANEL);
    let run = run(dir.path());
    run.assert_fires("RT002");
    insta::assert_snapshot!(run.text);
}

#[test]
fn mon001_critical_feature_with_a_loose_toxicity_threshold() {
    let run = lint(&[(
        "features/code-interpreter/feature.toml",
        LOOSE_TOXICITY_FEATURE,
    )]);
    run.assert_fires("MON001");
    insta::assert_snapshot!(run.text);
}

#[test]
fn mon003_cleared_feature_with_an_unbounded_signal() {
    let dir = repo(&[(
        "features/smart-reply/feature.toml",
        &CLEARED_FEATURE.replace(
            "pii_leak_rate = { max = 0.001 }",
            "pii_leak_rate = { alert = \"pager\" }",
        ),
    )]);
    sign_go(dir.path(), "smart-reply", PANEL);
    let run = run(dir.path());
    run.assert_fires("MON003");
    assert!(
        run.outcome.diagnostics.iter().any(|d| d.code == "MON003"
            && d.message.contains("`pii_leak_rate`")
            && d.primary
                .as_ref()
                .is_some_and(|l| l.file.text[l.span.clone()].contains("pii_leak_rate"))),
        "the finding names and points at the unbounded signal: {}",
        run.text
    );
    assert!(!run.outcome.diagnostics.iter().any(|d| d.code == "MON002"));
    insta::assert_snapshot!(run.text);
}

#[test]
fn mon002_cleared_feature_without_monitoring() {
    let text = CLEARED_FEATURE;
    let start = text
        .find("[monitoring]")
        .expect("the feature has monitoring");
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |n| start + n + 1);
    let without = format!("{}{}", &text[..start], &text[end..]);
    let dir = repo(&[("features/smart-reply/feature.toml", &without)]);
    sign_go(dir.path(), "smart-reply", PANEL);
    let run = run(dir.path());
    run.assert_fires("MON002");
    assert!(!run.outcome.diagnostics.iter().any(|d| d.code == "MON003"));
}

/// A feature in review that satisfies the pack except for its metrics.
fn in_review_with_metrics(metrics: &str) -> String {
    format!(
        r#"id = "meeting-summaries"
stage = "review"
risk_tier = "medium"

[hypothesis]
statement = "Summaries are faithful without losing usefulness"

{metrics}
[risk]
evasion_potential = 1
systemic_amplification = 2
residual = "low"
"#
    )
}

#[test]
fn hyp001_metric_measured_below_its_target() {
    let run = lint(&[(
        "features/meeting-summaries/feature.toml",
        &in_review_with_metrics(
            r#"[metrics.faithfulness]
baseline = 0.91
measured = 0.93
target = 0.97
"#,
        ),
    )]);
    run.assert_fires("HYP001");
    insta::assert_snapshot!(run.text);
}

#[test]
fn hyp002_guard_metric_dropped_more_than_allowed() {
    let run = lint(&[(
        "features/meeting-summaries/feature.toml",
        &in_review_with_metrics(
            r#"[metrics.helpfulness]
baseline = 7.9
measured = 5.1
max_drop = 2.0
"#,
        ),
    )]);
    run.assert_fires("HYP002");
    insta::assert_snapshot!(run.text);
}

/// Regression: HYP001 asserted over every metric at once and pointed at
/// the first `[metrics.*]` table, whichever failed. With `each` the failing
/// metric is the one underlined and named.
#[test]
fn hyp001_points_at_the_failing_metric_and_names_it() {
    let run = lint(&[(
        "features/meeting-summaries/feature.toml",
        &in_review_with_metrics(
            r#"[metrics.alpha]
measured = 0.99
target = 0.9

[metrics.gamma]
measured = 0.5
target = 0.9
"#,
        ),
    )]);
    let found: Vec<_> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "HYP001")
        .collect();
    assert_eq!(found.len(), 1, "{}", run.text);
    assert!(found[0].message.contains("`gamma`"), "{}", run.text);
    let label = found[0].primary.as_ref().unwrap();
    let line = label.file.text[..label.span.start].lines().count();
    assert_eq!(
        label.file.text.lines().nth(line - 1),
        Some("measured = 0.5")
    );
    insta::assert_snapshot!(run.text);
}

#[test]
fn hyp001_each_failing_metric_is_its_own_finding() {
    let run = lint(&[(
        "features/meeting-summaries/feature.toml",
        &in_review_with_metrics(
            r#"[metrics.alpha]
measured = 0.5
target = 0.9

[metrics.beta]
baseline = 1.0

[metrics.gamma]
target = 0.9
"#,
        ),
    )]);
    let found: Vec<(&str, &str)> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "HYP001")
        .map(|d| {
            let label = d.primary.as_ref().unwrap();
            (d.message.as_str(), &label.file.text[label.span.clone()])
        })
        .collect();
    // alpha is measured below its target (at `measured`); gamma has no
    // `measured` (at its table); beta has no target and is not checked.
    assert_eq!(
        found,
        [
            (
                "metric `alpha` is unmeasured or measured below its target",
                "0.5"
            ),
            (
                "metric `gamma` is unmeasured or measured below its target",
                "[metrics.gamma]"
            ),
        ],
        "{}",
        run.text
    );
    insta::assert_snapshot!(run.text);
}

/// A policy of one rule over a collection, with `each`, `filter` and
/// `assert` as given.
fn each_policy(each: &str, filter: Option<&str>, assert: &str, at: Option<&str>) -> String {
    let mut text = format!(
        "[policy]\nid = \"inputs\"\nversion = \"1.0.0\"\ntitle = \"Inputs\"\n\n[[rules]]\ncode = \"IN001\"\ntitle = \"Every input is reviewed\"\neach = '{each}'\nassert = '{assert}'\n"
    );
    if let Some(filter) = filter {
        text.push_str(&format!("filter = '{filter}'\n"));
    }
    if let Some(at) = at {
        text.push_str(&format!("at = \"{at}\"\n"));
    }
    text
}

#[test]
fn each_over_a_list_points_at_the_item_and_names_its_index() {
    let run = lint(&[
        (
            "policies/inputs.toml",
            &each_policy("feature.inputs", None, "value != \"files\"", None),
        ),
        (
            "features/chat-memory/feature.toml",
            &format!("{QUIET_FEATURE}inputs = [\"text\", \"files\", \"audio\"]\n"),
        ),
    ]);
    let found: Vec<(&str, &str)> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "IN001")
        .map(|d| {
            let label = d.primary.as_ref().unwrap();
            (d.message.as_str(), &label.file.text[label.span.clone()])
        })
        .collect();
    assert_eq!(
        found,
        [("`inputs[1]`: Every input is reviewed", "\"files\"")],
        "{}",
        run.text
    );
    insta::assert_snapshot!(run.text);
}

#[test]
fn each_that_is_not_a_collection_is_a_violation_of_its_rule() {
    let run = lint(&[
        (
            "policies/inputs.toml",
            &each_policy("feature.stage", None, "value != \"x\"", None),
        ),
        ("features/chat-memory/feature.toml", QUIET_FEATURE),
    ]);
    let found: Vec<&str> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "IN001")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        found,
        ["Every input is reviewed: `each` must give a map or a list, got a string"],
        "{}",
        run.text
    );
    insta::assert_snapshot!(run.text);
}

#[test]
fn each_and_entry_errors_are_violations_that_name_the_entry() {
    let run = lint(&[
        (
            "policies/inputs.toml",
            &each_policy(
                "feature.reviews",
                Some("value.required"),
                "value.reviewer != \"\"",
                Some("reviewer"),
            ),
        ),
        (
            "features/chat-memory/feature.toml",
            &format!(
                "{QUIET_FEATURE}\n[reviews.legal]\nrequired = true\nreviewer = \"dana@example.com\"\n\n[reviews.privacy]\nrequired = true\n\n[reviews.brand]\nrequired = \"yes\"\n"
            ),
        ),
        (
            "features/other/feature.toml",
            "id = \"other\"\nstage = \"concept\"\n",
        ),
    ]);
    let found: Vec<(Option<&str>, &str)> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "IN001")
        .map(|d| (d.feature.as_deref(), d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Some("chat-memory"),
                "Every input is reviewed: `reviews.privacy` has no field `reviewer`"
            ),
            (
                Some("chat-memory"),
                "Every input is reviewed: `reviews.brand`: `filter` must be a boolean, got a string"
            ),
            (
                Some("other"),
                "Every input is reviewed: cannot evaluate `each`: `feature.reviews` is missing"
            ),
        ],
        "{}",
        run.text
    );
    insta::assert_snapshot!(run.text);
}

/// The budget counts every entry: a quadratic check of each of 3,000
/// entries is not run.
#[test]
fn each_entry_counts_against_the_evaluation_budget() {
    let tags: Vec<String> = (0..3000).map(|i| format!("\"t{i}\"")).collect();
    let feature = format!("{QUIET_FEATURE}tags = [{}]\n", tags.join(", "));
    let started = std::time::Instant::now();
    let run = lint(&[
        (
            "policies/inputs.toml",
            &each_policy(
                "feature.tags",
                None,
                "feature.tags.all(a, a != value + \"x\")",
                None,
            ),
        ),
        ("features/chat-memory/feature.toml", feature.as_str()),
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let found: Vec<&str> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "IN001")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(found.len(), 1, "{}", run.text);
    assert!(
        found[0].contains("exceeds the evaluation budget: 3000 entries"),
        "{found:?}"
    );
}

#[test]
fn each_filter_and_entry_variables_are_checked_when_the_policy_loads() {
    let run = lint(&[
        (
            "policies/inputs.toml",
            r#"[policy]
id = "inputs"
version = "1.0.0"
title = "Inputs"

[[rules]]
code = "IN001"
title = "A filter without each"
filter = "value.required"
assert = "true"

[[rules]]
code = "IN002"
title = "Each without assert"
each = "feature.inputs"
require_signoffs = ["srb"]

[[rules]]
code = "IN003"
title = "The entry is not bound in when"
when = "key == 'x'"
each = "feature.inputs"
assert = "value != ''"
"#,
        ),
        (
            "features/chat-memory/feature.toml",
            &format!("{QUIET_FEATURE}inputs = [\"text\"]\n"),
        ),
    ]);
    let found: Vec<(&str, &str)> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("PL"))
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "PL004",
                "rule has `filter` but no `each` whose entries it filters"
            ),
            (
                "PL004",
                "rule has `each` but no `assert` to check each entry with"
            ),
            ("PL010", "unknown variable `key` in expression"),
        ],
        "{}",
        run.text
    );
    assert!(run.outcome.has_config_errors());
    insta::assert_snapshot!(run.text);
}

#[test]
fn hyp003_feature_in_review_without_a_hypothesis() {
    let run = lint(&[(
        "features/meeting-summaries/feature.toml",
        r#"id = "meeting-summaries"
stage = "review"
risk_tier = "low"

[risk]
evasion_potential = 1
systemic_amplification = 1
residual = "low"
"#,
    )]);
    run.assert_fires("HYP003");
    insta::assert_snapshot!(run.text);
}

#[test]
fn rsk001_risk_review_without_residual_risk() {
    let run = lint(&[(
        "features/meeting-summaries/feature.toml",
        r#"id = "meeting-summaries"
stage = "review"
risk_tier = "low"

[hypothesis]
statement = "Summaries are faithful"

[risk]
evasion_potential = 1
systemic_amplification = 1
"#,
    )]);
    run.assert_fires("RSK001");
    insta::assert_snapshot!(run.text);
}

#[test]
fn rsk002_risk_score_out_of_range() {
    let run = lint(&[(
        "features/meeting-summaries/feature.toml",
        r#"id = "meeting-summaries"
stage = "design"
risk_tier = "low"

[risk]
evasion_potential = 7
systemic_amplification = 1
residual = "low"
"#,
    )]);
    run.assert_fires("RSK002");
    insta::assert_snapshot!(run.text);
}

#[test]
fn rsk003_residual_risk_above_the_tier() {
    let run = lint(&[(
        "features/meeting-summaries/feature.toml",
        r#"id = "meeting-summaries"
stage = "design"
risk_tier = "medium"

[risk]
evasion_potential = 2
systemic_amplification = 2
residual = "high"
"#,
    )]);
    run.assert_fires("RSK003");
    insta::assert_snapshot!(run.text);
}

#[test]
fn rsk004_high_tier_feature_without_mitigations() {
    let run = lint(&[(
        "features/health-coach/feature.toml",
        r#"id = "health-coach"
stage = "design"
risk_tier = "high"

[risk]
evasion_potential = 3
systemic_amplification = 3
residual = "high"
mitigations = []
"#,
    )]);
    run.assert_fires("RSK004");
    insta::assert_snapshot!(run.text);
}

// ---------------------------------------------------------------------------
// Safety debt (PL040-PL043)
// ---------------------------------------------------------------------------

/// A feature at `stage` under the stage-order policy only (no default pack
/// noise), and a debt file for it.
fn debt_repo(stage: &str, debt: &str) -> Vec<(&'static str, String)> {
    let (policy_path, policy) = stage_order_policy();
    vec![
        (policy_path, policy.to_string()),
        (
            "features/file-upload/feature.toml",
            format!("id = \"file-upload\"\nstage = \"{stage}\"\n"),
        ),
        ("debt/upload-pdf.toml", debt.to_string()),
    ]
}

fn as_files<'a>(files: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    files.iter().map(|(p, t)| (*p, t.as_str())).collect()
}

/// Open debt due on `due`, of `severity`.
fn debt_file(due: &str, severity: &str) -> String {
    format!(
        "feature = \"file-upload\"\ntitle = \"Classifier not calibrated for PDFs\"\nowner = \"ana@example.com\"\ndue = {due}\nseverity = \"{severity}\"\n"
    )
}

#[test]
fn pl040_open_debt_past_due_warns_at_due() {
    // Today is 2026-11-26: 25 days late, within the 30-day grace.
    let run = lint(&as_files(&debt_repo(
        "review",
        &debt_file("2026-11-01", "high"),
    )));
    run.assert_fires("PL040");
    run.assert_silent("PL041");
    let finding = run
        .outcome
        .diagnostics
        .iter()
        .find(|d| d.code == "PL040")
        .unwrap();
    assert_eq!(finding.severity, diagnostic::Severity::Warning);
    assert_eq!(finding.feature.as_deref(), Some("file-upload"));
    insta::assert_snapshot!(run.text);
}

#[test]
fn debt_not_yet_due_and_resolved_debt_are_quiet() {
    let not_due = lint(&as_files(&debt_repo(
        "review",
        &debt_file("2026-11-26", "critical"),
    )));
    assert!(not_due.outcome.diagnostics.is_empty(), "{}", not_due.text);
    let resolved = lint(&as_files(&debt_repo(
        "review",
        &format!(
            "{}resolved = 2026-11-20\n",
            debt_file("2026-01-01", "critical")
        ),
    )));
    assert!(resolved.outcome.diagnostics.is_empty(), "{}", resolved.text);
}

#[test]
fn pl041_debt_past_the_grace_period_is_an_error() {
    // 31 days late: past the default 30.
    let run = lint(&as_files(&debt_repo(
        "review",
        &debt_file("2026-10-26", "low"),
    )));
    run.assert_fires("PL041");
    run.assert_silent("PL040");
    insta::assert_snapshot!(run.text);
    // Exactly 30 days late is still within the grace.
    let edge = lint(&as_files(&debt_repo(
        "review",
        &debt_file("2026-10-27", "low"),
    )));
    edge.assert_fires("PL040");
    edge.assert_silent("PL041");
}

#[test]
fn debt_grace_days_come_from_policy_toml() {
    let mut files = debt_repo("review", &debt_file("2026-11-20", "low"));
    files.push(("policy.toml", "[debt]\ngrace_days = 5\n".to_string()));
    let run = lint(&as_files(&files));
    run.assert_fires("PL041");
    let mut files = debt_repo("review", &debt_file("2026-11-20", "low"));
    files.push(("policy.toml", "[debt]\ngrace_days = 4000\n".to_string()));
    let (config, diagnostics) = config(repo(&as_files(&files)).path());
    assert_eq!(
        config.debt_grace_days, 30,
        "an invalid value keeps the default"
    );
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0].message.contains("debt.grace_days"));
}

#[test]
fn a_waiver_of_the_debt_feature_covers_its_debt_finding() {
    let mut files = debt_repo("review", &debt_file("2026-10-01", "medium"));
    files.push((
        "waivers/file-upload-debt.toml",
        "rule = \"PL041\"\nfeature = \"file-upload\"\nreason = \"Fix lands with the next model\"\napproved_by = \"srb\"\nexpires = 2026-12-31\n".to_string(),
    ));
    let run = lint(&as_files(&files));
    let finding = run
        .outcome
        .diagnostics
        .iter()
        .find(|d| d.code == "PL041")
        .expect("the finding is kept, waived");
    assert_eq!(
        finding.waived_by.as_deref(),
        Some("waivers/file-upload-debt.toml")
    );
    run.assert_silent("PL022");
}

#[test]
fn pl042_change_advances_a_feature_with_overdue_critical_debt() {
    let base = debt_repo("review", &debt_file("2026-11-10", "critical"));
    let head = debt_repo("cleared", &debt_file("2026-11-10", "critical"));
    let run = lint_change(&as_files(&base), &as_files(&head));
    run.assert_fires("PL042");
    let finding = run
        .outcome
        .diagnostics
        .iter()
        .find(|d| d.code == "PL042")
        .unwrap();
    let label = finding.primary.as_ref().unwrap();
    assert_eq!(label.file.path, "features/file-upload/feature.toml");
    assert_eq!(&label.file.text[label.span.clone()], "\"cleared\"");
    insta::assert_snapshot!(run.text);
}

#[test]
fn pl042_stays_quiet_without_a_stage_advance_or_critical_overdue_debt() {
    let critical = debt_file("2026-11-10", "critical");
    // Same stage, or moving back: nothing advances.
    for (from, to) in [("review", "review"), ("cleared", "review")] {
        let run = lint_change(
            &as_files(&debt_repo(from, &critical)),
            &as_files(&debt_repo(to, &critical)),
        );
        run.assert_silent("PL042");
    }
    // High severity, critical not yet due (as merged), critical resolved
    // in the change.
    for (base, head) in [
        (
            debt_file("2026-11-10", "high"),
            debt_file("2026-11-10", "high"),
        ),
        (
            debt_file("2026-12-10", "critical"),
            debt_file("2026-12-10", "critical"),
        ),
        (
            critical.clone(),
            format!("{critical}resolved = 2026-11-25\n"),
        ),
    ] {
        let run = lint_change(
            &as_files(&debt_repo("review", &base)),
            &as_files(&debt_repo("cleared", &head)),
        );
        run.assert_silent("PL042");
    }
    // Lowering the severity or moving the due date in the change itself
    // does not: the base's debt blocks as merged.
    for head in [
        debt_file("2026-11-10", "high"),
        debt_file("2026-12-10", "critical"),
    ] {
        let run = lint_change(
            &as_files(&debt_repo("review", &critical)),
            &as_files(&debt_repo("cleared", &head)),
        );
        run.assert_fires("PL042");
    }
    // Tree mode has no base to compare with.
    let run = lint(&as_files(&debt_repo("cleared", &critical)));
    run.assert_silent("PL042");
    run.assert_fires("PL040");
}

#[test]
fn pl043_debt_for_an_unknown_feature_or_resolved_in_the_future() {
    let unknown = lint(&as_files(&debt_repo(
        "review",
        &debt_file("2026-12-01", "low").replace("\"file-upload\"", "\"file-uplod\""),
    )));
    unknown.assert_fires("PL043");
    assert!(
        unknown.text.contains("did you mean `file-upload`?"),
        "{}",
        unknown.text
    );
    insta::assert_snapshot!("pl043_unknown_feature", unknown.text);
    let future = lint(&as_files(&debt_repo(
        "review",
        &format!("{}resolved = 2026-11-27\n", debt_file("2026-11-01", "low")),
    )));
    future.assert_fires("PL043");
    insta::assert_snapshot!("pl043_resolved_in_the_future", future.text);
}

#[test]
fn debt_schema_errors_name_each_bad_field() {
    let run = lint(&as_files(&debt_repo(
        "review",
        "feature = \"file-upload\"\ntitle = \" \"\nowner = \"Ana\"\ndue = \"soon\"\nseverity = \"severe\"\nsurplus = 1\n",
    )));
    let schema: Vec<&str> = run
        .outcome
        .diagnostics
        .iter()
        .filter(|d| d.code == "PL004")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(schema.len(), 4, "{}", run.text);
    run.assert_fires("PL025");
    for code in ["PL040", "PL041", "PL043"] {
        run.assert_silent(code);
    }
    insta::assert_snapshot!(run.text);
    let missing = lint(&as_files(&debt_repo(
        "review",
        "feature = \"file-upload\"\n",
    )));
    let missing: Vec<&str> = missing
        .outcome
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    for field in ["title", "owner", "due", "severity"] {
        assert!(
            missing
                .iter()
                .any(|m| m.contains(&format!("missing required field `{field}`"))),
            "{missing:?}"
        );
    }
}

#[test]
fn a_link_under_debt_is_a_governed_link() {
    let dir = repo(&as_files(&debt_repo(
        "review",
        &debt_file("2026-12-01", "low"),
    )));
    std::fs::write(
        dir.path().join("elsewhere.toml"),
        debt_file("2026-01-01", "low"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("../elsewhere.toml", dir.path().join("debt/linked.toml")).unwrap();
    #[cfg(unix)]
    {
        let run = run(dir.path());
        run.assert_fires("PL031");
        // Never read: its overdue date is not reported.
        run.assert_silent("PL041");
    }
}

// ---------------------------------------------------------------------------
// Coverage of this file
// ---------------------------------------------------------------------------

#[test]
fn every_builtin_check_has_a_test() {
    let missing: Vec<&str> = policy_lint::rules::BUILTIN
        .iter()
        .map(|c| c.code)
        .filter(|code| !TESTED_CHECKS.contains(code))
        .collect();
    assert!(
        missing.is_empty(),
        "built-in checks without a test in tests/rules.rs: {missing:?}"
    );
}

#[test]
fn every_default_pack_rule_has_a_test() {
    let dir = repo(&[]);
    let (workspace, _, _) = load(dir.path());
    let missing: Vec<&str> = workspace
        .policies
        .iter()
        .flat_map(|p| &p.rules)
        .map(|r| r.code.as_str())
        .filter(|code| !TESTED_PACK_RULES.contains(code))
        .collect();
    assert!(
        !workspace.policies.is_empty(),
        "the built-in pack did not load"
    );
    assert!(
        missing.is_empty(),
        "default-pack rules without a test in tests/rules.rs: {missing:?}"
    );
}
