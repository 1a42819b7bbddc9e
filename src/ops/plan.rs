//! Planning new files: create a version, revert to one, create a variant. Plans are pure
//! (they read through the index's file source and write nothing).

use std::path::Path;

use crate::index::{Index, PromptFile};
use crate::versioning::{Prerelease, Version};

use super::bump::{Bump, next_prerelease, recommend_next, unspellable_part, validate_label};
use super::front_matter::set_front_matter;
use super::spell::spell;
use super::{Plan, PlanError};

/// Why `file` has no version to work from: a number too large to read, or none at all.
pub(super) fn unversioned(file: &PromptFile) -> PlanError {
    let too_large = file.parsed.issues.iter().find_map(|i| match i {
        crate::versioning::NameIssue::VersionTooLarge { number } => Some(number.clone()),
        _ => None,
    });
    match too_large {
        Some(number) => PlanError::VersionTooLarge {
            name: file.name.to_string(),
            number,
        },
        None => PlanError::Unversioned(file.name.to_string()),
    }
}

/// Refuses a file whose name the Dotprompt convention reads: promptls does not write
/// that convention's names.
fn read_only(folder: &crate::index::Folder, file: &PromptFile) -> Result<(), PlanError> {
    if folder.scheme.is_dotprompt_name(&file.name) {
        return Err(PlanError::ReadOnlyConvention(file.name.to_string()));
    }
    Ok(())
}

fn check_target(index: &Index, source: &Path, target: &Path) -> Result<(), PlanError> {
    let shown = target.to_string_lossy().to_string();
    let root = index
        .root_of(source)
        .ok_or_else(|| PlanError::OutsideWorkspace(shown.clone()))?;
    if !target.starts_with(root) || target.parent() != source.parent() {
        return Err(PlanError::OutsideWorkspace(shown));
    }
    // A symlinked folder could point outside: compare real paths too.
    let files = index.files();
    if let (Ok(real_root), Some(parent)) = (files.real_path(root), target.parent())
        && let Ok(real_parent) = files.real_path(parent)
        && !real_parent.starts_with(&real_root)
    {
        return Err(PlanError::OutsideWorkspace(shown));
    }
    if files.occupied(target) {
        return Err(PlanError::Exists(shown));
    }
    Ok(())
}

