//! A fast path for the plain TOML that manifests are made of: bare keys,
//! `[table]` and `[a.b]` headers, single-line strings without escapes,
//! decimal integers and floats, booleans, arrays and inline tables.
//!
//! It builds the same [`Table`] as the full parser, spans included, and
//! gives up (`None`) at the first thing outside that subset or anything it
//! cannot vouch for: escapes, multi-line strings, quoted or dotted keys,
//! dates, special floats, `[[arrays of tables]]`, a header naming a table
//! that already exists, a duplicate key, a control character. The full
//! parser then reads the document and reports any error. Parsing a large
//! repository's manifests is most of the work of a run, and this subset is
//! several times faster than the general parser.

use std::ops::Range;

use super::{Entry, Node, Table, Value, parse_float};

pub fn parse(text: &str, offset: usize) -> Option<Table> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        text,
        at: 0,
        offset,
        depth: 0,
    };
    parser.document()
}

/// Beyond these the document is left to the full parser, which has its own
/// limits (80 levels of nesting) and no quadratic lookups: hand-written
/// manifests stay far below them.
const MAX_DEPTH: usize = 16;
const MAX_KEYS: usize = 256;
const MAX_TABLES: usize = 256;

struct Parser<'t> {
    bytes: &'t [u8],
    text: &'t str,
    at: usize,
    offset: usize,
    /// Arrays and inline tables currently open.
    depth: usize,
}

impl<'t> Parser<'t> {
    fn document(&mut self) -> Option<Table> {
        let mut root = Table::default();
        // Dotted paths of the tables opened or implied by headers: the only
        // ones a later header may extend.
        let mut opened: Vec<Vec<String>> = Vec::new();
        // The table key-value lines go to, as a path from the root.
        let mut current: Vec<String> = Vec::new();
        loop {
            self.skip_blank();
            match self.peek() {
                None => {
                    compact(&mut root);
                    return Some(root);
                }
                Some(b'\n') => self.at += 1,
                Some(b'\r') => self.newline()?,
                Some(b'#') => self.comment()?,
                Some(b'[') => {
                    current = self.header(&mut root, &mut opened)?;
                    self.line_end()?;
                }
                Some(_) => {
                    let table = table_at(&mut root, &current)?;
                    let (key, key_span) = self.bare_key()?;
                    self.skip_blank();
                    self.expect(b'=')?;
                    self.skip_blank();
                    let node = self.value()?;
                    insert(table, key, key_span, node)?;
                    self.line_end()?;
                }
            }
        }
    }

    /// `[a.b]`: opens a table, implying the ones before it.
    fn header(&mut self, root: &mut Table, opened: &mut Vec<Vec<String>>) -> Option<Vec<String>> {
        let start = self.at;
        self.expect(b'[')?;
        if self.peek() == Some(b'[') {
            return None;
        }
        let mut segments = Vec::new();
        loop {
            if segments.len() == MAX_DEPTH || opened.len() == MAX_TABLES {
                return None;
            }
            segments.push(self.bare_key()?);
            match self.peek()? {
                b'.' => self.at += 1,
                b']' => break,
                _ => return None,
            }
        }
        self.at += 1;
        let header_span = self.span(start..self.at);
        let mut path: Vec<String> = Vec::new();
        let last = segments.len() - 1;
        for (i, (key, key_span)) in segments.into_iter().enumerate() {
            let parent = table_at(root, &path)?;
            path.push(key.clone());
            let exists = parent.entries.iter().any(|e| e.key == key);
            if i == last {
                if exists {
                    return None;
                }
                parent.entries.push(Entry {
                    key,
                    key_span,
                    node: Node {
                        span: header_span.clone(),
                        value: Value::Table(Table::default()),
                    },
                });
                opened.push(path.clone());
            } else if exists {
                // Only a table opened or implied by a header may be entered.
                if !opened.contains(&path) {
                    return None;
                }
            } else {
                parent.entries.push(Entry {
                    key,
                    key_span: key_span.clone(),
                    node: Node {
                        span: key_span,
                        value: Value::Table(Table::default()),
                    },
                });
                opened.push(path.clone());
            }
        }
        Some(path)
    }

    fn value(&mut self) -> Option<Node> {
        let start = self.at;
        let value = match self.peek()? {
            b'"' => Value::String(self.basic_string()?),
            b'\'' => Value::String(self.literal_string()?),
            b'[' | b'{' => {
                if self.depth == MAX_DEPTH {
                    return None;
                }
                self.depth += 1;
                let value = if self.peek()? == b'[' {
                    Value::Array(self.array()?)
                } else {
                    Value::Table(self.inline_table()?)
                };
                self.depth -= 1;
                value
            }
            b't' | b'f' => Value::Boolean(self.boolean()?),
            b'0'..=b'9' | b'+' | b'-' => self.number()?,
            _ => return None,
        };
        Some(Node {
            span: self.span(start..self.at),
            value,
        })
    }

