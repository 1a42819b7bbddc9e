//! `promptls api`: the Prompt Versions API of seed 000 over HTTP, and a web page on top of
//! it — a face like the language server and the command line. The files stay the source
//! of truth: the API indexes one workspace root, keeps the index live with a file watcher,
//! and writes only new files inside the root, through [`crate::vfs`], one write at a time.
//!
//! `routes.rs` holds the handlers (each documented for the OpenAPI document), `error.rs`
//! the JSON errors, `web.rs` the page and its assets (embedded in the binary).

mod error;
mod routes;
mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ApiError, ApiErrorBody};
pub use routes::{
    BumpName, CreateQuery, CreateVersion, Created, Health, Planned, PromptSummary, ResolvedVersion,
    Reverted,
};

use crate::analysis::FileMeta;
use crate::config::ConfigSource;
use crate::index::{Index, SharedIndex};
use crate::vfs::VfsError;

/// Largest request body accepted (bytes); a larger one is a 413.
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// How many times a create is planned again when its file appears before it is written.
const WRITE_ATTEMPTS: usize = 16;

/// What the handlers share.
#[derive(Debug)]
pub struct ApiState {
    /// The workspace root (canonical).
    pub root: PathBuf,
    /// The index of the root, kept live.
    pub index: SharedIndex,
    /// The bearer token every request must carry, when one is set.
    pub token: Option<String>,
    /// Held by each write and index refresh, so writes never race each other.
    pub writes: tokio::sync::Mutex<()>,
    /// Title, description and modified time of the files listed so far, so that a list
    /// reads no file; an entry goes when the watcher or a write reports its path.
    meta: std::sync::RwLock<HashMap<PathBuf, FileMeta>>,
}

impl ApiState {
    /// Indexes `root` (canonical) with the given config source.
    pub fn new(root: PathBuf, config: Arc<ConfigSource>, token: Option<String>) -> ApiState {
        let index = Index::scan(vec![root.clone()], config);
        ApiState {
            root,
            index: SharedIndex::new(index),
            token,
            writes: tokio::sync::Mutex::new(()),
            meta: std::sync::RwLock::new(HashMap::new()),
        }
    }

    /// The [`FileMeta`] of `path`, from the cache, else read (and kept).
    pub fn file_meta(&self, index: &Index, path: &Path) -> FileMeta {
        if let Some(m) = self.meta.read().unwrap().get(path) {
            return m.clone();
        }
        let m = crate::analysis::file_meta(index, path);
        self.meta
            .write()
            .unwrap()
            .insert(path.to_path_buf(), m.clone());
        m
    }

    /// Forgets what is cached of `paths` and of everything under them (a folder's event).
    fn forget(&self, paths: &[PathBuf]) {
        let mut meta = self.meta.write().unwrap();
        meta.retain(|p, _| !paths.iter().any(|changed| p.starts_with(changed)));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "promptls Prompt Versions API",
        description = "List, get, create and revert versions of the prompts of a workspace, whose files stay the source of truth. Prompt ids hold `/`: in a path they are percent-encoded as one segment (`prompts%2Ftask`).",
        license(name = "MIT OR Apache-2.0")
    ),
    tags(
        (name = "versions", description = "The Prompt Versions endpoints"),
        (name = "prompts", description = "Prompts and resolution"),
        (name = "service", description = "The service itself"),
    )
)]
struct ApiDoc;

/// The router and its OpenAPI document, generated from the handlers.
pub fn router(state: Arc<ApiState>) -> (Router, utoipa::openapi::OpenApi) {
    let (api, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::prompts))
        .routes(routes!(routes::list, routes::create))
        .routes(routes!(routes::get))
        .routes(routes!(routes::revert))
        .routes(routes!(routes::resolve))
        .routes(routes!(routes::diff))
        .routes(routes!(routes::healthz))
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let json = Arc::new(doc.to_json().unwrap_or_else(|_| "{}".into()));
    let router = api
        .merge(web::routes())
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let json = json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        (*json).clone(),
                    )
                }
            }),
        )
        .fallback(|| async { ApiError::not_found("no such endpoint; see /openapi.json") })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authorize,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state);
    (router, doc)
}

/// Every request carries the bearer token when one is set (compared in constant time).
async fn authorize(
    State(state): State<Arc<ApiState>>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &state.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
            let mut r = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "UnauthorizedError",
                "this server needs `Authorization: Bearer <token>`",
            )
            .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                "Bearer".parse().expect("a header value"),
            );
            return r;
        }
    }
    next.run(request).await
}

