//! One line index for every column convention in play: TOML and miette count
//! bytes, CEL counts characters, SARIF counts code points or UTF-16 units, and
//! GitHub wants 1-based columns. Everything is stored as byte offsets and
//! converted here, in one place.

/// Start offsets of every line of a text. A leading byte-order mark is not
/// part of the first line: editors do not count it as a column.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![crate::model::read::bom_len(text)];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The 0-based line holding `offset` (offsets past the end belong to the
    /// last line).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)]
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of the end of `line`, without its `\n` or `\r\n`.
    pub fn line_end(&self, text: &str, line: usize) -> usize {
        let end = if line + 1 < self.starts.len() {
            self.starts[line + 1] - 1
        } else {
            self.len
        };
        let start = self.line_start(line);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        }
    }

    /// 1-based line and 1-based column counted in Unicode scalar values.
    pub fn position_chars(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(self.len));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        Position {
            line: line + 1,
            column: text[start..offset.max(start)].chars().count() + 1,
        }
    }

    /// 1-based line and 1-based column counted in UTF-16 code units.
    pub fn position_utf16(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(self.len));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        Position {
            line: line + 1,
            column: text[start..offset.max(start)].encode_utf16().count() + 1,
        }
    }

    /// 1-based line and 1-based column counted in bytes.
    pub fn position_bytes(&self, offset: usize) -> Position {
        let offset = offset.min(self.len);
        let line = self.line_of(offset);
        Position {
            line: line + 1,
            column: offset.saturating_sub(self.line_start(line)) + 1,
        }
    }

    /// The byte offset of a 1-based line and 1-based character column,
    /// clamped to the text.
    pub fn offset_of_char_position(&self, text: &str, line: usize, column: usize) -> usize {
        if line == 0 || line > self.starts.len() {
            return self.len;
        }
        let start = self.starts[line - 1];
        let end = self.line_end(text, line - 1);
        text[start..end]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(end, |(i, _)| start + i)
    }
}

/// The greatest char boundary at or before `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Byte offset of the `chars`-th character of `text` (or its length).
pub fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn crlf_lines_end_before_the_carriage_return() {
        let text = "a = 1\r\nbb = 2\r\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_end(text, 0), 5);
        assert_eq!(index.position_bytes(7), Position { line: 2, column: 1 });
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}id = 1\nx = 2";
        let index = LineIndex::new(text);
        let id = text.find("id").unwrap();
        assert_eq!(
            index.position_chars(text, id),
            Position { line: 1, column: 1 }
        );
        assert_eq!(index.position_utf16(text, id).column, 1);
        assert_eq!(index.position_bytes(id).column, 1);
        assert_eq!(
            index.position_chars(text, 0),
            Position { line: 1, column: 1 }
        );
        assert_eq!(index.offset_of_char_position(text, 1, 1), id);
        assert_eq!(index.position_chars(text, text.find('x').unwrap()).line, 2);
    }

    #[test]
    fn columns_differ_by_convention() {
        let text = "x = \"é𝄞z\"";
        let index = LineIndex::new(text);
        let z = text.find('z').unwrap();
        assert_eq!(index.position_bytes(z).column, 12);
        assert_eq!(index.position_chars(text, z).column, 8);
        assert_eq!(index.position_utf16(text, z).column, 9);
    }

    proptest! {
        #[test]
        fn char_positions_round_trip(text in "(\\PC|\n|\r\n){0,40}", pick in 0usize..64) {
            let index = LineIndex::new(&text);
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let offset = boundaries[pick % boundaries.len()];
            let position = index.position_chars(&text, offset);
            let back = index.offset_of_char_position(&text, position.line, position.column);
            // An offset inside a CRLF pair maps to the end of its line.
            prop_assert!(back == offset || (text.as_bytes().get(offset) == Some(&b'\n') && back + 1 == offset));
            prop_assert!(position.line <= index.line_count());
            let utf16 = index.position_utf16(&text, offset);
            prop_assert_eq!(utf16.line, position.line);
            prop_assert!(utf16.column >= position.column);
            prop_assert!(index.position_bytes(offset).column >= position.column);
        }
    }
}