/// Plans "create version" from `source` (an indexed versioned file) with `bump`: the next
/// version after the newest of its variant, spelled like `source`'s name. The content is
/// `text` (the editor's buffer) or the file's bytes, verbatim; `title` / `description`
/// edit its front matter (only those values change).
///
/// `label` names the prerelease (`rc.1`) and is accepted only with [`Bump::Prerelease`].
///
/// # Errors
/// [`PlanError::NotAPrompt`], [`PlanError::Unversioned`], [`PlanError::LabelWithoutPrerelease`],
/// [`PlanError::InvalidLabel`], [`PlanError::Overflow`] (a number past `u64::MAX`),
/// [`PlanError::Unspellable`], [`PlanError::NotNewer`], [`PlanError::Read`] (the file cannot
/// be read, or is not UTF-8 when its front matter must change), [`PlanError::FrontMatter`],
/// [`PlanError::Exists`] and [`PlanError::OutsideWorkspace`].
pub fn plan_create(
    index: &Index,
    source: &Path,
    bump: &Bump,
    label: Option<&str>,
    text: Option<&str>,
    title: Option<&str>,
    description: Option<&str>,
) -> Result<Plan, PlanError> {
    if let Some(label) = label {
        if *bump != Bump::Prerelease {
            return Err(PlanError::LabelWithoutPrerelease(bump.name()));
        }
        validate_label(label).map_err(PlanError::InvalidLabel)?;
    }
    let (folder, i) = index
        .file(source)
        .ok_or_else(|| PlanError::NotAPrompt(source.display().to_string()))?;
    let file = &folder.files[i];
    read_only(folder, file)?;
    if let Some(ext) = label.and_then(|l| l.rsplit_once('.')).map(|(_, e)| e)
        && folder.scheme.config.is_prompt_extension(ext)
    {
        return Err(PlanError::InvalidLabel(format!(
            "{:?} ends with `.{ext}`, which would read as a file extension",
            label.unwrap_or_default()
        )));
    }
    let current = file
        .parsed
        .version
        .as_ref()
        .ok_or_else(|| unversioned(file))?;
    // Bump from the newest version of the variant, so two creates never collide.
    let newest = super::bump::newest_in_variant(folder, file)
        .and_then(|f| f.parsed.version.as_ref())
        .unwrap_or(current);
    let bytes = match text {
        Some(t) => t.as_bytes().to_vec(),
        None => index.files().bytes(source)?,
    };
    let order = &folder.scheme.config.prerelease_order;
    let (version, reason) = match bump {
        Bump::Prerelease => {
            let analysed = String::from_utf8_lossy(&bytes);
            let rec = recommend_next(index.files(), folder, file, &analysed);
            let base = rec.bump.apply(newest)?;
            let chosen = label.unwrap_or_else(|| order.first().map_or("alpha", |s| s.as_str()));
            let v = Version {
                prerelease: Some(Prerelease::new(chosen, order)),
                ..base
            };
            match (v > *newest, label) {
                (true, _) => (
                    v,
                    format!(
                        "prerelease of the next {} version after {newest}",
                        rec.bump.name()
                    ),
                ),
                (false, None) => {
                    let v = next_prerelease(newest, order).ok_or_else(|| {
                        PlanError::NotNewer(format!("no prerelease after {newest} can be spelled"))
                    })?;
                    (v, format!("next prerelease after {newest}"))
                }
                (false, Some(_)) => {
                    return Err(PlanError::NotNewer(format!(
                        "{v} is not newer than {newest}; choose a later label"
                    )));
                }
            }
        }
        b => (b.apply(newest)?, format!("{} bump of {newest}", b.name())),
    };
    let name = spell(folder, file, &version)?;
    let path = folder.path.join(&name);
    check_target(index, source, &path)?;
    let content = if title.is_some() || description.is_some() {
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            PlanError::Read(crate::vfs::VfsError::NotUtf8 {
                path: source.to_path_buf(),
            })
        })?;
        set_front_matter(&file.name, text, title, description)?.into_bytes()
    } else {
        bytes
    };
    Ok(Plan {
        path,
        content,
        version: version.to_string(),
        reason,
    })
}

/// Plans "revert to `to`" for the prompt variant of `source`: a NEW version whose content
/// is `to`'s bytes, verbatim. History is never rewritten.
///
/// The new version is the next patch of the newest; when the newest is a prerelease it is
/// that prerelease's successor (`v2.0.0-rc.1` -> `v2.0.0-rc.2`: a revert never publishes
/// a release), and when the version pattern has no patch part it is the next major. The
/// plan's reason says which.
///
/// # Errors
/// [`PlanError::VersionNotFound`] (with the available versions), [`PlanError::Read`] when
/// the old version cannot be read, and the errors of [`plan_create`].
pub fn plan_revert(index: &Index, source: &Path, to: &str) -> Result<Plan, PlanError> {
    let (folder, i) = index
        .file(source)
        .ok_or_else(|| PlanError::NotAPrompt(source.display().to_string()))?;
    let file = &folder.files[i];
    read_only(folder, file)?;
    let prompt = folder
        .prompt(&file.parsed.base)
        .ok_or_else(|| PlanError::NotAPrompt(source.display().to_string()))?;
    let wanted = folder
        .scheme
        .parse_version_spec(to)
        .ok_or_else(|| PlanError::VersionNotFound(format!("{to:?} is not a version")))?;
    let variant: Vec<&PromptFile> = folder
        .prompt_files(prompt)
        .filter(|f| f.parsed.variant == file.parsed.variant)
        .collect();
    let old = variant
        .iter()
        .find(|f| f.parsed.version.as_ref() == Some(&wanted))
        .ok_or_else(|| {
            let avail: Vec<String> = variant
                .iter()
                .filter_map(|f| f.parsed.version.as_ref())
                .map(|v| v.to_string())
                .collect();
            PlanError::VersionNotFound(format!(
                "`{}` has no {wanted}; available: {}",
                prompt.base,
                avail.join(", ")
            ))
        })?;
    let newest_file = variant
        .iter()
        .filter(|f| f.parsed.version.is_some())
        .max_by(|a, b| a.parsed.version.cmp(&b.parsed.version))
        .ok_or_else(|| unversioned(file))?;
    let newest = newest_file
        .parsed
        .version
        .as_ref()
        .ok_or_else(|| unversioned(file))?;
    let (version, why) = if newest.is_prerelease() {
        let v =
            next_prerelease(newest, &folder.scheme.config.prerelease_order).ok_or_else(|| {
                PlanError::NotNewer(format!("no prerelease after {newest} can be spelled"))
            })?;
        (
            v,
            format!(
                ": the newest version {newest} is a prerelease, so the revert is its next prerelease, not a release"
            ),
        )
    } else if let Some(part) = unspellable_part(folder, newest_file, &Bump::Patch) {
        (
            Bump::Major.apply(newest)?,
            format!(": the version pattern has no {part} part, so a major bump"),
        )
    } else {
        (Bump::Patch.apply(newest)?, String::new())
    };
    let name = spell(folder, newest_file, &version)?;
    let path = folder.path.join(&name);
    check_target(index, source, &path)?;
    let content = index.files().bytes(&folder.path_of(old))?;
    Ok(Plan {
        path,
        content,
        version: version.to_string(),
        reason: format!("revert to {wanted} as {version}{why}"),
    })
}

