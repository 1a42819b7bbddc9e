//! Completion (R-4): what the cursor is in, and what is offered. Pure over the index and
//! the buffer's text; the server only converts ranges.

use std::cell::Cell;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::Document;
use super::refs::{
    ResolvedRef, on_any_literal, project_root, resolve_reference, resolve_reference_unversioned,
    typed_reference, within,
};
use crate::config::VERSIONING_KEYS;
use crate::index::{Folder, Index, normalize};
use crate::references::{RefKind, encode_destination};
use crate::versioning::Version;

/// What kind of thing a completion offers (the server maps it to LSP kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum CandidateKind {
    /// A folder.
    Folder,
    /// A prompt (unpinned name).
    Prompt,
    /// A pinned file.
    File,
    /// A version or `latest`.
    Version,
    /// A classifier name or config key.
    Key,
    /// A classifier value or config value.
    Value,
    /// A template variable (in the variables a Python call passes).
    Variable,
}

/// One completion candidate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Candidate {
    /// What the list shows.
    pub label: String,
    /// The short detail (latest version, variants, …).
    pub detail: Option<String>,
    /// Its kind.
    pub kind: CandidateKind,
    /// Sort key (the list's order as offered).
    pub sort_text: String,
    /// The text that replaces [`Candidate::replace`].
    pub new_text: String,
    /// Byte range replaced: exactly the literal's content (R-4).
    pub replace: Range<usize>,
    /// Whether the client should preselect it.
    pub preselect: bool,
}

fn candidate(
    label: String,
    detail: Option<String>,
    kind: CandidateKind,
    n: usize,
    new_text: String,
    replace: Range<usize>,
) -> Candidate {
    Candidate {
        label,
        detail,
        kind,
        sort_text: format!("{n:04}"),
        new_text,
        replace,
        preselect: false,
    }
}

/// Completion at byte `offset` of a document.
///
/// Reads the document's cached scan and resolves only the references the cursor is on,
/// so the cost does not grow with the size of the file; a Python literal still being typed
/// is closed in a lookahead copy that reparses incrementally.
pub fn complete(index: &Index, doc: &Document, offset: usize) -> Vec<Candidate> {
    complete_with(index, doc, offset, None)
}

/// [`complete`], where a list longer than [`LIST_LIMIT`] may be narrowed as it is built
/// (exactly as [`complete_list`] would narrow it) when `narrowed` is given: it is then set
/// when candidates were left out. A prompt's 20 000 versions are ranked by their text
/// alone, and only the ones kept become candidates.
fn complete_with(
    index: &Index,
    doc: &Document,
    offset: usize,
    narrowed: Option<&Cell<bool>>,
) -> Vec<Candidate> {
    let file = doc.path();
    let text = doc.text();
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "promptic.toml" || name == "pyproject.toml" {
        return complete_config(text, offset);
    }
    let offset = offset.min(text.len());
    if !text.is_char_boundary(offset) {
        tracing::debug!("completion offset {offset} is inside a character; nothing offered");
        return Vec::new();
    }
    if name.ends_with(".py")
        && let Some(c) = complete_variables(index, doc, offset)
    {
        return c;
    }
    let refs = references_on(index, doc, offset);
    if let Some(c) = complete_in_refs(index, file, text, &refs, offset, narrowed) {
        return c;
    }
    // A reference still being typed in a prompt file (no closing `)`, `#}` or quote yet).
    if let Some(rr) = typed_reference(index, file, text, offset)
        && let Some(c) = complete_in_refs(
            index,
            file,
            text,
            std::slice::from_ref(&rr),
            offset,
            narrowed,
        )
    {
        return c;
    }
    // A literal still being typed (`version="` with no closing quote): close it for the
    // parser and try again. The insertion is after the cursor, so ranges before it hold.
    if name.ends_with(".py") {
        // A variables dict still open (`vars={"to`): close it and look again.
        for fix in ["\"})", "'})", "})", "\"}", "'}", "}"] {
            let patched = doc.with_insertion(offset, fix);
            if let Some(c) = complete_variables(index, &patched, offset) {
                return c;
            }
        }
        // Right after `=`, `:`, `{`, `(` or `,` no literal is open: quote one, else close
        // the one being typed (each attempt is one parse; never both kinds).
        if opens_literal(text, offset) {
            return complete_unquoted(index, doc, offset, narrowed).unwrap_or_default();
        }
        for fix in ["\"", "'", "\")", "')", "\"})", "'})", "\"}", "'}"] {
            let patched = doc.with_insertion(offset, fix);
            let refs = references_on(index, &patched, offset);
            if let Some(mut c) = complete_in_refs(index, file, text, &refs, offset, narrowed) {
                for item in &mut c {
                    item.replace.end = item.replace.end.min(offset);
                }
                return c;
            }
        }
    }
    Vec::new()
}

