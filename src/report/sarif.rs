//! SARIF 2.1.0 for code-scanning tools (GitHub code scanning among them):
//! one run, the tool's rules (every built-in check and every loaded policy
//! rule), and one result per diagnostic. The structs below are the subset of
//! the OASIS schema this tool fills in; a test validates the output against
//! the official schema.
//!
//! Positions: lines and columns are 1-based and columns count Unicode code
//! points (`run.columnKind = "unicodeCodePoints"`), `endColumn` is the column
//! just past the span, as SARIF defines it; `byteOffset` / `byteLength` give
//! the same span in bytes. Artifact URIs are relative to the repository root
//! (`uriBaseId` `%SRCROOT%`); files of the policy pack compiled into the
//! binary have no place in the repository and are given relative to the base
//! `BUILTIN_POLICY_PACK`, which `run.originalUriBaseIds` describes.
//!
//! Fingerprints: code scanning matches a result with last commit's alerts by
//! `partialFingerprints`, so `policyFinding/v1` must survive edits that only
//! move the finding. It hashes (code, file path, feature id, the text of the
//! primary span's first line with surrounding whitespace trimmed, message)
//! and never a line or column number: a line inserted above a finding leaves
//! it unchanged, while editing the offending line itself makes it a new
//! finding. The message is taken without the ` (waived)` marker so that
//! waiving a finding suppresses the existing alert instead of opening a new
//! one. Identical inputs (two findings on identical lines of one file) are
//! told apart by a `:N` occurrence count in output order, as CodeQL does.
//!
//! Waived findings stay in the log with a `suppressions` entry of kind
//! `external` (the waiver file), whose justification is the waiver's reason.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::engine::Outcome;
use crate::model::policy::{Policy, Rule};
use crate::rules::{self, Check};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base of repository files.
const SOURCE_ROOT: &str = "%SRCROOT%";
/// The base of the policy pack compiled into the binary.
const BUILTIN_BASE: &str = "BUILTIN_POLICY_PACK";
/// How [`crate::pack::display_path`] names the pack's files.
const BUILTIN_PREFIX: &str = "<built-in>/";
const FINGERPRINT_KEY: &str = "policyFinding/v1";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    results: Vec<SarifResult>,
    column_kind: &'static str,
    /// Findings about the run rather than a file (history could not be
    /// read, say): code scanning rejects a result without a location, so
    /// they are tool notifications of the invocation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Message,
    descriptor: NotificationDescriptor,
}

#[derive(Serialize)]
struct NotificationDescriptor {
    id: String,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    default_configuration: Configuration,
    properties: Properties,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    byte_offset: usize,
    byte_length: usize,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
}

/// Renders the outcome as a SARIF log. `policies` are the policies in force:
/// their rules are listed beside the built-in checks.
pub fn render(outcome: &Outcome, policies: &[Policy]) -> String {
    let mut catalog = Catalog::new(policies);
    let mut fingerprints = Fingerprints::default();
    let mut uses_builtin = false;
    let located = |d: &&Diagnostic| d.primary.is_some() || !d.related.is_empty();
    let notifications: Vec<Notification> = outcome
        .diagnostics
        .iter()
        .filter(|d| !located(d))
        .map(|d| {
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            Notification {
                level: level(d.severity),
                message: text(message),
                descriptor: NotificationDescriptor { id: d.code.clone() },
            }
        })
        .collect();
    let results: Vec<SarifResult> = outcome
        .diagnostics
        .iter()
        .filter(located)
        .map(|d| {
            let result = result(d, &mut catalog, &mut fingerprints);
            uses_builtin |= d
                .primary
                .iter()
                .chain(&d.related)
                .any(|label| label.file.path.starts_with(BUILTIN_PREFIX));
            result
        })
        .collect();
    let mut original_uri_base_ids = BTreeMap::new();
    if uses_builtin {
        original_uri_base_ids.insert(
            BUILTIN_BASE,
            ArtifactLocation {
                uri: None,
                uri_base_id: None,
                description: Some(text(
                    "The default policy pack compiled into the policy binary; \
                     `policy init` copies it into a repository.",
                )),
            },
        );
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "policy",
                    information_uri: information_uri(),
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: catalog.rules,
                },
            },
            original_uri_base_ids,
            results,
            column_kind: "unicodeCodePoints",
            invocations: if notifications.is_empty() {
                Vec::new()
            } else {
                vec![Invocation {
                    execution_successful: true,
                    tool_execution_notifications: notifications,
                }]
            },
        }],
    };
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

/// The project's page, from the package metadata when it names one.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty())
}

fn text(text: impl Into<String>) -> Message {
    Message { text: text.into() }
}

fn level(severity: Severity) -> &'static str {
    severity.as_str()
}

/// The rules of the run, with an index by code. A result must point at a
/// rule, so a code that no listed rule has gets a minimal descriptor
/// appended.
struct Catalog {
    rules: Vec<ReportingDescriptor>,
    index: BTreeMap<String, usize>,
}

