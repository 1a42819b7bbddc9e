//! Analysis over the index and file contents: front matter, template variables, the
//! Prompt Versions model of seed 000 (I-2). Pure functions plus bounded, lazy reads.

pub mod completion;
mod contracts;
mod document;
pub mod hover;
mod refs;
mod variables;

use std::collections::BTreeMap;
use std::path::Path;

pub use contracts::{
    BrokenCall, ContractCheck, MissingVariable, TemplateNetwork, TemplateNode, VariableScope,
    broken_call_sites, broken_call_sites_of, broken_calls_note, check_contract, new_entry,
    node_name, sanitize_segment, template_network, variable_diagnostics, variable_uses,
};
pub use document::{Document, TextChange};
pub use refs::{
    ResolvedRef, TreeCheck, VersionFacts, check_tree, file_references, project_root, reference_at,
    reference_base_dir, reference_diagnostics, reference_index_at, reference_under_cursor,
    resolve_reference, resolve_scan, typed_reference,
};
pub use variables::{VariableChange, compare_variables, is_jinja, variables};

use crate::index::{Folder, Index, Prompt, PromptFile};
use crate::versioning::{
    CandidateFile, ResolveError, Variant, Version, VersionSpec, requested_variant,
};

/// Most bytes read from a prompt file for hover, titles and variables (Q-2: a 100 MB file
/// costs no more than this).
pub const CONTENT_CAP: usize = crate::vfs::TEXT_CAP as usize;

/// The text of `path` as analysis reads it, through the index's file source: at most
/// [`CONTENT_CAP`] bytes, invalid UTF-8 replaced by U+FFFD.
///
/// Returns `None`, with a log line saying why, when the file cannot be read (missing,
/// unreadable, a FIFO, socket or device: never opened) or is binary (a NUL byte in its
/// first block). Analysis skips such a file; the operations that must read it report the
/// error instead.
pub fn analysis_text(index: &Index, path: &Path) -> Option<String> {
    match index.files().text(path) {
        Ok(t) if t.binary => {
            tracing::debug!(path = %path.display(), "binary file: skipped by analysis");
            None
        }
        Ok(t) if t.truncated => {
            // Only the first part was read: analyse whole lines only, so that no reference
            // is cut in two (a cut `version="latest"` read as `"lat"` is an error that is
            // not there).
            tracing::warn!(
                path = %path.display(),
                kib = crate::vfs::TEXT_CAP / 1024,
                "file too large: only its first KiB are checked"
            );
            let mut text = t.text;
            text.truncate(text.rfind('\n').map_or(0, |i| i + 1));
            Some(text)
        }
        Ok(t) => Some(t.text),
        Err(e) if e.is_not_found() => {
            tracing::debug!(error = %e, "file is gone: skipped by analysis");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read: skipped by analysis");
            None
        }
    }
}

/// YAML front matter fields promptls reads (`title:`, `description:`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    /// `title:` (a string, number or boolean value, as YAML reads it).
    pub title: Option<String>,
    /// `description:` (block scalars included).
    pub description: Option<String>,
    /// Byte offset where the body starts (0 without front matter).
    pub body_start: usize,
}

/// Where a leading front matter block sits in a text: a first line `---` (after an
/// optional byte order mark), YAML, and a closing `---` or `...` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterBlock {
    /// Byte range of the YAML between the two fence lines (it ends with a line ending,
    /// or is empty).
    pub yaml: std::ops::Range<usize>,
    /// Byte offset where the body starts (after the closing fence's line ending).
    pub body_start: usize,
    /// The opening fence's line ending (`"\n"` or `"\r\n"`).
    pub eol: &'static str,
}

/// Finds the leading front matter block of `text`; `None` when the text does not start
/// with a `---` line or the block is never closed.
pub fn front_matter_block(text: &str) -> Option<FrontMatterBlock> {
    let text_nobom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = text.len() - text_nobom.len();
    let (rest, eol) = if let Some(r) = text_nobom.strip_prefix("---\r\n") {
        (r, "\r\n")
    } else {
        (text_nobom.strip_prefix("---\n")?, "\n")
    };
    let yaml_start = offset + (text_nobom.len() - rest.len());
    let mut pos = yaml_start;
    for line in rest.split_inclusive('\n') {
        let l = line.trim_end();
        if l == "---" || l == "..." {
            return Some(FrontMatterBlock {
                yaml: yaml_start..pos,
                body_start: pos + line.len(),
                eol,
            });
        }
        pos += line.len();
    }
    None
}