/// Template variables where a Python call lists the variables it passes (`vars={`,
/// `vars=dict(`, `.format(`), on a key: the variables of the prompts the call renders that
/// it does not pass yet, each with the files that use it. A quoted key gets the bare
/// name; an unquoted position gets `"name": ` in a dict and `name=` in a call. `None` when
/// the cursor is not on a key of such a list, or the call's template is unknown.
fn complete_variables(index: &Index, doc: &Document, offset: usize) -> Option<Vec<Candidate>> {
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"^\s*["']([A-Za-z0-9_.]*)$"#).expect("valid regex"));
    static BARE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*([A-Za-z0-9_]*)$").expect("valid regex"));
    let scan = doc.scan();
    let text = doc.text();
    let (i, passed) = scan.references.iter().enumerate().find_map(|(i, r)| {
        r.variables
            .iter()
            .find(|v| v.container.start < offset && offset < v.container.end)
            .map(|v| (i, v))
    })?;
    // What is typed since the last `{`, `(` or `,` decides whether the cursor is on a key.
    let before = text.get(passed.container.start + 1..offset)?;
    let segment = &before[before.rfind([',', '{', '(']).map_or(0, |p| p + 1)..];
    let (typed, quoted) = if let Some(c) = QUOTED.captures(segment) {
        (c.get(1)?.as_str(), true)
    } else if let Some(c) = BARE.captures(segment) {
        (c.get(1)?.as_str(), false)
    } else {
        return None;
    };
    let rr = resolve_reference(index, doc.path(), &scan, i);
    let nodes = super::template_network(index, &rr, passed.via)?.nodes;
    let given: Vec<&str> = passed
        .entries
        .iter()
        .filter(|e| !within(&e.key.range, offset))
        .map(|e| e.key.value.as_str())
        .collect();
    let mut names: Vec<(&str, Vec<&str>)> = Vec::new();
    for node in &nodes {
        let file = node.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        for v in &node.variables {
            if given.contains(&v.as_str()) {
                continue;
            }
            match names.iter_mut().find(|(n, _)| n == v) {
                Some((_, files)) => files.push(file),
                None => names.push((v, vec![file])),
            }
        }
    }
    let replace = offset - typed.len()..offset;
    Some(
        names
            .into_iter()
            .enumerate()
            .map(|(n, (name, files))| {
                let new_text = match (quoted, passed.style) {
                    (true, _) => name.to_string(),
                    (false, crate::references::EntryStyle::DictKey) => format!("\"{name}\": "),
                    (false, crate::references::EntryStyle::Keyword) => format!("{name}="),
                };
                candidate(
                    name.to_string(),
                    Some(format!("used by {}", files.join(", "))),
                    CandidateKind::Variable,
                    n,
                    new_text,
                    replace.clone(),
                )
            })
            .collect(),
    )
}

/// Longest list sent whole; a longer one is narrowed to what the user has typed.
pub const LIST_LIMIT: usize = 100;

/// A completion list as the editor receives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CompletionList {
    /// The candidates.
    pub items: Vec<Candidate>,
    /// Whether the list was narrowed to the text typed so far, so the editor must ask
    /// again as the user types (LSP `isIncomplete`).
    pub is_incomplete: bool,
}

/// [`complete`] as sent to an editor: a list longer than [`LIST_LIMIT`] (a folder of
/// hundreds of prompts) keeps only the candidates that contain what is typed before the
/// cursor in their literal, in order and ignoring case (as editors' fuzzy filters match),
/// ranked by how they match (prefix, then substring, then scattered), then at most the
/// first [`LIST_LIMIT`], and is marked incomplete so the editor asks again as the user
/// types or deletes.
pub fn complete_list(index: &Index, doc: &Document, offset: usize) -> CompletionList {
    let narrowed = Cell::new(false);
    let items = complete_with(index, doc, offset, Some(&narrowed));
    if items.len() <= LIST_LIMIT {
        return CompletionList {
            items,
            is_incomplete: narrowed.get(),
        };
    }
    let text = doc.text();
    let before = items.len();
    let mut matchers: Vec<(Range<usize>, Matcher)> = Vec::new();
    let kept = narrowest(items.len(), |i| {
        let c = &items[i];
        // Candidates of one list almost always share their literal: one matcher each.
        let at = match matchers.iter().position(|(r, _)| *r == c.replace) {
            Some(at) => at,
            None => {
                let typed = typed_in(text, &c.replace, offset);
                matchers.push((c.replace.clone(), Matcher::new(typed)));
                matchers.len() - 1
            }
        };
        matchers[at].1.rank(&c.new_text)
    });
    let mut items: Vec<Option<Candidate>> = items.into_iter().map(Some).collect();
    let items: Vec<Candidate> = kept.into_iter().filter_map(|i| items[i].take()).collect();
    let is_incomplete = items.len() < before;
    CompletionList {
        items,
        is_incomplete,
    }
}

