//! The prompt an operation names — by one of its files or by its id (`prompts/task`) —
//! and the variant it works on: the lookup shared by the editor commands and the HTTP API.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::index::{Folder, Index, Prompt, PromptFile};
use crate::versioning::{CandidateFile, ResolveError, Variant, VersionSpec, requested_variant};

/// Why a prompt or version could not be found. `Display` starts with the resolution
/// error's name (`PromptNotFoundError: …`), as the command line prints them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// No indexed prompt has this id (nor is the path a file of one).
    #[error("PromptNotFoundError: no prompt `{0}`")]
    PromptNotFound(String),
    /// The classifier request names an undeclared classifier or a value no file has.
    #[error("{0}")]
    Classifier(Box<ResolveError>),
    /// A classifier value that the folder's scheme does not know.
    #[error("ClassifierNotFoundError: {name}={value}")]
    ClassifierValue {
        /// The classifier.
        name: String,
        /// The value asked for.
        value: String,
    },
    /// The version asked for is not a version, or the variant has no file of it.
    #[error("VersionNotFoundError: {0}")]
    VersionNotFound(String),
}

impl TargetError {
    /// The resolution error's name (`PromptNotFoundError`, `VersionNotFoundError`,
    /// `ClassifierNotFoundError`), as the command line's JSON errors name them.
    pub fn name(&self) -> &'static str {
        match self {
            TargetError::PromptNotFound(_) => "PromptNotFoundError",
            TargetError::Classifier(e) => e.kind.name(),
            TargetError::ClassifierValue { .. } => "ClassifierNotFoundError",
            TargetError::VersionNotFound(_) => "VersionNotFoundError",
        }
    }

    /// What exists instead (the versions, the values), when known.
    pub fn available(&self) -> Vec<String> {
        match self {
            TargetError::Classifier(e) => e.available.clone(),
            _ => Vec::new(),
        }
    }
}

/// A prompt and the variant an operation works on.
#[derive(Debug, Clone)]
pub struct PromptTarget<'a> {
    /// Its folder.
    pub folder: &'a Arc<Folder>,
    /// The prompt.
    pub prompt: &'a Prompt,
    /// The index in [`Folder::files`] of the file it was named by, if it was.
    pub file: Option<usize>,
    /// The variant of that file, else the defaults, with the requested classifier values.
    pub variant: Variant,
}

/// The folder and prompt of a prompt id (`prompts/task`, `task` at a workspace root),
/// looked up under each workspace root in order. `None` when no root has it; an id with
/// `..`, `.` or empty segments never names a prompt (nothing outside a root is looked at).
pub fn find_prompt<'a>(index: &'a Index, id: &str) -> Option<(&'a Arc<Folder>, &'a Prompt)> {
    let id = id.trim_start_matches('/');
    if id.is_empty() || id.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return None;
    }
    let (dir, base) = id.rsplit_once('/').unwrap_or(("", id));
    index.roots().iter().find_map(|root| {
        let folder_path = if dir.is_empty() {
            root.clone()
        } else {
            root.join(dir)
        };
        let folder = index.folder(&folder_path)?;
        let prompt = folder.prompt(base)?;
        Some((folder, prompt))
    })
}

/// The target of a file of a prompt (`file`) or of a prompt id (`prompt`), with a
/// `classifier` request applied (checked as resolution checks it: same errors, same
/// messages). `file` wins when both are given.
///
/// Fails with [`TargetError::PromptNotFound`] when neither names an indexed prompt, and
/// with the classifier errors of resolution.
pub fn prompt_target<'a>(
    index: &'a Index,
    file: Option<&Path>,
    prompt: Option<&str>,
    classifier: Option<&BTreeMap<String, String>>,
) -> Result<PromptTarget<'a>, TargetError> {
    let (folder, prompt, file) = match (file, prompt) {
        (Some(path), _) => {
            let (folder, i) = index
                .file(path)
                .ok_or_else(|| TargetError::PromptNotFound(path.display().to_string()))?;
            let prompt = folder
                .prompt(&folder.files[i].parsed.base)
                .ok_or_else(|| TargetError::PromptNotFound(path.display().to_string()))?;
            (folder, prompt, Some(i))
        }
        (None, Some(id)) => {
            let (folder, prompt) =
                find_prompt(index, id).ok_or_else(|| TargetError::PromptNotFound(id.into()))?;
            (folder, prompt, None)
        }
        (None, None) => return Err(TargetError::PromptNotFound(String::new())),
    };
    let scheme = &folder.scheme;
    let mut variant = match file {
        Some(i) => folder.files[i].parsed.variant.to_vec(),
        None => scheme.default_variant().to_vec(),
    };
    if classifier.is_some() {
        let candidates: Vec<CandidateFile<'_>> = folder
            .prompt_files(prompt)
            .map(|f| CandidateFile {
                name: &f.name,
                parsed: &f.parsed,
            })
            .collect();
        let id = index.prompt_id(folder, &prompt.base);
        requested_variant(scheme, &id, &VersionSpec::Latest, &candidates, classifier)
            .map_err(|e| TargetError::Classifier(Box::new(e)))?;
    }
    for (k, value) in classifier.into_iter().flatten() {
        let ci = scheme.classifier_names().iter().position(|n| n == k);
        let vi = ci.and_then(|ci| scheme.value_of(ci, value));
        match (ci, vi) {
            (Some(ci), Some(vi)) => variant[ci] = vi,
            _ => {
                return Err(TargetError::ClassifierValue {
                    name: k.clone(),
                    value: value.clone(),
                });
            }
        }
    }
    Ok(PromptTarget {
        folder,
        prompt,
        file,
        variant: variant.into(),
    })
}

impl<'a> PromptTarget<'a> {
    /// The files of the target variant.
    pub fn files(&self) -> impl Iterator<Item = &'a PromptFile> + '_ {
        self.folder
            .prompt_files(self.prompt)
            .filter(|f| f.parsed.variant == self.variant)
    }

    /// The file to start from: the one the target was named by, else the newest version
    /// of the variant. Fails when the variant has no versioned file.
    pub fn source(&self) -> Result<PathBuf, TargetError> {
        if let Some(i) = self.file {
            return Ok(self.folder.path_of(&self.folder.files[i]));
        }
        self.files()
            .filter(|f| f.parsed.version.is_some())
            .max_by(|a, b| a.parsed.version.cmp(&b.parsed.version))
            .map(|f| self.folder.path_of(f))
            .ok_or_else(|| {
                TargetError::VersionNotFound(format!(
                    "`{}` has no versioned file{}",
                    self.prompt.base,
                    self.label()
                ))
            })
    }

    /// ` for lang=de` (empty when there are no classifiers).
    pub fn label(&self) -> String {
        let l = self.folder.scheme.variant_label(&self.variant);
        if l.is_empty() { l } else { format!(" for {l}") }
    }

    /// The file of version `spec` (`v2`, `2.1.0`) in the variant.
    pub fn version(&self, spec: &str) -> Result<&'a PromptFile, TargetError> {
        let wanted =
            self.folder.scheme.parse_version_spec(spec).ok_or_else(|| {
                TargetError::VersionNotFound(format!("{spec:?} is not a version"))
            })?;
        self.files()
            .find(|f| f.parsed.version.as_ref() == Some(&wanted))
            .ok_or_else(|| {
                TargetError::VersionNotFound(format!(
                    "`{}` has no {wanted}{}",
                    self.prompt.base,
                    self.label()
                ))
            })
    }
}
