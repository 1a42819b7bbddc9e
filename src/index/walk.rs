//! The parallel, ignore-aware walk that collects file names (no file is opened, V-1, Q-1).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use crate::vfs::{FolderHandle, LstatKind};
use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};

/// Folder names never indexed, besides hidden ones and ignore files' entries (V-1).
pub const SKIPPED_DIRS: &[&str] = &["node_modules", "target", ".venv", "venv", "__pycache__"];

/// The folder `promptls install` installs registry packages into (`.prompts/{name}/`):
/// hidden by its name, but indexed like any folder, so references into installed
/// packages resolve.
pub const PACKAGES_DIR: &str = ".prompts";

/// Whether the index leaves out an entry of this name for being hidden: a name starting
/// with `.`, except [`PACKAGES_DIR`].
pub fn is_hidden_name(name: &[u8]) -> bool {
    name.starts_with(b".") && name != PACKAGES_DIR.as_bytes()
}

/// What a walk found: per folder, the file names in it; and every folder walked, with
/// whether it is a repository root (holds `.git`).
#[derive(Debug, Default)]
pub struct Listing {
    /// Folder -> file names (UTF-8 names only; others are skipped with a warning under
    /// [`SKIPPED_TARGET`]). Folder paths may be any bytes.
    pub files: HashMap<PathBuf, Vec<String>>,
    /// Every folder walked -> holds `.git`.
    pub dirs: HashMap<PathBuf, bool>,
    /// Folders that could not be read (their entries, or some of them, are missing from
    /// the listing) -> the operating system's reason (`Permission denied`).
    pub unreadable: HashMap<PathBuf, String>,
}

/// Which file names a walk lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameFilter {
    /// Every file name.
    All,
    /// Only names the index can use: an extension of this list (lower case; names are
    /// compared without case), Python sources (`.py`, `.pyi`) and config file names.
    /// On a tree where most files are assets or notes, this saves a string per file the
    /// index would drop anyway, and the cold index of such a tree is faster for it.
    Indexed(Vec<String>),
}

impl NameFilter {
    /// Whether the walk lists a file called `name`.
    pub fn keeps(&self, name: &str) -> bool {
        match self {
            NameFilter::All => true,
            NameFilter::Indexed(exts) => {
                crate::config::CONFIG_FILE_NAMES.contains(&name)
                    || name.rsplit_once('.').is_some_and(|(_, ext)| {
                        ext.eq_ignore_ascii_case("py")
                            || ext.eq_ignore_ascii_case("pyi")
                            || exts.iter().any(|e| e.eq_ignore_ascii_case(ext))
                    })
            }
        }
    }
}

fn keep(entry: &DirEntry, git_dirs: &Mutex<HashSet<PathBuf>>) -> bool {
    if entry.depth() == 0 {
        return true;
    }
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    let Some(name) = entry.file_name().to_str() else {
        // A folder is kept whatever its name (paths are `OsStr`); a file name that is not
        // UTF-8 cannot be a prompt name, so it is skipped, but never silently.
        if is_hidden_name(entry.file_name().as_encoded_bytes()) {
            return false;
        }
        if is_dir {
            return true;
        }
        warn_skipped(entry.path(), "name is not UTF-8", false);
        return false;
    };
    if name == ".git" {
        if let Some(parent) = entry.path().parent() {
            git_dirs.lock().unwrap().insert(parent.to_path_buf());
        }
        return false;
    }
    if is_hidden_name(name.as_bytes()) {
        return false;
    }
    !(is_dir && SKIPPED_DIRS.contains(&name))
}

