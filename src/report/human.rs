//! Compiler-style diagnostics rendered with miette: labelled spans, related
//! spans in other files as related diagnostics, and help.

use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, NamedSource, SourceCode,
    SourceSpan, SpanContents,
};

use crate::diagnostic::{Diagnostic, Label, Severity, SourceFile};
use crate::engine::Outcome;

/// Renders every diagnostic, most important first and findings with one
/// cause as one ([`super::group`]), followed by the summary line (which
/// counts every finding).
pub fn render(outcome: &Outcome, color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    for group in super::group::groups(&outcome.diagnostics) {
        let diagnostic = &super::group::merged(&group);
        let view = View::new(diagnostic);
        if handler.render_report(&mut out, &view).is_err() {
            out.push_str(&format!(
                "{}: {}\n",
                diagnostic.code,
                super::escape_controls(&diagnostic.message)
            ));
        }
        out.push('\n');
    }
    out.push_str(&super::summary_line(outcome));
    out.push('\n');
    out
}

struct FileSource(NamedSource<Arc<str>>);

impl FileSource {
    fn new(file: &SourceFile) -> FileSource {
        // Paths and file text from the repository may hold control
        // characters: shown escaped in the name, neutralised (byte for byte,
        // so spans stay put) in the snippet.
        let text: Arc<str> = match super::neutralize_controls(&file.text) {
            std::borrow::Cow::Borrowed(_) => Arc::clone(&file.text),
            std::borrow::Cow::Owned(clean) => Arc::from(clean),
        };
        FileSource(NamedSource::new(super::escape_controls(&file.path), text).with_language("toml"))
    }
}

impl SourceCode for FileSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        self.0
            .read_span(span, context_lines_before, context_lines_after)
    }
}

/// One diagnostic as miette sees it: the labels in one file, with labels in
/// other files attached as related diagnostics.
struct View {
    code: String,
    message: String,
    severity: Severity,
    help: Option<String>,
    source: Option<FileSource>,
    labels: Vec<LabeledSpan>,
    related: Vec<View>,
}

fn labeled(label: &Label, primary: bool) -> LabeledSpan {
    let span = SourceSpan::new(label.span.start.into(), label.span.len());
    let message = label
        .message
        .as_deref()
        .map(|m| super::escape_controls(m).into_owned());
    if primary {
        LabeledSpan::new_primary_with_span(message, span)
    } else {
        LabeledSpan::new_with_span(message, span)
    }
}

impl View {
    fn new(diagnostic: &Diagnostic) -> View {
        let mut labels = Vec::new();
        let mut related: Vec<View> = Vec::new();
        let source = diagnostic.primary.as_ref().map(|primary| {
            labels.push(labeled(primary, true));
            FileSource::new(&primary.file)
        });
        let primary_path = diagnostic.primary.as_ref().map(|l| l.file.path.as_str());
        for label in &diagnostic.related {
            if Some(label.file.path.as_str()) == primary_path {
                labels.push(labeled(label, false));
            } else if let Some(view) = related.iter_mut().find(|v| {
                v.source
                    .as_ref()
                    .is_some_and(|s| s.0.name() == label.file.path)
            }) {
                view.labels.push(labeled(label, false));
            } else {
                let mut quiet = label.clone();
                let message = super::escape_controls(
                    &quiet.message.take().unwrap_or_else(|| "related".into()),
                )
                .into_owned();
                related.push(View {
                    code: String::new(),
                    message,
                    severity: Severity::Note,
                    help: None,
                    source: Some(FileSource::new(&label.file)),
                    labels: vec![labeled(&quiet, false)],
                    related: Vec::new(),
                });
            }
        }
        let message = super::escape_controls(&diagnostic.message).into_owned();
        View {
            code: diagnostic.code.clone(),
            message,
            severity: diagnostic.severity,
            help: diagnostic
                .help
                .as_deref()
                .map(|h| super::escape_controls(h).into_owned()),
            source,
            labels,
            related,
        }
    }
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View {}

impl miette::Diagnostic for View {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|v| v as &dyn miette::Diagnostic),
            ))
        }
    }
}
