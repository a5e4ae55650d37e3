//! CEL expressions from policy and playbook files: compiled once, mapped back
//! to byte spans in their files, and analysed before any evaluation (unknown
//! variables, `feature.<field>` paths).

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use cel::common::ast::{EntryExpr, Expr, LiteralValue};
use cel::{Env, IdedExpr, Program};

use crate::diagnostic::SourceFile;
use crate::model::char_to_byte;
use crate::model::policy::SpannedText;

/// Limits on every expression (DESIGN §3.2). Expressions come from policy
/// files and playbook front matter, some of them written by the change
/// being checked; none may hang, abort or exhaust memory.
///
/// - text: at most [`MAX_EXPRESSION_BYTES`] bytes;
/// - syntax nesting (operators, calls, selections): at most [`MAX_NESTING`]
///   levels, checked after parsing on a thread with a large stack (the
///   parser recurses once per level);
/// - comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`)
///   nested at most [`MAX_COMPREHENSION_NESTING`] deep;
/// - at run time, per expression and feature: the iterations the nested
///   comprehensions could take, the largest collection in the feature, its
///   base, the playbooks or the expression's own list literals to the power
///   of the nesting, at most [`MAX_ITERATIONS`]; otherwise the expression is
///   not run and the rule reports that it exceeds the budget. Lists and maps
///   an expression builds are bounded by the same product.
pub const MAX_EXPRESSION_BYTES: usize = 8 * 1024;
pub const MAX_NESTING: usize = 64;
pub const MAX_COMPREHENSION_NESTING: usize = 2;
pub const MAX_ITERATIONS: u64 = 1_000_000;

/// Stack for parsing: enough for an expression of [`MAX_EXPRESSION_BYTES`]
/// nested as deep as its text allows.
const PARSE_STACK_BYTES: usize = 128 * 1024 * 1024;

/// Expressions up to this size are parsed on the calling thread: at most a
/// few hundred levels, well within any thread's stack (measured: a
/// 1,000-term chain parses and runs on a 2 MiB stack).
const SHORT_EXPRESSION_BYTES: usize = 512;

/// The variables bound for every rule.
pub const VARIABLES: &[&str] = &[
    "feature",
    "base",
    "signoffs",
    "playbooks",
    "today",
    "computed",
];

/// The fields of `computed` (DESIGN §2.8), a map or `null`.
pub const COMPUTED_FIELDS: &[&str] = &["risk_score", "risk_tier"];

/// The variables bound, besides [`VARIABLES`], in the `filter` and `assert`
/// of a rule with `each`: the entry's key (a list's index) and its value.
pub const ENTRY_VARIABLES: &[&str] = &["key", "value"];

pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    Arc::clone(ENV.get_or_init(|| Arc::new(Env::stdlib())))
}

/// A `feature.a.b` path read by an expression.
#[derive(Clone, Debug)]
pub struct FieldPath {
    pub segments: Vec<String>,
    /// Byte span of the whole path in the file.
    pub span: Range<usize>,
    /// Read inside `has(...)`: absence is expected.
    pub presence_test: bool,
}

impl FieldPath {
    pub fn dotted(&self) -> String {
        self.segments.join(".")
    }
}

#[derive(Debug)]
pub struct Expression {
    pub program: Program,
    pub text: String,
    pub file: Arc<SourceFile>,
    /// The span of the TOML string holding the expression.
    pub span: Range<usize>,
    /// Byte offset of the expression's first character in the file, when
    /// the TOML string maps character for character onto the expression
    /// (no escape sequences).
    start: Option<usize>,
    pub feature_paths: Vec<FieldPath>,
    pub unknown_variables: Vec<(String, Range<usize>)>,
    /// `computed.<field>` selections of a field `computed` never has.
    pub unknown_computed: Vec<(String, Range<usize>)>,
    /// Everything the expression reads from the variables that differ from
    /// feature to feature, or `None` when that cannot be pinned down (it
    /// reads `signoffs`). Two features that agree on these reads get the
    /// same result, which lets evaluation reuse it.
    pub reads: Option<Vec<Read>>,
    /// The expression reads the `playbooks` variable (the playbooks'
    /// versions), so a playbook change can change its result.
    pub uses_playbooks: bool,
    /// How deep its comprehensions nest (0: none).
    pub comprehension_depth: u32,
    /// The longest list or map literal in it.
    pub largest_literal: usize,
    /// It is evaluated per entry of a rule's `each`, with
    /// [`ENTRY_VARIABLES`] bound.
    pub per_entry: bool,
    /// Field paths that no manifest has, one edit from one that exists, read
    /// without a `has()` guard: a typo, already reported once against the
    /// policy (set by the engine's static checks).
    pub misspelt: Vec<Vec<String>>,
}

