//! Resolving references against the index with the referring file's config
//! (V-7), and their diagnostics (I-4).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Document;
use crate::config::Settings;
use crate::diagnostics::{Code, Diagnostic, Fix};
use crate::index::{Index, Resolved, TargetKind, normalize};
use crate::references::{RefBase, RefKind, Reference, Scan, reference_being_typed};
use crate::versioning::{
    ClassifierProblem, ErrorKind, HierarchicalSpec, RequestOptions, ResolveError, Version,
    VersionSpec,
};
use crate::vfs::EntryKind;

/// A reference with its target made absolute and its resolution.
#[derive(Debug, Clone)]
pub struct ResolvedRef {
    /// The reference.
    pub reference: Reference,
    /// The absolute target path (lexically normalized).
    pub target: PathBuf,
    /// The version spec it asks for.
    pub spec: VersionSpec,
    /// The config it resolves with (the referring file's, plus a Python
    /// `versioning_config`).
    pub settings: Arc<Settings>,
    /// The outcome.
    pub result: Result<Resolved, ResolveError>,
}

impl ResolvedRef {
    /// Whether the reference leaves the version to `latest` (unpinned, R-1 / `version="latest"`).
    pub fn is_unpinned(&self) -> bool {
        // An empty `version=""` is being typed, not a request for `latest`.
        let typing = self
            .reference
            .version
            .as_ref()
            .is_some_and(|v| v.value.trim().is_empty());
        !typing
            && matches!(self.spec, VersionSpec::Latest)
            && !matches!(
                self.result,
                Ok(Resolved {
                    kind: TargetKind::Pinned,
                    ..
                })
            )
    }
}

/// The Python project root of a file: the folder of the nearest `pyproject.toml` or
/// `promptic.toml` above it (within its workspace root), else the workspace root.
pub fn project_root(index: &Index, file: &Path) -> PathBuf {
    let root = index.root_of(file).map(Path::to_path_buf);
    let mut dir = file.parent();
    while let Some(d) = dir {
        let is_file = |name: &str| index.files().kind(&d.join(name)) == Some(EntryKind::File);
        if is_file("pyproject.toml") || is_file("promptic.toml") {
            return d.to_path_buf();
        }
        if root.as_deref() == Some(d) {
            break;
        }
        dir = d.parent();
    }
    root.or_else(|| file.parent().map(Path::to_path_buf))
        .unwrap_or_default()
}

/// The folder a reference's target is relative to: the referring file's folder (the
/// workspace root for a target written with a leading `/`), the Python project root, or
/// the folder of the root prompt of a hierarchical spec (`call_target`: the enclosing
/// call's absolute target, as [`resolve_scan`] passes it).
pub fn reference_base_dir(
    index: &Index,
    file: &Path,
    r: &Reference,
    call_target: Option<&Path>,
) -> PathBuf {
    base_dir(index, file, r, call_target)
}

/// The folder a reference's target is relative to.
fn base_dir(index: &Index, file: &Path, r: &Reference, call_target: Option<&Path>) -> PathBuf {
    match r.base {
        RefBase::ReferringFolder if r.target.value.starts_with('/') => index
            .root_of(file)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/")),
        RefBase::ReferringFolder => file.parent().map(Path::to_path_buf).unwrap_or_default(),
        RefBase::ProjectRoot => project_root(index, file),
        RefBase::RootPromptFolder => match call_target {
            Some(t) if index.is_dir(t) => t.to_path_buf(),
            Some(t) => t.parent().map(Path::to_path_buf).unwrap_or_default(),
            None => project_root(index, file),
        },
    }
}

/// Resolves every reference of a scanned file.
pub fn resolve_scan(index: &Index, file: &Path, scan: &Scan) -> Vec<ResolvedRef> {
    let base_settings = index
        .config()
        .settings(file.parent().unwrap_or(Path::new("/")));
    let mut out = Vec::with_capacity(scan.references.len());
    let mut last_call_target: Option<(Range<usize>, PathBuf)> = None;
    for r in &scan.references {
        let call_target = last_call_target
            .as_ref()
            .filter(|(range, _)| range.contains(&r.range.start))
            .map(|(_, p)| p.as_path());
        let rr = resolve_with(index, file, &base_settings, r, call_target);
        if matches!(r.kind, RefKind::PythonCall { .. }) {
            last_call_target = Some((r.range.clone(), rr.target.clone()));
        }
        out.push(rr);
    }
    out
}

