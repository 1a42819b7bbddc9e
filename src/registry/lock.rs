//! `prompts.lock`: which version of each package is installed, from where, and the
//! SHA-256 of its tarball and of every installed file.
//!
//! ```toml
//! # This file is written by `promptls install`. Do not edit it by hand.
//! version = 1
//!
//! [[package]]
//! id = "acme/support-reply"
//! version = "1.2.0"
//! registry = "file:///srv/prompts"
//! url = "file:///srv/prompts/prompts/acme/support-reply/1.2.0.tar.gz"
//! sha256 = "…"
//! files = { "reply_en.md" = "…", "reply_ru.md" = "…" }
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_edit::{ArrayOfTables, DocumentMut, ImDocument, InlineTable, Item, Table, TableLike};

use super::package::{check_path, is_sha256_hex};
use super::tarball::sha256_hex;
use super::{PackageId, PackageIdError};
use crate::vfs::{EntryKind, FileSource};

/// The lockfile's name, at the root of the workspace.
pub const LOCK_NAME: &str = "prompts.lock";

/// The folder packages are installed into, at the root of the workspace: package `name`
/// goes to `.prompts/{name}/`.
pub const INSTALL_DIR: &str = crate::index::PACKAGES_DIR;

/// The format version this promptls reads and writes.
pub const LOCK_VERSION: i64 = 1;

const HEADER: &str = "# This file is written by `promptls install`. Do not edit it by hand.\n";

/// The contents of `prompts.lock`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lockfile {
    /// The installed packages, sorted by id, no id twice and no name twice.
    pub packages: Vec<LockedPackage>,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    /// The package, `owner/name`.
    pub id: PackageId,
    /// The installed version.
    pub version: semver::Version,
    /// The registry it was installed from (a URL, e.g. `file:///srv/prompts`).
    pub registry: String,
    /// The URL of the tarball that was installed.
    pub url: String,
    /// The SHA-256 of that tarball, 64 lowercase hex digits.
    pub sha256: String,
    /// Each installed file (its path inside `.prompts/{name}/`, `/`-separated) → the
    /// SHA-256 of its bytes.
    pub files: BTreeMap<String, String>,
}

/// Why `prompts.lock` was refused. Every message names the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// Not valid TOML.
    #[error("prompts.lock, line {line}: not valid TOML: {reason}")]
    Syntax {
        /// The line (1-based) where the TOML parser stopped.
        line: usize,
        /// The parser's reason.
        reason: String,
    },
    /// No `version` key.
    #[error("prompts.lock, line 1: `version` is missing; the file must say `version = 1`")]
    MissingVersion,
    /// A format version this promptls does not read.
    #[error(
        "prompts.lock, line {line}: format version {found} is not supported; this promptls \
         reads version 1 (a newer promptls may have written it)"
    )]
    UnsupportedVersion {
        /// The line (1-based).
        line: usize,
        /// The version as written.
        found: String,
    },
    /// A key the lockfile does not know.
    #[error("prompts.lock, line {line}: unknown key `{key}` in {place}; the keys are {allowed}")]
    UnknownKey {
        /// The line (1-based).
        line: usize,
        /// The key.
        key: String,
        /// `the file` or `package N`.
        place: String,
        /// The keys allowed there.
        allowed: &'static str,
    },
    /// A required key is absent.
    #[error("prompts.lock, line {line}: {place} has no `{field}`")]
    Missing {
        /// The line (1-based) of the package's table.
        line: usize,
        /// The key.
        field: &'static str,
        /// `package N` (counted from 1).
        place: String,
    },
    /// A value of the wrong type.
    #[error("prompts.lock, line {line}: `{field}` of {place} must be {expected}")]
    WrongType {
        /// The line (1-based) of the value.
        line: usize,
        /// The key.
        field: String,
        /// `the file` or `package N`.
        place: String,
        /// What it must be.
        expected: &'static str,
    },
    /// A package id that breaks the naming rule.
    #[error("prompts.lock, line {line}: {source}")]
    BadId {
        /// The line (1-based).
        line: usize,
        /// Why it was refused.
        source: PackageIdError,
    },
    /// A version that is not strict semver.
    #[error("prompts.lock, line {line}: version `{value}` is not a semantic version ({reason})")]
    BadVersion {
        /// The line (1-based).
        line: usize,
        /// The version as written.
        value: String,
        /// The semver parser's reason.
        reason: String,
    },
    /// A sha256 that is not 64 lowercase hex digits.
    #[error("prompts.lock, line {line}: {field} is `{value}`, not 64 lowercase hex digits")]
    BadSha256 {
        /// The line (1-based).
        line: usize,
        /// `sha256` or `the sha256 of {file}`.
        field: String,
        /// The value as written.
        value: String,
    },
    /// An installed file's path breaks the path rule.
    #[error("prompts.lock, line {line}: file path `{path}` is {reason}")]
    BadPath {
        /// The line (1-based).
        line: usize,
        /// The path.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The same package twice.
    #[error("prompts.lock, line {line}: {id} is locked twice (first on line {first_line})")]
    DuplicateId {
        /// The line (1-based) of the second entry.
        line: usize,
        /// The line (1-based) of the first.
        first_line: usize,
        /// The package.
        id: PackageId,
    },
    /// Two packages with the same name: they would share `.prompts/{name}/`.
    #[error(
        "prompts.lock, line {line}: {id} and {other} (line {first_line}) have the same name; \
         both would install into .prompts/{}/",
        id.name()
    )]
    SameName {
        /// The line (1-based) of the second entry.
        line: usize,
        /// The line (1-based) of the first.
        first_line: usize,
        /// The second package.
        id: PackageId,
        /// The first package (with the same name as `id`).
        other: PackageId,
    },
}

