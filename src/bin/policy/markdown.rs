//! Markdown for the terminal: what `policy explain` prints. Headings, lists,
//! code blocks and inline code are laid out for reading in a terminal;
//! paragraphs are wrapped to the width. With colour, headings are bold and
//! code is coloured; without it (piped, `NO_COLOR`, `--color never`) the
//! output is plain text, and inline code keeps its backticks so it still
//! stands out.

use anstyle::{AnsiColor, Style};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

const HEADING: Style = Style::new().bold();
const TITLE: Style = Style::new().bold().underline();
const CODE: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));
const STRONG: Style = Style::new().bold();
const EMPHASIS: Style = Style::new().italic();

/// How body text under a second-level heading is indented.
const SECTION_INDENT: usize = 4;

/// Renders `markdown` for a terminal `width` columns wide, with ANSI styles
/// when `color` is set. The result ends in exactly one newline.
pub fn render(markdown: &str, width: usize, color: bool) -> String {
    let mut out = Renderer {
        out: String::new(),
        width: width.max(40),
        color,
        section_indent: 0,
        lists: Vec::new(),
        inline: Vec::new(),
        styles: Vec::new(),
        heading: None,
        code_block: None,
        item_prefix: None,
        link: None,
        after_heading: false,
    };
    let parser = Parser::new_ext(markdown, Options::ENABLE_TASKLISTS);
    for event in parser {
        out.event(event);
    }
    out.flush_paragraph();
    let mut text = out.out.trim_end().to_string();
    text.push('\n');
    text
}

/// One run of inline text with one style.
struct Segment {
    text: String,
    style: Style,
    /// Inline code: never broken across lines.
    unbroken: bool,
}

struct List {
    next: Option<u64>,
}

struct Renderer {
    out: String,
    width: usize,
    color: bool,
    /// The indent of body text: 0 under the title, more under a section.
    section_indent: usize,
    lists: Vec<List>,
    inline: Vec<Segment>,
    styles: Vec<Style>,
    heading: Option<HeadingLevel>,
    /// The text of the code block being read.
    code_block: Option<String>,
    /// The marker of the list item whose first paragraph comes next.
    item_prefix: Option<String>,
    link: Option<String>,
    /// A heading was just written: the next block follows it directly.
    after_heading: bool,
}

impl Renderer {
    fn style(&self) -> Style {
        self.styles
            .iter()
            .fold(Style::new(), |acc, s| merge(acc, *s))
    }

    fn push_text(&mut self, text: &str, style: Style) {
        if let Some(code) = &mut self.code_block {
            code.push_str(text);
            return;
        }
        self.inline.push(Segment {
            text: text.to_string(),
            style,
            unbroken: false,
        });
    }

    fn push_code(&mut self, text: String, style: Style) {
        self.inline.push(Segment {
            text,
            style,
            unbroken: true,
        });
    }

