//! Converting parsed TOML into CEL values.

use std::collections::HashMap;
use std::sync::Arc;

use cel::Value as Cel;
use cel::objects::Key;

use crate::model::tree::{Table, Value};

pub fn table(table: &Table) -> Cel {
    let mut map: HashMap<Key, Cel> = HashMap::with_capacity(table.entries.len());
    for entry in &table.entries {
        map.insert(
            Key::String(Arc::new(entry.key.clone())),
            value(&entry.node.value),
        );
    }
    Cel::Map(map.into())
}

pub fn value(value: &Value) -> Cel {
    match value {
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Integer(i) => Cel::Int(*i),
        Value::Float(f) => Cel::Float(*f),
        Value::Boolean(b) => Cel::Bool(*b),
        // CEL is built without timestamps: dates are ISO strings, which
        // compare correctly as strings (`today`, `expires`, `date`).
        Value::Datetime(d) => Cel::String(Arc::new(d.to_string())),
        Value::Array(items) => Cel::List(Arc::new(
            items.iter().map(|n| self::value(&n.value)).collect(),
        )),
        Value::Table(t) => self::table(t),
    }
}

pub fn string(text: &str) -> Cel {
    Cel::String(Arc::new(text.to_string()))
}

pub fn map(entries: Vec<(String, Cel)>) -> Cel {
    let map: HashMap<Key, Cel> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k)), v))
        .collect();
    Cel::Map(map.into())
}

use cel::common::types::{CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelString};
use cel::common::value::Val;

/// A manifest as a CEL value that borrows its strings from the parsed
/// table: no copies, and no second conversion through [`Cel`].
pub fn table_val(table: &Table) -> Box<dyn Val + '_> {
    let mut map: HashMap<CelMapKey<'_>, Box<dyn Val + '_>> =
        HashMap::with_capacity(table.entries.len());
    for entry in &table.entries {
        map.insert(
            CelMapKey::from(entry.key.as_str()),
            value_val(&entry.node.value),
        );
    }
    Box::new(CelMap::from(map))
}

fn value_val(value: &Value) -> Box<dyn Val + '_> {
    match value {
        Value::String(s) => Box::new(CelString::from(s.as_str())),
        Value::Integer(i) => Box::new(CelInt::from(*i)),
        Value::Float(f) => Box::new(CelDouble::from(*f)),
        Value::Boolean(b) => Box::new(CelBool::from(*b)),
        Value::Datetime(d) => Box::new(CelString::from(d.to_string())),
        Value::Array(items) => Box::new(CelList::from(
            items
                .iter()
                .map(|n| value_val(&n.value))
                .collect::<Vec<_>>(),
        )),
        Value::Table(t) => table_val(t),
    }
}
