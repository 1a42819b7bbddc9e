//! The parallel, ignore-aware walk that collects file names (no file is opened, V-1, Q-1).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};

/// Folder names never indexed, besides hidden ones and ignore files' entries (V-1).
pub const SKIPPED_DIRS: &[&str] = &["node_modules", "target", ".venv", "venv", "__pycache__"];

/// What a walk found: per folder, the file names in it; and every folder walked, with
/// whether it is a repository root (holds `.git`).
#[derive(Debug, Default)]
pub struct Listing {
    /// Folder -> file names (UTF-8 names only; others are skipped with a warning under
    /// [`SKIPPED_TARGET`]). Folder paths may be any bytes.
    pub files: HashMap<PathBuf, Vec<String>>,
    /// Every folder walked -> holds `.git`.
    pub dirs: HashMap<PathBuf, bool>,
}

fn keep(entry: &DirEntry, git_dirs: &Mutex<HashSet<PathBuf>>) -> bool {
    if entry.depth() == 0 {
        return true;
    }
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    let Some(name) = entry.file_name().to_str() else {
        // A folder is kept whatever its name (paths are `OsStr`); a file name that is not
        // UTF-8 cannot be a prompt name, so it is skipped, but never silently.
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            return false;
        }
        if is_dir {
            return true;
        }
        tracing::warn!(
            target: SKIPPED_TARGET,
            path = %entry.path().display(),
            "skipped: name is not UTF-8"
        );
        return false;
    };
    if name == ".git" {
        if let Some(parent) = entry.path().parent() {
            git_dirs.lock().unwrap().insert(parent.to_path_buf());
        }
        return false;
    }
    if name.starts_with('.') {
        return false;
    }
    !(is_dir && SKIPPED_DIRS.contains(&name))
}

/// The `tracing` target of the warning logged for each file the walk skips although it is
/// not hidden or ignored: a name that is not UTF-8, a FIFO, socket or device (field
/// `path`: the path, lossily; the message says why). The CLI prints these on stderr.
pub const SKIPPED_TARGET: &str = "promptls::walk::skipped";

struct Collector<'s> {
    local: Listing,
    /// The folder whose names are being collected and its names so far: a worker visits a
    /// folder's entries one after another, so this saves a hash lookup and a path
    /// allocation per file (Q-1, cold index).
    current: Option<(PathBuf, Vec<String>)>,
    out: &'s Mutex<Listing>,
}

impl Collector<'_> {
    fn flush(&mut self) {
        if let Some((dir, mut names)) = self.current.take() {
            match self.local.files.get_mut(&dir) {
                Some(v) => v.append(&mut names),
                None => {
                    self.local.files.insert(dir, names);
                }
            }
        }
    }
}

impl ParallelVisitor for Collector<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(e) => {
                let ty = e.file_type();
                if ty.is_some_and(|t| t.is_dir()) {
                    self.local.dirs.insert(e.path().to_path_buf(), false);
                } else if ty.is_some_and(|t| t.is_file() || t.is_symlink())
                    && let (Some(parent), Some(name)) = (e.path().parent(), e.file_name().to_str())
                {
                    // Byte comparison: `Path`'s `==` compares component by component.
                    let same = self
                        .current
                        .as_ref()
                        .is_some_and(|(d, _)| d.as_os_str() == parent.as_os_str());
                    if !same {
                        self.flush();
                        self.current = Some((parent.to_path_buf(), Vec::with_capacity(64)));
                    }
                    if let Some((_, names)) = self.current.as_mut() {
                        names.push(name.to_string());
                    }
                } else if ty.is_some() {
                    // Not a folder, file or symlink: a FIFO, socket or device.
                    match e.metadata() {
                        Ok(m) => {
                            // Only what could be a prompt file is worth a warning.
                            let prompt_like = e
                                .path()
                                .extension()
                                .and_then(|x| x.to_str())
                                .is_some_and(|x| {
                                    crate::versioning::DEFAULT_EXTENSIONS
                                        .iter()
                                        .any(|d| d.eq_ignore_ascii_case(x))
                                });
                            if let Some(kind) = crate::vfs::regular_file_kind(&m)
                                && prompt_like
                            {
                                tracing::warn!(
                                    target: SKIPPED_TARGET,
                                    path = %e.path().display(),
                                    "skipped: {kind}, not a regular file"
                                );
                            }
                        }
                        Err(err) => {
                            tracing::info!(error = %err, "skipping an entry the walk could not read")
                        }
                    }
                }
            }
            Err(err) => tracing::info!(error = %err, "skipping an entry the walk could not read"),
        }
        WalkState::Continue
    }
}

