//! The canonical content digest a sign-off is bound to.
//!
//! The subject's parsed TOML is written in a canonical form (keys sorted,
//! values normalized, `signoff.digest_excludes` removed) and hashed with
//! SHA-256. Reformatting, reordering keys and comments do not change the
//! digest; any change of a value does. Canonical form, one value per rule:
//!
//! - table: `{` then `"key":value` pairs sorted by key, joined by `,`, then `}`
//! - array: `[` values joined by `,` `]`
//! - string: JSON string escaping
//!
//! Line endings never matter: a file with CRLF line endings (a Windows
//! checkout) is digested as the same file with LF, the way git stores it, so
//! a multi-line string signs the same everywhere ([`digest_file`]). Only the
//! file's own line breaks are normalised: a `\r` written as an escape is
//! content.
//! - integer: decimal; float: `f:` + shortest round-trip form (so `1` and
//!   `1.0` differ, as they do in CEL); boolean: `true` / `false`
//! - date/time: `t:` + its TOML (RFC 3339) text

use sha2::{Digest, Sha256};

use crate::model::tree::{Table, Value};

/// `sha256:` and the hash in lower-case hex (sha2 0.10's output does not
/// format itself).
fn sha256_text(hash: &[u8]) -> String {
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in hash {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The digest of a parsed file: as [`digest`], except that a file with CRLF
/// line endings is digested as its LF form (multi-line strings would
/// otherwise carry the CRs).
pub fn digest_file(
    file: &crate::diagnostic::SourceFile,
    table: &Table,
    excludes: &[String],
) -> String {
    if file.text.contains("\r\n") {
        let normalized =
            crate::diagnostic::SourceFile::new(file.path.clone(), file.text.replace("\r\n", "\n"));
        if let Ok(table) = crate::model::read::parse_toml(&normalized) {
            return digest(&table, excludes);
        }
    }
    digest(table, excludes)
}

/// `sha256:<hex>` of the canonical form of `table` minus `excludes`
/// (dotted paths; `stage` or `monitoring.toxicity`).
pub fn digest(table: &Table, excludes: &[String]) -> String {
    let mut canonical = String::new();
    write_table(&mut canonical, table, "", excludes);
    let hash = Sha256::digest(canonical.as_bytes());
    sha256_text(&hash)
}

/// `sha256:<hex>` of a text file taken whole (the allowed-signers file),
/// with CRLF line endings as LF.
pub fn digest_text(text: &str) -> String {
    let hash = Sha256::digest(text.replace("\r\n", "\n").as_bytes());
    sha256_text(&hash)
}

/// `sha256:<hex>` of a Markdown document with TOML front matter (a
/// playbook): the canonical form of the front matter, a newline, then the
/// body with CRLF line endings as LF. Editing the body or the front matter
/// changes it; reformatting the front matter does not.
pub fn digest_document(front_matter: &Table, body: &str) -> String {
    let mut canonical = String::new();
    write_table(&mut canonical, front_matter, "", &[]);
    canonical.push('\n');
    canonical.push_str(&body.replace("\r\n", "\n"));
    let hash = Sha256::digest(canonical.as_bytes());
    sha256_text(&hash)
}

/// The fields of `table` as dotted paths (tables are descended, arrays are
/// leaves), each with its canonical text, minus `excludes`: what a stale
/// sign-off compares to say which values changed.
pub fn leaves(table: &Table, excludes: &[String]) -> Vec<(String, String)> {
    fn walk(table: &Table, prefix: &str, excludes: &[String], out: &mut Vec<(String, String)>) {
        for entry in &table.entries {
            let path = if prefix.is_empty() {
                entry.key.clone()
            } else {
                format!("{prefix}.{}", entry.key)
            };
            if excludes.contains(&path) {
                continue;
            }
            match &entry.node.value {
                Value::Table(inner) => walk(inner, &path, excludes, out),
                value => {
                    let mut text = String::new();
                    write_value(&mut text, value, &path, excludes);
                    out.push((path, text));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(table, "", excludes, &mut out);
    out.sort();
    out
}

/// The canonical text itself, for debugging and tests.
pub fn canonical(table: &Table, excludes: &[String]) -> String {
    let mut canonical = String::new();
    write_table(&mut canonical, table, "", excludes);
    canonical
}

fn write_table(out: &mut String, table: &Table, prefix: &str, excludes: &[String]) {
    let mut entries: Vec<_> = table
        .entries
        .iter()
        .map(|e| {
            let path = if prefix.is_empty() {
                e.key.clone()
            } else {
                format!("{prefix}.{}", e.key)
            };
            (e, path)
        })
        .filter(|(_, path)| !excludes.iter().any(|x| x == path))
        .collect();
    entries.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    out.push('{');
    for (i, (entry, path)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(&entry.key).unwrap_or_default());
        out.push(':');
        write_value(out, &entry.node.value, path, excludes);
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &Value, path: &str, excludes: &[String]) {
    match value {
        Value::Table(table) => write_table(out, table, path, excludes),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, &item.value, path, excludes);
            }
            out.push(']');
        }
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::Integer(i) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if f.is_nan() {
                out.push_str("f:nan");
            } else {
                out.push_str(&format!("f:{f:?}"));
            }
        }
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Datetime(d) => {
            out.push_str("t:");
            out.push_str(&d.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tree::parse_document;

    fn digest_of(text: &str) -> String {
        digest(&parse_document(text, 0).unwrap(), &["stage".to_string()])
    }

    #[test]
    fn formatting_and_comments_do_not_change_the_digest() {
        let a = digest_of("id = \"x\"\nrisk_tier = \"high\"\n[risk]\nresidual = \"low\"\n");
        let b = digest_of(
            "# a comment\nrisk_tier = 'high'   # same value\nid = \"x\"\nrisk = { residual = \"low\" }\n",
        );
        assert_eq!(a, b);
    }

    #[test]
    fn crlf_line_endings_inside_strings_do_not_change_the_digest() {
        let file_digest = |text: &str| {
            let file = crate::diagnostic::SourceFile::new("f.toml", text);
            let table = crate::model::read::parse_toml(&file).unwrap();
            super::digest_file(&file, &table, &[])
        };
        let lf = file_digest("statement = \"\"\"\nline one\nline two\n\"\"\"\n");
        let crlf = file_digest("statement = \"\"\"\r\nline one\r\nline two\r\n\"\"\"\r\n");
        assert_eq!(lf, crlf);
        // An escaped CR before a line break is content (found by fuzzing:
        // normalising the parsed value instead made these two differ).
        let escaped = "s = \"\"\"a\\r\nb\"\"\"\n";
        assert_eq!(
            file_digest(escaped),
            file_digest(&escaped.replace('\n', "\r\n"))
        );
        // A CR written as an escape is content, not a line ending.
        assert_ne!(lf, file_digest("statement = \"line one\\rline two\\n\""));
        assert_ne!(
            file_digest("s = \"a\\r\\nb\""),
            file_digest("s = \"a\\nb\""),
            "an escaped CRLF is content"
        );
    }

    #[test]
    fn a_change_of_meaning_changes_the_digest() {
        assert_ne!(
            digest_of("risk_tier = \"high\""),
            digest_of("risk_tier = \"low\"")
        );
        assert_ne!(digest_of("x = 1"), digest_of("x = 1.0"));
        assert_ne!(digest_of("x = [1, 2]"), digest_of("x = [2, 1]"));
    }

    #[test]
    fn excluded_fields_do_not_count() {
        assert_eq!(
            digest_of("id = \"x\"\nstage = \"review\""),
            digest_of("id = \"x\"\nstage = \"cleared\"")
        );
    }
}