/// What is typed of the literal at `range` before `offset` (empty when `offset` is not
/// in it, or splits a character).
fn typed_in<'t>(text: &'t str, range: &Range<usize>, offset: usize) -> &'t str {
    let end = offset.clamp(range.start, range.end);
    text.get(range.start..end).unwrap_or_default()
}

/// The positions kept when `len` candidates ranked by `rank` ([`Matcher::rank`]; `None`:
/// left out) are narrowed: those that start with what is typed first, then those that
/// contain it, then those that hold its characters in order, in completion's order
/// within each; at most [`LIST_LIMIT`] (still too many when nothing is typed: the first).
///
/// Candidates are ranked in order and the pass stops once [`LIST_LIMIT`] prefix matches
/// are kept (no later candidate can displace them), so narrowing 20 000 versions to what
/// starts with `v` ranks about a hundred of them.
fn narrowest(len: usize, mut rank: impl FnMut(usize) -> Option<u8>) -> Vec<usize> {
    let mut by_rank: [Vec<usize>; 3] = Default::default();
    for i in 0..len {
        if by_rank[0].len() >= LIST_LIMIT {
            break;
        }
        if let Some(r) = rank(i) {
            let kept = &mut by_rank[usize::from(r).min(2)];
            if kept.len() < LIST_LIMIT {
                kept.push(i);
            }
        }
    }
    let mut kept: Vec<usize> = by_rank.into_iter().flatten().collect();
    kept.truncate(LIST_LIMIT);
    kept
}

/// Ranks candidates against what is typed, ignoring case (as editors' fuzzy filters
/// match); built once per list so each candidate costs no allocation when both are ASCII.
struct Matcher {
    typed: String,
    typed_lower: String,
}

impl Matcher {
    fn new(typed: &str) -> Self {
        Matcher {
            typed: typed.to_string(),
            typed_lower: typed.to_lowercase(),
        }
    }

    /// How `candidate` matches: 0 when it starts with what is typed, 1 when it contains
    /// it, 2 when it holds its characters in order, `None` otherwise.
    fn rank(&self, candidate: &str) -> Option<u8> {
        if self.typed.is_ascii() && candidate.is_ascii() {
            let (typed, cand) = (self.typed.as_bytes(), candidate.as_bytes());
            return if cand.len() >= typed.len() && cand[..typed.len()].eq_ignore_ascii_case(typed) {
                Some(0)
            } else if typed.is_empty()
                || cand
                    .windows(typed.len())
                    .any(|w| w.eq_ignore_ascii_case(typed))
            {
                Some(1)
            } else {
                let mut rest = cand.iter();
                typed
                    .iter()
                    .all(|t| rest.any(|c| c.eq_ignore_ascii_case(t)))
                    .then_some(2)
            };
        }
        let candidate_lower = candidate.to_lowercase();
        if candidate_lower.starts_with(&self.typed_lower) {
            Some(0)
        } else if candidate_lower.contains(&self.typed_lower) {
            Some(1)
        } else if is_subsequence(&self.typed, candidate) {
            Some(2)
        } else {
            None
        }
    }
}

/// Whether the characters of `typed` appear in `candidate` in order, ignoring case.
fn is_subsequence(typed: &str, candidate: &str) -> bool {
    let mut rest = candidate.chars().flat_map(char::to_lowercase);
    typed
        .chars()
        .flat_map(char::to_lowercase)
        .all(|t| rest.any(|c| c == t))
}

