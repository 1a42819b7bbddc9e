//! Planning the rename of a prompt family: every file of one prompt (all versions, all
//! classifier variants) gets a new base name, possibly in another folder of the same
//! workspace, and every reference that resolves to one of those files is rewritten the way
//! it was written. The plan is pure: it reads through the index's file source (and the
//! caller's open buffers) and writes nothing; the faces carry it out (the server as a
//! `WorkspaceEdit`, the CLI through [`crate::vfs`]).

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::analysis::Document;
use crate::index::{Folder, Index, TargetKind};
use crate::references::{RefBase, RefKind, decode_destination, encode_destination};
use crate::versioning::{ErrorKind, NamingScheme};
use crate::vfs::{EntryKind, VfsError};

/// Characters a new prompt name may not hold: they would end or escape a string literal,
/// start a link's fragment or query, or separate folders.
const FORBIDDEN: &[char] = &['/', '\\', '"', '\'', '`', '#', '?'];

/// One file renamed (absolute paths).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileRename {
    /// The file now.
    pub from: PathBuf,
    /// Its new path (never an existing file).
    pub to: PathBuf,
}

/// One replacement in a file's text (a reference rewritten for the new name).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReferenceEdit {
    /// Byte range of the replaced text in [`FileEdits::text`].
    pub range: Range<usize>,
    /// The new text.
    pub new_text: String,
}

/// The edits of one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileEdits {
    /// The file as it is now (a file of the renamed prompt is named by its current path).
    pub path: PathBuf,
    /// The text the edits apply to (the open buffer's, else the file's whole content).
    pub text: String,
    /// The edits, sorted by range, never overlapping.
    pub edits: Vec<ReferenceEdit>,
}

impl FileEdits {
    /// The text with every edit applied.
    pub fn apply(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for e in &self.edits {
            out.push_str(&self.text[at..e.range.start]);
            out.push_str(&e.new_text);
            at = e.range.end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// A planned rename of a prompt family.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RenamePlan {
    /// The prompt's id before (`prompts/task`).
    pub old_id: String,
    /// Its id after (`prompts/sub/job`).
    pub new_id: String,
    /// Every file of the prompt with its new path, sorted by current path.
    pub renames: Vec<FileRename>,
    /// The files whose references change, sorted by path.
    pub edits: Vec<FileEdits>,
    /// Files that could not be read, each with the reason: references in them, if any,
    /// are not updated (the faces say so).
    pub unread: Vec<(PathBuf, String)>,
}

impl RenamePlan {
    /// The new path of `old`, when it is a file of the renamed prompt.
    pub fn new_path(&self, old: &Path) -> Option<&Path> {
        self.renames
            .iter()
            .find(|r| r.from == old)
            .map(|r| r.to.as_path())
    }
}

/// Why a rename was refused. `Display` is a one-line message for the user.
#[derive(Debug, thiserror::Error)]
pub enum RenameError {
    /// The old path names no indexed prompt (nor a file of one).
    #[error(
        "`{0}` names no prompt: give one of its files or its path without version (`prompts/task`)"
    )]
    NotAPrompt(String),
    /// The new name is empty, `.`/`..`, has a `..` component, a NUL or control character,
    /// or a character that cannot stand in a reference.
    #[error("`{name}` cannot be a prompt name: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The new path is the old one.
    #[error("`{0}` is already the prompt's name")]
    Unchanged(String),
    /// The new path is outside the prompt's workspace folder.
    #[error("`{0}` is outside the workspace folder; promptls writes only inside it")]
    OutsideWorkspace(String),
    /// The new folder does not exist.
    #[error("the folder `{0}` does not exist; create it first")]
    NoSuchFolder(String),
    /// A new file's name is taken: nothing is overwritten.
    #[error("`{0}` already exists; promptls never overwrites a file")]
    Exists(String),
    /// The new folder has a prompt of that name already (the families would merge).
    #[error("`{0}` is already a prompt; renaming onto it would merge two prompts")]
    PromptExists(String),
    /// A renamed file would not read back as the same prompt, variant and version.
    #[error("`{name}` would not read back as the same prompt file: {reason}")]
    ParsesDifferently {
        /// The new file name.
        name: String,
        /// How it reads instead.
        reason: String,
    },
    /// A file of the prompt is a symbolic link (renaming it would copy what it points to).
    #[error("`{0}` is a symbolic link; rename its target instead")]
    Symlink(String),
    /// A file holding a reference to the prompt cannot be edited.
    #[error("{path}: holds a reference to the prompt but cannot be edited: {reason}")]
    NotEditable {
        /// The file.
        path: String,
        /// Why (not UTF-8, …).
        reason: String,
    },
    /// A reference is written in a way that cannot be rewritten without guessing.
    #[error("{path}: the reference `{target}` cannot be rewritten ({reason})")]
    Unrewritable {
        /// The referring file.
        path: String,
        /// The reference's target as written.
        target: String,
        /// Why.
        reason: String,
    },
    /// A file the plan needs cannot be read.
    #[error(transparent)]
    Read(#[from] VfsError),
}

/// Where the renamed prompt lives and goes.
struct Move<'a> {
    old_folder: &'a Folder,
    old_base: &'a str,
    new_dir: PathBuf,
    new_base: String,
    /// old path -> new path, every file of the prompt.
    map: HashMap<PathBuf, PathBuf>,
    /// The new folder holds other prompts (a folder reference would pick among them).
    crowded: bool,
}