    fn basic_string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => return None,
                b => self.string_byte(b)?,
            }
        }
        let content = self.text[start..self.at].to_string();
        self.at += 1;
        // `"""`: a multi-line string, or an empty one followed by a quote.
        (!(content.is_empty() && self.peek() == Some(b'"'))).then_some(content)
    }

    fn literal_string(&mut self) -> Option<String> {
        self.expect(b'\'')?;
        let start = self.at;
        loop {
            match self.peek()? {
                b'\'' => break,
                b => self.string_byte(b)?,
            }
        }
        let content = self.text[start..self.at].to_string();
        self.at += 1;
        (!(content.is_empty() && self.peek() == Some(b'\''))).then_some(content)
    }

    /// Accepts one byte of a single-line string: no control characters but
    /// tab (so no newlines).
    fn string_byte(&mut self, byte: u8) -> Option<()> {
        if (byte < 0x20 && byte != b'\t') || byte == 0x7f {
            return None;
        }
        self.at += 1;
        Some(())
    }

    fn array(&mut self) -> Option<Vec<Node>> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        loop {
            self.skip_array_space()?;
            if self.peek()? == b']' {
                self.at += 1;
                return Some(items);
            }
            items.push(self.value()?);
            self.skip_array_space()?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(items);
                }
                _ => return None,
            }
        }
    }

    /// Whitespace, newlines and comments between array elements.
    fn skip_array_space(&mut self) -> Option<()> {
        loop {
            self.skip_blank();
            match self.peek() {
                Some(b'\n') => self.at += 1,
                Some(b'\r') => self.newline()?,
                Some(b'#') => self.comment()?,
                _ => return Some(()),
            }
        }
    }

    fn inline_table(&mut self) -> Option<Table> {
        self.expect(b'{')?;
        let mut table = Table::default();
        self.skip_blank();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(table);
        }
        loop {
            self.skip_blank();
            let (key, key_span) = self.bare_key()?;
            self.skip_blank();
            self.expect(b'=')?;
            self.skip_blank();
            let node = self.value()?;
            insert(&mut table, key, key_span, node)?;
            self.skip_blank();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(table);
                }
                _ => return None,
            }
        }
    }

    fn boolean(&mut self) -> Option<bool> {
        for (word, value) in [("true", true), ("false", false)] {
            if self.bytes[self.at..].starts_with(word.as_bytes()) {
                self.at += word.len();
                return self.at_value_end().then_some(value);
            }
        }
        None
    }

    /// A decimal integer, or a float with a fraction and/or an exponent; no
    /// underscores, no leading zeros.
    fn number(&mut self) -> Option<Value> {
        let start = self.at;
        if let Some(date) = self.local_date() {
            return Some(date);
        }
        if matches!(self.peek()?, b'+' | b'-') {
            self.at += 1;
        }
        let digits = self.digits();
        if digits == 0 || (digits > 1 && self.bytes[self.at - digits] == b'0') {
            return None;
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
            float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
            float = true;
        }
        if !self.at_value_end() {
            return None;
        }
        let literal = &self.text[start..self.at];
        if float {
            parse_float(literal).map(Value::Float)
        } else {
            literal.parse().ok().map(Value::Integer)
        }
    }

    /// `2026-11-20`: a local date, the one date form sign-offs and waivers
    /// use. Times and offsets are left to the full parser.
    fn local_date(&mut self) -> Option<Value> {
        let candidate = self.bytes.get(self.at..self.at + 10)?;
        let shape = candidate.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
        if !shape {
            return None;
        }
        let start = self.at;
        self.at += 10;
        if !self.at_value_end() {
            self.at = start;
            return None;
        }
        match self.text[start..self.at].parse::<toml::value::Datetime>() {
            Ok(date) if date.date.is_some() && date.time.is_none() => Some(Value::Datetime(date)),
            _ => {
                self.at = start;
                None
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    /// What may follow a value: the end of the line, a comment, a separator.
    fn at_value_end(&self) -> bool {
        matches!(
            self.peek(),
            None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'#' | b',' | b']' | b'}')
        )
    }

    fn bare_key(&mut self) -> Option<(String, Range<usize>)> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            self.at += 1;
        }
        (self.at > start).then(|| {
            (
                self.text[start..self.at].to_string(),
                self.span(start..self.at),
            )
        })
    }

    /// After a key-value or a header: blanks, an optional comment, then a
    /// newline or the end.
    fn line_end(&mut self) -> Option<()> {
        self.skip_blank();
        match self.peek() {
            None => Some(()),
            Some(b'\n') => {
                self.at += 1;
                Some(())
            }
            Some(b'\r') => self.newline(),
            Some(b'#') => self.comment(),
            Some(_) => None,
        }
    }

    fn comment(&mut self) -> Option<()> {
        self.expect(b'#')?;
        while let Some(byte) = self.peek() {
            match byte {
                b'\n' | b'\r' => break,
                b'\t' => self.at += 1,
                b if b < 0x20 || b == 0x7f => return None,
                _ => self.at += 1,
            }
        }
        Some(())
    }

    /// `\r\n`; a lone carriage return is not a newline.
    fn newline(&mut self) -> Option<()> {
        self.expect(b'\r')?;
        self.expect(b'\n')
    }

    fn skip_blank(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn span(&self, range: Range<usize>) -> Range<usize> {
        range.start + self.offset..range.end + self.offset
    }
}

