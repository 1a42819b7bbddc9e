//! Installed packages as the workspace shows them: what `promptls check` says about
//! `prompts.lock` at a workspace root compared with `.prompts/` under it
//! ([`lock_diagnostics`]), and which installed package a path belongs to ([`package_of`]).

use std::path::{Component, Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic};
use crate::index::Index;
use crate::registry::lock::{
    INSTALL_DIR, LOCK_NAME, LockError, LockProblem, LockedPackage, Lockfile, verify,
};
use crate::vfs::{EntryKind, TEXT_CAP};

/// The installed package a path belongs to: the folder `<root>/.prompts/{name}/` it is in,
/// and what the root's `prompts.lock` says about that folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPackage {
    /// The package's folder, `<root>/.prompts/{name}` (absolute).
    pub folder: PathBuf,
    /// The folder's name: the name of the package installed there (any name found on
    /// disk, not checked against the naming rule).
    pub name: String,
    /// The `prompts.lock` entry of the folder, or why there is none.
    pub lock: PackageLock,
}

/// What the workspace root's `prompts.lock` says about an installed package folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageLock {
    /// The lock's entry whose package name is the folder's name.
    Locked(LockedPackage),
    /// The lock has no entry with the folder's name, or there is no `prompts.lock`.
    NotLocked,
    /// `prompts.lock` is there but cannot be read as a lockfile.
    Unreadable(LockReadError),
}

/// Why `prompts.lock` could not be read as a lockfile (the message does not repeat the
/// file's name, except in the lockfile's own errors, which name the line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockReadError {
    /// The file could not be read (not a regular file, permission denied, …).
    #[error("{0}")]
    Read(String),
    /// The file is not UTF-8 text.
    #[error("not UTF-8 text")]
    NotText,
    /// The file is longer than the text promptls reads of a file.
    #[error("longer than {limit} bytes")]
    TooLong {
        /// The most bytes read of a text file ([`TEXT_CAP`]).
        limit: u64,
    },
    /// The text is not a valid lockfile.
    #[error(transparent)]
    Invalid(#[from] LockError),
}

/// The installed package `path` is in or is: `path` (absolute) lies under
/// `<root>/.prompts/{name}` for the innermost workspace root of `index` that holds it.
/// The root's `prompts.lock` is read through the index's file source and its entry for
/// `name` is looked up by package name.
///
/// Returns `None` when `path` is outside every root, or not inside `.prompts/{name}` of
/// its root (`.prompts` itself included). A missing lock gives
/// [`PackageLock::NotLocked`]; one that cannot be read or parsed gives
/// [`PackageLock::Unreadable`] with the reason.
pub fn package_of(index: &Index, path: &Path) -> Option<InstalledPackage> {
    let root = index.root_of(path)?;
    let mut parts = path.strip_prefix(root).ok()?.components();
    if parts.next()? != Component::Normal(INSTALL_DIR.as_ref()) {
        return None;
    }
    let Component::Normal(name) = parts.next()? else {
        return None;
    };
    let name = name.to_string_lossy().into_owned();
    let folder = root.join(INSTALL_DIR).join(&name);
    let lock = match read_lock(index, &root.join(LOCK_NAME)) {
        Ok(Some(lock)) => lock
            .packages
            .into_iter()
            .find(|p| p.id.name() == name)
            .map_or(PackageLock::NotLocked, PackageLock::Locked),
        Ok(None) => PackageLock::NotLocked,
        Err(e) => PackageLock::Unreadable(e),
    };
    Some(InstalledPackage { folder, name, lock })
}

/// The lockfile at `lock_path`, read through the index's file source; `None` when there
/// is nothing at that path.
fn read_lock(index: &Index, lock_path: &Path) -> Result<Option<Lockfile>, LockReadError> {
    if index.files().kind(lock_path).is_none() {
        return Ok(None);
    }
    let text = match index.files().text(lock_path) {
        Ok(t) if t.lossy => return Err(LockReadError::NotText),
        Ok(t) if t.truncated => return Err(LockReadError::TooLong { limit: TEXT_CAP }),
        Ok(t) => t.text,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(LockReadError::Read(e.reason())),
    };
    Ok(Some(Lockfile::parse(&text)?))
}

