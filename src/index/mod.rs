//! The workspace index: prompt file NAMES grouped into folders -> prompts -> versions
//! (no file is opened to index it, Q-1), with lookups, resolution of requests, naming
//! diagnostics (V-9) and incremental refreshes.
//!
//! An [`Index`] is immutable once built; a writer builds a new one from the old with
//! [`Index::refreshed`] and swaps it into a [`SharedIndex`], so readers never wait for a
//! writer.

mod walk;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;

pub use walk::{
    FileVerdict, FolderRules, IgnoreRules, Listing, NameFilter, PACKAGES_DIR, SKIPPED_DIRS,
    SKIPPED_TARGET, SkippedPath, file_verdict, file_verdict_listed, is_hidden_name, walk,
    walk_filtered,
};

use crate::config::{CONFIG_FILE_NAMES, ConfigFileKind, ConfigSource, Settings, load_config_file};
use crate::diagnostics::{Code, Diagnostic, Fix, Severity};
use crate::versioning::{
    CandidateFile, Convention, ErrorKind, NameIssue, NamingScheme, ParsedName, RequestOptions,
    ResolveError, SharedScheme, Version, VersionSpec, select,
};
use crate::vfs::{DiskFiles, EntryKind, FileSource};

/// One prompt file in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptFile {
    /// The file name.
    pub name: Box<str>,
    /// What the name says.
    pub parsed: ParsedName,
}

/// A prompt: the files of one base name in one folder (V-3), all variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The base name (`task`).
    pub base: Box<str>,
    /// Indices into [`Folder::files`]: versioned files newest first, then unversioned.
    pub files: Box<[u32]>,
}

/// The indexed content of one folder.
#[derive(Debug)]
pub struct Folder {
    /// The folder (absolute).
    pub path: Arc<Path>,
    /// The config that applies here (V-7).
    pub settings: Arc<Settings>,
    /// That config compiled.
    pub scheme: SharedScheme,
    /// Prompt files, sorted by name.
    pub files: Vec<Arc<PromptFile>>,
    /// Prompts, sorted by base name.
    pub prompts: Vec<Prompt>,
    /// Python files (they may call promptic, R-2), sorted.
    pub python: Vec<Box<str>>,
}

impl Folder {
    /// The prompt of base name `base`.
    pub fn prompt(&self, base: &str) -> Option<&Prompt> {
        self.prompts
            .binary_search_by(|p| (*p.base).cmp(base))
            .ok()
            .map(|i| &self.prompts[i])
    }

    /// The file called `name` and its index.
    pub fn file(&self, name: &str) -> Option<(usize, &PromptFile)> {
        self.files
            .binary_search_by(|f| (*f.name).cmp(name))
            .ok()
            .map(|i| (i, &*self.files[i]))
    }

    /// The files of a prompt, in the prompt's order.
    pub fn prompt_files<'a>(
        &'a self,
        prompt: &'a Prompt,
    ) -> impl Iterator<Item = &'a PromptFile> + 'a {
        prompt.files.iter().map(|&i| &*self.files[i as usize])
    }

    /// A file's absolute path.
    pub fn path_of(&self, file: &PromptFile) -> PathBuf {
        self.path.join(&*file.name)
    }

    fn equivalent(&self, other: &Folder) -> bool {
        self.path == other.path
            && self.settings == other.settings
            && self.files == other.files
            && self.prompts == other.prompts
            && self.python == other.python
    }
}

/// What a target path names (V-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A folder: every prompt file directly inside (promptic's directory mode).
    Directory {
        /// How many prompts the folder holds (more than one: `ambiguous-directory`).
        prompts: usize,
    },
    /// A prompt by a hint without version (`prompts/task.md`, `prompts/task`).
    Prompt,
    /// A pinned file (`prompts/task_v2.md`).
    Pinned,
}

/// A successful resolution.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The folder of the file.
    pub folder: Arc<Folder>,
    /// Index of the file in [`Folder::files`].
    pub file: usize,
    /// What the target named.
    pub kind: TargetKind,
    /// Why this file, in words.
    pub reason: String,
}

impl Resolved {
    /// The chosen file.
    pub fn prompt_file(&self) -> &PromptFile {
        &self.folder.files[self.file]
    }

    /// Its absolute path.
    pub fn path(&self) -> PathBuf {
        self.folder.path_of(self.prompt_file())
    }
}

/// The whole index (immutable; see the module docs).
#[derive(Debug, Clone)]
pub struct Index {
    roots: Vec<PathBuf>,
    folders: HashMap<Arc<Path>, Arc<Folder>>,
    dirs: HashMap<PathBuf, bool>,
    /// Folders the walk could not read -> why (see [`Listing::unreadable`]).
    unreadable: BTreeMap<PathBuf, String>,
    config_files: HashSet<PathBuf>,
    config: Arc<ConfigSource>,
    schemes: Vec<(Arc<Settings>, SharedScheme)>,
    files: Arc<dyn FileSource>,
    /// Walked folder -> its walked sub-folders, sorted; built on first use from `dirs`
    /// (reset whenever `dirs` changes).
    children: std::sync::OnceLock<HashMap<PathBuf, Vec<PathBuf>>>,
}

/// Lexically normalizes a path: makes it absolute against the current folder, drops `.`
/// and folds `..` (no symlinks are resolved, no file is touched).
pub fn normalize(path: &Path) -> PathBuf {
    if is_normal(path) {
        return path.to_path_buf();
    }
    rebuild_normal(path)
}

