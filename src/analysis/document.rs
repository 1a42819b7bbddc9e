//! The document database: one immutable value per version of a file's text, holding what
//! analysis derives from that text — its line index, its reference scan and, for Python,
//! its syntax tree — each computed at most once and shared by every feature (completion,
//! hover, definition, links, inlay hints, code actions, diagnostics).
//!
//! An edit makes a new [`Document`] from the previous one: the line index is updated in
//! place of being rebuilt, and a Python tree is adjusted with tree-sitter's `Tree::edit` so
//! the next parse reuses every unchanged subtree. Requests read a shared `Arc<Document>`
//! and never copy the buffer.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use tree_sitter::{InputEdit, Point, Tree};

use super::refs::{ResolvedRef, resolve_scan};
use crate::index::Index;
use crate::references::{Scan, parse_python, scan_file, scan_python_tree};
use crate::text::{LineCol, LineIndex, PositionEncoding};

/// One change of a buffer as an editor reports it (LSP `TextDocumentContentChangeEvent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextChange {
    /// The replaced range, in the negotiated position encoding, relative to the text as
    /// the previous changes of the same notification left it; `None` replaces the whole
    /// text.
    pub range: Option<(LineCol, LineCol)>,
    /// The new text of that range.
    pub text: String,
}

/// The state of a Python document's syntax tree.
#[derive(Clone)]
enum Syntax {
    /// Not parsed yet and no earlier tree to reuse.
    None,
    /// An earlier version's tree, adjusted with `Tree::edit` to this text: the next parse
    /// passes it to tree-sitter to reuse its unchanged parts.
    Edited(Tree),
    /// A parse of exactly this text.
    Parsed(Tree),
}

/// One version of a file's text and what analysis derives from it.
///
/// Built from an open buffer ([`Document::new`] on `didOpen`, [`Document::changed`] on
/// each `didChange`) or from the disk (version `None`). Immutable: derived values are
/// computed lazily, once, behind `&self`, so an `Arc<Document>` can be shared by concurrent
/// requests.
pub struct Document {
    path: PathBuf,
    version: Option<i32>,
    text: String,
    lines: LineIndex,
    python: bool,
    syntax: Mutex<Syntax>,
    scan: OnceLock<Arc<Scan>>,
    /// The resolved references for one index snapshot (held weakly: a newer index makes
    /// them stale, never wrong).
    resolved: Mutex<Option<ResolvedCache>>,
}

/// Resolved references and the index snapshot they were resolved against.
type ResolvedCache = (Weak<Index>, Arc<Vec<ResolvedRef>>);

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("path", &self.path)
            .field("version", &self.version)
            .field("len", &self.text.len())
            .finish_non_exhaustive()
    }
}

/// Whether a file name is scanned as Python (`.py`, `.pyi`).
fn is_python(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("py") || e.eq_ignore_ascii_case("pyi"))
}

/// Where byte `offset` of a text sits as a tree-sitter point (row, byte column).
fn point(lines: &LineIndex, text: &str, offset: usize) -> Point {
    let lc = lines.position(text, offset, PositionEncoding::Utf8);
    Point {
        row: lc.line as usize,
        column: lc.col as usize,
    }
}

