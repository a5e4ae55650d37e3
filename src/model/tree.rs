//! A parsed TOML document in which every key and value keeps its byte span,
//! so any finding can point at the exact evidence.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

mod fast;
use toml::value::Datetime;

/// A TOML value with the span it was written at.
#[derive(Clone, Debug)]
pub struct Node {
    pub span: Range<usize>,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub enum Value {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Datetime(Datetime),
    Array(Vec<Node>),
    Table(Table),
}

/// A table's entries in document order.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub node: Node,
}

/// A syntax error: message and span.
#[derive(Clone, Debug)]
pub struct SyntaxError {
    pub message: String,
    pub span: Range<usize>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.node)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Follows a dotted path (`monitoring.toxicity.max`) through nested tables.
    pub fn lookup(&self, path: &str) -> Option<&Entry> {
        let mut table = self;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let entry = table.entry(part)?;
            if parts.peek().is_none() {
                return Some(entry);
            }
            match &entry.node.value {
                Value::Table(inner) => table = inner,
                _ => return None,
            }
        }
        None
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.key.as_str())
    }
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::Boolean(_) => "boolean",
            Value::Datetime(_) => "datetime",
            Value::Array(_) => "array",
            Value::Table(_) => "table",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&Table> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }
}

/// Parses a TOML document. `offset` is added to every span (used when the
/// document is embedded in a larger file, like playbook front matter, or
/// follows a byte-order mark).
pub fn parse_document(text: &str, offset: usize) -> Result<Table, SyntaxError> {
    if let Some(table) = fast::parse(text, offset) {
        return Ok(table);
    }
    parse_full(text, offset)
}

/// [`parse_document`] with the general parser only.
pub fn parse_full(text: &str, offset: usize) -> Result<Table, SyntaxError> {
    match DeTable::parse(text) {
        Ok(table) => convert_table(table.get_ref(), offset),
        Err(error) => Err(SyntaxError {
            message: error.message().trim_end().to_string(),
            span: shift(error.span().unwrap_or(0..0), offset),
        }),
    }
}

fn shift(span: Range<usize>, offset: usize) -> Range<usize> {
    span.start + offset..span.end + offset
}

fn convert_table(table: &DeTable<'_>, offset: usize) -> Result<Table, SyntaxError> {
    let mut entries = Vec::with_capacity(table.len());
    for (key, value) in table.iter() {
        entries.push(Entry {
            key: key.get_ref().to_string(),
            key_span: shift(key.span(), offset),
            node: convert_value(value.get_ref(), shift(value.span(), offset), offset)?,
        });
    }
    Ok(Table { entries })
}

fn convert_value(
    value: &DeValue<'_>,
    span: Range<usize>,
    offset: usize,
) -> Result<Node, SyntaxError> {
    let out_of_range = |what: &str| SyntaxError {
        message: format!("{what} is out of range"),
        span: span.clone(),
    };
    let value = match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => Value::Integer(
            i64::from_str_radix(i.as_str(), i.radix()).map_err(|_| out_of_range("integer"))?,
        ),
        DeValue::Float(f) => {
            Value::Float(parse_float(f.as_str()).ok_or_else(|| out_of_range("float"))?)
        }
        DeValue::Boolean(b) => Value::Boolean(*b),
        DeValue::Datetime(d) => Value::Datetime(*d),
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| convert_value(item.get_ref(), shift(item.span(), offset), offset))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(table) => Value::Table(convert_table(table, offset)?),
    };
    Ok(Node { span, value })
}

fn parse_float(text: &str) -> Option<f64> {
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    match cleaned.as_str() {
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        other => other.parse().ok().filter(|f: &f64| f.is_finite()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_values_and_keys() {
        let text = "id = \"x\"\n[risk]\nresidual = 'low'\n";
        let table = parse_document(text, 0).unwrap();
        let id = table.entry("id").unwrap();
        assert_eq!(&text[id.key_span.clone()], "id");
        assert_eq!(&text[id.node.span.clone()], "\"x\"");
        let residual = table.lookup("risk.residual").unwrap();
        assert_eq!(&text[residual.node.span.clone()], "'low'");
    }

    #[test]
    fn syntax_errors_have_spans() {
        let error = parse_document("a = \n", 0).unwrap_err();
        assert!(error.span.end <= 5);
    }
}
