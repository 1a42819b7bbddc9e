//! The registry's storage: metadata in a database (SQLite or PostgreSQL through sqlx's `Any`
//! driver), tarballs in object storage (a local folder or an S3-compatible bucket through
//! `object_store`).
//!
//! Versions are immutable: a tarball is written with `PutMode::Create`, so a stored one is
//! never replaced, and each version is one row under `UNIQUE (prompt_id, version)`. Several
//! processes may share one database and one bucket; a publish writes the object first and
//! the row second, so of two publishes of the same version exactly one wins and the other
//! gets [`StoreError::Exists`]. A publish that stopped between the two steps is finished by
//! the next publish of the same bytes.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe};
use subtle::ConstantTimeEq;

use super::PackageId;
use super::tarball::{Limits, read, sha256_hex};

/// Largest tarball accepted (compressed bytes): 16 MiB.
pub const MAX_TARBALL_BYTES: usize = 16 * 1024 * 1024;

/// How long an SQLite connection waits for another process's lock before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 30_000;

/// The schema, one statement each (PostgreSQL takes one statement per query), portable
/// between SQLite and PostgreSQL.
const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS owners (
        name TEXT PRIMARY KEY,
        created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tokens (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL REFERENCES owners(name),
        sha256 TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS prompts (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL REFERENCES owners(name),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (owner, name))",
    "CREATE TABLE IF NOT EXISTS prompt_versions (
        id TEXT PRIMARY KEY,
        prompt_id TEXT NOT NULL REFERENCES prompts(id),
        version TEXT NOT NULL,
        tarball_url TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size BIGINT NOT NULL,
        description TEXT,
        yanked INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        UNIQUE (prompt_id, version))",
    "CREATE TABLE IF NOT EXISTS downloads (
        id TEXT PRIMARY KEY,
        prompt_id TEXT NOT NULL REFERENCES prompts(id),
        version_id TEXT NOT NULL REFERENCES prompt_versions(id),
        downloaded_at TEXT NOT NULL)",
];

/// The columns of a version row, in the order [`RegistryVersion::from_row`] reads them.
const VERSION_COLUMNS: &str = "v.id, v.prompt_id, v.version, v.tarball_url, v.sha256, v.size, \
     v.description, v.yanked, v.created_at";

/// Why a registry operation failed. Each message names what and why; the HTTP face maps
/// the variants to statuses (404, 409, 401, 400, 422, 413, 500) and the client maps them
/// back, so a message reads the same with or without a server in between.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The prompt or the version is not in the registry (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// The version is already published; versions are immutable (HTTP 409).
    #[error("{0}")]
    Exists(String),
    /// No token, or not a token of the owner (HTTP 401).
    #[error("{0}")]
    Unauthorized(String),
    /// An owner, name or version that is not valid, or a request that cannot be read
    /// (HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    /// A tarball that is not a valid package of the name and version it is published as
    /// (HTTP 422).
    #[error("{0}")]
    Invalid(String),
    /// A tarball over [`MAX_TARBALL_BYTES`] (HTTP 413).
    #[error("{0}")]
    TooLarge(String),
    /// A database or object store URL that cannot be used.
    #[error("{0}")]
    Config(String),
    /// The database failed (HTTP 500).
    #[error("{0}")]
    Db(String),
    /// The object storage failed, or holds something it should not (HTTP 500).
    #[error("{0}")]
    Storage(String),
}

impl StoreError {
    fn db(e: &sqlx::Error) -> StoreError {
        StoreError::Db(format!("the registry database failed: {e}"))
    }

    fn storage(e: &object_store::Error) -> StoreError {
        StoreError::Storage(format!("the registry's object storage failed: {e}"))
    }

    fn version_not_found(id: &PackageId, version: &semver::Version) -> StoreError {
        StoreError::NotFound(format!("{id} has no version {version} in the registry"))
    }

    fn prompt_not_found(id: &PackageId) -> StoreError {
        StoreError::NotFound(format!("there is no prompt {id} in the registry"))
    }
}

