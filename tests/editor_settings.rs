//! The `server` editor settings (`initializationOptions.server`, and the same object in
//! `workspace/didChangeConfiguration`): what the server reads (`diagnostics`, `use_env`)
//! applies, and anything else is reported with `window/showMessage`, never dropped silently.

mod support;

use serde_json::{Value, json};
use support::Client;

/// A workspace whose `promptic.toml` says `delimiter = "_"`, with `task-v1.md` and
/// `task-v2.md`: two versions of `prompts/task` only under the delimiter `-`.
fn dash_workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().canonicalize().unwrap();
    std::fs::create_dir(ws.join(".git")).unwrap();
    std::fs::write(
        ws.join("promptic.toml"),
        "[versioning]\ndelimiter = \"_\"\n",
    )
    .unwrap();
    std::fs::create_dir(ws.join("prompts")).unwrap();
    for (name, text) in [("task-v1.md", "one\n"), ("task-v2.md", "two\n")] {
        std::fs::write(ws.join("prompts").join(name), text).unwrap();
    }
    (dir, ws)
}

/// The versions of `prompts/task`, newest first, or the error message.
fn task_versions(c: &mut Client) -> Result<Vec<String>, String> {
    let resp = c.request(
        "workspace/executeCommand",
        json!({"command": "promptls.listVersions", "arguments": [{"prompt": "prompts/task"}]}),
    );
    match resp["result"].as_array() {
        Some(list) => Ok(list
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_string())
            .collect()),
        None => Err(resp["error"]["message"].as_str().unwrap_or("").to_string()),
    }
}

/// Sends new settings and waits until the server has applied them: a settings change ends
/// with a reindex whose last step is the code lens refresh (answered here, so that no request
/// of the server is left waiting when the test shuts it down).
fn change_settings(c: &mut Client, settings: Value) {
    c.seen.clear();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": settings}),
    );
    c.wait_for("the code lens refresh after the settings change", |m| {
        m["method"] == "workspace/codeLens/refresh"
    });
}

fn shown(c: &Client) -> Vec<String> {
    c.seen
        .iter()
        .filter(|m| m["method"] == "window/showMessage")
        .map(|m| m["params"]["message"].as_str().unwrap().to_string())
        .collect()
}

fn not_found() -> Result<Vec<String>, String> {
    Err("PromptNotFoundError: no prompt `prompts/task`".into())
}

fn both_versions() -> Result<Vec<String>, String> {
    Ok(vec!["v2.0.0".into(), "v1.0.0".into()])
}

/// `server.use_env: true` applies the server's `PROMPTIC_*` variables above the workspace's
/// files (`PROMPTIC_DELIMITER=-` wins over `delimiter = "_"`), as `resolve --env` does; a
/// settings change without it turns them off again.
#[test]
fn use_env_applies_the_promptic_variables_above_the_files() {
    let (_tmp, ws) = dash_workspace();
    let mut c = Client::start_with_env(
        &ws,
        json!({"initializationOptions": {"versioning": {}, "server": {"use_env": true}}}),
        &[("PROMPTIC_DELIMITER", "-")],
    );
    c.wait_indexed();
    assert_eq!(task_versions(&mut c), both_versions());
    assert_eq!(shown(&c), Vec::<String>::new());

    change_settings(&mut c, json!({"versioning": {}, "server": {}}));
    assert_eq!(task_versions(&mut c), not_found());

    change_settings(&mut c, json!({"promptls": {"server": {"use_env": true}}}));
    assert_eq!(task_versions(&mut c), both_versions());
    assert_eq!(shown(&c), Vec::<String>::new());
    c.shutdown();
}

/// Without `use_env` the variables are never read, even when they are set.
#[test]
fn the_promptic_variables_are_not_read_unless_asked_for() {
    let (_tmp, ws) = dash_workspace();
    for options in [
        Value::Null,
        json!({"server": {}}),
        json!({"server": {"use_env": false}}),
    ] {
        let mut c = Client::start_with_env(
            &ws,
            json!({"initializationOptions": options}),
            &[("PROMPTIC_DELIMITER", "-")],
        );
        c.wait_indexed();
        assert_eq!(task_versions(&mut c), not_found(), "{options}");
        assert_eq!(shown(&c), Vec::<String>::new(), "{options}");
        c.shutdown();
    }
}

