//! Diagnostics as data: a code, a severity, a message, labelled spans in
//! repository files, and help. Every output format renders these.

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

/// How serious a finding is. Ordered so that `Error` is the greatest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A file as the engine saw it: its repository-relative path (with `/`
/// separators) and its text. Shared between every diagnostic that points
/// into it.
#[derive(Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
    /// Built on first use: only files that end up in a report need it.
    lines: std::sync::OnceLock<crate::model::LineIndex>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        })
    }

    /// The line index of the text, for converting offsets to positions.
    pub fn lines(&self) -> &crate::model::LineIndex {
        self.lines
            .get_or_init(|| crate::model::LineIndex::new(&self.text))
    }
}

/// A span in one file with an optional message.
#[derive(Clone, Debug)]
pub struct Label {
    pub file: Arc<SourceFile>,
    pub span: Range<usize>,
    pub message: Option<String>,
}

impl Label {
    pub fn new(file: &Arc<SourceFile>, span: Range<usize>, message: impl Into<String>) -> Label {
        let message = message.into();
        Label {
            file: Arc::clone(file),
            span: clamp(span, file.text.len()),
            message: (!message.is_empty()).then_some(message),
        }
    }
}

fn clamp(span: Range<usize>, len: usize) -> Range<usize> {
    let start = span.start.min(len);
    let end = span.end.clamp(start, len);
    start..end
}

/// One finding.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// Where the evidence is. `None` only for problems that concern no file
    /// (for example, a missing configuration file named on the command line).
    pub primary: Option<Label>,
    /// Other places that explain the finding: the policy rule that demanded
    /// it, the other copy of a duplicate, the waiver that excused it.
    pub related: Vec<Label>,
    pub help: Option<String>,
    /// The feature this finding is about, when there is one. Waivers match on
    /// it and the summary counts features with findings.
    pub feature: Option<String>,
    /// The waiver that turned this finding into a note, if any.
    pub waived_by: Option<String>,
    /// For a finding of a rule's `require_signoffs`: the role whose
    /// sign-off is missing or does not count (the launch board reads it).
    pub role: Option<String>,
    /// A problem with the configuration or a policy file rather than with
    /// the features being checked: the run cannot be trusted, exit code 2.
    pub config: bool,
    /// What this finding shares with others of its feature. The human
    /// output shows findings of one feature with equal cause keys as one
    /// diagnostic; machine formats keep one result per finding.
    pub cause: Option<Cause>,
}

/// One fact several findings of a feature follow from (three panel
/// sign-offs made stale by one edit give three gate findings and three
/// stale-sign-off findings), and how to say it once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// Equal for the findings the fact explains: `stale: <what changed>`,
    /// `LG001 missing`.
    pub key: String,
    /// What this finding adds to the group: a role.
    pub item: String,
    /// The group's message: `.0`, the items (`` `a`, `b` and `c` ``), `.1`.
    pub message: (String, String),
    /// The group's primary label, the same way.
    pub label: (String, String),
    /// A gate that blocks the feature (a required sign-off), shown before
    /// the findings that explain it.
    pub gate: bool,
}

impl Diagnostic {
    pub fn new(code: impl Into<String>, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.into(),
            severity,
            message: message.into(),
            primary: None,
            related: Vec::new(),
            help: None,
            feature: None,
            waived_by: None,
            role: None,
            config: false,
            cause: None,
        }
    }

    pub fn at(
        mut self,
        file: &Arc<SourceFile>,
        span: Range<usize>,
        label: impl Into<String>,
    ) -> Self {
        self.primary = Some(Label::new(file, span, label));
        self
    }

    pub fn related(
        mut self,
        file: &Arc<SourceFile>,
        span: Range<usize>,
        label: impl Into<String>,
    ) -> Self {
        // Most findings have one related place: room for one, not four.
        if self.related.capacity() == 0 {
            self.related.reserve_exact(1);
        }
        self.related.push(Label::new(file, span, label));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn cause(mut self, cause: Cause) -> Self {
        self.cause = Some(cause);
        self
    }

    pub fn feature(mut self, id: impl Into<String>) -> Self {
        self.feature = Some(id.into());
        self
    }

    /// The key diagnostics are sorted by: file, position, code, message.
    /// Sorting makes every output byte-for-byte stable whatever order the
    /// parallel evaluation finished in.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        match &self.primary {
            Some(label) => (
                label.file.path.as_str(),
                label.span.start,
                label.span.end,
                self.code.as_str(),
                self.message.as_str(),
            ),
            None => ("", 0, 0, self.code.as_str(), self.message.as_str()),
        }
    }
}

/// Sorts diagnostics into their canonical order and drops exact duplicates.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    // Keys borrow from the diagnostics: no string is copied to sort. A
    // stable sort keeps equal keys in the order they were found.
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup_by(|a, b| {
        a.sort_key() == b.sort_key() && a.severity == b.severity && a.feature == b.feature
    });
}
