//! The registry client's commands: `promptls publish`, `promptls yank` and the remote
//! listing of `promptls versions owner/name`. (`promptls install` is `install.rs`.)

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bytes::Bytes;

use super::output::{self, finish};
use crate::registry::PackageId;
use crate::registry::client::{ClientError, RegistryClient};
use crate::registry::store::StoreError;
use crate::registry::tarball;

/// The environment variable naming the registry when `--registry` is not given.
pub const REGISTRY_ENV: &str = "PROMPTLS_REGISTRY";

/// The registry a command talks to: `--registry`, else `$PROMPTLS_REGISTRY`, else the
/// user's own folder registry, `file://$XDG_DATA_HOME/promptls/registry` (by default
/// `~/.local/share/promptls/registry`), which needs no server. A plain path is taken as a
/// folder registry (made absolute against the current folder).
///
/// # Errors
/// A message when no default can be formed (neither `XDG_DATA_HOME` nor `HOME` is set).
pub(super) fn registry_url(given: Option<&str>) -> Result<String, String> {
    let given = given
        .map(str::to_owned)
        .or_else(|| std::env::var(REGISTRY_ENV).ok().filter(|v| !v.is_empty()));
    if let Some(url) = given {
        if url.contains("://") {
            return Ok(url);
        }
        let path = PathBuf::from(&url);
        let path = if path.is_absolute() {
            path
        } else {
            std::env::current_dir()
                .map_err(|e| format!("cannot read the current folder: {}", output::os_reason(&e)))?
                .join(path)
        };
        return file_url(&path);
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })
        .ok_or("no registry given, and neither XDG_DATA_HOME nor HOME is set for the default one; pass --registry URL")?;
    file_url(&data.join("promptls").join("registry"))
}

fn file_url(path: &Path) -> Result<String, String> {
    reqwest::Url::from_file_path(path)
        .map(String::from)
        .map_err(|()| format!("{}: not an absolute path", path.display()))
}

/// A tokio runtime for one command, or exit 1.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the runtime: {e}");
            ExitCode::from(1)
        })
}

