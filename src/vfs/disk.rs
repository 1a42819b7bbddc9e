//! The disk side of the file-system layer: the only module of the crate that opens,
//! reads, lists or creates workspace files.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{FileKind, Text, VfsError};

/// What `meta` describes, when it is not a regular file (`None` for a regular file).
pub fn regular_file_kind(meta: &Metadata) -> Option<FileKind> {
    let ft = meta.file_type();
    if ft.is_file() {
        return None;
    }
    if ft.is_dir() {
        return Some(FileKind::Directory);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some(FileKind::Fifo);
        }
        if ft.is_socket() {
            return Some(FileKind::Socket);
        }
        if ft.is_char_device() {
            return Some(FileKind::CharDevice);
        }
        if ft.is_block_device() {
            return Some(FileKind::BlockDevice);
        }
    }
    Some(FileKind::Other)
}

/// The metadata of `path`, after following symlinks, when it is a regular file: the kind
/// check made before a file is opened, and the walk's check of each symlink (nothing is
/// opened). Fails with [`VfsError::NotRegular`] for anything else, [`VfsError::Io`] when
/// it cannot be looked at (not found, a symlink loop, permission denied).
pub fn regular_metadata(path: &Path) -> Result<Metadata, VfsError> {
    let meta = std::fs::metadata(path).map_err(|e| VfsError::io(path, e))?;
    match regular_file_kind(&meta) {
        Some(kind) => Err(VfsError::NotRegular {
            path: path.to_path_buf(),
            kind,
        }),
        None => Ok(meta),
    }
}

