//! `promptls diff TARGET FROM [TO]`: what changed between two versions of a prompt.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use serde::Serialize;

use super::output::{ReportingFiles, emit, finish, json_text, reason};
use super::{
    ConfigSetupError, check_named_file, config_resolve_error, config_source, current_dir,
    resolve_error, target_folder,
};
use crate::analysis::VariableChange;
use crate::index::{Index, Resolved, TargetKind, normalize};
use crate::ops::{DiffHunk, VersionDiff};
use crate::versioning::{RequestOptions, VersionSpec};

/// What the user asked for (the `diff` command's arguments).
pub(super) struct Request {
    pub target: PathBuf,
    pub from: String,
    pub to: String,
    pub request: super::RequestArgs,
    pub json: bool,
    pub colour: bool,
}

/// One side of the comparison in the JSON output.
#[derive(Serialize)]
struct Side {
    /// The file, as the user's target spells its folder.
    path: String,
    /// `major.minor.patch`, or `null` for an unversioned file.
    version: Option<String>,
    /// The prerelease label, if any.
    prerelease: Option<String>,
    /// The version spec that chose it, as given.
    requested: String,
}

/// The JSON output.
#[derive(Serialize)]
struct Output<'a> {
    from: Side,
    to: Side,
    hunks: &'a [DiffHunk],
    unified: &'a str,
    variables: &'a VariableChange,
}

pub(super) fn run(req: Request) -> ExitCode {
    let label = req.target.to_string_lossy().to_string();
    let from_spec = VersionSpec::parse(&req.from);
    let source = match config_source(req.request.config.as_deref(), false) {
        Ok(s) => Arc::new(s),
        Err(ConfigSetupError::File(errors)) => {
            return resolve_error(
                &config_resolve_error(&errors[0], &label, &from_spec),
                req.json,
            );
        }
        Err(e) => return e.report(),
    };
    let cwd = match current_dir() {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = check_named_file(&req.target) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let folder = target_folder(&req.target);
    // A broken config is the request's error, never silently ignored.
    if let Some(e) = source.chain_errors(&folder).into_iter().next() {
        return resolve_error(&config_resolve_error(&e, &label, &from_spec), req.json);
    }
    let index = Index::scan_shallow(folder, source).with_files(Arc::new(ReportingFiles::new(cwd)));
    let hint = variant_hint(&index, &req.target);
    let map: BTreeMap<String, String> = req.request.classifier.iter().cloned().collect();
    let opts = RequestOptions {
        classifier: if map.is_empty() { None } else { Some(&map) },
        include_prerelease: req.request.include_prerelease.then_some(true),
    };
    let resolve = |spec: &str| index.resolve(&hint, &label, &VersionSpec::parse(spec), &opts);
    let (old, new) = match (resolve(&req.from), resolve(&req.to)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => return resolve_error(&e, req.json),
    };
    let d = match crate::ops::diff(index.files(), &old.path(), &new.path()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {}", reason(&e));
            return ExitCode::from(1);
        }
    };
    let side = |r: &Resolved, requested: &str| {
        let file = r.prompt_file();
        let version = file.parsed.version.as_ref();
        Side {
            path: shown(&req.target, r).to_string_lossy().to_string(),
            version: version.map(|v| v.core_string()),
            prerelease: version
                .and_then(|v| v.prerelease.as_ref())
                .map(|p| p.text.to_string()),
            requested: requested.to_string(),
        }
    };
    let (from, to) = (side(&old, &req.from), side(&new, &req.to));
    let written = if req.json {
        emit(&json_text(&Output {
            from,
            to,
            hunks: &d.hunks,
            unified: &d.unified,
            variables: &d.variables,
        }))
    } else {
        if d.unified.is_empty() {
            eprintln!("{} and {} are the same text", from.path, to.path);
        }
        eprintln!("{}", variables_line(&d));
        emit(&painted(&d.unified, req.colour))
    };
    finish(written, ExitCode::SUCCESS)
}

/// The request path that stands for the target's prompt: a versioned file is replaced by
/// its name without the version (`task_ru_v2.md` → `task_ru.md`), so both versions are
/// resolved within its variant; anything else is used as given.
fn variant_hint(index: &Index, target: &Path) -> PathBuf {
    let abs = normalize(target);
    let (Some(dir), Some(name)) = (abs.parent(), abs.file_name().and_then(|n| n.to_str())) else {
        return abs;
    };
    let Some(folder) = index.folder(dir) else {
        return abs;
    };
    let Some((_, file)) = folder.file(name) else {
        return abs;
    };
    let (Some(range), Some((stem, ext))) = (&file.parsed.version_range, name.rsplit_once('.'))
    else {
        return abs;
    };
    dir.join(format!(
        "{}{}.{ext}",
        &stem[..range.start],
        &stem[range.end..]
    ))
}

/// The resolved file as the user's target spells its folder (`prompts/task_v2.md` for the
/// target `prompts/task`).
fn shown(target: &Path, r: &Resolved) -> PathBuf {
    let name = &*r.prompt_file().name;
    match r.kind {
        TargetKind::Directory { .. } => target.join(name),
        _ => target
            .parent()
            .map_or_else(|| PathBuf::from(name), |p| p.join(name)),
    }
}

/// `variables: added tone; removed product; kept audience` (only the parts that apply).
fn variables_line(d: &VersionDiff) -> String {
    let v = &d.variables;
    let mut parts = Vec::new();
    for (word, list) in [
        ("added", &v.added),
        ("removed", &v.removed),
        ("kept", &v.kept),
    ] {
        if !list.is_empty() {
            parts.push(format!("{word} {}", list.join(", ")));
        }
    }
    if parts.is_empty() {
        "variables: none in either version".to_string()
    } else {
        format!("variables: {}", parts.join("; "))
    }
}

/// The unified diff, in colour when asked: file headers bold, hunk headers cyan, removed
/// lines red, added lines green (as git shows them).
fn painted(unified: &str, colour: bool) -> String {
    if !colour {
        return unified.to_string();
    }
    let mut out = String::with_capacity(unified.len() + unified.len() / 4);
    for (i, line) in unified.split_inclusive('\n').enumerate() {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        // The two file headers come first (a removed line `-- x` also reads `--- x`).
        let code = if i < 2 {
            Some("1")
        } else if body.starts_with("@@") {
            Some("36")
        } else if body.starts_with('-') {
            Some("31")
        } else if body.starts_with('+') {
            Some("32")
        } else {
            None
        };
        match code {
            Some(code) => out.push_str(&format!("\x1b[{code}m{body}\x1b[0m{end}")),
            None => out.push_str(line),
        }
    }
    out
}
