//! Rules over a collection. A rule with `each = "feature.metrics"` runs its
//! `filter` and `assert` once per entry of the map or list `each` gives,
//! with the entry bound as `key` (a map's key, a list's index) and `value`.
//! `when` still gates the whole rule, once per feature. Every failing entry
//! is its own finding: it points at the entry in the manifest (or at `at`
//! inside it) and names the entry in its message, so `[metrics.gamma]` is
//! reported as itself and not as the feature's first metric.

use std::ops::Range;

use cel::objects::Key;
use cel::{ExecutionError, Value as Cel};

use super::interpolate::Values;
use super::memo::Evaluation;
use super::{CompiledRule, describe_error, misspelt_in_policy, read_span, repeats_a_schema_error};
use crate::diagnostic::Diagnostic;
use crate::engine::expr::Expression;
use crate::model::feature::Feature;
use crate::model::tree::{Node, Table, Value};

/// One entry of the collection, as bound and as reported.
struct Entry<'f> {
    key: Cel,
    value: Cel,
    /// The key as written in messages: `gamma`, `2`.
    key_text: String,
    /// How messages name the entry: `` `metrics.gamma` `` when the
    /// collection is a manifest field, else `` entry `gamma` ``.
    name: String,
    /// The entry in the manifest, when the collection is a manifest field.
    written: Option<Written<'f>>,
}

struct Written<'f> {
    span: Range<usize>,
    /// The entry's table, for `at` inside it.
    table: Option<&'f Table>,
}

/// Evaluates `compiled`'s per-entry `filter` and `assert` over the entries
/// of `each` for one feature (whose `when` held), adding a finding per
/// failing entry to `out`. A failure of `each` itself (a run-time error, a
/// value that is not a map or a list, a collection over the budget) is one
/// finding of the rule.
pub(super) fn evaluate(
    feature: &Feature,
    compiled: &CompiledRule<'_>,
    each: &Expression,
    evaluation: &mut Evaluation<'_, '_>,
    cascades_quiet: bool,
    out: &mut Vec<Diagnostic>,
) {
    let rule = compiled.rule;
    if compiled.assert.is_none() {
        // A configuration error of the policy: nothing to check per entry.
        return;
    }
    let violation = |message: String, span: Range<usize>, label: String| {
        Diagnostic::new(rule.code.clone(), rule.severity, message)
            .at(&feature.file, span, label)
            .maybe_help(rule.help.clone())
            .feature(feature.id.clone())
    };
    let path = each.feature_selection();
    let collection_node = path.as_deref().and_then(|p| node_at(feature, p));
    // Where a finding about the collection as a whole points.
    let collection_span =
        || collection_node.map_or_else(|| read_span(feature, &[each]), |n| n.span.clone());
    let value = match evaluation.execute(each) {
        Ok(value) => value,
        Err(error)
            if repeats_a_schema_error(feature, each, &error, cascades_quiet)
                || misspelt_in_policy(feature, each, &error) =>
        {
            return;
        }
        Err(error) => {
            let (message, span) = describe_error(feature, each, &error);
            out.push(
                violation(
                    format!("{}: cannot evaluate `each`: {message}", rule.title),
                    span,
                    message,
                )
                .related(
                    &each.file,
                    each.span.clone(),
                    "while evaluating this collection",
                ),
            );
            return;
        }
    };
    let entries = match entries(&value, path.as_deref(), collection_node) {
        Some(entries) => entries,
        None => {
            out.push(
                violation(
                    format!(
                        "{}: `each` must give a map or a list, got {}",
                        rule.title,
                        type_name(&value)
                    ),
                    collection_span(),
                    format!("{} is not a collection", type_name(&value)),
                )
                .related(&each.file, each.span.clone(), "this collection"),
            );
            return;
        }
    };
    let per_entry: Vec<&Expression> = compiled
        .filter
        .iter()
        .chain(compiled.assert.iter())
        .collect();
    if let Err(error) = evaluation.entries_within_budget(entries.len(), &per_entry) {
        out.push(
            violation(
                format!("{}: {}", rule.title, error_text(&error)),
                collection_span(),
                format!("{} entries", entries.len()),
            )
            .related(&each.file, each.span.clone(), "this collection"),
        );
        return;
    }
    let at: Option<Vec<String>> = rule
        .at
        .as_ref()
        .map(|at| at.text.split('.').map(String::from).collect());
    for entry in &entries {
        let span = entry_span(entry, at.as_deref(), || read_span(feature, &[each]));
        let failed = |expression: &Expression, what: &str, problem: Problem| {
            let (message, label) = match problem {
                Problem::NoField(field) => (
                    format!("{} has no field `{field}`", entry.name),
                    format!("no field `{field}`"),
                ),
                Problem::Other(text) => (format!("{}: {text}", entry.name), text),
            };
            violation(format!("{}: {message}", rule.title), span.clone(), label).related(
                &expression.file,
                expression.span.clone(),
                format!("while evaluating this {what} for {}", entry.name),
            )
        };
        if let Some(filter) = &compiled.filter {
            match evaluation.execute_for_entry(filter, &entry.key, &entry.value) {
                Ok(Cel::Bool(true)) => {}
                Ok(Cel::Bool(false)) => continue,
                Ok(other) => {
                    out.push(failed(
                        filter,
                        "filter",
                        Problem::Other(format!(
                            "`filter` must be a boolean, got {}",
                            type_name(&other)
                        )),
                    ));
                    continue;
                }
                Err(error) if misspelt_in_policy(feature, filter, &error) => continue,
                Err(error) => {
                    out.push(failed(
                        filter,
                        "filter",
                        entry_error(feature, filter, &error),
                    ));
                    continue;
                }
            }
        }
        let Some(assert) = &compiled.assert else {
            continue;
        };
        match evaluation.execute_for_entry(assert, &entry.key, &entry.value) {
            Ok(Cel::Bool(true)) => {}
            Ok(Cel::Bool(false)) => {
                let values = Values {
                    feature: &feature.table,
                    base: evaluation.base(),
                    entry: Some((&entry.key_text, &entry.value)),
                };
                let names_entry = rule.message.as_deref().is_some_and(|m| m.contains("{key}"));
                let (message, label) = super::failure_text(
                    rule,
                    &values,
                    at.as_ref().map(|at| at.join(".")).as_deref().unwrap_or(""),
                    false,
                    None,
                );
                let message = if names_entry {
                    message
                } else {
                    format!("{}: {message}", entry.name)
                };
                out.push(violation(message, span.clone(), label).related(
                    &assert.file,
                    assert.span.clone(),
                    format!("{} requires this of every entry", rule.code),
                ));
            }
            Ok(other) => out.push(failed(
                assert,
                "assertion",
                Problem::Other(format!(
                    "`assert` must be a boolean, got {}",
                    type_name(&other)
                )),
            )),
            Err(error) if misspelt_in_policy(feature, assert, &error) => {}
            Err(error) => out.push(failed(
                assert,
                "assertion",
                entry_error(feature, assert, &error),
            )),
        }
    }
}

