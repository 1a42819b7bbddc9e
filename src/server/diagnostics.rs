//! Pushed diagnostics (I-4): open files, and files whose names or config are wrong. A
//! generation counter makes sure a stale computation never overwrites a newer one.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{self as lsp, DiagnosticSeverity, NumberOrString};

use super::state::{Conv, State, path_uri};
use crate::analysis::Document;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::index::{Index, file_naming_diagnostics, folder_diagnostics};

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Every core diagnostic of the file at `path` (names, config, references, semver,
/// edits). `doc` is its text — the open buffer, else the disk — and whether it is an open
/// buffer changed since it was opened or saved; `None` when it cannot be read, which leaves
/// only what the file's name says.
pub fn file_diagnostics(
    state: &State,
    index: &Arc<Index>,
    path: &Path,
    doc: Option<(&Document, bool)>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some((folder, i)) = index.file(path) {
        out.extend(file_naming_diagnostics(folder, i));
    }
    let Some((doc, modified)) = doc else {
        return out;
    };
    let text = doc.text();
    if let Some((folder, i)) = index.file(path) {
        let file = &folder.files[i];
        if let Some(mut d) = crate::ops::semver_diagnostic(index.files(), folder, file, text) {
            // The call sites the version breaks, for the files the user has open (finding
            // them reads the workspace's Python files).
            if state.documents.read().unwrap().contains_key(path) {
                let calls = crate::analysis::broken_call_sites(index, path);
                d.message.push_str(&crate::analysis::broken_calls_note(
                    &calls,
                    index.root_of(path),
                ));
            }
            out.push(d);
        }
        if modified && let Some(v) = &file.parsed.version {
            let prompt = folder.prompt(&file.parsed.base);
            let newest = prompt.and_then(|p| {
                folder
                    .prompt_files(p)
                    .filter(|f| f.parsed.variant == file.parsed.variant)
                    .filter_map(|f| f.parsed.version.as_ref())
                    .max()
            });
            if let Some(newest) = newest.filter(|n| *n > v)
                && let Some(severity) = folder.settings.severity(Code::EditOlderVersion)
            {
                out.push(Diagnostic {
                    path: path.to_path_buf(),
                    range: 0..0,
                    severity,
                    code: Code::EditOlderVersion,
                    message: format!("{v} is not the newest version ({newest}); versions are immutable: create a new version"),
                    fix: None,
                });
            }
        }
    }
    // A config file: its own text (an open buffer overrides the disk).
    if let Some(kind) = crate::config::ConfigFileKind::of(path) {
        let settings = index
            .config()
            .settings(path.parent().unwrap_or(Path::new("/")));
        let file = crate::config::load_config_file(path, kind, text);
        out.extend(crate::config::error_diagnostics(
            path,
            &file.errors,
            &settings,
        ));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let is_source = index.file(path).is_some() || name.ends_with(".py");
    if is_source {
        let refs = doc.resolved(index);
        let diagnostics = crate::analysis::reference_diagnostics(index, path, &doc.scan(), &refs);
        if super::indexing::in_workspace(state, path) {
            out.extend(diagnostics);
        } else {
            // Outside every workspace folder nothing was indexed, so a reference cannot be
            // resolved: only what the file's own text says (its config literals) is reported.
            out.extend(
                diagnostics.into_iter().filter(|d| {
                    matches!(d.code, Code::InvalidConfig | Code::InvalidVersionPattern)
                }),
            );
        }
    }
    out
}

/// Converts one core diagnostic for a text.
pub fn to_lsp(d: &Diagnostic, conv: &Conv<'_>) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range: conv.range(d.range.clone()),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Information => DiagnosticSeverity::INFORMATION,
            Severity::Hint => DiagnosticSeverity::HINT,
        }),
        code: Some(NumberOrString::String(d.code.name().into())),
        // Links the code to its section of docs/diagnostics.md.
        code_description: match d.code.docs_url().parse() {
            Ok(href) => Some(lsp::CodeDescription { href }),
            Err(e) => {
                tracing::warn!(code = d.code.name(), error = ?e, "bad documentation address");
                None
            }
        },
        source: Some("promptls".into()),
        message: d.message.clone(),
        data: d.fix.as_ref().map(|f| match f {
            crate::diagnostics::Fix::RenameFile { new_name } => {
                serde_json::json!({"rename": new_name})
            }
            crate::diagnostics::Fix::Replace { candidates } => {
                serde_json::json!({"replace": candidates})
            }
            // Recomputed by the code action from the server's own analysis.
            crate::diagnostics::Fix::Edit { title, .. } => serde_json::json!({"fix": title}),
        }),
        ..Default::default()
    }
}

