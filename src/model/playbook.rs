//! Playbooks: `+++` TOML front matter followed by a Markdown body whose
//! headings are the playbook's sections.

use std::ops::Range;
use std::sync::Arc;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::policy::SpannedText;
use crate::model::read::{Fields, bom_len, document_anchor, syntax_diagnostic};
use crate::model::tree::{self, Table};
use crate::rules::codes;

#[derive(Clone, Debug)]
pub struct Playbook {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub file: Arc<SourceFile>,
    pub front_matter: Table,
    pub applies_when: Option<(String, Range<usize>)>,
    pub required_sections: Vec<(String, Range<usize>)>,
    pub headings: Vec<Heading>,
    /// `owners`: roles whose go sign-off a change to the playbook needs.
    pub owners: Vec<SpannedText>,
    /// Where the Markdown body starts (after the closing `+++`).
    pub body_start: usize,
}

impl Playbook {
    /// The canonical digest of the playbook: its front matter (as for any
    /// TOML subject) and its body with line endings normalised.
    pub fn digest(&self) -> String {
        crate::model::digest::digest_document(
            &self.front_matter,
            &self.file.text[self.body_start.min(self.file.text.len())..],
        )
    }
}

#[derive(Clone, Debug)]
pub struct Heading {
    pub level: HeadingLevel,
    pub text: String,
    pub span: Range<usize>,
}

pub(crate) const FRONT_MATTER_FIELDS: &[&str] = &[
    "id",
    "version",
    "title",
    "applies_when",
    "required_sections",
    "owners",
];

/// Finds the `+++` block at the top of the file: returns the byte range of
/// its TOML content and the offset where the body starts.
fn front_matter(text: &str) -> Option<(Range<usize>, usize)> {
    let start = bom_len(text);
    let rest = &text[start..];
    let first_line_end = rest.find('\n')?;
    if rest[..first_line_end].trim_end_matches('\r') != "+++" {
        return None;
    }
    let content_start = start + first_line_end + 1;
    let mut offset = content_start;
    for line in text[content_start..].split_inclusive('\n') {
        if line.trim_end_matches(['\r', '\n']) == "+++" {
            return Some((content_start..offset, offset + line.len()));
        }
        offset += line.len();
    }
    None
}

pub fn parse(file: &Arc<SourceFile>) -> (Option<Playbook>, Vec<Diagnostic>) {
    let Some((matter, body_start)) = front_matter(&file.text) else {
        let diagnostic = Diagnostic::new(
            codes::SCHEMA,
            Severity::Error,
            "playbook has no `+++` front matter",
        )
        .at(file, document_anchor(file), "expected `+++` on the first line")
        .help("start the playbook with a TOML block between `+++` lines: id, version, title, required_sections");
        return (None, vec![diagnostic]);
    };
    let table = match tree::parse_document(&file.text[matter.clone()], matter.start) {
        Ok(table) => table,
        Err(error) => return (None, vec![syntax_diagnostic(file, error)]),
    };
    let anchor = matter.start.saturating_sub(4)..matter.start.saturating_sub(1);
    let mut fields = Fields::new(file, &table, anchor, "playbook front matter");
    fields.deny_unknown(FRONT_MATTER_FIELDS);
    let id = fields.id("id", "playbook");
    let version = fields.integer("version", true).map(|(v, _)| v);
    let title = fields
        .string("title", false)
        .map(|(s, _)| s.to_string())
        .unwrap_or_default();
    let applies_when = fields
        .string("applies_when", false)
        .map(|(s, node)| (s.to_string(), node.span.clone()));
    let required_sections: Vec<(String, Range<usize>)> = fields
        .strings("required_sections", false)
        .map(|(items, _)| {
            items
                .into_iter()
                .map(|(s, n)| (s.to_string(), n.span.clone()))
                .collect()
        })
        .unwrap_or_default();
    let owners: Vec<SpannedText> = match fields.strings("owners", false) {
        Some((items, node)) if items.is_empty() => {
            fields.invalid(
                node,
                "`owners = []`: nobody would have to approve a change to this playbook".to_string(),
                "name at least one role, or leave `owners` out",
            );
            Vec::new()
        }
        Some((items, _)) => items
            .into_iter()
            .map(|(s, n)| SpannedText {
                text: s.to_string(),
                span: n.span.clone(),
            })
            .collect(),
        None => Vec::new(),
    };
    let headings = headings(&file.text, body_start);

    for (section, span) in &required_sections {
        if !headings
            .iter()
            .any(|h| h.text.trim().eq_ignore_ascii_case(section.trim()))
        {
            let present: Vec<&str> = headings.iter().map(|h| h.text.as_str()).collect();
            fields.push(
                Diagnostic::new(
                    codes::PLAYBOOK_MISSING_SECTION,
                    Severity::Error,
                    format!("playbook is missing required section `{section}`"),
                )
                .at(
                    file,
                    span.clone(),
                    "required here, but no heading has this text",
                )
                .help(if present.is_empty() {
                    format!("add a heading `## {section}`; the body has no headings")
                } else {
                    format!(
                        "add a heading `## {section}`; headings present: {}",
                        present.join(", ")
                    )
                }),
            );
        }
    }
    let diagnostics = fields.finish();
    let playbook = match (id, version) {
        (Some(id), Some(version)) => Some(Playbook {
            id,
            version,
            title,
            file: Arc::clone(file),
            front_matter: table,
            applies_when,
            required_sections,
            headings,
            owners,
            body_start,
        }),
        _ => None,
    };
    (playbook, diagnostics)
}

fn headings(text: &str, body_start: usize) -> Vec<Heading> {
    let body = &text[body_start..];
    let mut out = Vec::new();
    let mut current: Option<(HeadingLevel, String, Range<usize>)> = None;
    for (event, range) in Parser::new_ext(body, Options::ENABLE_TASKLISTS).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some((level, String::new(), range))
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text, _)) = &mut current {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, range)) = current.take() {
                    out.push(Heading {
                        level,
                        text,
                        span: range.start + body_start..range.end + body_start,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_and_headings_with_crlf() {
        let text = "+++\r\nid = \"x\"\r\nversion = 1\r\nrequired_sections = [\"Scope\", \"Exit\"]\r\n+++\r\n# X\r\n## Scope\r\n";
        let file = SourceFile::new("playbooks/x.md", text);
        let (playbook, diagnostics) = parse(&file);
        let playbook = playbook.unwrap();
        assert_eq!(playbook.headings.len(), 2);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, codes::PLAYBOOK_MISSING_SECTION);
        let span = diagnostics[0].primary.as_ref().unwrap().span.clone();
        assert_eq!(&text[span], "\"Exit\"");
    }
}
