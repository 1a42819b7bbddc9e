//! Every reference problem of I-4 as `promptls check --format json` reports it (the same
//! core the server publishes from), and multi-root workspaces in the server.

mod support;

use assert_cmd::Command;
use serde_json::{Value, json};

fn check_json(dir: &std::path::Path) -> Vec<Value> {
    let out = Command::cargo_bin("promptls")
        .unwrap()
        .current_dir(dir)
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn codes_of(diags: &[Value], path: &str) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d["path"] == path)
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn i4_reference_problems() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("many")).unwrap();
    std::fs::write(
        root.join("promptic.toml"),
        "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n",
    )
    .unwrap();
    for f in [
        "many/a_v1.md",
        "many/b_v2.md",
        "beta_v1.0.0-beta.md",
        "task_v1.md",
        "task_v2.md",
    ] {
        std::fs::write(root.join(f), "x").unwrap();
    }
    std::fs::write(
        root.join("index.md"),
        "[all](many/) [pre](beta.md) [gone](nope.md) [old](task_v9.md) [ok](task.md)\n{# ref: task_ru.md #}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("app.py"),
        "from promptic import load_prompt\nload_prompt(\"task\", version=\"v3\")\nload_prompt(\"task\", classifier={\"lang\": \"de\"})\nload_prompt(\"task\", classifier={\"tone\": \"x\"})\nload_prompt(\"task\", version=\"v1\")\n",
    )
    .unwrap();
    let diags = check_json(root);
    let md = codes_of(&diags, "index.md");
    assert_eq!(
        md,
        [
            "ambiguous-directory",
            "prerelease-only",
            "prompt-not-found",
            "version-not-found",
            "classifier-not-found"
        ],
        "{diags:#?}"
    );
    let py = codes_of(&diags, "app.py");
    assert_eq!(
        py,
        [
            "version-not-found",
            "classifier-not-found",
            "classifier-not-found"
        ],
        "{diags:#?}"
    );
    // Each sits on the literal it is about: the version, the classifier value, the key.
    let on = |path: &str, code: &str, n: usize| {
        diags
            .iter()
            .filter(|d| d["path"] == path && d["code"] == code)
            .nth(n)
            .unwrap()["range"]["start"]
            .clone()
    };
    assert_eq!(
        on("app.py", "version-not-found", 0),
        json!({"line": 1, "character": 29})
    );
    assert_eq!(
        on("app.py", "classifier-not-found", 0),
        json!({"line": 2, "character": 41})
    );
    assert_eq!(
        on("app.py", "classifier-not-found", 1),
        json!({"line": 3, "character": 33})
    );
    let pre = diags
        .iter()
        .find(|d| d["code"] == "prerelease-only")
        .unwrap();
    assert_eq!(pre["severity"], "warning");
    assert!(
        pre["message"]
            .as_str()
            .unwrap()
            .contains("include_prerelease")
    );
}

#[test]
fn multi_root_workspaces_index_every_folder() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [a.path(), b.path()] {
        std::fs::create_dir(d.join(".git")).unwrap();
    }
    std::fs::write(a.path().join("alpha_v1.md"), "a").unwrap();
    std::fs::write(b.path().join("beta_v2.md"), "b").unwrap();
    let a_path = a.path().canonicalize().unwrap();
    let b_path = b.path().canonicalize().unwrap();
    let mut c = support::Client::start_with(
        &a_path,
        json!({
            "workspaceFolders": [{"uri": support::uri(&a_path), "name": "a"}, {"uri": support::uri(&b_path), "name": "b"}],
            "initializationOptions": {"server": {"diagnostics": {"prompt-not-found": "warning"}}}
        }),
    );
    c.wait_indexed();
    let syms = c.request("workspace/symbol", json!({"query": ""}));
    let names: Vec<&str> = syms["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"alpha@v1.0.0") && names.contains(&"beta@v2.0.0"),
        "{names:?}"
    );
    // `server.diagnostics` re-levels a code for the editor.
    let doc = b_path.join("notes.md");
    std::fs::write(&doc, "[x](missing.md)\n").unwrap();
    c.open(&doc);
    let d = c.diagnostics_where(&doc, |d| d.iter().any(|x| x["code"] == "prompt-not-found"));
    assert_eq!(d[0]["severity"], 2, "{d:?}");
    c.shutdown();
}

#[test]
fn a_prompt_file_opened_before_any_watcher_event_is_analysed() {
    // The client watches files (dynamic registration) but has not reported the new file
    // yet when the user opens it: it is still analysed as a prompt file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("alpha_v1.md"), "a").unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut c = support::Client::start(&root, false, true);
    c.wait_indexed();
    let doc = root.join("notes.md");
    std::fs::write(&doc, "[x](missing.md)\n").unwrap();
    c.open(&doc);
    let d = c.diagnostics_where(&doc, |d| !d.is_empty());
    let codes: Vec<&str> = d.iter().map(|x| x["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["prompt-not-found"], "{d:?}");
    c.shutdown();
}