/// A JSON body the extractor refused, as an API error: 413 over the limit, else 422.
pub(crate) fn rejection(e: axum::extract::rejection::JsonRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeError",
            format!("the body is over {BODY_LIMIT} bytes"),
        );
    }
    ApiError::invalid(e.body_text())
}

/// Carries out one write: plans it on the current index, creates its file (never
/// overwriting), and refreshes the index with it before the next write plans. When the
/// file appears meanwhile (another program), the index learns of it and the write is
/// planned again; after [`WRITE_ATTEMPTS`] a 409.
pub(crate) async fn write<F>(state: &Arc<ApiState>, plan: F) -> Result<Created, ApiError>
where
    F: Fn(&Index) -> Result<routes::PlannedWrite, ApiError> + Send + 'static,
{
    let _turn = state.writes.lock().await;
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        for _ in 0..WRITE_ATTEMPTS {
            let index = st.index.load();
            let (plan, reason) = plan(&index)?;
            if !plan.path.starts_with(&st.root) {
                return Err(ApiError::invalid(format!(
                    "{} is outside the workspace; nothing was written",
                    plan.path.display()
                )));
            }
            match crate::vfs::create_new(&plan.path, &plan.content) {
                Ok(()) => {
                    st.forget(std::slice::from_ref(&plan.path));
                    st.index.store(index.refreshed(std::slice::from_ref(&plan.path)));
                    let index = st.index.load();
                    let (folder, i) = index.file(&plan.path).ok_or_else(|| {
                        ApiError::new(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "InternalError",
                            "the new file is not indexed",
                        )
                    })?;
                    let file = &folder.files[i];
                    let prompt = folder.prompt(&file.parsed.base).ok_or_else(|| {
                        ApiError::new(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "InternalError",
                            "the new file has no prompt",
                        )
                    })?;
                    return Ok(Created {
                        version: crate::analysis::prompt_version(&index, folder, prompt, file, true),
                        reason,
                    });
                }
                Err(VfsError::Exists { path }) => {
                    tracing::info!(path = %path.display(), "appeared before it was written; planning again");
                    st.index.store(index.refreshed(&[path]));
                }
                Err(e) => {
                    return Err(ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "WriteError",
                        e.to_string(),
                    ));
                }
            }
        }
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "ConflictError",
            "other writes took every version this one could have; try again",
        ))
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            e.to_string(),
        )
    })?
}

/// Keeps the index of `state` live: file-system events under the root, gathered for
/// 50 ms, refresh the index (under the write lock, so a write and a refresh never race).
/// The returned watcher stops when dropped. `None` (logged) when the system gives none:
/// the index then changes only with the API's own writes.
pub fn watch(state: Arc<ApiState>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let (tx, rx) = std::sync::mpsc::channel::<Vec<PathBuf>>();
    let mut watcher =
        match notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            if let Ok(event) = res
                && !matches!(event.kind, notify::EventKind::Access(_))
            {
                let _ = tx.send(event.paths);
            }
        }) {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "no file watcher: changes on disk are not seen");
                return None;
            }
        };
    if let Err(e) = watcher.watch(&state.root, notify::RecursiveMode::Recursive) {
        tracing::warn!(error = %e, "cannot watch the workspace: changes on disk are not seen");
        return None;
    }
    std::thread::spawn(move || {
        while let Ok(mut paths) = rx.recv() {
            while let Ok(more) = rx.recv_timeout(Duration::from_millis(50)) {
                paths.extend(more);
            }
            paths.sort();
            paths.dedup();
            let _turn = state.writes.blocking_lock();
            state.forget(&paths);
            let next = state.index.load().refreshed(&paths);
            tracing::debug!(changed = paths.len(), "watched files changed");
            state.index.store(next);
        }
    });
    Some(watcher)
}

/// Whether an address is loopback only (127.0.0.0/8, ::1).
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Serves the API on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: Arc<ApiState>) -> std::io::Result<()> {
    let (router, _) = router(state.clone());
    let _watcher = watch(state);
    axum::serve(listener, router).await
}

/// The workspace root of `path` as the API indexes it (canonical).
pub fn canonical_root(path: &Path) -> Result<PathBuf, VfsError> {
    crate::vfs::canonicalize(path)
}