impl LockError {
    /// The line (1-based) of `prompts.lock` the error is about.
    pub fn line(&self) -> usize {
        match self {
            LockError::MissingVersion => 1,
            LockError::Syntax { line, .. }
            | LockError::UnsupportedVersion { line, .. }
            | LockError::UnknownKey { line, .. }
            | LockError::Missing { line, .. }
            | LockError::WrongType { line, .. }
            | LockError::BadId { line, .. }
            | LockError::BadVersion { line, .. }
            | LockError::BadSha256 { line, .. }
            | LockError::BadPath { line, .. }
            | LockError::DuplicateId { line, .. }
            | LockError::SameName { line, .. } => *line,
        }
    }
}

/// What [`verify`] found wrong in `.prompts/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockProblem {
    /// The package's folder `.prompts/{name}/` is missing (or not a folder).
    Missing {
        /// The package.
        id: PackageId,
    },
    /// A locked file is missing, not a regular file inside the folder, or its bytes differ.
    Modified {
        /// The package.
        id: PackageId,
        /// The file's path inside the package folder, as locked.
        path: PathBuf,
    },
    /// A file in the package folder the lock does not list.
    Extra {
        /// The package.
        id: PackageId,
        /// The file's path inside the package folder.
        path: PathBuf,
    },
    /// Part of the package folder could not be read, so it could not be checked.
    Unreadable {
        /// The package.
        id: PackageId,
        /// The path inside the package folder (empty for the folder itself).
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
}

impl fmt::Display for LockProblem {
    /// `.prompts/{name}/{path}: what` — one line for a user.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |id: &PackageId, path: &Path| {
            Path::new(INSTALL_DIR)
                .join(id.name())
                .join(path)
                .display()
                .to_string()
        };
        match self {
            LockProblem::Missing { id } => write!(
                f,
                "{}: missing; {id} is locked but not installed",
                at(id, Path::new(""))
            ),
            LockProblem::Modified { id, path } => write!(
                f,
                "{}: differs from what {id} installed (changed, removed or replaced)",
                at(id, path)
            ),
            LockProblem::Extra { id, path } => {
                write!(f, "{}: not part of {id} as locked", at(id, path))
            }
            LockProblem::Unreadable { id, path, reason } => {
                write!(
                    f,
                    "{}: cannot be read to check {id}: {reason}",
                    at(id, path)
                )
            }
        }
    }
}