/// What the limits look at in a parsed expression.
#[derive(Clone, Copy, Debug, Default)]
struct Shape {
    depth: usize,
    comprehensions: usize,
    largest_literal: usize,
}

/// The nesting depth, comprehension nesting and largest literal of `expr`.
/// Recursive: call it where the stack is large (see [`Expression::compile`]).
fn shape(expr: &IdedExpr) -> Shape {
    let combine = |children: &mut dyn Iterator<Item = &IdedExpr>| {
        children.fold(Shape::default(), |acc, child| {
            let s = shape(child);
            Shape {
                depth: acc.depth.max(s.depth),
                comprehensions: acc.comprehensions.max(s.comprehensions),
                largest_literal: acc.largest_literal.max(s.largest_literal),
            }
        })
    };
    let (inner, own_comprehension, literal) = match &expr.expr {
        Expr::Call(call) => (
            combine(&mut call.target.iter().map(|t| &**t).chain(call.args.iter())),
            0,
            0,
        ),
        Expr::Comprehension(c) => (
            combine(
                &mut [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ]
                .into_iter(),
            ),
            1,
            0,
        ),
        Expr::List(list) => (combine(&mut list.elements.iter()), 0, list.elements.len()),
        Expr::Map(map) => {
            let children: Vec<&IdedExpr> = map
                .entries
                .iter()
                .flat_map(|entry| match &entry.expr {
                    EntryExpr::MapEntry(e) => vec![&e.key, &e.value],
                    EntryExpr::StructField(f) => vec![&f.value],
                })
                .collect();
            (combine(&mut children.into_iter()), 0, map.entries.len())
        }
        Expr::Select(select) => (combine(&mut std::iter::once(&*select.operand)), 0, 0),
        Expr::Struct(st) => {
            let children: Vec<&IdedExpr> = st
                .entries
                .iter()
                .flat_map(|entry| match &entry.expr {
                    EntryExpr::MapEntry(e) => vec![&e.key, &e.value],
                    EntryExpr::StructField(f) => vec![&f.value],
                })
                .collect();
            (combine(&mut children.into_iter()), 0, 0)
        }
        _ => (Shape::default(), 0, 0),
    };
    Shape {
        depth: inner.depth + 1,
        comprehensions: inner.comprehensions + own_comprehension,
        largest_literal: inner.largest_literal.max(literal),
    }
}

/// One read of a per-feature variable: `feature.risk.residual`,
/// `has(base.stage)`, or the whole of `feature`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    pub variable: ReadRoot,
    pub segments: Vec<String>,
    /// Inside `has()`: only whether the last segment exists is seen.
    pub presence_only: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadRoot {
    Feature,
    Base,
}

/// A compile error, already mapped into the file.
#[derive(Debug)]
pub struct CompileError {
    pub message: String,
    pub span: Range<usize>,
}

impl Expression {
    pub fn compile(
        file: &Arc<SourceFile>,
        source: &SpannedText,
    ) -> Result<Expression, CompileError> {
        Self::compile_in(file, source, false)
    }

    /// Compiles a `filter` or `assert` of a rule with `each`: `key` and
    /// `value` are variables too.
    pub fn compile_per_entry(
        file: &Arc<SourceFile>,
        source: &SpannedText,
    ) -> Result<Expression, CompileError> {
        Self::compile_in(file, source, true)
    }

