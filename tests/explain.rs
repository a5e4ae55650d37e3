//! `policy explain` (Markdown rendered for the terminal, one layout for
//! built-in checks and policy rules, lookup by words of a name or title) and
//! `policy man` (a page per subcommand with the global options it reads,
//! exit codes everywhere).

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

mod common;
use common::{DATE, binary, isolate};

/// Runs `policy ARGS` in `dir` (piped: no colour unless asked) and checks
/// its exit code.
fn policy(dir: &Path, args: &[&str], code: i32) -> Output {
    let home = TempDir::new().unwrap();
    let mut command = Command::new(binary());
    isolate(&mut command, dir, home.path(), "pm@example.com", DATE);
    let output = command.args(args).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "policy {args:?}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A repository with no policies of its own: the built-in pack is in force.
fn empty() -> TempDir {
    TempDir::new().unwrap()
}

#[test]
fn explain_builtin_check_renders_plain_text_when_piped() {
    let dir = empty();
    let text = stdout(&policy(dir.path(), &["explain", "PL006"], 0));
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(
        !text.contains("## "),
        "Markdown headings are rendered: {text}"
    );
    insta::assert_snapshot!("explain_builtin_pl006", text);
}

#[test]
fn explain_policy_rule_has_the_same_layout() {
    let dir = empty();
    let text = stdout(&policy(dir.path(), &["explain", "rt001"], 0));
    insta::assert_snapshot!("explain_policy_rt001", text);
    // Same layout as a built-in check: title, severity, origin, sections.
    let builtin = stdout(&policy(dir.path(), &["explain", "PL017"], 0));
    for part in ["Severity: ", "Defined by: ", "What it checks\n", "Fix\n"] {
        assert!(text.contains(part), "{part} in RT001:\n{text}");
        assert!(builtin.contains(part), "{part} in PL017:\n{builtin}");
    }
}

#[test]
fn explain_a_rule_of_the_repository_policies() {
    let dir = empty();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/privacy.toml"),
        r#"[policy]
id = "privacy"
version = "2.0.0"
title = "Privacy"
owners = ["legal-counsel"]

[[rules]]
code = "PRV001"
title = "Features that touch personal data are cleared by legal counsel"
severity = "warning"
when = "'privacy' in feature.harm_categories && feature.stage == 'cleared'"
require_signoffs = ["legal-counsel"]
"#,
    )
    .unwrap();
    let text = stdout(&policy(dir.path(), &["explain", "PRV001"], 0));
    insta::assert_snapshot!("explain_repository_rule", text);
    // Only the repository's policy is in force: the pack's codes are gone.
    let output = policy(dir.path(), &["explain", "RT001"], 2);
    assert!(output.stdout.is_empty());
}

#[test]
fn explain_colours_only_when_asked() {
    let dir = empty();
    let text = stdout(&policy(
        dir.path(),
        &["--color", "always", "explain", "PL006"],
        0,
    ));
    assert!(text.contains("\u{1b}[1m"), "{text:?}");
    let text = stdout(&policy(
        dir.path(),
        &["--color", "never", "explain", "PL006"],
        0,
    ));
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

#[test]
fn explain_finds_codes_by_words_of_their_name_or_title() {
    let dir = empty();
    // One match: explained.
    let single = stdout(&policy(dir.path(), &["explain", "stale"], 0));
    assert!(single.starts_with("PL017: stale-signoff\n"), "{single}");
    let by_name = stdout(&policy(dir.path(), &["explain", "stale-signoff"], 0));
    assert_eq!(single, by_name);
    // Several: listed with their titles.
    let several = stdout(&policy(dir.path(), &["explain", "red", "team"], 0));
    insta::assert_snapshot!("explain_several_matches", several);
    // None: exit 2 with a suggestion.
    let output = policy(dir.path(), &["explain", "PL0177"], 2);
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).contains("no code matches `PL0177` (did you mean `PL017`?)"),
        "{}",
        stderr(&output)
    );
}

// ---------------------------------------------------------------------------
// man

/// The option names (`--today`, `-C`) a roff page documents.
fn options(page: &str) -> Vec<String> {
    let mut found: Vec<String> = page
        .lines()
        .filter(|l| l.starts_with("\\fB\\-"))
        .filter_map(|l| {
            l.split("\\fR")
                .next()
                .map(|s| s.replace("\\fB", "").replace("\\-", "-"))
        })
        .map(|s| s.trim().to_string())
        .collect();
    found.sort();
    found
}

#[test]
fn man_subcommand_pages_list_only_the_global_options_they_read() {
    let dir = empty();
    for (name, own, globals, absent) in [
        (
            "lint",
            &["--staged", "--base", "--format", "--deny"][..],
            &["-C", "--config", "--color", "--today"][..],
            &[][..],
        ),
        (
            "sign",
            &["--role", "--reason", "--force"],
            &["-C", "--config", "--today"],
            &["--color"],
        ),
        ("explain", &[], &["-C", "--config", "--color"], &["--today"]),
        ("init", &[], &["-C"], &["--config", "--color", "--today"]),
        (
            "completions",
            &[],
            &[],
            &["-C", "--config", "--color", "--today"],
        ),
    ] {
        let page = stdout(&policy(dir.path(), &["man", name], 0));
        assert!(
            page.contains(&format!(".TH policy-{name} 1")),
            "{name}:\n{page}"
        );
        assert!(page.contains(".SH \"EXIT STATUS\""), "{name}:\n{page}");
        let documented = options(&page);
        for option in own.iter().chain(globals) {
            assert!(
                documented.iter().any(|o| o.starts_with(option)),
                "{name} lacks {option}: {documented:?}"
            );
        }
        for option in absent {
            assert!(
                !documented.iter().any(|o| o == option),
                "{name} documents {option}: {documented:?}"
            );
        }
    }
    let lint = stdout(&policy(dir.path(), &["man", "lint"], 0));
    assert!(lint.contains("with \\-\\-deny warnings"), "{lint}");
}

#[test]
fn man_full_page_documents_every_subcommand() {
    let dir = empty();
    let page = stdout(&policy(dir.path(), &["man"], 0));
    for name in [
        "lint",
        "sign",
        "waive",
        "explain",
        "status",
        "audit",
        "init",
        "hook",
        "schema",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!(".SH \"POLICY {}\"", name.to_uppercase())),
            "{name}"
        );
    }
    assert_eq!(page.matches(".SS \"EXIT STATUS\"").count(), 11);
    // Options of subcommands are documented, not only listed by name.
    for option in [
        "\\-\\-staged",
        "\\-\\-reason",
        "\\-\\-approved\\-by",
        "\\-\\-out",
    ] {
        assert!(page.contains(option), "{option}");
    }
    // The global options say where they apply.
    assert!(
        page.contains("Used by: lint, sign, waive, status, audit."),
        "{page}"
    );
}

#[test]
fn man_unknown_subcommand_exits_2() {
    let dir = empty();
    let output = policy(dir.path(), &["man", "lnt"], 2);
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).contains("no subcommand `lnt`: did you mean `lint`?"),
        "{}",
        stderr(&output)
    );
}
