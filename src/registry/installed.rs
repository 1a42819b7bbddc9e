//! What `promptls check` says about installed packages: `prompts.lock` at a workspace root
//! compared with `.prompts/` under it.

use crate::diagnostics::{Code, Diagnostic};
use crate::index::Index;
use crate::registry::lock::{INSTALL_DIR, LOCK_NAME, LockProblem, Lockfile, verify};
use crate::vfs::EntryKind;

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
        let text = match index.files().text(&lock_path) {
            Ok(t) if !t.lossy => t.text,
            Ok(_) => {
                if let Some(severity) = severity(Code::InvalidLockfile) {
                    out.push(Diagnostic {
                        path: lock_path.clone(),
                        range: 0..0,
                        severity,
                        code: Code::InvalidLockfile,
                        message: format!("{LOCK_NAME} is not UTF-8 text"),
                        fix: None,
                    });
                }
                continue;
            }
            Err(e) => {
                if let Some(severity) = severity(Code::InvalidLockfile) {
                    out.push(Diagnostic {
                        path: lock_path.clone(),
                        range: 0..0,
                        severity,
                        code: Code::InvalidLockfile,
                        message: format!("{LOCK_NAME} cannot be read: {e}"),
                        fix: None,
                    });
                }
                continue;
            }
        };
        let lock = match Lockfile::parse(&text) {
            Ok(lock) => lock,
            Err(e) => {
                if let Some(severity) = severity(Code::InvalidLockfile) {
                    out.push(Diagnostic {
                        path: lock_path.clone(),
                        range: line_range(&text, e.line()),
                        severity,
                        code: Code::InvalidLockfile,
                        message: e.to_string(),
                        fix: None,
                    });
                }
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
}
