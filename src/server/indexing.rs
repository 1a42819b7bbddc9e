//! Indexing with work-done progress, live updates from watched files (dynamic
//! registration, else a debounced `notify` watcher), and settings (I-1).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::*;

use super::diagnostics;
use super::state::{State, uri_path};
use crate::config::{ConfigLayer, ConfigSource, Raw, env_layer, layer_from_raw};
use crate::index::Index;

static DYNAMIC_WATCH: AtomicBool = AtomicBool::new(false);

/// The client watches for us (the registration succeeded).
static CLIENT_WATCHES: AtomicBool = AtomicBool::new(false);

/// The keys of the `server` settings object; anything else is reported.
const SERVER_KEYS: &[&str] = &["diagnostics", "use_env"];

/// How long after a folder appears it is read again (see the watcher loop).
const RECHECK: Duration = Duration::from_millis(500);

/// How long the watcher waits for a burst (a `git checkout`) to settle.
const DEBOUNCE: Duration = Duration::from_millis(30);

pub(super) fn set_dynamic_watch(v: bool) {
    DYNAMIC_WATCH.store(v, Ordering::SeqCst);
}

/// The folders of a workspace: its `file:` workspace folders, else its `file:` `rootUri`.
/// Empty when there is none (`rootUri: null`, or only non-`file:` folders): the server then
/// serves the open files only — no walk, no watch, nothing to write to. Never the working
/// directory (from `/` that would be the whole disk).
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| uri_path(&f.uri))
        .collect();
    #[allow(deprecated)]
    if roots.is_empty()
        && params
            .workspace_folders
            .as_ref()
            .is_none_or(|f| f.is_empty())
        && let Some(uri) = &params.root_uri
        && let Some(p) = uri_path(uri)
    {
        roots.push(p);
    }
    roots.dedup();
    roots
}

/// Reads workspace folders and `initializationOptions` (`versioning`, `server`). Returns
/// the messages about invalid options, for the client once it can hear them.
pub(super) fn configure(state: &State, params: &InitializeParams) -> Vec<String> {
    let roots = workspace_roots(params);
    if roots.is_empty() {
        tracing::info!("no file workspace folder: serving open files only");
    }
    set_roots(state, roots);
    match &params.initialization_options {
        Some(opts) => apply_settings(state, opts),
        None => Vec::new(),
    }
}

/// Whether `path` lies in a workspace folder (only such files are indexed, and references
/// resolve only there).
pub(super) fn in_workspace(state: &State, path: &std::path::Path) -> bool {
    state
        .roots
        .read()
        .unwrap()
        .iter()
        .any(|r| path.starts_with(r))
}

pub(super) fn set_roots(state: &State, roots: Vec<PathBuf>) {
    *state.roots.write().unwrap() = roots;
}

/// Applies a `workspace/didChangeWorkspaceFolders` event to the roots (removed folders
/// first, then the added ones; non-`file:` folders are ignored). Returns the folders added
/// and removed.
pub(super) fn change_roots(
    state: &State,
    event: &WorkspaceFoldersChangeEvent,
) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let removed: Vec<PathBuf> = event
        .removed
        .iter()
        .filter_map(|f| uri_path(&f.uri))
        .collect();
    let mut roots = state.roots.write().unwrap();
    roots.retain(|r| !removed.contains(r));
    let mut added = Vec::new();
    for p in event.added.iter().filter_map(|f| uri_path(&f.uri)) {
        if !roots.contains(&p) {
            roots.push(p.clone());
            added.push(p);
        }
    }
    (added, removed)
}