/// The references of a document whose literals hold `offset` (usually one; a
/// hierarchical spec's value and its key's reference can overlap), resolved. A reference
/// whose version literal holds the cursor resolves as if it named no version: that
/// version is what is being completed.
fn references_on(index: &Index, doc: &Document, offset: usize) -> Vec<ResolvedRef> {
    let scan = doc.scan();
    (0..scan.references.len())
        .filter(|&i| on_any_literal(&scan.references[i], offset))
        .map(|i| {
            let typing_version = scan.references[i]
                .version
                .as_ref()
                .is_some_and(|v| within(&v.range, offset));
            if typing_version {
                resolve_reference_unversioned(index, doc.path(), &scan, i)
            } else {
                resolve_reference(index, doc.path(), &scan, i)
            }
        })
        .collect()
}

/// Whether the cursor's line, before the cursor, ends (spaces aside) in `=`, `:`, `{`, `(`
/// or `,`: where a Python literal would start.
fn opens_literal(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset]
        .trim_end()
        .ends_with(['=', ':', '{', '(', ','])
}

/// Python with no quote typed yet where a literal goes (`version=`, `classifier={"lang": `,
/// `load_prompt(`): complete as if `""` stood at the cursor, and offer the values quoted,
/// inserted at the cursor.
fn complete_unquoted(
    index: &Index,
    doc: &Document,
    offset: usize,
    narrowed: Option<&Cell<bool>>,
) -> Option<Vec<Candidate>> {
    for fix in ["\"\"", "\"\")", "\"\"})", "\"\"}"] {
        let patched = doc.with_insertion(offset, fix);
        let refs = references_on(index, &patched, offset + 1);
        if let Some(mut c) = complete_in_refs(
            index,
            doc.path(),
            patched.text(),
            &refs,
            offset + 1,
            narrowed,
        ) {
            for item in &mut c {
                item.new_text = format!("\"{}\"", item.new_text);
                item.replace = offset..offset;
            }
            return Some(c);
        }
    }
    None
}

fn complete_in_refs(
    index: &Index,
    file: &Path,
    text: &str,
    refs: &[ResolvedRef],
    offset: usize,
    narrowed: Option<&Cell<bool>>,
) -> Option<Vec<Candidate>> {
    for rr in refs {
        let r = &rr.reference;
        if within(&r.target.range, offset) {
            let base = match r.kind {
                RefKind::PythonCall { .. } => project_root(index, file),
                RefKind::HierarchicalKey => rr
                    .target
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
                _ if r.target.value.starts_with('/') => index
                    .root_of(file)
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
                _ => file.parent().map(Path::to_path_buf).unwrap_or_default(),
            };
            let base = if r.kind == RefKind::HierarchicalKey {
                // The key is relative to the root prompt's folder: recompute from the key itself.
                let depth = r.target.value.matches('/').count();
                let mut b = rr.target.clone();
                for _ in 0..=depth {
                    b.pop();
                }
                b
            } else {
                base
            };
            // What is typed, as written: a Markdown destination's escapes are decoded to
            // find the folder, and candidates are written back escaped.
            let typed = text.get(r.target.range.start..offset).unwrap_or_default();
            let style = match r.kind {
                RefKind::PythonCall { .. } | RefKind::HierarchicalKey => PathStyle::Python,
                RefKind::MarkdownLink => PathStyle::Link,
                _ => PathStyle::Plain,
            };
            return Some(complete_path(
                index,
                &base,
                typed,
                r.target.range.clone(),
                style,
            ));
        }
        if let Some(v) = &r.version
            && within(&v.range, offset)
        {
            let narrow = narrowed.map(|cell| (typed_in(text, &v.range, offset), cell));
            return Some(complete_versions(index, rr, v.range.clone(), narrow));
        }
        if let Some(h) = &r.hierarchical {
            for (k, v) in h {
                if within(&v.range, offset) && k.value == "root" {
                    let narrow = narrowed.map(|cell| (typed_in(text, &v.range, offset), cell));
                    return Some(complete_versions(index, rr, v.range.clone(), narrow));
                }
            }
        }
        if r.kind == RefKind::HierarchicalKey {
            continue;
        }
        if let Some(c) = &r.classifier {
            for (k, v) in c {
                if within(&k.range, offset) {
                    let names = rr.settings.versioning.classifiers.keys();
                    return Some(
                        names
                            .enumerate()
                            .map(|(i, n)| {
                                candidate(
                                    n.clone(),
                                    Some("classifier".into()),
                                    CandidateKind::Key,
                                    i,
                                    n.clone(),
                                    k.range.clone(),
                                )
                            })
                            .collect(),
                    );
                }
                if within(&v.range, offset) {
                    return Some(complete_classifier_values(
                        index,
                        rr,
                        &k.value,
                        v.range.clone(),
                    ));
                }
            }
        }
    }
    None
}

