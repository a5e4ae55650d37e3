//! Output formats. Each renders an [`Outcome`](crate::engine::Outcome) into a
//! string; the binary decides where it goes.

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

/// The longest run of backticks in `text`: a Markdown fence or code span
/// around it needs one more.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A Markdown code span that survives backticks in its content.
fn code_span(content: &str) -> String {
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