/// Opens `path` for reading if, after following symlinks, it is a regular file.
///
/// The kind is checked with `stat` before opening (a FIFO is never opened), and again
/// with `fstat` on the open file (the path could have been swapped in between); on Unix
/// the open itself is non-blocking, so even a swapped-in FIFO cannot block.
fn open_regular(path: &Path) -> Result<(File, Metadata), VfsError> {
    regular_metadata(path)?;
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(|e| VfsError::io(path, e))?;
    let meta = file.metadata().map_err(|e| VfsError::io(path, e))?;
    if let Some(kind) = regular_file_kind(&meta) {
        return Err(VfsError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    Ok((file, meta))
}

/// Reads at most `cap` bytes of the regular file `path` and decodes them lossily.
///
/// Fails with [`VfsError::NotRegular`] for anything but a regular file (never opened),
/// [`VfsError::Io`] when the file cannot be opened or read.
pub fn read_text(path: &Path, cap: u64) -> Result<Text, VfsError> {
    let (file, meta) = open_regular(path)?;
    let mut buf = Vec::with_capacity(meta.len().min(cap) as usize);
    file.take(cap)
        .read_to_end(&mut buf)
        .map_err(|e| VfsError::io(path, e))?;
    let truncated = meta.len() > buf.len() as u64 && buf.len() as u64 == cap;
    let text = Text::decode(&buf, truncated);
    if text.lossy {
        tracing::debug!(path = %path.display(), "not valid UTF-8: invalid bytes read as U+FFFD for analysis");
    }
    Ok(text)
}

/// Reads the whole regular file `path`, byte for byte (for copies).
///
/// Fails with [`VfsError::TooLarge`] when the file holds more than `limit` bytes (nothing
/// is truncated), [`VfsError::NotRegular`] and [`VfsError::Io`] as [`read_text`].
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, VfsError> {
    let (file, meta) = open_regular(path)?;
    if meta.len() > limit {
        return Err(VfsError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit,
        });
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| VfsError::io(path, e))?;
    if buf.len() as u64 > limit {
        return Err(VfsError::TooLarge {
            path: path.to_path_buf(),
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

/// The metadata of `path` (following symlinks).
pub fn metadata(path: &Path) -> Result<Metadata, VfsError> {
    std::fs::metadata(path).map_err(|e| VfsError::io(path, e))
}

/// The metadata of `path` itself (a symlink is not followed).
pub fn symlink_metadata(path: &Path) -> Result<Metadata, VfsError> {
    std::fs::symlink_metadata(path).map_err(|e| VfsError::io(path, e))
}

/// What a folder entry is, its symlink (if any) not followed: the answer of an `lstat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LstatKind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A symbolic link (not followed).
    Symlink,
    /// A FIFO, socket or device.
    Special,
}

/// A folder opened once so that many of its entries can be looked at by name: each look
/// resolves one name, not the whole path again (a burst of 10 000 changed files in a
/// deep tree spends a third of its `lstat`s walking the same folders otherwise). Opening
/// never fails: a folder that cannot be opened (no read permission, not a folder, a
/// platform without `fstatat`) is looked into by whole paths, with the same answers.
#[derive(Debug)]
pub struct FolderHandle {
    path: PathBuf,
    #[cfg(unix)]
    dir: Option<File>,
}

impl FolderHandle {
    /// Opens the folder at `path` (without following a final symlink's target into
    /// anything but a folder, and never blocking on a FIFO).
    pub fn open(path: &Path) -> FolderHandle {
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let dir = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_NONBLOCK | libc::O_CLOEXEC)
                .open(path)
                .ok();
            FolderHandle {
                path: path.to_path_buf(),
                dir,
            }
        }
        #[cfg(not(unix))]
        FolderHandle {
            path: path.to_path_buf(),
        }
    }

    /// A handle on the folder at `path` that looks at its entries by whole paths (what
    /// [`FolderHandle::open`] falls back to when the folder cannot be opened).
    pub fn by_paths(path: &Path) -> FolderHandle {
        FolderHandle {
            path: path.to_path_buf(),
            #[cfg(unix)]
            dir: None,
        }
    }

    /// What the entry `name` of the folder is, without following a symlink. Fails with
    /// [`VfsError::Io`] naming the entry's whole path (not found, permission denied).
    pub fn lstat(&self, name: &std::ffi::OsStr) -> Result<LstatKind, VfsError> {
        #[cfg(unix)]
        if let Some(dir) = &self.dir {
            use rustix::fs::{AtFlags, FileType, statat};
            return match statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => Ok(match FileType::from_raw_mode(st.st_mode) {
                    FileType::RegularFile => LstatKind::File,
                    FileType::Directory => LstatKind::Dir,
                    FileType::Symlink => LstatKind::Symlink,
                    _ => LstatKind::Special,
                }),
                Err(e) => Err(VfsError::io(&self.path.join(name), e.into())),
            };
        }
        let path = self.path.join(name);
        let ft = symlink_metadata(&path)?.file_type();
        Ok(if ft.is_file() {
            LstatKind::File
        } else if ft.is_dir() {
            LstatKind::Dir
        } else if ft.is_symlink() {
            LstatKind::Symlink
        } else {
            LstatKind::Special
        })
    }

    /// The folder's size in bytes as its file system reports it (`fstat`). On the common
    /// file systems it grows with the folder's entries (ext4 about 40 bytes an entry,
    /// tmpfs 20), so it tells what one listing of the folder costs against a look at
    /// each of some of its entries. `None` when the folder is not open or reports 0.
    pub fn listing_size(&self) -> Option<u64> {
        #[cfg(unix)]
        if let Some(dir) = &self.dir {
            return dir.metadata().ok().map(|m| m.len()).filter(|&n| n > 0);
        }
        None
    }

    /// What each entry of the folder whose name `keep` accepts is, from one listing of
    /// the folder (`getdents`: the kind comes with the entry, no `stat` per entry; an
    /// entry whose kind the listing does not give is looked at with
    /// [`FolderHandle::lstat`]). A name the map lacks was not in the folder. Fails with
    /// [`VfsError::Io`] when the folder is not open or cannot be listed.
    pub fn kinds(
        &self,
        keep: impl Fn(&std::ffi::OsStr) -> bool,
    ) -> Result<std::collections::HashMap<std::ffi::OsString, LstatKind>, VfsError> {
        #[cfg(unix)]
        if let Some(dir) = &self.dir {
            use rustix::fs::{Dir, FileType};
            use std::os::unix::ffi::OsStrExt;
            let fail = |e: rustix::io::Errno| VfsError::io(&self.path, e.into());
            let mut out = std::collections::HashMap::new();
            for entry in Dir::read_from(dir).map_err(fail)? {
                let entry = entry.map_err(fail)?;
                let name = std::ffi::OsStr::from_bytes(entry.file_name().to_bytes());
                if name == "." || name == ".." || !keep(name) {
                    continue;
                }
                let kind = match entry.file_type() {
                    FileType::RegularFile => LstatKind::File,
                    FileType::Directory => LstatKind::Dir,
                    FileType::Symlink => LstatKind::Symlink,
                    FileType::Unknown => match self.lstat(name) {
                        Ok(kind) => kind,
                        // Gone since the listing: as if it was not listed.
                        Err(e) if e.is_not_found() => continue,
                        Err(e) => return Err(e),
                    },
                    _ => LstatKind::Special,
                };
                out.insert(name.to_os_string(), kind);
            }
            return Ok(out);
        }
        Err(VfsError::io(
            &self.path,
            std::io::Error::other("the folder is not open"),
        ))
    }
}

/// The real path of `path`: absolute, symlinks and `..` resolved.
pub fn canonicalize(path: &Path) -> Result<PathBuf, VfsError> {
    std::fs::canonicalize(path).map_err(|e| VfsError::io(path, e))
}

/// The modified time of `path` (following symlinks).
pub fn modified(path: &Path) -> Result<SystemTime, VfsError> {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| VfsError::io(path, e))
}