/// The files a reference's target could pick from (its prompt's, or the folder's).
fn target_files(index: &Index, rr: &ResolvedRef) -> Option<(std::sync::Arc<Folder>, Vec<usize>)> {
    let folder_path = if index.is_dir(&rr.target) {
        rr.target.clone()
    } else {
        rr.target.parent()?.to_path_buf()
    };
    let folder = index.folder_under(&folder_path, &rr.settings);
    if index.is_dir(&rr.target) {
        let all = (0..folder.files.len()).collect();
        return Some((folder, all));
    }
    let name = rr.target.file_name()?.to_str()?;
    let base = match folder.scheme.parse(name) {
        Some(p) => p.base.to_string(),
        None => folder.scheme.split_classifiers(name).0.to_string(),
    };
    let prompt = folder.prompt(&base)?;
    let files = prompt.files.iter().map(|&i| i as usize).collect();
    Some((folder, files))
}

/// The versions a reference can ask for: `latest`, `latest-prerelease`, then every version
/// of its prompt (of its folder in directory mode), newest first, equal versions with their
/// variants on one line. With `narrow` (what is typed, and the flag to set), a list longer
/// than [`LIST_LIMIT`] is narrowed as [`complete_list`] would, before any candidate is built.
fn complete_versions(
    index: &Index,
    rr: &ResolvedRef,
    replace: Range<usize>,
    narrow: Option<(&str, &Cell<bool>)>,
) -> Vec<Candidate> {
    const FIXED: [(&str, &str); 2] = [
        ("latest", "newest release"),
        ("latest-prerelease", "newest prerelease"),
    ];
    // The index is not at hand here: reuse the folder the resolution saw, or re-read it.
    let folder_and_files = match &rr.result {
        Ok(res) => {
            let f = res.folder.clone();
            let base = res.prompt_file().parsed.base.clone();
            let files: Vec<usize> = match res.kind {
                crate::index::TargetKind::Directory { .. } => (0..f.files.len()).collect(),
                _ => f
                    .prompt(&base)
                    .map(|p| p.files.iter().map(|&i| i as usize).collect())
                    .unwrap_or_default(),
            };
            Some((f, files))
        }
        Err(_) => None,
    };
    let fixed = |i: usize| {
        let (text, detail) = FIXED[i];
        candidate(
            text.into(),
            Some(detail.into()),
            CandidateKind::Version,
            i,
            text.into(),
            replace.clone(),
        )
    };
    let Some((folder, files)) = folder_and_files.or_else(|| target_files(index, rr)) else {
        return (0..FIXED.len()).map(fixed).collect();
    };
    let versions = grouped_versions(&folder, &files);
    let total = FIXED.len() + versions.len();
    let kept: Vec<usize> = match narrow {
        Some((typed, narrowed)) if total > LIST_LIMIT => {
            narrowed.set(true);
            let matcher = Matcher::new(typed);
            let mut text = String::new();
            narrowest(total, |i| {
                if i < FIXED.len() {
                    return matcher.rank(FIXED[i].0);
                }
                text.clear();
                let _ = write!(text, "{}", versions.version(i - FIXED.len()));
                matcher.rank(&text)
            })
        }
        _ => (0..total).collect(),
    };
    let newest_release = versions.newest_release();
    kept.into_iter()
        .map(|i| {
            if i < FIXED.len() {
                return fixed(i);
            }
            let (v, group) = versions.get(i - FIXED.len());
            let is_latest = Some(v) == newest_release;
            let mut detail = Vec::new();
            if is_latest {
                detail.push("latest".to_string());
            }
            if v.is_prerelease() {
                detail.push("prerelease".to_string());
            }
            let labels: Vec<String> = group
                .map(|f| folder.scheme.variant_label(&folder.files[f].parsed.variant))
                .filter(|l| !l.is_empty())
                .collect();
            if !labels.is_empty() {
                detail.push(labels.join(" "));
            }
            let text = v.to_string();
            let mut c = candidate(
                text.clone(),
                (!detail.is_empty()).then(|| detail.join(" · ")),
                CandidateKind::Version,
                i,
                text,
                replace.clone(),
            );
            c.preselect = is_latest;
            c
        })
        .collect()
}