impl Lockfile {
    /// Parses the text of `prompts.lock`; the packages come out sorted by id.
    ///
    /// # Errors
    /// A [`LockError`] naming the line: TOML syntax (duplicate keys included), a missing
    /// or unsupported `version`, an unknown key, a missing key or a value of the wrong
    /// type, a bad id, version, sha256 or file path, the same id twice, or two ids with
    /// the same name.
    pub fn parse(text: &str) -> Result<Lockfile, LockError> {
        let lines = Lines(text);
        let doc = ImDocument::parse(text).map_err(|e| LockError::Syntax {
            line: lines.of(e.span()),
            reason: e.message().trim().lines().collect::<Vec<_>>().join("; "),
        })?;
        let root = doc.as_table();
        for (key, item) in root.iter() {
            if key != "version" && key != "package" {
                return Err(LockError::UnknownKey {
                    line: lines.of(key_span(root, key).or_else(|| item.span())),
                    key: key.to_owned(),
                    place: "the file".into(),
                    allowed: "version and package",
                });
            }
        }
        let version = root.get("version").ok_or(LockError::MissingVersion)?;
        if version.as_integer() != Some(LOCK_VERSION) {
            return Err(LockError::UnsupportedVersion {
                line: lines.of(version.span()),
                found: version
                    .as_value()
                    .map(|v| v.to_string().trim().to_owned())
                    .unwrap_or_else(|| "(a table)".into()),
            });
        }
        let mut packages = Vec::new();
        if let Some(item) = root.get("package") {
            let Some(tables) = item.as_array_of_tables() else {
                return Err(LockError::WrongType {
                    line: lines.of(item.span()),
                    field: "package".into(),
                    place: "the file".into(),
                    expected: "a list of [[package]] tables",
                });
            };
            let mut ids: HashMap<PackageId, usize> = HashMap::new();
            let mut names: HashMap<String, (PackageId, usize)> = HashMap::new();
            for (i, table) in tables.iter().enumerate() {
                let line = lines.of(table.span());
                let package = locked_package(table, i, &lines)?;
                if let Some(first_line) = ids.insert(package.id.clone(), line) {
                    return Err(LockError::DuplicateId {
                        line,
                        first_line,
                        id: package.id,
                    });
                }
                if let Some((other, first_line)) =
                    names.insert(package.id.name().to_owned(), (package.id.clone(), line))
                {
                    return Err(LockError::SameName {
                        line,
                        first_line,
                        id: package.id,
                        other,
                    });
                }
                packages.push(package);
            }
        }
        packages.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Lockfile { packages })
    }

    /// The lockfile as TOML text: a header comment, `version = 1`, then one `[[package]]`
    /// table per package in id order, its files as an inline table in path order. The
    /// same lockfile always gives the same text, and [`Lockfile::parse`] reads it back as
    /// the lockfile with its packages sorted.
    pub fn to_toml(&self) -> String {
        let mut doc = DocumentMut::new();
        doc.insert("version", toml_edit::value(LOCK_VERSION));
        let mut sorted: Vec<&LockedPackage> = self.packages.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        if !sorted.is_empty() {
            let mut tables = ArrayOfTables::new();
            for p in sorted {
                let mut t = Table::new();
                t.insert("id", toml_edit::value(p.id.to_string()));
                t.insert("version", toml_edit::value(p.version.to_string()));
                t.insert("registry", toml_edit::value(p.registry.as_str()));
                t.insert("url", toml_edit::value(p.url.as_str()));
                t.insert("sha256", toml_edit::value(p.sha256.as_str()));
                let mut files = InlineTable::new();
                for (path, sha) in &p.files {
                    files.insert(path, sha.as_str().into());
                }
                t.insert("files", toml_edit::value(files));
                tables.push(t);
            }
            doc.insert("package", Item::ArrayOfTables(tables));
        }
        format!("{HEADER}{doc}")
    }

    /// The locked package `id`, if any.
    pub fn get(&self, id: &PackageId) -> Option<&LockedPackage> {
        self.packages.iter().find(|p| &p.id == id)
    }

    /// Puts `package` in the lock: it replaces the package with the same id where it is,
    /// or goes in at its place in id order. (A package with the same name but another
    /// owner is not removed: [`Lockfile::parse`] refuses such a pair, so the caller decides.)
    pub fn upsert(&mut self, package: LockedPackage) {
        match self.packages.iter().position(|p| p.id == package.id) {
            Some(i) => self.packages[i] = package,
            None => {
                let at = self.packages.partition_point(|p| p.id < package.id);
                self.packages.insert(at, package);
            }
        }
    }
}

