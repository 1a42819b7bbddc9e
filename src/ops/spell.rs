//! Spelling a version in the style of an existing file name.

use crate::index::{Folder, PromptFile};
use crate::versioning::Version;

use super::PlanError;

/// Spells `v` in the style of `file`'s name: same delimiter, `v`/`V`, and at least as
/// many version parts as the source (`v1` style stays short when it can). Custom
/// patterns replace the captured numbers in place (`_rev42` -> `_rev43`).
///
/// Fails with [`PlanError::Unversioned`] when `file`'s name has no version, and
/// [`PlanError::Unspellable`] when the pattern has no place for a part of `v` or the new
/// name would not read back as `v` of the same prompt and variant.
pub fn spell(folder: &Folder, file: &PromptFile, v: &Version) -> Result<String, PlanError> {
    let name = spell_unchecked(folder, file, v)?;
    // The name must read back as exactly this version of this prompt variant.
    let back = folder.scheme.parse(&name);
    let same = back.as_ref().is_some_and(|p| {
        p.version.as_ref() == Some(v)
            && p.version
                .as_ref()
                .map(|x| x.prerelease.as_ref().map(|p| &p.text))
                == Some(v.prerelease.as_ref().map(|p| &p.text))
            && p.base == file.parsed.base
            && p.variant == file.parsed.variant
    });
    if !same {
        let read = back
            .and_then(|p| p.version)
            .map_or_else(|| "no version".to_string(), |x| x.to_string());
        return Err(PlanError::Unspellable(format!(
            "`{name}` would be read as {read}, not {v}"
        )));
    }
    Ok(name)
}

fn spell_unchecked(folder: &Folder, file: &PromptFile, v: &Version) -> Result<String, PlanError> {
    let name = &*file.name;
    let stem = &name[..name.len() - file.parsed.ext.len() - 1];
    let m = folder
        .scheme
        .pattern()
        .last_match(stem)
        .ok_or_else(|| super::plan::unversioned(file))?;
    if folder.scheme.pattern().is_custom() {
        let mut out = stem.to_string();
        let mut groups = vec![(m.major.clone(), v.major)];
        if let Some(r) = &m.minor {
            groups.push((r.clone(), v.minor));
        } else if v.minor != 0 {
            return Err(PlanError::Unspellable(format!(
                "the version pattern of `{name}` has no minor part for {v}"
            )));
        }
        if let Some(r) = &m.patch {
            groups.push((r.clone(), v.patch));
        } else if v.patch != 0 {
            return Err(PlanError::Unspellable(format!(
                "the version pattern of `{name}` has no patch part for {v}"
            )));
        }
        if v.prerelease.is_some() {
            return Err(PlanError::Unspellable(format!(
                "the version pattern of `{name}` cannot spell prereleases"
            )));
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.0.start));
        for (r, n) in groups {
            out.replace_range(r, &n.to_string());
        }
        return Ok(format!("{out}.{}", file.parsed.ext));
    }
    let parts_in_source = 1 + usize::from(m.minor.is_some()) + usize::from(m.patch.is_some());
    let needed = if v.patch != 0 {
        3
    } else if v.minor != 0 {
        2
    } else {
        1
    };
    let parts = parts_in_source.max(needed);
    let nums = [v.major, v.minor, v.patch];
    let number = nums[..parts]
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(".");
    let prefix = &stem[..m.major.start]; // base, classifiers, delimiter and `v`
    let pre = v
        .prerelease
        .as_ref()
        .map(|p| format!("-{}", p.text))
        .unwrap_or_default();
    Ok(format!("{prefix}{number}{pre}.{}", file.parsed.ext))
}