/// The versions of some files of a folder, newest first, each with its files (variants of
/// one version spelled alike). Versions equal in order but spelled differently (`rc.1`,
/// `rc1`) stay apart: they are different files' versions.
struct VersionGroups<'f> {
    /// `(version, its prerelease's spelling, file)`, newest first.
    entries: Vec<(&'f Version, Option<&'f str>, usize)>,
    /// Where each version's files start in `entries`; one past the last ends the last.
    starts: Vec<usize>,
}

impl<'f> VersionGroups<'f> {
    /// How many versions.
    fn len(&self) -> usize {
        self.starts.len()
    }

    /// The `n`th version, newest first.
    fn version(&self, n: usize) -> &'f Version {
        self.entries[self.starts[n]].0
    }

    /// The `n`th version and the files spelled with it.
    fn get(&self, n: usize) -> (&'f Version, impl Iterator<Item = usize> + '_) {
        let end = self
            .starts
            .get(n + 1)
            .copied()
            .unwrap_or(self.entries.len());
        let files = self.entries[self.starts[n]..end].iter().map(|e| e.2);
        (self.version(n), files)
    }

    /// The newest version that is not a prerelease.
    fn newest_release(&self) -> Option<&'f Version> {
        self.starts
            .iter()
            .map(|&s| self.entries[s].0)
            .find(|v| !v.is_prerelease())
    }
}

/// Groups the versioned `files` of `folder` by version, newest first: one pass and two
/// allocations (a prompt's 20 000 versions are grouped on every completion request).
fn grouped_versions<'f>(folder: &'f Folder, files: &[usize]) -> VersionGroups<'f> {
    // A prompt's files come newest first already, so the sort is only for a folder's files
    // (a linear search per file, as before, made 20 000 versions cost 200 million
    // comparisons).
    let mut entries: Vec<(&Version, Option<&str>, usize)> = files
        .iter()
        .filter_map(|&i| {
            let v = folder.files[i].parsed.version.as_ref()?;
            Some((v, v.prerelease.as_ref().map(|p| &*p.text), i))
        })
        .collect();
    let newer = |a: &(&Version, Option<&str>, usize), b: &(&Version, Option<&str>, usize)| {
        (b.0, b.1).cmp(&(a.0, a.1))
    };
    if !entries.is_sorted_by(|a, b| newer(a, b).is_le()) {
        entries.sort_by(newer);
    }
    let starts = (0..entries.len())
        .filter(|&k| k == 0 || (entries[k - 1].0, entries[k - 1].1) != (entries[k].0, entries[k].1))
        .collect();
    VersionGroups { entries, starts }
}

fn complete_classifier_values(
    index: &Index,
    rr: &ResolvedRef,
    key: &str,
    replace: Range<usize>,
) -> Vec<Candidate> {
    let Some((folder, files)) = target_files(index, rr) else {
        return Vec::new();
    };
    // The folder's own scheme: it holds the declared classifiers and, for Dotprompt
    // names, the `variant` classifier built from the names found.
    let Some(decl) = folder.scheme.config.classifiers.get(key) else {
        return Vec::new();
    };
    let Some(ci) = folder
        .scheme
        .classifier_names()
        .iter()
        .position(|n| n == key)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (n, value) in decl.values.iter().enumerate() {
        let newest = files
            .iter()
            .map(|&i| &folder.files[i])
            .filter(|f| {
                folder
                    .scheme
                    .value_name(ci, f.parsed.variant[ci])
                    .eq_ignore_ascii_case(value)
            })
            .filter_map(|f| f.parsed.version.as_ref())
            .max();
        let exists = files.iter().any(|&i| {
            folder
                .scheme
                .value_name(ci, folder.files[i].parsed.variant[ci])
                .eq_ignore_ascii_case(value)
        });
        if !exists {
            continue;
        }
        let mut detail = Vec::new();
        if value.eq_ignore_ascii_case(&decl.default) {
            detail.push("default".to_string());
        }
        if let Some(v) = newest {
            detail.push(format!("newest {v}"));
        }
        let mut c = candidate(
            value.clone(),
            Some(detail.join(" · ")),
            CandidateKind::Value,
            n,
            value.clone(),
            replace.clone(),
        );
        c.preselect = value.eq_ignore_ascii_case(&decl.default);
        out.push(c);
    }
    out
}

/// How a path is written where it is completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathStyle {
    /// A Python string: prompts without extension.
    Python,
    /// A Markdown link destination: percent-encoded.
    Link,
    /// `{# ref #}`, `$ref`: as is.
    Plain,
}