impl Drop for Collector<'_> {
    fn drop(&mut self) {
        self.flush();
        let local = std::mem::take(&mut self.local);
        let mut out = self.out.lock().unwrap();
        out.dirs.extend(local.dirs);
        for (dir, mut names) in local.files {
            out.files.entry(dir).or_default().append(&mut names);
        }
    }
}

struct Builder<'s> {
    out: &'s Mutex<Listing>,
}

impl<'s> ParallelVisitorBuilder<'s> for Builder<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Collector {
            local: Listing::default(),
            current: None,
            out: self.out,
        })
    }
}

/// Walks `root` (recursively, or only its direct entries with `max_depth = Some(1)`) on
/// `threads` threads, honouring `.gitignore`, `.ignore` (also of parent folders) and
/// hidden names even outside a git repository. Unreadable folders and symlink loops are
/// skipped with a log line.
pub fn walk(root: &Path, max_depth: Option<usize>, threads: usize) -> Listing {
    let git_dirs = Arc::new(Mutex::new(HashSet::new()));
    let out = Mutex::new(Listing::default());
    let gd = git_dirs.clone();
    WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .max_depth(max_depth)
        .threads(threads)
        .filter_entry(move |e| keep(e, &gd))
        .build_parallel()
        .visit(&mut Builder { out: &out });
    let mut listing = out.into_inner().unwrap();
    for dir in git_dirs.lock().unwrap().iter() {
        if let Some(flag) = listing.dirs.get_mut(dir) {
            *flag = true;
        }
    }
    listing
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        // Any name bytes: every folder is walked (its files listed), whatever its name;
        // file names are listed exactly when they are UTF-8; nothing else is listed.
        #[test]
        fn folders_are_walked_whatever_their_bytes(
            names in proptest::collection::btree_set(
                proptest::collection::vec(prop_oneof![Just(0xe9u8), Just(0xffu8), b'a'..=b'z'], 1..6),
                1..6,
            )
        ) {
            let t = tempfile::tempdir().unwrap();
            let mut expected_files: HashMap<PathBuf, Vec<String>> = HashMap::new();
            for name in &names {
                let dir = t.path().join(OsStr::from_bytes(name));
                std::fs::create_dir(&dir).unwrap();
                std::fs::write(dir.join("p_v1.md"), "x").unwrap();
                std::fs::write(dir.join(OsStr::from_bytes(&[b"f", name.as_slice(), b"_v1.md"].concat())), "x").unwrap();
                let mut listed = vec!["p_v1.md".to_string()];
                if let Ok(s) = std::str::from_utf8(name) {
                    listed.push(format!("f{s}_v1.md"));
                }
                listed.sort();
                expected_files.insert(dir, listed);
            }
            let mut listing = walk(t.path(), None, 2);
            for names in listing.files.values_mut() {
                names.sort();
            }
            prop_assert_eq!(listing.files, expected_files.clone());
            let mut dirs: Vec<&PathBuf> = listing.dirs.keys().collect();
            dirs.sort();
            let mut want: Vec<PathBuf> = expected_files.into_keys().collect();
            want.push(t.path().to_path_buf());
            want.sort();
            prop_assert_eq!(dirs, want.iter().collect::<Vec<_>>());
        }
    }
}
