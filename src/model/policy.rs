//! Policies: a versioned set of rules. Expressions are compiled by the
//! engine; this module reads the file's shape.

use std::ops::Range;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::read::{Fields, document_anchor, parse_toml};
use crate::model::tree::Table;
use crate::rules::codes;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub text: String,
}

impl Version {
    /// Parses `MAJOR.MINOR.PATCH` with an optional `-pre` / `+build` suffix.
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let mut number = || -> Option<u64> {
            let part = parts.next()?;
            if part.is_empty() || (part.len() > 1 && part.starts_with('0')) {
                return None;
            }
            part.parse().ok()
        };
        let version = Version {
            major: number()?,
            minor: number()?,
            patch: number()?,
            text: text.to_string(),
        };
        parts.next().is_none().then_some(version)
    }
}

/// A string field with its span, for expressions and labels.
#[derive(Clone, Debug)]
pub struct SpannedText {
    pub text: String,
    pub span: Range<usize>,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub code: String,
    pub code_span: Range<usize>,
    pub title: String,
    pub severity: Severity,
    pub when: Option<SpannedText>,
    /// A CEL expression giving a map or a list: `filter` and `assert` are
    /// then evaluated once per entry, with the entry bound as `key` (a
    /// map's key, a list's index) and `value`.
    pub each: Option<SpannedText>,
    /// With `each`: the entries `assert` applies to (absent: all of them).
    pub filter: Option<SpannedText>,
    pub assert: Option<SpannedText>,
    pub require_signoffs: Vec<SpannedText>,
    pub at: Option<SpannedText>,
    pub message: Option<String>,
    /// What the primary label under the offending value says (default: the
    /// value's problem in the rule's words). Takes the same placeholders as
    /// `message`.
    pub label: Option<String>,
    pub help: Option<String>,
    /// The whole `[[rules]]` table, for labels that point at the rule.
    pub span: Range<usize>,
}

impl Rule {
    /// What the rule demands, as labelled lines for `policy explain` and
    /// the SARIF rule help: its condition, assertion and required roles.
    pub fn demands(&self) -> Vec<(&'static str, String)> {
        let mut facts = Vec::new();
        if let Some(when) = &self.when {
            facts.push(("Applies when", when.text.clone()));
        }
        if let Some(each) = &self.each {
            facts.push(("For each entry (`key`, `value`) of", each.text.clone()));
        }
        if let Some(filter) = &self.filter {
            facts.push(("Entries checked", filter.text.clone()));
        }
        if let Some(assert) = &self.assert {
            facts.push(("Asserts", assert.text.clone()));
        }
        if !self.require_signoffs.is_empty() {
            let roles: Vec<&str> = self
                .require_signoffs
                .iter()
                .map(|r| r.text.as_str())
                .collect();
            facts.push(("Requires a fresh go sign-off from", roles.join(", ")));
        }
        facts
    }
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub id: String,
    pub version: Version,
    pub version_span: Range<usize>,
    pub title: String,
    pub owners: Vec<SpannedText>,
    pub rules: Vec<Rule>,
    pub file: Arc<SourceFile>,
    pub table: Arc<Table>,
    /// True for the pack compiled into the binary.
    pub builtin: bool,
}

pub(crate) const POLICY_FIELDS: &[&str] = &["id", "version", "title", "owners", "description"];
pub(crate) const RULE_FIELDS: &[&str] = &[
    "code",
    "title",
    "severity",
    "when",
    "each",
    "filter",
    "assert",
    "require_signoffs",
    "at",
    "message",
    "label",
    "help",
];

