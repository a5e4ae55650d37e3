//! `policy explain [QUERY]`: the documentation of a built-in check or of a
//! rule of the policies in force, in one layout for both: a title, the
//! severity and where the rule comes from, then what it checks and how to
//! fix a violation. It is written as Markdown and rendered for the terminal.
//!
//! QUERY is a code (`PL017`, `RT001`), a check name (`stale-signoff`) or
//! words from a code's name or title (`stale`, `red team`): one match is
//! explained, several are listed.

use std::io::IsTerminal;

use policy_lint::model::policy::{Policy, Rule};
use policy_lint::model::workspace;
use policy_lint::rules::{self, Check, suggest};
use policy_lint::source::WorkTree;

use crate::args::{Cli, ExplainArgs};
use crate::{Failure, markdown, project};

/// A code `explain` knows: a built-in check or a policy rule.
enum Entry<'a> {
    Builtin(&'static Check),
    Rule(&'a Policy, &'a Rule),
}

impl Entry<'_> {
    fn code(&self) -> &str {
        match self {
            Entry::Builtin(check) => check.code,
            Entry::Rule(_, rule) => &rule.code,
        }
    }

    /// The one-line title: a check's name, a rule's title.
    fn title(&self) -> &str {
        match self {
            Entry::Builtin(check) => check.name,
            Entry::Rule(_, rule) => &rule.title,
        }
    }

    /// What a query's words are looked for in.
    fn haystack(&self) -> String {
        let summary = match self {
            Entry::Builtin(check) => section(check.doc, "What it checks").unwrap_or_default(),
            Entry::Rule(policy, _) => policy.id.clone(),
        };
        format!("{} {} {summary}", self.code(), self.title())
            .replace('-', " ")
            .to_lowercase()
    }

    /// The documentation as Markdown.
    fn markdown(&self) -> String {
        match self {
            Entry::Builtin(check) => builtin_markdown(check),
            Entry::Rule(policy, rule) => rule_markdown(policy, rule),
        }
    }
}

pub fn run(cli: &Cli, args: &ExplainArgs) -> Result<u8, Failure> {
    let policies = load_policies(cli);
    let entries: Vec<Entry> = rules::BUILTIN
        .iter()
        .map(|check| Entry::Builtin(check))
        .chain(
            policies
                .iter()
                .flat_map(|p| p.rules.iter().map(move |r| Entry::Rule(p, r))),
        )
        .collect();
    let color = crate::use_color_on(cli.color, std::io::stdout().is_terminal());
    if args.query.is_empty() {
        print!("{}", listing(&entries, &policies));
        return Ok(0);
    }
    let query = args.query.join(" ");
    let query = query.trim();
    let exact = entries.iter().find(|e| {
        e.code().eq_ignore_ascii_case(query)
            || matches!(e, Entry::Builtin(check) if check.name.eq_ignore_ascii_case(query))
    });
    let matches: Vec<&Entry> = match exact {
        Some(entry) => vec![entry],
        None => {
            let words: Vec<String> = query
                .replace('-', " ")
                .split_whitespace()
                .map(str::to_lowercase)
                .collect();
            entries
                .iter()
                .filter(|e| {
                    // Each query word starts a word of the entry (`red`
                    // finds `red-team`, not `monitored`).
                    let haystack = e.haystack();
                    let entry_words: Vec<&str> = haystack
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| !w.is_empty())
                        .collect();
                    !words.is_empty()
                        && words
                            .iter()
                            .all(|w| entry_words.iter().any(|e| e.starts_with(w.as_str())))
                })
                .collect()
        }
    };
    match matches.as_slice() {
        [entry] => {
            print!("{}", markdown::render(&entry.markdown(), width(), color));
            Ok(0)
        }
        [] => {
            let codes = entries.iter().map(Entry::code);
            let hint = suggest(&query.to_uppercase(), codes)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            Err(Failure::usage(format!(
                "no code matches `{query}`{hint}; run `policy explain` to list every code"
            )))
        }
        several => {
            let mut out = format!("{} codes match `{query}`:\n", several.len());
            for entry in several {
                out.push_str(&format!("  {:<8} {}\n", entry.code(), entry.title()));
            }
            out.push_str("Run `policy explain CODE` for one of them.\n");
            print!("{out}");
            Ok(0)
        }
    }
}