/// Moves every table's and array's items into storage of their exact size.
/// Parsing grows them by doubling; a large repository keeps thousands of
/// parsed manifests, and the slack would be a good part of their memory.
/// The grown storage is freed at once, for the next document to reuse.
fn compact(table: &mut Table) {
    for entry in &mut table.entries {
        compact_value(&mut entry.node.value);
    }
    if table.entries.capacity() > table.entries.len() {
        let mut exact = Vec::with_capacity(table.entries.len());
        exact.append(&mut table.entries);
        table.entries = exact;
    }
}

fn compact_value(value: &mut Value) {
    match value {
        Value::Table(inner) => compact(inner),
        Value::Array(items) => {
            for item in items.iter_mut() {
                compact_value(&mut item.value);
            }
            if items.capacity() > items.len() {
                let mut exact = Vec::with_capacity(items.len());
                exact.append(items);
                *items = exact;
            }
        }
        _ => {}
    }
}

/// The table at `path`, which headers made.
fn table_at<'a>(root: &'a mut Table, path: &[String]) -> Option<&'a mut Table> {
    let mut table = root;
    for key in path {
        let entry = table.entries.iter_mut().find(|e| e.key == *key)?;
        match &mut entry.node.value {
            Value::Table(inner) => table = inner,
            _ => return None,
        }
    }
    Some(table)
}

