//! A package as a gzip tarball: built reproducibly, read behind guards.
//!
//! [`build`] writes `prompt.yaml` first, then the files sorted by path, with fixed
//! headers (mode 0644, owner 0:0, no user or group names, mtime 0) and a fixed gzip
//! header, so the same package always gives the same bytes. [`read`] accepts only what a
//! package can hold — regular files with safe relative paths, and folders, which it
//! ignores — within [`Limits`], and checks the files against the manifest.

use std::collections::HashSet;
use std::io::{self, Read, Write};

use flate2::Compression;
use sha2::{Digest, Sha256};

use super::package::{MANIFEST_NAME, Manifest, ManifestError, Package, PackageFile};

/// The limits a tarball is read within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most entries (files and folders) in the archive.
    pub max_entries: usize,
    /// Most bytes once decompressed (the whole tar stream: headers, contents, padding).
    pub max_bytes: u64,
    /// Most bytes of the compressed tarball.
    pub max_compressed: u64,
}

impl Default for Limits {
    /// 1 000 entries, 64 MiB decompressed, 16 MiB compressed.
    fn default() -> Self {
        Limits {
            max_entries: 1_000,
            max_bytes: 64 * 1024 * 1024,
            max_compressed: 16 * 1024 * 1024,
        }
    }
}

/// Why a tarball could not be built or was refused. Paths in messages are the entry's
/// path in the archive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TarballError {
    /// The bytes are not gzip data (no gzip magic number).
    #[error("the package is not a gzip file (it must be a .tar.gz)")]
    NotGzip,
    /// The gzip data is damaged (bad header, bad deflate data, checksum mismatch).
    #[error("the package's gzip data is corrupt: {reason}")]
    CorruptGzip {
        /// The decompressor's reason.
        reason: String,
    },
    /// Bytes follow the end of the gzip stream.
    #[error("the package has {extra} bytes after the end of its gzip data")]
    TrailingData {
        /// How many bytes follow.
        extra: usize,
    },
    /// The tar structure inside the gzip is damaged.
    #[error("the package's tar archive is corrupt: {reason}")]
    CorruptTar {
        /// The tar reader's reason.
        reason: String,
    },
    /// The compressed tarball is over [`Limits::max_compressed`].
    #[error("the package is {size} bytes compressed, more than the {limit}-byte limit")]
    CompressedTooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The tarball decompresses to more than [`Limits::max_bytes`]; reading stopped there.
    #[error("the package decompresses to more than the {limit}-byte limit")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The archive holds more than [`Limits::max_entries`] entries.
    #[error("the package holds more than {limit} entries")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// An entry's path is absolute.
    #[error("`{path}`: an absolute path; a package's paths are relative")]
    AbsolutePath {
        /// The entry's path (lossily decoded).
        path: String,
    },
    /// An entry's path has a `..` component.
    #[error("`{path}`: a `..` component; a package's paths stay inside its folder")]
    ParentDir {
        /// The entry's path (lossily decoded).
        path: String,
    },
    /// An entry's path is not acceptable otherwise (not UTF-8, a `\` or NUL, an empty or
    /// `.` segment, a control character, too long).
    #[error("`{path}`: the path is {reason}")]
    BadPath {
        /// The entry's path (lossily decoded, NUL shown as `\0`).
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A symbolic link entry.
    #[error("`{path}`: a symbolic link; a package holds regular files only")]
    Symlink {
        /// The entry's path.
        path: String,
    },
    /// A hard link entry.
    #[error("`{path}`: a hard link; a package holds regular files only")]
    Hardlink {
        /// The entry's path.
        path: String,
    },
    /// A device, FIFO or any other entry that is neither a regular file nor a folder.
    #[error("`{path}`: {what}; a package holds regular files only")]
    SpecialEntry {
        /// The entry's path.
        path: String,
        /// What it is (`a character device`, `a FIFO`, …).
        what: &'static str,
    },
    /// The same path twice.
    #[error("`{path}` is in the package twice")]
    DuplicatePath {
        /// The path.
        path: String,
    },
    /// No `prompt.yaml` at the root of the archive.
    #[error("the package has no prompt.yaml at its root")]
    MissingManifest,
    /// `prompt.yaml` is not a valid manifest.
    #[error("{0}")]
    Manifest(ManifestError),
    /// A file listed in the manifest is absent.
    #[error("`{path}` is listed in prompt.yaml but not in the package")]
    MissingFile {
        /// The listed path.
        path: String,
    },
    /// A file the manifest does not list.
    #[error("`{path}` is in the package but not listed in prompt.yaml")]
    ExtraFile {
        /// The file's path.
        path: String,
    },
    /// A file whose bytes do not match the manifest's sha256.
    #[error("`{path}`: its sha256 is {actual}, but prompt.yaml says {expected}")]
    Sha256Mismatch {
        /// The file's path.
        path: String,
        /// The manifest's sha256.
        expected: String,
        /// The sha256 of the bytes.
        actual: String,
    },
    /// Writing the archive failed (only when a path cannot be stored).
    #[error("cannot build the package: {reason}")]
    Build {
        /// The reason.
        reason: String,
    },
}