/// The entries of the folder `dir`, unsorted. An entry that cannot be read is skipped
/// with a warning in the log.
pub fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, VfsError> {
    let entries = std::fs::read_dir(dir).map_err(|e| VfsError::io(dir, e))?;
    let mut out = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => out.push(e.path()),
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot read a folder entry; skipped")
            }
        }
    }
    Ok(out)
}

/// A temporary file in `path`'s folder (unpredictable name, created with `O_EXCL`, so a
/// planted symlink is never followed) holding exactly `bytes`, flushed to disk; it is
/// removed when dropped unless persisted.
fn written_beside(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
) -> Result<tempfile::NamedTempFile, VfsError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".promptls-").suffix(".tmp");
    if let Some(p) = permissions {
        builder.permissions(p);
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| VfsError::io(path, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| VfsError::io(path, e))?;
    Ok(tmp)
}

/// Creates the NEW file `path` holding exactly `bytes`.
///
/// The bytes go to a temporary file in `path`'s own folder (unpredictable name, created
/// with `O_EXCL`, so a planted symlink is never followed), are flushed to disk, and the
/// temporary file is then linked to `path` only if `path` does not exist. On any failure
/// nothing is left behind: [`VfsError::Exists`] when `path` exists (also a dangling
/// symlink), [`VfsError::Io`] otherwise.
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<(), VfsError> {
    if path.symlink_metadata().is_ok() {
        return Err(VfsError::Exists {
            path: path.to_path_buf(),
        });
    }
    // The mode a new file usually gets (0666 less the umask), not tempfile's private 0600:
    // the new version is a file of the workspace like any other.
    #[cfg(unix)]
    let permissions = Some(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    #[cfg(not(unix))]
    let permissions = None;
    let tmp = written_beside(path, bytes, permissions)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Err(VfsError::Exists {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(VfsError::io(path, e.error)),
    }
}

/// Replaces the content of the existing regular file `path` with `bytes`, atomically:
/// the bytes go to a temporary file in the same folder (with `path`'s permissions), are
/// flushed, and the temporary file then takes `path`'s place, so a reader sees the old
/// or the new content, never a mix, and a failed write leaves the old file as it was.
///
/// Fails with [`VfsError::Io`] when `path` is a symbolic link (its target is not
/// rewritten through it) or cannot be examined or written, [`VfsError::NotRegular`] when
/// it is not a regular file.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), VfsError> {
    let meta = symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(VfsError::io(
            path,
            std::io::Error::other("a symbolic link; not rewritten through it"),
        ));
    }
    if let Some(kind) = regular_file_kind(&meta) {
        return Err(VfsError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    let tmp = written_beside(path, bytes, Some(meta.permissions()))?;
    tmp.persist(path).map_err(|e| VfsError::io(path, e.error))?;
    Ok(())
}

/// Removes the file `path` (a symbolic link itself, not its target).
pub fn remove_file(path: &Path) -> Result<(), VfsError> {
    std::fs::remove_file(path).map_err(|e| VfsError::io(path, e))
}

/// Installs `files` (relative `/`-separated paths → bytes) as the folder `dest`.
///
/// The files are written into a new temporary folder beside `dest` (same parent,
/// unpredictable name, each file created new and flushed), then swapped in: an existing
/// `dest` (a real folder; a symbolic link or anything else is refused) is moved aside
/// into a second temporary folder, the new folder is renamed to `dest`, and the old one
/// is removed. Any failure removes the temporary folder and leaves the previous `dest`
/// exactly as it was. `dest`'s parent is created when missing (one level only, and it
/// must not be a symbolic link). Files get the usual mode of new files (0666 less the
/// umask), folders 0755.
///
/// # Errors
/// [`VfsError::Io`] naming the path: a relative path that is empty, absolute, or has an
/// empty, `.` or `..` segment or a `\` (nothing is written); `dest` a symbolic link or
/// not a folder; a parent that is a symbolic link or cannot be created; two paths that
/// collide (the same path twice, or `a` and `a/b`); any write or rename the operating
/// system refuses. A failure to remove the old folder after the swap is only logged
/// (the install succeeded).
pub fn install_folder(dest: &Path, files: &[(&str, &[u8])]) -> Result<(), VfsError> {
    for (rel, _) in files {
        check_relative(rel)?;
    }
    let invalid = |path: &Path, why: &str| {
        VfsError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, why.to_string()),
        )
    };
    let (Some(parent), Some(_)) = (dest.parent(), dest.file_name()) else {
        return Err(invalid(dest, "not a folder that can be installed into"));
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let existing = match std::fs::symlink_metadata(dest) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(invalid(
                dest,
                "a symbolic link; promptls installs only into a real folder",
            ));
        }
        Ok(meta) if meta.is_dir() => true,
        Ok(_) => {
            return Err(invalid(
                dest,
                "exists and is not a folder; promptls never overwrites a file",
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(VfsError::io(dest, e)),
    };
    let created_parent = match std::fs::symlink_metadata(parent) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(invalid(
                parent,
                "a symbolic link; promptls installs only into a real folder",
            ));
        }
        Ok(meta) if meta.is_dir() => false,
        Ok(_) => return Err(invalid(parent, "not a folder")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir(parent).map_err(|e| VfsError::io(parent, e))?;
            true
        }
        Err(e) => return Err(VfsError::io(parent, e)),
    };
    let result = swap_in(parent, dest, existing, files);
    if result.is_err() && created_parent {
        // Only if still empty: the folder this call created, nothing else.
        if let Err(e) = std::fs::remove_dir(parent) {
            tracing::debug!(parent = %parent.display(), error = %e, "the created parent is kept");
        }
    }
    result
}

