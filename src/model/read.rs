//! Decoding bytes into text and reading typed fields out of spanned TOML
//! tables. Every problem becomes a diagnostic; nothing here stops at the
//! first one.

use std::ops::Range;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::tree::{self, Node, Table, Value};
use crate::rules::codes;

/// Turns raw bytes into a [`SourceFile`], or a diagnostic saying why the
/// bytes are not a text file. A UTF-8 byte-order mark is kept in the text
/// (so offsets stay true to the file) and skipped by the parsers.
pub fn decode(path: &str, bytes: Vec<u8>) -> Result<Arc<SourceFile>, Diagnostic> {
    const BINARY: &str = "file contains NUL bytes: it looks binary";
    let first_nul = bytes.iter().take(8192).position(|b| *b == 0);
    match String::from_utf8(bytes) {
        Ok(text) => match first_nul {
            None => Ok(SourceFile::new(path, text)),
            Some(nul) => Err(encoding_error(path, &text, nul, BINARY)),
        },
        Err(error) => {
            let valid_up_to = error.utf8_error().valid_up_to();
            let bytes = error.as_bytes();
            let text = String::from_utf8_lossy(bytes);
            // Report the first problem, so the text before it is the file's own.
            match bytes[..valid_up_to].iter().position(|b| *b == 0) {
                Some(nul) => Err(encoding_error(path, &text, nul, BINARY)),
                None => Err(encoding_error(
                    path,
                    &text,
                    valid_up_to,
                    &format!(
                        "file is not valid UTF-8 (first invalid byte at offset {valid_up_to})"
                    ),
                )),
            }
        }
    }
}

/// `offset` is the first offending byte; the text before it is the file's
/// own, so the offset is true to the file. The text after it is not (each
/// replacement character is three bytes), so the span is empty: a span
/// over the replacement character would end past the bytes it stands for,
/// and past the end of a file that ends there.
fn encoding_error(path: &str, lossy: &str, offset: usize, message: &str) -> Diagnostic {
    let printable: String = lossy
        .chars()
        .map(|c| if c == '\0' { '\u{FFFD}' } else { c })
        .collect();
    let file = SourceFile::new(path, printable);
    Diagnostic::new(codes::INVALID_ENCODING, Severity::Error, message)
        .at(&file, offset..offset, "here")
        .help("policy files must be UTF-8 text; remove the file from the configured paths or re-save it as UTF-8")
}

/// Byte length of a leading UTF-8 byte-order mark, if any.
pub fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') { 3 } else { 0 }
}

/// Parses a whole file as TOML, reporting a syntax error as `PL001`.
pub fn parse_toml(file: &Arc<SourceFile>) -> Result<Table, Diagnostic> {
    // The toml parser skips one leading byte-order mark itself, with offsets
    // kept true to the text; skipping it here as well would accept a second.
    tree::parse_document(&file.text, 0).map_err(|error| syntax_diagnostic(file, error))
}

pub fn syntax_diagnostic(file: &Arc<SourceFile>, error: tree::SyntaxError) -> Diagnostic {
    let mut span = error.span;
    if span.is_empty() {
        // Widen an empty span to the character under it so the snippet shows
        // a caret on the offending place.
        let start = crate::model::floor_char_boundary(&file.text, span.start);
        let end = file.text[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
        span = start..end;
    }
    let (first, rest) = match error.message.split_once('\n') {
        Some((first, rest)) => (first.to_string(), Some(rest.trim().to_string())),
        None => (error.message.clone(), None),
    };
    Diagnostic::new(
        codes::INVALID_TOML,
        Severity::Error,
        format!("invalid TOML: {first}"),
    )
    .at(file, span, first)
    .maybe_help(rest.filter(|r| !r.is_empty()))
}

/// Reads typed fields from a table, collecting every schema problem.
pub struct Fields<'a> {
    pub file: &'a Arc<SourceFile>,
    pub table: &'a Table,
    /// Where a missing field is reported: the table header or the file start.
    pub anchor: Range<usize>,
    /// What kind of file this is, for messages ("sign-off", "policy").
    pub what: &'static str,
    pub diagnostics: Vec<Diagnostic>,
    pub config: bool,
    /// Top-level keys reported missing or of the wrong type.
    pub invalid_keys: Vec<String>,
}

impl<'a> Fields<'a> {
    pub fn new(
        file: &'a Arc<SourceFile>,
        table: &'a Table,
        anchor: Range<usize>,
        what: &'static str,
    ) -> Self {
        Fields {
            file,
            table,
            anchor,
            what,
            diagnostics: Vec::new(),
            config: false,
            invalid_keys: Vec::new(),
        }
    }

    pub fn config(mut self) -> Self {
        self.config = true;
        self
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn missing(&mut self, key: &str, expected: &str) {
        self.invalid_keys.push(key.to_string());
        let diagnostic = Diagnostic::new(
            codes::SCHEMA,
            Severity::Error,
            format!("{} is missing required field `{key}`", self.what),
        )
        .at(
            self.file,
            self.anchor.clone(),
            format!("add `{key} = …` ({expected})"),
        );
        self.push(diagnostic);
    }

    pub fn wrong_type(&mut self, key: &str, node: &Node, expected: &str) {
        self.invalid_keys.push(key.to_string());
        let diagnostic = Diagnostic::new(
            codes::SCHEMA,
            Severity::Error,
            format!(
                "`{key}` must be {expected}, found {}",
                node.value.type_name()
            ),
        )
        .at(self.file, node.span.clone(), format!("expected {expected}"));
        self.push(diagnostic);
    }

    /// The string at `key`, when it is a valid id of a policy or playbook
    /// ([`is_valid_id`]); otherwise an error at the value. `what` names the
    /// document in the message (`policy`, `playbook`).
    pub fn id(&mut self, key: &str, what: &str) -> Option<String> {
        let (text, node) = self.string(key, true)?;
        if is_valid_id(text) {
            return Some(text.to_string());
        }
        self.invalid(
            node,
            format!(
                "{what} id `{}` cannot name a directory of sign-offs",
                text.escape_debug()
            ),
            "letters, digits, `-`, `_` and `.`, starting with a letter or digit",
        );
        None
    }

    pub fn invalid(&mut self, node: &Node, message: String, label: impl Into<String>) {
        let diagnostic = Diagnostic::new(codes::SCHEMA, Severity::Error, message).at(
            self.file,
            node.span.clone(),
            label,
        );
        self.push(diagnostic);
    }

    pub fn node(&self, key: &str) -> Option<&'a Node> {
        self.table.get(key)
    }

