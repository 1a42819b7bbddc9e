//! Version bumps: the four kinds, their checked arithmetic, the next prerelease, the
//! prerelease label rule, and the variable rule that recommends a bump.

use crate::analysis::{VariableChange, compare_variables, variables};
use crate::index::{Folder, PromptFile};
use crate::versioning::{Prerelease, Version};
use crate::vfs::FileSource;

use super::PlanError;

/// A version bump (semantic versioning applied to prompts: patch for wording, minor for
/// new variables, major for removed or renamed ones).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// x.y.Z: wording only.
    Patch,
    /// x.Y.0: new variables.
    Minor,
    /// X.0.0: removed or renamed variables.
    Major,
    /// A prerelease of the recommended next version.
    Prerelease,
}

impl Bump {
    /// Parses `major|minor|patch|prerelease` (also `pre`), case-insensitively; `None` for
    /// anything else.
    pub fn parse(s: &str) -> Option<Bump> {
        match s.to_ascii_lowercase().as_str() {
            "major" => Some(Bump::Major),
            "minor" => Some(Bump::Minor),
            "patch" => Some(Bump::Patch),
            "prerelease" | "pre" => Some(Bump::Prerelease),
            _ => None,
        }
    }

    /// The lower-case name.
    pub fn name(&self) -> &'static str {
        match self {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
            Bump::Prerelease => "prerelease",
        }
    }

    /// Applies the bump to `v` with checked arithmetic (prerelease labels are the
    /// caller's): a patch or prerelease bump of a prerelease is its release.
    ///
    /// Fails with [`PlanError::Overflow`] when a part would pass `u64::MAX` (the result
    /// would otherwise wrap to an older, possibly existing, version).
    pub fn apply(&self, v: &Version) -> Result<Version, PlanError> {
        let next = |n: u64, part: &str| {
            n.checked_add(1).ok_or_else(|| {
                PlanError::Overflow(format!(
                    "cannot make a {} bump of {v}: its {part} number is the largest a version can hold",
                    self.name()
                ))
            })
        };
        Ok(match self {
            Bump::Major => Version::new(next(v.major, "major")?, 0, 0),
            Bump::Minor => Version::new(v.major, next(v.minor, "minor")?, 0),
            Bump::Patch | Bump::Prerelease => {
                if v.is_prerelease() {
                    v.release()
                } else {
                    Version::new(v.major, v.minor, next(v.patch, "patch")?)
                }
            }
        })
    }
}

/// The prerelease that follows the prerelease `v` of the same release: a trailing number
/// goes up by one in its own spelling (`rc.1` -> `rc.2`, `beta9` -> `beta10`), a label
/// without one gets `.1` (`rc` -> `rc.1`). `None` when `v` is not a prerelease or no
/// newer spelling exists.
pub fn next_prerelease(v: &Version, order: &[String]) -> Option<Version> {
    let text = &v.prerelease.as_ref()?.text;
    let digits = text.len() - text.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let mut candidates = Vec::new();
    if digits > 0 {
        let (head, num) = text.split_at(text.len() - digits);
        if let Some(n) = num.parse::<u64>().ok().and_then(|n| n.checked_add(1)) {
            candidates.push(format!("{head}{n}"));
        }
    }
    candidates.push(format!("{text}.1"));
    candidates
        .into_iter()
        .map(|p| Version {
            prerelease: Some(Prerelease::new(&p, order)),
            ..v.release()
        })
        .find(|c| c > v)
}

/// Checks a prerelease label a user asks for (`--label`): non-empty, dot-separated
/// identifiers of ASCII letters, digits and `-`, numeric identifiers without leading
/// zeros (semantic versioning's prerelease syntax).
///
/// Returns the reason as one line when the label is not valid.
pub fn validate_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("the prerelease label is empty".into());
    }
    semver::Prerelease::new(label).map(|_| ()).map_err(|e| {
        format!(
            "{label:?} is not a prerelease label ({e}); use dot-separated letters, digits and `-`, e.g. rc.1"
        )
    })
}

/// The bump the variable rule recommends and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Recommendation {
    /// The smallest bump the changes allow.
    pub bump: Bump,
    /// Why ("removes {{product}}: breaking").
    pub reason: String,
    /// The variable changes behind it.
    pub change: VariableChange,
}

pub(crate) use crate::analysis::is_jinja;

