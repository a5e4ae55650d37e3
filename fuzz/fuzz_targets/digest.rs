//! The sign-off digest: for any TOML document, the digest is invariant
//! under reformatting, key order and line endings, and changes with any
//! value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_lint::model::digest::digest_file;
use policy_lint::model::read::{decode, parse_toml};

fn digest_of(text: &str) -> Option<String> {
    let file = decode("f.toml", text.as_bytes().to_vec()).ok()?;
    let table = parse_toml(&file).ok()?;
    Some(digest_file(&file, &table, &[]))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(original) = digest_of(text) else {
        return;
    };
    let Ok(value) = text.parse::<toml::Table>() else {
        return;
    };
    // Reformatted by another serializer: same meaning, same digest.
    if let Ok(reformatted) = toml::to_string(&value)
        && let Some(again) = digest_of(&reformatted)
    {
        assert_eq!(original, again, "reformatting changed the digest:\n{text}\n---\n{reformatted}");
    }
    // Keys in reverse order.
    let reversed: toml::Table = value.clone().into_iter().rev().collect();
    if let Ok(reordered) = toml::to_string(&reversed)
        && let Some(again) = digest_of(&reordered)
    {
        assert_eq!(original, again, "key order changed the digest");
    }
    // CRLF line endings.
    if !text.contains('\r') {
        let crlf = text.replace('\n', "\r\n");
        if let Some(again) = digest_of(&crlf) {
            assert_eq!(original, again, "line endings changed the digest");
        }
    }
    // Any change of a value changes it.
    // (A key the document does not have, with a value, is a change.)
    let mut key = String::from("__fuzz_added");
    while value.contains_key(&key) {
        key.push('_');
    }
    let mut changed = value.clone();
    changed.insert(key, toml::Value::Integer(1));
    if let Ok(text) = toml::to_string(&changed)
        && let Some(again) = digest_of(&text)
    {
        assert_ne!(original, again, "an added value kept the digest");
    }
});