/// Adds a key-value; a key defined twice is left to the full parser.
fn insert(table: &mut Table, key: String, key_span: Range<usize>, node: Node) -> Option<()> {
    if table.entries.len() == MAX_KEYS || table.entries.iter().any(|e| e.key == key) {
        return None;
    }
    table.entries.push(Entry {
        key,
        key_span,
        node,
    });
    Some(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::parse_full;
    use super::parse;

    /// The fast path either declines or builds exactly what the full parser
    /// builds, spans included. True when it did not decline.
    fn agrees(text: &str) -> bool {
        let Some(fast) = parse(text, 0) else {
            return false;
        };
        match parse_full(text, 0) {
            Ok(full) => assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{text:?}"),
            Err(error) => panic!(
                "the fast path accepted a document the full parser rejects ({}): {text:?}",
                error.message
            ),
        }
        true
    }

    const MANIFEST: &str = "id = \"enterprise-file-upload\" # the id\n\
        title = 'Enterprise file upload'\n\
        stage = \"review\"\n\
        risk_tier = \"high\"\n\
        reviewed = 2026-11-20\n\
        harm_categories = [\"malware\", \"privacy\"]\n\
        playbooks = [\n  \"red-team@3\", # adversarial\n  'file-handling@2',\n]\n\
        \n\
        [hypothesis]\n\
        statement = \"Cut harmful completions by 40%\"\n\
        [metrics.harmlessness_rate]\n\
        baseline = 0.62\n\
        measured = +8.9e-1\n\
        target = 0.85\n\
        [metrics.helpfulness]\n\
        max_drop = 2\n\
        [risk]\n\
        evasion_potential = -3\n\
        residual = \"medium\"\n\
        mitigations = []\n\
        [risk.review]\n\
        done = true\n\
        [monitoring]\n\
        toxicity = { max = 0.02, page = false, nested = { a = [1, 2.5, {}] } }\n";

    fn toml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                toml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }

    #[test]
    fn manifests_take_the_fast_path() {
        assert!(agrees(MANIFEST));
        assert!(agrees(&MANIFEST.replace('\n', "\r\n")));
        assert!(agrees(""));
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example");
        let mut files = Vec::new();
        toml_files(&example, &mut files);
        let mut manifests = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let taken = agrees(&text);
            // Manifests, sign-offs and waivers are plain; policies and the
            // configuration use `[[rules]]` and multi-line strings.
            let path = file.to_string_lossy();
            if path.contains("/features/") || path.contains("/waivers/") {
                assert!(taken, "{path} declined");
                manifests += 1;
            }
        }
        assert!(manifests >= 8, "{manifests}");
    }

    #[test]
    fn spans_are_shifted_by_the_offset() {
        let text = "a = 'x'\n[t]\nb = [1]\n";
        let shifted = parse(text, 10).unwrap();
        let full = parse_full(text, 10).unwrap();
        assert_eq!(format!("{shifted:?}"), format!("{full:?}"));
        assert_eq!(shifted.entries[0].key_span, 10..11);
    }

    #[test]
    fn documents_outside_the_subset_are_declined() {
        for text in [
            "a = \"tab\\tescape\"",
            "a = \"\"\"multi\"\"\"",
            "a = '''multi'''",
            "\"quoted\" = 1",
            "a.b = 1",
            "a = 1979-05-27T07:32:00",
            "a = 1979-05-27 07:32:00",
            "a = 1979-13-27",
            "a = 1_000",
            "a = 0x1f",
            "a = inf",
            "[[items]]\nx = 1",
            "[a]\n[a]",
            "[a.b]\n[a]",
            "a = 1\na = 2",
            "a = { b = 1 }\n[a.c]",
            "a = { b = 1, }",
            "a = 1 # bell \u{7}",
            "a = 1\rb = 2",
            "\u{feff}a = 1",
            "a = 99999999999999999999",
            "a = 1e999",
        ] {
            assert!(parse(text, 0).is_none(), "{text:?}");
        }
    }

    #[test]
    fn deep_long_or_wide_documents_are_left_to_the_full_parser() {
        // Nesting past the full parser's limit of 80 must not be accepted,
        // and very deep nesting must not exhaust the stack.
        for depth in [17, 81, 50_000] {
            let arrays = format!("a = {}{}", "[".repeat(depth), "]".repeat(depth));
            assert!(parse(&arrays, 0).is_none(), "{depth}");
            let tables = format!("a = {}1{}", "{a=".repeat(depth), "}".repeat(depth));
            assert!(parse(&tables, 0).is_none(), "{depth}");
        }
        assert!(agrees(&format!("a = {}{}", "[".repeat(16), "]".repeat(16))));
        assert!(parse(&format!("[{}]", vec!["a"; 81].join(".")), 0).is_none());
        // Lookups are linear: thousands of keys or tables go to the full
        // parser instead of taking quadratic time here.
        let keys: String = (0..5000).map(|i| format!("k{i} = {i}\n")).collect();
        assert!(parse(&keys, 0).is_none());
        let tables: String = (0..5000).map(|i| format!("[t{i}]\n")).collect();
        assert!(parse(&tables, 0).is_none());
    }

    #[test]
    fn the_toml_test_corpus_agrees_with_the_full_parser() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/toml-test");
        let (mut valid, mut invalid) = (Vec::new(), Vec::new());
        toml_files(&corpus.join("valid"), &mut valid);
        toml_files(&corpus.join("invalid"), &mut invalid);
        assert!(!valid.is_empty() && !invalid.is_empty(), "corpus missing");
        let mut taken = 0;
        for file in valid.iter().chain(&invalid) {
            if let Ok(text) = std::fs::read_to_string(file) {
                taken += usize::from(agrees(&text));
            }
        }
        // Not a vacuous check: many corpus documents are in the subset.
        assert!(
            taken >= 40,
            "only {taken} corpus documents took the fast path"
        );
    }

    #[test]
    fn every_single_byte_edit_of_a_manifest_agrees() {
        // Deleting, replacing or inserting one byte anywhere turns the
        // manifest into thousands of near-miss documents, valid and not.
        let edits: &[&str] = &[
            "", " ", "\t", "\n", "\r", "\"", "'", "=", "[", "]", "{", "}", ",", ".", "#", "\\",
            "x", "0", "1", "-", "+", "e", "_", ":", "\u{7f}", "\0", "é",
        ];
        let seeds = [MANIFEST.to_string(), MANIFEST.replace('\n', "\r\n")];
        let mut taken = 0;
        for seed in &seeds {
            let boundaries: Vec<usize> = seed
                .char_indices()
                .map(|(i, _)| i)
                .chain([seed.len()])
                .collect();
            for window in boundaries.windows(2) {
                let (at, next) = (window[0], window[1]);
                for edit in edits {
                    let replaced = format!("{}{edit}{}", &seed[..at], &seed[next..]);
                    let inserted = format!("{}{edit}{}", &seed[..at], &seed[at..]);
                    taken += usize::from(agrees(&replaced)) + usize::from(agrees(&inserted));
                }
            }
        }
        assert!(taken > 1000, "only {taken} edits took the fast path");
    }
}