/// The diagnostics of each root of `index` that has a `prompts.lock`:
/// - the lock cannot be read as a lockfile → `invalid-lockfile` on the line it names;
/// - a locked package whose folder is missing → `package-missing` on its `id` in the lock;
/// - an installed file that is missing, changed, not part of the package, or unreadable
///   → `package-modified` on that file (on the package's `id` in the lock when the file
///   is gone).
///
/// Severities follow the `[diagnostics]` settings of the root's folder; a code turned off
/// reports nothing. A root without `prompts.lock` gives nothing; a `prompts.lock` that
/// cannot be read (not a regular file, not UTF-8, …) is an `invalid-lockfile`.
pub fn lock_diagnostics(index: &Index) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for root in index.roots() {
        let lock_path = root.join(LOCK_NAME);
        if index.files().kind(&lock_path).is_none() {
            continue;
        }
        let settings = index.config().settings(root);
        let severity = |code| settings.severity(code);
        let invalid = |range: std::ops::Range<usize>, message: String| {
            severity(Code::InvalidLockfile).map(|severity| Diagnostic {
                path: lock_path.clone(),
                range,
                severity,
                code: Code::InvalidLockfile,
                message,
                fix: None,
            })
        };
        let text = match index.files().text(&lock_path) {
            Ok(t) if !t.lossy => t.text,
            Ok(_) => {
                out.extend(invalid(0..0, format!("{LOCK_NAME} is not UTF-8 text")));
                continue;
            }
            Err(e) => {
                out.extend(invalid(0..0, format!("{LOCK_NAME} cannot be read: {e}")));
                continue;
            }
        };
        let lock = match Lockfile::parse(&text) {
            Ok(lock) => lock,
            Err(e) => {
                out.extend(invalid(line_range(&text, e.line()), e.to_string()));
                continue;
            }
        };
        for problem in verify(&lock, index.files(), root) {
            let (id, file) = match &problem {
                LockProblem::Missing { id } => (id, None),
                LockProblem::Modified { id, path }
                | LockProblem::Extra { id, path }
                | LockProblem::Unreadable { id, path, .. } => (id, Some(path)),
            };
            let code = match problem {
                LockProblem::Missing { .. } => Code::PackageMissing,
                _ => Code::PackageModified,
            };
            let Some(severity) = severity(code) else {
                continue;
            };
            let on_file = file
                .map(|f| root.join(INSTALL_DIR).join(id.name()).join(f))
                .filter(|p| index.files().kind(p).is_some_and(|k| k != EntryKind::Dir));
            let version = lock
                .get(id)
                .map_or(String::new(), |p| format!(" {}", p.version));
            let (path, range, message) = match (on_file, &problem) {
                (Some(p), LockProblem::Modified { .. }) => (
                    p,
                    0..0,
                    format!(
                        "differs from what {id}{version} installed; `promptls install --force` restores it"
                    ),
                ),
                (Some(p), LockProblem::Extra { .. }) => (
                    p,
                    0..0,
                    format!(
                        "not part of {id}{version} as installed; `promptls install --force` removes it"
                    ),
                ),
                (Some(p), _) => (p, 0..0, problem.to_string()),
                (None, _) => (
                    lock_path.clone(),
                    id_range(&text, &id.to_string()),
                    problem.to_string(),
                ),
            };
            out.push(Diagnostic {
                path,
                range,
                severity,
                code,
                message,
                fix: None,
            });
        }
    }
    out
}

/// Whether `path` is inside the package folder of a workspace root of `index`
/// (`<root>/.prompts/…`).
pub fn is_installed_file(index: &Index, path: &std::path::Path) -> bool {
    index
        .root_of(path)
        .is_some_and(|root| path.starts_with(root.join(INSTALL_DIR)))
}

/// The byte range of line `line` (1-based) of `text`, without its line ending; `0..0`
/// past the end.
fn line_range(text: &str, line: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let body = l.trim_end_matches(['\n', '\r']);
            return start..start + body.len();
        }
        start += l.len();
    }
    0..0
}