    fn compile_in(
        file: &Arc<SourceFile>,
        source: &SpannedText,
        per_entry: bool,
    ) -> Result<Expression, CompileError> {
        let start = content_start(&file.text, &source.span, &source.text);
        if source.text.len() > MAX_EXPRESSION_BYTES {
            return Err(CompileError {
                message: format!(
                    "the expression is {} bytes long; the limit is {MAX_EXPRESSION_BYTES}",
                    source.text.len()
                ),
                span: source.span.clone(),
            });
        }
        // The parser and the shape check recurse once per level of nesting:
        // a long expression is parsed where the stack is large. A short one
        // cannot nest deep enough to need it (and most are short).
        let parse = |text: &str| {
            env().compile(text).map(|program| {
                let shape = shape(program.expression());
                (program, shape)
            })
        };
        let compiled = if source.text.len() <= SHORT_EXPRESSION_BYTES {
            Some(parse(&source.text))
        } else {
            let text = source.text.clone();
            std::thread::Builder::new()
                .stack_size(PARSE_STACK_BYTES)
                .spawn(move || parse(&text))
                .ok()
                .and_then(|thread| thread.join().ok())
        };
        let Some(compiled) = compiled else {
            return Err(CompileError {
                message: "the expression could not be parsed".into(),
                span: source.span.clone(),
            });
        };
        match compiled {
            Ok((_, shape)) if shape.depth > MAX_NESTING => Err(CompileError {
                message: format!(
                    "the expression nests {} levels deep; the limit is {MAX_NESTING}",
                    shape.depth
                ),
                span: source.span.clone(),
            }),
            Ok((_, shape)) if shape.comprehensions > MAX_COMPREHENSION_NESTING => {
                Err(CompileError {
                    message: format!(
                        "the expression nests {} comprehensions (all, exists, map, filter…); the limit is {MAX_COMPREHENSION_NESTING}",
                        shape.comprehensions
                    ),
                    span: source.span.clone(),
                })
            }
            Ok((program, shape)) => {
                let mut expression = Expression {
                    text: source.text.clone(),
                    file: Arc::clone(file),
                    span: source.span.clone(),
                    start,
                    feature_paths: Vec::new(),
                    unknown_variables: Vec::new(),
                    unknown_computed: Vec::new(),
                    reads: None,
                    uses_playbooks: false,
                    comprehension_depth: shape.comprehensions as u32,
                    largest_literal: shape.largest_literal,
                    per_entry,
                    misspelt: Vec::new(),
                    program,
                };
                expression.analyse();
                Ok(expression)
            }
            Err(errors) => {
                let first = errors.errors.first();
                let message = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
                let span = match (first, start) {
                    // cel reports a 1-based line and a 1-based character column.
                    (Some(error), Some(start)) if error.pos.0 >= 1 && error.pos.1 >= 1 => {
                        let index = crate::model::LineIndex::new(&source.text);
                        let within = index.offset_of_char_position(
                            &source.text,
                            error.pos.0 as usize,
                            error.pos.1 as usize,
                        );
                        let end = source.text[within..]
                            .chars()
                            .next()
                            .map_or(within, |c| within + c.len_utf8());
                        start + within..start + end
                    }
                    _ => source.span.clone(),
                };
                Err(CompileError { message, span })
            }
        }
    }

    /// Maps a character range of the expression to bytes in the file, or
    /// the whole string when the mapping is not exact.
    pub fn file_span(&self, chars: (u32, u32)) -> Range<usize> {
        match self.start {
            Some(start) => {
                let begin = char_to_byte(&self.text, chars.0 as usize);
                let end = char_to_byte(&self.text, chars.1 as usize).max(begin);
                start + begin..start + end
            }
            None => self.span.clone(),
        }
    }

    /// The field path when the whole expression is `feature.a.b` (or
    /// `feature['a']`): where its value is in the manifest.
    pub fn feature_selection(&self) -> Option<Vec<String>> {
        let (root, segments) = selection_chain(self.program.expression())?;
        let is_feature =
            matches!(&root.expr, Expr::Ident(name) if name == "feature" || name == ".feature");
        let is_test = matches!(&self.program.expression().expr, Expr::Select(s) if s.test);
        (is_feature && !is_test).then_some(segments)
    }

    fn node_span(&self, expr: &IdedExpr) -> Option<(u32, u32)> {
        self.program.source_info().offset_for(expr.id)
    }