/// Resolves the reference `scan.references[i]` alone, as [`resolve_scan`] would: a
/// hierarchical key is read relative to the call it belongs to. Costs one resolution,
/// whatever the size of the file. Panics if `i` is out of bounds.
pub fn resolve_reference(index: &Index, file: &Path, scan: &Scan, i: usize) -> ResolvedRef {
    resolve_reference_as(index, file, scan, &scan.references[i], i)
}

/// [`resolve_reference`] as if the reference named no version (so `latest`), while the
/// returned [`ResolvedRef::reference`] keeps its version literal. Completion of a version
/// being typed needs the prompt the reference names, not what its partial text resolves to
/// (a half-typed version is an error that lists every version the prompt has). Panics if
/// `i` is out of bounds.
pub fn resolve_reference_unversioned(
    index: &Index,
    file: &Path,
    scan: &Scan,
    i: usize,
) -> ResolvedRef {
    let mut unversioned = scan.references[i].clone();
    let version = unversioned.version.take();
    let mut rr = resolve_reference_as(index, file, scan, &unversioned, i);
    rr.reference.version = version;
    rr
}

/// Resolves `r`, standing for `scan.references[i]`, with the settings and the enclosing
/// call of that reference.
fn resolve_reference_as(
    index: &Index,
    file: &Path,
    scan: &Scan,
    r: &Reference,
    i: usize,
) -> ResolvedRef {
    let base_settings = index
        .config()
        .settings(file.parent().unwrap_or(Path::new("/")));
    // The call a hierarchical key belongs to: the last call before it, if it encloses it.
    let call_target = scan.references[..i]
        .iter()
        .rev()
        .find(|c| matches!(c.kind, RefKind::PythonCall { .. }))
        .filter(|c| c.range.contains(&r.range.start))
        .map(|c| target_path(index, file, c, None));
    resolve_with(index, file, &base_settings, r, call_target.as_deref())
}

/// The absolute target path of a reference.
fn target_path(index: &Index, file: &Path, r: &Reference, call_target: Option<&Path>) -> PathBuf {
    let base = base_dir(index, file, r, call_target);
    normalize(&base.join(r.target.value.trim_start_matches('/')))
}

/// Resolves one reference with the referring file's settings (plus the reference's own
/// `versioning_config`).
fn resolve_with(
    index: &Index,
    file: &Path,
    base_settings: &Arc<Settings>,
    r: &Reference,
    call_target: Option<&Path>,
) -> ResolvedRef {
    let settings = match &r.config {
        Some(layer) => {
            let mut s = (**base_settings).clone();
            layer.apply(&mut s.versioning);
            Arc::new(s)
        }
        None => base_settings.clone(),
    };
    let target = target_path(index, file, r, call_target);
    let spec = if let Some(h) = &r.hierarchical {
        let spec = HierarchicalSpec {
            entries: h
                .iter()
                .map(|(k, v)| (k.value.clone(), v.value.clone()))
                .collect(),
        };
        spec.root()
    } else {
        r.version
            .as_ref()
            .map_or(VersionSpec::Latest, |v| VersionSpec::parse(&v.value))
    };
    let map: Option<BTreeMap<String, String>> = r.classifier_map();
    let opts = RequestOptions {
        classifier: map.as_ref(),
        include_prerelease: None,
    };
    let result = index
        .resolve_under(&target, &r.target.value, &spec, &opts, Some(&settings))
        .map_err(|mut e| {
            e.range = Some(Box::new(error_range(r, &e)));
            e
        });
    ResolvedRef {
        reference: r.clone(),
        target,
        spec,
        settings,
        result,
    }
}

/// The part of a reference a resolution error is about: the version literal for a missing
/// version, the classifier key (undeclared) or value (absent) it names, else the target.
fn error_range(r: &Reference, e: &ResolveError) -> Range<usize> {
    let target = r.target.range.clone();
    match (&e.kind, e.classifier.as_deref()) {
        (ErrorKind::VersionNotFound, _) if e.prerelease_only => target,
        (ErrorKind::VersionNotFound, _) => r.version.as_ref().map_or(target, |v| v.range.clone()),
        (ErrorKind::ClassifierNotFound, Some(problem)) => {
            let entries = r.classifier.as_deref().unwrap_or_default();
            let found = match problem {
                ClassifierProblem::Undeclared { name } => entries
                    .iter()
                    .find(|(k, _)| k.value == *name)
                    .map(|(k, _)| k.range.clone()),
                ClassifierProblem::MissingValue {
                    name,
                    value,
                    requested: true,
                } => entries
                    .iter()
                    .find(|(k, v)| k.value == *name && v.value == *value)
                    .map(|(_, v)| v.range.clone()),
                ClassifierProblem::MissingValue { .. } => None,
            };
            found.unwrap_or(target)
        }
        _ => target,
    }
}

