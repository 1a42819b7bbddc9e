//! The HTTP API in process (`tower::ServiceExt::oneshot` on the router): seed 000's user
//! stories on the example workspace with the model's field names, the errors and their
//! statuses, path traversal, the token, body limits, concurrent creates, and the OpenAPI
//! document against the routes.

mod support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use promptls::api::{ApiState, router};
use promptls::config::ConfigSource;

fn state(ws: &std::path::Path, token: Option<&str>) -> Arc<ApiState> {
    Arc::new(ApiState::new(
        ws.to_path_buf(),
        Arc::new(ConfigSource::new()),
        token.map(str::to_string),
    ))
}

/// Sends one request; returns the status and the JSON body (`Null` when it is not JSON).
async fn send(
    st: &Arc<ApiState>,
    method: &str,
    uri: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let (app, _) = router(st.clone());
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A version without what changes from run to run (times, absolute paths).
fn stable(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("created_at");
        o.remove("path");
    }
    v
}

#[tokio::test]
async fn seed_user_stories_view_create_and_revert_versions() {
    let (_tmp, ws) = support::example_workspace();
    let st = state(&ws, None);

    // 1. View the versions of a prompt: newest first, the seed's field names exactly.
    let (status, list) = send(
        &st,
        "GET",
        "/prompts/prompts%2Ftask/versions?lang=en",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    let mut keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "classifiers",
            "created_at",
            "description",
            "id",
            "latest",
            "path",
            "prerelease",
            "prompt_id",
            "title",
            "version",
            "version_number"
        ]
    );
    assert_eq!(
        list.iter().map(stable).collect::<Vec<_>>(),
        [
            json!({"id": "prompts/task_v2.md", "prompt_id": "prompts/task", "title": "Task brief", "description": "Adds a tone variable and the shared greeting.", "version": "v2.0.0", "version_number": 2, "prerelease": null, "classifiers": {"lang": "en"}, "latest": true}),
            json!({"id": "prompts/task_v1.md", "prompt_id": "prompts/task", "title": "Task brief", "description": "First version of the task brief.", "version": "v1.0.0", "version_number": 1, "prerelease": null, "classifiers": {"lang": "en"}, "latest": false}),
        ]
    );
    // One version by its id (percent-encoded), by its file name, and by its version.
    let v1 = std::fs::read_to_string(ws.join("prompts/task_v1.md")).unwrap();
    for version_id in ["prompts%2Ftask_v1.md", "task_v1.md", "v1.0.0", "v1"] {
        let (status, got) = send(
            &st,
            "GET",
            &format!("/prompts/prompts%2Ftask/versions/{version_id}"),
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{version_id}: {got}");
        assert_eq!(got["content"], v1, "{version_id}");
        assert_eq!(got["id"], "prompts/task_v1.md");
    }

    // 2. Create a new version: a NEW file, the bump the variable rule recommends.
    let content = "---\ntitle: Task brief\n---\n# Task for {{product}}\n\nWrite for {{audience}} in a {{tone}} tone, before {{deadline}}.\n";
    // A dry run says what a create would make, and writes nothing.
    let untouched = support::cli::tree(&ws);
    let (status, planned) = send(
        &st,
        "POST",
        "/prompts/prompts%2Ftask/versions?dry_run=true",
        Some(json!({"title": "Task with a deadline", "content": content})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{planned}");
    assert_eq!(
        planned,
        json!({"id": "prompts/task_v2.1.md", "version": "v2.1.0", "reason": "minor: adds {{deadline}}: new variables"})
    );
    assert_eq!(support::cli::tree(&ws), untouched);
    let (status, created) = send(
        &st,
        "POST",
        "/prompts/prompts%2Ftask/versions",
        Some(json!({"title": "Task with a deadline", "content": content, "description": "Adds a deadline."})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["id"], "prompts/task_v2.1.md");
    assert_eq!(created["version"], "v2.1.0");
    assert_eq!(created["title"], "Task with a deadline");
    assert_eq!(created["description"], "Adds a deadline.");
    assert!(
        created["reason"].as_str().unwrap().starts_with("minor: "),
        "{created}"
    );
    let on_disk = std::fs::read_to_string(ws.join("prompts/task_v2.1.md")).unwrap();
    assert_eq!(on_disk, created["content"].as_str().unwrap());
    assert!(on_disk.contains("before {{deadline}}."));
    assert!(
        on_disk.starts_with(
            "---\ntitle: \"Task with a deadline\"\ndescription: \"Adds a deadline.\"\n---\n"
        ),
        "{on_disk}"
    );
    // The list shows it at once, as the newest.
    let (_, list) = send(
        &st,
        "GET",
        "/prompts/prompts%2Ftask/versions?lang=en",
        None,
        None,
    )
    .await;
    assert_eq!(list[0]["version"], "v2.1.0");
    assert_eq!(list[0]["latest"], true);

    // 3. Revert to v1: a NEW version with v1's bytes; history stays.
    let before = support::cli::tree(&ws);
    let (status, reverted) = send(
        &st,
        "POST",
        "/prompts/prompts%2Ftask/versions/v1.0.0/revert?lang=en",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{reverted}");
    assert_eq!(reverted["prompt_id"], "prompts/task");
    assert_eq!(reverted["created"]["version"], "v2.1.1");
    assert_eq!(
        std::fs::read(ws.join("prompts/task_v2.1.1.md")).unwrap(),
        std::fs::read(ws.join("prompts/task_v1.md")).unwrap()
    );
    let versions: Vec<&str> = reverted["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["v2.1.1", "v2.1.0", "v2.0.0", "v1.0.0"]);
    let after = support::cli::tree(&ws);
    let changed: Vec<_> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert_eq!(changed, [&ws.join("prompts/task_v2.1.1.md")]);
}

#[tokio::test]
async fn prompts_resolve_diff_and_health() {
    let (_tmp, ws) = support::example_workspace();
    let st = state(&ws, None);
    let (status, prompts) = send(&st, "GET", "/prompts?q=TASK", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        prompts,
        json!([{"prompt_id": "prompts/task", "files": 4, "latest": "v2.0.0", "variants": [{"lang": "de"}, {"lang": "en"}, {"lang": "ru"}]}])
    );
    let (status, r) = send(
        &st,
        "GET",
        "/prompts/prompts%2Ftask/resolve?version=latest&lang=ru",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["id"], "prompts/task_ru_v1.md");
    assert_eq!(
        r["content"],
        std::fs::read_to_string(ws.join("prompts/task_ru_v1.md")).unwrap()
    );
    assert!(r["reason"].as_str().unwrap().contains("latest"), "{r}");
    let (status, r) = send(
        &st,
        "GET",
        "/prompts/prompts%2Ftask/resolve?version=v7",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(r["error"], "VersionNotFoundError");
    assert_eq!(r["available"], json!(["v2.0.0", "v1.0.0"]));
    let (status, d) = send(
        &st,
        "GET",
        "/prompts/prompts%2Ftask/versions/v1/diff/v2",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        d["variables"],
        json!({"removed": [], "added": ["tone"], "kept": ["audience", "product"]})
    );
    assert!(
        d["unified"]
            .as_str()
            .unwrap()
            .contains("+Write a short answer for {{audience}} in a {{tone}} tone.")
    );
    let (status, h) = send(&st, "GET", "/healthz", None, None).await;
    assert_eq!((status, &h["status"]), (StatusCode::OK, &json!("ok")));
}

#[tokio::test]
async fn bad_requests_get_json_errors_never_a_500() {
    let (_tmp, ws) = support::example_workspace();
    let st = state(&ws, None);
    let before = support::cli::tree(&ws);
    let cases: Vec<(&str, &str, Option<Value>, StatusCode, &str)> = vec![
        (
            "GET",
            "/prompts/%FF/versions",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidRequestError",
        ),
        (
            "GET",
            "/prompts/a%00b/versions",
            None,
            StatusCode::NOT_FOUND,
            "PromptNotFoundError",
        ),
        (
            "GET",
            "/prompts/prompts%2Ftask/resolve?version=v99999999999999999999999",
            None,
            StatusCode::NOT_FOUND,
            "VersionNotFoundError",
        ),
        (
            "GET",
            "/prompts/prompts%2Fnope/versions",
            None,
            StatusCode::NOT_FOUND,
            "PromptNotFoundError",
        ),
        (
            "GET",
            "/prompts/..%2F..%2Fetc/versions",
            None,
            StatusCode::NOT_FOUND,
            "PromptNotFoundError",
        ),
        (
            "GET",
            "/prompts/%2E%2E%2Fprompts%2Ftask/versions",
            None,
            StatusCode::NOT_FOUND,
            "PromptNotFoundError",
        ),
        (
            "GET",
            "/prompts/prompts%2Ftask/versions/v9",
            None,
            StatusCode::NOT_FOUND,
            "VersionNotFoundError",
        ),
        (
            "GET",
            "/prompts/prompts%2Ftask/versions/99999999999999999999999",
            None,
            StatusCode::NOT_FOUND,
            "VersionNotFoundError",
        ),
        (
            "GET",
            "/prompts/prompts%2Ftask/versions/..%2Fapp.py",
            None,
            StatusCode::NOT_FOUND,
            "VersionNotFoundError",
        ),
        (
            "GET",
            "/prompts/prompts%2Ftask/versions?lang=es",
            None,
            StatusCode::NOT_FOUND,
            "ClassifierNotFoundError",
        ),
        (
            "GET",
            "/nowhere",
            None,
            StatusCode::NOT_FOUND,
            "NotFoundError",
        ),
        (
            "POST",
            "/prompts/prompts%2Ftask/versions",
            Some(json!({"title": "t"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidRequestError",
        ),
        (
            "POST",
            "/prompts/prompts%2Ftask/versions",
            Some(json!({"title": "t", "content": "c", "extra": 1})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidRequestError",
        ),
        (
            "POST",
            "/prompts/prompts%2Ftask/versions",
            Some(json!({"title": "t", "content": "c", "label": "rc"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidRequestError",
        ),
        (
            "POST",
            "/prompts/prompts%2Ftask/versions",
            Some(json!({"title": "t", "content": "c", "bump": "prerelease", "label": "no spaces"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidRequestError",
        ),
        (
            "POST",
            "/prompts/prompts%2Ftask/versions",
            Some(json!({"title": "t", "content": "c", "bump": "huge"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidRequestError",
        ),
        (
            "POST",
            "/prompts/..%2F..%2Fetc/versions",
            Some(json!({"title": "t", "content": "c"})),
            StatusCode::NOT_FOUND,
            "PromptNotFoundError",
        ),
        (
            "POST",
            "/prompts/prompts%2Ftask/versions/v9/revert",
            None,
            StatusCode::NOT_FOUND,
            "VersionNotFoundError",
        ),
    ];
    for (method, uri, body, want, name) in cases {
        let (status, got) = send(&st, method, uri, body, None).await;
        assert_eq!(
            (status, got["error"].as_str()),
            (want, Some(name)),
            "{method} {uri}: {got}"
        );
        assert!(
            got["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{got}"
        );
    }
    // Not JSON at all, and a body over the limit.
    let (app, _) = router(st.clone());
    let resp = app
        .oneshot(
            Request::post("/prompts/prompts%2Ftask/versions")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(vec![0xff, 0xfe, b'{']))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let big = "x".repeat(promptls::api::BODY_LIMIT + 1);
    let (status, got) = send(
        &st,
        "POST",
        "/prompts/prompts%2Ftask/versions",
        Some(json!({"title": "t", "content": big})),
        None,
    )
    .await;
    assert_eq!(
        (status, got["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("PayloadTooLargeError"))
    );
    // Nothing was written by any of them.
    assert_eq!(support::cli::tree(&ws), before);
}

#[tokio::test]
async fn a_token_is_required_when_set() {
    let (_tmp, ws) = support::example_workspace();
    let st = state(&ws, Some("s3cret"));
    for token in [None, Some("wrong"), Some("s3cre"), Some("s3cret ")] {
        let (status, got) = send(&st, "GET", "/prompts", None, token).await;
        assert_eq!(
            (status, got["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("UnauthorizedError")),
            "{token:?}"
        );
    }
    let (status, _) = send(&st, "GET", "/prompts", None, Some("s3cret")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_creates_give_fifty_distinct_files() {
    let (_tmp, ws) = support::example_workspace();
    let st = state(&ws, None);
    let before = support::cli::tree(&ws);
    let mut tasks = Vec::new();
    for n in 0..50 {
        let st = st.clone();
        tasks.push(tokio::spawn(async move {
            let content = format!("Version number {n}: write for {{{{audience}}}}.\n");
            let (status, got) = send(
                &st,
                "POST",
                "/prompts/prompts%2Fsteps/versions",
                Some(json!({"title": format!("take {n}"), "content": content, "bump": "patch"})),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{got}");
            (got["id"].as_str().unwrap().to_string(), n)
        }));
    }
    let mut made = Vec::new();
    for t in tasks {
        made.push(t.await.unwrap());
    }
    let mut ids: Vec<&str> = made.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    let after = support::cli::tree(&ws);
    let new: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert_eq!(new.len(), 50);
    for (id, n) in &made {
        let text = std::fs::read_to_string(ws.join(id)).unwrap();
        assert!(
            text.contains(&format!("Version number {n}: ")),
            "{id}: {text}"
        );
    }
    // Nothing that existed changed.
    for (k, v) in &before {
        assert_eq!(after.get(k), Some(v), "{}", k.display());
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let (_tmp, ws) = support::example_workspace();
    let st = state(&ws, None);
    let (status, doc) = send(&st, "GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let parsed: Result<oas3::OpenApiV3Spec, _> = serde_json::from_value(doc.clone());
    assert!(parsed.is_ok(), "{:?}", parsed.err());
    let mut routes: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    routes.sort();
    assert_eq!(
        routes,
        [
            "GET /healthz",
            "GET /prompts",
            "GET /prompts/{prompt_id}/resolve",
            "GET /prompts/{prompt_id}/versions",
            "GET /prompts/{prompt_id}/versions/{from}/diff/{to}",
            "GET /prompts/{prompt_id}/versions/{version_id}",
            "POST /prompts/{prompt_id}/versions",
            "POST /prompts/{prompt_id}/versions/{version_id}/revert",
        ]
    );
    // Each documented route answers (not the fallback's NotFoundError).
    for route in &routes {
        let (method, path) = route.split_once(' ').unwrap();
        let uri = path
            .replace("{prompt_id}", "prompts%2Ftask")
            .replace("{version_id}", "v1")
            .replace("{from}", "v1")
            .replace("{to}", "v2");
        let body = (method == "POST" && !uri.ends_with("revert"))
            .then(|| json!({"title": "t", "content": "c"}));
        let (status, got) = send(&st, method, &uri, body, None).await;
        assert!(status.is_success(), "{route}: {status} {got}");
    }
    // Every schema a response names is defined.
    let text = doc.to_string();
    for name in regex::Regex::new(r##""#/components/schemas/([A-Za-z]+)""##)
        .unwrap()
        .captures_iter(&text)
    {
        assert!(
            doc["components"]["schemas"][&name[1]].is_object(),
            "{}",
            &name[1]
        );
    }
}

/// One HTTP/1.1 request over a fresh connection; the status and the JSON body.
fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    // Bodies of `Connection: close` answers are either plain or chunked.
    let json = serde_json::from_str(rest).unwrap_or_else(|_| {
        let mut joined = String::new();
        let mut lines = rest.split("\r\n");
        while let Some(size) = lines.next() {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            joined.push_str(lines.next().unwrap_or(""));
        }
        serde_json::from_str(&joined).unwrap_or(Value::Null)
    });
    (status, json)
}

/// The real binary: `promptls api` on a free loopback port walks the seed's stories, sees
/// a file created on disk, and refuses a public address without a token.
#[test]
fn the_binary_serves_the_seed_stories_over_http() {
    use std::io::BufRead;
    let (_tmp, ws) = support::example_workspace();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_promptls"))
        .args(["api", ws.to_str().unwrap(), "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "off")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = regex::Regex::new(r"http://([0-9.]+:[0-9]+)/")
        .unwrap()
        .captures(&line)
        .unwrap_or_else(|| panic!("no address in {line:?}"))[1]
        .to_string();
    let result = std::panic::catch_unwind(|| {
        let (status, list) = http(
            &addr,
            "GET",
            "/prompts/prompts%2Ftask/versions?lang=en",
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(list[0]["id"], "prompts/task_v2.md");
        let (status, created) = http(
            &addr,
            "POST",
            "/prompts/prompts%2Ftask/versions",
            Some(
                r##"{"title": "Shorter", "content": "# Task for {{product}}\n\nBe brief with {{audience}} in a {{tone}} tone.\n"}"##,
            ),
        );
        assert_eq!(
            (status, &created["version"]),
            (201, &json!("v2.0.1")),
            "{created}"
        );
        let (status, got) = http(
            &addr,
            "GET",
            "/prompts/prompts%2Ftask/versions/prompts%2Ftask_v2.0.1.md",
            None,
        );
        assert_eq!((status, &got["title"]), (200, &json!("Shorter")));
        let (status, reverted) = http(
            &addr,
            "POST",
            "/prompts/prompts%2Ftask/versions/v2.0.0/revert",
            None,
        );
        assert_eq!(
            (status, &reverted["created"]["version"]),
            (201, &json!("v2.0.2")),
            "{reverted}"
        );
        // A version written by another program shows up without a restart.
        std::fs::write(ws.join("prompts/task_v3.md"), "# Task v3 for {{product}}\n").unwrap();
        let seen = (0..100).any(|_| {
            let (_, list) = http(
                &addr,
                "GET",
                "/prompts/prompts%2Ftask/versions?lang=en",
                None,
            );
            if list[0]["version"] == "v3.0.0" {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            false
        });
        assert!(seen, "the new file on disk was not seen");
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
    // A public address without a token is refused before anything listens.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_promptls"))
        .args(["api", ws.to_str().unwrap(), "--bind", "0.0.0.0:0"])
        .env_remove("PROMPTLS_API_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "promptls: 0.0.0.0:0 is reachable from other machines: give --token (or PROMPTLS_API_TOKEN) so that every request must carry it\n"
    );
}

/// A revert names a file of another variant than the default: it reverts within that
/// file's variant (the `ru` line), not the default one.
#[tokio::test]
async fn a_revert_stays_in_the_variant_of_the_file_it_names() {
    let (_tmp, ws) = support::example_workspace();
    let st = state(&ws, None);
    let (status, reverted) = send(
        &st,
        "POST",
        "/prompts/prompts%2Ftask/versions/prompts%2Ftask_ru_v1.md/revert",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{reverted}");
    assert_eq!(reverted["created"]["classifiers"], json!({"lang": "ru"}));
    let id = reverted["created"]["id"].as_str().unwrap();
    assert_eq!(id, "prompts/task_ru_v1.0.1.md");
    assert_eq!(
        std::fs::read(ws.join(id)).unwrap(),
        std::fs::read(ws.join("prompts/task_ru_v1.md")).unwrap()
    );
    let versions: Vec<&str> = reverted["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        ["prompts/task_ru_v1.0.1.md", "prompts/task_ru_v1.md"]
    );
}
