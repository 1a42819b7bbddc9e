//! `promptls registry serve`: the registry over HTTP (axum), on a [`RegistryStore`].
//!
//! Routes (JSON; errors are `{error, message}` with 400, 401, 404, 405, 408, 409, 413 or
//! 422 for what a request got wrong, 500 only when the database or the storage fails):
//! - `GET /prompts/{owner}/{name}/versions`: `[{version, created_at, yanked}]`, newest first
//! - `GET /prompts/{owner}/{name}/{version}`: a [`VersionDocument`]
//! - `GET /prompts/{owner}/{name}/{version}/tarball`: the tarball (`application/gzip`);
//!   records a download
//! - `PUT /prompts/{owner}/{name}/{version}`: publishes the body (a tarball) with
//!   `Authorization: Bearer TOKEN` of the owner; 201 and the [`VersionDocument`]
//! - `POST /prompts/{owner}/{name}/{version}/yank` (same token): 200 and the document,
//!   `yanked: true`
//! - `GET /healthz`: `{"status": "ok"}`

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::PackageId;
use super::store::{
    MAX_TARBALL_BYTES, RegistryStore, RegistryVersion, RegistryVersionSummary, StoreError,
    check_tarball, parse_version, too_large,
};

/// Largest request body (bytes): the largest tarball.
pub const BODY_LIMIT: usize = MAX_TARBALL_BYTES;

/// How long one request may take, its body included, before a 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// An error as the registry returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryErrorBody {
    /// The error's name: `NotFoundError`, `ConflictError`, `UnauthorizedError`,
    /// `BadRequestError`, `InvalidPackageError`, `PayloadTooLargeError`,
    /// `MethodNotAllowedError`, `RequestTimeoutError`, `DatabaseError`, `StorageError`.
    pub error: String,
    /// One line for a person.
    pub message: String,
}

/// The status and error name of a [`StoreError`].
pub fn status_of(e: &StoreError) -> (StatusCode, &'static str) {
    match e {
        StoreError::NotFound(_) => (StatusCode::NOT_FOUND, "NotFoundError"),
        StoreError::Exists(_) => (StatusCode::CONFLICT, "ConflictError"),
        StoreError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "UnauthorizedError"),
        StoreError::BadRequest(_) => (StatusCode::BAD_REQUEST, "BadRequestError"),
        StoreError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "InvalidPackageError"),
        StoreError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLargeError"),
        StoreError::Config(_) | StoreError::Db(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "DatabaseError")
        }
        StoreError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "StorageError"),
    }
}

/// A [`StoreError`] as a response.
struct Failure(StoreError);

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure(e)
    }
}

fn error_response(status: StatusCode, error: &str, message: String) -> Response {
    let mut r = (
        status,
        Json(RegistryErrorBody {
            error: error.into(),
            message,
        }),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    r
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, name) = status_of(&self.0);
        if status.is_server_error() {
            tracing::error!(error = %self.0, "request failed");
        }
        error_response(status, name, self.0.to_string())
    }
}

/// A version as the registry returns it: the stored row and where to download it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionDocument {
    /// The stored version.
    #[serde(flatten)]
    pub version: RegistryVersion,
    /// The tarball's absolute URL, built from the request's `Host`.
    pub download_url: String,
}

/// What the handlers share.
#[derive(Debug)]
pub struct ServeState {
    /// The database and the objects.
    pub store: RegistryStore,
    /// `host:port` for download URLs when a request carries no usable `Host`.
    pub address: String,
}

/// `{owner}/{name}` of the path, validated.
struct Prompt(PackageId);

/// `{owner}/{name}/{version}` of the path, validated.
struct Target(PackageId, semver::Version);

/// A [`Target`] whose request carries a token of its owner.
struct Authorized(PackageId, semver::Version);

async fn path_params(
    parts: &mut Parts,
) -> Result<std::collections::HashMap<String, String>, Failure> {
    axum::extract::Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, &())
        .await
        .map(|axum::extract::Path(p)| p)
        .map_err(|e| Failure(StoreError::BadRequest(e.body_text())))
}

fn package_id(params: &std::collections::HashMap<String, String>) -> Result<PackageId, Failure> {
    let part = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    PackageId::new(part("owner"), part("name"))
        .map_err(|e| Failure(StoreError::BadRequest(e.to_string())))
}

impl<S: Send + Sync> FromRequestParts<S> for Prompt {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Failure> {
        Ok(Prompt(package_id(&path_params(parts).await?)?))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Target {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Failure> {
        let params = path_params(parts).await?;
        let id = package_id(&params)?;
        let version = parse_version(params.get("version").map(String::as_str).unwrap_or(""))?;
        Ok(Target(id, version))
    }
}

impl FromRequestParts<Arc<ServeState>> for Authorized {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ServeState>,
    ) -> Result<Self, Failure> {
        let Target(id, version) = Target::from_request_parts(parts, state).await?;
        let owner = id.owner();
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(Failure(StoreError::Unauthorized(format!(
                "publishing and yanking need `Authorization: Bearer <token>` with a token of {owner} (`promptls registry token create {owner}`)"
            ))));
        };
        if !state.store.check_token(owner, token).await? {
            return Err(Failure(StoreError::Unauthorized(format!(
                "the token is not one of {owner}'s; create one with `promptls registry token create {owner}`"
            ))));
        }
        Ok(Authorized(id, version))
    }
}