impl Catalog {
    fn new(policies: &[Policy]) -> Catalog {
        let mut catalog = Catalog {
            rules: Vec::new(),
            index: BTreeMap::new(),
        };
        for check in rules::BUILTIN {
            catalog.add(builtin_descriptor(check));
        }
        for policy in policies {
            for rule in &policy.rules {
                catalog.add(rule_descriptor(policy, rule));
            }
        }
        catalog
    }

    /// Adds a descriptor unless its code is already there (duplicate rule
    /// codes are reported by PL009; the first definition wins, as in
    /// `policy explain`).
    fn add(&mut self, descriptor: ReportingDescriptor) -> usize {
        if let Some(&i) = self.index.get(&descriptor.id) {
            return i;
        }
        let i = self.rules.len();
        self.index.insert(descriptor.id.clone(), i);
        self.rules.push(descriptor);
        i
    }

    fn index_of(&mut self, diagnostic: &Diagnostic) -> usize {
        if let Some(&i) = self.index.get(&diagnostic.code) {
            return i;
        }
        let code = &diagnostic.code;
        self.add(ReportingDescriptor {
            id: code.clone(),
            name: code.to_lowercase(),
            short_description: text(code.clone()),
            full_description: text(code.clone()),
            help: MultiformatMessage {
                text: format!("Run `policy explain {code}`."),
                markdown: format!("Run `policy explain {code}`."),
            },
            default_configuration: Configuration {
                level: level(diagnostic.severity),
            },
            properties: Properties { tags: Vec::new() },
        })
    }
}

/// The body of a `## Heading` section of a check's doc, trimmed.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let Some(start) = doc.find(heading) else {
        return "";
    };
    let body = &doc[start + heading.len()..];
    let end = body.find("\n## ").unwrap_or(body.len());
    body[..end].trim()
}

/// A check's doc as written in its module: doc comments keep the space
/// after `///`, which would indent every line of the Markdown.
fn unindent(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len());
    for line in doc.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out.trim().to_string()
}

fn builtin_descriptor(check: &Check) -> ReportingDescriptor {
    let doc = unindent(check.doc);
    let what = section(&doc, "## What it checks");
    let why = section(&doc, "## Why it matters");
    let short = what.lines().next().unwrap_or(check.name).trim();
    ReportingDescriptor {
        id: check.code.to_string(),
        name: check.name.to_string(),
        short_description: text(short),
        full_description: text(format!("{what}\n\n{why}").trim().to_string()),
        help: MultiformatMessage {
            text: doc.clone(),
            markdown: doc.clone(),
        },
        default_configuration: Configuration {
            level: level(check.severity),
        },
        properties: Properties {
            tags: vec!["built-in".into()],
        },
    }
}

/// `Launch needs an SRB go decision` → `launch-needs-an-srb-go-decision`.
fn slug(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

fn rule_descriptor(policy: &Policy, rule: &Rule) -> ReportingDescriptor {
    let title = if rule.title.is_empty() {
        rule.code.clone()
    } else {
        rule.title.clone()
    };
    let mut facts: Vec<(&str, String)> = vec![(
        "Policy",
        format!(
            "{}@{} ({})",
            policy.id, policy.version.text, policy.file.path
        ),
    )];
    facts.extend(rule.demands());
    let plain_facts: Vec<String> = facts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    // Conditions run over several lines: fenced blocks keep them readable.
    let markdown_facts: Vec<String> = facts
        .iter()
        .map(|(k, v)| {
            if v.contains('\n') {
                let fence = "`".repeat(super::longest_backtick_run(v).max(2) + 1);
                format!("{k}:\n{fence}\n{v}\n{fence}")
            } else {
                format!("{k}: {}", super::code_span(v))
            }
        })
        .collect();
    let fix = rule.help.as_deref().unwrap_or("");
    let mut help_text = format!("{title}\n\n{}", plain_facts.join("\n"));
    let mut help_markdown = format!("{title}\n\n{}", markdown_facts.join("\n\n"));
    if !fix.is_empty() {
        help_text.push_str(&format!("\n\nFix: {fix}"));
        help_markdown.push_str(&format!("\n\n## Fix\n{fix}"));
    }
    ReportingDescriptor {
        id: rule.code.clone(),
        name: slug(&title),
        short_description: text(title.clone()),
        full_description: text(format!("{title}\n\n{}", plain_facts.join("\n"))),
        help: MultiformatMessage {
            text: help_text,
            markdown: help_markdown,
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: Properties {
            tags: vec!["policy".into(), policy.id.clone()],
        },
    }
}

fn result(
    diagnostic: &Diagnostic,
    catalog: &mut Catalog,
    fingerprints: &mut Fingerprints,
) -> SarifResult {
    let rule_index = catalog.index_of(diagnostic);
    // Code scanning needs a location; a diagnostic without a primary label
    // borrows its first related one when it has any.
    let anchor = diagnostic
        .primary
        .as_ref()
        .or_else(|| diagnostic.related.first());
    let locations: Vec<Location> = anchor
        .map(|label| location(label, None))
        .into_iter()
        .collect();
    let related_locations = diagnostic
        .related
        .iter()
        .enumerate()
        .map(|(i, label)| location(label, Some(i + 1)))
        .collect();
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut partial_fingerprints = BTreeMap::new();
    partial_fingerprints.insert(FINGERPRINT_KEY, fingerprints.next(diagnostic));
    SarifResult {
        rule_id: diagnostic.code.clone(),
        rule_index,
        level: level(diagnostic.severity),
        message: text(message),
        locations,
        related_locations,
        partial_fingerprints,
        suppressions: suppression(diagnostic).into_iter().collect(),
    }
}

fn suppression(diagnostic: &Diagnostic) -> Option<Suppression> {
    let waiver = diagnostic.waived_by.as_ref()?;
    let label = diagnostic
        .related
        .iter()
        .rev()
        .find(|label| &label.file.path == waiver);
    let justification = label
        .and_then(|label| label.message.clone())
        .unwrap_or_else(|| format!("waived by {waiver}"));
    Some(Suppression {
        kind: "external",
        status: "accepted",
        justification,
        location: label.map(|label| location(label, None)),
    })
}

fn location(label: &Label, id: Option<usize>) -> Location {
    let file = &label.file;
    let start = file.lines().position_chars(&file.text, label.span.start);
    let end = file.lines().position_chars(&file.text, label.span.end);
    let (uri, uri_base_id) = match file.path.strip_prefix(BUILTIN_PREFIX) {
        Some(inside) => (inside, BUILTIN_BASE),
        None => (file.path.as_str(), SOURCE_ROOT),
    };
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: Some(uri_of_path(uri)),
                uri_base_id: Some(uri_base_id),
                description: None,
            },
            region: Region {
                start_line: start.line,
                start_column: start.column,
                end_line: end.line,
                end_column: end.column,
                byte_offset: label.span.start,
                byte_length: label.span.len(),
            },
        },
        message: label.message.clone().map(text),
    }
}

