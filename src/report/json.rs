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
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
    features_checked: usize,
    features_with_findings: usize,
    features_total: Option<usize>,
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

fn summary(outcome: &Outcome) -> Summary {
    Summary {
        errors: outcome.count(Severity::Error),
        warnings: outcome.count(Severity::Warning),
        notes: outcome.count(Severity::Note),
        features_checked: outcome.features_checked,
        features_with_findings: outcome.features_with_findings(),
        features_total: outcome.features_total,
        policy_source: outcome.policy_source,
    }
}

/// The whole document as a string (see [`write`]).
pub fn render(outcome: &Outcome) -> String {
    let mut out = Vec::new();
    write(outcome, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes the document to `out`: byte for byte what `serde_json`'s pretty
/// printer gives for the whole document, with the diagnostics (the bulk of a
/// large report) rendered in parallel and streamed rather than built into
/// one string first.
///
/// # Errors
/// Those of `out`.
pub fn write(outcome: &Outcome, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use rayon::prelude::*;
    #[derive(Serialize)]
    struct Head {
        version: u32,
        summary: Summary,
    }
    let head = Head {
        version: FORMAT_VERSION,
        summary: summary(outcome),
    };
    let head = serde_json::to_string_pretty(&head).map_err(std::io::Error::other)?;
    // `{ ... }` without its closing line: the diagnostics follow as the
    // last member.
    let open = head.strip_suffix("\n}").unwrap_or(&head);
    out.write_all(open.as_bytes())?;
    if outcome.diagnostics.is_empty() {
        return out.write_all(b",\n  \"diagnostics\": []\n}\n");
    }
    out.write_all(b",\n  \"diagnostics\": [\n")?;
    // Rendered a batch at a time, in parallel, into buffers that are
    // reused: the report is never held whole in memory.
    const CHUNK: usize = 256;
    let threads = rayon::current_num_threads().max(1);
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); threads * 2];
    let mut first = true;
    for batch in outcome.diagnostics.chunks(CHUNK * buffers.len()) {
        let chunks: Vec<&[Diagnostic]> = batch.chunks(CHUNK).collect();
        buffers
            .par_iter_mut()
            .zip(chunks.par_iter())
            .for_each(|(buf, chunk)| {
                buf.clear();
                let mut one = Vec::with_capacity(1024);
                for (i, d) in chunk.iter().enumerate() {
                    if i > 0 {
                        buf.extend_from_slice(b",\n");
                    }
                    one.clear();
                    let _ = serde_json::to_writer_pretty(&mut one, &diagnostic(d));
                    // Nested two levels deep: every line gains four spaces.
                    // JSON strings never hold a raw newline, so lines are
                    // exactly the pretty printer's lines.
                    buf.extend_from_slice(b"    ");
                    let mut rest = one.as_slice();
                    while let Some(newline) = memchr::memchr(b'\n', rest) {
                        buf.extend_from_slice(&rest[..=newline]);
                        buf.extend_from_slice(b"    ");
                        rest = &rest[newline + 1..];
                    }
                    buf.extend_from_slice(rest);
                }
            });
        for buf in &buffers[..chunks.len()] {
            if !first {
                out.write_all(b",\n")?;
            }
            first = false;
            out.write_all(buf)?;
        }
    }
    out.write_all(b"\n  ]\n}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed document is what the pretty printer gives for the
    /// whole document at once.
    #[test]
    fn streamed_document_equals_whole_document() {
        use crate::diagnostic::SourceFile;
        let file = SourceFile::new("features/a/feature.toml", "id = \"a\"\nstage = \"x\"\n");
        let empty = || Outcome {
            diagnostics: Vec::new(),
            features_checked: 3,
            features_total: Some(7),
            policy_source: crate::model::workspace::PolicySource::Repository,
            authorship_unverified: false,
        };
        let mut outcome = empty();
        for n in 0..2600 {
            let mut d = Diagnostic::new(
                format!("PL{n:03}"),
                Severity::Warning,
                "a \"quoted\"\nmessage",
            );
            d.primary = Some(Label::new(&file, 0..(n % 20), "label"));
            d.related.push(Label::new(&file, 3..5, ""));
            d.help = (n % 2 == 0).then(|| "help".to_string());
            outcome.diagnostics.push(d);
        }
        for outcome in [empty(), outcome] {
            #[derive(Serialize)]
            struct Whole<'a> {
                version: u32,
                summary: Summary,
                diagnostics: Vec<JsonDiagnostic<'a>>,
            }
            let whole = Whole {
                version: FORMAT_VERSION,
                summary: summary(&outcome),
                diagnostics: outcome.diagnostics.iter().map(diagnostic).collect(),
            };
            let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
            assert_eq!(render(&outcome), expected);
        }
    }
}