impl Move<'_> {
    fn moved(&self) -> bool {
        *self.old_folder.path != *self.new_dir
    }
}

/// [`plan_rename_with`] reading every file from the index's file source.
///
/// # Errors
/// As [`plan_rename_with`].
pub fn plan_rename(index: &Index, old: &Path, new: &Path) -> Result<RenamePlan, RenameError> {
    plan_rename_with(index, old, new, &|_| None)
}

/// The prompt `old` names: a prompt file (absolute path) or a prompt path without version
/// (`/ws/prompts/task`, also `/ws/prompts/task.md`). `None` when it names none.
pub fn prompt_of<'a>(index: &'a Index, old: &Path) -> Option<(&'a Arc<Folder>, &'a str)> {
    if let Some((folder, i)) = index.file(old) {
        return Some((folder, &*folder.files[i].parsed.base));
    }
    let folder = index.folder(old.parent()?)?;
    let name = old.file_name()?.to_str()?;
    let base = match folder.prompt(name) {
        Some(p) => &*p.base,
        None => {
            let parsed = folder.scheme.parse(name)?;
            (parsed.version.is_none() && !parsed.explicit.contains(&true))
                .then_some(())
                .and_then(|()| folder.prompt(&parsed.base))
                .map(|p| &*p.base)?
        }
    };
    Some((folder, base))
}