/// One published version, as stored (the row of `prompt_versions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryVersion {
    /// The row's id (a UUID).
    pub id: String,
    /// The prompt's row id (a UUID).
    pub prompt_id: String,
    /// The version.
    #[serde(with = "version_text")]
    pub version: semver::Version,
    /// The tarball's storage path: `prompts/{owner}/{name}/{version}.tar.gz`.
    pub tarball_url: String,
    /// When it was published, RFC 3339 UTC to the second (`2026-03-10T12:00:00Z`).
    pub created_at: String,
    /// The tarball's sha256, lowercase hex.
    pub sha256: String,
    /// The tarball's size in bytes.
    pub size: u64,
    /// The manifest's description, when it has one.
    pub description: Option<String>,
    /// Whether the version is yanked: hidden from new resolution, still downloadable.
    pub yanked: bool,
}

/// One entry of a version list: `{"version", "created_at", "yanked"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryVersionSummary {
    /// The version.
    #[serde(with = "version_text")]
    pub version: semver::Version,
    /// When it was published, RFC 3339 UTC to the second.
    pub created_at: String,
    /// Whether it is yanked.
    pub yanked: bool,
}

impl RegistryVersion {
    /// The list entry of this version.
    pub fn summary(&self) -> RegistryVersionSummary {
        RegistryVersionSummary {
            version: self.version.clone(),
            created_at: self.created_at.clone(),
            yanked: self.yanked,
        }
    }

    fn from_row(row: &AnyRow) -> Result<RegistryVersion, StoreError> {
        let text = |col: &str| {
            row.try_get::<String, _>(col)
                .map_err(|e| StoreError::db(&e))
        };
        let version = text("version")?;
        let version = semver::Version::parse(&version).map_err(|e| {
            StoreError::Db(format!(
                "the registry database holds `{version}`, which is not a version: {e}"
            ))
        })?;
        let size: i64 = row.try_get("size").map_err(|e| StoreError::db(&e))?;
        let yanked: i64 = row.try_get("yanked").map_err(|e| StoreError::db(&e))?;
        Ok(RegistryVersion {
            id: text("id")?,
            prompt_id: text("prompt_id")?,
            version,
            tarball_url: text("tarball_url")?,
            created_at: text("created_at")?,
            sha256: text("sha256")?,
            size: u64::try_from(size).map_err(|_| {
                StoreError::Db(format!("the registry database holds a size of {size}"))
            })?,
            description: row
                .try_get::<Option<String>, _>("description")
                .map_err(|e| StoreError::db(&e))?,
            yanked: yanked != 0,
        })
    }
}

