//! The toml-test corpus (`tests/data/toml-test/`, MIT, licence beside it):
//! every invalid file, loaded as a feature manifest, must give an error
//! diagnostic with a span in that manifest (never a panic), and every valid
//! file must parse.
//!
//! Which files apply: the corpus ships two lists, `files-toml-1.0.0` and
//! `files-toml-1.1.0`, naming the files that hold for each TOML version. The
//! `toml` crate implements TOML 1.1, so the 1.1 list is the authority for
//! `invalid/`. Of the 17 files listed only for 1.0, nine are documents that
//! TOML 1.1 made valid (newlines and trailing commas in inline tables, times
//! without seconds, `\xHH` escapes): they are skipped because the parser
//! accepts them. The other eight (`invalid/spec-1.0.0/`) are still invalid
//! and are checked like the rest. Every `valid/` file is checked, including
//! the 1.0 spec examples: TOML 1.1 accepts every valid 1.0 document. The
//! corpus holds only `*.toml` files (no `*.json` expectations), and every
//! `valid/` file is UTF-8.

use std::collections::BTreeSet;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use policy_lint::engine;
use policy_lint::model::config::Config;
use policy_lint::model::{tree, workspace};
use policy_lint::source::WorkTree;
use policy_lint::{Diagnostic, Settings, Severity};

const MANIFEST: &str = "features/x/feature.toml";

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/toml-test");
    assert!(
        dir.join("invalid").is_dir() && dir.join("valid").is_dir(),
        "the toml-test corpus is missing at {}; it ships in the repository under tests/data/toml-test",
        dir.display()
    );
    dir
}

/// Every `*.toml` file under `dir`, as `/`-separated paths relative to the
/// corpus root, sorted.
fn toml_files(root: &Path, dir: &str) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read corpus directory") {
            let path = entry.expect("read corpus entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let relative = path.strip_prefix(root).expect("under the corpus root");
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &root.join(dir), &mut out);
    out.sort();
    out
}