/// The versioned file that `file` follows in its variant (the next older version);
/// `None` for an unversioned file or the oldest version.
pub fn predecessor<'a>(folder: &'a Folder, file: &PromptFile) -> Option<&'a PromptFile> {
    let v = file.parsed.version.as_ref()?;
    let prompt = folder.prompt(&file.parsed.base)?;
    folder
        .prompt_files(prompt)
        .filter(|f| f.parsed.variant == file.parsed.variant)
        .filter(|f| f.parsed.version.as_ref().is_some_and(|o| o < v))
        .max_by(|a, b| a.parsed.version.cmp(&b.parsed.version))
}

/// Recommends a bump for `file` as it stands (`text`, the buffer or the file itself),
/// compared with the version it follows (the variable rule; the `semver-bump` check).
pub fn recommend(
    files: &dyn FileSource,
    folder: &Folder,
    file: &PromptFile,
    text: &str,
) -> Recommendation {
    recommend_against(files, predecessor(folder, file), folder, file, text)
}

/// Recommends the bump for a NEW version whose content is `text`, created from `file`:
/// the new version follows the newest version of `file`'s variant, so that is what its
/// variables are compared with (an unchanged copy is a patch).
///
/// When the file's version pattern cannot spell the recommended bump (a custom pattern
/// with no minor or patch part), the recommendation is the major bump and the reason
/// says so.
pub fn recommend_next(
    files: &dyn FileSource,
    folder: &Folder,
    file: &PromptFile,
    text: &str,
) -> Recommendation {
    let newest = newest_in_variant(folder, file);
    let mut rec = recommend_against(files, newest, folder, file, text);
    if let Some(missing) = newest.and_then(|n| unspellable_part(folder, n, &rec.bump)) {
        rec.reason = format!(
            "{}; the version pattern has no {missing} part, so a major bump",
            rec.reason
        );
        rec.bump = Bump::Major;
    }
    rec
}

/// The part (`minor`, `patch`) a custom version pattern lacks for `bump` of `file`'s
/// version; `None` when the bump can be spelled (or `file` is unversioned).
pub(crate) fn unspellable_part(
    folder: &Folder,
    file: &PromptFile,
    bump: &Bump,
) -> Option<&'static str> {
    if !folder.scheme.pattern().is_custom() || !matches!(bump, Bump::Minor | Bump::Patch) {
        return None;
    }
    let name = &*file.name;
    let stem = &name[..name.len() - file.parsed.ext.len() - 1];
    let m = folder.scheme.pattern().last_match(stem)?;
    match bump {
        Bump::Minor if m.minor.is_none() => Some("minor"),
        Bump::Patch if m.patch.is_none() => Some("patch"),
        _ => None,
    }
}

/// The newest versioned file of `file`'s prompt variant (possibly `file` itself); `None`
/// when the variant has no versioned file.
pub fn newest_in_variant<'a>(folder: &'a Folder, file: &PromptFile) -> Option<&'a PromptFile> {
    let prompt = folder.prompt(&file.parsed.base)?;
    folder
        .prompt_files(prompt)
        .filter(|f| f.parsed.variant == file.parsed.variant && f.parsed.version.is_some())
        .max_by(|a, b| a.parsed.version.cmp(&b.parsed.version))
}

fn recommend_against(
    files: &dyn FileSource,
    base: Option<&PromptFile>,
    folder: &Folder,
    file: &PromptFile,
    text: &str,
) -> Recommendation {
    let jinja = is_jinja(&file.name);
    let new_vars = variables(text, jinja);
    let old_vars = base
        .and_then(|p| match files.text(&folder.path_of(p)) {
            Ok(t) => Some(variables(&t.text, jinja)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the previous version; variables not compared");
                None
            }
        })
        .unwrap_or_else(|| new_vars.clone());
    recommendation(&old_vars, &new_vars)
}

/// The variable rule on two versions' variables: a removed variable needs a major bump,
/// an added one a minor bump, else a patch.
pub(crate) fn recommendation(old_vars: &[String], new_vars: &[String]) -> Recommendation {
    let change = compare_variables(old_vars, new_vars);
    let fmt = |vs: &[String]| {
        vs.iter()
            .map(|v| format!("{{{{{v}}}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (bump, reason) = if !change.removed.is_empty() {
        (
            Bump::Major,
            format!("removes {}: breaking", fmt(&change.removed)),
        )
    } else if !change.added.is_empty() {
        (
            Bump::Minor,
            format!("adds {}: new variables", fmt(&change.added)),
        )
    } else {
        (Bump::Patch, "same variables: wording only".to_string())
    };
    Recommendation {
        bump,
        reason,
        change,
    }
}
