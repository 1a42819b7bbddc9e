//! `promptls install`: registry packages into `.prompts/{name}/`, recorded in
//! `prompts.lock`; with no package, exactly what the lock says.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::output::{self, finish};
use super::packages::{client, registry_url, report, runtime, split_spec};
use crate::registry::PackageId;
use crate::registry::client::RegistryClient;
use crate::registry::lock::{INSTALL_DIR, LOCK_NAME, LockProblem, LockedPackage, Lockfile, verify};
use crate::registry::store::RegistryVersionSummary;
use crate::registry::tarball::{self, Limits};
use crate::vfs::DiskFiles;

/// What `promptls install` was asked.
pub(super) struct Request {
    /// `owner/name[@VERSION|@REQ]`; `None`: install what the lock says.
    pub package: Option<String>,
    /// The registry (else the lock's, else the default one).
    pub registry: Option<String>,
    /// Fail instead of changing `prompts.lock`.
    pub frozen: bool,
    /// Let a requirement pick prereleases.
    pub prerelease: bool,
    /// Replace an install whose files were changed locally.
    pub force: bool,
}

/// How a version is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRequest {
    /// No version: the newest release (or the newest version with prereleases allowed).
    Newest,
    /// `@1.2.0`: exactly this version, yanked or not.
    Exact(semver::Version),
    /// `@^1.2`, `@~1`, `@1`, `@>=1, <2`: the newest version that matches.
    Req(semver::VersionReq),
}

impl VersionRequest {
    /// Reads the text after `@`: none or `latest` is [`VersionRequest::Newest`], a full
    /// version [`VersionRequest::Exact`], anything else a semver requirement.
    ///
    /// # Errors
    /// A message naming the text when it is neither.
    pub fn parse(text: Option<&str>) -> Result<VersionRequest, String> {
        let Some(text) = text.map(str::trim).filter(|t| *t != "latest") else {
            return Ok(VersionRequest::Newest);
        };
        let bare = text.strip_prefix('v').unwrap_or(text);
        if let Ok(v) = semver::Version::parse(bare) {
            return Ok(VersionRequest::Exact(v));
        }
        semver::VersionReq::parse(text)
            .map(VersionRequest::Req)
            .map_err(|e| {
                format!("`{text}` is neither a version (1.2.0) nor a requirement (^1.2, ~1.4, >=1, <2): {e}")
            })
    }
}

/// The version `request` picks from `versions` (any order): the newest that matches and
/// is not yanked; an exact version is picked even when yanked (a yanked version stays
/// installable on purpose). Prereleases are picked only when `prerelease` is set or the
/// requirement names one (`^2.0.0-beta`), as semver requirements match them.
///
/// # Errors
/// A message listing what exists when nothing matches.
pub fn pick<'a>(
    versions: &'a [RegistryVersionSummary],
    request: &VersionRequest,
    prerelease: bool,
) -> Result<&'a RegistryVersionSummary, String> {
    let chosen = match request {
        VersionRequest::Exact(v) => versions.iter().find(|s| s.version == *v),
        VersionRequest::Newest => versions
            .iter()
            .filter(|s| !s.yanked && (prerelease || s.version.pre.is_empty()))
            .max_by(|a, b| a.version.cmp(&b.version)),
        VersionRequest::Req(req) => versions
            .iter()
            .filter(|s| !s.yanked)
            .filter(|s| {
                req.matches(&s.version)
                    || (prerelease && !s.version.pre.is_empty() && {
                        let mut release = s.version.clone();
                        release.pre = semver::Prerelease::EMPTY;
                        req.matches(&release)
                    })
            })
            .max_by(|a, b| a.version.cmp(&b.version)),
    };
    chosen.ok_or_else(|| {
        let mut sorted: Vec<&RegistryVersionSummary> = versions.iter().collect();
        sorted.sort_by(|a, b| a.version.cmp(&b.version));
        let listed: Vec<String> = sorted
            .iter()
            .map(|s| {
                if s.yanked {
                    format!("{} (yanked)", s.version)
                } else {
                    s.version.to_string()
                }
            })
            .collect();
        let what = match request {
            VersionRequest::Newest if prerelease => "no version to install".to_string(),
            VersionRequest::Newest => "no release to install".to_string(),
            VersionRequest::Exact(v) => format!("version {v} is not published"),
            VersionRequest::Req(r) => format!("no version matches {r}"),
        };
        if listed.is_empty() {
            format!("{what}: nothing is published")
        } else {
            format!("{what}; published: {}", listed.join(", "))
        }
    })
}