/// Plans renaming the prompt `old` (see [`prompt_of`]) to `new`, the prompt's new path
/// without version or extension (absolute: `/ws/prompts/job`, `/ws/prompts/sub/job`).
///
/// Each file keeps everything after the base name (`task_ru_v1.md` -> `job_ru_v1.md`);
/// each reference resolving to one of them is rewritten as it was written: a pinned name
/// stays pinned to the same version, a base name or folder stays one, Markdown
/// percent-encoding is kept, and relative paths are recomputed from the referring file's
/// folder when a folder changes (also the references inside the moved files). `overlay`
/// gives the open buffers, which override the disk (`None`: read the file).
///
/// # Errors
/// [`RenameError::NotAPrompt`], [`RenameError::InvalidName`], [`RenameError::Unchanged`],
/// [`RenameError::OutsideWorkspace`], [`RenameError::NoSuchFolder`],
/// [`RenameError::Exists`], [`RenameError::PromptExists`],
/// [`RenameError::ParsesDifferently`], [`RenameError::Symlink`],
/// [`RenameError::NotEditable`] and [`RenameError::Unrewritable`].
pub fn plan_rename_with(
    index: &Index,
    old: &Path,
    new: &Path,
    overlay: &dyn Fn(&Path) -> Option<Arc<Document>>,
) -> Result<RenamePlan, RenameError> {
    let (folder, old_base) =
        prompt_of(index, old).ok_or_else(|| RenameError::NotAPrompt(old.display().to_string()))?;
    let new_base = check_name(new)?;
    let new_dir = new.parent().map(Path::to_path_buf).unwrap_or_default();
    let root = index
        .root_of(&folder.path)
        .ok_or_else(|| RenameError::OutsideWorkspace(new.display().to_string()))?;
    if !new_dir.starts_with(root) {
        return Err(RenameError::OutsideWorkspace(new.display().to_string()));
    }
    if new_dir == *folder.path && new_base == old_base {
        return Err(RenameError::Unchanged(index.prompt_id(folder, old_base)));
    }
    let files = index.files();
    if files.kind(&new_dir) != Some(EntryKind::Dir) {
        return Err(RenameError::NoSuchFolder(new_dir.display().to_string()));
    }
    // A symlinked folder could lead outside: compare real paths too.
    if let (Ok(real_root), Ok(real_dir)) = (files.real_path(root), files.real_path(&new_dir))
        && !real_dir.starts_with(&real_root)
    {
        return Err(RenameError::OutsideWorkspace(new.display().to_string()));
    }
    let settings = index.config().settings(&new_dir);
    let target = index.folder_under(&new_dir, &settings);
    let new_scheme = &target.scheme;
    check_base(new_scheme, folder, old_base, &new_base)?;
    if target.prompt(&new_base).is_some() {
        return Err(RenameError::PromptExists(
            index.prompt_id(&target, &new_base),
        ));
    }
    let prompt = folder
        .prompt(old_base)
        .ok_or_else(|| RenameError::NotAPrompt(old.display().to_string()))?;
    let real_folder = files.real_path(&folder.path).ok();
    let mut renames = Vec::new();
    for f in folder.prompt_files(prompt) {
        let from = folder.path_of(f);
        if let (Some(real_folder), Ok(real)) = (&real_folder, files.real_path(&from))
            && real != real_folder.join(&*f.name)
        {
            return Err(RenameError::Symlink(from.display().to_string()));
        }
        let name = format!("{new_base}{}", &f.name[old_base.len()..]);
        let reads = new_scheme.parse(&name);
        let same = reads.as_ref().is_some_and(|p| {
            *p.base == *new_base
                && p.ext == f.parsed.ext
                && p.version == f.parsed.version
                && p.version_unreadable() == f.parsed.version_unreadable()
                && new_scheme.variant_map(&p.variant)
                    == folder.scheme.variant_map(&f.parsed.variant)
                && p.explicit.iter().filter(|e| **e).count()
                    == f.parsed.explicit.iter().filter(|e| **e).count()
        });
        if !same {
            let reason = match &reads {
                None => "it is not a prompt file name here".to_string(),
                Some(p) => describe(new_scheme, p),
            };
            return Err(RenameError::ParsesDifferently { name, reason });
        }
        let to = new_dir.join(&name);
        if files.occupied(&to) {
            return Err(RenameError::Exists(to.display().to_string()));
        }
        renames.push(FileRename { from, to });
    }
    renames.sort_by(|a, b| a.from.cmp(&b.from));
    let mv = Move {
        old_folder: folder,
        old_base,
        new_dir,
        new_base,
        map: renames
            .iter()
            .map(|r| (r.from.clone(), r.to.clone()))
            .collect(),
        crowded: !target.prompts.is_empty(),
    };
    let (edits, unread) = reference_edits(index, &mv, overlay)?;
    Ok(RenamePlan {
        old_id: index.prompt_id(folder, old_base),
        new_id: {
            let rel = mv.new_dir.strip_prefix(root).unwrap_or(&mv.new_dir);
            let rel = rel.to_string_lossy();
            if rel.is_empty() {
                mv.new_base.clone()
            } else {
                format!("{rel}/{}", mv.new_base)
            }
        },
        renames,
        edits,
        unread,
    })
}

