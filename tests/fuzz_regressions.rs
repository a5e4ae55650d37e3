//! Inputs the fuzz targets (`fuzz/`) found, replayed as ordinary tests: each
//! file under `tests/data/fuzz/<target>/` must keep the property its target
//! checks.

use std::path::Path;

use policy_lint::model::digest::digest_file;
use policy_lint::model::read::{decode, parse_toml};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn digest_of(text: &str) -> Option<String> {
    let file = decode("f.toml", text.as_bytes().to_vec()).ok()?;
    let table = parse_toml(&file).ok()?;
    Some(digest_file(&file, &table, &[]))
}

#[test]
fn digest_inputs_keep_their_digest_across_line_endings() {
    let found = inputs("digest");
    assert!(!found.is_empty(), "the digest regressions are missing");
    for (name, bytes) in found {
        let text = String::from_utf8(bytes).unwrap();
        let lf = digest_of(&text).unwrap_or_else(|| panic!("{name} parses"));
        let crlf = digest_of(&text.replace('\n', "\r\n"));
        assert_eq!(Some(lf), crlf, "{name}");
    }
}