/// Applies editor settings: `{versioning: {...}, server: {diagnostics, use_env}}`, or the
/// same inside `{promptls: {...}}`. An object with none of these keys (or `null`) changes
/// nothing; otherwise it replaces the editor settings as a whole, what it leaves out taking
/// its default. Invalid values and unknown `server` keys are left out (the defaults, or the
/// files' config, apply to them); the returned messages say which and why, one per problem,
/// for `window/showMessage`.
pub(super) fn apply_settings(state: &State, settings: &serde_json::Value) -> Vec<String> {
    let mut problems = Vec::new();
    if !(settings.is_object() || settings.is_null()) {
        problems.push(format!(
            "promptls: the settings must be an object with `versioning` and `server`, not {}; the defaults apply",
            json_type(settings)
        ));
        return problems;
    }
    let v = settings.get("promptls").unwrap_or(settings);
    let versioning = v.get("versioning");
    let server = v.get("server").filter(|s| !s.is_null());
    // `server.diagnostics` (or `diagnostics`): code -> severity | "off", like `[diagnostics]`.
    let diagnostics = server
        .and_then(|s| s.get("diagnostics"))
        .or_else(|| v.get("diagnostics"));
    if versioning.is_none() && server.is_none() && diagnostics.is_none() {
        return problems;
    }
    let use_env = server_settings(server, &mut problems);
    let (mut layer, mut errors) = match versioning {
        Some(versioning) => layer_from_raw(&Raw::from_json(versioning)),
        None => Default::default(),
    };
    if let Some(d) = diagnostics {
        crate::config::diagnostics_from_raw(&Raw::from_json(d), &mut layer, &mut errors);
    }
    for e in errors {
        tracing::warn!(error = %e, "editor setting ignored");
        problems.push(format!(
            "promptls: editor setting ignored, the default applies: {e}"
        ));
    }
    *state.editor_layer.write().unwrap() = Some(layer);
    *state.env_layer.write().unwrap() = use_env.then(|| read_env(&mut problems));
    problems
}

/// Checks the `server` object's keys; returns `use_env` (default off).
fn server_settings(server: Option<&serde_json::Value>, problems: &mut Vec<String>) -> bool {
    let Some(server) = server else { return false };
    let Some(map) = server.as_object() else {
        problems.push(format!(
            "promptls: editor setting `server` ignored: it must be an object with `diagnostics` and `use_env`, not {}",
            json_type(server)
        ));
        return false;
    };
    let mut use_env = false;
    for (key, value) in map {
        match (key.as_str(), value) {
            ("diagnostics", _) | ("use_env", serde_json::Value::Null) => {}
            ("use_env", serde_json::Value::Bool(on)) => use_env = *on,
            ("use_env", other) => problems.push(format!(
                "promptls: editor setting ignored, the default applies: `server.use_env` must be true or false, not {}",
                json_type(other)
            )),
            ("log_level", _) => problems.push(
                "promptls: editor setting `server.log_level` ignored: the server's log level comes from RUST_LOG in its environment (the VS Code extension sets RUST_LOG from `promptls.server.logLevel`)"
                    .to_string(),
            ),
            (other, _) => problems.push(format!(
                "promptls: unknown editor setting `server.{other}` ignored; the server reads `server.{}`",
                SERVER_KEYS.join("` and `server.")
            )),
        }
    }
    use_env
}