/// Serde of a `semver::Version` as its text (`"1.2.0-rc.1"`).
mod version_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &semver::Version, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<semver::Version, D::Error> {
        let text = String::deserialize(d)?;
        semver::Version::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Checks a version the registry can hold: semver without build metadata (`1.0.0+build`
/// would sort equal to `1.0.0` and name a second tarball of the same version).
///
/// # Errors
/// [`StoreError::BadRequest`] for text that is not semver or carries build metadata.
pub fn parse_version(text: &str) -> Result<semver::Version, StoreError> {
    let version = semver::Version::parse(text).map_err(|e| {
        StoreError::BadRequest(format!(
            "`{text}` is not a version: {e}; write it as major.minor.patch (for example 1.2.0 or 1.2.0-rc.1)"
        ))
    })?;
    if !version.build.is_empty() {
        return Err(StoreError::BadRequest(format!(
            "`{text}`: build metadata (`+{}`) is not allowed in a registry version",
            version.build
        )));
    }
    Ok(version)
}

/// Checks that `tarball` is a valid package of `id` at `version`: it reads (within the
/// default tarball limits), and its `prompt.yaml` names the same package and version.
/// Returns the manifest's description.
///
/// # Errors
/// [`StoreError::TooLarge`] over [`MAX_TARBALL_BYTES`]; [`StoreError::Invalid`] for a
/// tarball that cannot be read, or whose manifest names another package or version.
pub fn check_tarball(
    id: &PackageId,
    version: &semver::Version,
    tarball: &[u8],
) -> Result<Option<String>, StoreError> {
    if tarball.len() > MAX_TARBALL_BYTES {
        return Err(too_large(tarball.len()));
    }
    let package = read(tarball, &Limits::default()).map_err(|e| {
        StoreError::Invalid(format!("the tarball of {id} {version} is refused: {e}"))
    })?;
    let manifest = package.manifest;
    if manifest.name != id.name() {
        return Err(StoreError::Invalid(format!(
            "the tarball's prompt.yaml names the package `{}`, but it is published as {id}; the names must match",
            manifest.name
        )));
    }
    if &manifest.version != version {
        return Err(StoreError::Invalid(format!(
            "the tarball's prompt.yaml says version {}, but it is published as {version}; the versions must match",
            manifest.version
        )));
    }
    Ok(manifest.description)
}

/// The error of a tarball of `size` bytes.
pub(crate) fn too_large(size: usize) -> StoreError {
    StoreError::TooLarge(format!(
        "the tarball is {size} bytes; the registry takes at most {MAX_TARBALL_BYTES} bytes (16 MiB)"
    ))
}

/// The registry's database and object storage.
#[derive(Debug, Clone)]
pub struct RegistryStore {
    pool: AnyPool,
    objects: Arc<dyn ObjectStore>,
}

/// A timestamp of now: RFC 3339 UTC to the second.
fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `path` made absolute (against the current folder) with `.` and `..` resolved by name.
fn absolute(path: &Path) -> Result<PathBuf, StoreError> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        let cwd = std::env::current_dir().map_err(|e| {
            StoreError::Config(format!(
                "cannot read the current folder for the object store `{}`: {e}",
                path.display()
            ))
        })?;
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Whether an `http://` endpoint is on this machine (so plain HTTP is allowed to it).
fn is_loopback_endpoint(endpoint: &str) -> bool {
    reqwest::Url::parse(endpoint).is_ok_and(|u| {
        let host = u.host_str().unwrap_or("").trim_matches(['[', ']']);
        u.scheme() == "http"
            && (host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback()))
    })
}

/// Opens the object storage named by `store_url`: a folder (a path, relative to the current
/// folder, or `file:///abs/path`; created on the first write), or an S3-compatible bucket
/// (`s3://bucket[/prefix]?endpoint=http://127.0.0.1:9000&region=us-east-1`, every query
/// key an `object_store` S3 option; the rest from the `AWS_*` environment). Plain HTTP is
/// allowed to a loopback endpoint.
///
/// # Errors
/// [`StoreError::Config`] for a URL of another scheme, an unknown option, or a bucket
/// that cannot be configured.
pub fn open_objects(store_url: &str) -> Result<Arc<dyn ObjectStore>, StoreError> {
    if let Some(rest) = store_url.strip_prefix("s3://") {
        let url = reqwest::Url::parse(store_url).map_err(|e| {
            StoreError::Config(format!("the store URL `s3://{rest}` is not a URL: {e}"))
        })?;
        return open_s3(&url);
    }
    let path = if store_url.starts_with("file://") {
        let url = reqwest::Url::parse(store_url)
            .map_err(|e| StoreError::Config(format!("`{store_url}` is not a URL: {e}")))?;
        url.to_file_path().map_err(|()| {
            StoreError::Config(format!(
                "`{store_url}` is not a local folder; write file:///absolute/path"
            ))
        })?
    } else if store_url.contains("://") {
        return Err(StoreError::Config(format!(
            "`{store_url}`: the object store is a folder (a path or file:///path) or s3://bucket?endpoint=…"
        )));
    } else {
        PathBuf::from(store_url)
    };
    local_objects(&path)
}

/// A folder as object storage. The folder need not exist: each write creates the folders
/// it needs.
pub(crate) fn local_objects(path: &Path) -> Result<Arc<dyn ObjectStore>, StoreError> {
    let abs = absolute(path)?;
    let prefix = ObjectPath::from_absolute_path(&abs).map_err(|e| {
        StoreError::Config(format!(
            "{} cannot hold the registry's objects: {e}",
            abs.display()
        ))
    })?;
    Ok(Arc::new(object_store::prefix::PrefixStore::new(
        object_store::local::LocalFileSystem::new(),
        prefix,
    )))
}

fn open_s3(url: &reqwest::Url) -> Result<Arc<dyn ObjectStore>, StoreError> {
    use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
    let bucket = url.host_str().filter(|b| !b.is_empty()).ok_or_else(|| {
        StoreError::Config("the store URL names no bucket: write s3://bucket?endpoint=…".into())
    })?;
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    for (key, value) in url.query_pairs() {
        let k: AmazonS3ConfigKey = key.parse().map_err(|_| {
            StoreError::Config(format!(
                "the store URL's option `{key}` is not an S3 option (for example endpoint, region, allow_http)"
            ))
        })?;
        builder = builder.with_config(k, value.into_owned());
    }
    if builder
        .get_config_value(&AmazonS3ConfigKey::Endpoint)
        .is_some_and(|e| is_loopback_endpoint(&e))
    {
        builder = builder.with_allow_http(true);
    }
    let s3 = builder.build().map_err(|e| {
        StoreError::Config(format!("the bucket `{bucket}` cannot be configured: {e}"))
    })?;
    let prefix = url.path().trim_matches('/');
    if prefix.is_empty() {
        Ok(Arc::new(s3))
    } else {
        let prefix = ObjectPath::parse(prefix).map_err(|e| {
            StoreError::Config(format!(
                "the store URL's path `{prefix}` is not usable: {e}"
            ))
        })?;
        Ok(Arc::new(object_store::prefix::PrefixStore::new(s3, prefix)))
    }
}

/// `db_url` with `mode=rwc` added to an SQLite URL that gives no mode, so a missing file
/// is created.
fn with_create_mode(db_url: &str) -> String {
    if !db_url.starts_with("sqlite:") || db_url.contains("mode=") {
        return db_url.to_string();
    }
    if db_url.contains('?') {
        format!("{db_url}&mode=rwc")
    } else {
        format!("{db_url}?mode=rwc")
    }
}

/// `url` without a password, for messages and logs.
pub fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            if u.set_password(Some("***")).is_err() {
                return format!("{}://…", u.scheme());
            }
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl RegistryStore {
    /// Opens the database at `db_url` (`sqlite://PATH` — created if missing —, or
    /// `postgres://…`), creates the schema if it is not there yet, and opens the object
    /// storage at `store_url` (see [`open_objects`]).
    ///
    /// # Errors
    /// [`StoreError::Config`] for a URL that cannot be used, [`StoreError::Db`] when the
    /// database cannot be reached or the schema cannot be created.
    pub async fn open(db_url: &str, store_url: &str) -> Result<RegistryStore, StoreError> {
        let objects = open_objects(store_url)?;
        Self::open_with(db_url, objects).await
    }

    /// As [`RegistryStore::open`], with the object storage already open.
    ///
    /// # Errors
    /// As [`RegistryStore::open`].
    pub async fn open_with(
        db_url: &str,
        objects: Arc<dyn ObjectStore>,
    ) -> Result<RegistryStore, StoreError> {
        sqlx::any::install_default_drivers();
        let url = with_create_mode(db_url);
        let sqlite = url.starts_with("sqlite:");
        if !sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(StoreError::Config(format!(
                "`{}`: the database is sqlite://PATH or postgres://…",
                redact(db_url)
            )));
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(60))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if sqlite {
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query(AssertSqlSafe(format!(
                            "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"
                        )))
                        .execute(&mut *conn)
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| {
                StoreError::Db(format!(
                    "cannot open the registry database {}: {e}",
                    redact(db_url)
                ))
            })?;
        let store = RegistryStore { pool, objects };
        store.create_schema().await?;
        Ok(store)
    }