/// Path completion relative to `base`: folders, prompts (unpinned), pinned files; prompts
/// first, each with its latest version as detail (R-4). `typed` is the text as written
/// from the start of the literal to the cursor.
fn complete_path(
    index: &Index,
    base: &Path,
    typed: &str,
    replace: Range<usize>,
    style: PathStyle,
) -> Vec<Candidate> {
    let dir_part = match typed.rfind('/') {
        Some(i) => &typed[..=i],
        None => "",
    };
    let dir_path = match style {
        PathStyle::Link => crate::references::decode_destination(dir_part),
        _ => dir_part.to_string(),
    };
    let python = style == PathStyle::Python;
    let spell = |label: &str| match style {
        PathStyle::Link => format!("{dir_part}{}", encode_destination(label)),
        _ => format!("{dir_part}{label}"),
    };
    let dir: PathBuf = normalize(&base.join(dir_path));
    let mut out = Vec::new();
    let mut n = 0;
    if let Some(folder) = index.folder(&dir) {
        for prompt in &folder.prompts {
            let files: Vec<_> = folder.prompt_files(prompt).collect();
            let newest = files.iter().find(|f| {
                f.parsed
                    .version
                    .as_ref()
                    .is_some_and(|v| !v.is_prerelease())
            });
            let ext = files
                .first()
                .map(|f| f.parsed.ext.to_string())
                .unwrap_or_default();
            let label = if python {
                prompt.base.to_string()
            } else {
                format!("{}.{ext}", prompt.base)
            };
            let detail = match newest.and_then(|f| f.parsed.version.as_ref()) {
                Some(v) => format!("prompt · latest {v} · {}", plural(files.len(), "file")),
                None => format!("prompt · {}", plural(files.len(), "file")),
            };
            out.push(candidate(
                label.clone(),
                Some(detail),
                CandidateKind::Prompt,
                n,
                spell(&label),
                replace.clone(),
            ));
            n += 1;
        }
        for file in &folder.files {
            if file.parsed.version.is_none() {
                continue;
            }
            let label = file.name.to_string();
            let mut detail = vec![format!("pinned {}", file.parsed.version.as_ref().unwrap())];
            let variant = folder.scheme.variant_label(&file.parsed.variant);
            if !variant.is_empty() {
                detail.push(variant);
            }
            out.push(candidate(
                label.clone(),
                Some(detail.join(" · ")),
                CandidateKind::File,
                1000 + n,
                spell(&label),
                replace.clone(),
            ));
            n += 1;
        }
    }
    for sub in index.subdirs(&dir) {
        let Some(name) = sub.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let label = format!("{name}/");
        out.push(candidate(
            label.clone(),
            Some("folder".into()),
            CandidateKind::Folder,
            2000 + n,
            spell(&label),
            replace.clone(),
        ));
        n += 1;
    }
    out
}