/// A `server` key the server does not read, a `use_env` that is not a boolean, an invalid
/// `PROMPTIC_*` variable and a `server` that is not an object are each reported; what is
/// valid still applies.
#[test]
fn server_settings_that_do_not_apply_are_reported() {
    let (_tmp, ws) = dash_workspace();
    let mut c = Client::start_with_env(
        &ws,
        json!({"initializationOptions": {"server": {"use_env": "yes", "log_level": "info", "colour": 1}}}),
        &[
            ("PROMPTIC_DELIMITER", "-"),
            ("PROMPTIC_PRERELEASE_ORDER", "["),
        ],
    );
    c.wait_indexed();
    assert_eq!(
        shown(&c),
        [
            "promptls: unknown editor setting `server.colour` ignored; the server reads `server.diagnostics` and `server.use_env`",
            "promptls: editor setting `server.log_level` ignored: the server's log level comes from RUST_LOG in its environment (the VS Code extension sets RUST_LOG from `promptls.server.logLevel`)",
            "promptls: editor setting ignored, the default applies: `server.use_env` must be true or false, not a string",
        ]
    );
    // use_env stays off.
    assert_eq!(task_versions(&mut c), not_found());

    change_settings(&mut c, json!({"server": {"use_env": true}}));
    // The invalid variable is left out; the valid one applies.
    assert_eq!(task_versions(&mut c), both_versions());
    assert_eq!(
        shown(&c),
        [
            "promptls: environment variable ignored (`server.use_env` is on): InvalidConfigError: PROMPTIC_PRERELEASE_ORDER is not valid JSON: EOF while parsing a list at line 1 column 1"
        ]
    );

    change_settings(&mut c, json!({"server": 3}));
    assert_eq!(task_versions(&mut c), not_found());
    assert_eq!(
        shown(&c),
        [
            "promptls: editor setting `server` ignored: it must be an object with `diagnostics` and `use_env`, not a number"
        ]
    );
    c.shutdown();
}

/// A client that does not say `refreshSupport` (Helix) is never sent
/// `workspace/inlayHint/refresh` or `workspace/codeLens/refresh`; one that says it for code
/// lenses only gets that one.
#[test]
fn refresh_requests_go_only_to_clients_that_support_them() {
    let (_dir, ws) = dash_workspace();
    for (workspace, wanted) in [
        (json!({}), vec![]),
        (
            json!({"codeLens": {"refreshSupport": true}}),
            vec!["workspace/codeLens/refresh"],
        ),
    ] {
        let mut c = Client::start_with(
            &ws,
            json!({"capabilities": {"workspace": workspace, "window": {"workDoneProgress": true}}}),
        );
        c.wait_indexed();
        c.seen.clear();
        // A reindex ends with the refreshes, then the answer to the command comes back.
        let resp = c.request(
            "workspace/executeCommand",
            json!({"command": "promptls.reindex", "arguments": []}),
        );
        assert!(resp.get("error").is_none(), "{resp}");
        // A versions request afterwards: anything the reindex sent is in by then.
        task_versions(&mut c).ok();
        let refreshes: Vec<&str> = c
            .seen
            .iter()
            .filter_map(|m| m["method"].as_str())
            .filter(|m| m.ends_with("/refresh"))
            .collect();
        assert_eq!(refreshes, wanted);
        c.shutdown();
    }
}

/// The VS Code extension's `promptls.versioning.*` settings are exactly the server's
/// versioning keys (camelCase there, snake_case in the config), so neither can gain or lose
/// a key without the other; each is `resource`-scoped (multi-root folders can differ).
#[test]
fn vscode_versioning_settings_are_the_servers_keys() {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(manifest.join("editors/vscode/package.json")).unwrap();
    let package: Value = serde_json::from_str(&text).unwrap();
    let sections = match &package["contributes"]["configuration"] {
        Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    let snake = |camel: &str| {
        let mut out = String::new();
        for c in camel.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    };
    let mut settings: Vec<String> = Vec::new();
    for section in &sections {
        for (key, schema) in section["properties"].as_object().unwrap() {
            if let Some(name) = key.strip_prefix("promptls.versioning.") {
                assert_eq!(schema["scope"], "resource", "{key}");
                settings.push(snake(name));
            }
        }
    }
    settings.sort();
    let mut keys: Vec<String> = promptls::config::VERSIONING_KEYS
        .iter()
        .map(|k| k.to_string())
        .collect();
    keys.sort();
    assert_eq!(settings, keys);
}