/// Where the quoted package id `"owner/name"` is written in the lock (the id's text,
/// without the quotes); the whole first line when it cannot be found.
fn id_range(text: &str, id: &str) -> std::ops::Range<usize> {
    for quote in ['"', '\''] {
        let quoted = format!("{quote}{id}{quote}");
        if let Some(at) = text.find(&quoted) {
            return at + 1..at + 1 + id.len();
        }
    }
    line_range(text, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_of_lines_and_ids() {
        let text = "version = 1\r\n\n[[package]]\nid = \"acme/x\"\n";
        assert_eq!(&text[line_range(text, 1)], "version = 1");
        assert_eq!(&text[line_range(text, 3)], "[[package]]");
        assert_eq!(line_range(text, 9), 0..0);
        assert_eq!(&text[id_range(text, "acme/x")], "acme/x");
        assert_eq!(&text[id_range(text, "acme/y")], "version = 1");
    }

    fn support_reply() -> LockedPackage {
        let body = b"Reply to {{customer}}.\n";
        LockedPackage {
            id: "acme/support-reply".parse().unwrap(),
            version: semver::Version::new(1, 2, 0),
            registry: "file:///srv/prompts".into(),
            url: "file:///srv/prompts/objects/prompts/acme/support-reply/1.2.0.tar.gz".into(),
            sha256: crate::registry::tarball::sha256_hex(b"tarball"),
            files: std::collections::BTreeMap::from([(
                "reply_v1.2.0.md".to_string(),
                crate::registry::tarball::sha256_hex(body),
            )]),
        }
    }

    /// An index over the root `/ws` whose files are in memory: `files` and, when given,
    /// `prompts.lock` with `lock`.
    fn index_with(lock: Option<&[u8]>, files: &[&str]) -> Index {
        let mut mem = crate::vfs::MemoryFiles::new();
        if let Some(lock) = lock {
            mem.insert("/ws/prompts.lock", lock);
        }
        for f in files {
            mem.insert(*f, "Reply to {{customer}}.\n");
        }
        Index::empty(
            vec![PathBuf::from("/ws")],
            std::sync::Arc::new(crate::config::ConfigSource::new()),
        )
        .with_files(std::sync::Arc::new(mem))
    }

    const FILE: &str = "/ws/.prompts/support-reply/reply_v1.2.0.md";

    #[test]
    fn a_path_in_a_locked_package_folder_names_its_lock_entry() {
        let lock = Lockfile {
            packages: vec![support_reply()],
        }
        .to_toml();
        let index = index_with(Some(lock.as_bytes()), &[FILE]);
        let want = InstalledPackage {
            folder: PathBuf::from("/ws/.prompts/support-reply"),
            name: "support-reply".into(),
            lock: PackageLock::Locked(support_reply()),
        };
        assert_eq!(package_of(&index, Path::new(FILE)), Some(want.clone()));
        // The folder itself, and a file deeper inside it, belong to the package too.
        assert_eq!(
            package_of(&index, Path::new("/ws/.prompts/support-reply")),
            Some(want.clone())
        );
        assert_eq!(
            package_of(
                &index,
                Path::new("/ws/.prompts/support-reply/ru/reply_v1.md")
            ),
            Some(want)
        );
    }

    #[test]
    fn paths_outside_an_installed_package_folder_belong_to_none() {
        let lock = Lockfile {
            packages: vec![support_reply()],
        }
        .to_toml();
        let index = index_with(Some(lock.as_bytes()), &[FILE]);
        for path in [
            "/ws/.prompts",
            "/ws/prompts/support-reply/reply_v1.2.0.md",
            "/ws/sub/.prompts/support-reply/reply_v1.2.0.md",
            "/other/.prompts/support-reply/reply_v1.2.0.md",
            "/ws/.promptsx/support-reply/reply_v1.2.0.md",
        ] {
            assert_eq!(package_of(&index, Path::new(path)), None, "{path}");
        }
    }

    #[test]
    fn a_folder_the_lock_does_not_name_is_not_locked() {
        let other = LockedPackage {
            id: "acme/other-reply".parse().unwrap(),
            ..support_reply()
        };
        let lock = Lockfile {
            packages: vec![other],
        }
        .to_toml();
        let want = Some(InstalledPackage {
            folder: PathBuf::from("/ws/.prompts/support-reply"),
            name: "support-reply".into(),
            lock: PackageLock::NotLocked,
        });
        let index = index_with(Some(lock.as_bytes()), &[FILE]);
        assert_eq!(package_of(&index, Path::new(FILE)), want);
        // No prompts.lock at all: the same.
        let index = index_with(None, &[FILE]);
        assert_eq!(package_of(&index, Path::new(FILE)), want);
    }

    #[test]
    fn a_lock_that_cannot_be_read_says_why() {
        let unreadable = |lock: &[u8]| {
            let index = index_with(Some(lock), &[FILE]);
            match package_of(&index, Path::new(FILE)).map(|p| p.lock) {
                Some(PackageLock::Unreadable(e)) => (e.clone(), e.to_string()),
                other => panic!("{other:?}"),
            }
        };
        let (e, message) = unreadable(b"version = 2\n");
        assert_eq!(
            e,
            LockReadError::Invalid(LockError::UnsupportedVersion {
                line: 1,
                found: "2".into()
            })
        );
        assert_eq!(
            message,
            "prompts.lock, line 1: format version 2 is not supported; this promptls reads \
             version 1 (a newer promptls may have written it)"
        );
        let (e, message) = unreadable(b"version = 1\n[[package]\n");
        assert!(
            matches!(e, LockReadError::Invalid(LockError::Syntax { line: 2, .. })),
            "{e:?}"
        );
        assert!(
            message.starts_with("prompts.lock, line 2: not valid TOML: "),
            "{message}"
        );
        assert_eq!(
            unreadable(b"version = 1\n# caf\xe9\n"),
            (LockReadError::NotText, "not UTF-8 text".to_string())
        );
        let long = format!("version = 1\n{}", "#\n".repeat(TEXT_CAP as usize));
        assert_eq!(
            unreadable(long.as_bytes()),
            (
                LockReadError::TooLong { limit: TEXT_CAP },
                "longer than 262144 bytes".to_string()
            )
        );
    }
}