/// Compares `.prompts/` under `root` with the lock. For each package, in the lock's
/// order: its folder missing (or not a folder) → [`LockProblem::Missing`]; then each
/// locked file, in path order, read through `files`, missing, not a regular file whose
/// real path is inside the folder, or with another sha256 → [`LockProblem::Modified`];
/// then each file (or symbolic link, or special file) found in the folder that the lock
/// does not list, in path order → [`LockProblem::Extra`]. The folder is listed on disk
/// ([`crate::vfs::read_dir`], symbolic links not followed); a folder or file that cannot
/// be read → [`LockProblem::Unreadable`]. Empty folders are ignored. No problems: an
/// empty list.
pub fn verify(lock: &Lockfile, files: &dyn FileSource, root: &Path) -> Vec<LockProblem> {
    let mut problems = Vec::new();
    for p in &lock.packages {
        let dir = root.join(INSTALL_DIR).join(p.id.name());
        if files.kind(&dir) != Some(EntryKind::Dir) {
            problems.push(LockProblem::Missing { id: p.id.clone() });
            continue;
        }
        let real_dir = match files.real_path(&dir) {
            Ok(real) => real,
            Err(e) => {
                problems.push(LockProblem::Unreadable {
                    id: p.id.clone(),
                    path: PathBuf::new(),
                    reason: e.reason(),
                });
                continue;
            }
        };
        for (path, sha) in &p.files {
            let full = dir.join(path);
            let modified = || LockProblem::Modified {
                id: p.id.clone(),
                path: PathBuf::from(path),
            };
            if files.kind(&full) != Some(EntryKind::File) {
                problems.push(modified());
                continue;
            }
            let inside = match files.real_path(&full) {
                Ok(real) => real.starts_with(&real_dir),
                Err(e) if e.is_not_found() => false,
                Err(e) => {
                    problems.push(LockProblem::Unreadable {
                        id: p.id.clone(),
                        path: PathBuf::from(path),
                        reason: e.reason(),
                    });
                    continue;
                }
            };
            if !inside {
                problems.push(modified());
                continue;
            }
            match files.bytes(&full) {
                Ok(bytes) if &sha256_hex(&bytes) == sha => {}
                Ok(_) => problems.push(modified()),
                Err(e) if e.is_not_found() => problems.push(modified()),
                Err(e) => problems.push(LockProblem::Unreadable {
                    id: p.id.clone(),
                    path: PathBuf::from(path),
                    reason: e.reason(),
                }),
            }
        }
        let locked: BTreeSet<PathBuf> = p.files.keys().map(PathBuf::from).collect();
        let mut found = BTreeSet::new();
        let mut folders = vec![PathBuf::new()];
        while let Some(rel) = folders.pop() {
            let entries = match crate::vfs::read_dir(&dir.join(&rel)) {
                Ok(entries) => entries,
                Err(e) => {
                    problems.push(LockProblem::Unreadable {
                        id: p.id.clone(),
                        path: rel,
                        reason: e.reason(),
                    });
                    continue;
                }
            };
            for entry in entries {
                let Some(name) = entry.file_name() else {
                    continue;
                };
                let child = rel.join(name);
                match crate::vfs::symlink_metadata(&entry) {
                    Ok(meta) if meta.is_dir() => folders.push(child),
                    Ok(_) => {
                        if !locked.contains(&child) {
                            found.insert(child);
                        }
                    }
                    Err(e) => problems.push(LockProblem::Unreadable {
                        id: p.id.clone(),
                        path: child,
                        reason: e.reason(),
                    }),
                }
            }
        }
        problems.extend(found.into_iter().map(|path| LockProblem::Extra {
            id: p.id.clone(),
            path,
        }));
    }
    problems
}