impl From<ManifestError> for TarballError {
    fn from(e: ManifestError) -> Self {
        match e {
            ManifestError::MissingFile { path } => TarballError::MissingFile { path },
            ManifestError::ExtraFile { path } => TarballError::ExtraFile { path },
            ManifestError::DuplicateFile { path } => TarballError::DuplicatePath { path },
            ManifestError::Sha256Mismatch {
                path,
                expected,
                actual,
            } => TarballError::Sha256Mismatch {
                path,
                expected,
                actual,
            },
            other => TarballError::Manifest(other),
        }
    }
}

/// The gzip level [`build`] compresses at (fixed, so the bytes are reproducible).
const LEVEL: u32 = 9;

/// The SHA-256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The tarball of `package`: `prompt.yaml` (= [`Manifest::to_yaml`]) first, then the
/// files sorted by path; GNU headers with mode 0644, uid/gid 0, no user or group names,
/// mtime 0 (long paths in GNU long-name entries); gzip at level 9 with mtime 0, no file
/// name and the "unknown" OS byte. The same package gives the same bytes (with the same
/// build of the compressor).
///
/// # Errors
/// [`TarballError::Build`] when the archive cannot be written (a path the tar format
/// cannot store; paths checked by [`Manifest::parse`] always can).
pub fn build(package: &Package) -> Result<Vec<u8>, TarballError> {
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::new(LEVEL));
    let mut tar = tar::Builder::new(gz);
    let build_error = |e: io::Error| TarballError::Build {
        reason: e.to_string(),
    };
    let mut files: Vec<&PackageFile> = package.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = package.manifest.to_yaml();
    let entries = std::iter::once((MANIFEST_NAME, manifest.as_bytes()))
        .chain(files.iter().map(|f| (f.path.as_str(), f.bytes.as_slice())));
    for (path, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        tar.append_data(&mut header, path, bytes)
            .map_err(build_error)?;
    }
    let gz = tar.into_inner().map_err(build_error)?;
    let mut out = gz.finish().map_err(build_error)?;
    out.flush().map_err(build_error)?;
    Ok(out)
}