/// Writes `files` into a temporary folder in `parent` and swaps it in as `dest` (see
/// [`install_folder`]).
fn swap_in(
    parent: &Path,
    dest: &Path,
    existing: bool,
    files: &[(&str, &[u8])],
) -> Result<(), VfsError> {
    let staging = tempfile::Builder::new()
        .prefix(".promptls-install-")
        .tempdir_in(parent)
        .map_err(|e| VfsError::io(dest, e))?;
    write_tree(staging.path(), dest, files)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| VfsError::io(dest, e))?;
    }
    if !existing {
        std::fs::rename(staging.path(), dest).map_err(|e| VfsError::io(dest, e))?;
        // Renamed: nothing is left to clean up.
        let _kept = staging.keep();
        return Ok(());
    }
    let aside = tempfile::Builder::new()
        .prefix(".promptls-old-")
        .tempdir_in(parent)
        .map_err(|e| VfsError::io(dest, e))?;
    let old = aside.path().join("old");
    std::fs::rename(dest, &old).map_err(|e| VfsError::io(dest, e))?;
    if let Err(e) = std::fs::rename(staging.path(), dest) {
        if let Err(back) = std::fs::rename(&old, dest) {
            // The previous folder stays in `aside`, which must then be kept.
            let kept = aside.keep();
            tracing::error!(
                dest = %dest.display(),
                kept = %kept.display(),
                error = %back,
                "cannot move the previous folder back; it is kept aside"
            );
        }
        return Err(VfsError::io(dest, e));
    }
    let _kept = staging.keep();
    if let Err(e) = aside.close() {
        tracing::warn!(dest = %dest.display(), error = %e, "installed, but the previous folder could not be removed");
    }
    Ok(())
}

/// Checks a relative path of [`install_folder`]: not empty, not absolute, no `\`, no
/// empty, `.` or `..` segment.
fn check_relative(rel: &str) -> Result<(), VfsError> {
    let why = if rel.is_empty() {
        Some("an empty path")
    } else if rel.starts_with('/') || Path::new(rel).is_absolute() {
        Some("an absolute path; installed files are relative to their folder")
    } else if rel.contains('\\') {
        Some("holds a backslash; separate folders with /")
    } else if rel.split('/').any(|s| s == "..") {
        Some("has a `..` segment; installed files stay inside their folder")
    } else if rel.split('/').any(|s| s.is_empty() || s == ".") {
        Some("has an empty or `.` segment")
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => Err(VfsError::io(
            Path::new(rel),
            std::io::Error::new(std::io::ErrorKind::InvalidInput, why),
        )),
    }
}

/// Writes `files` under the fresh folder `root` (errors name the path under `shown`, the
/// folder the user asked for).
fn write_tree(root: &Path, shown: &Path, files: &[(&str, &[u8])]) -> Result<(), VfsError> {
    for (rel, bytes) in files {
        let path = root.join(rel);
        let user_path = shown.join(rel);
        if let Some(folder) = Path::new(rel)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(root.join(folder)).map_err(|e| VfsError::io(&user_path, e))?;
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| VfsError::io(&user_path, e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| VfsError::io(&user_path, e))?;
    }
    Ok(())
}