/// The scheme and host this request reached, from `X-Forwarded-Proto` and `Host`, when
/// they are well formed; else `http://` and the address the server listens on.
fn origin(headers: &HeaderMap, fallback: &str) -> String {
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.parse::<axum::http::uri::Authority>().is_ok() && !h.contains('@'))
        .unwrap_or(fallback);
    format!("{scheme}://{host}")
}

fn document(
    st: &ServeState,
    row: RegistryVersion,
    headers: &HeaderMap,
    id: &PackageId,
) -> VersionDocument {
    let download_url = format!(
        "{}/prompts/{}/{}/{}/tarball",
        origin(headers, &st.address),
        id.owner(),
        id.name(),
        row.version
    );
    VersionDocument {
        version: row,
        download_url,
    }
}

async fn versions(
    State(st): State<Arc<ServeState>>,
    Prompt(id): Prompt,
) -> Result<Json<Vec<RegistryVersionSummary>>, Failure> {
    let rows = st.store.versions(&id).await?;
    Ok(Json(rows.iter().map(RegistryVersion::summary).collect()))
}

async fn version(
    State(st): State<Arc<ServeState>>,
    headers: HeaderMap,
    Target(id, version): Target,
) -> Result<Json<VersionDocument>, Failure> {
    let row = st.store.version(&id, &version).await?;
    Ok(Json(document(&st, row, &headers, &id)))
}

async fn tarball(
    State(st): State<Arc<ServeState>>,
    Target(id, version): Target,
) -> Result<Response, Failure> {
    let bytes = st.store.download(&id, &version).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/gzip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{version}.tar.gz\"", id.name()),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn publish(
    State(st): State<Arc<ServeState>>,
    headers: HeaderMap,
    Authorized(id, version): Authorized,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<VersionDocument>), Failure> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure(StoreError::TooLarge(format!(
                "the tarball is over {BODY_LIMIT} bytes (16 MiB), the most the registry takes"
            )))
        } else {
            Failure(StoreError::BadRequest(format!(
                "the request's body cannot be read: {}",
                e.body_text()
            )))
        }
    })?;
    if body.len() > BODY_LIMIT {
        return Err(Failure(too_large(body.len())));
    }
    let (checked, body) = {
        let (id, version) = (id.clone(), version.clone());
        tokio::task::spawn_blocking(move || {
            let checked =
                check_tarball(&id, &version, &body).map(|d| (d, super::tarball::sha256_hex(&body)));
            (checked, body)
        })
        .await
        .map_err(|e| {
            Failure(StoreError::Invalid(format!(
                "the tarball could not be checked: {e}"
            )))
        })?
    };
    let (description, sha256) = checked?;
    let row = st
        .store
        .publish(&id, &version, body, &sha256, description)
        .await?;
    tracing::info!(%id, %version, size = row.size, "published");
    Ok((StatusCode::CREATED, Json(document(&st, row, &headers, &id))))
}

async fn yank(
    State(st): State<Arc<ServeState>>,
    headers: HeaderMap,
    Authorized(id, version): Authorized,
) -> Result<Json<VersionDocument>, Failure> {
    let row = st.store.yank(&id, &version).await?;
    tracing::info!(%id, %version, "yanked");
    Ok(Json(document(&st, row, &headers, &id)))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// Ends a request that takes longer than [`REQUEST_TIMEOUT`] (a body that trickles in)
/// with a 408.
async fn deadline(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(r) => r,
        Err(_) => error_response(
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeoutError",
            format!(
                "the request took over {} seconds",
                REQUEST_TIMEOUT.as_secs()
            ),
        ),
    }
}

/// The registry's router.
pub fn router(state: Arc<ServeState>) -> Router {
    use axum::routing::{get, post};
    Router::new()
        .route("/healthz", get(healthz))
        .route("/prompts/{owner}/{name}/versions", get(versions))
        .route("/prompts/{owner}/{name}/{version}", get(version).put(publish))
        .route("/prompts/{owner}/{name}/{version}/tarball", get(tarball))
        .route("/prompts/{owner}/{name}/{version}/yank", post(yank))
        .fallback(|| async {
            error_response(
                StatusCode::NOT_FOUND,
                "NotFoundError",
                "no such endpoint; the registry serves /prompts/{owner}/{name}/versions and /prompts/{owner}/{name}/{version}[/tarball|/yank]".into(),
            )
        })
        .method_not_allowed_fallback(|| async {
            error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowedError",
                "this endpoint does not take that method".into(),
            )
        })
        .layer(axum::middleware::from_fn(deadline))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the registry on `listener` until the process ends.
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<ServeState>,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