    fn analyse(&mut self) {
        let mut paths = Vec::new();
        let mut unknown = Vec::new();
        let mut scope: Vec<String> = Vec::new();
        let root = self.program.expression().clone();
        let mut used = Vec::new();
        self.walk(&root, &mut scope, &mut paths, &mut unknown, &mut used);
        self.uses_playbooks = used.iter().any(|name| name == "playbooks");
        self.feature_paths = paths;
        let (computed, unknown): (Vec<_>, Vec<_>) = unknown
            .into_iter()
            .partition(|(name, _)| name.starts_with("computed."));
        self.unknown_variables = unknown;
        self.unknown_computed = computed;
        let mut reads = Vec::new();
        let mut scope = Vec::new();
        self.reads = collect_reads(&root, &mut scope, &mut reads).then(|| {
            reads.dedup();
            reads
        });
    }

    fn walk(
        &self,
        expr: &IdedExpr,
        scope: &mut Vec<String>,
        paths: &mut Vec<FieldPath>,
        unknown: &mut Vec<(String, Range<usize>)>,
        used: &mut Vec<String>,
    ) {
        if let Some(path) = self.feature_path(expr, scope) {
            paths.push(path);
        }
        match &expr.expr {
            Expr::Ident(name) => {
                if !scope.iter().any(|s| s == name) {
                    used.push(name.trim_start_matches('.').to_string());
                }
                let bound = VARIABLES.contains(&name.as_str())
                    || (self.per_entry && ENTRY_VARIABLES.contains(&name.as_str()));
                if !bound && !scope.iter().any(|s| s == name) && !name.starts_with('@') {
                    // The parser's token ranges end on the last character,
                    // inclusive.
                    let span = self
                        .node_span(expr)
                        .map_or(self.span.clone(), |(start, stop)| {
                            self.file_span((start, stop + 1))
                        });
                    unknown.push((name.clone(), span));
                }
            }
            Expr::Select(select) => {
                if let Expr::Ident(name) = &select.operand.expr
                    && global_name(name, scope) == Some("computed")
                    && !COMPUTED_FIELDS.contains(&select.field.as_str())
                {
                    let span = self.node_span(&select.operand).map_or(
                        self.span.clone(),
                        |(start, stop)| {
                            let end = stop as usize + 1 + 1 + select.field.chars().count();
                            self.file_span((start, end as u32))
                        },
                    );
                    unknown.push((format!("computed.{}", select.field), span));
                }
                self.walk(&select.operand, scope, paths, unknown, used)
            }
            Expr::Call(call) => {
                if let Some(target) = &call.target {
                    self.walk(target, scope, paths, unknown, used);
                }
                for arg in &call.args {
                    self.walk(arg, scope, paths, unknown, used);
                }
            }
            Expr::List(list) => {
                for element in &list.elements {
                    self.walk(element, scope, paths, unknown, used);
                }
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        self.walk(&e.key, scope, paths, unknown, used);
                        self.walk(&e.value, scope, paths, unknown, used);
                    }
                }
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(e) => self.walk(&e.value, scope, paths, unknown, used),
                        EntryExpr::StructField(f) => {
                            self.walk(&f.value, scope, paths, unknown, used)
                        }
                    }
                }
            }
            Expr::Comprehension(c) => {
                self.walk(&c.iter_range, scope, paths, unknown, used);
                self.walk(&c.accu_init, scope, paths, unknown, used);
                let depth = scope.len();
                scope.push(c.iter_var.clone());
                if let Some(second) = &c.iter_var2 {
                    scope.push(second.clone());
                }
                scope.push(c.accu_var.clone());
                self.walk(&c.loop_cond, scope, paths, unknown, used);
                self.walk(&c.loop_step, scope, paths, unknown, used);
                self.walk(&c.result, scope, paths, unknown, used);
                scope.truncate(depth);
            }
            Expr::Literal(_) | Expr::Unspecified => {}
        }
    }

    /// `feature.a.b` (or `feature['a'].b`, or `has(feature.a.b)`) as a path,
    /// only for the outermost selection of a chain.
    fn feature_path(&self, expr: &IdedExpr, scope: &[String]) -> Option<FieldPath> {
        let (root, segments) = selection_chain(expr)?;
        if !matches!(&root.expr, Expr::Ident(name) if name == "feature")
            || scope.iter().any(|s| s == "feature")
        {
            return None;
        }
        // `has()` is a test selection, always the outermost of its chain.
        let presence_test = matches!(&expr.expr, Expr::Select(select) if select.test);
        if segments.is_empty() {
            return None;
        }
        // Underline the whole path, from `feature` through its last segment.
        let span = self
            .node_span(root)
            .map_or(self.span.clone(), |(start, _)| {
                self.file_span(self.path_chars(start, &segments))
            });
        Some(FieldPath {
            segments,
            span,
            presence_test,
        })
    }

    /// The characters of `feature.a.b` (or `feature['a'].b`) in the
    /// expression, from `feature` through the last segment found in the
    /// text. Node positions cannot give this: a selection is positioned at
    /// its `.`, and one inside `has()` at the macro call.
    fn path_chars(&self, start: u32, segments: &[String]) -> (u32, u32) {
        let chars: Vec<char> = self.text.chars().collect();
        let skip_space = |mut at: usize| {
            while chars.get(at).is_some_and(|c| c.is_whitespace()) {
                at += 1;
            }
            at
        };
        let word_at = |at: usize, word: &str| {
            let len = word.chars().count();
            (chars.len() >= at + len && chars[at..at + len].iter().copied().eq(word.chars()))
                .then_some(at + len)
        };
        let Some(mut end) = word_at(start as usize, "feature") else {
            return (start, start);
        };
        for segment in segments {
            let at = skip_space(end);
            let next = match chars.get(at) {
                Some('.') => word_at(skip_space(at + 1), segment).filter(|after| {
                    !chars
                        .get(*after)
                        .is_some_and(|c| c.is_alphanumeric() || *c == '_')
                }),
                Some('[') => {
                    let at = skip_space(at + 1);
                    chars
                        .get(at)
                        .filter(|q| **q == '\'' || **q == '"')
                        .and_then(|quote| {
                            let after = word_at(at + 1, segment)?;
                            (chars.get(after) == Some(quote)).then_some(skip_space(after + 1))
                        })
                        .filter(|close| chars.get(*close) == Some(&']'))
                        .map(|close| close + 1)
                }
                _ => None,
            };
            match next {
                Some(after) => end = after,
                None => break,
            }
        }
        (start, end as u32)
    }
}