/// The folder whose `prompts.lock` and `.prompts/` an install uses: the nearest folder
/// upwards from `cwd` holding `prompts.lock`, else the workspace of `cwd` (its repository
/// root, or its project root), as `promptls check` finds it.
fn project_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|d| crate::vfs::symlink_metadata(&d.join(LOCK_NAME)).is_ok())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| super::check::workspace_of(cwd, cwd))
}

/// Reads `prompts.lock` under `root`: `Ok(None)` when there is none.
fn read_lock(root: &Path) -> Result<Option<Lockfile>, String> {
    let path = root.join(LOCK_NAME);
    if crate::vfs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    let text = crate::vfs::read_text(&path, 16 * 1024 * 1024).map_err(|e| e.to_string())?;
    if text.lossy {
        return Err(format!("{}: not UTF-8 text", path.display()));
    }
    Lockfile::parse(&text.text)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Writes `lock` to `root/prompts.lock`: a new file, or the old one replaced whole
/// (never half written).
fn write_lock(root: &Path, lock: &Lockfile) -> Result<(), String> {
    let path = root.join(LOCK_NAME);
    let text = lock.to_toml();
    let written = if crate::vfs::symlink_metadata(&path).is_ok() {
        crate::vfs::replace_file(&path, text.as_bytes())
    } else {
        crate::vfs::create_new(&path, text.as_bytes())
    };
    written.map_err(|e| e.to_string())
}

/// The problems of one locked package's install.
fn problems_of(root: &Path, entry: &LockedPackage) -> Vec<LockProblem> {
    let one = Lockfile {
        packages: vec![entry.clone()],
    };
    verify(&one, &DiskFiles, root)
}

/// `promptls install`.
pub(super) fn run(req: Request) -> ExitCode {
    let cwd = match super::current_dir() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let root = project_root(&cwd);
    let lock = match read_lock(&root) {
        Ok(lock) => lock,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let runtime = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    match req.package.as_deref() {
        Some(spec) => install_one(&runtime, &root, lock.unwrap_or_default(), spec, &req),
        None => match lock {
            Some(lock) => install_locked(&runtime, &root, &lock, &req),
            None => {
                eprintln!(
                    "error: no {LOCK_NAME} in {} or above; install a package with `promptls install owner/name`",
                    cwd.display()
                );
                ExitCode::from(1)
            }
        },
    }
}

/// Where `id`'s files go: `root/.prompts/{name}`.
fn install_dir(root: &Path, id: &PackageId) -> PathBuf {
    root.join(INSTALL_DIR).join(id.name())
}

/// The local changes that keep an install from being replaced, as lines for the user.
fn local_changes(root: &Path, entry: &LockedPackage) -> Vec<String> {
    problems_of(root, entry)
        .into_iter()
        .filter(|p| !matches!(p, LockProblem::Missing { .. }))
        .map(|p| p.to_string())
        .collect()
}

fn install_one(
    runtime: &tokio::runtime::Runtime,
    root: &Path,
    mut lock: Lockfile,
    spec: &str,
    req: &Request,
) -> ExitCode {
    let (id, version_text) = match split_spec(spec) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let request = match VersionRequest::parse(version_text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(other) = lock
        .packages
        .iter()
        .find(|p| p.id != id && p.id.name() == id.name())
    {
        eprintln!(
            "error: {} is installed in {}/{}/ already; {id} would share the folder (remove {} from {LOCK_NAME} and its folder first)",
            other.id,
            INSTALL_DIR,
            id.name(),
            other.id
        );
        return ExitCode::from(1);
    }
    let locked = lock.get(&id).cloned();
    let url = match req.registry.as_deref() {
        Some(_) => registry_url(req.registry.as_deref()),
        None => match &locked {
            Some(l) => Ok(l.registry.clone()),
            None => registry_url(None),
        },
    };
    let url = match url {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let client = match client(&url) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let versions = match runtime.block_on(client.versions(&id)) {
        Ok(v) => v,
        Err(e) => return report(&e),
    };
    let chosen = match pick(&versions, &request, req.prerelease) {
        Ok(c) => c.clone(),
        Err(e) => {
            eprintln!("error: {id}: {e}");
            return ExitCode::from(1);
        }
    };
    if chosen.yanked {
        eprintln!(
            "warning: {id} {} is yanked; installing it because it was asked for by its version",
            chosen.version
        );
    }
    let unchanged = locked
        .as_ref()
        .is_some_and(|l| l.version == chosen.version && l.registry == url);
    if req.frozen && !unchanged {
        let was = locked.as_ref().map_or("not locked".to_string(), |l| {
            format!("locked at {}", l.version)
        });
        eprintln!(
            "error: --frozen: {LOCK_NAME} would change ({id} is {was}; the request picks {})",
            chosen.version
        );
        return ExitCode::from(1);
    }
    if let Some(l) = &locked
        && !req.force
    {
        let changes = local_changes(root, l);
        if !changes.is_empty() {
            eprintln!(
                "error: the installed {id} was changed locally; nothing was installed (pass --force to replace it):"
            );
            for c in changes {
                eprintln!("  {c}");
            }
            return ExitCode::from(1);
        }
    }
    let entry = match fetch_and_install(runtime, &client, root, &id, &chosen.version, None) {
        Ok(entry) => entry,
        Err(code) => return code,
    };
    let files = entry.files.len();
    lock.upsert(entry);
    if let Err(e) = write_lock(root, &lock) {
        eprintln!("error: the package is installed, but {LOCK_NAME} could not be written: {e}");
        return ExitCode::from(1);
    }
    let text = format!(
        "installed {id} {} into {}/{}/ ({files} file{})\n",
        chosen.version,
        INSTALL_DIR,
        id.name(),
        if files == 1 { "" } else { "s" }
    );
    finish(output::emit(&text), ExitCode::SUCCESS)
}

/// Downloads `id` at `version` (checked against the registry's sha256, and against
/// `expected_sha256` when the lock names one), reads it with the extraction guards, and
/// installs it into `.prompts/{name}/` (the previous content stays if anything fails).
/// Returns the lock entry of what was installed.
fn fetch_and_install(
    runtime: &tokio::runtime::Runtime,
    client: &RegistryClient,
    root: &Path,
    id: &PackageId,
    version: &semver::Version,
    expected_sha256: Option<&str>,
) -> Result<LockedPackage, ExitCode> {
    let bytes = runtime
        .block_on(client.download(id, version))
        .map_err(|e| report(&e))?;
    let sha256 = tarball::sha256_hex(&bytes);
    if let Some(expected) = expected_sha256
        && expected != sha256
    {
        eprintln!(
            "error: the registry's tarball of {id} {version} has sha256 {sha256}, but {LOCK_NAME} locks {expected}; nothing was installed"
        );
        return Err(ExitCode::from(1));
    }
    let package = tarball::read(&bytes, &Limits::default()).map_err(|e| {
        eprintln!("error: {id} {version}: {e}; nothing was installed");
        ExitCode::from(1)
    })?;
    if package.manifest.name != id.name() || package.manifest.version != *version {
        eprintln!(
            "error: the tarball of {id} {version} holds {} {}; nothing was installed",
            package.manifest.name, package.manifest.version
        );
        return Err(ExitCode::from(1));
    }
    let files: Vec<(&str, &[u8])> = package
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    crate::vfs::install_folder(&install_dir(root, id), &files).map_err(|e| {
        eprintln!("error: {id} {version} could not be installed: {e}");
        ExitCode::from(1)
    })?;
    Ok(LockedPackage {
        id: id.clone(),
        version: version.clone(),
        registry: client.url().to_string(),
        url: tarball_location(client.url(), id, version),
        sha256,
        files: package
            .files
            .iter()
            .map(|f| (f.path.clone(), tarball::sha256_hex(&f.bytes)))
            .collect(),
    })
}

/// Where the tarball of `id` at `version` is, for the lock: the registry's download URL
/// (`…/prompts/{owner}/{name}/{version}/tarball` of a server; the stored object of a
/// folder registry).
fn tarball_location(registry: &str, id: &PackageId, version: &semver::Version) -> String {
    let base = registry.trim_end_matches('/');
    if base.starts_with("file:") {
        format!("{base}/objects/{}", id.storage_path(version))
    } else {
        format!(
            "{base}/prompts/{}/{}/{version}/tarball",
            id.owner(),
            id.name()
        )
    }
}

fn install_locked(
    runtime: &tokio::runtime::Runtime,
    root: &Path,
    lock: &Lockfile,
    req: &Request,
) -> ExitCode {
    let mut failed = false;
    let mut text = String::new();
    for entry in &lock.packages {
        let problems = problems_of(root, entry);
        if problems.is_empty() {
            text.push_str(&format!("{} {} is up to date\n", entry.id, entry.version));
            continue;
        }
        let changed: Vec<String> = problems
            .iter()
            .filter(|p| !matches!(p, LockProblem::Missing { .. }))
            .map(ToString::to_string)
            .collect();
        if !changed.is_empty() && !req.force {
            eprintln!(
                "error: the installed {} was changed locally; it was not reinstalled (pass --force to restore it):",
                entry.id
            );
            for c in changed {
                eprintln!("  {c}");
            }
            failed = true;
            continue;
        }
        let url = req
            .registry
            .clone()
            .unwrap_or_else(|| entry.registry.clone());
        let client = match client(&url) {
            Ok(c) => c,
            Err(_) => {
                failed = true;
                continue;
            }
        };
        match fetch_and_install(
            runtime,
            &client,
            root,
            &entry.id,
            &entry.version,
            Some(&entry.sha256),
        ) {
            Ok(installed) if installed.files == entry.files => {
                text.push_str(&format!(
                    "installed {} {} into {}/{}/\n",
                    entry.id,
                    entry.version,
                    INSTALL_DIR,
                    entry.id.name()
                ));
            }
            Ok(_) => {
                eprintln!(
                    "error: {} {}: the installed files differ from the ones {LOCK_NAME} lists",
                    entry.id, entry.version
                );
                failed = true;
            }
            Err(_) => failed = true,
        }
    }
    let code = if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    finish(output::emit(&text), code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, bool)]) -> Vec<RegistryVersionSummary> {
        items
            .iter()
            .map(|(v, yanked)| RegistryVersionSummary {
                version: semver::Version::parse(v).unwrap(),
                created_at: "2026-03-01T09:15:00Z".into(),
                yanked: *yanked,
            })
            .collect()
    }

    fn picked(
        items: &[(&str, bool)],
        spec: Option<&str>,
        prerelease: bool,
    ) -> Result<String, String> {
        let versions = list(items);
        let request = VersionRequest::parse(spec)?;
        pick(&versions, &request, prerelease).map(|s| s.version.to_string())
    }

    #[test]
    fn requests_pick_the_newest_match_and_skip_yanked_and_prereleases() {
        let items = [
            ("2.0.0", false),
            ("2.1.0-beta.1", false),
            ("1.3.0", true),
            ("1.2.5", false),
            ("1.2.0", false),
            ("1.0.0", false),
        ];
        assert_eq!(picked(&items, None, false).unwrap(), "2.0.0");
        assert_eq!(picked(&items, None, true).unwrap(), "2.1.0-beta.1");
        assert_eq!(picked(&items, Some("^1.2"), false).unwrap(), "1.2.5");
        assert_eq!(picked(&items, Some("~1.2.0"), false).unwrap(), "1.2.5");
        assert_eq!(picked(&items, Some("1"), false).unwrap(), "1.2.5");
        assert_eq!(picked(&items, Some("=1.2.0"), false).unwrap(), "1.2.0");
        assert_eq!(picked(&items, Some("^2"), false).unwrap(), "2.0.0");
        assert_eq!(picked(&items, Some("^2"), true).unwrap(), "2.1.0-beta.1");
        assert_eq!(
            picked(&items, Some("^2.1.0-beta"), false).unwrap(),
            "2.1.0-beta.1"
        );
        // An exact version is installed even when yanked; a v prefix is accepted.
        assert_eq!(picked(&items, Some("1.3.0"), false).unwrap(), "1.3.0");
        assert_eq!(picked(&items, Some("v1.0.0"), false).unwrap(), "1.0.0");
        assert_eq!(
            picked(&items, Some("^3"), false).unwrap_err(),
            "no version matches ^3; published: 1.0.0, 1.2.0, 1.2.5, 1.3.0 (yanked), 2.0.0, 2.1.0-beta.1"
        );
        assert_eq!(
            picked(&items, Some("1.9.0"), false).unwrap_err(),
            "version 1.9.0 is not published; published: 1.0.0, 1.2.0, 1.2.5, 1.3.0 (yanked), 2.0.0, 2.1.0-beta.1"
        );
    }

    #[test]
    fn bad_requests_say_what_they_are() {
        assert_eq!(
            VersionRequest::parse(Some("latest")),
            Ok(VersionRequest::Newest)
        );
        let err = VersionRequest::parse(Some("latest!")).unwrap_err();
        assert!(
            err.starts_with("`latest!` is neither a version (1.2.0) nor a requirement"),
            "{err}"
        );
        let err = VersionRequest::parse(Some("99999999999999999999999.0.0")).unwrap_err();
        assert!(err.contains("neither a version"), "{err}");
        assert_eq!(
            picked(&[], None, false).unwrap_err(),
            "no release to install: nothing is published"
        );
    }
}