/// [`normalize`] component by component.
fn rebuild_normal(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether `path` is absolute and already in the form [`normalize`] gives: no `.` or `..`
/// component, no empty component, no trailing separator (checked on the bytes, which is
/// cheaper than rebuilding the path component by component).
fn is_normal(path: &Path) -> bool {
    if cfg!(not(unix)) || !path.is_absolute() {
        return false;
    }
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes.len() > 1
        && !bytes.ends_with(b"/")
        && bytes[1..]
            .split(|&b| b == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b"..")
}

use crate::parallel::threads;

impl Index {
    /// An empty index over `roots` (absolute), using `config` for every folder.
    pub fn empty(roots: Vec<PathBuf>, config: Arc<ConfigSource>) -> Index {
        Index {
            roots: roots.iter().map(|r| normalize(r)).collect(),
            folders: HashMap::new(),
            dirs: HashMap::new(),
            unreadable: BTreeMap::new(),
            config_files: HashSet::new(),
            config,
            schemes: Vec::new(),
            files: Arc::new(DiskFiles),
            children: std::sync::OnceLock::new(),
        }
    }

    /// The same index reading file contents from `files` (tests use
    /// [`crate::vfs::MemoryFiles`]).
    pub fn with_files(mut self, files: Arc<dyn FileSource>) -> Index {
        self.files = files;
        self
    }

    /// Where the core reads file contents: the disk through [`crate::vfs`], or a
    /// substitute.
    pub fn files(&self) -> &dyn FileSource {
        &*self.files
    }

    /// Walks and indexes every root (parallel, ignore-aware; Q-1).
    pub fn scan(roots: Vec<PathBuf>, config: Arc<ConfigSource>) -> Index {
        let mut index = Index::empty(roots, config);
        let roots = index.roots.clone();
        for root in &roots {
            let started = std::time::Instant::now();
            index.walk_tree(root, None);
            tracing::debug!(root = %root.display(), total = ?started.elapsed(), "scanned");
        }
        index
    }

    /// Walks `tree` listing only the names the index can use under the configs known so
    /// far, and takes the listing in (`within` as for [`Index::absorb`]). When the walk
    /// found a config that names another extension, the tree is walked again with it.
    fn walk_tree(&mut self, tree: &Path, within: Option<&Path>) {
        let started = std::time::Instant::now();
        // The configs of the tree's folder and above it are read first, so that their
        // extensions are in the filter.
        let _ = self.config.chain(tree);
        let filter = NameFilter::Indexed(self.config.declared_extensions());
        let listing = walk_filtered(tree, None, threads(), &filter);
        let walked = started.elapsed();
        self.absorb(listing, within);
        tracing::debug!(tree = %tree.display(), ?walked, total = ?started.elapsed(), "walked");
        let after = NameFilter::Indexed(self.config.declared_extensions());
        if after != filter {
            tracing::debug!(tree = %tree.display(), ?after, "a config names more extensions: walking again");
            let listing = walk_filtered(tree, None, threads(), &after);
            self.absorb(listing, Some(tree));
        }
    }

    /// Indexes only the direct entries of `dir` (single-target CLI commands): config is
    /// still discovered upwards from `dir`.
    pub fn scan_shallow(dir: PathBuf, config: Arc<ConfigSource>) -> Index {
        let mut index = Index::empty(vec![dir], config);
        let root = index.roots[0].clone();
        let listing = walk(&root, Some(1), 1);
        index.absorb(listing, None);
        index
    }

    /// The roots.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The config source (discovery and the loaded config files).
    pub fn config(&self) -> &Arc<ConfigSource> {
        &self.config
    }

    /// Takes a walk's listing in: loads its config files, then (re)builds its folders.
    /// With `within`, folders under that path that the listing lacks are dropped.
    fn absorb(&mut self, listing: Listing, within: Option<&Path>) {
        self.children = std::sync::OnceLock::new();
        if let Some(within) = within {
            self.folders.retain(|p, _| !p.starts_with(within));
            self.dirs.retain(|p, _| !p.starts_with(within));
            self.unreadable.retain(|p, _| !p.starts_with(within));
            self.config_files.retain(|p| !p.starts_with(within));
        }
        self.unreadable.extend(listing.unreadable);
        for (dir, is_repo) in &listing.dirs {
            self.config.mark_scanned(dir, *is_repo);
            self.dirs.insert(dir.clone(), *is_repo);
        }
        for (dir, names) in &listing.files {
            for name in names {
                if CONFIG_FILE_NAMES.contains(&name.as_str()) {
                    let path = dir.join(name);
                    self.load_config(&path);
                }
            }
        }
        let mut work: Vec<(PathBuf, Vec<String>)> = listing.files.into_iter().collect();
        work.sort_by(|a, b| a.0.cmp(&b.0));
        let built = self.build_folders(work);
        for folder in built {
            self.folders.insert(folder.path.clone(), Arc::new(folder));
        }
    }

    fn load_config(&mut self, path: &Path) {
        let Some(kind) = ConfigFileKind::of(path) else {
            return;
        };
        match crate::vfs::read_text(path, crate::vfs::TEXT_CAP) {
            Ok(text) => {
                self.config
                    .set_file(load_config_file(path, kind, &text.text));
                self.config_files.insert(path.to_path_buf());
            }
            Err(e) => tracing::warn!(error = %e, "config file not read"),
        }
    }

    fn scheme_for(&mut self, settings: &Arc<Settings>) -> SharedScheme {
        if let Some((_, s)) = self
            .schemes
            .iter()
            .find(|(k, _)| k.versioning == settings.versioning)
        {
            return s.clone();
        }
        let scheme = Arc::new(NamingScheme::new(settings.versioning.clone()).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "version pattern failed to compile; using the default pattern");
            NamingScheme::default_scheme()
        }));
        self.schemes.push((settings.clone(), scheme.clone()));
        scheme
    }

    fn build_folders(&mut self, work: Vec<(PathBuf, Vec<String>)>) -> Vec<Folder> {
        let prepared: Vec<(PathBuf, Vec<String>, Arc<Settings>, SharedScheme)> = work
            .into_iter()
            .map(|(dir, names)| {
                let settings = self.config.settings(&dir);
                let scheme = self.scheme_for(&settings);
                (dir, names, settings, scheme)
            })
            .collect();
        crate::parallel::map(
            &prepared,
            "building folders",
            |(dir, names, settings, scheme)| build_folder(dir, names, settings, scheme),
        )
        .into_iter()
        .flatten()
        .collect()
    }

    /// A new index with `paths` brought up to date with the disk: created, deleted and
    /// renamed files and folders, and edited config files. A changed file is judged alone
    /// (one `lstat`, and the ignore files of its folders, read once per folder) and its
    /// folder updated in place, so a burst (a `git checkout`) costs the files it touched,
    /// not the folders that hold them. A folder is re-listed instead when one of its
    /// changed files cannot be judged alone (an ignore rule matches it, see
    /// [`walk::FileVerdict::Unsure`]), when it was not walked before, or when a root is
    /// reached through a symlink (the walk reads ignore files above the root's real path).
    pub fn refreshed(&self, paths: &[PathBuf]) -> Index {
        let mut next = self.clone();
        next.children = std::sync::OnceLock::new();
        // Folder -> its changed files (not folders).
        let mut changed: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
        let mut subtrees: Vec<PathBuf> = Vec::new();
        let mut config_changed = false;
        for path in paths {
            let path = normalize(path);
            if !self.roots.iter().any(|r| path.starts_with(r)) {
                continue;
            }
            if ConfigFileKind::of(&path).is_some() {
                config_changed = true;
                if next.files.kind(&path) == Some(EntryKind::File) {
                    next.load_config(&path);
                } else {
                    next.config.remove_file(&path);
                    next.config_files.remove(&path);
                }
            }
            // An ignore file decides what is walked below its folder (V-1): re-walk it.
            let ignore_file = path
                .file_name()
                .is_some_and(|n| n == ".gitignore" || n == ".ignore");
            if next.dirs.contains_key(&path) {
                subtrees.push(path);
            } else if ignore_file && let Some(parent) = path.parent() {
                subtrees.push(parent.to_path_buf());
            } else if let Some(parent) = path.parent() {
                changed.entry(parent.to_path_buf()).or_default().push(path);
            }
        }
        // Judge each changed file alone where that is exact; a new folder is walked whole.
        let judge_alone = self
            .roots
            .iter()
            .all(|r| self.files.real_path(r).is_ok_and(|real| &real == r));
        // Read on first need (git's global excludes file included): a refresh whose files
        // all need a walk anyway reads none.
        let rules: std::sync::OnceLock<IgnoreRules> = std::sync::OnceLock::new();
        let changed: Vec<(PathBuf, Vec<PathBuf>)> = changed.into_iter().collect();
        // Each folder's files are judged on the cores in parallel (one `lstat` each).
        let judged = crate::parallel::map(&changed, "judging changed files", |(dir, files)| {
            let folder_rules =
                (judge_alone && next.dirs.contains_key(dir) && !next.unreadable.contains_key(dir))
                    .then(|| rules.get_or_init(IgnoreRules::default).for_folder(dir))
                    .flatten();
            let handle = folder_rules
                .as_ref()
                .map(|_| crate::vfs::FolderHandle::open(dir));
            // Many changed entries of one folder: one listing of it costs less than a
            // look at each (a checkout that doubles a folder).
            let listed = handle
                .as_ref()
                .filter(|h| worth_listing(files.len(), || h.listing_size()))
                .and_then(|h| {
                    let names: HashSet<&std::ffi::OsStr> =
                        files.iter().filter_map(|f| f.file_name()).collect();
                    h.kinds(|n| names.contains(n))
                        .inspect_err(|e| tracing::debug!(error = %e, "folder not listed; looking at each changed entry"))
                        .ok()
                });
            let mut verdicts = Vec::with_capacity(files.len());
            let mut new_dirs = Vec::new();
            let mut whole = folder_rules.is_none();
            for f in files {
                let verdict = match (&handle, &folder_rules) {
                    (Some(handle), Some(rules)) => {
                        file_verdict_listed(handle, f, rules, listed.as_ref())
                    }
                    _ => FileVerdict::Unsure,
                };
                let name = f.file_name().and_then(|n| n.to_str());
                match (verdict, name) {
                    (FileVerdict::Listed, Some(name)) => verdicts.push((name.to_string(), true)),
                    (FileVerdict::NotListed, Some(name)) => {
                        verdicts.push((name.to_string(), false))
                    }
                    _ if next.files.kind(f) == Some(EntryKind::Dir) => new_dirs.push(f.clone()),
                    _ => whole = true,
                }
            }
            (dir.clone(), (!whole).then_some(verdicts), new_dirs)
        });
        let mut relist = Vec::new();
        let mut updates = Vec::new();
        for (dir, verdicts, new_dirs) in judged {
            subtrees.extend(new_dirs);
            match verdicts {
                Some(v) => updates.push((dir, v)),
                None => relist.push(dir),
            }
        }
        subtrees.sort();
        subtrees.dedup_by(|b, a| b.starts_with(a.as_path()));
        for tree in &subtrees {
            if next.files.kind(tree) == Some(EntryKind::Dir) && next.is_walkable(tree) {
                next.walk_tree(tree, Some(tree));
            } else {
                next.folders.retain(|p, _| !p.starts_with(tree));
                next.dirs.retain(|p, _| !p.starts_with(tree));
                next.unreadable.retain(|p, _| !p.starts_with(tree));
            }
        }
        let in_subtree = |dir: &Path| subtrees.iter().any(|t| dir.starts_with(t));
        relist.retain(|d| !in_subtree(d));
        updates.retain(|(d, _)| !in_subtree(d));
        let mut prepared = Vec::with_capacity(updates.len());
        for (dir, verdicts) in updates {
            for (name, listed) in &verdicts {
                let file = dir.join(name);
                if *listed
                    && CONFIG_FILE_NAMES.contains(&name.as_str())
                    && !next.config_files.contains(&file)
                {
                    next.load_config(&file);
                    config_changed = true;
                }
            }
            let settings = next.config.settings(&dir);
            let scheme = next.scheme_for(&settings);
            let old = next.folders.get(dir.as_path()).cloned();
            prepared.push((dir, verdicts, settings, scheme, old));
        }
        let folders = crate::parallel::map(
            &prepared,
            "updating folders",
            |(dir, verdicts, settings, scheme, old)| {
                (
                    dir,
                    updated_folder(old.as_deref(), dir, verdicts, settings, scheme),
                )
            },
        );
        for (dir, folder) in folders {
            match folder {
                Some(folder) => {
                    next.folders.insert(folder.path.clone(), Arc::new(folder));
                }
                None => {
                    next.folders.remove(dir.as_path());
                }
            }
        }
        let mut work = Vec::new();
        for dir in relist {
            next.unreadable.remove(&dir);
            if next.files.kind(&dir) != Some(EntryKind::Dir) || !next.is_walkable(&dir) {
                next.folders.remove(dir.as_path());
                continue;
            }
            let listing = walk(&dir, Some(1), 1);
            if let Some(why) = listing.unreadable.get(&dir) {
                next.unreadable.insert(dir.clone(), why.clone());
            }
            let names = listing.files.get(&dir).cloned().unwrap_or_default();
            for name in &names {
                if CONFIG_FILE_NAMES.contains(&name.as_str())
                    && !next.config_files.contains(&dir.join(name))
                {
                    next.load_config(&dir.join(name));
                    config_changed = true;
                }
            }
            next.dirs.entry(dir.clone()).or_insert(false);
            work.push((dir, names));
        }
        for folder in next.build_folders(work.clone()) {
            next.folders.insert(folder.path.clone(), Arc::new(folder));
        }
        for (dir, _) in &work {
            if !next
                .folders
                .get(dir.as_path())
                .is_some_and(|f| !f.files.is_empty() || !f.python.is_empty())
            {
                next.folders.remove(dir.as_path());
            }
        }
        if config_changed {
            next.rebuild_all();
        }
        next
    }

    /// Re-lists every walked folder and re-reads its names under the current config
    /// (after a config change): a folder that held no prompt file may hold some now (a
    /// config that names another extension), so walked folders without a prompt file are
    /// listed too.
    fn rebuild_all(&mut self) {
        self.schemes.clear();
        let filter = NameFilter::Indexed(self.config.declared_extensions());
        let dirs: Vec<PathBuf> = self.dirs.keys().cloned().collect();
        let folders = &self.folders;
        let work: Vec<(PathBuf, Vec<String>)> =
            crate::parallel::map(&dirs, "re-listing folders", |dir| {
                let listed = walk_filtered(dir, Some(1), 1, &filter).files.remove(dir);
                // A folder that cannot be listed now keeps the names it had.
                let names = listed.or_else(|| {
                    folders.get(dir.as_path()).map(|f| {
                        f.files
                            .iter()
                            .map(|p| p.name.to_string())
                            .chain(f.python.iter().map(|p| p.to_string()))
                            .collect()
                    })
                })?;
                Some((dir.clone(), names))
            })
            .into_iter()
            .flatten()
            .collect();
        self.folders.clear();
        for folder in self.build_folders(work) {
            self.folders.insert(folder.path.clone(), Arc::new(folder));
        }
    }

    /// Whether `dir` is inside a root and not hidden, skipped or ignored on the way down.
    fn is_walkable(&self, dir: &Path) -> bool {
        if self.roots.iter().any(|r| r == dir) || self.dirs.contains_key(dir) {
            return true;
        }
        let Some(parent) = dir.parent() else {
            return false;
        };
        if !self.roots.iter().any(|r| dir.starts_with(r)) || !self.is_walkable(parent) {
            return false;
        }
        walk(parent, Some(1), 1).dirs.contains_key(dir)
    }

    /// The folder at `dir` (absolute), if it holds prompt or Python files.
    pub fn folder(&self, dir: &Path) -> Option<&Arc<Folder>> {
        self.folders.get(dir)
    }

    /// Every indexed folder, sorted by path.
    pub fn folders(&self) -> Vec<&Arc<Folder>> {
        let mut v: Vec<_> = self.folders.values().collect();
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    }

    /// Every file that can hold references: each folder's prompt files, then its Python
    /// files, folder by folder in path order.
    pub fn source_paths(&self) -> Vec<PathBuf> {
        self.folders()
            .into_iter()
            .flat_map(|folder| {
                folder
                    .files
                    .iter()
                    .map(|f| &*f.name)
                    .chain(folder.python.iter().map(|p| &**p))
                    .map(|name| folder.path.join(name))
            })
            .collect()
    }

    /// The folders under the roots that the walk could not read (so what is in them is
    /// not indexed), sorted, each with the operating system's reason.
    pub fn unreadable_dirs(&self) -> &BTreeMap<PathBuf, String> {
        &self.unreadable
    }

    /// Every folder the walk went through (not hidden, skipped or ignored), in no order.
    pub fn walked_dirs(&self) -> impl Iterator<Item = &Path> {
        self.dirs.keys().map(PathBuf::as_path)
    }

    /// Whether `dir` was walked (exists and is not ignored).
    pub fn has_dir(&self, dir: &Path) -> bool {
        self.dirs.contains_key(dir) || self.folders.contains_key(dir)
    }

    /// Whether `dir` is a folder: one the walk indexed, else (ignored or outside the
    /// workspace) as the index's file source sees it.
    pub fn is_dir(&self, dir: &Path) -> bool {
        self.has_dir(dir) || self.files.kind(dir) == Some(EntryKind::Dir)
    }

    /// Sub-folders of `dir` that were walked, sorted. No I/O: the first call on a snapshot
    /// groups its walked folders by parent (O(folders) once), later calls look `dir` up.
    pub fn subdirs(&self, dir: &Path) -> Vec<PathBuf> {
        let children = self.children.get_or_init(|| {
            let mut map: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
            for d in self.dirs.keys() {
                if let Some(parent) = d.parent() {
                    map.entry(parent.to_path_buf()).or_default().push(d.clone());
                }
            }
            for v in map.values_mut() {
                v.sort();
            }
            map
        });
        children.get(dir).cloned().unwrap_or_default()
    }

    /// The prompt file at `path` (absolute).
    pub fn file(&self, path: &Path) -> Option<(&Arc<Folder>, usize)> {
        let folder = self.folders.get(path.parent()?)?;
        let (i, _) = folder.file(path.file_name()?.to_str()?)?;
        Some((folder, i))
    }

    /// Number of prompt files.
    pub fn file_count(&self) -> usize {
        self.folders.values().map(|f| f.files.len()).sum()
    }

    /// The root that contains `path` (the longest), if any.
    pub fn root_of(&self, path: &Path) -> Option<&Path> {
        self.roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.as_os_str().len())
            .map(PathBuf::as_path)
    }

    /// The prompt id of a prompt (V-3): its folder relative to the root, plus its base
    /// (`prompts/task`).
    pub fn prompt_id(&self, folder: &Folder, base: &str) -> String {
        let rel = self
            .root_of(&folder.path)
            .and_then(|r| folder.path.strip_prefix(r).ok())
            .unwrap_or(&folder.path);
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel.is_empty() {
            base.to_string()
        } else {
            format!("{rel}/{base}")
        }
    }

    /// Resolves a request for `target` (an absolute path: a folder, a hint or a pinned
    /// file; V-5, V-6). `label` names the target in messages (as the user wrote it).
    pub fn resolve(
        &self,
        target: &Path,
        label: &str,
        spec: &VersionSpec,
        opts: &RequestOptions<'_>,
    ) -> Result<Resolved, ResolveError> {
        self.resolve_under(target, label, spec, opts, None)
    }

    /// [`Index::resolve`] under the config `settings` instead of the target folder's own
    /// (references resolve with the referring file's config, V-7).
    pub fn resolve_under(
        &self,
        target: &Path,
        label: &str,
        spec: &VersionSpec,
        opts: &RequestOptions<'_>,
        settings: Option<&Arc<Settings>>,
    ) -> Result<Resolved, ResolveError> {
        let target = normalize(target);
        let pick = |dir: &Path| match settings {
            Some(s) => self.folder_under(dir, s),
            None => self.folder_or_empty(dir),
        };
        let as_dir = self.is_dir(&target).then(|| pick(&target));
        if let Some(folder) = as_dir {
            let candidates: Vec<CandidateFile<'_>> = folder
                .files
                .iter()
                .map(|f| CandidateFile {
                    name: &f.name,
                    parsed: &f.parsed,
                })
                .collect();
            // Directory mode with no prompt file at all: no version exists (V-5, as
            // promptic says).
            if candidates.is_empty() {
                return Err(ResolveError::new(
                    ErrorKind::VersionNotFound,
                    label,
                    spec,
                    format!(
                        "the folder `{label}` holds no prompt files, so it has no version `{spec}`"
                    ),
                    Vec::new(),
                ));
            }
            let sel = select(&folder.scheme, label, &candidates, spec, opts)?;
            let prompts = folder.prompts.len();
            return Ok(Resolved {
                folder,
                file: sel.index,
                kind: TargetKind::Directory { prompts },
                reason: sel.reason,
            });
        }
        let (Some(dir), Some(name)) =
            (target.parent(), target.file_name().and_then(|n| n.to_str()))
        else {
            return Err(ResolveError::new(
                ErrorKind::PromptNotFound,
                label,
                spec,
                format!("`{label}` is not a prompt path"),
                Vec::new(),
            ));
        };
        let folder = pick(dir);
        let scheme = &folder.scheme;
        // A pinned file that exists resolves to itself (V-5).
        if let Some((i, f)) = folder.file(name)
            && f.parsed.version.is_some()
        {
            return Ok(Resolved {
                folder: folder.clone(),
                file: i,
                kind: TargetKind::Pinned,
                reason: "pinned file".into(),
            });
        }
        let hint = match scheme.parse(name) {
            Some(p) => p,
            None => {
                // No prompt extension: a hint without extension (`prompts/task`, V-5).
                let (base, variant, explicit) = scheme.split_classifiers(name);
                ParsedName {
                    base: base.into(),
                    ext: "".into(),
                    variant,
                    explicit,
                    version: None,
                    version_range: None,
                    issues: Vec::new(),
                }
            }
        };
        // A pinned name whose version number does not fit: never resolve it as another
        // version or as the unversioned prompt.
        if let Some(NameIssue::VersionTooLarge { number }) = hint
            .issues
            .iter()
            .find(|i| matches!(i, NameIssue::VersionTooLarge { .. }))
        {
            let too_large = crate::versioning::VersionError::NumberTooLarge {
                number: number.clone(),
            };
            return Err(ResolveError::new(
                ErrorKind::VersionNotFound,
                label,
                spec,
                format!("`{name}` does not name a version: {too_large}"),
                Vec::new(),
            ));
        }
        let Some(prompt) = folder.prompt(&hint.base) else {
            let mut available: Vec<String> =
                folder.prompts.iter().map(|p| p.base.to_string()).collect();
            available.dedup();
            return Err(ResolveError::new(
                ErrorKind::PromptNotFound,
                label,
                spec,
                if available.is_empty() {
                    format!("no prompt `{}` in `{}`", hint.base, dir.display())
                } else {
                    format!(
                        "no prompt `{}` here; prompts in this folder: {}",
                        hint.base,
                        crate::versioning::shown_list(&available)
                    )
                },
                available,
            ));
        };
        let files: Vec<(usize, &PromptFile)> = prompt
            .files
            .iter()
            .map(|&i| (i as usize, &*folder.files[i as usize]))
            .filter(|(_, f)| hint.ext.is_empty() || f.parsed.ext.eq_ignore_ascii_case(&hint.ext))
            .collect();
        if files.is_empty() {
            let exts: Vec<String> = folder
                .prompt_files(prompt)
                .map(|f| f.name.to_string())
                .collect();
            return Err(ResolveError::new(
                ErrorKind::PromptNotFound,
                label,
                spec,
                format!(
                    "prompt `{}` has no `.{}` file; its files: {}",
                    hint.base,
                    hint.ext,
                    exts.join(", ")
                ),
                exts,
            ));
        }
        // Classifier segments in the hint (`task_ru.md`) filter like a classifier map;
        // an explicit map wins key by key.
        let mut merged: BTreeMap<String, String> = BTreeMap::new();
        for (ci, explicit) in hint.explicit.iter().enumerate() {
            if *explicit {
                merged.insert(
                    scheme.classifier_names()[ci].clone(),
                    scheme.value_name(ci, hint.variant[ci]).to_string(),
                );
            }
        }
        if let Some(map) = opts.classifier {
            merged.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let opts = RequestOptions {
            classifier: if merged.is_empty() {
                None
            } else {
                Some(&merged)
            },
            include_prerelease: opts.include_prerelease,
        };
        let (spec, kind) = match &hint.version {
            Some(v) => (VersionSpec::Explicit(v.to_string()), TargetKind::Pinned),
            None => (spec.clone(), TargetKind::Prompt),
        };
        let candidates: Vec<CandidateFile<'_>> = files
            .iter()
            .map(|(_, f)| CandidateFile {
                name: &f.name,
                parsed: &f.parsed,
            })
            .collect();
        let sel = select(scheme, label, &candidates, &spec, &opts)?;
        let file = files[sel.index].0;
        tracing::debug!(target = label, spec = %spec, file = %folder.files[file].name, reason = %sel.reason, "resolved");
        Ok(Resolved {
            folder: folder.clone(),
            file,
            kind,
            reason: sel.reason,
        })
    }

    /// The folder at `dir` re-read under another config (a referring file's config or a
    /// Python call's `versioning_config`, V-7). Cheap: one folder's names.
    pub fn folder_under(&self, dir: &Path, settings: &Arc<Settings>) -> Arc<Folder> {
        let current = self.folder_or_empty(dir);
        if current.settings.versioning == settings.versioning {
            return current;
        }
        let scheme = Arc::new(
            NamingScheme::new(settings.versioning.clone())
                .unwrap_or_else(|_| NamingScheme::default_scheme()),
        );
        let names: Vec<String> = walk(dir, Some(1), 1).files.remove(dir).unwrap_or_default();
        build_folder(dir, &names, settings, &scheme)
            .map(Arc::new)
            .unwrap_or_else(|| {
                Arc::new(Folder {
                    path: dir.into(),
                    settings: settings.clone(),
                    scheme,
                    files: Vec::new(),
                    prompts: Vec::new(),
                    python: Vec::new(),
                })
            })
    }

    fn folder_or_empty(&self, dir: &Path) -> Arc<Folder> {
        if let Some(f) = self.folders.get(dir) {
            return f.clone();
        }
        let settings = self.config.settings(dir);
        let scheme = self
            .schemes
            .iter()
            .find(|(k, _)| k.versioning == settings.versioning)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| {
                Arc::new(
                    NamingScheme::new(settings.versioning.clone())
                        .unwrap_or_else(|_| NamingScheme::default_scheme()),
                )
            });
        Arc::new(Folder {
            path: dir.into(),
            settings,
            scheme,
            files: Vec::new(),
            prompts: Vec::new(),
            python: Vec::new(),
        })
    }

    /// The naming diagnostics of every file (V-9, I-4) and the config files' errors.
    pub fn file_diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for folder in self.folders() {
            out.extend(folder_diagnostics(folder));
        }
        out.extend(self.config_diagnostics());
        out
    }

    /// The errors of every loaded config file under the roots, as diagnostics.
    pub fn config_diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for file in self.config.files() {
            if !self.roots.iter().any(|r| file.path.starts_with(r)) {
                continue;
            }
            let settings = self
                .config
                .settings(file.path.parent().unwrap_or(Path::new("/")));
            out.extend(crate::config::error_diagnostics(
                &file.path,
                &file.errors,
                &settings,
            ));
        }
        out
    }

    /// Whether two indexes hold the same folders, files, prompts and configs (tests,
    /// storms: "the live index equals a fresh scan", Q-2).
    pub fn same_content(&self, other: &Index) -> bool {
        let mine: BTreeMap<&Path, &Arc<Folder>> =
            self.folders.iter().map(|(k, v)| (&**k, v)).collect();
        let theirs: BTreeMap<&Path, &Arc<Folder>> =
            other.folders.iter().map(|(k, v)| (&**k, v)).collect();
        mine.len() == theirs.len()
            && mine
                .iter()
                .zip(theirs.iter())
                .all(|((ka, a), (kb, b))| ka == kb && a.equivalent(b))
    }
}