    fn blank_line(&mut self) {
        if std::mem::take(&mut self.after_heading) {
            return;
        }
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            if !self.out.ends_with('\n') {
                self.out.push('\n');
            }
            self.out.push('\n');
        }
    }

    /// The indent of body text here: the section's, plus 3 per list level.
    fn indent(&self) -> usize {
        self.section_indent + 3 * self.lists.len()
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.flush_paragraph();
                self.heading = Some(level);
            }
            Event::End(TagEnd::Heading(level)) => {
                let text: String = self.inline.drain(..).map(|s| s.text).collect();
                self.heading = None;
                self.blank_line();
                if level == HeadingLevel::H1 {
                    self.section_indent = 0;
                    if self.color {
                        self.out.push_str(&paint(&text, TITLE));
                        self.out.push('\n');
                    } else {
                        self.out.push_str(&text);
                        self.out.push('\n');
                        self.out.push_str(&"=".repeat(text.chars().count()));
                        self.out.push('\n');
                    }
                } else {
                    let depth = match level {
                        HeadingLevel::H2 => 0,
                        _ => 2,
                    };
                    self.section_indent = depth;
                    self.out.push_str(&" ".repeat(depth));
                    if self.color {
                        self.out.push_str(&paint(&text, HEADING));
                    } else {
                        self.out.push_str(&text);
                    }
                    self.out.push('\n');
                    self.section_indent = depth + SECTION_INDENT;
                    self.after_heading = true;
                }
            }
            Event::Start(Tag::Paragraph) => self.flush_paragraph(),
            Event::End(TagEnd::Paragraph) => self.flush_paragraph(),
            Event::Start(Tag::CodeBlock(kind)) => {
                self.flush_paragraph();
                // Indented and fenced blocks alike; the language is not shown.
                let _ = kind;
                self.code_block = Some(String::new());
            }
            Event::End(TagEnd::CodeBlock) => {
                let code = self.code_block.take().unwrap_or_default();
                self.blank_line();
                let indent = " ".repeat(self.indent() + SECTION_INDENT);
                for line in code.trim_end_matches('\n').lines() {
                    self.out.push_str(&indent);
                    if self.color {
                        self.out.push_str(&paint(line, CODE));
                    } else {
                        self.out.push_str(line);
                    }
                    self.out.push('\n');
                }
            }
            Event::Start(Tag::List(start)) => {
                self.flush_paragraph();
                if self.lists.is_empty() {
                    self.blank_line();
                }
                self.lists.push(List { next: start });
            }
            Event::End(TagEnd::List(_)) => {
                self.flush_paragraph();
                self.lists.pop();
            }
            Event::Start(Tag::Item) => {
                self.flush_paragraph();
                let marker = match self.lists.last_mut().and_then(|l| l.next.as_mut()) {
                    Some(number) => {
                        let marker = format!("{number}.");
                        *number += 1;
                        marker
                    }
                    None => "-".to_string(),
                };
                self.item_prefix = Some(marker);
            }
            Event::End(TagEnd::Item) => self.flush_paragraph(),
            Event::TaskListMarker(done) => {
                let mark = if done { "[x] " } else { "[ ] " };
                self.push_text(mark, Style::new());
            }
            Event::Start(Tag::Emphasis) => self.styles.push(EMPHASIS),
            Event::Start(Tag::Strong) => self.styles.push(STRONG),
            Event::End(TagEnd::Emphasis | TagEnd::Strong) => {
                self.styles.pop();
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                self.link = Some(dest_url.to_string());
            }
            Event::End(TagEnd::Link) => {
                if let Some(url) = self.link.take() {
                    let shown: String = self.inline.iter().map(|s| s.text.as_str()).collect();
                    if !shown.ends_with(url.as_str()) {
                        self.push_text(&format!(" ({url})"), Style::new());
                    }
                }
            }
            Event::Code(code) => {
                if self.color {
                    self.push_code(code.to_string(), merge(self.style(), CODE));
                } else {
                    self.push_code(format!("`{code}`"), self.style());
                }
            }
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                let style = self.style();
                self.push_text(&text, style);
            }
            Event::SoftBreak => self.push_text(" ", Style::new()),
            Event::HardBreak => self.push_text("\n", Style::new()),
            Event::Rule => {
                self.flush_paragraph();
                self.blank_line();
                let indent = self.indent();
                self.out.push_str(&" ".repeat(indent));
                self.out
                    .push_str(&"-".repeat(self.width.saturating_sub(indent).min(40)));
                self.out.push('\n');
            }
            _ => {}
        }
    }

    /// Writes the inline text read so far as one wrapped paragraph (or the
    /// first paragraph of a list item, after its marker).
    fn flush_paragraph(&mut self) {
        if self.heading.is_some() || self.code_block.is_some() {
            return;
        }
        if self.inline.iter().all(|s| s.text.trim().is_empty()) {
            self.inline.clear();
            return;
        }
        let segments: Vec<Segment> = self.inline.drain(..).collect();
        let base = self.indent();
        let (first_indent, rest_indent) = match self.item_prefix.take() {
            Some(marker) => {
                let item_start = base.saturating_sub(3);
                let first = format!("{}{marker} ", " ".repeat(item_start));
                let rest = " ".repeat(item_start + marker.chars().count() + 1);
                (first, rest)
            }
            None => {
                if self.lists.is_empty() {
                    self.blank_line();
                } else if !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
                (" ".repeat(base), " ".repeat(base))
            }
        };
        for (index, line) in wrap(&segments, self.width.saturating_sub(rest_indent.len()))
            .into_iter()
            .enumerate()
        {
            self.out.push_str(if index == 0 {
                &first_indent
            } else {
                &rest_indent
            });
            for (word, style) in line {
                if self.color && style != Style::new() {
                    self.out.push_str(&paint(&word, style));
                } else {
                    self.out.push_str(&word);
                }
            }
            self.out.push('\n');
        }
    }
}