/// The `PROMPTIC_*` variables of the server's environment (`server.use_env`), as
/// `promptls resolve --env` reads them; an invalid one is left out and reported.
fn read_env(problems: &mut Vec<String>) -> ConfigLayer {
    let (layer, errors) = env_layer(|k| std::env::var(k).ok());
    for e in errors {
        tracing::warn!(error = %e, "environment variable ignored");
        problems.push(format!(
            "promptls: environment variable ignored (`server.use_env` is on): {e}"
        ));
    }
    tracing::info!("server.use_env: PROMPTIC_* environment variables apply");
    layer
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The server's own file watcher, when the client does not watch: shared with the task
/// that handles its events (it adds watches for folders that appear).
pub(super) type SharedWatcher = Arc<Mutex<Option<notify::RecommendedWatcher>>>;

fn fresh_index(state: &State) -> Index {
    index_from(IndexInputs::of(state), state)
}

/// What a whole index is built from: the workspace folders and the editor's and the
/// environment's config layers.
#[derive(Debug, Clone, PartialEq)]
struct IndexInputs {
    roots: Vec<PathBuf>,
    editor: Option<ConfigLayer>,
    env: Option<ConfigLayer>,
}

impl IndexInputs {
    fn of(state: &State) -> Self {
        IndexInputs {
            roots: state.roots.read().unwrap().clone(),
            editor: state.editor_layer.read().unwrap().clone(),
            env: state.env_layer.read().unwrap().clone(),
        }
    }
}

fn index_from(inputs: IndexInputs, state: &State) -> Index {
    *state.walk_started.lock().unwrap() = std::time::SystemTime::now();
    let mut source = ConfigSource::new();
    source.editor = inputs.editor;
    source.env = inputs.env;
    Index::scan(inputs.roots, Arc::new(source))
}

/// The first index, started on `initialize`, as soon as the workspace folders and the
/// settings are known, so that the walk overlaps the rest of the handshake (the
/// `initialize` answer, `initialized`, the client creating the progress).
pub(super) struct EarlyIndex {
    inputs: IndexInputs,
    task: tokio::task::JoinHandle<Index>,
}

/// Starts the first index on a blocking thread; `None` without a workspace folder.
pub(super) fn start_early_index(state: &Arc<State>) -> Option<EarlyIndex> {
    let inputs = IndexInputs::of(state);
    if inputs.roots.is_empty() {
        return None;
    }
    let (st, walked) = (state.clone(), inputs.clone());
    let task = tokio::task::spawn_blocking(move || index_from(walked, &st));
    Some(EarlyIndex { inputs, task })
}

/// The early index when it was built from the current inputs, else a fresh one.
async fn first_index(state: &Arc<State>, early: Option<EarlyIndex>) -> Index {
    if let Some(early) = early {
        if early.inputs == IndexInputs::of(state) {
            match early.task.await {
                Ok(index) => return index,
                Err(e) => tracing::warn!(error = %e, "the early index failed; indexing again"),
            }
        } else {
            // Settings or folders changed before `initialized`: that walk is stale.
            tracing::debug!("the workspace changed since `initialize`: indexing again");
        }
    }
    let st = state.clone();
    tokio::task::spawn_blocking(move || fresh_index(&st))
        .await
        .unwrap_or_else(|_| fresh_index(state))
}

/// The first index (the one `initialize` started, if any), with `$/progress`; then the file
/// watch and the diagnostics.
pub(super) async fn initial_index(
    client: &Client,
    state: &Arc<State>,
    watcher: &SharedWatcher,
    early: Option<EarlyIndex>,
) {
    let token = ProgressToken::String("promptls/indexing".into());
    // Only a client that said it supports work-done progress is asked to create one.
    let supported = state.progress_supported.load(Ordering::SeqCst);
    let progress = match supported {
        true => match tokio::time::timeout(
            CLIENT_REPLY,
            client.create_work_done_progress(token.clone()),
        )
        .await
        {
            Ok(Ok(())) => Some(
                client
                    .progress(token, "Indexing prompts")
                    .with_message("walking the workspace")
                    .begin()
                    .await,
            ),
            Ok(Err(_)) | Err(_) => None,
        },
        false => None,
    };
    let writing = state.index_writer.lock().await;
    let index = first_index(state, early).await;
    let (files, folders) = (index.file_count(), index.folders().len());
    state.index.store(index);
    drop(writing);
    state.indexed.send_replace(true);
    state.indexed.send_replace(true);
    if let Some(p) = progress {
        p.finish_with_message(format!("{files} prompt files in {folders} folders"))
            .await;
    }
    tracing::info!(files, folders, "indexed");
    watch(client, state, watcher).await;
    diagnostics::publish_all(client, state).await;
}

/// The id of the server's `workspace/didChangeWatchedFiles` registration.
const WATCH_REGISTRATION: &str = "promptls-watch";

/// Asks the client to watch the prompt files of `exts`, Python files, config files and
/// folders; whether it agreed (within [`CLIENT_REPLY`]).
async fn register_client_watch(client: &Client, exts: &[String]) -> bool {
    let watchers = vec![
        FileSystemWatcher {
            glob_pattern: GlobPattern::String(format!("**/*.{{{},py,pyi}}", exts.join(","))),
            kind: None,
        },
        FileSystemWatcher {
            glob_pattern: GlobPattern::String("**/{promptic.toml,pyproject.toml}".into()),
            kind: None,
        },
        FileSystemWatcher {
            glob_pattern: GlobPattern::String("**/*/".into()),
            kind: Some(WatchKind::Delete | WatchKind::Create),
        },
    ];
    let reg = Registration {
        id: WATCH_REGISTRATION.into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
            watchers,
        })
        .ok(),
    };
    matches!(
        tokio::time::timeout(CLIENT_REPLY, client.register_capability(vec![reg])).await,
        Ok(Ok(()))
    )
}

