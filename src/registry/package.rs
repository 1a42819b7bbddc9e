//! A package's manifest, `prompt.yaml`, and a package held in memory.
//!
//! ```yaml
//! name: support-reply
//! version: 1.2.0
//! description: Replies to support tickets
//! files:
//!   - reply_en.md
//!   - path: reply_ru.md
//!     sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//!     variables: [customer, ticket]
//!     classifiers: {lang: ru}
//! ```
//!
//! [`Manifest::parse`] reads it strictly (every error names the field and the line),
//! [`Manifest::to_yaml`] writes it back deterministically, [`Package::new`] checks that a
//! set of files is exactly what the manifest lists and [`read_folder`] reads a folder to
//! publish.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::PackageIdError;
use crate::vfs::{EntryKind, FileSource};

/// The manifest's file name, at the root of a package folder and of a tarball.
pub const MANIFEST_NAME: &str = "prompt.yaml";

/// Longest path of a package file, in bytes.
pub const MAX_PATH_LEN: usize = 1024;

/// Longest segment (file or folder name) of a package file's path, in bytes.
pub const MAX_SEGMENT_LEN: usize = 255;

/// Deepest nesting of lists and mappings accepted in `prompt.yaml` (the manifest needs 3).
const MAX_DEPTH: usize = 16;

/// A package's manifest: the contents of `prompt.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The package's name (the `name` part of `owner/name`), checked with
    /// [`super::validate_part`].
    pub name: String,
    /// The package's version, strict semver (`1.0.0`, `1.0.0-beta.1`; `v1` is refused).
    pub version: semver::Version,
    /// A one-line description, when given.
    pub description: Option<String>,
    /// The files of the package, in the manifest's order; never empty, no path twice.
    pub files: Vec<ManifestFile>,
}

/// One file listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestFile {
    /// The file's path inside the package folder: relative, `/`-separated, UTF-8, no
    /// `.`, `..` or empty segment, no `\`, no control character, at most
    /// [`MAX_PATH_LEN`] bytes with segments of at most [`MAX_SEGMENT_LEN`] bytes, and not
    /// `prompt.yaml` itself.
    pub path: String,
    /// The SHA-256 of the file's bytes, 64 lowercase hex digits; when present, the bytes
    /// must match it.
    pub sha256: Option<String>,
    /// The `{{variables}}` of the file (informational, in the manifest's order).
    pub variables: Vec<String>,
    /// Classifiers of the file, e.g. `lang = ru` (informational).
    pub classifiers: BTreeMap<String, String>,
}

/// A file of a package: its path (as in [`ManifestFile::path`]) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// The path inside the package folder, `/`-separated.
    pub path: String,
    /// The file's bytes, verbatim.
    pub bytes: Vec<u8>,
}

/// A package in memory: a manifest and exactly the files it lists, sorted by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The manifest.
    pub manifest: Manifest,
    /// The files, sorted by path (byte order), one per manifest entry.
    pub files: Vec<PackageFile>,
}