/// Reads and scans a file, then resolves its references. `text` overrides the disk
/// (an open buffer).
pub fn file_references(index: &Index, file: &Path, text: &str) -> (Scan, Vec<ResolvedRef>) {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let scan = crate::references::scan_file(name, text);
    let resolved = resolve_scan(index, file, &scan);
    (scan, resolved)
}

/// The diagnostics of a file's references and of its config literals (I-4).
pub fn reference_diagnostics(
    index: &Index,
    file: &Path,
    scan: &Scan,
    refs: &[ResolvedRef],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rr in refs {
        let settings = &rr.settings;
        let mut push = |code: Code, range: Range<usize>, message: String, fix: Option<Fix>| {
            if let Some(severity) = settings.severity(code) {
                out.push(Diagnostic {
                    path: file.to_path_buf(),
                    range,
                    severity,
                    code,
                    message,
                    fix,
                });
            }
        };
        let r = &rr.reference;
        match &rr.result {
            Ok(res) => {
                if let TargetKind::Directory { prompts } = res.kind
                    && prompts > 1
                {
                    let names: Vec<&str> = res.folder.prompts.iter().map(|p| &*p.base).collect();
                    push(
                        Code::AmbiguousDirectory,
                        r.target.range.clone(),
                        format!(
                            "`{}` is a folder of {prompts} prompts ({}); directory mode picks among all of them — name one prompt instead",
                            r.target.value,
                            names.join(", ")
                        ),
                        None,
                    );
                }
            }
            Err(e) => {
                let code = match e.kind {
                    ErrorKind::VersionNotFound if e.prerelease_only => Code::PrereleaseOnly,
                    ErrorKind::VersionNotFound => Code::VersionNotFound,
                    ErrorKind::ClassifierNotFound => Code::ClassifierNotFound,
                    ErrorKind::PromptNotFound => Code::PromptNotFound,
                    ErrorKind::DuplicateVersion => Code::DuplicateVersion,
                    ErrorKind::InvalidConfig => Code::InvalidConfig,
                    ErrorKind::InvalidVersionPattern => Code::InvalidVersionPattern,
                };
                let range = e
                    .range
                    .as_deref()
                    .cloned()
                    .unwrap_or_else(|| r.target.range.clone());
                let fix = match code {
                    // A pinned file name (no version literal): the prompt's files, nearest
                    // version first, then the unpinned name (I-3 quick fixes).
                    Code::VersionNotFound if r.version.is_none() => {
                        pinned_candidates(index, rr).map(|candidates| Fix::Replace { candidates })
                    }
                    Code::VersionNotFound if !e.available.is_empty() => {
                        let order = &rr.settings.versioning.prerelease_order;
                        let wanted = r
                            .version
                            .as_ref()
                            .and_then(|v| Version::parse_spec(&v.value, order));
                        let items = e
                            .available
                            .iter()
                            .filter_map(|a| Some((Version::parse_spec(a, order)?, a.clone())))
                            .collect();
                        let mut c = nearest_first(wanted.as_ref(), items);
                        c.push("latest".into());
                        Some(Fix::Replace { candidates: c })
                    }
                    Code::ClassifierNotFound if !e.available.is_empty() => Some(Fix::Replace {
                        candidates: e.available.clone(),
                    }),
                    _ => None,
                };
                push(code, range, e.message.clone(), fix);
            }
        }
    }
    out.extend(super::variable_diagnostics(index, file, refs));
    let file_settings = index
        .config()
        .settings(file.parent().unwrap_or(Path::new("/")));
    out.extend(crate::config::error_diagnostics(
        file,
        &scan.config_errors,
        &file_settings,
    ));
    out
}

/// What one pass over a tree's files found (`promptls check`): each prompt and Python
/// file read once (capped), in parallel.
#[derive(Debug, Default)]
pub struct TreeCheck {
    /// The reference diagnostics of every file.
    pub diagnostics: Vec<Diagnostic>,
    /// The variables and a text hash of every versioned prompt file that could be read,
    /// by path: what the version-bump check compares.
    pub versions: std::collections::HashMap<PathBuf, VersionFacts>,
    /// The text of every file that has a reference diagnostic, by path (to show where).
    pub texts: std::collections::HashMap<PathBuf, String>,
}

