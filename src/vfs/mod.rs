//! The one file-system layer: every read and write promptls makes of a workspace goes
//! through this module, so the rules below hold everywhere.
//!
//! - **Regular files only.** A FIFO, socket, device or directory (also behind a symlink,
//!   e.g. a prompt symlinked to `/dev/stdin` or a named pipe) is never read: on Unix the
//!   file is opened with `O_NONBLOCK` and checked with `fstat` before a byte is read, so a
//!   special file can neither block nor be consumed. The caller gets
//!   [`VfsError::NotRegular`] and logs or reports it.
//! - **Bytes, read once, capped.** [`read_text`] reads at most a cap and decodes lossily
//!   (saying so in [`Text::lossy`]); [`read_bytes`] reads a whole file verbatim for copies
//!   (new version, revert) and refuses a file past its limit instead of truncating it.
//! - **Typed errors.** Every failure is a [`VfsError`] naming the path and the operating
//!   system's reason; nothing is swallowed here.
//! - **Writes never overwrite.** [`create_new`] writes a temporary file in the target's own
//!   folder (unpredictable name, `O_EXCL`, never through a planted symlink) and links it to
//!   its name only if that name does not exist; a failed write leaves nothing behind.
//!
//! The pure core reads file contents only through the [`FileSource`] trait (implemented by
//! [`DiskFiles`] here and by [`MemoryFiles`] in tests), never through `std::fs`.

mod disk;
mod source;

pub use disk::{
    FolderHandle, LstatKind, canonicalize, create_new, install_folder, metadata, modified,
    read_bytes, read_dir, read_text, regular_file_kind, regular_metadata, remove_file,
    replace_file, symlink_metadata,
};
pub use source::{DiskFiles, EntryKind, FileSource, MemoryFiles};

use std::fmt;
use std::path::{Path, PathBuf};

/// Most bytes read from a prompt file for analysis (hover, titles, variables, references):
/// a 100 MB file costs no more than this.
pub const TEXT_CAP: u64 = 256 * 1024;

/// Most bytes a copy (new version, revert) reads: bigger files are refused, never truncated.
pub const COPY_LIMIT: u64 = 64 * 1024 * 1024;

/// What a path is, when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A named pipe (FIFO).
    Fifo,
    /// A Unix domain socket.
    Socket,
    /// A character device (`/dev/tty`, `/dev/null`, …).
    CharDevice,
    /// A block device.
    BlockDevice,
    /// Anything else that is not a regular file.
    Other,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a named pipe",
            FileKind::Socket => "a socket",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Other => "not a regular file",
        })
    }
}

/// Why a file-system operation failed. Each variant names the path; `Display` gives a
/// one-line message fit for a user (`path: reason`).
#[derive(Debug, thiserror::Error)]
pub enum VfsError {
    /// The path exists but is not a regular file (after following symlinks); it was not
    /// opened for reading.
    #[error("{}: {kind}, not a regular file", path.display())]
    NotRegular {
        /// The path as given.
        path: PathBuf,
        /// What it is.
        kind: FileKind,
    },
    /// The operating system refused (not found, permission denied, …).
    #[error("{}: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than the operation's limit (bytes).
    #[error("{}: {size} bytes, more than the {limit}-byte limit", path.display())]
    TooLarge {
        /// The path as given.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not valid UTF-8 and the operation must change its text.
    #[error("{}: not valid UTF-8 text; promptls edits only UTF-8 files", path.display())]
    NotUtf8 {
        /// The path as given.
        path: PathBuf,
    },
    /// The target of a write exists already: nothing was written.
    #[error("{}: already exists; promptls never overwrites a file", path.display())]
    Exists {
        /// The path as given.
        path: PathBuf,
    },
}

impl VfsError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            VfsError::NotRegular { path, .. }
            | VfsError::Io { path, .. }
            | VfsError::TooLarge { path, .. }
            | VfsError::NotUtf8 { path }
            | VfsError::Exists { path } => path,
        }
    }

    /// Whether the file simply does not exist (a deleted file is not worth a warning).
    pub fn is_not_found(&self) -> bool {
        matches!(self, VfsError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// Why it happened, without the path (the caller names the path as the user knows
    /// it): `a named pipe, not a regular file`, `No such file or directory`.
    pub fn reason(&self) -> String {
        match self {
            VfsError::NotRegular { kind, .. } => format!("{kind}, not a regular file"),
            VfsError::Io { source, .. } => os_reason(source),
            other => {
                let s = other.to_string();
                let prefix = format!("{}: ", other.path().display());
                s.strip_prefix(&prefix).map(str::to_string).unwrap_or(s)
            }
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> VfsError {
        VfsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The operating system's reason without Rust's ` (os error N)` suffix:
/// `No such file or directory`.
pub fn os_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match (e.raw_os_error(), s.rfind(" (os error ")) {
        (Some(_), Some(i)) => s[..i].to_string(),
        _ => s,
    }
}

/// A file's text as the analysis sees it: the first `cap` bytes, decoded lossily.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The decoded text (invalid UTF-8 sequences replaced by U+FFFD).
    pub text: String,
    /// Whether invalid UTF-8 was replaced: the text is not the file's bytes.
    pub lossy: bool,
    /// Whether the file is longer than what was read.
    pub truncated: bool,
    /// Whether the first block holds a NUL byte (a binary file; analysis skips it).
    pub binary: bool,
}

impl Text {
    /// Decodes `bytes` (a prefix of a file when `truncated`). A UTF-8 sequence cut by the
    /// cap at the very end is dropped rather than replaced.
    pub fn decode(bytes: &[u8], truncated: bool) -> Text {
        let binary = bytes[..bytes.len().min(8192)].contains(&0);
        let bytes = if truncated {
            match std::str::from_utf8(bytes) {
                Ok(_) => bytes,
                Err(e) if e.error_len().is_none() => &bytes[..e.valid_up_to()],
                Err(_) => bytes,
            }
        } else {
            bytes
        };
        match std::str::from_utf8(bytes) {
            Ok(s) => Text {
                text: s.to_string(),
                lossy: false,
                truncated,
                binary,
            },
            Err(_) => Text {
                text: String::from_utf8_lossy(bytes).into_owned(),
                lossy: true,
                truncated,
                binary,
            },
        }
    }
}

#[cfg(test)]
mod tests;
