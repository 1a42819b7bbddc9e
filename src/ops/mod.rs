//! Operation plans (pure planning, I-2, I-3): create a version, revert to one, diff two.
//! A plan names the new file and its content; the faces write it (the server through the
//! client's `workspace/applyEdit`, the CLI atomically) and never overwrite a file.

use std::path::{Path, PathBuf};

use crate::analysis::{VariableChange, compare_variables, front_matter, read_capped, variables};
use crate::diagnostics::{Code, Diagnostic};
use crate::index::{Folder, Index, PromptFile};
use crate::versioning::{Prerelease, Version};

/// A version bump (seed 001's semver discipline).
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
    /// Parses `major|minor|patch|prerelease`.
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

    /// Applies the bump to `v` (prereleases are handled by the caller).
    pub fn apply(&self, v: &Version) -> Version {
        match self {
            Bump::Major => Version::new(v.major + 1, 0, 0),
            Bump::Minor => Version::new(v.major, v.minor + 1, 0),
            Bump::Patch | Bump::Prerelease => {
                if v.is_prerelease() {
                    v.release()
                } else {
                    Version::new(v.major, v.minor, v.patch + 1)
                }
            }
        }
    }
}

/// Why an operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The source is not a known prompt file.
    #[error("`{0}` is not an indexed prompt file")]
    NotAPrompt(String),
    /// The source has no version to bump from.
    #[error("`{0}` is unversioned: rename it with a version (e.g. _v1) before creating versions")]
    Unversioned(String),
    /// The new file exists already: nothing is overwritten.
    #[error("`{0}` already exists; promptls never overwrites a file")]
    Exists(String),
    /// The new file would leave the prompt's workspace folder.
    #[error("`{0}` is outside the workspace folder; promptls writes only inside it")]
    OutsideWorkspace(String),
    /// The requested version does not exist.
    #[error("{0}")]
    VersionNotFound(String),
    /// The version pattern cannot spell the new version.
    #[error("{0}")]
    Unspellable(String),
}

/// A planned new file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// The new file (absolute; same folder as the source).
    pub path: PathBuf,
    /// Its content.
    pub content: String,
    /// The new version.
    pub version: String,
    /// Why, in words ("patch of v2.0.0", "revert to v1.0.0 as v2.0.1").
    pub reason: String,
}

/// The bump the variable rule recommends (I-3) and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Recommendation {
    /// The smallest bump the changes allow.
    pub bump: Bump,
    /// Why ("removes {{product}}: breaking").
    pub reason: String,
    /// The variable changes behind it.
    pub change: VariableChange,
}

fn is_jinja(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".jinja") || lower.ends_with(".jinja2") || lower.ends_with(".j2")
}

/// The versioned file that `file` follows in its variant (the next older version).
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
/// compared with the version it follows (I-3's variable rule; the `semver-bump` check).
pub fn recommend(folder: &Folder, file: &PromptFile, text: &str) -> Recommendation {
    recommend_against(predecessor(folder, file), folder, file, text)
}

/// Recommends the bump for a NEW version whose content is `text`, created from `file`:
/// the new version follows the newest version of `file`'s variant, so that is what its
/// variables are compared with (an unchanged copy is a patch).
pub fn recommend_next(folder: &Folder, file: &PromptFile, text: &str) -> Recommendation {
    recommend_against(newest_in_variant(folder, file), folder, file, text)
}

/// The newest versioned file of `file`'s prompt variant (possibly `file` itself).
pub fn newest_in_variant<'a>(folder: &'a Folder, file: &PromptFile) -> Option<&'a PromptFile> {
    let prompt = folder.prompt(&file.parsed.base)?;
    folder
        .prompt_files(prompt)
        .filter(|f| f.parsed.variant == file.parsed.variant && f.parsed.version.is_some())
        .max_by(|a, b| a.parsed.version.cmp(&b.parsed.version))
}