impl Document {
    /// The document of `path` whose text is `text`; `version` is the editor's version of
    /// an open buffer, `None` for a file read from disk.
    pub fn new(path: &Path, version: Option<i32>, text: String) -> Document {
        Document {
            path: path.to_path_buf(),
            version,
            lines: LineIndex::new(&text),
            python: is_python(path),
            text,
            syntax: Mutex::new(Syntax::None),
            scan: OnceLock::new(),
            resolved: Mutex::new(None),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The editor's version of the buffer; `None` for a file read from disk.
    pub fn version(&self) -> Option<i32> {
        self.version
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text's line index.
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    /// The next version of this document: `changes` applied in order (each range is read
    /// against the text the previous changes left, as LSP says). Positions past a line's
    /// end or the text's end are clamped, so no client input can make this fail.
    ///
    /// The line index is updated per change and a Python syntax tree is edited, not
    /// dropped, so the next scan reparses incrementally.
    pub fn changed(
        &self,
        version: i32,
        changes: Vec<TextChange>,
        enc: PositionEncoding,
    ) -> Document {
        let mut text = self.text.clone();
        let mut lines = self.lines.clone();
        let mut syntax = self
            .syntax
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for change in changes {
            match change.range {
                Some((start, end)) => {
                    let a = lines.offset(&text, start, enc);
                    let b = lines.offset(&text, end, enc);
                    let (a, b) = (a.min(b), a.max(b));
                    edit(&mut text, &mut lines, &mut syntax, a..b, &change.text);
                }
                None => {
                    text = change.text;
                    lines = LineIndex::new(&text);
                    syntax = Syntax::None;
                }
            }
        }
        self.successor(Some(version), text, lines, syntax)
    }

    /// This text with `insert` added at byte `offset` (clamped to a character boundary at
    /// or before it), as a document of its own: completion closes a literal the user is
    /// still typing this way. The tree is edited, so a Python reparse is incremental.
    pub fn with_insertion(&self, offset: usize, insert: &str) -> Document {
        let mut at = offset.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let mut text = String::with_capacity(self.text.len() + insert.len());
        text.push_str(&self.text);
        let mut lines = self.lines.clone();
        // Start from a parsed tree when there is one: a lookahead parse is about to run.
        let _ = self.scan();
        let mut syntax = self
            .syntax
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        edit(&mut text, &mut lines, &mut syntax, at..at, insert);
        self.successor(None, text, lines, syntax)
    }

    /// A document of the same file with new contents and nothing derived yet.
    fn successor(
        &self,
        version: Option<i32>,
        text: String,
        lines: LineIndex,
        syntax: Syntax,
    ) -> Document {
        Document {
            path: self.path.clone(),
            version,
            python: self.python,
            text,
            lines,
            syntax: Mutex::new(syntax),
            scan: OnceLock::new(),
            resolved: Mutex::new(None),
        }
    }

    /// The references and config literals of the text, scanned once per document (Python
    /// with tree-sitter, reusing the previous version's tree; other files by extension).
    pub fn scan(&self) -> Arc<Scan> {
        self.scan
            .get_or_init(|| {
                if !self.python {
                    let name = self.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    return Arc::new(scan_file(name, &self.text));
                }
                let mut syntax = self.syntax.lock().unwrap_or_else(|e| e.into_inner());
                let tree = match &*syntax {
                    Syntax::Parsed(t) => Some(t.clone()),
                    Syntax::Edited(old) => parse_python(&self.text, Some(old)),
                    Syntax::None => parse_python(&self.text, None),
                };
                match tree {
                    Some(tree) => {
                        let scan = scan_python_tree(&self.text, &tree);
                        *syntax = Syntax::Parsed(tree);
                        Arc::new(scan)
                    }
                    None => Arc::new(Scan::default()),
                }
            })
            .clone()
    }

    /// Every reference of the text resolved against `index`, computed once per document
    /// and index snapshot (a newer snapshot recomputes).
    pub fn resolved(&self, index: &Arc<Index>) -> Arc<Vec<ResolvedRef>> {
        let mut cached = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((of, refs)) = &*cached
            && std::ptr::eq(of.as_ptr(), Arc::as_ptr(index))
        {
            return refs.clone();
        }
        let refs = Arc::new(resolve_scan(index, &self.path, &self.scan()));
        *cached = Some((Arc::downgrade(index), refs.clone()));
        refs
    }
}

/// Replaces `text[range]` with `new_text`, keeping the line index and the syntax tree in
/// step with the text.
fn edit(
    text: &mut String,
    lines: &mut LineIndex,
    syntax: &mut Syntax,
    range: Range<usize>,
    new_text: &str,
) {
    let tree = match std::mem::replace(syntax, Syntax::None) {
        Syntax::Edited(t) | Syntax::Parsed(t) => Some(t),
        Syntax::None => None,
    };
    let start_position = point(lines, text, range.start);
    let old_end_position = point(lines, text, range.end);
    text.replace_range(range.clone(), new_text);
    lines.edit(range.clone(), new_text);
    if let Some(mut tree) = tree {
        let new_end = range.start + new_text.len();
        tree.edit(&InputEdit {
            start_byte: range.start,
            old_end_byte: range.end,
            new_end_byte: new_end,
            start_position,
            old_end_position,
            new_end_position: point(lines, text, new_end),
        });
        *syntax = Syntax::Edited(tree);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(line: u32, col: u32) -> LineCol {
        LineCol { line, col }
    }

    #[test]
    fn an_edited_python_document_scans_as_a_fresh_parse_does() {
        let path = Path::new("/w/app.py");
        let text = "from promptic import load_prompt\n\nload_prompt(\"prompts/a\")\nx = 1\n";
        let doc = Document::new(path, Some(1), text.into());
        assert_eq!(doc.scan().references.len(), 1);
        // Type a second call, one character per change, scanning in between.
        let mut doc = doc;
        let typed = "load_prompt(\"prompts/b\", version=\"v2\")\n";
        for (i, ch) in typed.char_indices() {
            let line = 4;
            let change = TextChange {
                range: Some((lc(line, i as u32), lc(line, i as u32))),
                text: ch.to_string(),
            };
            doc = doc.changed(2 + i as i32, vec![change], PositionEncoding::Utf8);
            let fresh = Document::new(path, None, doc.text().to_string());
            assert_eq!(
                *doc.scan(),
                *fresh.scan(),
                "after {:?}",
                &typed[..i + ch.len_utf8()]
            );
        }
        assert_eq!(doc.text(), format!("{text}{typed}"));
        assert_eq!(doc.scan().references.len(), 2);
    }

    #[test]
    fn a_change_without_a_range_replaces_the_text() {
        let doc = Document::new(Path::new("/w/a.md"), Some(1), "[a](b.md)".into());
        let doc = doc.changed(
            2,
            vec![TextChange {
                range: None,
                text: "[c](d.md)\n[e](f.md)".into(),
            }],
            PositionEncoding::Utf16,
        );
        assert_eq!(doc.version(), Some(2));
        let targets: Vec<_> = doc
            .scan()
            .references
            .iter()
            .map(|r| r.target.value.clone())
            .collect();
        assert_eq!(targets, ["d.md", "f.md"]);
    }

    #[test]
    fn positions_past_the_end_are_clamped() {
        let doc = Document::new(Path::new("/w/a.py"), Some(1), "ab\ncd".into());
        let doc = doc.changed(
            2,
            vec![TextChange {
                range: Some((lc(0, 99), lc(99, 0))),
                text: "!".into(),
            }],
            PositionEncoding::Utf16,
        );
        assert_eq!(doc.text(), "ab!");
        assert_eq!(doc.lines().line_count(), 1);
    }

    #[test]
    fn an_insertion_leaves_the_original_untouched() {
        let doc = Document::new(Path::new("/w/a.py"), Some(1), "load_prompt(\"x".into());
        let closed = doc.with_insertion(14, "\")");
        assert_eq!(closed.text(), "load_prompt(\"x\")");
        assert_eq!(doc.text(), "load_prompt(\"x");
        assert_eq!(closed.version(), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Any sequence of edits anywhere (multi-byte characters, line breaks, quotes and
        /// brackets that open and close calls), applied as an editor sends them in UTF-16
        /// positions, leaves the document with the same text and the same scan as a fresh
        /// parse: the edited tree-sitter tree and the updated line index never drift.
        #[test]
        fn random_edits_scan_as_a_fresh_parse(
            edits in proptest::collection::vec(
                (0usize..400, 0usize..12, "[a-z\"'(),=\n é😀{}:]{0,8}"),
                1..12,
            ),
            multi in proptest::bool::ANY,
        ) {
            let base = "from promptic import load_prompt\nimport promptic as pc\n\nx = load_prompt(\"prompts/a\", version=\"v2\")\ny = pc.render('prompts/b', classifier={'lang': 'é'})\n";
            let path = Path::new("/w/app.py");
            let mut doc = Document::new(path, Some(0), base.to_string());
            let _ = doc.scan();
            let mut expected = base.to_string();
            let mut changes = Vec::new();
            for (k, (at, len, insert)) in edits.iter().enumerate() {
                let boundary = |mut i: usize, t: &str| {
                    i = i.min(t.len());
                    while !t.is_char_boundary(i) {
                        i -= 1;
                    }
                    i
                };
                let a = boundary(*at, &expected);
                let b = boundary(a + len, &expected);
                let lines = LineIndex::new(&expected);
                let start = lines.position(&expected, a, PositionEncoding::Utf16);
                let end = lines.position(&expected, b, PositionEncoding::Utf16);
                expected.replace_range(a..b, insert);
                let change = TextChange { range: Some((start, end)), text: insert.clone() };
                if multi {
                    // Several changes in one notification, each against the text the
                    // previous left.
                    changes.push(change);
                } else {
                    doc = doc.changed(k as i32 + 1, vec![change], PositionEncoding::Utf16);
                    // Scan some versions, skip others: edits pile up on an unparsed tree.
                    if k % 2 == 0 {
                        let _ = doc.scan();
                    }
                }
            }
            if multi {
                doc = doc.changed(1, changes, PositionEncoding::Utf16);
            }
            proptest::prop_assert_eq!(doc.text(), expected.as_str());
            let fresh = Document::new(path, None, expected.clone());
            proptest::prop_assert_eq!(&*doc.scan(), &*fresh.scan());
            proptest::prop_assert_eq!(
                doc.lines().line_count(),
                fresh.lines().line_count()
            );
        }
    }
}