/// The string value of a YAML scalar as front matter means it (numbers and booleans in
/// their YAML spelling); `None` for null, lists, mappings and empty strings.
fn yaml_text(y: &yaml_rust2::Yaml) -> Option<String> {
    use yaml_rust2::Yaml;
    let s = match y {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// Reads a leading front matter block's `title` and `description` with a YAML parser
/// (quoted values, `title: "a: b"`, block scalars, comments).
///
/// Returns the default (no fields, `body_start` 0) when there is no closed block; a block
/// that is not valid YAML or not a mapping gives no fields (with a debug log line) but
/// still its `body_start`.
pub fn front_matter(text: &str) -> FrontMatter {
    let Some(block) = front_matter_block(text) else {
        return FrontMatter::default();
    };
    let mut fm = FrontMatter {
        body_start: block.body_start,
        ..FrontMatter::default()
    };
    match yaml_rust2::YamlLoader::load_from_str(&text[block.yaml]) {
        Ok(docs) => {
            if let Some(doc) = docs.first() {
                fm.title = yaml_text(&doc["title"]);
                fm.description = yaml_text(&doc["description"]);
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, "front matter is not valid YAML: no title or description")
        }
    }
    fm
}

/// A version of a prompt in the Prompt Versions model (I-2, seed 000).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct PromptVersion {
    /// Workspace-relative path (`prompts/task_v2.md`).
    pub id: String,
    /// The prompt (V-3): folder plus base (`prompts/task`).
    pub prompt_id: String,
    /// Front matter `title`, else the file name.
    pub title: String,
    /// Front matter `description`.
    pub description: Option<String>,
    /// The file's content (only `getVersion`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The file's modified time, RFC 3339.
    pub created_at: Option<String>,
    /// `v2.1.0` (`null` for an unversioned file).
    pub version: Option<String>,
    /// 1-based rank of the version in its variant, oldest first.
    pub version_number: usize,
    /// The prerelease tag, if any.
    pub prerelease: Option<String>,
    /// The variant (classifier name -> value).
    pub classifiers: BTreeMap<String, String>,
    /// Absolute path.
    pub path: String,
    /// Whether `latest` resolves to this file for its variant.
    pub latest: bool,
}

/// Every version of `prompts` (one prompt, or every prompt of a folder) in `folder`,
/// each prompt's newest first (I-2 `listVersions`, `promptls versions`), optionally only
/// one variant's (`classifier`, values compared case-insensitively). `target` names the
/// request in errors.
///
/// The classifier map is checked like a resolution's (V-6): an undeclared name, or a value
/// that none of the files has, is a [`ErrorKind::ClassifierNotFound`] error (available: the
/// declared names, or the values that exist) — never an empty list.
///
/// [`ErrorKind::ClassifierNotFound`]: crate::versioning::ErrorKind::ClassifierNotFound
pub fn list_versions(
    index: &Index,
    folder: &Folder,
    prompts: &[&Prompt],
    target: &str,
    classifier: Option<&BTreeMap<String, String>>,
) -> Result<Vec<PromptVersion>, ResolveError> {
    list_versions_with(index, folder, prompts, target, classifier, &|p| {
        file_meta(index, p)
    })
}

/// [`list_versions`] with each file's title, description and modified time from `meta`
/// (a cache of [`file_meta`]), so that listing reads no file.
pub fn list_versions_with(
    index: &Index,
    folder: &Folder,
    prompts: &[&Prompt],
    target: &str,
    classifier: Option<&BTreeMap<String, String>>,
    meta: &dyn Fn(&Path) -> FileMeta,
) -> Result<Vec<PromptVersion>, ResolveError> {
    let candidates: Vec<CandidateFile<'_>> = prompts
        .iter()
        .flat_map(|p| folder.prompt_files(p))
        .map(|f| CandidateFile {
            name: &f.name,
            parsed: &f.parsed,
        })
        .collect();
    let wanted = requested_variant(
        &folder.scheme,
        target,
        &VersionSpec::Latest,
        &candidates,
        classifier,
    )?;
    let mut orders: std::collections::HashMap<&str, VariantOrders<'_>> =
        std::collections::HashMap::new();
    Ok(prompts
        .iter()
        .flat_map(|p| {
            folder
                .prompt_files(p)
                .filter(|f| {
                    wanted
                        .iter()
                        .zip(f.parsed.variant.iter())
                        .all(|(w, v)| w.is_none_or(|w| w == *v))
                })
                .map(move |f| (p, f))
        })
        .map(|(p, f)| {
            let orders = orders
                .entry(&*p.base)
                .or_insert_with(|| VariantOrders::of(folder, p));
            prompt_version_with(index, folder, p, f, false, orders, meta)
        })
        .collect())
}

/// The versions of each variant of one prompt, sorted, for ranking files in O(log n).
struct VariantOrders<'a> {
    by_variant: Vec<(&'a Variant, Vec<&'a Version>)>,
    include_prerelease: bool,
}