/// Why a manifest, or a package's files, were refused. Every message names `prompt.yaml`
/// (with the line) or the file concerned, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// `prompt.yaml` is not UTF-8 text.
    #[error("prompt.yaml, line {line}: not valid UTF-8 (byte {offset}); write it as UTF-8 text")]
    NotUtf8 {
        /// The line (1-based) of the first invalid byte.
        line: usize,
        /// The offset of the first invalid byte, from 0.
        offset: usize,
    },
    /// `prompt.yaml` is not valid YAML.
    #[error("prompt.yaml, line {line}: not valid YAML: {reason}")]
    Syntax {
        /// The line (1-based) where the YAML parser stopped.
        line: usize,
        /// The YAML parser's reason.
        reason: String,
    },
    /// `prompt.yaml` holds no document, or only a null one.
    #[error("prompt.yaml is empty; it needs at least name, version and files")]
    Empty,
    /// `prompt.yaml` holds more than one YAML document.
    #[error("prompt.yaml, line {line}: a second YAML document; the manifest is one document")]
    MultipleDocuments {
        /// The line (1-based) where the second document starts.
        line: usize,
    },
    /// A YAML feature the manifest does not accept (anchors, aliases, tags).
    #[error("prompt.yaml, line {line}: {feature} are not supported in the manifest")]
    Unsupported {
        /// The line (1-based).
        line: usize,
        /// `anchors (&name)`, `aliases (*name)` or `tags (!tag)`.
        feature: &'static str,
    },
    /// Lists and mappings nested deeper than the manifest could need.
    #[error("prompt.yaml, line {line}: nested more than {max} levels deep")]
    TooDeep {
        /// The line (1-based) of the node past the limit.
        line: usize,
        /// The deepest nesting accepted.
        max: usize,
    },
    /// A required field is absent (or null).
    #[error("prompt.yaml, line {line}: `{field}` is missing")]
    Missing {
        /// The line (1-based) of the mapping that lacks it.
        line: usize,
        /// The field, e.g. `version` or `files[2].path`.
        field: String,
    },
    /// A value of the wrong shape (a list where text is expected, …).
    #[error("prompt.yaml, line {line}: `{field}` must be {expected}, not {found}")]
    WrongType {
        /// The line (1-based) of the value.
        line: usize,
        /// The field, e.g. `files` or `files[0].variables[1]`.
        field: String,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// A key the manifest does not know.
    #[error("prompt.yaml, line {line}: unknown key `{key}` in {place}; the keys are {allowed}")]
    UnknownKey {
        /// The line (1-based) of the key.
        line: usize,
        /// The key as written.
        key: String,
        /// `the manifest` or the field it is in (`files[1]`).
        place: String,
        /// The keys allowed there.
        allowed: &'static str,
    },
    /// A key written twice in one mapping.
    #[error(
        "prompt.yaml, line {line}: `{key}` is given twice in {place} (first on line {first_line})"
    )]
    DuplicateKey {
        /// The line (1-based) of the second occurrence.
        line: usize,
        /// The line (1-based) of the first.
        first_line: usize,
        /// The key.
        key: String,
        /// `the manifest` or the field it is in.
        place: String,
    },
    /// The package name breaks the naming rule.
    #[error("prompt.yaml, line {line}: {source}")]
    BadName {
        /// The line (1-based) of the value.
        line: usize,
        /// Why the name was refused.
        source: PackageIdError,
    },
    /// The version is not strict semver.
    #[error(
        "prompt.yaml, line {line}: version `{value}` is not a semantic version ({reason}); \
         write major.minor.patch, e.g. 1.0.0 or 1.0.0-beta.1"
    )]
    BadVersion {
        /// The line (1-based) of the value.
        line: usize,
        /// The version as written.
        value: String,
        /// The semver parser's reason.
        reason: String,
    },
    /// `files` is an empty list.
    #[error("prompt.yaml, line {line}: `files` is empty; list at least one file")]
    NoFiles {
        /// The line (1-based) of the list.
        line: usize,
    },
    /// A file path breaks the path rule.
    #[error("prompt.yaml, line {line}: file path `{path}` is {reason}")]
    BadPath {
        /// The line (1-based) of the path.
        line: usize,
        /// The path as written.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A file listed twice.
    #[error("prompt.yaml, line {line}: `{path}` is listed twice (first on line {first_line})")]
    DuplicatePath {
        /// The line (1-based) of the second entry.
        line: usize,
        /// The line (1-based) of the first.
        first_line: usize,
        /// The path.
        path: String,
    },
    /// A path listed as a file is also the folder of another listed file.
    #[error(
        "prompt.yaml, line {line}: `{path}` is listed as a file, but `{inside}` puts it as a folder"
    )]
    PathConflict {
        /// The line (1-based) of the file inside.
        line: usize,
        /// The path listed as a file.
        path: String,
        /// The listed path inside it.
        inside: String,
    },
    /// A `sha256` that is not 64 lowercase hex digits.
    #[error(
        "prompt.yaml, line {line}: sha256 of `{path}` is `{value}`; write 64 lowercase hex digits"
    )]
    BadSha256 {
        /// The line (1-based) of the value.
        line: usize,
        /// The file it is for.
        path: String,
        /// The value as written.
        value: String,
    },
    /// The folder has no `prompt.yaml`.
    #[error("prompt.yaml: missing; a package folder needs its manifest")]
    NoManifest,
    /// A listed file is absent from the package.
    #[error("{path}: listed in prompt.yaml but missing from the package")]
    MissingFile {
        /// The path as listed.
        path: String,
    },
    /// A file of the package is not listed in the manifest.
    #[error("{path}: in the package but not listed in prompt.yaml")]
    ExtraFile {
        /// The file's path.
        path: String,
    },
    /// The same path is given twice among the package's files.
    #[error("{path}: given twice among the package's files")]
    DuplicateFile {
        /// The path.
        path: String,
    },
    /// A file's bytes do not match the `sha256` the manifest gives.
    #[error("{path}: its sha256 is {actual}, but prompt.yaml says {expected}")]
    Sha256Mismatch {
        /// The file's path.
        path: String,
        /// The manifest's sha256.
        expected: String,
        /// The sha256 of the bytes.
        actual: String,
    },
    /// A listed file (or `prompt.yaml`) of a folder is not a regular file.
    #[error("{path}: {what}, not a regular file; a package holds regular files only")]
    NotRegular {
        /// The path inside the folder (`prompt.yaml` or as listed).
        path: String,
        /// `a folder` or `a special file (a FIFO, socket or device)`.
        what: &'static str,
    },
    /// A listed file (or `prompt.yaml`) of a folder really lies outside it (a symbolic link
    /// out of the folder).
    #[error(
        "{path}: a symbolic link out of the package folder; a package holds only its own files"
    )]
    OutsideFolder {
        /// The path inside the folder.
        path: String,
    },
    /// A file of a folder could not be read.
    #[error("{path}: cannot be read: {reason}")]
    Read {
        /// The path inside the folder (`prompt.yaml` or as listed).
        path: String,
        /// The operating system's reason.
        reason: String,
    },
}

