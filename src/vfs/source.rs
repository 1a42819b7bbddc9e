//! [`FileSource`]: how the pure core reads file contents without doing I/O itself.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::{COPY_LIMIT, TEXT_CAP, Text, VfsError};

/// The contents of workspace files as the core sees them. The core (index queries,
/// analysis, plans) asks this trait for text and bytes; only an implementation touches the
/// disk ([`DiskFiles`]), and tests substitute [`MemoryFiles`].
pub trait FileSource: Send + Sync + fmt::Debug {
    /// The first [`TEXT_CAP`] bytes of `path`, decoded lossily ([`Text::lossy`] says when).
    /// Errors as [`super::read_text`].
    fn text(&self, path: &Path) -> Result<Text, VfsError>;

    /// The whole file, byte for byte, up to [`COPY_LIMIT`] bytes. Errors as
    /// [`super::read_bytes`].
    fn bytes(&self, path: &Path) -> Result<Vec<u8>, VfsError>;

    /// When `path` was last modified.
    fn modified(&self, path: &Path) -> Result<SystemTime, VfsError>;

    /// What `path` is, following symlinks; `None` when nothing is there (a dangling
    /// symlink included) or it cannot be examined (logged at debug level: for the core's
    /// questions "is this a folder / a config file", unknown means no).
    fn kind(&self, path: &Path) -> Option<EntryKind>;

    /// Whether anything at all is at `path` itself, a dangling symlink included (a new
    /// file must not be created there).
    fn occupied(&self, path: &Path) -> bool;

    /// The real path of `path` (symlinks resolved). Errors when it does not exist or cannot
    /// be examined.
    fn real_path(&self, path: &Path) -> Result<PathBuf, VfsError>;
}

/// What a path names, as [`FileSource::kind`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A FIFO, socket or device.
    Special,
}

/// The real file system, through the checks of [`super::read_text`] and friends.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiskFiles;

impl FileSource for DiskFiles {
    fn text(&self, path: &Path) -> Result<Text, VfsError> {
        super::read_text(path, TEXT_CAP)
    }

    fn bytes(&self, path: &Path) -> Result<Vec<u8>, VfsError> {
        super::read_bytes(path, COPY_LIMIT)
    }

    fn modified(&self, path: &Path) -> Result<SystemTime, VfsError> {
        super::modified(path)
    }

    fn kind(&self, path: &Path) -> Option<EntryKind> {
        match super::metadata(path) {
            Ok(m) if m.is_dir() => Some(EntryKind::Dir),
            Ok(m) if m.is_file() => Some(EntryKind::File),
            Ok(_) => Some(EntryKind::Special),
            Err(e) => {
                if !e.is_not_found() {
                    tracing::debug!(error = %e, "cannot examine; taken as absent");
                }
                None
            }
        }
    }

    fn occupied(&self, path: &Path) -> bool {
        super::symlink_metadata(path).is_ok()
    }

    fn real_path(&self, path: &Path) -> Result<PathBuf, VfsError> {
        super::canonicalize(path)
    }
}

/// Files held in memory (for tests of the pure core): path → bytes, all with one
/// modified time.
#[derive(Debug, Default, Clone)]
pub struct MemoryFiles {
    files: HashMap<PathBuf, Arc<[u8]>>,
    modified: Option<SystemTime>,
}

impl MemoryFiles {
    /// An empty set; every read is "not found".
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }

    /// Adds or replaces `path` with `bytes`.
    pub fn insert(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into().into());
    }

    fn get(&self, path: &Path) -> Result<&Arc<[u8]>, VfsError> {
        self.files.get(path).ok_or_else(|| {
            VfsError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "not in memory"),
            )
        })
    }
}

impl FileSource for MemoryFiles {
    fn text(&self, path: &Path) -> Result<Text, VfsError> {
        let bytes = self.get(path)?;
        let cap = bytes.len().min(TEXT_CAP as usize);
        Ok(Text::decode(&bytes[..cap], cap < bytes.len()))
    }

    fn bytes(&self, path: &Path) -> Result<Vec<u8>, VfsError> {
        let bytes = self.get(path)?;
        if bytes.len() as u64 > COPY_LIMIT {
            return Err(VfsError::TooLarge {
                path: path.to_path_buf(),
                size: bytes.len() as u64,
                limit: COPY_LIMIT,
            });
        }
        Ok(bytes.to_vec())
    }

    fn modified(&self, path: &Path) -> Result<SystemTime, VfsError> {
        self.get(path)?;
        Ok(self.modified.unwrap_or(SystemTime::UNIX_EPOCH))
    }

    /// A path holding bytes is a file; a proper prefix of one is a folder.
    fn kind(&self, path: &Path) -> Option<EntryKind> {
        if self.files.contains_key(path) {
            Some(EntryKind::File)
        } else if self.files.keys().any(|f| f.starts_with(path)) {
            Some(EntryKind::Dir)
        } else {
            None
        }
    }

    fn occupied(&self, path: &Path) -> bool {
        self.kind(path).is_some()
    }

    /// Memory has no symlinks: the path itself, when something is there.
    fn real_path(&self, path: &Path) -> Result<PathBuf, VfsError> {
        match self.kind(path) {
            Some(_) => Ok(path.to_path_buf()),
            None => Err(VfsError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "not in memory"),
            )),
        }
    }
}
