//! GitHub Actions workflow commands: one `::error` / `::warning` /
//! `::notice` line per diagnostic, which the runner turns into annotations
//! on the pull request, and a Markdown summary for `$GITHUB_STEP_SUMMARY`.
//!
//! The runner splits a line at the first `::` after the command, splits the
//! properties at `,` and each at its first `=`, then unescapes: data with
//! `%0D`, `%0A`, `%25`; properties also with `%3A` and `%2C`. So `%` is
//! always escaped first, and `:` and `,` only in properties (a `::` in a
//! file name would end the properties early; a `,` would start a new one).
//! Lines and columns are 1-based and columns count Unicode code points;
//! `endColumn` is the column just past the span. A span over several lines
//! carries no columns, as GitHub only honours columns within one line.

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Outcome;

/// One workflow command per diagnostic.
pub fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    for diagnostic in &outcome.diagnostics {
        out.push_str(&command(diagnostic));
        out.push('\n');
    }
    out
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

fn command(diagnostic: &Diagnostic) -> String {
    let mut properties: Vec<(&str, String)> = Vec::new();
    if let Some(label) = &diagnostic.primary {
        let file = &label.file;
        let start = file.lines().position_chars(&file.text, label.span.start);
        let end = file.lines().position_chars(&file.text, label.span.end);
        properties.push(("file", super::escape_controls(&file.path).into_owned()));
        properties.push(("line", start.line.to_string()));
        if start.line == end.line {
            properties.push(("col", start.column.to_string()));
        }
        properties.push(("endLine", end.line.to_string()));
        if start.line == end.line {
            properties.push(("endColumn", end.column.to_string()));
        }
    }
    properties.push(("title", diagnostic.code.clone()));
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    format!(
        "::{} {}::{}",
        command_name(diagnostic.severity),
        properties.join(","),
        escape_data(&super::escape_controls(&message(diagnostic)))
    )
}

/// The message, its primary label and its help, one per line.
fn message(diagnostic: &Diagnostic) -> String {
    let mut message = diagnostic.message.clone();
    if let Some(label) = diagnostic.primary.as_ref().and_then(|l| l.message.as_ref()) {
        message.push_str(&format!("\n{label}"));
    }
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    message
}

/// Escapes the data after `::`.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A Markdown report for the job summary: a table of findings and the
/// summary line.
pub fn summary_markdown(outcome: &Outcome) -> String {
    let mut out = String::from("## policy lint\n\n");
    if outcome.diagnostics.is_empty() {
        out.push_str("No findings.\n\n");
    } else {
        out.push_str("| Severity | Code | Location | Message |\n");
        out.push_str("| --- | --- | --- | --- |\n");
        for diagnostic in &outcome.diagnostics {
            let location = match &diagnostic.primary {
                Some(label) => {
                    let position = label
                        .file
                        .lines()
                        .position_chars(&label.file.text, label.span.start);
                    super::code_span(&format!(
                        "{}:{}:{}",
                        super::escape_controls(&label.file.path),
                        position.line,
                        position.column
                    ))
                }
                None => String::new(),
            };
            let mut message = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                diagnostic.severity.as_str(),
                super::markdown_text(&diagnostic.code),
                table_cell(&location),
                table_cell(&super::markdown_text(&message))
            ));
        }
        out.push('\n');
    }
    out.push_str(&format!("**{}**\n\n", super::summary_line(outcome)));
    out
}

/// A table cell on one line: pipes escaped, line breaks as `<br>`.
fn table_cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_escaped_before_what_it_introduces() {
        assert_eq!(escape_data("100%\r\n"), "100%25%0D%0A");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn table_cells_stay_on_one_line() {
        assert_eq!(table_cell("a|b\nc\r\nd"), "a\\|b<br>c<br>d");
    }
}
