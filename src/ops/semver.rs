//! The `semver-bump` check: a version whose bump is smaller than its variable changes
//! need.

use std::collections::HashMap;

use crate::analysis::VersionFacts;
use crate::diagnostics::{Code, Diagnostic};
use crate::index::{Folder, Index, Prompt, PromptFile};
use crate::versioning::Version;
use crate::vfs::FileSource;

use super::bump::{Bump, Recommendation, predecessor, recommend, recommendation};

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
    let actual = actual_bump(v, prev);
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
    semver_bump(folder, file, prev_file, actual, &rec)
}

/// The bump from `prev` to `v`, as its largest changed part.
fn actual_bump(v: &Version, prev: &Version) -> Bump {
    if v.major != prev.major {
        Bump::Major
    } else if v.minor != prev.minor {
        Bump::Minor
    } else {
        Bump::Patch
    }
}

/// The `semver-bump` diagnostic of `file` (following `prev_file` with an `actual` bump
/// smaller than `rec` asks); `None` when the check is off.
fn semver_bump(
    folder: &Folder,
    file: &PromptFile,
    prev_file: &PromptFile,
    actual: Bump,
    rec: &Recommendation,
) -> Option<Diagnostic> {
    let (v, prev) = (
        file.parsed.version.as_ref()?,
        prev_file.parsed.version.as_ref()?,
    );
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

/// The `semver-bump` diagnostics of every versioned file of the index, each file read
/// once here (see [`tree_semver_diagnostics_from`] to reuse a pass that read them).
pub fn tree_semver_diagnostics(index: &Index) -> Vec<Diagnostic> {
    tree_semver_diagnostics_from(index, &|folder: &Folder, file: &PromptFile| {
        let text = crate::analysis::analysis_text(index, &folder.path_of(file))?;
        Some(VersionFacts::of(&file.name, &text))
    })
}

/// The `semver-bump` diagnostics of every versioned file of the index (`promptls check`),
/// from each version's [`VersionFacts`] (`facts` gives them; `None` for a file that could
/// not be read, which is then not compared).
///
/// Linear in the number of files: each version is compared with the one before it in its
/// variant (in parallel over folders); a revert (content equal to a version older than its
/// predecessor) is found through the text hashes, a match confirmed by comparing the texts.
pub fn tree_semver_diagnostics_from(
    index: &Index,
    facts: &(dyn Fn(&Folder, &PromptFile) -> Option<VersionFacts> + Sync),
) -> Vec<Diagnostic> {
    let folders = index.folders();
    crate::parallel::map(&folders, "the version-bump check", |folder| {
        let mut v = Vec::new();
        for prompt in &folder.prompts {
            for chain in variant_chains(folder, prompt) {
                v.extend(chain_semver(index, folder, &chain, facts));
            }
        }
        v
    })
    .into_iter()
    .flatten()
    .collect()
}

/// A prompt's versioned files by variant, each chain oldest first.
fn variant_chains<'a>(folder: &'a Folder, prompt: &'a Prompt) -> Vec<Vec<&'a PromptFile>> {
    let mut chains: Vec<Vec<&PromptFile>> = Vec::new();
    let mut files: Vec<&PromptFile> = folder
        .prompt_files(prompt)
        .filter(|f| f.parsed.version.is_some())
        .collect();
    files.sort_by(|a, b| a.parsed.version.cmp(&b.parsed.version));
    for f in files {
        match chains
            .iter_mut()
            .find(|c| c[0].parsed.variant == f.parsed.variant)
        {
            Some(chain) => chain.push(f),
            None => chains.push(vec![f]),
        }
    }
    chains
}

/// The `semver-bump` diagnostics of one variant's versions (oldest first).
fn chain_semver(
    index: &Index,
    folder: &Folder,
    chain: &[&PromptFile],
    facts_of: &(dyn Fn(&Folder, &PromptFile) -> Option<VersionFacts> + Sync),
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if chain.len() < 2 {
        return out;
    }
    let facts: Vec<Option<VersionFacts>> = chain.iter().map(|f| facts_of(folder, f)).collect();
    // Hashes of the versions older than the current one's predecessor.
    let mut older: HashMap<u64, Vec<usize>> = HashMap::new();
    for i in 1..chain.len() {
        if i >= 2
            && let Some(f) = &facts[i - 2]
        {
            older.entry(f.hash).or_default().push(i - 2);
        }
        let (Some(new), Some(old)) = (&facts[i], &facts[i - 1]) else {
            continue;
        };
        let (file, prev_file) = (chain[i], chain[i - 1]);
        let (Some(v), Some(prev)) = (&file.parsed.version, &prev_file.parsed.version) else {
            continue;
        };
        let actual = actual_bump(v, prev);
        let rec = recommendation(&old.variables, &new.variables);
        if actual >= rec.bump {
            continue;
        }
        // A revert is history, not a change: confirm a hash match on the texts.
        let reverted = older.get(&new.hash).is_some_and(|same| {
            let text = crate::analysis::analysis_text(index, &folder.path_of(file));
            same.iter().any(|&k| {
                text.is_some()
                    && crate::analysis::analysis_text(index, &folder.path_of(chain[k])) == text
            })
        });
        if reverted {
            continue;
        }
        out.extend(semver_bump(folder, file, prev_file, actual, &rec));
    }
    out
}