    /// Creates the tables that are missing. Two processes starting together may race on
    /// PostgreSQL's catalog; the loser tries again.
    async fn create_schema(&self) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            let mut failed = None;
            for statement in SCHEMA {
                if let Err(e) = sqlx::query(*statement).execute(&self.pool).await {
                    failed = Some(e);
                    break;
                }
            }
            match failed {
                None => return Ok(()),
                Some(e) if attempt >= 4 => {
                    return Err(StoreError::Db(format!(
                        "cannot create the registry's tables: {e}"
                    )));
                }
                Some(e) => {
                    tracing::debug!(error = %e, "creating the schema failed; trying again");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
            }
        }
    }

    /// The object storage (for a caller that writes a tarball ahead of [`Self::publish`]).
    pub fn objects(&self) -> &Arc<dyn ObjectStore> {
        &self.objects
    }

    async fn ensure_owner(&self, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO owners (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(owner)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::db(&e))?;
        Ok(())
    }

    /// Creates a publishing token for `owner` (and the owner, if new). The token — 64 hex
    /// digits, from two random v4 UUIDs (244 random bits) — is returned once; only its
    /// sha256 is stored.
    ///
    /// # Errors
    /// [`StoreError::BadRequest`] for an owner that breaks the naming rule,
    /// [`StoreError::Db`] when the database fails.
    pub async fn create_token(&self, owner: &str) -> Result<String, StoreError> {
        super::validate_part("owner", owner).map_err(|e| StoreError::BadRequest(e.to_string()))?;
        self.ensure_owner(owner).await?;
        let mut raw = [0u8; 32];
        raw[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        raw[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        let token = hex::encode(raw);
        sqlx::query("INSERT INTO tokens (id, owner, sha256, created_at) VALUES ($1, $2, $3, $4)")
            .bind(new_id())
            .bind(owner)
            .bind(sha256_hex(token.as_bytes()))
            .bind(now())
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::db(&e))?;
        Ok(token)
    }

    /// Whether `token` is one of `owner`'s tokens (the sha256s compared in constant time).
    ///
    /// # Errors
    /// [`StoreError::Db`] when the database fails.
    pub async fn check_token(&self, owner: &str, token: &str) -> Result<bool, StoreError> {
        let rows = sqlx::query("SELECT sha256 FROM tokens WHERE owner = $1")
            .bind(owner)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StoreError::db(&e))?;
        let given = sha256_hex(token.as_bytes());
        let mut found = subtle::Choice::from(0);
        for row in rows {
            let stored: String = row.try_get("sha256").map_err(|e| StoreError::db(&e))?;
            found |= stored.as_bytes().ct_eq(given.as_bytes());
        }
        Ok(bool::from(found))
    }

    async fn prompt_id(&self, id: &PackageId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT id FROM prompts WHERE owner = $1 AND name = $2")
            .bind(id.owner())
            .bind(id.name())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StoreError::db(&e))?;
        row.map(|r| r.try_get::<String, _>("id").map_err(|e| StoreError::db(&e)))
            .transpose()
    }

    async fn find_version(
        &self,
        id: &PackageId,
        version: &semver::Version,
    ) -> Result<Option<RegistryVersion>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id \
             WHERE p.owner = $1 AND p.name = $2 AND v.version = $3"
        )))
        .bind(id.owner())
        .bind(id.name())
        .bind(version.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| StoreError::db(&e))?;
        row.as_ref().map(RegistryVersion::from_row).transpose()
    }

    /// Publishes `tarball` as `id` at `version`: the object first (never replacing one),
    /// then the row. `sha256` is the tarball's lowercase hex sha256 (checked);
    /// `description` is stored with the version. The caller checks the tarball's contents
    /// ([`check_tarball`]).
    ///
    /// # Errors
    /// [`StoreError::Exists`] when the version is already published (or a different
    /// tarball of it is stored); [`StoreError::BadRequest`] for a version with build
    /// metadata; [`StoreError::Invalid`] when `sha256` is not the tarball's;
    /// [`StoreError::TooLarge`] over [`MAX_TARBALL_BYTES`]; [`StoreError::Db`] and
    /// [`StoreError::Storage`] when the backends fail (a publish that failed after its
    /// object was written is finished by publishing the same bytes again).
    pub async fn publish(
        &self,
        id: &PackageId,
        version: &semver::Version,
        tarball: Bytes,
        sha256: &str,
        description: Option<String>,
    ) -> Result<RegistryVersion, StoreError> {
        parse_version(&version.to_string())?;
        if tarball.len() > MAX_TARBALL_BYTES {
            return Err(too_large(tarball.len()));
        }
        let actual = sha256_hex(&tarball);
        if actual != sha256 {
            return Err(StoreError::Invalid(format!(
                "the tarball's sha256 is {actual}, not the {sha256} given"
            )));
        }
        let exists = || {
            StoreError::Exists(format!(
                "{id} {version} is already published; versions are immutable, publish a new version"
            ))
        };
        let storage_path = id.storage_path(version);
        let location = ObjectPath::from(storage_path.as_str());
        let put = self
            .objects
            .put_opts(
                &location,
                PutPayload::from_bytes(tarball.clone()),
                PutOptions::from(PutMode::Create),
            )
            .await;
        match put {
            Ok(_) => {}
            Err(object_store::Error::AlreadyExists { .. }) => {
                if self.find_version(id, version).await?.is_some() {
                    return Err(exists());
                }
                // No row: an earlier publish stopped after writing the object (or another
                // one is writing its row right now). The same bytes finish it.
                let stored = self
                    .objects
                    .get(&location)
                    .await
                    .map_err(|e| StoreError::storage(&e))?
                    .bytes()
                    .await
                    .map_err(|e| StoreError::storage(&e))?;
                if stored != tarball {
                    return Err(StoreError::Exists(format!(
                        "a different tarball of {id} {version} is already stored (an unfinished publish); publish a new version"
                    )));
                }
                tracing::info!(%id, %version, "finishing a publish whose tarball was stored");
            }
            Err(e) => return Err(StoreError::storage(&e)),
        }
        self.ensure_owner(id.owner()).await?;
        sqlx::query(
            "INSERT INTO prompts (id, owner, name, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (owner, name) DO NOTHING",
        )
        .bind(new_id())
        .bind(id.owner())
        .bind(id.name())
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::db(&e))?;
        let prompt_id = self.prompt_id(id).await?.ok_or_else(|| {
            StoreError::Db(format!("the prompt row of {id} vanished while publishing"))
        })?;
        let row = RegistryVersion {
            id: new_id(),
            prompt_id,
            version: version.clone(),
            tarball_url: storage_path,
            created_at: now(),
            sha256: actual,
            size: tarball.len() as u64,
            description,
            yanked: false,
        };
        let size = i64::try_from(row.size).map_err(|_| too_large(tarball.len()))?;
        let inserted = sqlx::query(
            "INSERT INTO prompt_versions \
             (id, prompt_id, version, tarball_url, sha256, size, description, yanked, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
        )
        .bind(row.id.clone())
        .bind(row.prompt_id.clone())
        .bind(row.version.to_string())
        .bind(row.tarball_url.clone())
        .bind(row.sha256.clone())
        .bind(size)
        .bind(row.description.clone())
        .bind(row.created_at.clone())
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(row),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(exists()),
            Err(e) => Err(StoreError::db(&e)),
        }
    }

    /// Every version of `id`, newest first by semver precedence; yanked ones included
    /// (flagged).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the prompt is not in the registry;
    /// [`StoreError::Db`] when the database fails.
    pub async fn versions(&self, id: &PackageId) -> Result<Vec<RegistryVersion>, StoreError> {
        let prompt_id = self
            .prompt_id(id)
            .await?
            .ok_or_else(|| StoreError::prompt_not_found(id))?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM prompt_versions v WHERE v.prompt_id = $1"
        )))
        .bind(prompt_id)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| StoreError::db(&e))?;
        let mut out = rows
            .iter()
            .map(RegistryVersion::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| b.version.cmp(&a.version));
        Ok(out)
    }

    /// One version of `id`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the prompt or the version is not in the registry;
    /// [`StoreError::Db`] when the database fails.
    pub async fn version(
        &self,
        id: &PackageId,
        version: &semver::Version,
    ) -> Result<RegistryVersion, StoreError> {
        match self.find_version(id, version).await? {
            Some(v) => Ok(v),
            None if self.prompt_id(id).await?.is_none() => Err(StoreError::prompt_not_found(id)),
            None => Err(StoreError::version_not_found(id, version)),
        }
    }

    /// The tarball of `id` at `version` (yanked versions too), checked against its
    /// sha256; records a row in `downloads`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the prompt or version is not in the registry;
    /// [`StoreError::Storage`] when the object is missing, unreadable or not the bytes
    /// that were published; [`StoreError::Db`] when the database fails.
    pub async fn download(
        &self,
        id: &PackageId,
        version: &semver::Version,
    ) -> Result<Bytes, StoreError> {
        let row = self.version(id, version).await?;
        let location = ObjectPath::from(row.tarball_url.as_str());
        let bytes = match self.objects.get(&location).await {
            Ok(got) => got.bytes().await.map_err(|e| StoreError::storage(&e))?,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(StoreError::Storage(format!(
                    "the tarball of {id} {version} is missing from the object storage ({})",
                    row.tarball_url
                )));
            }
            Err(e) => return Err(StoreError::storage(&e)),
        };
        let actual = sha256_hex(&bytes);
        if actual != row.sha256 {
            return Err(StoreError::Storage(format!(
                "the stored tarball of {id} {version} has sha256 {actual}, not the published {}",
                row.sha256
            )));
        }
        sqlx::query(
            "INSERT INTO downloads (id, prompt_id, version_id, downloaded_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(new_id())
        .bind(row.prompt_id)
        .bind(row.id)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::db(&e))?;
        Ok(bytes)
    }

    /// Yanks `id` at `version`: hidden from new resolution, still downloadable. Yanking a
    /// yanked version changes nothing. Returns the version, `yanked: true`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the prompt or version is not in the registry;
    /// [`StoreError::Db`] when the database fails.
    pub async fn yank(
        &self,
        id: &PackageId,
        version: &semver::Version,
    ) -> Result<RegistryVersion, StoreError> {
        let row = self.version(id, version).await?;
        sqlx::query("UPDATE prompt_versions SET yanked = 1 WHERE id = $1")
            .bind(row.id.clone())
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::db(&e))?;
        Ok(RegistryVersion {
            yanked: true,
            ..row
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::package::{Manifest, Package, PackageFile};
    use crate::registry::tarball::build;

    fn tarball(name: &str, version: &str, body: &str) -> Vec<u8> {
        let manifest = Manifest::parse(&format!(
            "name: {name}\nversion: {version}\ndescription: the {name} prompt\nfiles:\n  - task.md\n"
        ))
        .unwrap();
        let files = vec![PackageFile {
            path: "task.md".into(),
            bytes: body.as_bytes().to_vec(),
        }];
        build(&Package::new(manifest, files).unwrap()).unwrap()
    }

    async fn store(dir: &Path) -> RegistryStore {
        let db = format!("sqlite://{}/registry.db", dir.display());
        let objects = dir.join("objects");
        RegistryStore::open(&db, objects.to_str().unwrap())
            .await
            .unwrap()
    }

    fn v(text: &str) -> semver::Version {
        semver::Version::parse(text).unwrap()
    }

    #[tokio::test]
    async fn publish_list_download_and_yank() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let id: PackageId = "acme/support-reply".parse().unwrap();
        let mut published = Vec::new();
        for version in ["1.0.0", "1.10.0", "1.2.0", "2.0.0-rc.1"] {
            let bytes = tarball("support-reply", version, version);
            let desc = check_tarball(&id, &v(version), &bytes).unwrap();
            assert_eq!(desc.as_deref(), Some("the support-reply prompt"));
            let sha = sha256_hex(&bytes);
            let row = store
                .publish(&id, &v(version), Bytes::from(bytes.clone()), &sha, desc)
                .await
                .unwrap();
            assert_eq!(
                row.tarball_url,
                format!("prompts/acme/support-reply/{version}.tar.gz")
            );
            assert_eq!(row.size, bytes.len() as u64);
            published.push(bytes);
        }
        let order: Vec<String> = store
            .versions(&id)
            .await
            .unwrap()
            .iter()
            .map(|r| r.version.to_string())
            .collect();
        assert_eq!(order, ["2.0.0-rc.1", "1.10.0", "1.2.0", "1.0.0"]);
        let got = store.download(&id, &v("1.2.0")).await.unwrap();
        assert_eq!(got.as_ref(), published[2].as_slice());
        // The object sits in the folder at its storage path, byte for byte.
        let on_disk = std::fs::read(
            dir.path()
                .join("objects/prompts/acme/support-reply/1.2.0.tar.gz"),
        )
        .unwrap();
        assert_eq!(on_disk, published[2]);
        let yanked = store.yank(&id, &v("1.0.0")).await.unwrap();
        assert!(yanked.yanked);
        assert!(store.version(&id, &v("1.0.0")).await.unwrap().yanked);
        // A yanked version still downloads.
        store.download(&id, &v("1.0.0")).await.unwrap();
    }

    #[tokio::test]
    async fn republishing_is_refused_and_an_unfinished_publish_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let id: PackageId = "acme/task".parse().unwrap();
        let bytes = tarball("task", "1.0.0", "one");
        let sha = sha256_hex(&bytes);
        store
            .publish(&id, &v("1.0.0"), Bytes::from(bytes.clone()), &sha, None)
            .await
            .unwrap();
        let err = store
            .publish(&id, &v("1.0.0"), Bytes::from(bytes.clone()), &sha, None)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            StoreError::Exists(
                "acme/task 1.0.0 is already published; versions are immutable, publish a new version"
                    .into()
            )
        );
        // An object without a row (a publisher stopped between the two steps).
        let other = tarball("task", "2.0.0", "two");
        let location = ObjectPath::from("prompts/acme/task/2.0.0.tar.gz");
        store
            .objects()
            .put(&location, PutPayload::from(other.clone()))
            .await
            .unwrap();
        let different = tarball("task", "2.0.0", "two, changed");
        let err = store
            .publish(
                &id,
                &v("2.0.0"),
                Bytes::from(different.clone()),
                &sha256_hex(&different),
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(
            err,
            StoreError::Exists(
                "a different tarball of acme/task 2.0.0 is already stored (an unfinished publish); publish a new version".into()
            )
        );
        let row = store
            .publish(
                &id,
                &v("2.0.0"),
                Bytes::from(other.clone()),
                &sha256_hex(&other),
                None,
            )
            .await
            .unwrap();
        assert_eq!(row.version, v("2.0.0"));
        assert_eq!(
            store.download(&id, &v("2.0.0")).await.unwrap().as_ref(),
            other.as_slice()
        );
    }

    #[tokio::test]
    async fn tokens_are_checked_per_owner() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let token = store.create_token("acme").await.unwrap();
        assert_eq!(token.len(), 64);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(store.check_token("acme", &token).await.unwrap());
        assert!(!store.check_token("acme", "nope").await.unwrap());
        assert!(!store.check_token("other", &token).await.unwrap());
        assert_eq!(
            store.create_token("..").await.unwrap_err(),
            StoreError::BadRequest(
                "owner `..`: only a-z, 0-9 and - are allowed; owners and names are 1 to 64 characters of a-z, 0-9 and -, not starting or ending with -".into()
            )
        );
    }

    #[tokio::test]
    async fn unknown_prompts_and_versions_are_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let id: PackageId = "acme/none".parse().unwrap();
        assert_eq!(
            store.versions(&id).await.unwrap_err(),
            StoreError::NotFound("there is no prompt acme/none in the registry".into())
        );
        let bytes = tarball("none", "1.0.0", "x");
        store
            .publish(
                &id,
                &v("1.0.0"),
                Bytes::from(bytes.clone()),
                &sha256_hex(&bytes),
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            store.download(&id, &v("1.0.1")).await.unwrap_err(),
            StoreError::NotFound("acme/none has no version 1.0.1 in the registry".into())
        );
    }

    #[test]
    fn tarballs_must_match_the_name_and_version() {
        let id: PackageId = "acme/task".parse().unwrap();
        let bytes = tarball("other", "1.0.0", "x");
        assert_eq!(
            check_tarball(&id, &v("1.0.0"), &bytes).unwrap_err(),
            StoreError::Invalid(
                "the tarball's prompt.yaml names the package `other`, but it is published as acme/task; the names must match".into()
            )
        );
        let bytes = tarball("task", "1.0.1", "x");
        assert_eq!(
            check_tarball(&id, &v("1.0.0"), &bytes).unwrap_err(),
            StoreError::Invalid(
                "the tarball's prompt.yaml says version 1.0.1, but it is published as 1.0.0; the versions must match".into()
            )
        );
        assert!(matches!(
            check_tarball(&id, &v("1.0.0"), b"not a tarball"),
            Err(StoreError::Invalid(m)) if m.starts_with("the tarball of acme/task 1.0.0 is refused: ")
        ));
        assert_eq!(
            parse_version("1.0.0+build").unwrap_err(),
            StoreError::BadRequest(
                "`1.0.0+build`: build metadata (`+build`) is not allowed in a registry version"
                    .into()
            )
        );
        assert!(
            matches!(parse_version("v1"), Err(StoreError::BadRequest(m)) if m.starts_with("`v1` is not a version: "))
        );
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://user:secret@127.0.0.1:5432/db"),
            "postgres://user:***@127.0.0.1:5432/db"
        );
        assert_eq!(redact("sqlite://registry.db"), "sqlite://registry.db");
    }
}