/// A relative URI reference for a `/`-separated path: every byte outside
/// RFC 3986's unreserved characters, sub-delimiters, `@` and `/` is
/// percent-encoded. `:` is encoded too, so a first segment can never be read
/// as a scheme.
fn uri_of_path(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&byte);
        if keep {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// Hands out fingerprints, counting repeats of the same hash.
#[derive(Default)]
struct Fingerprints {
    seen: BTreeMap<String, usize>,
}

impl Fingerprints {
    fn next(&mut self, diagnostic: &Diagnostic) -> String {
        let hash = fingerprint_hash(diagnostic);
        let count = self.seen.entry(hash.clone()).or_insert(0);
        *count += 1;
        format!("{hash}:{count}")
    }
}

fn fingerprint_hash(diagnostic: &Diagnostic) -> String {
    let (path, line) = match &diagnostic.primary {
        Some(label) => {
            let lines = &label.file.lines();
            let text = &label.file.text;
            let n = lines.line_of(label.span.start);
            let line = &text[lines.line_start(n)..lines.line_end(text, n)];
            (label.file.path.as_str(), line.trim())
        }
        None => ("", ""),
    };
    let message = match &diagnostic.waived_by {
        Some(_) => diagnostic
            .message
            .strip_suffix(" (waived)")
            .unwrap_or(&diagnostic.message),
        None => &diagnostic.message,
    };
    let mut hasher = Sha256::new();
    for part in [
        diagnostic.code.as_str(),
        path,
        diagnostic.feature.as_deref().unwrap_or(""),
        line,
        message,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    // 128 bits are plenty to tell findings apart.
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_uri_references() {
        assert_eq!(
            uri_of_path("features/a b/x:y%.toml"),
            "features/a%20b/x%3Ay%25.toml"
        );
        assert_eq!(uri_of_path("dir,with/comma.toml"), "dir,with/comma.toml");
        assert_eq!(uri_of_path("é.toml"), "%C3%A9.toml");
    }

    #[test]
    fn sections_are_cut_at_the_next_heading() {
        let doc = "## What it checks\nOne.\nTwo.\n\n## Why it matters\nBecause.\n";
        assert_eq!(section(doc, "## What it checks"), "One.\nTwo.");
        assert_eq!(section(doc, "## Why it matters"), "Because.");
        assert_eq!(section(doc, "## Fix"), "");
    }

    #[test]
    fn every_builtin_check_has_a_short_and_a_full_description() {
        for check in rules::BUILTIN {
            let descriptor = builtin_descriptor(check);
            assert!(
                !descriptor.short_description.text.is_empty(),
                "{}",
                check.code
            );
            assert!(
                !descriptor.short_description.text.contains('#'),
                "{}",
                check.code
            );
            assert!(
                descriptor.full_description.text.contains("\n\n"),
                "{}",
                check.code
            );
            assert!(
                !descriptor.full_description.text.contains("## "),
                "{}",
                check.code
            );
            assert!(descriptor.help.markdown.starts_with("## What it checks\n"));
        }
    }

    #[test]
    fn slugs_are_kebab_case() {
        assert_eq!(
            slug("Launch needs an SRB go decision!"),
            "launch-needs-an-srb-go-decision"
        );
    }
}