fn listed(root: &Path, list: &str) -> BTreeSet<String> {
    std::fs::read_to_string(root.join(list))
        .unwrap_or_else(|e| panic!("read {list}: {e}"))
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// 1-based line of a byte offset, counting `\n` only (as the `toml` crate
/// does), computed independently of the crate's own line index.
fn line_of(text: &[u8], offset: usize) -> usize {
    1 + text[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

/// Where the `toml` crate itself puts the error in `text` (it skips one
/// leading byte-order mark and keeps offsets true to the text).
/// `DeTable::parse` finds the syntax errors; values it keeps as text
/// (integers out of range) are only rejected when deserialized, so fall
/// back to a full parse.
fn parser_error_span(text: &str) -> Option<Range<usize>> {
    let span = match toml::de::DeTable::parse(text) {
        Err(error) => error.span(),
        Ok(_) => match toml::from_str::<toml::Table>(text) {
            Err(error) => error.span(),
            Ok(_) => return None,
        },
    };
    Some(span.unwrap_or(0..0))
}

fn load_manifest(bytes: &[u8]) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join(MANIFEST);
    std::fs::create_dir_all(manifest.parent().unwrap()).unwrap();
    std::fs::write(&manifest, bytes).unwrap();
    let tree = WorkTree::new(dir.path());
    let workspace = workspace::load(&tree, &tree, "", Config::default());
    let today = jiff::civil::date(2026, 11, 26);
    engine::check(&workspace, &Settings::new(Config::default(), today)).diagnostics
}

/// Checks one invalid file; returns why it failed, if it did.
fn check_invalid(bytes: &[u8]) -> Result<&'static str, String> {
    let diagnostics = catch_unwind(AssertUnwindSafe(|| load_manifest(bytes)))
        .map_err(|_| "panicked".to_string())?;
    let in_manifest: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter(|d| d.primary.as_ref().is_some_and(|l| l.file.path == MANIFEST))
        .collect();
    let summary = || {
        diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    // A syntax error (PL001) or, for bytes that are not UTF-8 text, an
    // encoding error (PL002). A schema error alone (missing `id`) would mean
    // the invalid document was accepted.
    let Some(diagnostic) = in_manifest
        .iter()
        .find(|d| d.code == "PL001" || d.code == "PL002")
    else {
        return Err(format!(
            "no PL001/PL002 error in {MANIFEST}; got [{}]",
            summary()
        ));
    };
    // Every label in the manifest, of any diagnostic, lies inside it.
    for d in &diagnostics {
        for label in d.primary.iter().chain(&d.related) {
            if label.file.path == MANIFEST && label.span.end > bytes.len() {
                return Err(format!(
                    "{} span {:?} ends past the {}-byte file",
                    d.code,
                    label.span,
                    bytes.len()
                ));
            }
        }
    }
    let label = diagnostic.primary.as_ref().unwrap();
    let span = label.span.clone();
    if span.start > span.end || span.end > bytes.len() {
        return Err(format!(
            "{} span {span:?} is not inside the {}-byte file",
            diagnostic.code,
            bytes.len()
        ));
    }
    if !label.file.text.is_char_boundary(span.start) || !label.file.text.is_char_boundary(span.end)
    {
        return Err(format!(
            "{} span {span:?} splits a character",
            diagnostic.code
        ));
    }
    if diagnostic.code == "PL002" {
        if std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) {
            return Err(format!(
                "PL002 on a UTF-8 text file without NUL bytes: {}",
                diagnostic.message
            ));
        }
        return Ok("PL002");
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err("PL001 on a file that is not UTF-8".to_string());
    };
    let Some(expected) = parser_error_span(text) else {
        return Err(format!(
            "PL001 ({}) but the toml crate accepts the file",
            diagnostic.message
        ));
    };
    let (got, want) = (line_of(bytes, span.start), line_of(bytes, expected.start));
    if got != want {
        return Err(format!(
            "PL001 on line {got} ({span:?}), the toml crate names line {want} ({expected:?}): {}",
            diagnostic.message
        ));
    }
    Ok("PL001")
}

#[test]
fn every_invalid_file_gives_a_spanned_error() {
    let root = corpus();
    let in_scope = listed(&root, "files-toml-1.1.0");
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let (mut checked, mut syntax, mut encoding) = (0, 0, 0);
    for name in toml_files(&root, "invalid") {
        let bytes = std::fs::read(root.join(&name)).expect("read corpus file");
        if !in_scope.contains(&name) {
            // Invalid in TOML 1.0 only (see the module doc): skipped when
            // the TOML 1.1 parser accepts it, checked like the rest if not.
            let accepted =
                std::str::from_utf8(&bytes).is_ok_and(|text| parser_error_span(text).is_none());
            if accepted {
                skipped.push(name);
                continue;
            }
        }
        checked += 1;
        match check_invalid(&bytes) {
            Ok("PL002") => encoding += 1,
            Ok(_) => syntax += 1,
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    println!(
        "invalid/: {checked} checked ({syntax} PL001, {encoding} PL002), \
         {} skipped as valid in TOML 1.1 ({}), {} failed",
        skipped.len(),
        skipped.join(", "),
        failures.len()
    );
    assert!(checked > 400, "only {checked} invalid files found");
    assert!(
        failures.is_empty(),
        "{} of {checked} invalid files were mishandled:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_valid_file_parses() {
    let root = corpus();
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in toml_files(&root, "valid") {
        checked += 1;
        let bytes = std::fs::read(root.join(&name)).expect("read corpus file");
        // Every valid file in the corpus is UTF-8 (TOML requires it); two
        // start with a byte-order mark, which the parser skips.
        let Ok(text) = std::str::from_utf8(&bytes) else {
            failures.push(format!("{name}: not UTF-8"));
            continue;
        };
        match catch_unwind(|| tree::parse_document(text, 0)) {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                failures.push(format!("{name}: {} at {:?}", error.message, error.span))
            }
            Err(_) => failures.push(format!("{name}: panicked")),
        }
    }
    println!("valid/: {checked} checked, {} failed", failures.len());
    assert!(checked > 200, "only {checked} valid files found");
    assert!(
        failures.is_empty(),
        "{} of {checked} valid files were rejected:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