/// One `[[package]]` table (the `i`-th, from 0).
fn locked_package(table: &Table, i: usize, lines: &Lines) -> Result<LockedPackage, LockError> {
    let place = format!("package {}", i + 1);
    let table_line = lines.of(table.span());
    const KEYS: [&str; 6] = ["id", "version", "registry", "url", "sha256", "files"];
    for (key, item) in table.iter() {
        if !KEYS.contains(&key) {
            return Err(LockError::UnknownKey {
                line: lines.of(key_span(table, key).or_else(|| item.span())),
                key: key.to_owned(),
                place,
                allowed: "id, version, registry, url, sha256 and files",
            });
        }
    }
    let string = |field: &'static str| -> Result<(usize, String), LockError> {
        let item = table.get(field).ok_or_else(|| LockError::Missing {
            line: table_line,
            field,
            place: place.clone(),
        })?;
        let line = lines.of(item.span());
        match item.as_str() {
            Some(s) => Ok((line, s.to_owned())),
            None => Err(LockError::WrongType {
                line,
                field: field.into(),
                place: place.clone(),
                expected: "a string",
            }),
        }
    };
    let (line, id) = string("id")?;
    let id: PackageId = id
        .parse()
        .map_err(|source| LockError::BadId { line, source })?;
    let (line, version) = string("version")?;
    let version = semver::Version::parse(&version).map_err(|e| LockError::BadVersion {
        line,
        value: version.clone(),
        reason: e.to_string(),
    })?;
    let (_, registry) = string("registry")?;
    let (_, url) = string("url")?;
    let (line, sha256) = string("sha256")?;
    if !is_sha256_hex(&sha256) {
        return Err(LockError::BadSha256 {
            line,
            field: "sha256".into(),
            value: sha256,
        });
    }
    let item = table.get("files").ok_or_else(|| LockError::Missing {
        line: table_line,
        field: "files",
        place: place.clone(),
    })?;
    let files_line = lines.of(item.span());
    let Some(listed) = item.as_table_like() else {
        return Err(LockError::WrongType {
            line: files_line,
            field: "files".into(),
            place,
            expected: "a table of file paths to sha256s",
        });
    };
    let mut files = BTreeMap::new();
    for (path, value) in listed.iter() {
        let line = lines
            .of(value
                .span()
                .or_else(|| listed.key(path).and_then(|k| k.span())))
            .max(files_line);
        check_path(path).map_err(|reason| LockError::BadPath {
            line,
            path: path.to_owned(),
            reason,
        })?;
        let Some(sha) = value.as_str() else {
            return Err(LockError::WrongType {
                line,
                field: format!("files.\"{path}\""),
                place,
                expected: "a sha256 string",
            });
        };
        if !is_sha256_hex(sha) {
            return Err(LockError::BadSha256 {
                line,
                field: format!("the sha256 of {path}"),
                value: sha.to_owned(),
            });
        }
        files.insert(path.to_owned(), sha.to_owned());
    }
    Ok(LockedPackage {
        id,
        version,
        registry,
        url,
        sha256,
        files,
    })
}

fn key_span(table: &dyn TableLike, key: &str) -> Option<Range<usize>> {
    table.key(key).and_then(|k| k.span())
}

/// Byte offsets → lines (1-based) of a text.
struct Lines<'a>(&'a str);