/// After a config change: when the client watches for the server and the configs now
/// name other prompt file extensions, the registration is replaced by one that covers
/// them (in the background: a client that is slow to answer holds back nothing).
fn rewatch_if_extensions_changed(client: &Client, state: &Arc<State>) {
    if !CLIENT_WATCHES.load(Ordering::SeqCst) {
        return;
    }
    let exts = state.index.load().config().declared_extensions();
    {
        let mut watched = state.watched_extensions.lock().unwrap();
        if *watched == exts {
            return;
        }
        *watched = exts.clone();
    }
    tracing::info!(
        ?exts,
        "the configs name other prompt file extensions: watching them"
    );
    let client = client.clone();
    tokio::spawn(async move {
        let gone = Unregistration {
            id: WATCH_REGISTRATION.into(),
            method: "workspace/didChangeWatchedFiles".into(),
        };
        let _ = tokio::time::timeout(CLIENT_REPLY, client.unregister_capability(vec![gone])).await;
        if !register_client_watch(&client, &exts).await {
            tracing::warn!("the client did not take the new file watch registration");
        }
    });
}

/// Starts watching the workspace folders (nothing while there is none); when it already
/// runs, follows the folders `added` and `removed` since.
pub(super) async fn watch_folders(
    client: &Client,
    state: &Arc<State>,
    watcher: &SharedWatcher,
    added: Vec<PathBuf>,
    removed: Vec<PathBuf>,
) {
    if CLIENT_WATCHES.load(Ordering::SeqCst) {
        return;
    }
    let Some(mut w) = watcher.lock().unwrap().take() else {
        return watch(client, state, watcher).await;
    };
    let w = tokio::task::spawn_blocking(move || {
        use notify::Watcher;
        for root in &removed {
            let _ = w.unwatch(root);
        }
        for root in &added {
            if let Err(e) = w.watch(root, notify::RecursiveMode::Recursive) {
                tracing::warn!(root = %root.display(), error = %e, "cannot watch");
            }
        }
        w
    })
    .await;
    if let Ok(w) = w {
        *watcher.lock().unwrap() = Some(w);
    }
}

