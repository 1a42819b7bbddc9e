//! Server state: the shared index, open documents and negotiated settings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tower_lsp_server::ls_types::{Position, Range, Uri};

use crate::config::{ConfigLayer, ConfigSource};
use crate::index::{Index, SharedIndex};
use crate::text::{LineCol, LineIndex, PositionEncoding};

/// An open buffer (it overrides the disk).
#[derive(Debug, Clone)]
pub struct Document {
    /// The buffer's text.
    pub text: String,
    /// The client's version of it.
    pub version: i32,
    /// Whether it changed since it was opened or saved.
    pub modified: bool,
    /// Line starts of `text`.
    pub lines: LineIndex,
}

/// Everything handlers share.
#[derive(Debug)]
pub struct State {
    /// The index (readers load a snapshot, never wait).
    pub index: SharedIndex,
    /// Open documents by path.
    pub documents: RwLock<HashMap<PathBuf, Document>>,
    /// Negotiated position encoding.
    pub encoding: RwLock<PositionEncoding>,
    /// Editor settings (`initializationOptions.versioning`).
    pub editor_layer: RwLock<Option<ConfigLayer>>,
    /// Last published diagnostics generation per file (stale results never overwrite newer).
    pub generations: Mutex<HashMap<PathBuf, u64>>,
    /// Files that had diagnostics published, so they can be cleared.
    pub published: Mutex<std::collections::HashSet<PathBuf>>,
    /// Workspace folders.
    pub roots: RwLock<Vec<PathBuf>>,
    /// `shutdown` was received.
    pub shut_down: std::sync::atomic::AtomicBool,
    /// The client supports `window/workDoneProgress/create`.
    pub progress_supported: std::sync::atomic::AtomicBool,
    /// The first index is in place.
    pub indexed: tokio::sync::watch::Sender<bool>,
}

impl State {
    /// A state with an empty index.
    pub fn new() -> Self {
        State {
            index: SharedIndex::new(Index::empty(Vec::new(), Arc::new(ConfigSource::new()))),
            documents: RwLock::new(HashMap::new()),
            encoding: RwLock::new(PositionEncoding::Utf16),
            editor_layer: RwLock::new(None),
            generations: Mutex::new(HashMap::new()),
            published: Mutex::new(Default::default()),
            roots: RwLock::new(Vec::new()),
            shut_down: Default::default(),
            progress_supported: Default::default(),
            indexed: tokio::sync::watch::Sender::new(false),
        }
    }

    /// The text of `path`: the open buffer, else the disk (capped).
    pub fn text(&self, path: &Path) -> Option<String> {
        if let Some(d) = self.documents.read().unwrap().get(path) {
            return Some(d.text.clone());
        }
        crate::analysis::analysis_text(&self.index.load(), path)
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

/// Converts positions of one text.
pub struct Conv<'a> {
    /// The text.
    pub text: &'a str,
    /// Its line index.
    pub lines: LineIndex,
    /// The encoding.
    pub enc: PositionEncoding,
}

impl<'a> Conv<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str, enc: PositionEncoding) -> Self {
        Conv {
            text,
            lines: LineIndex::new(text),
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