/// Plans "create variant": a copy of `source` for another classifier value, at the
/// same version (`task_v2.md` -> `task_ru_v2.md` for `lang=ru`), in the source's spelling.
///
/// The content is `text` (the editor's buffer) or the file's bytes, verbatim; fails as
/// [`plan_create`] does, and with [`PlanError::Unspellable`] for an unknown classifier or
/// value.
pub fn plan_variant(
    index: &Index,
    source: &Path,
    classifier: &str,
    value: &str,
    text: Option<&str>,
) -> Result<Plan, PlanError> {
    let (folder, i) = index
        .file(source)
        .ok_or_else(|| PlanError::NotAPrompt(source.display().to_string()))?;
    let file = &folder.files[i];
    read_only(folder, file)?;
    let version = file
        .parsed
        .version
        .as_ref()
        .ok_or_else(|| unversioned(file))?;
    let scheme = &folder.scheme;
    let ci = scheme
        .classifier_names()
        .iter()
        .position(|n| n == classifier)
        .ok_or_else(|| {
            PlanError::Unspellable(format!("classifier `{classifier}` is not declared"))
        })?;
    let vi = scheme.value_of(ci, value).ok_or_else(|| {
        PlanError::Unspellable(format!("`{value}` is not a value of `{classifier}`"))
    })?;
    let name = &*file.name;
    let stem = &name[..name.len() - file.parsed.ext.len() - 1];
    let m = scheme
        .pattern()
        .last_match(stem)
        .ok_or_else(|| unversioned(file))?;
    let d = if scheme.pattern().is_custom() {
        scheme.config.delimiters[0]
    } else {
        stem[m.range.start..].chars().next().unwrap_or('_')
    };
    let mut variant = file.parsed.variant.to_vec();
    variant[ci] = vi;
    let defaults = scheme.default_variant();
    let mut out = file.parsed.base.to_string();
    for (k, &v) in variant.iter().enumerate() {
        if v != defaults[k] || file.parsed.explicit[k] || k == ci {
            out.push(d);
            out.push_str(scheme.value_name(k, v));
        }
    }
    out.push_str(&stem[m.range.start..]);
    out.push('.');
    out.push_str(&file.parsed.ext);
    let path = folder.path.join(&out);
    check_target(index, source, &path)?;
    let content = match text {
        Some(t) => t.as_bytes().to_vec(),
        None => index.files().bytes(source)?,
    };
    Ok(Plan {
        path,
        content,
        version: version.to_string(),
        reason: format!("variant {classifier}={value} of {version}"),
    })
}