impl<'a> VariantOrders<'a> {
    fn of(folder: &'a Folder, prompt: &'a Prompt) -> VariantOrders<'a> {
        let mut by_variant: Vec<(&Variant, Vec<&Version>)> = Vec::new();
        for f in folder.prompt_files(prompt) {
            let Some(v) = &f.parsed.version else { continue };
            match by_variant
                .iter_mut()
                .find(|(var, _)| **var == f.parsed.variant)
            {
                Some((_, list)) => list.push(v),
                None => by_variant.push((&f.parsed.variant, vec![v])),
            }
        }
        for (_, list) in &mut by_variant {
            list.sort();
        }
        VariantOrders {
            by_variant,
            include_prerelease: folder.scheme.config.include_prerelease,
        }
    }

    /// `file`'s 1-based position among its variant's versions (0 when unversioned) and
    /// whether it is the variant's `latest`.
    fn rank(&self, file: &PromptFile) -> (usize, bool) {
        let list = self
            .by_variant
            .iter()
            .find(|(var, _)| **var == file.parsed.variant)
            .map_or(&[][..], |(_, l)| l.as_slice());
        let newest = list
            .iter()
            .rev()
            .find(|v| self.include_prerelease || !v.is_prerelease());
        match &file.parsed.version {
            Some(v) => (
                list.partition_point(|o| *o < v) + 1,
                newest.is_some_and(|n| *n == v),
            ),
            None => (0, newest.is_none()),
        }
    }
}

/// The [`PromptVersion`] of one file (with its content when `with_content`).
pub fn prompt_version(
    index: &Index,
    folder: &Folder,
    prompt: &Prompt,
    file: &PromptFile,
    with_content: bool,
) -> PromptVersion {
    prompt_version_with(
        index,
        folder,
        prompt,
        file,
        with_content,
        &VariantOrders::of(folder, prompt),
        &|p| file_meta(index, p),
    )
}

/// What a [`PromptVersion`] tells of a file besides its content: front matter `title` and
/// `description`, and the modified time (RFC 3339).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileMeta {
    /// Front matter `title:`.
    pub title: Option<String>,
    /// Front matter `description:`.
    pub description: Option<String>,
    /// The modified time, RFC 3339; `None` when the file cannot be examined.
    pub created_at: Option<String>,
}

/// The [`FileMeta`] of `path`: one capped read of its text (front matter) and one `stat`.
/// A file that cannot be read has no title or description (logged by the read).
pub fn file_meta(index: &Index, path: &Path) -> FileMeta {
    let fm = analysis_text(index, path)
        .as_deref()
        .map(front_matter)
        .unwrap_or_default();
    FileMeta {
        title: fm.title,
        description: fm.description,
        created_at: modified_rfc3339(index, path),
    }
}

fn modified_rfc3339(index: &Index, path: &Path) -> Option<String> {
    match index.files().modified(path) {
        Ok(t) => Some(humantime::format_rfc3339_seconds(t).to_string()),
        Err(e) => {
            tracing::debug!(error = %e, "no modified time");
            None
        }
    }
}

