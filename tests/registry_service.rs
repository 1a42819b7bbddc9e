//! The registry service as a user runs it: the real `promptls registry serve` binary, tokens
//! from `promptls registry token create`, requests over HTTP (raw, and through
//! `RegistryClient`), the database queried directly.
//!
//! The plain tests run on SQLite and a temporary folder. The `#[ignore]`d ones run the
//! same suite on PostgreSQL and an S3 server that `tests/registry/services.sh` starts (it
//! exports `PROMPTLS_TEST_POSTGRES_URL` and `PROMPTLS_TEST_S3_URL`).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use promptls::registry::PackageId;
use promptls::registry::client::{ClientError, RegistryClient};
use promptls::registry::package::{Manifest, Package, PackageFile};
use promptls::registry::store::StoreError;
use promptls::registry::tarball::{build, sha256_hex};
use serde_json::{Value, json};
use sqlx::Row;

const SERVICES: &str = "needs PostgreSQL and an S3 server: tests/registry/services.sh";

/// Where a test's registry keeps its data.
struct Backend {
    db: String,
    store: String,
    /// The object folder, when the store is local.
    objects: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    fn sqlite() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let objects = dir.path().join("objects");
        Backend {
            db: format!("sqlite://{}/registry.db", dir.path().display()),
            store: objects.display().to_string(),
            objects: Some(objects),
            _dir: Some(dir),
        }
    }

    fn services() -> Backend {
        let var =
            |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set; run {SERVICES}"));
        Backend {
            db: var("PROMPTLS_TEST_POSTGRES_URL"),
            store: var("PROMPTLS_TEST_S3_URL"),
            objects: None,
            _dir: None,
        }
    }
}