/// Every code, built-in checks first, then each policy's rules.
fn listing(entries: &[Entry], policies: &[Policy]) -> String {
    let mut out = String::from("Built-in checks:\n");
    for entry in entries {
        if let Entry::Builtin(check) = entry {
            out.push_str(&format!(
                "  {}  {:<32} {}\n",
                check.code,
                check.name,
                check.severity.as_str()
            ));
        }
    }
    for policy in policies {
        out.push_str(&format!(
            "\nPolicy {}@{}:\n",
            policy.id, policy.version.text
        ));
        for rule in &policy.rules {
            out.push_str(&format!("  {:<8} {}\n", rule.code, rule.title));
        }
    }
    out.push_str("\nRun `policy explain CODE` (or words of a title: `policy explain stale`).\n");
    out
}

/// The terminal width for wrapping: `COLUMNS` when set, else 80.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .map_or(80, |c| c.clamp(40, 120))
}

/// A built-in check's doc comment, whose lines start with the space after
/// `///`, without that space.
fn doc_text(doc: &str) -> String {
    doc.lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of the `## name` section of a check's doc.
fn section(doc: &str, name: &str) -> Option<String> {
    let text = doc_text(doc);
    let start = text.find(&format!("## {name}\n"))? + name.len() + 4;
    let rest = &text[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim().to_string())
}

fn builtin_markdown(check: &Check) -> String {
    format!(
        "# {}: {}\n\nSeverity: {} (by default; `[lints]` in policy.toml can change it)\\\nDefined by: the built-in checks of `policy`\n\n{}\n",
        check.code,
        check.name,
        check.severity.as_str(),
        doc_text(check.doc).trim()
    )
}

fn rule_markdown(policy: &Policy, rule: &Rule) -> String {
    let mut out = format!("# {}: {}\n\n", rule.code, rule.title);
    let title = if policy.title.is_empty() {
        String::new()
    } else {
        format!(", {}", policy.title)
    };
    out.push_str(&format!(
        "Severity: {} (by default; `[lints]` in policy.toml can change it)\\\nDefined by: policy `{}@{}`{title} (`{}`)\n\n## What it checks\n",
        rule.severity.as_str(),
        policy.id,
        policy.version.text,
        policy.file.path,
    ));
    match &rule.when {
        Some(when) => out.push_str(&format!(
            "Applies to features for which this holds:\n\n```cel\n{}\n```\n\n",
            when.text.trim()
        )),
        None => out.push_str("Applies to every feature.\n\n"),
    }
    if let Some(assert) = &rule.assert {
        out.push_str(&format!(
            "Asserts:\n\n```cel\n{}\n```\n\n",
            assert.text.trim()
        ));
    }
    if !rule.require_signoffs.is_empty() {
        let roles: Vec<String> = rule
            .require_signoffs
            .iter()
            .map(|r| format!("`{}`", r.text))
            .collect();
        out.push_str(&format!(
            "Requires a fresh go sign-off from: {}.\n\n",
            roles.join(", ")
        ));
    }
    if let Some(at) = &rule.at {
        out.push_str(&format!(
            "A violation points at `{}` in the manifest.\n\n",
            at.text
        ));
    }
    if let Some(message) = &rule.message {
        out.push_str(&format!("## Message\n{message}\n\n"));
    }
    out.push_str("## Fix\n");
    match &rule.help {
        Some(help) => out.push_str(help),
        None if !rule.require_signoffs.is_empty() => out.push_str(
            "Each role reviews the feature and runs `policy sign <feature> --role <role>`.",
        ),
        None => out.push_str("Change the manifest so that the assertion holds."),
    }
    out.push('\n');
    out
}

fn load_policies(cli: &Cli) -> Vec<Policy> {
    match project::open(cli) {
        Ok(project) => {
            let tree = WorkTree::new(&project.repo_root);
            workspace::load(
                &tree,
                &tree,
                &project.settings.prefix,
                project.settings.config.clone(),
            )
            .policies
        }
        Err(_) => Vec::new(),
    }
}