/// Builds a folder's index from its file names under `settings` (also used to re-read a
/// folder under another config, e.g. a Python call's `versioning_config`, V-7).
pub fn build_folder(
    dir: &Path,
    names: &[String],
    settings: &Arc<Settings>,
    scheme: &SharedScheme,
) -> Option<Folder> {
    // Under the Dotprompt convention the folder's variants are the values of its own
    // `variant` classifier: the scheme is the folder's.
    let own = scheme
        .with_variants(names.iter().filter_map(|n| scheme.dotprompt_variant(n)))
        .map(Arc::new);
    let scheme = own.as_ref().unwrap_or(scheme);
    let mut files: Vec<Arc<PromptFile>> = Vec::new();
    let mut python: Vec<Box<str>> = Vec::new();
    for name in names {
        sort_name(name, scheme, &mut files, &mut python);
    }
    assemble_folder(dir, files, python, settings, scheme)
}

/// Puts the file `name` with the prompt files (parsed) or the Python files, or neither.
fn sort_name(
    name: &str,
    scheme: &SharedScheme,
    files: &mut Vec<Arc<PromptFile>>,
    python: &mut Vec<Box<str>>,
) {
    if let Some(parsed) = scheme.parse(name) {
        files.push(Arc::new(PromptFile {
            name: name.into(),
            parsed,
        }));
    } else if name.ends_with(".py") || name.ends_with(".pyi") {
        python.push(name.into());
    }
}