pub fn parse(file: &Arc<SourceFile>) -> (Option<Policy>, Vec<Diagnostic>) {
    let table = match parse_toml(file) {
        Ok(table) => table,
        Err(mut d) => {
            d.config = true;
            return (None, vec![d]);
        }
    };
    let mut fields = Fields::new(file, &table, document_anchor(file), "policy file").config();
    fields.deny_unknown(&["policy", "rules"]);
    let mut header = None;
    if let Some((policy_table, node)) = fields.table("policy", true) {
        let mut sub = Fields::new(file, policy_table, node.span.clone(), "[policy]").config();
        sub.deny_unknown(POLICY_FIELDS);
        let id = sub.id("id", "policy");
        let _ = sub.string("description", false);
        let version = match sub.string("version", true) {
            Some((text, node)) => match Version::parse(text) {
                Some(v) => Some((v, node.span.clone())),
                None => {
                    sub.invalid(
                        node,
                        format!("policy version `{text}` is not semver"),
                        "expected MAJOR.MINOR.PATCH, e.g. \"3.1.0\"",
                    );
                    None
                }
            },
            None => None,
        };
        let title = sub
            .string("title", false)
            .map(|(s, _)| s.to_string())
            .unwrap_or_default();
        let owners_node = sub.strings("owners", false);
        if let Some((items, node)) = &owners_node
            && items.is_empty()
        {
            sub.invalid(
                node,
                "`owners = []`: nobody would have to approve a change to this policy".to_string(),
                "name at least one role",
            );
        }
        let owners = owners_node
            .map(|(items, _)| {
                items
                    .into_iter()
                    .map(|(s, n)| SpannedText {
                        text: s.to_string(),
                        span: n.span.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        fields.diagnostics.extend(sub.finish());
        if let (Some(id), Some((version, version_span))) = (id, version) {
            header = Some((id, version, version_span, title, owners));
        }
    }

    let mut rules = Vec::new();
    if let Some(node) = table.get("rules") {
        match &node.value {
            crate::model::tree::Value::Array(items) => {
                for item in items {
                    let Some(rule_table) = item.value.as_table() else {
                        fields.wrong_type("rules", item, "a table ([[rules]])");
                        continue;
                    };
                    let (rule, diagnostics) = parse_rule(file, rule_table, item.span.clone());
                    fields.diagnostics.extend(diagnostics);
                    rules.extend(rule);
                }
            }
            _ => fields.wrong_type("rules", node, "an array of tables ([[rules]])"),
        }
    }
    let diagnostics = fields.finish();
    let policy = header.map(|(id, version, version_span, title, owners)| Policy {
        id,
        version,
        version_span,
        title,
        owners,
        rules,
        file: Arc::clone(file),
        table: Arc::new(table),
        builtin: false,
    });
    (policy, diagnostics)
}

fn parse_rule(
    file: &Arc<SourceFile>,
    table: &Table,
    span: Range<usize>,
) -> (Option<Rule>, Vec<Diagnostic>) {
    let mut fields = Fields::new(file, table, span.clone(), "rule").config();
    fields.deny_unknown(RULE_FIELDS);
    let code = fields
        .string("code", true)
        .map(|(s, n)| (s.to_string(), n.span.clone()));
    let title = fields
        .string("title", true)
        .map(|(s, _)| s.to_string())
        .unwrap_or_default();
    let severity = match fields.string("severity", false) {
        None => Severity::Error,
        Some((text, node)) => Severity::parse(text).unwrap_or_else(|| {
            fields.invalid(
                node,
                format!("unknown severity `{text}`"),
                "expected error, warning or note",
            );
            Severity::Error
        }),
    };
    let spanned = |fields: &mut Fields, key: &str| {
        fields.string(key, false).map(|(s, n)| SpannedText {
            text: s.to_string(),
            span: n.span.clone(),
        })
    };
    let when = spanned(&mut fields, "when");
    let each = spanned(&mut fields, "each");
    let filter = spanned(&mut fields, "filter");
    let assert = spanned(&mut fields, "assert");
    let at = spanned(&mut fields, "at");
    let message = spanned(&mut fields, "message").map(|s| s.text);
    let label = spanned(&mut fields, "label").map(|s| s.text);
    let help = spanned(&mut fields, "help").map(|s| s.text);
    let require_signoffs: Vec<SpannedText> = fields
        .strings("require_signoffs", false)
        .map(|(items, _)| {
            items
                .into_iter()
                .map(|(s, n)| SpannedText {
                    text: s.to_string(),
                    span: n.span.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    if assert.is_none() && table.get("require_signoffs").is_none() {
        let anchor = code.as_ref().map_or(span.clone(), |(_, s)| s.clone());
        fields.push(
            Diagnostic::new(
                codes::SCHEMA,
                Severity::Error,
                "rule has neither `assert` nor `require_signoffs`",
            )
            .at(file, anchor, "this rule checks nothing")
            .help(
                "add `assert = \"<CEL expression>\"`, `require_signoffs = [\"<role>\"]`, or both",
            ),
        );
    }
    if let Some(each) = &each
        && assert.is_none()
    {
        fields.push(
            Diagnostic::new(
                codes::SCHEMA,
                Severity::Error,
                "rule has `each` but no `assert` to check each entry with",
            )
            .at(file, each.span.clone(), "nothing is checked per entry")
            .help("add `assert = \"<CEL expression over key and value>\"`, or remove `each`"),
        );
    }
    if let Some(filter) = &filter
        && each.is_none()
    {
        fields.push(
            Diagnostic::new(
                codes::SCHEMA,
                Severity::Error,
                "rule has `filter` but no `each` whose entries it filters",
            )
            .at(file, filter.span.clone(), "filters nothing")
            .help("add `each = \"feature.<table or list>\"`, or move the condition into `when`"),
        );
    }
    let rule = code.map(|(code, code_span)| Rule {
        code,
        code_span,
        title,
        severity,
        when,
        each,
        filter,
        assert,
        require_signoffs,
        at,
        message,
        label,
        help,
        span,
    });
    (rule, fields.finish())
}

#[cfg(test)]
mod tests {
    use super::Version;

    #[test]
    fn semver_parsing() {
        assert_eq!(Version::parse("3.1.0").map(|v| v.major), Some(3));
        assert!(Version::parse("3.1").is_none());
        assert!(Version::parse("03.1.0").is_none());
        assert!(Version::parse("1.0.0-rc.1").is_some());
    }
}