impl Lines<'_> {
    /// The line of the start of `span`; line 1 when there is no span.
    fn of(&self, span: Option<Range<usize>>) -> usize {
        let start = span.map_or(0, |s| s.start).min(self.0.len());
        self.0.as_bytes()[..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::DiskFiles;

    fn hex(c: char) -> String {
        c.to_string().repeat(64)
    }

    fn locked(id: &str, version: &str) -> LockedPackage {
        let id: PackageId = id.parse().unwrap();
        LockedPackage {
            url: format!(
                "file:///srv/prompts/{}",
                id.storage_path(&semver::Version::parse(version).unwrap())
            ),
            id,
            version: semver::Version::parse(version).unwrap(),
            registry: "file:///srv/prompts".into(),
            sha256: hex('a'),
            files: BTreeMap::from([
                ("reply_en.md".to_string(), hex('b')),
                ("ru/reply_ru.md".to_string(), hex('c')),
            ]),
        }
    }

    #[test]
    fn to_toml_is_fixed_text_that_parses_back() {
        let lock = Lockfile {
            packages: vec![
                locked("zeta/other", "0.1.0-rc.1"),
                locked("acme/support-reply", "1.2.0"),
            ],
        };
        let text = lock.to_toml();
        let (a, b, c) = (hex('a'), hex('b'), hex('c'));
        assert_eq!(
            text,
            format!(
                "# This file is written by `promptls install`. Do not edit it by hand.
version = 1

[[package]]
id = \"acme/support-reply\"
version = \"1.2.0\"
registry = \"file:///srv/prompts\"
url = \"file:///srv/prompts/prompts/acme/support-reply/1.2.0.tar.gz\"
sha256 = \"{a}\"
files = {{ \"reply_en.md\" = \"{b}\", \"ru/reply_ru.md\" = \"{c}\" }}

[[package]]
id = \"zeta/other\"
version = \"0.1.0-rc.1\"
registry = \"file:///srv/prompts\"
url = \"file:///srv/prompts/prompts/zeta/other/0.1.0-rc.1.tar.gz\"
sha256 = \"{a}\"
files = {{ \"reply_en.md\" = \"{b}\", \"ru/reply_ru.md\" = \"{c}\" }}
"
            )
        );
        let parsed = Lockfile::parse(&text).unwrap();
        assert_eq!(
            parsed.packages,
            vec![
                locked("acme/support-reply", "1.2.0"),
                locked("zeta/other", "0.1.0-rc.1")
            ]
        );
        assert_eq!(parsed.to_toml(), text);
        let empty = Lockfile::default().to_toml();
        assert_eq!(
            empty,
            "# This file is written by `promptls install`. Do not edit it by hand.\nversion = 1\n"
        );
        assert_eq!(Lockfile::parse(&empty).unwrap(), Lockfile::default());
    }

    #[test]
    fn files_may_be_a_table_and_packages_come_out_sorted() {
        let text = format!(
            "version = 1\n[[package]]\nid = \"b/two\"\nversion = \"2.0.0\"\nregistry = \"r\"\nurl = \"u\"\nsha256 = \"{a}\"\n[package.files]\n\"x.md\" = \"{a}\"\n\n[[package]]\nid = \"a/one\"\nversion = \"1.0.0\"\nregistry = \"r\"\nurl = \"u\"\nsha256 = \"{a}\"\nfiles = {{}}\n",
            a = hex('a')
        );
        let lock = Lockfile::parse(&text).unwrap();
        let ids: Vec<String> = lock.packages.iter().map(|p| p.id.to_string()).collect();
        assert_eq!(ids, ["a/one", "b/two"]);
        assert_eq!(
            lock.packages[1].files,
            BTreeMap::from([("x.md".to_string(), hex('a'))])
        );
    }

    #[test]
    fn get_and_upsert_keep_one_entry_per_id_in_order() {
        let mut lock = Lockfile::default();
        lock.upsert(locked("m/middle", "1.0.0"));
        lock.upsert(locked("z/last", "1.0.0"));
        lock.upsert(locked("a/first", "1.0.0"));
        lock.upsert(locked("m/middle", "2.0.0"));
        let got: Vec<(String, String)> = lock
            .packages
            .iter()
            .map(|p| (p.id.to_string(), p.version.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("a/first".to_string(), "1.0.0".to_string()),
                ("m/middle".into(), "2.0.0".into()),
                ("z/last".into(), "1.0.0".into())
            ]
        );
        let id: PackageId = "m/middle".parse().unwrap();
        assert_eq!(lock.get(&id), Some(&locked("m/middle", "2.0.0")));
        assert_eq!(lock.get(&"m/absent".parse().unwrap()), None);
    }

    #[test]
    fn bad_lockfiles_are_refused_with_the_line() {
        let a = hex('a');
        let pkg = |extra: &str| {
            format!(
                "version = 1\n\n[[package]]\nid = \"acme/x\"\nversion = \"1.0.0\"\nregistry = \"r\"\nurl = \"u\"\nsha256 = \"{a}\"\nfiles = {{ \"a.md\" = \"{a}\" }}\n{extra}"
            )
        };
        let cases: Vec<(String, String)> = vec![
            ("version = \n".into(), "prompts.lock, line 1: not valid TOML: invalid string; expected `\"`, `'`".into()),
            ("version = 1\nversion = 1\n".into(), "prompts.lock, line 2: not valid TOML: duplicate key `version` in document root".into()),
            ("".into(), "prompts.lock, line 1: `version` is missing; the file must say `version = 1`".into()),
            ("# c\nversion = 2\n".into(), "prompts.lock, line 2: format version 2 is not supported; this promptls reads version 1 (a newer promptls may have written it)".into()),
            ("version = \"1\"\n".into(), "prompts.lock, line 1: format version \"1\" is not supported; this promptls reads version 1 (a newer promptls may have written it)".into()),
            ("version = 1\nextra = true\n".into(), "prompts.lock, line 2: unknown key `extra` in the file; the keys are version and package".into()),
            ("version = 1\npackage = 3\n".into(), "prompts.lock, line 2: `package` of the file must be a list of [[package]] tables".into()),
            (pkg("yanked = true\n"), "prompts.lock, line 10: unknown key `yanked` in package 1; the keys are id, version, registry, url, sha256 and files".into()),
            (pkg("").replace("url = \"u\"\n", ""), "prompts.lock, line 3: package 1 has no `url`".into()),
            (pkg("").replace("url = \"u\"", "url = 5"), "prompts.lock, line 7: `url` of package 1 must be a string".into()),
            (pkg("").replace("acme/x", "Acme/x"), "prompts.lock, line 4: owner `Acme`: only a-z, 0-9 and - are allowed; owners and names are 1 to 64 characters of a-z, 0-9 and -, not starting or ending with -".into()),
            (pkg("").replace("\"1.0.0\"", "\"v1\""), "prompts.lock, line 5: version `v1` is not a semantic version (unexpected character 'v' while parsing major version number)".into()),
            (pkg("").replacen(&format!("sha256 = \"{a}\""), "sha256 = \"ABC\"", 1), "prompts.lock, line 8: sha256 is `ABC`, not 64 lowercase hex digits".into()),
            (pkg("").replace(&format!("\"a.md\" = \"{a}\""), "\"a.md\" = \"xyz\""), "prompts.lock, line 9: the sha256 of a.md is `xyz`, not 64 lowercase hex digits".into()),
            (pkg("").replace("\"a.md\"", "\"../a.md\""), "prompts.lock, line 9: file path `../a.md` is holding a `..` segment; paths stay inside the package folder".into()),
            (pkg("").replace(&format!("\"a.md\" = \"{a}\""), "\"a.md\" = 1"), "prompts.lock, line 9: `files.\"a.md\"` of package 1 must be a sha256 string".into()),
            (pkg("").replace(&format!("files = {{ \"a.md\" = \"{a}\" }}"), "files = [\"a.md\"]"), "prompts.lock, line 9: `files` of package 1 must be a table of file paths to sha256s".into()),
            (format!("{}\n{}", pkg(""), pkg("").replace("version = 1\n", "")), "prompts.lock, line 12: acme/x is locked twice (first on line 3)".into()),
            (format!("{}\n{}", pkg(""), pkg("").replace("version = 1\n", "").replace("acme/x", "other/x")), "prompts.lock, line 12: other/x and acme/x (line 3) have the same name; both would install into .prompts/x/".into()),
        ];
        for (text, want) in cases {
            assert_eq!(
                Lockfile::parse(&text).unwrap_err().to_string(),
                want,
                "{text}"
            );
        }
    }

    #[test]
    fn verify_finds_missing_modified_and_extra_files() {
        let root = tempfile::tempdir().unwrap();
        let en = b"Hello".as_slice();
        let ru = "Привет".as_bytes();
        crate::vfs::install_folder(
            &root.path().join(".prompts/support-reply"),
            &[("reply_en.md", en), ("ru/reply_ru.md", ru)],
        )
        .unwrap();
        let mut pkg = locked("acme/support-reply", "1.2.0");
        pkg.files = BTreeMap::from([
            ("reply_en.md".to_string(), sha256_hex(en)),
            ("ru/reply_ru.md".to_string(), sha256_hex(ru)),
        ]);
        let mut lock = Lockfile::default();
        lock.upsert(pkg);
        assert_eq!(verify(&lock, &DiskFiles, root.path()), vec![]);

        lock.upsert(locked("acme/absent", "1.0.0"));
        let dir = root.path().join(".prompts/support-reply");
        std::fs::write(dir.join("reply_en.md"), "changed").unwrap();
        std::fs::remove_file(dir.join("ru/reply_ru.md")).unwrap();
        std::fs::write(dir.join("ru/notes.md"), "mine").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.join("link")).unwrap();
        let problems = verify(&lock, &DiskFiles, root.path());
        let id = |s: &str| s.parse::<PackageId>().unwrap();
        assert_eq!(
            problems,
            vec![
                LockProblem::Missing {
                    id: id("acme/absent")
                },
                LockProblem::Modified {
                    id: id("acme/support-reply"),
                    path: "reply_en.md".into()
                },
                LockProblem::Modified {
                    id: id("acme/support-reply"),
                    path: "ru/reply_ru.md".into()
                },
                LockProblem::Extra {
                    id: id("acme/support-reply"),
                    path: "link".into()
                },
                LockProblem::Extra {
                    id: id("acme/support-reply"),
                    path: "ru/notes.md".into()
                },
            ]
        );
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                ".prompts/absent/: missing; acme/absent is locked but not installed",
                ".prompts/support-reply/reply_en.md: differs from what acme/support-reply installed (changed, removed or replaced)",
                ".prompts/support-reply/ru/reply_ru.md: differs from what acme/support-reply installed (changed, removed or replaced)",
                ".prompts/support-reply/link: not part of acme/support-reply as locked",
                ".prompts/support-reply/ru/notes.md: not part of acme/support-reply as locked",
            ]
        );
    }

    #[test]
    fn verify_flags_a_locked_file_replaced_by_a_link_out_of_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let outside = root.path().join("outside.md");
        std::fs::write(&outside, "same").unwrap();
        let dir = root.path().join(".prompts/x");
        crate::vfs::install_folder(&dir, &[("a.md", b"same")]).unwrap();
        std::fs::remove_file(dir.join("a.md")).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("a.md")).unwrap();
        let mut pkg = locked("acme/x", "1.0.0");
        pkg.files = BTreeMap::from([("a.md".to_string(), sha256_hex(b"same"))]);
        let lock = Lockfile {
            packages: vec![pkg],
        };
        assert_eq!(
            verify(&lock, &DiskFiles, root.path()),
            vec![LockProblem::Modified {
                id: "acme/x".parse().unwrap(),
                path: "a.md".into()
            }]
        );
    }
}
