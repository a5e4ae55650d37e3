//! Placeholders in a rule's `message` and `label`: `{feature.<path>}` and
//! `{base.<path>}` are the manifest's value at that dotted path (now and at
//! the base), and in a rule with `each`, `{key}` is the entry's key and
//! `{value}` / `{value.<path>}` the entry or a field inside it. No CEL is
//! run: a placeholder is a field lookup, so a message cannot fail or loop.
//!
//! A string is inserted as its text (`moved from `{base.stage}``), a number
//! or a boolean as TOML writes it, a list of such values as `a, b`. A
//! placeholder whose field is absent, or is a table, cannot be filled: the
//! caller then falls back to the rule's title or to the default label.
//! Anything else in braces is left as written.

use cel::Value as Cel;
use cel::objects::Key;

use crate::model::tree::{Table, Value};

/// Where placeholders are looked up.
pub(super) struct Values<'a> {
    pub feature: &'a Table,
    pub base: Option<&'a Table>,
    /// `{key}` and the entry's value, in a rule with `each`.
    pub entry: Option<(&'a str, &'a Cel)>,
}

/// `template` with its placeholders filled, or `None` when one of them
/// names something that is not there.
pub(super) fn fill(template: &str, values: &Values<'_>) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return Some(out);
        };
        let name = &after[..close];
        match resolve(name, values) {
            Resolved::Value(text) => out.push_str(&shown(&text)),
            Resolved::Missing => return None,
            Resolved::NotAPlaceholder => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The most characters of one filled value: a message quotes a value, it
/// does not copy a document into every finding.
pub(super) const MAX_FILLED_CHARS: usize = 120;

/// A filled value on one line, at most [`MAX_FILLED_CHARS`] characters
/// (cut with `…`): line breaks and tabs as `\n`, `\r`, `\t`.
fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_FILLED_CHARS * 4));
    for (count, c) in text.chars().enumerate() {
        if count == MAX_FILLED_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

enum Resolved {
    Value(String),
    Missing,
    NotAPlaceholder,
}

fn resolve(name: &str, values: &Values<'_>) -> Resolved {
    let (root, path) = match name.split_once('.') {
        Some((root, path)) => (root, Some(path)),
        None => (name, None),
    };
    let found = match (root, path) {
        ("feature", Some(path)) => manifest(values.feature, path),
        ("base", Some(path)) => values.base.and_then(|base| manifest(base, path)),
        ("key", None) => values.entry.map(|(key, _)| key.to_string()),
        ("value", path) => values.entry.and_then(|(_, value)| entry_value(value, path)),
        _ => return Resolved::NotAPlaceholder,
    };
    found.map_or(Resolved::Missing, Resolved::Value)
}

fn manifest(table: &Table, path: &str) -> Option<String> {
    show_value(&table.lookup(path)?.node.value)
}

fn show_value(value: &Value) -> Option<String> {
    Some(match value {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => show_float(*f),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|n| show_value(&n.value))
            .collect::<Option<Vec<_>>>()?
            .join(", "),
        Value::Table(_) => return None,
    })
}

fn show_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

fn entry_value(value: &Cel, path: Option<&str>) -> Option<String> {
    let mut current = value;
    for segment in path.into_iter().flat_map(|p| p.split('.')) {
        let Cel::Map(map) = current else {
            return None;
        };
        current = map.map.get(&Key::String(segment.to_string().into()))?;
    }
    show_cel(current)
}

fn show_cel(value: &Cel) -> Option<String> {
    Some(match value {
        Cel::String(s) => s.to_string(),
        Cel::Int(i) => i.to_string(),
        Cel::UInt(u) => u.to_string(),
        Cel::Float(f) => show_float(*f),
        Cel::Bool(b) => b.to_string(),
        Cel::List(items) => items
            .iter()
            .map(show_cel)
            .collect::<Option<Vec<_>>>()?
            .join(", "),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tree::parse_document;

    #[test]
    fn filled_values_are_one_short_line() {
        assert_eq!(shown("a\nb\tc"), "a\\nb\\tc");
        let long = "x".repeat(1000);
        let cut = shown(&long);
        assert_eq!(cut.chars().count(), MAX_FILLED_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn fills_fields_of_the_feature_the_base_and_the_entry() {
        let feature = parse_document(
            "stage = \"cleared\"\ntags = [\"a\", \"b\"]\n[m]\nx = 0.81\ny = 1.0\n",
            0,
        )
        .unwrap();
        let base = parse_document("stage = \"concept\"\n", 0).unwrap();
        let entry = cel::Value::Map(cel::objects::Map {
            map: std::sync::Arc::new(
                [(Key::String("target".to_string().into()), Cel::Float(0.85))]
                    .into_iter()
                    .collect(),
            ),
        });
        let values = Values {
            feature: &feature,
            base: Some(&base),
            entry: Some(("gamma", &entry)),
        };
        let fill = |t: &str| fill(t, &values);
        assert_eq!(
            fill("moved from `{base.stage}` to `{feature.stage}`").as_deref(),
            Some("moved from `concept` to `cleared`")
        );
        assert_eq!(
            fill("{feature.m.x} {feature.m.y} {feature.tags}").as_deref(),
            Some("0.81 1.0 a, b")
        );
        assert_eq!(
            fill("`{key}` below {value.target}").as_deref(),
            Some("`gamma` below 0.85")
        );
        assert_eq!(fill("{feature.missing}"), None);
        assert_eq!(fill("{feature.m}"), None, "a table cannot be shown");
        assert_eq!(fill("{base.nothing}"), None);
        assert_eq!(
            fill("a {literal} and { braces").as_deref(),
            Some("a {literal} and { braces")
        );
    }
}