fn prompt_version_with(
    index: &Index,
    folder: &Folder,
    prompt: &Prompt,
    file: &PromptFile,
    with_content: bool,
    orders: &VariantOrders<'_>,
    meta: &dyn Fn(&Path) -> FileMeta,
) -> PromptVersion {
    let path = folder.path_of(file);
    let (version_number, latest) = orders.rank(file);
    // With the content, its one read gives the front matter too.
    let (text, meta) = if with_content {
        let text = analysis_text(index, &path);
        let fm = text.as_deref().map(front_matter).unwrap_or_default();
        let m = FileMeta {
            title: fm.title,
            description: fm.description,
            created_at: modified_rfc3339(index, &path),
        };
        (text, m)
    } else {
        (None, meta(&path))
    };
    let root = index
        .root_of(&path)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| folder.path.to_path_buf());
    let id = path
        .strip_prefix(&root)
        .unwrap_or(&path)
        .to_string_lossy()
        .replace('\\', "/");
    PromptVersion {
        id,
        prompt_id: index.prompt_id(folder, &prompt.base),
        title: meta.title.unwrap_or_else(|| file.name.to_string()),
        description: meta.description,
        content: text,
        created_at: meta.created_at,
        version: file.parsed.version.as_ref().map(|v| v.to_string()),
        version_number,
        prerelease: file
            .parsed
            .version
            .as_ref()
            .and_then(|v| v.prerelease.as_ref())
            .map(|p| p.text.to_string()),
        classifiers: folder.scheme.variant_map(&file.parsed.variant),
        path: path.to_string_lossy().into_owned(),
        latest,
    }
}

/// Every diagnostic of the indexed tree but the version-bump check (`promptls check`,
/// I-5): names and configs from the index, references from one read of each file (see
/// [`check_tree`]); the [`TreeCheck`] also carries what the version-bump check needs.
pub fn check(index: &Index) -> TreeCheck {
    let mut out = check_tree(index);
    out.diagnostics.extend(index.file_diagnostics());
    out
}

/// [`check`] of the files `wanted` selects (`promptls check PATH…`): their references are
/// checked, and only they and the other versions of their prompts are read (see
/// [`refs::check_files`]); names and configs come from the index. Diagnostics of other
/// files may be included: the caller keeps those it wants.
pub fn check_only(index: &Index, wanted: &(dyn Fn(&Path) -> bool + Sync)) -> TreeCheck {
    let mut out = refs::check_files(index, wanted);
    out.diagnostics.extend(index.file_diagnostics());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_front_matter() {
        let text = "---\ntitle: \"Task\"\ndescription: First\n---\nbody";
        let fm = front_matter(text);
        assert_eq!(fm.title.as_deref(), Some("Task"));
        assert_eq!(fm.description.as_deref(), Some("First"));
        assert_eq!(&text[fm.body_start..], "body");
        assert_eq!(front_matter("no front matter"), FrontMatter::default());
        assert_eq!(
            front_matter("---\ntitle: unterminated\n"),
            FrontMatter::default()
        );
    }

    /// Regression: the line reader cut `title: "a: b"` at its first colon and read a block
    /// scalar's indicator `|` as the description.
    #[test]
    fn reads_front_matter_as_yaml() {
        let text = "---\r\ntitle: \"a: b\" # note\r\ndescription: |\r\n  line one\r\n  line two\r\ntags:\r\n  - x\r\n---\r\nbody";
        let fm = front_matter(text);
        assert_eq!(fm.title.as_deref(), Some("a: b"));
        assert_eq!(fm.description.as_deref(), Some("line one\nline two\n"));
        assert_eq!(&text[fm.body_start..], "body");
        let fm = front_matter("---\ntitle: >-\n  folded\n  words\ndescription: 'it''s'\n...\nbody");
        assert_eq!(fm.title.as_deref(), Some("folded words"));
        assert_eq!(fm.description.as_deref(), Some("it's"));
        // Not YAML: no fields, but the body still starts after the block.
        let fm = front_matter("---\ntitle: [unclosed\n---\nbody");
        assert_eq!((fm.title, fm.body_start), (None, 25));
    }
}