impl Manifest {
    /// Parses the text of `prompt.yaml`.
    ///
    /// Top-level keys: `name` (required), `version` (required), `description`, `files`
    /// (required, non-empty list). Each item of `files` is a path, or a mapping with
    /// `path` (required), `sha256`, `variables` (a list) and `classifiers` (a mapping).
    /// Scalars are taken as written (`version: 1.0` is the text `1.0`); a plain `~`,
    /// `null` or empty value counts as absent.
    ///
    /// # Errors
    /// A [`ManifestError`] naming the line and the field: YAML syntax, an empty file, a
    /// second document, anchors/aliases/tags, nesting deeper than 16, a missing field, a
    /// value of the wrong type, an unknown or duplicate key, a bad name, version, path or
    /// sha256, an empty `files`, a path listed twice or both as a file and a folder.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let root = load(text)?;
        let entries = match root.value {
            Value::Map(entries) => entries,
            Value::Scalar { ref text, plain } if plain && is_null(text) => {
                return Err(ManifestError::Empty);
            }
            ref other => {
                return Err(ManifestError::WrongType {
                    line: root.line,
                    field: "the manifest".into(),
                    expected: "a mapping of name, version, description and files",
                    found: other.kind(),
                });
            }
        };
        let fields = fields(
            &entries,
            &["name", "version", "description", "files"],
            "name, version, description and files",
            "the manifest",
        )?;
        let required = |key: &str| -> Result<(usize, String), ManifestError> {
            match fields.get(key) {
                Some(node) => match scalar(node, key)? {
                    Some(text) => Ok((node.line, text)),
                    None => Err(ManifestError::Missing {
                        line: node.line,
                        field: key.into(),
                    }),
                },
                None => Err(ManifestError::Missing {
                    line: root.line,
                    field: key.into(),
                }),
            }
        };
        let (line, name) = required("name")?;
        super::validate_part("name", &name)
            .map_err(|source| ManifestError::BadName { line, source })?;
        let (line, value) = required("version")?;
        let version = semver::Version::parse(&value).map_err(|e| ManifestError::BadVersion {
            line,
            value: value.clone(),
            reason: e.to_string(),
        })?;
        let description = match fields.get("description") {
            Some(node) => scalar(node, "description")?,
            None => None,
        };
        let files_node = fields.get("files").ok_or(ManifestError::Missing {
            line: root.line,
            field: "files".into(),
        })?;
        let items = match &files_node.value {
            Value::Seq(items) => items,
            Value::Scalar { text, plain } if *plain && is_null(text) => {
                return Err(ManifestError::Missing {
                    line: files_node.line,
                    field: "files".into(),
                });
            }
            other => {
                return Err(ManifestError::WrongType {
                    line: files_node.line,
                    field: "files".into(),
                    expected: "a list of files",
                    found: other.kind(),
                });
            }
        };
        if items.is_empty() {
            return Err(ManifestError::NoFiles {
                line: files_node.line,
            });
        }
        let mut files = Vec::with_capacity(items.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut lines = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let (file, path_line) = manifest_file(item, i)?;
            if let Some(first_line) = seen.get(&file.path) {
                return Err(ManifestError::DuplicatePath {
                    line: path_line,
                    first_line: *first_line,
                    path: file.path,
                });
            }
            seen.insert(file.path.clone(), path_line);
            lines.push(path_line);
            files.push(file);
        }
        for (file, line) in files.iter().zip(&lines) {
            if let Some(folder) = listed_folder(&file.path, &seen) {
                return Err(ManifestError::PathConflict {
                    line: *line,
                    path: folder.to_owned(),
                    inside: file.path.clone(),
                });
            }
        }
        Ok(Manifest {
            name,
            version,
            description,
            files,
        })
    }

    /// The manifest as `prompt.yaml` text: always the same text for the same manifest, and
    /// `Manifest::parse(&m.to_yaml()) == Ok(m)` for every manifest [`Manifest::parse`]
    /// accepts. Every value is double-quoted (non-printable characters escaped); a file
    /// with only a path is written as a plain list item, the others as mappings with
    /// `sha256`, `variables` and `classifiers` only when present.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        out.push_str("name: ");
        quoted(&mut out, &self.name);
        out.push_str("\nversion: ");
        quoted(&mut out, &self.version.to_string());
        out.push('\n');
        if let Some(d) = &self.description {
            out.push_str("description: ");
            quoted(&mut out, d);
            out.push('\n');
        }
        out.push_str("files:\n");
        for f in &self.files {
            out.push_str("  - ");
            if f.sha256.is_none() && f.variables.is_empty() && f.classifiers.is_empty() {
                quoted(&mut out, &f.path);
                out.push('\n');
                continue;
            }
            out.push_str("path: ");
            quoted(&mut out, &f.path);
            out.push('\n');
            if let Some(sha) = &f.sha256 {
                out.push_str("    sha256: ");
                quoted(&mut out, sha);
                out.push('\n');
            }
            if !f.variables.is_empty() {
                out.push_str("    variables: [");
                for (i, v) in f.variables.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    quoted(&mut out, v);
                }
                out.push_str("]\n");
            }
            if !f.classifiers.is_empty() {
                out.push_str("    classifiers: {");
                for (i, (k, v)) in f.classifiers.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    quoted(&mut out, k);
                    out.push_str(": ");
                    quoted(&mut out, v);
                }
                out.push_str("}\n");
            }
        }
        out
    }
}

impl Package {
    /// A package from its manifest and files: checks that the files match the manifest one
    /// to one and that each file's bytes match the manifest's `sha256` when it gives one,
    /// then sorts the files by path.
    ///
    /// # Errors
    /// [`ManifestError::DuplicateFile`] when a path is given twice,
    /// [`ManifestError::ExtraFile`] for a file the manifest does not list,
    /// [`ManifestError::MissingFile`] for a listed file not given,
    /// [`ManifestError::Sha256Mismatch`] when bytes do not match.
    pub fn new(manifest: Manifest, mut files: Vec<PackageFile>) -> Result<Package, ManifestError> {
        let listed: HashMap<&str, &ManifestFile> = manifest
            .files
            .iter()
            .map(|f| (f.path.as_str(), f))
            .collect();
        let mut given = HashSet::new();
        for file in &files {
            if !given.insert(file.path.as_str()) {
                return Err(ManifestError::DuplicateFile {
                    path: file.path.clone(),
                });
            }
            let Some(entry) = listed.get(file.path.as_str()) else {
                return Err(ManifestError::ExtraFile {
                    path: file.path.clone(),
                });
            };
            if let Some(expected) = &entry.sha256 {
                let actual = super::tarball::sha256_hex(&file.bytes);
                if &actual != expected {
                    return Err(ManifestError::Sha256Mismatch {
                        path: file.path.clone(),
                        expected: expected.clone(),
                        actual,
                    });
                }
            }
        }
        if let Some(missing) = manifest
            .files
            .iter()
            .find(|f| !given.contains(f.path.as_str()))
        {
            return Err(ManifestError::MissingFile {
                path: missing.path.clone(),
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Package { manifest, files })
    }
}

/// Reads the publishable folder `dir`: `dir/prompt.yaml` and every file it lists, through
/// `files` (bytes with [`FileSource::bytes`], so each file is at most
/// [`crate::vfs::COPY_LIMIT`] bytes).
///
/// # Errors
/// [`ManifestError::NoManifest`] when `prompt.yaml` is absent,
/// [`ManifestError::MissingFile`] when a listed file is,
/// [`ManifestError::NotRegular`] when it is a folder or a special file,
/// [`ManifestError::OutsideFolder`] when its real path leaves `dir` (a symbolic link out of
/// the folder), [`ManifestError::Read`] when it cannot be read,
/// [`ManifestError::NotUtf8`] and the other errors of [`Manifest::parse`] for the
/// manifest, and those of [`Package::new`].
pub fn read_folder(files: &dyn FileSource, dir: &Path) -> Result<Package, ManifestError> {
    let real_dir = files.real_path(dir).map_err(|e| ManifestError::Read {
        path: dir.display().to_string(),
        reason: e.reason(),
    })?;
    let bytes = folder_file(files, dir, &real_dir, MANIFEST_NAME)?;
    let text = manifest_text(&bytes)?;
    let manifest = Manifest::parse(text)?;
    let mut contents = Vec::with_capacity(manifest.files.len());
    for f in &manifest.files {
        contents.push(PackageFile {
            path: f.path.clone(),
            bytes: folder_file(files, dir, &real_dir, &f.path)?,
        });
    }
    Package::new(manifest, contents)
}

/// The bytes of `prompt.yaml` as text.
///
/// # Errors
/// [`ManifestError::NotUtf8`] with the line and offset of the first invalid byte.
pub fn manifest_text(bytes: &[u8]) -> Result<&str, ManifestError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        ManifestError::NotUtf8 {
            line: bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1,
            offset,
        }
    })
}

