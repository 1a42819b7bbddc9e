//! A package made from one prompt of the workspace at one version
//! (`promptls publish prompts/task@v2.1.0`): every variant's file of that version, with a
//! `prompt.yaml` generated from the files' front matter, `{{variables}}`, classifiers and
//! sha256 sums.

use std::collections::BTreeMap;

use crate::analysis::{front_matter, variables};
use crate::index::Index;
use crate::ops::target::find_prompt;
use crate::registry::package::{Manifest, ManifestFile, Package, PackageFile};
use crate::registry::tarball::sha256_hex;
use crate::registry::{PackageIdError, validate_part};

/// Why a workspace prompt could not be packaged.
#[derive(Debug, thiserror::Error)]
pub enum WorkspacePackageError {
    /// The target is not `PROMPT@VERSION`.
    #[error(
        "`{0}` names no version; write the prompt and the version to publish, for example prompts/task@v2.1.0"
    )]
    NoVersion(String),
    /// No indexed prompt has this id.
    #[error("PromptNotFoundError: no prompt `{0}`")]
    PromptNotFound(String),
    /// The version is not a version, or no file of the prompt has it.
    #[error("VersionNotFoundError: `{prompt}` has no version `{version}`{}", available_list(.available))]
    VersionNotFound {
        /// The prompt id.
        prompt: String,
        /// The version as written.
        version: String,
        /// The versions the prompt has, newest first.
        available: Vec<String>,
    },
    /// The version cannot be written as a semantic version (a prerelease tag semver does
    /// not accept).
    #[error(
        "version `{version}` is not a semantic version ({reason}); packages are versioned by semver"
    )]
    NotSemver {
        /// The version as the file names write it.
        version: String,
        /// What semver says.
        reason: String,
    },
    /// The package name (given, or made from the prompt's name) breaks the naming rule.
    #[error("{0}; choose one with --name")]
    Name(PackageIdError),
    /// A file of the version could not be read.
    #[error("{0}")]
    Read(#[from] crate::vfs::VfsError),
    /// The files do not make a valid package.
    #[error("{0}")]
    Package(#[from] crate::registry::package::ManifestError),
}

fn available_list(available: &[String]) -> String {
    if available.is_empty() {
        String::new()
    } else {
        format!(" (it has {})", available.join(", "))
    }
}

/// The package name a prompt gets when none is given: its base name lower-cased, with
/// `_` and `.` written as `-` (`support_reply` → `support-reply`).
pub fn default_package_name(base: &str) -> String {
    base.chars()
        .map(|c| match c {
            '_' | '.' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Packages `target` (`prompts/task@v2.1.0`: a prompt id, `@`, a version as file names
/// write it) from `index`: the files of every variant that have that version, named as
/// in the workspace, with a manifest whose `name` is `name` (else
/// [`default_package_name`] of the prompt), whose `version` is the version as semver, and
/// whose `description` is the front matter `description` of the default variant's file
/// (else of the first file that has one).
///
/// # Errors
/// [`WorkspacePackageError`]: no `@`, an unknown prompt or version, a version semver
/// refuses, an invalid name, a file that cannot be read.
pub fn package_prompt(
    index: &Index,
    target: &str,
    name: Option<&str>,
) -> Result<Package, WorkspacePackageError> {
    let (id, spec) = target
        .rsplit_once('@')
        .filter(|(id, spec)| !id.is_empty() && !spec.is_empty())
        .ok_or_else(|| WorkspacePackageError::NoVersion(target.to_owned()))?;
    let id = id.trim_end_matches('/');
    let (folder, prompt) =
        find_prompt(index, id).ok_or_else(|| WorkspacePackageError::PromptNotFound(id.into()))?;
    let scheme = &folder.scheme;
    let mut available: Vec<String> = Vec::new();
    for f in folder.prompt_files(prompt) {
        if let Some(v) = &f.parsed.version {
            let v = v.to_string();
            if !available.contains(&v) {
                available.push(v);
            }
        }
    }
    let not_found = || WorkspacePackageError::VersionNotFound {
        prompt: id.to_owned(),
        version: spec.to_owned(),
        available: available.clone(),
    };
    let version = scheme
        .try_parse_version_spec(spec)
        .map_err(|_| not_found())?;
    let files: Vec<_> = folder
        .prompt_files(prompt)
        .filter(|f| f.parsed.version.as_ref() == Some(&version))
        .collect();
    if files.is_empty() {
        return Err(not_found());
    }
    let written = version.to_string();
    let semver_version = semver::Version::parse(written.trim_start_matches('v')).map_err(|e| {
        WorkspacePackageError::NotSemver {
            version: written.clone(),
            reason: e.to_string(),
        }
    })?;
    let name = match name {
        Some(n) => n.to_owned(),
        None => default_package_name(&prompt.base),
    };
    validate_part("name", &name).map_err(WorkspacePackageError::Name)?;

    let default_variant = scheme.default_variant();
    let mut description: Option<(bool, String)> = None;
    let mut manifest_files = Vec::with_capacity(files.len());
    let mut package_files = Vec::with_capacity(files.len());
    for f in files {
        let path = folder.path_of(f);
        let bytes = index.files().bytes(&path)?;
        let text = String::from_utf8_lossy(&bytes);
        let fm = front_matter(&text);
        if let Some(d) = fm.description.filter(|d| !d.trim().is_empty()) {
            let is_default = *f.parsed.variant == *default_variant;
            if description
                .as_ref()
                .is_none_or(|(was_default, _)| is_default && !*was_default)
            {
                description = Some((is_default, d));
            }
        }
        let classifiers: BTreeMap<String, String> = scheme
            .classifier_names()
            .iter()
            .enumerate()
            .zip(f.parsed.variant.iter())
            .map(|((ci, n), &vi)| (n.clone(), scheme.value_name(ci, vi).to_owned()))
            .collect();
        manifest_files.push(ManifestFile {
            path: f.name.to_string(),
            sha256: Some(sha256_hex(&bytes)),
            variables: variables(&text, crate::analysis::is_jinja(&f.name)),
            classifiers,
        });
        package_files.push(PackageFile {
            path: f.name.to_string(),
            bytes,
        });
    }
    let manifest = Manifest {
        name,
        version: semver_version,
        description: description.map(|(_, d)| d),
        files: manifest_files,
    };
    Ok(Package::new(manifest, package_files)?)
}

/// The references of the package's files (in the workspace `index`, where the package
/// was made) that reach outside it: to a file the package does not hold, or to nothing.
/// Once installed elsewhere, such a reference does not resolve. One line each,
/// `file:line: \`target\` reaches …`, in file order.
pub fn references_outside(index: &Index, dir: &std::path::Path, package: &Package) -> Vec<String> {
    let inside: std::collections::HashSet<std::path::PathBuf> =
        package.files.iter().map(|f| dir.join(&f.path)).collect();
    let mut out = Vec::new();
    for f in &package.files {
        let text = String::from_utf8_lossy(&f.bytes);
        let path = dir.join(&f.path);
        let scan = crate::references::scan_file(&f.path, &text);
        for rr in crate::analysis::resolve_scan(index, &path, &scan) {
            let line = text[..rr.reference.target.range.start.min(text.len())]
                .matches('\n')
                .count()
                + 1;
            let target = &rr.reference.target.value;
            match &rr.result {
                Ok(resolved) if inside.contains(&resolved.path()) => {}
                Ok(resolved) => out.push(format!(
                    "{}:{line}: `{target}` reaches {}, which the package does not hold",
                    f.path,
                    index
                        .root_of(&resolved.path())
                        .and_then(|r| resolved
                            .path()
                            .strip_prefix(r)
                            .ok()
                            .map(|p| p.display().to_string()))
                        .unwrap_or_else(|| resolved.path().display().to_string())
                )),
                Err(_) => out.push(format!("{}:{line}: `{target}` does not resolve", f.path)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::{ConfigFileKind, ConfigSource, load_config_file};

    const CONFIG: &str =
        "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n";

    fn tree(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Index) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::create_dir(dir.path().join("prompts")).unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.path().join("prompts").join(name), bytes).unwrap();
        }
        let p = dir.path().join("promptic.toml");
        std::fs::write(&p, CONFIG).unwrap();
        let mut source = ConfigSource::new();
        source.explicit = Some(Arc::new(load_config_file(
            &p,
            ConfigFileKind::Promptic,
            CONFIG,
        )));
        let index = Index::scan(vec![dir.path().to_path_buf()], Arc::new(source));
        (dir, index)
    }

    #[test]
    fn every_variant_of_the_version_with_a_generated_manifest() {
        let en: &[u8] = b"---\ndescription: English first\n---\nHello {{name}} in {{tone}}.\n";
        let ru: &[u8] = b"---\ndescription: Russian\n---\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 {{name}}\n";
        let (_dir, index) = tree(&[
            ("support_reply_v1.0.0.md", b"old"),
            ("support_reply_ru_v1.2.0.md", ru),
            ("support_reply_v1.2.0.md", en),
            ("support_reply_v1.3.0-beta.md", b"next"),
        ]);
        let package = package_prompt(&index, "prompts/support_reply@v1.2", None).unwrap();
        let m = &package.manifest;
        assert_eq!(m.name, "support-reply");
        assert_eq!(m.version.to_string(), "1.2.0");
        // The default variant's description wins over the other variant's.
        assert_eq!(m.description.as_deref(), Some("English first"));
        type Row<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>, bool);
        let files: Vec<Row<'_>> = m
            .files
            .iter()
            .map(|f| {
                (
                    f.path.as_str(),
                    f.variables.iter().map(String::as_str).collect(),
                    f.classifiers
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect(),
                    f.sha256.is_some(),
                )
            })
            .collect();
        assert_eq!(
            files,
            vec![
                (
                    "support_reply_ru_v1.2.0.md",
                    vec!["name"],
                    vec![("lang", "ru")],
                    true
                ),
                (
                    "support_reply_v1.2.0.md",
                    vec!["name", "tone"],
                    vec![("lang", "en")],
                    true
                ),
            ]
        );
        // Bytes verbatim, sums of those bytes.
        assert_eq!(package.files[0].bytes, ru);
        assert_eq!(m.files[0].sha256.as_deref(), Some(sha256_hex(ru).as_str()));
        // A prerelease and another name.
        let beta =
            package_prompt(&index, "prompts/support_reply@v1.3.0-beta", Some("reply")).unwrap();
        assert_eq!(
            (
                beta.manifest.name.as_str(),
                beta.manifest.version.to_string().as_str()
            ),
            ("reply", "1.3.0-beta")
        );
    }

    #[test]
    fn errors_say_what_exists() {
        let (_dir, index) = tree(&[("task_v1.0.0.md", b"a"), ("task_v2.0.0.md", b"b")]);
        let err =
            |t: &str, name: Option<&str>| package_prompt(&index, t, name).unwrap_err().to_string();
        assert_eq!(
            err("prompts/task", None),
            "`prompts/task` names no version; write the prompt and the version to publish, for example prompts/task@v2.1.0"
        );
        assert_eq!(
            err("prompts/nope@v1", None),
            "PromptNotFoundError: no prompt `prompts/nope`"
        );
        assert_eq!(
            err("prompts/task@v3", None),
            "VersionNotFoundError: `prompts/task` has no version `v3` (it has v2.0.0, v1.0.0)"
        );
        assert_eq!(
            err("prompts/task@v99999999999999999999999", None),
            "VersionNotFoundError: `prompts/task` has no version `v99999999999999999999999` (it has v2.0.0, v1.0.0)"
        );
        assert_eq!(
            err("../outside@v1", None),
            "PromptNotFoundError: no prompt `../outside`"
        );
        assert!(err("prompts/task@v1", Some("Bad_Name")).ends_with("; choose one with --name"));
    }
}