/// Adds every read of `feature` and `base` under `expr` to `reads`: each
/// occurrence of the variable with the chain of field selections around it
/// (`feature.a.b`, `feature['a']`). Anything else done to the value (an
/// index by a computed key, a comprehension, a function) sees the value at
/// the end of the chain as a whole, and the read covers all of it. False
/// when the expression reads a variable whose reads are not tracked.
fn collect_reads(expr: &IdedExpr, scope: &mut Vec<String>, reads: &mut Vec<Read>) -> bool {
    if let Some(read) = read_chain(expr, scope) {
        reads.push(read);
        return true;
    }
    match &expr.expr {
        Expr::Ident(name) => match global_name(name, scope) {
            // A comprehension's own variable: derived from what it ranges
            // over, which is read separately.
            None => true,
            // The same for every feature. Anything else (`signoffs`, which
            // differs per feature, or a name that is not a variable) is not
            // tracked, and the expression is never reused.
            // `computed` is the risk score of the feature's `risk` table
            // under the weights of the run: it reads the whole table.
            Some("computed") => {
                reads.push(Read {
                    variable: ReadRoot::Feature,
                    segments: vec!["risk".to_string()],
                    presence_only: false,
                });
                true
            }
            Some(name) => matches!(name, "playbooks" | "today"),
        },
        Expr::Select(select) => collect_reads(&select.operand, scope, reads),
        Expr::Call(call) => call
            .target
            .iter()
            .map(|t| &**t)
            .chain(&call.args)
            .all(|e| collect_reads(e, scope, reads)),
        Expr::List(list) => list.elements.iter().all(|e| collect_reads(e, scope, reads)),
        Expr::Map(map) => map
            .entries
            .iter()
            .all(|entry| entry_reads(entry, scope, reads)),
        Expr::Struct(s) => s
            .entries
            .iter()
            .all(|entry| entry_reads(entry, scope, reads)),
        Expr::Comprehension(c) => {
            if !collect_reads(&c.iter_range, scope, reads)
                || !collect_reads(&c.accu_init, scope, reads)
            {
                return false;
            }
            let depth = scope.len();
            scope.push(c.iter_var.clone());
            if let Some(second) = &c.iter_var2 {
                scope.push(second.clone());
            }
            scope.push(c.accu_var.clone());
            let ok = [&c.loop_cond, &c.loop_step, &c.result]
                .into_iter()
                .all(|e| collect_reads(e, scope, reads));
            scope.truncate(depth);
            ok
        }
        Expr::Literal(_) | Expr::Unspecified => true,
    }
}

