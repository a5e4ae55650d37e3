//! Sign-offs and waivers: small TOML records of a decision.

use std::ops::Range;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::read::{Fields, document_anchor, parse_toml};
use crate::model::tree::Node;
use crate::rules::codes;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Go,
    NoGo,
    Conditional,
}

impl Decision {
    pub fn parse(text: &str) -> Option<Decision> {
        match text {
            "go" => Some(Decision::Go),
            "no-go" => Some(Decision::NoGo),
            "conditional" => Some(Decision::Conditional),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Go => "go",
            Decision::NoGo => "no-go",
            Decision::Conditional => "conditional",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Signoff {
    pub file: Arc<SourceFile>,
    pub subject: String,
    pub subject_span: Range<usize>,
    pub role: String,
    pub role_span: Range<usize>,
    pub signer: String,
    pub signer_span: Range<usize>,
    pub decision: Decision,
    pub decision_span: Range<usize>,
    pub date: jiff::civil::Date,
    pub date_span: Range<usize>,
    pub digest: String,
    pub digest_span: Range<usize>,
    pub policy: Option<(String, Range<usize>)>,
    pub conditions: Vec<String>,
    /// Why the decision was taken (`policy sign --reason`); `policy sign`
    /// requires one for a `no-go`. Not part of any digest.
    pub reason: Option<String>,
    /// `deletes = true`: the sign-off approves deleting its subject (a
    /// policy), bound to the digest of the content deleted.
    pub deletes: bool,
}

pub(crate) const SIGNOFF_FIELDS: &[&str] = &[
    "deletes",
    "subject",
    "role",
    "signer",
    "decision",
    "date",
    "digest",
    "policy",
    "conditions",
    "reason",
    "notes",
];

pub fn parse_signoff(file: &Arc<SourceFile>) -> (Option<Signoff>, Vec<Diagnostic>) {
    let table = match parse_toml(file) {
        Ok(t) => t,
        Err(d) => return (None, vec![d]),
    };
    let mut fields = Fields::new(file, &table, document_anchor(file), "sign-off");
    fields.deny_unknown(SIGNOFF_FIELDS);
    let subject = fields.string("subject", true);
    let role = fields.string("role", true);
    let signer = fields.string("signer", true);
    let decision_span = table.get("decision").map_or(0..0, |n| n.span.clone());
    let decision =
        fields
            .string("decision", true)
            .and_then(|(text, node)| match Decision::parse(text) {
                Some(d) => Some(d),
                None => {
                    fields.invalid(
                        node,
                        format!("unknown decision `{text}`"),
                        "expected go, no-go or conditional",
                    );
                    None
                }
            });
    let date = fields.date("date", true);
    let digest = fields.string("digest", true);
    let policy = fields
        .string("policy", false)
        .map(|(s, n)| (s.to_string(), n.span.clone()));
    let _ = fields.string("notes", false);
    let reason = fields
        .string("reason", false)
        .map(|(text, _)| text.to_string());
    let conditions = fields.strings("conditions", false);
    if decision == Some(Decision::Conditional)
        && conditions.as_ref().is_none_or(|(c, _)| c.is_empty())
    {
        let span = conditions
            .as_ref()
            .map(|(_, node)| node.span.clone())
            .or_else(|| table.get("decision").map(|n| n.span.clone()))
            .unwrap_or_default();
        fields.push(
            Diagnostic::new(
                codes::CONDITIONAL_WITHOUT_CONDITIONS,
                Severity::Error,
                "conditional sign-off lists no conditions",
            )
            .at(file, span, "a conditional decision needs its conditions")
            .help("add `conditions = [\"…\"]` naming what must happen before or after launch"),
        );
    }
    let conditions: Vec<String> = conditions
        .map(|(c, _)| c.into_iter().map(|(s, _)| s.to_string()).collect())
        .unwrap_or_default();
    let deletes = fields.boolean("deletes").is_some_and(|(b, _)| b);
    let span = |n: &Node| n.span.clone();
    let signoff = match (subject, role, signer, decision, date, digest) {
        (Some(subject), Some(role), Some(signer), Some(decision), Some(date), Some(digest)) => {
            Some(Signoff {
                file: Arc::clone(file),
                subject: subject.0.to_string(),
                subject_span: span(subject.1),
                role: role.0.to_string(),
                role_span: span(role.1),
                signer: signer.0.to_string(),
                signer_span: span(signer.1),
                decision,
                decision_span,
                date: date.0,
                date_span: span(date.1),
                digest: digest.0.to_string(),
                digest_span: span(digest.1),
                policy,
                conditions,
                reason,
                deletes,
            })
        }
        _ => None,
    };
    (signoff, fields.finish())
}

#[derive(Clone, Debug)]
pub struct Waiver {
    pub file: Arc<SourceFile>,
    pub name: String,
    pub rule: String,
    pub rule_span: Range<usize>,
    pub feature: String,
    pub feature_span: Range<usize>,
    pub reason: String,
    pub approved_by: String,
    pub approved_by_span: Range<usize>,
    pub expires: jiff::civil::Date,
    pub expires_span: Range<usize>,
}

pub(crate) const WAIVER_FIELDS: &[&str] = &[
    "rule",
    "feature",
    "reason",
    "approved_by",
    "expires",
    "tracking",
];

pub fn parse_waiver(file: &Arc<SourceFile>) -> (Option<Waiver>, Vec<Diagnostic>) {
    let table = match parse_toml(file) {
        Ok(t) => t,
        Err(d) => return (None, vec![d]),
    };
    let mut fields = Fields::new(file, &table, document_anchor(file), "waiver");
    fields.deny_unknown(WAIVER_FIELDS);
    let rule = fields.string("rule", true);
    let feature = fields.string("feature", true);
    let reason = fields.string("reason", true);
    let approved_by = fields.string("approved_by", true);
    let expires = fields.date("expires", true);
    let _ = fields.string("tracking", false);
    if let Some((reason, node)) = reason
        && reason.trim().is_empty()
    {
        fields.invalid(
            node,
            "waiver `reason` is empty".into(),
            "say why the exception is acceptable",
        );
    }
    let name = file
        .path
        .rsplit('/')
        .next()
        .unwrap_or(&file.path)
        .trim_end_matches(".toml")
        .to_string();
    let waiver = match (rule, feature, reason, approved_by, expires) {
        (Some(rule), Some(feature), Some(reason), Some(approved_by), Some(expires)) => {
            Some(Waiver {
                file: Arc::clone(file),
                name,
                rule: rule.0.to_string(),
                rule_span: rule.1.span.clone(),
                feature: feature.0.to_string(),
                feature_span: feature.1.span.clone(),
                reason: reason.0.to_string(),
                approved_by: approved_by.0.to_string(),
                approved_by_span: approved_by.1.span.clone(),
                expires: expires.0,
                expires_span: expires.1.span.clone(),
            })
        }
        _ => None,
    };
    (waiver, fields.finish())
}