/// An owner no other test (or earlier run on the same database) uses.
fn fresh_owner(stem: &str) -> String {
    format!(
        "{stem}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// A running `promptls registry serve`, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(backend: &Backend) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_promptls"))
            .args(["registry", "serve", "--bind", "127.0.0.1:0"])
            .args(["--db", &backend.db, "--store", &backend.store])
            .env("RUST_LOG", "off")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stderr).lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                let addr = line
                    .split_once("listening on http://")
                    .map(|(_, rest)| rest.split('/').next().unwrap_or("").to_string());
                let _ = tx.send((line, addr));
            }
        });
        let mut seen = Vec::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok((_, Some(addr))) => {
                    return Server {
                        child,
                        base: format!("http://{addr}"),
                    };
                }
                Ok((line, None)) => seen.push(line),
                Err(e) => {
                    let _ = child.kill();
                    panic!("the server did not start ({e}); it said: {seen:?}");
                }
            }
        }
    }

    fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn create_token(backend: &Backend, owner: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_promptls"))
        .args(["registry", "token", "create", owner, "--db", &backend.db])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    assert!(token.ends_with('\n'));
    let token = token.trim_end().to_string();
    assert_eq!(token.len(), 64, "{token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    token
}

/// A package tarball whose manifest says `name` at `version`.
fn tarball(name: &str, version: &str, body: &str) -> Vec<u8> {
    let manifest = Manifest::parse(&format!(
        "name: {name}\nversion: {version}\ndescription: Replies to support tickets\nfiles:\n  - task.md\n"
    ))
    .unwrap();
    let files = vec![PackageFile {
        path: "task.md".into(),
        bytes: body.as_bytes().to_vec(),
    }];
    build(&Package::new(manifest, files).unwrap()).unwrap()
}

fn v(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Status and JSON body of a response.
async fn answer(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let body = r.bytes().await.unwrap();
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("status {status}: not JSON ({e}): {body:?}"));
    (status, json)
}

async fn put(
    http: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
    token: Option<&str>,
) -> (u16, Value) {
    let mut r = http.put(url).body(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    answer(r.send().await.unwrap()).await
}

/// Replaces the values that differ between runs (ids, timestamps) with placeholders,
/// after checking their shape.
fn masked(mut value: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    match (k.as_str(), &*x) {
                        ("created_at", Value::String(s)) => {
                            humantime::parse_rfc3339(s)
                                .unwrap_or_else(|e| panic!("{s}: not RFC 3339 ({e})"));
                            assert!(s.ends_with('Z') && s.len() == 20, "{s}");
                            *x = json!("<time>");
                        }
                        ("id" | "prompt_id", Value::String(s)) => {
                            uuid::Uuid::parse_str(s).unwrap_or_else(|e| panic!("{s}: {e}"));
                            *x = json!("<uuid>");
                        }
                        _ => walk(x),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

/// A raw request line (no URL normalisation on the way), for paths a client would clean.
fn raw_status(addr: &str, method: &str, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {out:?}"));
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string());
    (status, body.unwrap_or_default())
}

async fn pool(backend: &Backend) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&backend.db).await.unwrap()
}

async fn count(pool: &sqlx::AnyPool, sql: &'static str, owner: &str, version: &str) -> i64 {
    let row = sqlx::query(sql)
        .bind(owner)
        .bind(version)
        .fetch_one(pool)
        .await
        .unwrap();
    row.try_get::<i64, _>(0).unwrap()
}

const DOWNLOADS: &str = "SELECT COUNT(*) FROM downloads d JOIN prompts p ON p.id = d.prompt_id \
     JOIN prompt_versions v ON v.id = d.version_id WHERE p.owner = $1 AND v.version = $2";
const VERSION_ROWS: &str = "SELECT COUNT(*) FROM prompt_versions v JOIN prompts p \
     ON p.id = v.prompt_id WHERE p.owner = $1 AND v.version = $2";

/// Publish, list, get, download, yank: every answer as a whole.
fn publish_list_get_download_yank(backend: &Backend) {
    let server = Server::start(backend);
    let owner = fresh_owner("acme");
    let token = create_token(backend, &owner);
    let id = PackageId::new(&owner, "support-reply").unwrap();
    let base = server.base.clone();
    runtime().block_on(async {
        let client = RegistryClient::new(&base).unwrap();
        let http = reqwest::Client::new();
        let mut bytes = Vec::new();
        for version in ["1.0.0", "1.2.0", "2.0.0-rc.1", "1.10.0"] {
            let b = tarball("support-reply", version, &format!("Reply ({version})"));
            let row = client
                .publish(&id, &v(version), Bytes::from(b.clone()), Some(&token))
                .await
                .unwrap();
            assert_eq!(row.version, v(version));
            assert_eq!(row.sha256, sha256_hex(&b));
            bytes.push((version, b));
        }
        let list = answer(
            http.get(format!("{base}/prompts/{owner}/support-reply/versions"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (list.0, masked(list.1)),
            (
                200,
                json!([
                    {"version": "2.0.0-rc.1", "created_at": "<time>", "yanked": false},
                    {"version": "1.10.0", "created_at": "<time>", "yanked": false},
                    {"version": "1.2.0", "created_at": "<time>", "yanked": false},
                    {"version": "1.0.0", "created_at": "<time>", "yanked": false},
                ])
            )
        );
        let b120 = &bytes[1].1;
        let want = |yanked: bool| {
            json!({
                "id": "<uuid>",
                "prompt_id": "<uuid>",
                "version": "1.2.0",
                "tarball_url": format!("prompts/{owner}/support-reply/1.2.0.tar.gz"),
                "created_at": "<time>",
                "sha256": sha256_hex(b120),
                "size": b120.len(),
                "description": "Replies to support tickets",
                "yanked": yanked,
                "download_url": format!("{base}/prompts/{owner}/support-reply/1.2.0/tarball"),
            })
        };
        let got = answer(
            http.get(format!("{base}/prompts/{owner}/support-reply/1.2.0"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((got.0, masked(got.1.clone())), (200, want(false)));

        // Download: the bytes as published, and a row in `downloads` each time.
        let db = pool(backend).await;
        assert_eq!(count(&db, DOWNLOADS, &owner, "1.2.0").await, 0);
        let r = http
            .get(format!(
                "{base}/prompts/{owner}/support-reply/1.2.0/tarball"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["content-type"], "application/gzip");
        assert_eq!(r.bytes().await.unwrap().as_ref(), b120.as_slice());
        let through_client = client.download(&id, &v("1.2.0")).await.unwrap();
        assert_eq!(through_client.as_ref(), b120.as_slice());
        assert_eq!(count(&db, DOWNLOADS, &owner, "1.2.0").await, 2);
        assert_eq!(count(&db, VERSION_ROWS, &owner, "1.2.0").await, 1);
        if let Some(objects) = &backend.objects {
            let path = objects.join(format!("prompts/{owner}/support-reply/1.2.0.tar.gz"));
            assert_eq!(&std::fs::read(path).unwrap(), b120);
        }

        // Yank: the answer says so, the list flags it, it still downloads.
        let yanked = answer(
            http.post(format!("{base}/prompts/{owner}/support-reply/1.2.0/yank"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((yanked.0, masked(yanked.1.clone())), (200, want(true)));
        assert_eq!(yanked.1["id"], got.1["id"]);
        let listed = client.versions(&id).await.unwrap();
        let flags: Vec<(String, bool)> = listed
            .iter()
            .map(|s| (s.version.to_string(), s.yanked))
            .collect();
        assert_eq!(
            flags,
            [
                ("2.0.0-rc.1".to_string(), false),
                ("1.10.0".to_string(), false),
                ("1.2.0".to_string(), true),
                ("1.0.0".to_string(), false),
            ]
        );
        assert_eq!(
            client.download(&id, &v("1.2.0")).await.unwrap().as_ref(),
            b120.as_slice()
        );
        let health = answer(http.get(format!("{base}/healthz")).send().await.unwrap()).await;
        assert_eq!(health, (200, json!({"status": "ok"})));
    });
}

/// What a request got wrong comes back as 400, 401, 404, 405, 409, 413 or 422 with
/// `{error, message}`; never a 500.
fn errors(backend: &Backend) {
    let server = Server::start(backend);
    let owner = fresh_owner("acme");
    let other = fresh_owner("other");
    let token = create_token(backend, &owner);
    let other_token = create_token(backend, &other);
    let base = server.base.clone();
    let url = format!("{base}/prompts/{owner}/task/1.0.0");
    runtime().block_on(async {
        let http = reqwest::Client::new();
        let good = tarball("task", "1.0.0", "Do the task.");
        let err = |status: u16, error: &str, message: String| {
            (status, json!({"error": error, "message": message}))
        };

        let no_token = format!(
            "publishing and yanking need `Authorization: Bearer <token>` with a token of {owner} (`promptls registry token create {owner}`)"
        );
        let wrong = format!(
            "the token is not one of {owner}'s; create one with `promptls registry token create {owner}`"
        );
        assert_eq!(
            put(&http, &url, good.clone(), None).await,
            err(401, "UnauthorizedError", no_token.clone())
        );
        assert_eq!(
            put(&http, &url, good.clone(), Some("0123abcd")).await,
            err(401, "UnauthorizedError", wrong.clone())
        );
        assert_eq!(
            put(&http, &url, good.clone(), Some(&other_token)).await,
            err(401, "UnauthorizedError", wrong.clone())
        );
        let r = http.put(&url).body(good.clone()).send().await.unwrap();
        assert_eq!(r.headers()["www-authenticate"], "Bearer");

        // Nothing was stored by the refused attempts.
        assert_eq!(
            answer(http.get(&url).send().await.unwrap()).await,
            err(
                404,
                "NotFoundError",
                format!("there is no prompt {owner}/task in the registry")
            )
        );

        let (status, _) = put(&http, &url, good.clone(), Some(&token)).await;
        assert_eq!(status, 201);
        let exists = format!(
            "{owner}/task 1.0.0 is already published; versions are immutable, publish a new version"
        );
        assert_eq!(
            put(&http, &url, good.clone(), Some(&token)).await,
            err(409, "ConflictError", exists.clone())
        );
        let changed = tarball("task", "1.0.0", "Do the task, changed.");
        let (status, body) = put(&http, &url, changed, Some(&token)).await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"], "ConflictError");
        // The stored tarball was not replaced (the object store refused the second write).
        let stored = http.get(format!("{url}/tarball")).send().await.unwrap();
        assert_eq!(stored.bytes().await.unwrap().as_ref(), good.as_slice());

        // 404s: an unknown version, prompt, owner, endpoint.
        for (path, message) in [
            (
                format!("/prompts/{owner}/task/9.9.9"),
                format!("{owner}/task has no version 9.9.9 in the registry"),
            ),
            (
                format!("/prompts/{owner}/task/9.9.9/tarball"),
                format!("{owner}/task has no version 9.9.9 in the registry"),
            ),
            (
                format!("/prompts/{owner}/nothing/versions"),
                format!("there is no prompt {owner}/nothing in the registry"),
            ),
            (
                "/prompts/nobody-at-all/task/versions".to_string(),
                "there is no prompt nobody-at-all/task in the registry".to_string(),
            ),
        ] {
            assert_eq!(
                answer(http.get(format!("{base}{path}")).send().await.unwrap()).await,
                err(404, "NotFoundError", message),
                "{path}"
            );
        }
        let (status, body) = answer(http.get(format!("{base}/etc/passwd")).send().await.unwrap()).await;
        assert_eq!((status, &body["error"]), (404, &json!("NotFoundError")));
        let (status, body) = answer(http.delete(&url).send().await.unwrap()).await;
        assert_eq!((status, &body["error"]), (405, &json!("MethodNotAllowedError")));

        // 422: the tarball is not this package at this version, or not a tarball.
        let url2 = format!("{base}/prompts/{owner}/task/1.1.0");
        assert_eq!(
            put(&http, &url2, tarball("other-name", "1.1.0", "x"), Some(&token)).await,
            err(
                422,
                "InvalidPackageError",
                format!("the tarball's prompt.yaml names the package `other-name`, but it is published as {owner}/task; the names must match")
            )
        );
        assert_eq!(
            put(&http, &url2, tarball("task", "1.2.0", "x"), Some(&token)).await,
            err(
                422,
                "InvalidPackageError",
                "the tarball's prompt.yaml says version 1.2.0, but it is published as 1.1.0; the versions must match".into()
            )
        );
        let (status, body) = put(&http, &url2, b"not gzip at all".to_vec(), Some(&token)).await;
        assert_eq!((status, &body["error"]), (422, &json!("InvalidPackageError")));
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("the tarball of {owner}/task 1.1.0 is refused: ")),
            "{message}"
        );

        // 413: over 16 MiB, refused before it is read.
        let (status, body) = put(&http, &url2, vec![0u8; 16 * 1024 * 1024 + 1], Some(&token)).await;
        assert_eq!(
            (status, body),
            err(
                413,
                "PayloadTooLargeError",
                "the tarball is over 16777216 bytes (16 MiB), the most the registry takes".into()
            )
        );

        // 400: ids and versions that break the rules, however they are spelt.
        let bad_owner = |o: &str| {
            format!("owner `{o}`: only a-z, 0-9 and - are allowed; owners and names are 1 to 64 characters of a-z, 0-9 and -, not starting or ending with -")
        };
        assert_eq!(
            answer(http.get(format!("{base}/prompts/Acme/task/versions")).send().await.unwrap()).await,
            err(400, "BadRequestError", bad_owner("Acme"))
        );
        assert_eq!(
            answer(http.get(format!("{base}/prompts/{owner}/task/v1")).send().await.unwrap()).await,
            err(
                400,
                "BadRequestError",
                "`v1` is not a version: unexpected character 'v' while parsing major version number; write it as major.minor.patch (for example 1.2.0 or 1.2.0-rc.1)".into()
            )
        );
        assert_eq!(
            put(&http, &format!("{base}/prompts/{owner}/task/1.0.0+build"), good.clone(), Some(&token)).await,
            err(
                400,
                "BadRequestError",
                "`1.0.0+build`: build metadata (`+build`) is not allowed in a registry version".into()
            )
        );
        for (method, path) in [
            ("GET", "/prompts/../task/versions".to_string()),
            ("GET", "/prompts/%2e%2e/task/1.0.0/tarball".to_string()),
            ("PUT", format!("/prompts/{owner}/%2e%2e/1.0.0")),
            ("GET", format!("/prompts/{owner}/..%2f..%2fetc/1.0.0")),
            ("GET", "/prompts/../../etc/passwd".to_string()),
            ("POST", format!("/prompts/{owner}/task/..%2f1.0.0/yank")),
            ("GET", "/prompts/%00/task/versions".to_string()),
            ("GET", "/prompts/%ff/task/versions".to_string()),
        ] {
            let (status, body) = raw_status(server.addr(), method, &path);
            assert!(
                status == 400 || status == 404,
                "{method} {path}: {status} {body}"
            );
            let body: Value = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{method} {path}: {e}: {body}"));
            assert!(body["message"].is_string(), "{body}");
        }
        assert_eq!(
            raw_status(server.addr(), "GET", "/prompts/../task/versions"),
            (400, serde_json::to_string(&json!({"error": "BadRequestError", "message": bad_owner("..")})).unwrap())
        );

        // The same errors through the client, with or without a server.
        let client = RegistryClient::new(&base).unwrap();
        let id = PackageId::new(&owner, "task").unwrap();
        assert_eq!(
            client
                .publish(&id, &v("1.0.0"), Bytes::from(good.clone()), Some(&token))
                .await
                .unwrap_err(),
            ClientError::Registry(StoreError::Exists(exists.clone()))
        );
        assert_eq!(
            client
                .publish(&id, &v("1.3.0"), Bytes::from(tarball("task", "1.3.0", "x")), None)
                .await
                .unwrap_err(),
            ClientError::Registry(StoreError::Unauthorized(no_token))
        );
        assert_eq!(
            client.version(&id, &v("9.9.9")).await.unwrap_err().to_string(),
            format!("{owner}/task has no version 9.9.9 in the registry")
        );
    });
}

/// Two servers on one database and one object store; the same version PUT to both at
/// once: one 201, one 409, the stored object the winner's, one row.
fn race(backend: &Backend) {
    let first = Server::start(backend);
    let second = Server::start(backend);
    let owner = fresh_owner("race");
    let token = create_token(backend, &owner);
    runtime().block_on(async {
        let http = reqwest::Client::new();
        let db = pool(backend).await;
        let client = RegistryClient::new(&first.base).unwrap();
        let id = PackageId::new(&owner, "task").unwrap();
        for i in 0..10 {
            let version = format!("3.{i}.0");
            // Even rounds: two different tarballs; odd rounds: the same bytes twice (the
            // loser of the object write may then finish the row itself).
            let a = tarball("task", &version, &format!("from the first ({i})"));
            let b = if i % 2 == 0 {
                tarball("task", &version, &format!("from the second ({i})"))
            } else {
                a.clone()
            };
            let url_a = format!("{}/prompts/{owner}/task/{version}", first.base);
            let url_b = format!("{}/prompts/{owner}/task/{version}", second.base);
            let (ra, rb) = tokio::join!(
                put(&http, &url_a, a.clone(), Some(&token)),
                put(&http, &url_b, b.clone(), Some(&token))
            );
            let mut statuses = [ra.0, rb.0];
            statuses.sort_unstable();
            assert_eq!(statuses, [201, 409], "round {i}: {ra:?} {rb:?}");
            let (winner, loser) = if ra.0 == 201 { (&a, &rb) } else { (&b, &ra) };
            assert_eq!(loser.1["error"], "ConflictError", "round {i}: {loser:?}");
            let stored = client.download(&id, &v(&version)).await.unwrap();
            assert_eq!(stored.as_ref(), winner.as_slice(), "round {i}");
            if let Some(objects) = &backend.objects {
                let path = objects.join(format!("prompts/{owner}/task/{version}.tar.gz"));
                assert_eq!(&std::fs::read(path).unwrap(), winner, "round {i}");
            }
            assert_eq!(
                count(&db, VERSION_ROWS, &owner, &version).await,
                1,
                "round {i}"
            );
        }
        assert_eq!(client.versions(&id).await.unwrap().len(), 10);
    });
}

/// A `file://` registry: no server, no token, created by its first publish; the same
/// answers and errors as a server's.
#[test]
fn a_file_registry_needs_no_server() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("shared registry");
    let url = format!("file://{}", root.display()).replace(' ', "%20");
    let id = PackageId::new("acme", "task").unwrap();
    runtime().block_on(async {
        let client = RegistryClient::new(&url).unwrap();
        assert_eq!(
            client.versions(&id).await.unwrap_err().to_string(),
            format!("there is no prompt acme/task in the registry (the registry {url} holds nothing yet)")
        );
        assert!(!root.exists(), "a read created the registry");
        let b = tarball("task", "1.0.0", "Do it.");
        let row = client
            .publish(&id, &v("1.0.0"), Bytes::from(b.clone()), None)
            .await
            .unwrap();
        assert_eq!(row.tarball_url, "prompts/acme/task/1.0.0.tar.gz");
        assert_eq!(row.description.as_deref(), Some("Replies to support tickets"));
        assert_eq!(
            std::fs::read(root.join("objects/prompts/acme/task/1.0.0.tar.gz")).unwrap(),
            b
        );
        assert!(root.join("registry.db").is_file());
        assert_eq!(
            client.download(&id, &v("1.0.0")).await.unwrap().as_ref(),
            b.as_slice()
        );
        assert_eq!(
            client
                .publish(&id, &v("1.0.0"), Bytes::from(b.clone()), None)
                .await
                .unwrap_err(),
            ClientError::Registry(StoreError::Exists(
                "acme/task 1.0.0 is already published; versions are immutable, publish a new version".into()
            ))
        );
        assert_eq!(
            client
                .publish(&id, &v("1.1.0"), Bytes::from(tarball("task", "1.0.0", "x")), None)
                .await
                .unwrap_err(),
            ClientError::Registry(StoreError::Invalid(
                "the tarball's prompt.yaml says version 1.0.0, but it is published as 1.1.0; the versions must match".into()
            ))
        );
        assert!(client.yank(&id, &v("1.0.0"), None).await.unwrap().yanked);
        assert!(client.versions(&id).await.unwrap()[0].yanked);
        // A second client (another process) sees the same registry.
        let again = RegistryClient::new(&url).unwrap();
        assert_eq!(again.version(&id, &v("1.0.0")).await.unwrap(), {
            let mut r = row.clone();
            r.yanked = true;
            r
        });
    });
}

#[test]
fn a_tampered_download_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    let id = PackageId::new("acme", "task").unwrap();
    runtime().block_on(async {
        let client = RegistryClient::new(&url).unwrap();
        let b = tarball("task", "1.0.0", "Do it.");
        let row = client
            .publish(&id, &v("1.0.0"), Bytes::from(b), None)
            .await
            .unwrap();
        let path = dir.path().join("objects/prompts/acme/task/1.0.0.tar.gz");
        let evil = tarball("task", "1.0.0", "Do something else.");
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, &evil).unwrap();
        assert_eq!(
            client
                .download(&id, &v("1.0.0"))
                .await
                .unwrap_err()
                .to_string(),
            format!(
                "the stored tarball of acme/task 1.0.0 has sha256 {}, not the published {}",
                sha256_hex(&evil),
                row.sha256
            )
        );
    });
}

#[test]
fn client_urls_are_checked() {
    for (url, want) in [
        (
            "ftp://example.com/",
            "`ftp://example.com/` is not a registry URL: the scheme `ftp` is not supported; write file:///path or http(s)://host[:port]",
        ),
        (
            "registry",
            "`registry` is not a registry URL: relative URL without a base; write file:///path or http(s)://host[:port]",
        ),
        (
            "http://host/?x=1",
            "`http://host/?x=1` is not a registry URL: a registry URL has no query or fragment; write file:///path or http(s)://host[:port]",
        ),
    ] {
        assert_eq!(RegistryClient::new(url).unwrap_err().to_string(), want);
    }
    runtime().block_on(async {
        // Nothing listens on port 1.
        let client = RegistryClient::new("http://127.0.0.1:1").unwrap();
        let err = client
            .versions(&PackageId::new("acme", "task").unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ClientError::Unreachable { url, .. } if url == "http://127.0.0.1:1"),
            "{err:?}"
        );
    });
}

#[test]
fn serve_publish_list_get_download_yank_on_sqlite() {
    publish_list_get_download_yank(&Backend::sqlite());
}

#[test]
fn serve_errors_on_sqlite() {
    errors(&Backend::sqlite());
}

#[test]
fn serve_race_on_sqlite() {
    race(&Backend::sqlite());
}

#[test]
#[ignore = "needs PostgreSQL and an S3 server: tests/registry/services.sh"]
fn serve_publish_list_get_download_yank_on_postgres_and_s3() {
    publish_list_get_download_yank(&Backend::services());
}

#[test]
#[ignore = "needs PostgreSQL and an S3 server: tests/registry/services.sh"]
fn serve_errors_on_postgres_and_s3() {
    errors(&Backend::services());
}

#[test]
#[ignore = "needs PostgreSQL and an S3 server: tests/registry/services.sh"]
fn serve_race_on_postgres_and_s3() {
    race(&Backend::services());
}

/// `promptls` run in `dir`, with no registry or token from the environment.
fn cli(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_promptls"))
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "off")
        .env_remove("PROMPTLS_REGISTRY")
        .env_remove("PROMPTLS_REGISTRY_TOKEN")
        .env_remove("PROMPTLS_REGISTRY_OWNER")
        .env("XDG_DATA_HOME", dir.join("no-default-registry"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The seed's publication and download processes through the command line: a prompt of a
/// workspace published at two versions, listed, installed into another repository by a
/// requirement (the lock, the files and the `downloads` rows checked), tampering reported
/// by `check` and repaired, `--frozen`, a yanked version skipped, the lock reinstalled.
fn cli_publish_install_check(backend: &Backend) {
    let server = Server::start(backend);
    let owner = fresh_owner("cli");
    let token = create_token(backend, &owner);
    let url = server.base.clone();
    let authoring = tempfile::tempdir().unwrap();
    let a = authoring.path();
    std::fs::create_dir_all(a.join(".git")).unwrap();
    std::fs::create_dir_all(a.join("prompts")).unwrap();
    let v100 = "---\ndescription: Replies to a support ticket\n---\nReply to {{ticket}}.\n";
    let v110 = "---\ndescription: Replies to a support ticket\n---\nReply to {{ticket}} in a {{tone}} tone.\n";
    std::fs::write(a.join("prompts/support_reply_v1.0.0.md"), v100).unwrap();
    std::fs::write(a.join("prompts/support_reply_v1.1.0.md"), v110).unwrap();
    let id = format!("{owner}/support-reply");

    for (version, spec) in [
        ("1.0.0", "prompts/support_reply@v1.0.0"),
        ("1.1.0", "prompts/support_reply@v1.1.0"),
    ] {
        let (code, out, err) = cli(
            a,
            &[
                "publish",
                spec,
                "--owner",
                &owner,
                "--registry",
                &url,
                "--token",
                &token,
            ],
        );
        assert_eq!(code, 0, "{err}");
        let prefix = format!("published {id} {version} to {url} (");
        assert!(out.starts_with(&prefix) && out.ends_with(")\n"), "{out}");
    }
    // Without the token: refused, nothing published.
    let (code, _, err) = cli(
        a,
        &[
            "publish",
            "prompts/support_reply@v1.1.0",
            "--owner",
            &owner,
            "--registry",
            &url,
        ],
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error: "), "{err}");
    // The same version again: immutable.
    let (code, _, err) = cli(
        a,
        &[
            "publish",
            "prompts/support_reply@v1.0.0",
            "--owner",
            &owner,
            "--registry",
            &url,
            "--token",
            &token,
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!(
            "error: {id} 1.0.0 is already published; versions are immutable, publish a new version\n"
        )
    );

    let (code, out, err) = cli(a, &["versions", &id, "--registry", &url]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("1.1.0  20") && lines[1].starts_with("1.0.0  20"),
        "{out}"
    );

    // Another repository installs it by a requirement.
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join(".git")).unwrap();
    let (code, out, err) = cli(p, &["install", &format!("{id}@^1.0"), "--registry", &url]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("installed {id} 1.1.0 into .prompts/support-reply/ (1 file)\n")
    );
    let installed = p.join(".prompts/support-reply/support_reply_v1.1.0.md");
    assert_eq!(std::fs::read_to_string(&installed).unwrap(), v110);
    let lock_text = std::fs::read_to_string(p.join("prompts.lock")).unwrap();
    let lock = promptls::registry::lock::Lockfile::parse(&lock_text).unwrap();
    assert_eq!(lock.packages.len(), 1);
    let entry = &lock.packages[0];
    assert_eq!(entry.id.to_string(), id);
    assert_eq!(entry.version, v("1.1.0"));
    assert_eq!(entry.registry, url);
    assert_eq!(entry.url, format!("{url}/prompts/{id}/1.1.0/tarball"));
    let rt = runtime();
    let client = RegistryClient::new(&url).unwrap();
    let pkg: PackageId = id.parse().unwrap();
    let meta = rt.block_on(client.version(&pkg, &v("1.1.0"))).unwrap();
    assert_eq!(entry.sha256, meta.sha256);
    assert_eq!(
        entry
            .files
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        vec![(
            "support_reply_v1.1.0.md",
            sha256_hex(v110.as_bytes()).as_str()
        )]
    );
    let db = rt.block_on(pool(backend));
    assert_eq!(rt.block_on(count(&db, DOWNLOADS, &owner, "1.1.0")), 1);
    assert_eq!(rt.block_on(count(&db, DOWNLOADS, &owner, "1.0.0")), 0);

    // check: clean; then a local edit is reported on the file.
    let (code, out, _) = cli(p, &["check"]);
    assert_eq!((code, out.as_str()), (0, "No problems found.\n"));
    std::fs::write(&installed, "Reply to {{ticket}}, rudely.\n").unwrap();
    let (code, out, _) = cli(p, &["check"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        format!(
            ".prompts/support-reply/support_reply_v1.1.0.md:1:1: error[package-modified]: differs from what {id} 1.1.0 installed; `promptls install --force` restores it\n\n1 error(s), 0 warning(s), 0 other(s).\n"
        )
    );
    // install (the lock) keeps the local change without --force, restores it with it.
    let (code, _, err) = cli(p, &["install"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("was changed locally; it was not reinstalled"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&installed).unwrap(),
        "Reply to {{ticket}}, rudely.\n"
    );
    let (code, out, err) = cli(p, &["install", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("installed {id} 1.1.0 into .prompts/support-reply/\n")
    );
    assert_eq!(std::fs::read_to_string(&installed).unwrap(), v110);
    assert_eq!(
        std::fs::read_to_string(p.join("prompts.lock")).unwrap(),
        lock_text
    );
    assert_eq!(rt.block_on(count(&db, DOWNLOADS, &owner, "1.1.0")), 2);

    // --frozen: a request that would change the lock fails and changes nothing.
    let (code, _, err) = cli(p, &["install", &format!("{id}@1.0.0"), "--frozen"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!(
            "error: --frozen: prompts.lock would change ({id} is locked at 1.1.0; the request picks 1.0.0)\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(p.join("prompts.lock")).unwrap(),
        lock_text
    );
    assert_eq!(std::fs::read_to_string(&installed).unwrap(), v110);

    // Yanked: new resolution skips it; the newest release is then 1.0.0.
    let (code, out, err) = cli(
        a,
        &[
            "yank",
            &format!("{id}@1.1.0"),
            "--registry",
            &url,
            "--token",
            &token,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("yanked {id} 1.1.0: new installs no longer pick it; it stays downloadable\n")
    );
    let (code, out, err) = cli(p, &["install", &id]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("installed {id} 1.0.0 into .prompts/support-reply/ (1 file)\n")
    );
    assert!(!installed.exists());
    assert_eq!(
        std::fs::read_to_string(p.join(".prompts/support-reply/support_reply_v1.0.0.md")).unwrap(),
        v100
    );

    // A fresh clone: the folder is gone, the lock says what to install.
    std::fs::remove_dir_all(p.join(".prompts")).unwrap();
    let (code, out, _) = cli(p, &["check"]);
    assert_eq!(code, 1);
    assert!(out.contains("error[package-missing]"), "{out}");
    let (code, out, err) = cli(p, &["install", "--frozen"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("installed {id} 1.0.0 into .prompts/support-reply/\n")
    );
    let (code, out, _) = cli(p, &["check"]);
    assert_eq!((code, out.as_str()), (0, "No problems found.\n"));
    drop(server);
}

#[test]
fn cli_publish_install_check_on_sqlite() {
    cli_publish_install_check(&Backend::sqlite());
}

#[test]
#[ignore = "needs PostgreSQL and an S3 server: tests/registry/services.sh"]
fn cli_publish_install_check_on_postgres_and_s3() {
    cli_publish_install_check(&Backend::services());
}

#[test]
fn publish_dry_run_shows_the_package_and_warns_of_references_outside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let w = tmp.path();
    std::fs::create_dir_all(w.join(".git")).unwrap();
    std::fs::create_dir_all(w.join("prompts")).unwrap();
    let body =
        "Follow the [steps](steps.md), then [the other version](task_v1.md).\n{# ref: gone.md #}\n";
    std::fs::write(w.join("prompts/task_v1.md"), "Old.\n").unwrap();
    std::fs::write(w.join("prompts/task_v2.md"), body).unwrap();
    std::fs::write(w.join("prompts/steps_v1.md"), "1. Read.\n").unwrap();
    let (code, out, err) = cli(
        w,
        &[
            "publish",
            "prompts/task@v2",
            "--owner",
            "acme",
            "--registry",
            "file:///nowhere",
            "--dry-run",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let sha = sha256_hex(body.as_bytes());
    assert!(
        out.starts_with("would publish acme/task 2.0.0 to file:///nowhere: "),
        "{out}"
    );
    assert!(
        out.ends_with(&format!(
            "  task_v2.md ({} bytes)\nprompt.yaml:\n  name: \"task\"\n  version: \"2.0.0\"\n  files:\n    - path: \"task_v2.md\"\n      sha256: \"{sha}\"\n"
            , body.len()
        )),
        "{out}"
    );
    assert_eq!(
        err,
        "warning: task_v2.md:1: `steps.md` reaches prompts/steps_v1.md, which the package does not hold\n\
         warning: task_v2.md:1: `task_v1.md` reaches prompts/task_v1.md, which the package does not hold\n\
         warning: task_v2.md:2: `gone.md` does not resolve\n\
         warning: where the package is installed, these references do not resolve; publish what they reach as well, or keep the prompt self-contained\n"
    );
    // Nothing was written anywhere.
    assert!(!std::path::Path::new("/nowhere").exists());
    // The same input gives the same package: the dry run's size and sha256 are stable.
    let (_, again, _) = cli(
        w,
        &[
            "publish",
            "prompts/task@v2",
            "--owner",
            "acme",
            "--registry",
            "file:///nowhere",
            "--dry-run",
        ],
    );
    assert_eq!(again, out);
}

#[test]
fn check_reports_a_broken_or_unreadable_lock_on_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::create_dir_all(p.join(".git")).unwrap();
    std::fs::write(
        p.join("prompts.lock"),
        "version = 1\n\n[[package]]\nid = \"acme/x\"\nversion = \"one\"\n",
    )
    .unwrap();
    let (code, out, _) = cli(p, &["check", "--format", "github"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "::error file=prompts.lock,line=5,col=1,endLine=5,endColumn=16,title=invalid-lockfile::prompts.lock, line 5: version `one` is not a semantic version (unexpected character 'o' while parsing major version number)\n"
    );
    std::fs::write(p.join("prompts.lock"), b"version = 1\n\xff\n").unwrap();
    let (code, out, _) = cli(p, &["check"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "prompts.lock:1:1: error[invalid-lockfile]: prompts.lock is not UTF-8 text\n\n1 error(s), 0 warning(s), 0 other(s).\n"
    );
    // Turned off in the config: nothing.
    std::fs::write(
        p.join("promptic.toml"),
        "[diagnostics]\ninvalid-lockfile = \"off\"\n",
    )
    .unwrap();
    let (code, out, _) = cli(p, &["check"]);
    assert_eq!((code, out.as_str()), (0, "No problems found.\n"));
}