/// The `tracing` target of the warning logged for each entry the walk skips although it
/// is not hidden or ignored: a file name that is not UTF-8; an entry named like a prompt,
/// Python or config file that is not a regular file after following symlinks (a FIFO,
/// socket or device, a symlink to one, a dangling symlink, a symlink loop); a folder that
/// cannot be read. Fields: `path`, a [`SkippedPath`] (shown as text; a layer recovers the
/// exact path with [`SkippedPath::of`]); `folder`, whether it is a folder; the message says
/// why (`skipped: REASON`). Each entry is warned about once per process, however often it
/// is walked. The CLI prints these on stderr.
pub const SKIPPED_TARGET: &str = "promptls::walk::skipped";

/// The path of a skipped entry as a `tracing` field value. `tracing` has no value type for
/// a path that may not be UTF-8, so it travels as an error value: its text is the path
/// (lossily), and a layer that needs the exact bytes (to match it against the paths a user
/// named) downcasts it with [`SkippedPath::of`].
#[derive(Debug)]
pub struct SkippedPath(pub PathBuf);

impl std::fmt::Display for SkippedPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.display().fmt(f)
    }
}

impl std::error::Error for SkippedPath {}

impl SkippedPath {
    /// The path carried by a field value recorded as an error, if it is one.
    pub fn of<'a>(value: &'a (dyn std::error::Error + 'static)) -> Option<&'a Path> {
        value.downcast_ref::<SkippedPath>().map(|p| p.0.as_path())
    }
}

/// Entries warned about so far in this process, with the reason: a tree walked again (a
/// folder re-read under another config, a refresh) is not warned about twice.
static WARNED: LazyLock<Mutex<HashSet<(PathBuf, String)>>> =
    LazyLock::new(|| Mutex::new(HashSet::new()));

/// Logs the [`SKIPPED_TARGET`] warning for `path`, unless it was logged already.
fn warn_skipped(path: &Path, reason: &str, folder: bool) {
    let first = WARNED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert((path.to_path_buf(), reason.to_string()));
    if first {
        let shown = SkippedPath(path.to_path_buf());
        tracing::warn!(
            target: SKIPPED_TARGET,
            path = &shown as &(dyn std::error::Error + 'static),
            folder,
            "skipped: {reason}"
        );
    }
}

/// Whether an entry called `name` would be indexed if it were a regular file (a prompt
/// extension, Python source, a config file): only those are worth a warning when skipped.
fn indexable(name: &str) -> bool {
    let ext = Path::new(name).extension().and_then(|x| x.to_str());
    ext.is_some_and(|x| {
        crate::versioning::DEFAULT_EXTENSIONS
            .iter()
            .chain(&["py", "pyi"])
            .any(|d| d.eq_ignore_ascii_case(x))
    }) || crate::config::CONFIG_FILE_NAMES.contains(&name)
}

/// The folder and the operating system's error of a walk error, when it has both.
fn path_and_io(err: &ignore::Error) -> Option<(&Path, &std::io::Error)> {
    match err {
        ignore::Error::WithDepth { err, .. } => path_and_io(err),
        ignore::Error::WithPath { path, err } => err.io_error().map(|e| (path.as_path(), e)),
        _ => None,
    }
}

struct Collector<'s> {
    local: Listing,
    /// The folder whose names are being collected and its names so far: a worker visits a
    /// folder's entries one after another, so this saves a hash lookup and a path
    /// allocation per file (Q-1, cold index).
    current: Option<(PathBuf, Vec<String>)>,
    filter: &'s NameFilter,
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

    /// Lists the file `name` of the folder `parent`.
    fn push(&mut self, parent: &Path, name: &str) {
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
    }

    fn visit_entry(&mut self, e: &DirEntry) {
        let Some(ty) = e.file_type() else { return };
        if ty.is_dir() {
            self.local.dirs.insert(e.path().to_path_buf(), false);
            return;
        }
        let (Some(parent), Some(name)) = (e.path().parent(), e.file_name().to_str()) else {
            return;
        };
        if !self.filter.keeps(name) {
            return;
        }
        if ty.is_file() {
            self.push(parent, name);
            return;
        }
        // A symlink (followed, without opening anything), FIFO, socket or device: only a
        // regular file is a file of the index; anything else is skipped, and named when
        // it could have been one.
        match crate::vfs::regular_metadata(e.path()) {
            Ok(_) => self.push(parent, name),
            Err(err) if indexable(name) => warn_skipped(e.path(), &err.reason(), false),
            Err(err) => tracing::debug!(error = %err, "not a regular file; skipped"),
        }
    }

    fn visit_error(&mut self, err: &ignore::Error) {
        // A folder that cannot be listed (or an entry of it that cannot be read): what is
        // in it is missing from the listing, which is never silent.
        if let Some((path, io)) = path_and_io(err)
            && crate::vfs::metadata(path).is_ok_and(|m| m.is_dir())
        {
            let reason = crate::vfs::os_reason(io);
            warn_skipped(path, &reason, true);
            self.local.unreadable.insert(path.to_path_buf(), reason);
        } else {
            tracing::info!(error = %err, "skipping an entry the walk could not read");
        }
    }
}

impl ParallelVisitor for Collector<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(e) => self.visit_entry(&e),
            Err(err) => self.visit_error(&err),
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
        out.unreadable.extend(local.unreadable);
        for (dir, mut names) in local.files {
            out.files.entry(dir).or_default().append(&mut names);
        }
    }
}