/// Reads a package tarball within `limits`: every entry must be a regular file or a
/// folder (folders are ignored) with a safe relative path, `prompt.yaml` must be a valid
/// manifest, and the files must be exactly those it lists, matching its sha256s.
/// Decompression is counted as it goes, so a gzip bomb stops at [`Limits::max_bytes`]
/// and never allocates past it.
///
/// # Errors
/// One [`TarballError`] variant per refusal: [`TarballError::CompressedTooLarge`],
/// [`TarballError::NotGzip`], [`TarballError::CorruptGzip`], [`TarballError::TrailingData`],
/// [`TarballError::CorruptTar`], [`TarballError::TooLarge`],
/// [`TarballError::TooManyEntries`], [`TarballError::AbsolutePath`],
/// [`TarballError::ParentDir`], [`TarballError::BadPath`], [`TarballError::Symlink`],
/// [`TarballError::Hardlink`], [`TarballError::SpecialEntry`],
/// [`TarballError::DuplicatePath`], [`TarballError::MissingManifest`],
/// [`TarballError::Manifest`], [`TarballError::MissingFile`],
/// [`TarballError::ExtraFile`], [`TarballError::Sha256Mismatch`].
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Package, TarballError> {
    if bytes.len() as u64 > limits.max_compressed {
        return Err(TarballError::CompressedTooLarge {
            size: bytes.len() as u64,
            limit: limits.max_compressed,
        });
    }
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(TarballError::NotGzip);
    }
    let gz = flate2::bufread::GzDecoder::new(bytes);
    let mut archive = tar::Archive::new(Capped {
        inner: gz,
        read: 0,
        max: limits.max_bytes,
        exceeded: false,
        inner_error: None,
    });
    let entries = read_entries(&mut archive, limits);
    let mut capped = archive.into_inner();
    let drained = if entries.is_ok() {
        drain_zeros(&mut capped)
    } else {
        Ok(true)
    };
    if capped.exceeded {
        return Err(TarballError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    if let Some(reason) = capped.inner_error {
        return Err(TarballError::CorruptGzip { reason });
    }
    let (manifest, files) = entries?;
    match drained {
        Ok(true) => {}
        Ok(false) => {
            return Err(TarballError::CorruptTar {
                reason: "data after the end of the archive".into(),
            });
        }
        Err(e) => {
            return Err(TarballError::CorruptGzip {
                reason: e.to_string(),
            });
        }
    }
    let rest = capped.inner.into_inner();
    if !rest.is_empty() {
        return Err(TarballError::TrailingData { extra: rest.len() });
    }
    let Some(manifest) = manifest else {
        return Err(TarballError::MissingManifest);
    };
    let text = super::package::manifest_text(&manifest)?;
    let manifest = Manifest::parse(text)?;
    Ok(Package::new(manifest, files)?)
}

/// The bytes of `prompt.yaml` (when present) and the other files of the archive.
type Entries = (Option<Vec<u8>>, Vec<PackageFile>);

fn read_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    limits: &Limits,
) -> Result<Entries, TarballError> {
    let corrupt = |e: io::Error| TarballError::CorruptTar {
        reason: e.to_string(),
    };
    let mut manifest = None;
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    let mut count = 0usize;
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        count += 1;
        if count > limits.max_entries {
            return Err(TarballError::TooManyEntries {
                limit: limits.max_entries,
            });
        }
        let raw = entry.path_bytes().into_owned();
        let kind = entry.header().entry_type();
        let is_dir = kind.is_dir();
        let path = entry_path(&raw, is_dir)?;
        let shown = || path.clone();
        match kind {
            tar::EntryType::Regular | tar::EntryType::Directory => {}
            tar::EntryType::Symlink => return Err(TarballError::Symlink { path: shown() }),
            tar::EntryType::Link => return Err(TarballError::Hardlink { path: shown() }),
            other => {
                return Err(TarballError::SpecialEntry {
                    path: shown(),
                    what: entry_kind(other),
                });
            }
        }
        if is_dir {
            continue;
        }
        if !seen.insert(path.clone()) {
            return Err(TarballError::DuplicatePath { path });
        }
        let size = entry.size();
        if size > limits.max_bytes {
            return Err(TarballError::TooLarge {
                limit: limits.max_bytes,
            });
        }
        // `size` is at most `max_bytes`, and the stream under it is capped there too.
        let mut bytes = Vec::with_capacity(size.min(1 << 20) as usize);
        entry.read_to_end(&mut bytes).map_err(corrupt)?;
        if path == MANIFEST_NAME {
            manifest = Some(bytes);
        } else {
            files.push(PackageFile { path, bytes });
        }
    }
    Ok((manifest, files))
}

/// Reads `reader` to its end (so the gzip checksum is verified); whether everything
/// read was zeros (the tar end-of-archive padding).
fn drain_zeros(reader: &mut impl Read) -> io::Result<bool> {
    let mut buf = [0u8; 8192];
    let mut zeros = true;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(zeros);
        }
        zeros &= buf[..n].iter().all(|b| *b == 0);
    }
}

