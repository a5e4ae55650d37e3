//! Safety debt (`debt/<name>.toml`, DESIGN §2.10): a known safety gap of a
//! feature with an owner and a due date, open until it has `resolved`.

use std::ops::Range;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::model::read::{Fields, document_anchor, parse_toml};

/// How bad a gap is: the closed set `low | medium | high | critical`, the
/// same words as a feature's `risk_tier`. Ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DebtSeverity {
    Low,
    Medium,
    High,
    Critical,
}

impl DebtSeverity {
    pub const NAMES: &'static [&'static str] = &["low", "medium", "high", "critical"];

    pub fn parse(text: &str) -> Option<DebtSeverity> {
        match text {
            "low" => Some(DebtSeverity::Low),
            "medium" => Some(DebtSeverity::Medium),
            "high" => Some(DebtSeverity::High),
            "critical" => Some(DebtSeverity::Critical),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DebtSeverity::Low => "low",
            DebtSeverity::Medium => "medium",
            DebtSeverity::High => "high",
            DebtSeverity::Critical => "critical",
        }
    }
}

/// One debt file, with the span of each field findings point at.
#[derive(Clone, Debug)]
pub struct Debt {
    pub file: Arc<SourceFile>,
    /// The file name without `.toml` (`x-toxicity` for `debt/x-toxicity.toml`).
    pub name: String,
    pub feature: String,
    pub feature_span: Range<usize>,
    pub title: String,
    /// An email address.
    pub owner: String,
    pub due: jiff::civil::Date,
    pub due_span: Range<usize>,
    pub severity: DebtSeverity,
    pub severity_span: Range<usize>,
    /// The day it was paid off; `None` while open.
    pub resolved: Option<(jiff::civil::Date, Range<usize>)>,
}

impl Debt {
    /// Days past `due` on `today` (1 the day after `due`) while the debt is
    /// open; `None` when it is resolved or not yet overdue.
    pub fn overdue_days(&self, today: jiff::civil::Date) -> Option<i64> {
        if self.resolved.is_some() {
            return None;
        }
        let days = i64::from(self.due.until(today).ok()?.get_days());
        (days > 0).then_some(days)
    }
}

pub(crate) const DEBT_FIELDS: &[&str] = &[
    "feature", "title", "owner", "due", "severity", "resolved", "tracking", "notes",
];

/// Whether `text` looks like an email address: one `@` with a non-empty
/// local part and a dotted domain, no whitespace or angle brackets.
pub fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

/// Parses a debt file. Every schema problem is returned; the debt only
/// when all its required fields are valid.
pub fn parse_debt(file: &Arc<SourceFile>) -> (Option<Debt>, Vec<Diagnostic>) {
    let table = match parse_toml(file) {
        Ok(t) => t,
        Err(d) => return (None, vec![d]),
    };
    let mut fields = Fields::new(file, &table, document_anchor(file), "debt file");
    fields.deny_unknown(DEBT_FIELDS);
    let feature = fields.string("feature", true);
    let title = fields.string("title", true);
    let owner = fields.string("owner", true);
    let due = fields.date("due", true);
    let severity =
        fields
            .string("severity", true)
            .and_then(|(text, node)| match DebtSeverity::parse(text) {
                Some(severity) => Some((severity, node.span.clone())),
                None => {
                    let help = crate::model::feature::did_you_mean(
                        text,
                        DebtSeverity::NAMES.iter().copied(),
                    );
                    fields.push(
                        Diagnostic::new(
                            crate::rules::codes::SCHEMA,
                            crate::diagnostic::Severity::Error,
                            format!("unknown debt severity `{}`", text.escape_debug()),
                        )
                        .at(file, node.span.clone(), "not a severity")
                        .help(help),
                    );
                    None
                }
            });
    let resolved = fields
        .date("resolved", false)
        .map(|(date, node)| (date, node.span.clone()));
    let _ = fields.string("tracking", false);
    let _ = fields.string("notes", false);
    if let Some((text, node)) = title
        && text.trim().is_empty()
    {
        fields.invalid(node, "debt `title` is empty".into(), "say what the gap is");
    }
    let owner = owner.and_then(|(text, node)| {
        if looks_like_email(text) {
            Some(text)
        } else {
            fields.invalid(
                node,
                format!(
                    "debt `owner` `{}` is not an email address",
                    text.escape_debug()
                ),
                "expected an email like ana@example.com",
            );
            None
        }
    });
    let name = file
        .path
        .rsplit('/')
        .next()
        .unwrap_or(&file.path)
        .trim_end_matches(".toml")
        .to_string();
    let debt = match (feature, title, owner, due, severity) {
        (Some(feature), Some(title), Some(owner), Some(due), Some(severity))
            if !title.0.trim().is_empty() =>
        {
            Some(Debt {
                file: Arc::clone(file),
                name,
                feature: feature.0.to_string(),
                feature_span: feature.1.span.clone(),
                title: title.0.to_string(),
                owner: owner.to_string(),
                due: due.0,
                due_span: due.1.span.clone(),
                severity: severity.0,
                severity_span: severity.1,
                resolved,
            })
        }
        _ => None,
    };
    (debt, fields.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(looks_like_email("ana@example.com"));
        for bad in [
            "ana",
            "@example.com",
            "ana@example",
            "ana@.com",
            "ana@@example.com",
            "ana @example.com",
            "Ana <ana@example.com>",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn overdue_days_count_from_the_day_after_due() {
        let file = SourceFile::new(
            "debt/x.toml".to_string(),
            "feature = \"x\"\ntitle = \"t\"\nowner = \"a@example.com\"\ndue = 2026-11-01\nseverity = \"critical\"\n",
        );
        let (debt, diagnostics) = parse_debt(&file);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let debt = debt.unwrap();
        let day = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
        assert_eq!(debt.overdue_days(day("2026-11-01")), None);
        assert_eq!(debt.overdue_days(day("2026-11-02")), Some(1));
        assert_eq!(debt.overdue_days(day("2026-12-01")), Some(30));
    }
}
