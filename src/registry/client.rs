//! A registry as the command line uses it: `file:///path` (a folder of the user's own,
//! opened directly, no server) or `http(s)://…` (`promptls registry serve`), with the same
//! methods and the same errors either way.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

use super::PackageId;
use super::serve::{RegistryErrorBody, VersionDocument};
use super::store::{
    MAX_TARBALL_BYTES, RegistryStore, RegistryVersion, RegistryVersionSummary, StoreError,
    check_tarball, local_objects, too_large,
};
use super::tarball::sha256_hex;

/// Largest JSON answer read from a registry (bytes).
const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;

/// How long to wait for a registry server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one request to a registry server may take, its body included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a registry request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The registry refused or failed the request (the same errors with or without a
    /// server).
    #[error(transparent)]
    Registry(#[from] StoreError),
    /// The registry URL is not one this client speaks.
    #[error("`{url}` is not a registry URL: {reason}; write file:///path or http(s)://host[:port]")]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not be reached, or the connection failed or timed out.
    #[error("cannot reach the registry at {url}: {reason}")]
    Unreachable {
        /// The registry's URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server answered something that is not a registry's answer.
    #[error("the registry at {url} answered {status}, which this client cannot read: {reason}")]
    Response {
        /// The registry's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong with the answer.
        reason: String,
    },
    /// The downloaded tarball is not the one the registry lists (nothing is returned).
    #[error(
        "the downloaded tarball of {id} {version} has sha256 {actual}, but the registry lists {expected}; it was not used"
    )]
    Checksum {
        /// The package.
        id: String,
        /// The version.
        version: String,
        /// The sha256 the registry lists.
        expected: String,
        /// The sha256 of the bytes received.
        actual: String,
    },
}

/// A registry: a folder opened directly, or a server over HTTP.
#[derive(Debug)]
pub struct RegistryClient {
    url: String,
    backend: Backend,
}

#[derive(Debug)]
enum Backend {
    /// A folder of the user's.
    File(FileRegistry),
    /// A `registry serve` at `base` (no trailing `/`).
    Http { base: String, http: reqwest::Client },
}

/// Percent-encodes what an SQLite URL's path cannot hold as is.
const SQLITE_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b'%')
    .add(b'?')
    .add(b'#')
    .add(b' ');