/// The entries of a map (in key order: the map itself has none) or a list
/// (in order), or `None` when `value` is neither. With the collection's
/// manifest field, each entry knows where it is written.
fn entries<'f>(
    value: &Cel,
    path: Option<&[String]>,
    node: Option<&'f Node>,
) -> Option<Vec<Entry<'f>>> {
    let dotted = path.map(|p| {
        p.iter()
            .map(|s| quoted_key(s))
            .collect::<Vec<_>>()
            .join(".")
    });
    let mut out = Vec::new();
    match value {
        Cel::Map(map) => {
            let mut keyed: Vec<(&Key, &Cel)> = map.map.iter().collect();
            keyed.sort_by_key(|(key, _)| key_order(key));
            for (key, value) in keyed {
                let key = key_value(key);
                let key_text = display(&key);
                let (name, written) = match (&dotted, node, &key) {
                    (Some(dotted), Some(node), Cel::String(k)) => {
                        let written =
                            node.value
                                .as_table()
                                .and_then(|t| t.entry(k))
                                .map(|e| Written {
                                    span: entry_whole(e),
                                    table: e.node.value.as_table(),
                                });
                        (format!("`{dotted}.{}`", quoted_key(k)), written)
                    }
                    (Some(dotted), _, _) => (format!("`{dotted}.{}`", quoted_key(&key_text)), None),
                    (None, _, _) => (format!("entry `{key_text}`"), None),
                };
                out.push(Entry {
                    key,
                    value: value.clone(),
                    key_text,
                    name,
                    written,
                });
            }
        }
        Cel::List(items) => {
            let written = node.and_then(|n| match &n.value {
                Value::Array(items) => Some(items),
                _ => None,
            });
            for (index, value) in items.iter().enumerate() {
                let name = match &dotted {
                    Some(dotted) => format!("`{dotted}[{index}]`"),
                    None => format!("entry {index}"),
                };
                let item = written.and_then(|w| w.get(index)).map(|n| Written {
                    span: n.span.clone(),
                    table: n.value.as_table(),
                });
                out.push(Entry {
                    key: Cel::Int(index as i64),
                    value: value.clone(),
                    key_text: index.to_string(),
                    name,
                    written: item,
                });
            }
        }
        _ => return None,
    }
    Some(out)
}

