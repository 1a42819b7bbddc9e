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
