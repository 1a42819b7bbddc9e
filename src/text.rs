//! Text positions: byte offsets, lines and the two LSP position encodings.

use std::ops::Range;

/// How a column is counted (LSP 3.17 `positionEncoding`, R-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    /// UTF-16 code units: the LSP default.
    #[default]
    Utf16,
    /// UTF-8 bytes, when the client offers `utf-8`.
    Utf8,
}

/// A zero-based line and column in some [`PositionEncoding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
pub struct LineCol {
    /// Zero-based line.
    pub line: u32,
    /// Zero-based column, in the encoding's units.
    #[serde(rename = "character")]
    pub col: u32,
}

/// Maps byte offsets of one text to lines and columns and back.
///
/// Built in O(n) once per text; lookups are a binary search over line starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Indexes `text`'s line starts (`\n`; a `\r` before it belongs to the line).
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            line_starts,
            len: text.len(),
        }
    }

    /// Updates the index for `text[range]` replaced by `new_text`, in O(lines after the
    /// edit) without reading the rest of the text: the result equals
    /// `LineIndex::new(edited text)`. `range` must lie within the indexed text (it is
    /// clamped to it otherwise).
    pub fn edit(&mut self, range: Range<usize>, new_text: &str) {
        let end = range.end.min(self.len);
        let start = range.start.min(end);
        let first = self.line_starts.partition_point(|&s| s <= start);
        let after = self.line_starts.partition_point(|&s| s <= end);
        let removed = end - start;
        for s in &mut self.line_starts[after..] {
            *s = *s - removed + new_text.len();
        }
        let inserted = new_text.match_indices('\n').map(|(i, _)| start + i + 1);
        self.line_starts.splice(first..after, inserted);
        self.len = self.len - removed + new_text.len();
    }

    /// Number of lines (a trailing newline opens an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte range of line `line` without its line break, or `None` past the end.
    pub fn line_range(&self, text: &str, line: u32) -> Option<Range<usize>> {
        let start = *self.line_starts.get(line as usize)?;
        let mut end = self
            .line_starts
            .get(line as usize + 1)
            .map_or(self.len, |e| e - 1);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some(start..end.max(start))
    }

    /// The position of byte `offset` (clamped to the text; a column inside a character is
    /// rounded down to its start).
    pub fn position(&self, text: &str, offset: usize, enc: PositionEncoding) -> LineCol {
        let mut offset = offset.min(self.len);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = match enc {
            PositionEncoding::Utf8 => offset - start,
            PositionEncoding::Utf16 => text[start..offset].chars().map(char::len_utf16).sum(),
        };
        LineCol {
            line: line as u32,
            col: col as u32,
        }
    }

    /// The byte offset of a position; columns past the line's end clamp to it, lines past
    /// the text's end clamp to its end. Never panics on client input.
    pub fn offset(&self, text: &str, pos: LineCol, enc: PositionEncoding) -> usize {
        let Some(range) = self.line_range(text, pos.line) else {
            return self.len;
        };
        let line = &text[range.clone()];
        let mut units = 0u32;
        for (i, ch) in line.char_indices() {
            if units >= pos.col {
                return range.start + i;
            }
            units += match enc {
                PositionEncoding::Utf8 => ch.len_utf8() as u32,
                PositionEncoding::Utf16 => ch.len_utf16() as u32,
            };
        }
        range.end
    }

    /// Both ends of a byte range.
    pub fn range(
        &self,
        text: &str,
        range: Range<usize>,
        enc: PositionEncoding,
    ) -> (LineCol, LineCol) {
        (
            self.position(text, range.start, enc),
            self.position(text, range.end, enc),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// An edited index equals the index of the edited text, for any edit of any text
        /// (line breaks, CRLF and multi-byte characters included).
        #[test]
        fn edit_equals_rebuild(
            text in "[a\\n\\r\u{e9}\u{1f600}]{0,40}",
            new_text in "[b\\n\\r\u{4e16}]{0,12}",
            a in 0usize..48,
            b in 0usize..48,
        ) {
            let boundary = |mut i: usize| {
                i = i.min(text.len());
                while !text.is_char_boundary(i) { i -= 1; }
                i
            };
            let (a, b) = (boundary(a.min(b)), boundary(a.max(b)));
            let mut idx = LineIndex::new(&text);
            idx.edit(a..b, &new_text);
            let mut edited = text.clone();
            edited.replace_range(a..b, &new_text);
            let fresh = LineIndex::new(&edited);
            proptest::prop_assert_eq!(&idx.line_starts, &fresh.line_starts);
            proptest::prop_assert_eq!(idx.len, fresh.len);
        }
    }

    #[test]
    fn r5_utf16_and_utf8_columns() {
        let text = "Привет 世界 😀 [a](b.md)\nx";
        let idx = LineIndex::new(text);
        let at = text.find("[a]").unwrap();
        // 6 Cyrillic + space + 2 CJK + space + emoji (2 units) + space = 13 UTF-16 units.
        assert_eq!(
            idx.position(text, at, PositionEncoding::Utf16),
            LineCol { line: 0, col: 13 }
        );
        assert_eq!(
            idx.position(text, at, PositionEncoding::Utf8),
            LineCol {
                line: 0,
                col: at as u32
            }
        );
        assert_eq!(
            idx.offset(text, LineCol { line: 0, col: 13 }, PositionEncoding::Utf16),
            at
        );
        assert_eq!(
            idx.offset(text, LineCol { line: 1, col: 99 }, PositionEncoding::Utf16),
            text.len()
        );
        assert_eq!(
            idx.offset(text, LineCol { line: 7, col: 0 }, PositionEncoding::Utf16),
            text.len()
        );
    }
}
