//! Output formats. Each renders an [`Outcome`](crate::engine::Outcome) (or an
//! [`Audit`](crate::audit::Audit), `audit.rs`) into a
//! string; the binary decides where it goes.

pub mod audit;
pub mod github;
pub mod group;
pub mod human;
pub mod json;
pub mod sarif;

use crate::diagnostic::Severity;
use crate::engine::Outcome;
use crate::model::workspace::PolicySource;

/// What was found and what was checked, in words a newcomer reads right:
/// `1 error in 1 feature (checked 3 of 41 features)`,
/// `no errors or warnings (checked all 6 features)`,
/// `2 errors, 1 warning, 1 of them in 1 feature, 1 note (checked 1 feature)`,
/// plus where the policies came from when they are the built-in pack.
/// Counts that are zero are left out; notes (waived or pre-existing
/// findings) are counted apart, after the features with findings.
pub fn summary_line(outcome: &Outcome) -> String {
    let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let errors = outcome.count(Severity::Error);
    let warnings = outcome.count(Severity::Warning);
    let findings = errors + warnings;
    let mut line = match (errors, warnings) {
        (0, 0) => "no errors or warnings".to_string(),
        (e, 0) => count(e, "error"),
        (0, w) => count(w, "warning"),
        (e, w) => format!("{}, {}", count(e, "error"), count(w, "warning")),
    };
    let in_features = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity > Severity::Note && d.feature.is_some())
        .count();
    let features = count(outcome.features_with_findings(), "feature");
    if in_features > 0 && in_features == findings {
        line.push_str(&format!(" in {features}"));
    } else if in_features > 0 {
        line.push_str(&format!(", {in_features} of them in {features}"));
    }
    let notes = outcome.count(Severity::Note);
    if notes > 0 {
        line.push_str(&format!(", {}", count(notes, "note")));
    }
    let (checked, total) = (outcome.features_checked, outcome.features_total);
    let scope = match total {
        Some(0) => "no feature manifests found".to_string(),
        Some(1) if checked == 1 => "checked 1 feature".to_string(),
        Some(total) if checked == total => format!("checked all {total} features"),
        Some(total) => format!("checked {checked} of {}", count(total, "feature")),
        // Staged and range modes list only what the change touches.
        None if checked == 0 => "the change touches no feature".to_string(),
        None => format!(
            "checked the {} the change touches",
            count(checked, "feature")
        ),
    };
    line.push_str(&format!(" ({scope})"));
    if outcome.policy_source == PolicySource::BuiltIn {
        line.push_str("; no policies in this repository, checked against the built-in policy pack");
    }
    if outcome.authorship_unverified {
        line.push_str(
            "; sign-off authors are commit emails, unverified (`[signoff] require_signed` checks signatures)",
        );
    }
    line
}

/// `text` with every control character but newline and tab shown escaped
/// (`\u{1b}`), so values from files and paths (ESC, BEL, CR, C1 codes)
/// never reach a terminal or a log viewer as commands.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Like [`escape_controls`], keeping every byte offset: each unsafe
/// control character becomes as many `?` as it has bytes (for source text
/// whose spans must stay valid). A CR that ends a CRLF line is kept.
pub fn neutralize_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_at =
        |i: usize, c: char| is_unsafe_control(c) && !(c == '\r' && text[i + 1..].starts_with('\n'));
    if !text.char_indices().any(|(i, c)| unsafe_at(i, c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if unsafe_at(i, c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Control characters other than newline and tab, and the Unicode
/// bidirectional formatting characters (which can make displayed text read
/// differently from what it is, CVE-2021-42574).
fn is_unsafe_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text quoted into Markdown (the GitHub job summary): HTML and Markdown
/// syntax shown literally, so a value cannot add an image, a link or
/// formatting, nor break out of the table.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous: Option<char> = None;
    for c in escape_controls(text).chars() {
        let after_word = previous.is_some_and(|p| p.is_alphanumeric() || p == '_');
        previous = Some(c);
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // `@name` is shown as written but never notifies anyone; an
            // email address (no mention) stays as it is.
            '@' if !after_word => out.push_str("&#64;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '#' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in `text`: a Markdown fence or code span
/// around it needs one more.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A Markdown code span that survives backticks in its content.
pub(crate) fn code_span(content: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(content) + 1);
    let pad = if content.starts_with('`') || content.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{content}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_and_mentions_are_neutralized() {
        assert_eq!(escape_controls("a\u{202E}b"), "a\\u{202e}b");
        assert_eq!(markdown_text("ping @team"), "ping &#64;team");
        assert_eq!(markdown_text("pm@example.com"), "pm@example.com");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("a `b` c"), "``a `b` c``");
        assert_eq!(code_span("`b`"), "`` `b` ``");
    }

    /// A finding's severity and feature.
    type Finding<'a> = (Severity, Option<&'a str>);

    fn outcome(findings: &[Finding<'_>], checked: usize, total: Option<usize>) -> Outcome {
        let diagnostics = findings
            .iter()
            .map(|(severity, feature)| {
                let d = crate::diagnostic::Diagnostic::new("X001", *severity, "m");
                match feature {
                    Some(id) => d.feature(*id),
                    None => d,
                }
            })
            .collect();
        Outcome {
            diagnostics,
            features_checked: checked,
            features_total: total,
            policy_source: PolicySource::Repository,
            authorship_unverified: false,
        }
    }

    #[test]
    fn the_summary_says_what_was_found_and_what_was_checked() {
        use Severity::{Error, Note, Warning};
        let cases: &[(&[Finding<'_>], usize, Option<usize>, &str)] = &[
            (&[], 1, Some(1), "no errors or warnings (checked 1 feature)"),
            (
                &[],
                0,
                Some(41),
                "no errors or warnings (checked 0 of 41 features)",
            ),
            (
                &[(Error, Some("a"))],
                3,
                Some(41),
                "1 error in 1 feature (checked 3 of 41 features)",
            ),
            (
                &[(Error, Some("a")), (Warning, Some("b")), (Note, Some("c"))],
                6,
                Some(6),
                "1 error, 1 warning in 2 features, 1 note (checked all 6 features)",
            ),
            (
                &[(Error, Some("a")), (Error, None)],
                2,
                Some(2),
                "2 errors, 1 of them in 1 feature (checked all 2 features)",
            ),
            (
                &[(Error, None)],
                0,
                Some(0),
                "1 error (no feature manifests found)",
            ),
            (
                &[(Error, Some("a"))],
                3,
                None,
                "1 error in 1 feature (checked the 3 features the change touches)",
            ),
            (
                &[],
                0,
                None,
                "no errors or warnings (the change touches no feature)",
            ),
        ];
        for (findings, checked, total, expected) in cases {
            assert_eq!(
                summary_line(&outcome(findings, *checked, *total)),
                *expected
            );
        }
    }
}