/// Completion in `promptic.toml` / `pyproject.toml` (R-3): keys of `[versioning]` and
/// their allowed values; a classifier's `default` offers its values. Where the cursor is
/// comes from [`crate::config::position_at`] (a TOML parser, also on half-written files).
pub fn complete_config(text: &str, offset: usize) -> Vec<Candidate> {
    use crate::config::{ConfigPosition, position_at, table_values, versioning_subpath};
    // A string value with no quote typed yet is offered quoted, so the line stays TOML.
    let unquoted =
        |replace: &Range<usize>| !text[..replace.start.min(text.len())].ends_with(['"', '\'']);
    let values =
        |options: Vec<(String, String)>, replace: Range<usize>, string: bool| -> Vec<Candidate> {
            let quote = string && unquoted(&replace);
            options
                .into_iter()
                .enumerate()
                .map(|(i, (v, d))| {
                    let insert = if quote { format!("\"{v}\"") } else { v.clone() };
                    candidate(v, Some(d), CandidateKind::Value, i, insert, replace.clone())
                })
                .collect()
        };
    let keys = |keys: &[&str], detail: &dyn Fn(&str) -> String, replace: Range<usize>| {
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                candidate(
                    k.to_string(),
                    Some(detail(k)),
                    CandidateKind::Key,
                    i,
                    k.to_string(),
                    replace.clone(),
                )
            })
            .collect()
    };
    let (table, range) = match position_at(text, offset) {
        Some(ConfigPosition::Value { path, range }) => {
            let Some(sub) = versioning_subpath(&path) else {
                return Vec::new();
            };
            let sub: Vec<&str> = sub.iter().map(String::as_str).collect();
            let options: Vec<(&str, &str)> = match sub.as_slice() {
                ["delimiter"] => vec![("_", "underscore (default)"), (".", "dot"), ("-", "hyphen")],
                ["convention"] => vec![
                    ("promptic", "promptic's names (default)"),
                    (
                        "dotprompt",
                        "Dotprompt / LiteLLM `.prompt` names, read-only",
                    ),
                ],
                ["include_prerelease"] => vec![
                    ("true", "latest may pick prereleases"),
                    ("false", "latest picks releases (default)"),
                ],
                ["classifiers", _, "default"] => {
                    let found = table_values(text, offset, &path[..path.len() - 1]);
                    return values(
                        found
                            .into_iter()
                            .map(|v| (v, "classifier value".to_string()))
                            .collect(),
                        range,
                        true,
                    );
                }
                _ => return Vec::new(),
            };
            let string = matches!(sub.as_slice(), ["delimiter"] | ["convention"]);
            return values(
                options
                    .into_iter()
                    .map(|(v, d)| (v.to_string(), d.to_string()))
                    .collect(),
                range,
                string,
            );
        }
        // On an existing key: the keys of its table replace what is before the cursor.
        Some(ConfigPosition::Key { mut path, range }) => {
            path.pop();
            (path, range.start..offset.clamp(range.start, range.end))
        }
        Some(ConfigPosition::NewKey { table, range }) => (table, range),
        None => return Vec::new(),
    };
    match versioning_subpath(&table) {
        Some([]) => keys(
            VERSIONING_KEYS,
            &|k| {
                super::hover::config_key_doc(k)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .into()
            },
            range,
        ),
        Some([c, _]) if c == "classifiers" => {
            keys(&["values", "default"], &|_| "classifier key".into(), range)
        }
        _ => Vec::new(),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{LIST_LIMIT, Matcher, narrowest};

    /// The definition the fast paths must agree with: lowercase both, then prefix,
    /// substring, subsequence.
    fn reference_rank(typed: &str, candidate: &str) -> Option<u8> {
        let (t, c) = (typed.to_lowercase(), candidate.to_lowercase());
        if c.starts_with(&t) {
            Some(0)
        } else if c.contains(&t) {
            Some(1)
        } else if super::is_subsequence(typed, candidate) {
            Some(2)
        } else {
            None
        }
    }

    /// Sort every ranked position by (rank, position) and keep the first ones.
    fn reference_narrowest(ranks: &[Option<u8>]) -> Vec<usize> {
        let mut ranked: Vec<(u8, usize)> = ranks
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (r, i)))
            .collect();
        ranked.sort_unstable();
        ranked.truncate(LIST_LIMIT);
        ranked.into_iter().map(|(_, i)| i).collect()
    }

    #[test]
    fn ranks_versions_as_typed() {
        let m = Matcher::new("V2");
        assert_eq!(m.rank("v2.1.0"), Some(0));
        assert_eq!(m.rank("rc-v2"), Some(1));
        assert_eq!(m.rank("v1.2.0"), Some(2));
        assert_eq!(m.rank("v1.0.0"), None);
        assert_eq!(Matcher::new("").rank("latest"), Some(0));
        // Outside ASCII, case folds as Unicode does.
        assert_eq!(Matcher::new("É").rank("été"), Some(0));
    }

    #[test]
    fn stops_ranking_once_the_list_is_full_of_prefix_matches() {
        let mut ranked = 0;
        let kept = narrowest(20_000, |_| {
            ranked += 1;
            Some(0)
        });
        assert_eq!(kept, (0..LIST_LIMIT).collect::<Vec<_>>());
        assert_eq!(ranked, LIST_LIMIT);
    }

    proptest! {
        #[test]
        fn the_matcher_ranks_as_lowercasing_does(
            typed in "[a-zA-Z0-9.\\-é]{0,4}",
            candidate in "[a-zA-Z0-9.\\-éÉ]{0,12}",
        ) {
            prop_assert_eq!(
                Matcher::new(&typed).rank(&candidate),
                reference_rank(&typed, &candidate)
            );
        }

        #[test]
        fn narrowing_keeps_what_sorting_every_rank_keeps(
            ranks in proptest::collection::vec(proptest::option::of(0u8..3), 0..400),
        ) {
            prop_assert_eq!(narrowest(ranks.len(), |i| ranks[i]), reference_narrowest(&ranks));
        }
    }
}