/// The new base name of `new`, when it can be one.
fn check_name(new: &Path) -> Result<String, RenameError> {
    let shown = new.to_string_lossy().to_string();
    let bad = |reason: &str| RenameError::InvalidName {
        name: shown.clone(),
        reason: reason.to_string(),
    };
    if new
        .components()
        .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
    {
        return Err(bad("it has a `.` or `..` part"));
    }
    if shown.contains('\0') {
        return Err(bad("it holds a NUL character"));
    }
    let Some(name) = new.file_name() else {
        return Err(bad("it is empty"));
    };
    let Some(name) = name.to_str() else {
        return Err(bad("it is not valid UTF-8"));
    };
    if name.is_empty() || name.trim().is_empty() {
        return Err(bad("it is empty"));
    }
    if name.chars().any(char::is_control) {
        return Err(bad("it holds a control character"));
    }
    if let Some(c) = name.chars().find(|c| FORBIDDEN.contains(c)) {
        return Err(bad(&format!(
            "`{c}` cannot stand in a reference to the prompt"
        )));
    }
    Ok(name.to_string())
}

/// Whether `base` reads back as a plain base name in the new folder: no version at its
/// end, no classifier value after a delimiter, for every extension of the prompt.
fn check_base(
    scheme: &NamingScheme,
    folder: &Folder,
    old_base: &str,
    base: &str,
) -> Result<(), RenameError> {
    if scheme.is_prompt_file(base) {
        return Err(RenameError::ParsesDifferently {
            name: base.to_string(),
            reason: "it ends with a prompt file extension; give the new name without version or extension".into(),
        });
    }
    let (read, _, explicit) = scheme.split_classifiers(base);
    if read != base || explicit.contains(&true) {
        return Err(RenameError::ParsesDifferently {
            name: base.to_string(),
            reason: format!(
                "its end `{}` reads as a classifier value, so the base name would be `{read}`",
                &base[read.len()..].trim_start_matches(|c| scheme.config.delimiters.contains(&c))
            ),
        });
    }
    let mut exts: Vec<&str> = folder
        .prompt(old_base)
        .map(|p| folder.prompt_files(p).map(|f| &*f.parsed.ext).collect())
        .unwrap_or_default();
    exts.sort_unstable();
    exts.dedup();
    for ext in exts {
        let name = format!("{base}.{ext}");
        match scheme.parse(&name) {
            Some(p) if *p.base == *base && p.version.is_none() && !p.version_unreadable() => {}
            Some(p) => {
                return Err(RenameError::ParsesDifferently {
                    reason: format!(
                        "{} (a name must not end like a version)",
                        describe(scheme, &p)
                    ),
                    name,
                });
            }
            None => {
                return Err(RenameError::ParsesDifferently {
                    reason: "it is not a prompt file name".into(),
                    name,
                });
            }
        }
    }
    Ok(())
}

/// How a name reads, in words.
fn describe(scheme: &NamingScheme, p: &crate::versioning::ParsedName) -> String {
    let mut s = format!("it reads as prompt `{}`", p.base);
    if let Some(v) = &p.version {
        s.push_str(&format!(", version {v}"));
    } else if p.version_unreadable() {
        s.push_str(", with a version number too large to read");
    } else {
        s.push_str(", unversioned");
    }
    let label = scheme.variant_label(&p.variant);
    if !label.is_empty() {
        s.push_str(&format!(", {label}"));
    }
    s
}

/// The text of `path`: the overlay's, else the whole file. `Ok(None)` with a reason when
/// it cannot be read.
fn read(
    index: &Index,
    path: &Path,
    overlay: &dyn Fn(&Path) -> Option<Arc<Document>>,
) -> Result<(String, bool), String> {
    if let Some(doc) = overlay(path) {
        // The plan owns the text its edits apply to.
        return Ok((doc.text().to_owned(), true));
    }
    match index.files().bytes(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Ok((s, true)),
            Err(e) => Ok((String::from_utf8_lossy(e.as_bytes()).into_owned(), false)),
        },
        Err(e) => Err(e.reason()),
    }
}

type Edits = (Vec<FileEdits>, Vec<(PathBuf, String)>);

