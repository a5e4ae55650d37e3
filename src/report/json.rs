//! The JSON format: one document, documented in `docs/json-format.md`.
//! Lines and columns are 1-based; columns count Unicode code points; byte
//! offsets are 0-based and end-exclusive.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::engine::Outcome;
use crate::model::Position;
use crate::model::workspace::PolicySource;

pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    summary: Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
    features_checked: usize,
    features_with_findings: usize,
    features_total: usize,
    policy_source: PolicySource,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    feature: Option<&'a str>,
    #[serde(flatten)]
    location: Option<Location<'a>>,
    help: Option<&'a str>,
    waived_by: Option<&'a str>,
    related: Vec<Location<'a>>,
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    start: Position,
    end: Position,
    byte_start: usize,
    byte_end: usize,
    label: Option<&'a str>,
}

fn location(label: &Label) -> Location<'_> {
    let text = &label.file.text;
    Location {
        file: &label.file.path,
        start: label.file.lines().position_chars(text, label.span.start),
        end: label.file.lines().position_chars(text, label.span.end),
        byte_start: label.span.start,
        byte_end: label.span.end,
        label: label.message.as_deref(),
    }
}

fn diagnostic(d: &Diagnostic) -> JsonDiagnostic<'_> {
    JsonDiagnostic {
        code: &d.code,
        severity: d.severity,
        message: &d.message,
        feature: d.feature.as_deref(),
        location: d.primary.as_ref().map(location),
        help: d.help.as_deref(),
        waived_by: d.waived_by.as_deref(),
        related: d.related.iter().map(location).collect(),
    }
}

pub fn render(outcome: &Outcome) -> String {
    let document = Document {
        version: FORMAT_VERSION,
        summary: Summary {
            errors: outcome.count(Severity::Error),
            warnings: outcome.count(Severity::Warning),
            notes: outcome.count(Severity::Note),
            features_checked: outcome.features_checked,
            features_with_findings: outcome.features_with_findings(),
            features_total: outcome.features_total,
            policy_source: outcome.policy_source,
        },
        diagnostics: outcome.diagnostics.iter().map(diagnostic).collect(),
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