impl RegistryClient {
    /// A client of the registry at `url`: `file:///absolute/path` or `http(s)://host[:port][/prefix]`.
    ///
    /// # Errors
    /// [`ClientError::Url`] for another scheme, a `file:` URL that is not a local absolute
    /// path, or an HTTP client that cannot be set up.
    pub fn new(url: &str) -> Result<RegistryClient, ClientError> {
        let bad = |reason: String| ClientError::Url {
            url: url.to_string(),
            reason,
        };
        let parsed = reqwest::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        let backend = match parsed.scheme() {
            "file" => {
                let root = parsed
                    .to_file_path()
                    .map_err(|()| bad("not a local absolute path".into()))?;
                Backend::File(FileRegistry {
                    url: url.to_string(),
                    root,
                    store: tokio::sync::OnceCell::new(),
                })
            }
            "http" | "https" => {
                if parsed.query().is_some() || parsed.fragment().is_some() {
                    return Err(bad("a registry URL has no query or fragment".into()));
                }
                let http = reqwest::Client::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .timeout(REQUEST_TIMEOUT)
                    .user_agent(concat!("promptls/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| bad(format!("no HTTP client: {e}")))?;
                Backend::Http {
                    base: parsed.as_str().trim_end_matches('/').to_string(),
                    http,
                }
            }
            other => return Err(bad(format!("the scheme `{other}` is not supported"))),
        };
        Ok(RegistryClient {
            url: url.to_string(),
            backend,
        })
    }

    /// The registry's URL as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every version of `id`, newest first (yanked ones flagged).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (as [`ClientError::Registry`]) for a prompt the registry
    /// does not hold; the transport errors of [`ClientError`].
    pub async fn versions(
        &self,
        id: &PackageId,
    ) -> Result<Vec<RegistryVersionSummary>, ClientError> {
        match &self.backend {
            Backend::File(file) => {
                let store = file.store_to_read(id).await?;
                Ok(store
                    .versions(id)
                    .await?
                    .iter()
                    .map(RegistryVersion::summary)
                    .collect())
            }
            Backend::Http { base, http } => {
                let url = format!("{base}/prompts/{}/{}/versions", id.owner(), id.name());
                let body = self.send(http.get(&url), MAX_JSON_BYTES).await?;
                self.json(&body, 200)
            }
        }
    }

    /// The stored metadata of `id` at `version`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (as [`ClientError::Registry`]) for a prompt or version the
    /// registry does not hold; the transport errors of [`ClientError`].
    pub async fn version(
        &self,
        id: &PackageId,
        version: &semver::Version,
    ) -> Result<RegistryVersion, ClientError> {
        match &self.backend {
            Backend::File(file) => {
                let store = file.store_to_read(id).await?;
                Ok(store.version(id, version).await?)
            }
            Backend::Http { base, http } => {
                let url = version_url(base, id, version);
                let body = self.send(http.get(&url), MAX_JSON_BYTES).await?;
                Ok(self.json::<VersionDocument>(&body, 200)?.version)
            }
        }
    }

    /// The tarball of `id` at `version`, checked against the sha256 the registry lists.
    ///
    /// # Errors
    /// [`ClientError::Checksum`] when the bytes are not the listed ones; as
    /// [`RegistryClient::version`] otherwise.
    pub async fn download(
        &self,
        id: &PackageId,
        version: &semver::Version,
    ) -> Result<Bytes, ClientError> {
        let meta = self.version(id, version).await?;
        let bytes = match &self.backend {
            Backend::File(file) => {
                let store = file.store_to_read(id).await?;
                store.download(id, version).await?
            }
            Backend::Http { base, http } => {
                let url = format!("{}/tarball", version_url(base, id, version));
                self.send(http.get(&url), MAX_TARBALL_BYTES).await?.1
            }
        };
        let actual = sha256_hex(&bytes);
        if actual != meta.sha256 {
            return Err(ClientError::Checksum {
                id: id.to_string(),
                version: version.to_string(),
                expected: meta.sha256,
                actual,
            });
        }
        Ok(bytes)
    }

    /// Publishes `tarball` as `id` at `version`. A server needs `token` (one of the
    /// owner's); a `file://` registry — the user's own folder — needs none and is created
    /// by its first publish.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when the version is already published,
    /// [`StoreError::Invalid`] for a tarball that is not this package at this version,
    /// [`StoreError::Unauthorized`] without a valid token (all as
    /// [`ClientError::Registry`]); the transport errors of [`ClientError`].
    pub async fn publish(
        &self,
        id: &PackageId,
        version: &semver::Version,
        tarball: Bytes,
        token: Option<&str>,
    ) -> Result<RegistryVersion, ClientError> {
        if tarball.len() > MAX_TARBALL_BYTES {
            return Err(too_large(tarball.len()).into());
        }
        match &self.backend {
            Backend::File(file) => {
                let (description, sha256, tarball) = {
                    let (id, version) = (id.clone(), version.clone());
                    tokio::task::spawn_blocking(move || {
                        check_tarball(&id, &version, &tarball)
                            .map(|d| (d, sha256_hex(&tarball), tarball))
                    })
                    .await
                    .map_err(|e| {
                        StoreError::Invalid(format!("the tarball could not be checked: {e}"))
                    })??
                };
                if !exists(&file.root)? {
                    // A new registry: writing the tarball creates its folders (the
                    // database's too); the publish below then finds these same bytes and
                    // finishes.
                    let objects = local_objects(&file.root.join("objects"))?;
                    put_new(&objects, id, version, tarball.clone()).await?;
                }
                let store = file.store().await?;
                Ok(store
                    .publish(id, version, tarball, &sha256, description)
                    .await?)
            }
            Backend::Http { base, http } => {
                let mut request = http
                    .put(version_url(base, id, version))
                    .header(reqwest::header::CONTENT_TYPE, "application/gzip")
                    .body(tarball);
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let body = self.send(request, MAX_JSON_BYTES).await?;
                Ok(self.json::<VersionDocument>(&body, 201)?.version)
            }
        }
    }

    /// Yanks `id` at `version` (hidden from new resolution, still downloadable); `token`
    /// as for [`RegistryClient::publish`].
    ///
    /// # Errors
    /// As [`RegistryClient::version`], and [`StoreError::Unauthorized`] without a valid
    /// token.
    pub async fn yank(
        &self,
        id: &PackageId,
        version: &semver::Version,
        token: Option<&str>,
    ) -> Result<RegistryVersion, ClientError> {
        match &self.backend {
            Backend::File(file) => {
                let store = file.store_to_read(id).await?;
                Ok(store.yank(id, version).await?)
            }
            Backend::Http { base, http } => {
                let mut request = http.post(format!("{}/yank", version_url(base, id, version)));
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let body = self.send(request, MAX_JSON_BYTES).await?;
                Ok(self.json::<VersionDocument>(&body, 200)?.version)
            }
        }
    }

    /// Sends `request` and reads at most `cap` bytes of the answer: the status and body.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        cap: usize,
    ) -> Result<(u16, Bytes), ClientError> {
        let unreachable = |e: reqwest::Error| ClientError::Unreachable {
            url: self.url.clone(),
            reason: error_chain(&e),
        };
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > cap {
                return Err(ClientError::Response {
                    url: self.url.clone(),
                    status,
                    reason: format!("the answer is over {cap} bytes"),
                });
            }
            body.extend_from_slice(&chunk);
        }
        let body = Bytes::from(body);
        if (200..300).contains(&status) {
            Ok((status, body))
        } else {
            Err(self.error_of(status, &body))
        }
    }