/// Computes and publishes the diagnostics of `paths`.
pub async fn publish(client: &Client, state: &Arc<State>, paths: Vec<PathBuf>) {
    let index = state.index.load();
    for path in paths {
        let generation = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
        let st = state.clone();
        let idx = index.clone();
        let p = path.clone();
        let computed = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let open = st.documents.read().unwrap().get(&p).cloned();
                let doc = match open {
                    Some(o) => Some((o.doc, o.modified)),
                    None => st.document(&p).map(|d| (d, false)),
                };
                let diags = file_diagnostics(&st, &idx, &p, doc.as_ref().map(|(d, m)| (&**d, *m)));
                // Diagnostics of a file that cannot be read are about its name: range 0..0.
                let empty = Document::new(&p, None, String::new());
                let shown = doc.as_ref().map_or(&empty, |(d, _)| &**d);
                let conv = Conv::new(shown, st.enc());
                (
                    diags.iter().map(|d| to_lsp(d, &conv)).collect::<Vec<_>>(),
                    shown.version(),
                )
            }))
            .ok()
        })
        .await
        .ok()
        .flatten();
        let Some((diags, version)) = computed else {
            continue;
        };
        {
            let mut gens = state.generations.lock().unwrap();
            let last = gens.entry(path.clone()).or_insert(0);
            if *last > generation {
                continue; // a newer computation was published already
            }
            *last = generation;
        }
        let Some(uri) = path_uri(&path) else { continue };
        // Updated in place: the set holds every badly named file of the tree, and copying
        // it per publish made a burst cost the tree's size.
        let send = {
            let mut published = state.published.lock().unwrap();
            if diags.is_empty() {
                published.remove(&path)
            } else {
                published.insert(path.clone());
                true
            }
        };
        if send {
            client.publish_diagnostics(uri, diags, version).await;
        }
    }
}

/// Republishes after files changed on disk: every open file first (its references may resolve
/// differently now); the files of each touched file's prompt that have naming problems
/// (a new or deleted file can make or end a duplicate version); everything in a touched
/// folder; and the files with published diagnostics at or below a touched path (to clear
/// them). A burst of changes costs what it touched, not the folders that hold it.
pub async fn publish_affected(client: &Client, state: &Arc<State>, touched: &[PathBuf]) {
    // The open files first: they are what the user looks at, and are republished whatever
    // changed; finding the other files takes as long as the burst is big.
    let mut open: Vec<PathBuf> = state.documents.read().unwrap().keys().cloned().collect();
    open.sort_unstable();
    publish(client, state, open.clone()).await;
    let started = std::time::Instant::now();
    let index = state.index.load();
    let st = state.clone();
    let touched = touched.to_vec();
    let found = tokio::task::spawn_blocking(move || affected_paths(&st, &index, touched)).await;
    match found {
        Ok(mut paths) => {
            paths.retain(|p| open.binary_search(p).is_err());
            tracing::debug!(
                files = paths.len(),
                ms = started.elapsed().as_secs_f64() * 1e3,
                "files a change affects found"
            );
            publish(client, state, paths).await
        }
        Err(e) => tracing::error!(error = %e, "finding the files a change affects failed"),
    }
}

