//! Server state: the shared index, open documents and negotiated settings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tower_lsp_server::ls_types::{Position, Range, Uri};

use crate::analysis::Document;
use crate::config::{ConfigLayer, ConfigSource};
use crate::index::{Index, SharedIndex};
use crate::text::{LineCol, LineIndex, PositionEncoding};

/// An open buffer (it overrides the disk).
#[derive(Debug, Clone)]
pub struct OpenDocument {
    /// The buffer's current version, with what analysis derived from it.
    pub doc: Arc<Document>,
    /// Whether it changed since it was opened or saved.
    pub modified: bool,
}

/// Everything handlers share.
#[derive(Debug)]
pub struct State {
    /// The index (readers load a snapshot, never wait).
    pub index: SharedIndex,
    /// Held by whoever builds the next index from the current one and stores it (a
    /// refresh, a reindex, the first index), so two writers never overwrite each other's
    /// update. Readers never take it.
    pub index_writer: tokio::sync::Mutex<()>,
    /// Open documents by path.
    pub documents: RwLock<HashMap<PathBuf, OpenDocument>>,
    /// Negotiated position encoding.
    pub encoding: RwLock<PositionEncoding>,
    /// Editor settings (`initializationOptions.versioning`).
    pub editor_layer: RwLock<Option<ConfigLayer>>,
    /// The `PROMPTIC_*` variables of the server's environment while the editor setting
    /// `server.use_env` is on; `None` while it is off.
    pub env_layer: RwLock<Option<ConfigLayer>>,
    /// Last published diagnostics generation per file (stale results never overwrite newer).
    pub generations: Mutex<HashMap<PathBuf, u64>>,
    /// Files that had diagnostics published, so they can be cleared.
    pub published: Mutex<PublishedFiles>,
    /// Workspace folders.
    pub roots: RwLock<Vec<PathBuf>>,
    /// `shutdown` was received.
    pub shut_down: std::sync::atomic::AtomicBool,
    /// The client supports `window/workDoneProgress/create`.
    pub progress_supported: std::sync::atomic::AtomicBool,
    /// The client supports `workspace/inlayHint/refresh` (it said `refreshSupport`).
    pub inlay_hint_refresh: std::sync::atomic::AtomicBool,
    /// The client supports `workspace/codeLens/refresh` (it said `refreshSupport`).
    pub code_lens_refresh: std::sync::atomic::AtomicBool,
    /// The first index is in place.
    pub indexed: tokio::sync::watch::Sender<bool>,
    /// When the last whole walk of the workspace started: a folder changed since then may
    /// hold changes no watch saw (see the file watcher's reconcile pass).
    pub walk_started: Mutex<std::time::SystemTime>,
    /// The file renames the server put in its last `workspace/willRenameFiles` edits
    /// (`from`, `to`, when), so that the client's own notice of carrying them out does not
    /// start another rename of the family.
    pub pending_renames: Mutex<Vec<(PathBuf, PathBuf, std::time::Instant)>>,
    /// The prompt file extensions of the client's file watch registration, while the
    /// client watches for the server (the configs may name more than the defaults).
    pub watched_extensions: Mutex<Vec<String>>,
}

/// The files that have diagnostics published, ordered by the bytes of their paths, so
/// that the files at or below a path are two range queries that compare bytes (ordering
/// paths component by component made a 10 000-file burst spend most of its republish in
/// comparisons).
#[derive(Debug, Default)]
pub struct PublishedFiles(std::collections::BTreeSet<ByBytes>);

/// A path ordered by its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ByBytes(PathBuf);

impl Ord for ByBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let (a, b) = (self.0.as_os_str(), other.0.as_os_str());
        a.as_encoded_bytes().cmp(b.as_encoded_bytes())
    }
}

impl PartialOrd for ByBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PublishedFiles {
    /// Adds `path`; whether it was not there.
    pub fn insert(&mut self, path: PathBuf) -> bool {
        self.0.insert(ByBytes(path))
    }

    /// Removes `path`; whether it was there.
    pub fn remove(&mut self, path: &Path) -> bool {
        self.0.remove(&ByBytes(path.to_path_buf()))
    }

    /// Every path, in the order of their bytes.
    pub fn iter(&self) -> impl Iterator<Item = &Path> {
        self.0.iter().map(|p| p.0.as_path())
    }