    /// The error a registry server's answer carries: its `{error, message}` back as the
    /// [`StoreError`] it came from.
    fn error_of(&self, status: u16, body: &[u8]) -> ClientError {
        let Ok(e) = serde_json::from_slice::<RegistryErrorBody>(body) else {
            return ClientError::Response {
                url: self.url.clone(),
                status,
                reason: format!(
                    "not a registry error: {}",
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                ),
            };
        };
        let m = e.message;
        let store = match (status, e.error.as_str()) {
            (404, _) => StoreError::NotFound(m),
            (409, _) => StoreError::Exists(m),
            (401, _) => StoreError::Unauthorized(m),
            (400, _) => StoreError::BadRequest(m),
            (422, _) => StoreError::Invalid(m),
            (413, _) => StoreError::TooLarge(m),
            (500..=599, "DatabaseError") => StoreError::Db(m),
            (500..=599, "StorageError") => StoreError::Storage(m),
            _ => {
                return ClientError::Response {
                    url: self.url.clone(),
                    status,
                    reason: format!("{}: {m}", e.error),
                };
            }
        };
        ClientError::Registry(store)
    }

    fn json<T: serde::de::DeserializeOwned>(
        &self,
        (status, body): &(u16, Bytes),
        want: u16,
    ) -> Result<T, ClientError> {
        let bad = |reason: String| ClientError::Response {
            url: self.url.clone(),
            status: *status,
            reason,
        };
        if *status != want {
            return Err(bad(format!("expected status {want}")));
        }
        serde_json::from_slice(body).map_err(|e| bad(format!("not the expected JSON: {e}")))
    }
}

/// A `file://` registry: `{root}/registry.db` (SQLite) and `{root}/objects`, opened on
/// first use.
#[derive(Debug)]
struct FileRegistry {
    url: String,
    root: PathBuf,
    store: tokio::sync::OnceCell<RegistryStore>,
}

impl FileRegistry {
    /// The store, opened (and created) on first use.
    async fn store(&self) -> Result<&RegistryStore, ClientError> {
        self.store
            .get_or_try_init(|| async {
                let db = format!(
                    "sqlite://{}?mode=rwc",
                    percent_encoding::utf8_percent_encode(
                        &self.root.join("registry.db").to_string_lossy(),
                        SQLITE_PATH
                    )
                );
                let objects = local_objects(&self.root.join("objects"))?;
                RegistryStore::open_with(&db, objects).await
            })
            .await
            .map_err(ClientError::from)
    }

    /// The store to read `id` from: a registry whose database does not exist yet holds no
    /// prompt (and is not created by a read).
    async fn store_to_read(&self, id: &PackageId) -> Result<&RegistryStore, ClientError> {
        if !exists(&self.root.join("registry.db"))? {
            return Err(StoreError::NotFound(format!(
                "there is no prompt {id} in the registry (the registry {} holds nothing yet)",
                self.url
            ))
            .into());
        }
        self.store().await
    }
}

fn version_url(base: &str, id: &PackageId, version: &semver::Version) -> String {
    format!("{base}/prompts/{}/{}/{version}", id.owner(), id.name())
}

/// Whether `path` exists.
///
/// # Errors
/// [`StoreError::Storage`] when the system cannot tell (no permission, …).
fn exists(path: &Path) -> Result<bool, StoreError> {
    match crate::vfs::metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(StoreError::Storage(e.to_string())),
    }
}

/// Writes the tarball of `id` at `version` unless one is stored (which the publish that
/// follows then judges).
async fn put_new(
    objects: &Arc<dyn ObjectStore>,
    id: &PackageId,
    version: &semver::Version,
    tarball: Bytes,
) -> Result<(), StoreError> {
    let location = ObjectPath::from(id.storage_path(version).as_str());
    match objects
        .put_opts(
            &location,
            PutPayload::from_bytes(tarball),
            PutOptions::from(PutMode::Create),
        )
        .await
    {
        Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(StoreError::Storage(format!(
            "the registry's object storage failed: {e}"
        ))),
    }
}

/// An error and its causes, `: `-joined (reqwest's own message omits the cause).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
