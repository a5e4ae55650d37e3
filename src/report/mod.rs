//! Output formats. Each renders an [`Outcome`](crate::engine::Outcome) (or an
//! [`Audit`](crate::audit::Audit), `audit.rs`) into a
//! string; the binary decides where it goes.

pub mod audit;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use crate::diagnostic::Severity;
use crate::engine::Outcome;
use crate::model::workspace::PolicySource;

/// `2 errors, 1 warning in 3 of 41 features`, plus where the policies came
/// from when they are the built-in pack.
pub fn summary_line(outcome: &Outcome) -> String {
    let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = vec![
        count(outcome.count(Severity::Error), "error"),
        count(outcome.count(Severity::Warning), "warning"),
    ];
    let notes = outcome.count(Severity::Note);
    if notes > 0 {
        parts.push(count(notes, "note"));
    }
    let mut line = format!(
        "{} in {} of {} feature{}",
        parts.join(", "),
        outcome.features_with_findings(),
        outcome.features_checked,
        if outcome.features_checked == 1 {
            ""
        } else {
            "s"
        }
    );
    if outcome.features_checked != outcome.features_total {
        line.push_str(&format!(" ({} in the repository)", outcome.features_total));
    }
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

fn is_unsafe_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Text quoted into Markdown (the GitHub job summary): HTML and Markdown
/// syntax shown literally, so a value cannot add an image, a link or
/// formatting, nor break out of the table.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in escape_controls(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
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
    fn code_spans_survive_backticks() {
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("a `b` c"), "``a `b` c``");
        assert_eq!(code_span("`b`"), "`` `b` ``");
    }
}