struct Builder<'s> {
    filter: &'s NameFilter,
    out: &'s Mutex<Listing>,
}

impl<'s> ParallelVisitorBuilder<'s> for Builder<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Collector {
            local: Listing::default(),
            current: None,
            filter: self.filter,
            out: self.out,
        })
    }
}

/// Walks `root` (recursively, or only its direct entries with `max_depth = Some(1)`) on
/// `threads` threads, honouring `.gitignore`, `.ignore` (also of parent folders) and
/// hidden names even outside a git repository. Only regular files are listed (symlinks
/// are followed to see what they are; folders behind them are not walked). Unreadable
/// folders are skipped with a warning and kept in [`Listing::unreadable`].
pub fn walk(root: &Path, max_depth: Option<usize>, threads: usize) -> Listing {
    walk_filtered(root, max_depth, threads, &NameFilter::All)
}

/// [`walk`], listing only the file names `filter` keeps (folders are all walked).
pub fn walk_filtered(
    root: &Path,
    max_depth: Option<usize>,
    threads: usize,
    filter: &NameFilter,
) -> Listing {
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
        .visit(&mut Builder { filter, out: &out });
    let mut listing = out.into_inner().unwrap();
    for dir in git_dirs.lock().unwrap().iter() {
        if let Some(flag) = listing.dirs.get_mut(dir) {
            *flag = true;
        }
    }
    listing
}

/// What [`walk`] would make of one file of a folder it walked, decided without listing
/// the folder (a refresh after a burst of changes costs the changed files, not the
/// folders that hold them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileVerdict {
    /// The walk lists it: a regular file (or a symlink to one), not hidden, not ignored.
    Listed,
    /// The walk leaves it out: gone, hidden, or not a regular file (a FIFO, a device, a
    /// dangling symlink; warned about like the walk does when it is named like a file the
    /// index would read).
    NotListed,
    /// Only a walk of its folder can tell: an ignore rule matches it (which rule wins
    /// depends on precedence the walk decides), its name is not UTF-8, it is a folder, or
    /// it cannot be examined.
    Unsure,
}

/// The ignore files that can apply to files of a folder, read once per folder for a
/// batch of [`file_verdict`] calls: `.gitignore`, `.ignore` and `.rgignore` of the folder
/// and of every folder above it up to the file system root, a repository's
/// `info/exclude`, and git's global excludes file. It is a superset of what the walk
/// consults, so a file no rule matches is one the walk does not ignore.
pub struct IgnoreRules {
    /// Folder -> its own ignore matchers; `None` when they cannot be known (an ignore file
    /// that exists but cannot be read).
    own: Mutex<HashMap<PathBuf, Option<Arc<Vec<ignore::gitignore::Gitignore>>>>>,
    global: Arc<ignore::gitignore::Gitignore>,
}