async fn watch(client: &Client, state: &Arc<State>, watcher: &SharedWatcher) {
    // No workspace folder: nothing is watched (open files only).
    if state.roots.read().unwrap().is_empty() {
        return;
    }
    if DYNAMIC_WATCH.load(Ordering::SeqCst) {
        let exts = state.index.load().config().declared_extensions();
        if register_client_watch(client, &exts).await {
            *state.watched_extensions.lock().unwrap() = exts;
            CLIENT_WATCHES.store(true, Ordering::SeqCst);
            return;
        }
    }
    // The client cannot watch: a debounced notify watcher does.
    use notify::Watcher;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let rescan_roots = state.roots.read().unwrap().clone();
    let reconcile_tx = tx.clone();
    let handler = move |res: notify::Result<notify::Event>| {
        let rescan = |why: &dyn std::fmt::Display| {
            tracing::warn!("file watcher: {why}; re-reading the workspace folders");
            for root in &rescan_roots {
                let _ = tx.send(root.clone());
            }
        };
        match res {
            // The kernel's event queue overflowed (a huge burst): events were lost, so
            // every folder is re-read rather than trusting what arrived.
            Ok(event) if event.need_rescan() => rescan(&"events were dropped"),
            // Opens and reads (ours included) change nothing; only creates, removes,
            // renames and writes do.
            Ok(event)
                if !matches!(
                    event.kind,
                    notify::EventKind::Access(_)
                        | notify::EventKind::Modify(notify::event::ModifyKind::Metadata(_))
                ) =>
            {
                for p in event.paths {
                    let _ = tx.send(p);
                }
            }
            Ok(_) => {}
            Err(e) => rescan(&e),
        }
    };
    // One watch per folder the walk went through, taken from the index (a recursive watch
    // would walk the whole tree again, seconds at a million files, and watch ignored
    // folders too). Folders that appear later are watched as their events arrive.
    let index = state.index.load();
    let setup = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let mut w = notify::recommended_watcher(handler).ok()?;
        let mut failed = 0usize;
        for dir in index.walked_dirs() {
            if let Err(e) = w.watch(dir, notify::RecursiveMode::NonRecursive) {
                failed += 1;
                if failed == 1 {
                    tracing::warn!(folder = %dir.display(), error = %e, "cannot watch");
                }
            }
        }
        if failed > 1 {
            tracing::warn!(failed, "folders not watched (see the first warning)");
        }
        tracing::debug!(ms = started.elapsed().as_secs_f64() * 1e3, "watches set");
        Some(w)
    });
    let Ok(Some(w)) = setup.await else {
        tracing::warn!("no file watcher: live updates need the client's didChangeWatchedFiles");
        return;
    };
    *watcher.lock().unwrap() = Some(w);
    // What changed between the walk and the watches being in place was seen by neither:
    // now that every later change is watched, re-read each folder whose entries changed
    // since the walk started (its modification time says so; one `stat` a folder, with a
    // second of margin for coarse timestamps).
    let since = *state.walk_started.lock().unwrap() - Duration::from_secs(1);
    let index = state.index.load();
    let changed = tokio::task::spawn_blocking(move || {
        index
            .walked_dirs()
            .filter(|d| crate::vfs::modified(d).map_or(true, |m| m >= since))
            .flat_map(|d| entries_out_of_date(&index, d))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    tracing::debug!(
        paths = changed.len(),
        "entries changed while the watches were set up"
    );
    for path in changed {
        let _ = reconcile_tx.send(path);
    }
    let watcher = watcher.clone();
    let client = client.clone();
    let state = state.clone();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            tokio::time::sleep(DEBOUNCE).await;
            while let Ok(p) = rx.try_recv() {
                batch.push(p);
            }
            let roots = state.roots.read().unwrap().clone();
            batch.retain(|p| {
                // Only inside a workspace folder (a removed folder may still report).
                let Some(rel) = roots.iter().find_map(|r| p.strip_prefix(r).ok()) else {
                    return false;
                };
                !rel.components().any(|c| {
                    c.as_os_str().to_str().is_some_and(|s| {
                        crate::index::is_hidden_name(s.as_bytes())
                            || crate::index::SKIPPED_DIRS.contains(&s)
                    })
                })
            });
            // Right after a folder is renamed, the watcher can report events inside it under
            // the folder's old name: an event whose folder is gone also re-reads the nearest
            // folder above it that still exists (where the renamed folder now is, when it
            // moved within its parent).
            let stale: Vec<PathBuf> = batch
                .iter()
                .filter_map(|p| {
                    let parent = p.parent()?;
                    let is_dir =
                        |d: &std::path::Path| crate::vfs::metadata(d).is_ok_and(|m| m.is_dir());
                    if is_dir(parent) {
                        return None;
                    }
                    let root = roots.iter().find(|r| p.starts_with(r))?;
                    parent
                        .ancestors()
                        .take_while(|a| a.starts_with(root))
                        .find(|a| is_dir(a))
                        .map(std::path::Path::to_path_buf)
                })
                .collect();
            batch.extend(stale);
            // A folder that appeared (created, or renamed into place) is watched only once
            // the watcher has added it, a moment after the event: what changed inside it
            // meanwhile is seen by no event. Read such folders once more after that moment.
            let folders: Vec<PathBuf> = batch
                .iter()
                .filter(|p| crate::vfs::metadata(p).is_ok_and(|m| m.is_dir()))
                .cloned()
                .collect();
            if !folders.is_empty() {
                // Their events come from the folder above; what happens inside them needs
                // watches of their own (notify follows sub-folders created later).
                let to_watch = folders.clone();
                let w = watcher.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    use notify::Watcher;
                    if let Some(w) = w.lock().unwrap().as_mut() {
                        for dir in &to_watch {
                            if let Err(e) = w.watch(dir, notify::RecursiveMode::Recursive) {
                                tracing::warn!(folder = %dir.display(), error = %e, "cannot watch");
                            }
                        }
                    }
                })
                .await;
                let (client, state) = (client.clone(), state.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(RECHECK).await;
                    refresh(&client, &state, folders).await;
                });
            }
            if !batch.is_empty() {
                refresh(&client, &state, batch).await;
            }
        }
    });
}

/// The entries of the walked folder `dir` that the index may not show as they are: names
/// on disk the index does not hold (new files and folders, and files that are not prompt
/// or Python files, which the refresh then leaves out again), and names the index holds
/// that are gone. The folder itself when it cannot be listed.
fn entries_out_of_date(index: &Index, dir: &std::path::Path) -> Vec<PathBuf> {
    let on_disk: std::collections::HashSet<PathBuf> = match crate::vfs::read_dir(dir) {
        Ok(entries) => entries.into_iter().collect(),
        Err(e) => {
            tracing::debug!(error = %e, "folder not listed; re-read whole");
            return vec![dir.to_path_buf()];
        }
    };
    let mut indexed: std::collections::HashSet<PathBuf> = index.subdirs(dir).into_iter().collect();
    if let Some(folder) = index.folder(dir) {
        indexed.extend(folder.files.iter().map(|f| folder.path_of(f)));
        indexed.extend(folder.python.iter().map(|p| dir.join(&**p)));
    }
    let hidden = |p: &PathBuf| {
        p.file_name()
            .is_some_and(|n| crate::index::is_hidden_name(n.as_encoded_bytes()))
    };
    on_disk
        .symmetric_difference(&indexed)
        .filter(|p| !hidden(p))
        .cloned()
        .collect()
}