/// The entry's path as UTF-8 text, checked; a folder's trailing `/` dropped.
fn entry_path(raw: &[u8], is_dir: bool) -> Result<String, TarballError> {
    let shown = || String::from_utf8_lossy(raw).replace('\0', "\\0");
    if raw.starts_with(b"/") {
        return Err(TarballError::AbsolutePath { path: shown() });
    }
    if raw.split(|b| *b == b'/').any(|s| s == b"..") {
        return Err(TarballError::ParentDir { path: shown() });
    }
    let Ok(text) = std::str::from_utf8(raw) else {
        return Err(TarballError::BadPath {
            path: shown(),
            reason: "not UTF-8",
        });
    };
    let text = if is_dir {
        text.strip_suffix('/').unwrap_or(text)
    } else {
        text
    };
    if text == MANIFEST_NAME {
        return Ok(text.to_owned());
    }
    super::package::check_path(text).map_err(|reason| TarballError::BadPath {
        path: shown(),
        reason,
    })?;
    Ok(text.to_owned())
}

fn entry_kind(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::Char => "a character device",
        tar::EntryType::Block => "a block device",
        tar::EntryType::Fifo => "a FIFO (named pipe)",
        tar::EntryType::Continuous => "a contiguous file",
        tar::EntryType::GNUSparse => "a sparse file",
        tar::EntryType::XGlobalHeader => "a global pax header",
        _ => "an entry of an unsupported type",
    }
}