/// The files [`publish_affected`] republishes for `touched` besides the open ones, sorted. Touched files are
/// taken folder by folder on the cores in parallel, and each touched prompt once (a
/// checkout of a prompt's 20 000 versions looks at its files once, not once per file).
fn affected_paths(state: &State, index: &Index, touched: Vec<PathBuf>) -> Vec<PathBuf> {
    let touched: Vec<PathBuf> = touched.iter().map(|p| crate::index::normalize(p)).collect();
    // Grouped by folder, keyed by the folder's bytes (hashing a path component by
    // component, or sorting 10 000 paths, costs several times more). `parent` knows every
    // platform's separators.
    let mut by_folder: HashMap<&[u8], Vec<&PathBuf>> = HashMap::new();
    for p in &touched {
        let folder = p
            .parent()
            .map_or(&[][..], |d| d.as_os_str().as_encoded_bytes());
        by_folder.entry(folder).or_default().push(p);
    }
    let groups: Vec<Vec<&PathBuf>> = by_folder.into_values().collect();
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut folders: Vec<PathBuf> = Vec::new();
    {
        let published = state.published.lock().unwrap();
        let published = &*published;
        let found = crate::parallel::map(&groups, "finding the files a change affects", |group| {
            let mut out: Vec<PathBuf> = Vec::new();
            let mut dirs: Vec<PathBuf> = Vec::new();
            let dir = group[0].parent();
            let folder = dir.and_then(|d| index.folder(d));
            // Published diagnostics at or below a touched path (cleared if now gone): those
            // below its folder, looked up once per folder, sorted by their bytes.
            let below_folder = dir.map(|d| published.at_or_below(d)).unwrap_or_default();
            // `path` is below the folder and published (a binary search, no allocation).
            let is_published = |path: &Path| {
                let bytes = path.as_os_str().as_encoded_bytes();
                below_folder
                    .binary_search_by(|q| q.as_os_str().as_encoded_bytes().cmp(bytes))
                    .is_ok()
            };
            let mut bases: Vec<&str> = Vec::new();
            let mut parsed: Vec<String> = Vec::new();
            for p in group.iter() {
                if !below_folder.is_empty() {
                    let bytes = p.as_os_str().as_encoded_bytes();
                    let from =
                        below_folder.partition_point(|q| q.as_os_str().as_encoded_bytes() < bytes);
                    out.extend(
                        below_folder[from..]
                            .iter()
                            .take_while(|q| q.as_os_str().as_encoded_bytes().starts_with(bytes))
                            .filter(|q| q.starts_with(p))
                            .map(|q| q.to_path_buf()),
                    );
                }
                let name = p.file_name().and_then(|n| n.to_str());
                // A file of the index (so not a folder) has its name parsed already.
                if let (Some(folder), Some(name)) = (folder, name)
                    && let Some((_, file)) = folder.file(name)
                {
                    bases.push(&file.parsed.base);
                    continue;
                }
                if index.has_dir(p) {
                    dirs.push(p.to_path_buf());
                    continue;
                }
                // A deleted file: its prompt may lose a duplicate.
                if let (Some(folder), Some(name)) = (folder, name) {
                    parsed.extend(folder.scheme.parse(name).map(|p| p.base.to_string()));
                }
            }
            bases.extend(parsed.iter().map(String::as_str));
            bases.sort_unstable();
            bases.dedup();
            if let Some(folder) = folder {
                for prompt in bases.iter().filter_map(|b| folder.prompt(b)) {
                    for &i in prompt.files.iter() {
                        let path = folder.path_of(&folder.files[i as usize]);
                        if is_published(&path)
                            || !file_naming_diagnostics(folder, i as usize).is_empty()
                        {
                            out.push(path);
                        }
                    }
                }
            }
            (out, dirs)
        });
        for (out, dirs) in found {
            paths.extend(out);
            folders.extend(dirs);
        }
    }
    // A touched folder (created, or renamed into place): everything in and below it.
    while let Some(dir) = folders.pop() {
        if let Some(folder) = index.folder(&dir) {
            paths.extend(folder_diagnostics(folder).into_iter().map(|d| d.path));
        }
        folders.extend(index.subdirs(&dir));
    }
    paths.sort_unstable();
    paths.dedup();
    paths
}

/// Republishes for every open file, every file with a naming or config problem, and
/// clears files that no longer have any.
pub async fn publish_all(client: &Client, state: &Arc<State>) {
    let index = state.index.load();
    let mut paths: HashSet<PathBuf> = state.documents.read().unwrap().keys().cloned().collect();
    paths.extend(index.file_diagnostics().into_iter().map(|d| d.path));
    paths.extend(
        state
            .published
            .lock()
            .unwrap()
            .iter()
            .map(Path::to_path_buf),
    );
    let mut paths: Vec<PathBuf> = paths.into_iter().collect();
    paths.sort();
    publish(client, state, paths).await;
}