/// Whether `path` is a file inside a workspace folder, named like a prompt file there,
/// that the index does not hold (yet).
pub(super) fn unindexed_prompt(state: &State, path: &std::path::Path) -> bool {
    if !in_workspace(state, path) {
        return false;
    }
    let index = state.index.load();
    if index.file(path).is_some() {
        return false;
    }
    let Some(dir) = path.parent() else {
        return false;
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let settings = index.config().settings(dir);
    name.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && settings.versioning.is_prompt_extension(ext))
}

/// Brings the index up to date with `paths` (one coalesced refresh) and republishes.
pub(super) async fn refresh(client: &Client, state: &Arc<State>, paths: Vec<PathBuf>) {
    let st = state.clone();
    let touched = paths.clone();
    let started = std::time::Instant::now();
    {
        let _writing = state.index_writer.lock().await;
        let next = tokio::task::spawn_blocking(move || st.index.load().refreshed(&paths)).await;
        if let Ok(next) = next {
            let previous = state.index.replace(next);
            // Freeing the folders the refresh replaced touches each of their files: done
            // beside the republish, not before it.
            tokio::task::spawn_blocking(move || drop(previous));
        }
    }
    tracing::debug!(
        paths = touched.len(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "index refreshed"
    );
    // A config file changes how a whole subtree reads: republish everything then.
    if touched
        .iter()
        .any(|p| crate::config::ConfigFileKind::of(p).is_some())
    {
        rewatch_if_extensions_changed(client, state);
        after_change(client, state).await;
    } else {
        let started = std::time::Instant::now();
        diagnostics::publish_affected(client, state, &touched).await;
        tracing::debug!(
            ms = started.elapsed().as_secs_f64() * 1e3,
            "republished the affected files"
        );
        refresh_views(client, state);
    }
}

/// Rebuilds the whole index (`promptls.reindex`, settings changes).
pub(super) async fn reindex(client: &Client, state: &Arc<State>) {
    let st = state.clone();
    {
        let _writing = state.index_writer.lock().await;
        if let Ok(index) = tokio::task::spawn_blocking(move || fresh_index(&st)).await {
            state.index.store(index);
        }
    }
    rewatch_if_extensions_changed(client, state);
    after_change(client, state).await;
}

async fn after_change(client: &Client, state: &Arc<State>) {
    diagnostics::publish_all(client, state).await;
    refresh_views(client, state);
}

/// How long the server waits for the client to answer a request of its own (progress
/// creation, watcher registration) before going on without it.
const CLIENT_REPLY: Duration = Duration::from_secs(5);

/// Asks the client to refresh inlay hints and code lenses (each only if it said it
/// supports the request), without waiting for its answers: a handler never stalls on the
/// client (one that is exiting, or never answers, would otherwise keep the handler — and
/// the server's exit — waiting for good).
fn refresh_views(client: &Client, state: &State) {
    use std::sync::atomic::Ordering;
    let hints = state.inlay_hint_refresh.load(Ordering::SeqCst);
    let lenses = state.code_lens_refresh.load(Ordering::SeqCst);
    if !hints && !lenses {
        return;
    }
    let client = client.clone();
    tokio::spawn(async move {
        if hints {
            let answer = tokio::time::timeout(CLIENT_REPLY, client.inlay_hint_refresh()).await;
            tracing::debug!(?answer, "asked the client to refresh inlay hints");
        }
        if lenses {
            let answer = tokio::time::timeout(CLIENT_REPLY, client.code_lens_refresh()).await;
            tracing::debug!(?answer, "asked the client to refresh code lenses");
        }
    });
}

/// Waits (at most `limit`) until the first index is in place.
pub(super) async fn wait_indexed(state: &State, limit: Duration) {
    let mut rx = state.indexed.subscribe();
    let _ = tokio::time::timeout(limit, rx.wait_for(|done| *done)).await;
}