/// The edits of every file that refers to the prompt (and of the moved files' own
/// relative references).
fn reference_edits(
    index: &Index,
    mv: &Move<'_>,
    overlay: &dyn Fn(&Path) -> Option<Arc<Document>>,
) -> Result<Edits, RenameError> {
    let encoded_base = encode_destination(mv.old_base);
    let mut out = Vec::new();
    let mut unread = Vec::new();
    for path in index.source_paths() {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let (text, utf8) = match read(index, &path, overlay) {
            Ok(t) => t,
            Err(reason) => {
                if !mv.map.contains_key(&path) {
                    tracing::warn!(path = %path.display(), %reason, "cannot read: its references are not updated");
                }
                unread.push((path, reason));
                continue;
            }
        };
        // Cheap filter: a reference that could change names the base, or a folder
        // that moves, or sits in a moved file.
        if !mv.moved() && !text.contains(mv.old_base) && !text.contains(&encoded_base) {
            continue;
        }
        let edits = file_edits(index, mv, &path, name, &text)?;
        if edits.is_empty() {
            continue;
        }
        if !utf8 {
            return Err(RenameError::NotEditable {
                path: path.display().to_string(),
                reason: "not valid UTF-8 text".into(),
            });
        }
        out.push(FileEdits { path, text, edits });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((out, unread))
}

/// The edits of one file's references.
fn file_edits(
    index: &Index,
    mv: &Move<'_>,
    path: &Path,
    name: &str,
    text: &str,
) -> Result<Vec<ReferenceEdit>, RenameError> {
    let scan = crate::references::scan_file(name, text);
    let resolved = crate::analysis::resolve_scan(index, path, &scan);
    let new_file = mv.map.get(path);
    let root = index.root_of(path).map(Path::to_path_buf);
    let mut edits: BTreeMap<usize, ReferenceEdit> = BTreeMap::new();
    // The enclosing call of hierarchical keys, as `resolve_scan` reads it:
    // (call range, old target, new target).
    let mut last_call: Option<(Range<usize>, PathBuf, PathBuf)> = None;
    for rr in &resolved {
        let r = &rr.reference;
        let call = last_call
            .as_ref()
            .filter(|(range, _, _)| range.contains(&r.range.start));
        let old_base_dir =
            crate::analysis::reference_base_dir(index, path, r, call.map(|c| c.1.as_path()));
        let new_base_dir = match r.base {
            RefBase::ReferringFolder if r.target.value.starts_with('/') => old_base_dir.clone(),
            RefBase::ReferringFolder => match new_file.and_then(|p| p.parent()) {
                Some(p) => p.to_path_buf(),
                None => old_base_dir.clone(),
            },
            RefBase::ProjectRoot => old_base_dir.clone(),
            RefBase::RootPromptFolder => match call {
                Some((_, old_t, new_t)) if index.is_dir(old_t) => new_t.clone(),
                Some((_, _, new_t)) => new_t.parent().map(Path::to_path_buf).unwrap_or_default(),
                None => old_base_dir.clone(),
            },
        };
        let new_target = new_target(index, mv, rr)?;
        if matches!(r.kind, RefKind::PythonCall { .. }) {
            last_call = Some((
                r.range.clone(),
                rr.target.clone(),
                new_target.clone().unwrap_or_else(|| rr.target.clone()),
            ));
        }
        let target_changes = new_target.is_some();
        let new_target = new_target.unwrap_or_else(|| rr.target.clone());
        if !target_changes && new_base_dir == old_base_dir {
            continue;
        }
        let raw = &text[r.target.range.clone()];
        let markdown = r.kind == RefKind::MarkdownLink;
        let shown = |reason: &str| RenameError::Unrewritable {
            path: path.display().to_string(),
            target: raw.to_string(),
            reason: reason.to_string(),
        };
        let same_folder = new_base_dir == old_base_dir
            && new_target.parent() == rr.target.parent()
            && !raw.ends_with('/');
        let edit = if same_folder {
            // Only the base name changes: replace it in the last segment, nothing else.
            let seg = raw.rfind('/').map_or(0, |i| i + 1);
            let last = &raw[seg..];
            let k = if markdown {
                (0..=last.len())
                    .filter(|&k| last.is_char_boundary(k))
                    .find(|&k| decode_destination(&last[..k]) == mv.old_base)
            } else {
                last.starts_with(mv.old_base).then_some(mv.old_base.len())
            };
            let Some(k) = k else {
                return Err(shown(
                    "its file name does not start with the prompt's name as written",
                ));
            };
            let start = r.target.range.start + seg;
            ReferenceEdit {
                range: start..start + k,
                new_text: if markdown {
                    encode_destination(&mv.new_base)
                } else {
                    mv.new_base.clone()
                },
            }
        } else {
            if !markdown && raw != r.target.value {
                return Err(shown("it is written with escapes"));
            }
            let mut rel = if r.target.value.starts_with('/') {
                let root = root.as_deref().unwrap_or(Path::new("/"));
                let inner = new_target.strip_prefix(root).unwrap_or(&new_target);
                format!("/{}", inner.to_string_lossy())
            } else {
                let rel = relative(&new_base_dir, &new_target);
                if r.target.value.starts_with("./") && !rel.starts_with("..") && rel != "." {
                    format!("./{rel}")
                } else {
                    rel
                }
            };
            if raw.ends_with('/') && !rel.ends_with('/') {
                rel.push('/');
            }
            ReferenceEdit {
                range: r.target.range.clone(),
                new_text: if markdown {
                    encode_destination(&rel)
                } else {
                    rel
                },
            }
        };
        if text[edit.range.clone()] != edit.new_text {
            edits.insert(edit.range.start, edit);
        }
    }
    Ok(edits.into_values().collect())
}

/// The absolute target a reference must name after the rename; `None` when it stays.
fn new_target(
    index: &Index,
    mv: &Move<'_>,
    rr: &crate::analysis::ResolvedRef,
) -> Result<Option<PathBuf>, RenameError> {
    let kind = match &rr.result {
        Ok(res) if mv.map.contains_key(&res.path()) => res.kind,
        Ok(_) => return Ok(None),
        // A version or variant the prompt lacks: still a reference to the prompt, renamed
        // with it (a folder's error stays).
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::VersionNotFound | ErrorKind::ClassifierNotFound
            ) && rr.target.parent() == Some(&*mv.old_folder.path)
                && !index.is_dir(&rr.target)
                && rr
                    .target
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| {
                        let scheme = &mv.old_folder.scheme;
                        let base = match scheme.parse(n) {
                            Some(p) => p.base.to_string(),
                            None => scheme.split_classifiers(n).0.to_string(),
                        };
                        base == mv.old_base
                    }) =>
        {
            TargetKind::Prompt
        }
        Err(_) => return Ok(None),
    };
    match kind {
        TargetKind::Directory { .. } => {
            if !mv.moved() {
                return Ok(None);
            }
            if mv.crowded {
                return Err(RenameError::Unrewritable {
                    path: rr.target.display().to_string(),
                    target: rr.reference.target.value.clone(),
                    reason: "it names the prompt's folder, and the new folder holds other prompts, so it would pick among them".into(),
                });
            }
            Ok(Some(mv.new_dir.clone()))
        }
        TargetKind::Prompt | TargetKind::Pinned => {
            let name = rr
                .target
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let Some(rest) = name.strip_prefix(mv.old_base) else {
                return Err(RenameError::Unrewritable {
                    path: rr.target.display().to_string(),
                    target: rr.reference.target.value.clone(),
                    reason: "its file name does not start with the prompt's name".into(),
                });
            };
            Ok(Some(mv.new_dir.join(format!("{}{rest}", mv.new_base))))
        }
    }
}

/// `to` relative to the folder `from` (both absolute, normalized), `/`-separated: `.`
/// when they are equal.
pub fn relative(from: &Path, to: &Path) -> String {
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), a.len() - common).collect();
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
#[path = "rename/tests.rs"]
mod tests;