/// Splits styled text into lines of at most `width` visible characters
/// (a word longer than that gets a line of its own). Each line is a list of
/// (text, style) runs, spaces included.
fn wrap(segments: &[Segment], width: usize) -> Vec<Vec<(String, Style)>> {
    // Words with their style, and whether a space came before them.
    let mut words: Vec<(bool, String, Style)> = Vec::new();
    let mut space_before = false;
    let mut forced_breaks: Vec<usize> = Vec::new();
    for segment in segments {
        let mut current = String::new();
        for ch in segment.text.chars() {
            if ch == '\n' {
                if !current.is_empty() {
                    words.push((space_before, std::mem::take(&mut current), segment.style));
                }
                forced_breaks.push(words.len());
                space_before = false;
            } else if ch.is_whitespace() && !segment.unbroken {
                if !current.is_empty() {
                    words.push((space_before, std::mem::take(&mut current), segment.style));
                }
                space_before = true;
            } else {
                current.push(ch);
            }
        }
        if !current.is_empty() {
            words.push((space_before, current, segment.style));
            space_before = false;
        }
    }
    let mut lines: Vec<Vec<(String, Style)>> = vec![Vec::new()];
    let mut used = 0;
    for (index, (space, word, style)) in words.into_iter().enumerate() {
        let length = word.chars().count();
        let breaks_here = forced_breaks.contains(&index);
        if breaks_here || (used > 0 && space && used + 1 + length > width) {
            lines.push(Vec::new());
            used = 0;
        }
        let line = lines.last_mut().expect("one line at least");
        if used > 0 && space {
            line.push((" ".to_string(), Style::new()));
            used += 1;
        }
        used += length;
        line.push((word, style));
    }
    lines.retain(|l| !l.is_empty());
    lines
}

fn paint(text: &str, style: Style) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

fn merge(a: Style, b: Style) -> Style {
    let mut style = a | b.get_effects();
    if let Some(color) = b.get_fg_color().or(a.get_fg_color()) {
        style = style.fg_color(Some(color));
    }
    style
}

#[cfg(test)]
mod tests {
    use super::render;

    const DOC: &str = "# PL000: example\n\nSeverity: error\n\n## What it checks\nA `feature.toml` that is **wrong** in a long sentence that goes on and on until it has to wrap at the width.\n\n## Example\n```toml\nstage = \"x\"\n```\n\n- one\n- two `x`\n\n1. first\n2. second\n";

    #[test]
    fn plain_text_has_no_escape_codes_and_keeps_backticks() {
        let text = render(DOC, 60, false);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert_eq!(
            text,
            "PL000: example\n==============\n\nSeverity: error\n\nWhat it checks\n    A `feature.toml` that is wrong in a long sentence that\n    goes on and on until it has to wrap at the width.\n\nExample\n        stage = \"x\"\n\n    - one\n    - two `x`\n\n    1. first\n    2. second\n"
        );
    }

    #[test]
    fn colour_styles_headings_and_code() {
        let text = render(DOC, 60, true);
        assert!(
            text.contains("\u{1b}[1m\u{1b}[4mPL000: example"),
            "{text:?}"
        );
        assert!(text.contains("feature.toml"), "{text:?}");
        assert!(!text.contains("`feature.toml`"), "{text:?}");
        assert!(text.ends_with('\n') && !text.ends_with("\n\n"));
    }

    #[test]
    fn a_word_longer_than_the_width_gets_its_own_line() {
        let long = "x".repeat(70);
        let text = render(&format!("a {long} b"), 40, false);
        assert_eq!(text, format!("a\n{long}\nb\n"));
    }
}