/// The bytes of the regular file `rel` of the folder `dir`, whose real path is `real_dir`.
fn folder_file(
    files: &dyn FileSource,
    dir: &Path,
    real_dir: &Path,
    rel: &str,
) -> Result<Vec<u8>, ManifestError> {
    let path = dir.join(rel);
    match files.kind(&path) {
        None if rel == MANIFEST_NAME => return Err(ManifestError::NoManifest),
        None => {
            return Err(ManifestError::MissingFile {
                path: rel.to_owned(),
            });
        }
        Some(EntryKind::Dir) => {
            return Err(ManifestError::NotRegular {
                path: rel.to_owned(),
                what: "a folder",
            });
        }
        Some(EntryKind::Special) => {
            return Err(ManifestError::NotRegular {
                path: rel.to_owned(),
                what: "a special file (a FIFO, socket or device)",
            });
        }
        Some(EntryKind::File) => {}
    }
    let read_error = |e: crate::vfs::VfsError| ManifestError::Read {
        path: rel.to_owned(),
        reason: e.reason(),
    };
    let real = files.real_path(&path).map_err(read_error)?;
    if !real.starts_with(real_dir) || real == real_dir {
        return Err(ManifestError::OutsideFolder {
            path: rel.to_owned(),
        });
    }
    files.bytes(&path).map_err(read_error)
}

/// Checks a package file's path (see [`ManifestFile::path`]); the reason reads after
/// "the path is".
pub(crate) fn check_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("empty");
    }
    if path.starts_with('/') {
        return Err("absolute; paths are relative to the package folder");
    }
    if path.contains('\\') {
        return Err("holding a backslash; separate folders with /");
    }
    if path.contains('\0') {
        return Err("holding a NUL byte");
    }
    if path.chars().any(char::is_control) {
        return Err("holding a control character");
    }
    if path.len() > MAX_PATH_LEN {
        return Err("longer than 1024 bytes");
    }
    for segment in path.split('/') {
        match segment {
            "" => return Err("holding an empty segment (// or a trailing /)"),
            "." => return Err("holding a `.` segment"),
            ".." => return Err("holding a `..` segment; paths stay inside the package folder"),
            s if s.len() > MAX_SEGMENT_LEN => {
                return Err("holding a file or folder name longer than 255 bytes");
            }
            _ => {}
        }
    }
    if path.split('/').next() == Some(MANIFEST_NAME) {
        return Err("the manifest's own name; prompt.yaml cannot be a package file or folder");
    }
    Ok(())
}

/// Whether `value` is 64 lowercase hex digits.
pub(crate) fn is_sha256_hex(value: &str) -> bool {
    value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The first listed path that is a proper folder of `path`, if any.
fn listed_folder<'a, V>(path: &'a str, listed: &HashMap<String, V>) -> Option<&'a str> {
    path.match_indices('/')
        .map(|(i, _)| &path[..i])
        .find(|folder| listed.contains_key(*folder))
}

/// One item of `files`: the file, and the line of its path.
fn manifest_file(item: &Node, i: usize) -> Result<(ManifestFile, usize), ManifestError> {
    let place = format!("files[{i}]");
    let (path, line, fields) = match &item.value {
        Value::Scalar { .. } => match scalar(item, &place)? {
            Some(path) => (path, item.line, HashMap::new()),
            None => {
                return Err(ManifestError::Missing {
                    line: item.line,
                    field: place,
                });
            }
        },
        Value::Map(entries) => {
            let fields = fields(
                entries,
                &["path", "sha256", "variables", "classifiers"],
                "path, sha256, variables and classifiers",
                &place,
            )?;
            let field = format!("{place}.path");
            let Some(node) = fields.get("path") else {
                return Err(ManifestError::Missing {
                    line: item.line,
                    field,
                });
            };
            match scalar(node, &field)? {
                Some(path) => (path, node.line, fields),
                None => {
                    return Err(ManifestError::Missing {
                        line: node.line,
                        field,
                    });
                }
            }
        }
        Value::Seq(_) => {
            return Err(ManifestError::WrongType {
                line: item.line,
                field: place,
                expected: "a path or a mapping with path, sha256, variables and classifiers",
                found: "a list",
            });
        }
    };
    check_path(&path).map_err(|reason| ManifestError::BadPath {
        line,
        path: path.clone(),
        reason,
    })?;
    let sha256 = match fields.get("sha256") {
        Some(node) => match scalar(node, &format!("{place}.sha256"))? {
            Some(value) if is_sha256_hex(&value) => Some(value),
            Some(value) => {
                return Err(ManifestError::BadSha256 {
                    line: node.line,
                    path,
                    value,
                });
            }
            None => None,
        },
        None => None,
    };
    let mut variables = Vec::new();
    if let Some(node) = fields.get("variables") {
        let field = format!("{place}.variables");
        match &node.value {
            Value::Seq(items) => {
                for (j, v) in items.iter().enumerate() {
                    let field = format!("{field}[{j}]");
                    match scalar(v, &field)? {
                        Some(name) => variables.push(name),
                        None => {
                            return Err(ManifestError::Missing {
                                line: v.line,
                                field,
                            });
                        }
                    }
                }
            }
            Value::Scalar { text, plain } if *plain && is_null(text) => {}
            other => {
                return Err(ManifestError::WrongType {
                    line: node.line,
                    field,
                    expected: "a list of variable names",
                    found: other.kind(),
                });
            }
        }
    }
    let mut classifiers = BTreeMap::new();
    if let Some(node) = fields.get("classifiers") {
        let field = format!("{place}.classifiers");
        match &node.value {
            Value::Map(entries) => {
                let mut first_lines = HashMap::new();
                for (k, v) in entries {
                    let Some(key) = scalar(k, &field)? else {
                        return Err(ManifestError::Missing {
                            line: k.line,
                            field: format!("{field} (a key)"),
                        });
                    };
                    if let Some(first_line) = first_lines.insert(key.clone(), k.line) {
                        return Err(ManifestError::DuplicateKey {
                            line: k.line,
                            first_line,
                            key,
                            place: field,
                        });
                    }
                    let value_field = format!("{field}.{key}");
                    let Some(value) = scalar(v, &value_field)? else {
                        return Err(ManifestError::Missing {
                            line: v.line,
                            field: value_field,
                        });
                    };
                    classifiers.insert(key, value);
                }
            }
            Value::Scalar { text, plain } if *plain && is_null(text) => {}
            other => {
                return Err(ManifestError::WrongType {
                    line: node.line,
                    field,
                    expected: "a mapping of classifier names to values",
                    found: other.kind(),
                });
            }
        }
    }
    Ok((
        ManifestFile {
            path,
            sha256,
            variables,
            classifiers,
        },
        line,
    ))
}