fn recommend_against(
    base: Option<&PromptFile>,
    folder: &Folder,
    file: &PromptFile,
    text: &str,
) -> Recommendation {
    let jinja = is_jinja(&file.name);
    let new_vars = variables(text, jinja);
    let old_vars = base
        .and_then(|p| read_capped(&folder.path_of(p)))
        .map(|t| variables(&t, jinja))
        .unwrap_or_else(|| new_vars.clone());
    let change = compare_variables(&old_vars, &new_vars);
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

/// Spells `v` in the style of `file`'s name: same delimiter, `v`/`V`, and at least as
/// many version parts as the source (`v1` style stays short when it can). Custom
/// patterns replace the captured numbers in place (`_rev42` -> `_rev43`).
pub fn spell(folder: &Folder, file: &PromptFile, v: &Version) -> Result<String, PlanError> {
    let name = &*file.name;
    let stem = &name[..name.len() - file.parsed.ext.len() - 1];
    let m = folder
        .scheme
        .pattern()
        .last_match(stem)
        .ok_or_else(|| PlanError::Unversioned(name.to_string()))?;
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
        groups.sort_by_key(|g| std::cmp::Reverse(g.0.start));
        for (r, n) in groups {
            out.replace_range(r, &n.to_string());
        }
        if v.prerelease.is_some() {
            return Err(PlanError::Unspellable(format!(
                "the version pattern of `{name}` cannot spell prereleases"
            )));
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

fn check_target(index: &Index, source: &Path, target: &Path) -> Result<(), PlanError> {
    let shown = target.to_string_lossy().to_string();
    let root = index
        .root_of(source)
        .ok_or_else(|| PlanError::OutsideWorkspace(shown.clone()))?;
    if !target.starts_with(root) || target.parent() != source.parent() {
        return Err(PlanError::OutsideWorkspace(shown));
    }
    // A symlinked folder could point outside: compare real paths too.
    if let (Ok(real_root), Some(parent)) = (root.canonicalize(), target.parent())
        && let Ok(real_parent) = parent.canonicalize()
        && !real_parent.starts_with(&real_root)
    {
        return Err(PlanError::OutsideWorkspace(shown));
    }
    if target.exists() || target.symlink_metadata().is_ok() {
        return Err(PlanError::Exists(shown));
    }
    Ok(())
}

/// Sets `title` / `description` in YAML front matter, adding a block when there is none.
pub fn with_front_matter(content: &str, title: Option<&str>, description: Option<&str>) -> String {
    if title.is_none() && description.is_none() {
        return content.to_string();
    }
    let fm = front_matter(content);
    let mut fields: Vec<(String, String)> = Vec::new();
    let body = if fm.body_start > 0 {
        let block = &content[..fm.body_start];
        for line in block.lines().skip(1) {
            if line.trim() == "---" || line.trim() == "..." {
                break;
            }
            let (k, v) = line.split_once(':').unwrap_or((line, ""));
            fields.push((k.to_string(), v.trim().to_string()));
        }
        &content[fm.body_start..]
    } else {
        content
    };
    for (key, value) in [("title", title), ("description", description)] {
        if let Some(value) = value {
            let quoted = serde_json::to_string(value).unwrap_or_default();
            match fields.iter_mut().find(|(k, _)| k.trim() == key) {
                Some(f) => f.1 = quoted,
                None => fields.push((key.to_string(), quoted)),
            }
        }
    }
    let mut out = String::from("---\n");
    for (k, v) in fields {
        if v.is_empty() {
            out.push_str(&format!("{k}:\n"))
        } else {
            out.push_str(&format!("{k}: {v}\n"))
        }
    }
    out.push_str("---\n");
    out.push_str(body);
    out
}

/// Plans "create version" from `source` (an indexed versioned file) with `bump`; the
/// content is `text` (the buffer) or the file's, front matter updated when given.
pub fn plan_create(
    index: &Index,
    source: &Path,
    bump: &Bump,
    label: Option<&str>,
    text: Option<&str>,
    title: Option<&str>,
    description: Option<&str>,
) -> Result<Plan, PlanError> {
    let (folder, i) = index
        .file(source)
        .ok_or_else(|| PlanError::NotAPrompt(source.display().to_string()))?;
    let file = &folder.files[i];
    let current = file
        .parsed
        .version
        .as_ref()
        .ok_or_else(|| PlanError::Unversioned(file.name.to_string()))?;
    // Bump from the newest version of the variant, so two creates never collide.
    let prompt = folder
        .prompt(&file.parsed.base)
        .expect("indexed file has a prompt");
    let newest = folder
        .prompt_files(prompt)
        .filter(|f| f.parsed.variant == file.parsed.variant)
        .filter_map(|f| f.parsed.version.as_ref())
        .max()
        .unwrap_or(current);
    let content_src = match text {
        Some(t) => t.to_string(),
        None => std::fs::read_to_string(source).unwrap_or_default(),
    };
    let (version, reason) = match bump {
        Bump::Prerelease => {
            let rec = recommend_next(folder, file, &content_src);
            let base = rec.bump.apply(newest);
            let label = label.unwrap_or_else(|| {
                folder
                    .scheme
                    .config
                    .prerelease_order
                    .first()
                    .map_or("alpha", |s| s.as_str())
            });
            let v = Version {
                prerelease: Some(Prerelease::new(
                    label,
                    &folder.scheme.config.prerelease_order,
                )),
                ..base
            };
            (
                v,
                format!(
                    "prerelease of the next {} version after {newest}",
                    rec.bump.name()
                ),
            )
        }
        b => (b.apply(newest), format!("{} bump of {newest}", b.name())),
    };
    let name = spell(folder, file, &version)?;
    let path = folder.path.join(&name);
    check_target(index, source, &path)?;
    Ok(Plan {
        path,
        content: with_front_matter(&content_src, title, description),
        version: version.to_string(),
        reason,
    })
}

/// Plans "revert to `to`" for the prompt variant of `source`: a NEW version (the next
/// patch of the newest) whose content is `to`'s. History is never rewritten.
pub fn plan_revert(index: &Index, source: &Path, to: &str) -> Result<Plan, PlanError> {
    let (folder, i) = index
        .file(source)
        .ok_or_else(|| PlanError::NotAPrompt(source.display().to_string()))?;
    let file = &folder.files[i];
    let prompt = folder
        .prompt(&file.parsed.base)
        .expect("indexed file has a prompt");
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
        .unwrap();
    let newest = newest_file.parsed.version.as_ref().unwrap();
    let version = Bump::Patch.apply(newest);
    let name = spell(folder, newest_file, &version)?;
    let path = folder.path.join(&name);
    check_target(index, source, &path)?;
    let content = std::fs::read_to_string(folder.path_of(old)).unwrap_or_default();
    Ok(Plan {
        path,
        content,
        version: version.to_string(),
        reason: format!("revert to {wanted} as {version}"),
    })
}

/// A unified diff between two files plus their variable changes (I-2 `diffVersions`).
pub fn diff(old_path: &Path, new_path: &Path) -> (String, VariableChange) {
    let old = read_capped(old_path).unwrap_or_default();
    let new = read_capped(new_path).unwrap_or_default();
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    let text = similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .header(&name(old_path), &name(new_path))
        .to_string();
    let jinja = is_jinja(&name(new_path));
    (
        text,
        compare_variables(&variables(&old, jinja), &variables(&new, jinja)),
    )
}

/// The `semver-bump` diagnostic (I-4): a version whose bump from its predecessor is
/// smaller than its variable changes need. `text` overrides the file's content.
pub fn semver_diagnostic(folder: &Folder, file: &PromptFile, text: &str) -> Option<Diagnostic> {
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
    let rec = recommend(folder, file, text);
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
            .any(|f| std::fs::read_to_string(folder.path_of(f)).is_ok_and(|old| old == text))
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
            if let Some(text) = read_capped(&folder.path_of(file)) {
                out.extend(semver_diagnostic(folder, file, &text));
            }
        }
    }
    out
}

/// Writes a plan atomically: a temporary file in the same folder, then a rename that
/// refuses to replace an existing file (I-5). No partial file is left on failure.
pub fn write_plan(plan: &Plan) -> std::io::Result<()> {
    let dir = plan
        .path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent folder"))?;
    let tmp = dir.join(format!(
        ".{}.promptls-tmp-{}",
        plan.path.file_name().unwrap().to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        std::fs::write(&tmp, &plan.content)?;
        // hard_link fails if the target exists: an atomic "create, never overwrite".
        std::fs::hard_link(&tmp, &plan.path)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Plans "create variant" (I-3): a copy of `source` for another classifier value, at the
/// same version (`task_v2.md` -> `task_ru_v2.md` for `lang=ru`), in the source's spelling.
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
    let version = file
        .parsed
        .version
        .as_ref()
        .ok_or_else(|| PlanError::Unversioned(file.name.to_string()))?;
    let scheme = &folder.scheme;
    let ci = scheme
        .classifier_names()
        .iter()
        .position(|n| n == classifier)
        .ok_or_else(|| {
            PlanError::Unspellable(format!("classifier `{classifier}` is not declared"))
        })?;
    let (c, vi) = scheme
        .lookup_value(value)
        .filter(|(c, _)| *c as usize == ci)
        .ok_or_else(|| {
            PlanError::Unspellable(format!("`{value}` is not a value of `{classifier}`"))
        })?;
    let _ = c;
    let name = &*file.name;
    let stem = &name[..name.len() - file.parsed.ext.len() - 1];
    let m = scheme
        .pattern()
        .last_match(stem)
        .ok_or_else(|| PlanError::Unversioned(name.to_string()))?;
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
        Some(t) => t.to_string(),
        None => std::fs::read_to_string(source).unwrap_or_default(),
    };
    Ok(Plan {
        path,
        content,
        version: version.to_string(),
        reason: format!("variant {classifier}={value} of {version}"),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::{ConfigFileKind, ConfigSource, load_config_file};

    /// An index over `files` (empty contents unless given) with `config` (promptic.toml text).
    fn tree(files: &[(&str, &str)], config: Option<&str>) -> (tempfile::TempDir, Index) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let mut source = ConfigSource::new();
        if let Some(c) = config {
            let p = dir.path().join("promptic.toml");
            std::fs::write(&p, c).unwrap();
            source.explicit = Some(Arc::new(load_config_file(&p, ConfigFileKind::Promptic, c)));
        }
        let index = Index::scan(vec![dir.path().to_path_buf()], Arc::new(source));
        (dir, index)
    }

    fn create(
        files: &[(&str, &str)],
        config: Option<&str>,
        from: &str,
        bump: Bump,
    ) -> Result<String, PlanError> {
        let (dir, index) = tree(files, config);
        let p = index.roots()[0].join(from);
        let plan = plan_create(&index, &p, &bump, None, None, None, None)?;
        drop(dir);
        Ok(plan.path.file_name().unwrap().to_string_lossy().to_string())
    }

    #[test]
    fn each_bump_keeps_the_spelling_style() {
        let f = [("task_v1.md", "")];
        assert_eq!(
            create(&f, None, "task_v1.md", Bump::Patch).unwrap(),
            "task_v1.0.1.md"
        );
        assert_eq!(
            create(&f, None, "task_v1.md", Bump::Minor).unwrap(),
            "task_v1.1.md"
        );
        assert_eq!(
            create(&f, None, "task_v1.md", Bump::Major).unwrap(),
            "task_v2.md"
        );
        let f = [("task_v1.0.0.md", "")];
        assert_eq!(
            create(&f, None, "task_v1.0.0.md", Bump::Major).unwrap(),
            "task_v2.0.0.md"
        );
        assert_eq!(
            create(&f, None, "task_v1.0.0.md", Bump::Prerelease).unwrap(),
            "task_v1.0.1-alpha.md"
        );
        let f = [("task_V1.yaml", "")];
        assert_eq!(
            create(&f, None, "task_V1.yaml", Bump::Minor).unwrap(),
            "task_V1.1.yaml"
        );
    }

    #[test]
    fn every_delimiter() {
        let cfg = "[versioning]\ndelimiters = [\"_\", \"-\", \".\"]\n";
        assert_eq!(
            create(&[("a-v1.md", "")], Some(cfg), "a-v1.md", Bump::Major).unwrap(),
            "a-v2.md"
        );
        assert_eq!(
            create(&[("a.v1.2.md", "")], Some(cfg), "a.v1.2.md", Bump::Patch).unwrap(),
            "a.v1.2.1.md"
        );
        assert_eq!(
            create(&[("a_v3.md", "")], Some(cfg), "a_v3.md", Bump::Minor).unwrap(),
            "a_v3.1.md"
        );
    }

    #[test]
    fn bumps_from_the_newest_of_the_variant_and_keeps_classifiers() {
        let cfg = "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n";
        let f = [
            ("task_ru_v1.md", ""),
            ("task_ru_v2.md", ""),
            ("task_v5.md", ""),
        ];
        assert_eq!(
            create(&f, Some(cfg), "task_ru_v1.md", Bump::Patch).unwrap(),
            "task_ru_v2.0.1.md"
        );
    }

    #[test]
    fn custom_pattern_family() {
        let cfg = "[versioning]\nversion_pattern = \"_rev(?P<major>\\\\d+)\"\n";
        let f = [("notes_rev41.md", ""), ("notes_rev42.md", "")];
        assert_eq!(
            create(&f, Some(cfg), "notes_rev41.md", Bump::Major).unwrap(),
            "notes_rev43.md"
        );
        assert!(matches!(
            create(&f, Some(cfg), "notes_rev42.md", Bump::Minor),
            Err(PlanError::Unspellable(_))
        ));
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            create(&[("task.md", "")], None, "task.md", Bump::Patch),
            Err(PlanError::Unversioned(_))
        ));
        assert!(matches!(
            create(&[("task_v1.md", "")], None, "other_v1.md", Bump::Patch),
            Err(PlanError::NotAPrompt(_))
        ));
        // The target exists but is not a version of this prompt under this config (a
        // file the index cannot see as newer): never overwritten.
        let (dir, index) = tree(&[("task_v1.md", "")], None);
        std::fs::write(dir.path().join("task_v1.0.1.md"), "keep me").unwrap();
        let r = plan_create(
            &index,
            &dir.path().join("task_v1.md"),
            &Bump::Patch,
            None,
            None,
            None,
            None,
        );
        assert!(matches!(r, Err(PlanError::Exists(_))), "{r:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("task_v1.0.1.md")).unwrap(),
            "keep me"
        );
    }

    #[test]
    fn write_plan_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("task_v2.md");
        std::fs::write(&path, "keep").unwrap();
        let plan = Plan {
            path: path.clone(),
            content: "new".into(),
            version: "v2.0.0".into(),
            reason: String::new(),
        };
        assert!(write_plan(&plan).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        let fresh = Plan {
            path: dir.path().join("task_v3.md"),
            ..plan
        };
        write_plan(&fresh).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("task_v3.md")).unwrap(),
            "new"
        );
    }

    #[test]
    fn revert_is_a_new_patch_with_old_content() {
        let (dir, index) = tree(
            &[("task_v1.md", "one {{a}}"), ("task_v2.md", "two {{b}}")],
            None,
        );
        let plan = plan_revert(&index, &dir.path().join("task_v2.md"), "v1").unwrap();
        assert_eq!(plan.path.file_name().unwrap(), "task_v2.0.1.md");
        assert_eq!(plan.content, "one {{a}}");
        assert!(matches!(
            plan_revert(&index, &dir.path().join("task_v2.md"), "v9"),
            Err(PlanError::VersionNotFound(_))
        ));
    }

    #[test]
    fn variants() {
        let cfg = "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n";
        let (dir, index) = tree(&[("task_v2.md", "x")], Some(cfg));
        let plan =
            plan_variant(&index, &dir.path().join("task_v2.md"), "lang", "ru", None).unwrap();
        assert_eq!(plan.path.file_name().unwrap(), "task_ru_v2.md");
        assert!(plan_variant(&index, &dir.path().join("task_v2.md"), "lang", "es", None).is_err());
    }

    #[test]
    fn variable_rule_recommends() {
        let (dir, index) = tree(
            &[
                ("t_v1.md", "{{a}} {{b}}"),
                ("t_v1.1.md", "{{a}}"),
                ("t_v2.md", "{{a}}"),
            ],
            None,
        );
        let (folder, i) = index.file(&dir.path().join("t_v1.1.md")).unwrap();
        let rec = recommend(folder, &folder.files[i], "{{a}}");
        assert_eq!(rec.bump, Bump::Major);
        assert_eq!(rec.reason, "removes {{b}}: breaking");
        // v1.1.0 removes a variable with only a minor bump: flagged; v2 (major) is not.
        let d = semver_diagnostic(folder, &folder.files[i], "{{a}}").expect("semver-bump");
        assert!(d.message.contains("needs a major bump"), "{}", d.message);
        let (folder, i) = index.file(&dir.path().join("t_v2.md")).unwrap();
        assert!(semver_diagnostic(folder, &folder.files[i], "{{a}}").is_none());
        let next = recommend_next(folder, &folder.files[i], "{{a}} {{c}}");
        assert_eq!(next.bump, Bump::Minor);
        let j2 = "{% for x in items %}{{ x.name }}{% endfor %}";
        let (dir, index) = tree(&[("p_v1.jinja2", "{{ items }}"), ("p_v2.jinja2", j2)], None);
        let (folder, i) = index.file(&dir.path().join("p_v2.jinja2")).unwrap();
        assert_eq!(recommend(folder, &folder.files[i], j2).bump, Bump::Patch);
    }
}