fn entry_reads(
    entry: &cel::common::ast::IdedEntryExpr,
    scope: &mut Vec<String>,
    reads: &mut Vec<Read>,
) -> bool {
    match &entry.expr {
        EntryExpr::MapEntry(e) => {
            collect_reads(&e.key, scope, reads) && collect_reads(&e.value, scope, reads)
        }
        EntryExpr::StructField(f) => collect_reads(&f.value, scope, reads),
    }
}

/// `feature`, `feature.a.b`, `feature['a']`, `has(base.a)`: a variable with
/// the field selections applied to it.
fn read_chain(expr: &IdedExpr, scope: &[String]) -> Option<Read> {
    let (root, segments) = selection_chain(expr)?;
    let Expr::Ident(name) = &root.expr else {
        return None;
    };
    let variable = match global_name(name, scope)? {
        "feature" => ReadRoot::Feature,
        "base" => ReadRoot::Base,
        _ => return None,
    };
    Some(Read {
        variable,
        segments,
        presence_only: matches!(&expr.expr, Expr::Select(select) if select.test),
    })
}

/// The variable an identifier names when it is not a comprehension's own:
/// `feature`, or `.feature` (a leading dot names the variable outside any
/// comprehension). `None` for a comprehension variable.
fn global_name<'n>(name: &'n str, scope: &[String]) -> Option<&'n str> {
    match name.strip_prefix('.') {
        Some(absolute) => Some(absolute),
        None if scope.iter().any(|s| s == name) => None,
        None => Some(name),
    }
}

/// The chain of field selections (`.a`, `['a']`) applied to a value, from
/// the outside in: the value selected from and the fields in order.
/// `None` when an index is not a string literal.
fn selection_chain(expr: &IdedExpr) -> Option<(&IdedExpr, Vec<String>)> {
    let mut segments = Vec::new();
    let mut current = expr;
    loop {
        match &current.expr {
            Expr::Select(select) => {
                segments.push(select.field.clone());
                current = &select.operand;
            }
            Expr::Call(call) if call.func_name == "_[_]" && call.args.len() == 2 => {
                match &call.args[1].expr {
                    Expr::Literal(LiteralValue::String(key)) => segments.push(key.to_string()),
                    _ => return None,
                }
                current = &call.args[0];
            }
            _ => {
                segments.reverse();
                return Some((current, segments));
            }
        }
    }
}

/// Where the characters of a TOML string's value begin in the file, when the
/// raw text between the quotes is the value itself.
fn content_start(text: &str, span: &Range<usize>, value: &str) -> Option<usize> {
    let raw = text.get(span.clone())?;
    let delimiter = ["'''", "\"\"\"", "'", "\""]
        .into_iter()
        .find(|d| raw.starts_with(d))?;
    let mut start = span.start + delimiter.len();
    let mut inner = raw.get(delimiter.len()..raw.len().checked_sub(delimiter.len())?)?;
    if delimiter.len() == 3 {
        if let Some(rest) = inner.strip_prefix("\r\n") {
            inner = rest;
            start += 2;
        } else if let Some(rest) = inner.strip_prefix('\n') {
            inner = rest;
            start += 1;
        }
    }
    (inner == value).then_some(start)
}

/// Dedups the prefixes the walk recorded: keeps only maximal paths at each
/// position.
pub fn maximal_paths(paths: &[FieldPath]) -> Vec<&FieldPath> {
    paths
        .iter()
        .filter(|p| {
            !paths.iter().any(|q| {
                q.segments.len() > p.segments.len()
                    && q.segments.starts_with(&p.segments)
                    && q.span.start == p.span.start
            })
        })
        .collect()
}