/// A table entry's span: a `[metrics.gamma]` header or `gamma = {…}`.
fn entry_whole(entry: &crate::model::tree::Entry) -> Range<usize> {
    match &entry.node.value {
        // An inline value: from the key through the value.
        Value::Table(_) if entry.node.span.start > entry.key_span.end => {
            entry.key_span.start..entry.node.span.end
        }
        Value::Table(_) => entry.node.span.clone(),
        _ => entry.key_span.start..entry.node.span.end,
    }
}

/// Where an entry's finding points: `at` inside the entry (as deep as it
/// exists), the entry, or `fallback` when the entry is not a manifest field.
fn entry_span(
    entry: &Entry<'_>,
    at: Option<&[String]>,
    fallback: impl FnOnce() -> Range<usize>,
) -> Range<usize> {
    let Some(written) = &entry.written else {
        return fallback();
    };
    let mut best = None;
    if let (Some(at), Some(mut table)) = (at, written.table) {
        for segment in at {
            let Some(found) = table.entry(segment) else {
                break;
            };
            best = Some(found.node.span.clone());
            match found.node.value.as_table() {
                Some(inner) => table = inner,
                None => break,
            }
        }
    }
    best.unwrap_or_else(|| written.span.clone())
}

/// The node at `path` in the manifest, key by key (keys may hold dots).
fn node_at<'f>(feature: &'f Feature, path: &[String]) -> Option<&'f Node> {
    let mut table = feature.table.as_ref();
    let mut found = None;
    for (i, segment) in path.iter().enumerate() {
        let node = table.get(segment)?;
        if i + 1 < path.len() {
            table = node.value.as_table()?;
        }
        found = Some(node);
    }
    found
}

/// What went wrong evaluating an entry's `filter` or `assert`.
enum Problem {
    /// The entry lacks a field the expression reads.
    NoField(String),
    Other(String),
}

/// A run-time failure for one entry, naming the field that is missing.
fn entry_error(feature: &Feature, expression: &Expression, error: &ExecutionError) -> Problem {
    if let ExecutionError::NoSuchKey(key) = error {
        let from_feature = expression.feature_paths.iter().any(|p| {
            p.segments.iter().any(|s| s == key.as_str())
                && feature.table.lookup(&p.dotted()).is_none()
        });
        if from_feature {
            return Problem::Other(describe_error(feature, expression, error).0);
        }
        return Problem::NoField(key.to_string());
    }
    Problem::Other(error_text(error))
}

fn error_text(error: &ExecutionError) -> String {
    match error {
        ExecutionError::FunctionError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn key_value(key: &Key) -> Cel {
    match key {
        Key::Int(i) => Cel::Int(*i),
        Key::Uint(u) => Cel::UInt(*u),
        Key::Bool(b) => Cel::Bool(*b),
        Key::String(s) => Cel::String(s.clone()),
    }
}

/// Map keys in a fixed order: by kind, then value.
fn key_order(key: &Key) -> (u8, String, i128) {
    match key {
        Key::Bool(b) => (0, String::new(), i128::from(*b)),
        Key::Int(i) => (1, String::new(), i128::from(*i)),
        Key::Uint(u) => (1, String::new(), i128::from(*u)),
        Key::String(s) => (2, s.to_string(), 0),
    }
}

fn display(value: &Cel) -> String {
    match value {
        Cel::String(s) => s.to_string(),
        Cel::Int(i) => i.to_string(),
        Cel::UInt(u) => u.to_string(),
        Cel::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// A key as TOML writes it in a dotted path: bare when it can be.
fn quoted_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn type_name(value: &Cel) -> &'static str {
    match value {
        Cel::List(_) => "a list",
        Cel::Map(_) => "a map",
        Cel::Function(..) => "a function",
        Cel::Int(_) | Cel::UInt(_) => "an integer",
        Cel::Float(_) => "a number",
        Cel::String(_) => "a string",
        Cel::Bytes(_) => "bytes",
        Cel::Bool(_) => "a boolean",
        Cel::Null => "null",
        _ => "a value of another type",
    }
}
