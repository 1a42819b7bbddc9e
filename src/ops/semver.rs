//! The `semver-bump` check: a version whose bump is smaller than its variable changes
//! need.

use crate::diagnostics::{Code, Diagnostic};
use crate::index::{Folder, Index, PromptFile};
use crate::vfs::FileSource;

use super::bump::{Bump, predecessor, recommend};

/// The `semver-bump` diagnostic (I-4): a version whose bump from its predecessor is
/// smaller than its variable changes need. `text` overrides the file's content.
pub fn semver_diagnostic(
    files: &dyn FileSource,
    folder: &Folder,
    file: &PromptFile,
    text: &str,
) -> Option<Diagnostic> {
    let v = file.parsed.version.as_ref()?;
    let prev_file = predecessor(folder, file)?;
    let prev = prev_file.parsed.version.as_ref()?;
    let actual = if v.major != prev.major {
        Bump::Major
    } else if v.minor != prev.minor {
        Bump::Minor
    } else {
        Bump::Patch
    };
    let rec = recommend(files, folder, file, text);
    if actual >= rec.bump {
        return None;
    }
    // A revert (I-2) is a patch whose content is an older version's: history, not a change.
    let same_as_older = folder.prompt(&file.parsed.base).is_some_and(|p| {
        folder
            .prompt_files(p)
            .filter(|f| {
                f.parsed.variant == file.parsed.variant
                    && f.parsed.version.as_ref().is_some_and(|o| o < prev)
            })
            .any(|f| {
                files
                    .text(&folder.path_of(f))
                    .is_ok_and(|old| old.text == text)
            })
    });
    if same_as_older {
        return None;
    }
    let severity = folder.settings.severity(Code::SemverBump)?;
    Some(Diagnostic {
        path: folder.path_of(file),
        range: 0..0,
        severity,
        code: Code::SemverBump,
        message: format!(
            "{v} is a {} bump of {prev} ({}), but it {}: it needs a {} bump",
            actual.name(),
            prev_file.name,
            rec.reason,
            rec.bump.name()
        ),
        fix: None,
    })
}

/// The `semver-bump` diagnostics of every versioned file of the index (`promptls check`).
pub fn tree_semver_diagnostics(index: &Index) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for folder in index.folders() {
        for file in &folder.files {
            if file.parsed.version.is_none() || predecessor(folder, file).is_none() {
                continue;
            }
            if let Some(text) = crate::analysis::analysis_text(index, &folder.path_of(file)) {
                out.extend(semver_diagnostic(index.files(), folder, file, &text));
            }
        }
    }
    out
}