/// A reader that stops with an error once more than `max` bytes have come through it,
/// and remembers whether that happened and whether the reader under it failed.
struct Capped<R> {
    inner: R,
    read: u64,
    max: u64,
    exceeded: bool,
    inner_error: Option<String>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.exceeded {
            return Err(io::Error::other("decompressed size limit exceeded"));
        }
        // Ask for at most one byte past the limit: enough to see it exceeded.
        let room = (self.max - self.read).saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = match self.inner.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) => {
                self.inner_error = Some(e.to_string());
                return Err(e);
            }
        };
        self.read += n as u64;
        if self.read > self.max {
            self.exceeded = true;
            return Err(io::Error::other("decompressed size limit exceeded"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;

    fn package() -> Package {
        let manifest = Manifest::parse(&format!(
            "name: support-reply\nversion: 1.2.0\nfiles:\n  - reply_en.md\n  - path: ru/reply_ru.md\n    sha256: {}\n",
            sha256_hex("Привет {{name}}\n".as_bytes())
        ))
        .unwrap();
        Package::new(
            manifest,
            vec![
                PackageFile {
                    path: "ru/reply_ru.md".into(),
                    bytes: "Привет {{name}}\n".as_bytes().to_vec(),
                },
                PackageFile {
                    path: "reply_en.md".into(),
                    bytes: b"Hello {{name}}\r\n\x00\xff".to_vec(),
                },
            ],
        )
        .unwrap()
    }

    #[test]
    fn sha256_is_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
    }

    #[test]
    fn build_is_reproducible_with_fixed_headers() {
        let p = package();
        let bytes = build(&p).unwrap();
        assert_eq!(bytes, build(&p.clone()).unwrap());
        // gzip: magic, deflate, no flags (no file name), mtime 0, best-compression, OS unknown.
        assert_eq!(bytes[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let h = entry.header().clone();
            assert_eq!(h.entry_type(), tar::EntryType::Regular);
            assert_eq!(h.mode().unwrap(), 0o644);
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
            assert_eq!(h.mtime().unwrap(), 0);
            assert_eq!(h.username_bytes(), Some(&b""[..]));
            assert_eq!(h.groupname_bytes(), Some(&b""[..]));
            assert!(h.as_gnu().is_some());
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            seen.push((entry.path().unwrap().display().to_string(), content));
        }
        assert_eq!(
            seen,
            vec![
                ("prompt.yaml".to_string(), p.manifest.to_yaml().into_bytes()),
                ("reply_en.md".to_string(), p.files[0].bytes.clone()),
                ("ru/reply_ru.md".to_string(), p.files[1].bytes.clone()),
            ]
        );
        assert_eq!(read(&bytes, &Limits::default()).unwrap(), p);
    }

    #[test]
    fn long_paths_round_trip() {
        let path = format!("{}/{}.md", "d".repeat(200), "f".repeat(200));
        let manifest =
            Manifest::parse(&format!("name: x\nversion: 1.0.0\nfiles: [{path}]\n")).unwrap();
        let p = Package::new(
            manifest,
            vec![PackageFile {
                path,
                bytes: b"x".to_vec(),
            }],
        )
        .unwrap();
        assert_eq!(read(&build(&p).unwrap(), &Limits::default()).unwrap(), p);
    }

    // ---- Crafted archives, one per refusal. ----

    /// One raw tar entry: a GNU header with `path` written byte for byte (no checks).
    fn entry(path: &[u8], kind: tar::EntryType, data: &[u8], link: &[u8]) -> Vec<u8> {
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..path.len()].copy_from_slice(path);
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        let mut out = h.as_bytes().to_vec();
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
        out
    }

    fn file(path: &str, data: &[u8]) -> Vec<u8> {
        entry(path.as_bytes(), tar::EntryType::Regular, data, b"")
    }

    const MANIFEST: &str = "name: x\nversion: 1.0.0\nfiles: [a.md]\n";

    fn tar_of(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut out: Vec<u8> = entries.concat();
        out.extend_from_slice(&[0; 1024]);
        out
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::new(6));
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn refused(entries: &[Vec<u8>]) -> String {
        read(&gz(&tar_of(entries)), &Limits::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_crafted_valid_archive_with_folders_is_read() {
        let p = read(
            &gz(&tar_of(&[
                entry(b"sub/", tar::EntryType::Directory, b"", b""),
                file(
                    "prompt.yaml",
                    b"name: x\nversion: 1.0.0\nfiles: [sub/a.md]\n",
                ),
                file("sub/a.md", b"A"),
            ])),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            p.files,
            vec![PackageFile {
                path: "sub/a.md".into(),
                bytes: b"A".to_vec()
            }]
        );
    }

    #[test]
    fn each_hostile_archive_is_refused_with_its_own_error() {
        let m = || file("prompt.yaml", MANIFEST.as_bytes());
        let a = || file("a.md", b"A");
        let cases: Vec<(Vec<Vec<u8>>, TarballError)> = vec![
            (
                vec![m(), a(), file("/etc/passwd", b"x")],
                TarballError::AbsolutePath {
                    path: "/etc/passwd".into(),
                },
            ),
            (
                vec![m(), a(), file("../escape.md", b"x")],
                TarballError::ParentDir {
                    path: "../escape.md".into(),
                },
            ),
            (
                vec![m(), a(), file("sub/../../escape.md", b"x")],
                TarballError::ParentDir {
                    path: "sub/../../escape.md".into(),
                },
            ),
            (
                vec![
                    m(),
                    a(),
                    entry(b"bad\xff.md", tar::EntryType::Regular, b"x", b""),
                ],
                TarballError::BadPath {
                    path: "bad\u{fffd}.md".into(),
                    reason: "not UTF-8",
                },
            ),
            (
                vec![m(), a(), file("dir\\file.md", b"x")],
                TarballError::BadPath {
                    path: "dir\\file.md".into(),
                    reason: "holding a backslash; separate folders with /",
                },
            ),
            (
                vec![
                    m(),
                    a(),
                    entry(b"link.md", tar::EntryType::Symlink, b"", b"/etc/passwd"),
                ],
                TarballError::Symlink {
                    path: "link.md".into(),
                },
            ),
            (
                vec![
                    m(),
                    a(),
                    entry(b"hard.md", tar::EntryType::Link, b"", b"a.md"),
                ],
                TarballError::Hardlink {
                    path: "hard.md".into(),
                },
            ),
            (
                vec![m(), a(), entry(b"tty", tar::EntryType::Char, b"", b"")],
                TarballError::SpecialEntry {
                    path: "tty".into(),
                    what: "a character device",
                },
            ),
            (
                vec![m(), a(), entry(b"disk", tar::EntryType::Block, b"", b"")],
                TarballError::SpecialEntry {
                    path: "disk".into(),
                    what: "a block device",
                },
            ),
            (
                vec![m(), a(), entry(b"pipe", tar::EntryType::Fifo, b"", b"")],
                TarballError::SpecialEntry {
                    path: "pipe".into(),
                    what: "a FIFO (named pipe)",
                },
            ),
            (
                vec![m(), a(), file("a.md", b"again")],
                TarballError::DuplicatePath {
                    path: "a.md".into(),
                },
            ),
            (vec![a()], TarballError::MissingManifest),
            (
                vec![file("prompt.yaml", b"name: x\n"), a()],
                TarballError::Manifest(ManifestError::Missing {
                    line: 1,
                    field: "version".into(),
                }),
            ),
            (
                vec![file("prompt.yaml", b"\xff"), a()],
                TarballError::Manifest(ManifestError::NotUtf8 { line: 1, offset: 0 }),
            ),
            (
                vec![m()],
                TarballError::MissingFile {
                    path: "a.md".into(),
                },
            ),
            (
                vec![m(), a(), file("b.md", b"B")],
                TarballError::ExtraFile {
                    path: "b.md".into(),
                },
            ),
            (
                vec![
                    file(
                        "prompt.yaml",
                        format!(
                            "name: x\nversion: 1.0.0\nfiles:\n  - path: a.md\n    sha256: {}\n",
                            sha256_hex(b"original")
                        )
                        .as_bytes(),
                    ),
                    file("a.md", b"tampered"),
                ],
                TarballError::Sha256Mismatch {
                    path: "a.md".into(),
                    expected: sha256_hex(b"original"),
                    actual: sha256_hex(b"tampered"),
                },
            ),
        ];
        for (entries, want) in cases {
            let got = read(&gz(&tar_of(&entries)), &Limits::default()).unwrap_err();
            assert_eq!(got, want);
        }
        // And the messages a user sees.
        assert_eq!(
            refused(&[m(), a(), file("../escape.md", b"x")]),
            "`../escape.md`: a `..` component; a package's paths stay inside its folder"
        );
        assert_eq!(
            refused(&[
                m(),
                a(),
                entry(b"link.md", tar::EntryType::Symlink, b"", b"/etc/passwd")
            ]),
            "`link.md`: a symbolic link; a package holds regular files only"
        );
        assert_eq!(
            refused(&[file("prompt.yaml", b"name: x\n"), a()]),
            "prompt.yaml, line 1: `version` is missing"
        );
    }

    #[test]
    fn a_nul_in_a_long_name_is_refused() {
        // A GNU long-name entry can carry a NUL inside the name.
        let long = entry(
            b"././@LongLink",
            tar::EntryType::GNULongName,
            b"a\0b.md\0",
            b"",
        );
        let err = read(
            &gz(&tar_of(&[
                file("prompt.yaml", MANIFEST.as_bytes()),
                file("a.md", b"A"),
                long,
                file("ignored", b"x"),
            ])),
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            TarballError::BadPath {
                path: "a\\0b.md".into(),
                reason: "holding a NUL byte"
            }
        );
    }

    #[test]
    fn broken_containers_are_refused() {
        let good = build(&package()).unwrap();
        let limits = Limits::default();
        assert_eq!(
            read(b"PK\x03\x04 a zip", &limits),
            Err(TarballError::NotGzip)
        );
        assert_eq!(read(b"", &limits), Err(TarballError::NotGzip));
        // Cut short: the gzip stream ends early.
        assert_eq!(
            read(&good[..good.len() - 20], &limits),
            Err(TarballError::CorruptGzip {
                reason: "incomplete deflate stream".into()
            })
        );
        // A flipped byte in the checksum trailer.
        let mut bad_crc = good.clone();
        let n = bad_crc.len();
        bad_crc[n - 6] ^= 0xff;
        assert!(matches!(
            read(&bad_crc, &limits),
            Err(TarballError::CorruptGzip { .. })
        ));
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"hidden");
        assert_eq!(
            read(&trailing, &limits),
            Err(TarballError::TrailingData { extra: 6 })
        );
        // Gzip of a tar archive whose header was altered.
        let mut altered = tar_of(&[file("prompt.yaml", MANIFEST.as_bytes())]);
        altered[0] ^= 1;
        assert_eq!(
            read(&gz(&altered), &limits),
            Err(TarballError::CorruptTar {
                reason: "archive header checksum mismatch".into()
            })
        );
        // Data hidden after the end-of-archive marker.
        let mut hidden = tar_of(&[file("prompt.yaml", MANIFEST.as_bytes()), file("a.md", b"A")]);
        hidden.extend_from_slice(b"hidden");
        assert_eq!(
            read(&gz(&hidden), &limits),
            Err(TarballError::CorruptTar {
                reason: "data after the end of the archive".into()
            })
        );
    }

    #[test]
    fn limits_are_enforced() {
        let good = build(&package()).unwrap();
        let tight = Limits {
            max_compressed: good.len() as u64 - 1,
            ..Limits::default()
        };
        assert_eq!(
            read(&good, &tight),
            Err(TarballError::CompressedTooLarge {
                size: good.len() as u64,
                limit: good.len() as u64 - 1
            })
        );
        let few = Limits {
            max_entries: 2,
            ..Limits::default()
        };
        assert_eq!(
            read(&good, &few),
            Err(TarballError::TooManyEntries { limit: 2 })
        );
        assert_eq!(
            read(
                &good,
                &Limits {
                    max_entries: 3,
                    ..few
                }
            )
            .unwrap(),
            package()
        );
        // The whole stream (headers and padding) counts.
        let small = Limits {
            max_bytes: 4 * 512,
            ..Limits::default()
        };
        assert_eq!(
            read(&good, &small),
            Err(TarballError::TooLarge { limit: 4 * 512 })
        );
        // A header declaring more than the limit is refused before anything is read.
        let mut h = tar::Header::new_gnu();
        h.set_path("a.md").unwrap();
        h.set_size(1 << 40);
        h.set_cksum();
        let declared = gz(&[
            file("prompt.yaml", MANIFEST.as_bytes()),
            h.as_bytes().to_vec(),
        ]
        .concat());
        assert_eq!(
            read(&declared, &Limits::default()),
            Err(TarballError::TooLarge {
                limit: 64 * 1024 * 1024
            })
        );
        assert_eq!(
            TarballError::TooLarge {
                limit: 64 * 1024 * 1024
            }
            .to_string(),
            "the package decompresses to more than the 67108864-byte limit"
        );
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_cap() {
        // 200 MB of zeros in one entry, compressed to a few hundred KB.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::best());
        e.write_all(&file(
            "prompt.yaml",
            b"name: x\nversion: 1.0.0\nfiles: [zeros]\n",
        ))
        .unwrap();
        let size: u64 = 200 * 1000 * 1000;
        let mut h = tar::Header::new_gnu();
        h.set_path("zeros").unwrap();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        e.write_all(h.as_bytes()).unwrap();
        let chunk = vec![0u8; 1 << 20];
        let mut left = size + 1024;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            e.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        let bomb = e.finish().unwrap();
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        // Declared size over the cap: refused from the header.
        assert_eq!(
            read(&bomb, &Limits::default()),
            Err(TarballError::TooLarge {
                limit: 64 * 1024 * 1024
            })
        );
        // Even with a header that lies (a small declared size, the zeros after it
        // as "padding"), decompression stops at the cap.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::best());
        e.write_all(&file(
            "prompt.yaml",
            b"name: x\nversion: 1.0.0\nfiles: [a.md]\n",
        ))
        .unwrap();
        e.write_all(&file("a.md", b"A")).unwrap();
        let mut left = size;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            e.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        let bomb = e.finish().unwrap();
        assert_eq!(
            read(&bomb, &Limits::default()),
            Err(TarballError::TooLarge {
                limit: 64 * 1024 * 1024
            })
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn read_gives_back_what_build_wrote(
            m in crate::registry::package::tests::manifest_strategy(),
            contents in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 8),
        ) {
            prop_assume!(!m.files.is_empty());
            let mut m = m;
            let files: Vec<PackageFile> = m.files.iter_mut().enumerate().map(|(i, f)| {
                let bytes = contents[i % contents.len()].clone();
                if f.sha256.is_some() {
                    f.sha256 = Some(sha256_hex(&bytes));
                }
                PackageFile { path: f.path.clone(), bytes }
            }).collect();
            let p = Package::new(m, files).unwrap();
            let bytes = build(&p).unwrap();
            prop_assert_eq!(&bytes, &build(&p).unwrap());
            prop_assert_eq!(read(&bytes, &Limits::default()), Ok(p));
        }

        #[test]
        fn any_bytes_are_read_or_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let mut gz_bytes = vec![0x1f, 0x8b];
            gz_bytes.extend(&bytes);
            let _ = read(&bytes, &Limits::default());
            let _ = read(&gz_bytes, &Limits::default());
            let _ = read(&gz(&bytes), &Limits::default());
        }
    }
}