/// The keys of a mapping, each once and each among `allowed`.
fn fields<'a>(
    entries: &'a [(Node, Node)],
    allowed: &[&str],
    allowed_text: &'static str,
    place: &str,
) -> Result<HashMap<&'a str, &'a Node>, ManifestError> {
    let mut out: HashMap<&str, &Node> = HashMap::new();
    let mut lines: HashMap<&str, usize> = HashMap::new();
    for (k, v) in entries {
        let key = match &k.value {
            Value::Scalar { text, .. } => text.as_str(),
            other => {
                return Err(ManifestError::WrongType {
                    line: k.line,
                    field: format!("a key of {place}"),
                    expected: "text",
                    found: other.kind(),
                });
            }
        };
        if !allowed.contains(&key) {
            return Err(ManifestError::UnknownKey {
                line: k.line,
                key: key.to_owned(),
                place: place.to_owned(),
                allowed: allowed_text,
            });
        }
        if let Some(first_line) = lines.insert(key, k.line) {
            return Err(ManifestError::DuplicateKey {
                line: k.line,
                first_line,
                key: key.to_owned(),
                place: place.to_owned(),
            });
        }
        out.insert(key, v);
    }
    Ok(out)
}

/// The text of a scalar node as written, `None` for a plain null (`~`, `null`, empty).
///
/// # Errors
/// [`ManifestError::WrongType`] for a list or a mapping.
fn scalar(node: &Node, field: &str) -> Result<Option<String>, ManifestError> {
    match &node.value {
        Value::Scalar { text, plain } => {
            if *plain && is_null(text) {
                Ok(None)
            } else {
                Ok(Some(text.clone()))
            }
        }
        other => Err(ManifestError::WrongType {
            line: node.line,
            field: field.to_owned(),
            expected: "text",
            found: other.kind(),
        }),
    }
}

fn is_null(plain: &str) -> bool {
    matches!(plain, "" | "~" | "null" | "Null" | "NULL")
}

/// A YAML node with the line (1-based) where it starts.
#[derive(Debug)]
struct Node {
    line: usize,
    value: Value,
}

#[derive(Debug)]
enum Value {
    Scalar { text: String, plain: bool },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Scalar { .. } => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// An open list or mapping while loading, with a mapping's key waiting for its value.
struct Frame {
    node: Node,
    key: Option<Node>,
}

/// Loads the one YAML document of `text` as a tree of [`Node`]s, pulling the parser's
/// events one at a time (no recursion, so no nesting can exhaust the stack).
fn load(text: &str) -> Result<Node, ManifestError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| ManifestError::Syntax {
            line: e.marker().line(),
            reason: e.info().to_owned(),
        })?;
        let line = mark.line();
        let check = |anchor: usize, tag: &Option<yaml_rust2::parser::Tag>| {
            if anchor != 0 {
                Err(ManifestError::Unsupported {
                    line,
                    feature: "anchors (&name)",
                })
            } else if tag.is_some() {
                Err(ManifestError::Unsupported {
                    line,
                    feature: "tags (!tag)",
                })
            } else {
                Ok(())
            }
        };
        let node = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(ManifestError::MultipleDocuments { line });
                }
                continue;
            }
            Event::Alias(_) => {
                return Err(ManifestError::Unsupported {
                    line,
                    feature: "aliases (*name)",
                });
            }
            Event::Scalar(text, style, anchor, tag) => {
                check(anchor, &tag)?;
                Node {
                    line,
                    value: Value::Scalar {
                        text,
                        plain: style == TScalarStyle::Plain,
                    },
                }
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                check(anchor, tag)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(ManifestError::TooDeep {
                        line,
                        max: MAX_DEPTH,
                    });
                }
                let value = if matches!(event, Event::MappingStart(..)) {
                    Value::Map(Vec::new())
                } else {
                    Value::Seq(Vec::new())
                };
                stack.push(Frame {
                    node: Node { line, value },
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(frame) => frame.node,
                None => continue,
            },
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(frame) => match &mut frame.node.value {
                Value::Seq(items) => items.push(node),
                Value::Map(entries) => match frame.key.take() {
                    None => frame.key = Some(node),
                    Some(key) => {
                        let mut node = node;
                        // An empty value is reported where its key is, not at the next token.
                        if matches!(&node.value, Value::Scalar { text, plain: true } if text.is_empty())
                        {
                            node.line = key.line;
                        }
                        entries.push((key, node));
                    }
                },
                Value::Scalar { .. } => {}
            },
        }
    }
    root.ok_or(ManifestError::Empty)
}