    /// The paths equal to `path` or below it (`path` followed by a separator), in the
    /// order of their bytes.
    pub fn at_or_below(&self, path: &Path) -> Vec<&Path> {
        let mut out: Vec<&Path> = Vec::new();
        if let Some(p) = self.0.get(&ByBytes(path.to_path_buf())) {
            out.push(&p.0);
        }
        let mut separators = vec!['/', std::path::MAIN_SEPARATOR];
        separators.dedup();
        for sep in separators {
            // Every path that starts with `path` and `sep` lies between that prefix and
            // the prefix with `sep` replaced by the next character.
            let bound = |c: char| {
                let mut s = path.as_os_str().to_os_string();
                s.push(c.to_string());
                ByBytes(PathBuf::from(s))
            };
            let next = char::from_u32(sep as u32 + 1).unwrap_or(sep);
            out.extend(self.0.range(bound(sep)..bound(next)).map(|p| p.0.as_path()));
        }
        out
    }
}

impl State {
    /// A state with an empty index.
    pub fn new() -> Self {
        State {
            index: SharedIndex::new(Index::empty(Vec::new(), Arc::new(ConfigSource::new()))),
            index_writer: tokio::sync::Mutex::new(()),
            documents: RwLock::new(HashMap::new()),
            encoding: RwLock::new(PositionEncoding::Utf16),
            editor_layer: RwLock::new(None),
            env_layer: RwLock::new(None),
            generations: Mutex::new(HashMap::new()),
            published: Mutex::new(Default::default()),
            walk_started: Mutex::new(std::time::SystemTime::UNIX_EPOCH),
            pending_renames: Mutex::new(Vec::new()),
            watched_extensions: Mutex::new(Vec::new()),
            roots: RwLock::new(Vec::new()),
            shut_down: Default::default(),
            progress_supported: Default::default(),
            inlay_hint_refresh: Default::default(),
            code_lens_refresh: Default::default(),
            indexed: tokio::sync::watch::Sender::new(false),
        }
    }

    /// The document of `path`: the open buffer's current version (shared, not copied),
    /// else the file as analysis reads it from disk (capped). `None` when it is not open
    /// and cannot be read (logged by the read).
    pub fn document(&self, path: &Path) -> Option<Arc<Document>> {
        if let Some(d) = self.documents.read().unwrap().get(path) {
            return Some(d.doc.clone());
        }
        let text = crate::analysis::analysis_text(&self.index.load(), path)?;
        Some(Arc::new(Document::new(path, None, text)))
    }

    /// The position encoding.
    pub fn enc(&self) -> PositionEncoding {
        *self.encoding.read().unwrap()
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

/// A file URI's path, `None` for other schemes.
pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| crate::index::normalize(&p))
}

/// A path's file URI.
pub fn path_uri(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

/// Converts positions of one document's text, with the document's own line index.
pub struct Conv<'a> {
    /// The text.
    pub text: &'a str,
    /// Its line index.
    pub lines: &'a LineIndex,
    /// The encoding.
    pub enc: PositionEncoding,
}

impl<'a> Conv<'a> {
    /// Converts positions of `doc` (nothing is indexed anew).
    pub fn new(doc: &'a Document, enc: PositionEncoding) -> Self {
        Conv {
            text: doc.text(),
            lines: doc.lines(),
            enc,
        }
    }

    /// A byte offset's LSP position.
    pub fn pos(&self, offset: usize) -> Position {
        let lc = self.lines.position(self.text, offset, self.enc);
        Position {
            line: lc.line,
            character: lc.col,
        }
    }

    /// A byte range's LSP range.
    pub fn range(&self, r: std::ops::Range<usize>) -> Range {
        Range {
            start: self.pos(r.start),
            end: self.pos(r.end),
        }
    }

    /// An LSP position's byte offset (clamped, never panics).
    pub fn offset(&self, p: Position) -> usize {
        self.lines.offset(
            self.text,
            LineCol {
                line: p.line,
                col: p.character,
            },
            self.enc,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn path_of(parts: &[usize]) -> PathBuf {
        // Names that sort around the separator: `-` and `.` before `/`, `0` right after.
        const NAMES: [&str; 6] = ["a", "a-b", "a.md", "a0", "b", "ab"];
        let mut p = PathBuf::from("/ws");
        for &i in parts {
            p.push(NAMES[i % NAMES.len()]);
        }
        p
    }

    proptest! {
        // The range queries over bytes find exactly what a component-wise `starts_with`
        // finds, whatever sorts between a folder and its children.
        #[test]
        fn at_or_below_is_starts_with(
            files in prop::collection::vec(prop::collection::vec(0usize..6, 0..4), 0..30),
            query in prop::collection::vec(0usize..6, 0..3),
        ) {
            let mut published = PublishedFiles::default();
            for f in &files {
                published.insert(path_of(f));
            }
            let query = path_of(&query);
            let mut expected: Vec<&Path> = published.iter().filter(|p| p.starts_with(&query)).collect();
            expected.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
            prop_assert_eq!(published.at_or_below(&query), expected);
        }
    }
}