/// A client of `url`, or exit 2 (a URL this client does not speak is a usage error).
pub(super) fn client(url: &str) -> Result<RegistryClient, ExitCode> {
    RegistryClient::new(url).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

/// The client of the registry `registry` names ([`registry_url`]) and a runtime to run
/// its requests on; exit 2 for a registry that cannot be named or spoken to, 1 when the
/// runtime cannot start.
pub(super) fn connect(
    registry: Option<&str>,
) -> Result<(RegistryClient, tokio::runtime::Runtime), ExitCode> {
    let url = registry_url(registry).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    Ok((client(&url)?, runtime()?))
}

/// `error: …` for a failed registry request, and the exit status: 2 for a request the
/// registry calls bad, 1 for everything else (not found, conflict, unreachable, …).
pub(super) fn report(e: &ClientError) -> ExitCode {
    eprintln!("error: {e}");
    match e {
        ClientError::Registry(StoreError::BadRequest(_)) | ClientError::Url { .. } => {
            ExitCode::from(2)
        }
        _ => ExitCode::from(1),
    }
}

/// `owner/name@VERSION` split: the id and the text after `@` (`None` without one).
///
/// # Errors
/// The id's error message.
pub(super) fn split_spec(text: &str) -> Result<(PackageId, Option<&str>), String> {
    let (id, spec) = match text.split_once('@') {
        Some((id, spec)) => (id, Some(spec)),
        None => (text, None),
    };
    let id: PackageId = id
        .parse()
        .map_err(|e: crate::registry::PackageIdError| e.to_string())?;
    Ok((id, spec))
}

/// What `promptls publish` was asked.
pub(super) struct PublishRequest {
    pub target: String,
    pub owner: String,
    pub name: Option<String>,
    pub registry: Option<String>,
    pub token: Option<String>,
    pub config: Option<PathBuf>,
    pub dry_run: bool,
}

/// `promptls publish`: a folder with `prompt.yaml`, or `PROMPT@VERSION` of the workspace,
/// packaged, then published.
pub(super) fn publish(req: PublishRequest) -> ExitCode {
    if let Err(e) = crate::registry::validate_part("owner", &req.owner) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let package = match package_of(&req) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let id = match PackageId::new(&req.owner, &package.manifest.name) {
        Ok(id) => id,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let bytes = match tarball::build(&package) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let version = package.manifest.version.clone();
    let sha256 = tarball::sha256_hex(&bytes);
    let url = match registry_url(req.registry.as_deref()) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if req.dry_run {
        let mut text = format!(
            "would publish {id} {version} to {url}: {} bytes, sha256 {sha256}\n",
            bytes.len()
        );
        for f in &package.files {
            text.push_str(&format!("  {} ({} bytes)\n", f.path, f.bytes.len()));
        }
        text.push_str("prompt.yaml:\n");
        for line in package.manifest.to_yaml().lines() {
            text.push_str(&format!("  {line}\n"));
        }
        return finish(output::emit(&text), ExitCode::SUCCESS);
    }
    let (client, runtime) = match connect(Some(&url)) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match runtime.block_on(client.publish(&id, &version, Bytes::from(bytes), req.token.as_deref()))
    {
        Ok(published) => {
            let text = format!(
                "published {id} {version} to {url} ({} bytes, sha256 {})\n",
                published.size, published.sha256
            );
            finish(output::emit(&text), ExitCode::SUCCESS)
        }
        Err(e) => report(&e),
    }
}

fn package_of(req: &PublishRequest) -> Result<crate::registry::package::Package, ExitCode> {
    let as_path = Path::new(&req.target);
    let is_folder = crate::vfs::metadata(as_path).is_ok_and(|m| m.is_dir());
    if is_folder {
        if req.name.is_some() {
            eprintln!(
                "error: --name applies to a prompt of the workspace; a folder's package is named by its prompt.yaml"
            );
            return Err(ExitCode::from(2));
        }
        let dir = crate::index::normalize(as_path);
        return crate::registry::package::read_folder(&crate::vfs::DiskFiles, &dir).map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(1)
        });
    }
    let Some((prompt, _)) = req.target.rsplit_once('@') else {
        eprintln!(
            "error: `{}` is neither a folder nor PROMPT@VERSION (for example prompts/task@v2.1.0)",
            req.target
        );
        return Err(ExitCode::from(2));
    };
    let source = match super::config_source(req.config.as_deref(), false) {
        Ok(s) => std::sync::Arc::new(s),
        Err(e) => return Err(e.report()),
    };
    let cwd = super::current_dir()?;
    let prompt_path = crate::index::normalize(&cwd.join(prompt));
    let root = super::check::workspace_of(prompt_path.parent().unwrap_or(&cwd), &cwd);
    let index = crate::index::Index::scan(vec![root.clone()], source);
    let id = prompt_path
        .strip_prefix(&root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| prompt.to_owned());
    let spec = req.target.rsplit_once('@').map_or("", |(_, v)| v);
    let package = crate::registry::workspace::package_prompt(
        &index,
        &format!("{id}@{spec}"),
        req.name.as_deref(),
    )
    .map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    })?;
    let dir = prompt_path.parent().unwrap_or(&root);
    let outside = crate::registry::workspace::references_outside(&index, dir, &package);
    for line in &outside {
        eprintln!("warning: {line}");
    }
    if !outside.is_empty() {
        eprintln!(
            "warning: where the package is installed, these references do not resolve; publish what they reach as well, or keep the prompt self-contained"
        );
    }
    Ok(package)
}

/// `promptls yank owner/name@VERSION`.
pub(super) fn yank(target: &str, registry: Option<&str>, token: Option<String>) -> ExitCode {
    let (id, version) = match split_spec(target) {
        Ok((id, Some(v))) => match crate::registry::store::parse_version(v) {
            Ok(v) => (id, v),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        Ok((_, None)) => {
            eprintln!("error: `{target}` names no version; write owner/name@VERSION");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (client, runtime) = match connect(registry) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match runtime.block_on(client.yank(&id, &version, token.as_deref())) {
        Ok(_) => finish(
            output::emit(&format!(
                "yanked {id} {version}: new installs no longer pick it; it stays downloadable\n"
            )),
            ExitCode::SUCCESS,
        ),
        Err(e) => report(&e),
    }
}

/// `promptls versions owner/name`: the registry's versions of a package, newest first
/// (`--json`: the registry's list as is).
pub(super) fn remote_versions(id: &PackageId, registry: Option<&str>, json: bool) -> ExitCode {
    let (client, runtime) = match connect(registry) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match runtime.block_on(client.versions(id)) {
        Ok(list) => {
            let text = if json {
                let mut t = serde_json::to_string_pretty(&list).unwrap_or_default();
                t.push('\n');
                t
            } else {
                let width = list
                    .iter()
                    .map(|v| v.version.to_string().len())
                    .max()
                    .unwrap_or(0);
                let mut t = String::new();
                for v in &list {
                    let version = v.version.to_string();
                    t.push_str(&format!(
                        "{version:<width$}  {}{}\n",
                        v.created_at,
                        if v.yanked { "  yanked" } else { "" }
                    ));
                }
                t
            };
            finish(output::emit(&text), ExitCode::SUCCESS)
        }
        Err(e) => report(&e),
    }
}