/// What the version-bump check needs of one version: its template variables and a hash
/// of its (capped) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFacts {
    /// The variables the template uses, in first-use order.
    pub variables: Vec<String>,
    /// A hash of the text; equal texts have equal hashes (unequal texts almost never do,
    /// so a match is confirmed on the texts).
    pub hash: u64,
}

impl VersionFacts {
    /// The facts of one prompt file's text.
    pub fn of(name: &str, text: &str) -> VersionFacts {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        VersionFacts {
            variables: super::variables(text, super::is_jinja(name)),
            hash: h.finish(),
        }
    }
}

/// One pass over every prompt and Python file of the index: each is read once (capped),
/// scanned, its references resolved and, for a versioned prompt file, its
/// [`VersionFacts`] computed. Files that cannot be read are skipped (logged by the read).
pub fn check_tree(index: &Index) -> TreeCheck {
    check_files(index, &|_| true)
}

/// [`check_tree`] for the files `wanted` selects: their references are checked, and the
/// [`VersionFacts`] of every version of their prompts are computed (the version-bump
/// check of a selected file compares it with its neighbours). Other files are not read.
pub fn check_files(index: &Index, wanted: &(dyn Fn(&Path) -> bool + Sync)) -> TreeCheck {
    // (path, versioned, its references are checked)
    let mut files: Vec<(PathBuf, bool, bool)> = Vec::new();
    for f in index.folders() {
        for prompt in &f.prompts {
            let paths: Vec<(PathBuf, bool)> = prompt
                .files
                .iter()
                .map(|&i| {
                    let file = &f.files[i as usize];
                    (f.path.join(&*file.name), file.parsed.version.is_some())
                })
                .collect();
            let selected: Vec<bool> = paths.iter().map(|(p, _)| wanted(p)).collect();
            if !selected.contains(&true) {
                continue;
            }
            files.extend(
                paths
                    .into_iter()
                    .zip(selected)
                    .filter(|((_, versioned), selected)| *versioned || *selected)
                    .map(|((p, versioned), selected)| (p, versioned, selected)),
            );
        }
        files.extend(
            f.python
                .iter()
                .map(|p| f.path.join(&**p))
                .filter(|p| wanted(p))
                .map(|p| (p, false, true)),
        );
    }
    let mut out = TreeCheck::default();
    let checked = crate::parallel::map(&files, "checking files", |(path, versioned, selected)| {
        let text = super::analysis_text(index, path)?;
        let diags = if *selected {
            let (scan, refs) = file_references(index, path, &text);
            reference_diagnostics(index, path, &scan, &refs)
        } else {
            Vec::new()
        };
        let facts = versioned.then(|| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            VersionFacts::of(name, &text)
        });
        Some((path, diags, facts, text))
    });
    for (path, diags, facts, text) in checked.into_iter().flatten() {
        if let Some(facts) = facts {
            out.versions.insert(path.clone(), facts);
        }
        if !diags.is_empty() {
            out.texts.insert(path.clone(), text);
            out.diagnostics.extend(diags);
        }
    }
    out
}