/// Whether `changed` changed entries of a folder whose listing is `listing_size()` bytes
/// ([`crate::vfs::FolderHandle::listing_size`]) are judged from one listing of the folder
/// rather than one `lstat` each. A listed entry costs about an eighth of an `lstat`, and
/// an entry takes at least 32 bytes of the listing on the common file systems (an
/// overestimate of the entries, so the choice errs towards looking at each): listing
/// wins when the changed entries are an eighth of the folder or more.
fn worth_listing(changed: usize, listing_size: impl FnOnce() -> Option<u64>) -> bool {
    const AT_LEAST: usize = 32;
    // The size is asked for (one `fstat`) only when enough entries changed.
    changed >= AT_LEAST && listing_size().is_some_and(|bytes| changed as u64 * 8 * 32 >= bytes)
}

/// `old` (the folder `dir` as indexed, if it was) with `changes` applied: each a file
/// name and whether it is now listed. Names already in `old` are not parsed again when
/// `old` was built under the same settings. `None` when no prompt or Python file is left.
fn updated_folder(
    old: Option<&Folder>,
    dir: &Path,
    changes: &[(String, bool)],
    settings: &Arc<Settings>,
    scheme: &SharedScheme,
) -> Option<Folder> {
    // A Dotprompt folder is rebuilt whole: a new variant changes its scheme.
    let Some(old) = old.filter(|f| {
        Arc::ptr_eq(&f.scheme, scheme)
            && f.settings == *settings
            && scheme.config.convention != Convention::Dotprompt
    }) else {
        let mut names: HashSet<String> = old
            .map(|f| {
                f.files
                    .iter()
                    .map(|p| p.name.to_string())
                    .chain(f.python.iter().map(|p| p.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        for (name, listed) in changes {
            if *listed {
                names.insert(name.clone());
            } else {
                names.remove(name);
            }
        }
        let names: Vec<String> = names.into_iter().collect();
        return build_folder(dir, &names, settings, scheme);
    };
    // Only the changed names are looked up (binary searches): a burst spread over many
    // big folders must not look at every file of each, as each look is a cache miss on a
    // separate allocation.
    let mut removed = vec![false; old.files.len()];
    let mut touched: Vec<&str> = Vec::new();
    let mut gone_python: Vec<&str> = Vec::new();
    for (name, listed) in changes {
        if *listed {
            continue;
        }
        match old.file(name) {
            Some((i, f)) => {
                removed[i] = true;
                touched.push(&f.parsed.base);
            }
            None => gone_python.push(name),
        }
    }
    gone_python.sort_unstable();
    // Every listed name is parsed (a burst creates new names; looking each up in the
    // folder first cost more than parsing it); one the folder already holds is dropped.
    let (mut added, mut added_python) = (Vec::new(), Vec::new());
    for (name, listed) in changes {
        if *listed {
            sort_name(name, scheme, &mut added, &mut added_python);
        }
    }
    added.sort_by(|a, b| a.name.cmp(&b.name));
    added.dedup_by(|a, b| a.name == b.name);
    // Each added file with the position in `old.files` it goes before.
    let added: Vec<(Arc<PromptFile>, usize)> = added
        .into_iter()
        .filter_map(
            |a| match old.files.binary_search_by(|f| f.name.cmp(&a.name)) {
                Ok(_) => None,
                Err(at) => Some((a, at)),
            },
        )
        .collect();
    touched.extend(added.iter().map(|(a, _)| &*a.parsed.base));
    touched.sort_unstable();
    touched.dedup();
    // Merge the kept files with the added ones, both sorted: `renumber[old] = new`.
    let mut files = Vec::with_capacity(old.files.len() + added.len());
    let mut renumber = vec![u32::MAX; old.files.len()];
    let mut new_of_added = Vec::with_capacity(added.len());
    let mut keep_until = |files: &mut Vec<Arc<PromptFile>>, from: usize, to: usize| {
        for i in from..to {
            if !removed[i] {
                renumber[i] = files.len() as u32;
                files.push(old.files[i].clone());
            }
        }
    };
    let mut kept_to = 0;
    for (a, at) in &added {
        keep_until(&mut files, kept_to, *at);
        kept_to = *at;
        new_of_added.push(files.len() as u32);
        files.push(a.clone());
    }
    keep_until(&mut files, kept_to, old.files.len());
    // The touched prompts, found by binary search; every other prompt keeps its files,
    // renumbered.
    let mut prompt_touched = vec![false; old.prompts.len()];
    for base in &touched {
        if let Ok(j) = old.prompts.binary_search_by(|p| (*p.base).cmp(base)) {
            prompt_touched[j] = true;
        }
    }
    let mut prompts: Vec<Prompt> = Vec::with_capacity(old.prompts.len() + added.len());
    for (p, _) in old
        .prompts
        .iter()
        .zip(&prompt_touched)
        .filter(|(_, t)| !**t)
    {
        prompts.push(Prompt {
            base: p.base.clone(),
            files: p.files.iter().map(|&i| renumber[i as usize]).collect(),
        });
    }
    let mut rebuilt: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for base in &touched {
        let kept = old
            .prompt(base)
            .into_iter()
            .flat_map(|p| p.files.iter())
            .map(|&i| renumber[i as usize])
            .filter(|&n| n != u32::MAX);
        rebuilt.entry(base).or_default().extend(kept);
    }
    for ((a, _), &n) in added.iter().zip(&new_of_added) {
        rebuilt.entry(&a.parsed.base).or_default().push(n);
    }
    // The kept prompts are in order, and so are the rebuilt ones: each rebuilt prompt
    // goes in where a binary search puts it (sorting all would look at every base).
    let mut kept = prompts.into_iter();
    let mut prompts: Vec<Prompt> = Vec::with_capacity(kept.len() + rebuilt.len());
    for (base, mut idx) in rebuilt {
        if idx.is_empty() {
            continue;
        }
        idx.sort_by(|&a, &b| newest_first(&files[a as usize], &files[b as usize]));
        let before = kept.as_slice().partition_point(|p| &*p.base < base);
        prompts.extend(kept.by_ref().take(before));
        prompts.push(Prompt {
            base: base.into(),
            files: idx.into(),
        });
    }
    prompts.extend(kept);
    let mut python: Vec<Box<str>> = old
        .python
        .iter()
        .filter(|p| gone_python.is_empty() || gone_python.binary_search(&&***p).is_err())
        .cloned()
        .chain(added_python)
        .collect();
    python.sort();
    python.dedup();
    if files.is_empty() && python.is_empty() {
        return None;
    }
    Some(Folder {
        path: old.path.clone(),
        settings: settings.clone(),
        scheme: scheme.clone(),
        files,
        prompts,
        python,
    })
}

/// Order of a prompt's files: versioned newest first, then unversioned; by name on ties.
fn newest_first(a: &PromptFile, b: &PromptFile) -> std::cmp::Ordering {
    cmp_newest_first(a.parsed.version.as_ref(), b.parsed.version.as_ref())
        .then_with(|| a.name.cmp(&b.name))
}

/// A folder from its prompt files and Python files (any order, duplicates allowed).
fn assemble_folder(
    dir: &Path,
    mut files: Vec<Arc<PromptFile>>,
    mut python: Vec<Box<str>>,
    settings: &Arc<Settings>,
    scheme: &SharedScheme,
) -> Option<Folder> {
    if files.is_empty() && python.is_empty() {
        return None;
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files.dedup_by(|a, b| a.name == b.name);
    python.sort();
    python.dedup();
    // One sort by (base, newest first) and a pass over its runs: no map, no list per base.
    let mut order: Vec<u32> = (0..files.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (&files[a as usize], &files[b as usize]);
        a.parsed
            .base
            .cmp(&b.parsed.base)
            .then_with(|| newest_first(a, b))
    });
    let prompts = order
        .chunk_by(|&a, &b| files[a as usize].parsed.base == files[b as usize].parsed.base)
        .map(|run| Prompt {
            base: files[run[0] as usize].parsed.base.clone(),
            files: run.into(),
        })
        .collect();
    Some(Folder {
        path: dir.into(),
        settings: settings.clone(),
        scheme: scheme.clone(),
        files,
        prompts,
        python,
    })
}

fn cmp_newest_first(a: Option<&Version>, b: Option<&Version>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => b.cmp(a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Naming diagnostics of one folder (V-9): each file's name issues and duplicate versions.
pub fn folder_diagnostics(folder: &Folder) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = (0..folder.files.len())
        .flat_map(|i| file_naming_diagnostics(folder, i))
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path).then(a.code.cmp(&b.code)));
    out
}

/// Naming diagnostics of one file of a folder (V-9): its name issues and duplicates of
/// its version in its prompt variant. Costs the file's prompt, not the folder.
pub fn file_naming_diagnostics(folder: &Folder, index: usize) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let settings = &folder.settings;
    let file = &folder.files[index];
    let mut push = |file: &PromptFile, code: Code, message: String, fix: Option<Fix>| {
        if let Some(severity) = settings.severity(code) {
            out.push(Diagnostic {
                path: folder.path_of(file),
                range: 0..0,
                severity,
                code,
                message,
                fix,
            });
        }
    };
    for issue in &file.parsed.issues {
        match issue {
            NameIssue::ClassifierAfterVersion { value, fix } => push(
                file,
                Code::ClassifierAfterVersion,
                format!(
                    "`{}`: the classifier `{value}` comes after the version, so it is not read as a classifier (a name is base, classifiers, then version){}",
                    file.name,
                    fix.as_ref()
                        .map(|f| format!("; rename to `{f}`"))
                        .unwrap_or_default()
                ),
                fix.clone().map(|new_name| Fix::RenameFile { new_name }),
            ),
            NameIssue::UnknownPrereleaseLabel { label } => push(
                file,
                Code::UnknownPrereleaseLabel,
                format!(
                    "`{}`: prerelease label `{label}` is not in prerelease_order ({}); it sorts after all of them",
                    file.name,
                    folder.scheme.config.prerelease_order.join(", ")
                ),
                None,
            ),
            NameIssue::VersionTooLarge { number } => push(
                file,
                Code::MalformedVersion,
                format!(
                    "`{}` is left out of resolution: its version number `{number}` is too large (the largest is {})",
                    file.name,
                    u64::MAX
                ),
                None,
            ),
            NameIssue::MalformedVersion { reason, fix } => push(
                file,
                Code::MalformedVersion,
                format!(
                    "`{}` is read as unversioned: its name almost has a version but {reason}{}",
                    file.name,
                    fix.as_ref()
                        .map(|f| format!("; rename to `{f}`"))
                        .unwrap_or_default()
                ),
                fix.clone().map(|new_name| Fix::RenameFile { new_name }),
            ),
        }
    }
    // Duplicate versions (V-4): same prompt, same variant, equal version.
    if let (Some(va), Some(prompt)) = (&file.parsed.version, folder.prompt(&file.parsed.base)) {
        // The prompt's files are sorted newest first: the files of this version are one
        // run, found by binary search (a prompt of 20 000 versions costs log n per file).
        let version_of = |&i: &u32| folder.files[i as usize].parsed.version.as_ref();
        let start = prompt
            .files
            .partition_point(|i| version_of(i).is_some_and(|v| v > va));
        let end = prompt
            .files
            .partition_point(|i| version_of(i).is_some_and(|v| v >= va));
        let others: Vec<&str> = prompt.files[start..end.max(start)]
            .iter()
            .map(|&i| &folder.files[i as usize])
            .filter(|b| {
                !std::ptr::eq(*b, file)
                    && b.parsed.variant == file.parsed.variant
                    && b.parsed.version.as_ref() == Some(va)
            })
            .map(|b| &*b.name)
            .collect();
        if !others.is_empty() {
            let label = folder.scheme.variant_label(&file.parsed.variant);
            push(
                file,
                Code::DuplicateVersion,
                format!(
                    "`{}` and `{}` are both {va} of `{}`{}; resolution will refuse to pick one (DuplicateVersionError)",
                    file.name,
                    others.join("`, `"),
                    prompt.base,
                    if label.is_empty() {
                        String::new()
                    } else {
                        format!(" ({label})")
                    }
                ),
                None,
            );
        }
    }
    out
}

/// An [`Index`] shared between readers and one writer at a time: readers load the current
/// snapshot without waiting; a writer stores a new one.
#[derive(Debug)]
pub struct SharedIndex(ArcSwap<Index>);

impl SharedIndex {
    /// Shares `index`.
    pub fn new(index: Index) -> Self {
        SharedIndex(ArcSwap::from_pointee(index))
    }

    /// The current snapshot.
    pub fn load(&self) -> Arc<Index> {
        self.0.load_full()
    }

    /// Replaces the snapshot.
    pub fn store(&self, index: Index) {
        self.0.store(Arc::new(index));
    }

    /// Replaces the snapshot and returns the one it replaces (for the caller to drop where
    /// freeing it costs nobody a wait).
    pub fn replace(&self, index: Index) -> Arc<Index> {
        self.0.swap(Arc::new(index))
    }
}

/// Severity helper for faces: whether any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

#[cfg(test)]
mod refresh_tests {
    use super::*;
    use proptest::prelude::*;

    fn name() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["task", "steps", "a", "task_en", "task_ru"]),
            prop::option::of((
                1u8..4,
                0u8..3,
                prop::option::of(prop::sample::select(vec!["rc.1", "beta"])),
            )),
            prop::sample::select(vec!["md", "txt", "py", "json"]),
        )
            .prop_map(|(base, version, ext)| match version {
                Some((major, minor, pre)) => {
                    let pre = pre.map(|p| format!("-{p}")).unwrap_or_default();
                    format!("{base}_v{major}.{minor}.0{pre}.{ext}")
                }
                None => format!("{base}.{ext}"),
            })
    }

    fn folder(names: &BTreeSet<String>) -> Option<Folder> {
        let scheme: SharedScheme = Arc::new(NamingScheme::default_scheme());
        let names: Vec<String> = names.iter().cloned().collect();
        build_folder(
            Path::new("/w/p"),
            &names,
            &Arc::new(Settings::default()),
            &scheme,
        )
    }

    use std::collections::BTreeSet;

    #[test]
    fn a_folder_is_listed_when_its_changed_entries_are_an_eighth_of_it() {
        use super::worth_listing;
        // A checkout that doubles a folder of 600 entries (about 40 bytes each on ext4).
        assert!(worth_listing(714, || Some(1316 * 40)));
        // 75 changed entries of a folder of 1 500: one look at each.
        assert!(!worth_listing(75, || Some(1500 * 40)));
        // Few changes never list, and a folder whose size is unknown is never listed.
        assert!(!worth_listing(31, || Some(4096)));
        assert!(worth_listing(32, || Some(4096)));
        assert!(!worth_listing(10_000, || None));
    }

    proptest! {
        // A folder updated in place with a batch of changes (the refresh after a burst)
        // equals the folder built from scratch from the names that are left.
        #[test]
        fn an_updated_folder_equals_a_rebuilt_one(
            before in prop::collection::btree_set(name(), 0..24),
            changes in prop::collection::vec((name(), any::<bool>()), 0..16),
        ) {
            let settings = Arc::new(Settings::default());
            let old = folder(&before);
            let scheme = old.as_ref().map_or_else(
                || Arc::new(NamingScheme::default_scheme()),
                |f| f.scheme.clone(),
            );
            // One verdict per name, as the refresh gives (the last one of the batch).
            let mut last: BTreeMap<String, bool> = BTreeMap::new();
            for (n, listed) in &changes {
                last.insert(n.clone(), *listed);
            }
            let changes: Vec<(String, bool)> = last.into_iter().collect();
            let mut after = before.clone();
            for (n, listed) in &changes {
                if *listed { after.insert(n.clone()); } else { after.remove(n); }
            }
            let updated = updated_folder(old.as_ref(), Path::new("/w/p"), &changes, &settings, &scheme);
            let rebuilt = folder(&after);
            match (&updated, &rebuilt) {
                (Some(u), Some(r)) => prop_assert!(u.equivalent(r), "{u:#?}\n!=\n{r:#?}"),
                (None, None) => {}
                _ => prop_assert!(false, "{updated:?} vs {rebuilt:?}"),
            }
        }

        // The byte check that skips rebuilding an already normal path agrees with the
        // component-by-component rebuild on any path.
        #[test]
        fn normalizing_a_normal_path_changes_nothing(
            parts in prop::collection::vec(prop::sample::select(vec!["a", "b", ".", "..", "", "x.md"]), 0..6),
            absolute in any::<bool>(),
            trailing in any::<bool>(),
        ) {
            let mut text = if absolute { "/".to_string() } else { String::new() };
            text.push_str(&parts.join("/"));
            if trailing {
                text.push('/');
            }
            let path = Path::new(&text);
            let slow = rebuild_normal(path);
            let fast = normalize(path);
            prop_assert_eq!(fast.as_os_str(), slow.as_os_str());
        }
    }
}