impl Default for IgnoreRules {
    fn default() -> Self {
        IgnoreRules {
            own: Mutex::new(HashMap::new()),
            global: Arc::new(ignore::gitignore::Gitignore::global().0),
        }
    }
}

/// Names of the ignore files a folder can hold (the walk reads the first two; `.rgignore`
/// is included so that a tree searched with ripgrep is never judged by fewer rules).
const IGNORE_FILES: &[&str] = &[".gitignore", ".ignore", ".rgignore"];

/// At most this many bytes of a `.git` file or a `commondir` file (a path) are read.
const GIT_POINTER_CAP: u64 = 4096;

impl IgnoreRules {
    /// The matchers of `dir`'s own ignore files (not its parents').
    fn own(&self, dir: &Path) -> Option<Arc<Vec<ignore::gitignore::Gitignore>>> {
        if let Some(known) = self.own.lock().unwrap_or_else(|e| e.into_inner()).get(dir) {
            return known.clone();
        }
        // Read without the lock (other folders are judged meanwhile); a folder read twice
        // at once gives the same answer twice.
        let read = Self::read_own(dir).map(Arc::new);
        self.own
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(dir.to_path_buf())
            .or_insert(read)
            .clone()
    }

    fn read_own(dir: &Path) -> Option<Vec<ignore::gitignore::Gitignore>> {
        let mut files: Vec<PathBuf> = IGNORE_FILES.iter().map(|n| dir.join(n)).collect();
        let git = dir.join(".git");
        match crate::vfs::symlink_metadata(&git) {
            Ok(m) if m.is_dir() => files.push(git.join("info/exclude")),
            Ok(_) => {
                // A worktree or submodule: `.git` names the git folder, whose `info/exclude`
                // (and its common folder's) the walk may read.
                let text = match crate::vfs::read_text(&git, GIT_POINTER_CAP) {
                    Ok(t) => t.text,
                    Err(e) => {
                        tracing::debug!(error = %e, "git file not read; its folder's files are judged by a walk");
                        return None;
                    }
                };
                let gitdir = dir.join(text.trim().strip_prefix("gitdir:")?.trim());
                files.push(gitdir.join("info/exclude"));
                if let Ok(common) =
                    crate::vfs::read_text(&gitdir.join("commondir"), GIT_POINTER_CAP)
                {
                    files.push(gitdir.join(common.text.trim()).join("info/exclude"));
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(_) => return None,
        }
        let mut out = Vec::new();
        for file in files {
            match crate::vfs::symlink_metadata(&file) {
                Err(e) if e.is_not_found() => continue,
                Err(_) => return None,
                Ok(_) => {}
            }
            let mut builder = ignore::gitignore::GitignoreBuilder::new(dir);
            if builder.add(&file).is_some() {
                // Unreadable or partly invalid: let the walk decide.
                return None;
            }
            let gi = builder.build().ok()?;
            if !gi.is_empty() {
                out.push(gi);
            }
        }
        Some(out)
    }

    /// The rules that can apply to the files of `dir` (absolute): its ignore files and
    /// those of every folder above it. `None` when one of them cannot be read.
    pub fn for_folder(&self, dir: &Path) -> Option<FolderRules> {
        let mut own = Vec::new();
        for a in dir.ancestors() {
            let rules = self.own(a)?;
            if !rules.is_empty() {
                own.push(rules);
            }
        }
        Some(FolderRules {
            own,
            global: self.global.clone(),
        })
    }
}

/// The ignore rules that can apply to the files of one folder (see
/// [`IgnoreRules::for_folder`]).
pub struct FolderRules {
    own: Vec<Arc<Vec<ignore::gitignore::Gitignore>>>,
    global: Arc<ignore::gitignore::Gitignore>,
}

impl FolderRules {
    /// Whether no rule matches the file `path` (absolute, in the folder).
    pub fn unmatched(&self, path: &Path) -> bool {
        self.own
            .iter()
            .flat_map(|rules| rules.iter())
            .chain(std::iter::once(&*self.global))
            .all(|g| g.matched(path, false).is_none())
    }
}

/// What the walk would make of the file at `path` (absolute), whose folder it walked and
/// lists (the caller knows that folder is not ignored) and which `folder` has open:
/// examined with one `lstat` (and a `stat` for a symlink) and the ignore files of its
/// folders, never a listing.
pub fn file_verdict(folder: &FolderHandle, path: &Path, rules: &FolderRules) -> FileVerdict {
    file_verdict_listed(folder, path, rules, None)
}

/// [`file_verdict`] with the kinds of the folder's entries from one listing of it
/// ([`FolderHandle::kinds`]): a name the listing lacks is not there, and no entry is
/// looked at alone (cheaper when many entries of one folder changed).
pub fn file_verdict_listed(
    folder: &FolderHandle,
    path: &Path,
    rules: &FolderRules,
    listed: Option<&HashMap<OsString, LstatKind>>,
) -> FileVerdict {
    let Some(name) = path.file_name() else {
        return FileVerdict::Unsure;
    };
    let Some(name) = name.to_str() else {
        return FileVerdict::Unsure;
    };
    if is_hidden_name(name.as_bytes()) {
        return FileVerdict::NotListed;
    }
    let kind = match listed.map(|kinds| kinds.get(std::ffi::OsStr::new(name))) {
        Some(Some(&kind)) => kind,
        Some(None) => return FileVerdict::NotListed,
        None => match folder.lstat(name.as_ref()) {
            Ok(kind) => kind,
            Err(e) if e.is_not_found() => return FileVerdict::NotListed,
            Err(_) => return FileVerdict::Unsure,
        },
    };
    if kind == LstatKind::Dir || !rules.unmatched(path) {
        return FileVerdict::Unsure;
    }
    if kind == LstatKind::File {
        return FileVerdict::Listed;
    }
    match crate::vfs::regular_metadata(path) {
        Ok(_) => FileVerdict::Listed,
        Err(err) => {
            if indexable(name) {
                warn_skipped(path, &err.reason(), false);
            }
            FileVerdict::NotListed
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    // Only regular files are listed: a symlink is followed to see what it leads to, and
    // one to a FIFO, a device, a folder or nothing (also itself) is left out, like a FIFO.
    #[test]
    fn only_regular_files_are_listed() {
        use std::os::unix::fs::symlink;
        let t = tempfile::tempdir().unwrap();
        let dir = t.path();
        std::fs::write(dir.join("real_v1.md"), "x").unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        let fifo = dir.join("pipe_v1.md");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        symlink(dir.join("real_v1.md"), dir.join("link_v2.md")).unwrap();
        symlink(&fifo, dir.join("tofifo_v3.md")).unwrap();
        symlink("/dev/null", dir.join("null_v4.md")).unwrap();
        symlink(dir.join("sub"), dir.join("folder_v5.md")).unwrap();
        symlink(dir.join("gone"), dir.join("dangling_v6.md")).unwrap();
        symlink(dir.join("self_v7.md"), dir.join("self_v7.md")).unwrap();
        let mut listing = walk(dir, None, 2);
        let mut names = listing.files.remove(dir).unwrap_or_default();
        names.sort();
        assert_eq!(names, ["link_v2.md", "real_v1.md"]);
        assert!(listing.files.is_empty(), "{:?}", listing.files);
        assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
    }

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

        // A file judged alone gets the walk's answer: listed exactly when the walk of its
        // folder lists it, whatever ignore rules, hidden names, symlinks or FIFOs there are;
        // with no ignore file at all, no regular file is left undecided.
        #[test]
        fn a_file_judged_alone_gets_the_answer_of_the_walk(
            root_rules in proptest::sample::subsequence(
                vec!["*.txt", "secret_*", "!keep_secret_v1.md", "/top_v1.md", "sub/", "*_v2.md", "other/"], 0..4),
            sub_rules in proptest::sample::subsequence(vec!["*.md", "!a_v1.md", "b_*", "/c_v1.md"], 0..3),
            dot_ignore in proptest::sample::subsequence(vec!["a_*", "!secret_a_v1.md"], 0..2),
            git in any::<bool>(),
            files in proptest::collection::vec(
                (any::<bool>(), proptest::sample::select(vec![
                    "a_v1.md", "b_v1.md", "c_v1.md", "top_v1.md", "x_v2.md", "n.txt",
                    "secret_a_v1.md", "keep_secret_v1.md", ".hidden_v1.md", "app.py"]),
                 0u8..4),
                0..12),
        ) {
            use std::os::unix::fs::symlink;
            let t = tempfile::tempdir().unwrap();
            let root = t.path().canonicalize().unwrap();
            let sub = root.join("sub");
            std::fs::create_dir(&sub).unwrap();
            if git {
                std::fs::create_dir(root.join(".git")).unwrap();
            }
            if !root_rules.is_empty() {
                std::fs::write(root.join(".gitignore"), root_rules.join("\n")).unwrap();
            }
            if !sub_rules.is_empty() {
                std::fs::write(sub.join(".gitignore"), sub_rules.join("\n")).unwrap();
            }
            if !dot_ignore.is_empty() {
                std::fs::write(root.join(".ignore"), dot_ignore.join("\n")).unwrap();
            }
            let no_rules = root_rules.is_empty() && sub_rules.is_empty() && dot_ignore.is_empty();
            let mut candidates = Vec::new();
            for (in_sub, name, kind) in &files {
                let path = if *in_sub { sub.join(name) } else { root.join(name) };
                candidates.push((path.clone(), *kind == 0));
                if path.exists() || std::fs::symlink_metadata(&path).is_ok() {
                    continue;
                }
                match kind {
                    0 => std::fs::write(&path, "x").unwrap(),
                    1 => {
                        let target = root.join("target.bin");
                        std::fs::write(&target, "x").unwrap();
                        symlink(&target, &path).unwrap();
                    }
                    2 => symlink(root.join("nowhere"), &path).unwrap(),
                    _ => {
                        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
                        prop_assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
                    }
                }
            }
            candidates.push((root.join("absent_v1.md"), false));
            candidates.push((sub.join("absent_v1.md"), false));
            let listing = walk(&root, None, 1);
            let rules = IgnoreRules::default();
            for (path, regular) in candidates {
                let dir = path.parent().unwrap();
                if !listing.dirs.contains_key(dir) {
                    continue; // an ignored folder: its files are never judged alone
                }
                let listed = listing.files.get(dir).is_some_and(|names| {
                    names.iter().any(|n| Some(OsStr::new(n)) == path.file_name())
                });
                let folder_rules = rules.for_folder(dir).unwrap();
                // The folder opened, and looked into by whole paths: the same verdict.
                let verdict = file_verdict(&FolderHandle::open(dir), &path, &folder_rules);
                let by_paths = file_verdict(&FolderHandle::by_paths(dir), &path, &folder_rules);
                prop_assert_eq!(verdict, by_paths, "{}", path.display());
                match verdict {
                    FileVerdict::Listed => prop_assert!(listed, "{} judged listed", path.display()),
                    FileVerdict::NotListed => prop_assert!(!listed, "{} judged not listed", path.display()),
                    FileVerdict::Unsure => prop_assert!(
                        !(no_rules && regular && !is_hidden_name(path.file_name().unwrap().as_bytes())),
                        "{} undecided with no ignore file", path.display()
                    ),
                }
            }
        }
    }
}