/// Orders `(version, text)` items by closeness to `wanted`: its neighbours in version
/// order first (the next older and the next newer, the closer by major, minor, patch
/// distance first, older on ties), then outwards; newest first when nothing is wanted.
fn nearest_first(wanted: Option<&Version>, mut items: Vec<(Version, String)>) -> Vec<String> {
    items.sort_by(|a, b| b.0.cmp(&a.0));
    let Some(w) = wanted else {
        return items.into_iter().map(|(_, t)| t).collect();
    };
    let dist = |v: &Version| {
        (
            v.major.abs_diff(w.major),
            v.minor.abs_diff(w.minor),
            v.patch.abs_diff(w.patch),
        )
    };
    let (mut lower, mut higher): (Vec<_>, Vec<_>) = items.into_iter().partition(|(v, _)| v <= w);
    higher.reverse(); // ascending: nearest newer first
    let (mut lower, mut higher) = (lower.drain(..).peekable(), higher.drain(..).peekable());
    let mut out = Vec::new();
    loop {
        let take_lower = match (lower.peek(), higher.peek()) {
            (Some(l), Some(h)) => dist(&l.0) <= dist(&h.0),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_lower {
            lower.next()
        } else {
            higher.next()
        };
        out.push(next.expect("peeked").1);
    }
    out
}

/// Replacement targets for a pinned name whose version does not exist: the prompt
/// variant's files (with the reference's folder part), nearest version first, then the
/// unpinned name.
fn pinned_candidates(index: &Index, rr: &ResolvedRef) -> Option<Vec<String>> {
    let dir = rr.target.parent()?;
    let name = rr.target.file_name()?.to_str()?;
    let folder = index.folder_under(dir, &rr.settings);
    let hint = folder.scheme.parse(name)?;
    let prompt = folder.prompt(&hint.base)?;
    let prefix = rr
        .reference
        .target
        .value
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default();
    let items: Vec<(Version, String)> = folder
        .prompt_files(prompt)
        .filter(|f| {
            f.parsed.variant == hint.variant && f.parsed.ext.eq_ignore_ascii_case(&hint.ext)
        })
        .filter_map(|f| Some((f.parsed.version.clone()?, format!("{prefix}{}", f.name))))
        .collect();
    let mut out = nearest_first(hint.version.as_ref(), items);
    out.push(format!("{prefix}{}.{}", hint.base, hint.ext));
    Some(out)
}

/// Whether `offset` lies in `range`, its end included (a cursor just after a literal's
/// last character is still on it).
pub(crate) fn within(range: &Range<usize>, offset: usize) -> bool {
    range.start <= offset && offset <= range.end
}

/// Whether the cursor at `offset` is on one of a reference's literals (target, version,
/// classifier key or value; ends included).
pub(crate) fn on_literal(r: &Reference, offset: usize) -> bool {
    within(&r.target.range, offset)
        || r.version.as_ref().is_some_and(|v| within(&v.range, offset))
        || r.classifier.as_ref().is_some_and(|c| {
            c.iter()
                .any(|(k, v)| within(&k.range, offset) || within(&v.range, offset))
        })
}

/// Whether the cursor at `offset` is on one of a reference's literals, a hierarchical
/// spec's included.
pub(crate) fn on_any_literal(r: &Reference, offset: usize) -> bool {
    on_literal(r, offset)
        || r.hierarchical.as_ref().is_some_and(|h| {
            h.iter()
                .any(|(k, v)| within(&k.range, offset) || within(&v.range, offset))
        })
}

/// The position in `refs` of the reference the cursor at byte `offset` is on: the first
/// whose target, version or classifier literal holds it (its ends included), else the
/// first whose whole range holds it. `None` when the cursor is on no reference.
pub fn reference_index_at(refs: &[Reference], offset: usize) -> Option<usize> {
    refs.iter()
        .position(|r| on_literal(r, offset))
        .or_else(|| refs.iter().position(|r| r.range.contains(&offset)))
}

/// The reference the cursor at byte `offset` is on, among resolved references (see
/// [`reference_index_at`]). `None` when the cursor is on no reference.
pub fn reference_at(refs: &[ResolvedRef], offset: usize) -> Option<&ResolvedRef> {
    refs.iter()
        .find(|rr| on_literal(&rr.reference, offset))
        .or_else(|| refs.iter().find(|rr| rr.reference.range.contains(&offset)))
}

/// The reference still being typed at byte `offset` of a prompt file (a link with no `)`
/// yet, an unclosed `{# ref:` or `$ref` quote), resolved. Reads only the cursor's line;
/// `None` when the cursor is in no such construct (see [`reference_being_typed`]).
pub fn typed_reference(
    index: &Index,
    file: &Path,
    text: &str,
    offset: usize,
) -> Option<ResolvedRef> {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let r = reference_being_typed(name, text, offset)?;
    let scan = Scan {
        references: vec![r],
        ..Default::default()
    };
    Some(resolve_reference(index, file, &scan, 0))
}

/// The reference under the cursor at byte `offset` of a document, resolved: a finished
/// one from the document's scan ([`reference_index_at`]), else one still being typed
/// ([`typed_reference`]). Resolves only that reference, so its cost does not grow with the
/// number of references in the file. `None` when the cursor is on no reference.
pub fn reference_under_cursor(index: &Index, doc: &Document, offset: usize) -> Option<ResolvedRef> {
    let scan = doc.scan();
    match reference_index_at(&scan.references, offset) {
        Some(i) => Some(resolve_reference(index, doc.path(), &scan, i)),
        None => typed_reference(index, doc.path(), doc.text(), offset),
    }
}