    pub fn string(&mut self, key: &str, required: bool) -> Option<(&'a str, &'a Node)> {
        match self.table.get(key) {
            None => {
                if required {
                    self.missing(key, "a string");
                }
                None
            }
            Some(node) => match &node.value {
                Value::String(s) => Some((s.as_str(), node)),
                _ => {
                    self.wrong_type(key, node, "a string");
                    None
                }
            },
        }
    }

    pub fn integer(&mut self, key: &str, required: bool) -> Option<(i64, &'a Node)> {
        match self.table.get(key) {
            None => {
                if required {
                    self.missing(key, "an integer");
                }
                None
            }
            Some(node) => match &node.value {
                Value::Integer(i) => Some((*i, node)),
                _ => {
                    self.wrong_type(key, node, "an integer");
                    None
                }
            },
        }
    }

    pub fn strings(
        &mut self,
        key: &str,
        required: bool,
    ) -> Option<(Vec<(&'a str, &'a Node)>, &'a Node)> {
        match self.table.get(key) {
            None => {
                if required {
                    self.missing(key, "an array of strings");
                }
                None
            }
            Some(node) => match &node.value {
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        match &item.value {
                            Value::String(s) => out.push((s.as_str(), item)),
                            _ => self.wrong_type(key, item, "a string (in this array)"),
                        }
                    }
                    Some((out, node))
                }
                _ => {
                    self.wrong_type(key, node, "an array of strings");
                    None
                }
            },
        }
    }

    pub fn table(&mut self, key: &str, required: bool) -> Option<(&'a Table, &'a Node)> {
        match self.table.get(key) {
            None => {
                if required {
                    self.missing(key, "a table");
                }
                None
            }
            Some(node) => match &node.value {
                Value::Table(t) => Some((t, node)),
                _ => {
                    self.wrong_type(key, node, "a table");
                    None
                }
            },
        }
    }

    pub fn boolean(&mut self, key: &str) -> Option<(bool, &'a Node)> {
        let node = self.table.get(key)?;
        match &node.value {
            Value::Boolean(b) => Some((*b, node)),
            _ => {
                self.wrong_type(key, node, "a boolean");
                None
            }
        }
    }

    /// A civil date, written as a TOML local date (`2026-11-20`) or a string.
    pub fn date(&mut self, key: &str, required: bool) -> Option<(jiff::civil::Date, &'a Node)> {
        let node = match self.table.get(key) {
            None => {
                if required {
                    self.missing(key, "a date like 2026-11-20");
                }
                return None;
            }
            Some(node) => node,
        };
        let text = match &node.value {
            Value::Datetime(d) if d.time.is_none() && d.date.is_some() => d.to_string(),
            Value::String(s) => s.clone(),
            _ => {
                self.wrong_type(key, node, "a date like 2026-11-20");
                return None;
            }
        };
        match text.parse::<jiff::civil::Date>() {
            Ok(date) => Some((date, node)),
            Err(_) => {
                self.invalid(
                    node,
                    format!("`{key}` is not a valid date"),
                    "expected YYYY-MM-DD",
                );
                None
            }
        }
    }

    /// Reports keys outside `known`, with a did-you-mean.
    pub fn deny_unknown(&mut self, known: &[&str]) {
        for entry in &self.table.entries {
            if known.contains(&entry.key.as_str()) {
                continue;
            }
            let suggestion = crate::rules::suggest(&entry.key, known.iter().copied());
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`? Known fields: {}", known.join(", ")),
                None => format!("known fields: {}", known.join(", ")),
            };
            let diagnostic = Diagnostic::new(
                codes::UNKNOWN_KEY,
                Severity::Error,
                format!("unknown field `{}` in {}", entry.key, self.what),
            )
            .at(self.file, entry.key_span.clone(), "not a known field")
            .help(help);
            self.push(diagnostic);
        }
    }

    pub fn finish(self) -> Vec<Diagnostic> {
        let config = self.config;
        self.diagnostics
            .into_iter()
            .map(|mut d| {
                d.config |= config;
                d
            })
            .collect()
    }
}

/// Where to report a field missing from a whole document: the first line.
pub fn document_anchor(file: &SourceFile) -> Range<usize> {
    let start = bom_len(&file.text);
    let first_line = file.text.find('\n').unwrap_or(file.text.len());
    let end = if file.text[..first_line].ends_with('\r') {
        first_line - 1
    } else {
        first_line
    };
    let end = end.max(start);
    start..end
}

/// Whether `id` can be the id of a policy or playbook. Their sign-offs live
/// in a directory named after the id (`policies/signoffs/<id>/`,
/// `playbooks/signoffs/<id>/`, DESIGN §2.5), so an id is one path component:
/// ASCII letters, digits, `-`, `_` and `.`, starting with a letter or digit
/// (directories starting with `_` hold the configuration's own sign-offs),
/// at most 100 bytes.
pub fn is_valid_id(id: &str) -> bool {
    id.len() <= 100
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}