/// Writes `s` double-quoted, escaping what YAML needs escaped and every character that
/// is not printable, so that the parser reads back exactly `s`.
fn quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ) =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::vfs::{DiskFiles, MemoryFiles};
    use proptest::prelude::*;

    const EXAMPLE: &str = "\
name: support-reply
version: 1.2.0-beta.1
description: Replies to support tickets
files:
  - reply_en.md
  - path: ru/reply_ru.md
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    variables: [customer, ticket]
    classifiers: {lang: ru, tone: formal}
";

    fn example() -> Manifest {
        Manifest {
            name: "support-reply".into(),
            version: semver::Version::parse("1.2.0-beta.1").unwrap(),
            description: Some("Replies to support tickets".into()),
            files: vec![
                ManifestFile {
                    path: "reply_en.md".into(),
                    sha256: None,
                    variables: vec![],
                    classifiers: BTreeMap::new(),
                },
                ManifestFile {
                    path: "ru/reply_ru.md".into(),
                    sha256: Some(
                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                    ),
                    variables: vec!["customer".into(), "ticket".into()],
                    classifiers: BTreeMap::from([
                        ("lang".into(), "ru".into()),
                        ("tone".into(), "formal".into()),
                    ]),
                },
            ],
        }
    }

    #[test]
    fn the_example_manifest_parses_to_every_field() {
        assert_eq!(Manifest::parse(EXAMPLE).unwrap(), example());
    }

    #[test]
    fn to_yaml_is_fixed_text_that_parses_back() {
        let text = example().to_yaml();
        assert_eq!(
            text,
            "\
name: \"support-reply\"
version: \"1.2.0-beta.1\"
description: \"Replies to support tickets\"
files:
  - \"reply_en.md\"
  - path: \"ru/reply_ru.md\"
    sha256: \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"
    variables: [\"customer\", \"ticket\"]
    classifiers: {\"lang\": \"ru\", \"tone\": \"formal\"}
"
        );
        assert_eq!(Manifest::parse(&text).unwrap(), example());
    }

    #[test]
    fn scalars_are_taken_as_written_and_null_is_absent() {
        let m = Manifest::parse(
            "name: '123'\nversion: \"1.0.0\"\ndescription: ~\nfiles:\n  - 42\n  - path: \"null\"\n    variables:\n    classifiers: {on: 'yes'}\n",
        )
        .unwrap();
        assert_eq!(m.name, "123");
        assert_eq!(m.description, None);
        assert_eq!(m.files[0].path, "42");
        assert_eq!(m.files[1].path, "null");
        assert!(m.files[1].variables.is_empty());
        assert_eq!(
            m.files[1].classifiers,
            BTreeMap::from([("on".into(), "yes".into())])
        );
    }

    #[test]
    fn bad_manifests_are_refused_with_the_line_and_the_field() {
        let ok_head = "name: x\nversion: 1.0.0\n";
        let cases: Vec<(String, &str)> = vec![
            (
                "".into(),
                "prompt.yaml is empty; it needs at least name, version and files",
            ),
            (
                "# only a comment\n".into(),
                "prompt.yaml is empty; it needs at least name, version and files",
            ),
            (
                "- a\n- b\n".into(),
                "prompt.yaml, line 1: `the manifest` must be a mapping of name, version, description and files, not a list",
            ),
            (
                "name: x\nversion: [1\n".into(),
                "prompt.yaml, line 3: not valid YAML: while parsing a flow sequence, expected ',' or ']'",
            ),
            (
                "name: x\n---\nname: y\n".into(),
                "prompt.yaml, line 2: a second YAML document; the manifest is one document",
            ),
            (
                "version: 1.0.0\nfiles: [a]\n".into(),
                "prompt.yaml, line 1: `name` is missing",
            ),
            (
                "name: x\nfiles: [a]\n".into(),
                "prompt.yaml, line 1: `version` is missing",
            ),
            (ok_head.into(), "prompt.yaml, line 1: `files` is missing"),
            (
                format!("{ok_head}files:\n"),
                "prompt.yaml, line 3: `files` is missing",
            ),
            (
                format!("{ok_head}files: []\n"),
                "prompt.yaml, line 3: `files` is empty; list at least one file",
            ),
            (
                format!("{ok_head}files: a.md\n"),
                "prompt.yaml, line 3: `files` must be a list of files, not text",
            ),
            (
                "name: [x]\nversion: 1.0.0\nfiles: [a]\n".into(),
                "prompt.yaml, line 1: `name` must be text, not a list",
            ),
            (
                "name: X_Y\nversion: 1.0.0\nfiles: [a]\n".into(),
                "prompt.yaml, line 1: name `X_Y`: only a-z, 0-9 and - are allowed; owners and names are 1 to 64 characters of a-z, 0-9 and -, not starting or ending with -",
            ),
            (
                "name: x\nversion: v1\nfiles: [a]\n".into(),
                "prompt.yaml, line 2: version `v1` is not a semantic version (unexpected character 'v' while parsing major version number); write major.minor.patch, e.g. 1.0.0 or 1.0.0-beta.1",
            ),
            (
                "name: x\nversion: 1.0\nfiles: [a]\n".into(),
                "prompt.yaml, line 2: version `1.0` is not a semantic version (unexpected end of input while parsing minor version number); write major.minor.patch, e.g. 1.0.0 or 1.0.0-beta.1",
            ),
            (
                format!("{ok_head}files: [a]\nlicense: MIT\n"),
                "prompt.yaml, line 4: unknown key `license` in the manifest; the keys are name, version, description and files",
            ),
            (
                format!("{ok_head}name: y\nfiles: [a]\n"),
                "prompt.yaml, line 3: `name` is given twice in the manifest (first on line 1)",
            ),
            (
                format!("{ok_head}files:\n  - path: a\n    mode: 644\n"),
                "prompt.yaml, line 5: unknown key `mode` in files[0]; the keys are path, sha256, variables and classifiers",
            ),
            (
                format!("{ok_head}files:\n  - sha256: abc\n"),
                "prompt.yaml, line 4: `files[0].path` is missing",
            ),
            (
                format!("{ok_head}files:\n  - [a]\n"),
                "prompt.yaml, line 4: `files[0]` must be a path or a mapping with path, sha256, variables and classifiers, not a list",
            ),
            (
                format!("{ok_head}files:\n  - ../x.md\n"),
                "prompt.yaml, line 4: file path `../x.md` is holding a `..` segment; paths stay inside the package folder",
            ),
            (
                format!("{ok_head}files:\n  - /etc/passwd\n"),
                "prompt.yaml, line 4: file path `/etc/passwd` is absolute; paths are relative to the package folder",
            ),
            (
                format!("{ok_head}files:\n  - 'a\\b.md'\n"),
                "prompt.yaml, line 4: file path `a\\b.md` is holding a backslash; separate folders with /",
            ),
            (
                format!("{ok_head}files:\n  - a//b.md\n"),
                "prompt.yaml, line 4: file path `a//b.md` is holding an empty segment (// or a trailing /)",
            ),
            (
                format!("{ok_head}files:\n  - ./a.md\n"),
                "prompt.yaml, line 4: file path `./a.md` is holding a `.` segment",
            ),
            (
                format!("{ok_head}files:\n  - \"a\\0b\"\n"),
                "prompt.yaml, line 4: file path `a\0b` is holding a NUL byte",
            ),
            (
                format!("{ok_head}files:\n  - \"a\\tb\"\n"),
                "prompt.yaml, line 4: file path `a\tb` is holding a control character",
            ),
            (
                format!("{ok_head}files:\n  - prompt.yaml\n"),
                "prompt.yaml, line 4: file path `prompt.yaml` is the manifest's own name; prompt.yaml cannot be a package file or folder",
            ),
            (
                format!("{ok_head}files:\n  - a.md\n  - b.md\n  - a.md\n"),
                "prompt.yaml, line 6: `a.md` is listed twice (first on line 4)",
            ),
            (
                format!("{ok_head}files:\n  - a\n  - a/b.md\n"),
                "prompt.yaml, line 5: `a` is listed as a file, but `a/b.md` puts it as a folder",
            ),
            (
                format!("{ok_head}files:\n  - path: a\n    sha256: ABC\n"),
                "prompt.yaml, line 5: sha256 of `a` is `ABC`; write 64 lowercase hex digits",
            ),
            (
                format!("{ok_head}files:\n  - path: a\n    variables: x\n"),
                "prompt.yaml, line 5: `files[0].variables` must be a list of variable names, not text",
            ),
            (
                format!("{ok_head}files:\n  - path: a\n    variables: [[x]]\n"),
                "prompt.yaml, line 5: `files[0].variables[0]` must be text, not a list",
            ),
            (
                format!("{ok_head}files:\n  - path: a\n    classifiers: [ru]\n"),
                "prompt.yaml, line 5: `files[0].classifiers` must be a mapping of classifier names to values, not a list",
            ),
            (
                format!("{ok_head}files:\n  - path: a\n    classifiers: {{lang: ru, lang: en}}\n"),
                "prompt.yaml, line 5: `lang` is given twice in files[0].classifiers (first on line 5)",
            ),
            (
                format!("{ok_head}files: &f [a]\n"),
                "prompt.yaml, line 3: anchors (&name) are not supported in the manifest",
            ),
            (
                "name: &n x\nversion: 1.0.0\nfiles: [*n]\n".into(),
                "prompt.yaml, line 1: anchors (&name) are not supported in the manifest",
            ),
            (
                format!("{ok_head}files: [*n]\n"),
                "prompt.yaml, line 3: not valid YAML: while parsing node, found unknown anchor",
            ),
            (
                format!("{ok_head}files: !!seq [a]\n"),
                "prompt.yaml, line 3: tags (!tag) are not supported in the manifest",
            ),
        ];
        for (text, want) in cases {
            let err = Manifest::parse(&text).unwrap_err().to_string();
            assert_eq!(err, want, "{text:?}");
        }
    }

    #[test]
    fn hostile_nesting_and_sizes_end_in_errors_not_crashes() {
        let deep = format!("files: {}", "[".repeat(20));
        assert_eq!(
            Manifest::parse(&deep).unwrap_err().to_string(),
            "prompt.yaml, line 1: nested more than 16 levels deep"
        );
        // Far deeper: the YAML scanner stops first; either way an error, never a crash.
        let deeper = format!("files: {}", "[".repeat(200_000));
        assert_eq!(
            Manifest::parse(&deeper).unwrap_err().to_string(),
            "prompt.yaml, line 1: not valid YAML: recursion limit exceeded"
        );
        let block = format!("files:\n  {}x\n", "- ".repeat(5_000));
        assert_eq!(
            Manifest::parse(&block).unwrap_err().to_string(),
            "prompt.yaml, line 2: nested more than 16 levels deep"
        );
        let long_segment = format!("name: x\nversion: 1.0.0\nfiles: [{}]\n", "a".repeat(256));
        assert!(
            Manifest::parse(&long_segment)
                .unwrap_err()
                .to_string()
                .ends_with("is holding a file or folder name longer than 255 bytes")
        );
        let long_path = format!(
            "name: x\nversion: 1.0.0\nfiles: [{}]\n",
            vec!["a".repeat(100); 11].join("/")
        );
        assert!(
            Manifest::parse(&long_path)
                .unwrap_err()
                .to_string()
                .ends_with("is longer than 1024 bytes")
        );
    }

    #[test]
    fn manifest_bytes_that_are_not_utf8_name_the_line() {
        assert_eq!(
            manifest_text(b"name: x\nversion: \xff\n")
                .unwrap_err()
                .to_string(),
            "prompt.yaml, line 2: not valid UTF-8 (byte 17); write it as UTF-8 text"
        );
    }

    fn file(path: &str, bytes: &[u8]) -> PackageFile {
        PackageFile {
            path: path.into(),
            bytes: bytes.to_vec(),
        }
    }

    fn two_files() -> Manifest {
        Manifest::parse(&format!(
            "name: x\nversion: 1.0.0\nfiles:\n  - b.md\n  - path: a.md\n    sha256: {}\n",
            crate::registry::tarball::sha256_hex(b"A")
        ))
        .unwrap()
    }

    #[test]
    fn a_package_is_exactly_the_manifest_files_sorted() {
        let p = Package::new(two_files(), vec![file("b.md", b"B"), file("a.md", b"A")]).unwrap();
        assert_eq!(p.files, vec![file("a.md", b"A"), file("b.md", b"B")]);
        let cases = [
            (
                vec![file("a.md", b"A")],
                "b.md: listed in prompt.yaml but missing from the package".to_string(),
            ),
            (
                vec![file("a.md", b"A"), file("b.md", b"B"), file("c.md", b"C")],
                "c.md: in the package but not listed in prompt.yaml".into(),
            ),
            (
                vec![file("a.md", b"A"), file("b.md", b"B"), file("b.md", b"B")],
                "b.md: given twice among the package's files".into(),
            ),
            (
                vec![file("a.md", b"changed"), file("b.md", b"B")],
                format!(
                    "a.md: its sha256 is {}, but prompt.yaml says {}",
                    crate::registry::tarball::sha256_hex(b"changed"),
                    crate::registry::tarball::sha256_hex(b"A")
                ),
            ),
        ];
        for (files, want) in cases {
            assert_eq!(
                Package::new(two_files(), files).unwrap_err().to_string(),
                want
            );
        }
    }

    #[test]
    fn read_folder_reads_the_manifest_and_its_files() {
        let dir = Path::new("/ws/pkg");
        let mut mem = MemoryFiles::new();
        mem.insert(
            dir.join("prompt.yaml"),
            EXAMPLE.replace(
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                &crate::registry::tarball::sha256_hex(b"ru"),
            ),
        );
        mem.insert(dir.join("reply_en.md"), b"en".to_vec());
        mem.insert(dir.join("ru/reply_ru.md"), b"ru".to_vec());
        mem.insert(dir.join("unlisted.md"), b"ignored".to_vec());
        let p = read_folder(&mem, dir).unwrap();
        assert_eq!(
            p.files,
            vec![file("reply_en.md", b"en"), file("ru/reply_ru.md", b"ru")]
        );
        let mut missing = MemoryFiles::new();
        missing.insert(dir.join("prompt.yaml"), EXAMPLE.to_string());
        missing.insert(dir.join("ru/reply_ru.md/x"), b"a folder".to_vec());
        assert_eq!(
            read_folder(&missing, dir).unwrap_err().to_string(),
            "reply_en.md: listed in prompt.yaml but missing from the package"
        );
        missing.insert(dir.join("reply_en.md"), b"en".to_vec());
        assert_eq!(
            read_folder(&missing, dir).unwrap_err().to_string(),
            "ru/reply_ru.md: a folder, not a regular file; a package holds regular files only"
        );
        assert_eq!(
            read_folder(&MemoryFiles::new(), dir)
                .unwrap_err()
                .to_string(),
            "/ws/pkg: cannot be read: not in memory"
        );
        let mut no_manifest = MemoryFiles::new();
        no_manifest.insert(dir.join("a.md"), b"a".to_vec());
        assert_eq!(
            read_folder(&no_manifest, dir).unwrap_err(),
            ManifestError::NoManifest
        );
    }

    #[test]
    fn read_folder_refuses_symlinks_out_of_the_folder() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "secret").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("prompt.yaml"),
            "name: x\nversion: 1.0.0\nfiles: [a.md, link.md]\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("a.md"), "a").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("link.md"))
            .unwrap();
        assert_eq!(
            read_folder(&DiskFiles, dir.path()).unwrap_err().to_string(),
            "link.md: a symbolic link out of the package folder; a package holds only its own files"
        );
        // A symlink that stays inside the folder is read as the file it points to.
        std::fs::remove_file(dir.path().join("link.md")).unwrap();
        std::os::unix::fs::symlink("a.md", dir.path().join("link.md")).unwrap();
        let p = read_folder(&DiskFiles, dir.path()).unwrap();
        assert_eq!(p.files, vec![file("a.md", b"a"), file("link.md", b"a")]);
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ -~]{0,12}",
            Just("null".to_string()),
            Just("~".to_string()),
            Just("".to_string()),
            Just(" lead and trail ".to_string()),
            Just("\u{2028}\u{feff}\u{85}\t\r\n".to_string()),
        ]
    }

    fn segment() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_. ~-]{1,12}".prop_filter("not . or ..", |s| s != "." && s != "..")
    }

    prop_compose! {
        pub(crate) fn manifest_strategy()(
            name in "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?",
            major in 0u64..1000, minor in 0u64..1000, patch in 0u64..1000,
            pre in prop_oneof![Just(String::new()), Just("-beta.1".to_string()), Just("-rc.2+build.5".to_string())],
            description in proptest::option::of(text()),
            files in proptest::collection::btree_map(
                proptest::collection::vec(segment(), 1..3).prop_map(|s| s.join("/")),
                (proptest::option::of("[0-9a-f]{64}"),
                 proptest::collection::vec(text(), 0..3),
                 proptest::collection::btree_map(text(), text(), 0..3)),
                1..5),
        ) -> Manifest {
            let version = semver::Version::parse(&format!("{major}.{minor}.{patch}{pre}")).unwrap();
            // Drop paths that are a folder of another (they conflict) and the manifest's own name.
            let paths: Vec<String> = files.keys().cloned().collect();
            let files = files
                .into_iter()
                .filter(|(p, _)| p.split('/').next() != Some(MANIFEST_NAME))
                .filter(|(p, _)| !paths.iter().any(|o| o.starts_with(&format!("{p}/"))))
                .map(|(path, (sha256, variables, classifiers))| ManifestFile { path, sha256, variables, classifiers })
                .collect();
            Manifest { name, version, description, files }
        }
    }

    proptest! {
        #[test]
        fn to_yaml_parses_back_to_the_same_manifest(m in manifest_strategy()) {
            prop_assume!(!m.files.is_empty());
            let text = m.to_yaml();
            prop_assert_eq!(Manifest::parse(&text), Ok(m.clone()));
            prop_assert_eq!(text, m.to_yaml());
        }

        #[test]
        fn any_text_is_parsed_or_refused_without_panic(s in "\\PC{0,200}") {
            let _ = Manifest::parse(&s);
        }
    }
}
