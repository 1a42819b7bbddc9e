//! End-to-end: the real `promptls serve` over stdio on a copy of `examples/` (I-1, R-4,
//! I-2, I-3, I-4).

mod support;

use serde_json::{Value, json};
use std::path::PathBuf;
use support::{Client, after, answer, example_workspace, uri};

fn labels(resp: &Value) -> Vec<String> {
    let items = resp["result"]["items"]
        .as_array()
        .or_else(|| resp["result"].as_array())
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn complete(c: &mut Client, path: &std::path::Path, pos: (u32, u32)) -> Value {
    c.request("textDocument/completion", json!({"textDocument": {"uri": uri(path)}, "position": {"line": pos.0, "character": pos.1}}))
}

#[test]
fn completion_hover_definition_links_and_diagnostics() {
    let (_tmp, ws) = example_workspace();
    let mut c = Client::start(&ws, false, false);
    // Work-done progress reports the indexing.
    c.wait_indexed();
    let app = ws.join("app.py");
    c.open(&app);
    let text = std::fs::read_to_string(&app).unwrap();

    // R-4: versions newest first after latest / latest-prerelease, with a text edit that
    // replaces exactly the literal's content.
    let resp = complete(
        &mut c,
        &app,
        after(&text, "load_prompt(\"prompts/task\", version=\"v"),
    );
    assert_eq!(
        labels(&resp)[..4],
        ["latest", "latest-prerelease", "v2.0.0", "v1.0.0"]
    );
    let item = &resp["result"]["items"][2];
    let (line, col) = after(&text, "load_prompt(\"prompts/task\", version=\"");
    assert_eq!(
        item["textEdit"]["range"]["start"],
        json!({"line": line, "character": col})
    );
    assert_eq!(
        item["textEdit"]["range"]["end"],
        json!({"line": line, "character": col + 2})
    );

    // Classifier values that exist, default marked.
    let resp = complete(&mut c, &app, after(&text, "classifier={\"lang\": \""));
    assert_eq!(labels(&resp), ["en", "ru", "de"]);
    assert!(
        resp["result"]["items"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("default")
    );
    // Classifier names.
    let resp = complete(&mut c, &app, after(&text, "classifier={\""));
    assert_eq!(labels(&resp), ["lang"]);
    // Paths relative to the project root: folders and prompts, prompts first.
    let resp = complete(&mut c, &app, after(&text, "load_prompt(\"prompts/"));
    let l = labels(&resp);
    assert_eq!(l[0], "review");
    assert!(
        l.contains(&"task".to_string())
            && l.contains(&"support/".to_string())
            && l.contains(&"task_v2.md".to_string()),
        "{l:?}"
    );
    // Multi-line call.
    let resp = complete(&mut c, &app, after(&text, "    version=\"v1"));
    assert!(labels(&resp).contains(&"v1.1.0".to_string()));

    // Diagnostics: a missing version and an unknown classifier value, with what exists.
    let diags = c.diagnostics_where(&app, |d| d.iter().any(|x| x["code"] == "version-not-found"));
    let vnf = diags
        .iter()
        .find(|d| d["code"] == "version-not-found")
        .unwrap();
    assert!(
        vnf["message"].as_str().unwrap().contains("v2.0.0, v1.0.0"),
        "{vnf}"
    );
    let (l, ch) = after(&text, "missing = load_prompt(\"prompts/task\", version=\"");
    assert_eq!(vnf["range"]["start"], json!({"line": l, "character": ch}));
    assert!(diags.iter().any(|d| d["code"] == "classifier-not-found"));

    // Hover on a Markdown link: what it resolves to, and the version table.
    let task = ws.join("prompts/task_v2.md");
    c.open(&task);
    let md = std::fs::read_to_string(&task).unwrap();
    let h = c.request("textDocument/hover", json!({"textDocument": {"uri": uri(&task)}, "position": {"line": after(&md, "[steps](st").0, "character": after(&md, "[steps](st").1}}));
    let value = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("steps_v1.1.0.md")
            && value.contains("| version |")
            && value.contains("v2.0.0-beta"),
        "{value}"
    );

    // Definition: the resolved file.
    let d = c.request("textDocument/definition", json!({"textDocument": {"uri": uri(&task)}, "position": {"line": after(&md, "[steps](st").0, "character": after(&md, "[steps](st").1}}));
    assert_eq!(
        d["result"][0]["targetUri"],
        json!(uri(&ws.join("prompts/steps_v1.1.0.md")))
    );

    // Document links with tooltips.
    let links = c.request(
        "textDocument/documentLink",
        json!({"textDocument": {"uri": uri(&task)}}),
    );
    let tips: Vec<&str> = links["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["tooltip"].as_str().unwrap())
        .collect();
    assert!(
        tips.contains(&"steps_v1.1.0.md (v1.1.0)") && tips.contains(&"greeting_v1.md (v1.0.0)"),
        "{tips:?}"
    );

    // Inlay hints after unpinned references.
    let hints = c.request("textDocument/inlayHint", json!({"textDocument": {"uri": uri(&task)}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}}));
    let hl: Vec<&str> = hints["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["label"].as_str().unwrap())
        .collect();
    assert!(hl.contains(&"→ v1.1.0"), "{hl:?}");

    // References: from steps_v1.1.0.md to every link that resolves to it.
    let steps = ws.join("prompts/steps_v1.1.0.md");
    let refs = c.request("textDocument/references", json!({"textDocument": {"uri": uri(&steps)}, "position": {"line": 0, "character": 0}, "context": {"includeDeclaration": false}}));
    let from: Vec<String> = refs["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["uri"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        from.contains(&"task_v2.md".to_string())
            && from.contains(&"task_ru_v1.md".to_string())
            && from.contains(&"app.py".to_string()),
        "{from:?}"
    );

    // Code lens on a versioned file.
    let lens = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri(&task)}}),
    );
    let title = lens["result"][0]["command"]["title"].as_str().unwrap();
    assert!(
        title.starts_with("v2.0.0 · latest release · 2 versions ·"),
        "{title}"
    );

    // Workspace symbols.
    let syms = c.request("workspace/symbol", json!({"query": "task@v2"}));
    let names: Vec<&str> = syms["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"task@v2.0.0"), "{names:?}");
    c.shutdown();
}

#[test]
fn creating_a_file_on_disk_updates_hints_and_diagnostics() {
    let (_tmp, ws) = example_workspace();
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    let app = ws.join("app.py");
    let text = std::fs::read_to_string(&app)
        .unwrap()
        .replace("version=\"v7\"", "version=\"v3\"")
        + "newest = load_prompt(\"prompts/task\")\n";
    std::fs::write(&app, &text).unwrap();
    c.open(&app);
    c.diagnostics_where(&app, |d| {
        d.iter().any(|x| {
            x["code"] == "version-not-found" && x["message"].as_str().unwrap().contains("v3")
        })
    });
    // Created on disk: the notify watcher (the client cannot watch) picks it up.
    std::fs::write(
        ws.join("prompts/task_v3.md"),
        "Task v3 for {{product}}, {{audience}} and {{tone}}.\n",
    )
    .unwrap();
    c.diagnostics_where(&app, |d| {
        !d.iter().any(|x| x["code"] == "version-not-found")
    });
    let hints = c.request("textDocument/inlayHint", json!({"textDocument": {"uri": uri(&app)}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}}));
    let hl: Vec<&str> = hints["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["label"].as_str().unwrap())
        .collect();
    assert!(hl.contains(&"→ v3.0.0"), "{hl:?}");
    // Deleted: the error comes back.
    std::fs::remove_file(ws.join("prompts/task_v3.md")).unwrap();
    c.diagnostics_where(&app, |d| d.iter().any(|x| x["code"] == "version-not-found"));
    // Renamed: task_v2.md becomes task_v3.md, so v3 exists and v2 no longer does.
    std::fs::rename(ws.join("prompts/task_v2.md"), ws.join("prompts/task_v3.md")).unwrap();
    let (v2_line, _) = after(&text, "brief = load_prompt(\"prompts/task\", version=\"");
    let (v3_line, _) = after(&text, "version=\"v3");
    c.diagnostics_where(&app, |d| {
        let lines: Vec<u64> = d
            .iter()
            .filter(|x| x["code"] == "version-not-found")
            .map(|x| x["range"]["start"]["line"].as_u64().unwrap())
            .collect();
        lines.contains(&(v2_line as u64)) && !lines.contains(&(v3_line as u64))
    });
    // A config edit: `[diagnostics]` turns version-not-found off for the tree.
    let cfg = ws.join("promptic.toml");
    let mut toml = std::fs::read_to_string(&cfg).unwrap();
    toml.push_str("version-not-found = \"off\"\n");
    std::fs::write(&cfg, toml).unwrap();
    c.diagnostics_where(&app, |d| {
        !d.iter().any(|x| x["code"] == "version-not-found")
            && d.iter().any(|x| x["code"] == "classifier-not-found")
    });
    c.shutdown();
}

#[test]
fn utf16_and_utf8_positions_with_cyrillic_cjk_and_emoji() {
    for utf8 in [false, true] {
        let (_tmp, ws) = example_workspace();
        let doc = ws.join("prompts/notes.md");
        let text = "Привет 世界 😀 [steps](steps.md) and more\n";
        std::fs::write(&doc, text).unwrap();
        let mut c = Client::start(&ws, utf8, false);
        c.wait_indexed();
        c.open(&doc);
        let links = c.request(
            "textDocument/documentLink",
            json!({"textDocument": {"uri": uri(&doc)}}),
        );
        let start = text.find("steps.md").unwrap();
        let expected = if utf8 {
            start
        } else {
            text[..start].encode_utf16().count()
        };
        assert_eq!(
            links["result"][0]["range"]["start"]["character"],
            json!(expected),
            "utf8={utf8}"
        );
        c.shutdown();
    }
}

#[test]
fn code_actions_create_and_revert_versions_without_touching_history() {
    let (_tmp, ws) = example_workspace();
    let mut c = Client::start(&ws, false, true);
    c.wait_indexed();
    let task = ws.join("prompts/task_v2.md");
    c.open(&task);
    let before_v1 = std::fs::read(ws.join("prompts/task_v1.md")).unwrap();
    let before_v2 = std::fs::read(&task).unwrap();
    let actions = c.code_actions(
        &task,
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}),
        json!([]),
    );
    let list = actions["result"].as_array().unwrap();
    let titles: Vec<&str> = list.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(
        titles.contains(&"Create version v2.1.0 (minor)")
            && titles.contains(&"Create version v3.0.0 (major)")
            && titles.contains(&"Create prerelease v2.0.1-alpha")
            && titles.contains(&"Revert to v1.0.0"),
        "{titles:?}"
    );
    // An unchanged copy of the newest version keeps its variables: patch is preferred.
    let preferred: Vec<&Value> = list
        .iter()
        .filter(|a| a["isPreferred"] == json!(true))
        .collect();
    assert_eq!(preferred.len(), 1);
    assert_eq!(
        preferred[0]["title"],
        "Create version v2.0.1 (patch): same variables: wording only"
    );
    // Edit the buffer: a new {{deadline}} makes minor the preferred bump, and says why.
    let mut edited = String::from_utf8(before_v2.clone()).unwrap();
    edited.push_str("Answer before {{deadline}}.\n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&task), "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let actions = c.code_actions(
        &task,
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}),
        json!([]),
    );
    let list = actions["result"].as_array().unwrap().clone();
    let preferred: Vec<&Value> = list
        .iter()
        .filter(|a| a["isPreferred"] == json!(true))
        .collect();
    assert_eq!(preferred.len(), 1);
    assert_eq!(
        preferred[0]["title"],
        "Create version v2.1.0 (minor): adds {{deadline}}: new variables"
    );
    // Execute it: the server asks the client to create the file, with the buffer's content.
    let cmd = preferred[0]["command"].clone();
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
    );
    assert_eq!(r["result"]["version"], "v2.1.0", "{r}");
    assert_eq!(
        std::fs::read_to_string(ws.join("prompts/task_v2.1.md")).unwrap(),
        edited
    );
    // Revert to v1: a NEW version (next patch of the newest) with v1's content.
    let revert = list
        .iter()
        .find(|a| a["title"] == "Revert to v1.0.0")
        .expect("revert action");
    let r = c.request("workspace/executeCommand", json!({"command": revert["command"]["command"], "arguments": revert["command"]["arguments"]}));
    assert_eq!(r["result"]["version"], "v2.1.1", "{r}");
    assert_eq!(
        std::fs::read(ws.join("prompts/task_v2.1.1.md")).unwrap(),
        before_v1
    );
    assert_eq!(
        std::fs::read(ws.join("prompts/task_v1.md")).unwrap(),
        before_v1
    );
    assert_eq!(std::fs::read(&task).unwrap(), before_v2);
    // listVersions: the seed's version model, newest first.
    let l = c.request("workspace/executeCommand", json!({"command": "promptls.listVersions", "arguments": [{"prompt": "prompts/task", "classifier": {"lang": "en"}}]}));
    let versions: Vec<&str> = l["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["v2.1.1", "v2.1.0", "v2.0.0", "v1.0.0"]);
    // A revert is history, not a change: no semver-bump on it.
    let reverted = ws.join("prompts/task_v2.1.1.md");
    c.open(&reverted);
    // The same file with a real change gets one (checked first, so the server is known to
    // publish for it), then the revert's own content does not.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&reverted), "version": 2}, "contentChanges": [{"text": "No variables at all.\n"}]}),
    );
    c.diagnostics_where(&reverted, |d| d.iter().any(|x| x["code"] == "semver-bump"));
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&reverted), "version": 3}, "contentChanges": [{"text": String::from_utf8(before_v1.clone()).unwrap()}]}),
    );
    c.diagnostics_where(&reverted, |d| !d.iter().any(|x| x["code"] == "semver-bump"));
    let first = &l["result"][0];
    for key in [
        "id",
        "prompt_id",
        "title",
        "created_at",
        "version_number",
        "prerelease",
        "classifiers",
        "path",
        "latest",
    ] {
        assert!(first.get(key).is_some(), "PromptVersion has {key}: {first}");
    }
    assert_eq!(first["version_number"], 4);
    assert_eq!(first["prompt_id"], "prompts/task");
    // diffVersions: a unified diff and the variable changes, default variant by prompt id.
    let d = c.request("workspace/executeCommand", json!({"command": "promptls.diffVersions", "arguments": [{"prompt": "prompts/task", "from": "v1", "to": "v2"}]}));
    let diff = d["result"]["diff"].as_str().unwrap();
    assert!(
        diff.starts_with("--- task_v1.md\n+++ task_v2.md\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+Write a short answer for {{audience}} in a {{tone}} tone."),
        "{diff}"
    );
    assert_eq!(
        d["result"]["variables"],
        json!({"added": ["tone"], "removed": [], "kept": ["audience", "product"]})
    );
    // getVersion: one version with its content.
    let g = c.request("workspace/executeCommand", json!({"command": "promptls.getVersion", "arguments": [{"prompt": "prompts/task", "version": "v1", "classifier": {"lang": "ru"}}]}));
    assert!(
        g["result"]["content"].as_str().unwrap().contains("Задача"),
        "{g}"
    );
    // An unknown command is an error, and the server goes on.
    let e = c.request(
        "workspace/executeCommand",
        json!({"command": "promptls.nope", "arguments": []}),
    );
    assert_eq!(
        e["error"],
        json!({"code": -32602, "message": "unknown command promptls.nope; known: promptls.listVersions, promptls.getVersion, promptls.createVersion, promptls.revertVersion, promptls.diffVersions, promptls.reindex"}),
        "{e}"
    );
    c.shutdown();
}

#[test]
fn bad_requests_get_errors_and_the_server_goes_on() {
    let (_tmp, ws) = example_workspace();
    let mut c = Client::start(&ws, false, false);
    let app = ws.join("app.py");
    c.open(&app);
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&app)}, "position": {"line": 9999, "character": -1}}),
    );
    assert_eq!(
        r,
        json!({"jsonrpc": "2.0", "id": 2, "error": {"code": -32602, "message": "invalid value: integer `-1`, expected u32"}})
    );
    // A position past the end of the buffer is clamped to it: no completion there.
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&app)}, "position": {"line": 9999, "character": 0}}),
    );
    assert_eq!(r["error"], Value::Null, "{r}");
    assert!(labels(&r).is_empty(), "{r}");
    let r = c.request("textDocument/hover", json!({"textDocument": {"uri": "file:///nowhere/x.md"}, "position": {"line": 0, "character": 0}}));
    assert_eq!(r["result"], Value::Null);
    let r = c.request("no/such/method", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    let text = std::fs::read_to_string(&app).unwrap();
    let resp = complete(
        &mut c,
        &app,
        after(&text, "load_prompt(\"prompts/task\", version=\"v"),
    );
    assert!(labels(&resp).contains(&"latest".to_string()));
    c.shutdown();
}

#[test]
fn variant_action_config_files_and_cancellation() {
    let (_tmp, ws) = example_workspace();
    let mut c = Client::start(&ws, false, true);
    c.wait_indexed();

    // "Create variant lang=ru of v1.1.0" for a prompt that has no Russian file (I-3).
    let steps = ws.join("prompts/steps_v1.1.0.md");
    c.open(&steps);
    let actions = c.code_actions(
        &steps,
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}),
        json!([]),
    );
    let list = actions["result"].as_array().unwrap();
    let ru = list
        .iter()
        .find(|a| a["title"] == "Create variant lang=ru of v1.1.0")
        .expect("variant action");
    assert!(
        list.iter()
            .any(|a| a["title"] == "Create variant lang=de of v1.1.0")
    );
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": ru["command"]["command"], "arguments": ru["command"]["arguments"]}),
    );
    assert_eq!(r["result"]["classifiers"]["lang"], "ru", "{r}");
    assert_eq!(
        std::fs::read(ws.join("prompts/steps_ru_v1.1.0.md")).unwrap(),
        std::fs::read(&steps).unwrap()
    );

    // R-3: config keys and values complete; hover explains a key; errors sit at the value.
    let toml = ws.join("promptic.toml");
    let text = "[versioning]\ndelimiter = \"\"\ninclude_prerelease = \"maybe\"\n\n[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\", \"de\"]\ndefault = \"\"\n";
    std::fs::write(&toml, text).unwrap();
    c.open(&toml);
    let resp = complete(&mut c, &toml, after(text, "delimiter = \""));
    assert_eq!(labels(&resp), ["_", ".", "-"]);
    let resp = complete(&mut c, &toml, after(text, "default = \""));
    assert_eq!(labels(&resp), ["en", "ru", "de"]);
    let resp = complete(&mut c, &toml, (1, 0));
    assert!(
        labels(&resp).contains(&"version_pattern".to_string()),
        "{:?}",
        labels(&resp)
    );
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&toml)}, "position": {"line": 1, "character": 3}}),
    );
    assert!(
        h["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Delimiter between base"),
        "{h}"
    );
    let diags = c.diagnostics_where(&toml, |d| d.iter().any(|x| x["code"] == "invalid-config"));
    let bad = diags
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains("include_prerelease")
        })
        .expect("include_prerelease error");
    assert_eq!(bad["range"]["start"], json!({"line": 2, "character": 21}));

    // A bad editor setting is ignored with a warning that reaches the client's log (I-1).
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"promptls": {"versioning": {"delimiter": "+"}}}}),
    );
    let log = c.wait_for("window/logMessage", |m| m["method"] == "window/logMessage");
    assert!(
        log["params"]["message"]
            .as_str()
            .unwrap()
            .contains("delimiter"),
        "{log}"
    );
    assert_eq!(log["params"]["type"], 2);

    // $/cancelRequest: the request is answered (a result or RequestCancelled) and the
    // server goes on.
    let app = ws.join("app.py");
    c.open(&app);
    let id = 9_999;
    c.send(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/references", "params": {"textDocument": {"uri": uri(&ws.join("prompts/task_v2.md"))}, "position": {"line": 0, "character": 0}, "context": {"includeDeclaration": false}}}));
    c.notify("$/cancelRequest", json!({"id": id}));
    let answered = c.wait_for("the cancelled request's response", |m| {
        m["id"] == json!(id) && m.get("method").is_none()
    });
    let reference = |file: &str, line: u32, start: u32, end: u32| json!({"uri": uri(&ws.join(file)), "range": {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}});
    let done = json!({"jsonrpc": "2.0", "id": id, "result": [
        reference("app.py", 8, 21, 33),
        reference("app.py", 17, 15, 27),
        reference("app.py", 20, 5, 17),
        reference("prompts/support/faq.md", 2, 15, 25),
        reference("prompts/support/faq.yaml", 3, 8, 18),
    ]});
    let cancelled =
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32800, "message": "Canceled"}});
    // Which one depends on timing; each is exact.
    assert!(answered == done || answered == cancelled, "{answered}");
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&app)}, "position": {"line": 0, "character": 0}}),
    );
    // Still answering: the module docstring has nothing to hover.
    assert_eq!(r, json!({"jsonrpc": "2.0", "id": r["id"], "result": null}));
    c.shutdown();
}

#[test]
fn editing_an_older_version_offers_save_as_new_version() {
    let (_tmp, ws) = example_workspace();
    let mut c = Client::start(&ws, false, true);
    c.wait_indexed();
    let v1 = ws.join("prompts/task_v1.md");
    let before = std::fs::read(&v1).unwrap();
    c.open(&v1);
    let edited = format!(
        "{}Mention {{{{tone}}}} too.\n",
        String::from_utf8(before.clone()).unwrap()
    );
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri(&v1), "version": 2}, "contentChanges": [{"text": edited}]}));
    let diags = c.diagnostics_where(&v1, |d| d.iter().any(|x| x["code"] == "edit-older-version"));
    let d = diags
        .iter()
        .find(|x| x["code"] == "edit-older-version")
        .unwrap()
        .clone();
    assert_eq!(d["severity"], 3);
    let actions = c.code_actions(&v1, d["range"].clone(), json!([d]));
    let save = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Save as new version")
        })
        .expect("save action")
        .clone();
    // The buffer has the newest version's variables (product, audience, tone): a patch of v2.
    assert_eq!(
        save["title"],
        "Save as new version v2.0.1 (patch: same variables: wording only)"
    );
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": save["command"]["command"], "arguments": save["command"]["arguments"]}),
    );
    assert_eq!(r["result"]["version"], "v2.0.1", "{r}");
    assert_eq!(
        std::fs::read_to_string(ws.join("prompts/task_v2.0.1.md")).unwrap(),
        edited
    );
    assert_eq!(
        std::fs::read(&v1).unwrap(),
        before,
        "the older version on disk is untouched"
    );
    c.shutdown();
}

#[test]
fn quick_fixes_replace_missing_versions_with_the_nearest() {
    let (_tmp, ws) = example_workspace();
    let mut c = Client::start(&ws, false, true);
    c.wait_indexed();
    // A pinned Markdown link to a missing version: file names, nearest version first.
    let faq = ws.join("prompts/support/faq.md");
    c.open(&faq);
    let diags = c.diagnostics_where(&faq, |d| d.iter().any(|x| x["code"] == "version-not-found"));
    let d = diags
        .iter()
        .find(|x| x["code"] == "version-not-found")
        .unwrap()
        .clone();
    let actions = c.code_actions(&faq, d["range"].clone(), json!([d]));
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles[..3],
        [
            "Replace with greeting_v1.1.md",
            "Replace with greeting_v1.md",
            "Replace with greeting.md"
        ],
        "{titles:?}"
    );
    let first = &actions["result"][0];
    assert_eq!(first["isPreferred"], true);
    assert_eq!(
        first["edit"]["changes"][uri(&faq)][0]["newText"],
        "greeting_v1.1.md"
    );
    // A version literal: versions nearest first, then latest.
    let app = ws.join("app.py");
    let text = std::fs::read_to_string(&app)
        .unwrap()
        .replace("version=\"v7\"", "version=\"v1.5\"");
    std::fs::write(&app, &text).unwrap();
    c.open(&app);
    let diags = c.diagnostics_where(&app, |d| d.iter().any(|x| x["code"] == "version-not-found"));
    let d = diags
        .iter()
        .find(|x| x["code"] == "version-not-found")
        .unwrap()
        .clone();
    let actions = c.code_actions(&app, d["range"].clone(), json!([d]));
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles[..3],
        [
            "Replace with v1.0.0",
            "Replace with v2.0.0",
            "Replace with latest"
        ],
        "{titles:?}"
    );
    c.shutdown();
}

/// The `textDocument/publishDiagnostics` URIs seen so far, sorted, without repeats.
fn published_uris(c: &Client) -> Vec<String> {
    let mut uris: Vec<String> = c
        .seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| m["params"]["uri"].as_str().unwrap().to_string())
        .collect();
    uris.sort();
    uris.dedup();
    uris
}

/// `rootUri: null` and no workspace folders: the server serves the open files only. On
/// aa54be8 it indexed (and watched) its working directory instead: `workspace/symbol` found
/// the prompts there and files nobody opened got diagnostics.
#[test]
fn no_workspace_folder_serves_open_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(cwd.join("prompts")).unwrap();
    std::fs::write(cwd.join("prompts/task_v1.md"), "one\n").unwrap();
    // Indexed, these two would be a duplicate version of `task`.
    std::fs::write(cwd.join("prompts/task_v1.0.0.md"), "dup\n").unwrap();
    let toml = cwd.join("promptic.toml");
    std::fs::write(&toml, "[versioning]\nversion_pattern = \"(\"\n").unwrap();
    let app = cwd.join("app.py");
    std::fs::write(
        &app,
        "from promptic import load_prompt, VersioningConfig\n\
         cfg = VersioningConfig(version_pattern=\"(\")\n\
         x = load_prompt(\"prompts/task\", version=\"v1\")\n",
    )
    .unwrap();
    let mut c = Client::start_without_workspace(&cwd, json!({}));
    c.wait_indexed();
    let symbols = c.request("workspace/symbol", json!({"query": "task"}));
    assert_eq!(symbols, json!({"jsonrpc": "2.0", "id": 2, "result": []}));

    // An open file: what its own text says (the bad pattern literal), and no claim about
    // prompts the server has not indexed.
    c.open(&app);
    let diags = c.diagnostics_where(&app, |d| !d.is_empty());
    assert_eq!(
        diags,
        vec![json!({
            "range": {"start": {"line": 1, "character": 39}, "end": {"line": 1, "character": 42}},
            "severity": 1,
            "code": "invalid-version-pattern",
            "codeDescription": {"href": "https://github.com/promptls/promptls/blob/main/docs/diagnostics.md#invalid-version-pattern"},
            "source": "promptls",
            "message": "`version_pattern` \"(\": unclosed group"
        })]
    );
    let text = std::fs::read_to_string(&app).unwrap();
    let (line, character) = after(&text, "load_prompt(\"prompts/ta");
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&app)}, "position": {"line": line, "character": character}}),
    );
    assert_eq!(hover, json!({"jsonrpc": "2.0", "id": 3, "result": null}));

    // An open config file: its own diagnostics and key hover.
    c.open(&toml);
    let diags = c.diagnostics_where(&toml, |d| !d.is_empty());
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "invalid-version-pattern", "{diags:?}");
    assert_eq!(
        diags[0]["range"],
        json!({"start": {"line": 1, "character": 18}, "end": {"line": 1, "character": 21}})
    );
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&toml)}, "position": {"line": 1, "character": 3}}),
    );
    assert_eq!(
        hover["result"]["range"],
        json!({"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 15}}),
        "{hover}"
    );
    assert_eq!(hover["result"]["contents"]["kind"], "markdown", "{hover}");
    assert!(
        hover["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("**`version_pattern`**"),
        "{hover}"
    );

    // Nothing else was published: the prompts on disk were neither indexed nor checked.
    std::thread::sleep(std::time::Duration::from_millis(300));
    c.request("workspace/symbol", json!({"query": ""}));
    assert_eq!(published_uris(&c), vec![uri(&app), uri(&toml)]);
    c.shutdown();
}

/// Sends `method` until its response satisfies `pred` (bounded); returns that response.
fn poll(c: &mut Client, method: &str, params: Value, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + support::TIMEOUT;
    loop {
        let resp = c.request(method, params.clone());
        if pred(&resp) || std::time::Instant::now() > deadline {
            return resp;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The `workspace/symbol` entries of one prompt `id` (`prompts/task`) with one file per
/// version: `(name@version, file name)` newest first, then the prompt itself.
fn prompt_symbols(dir: &std::path::Path, id: &str, versions: &[(&str, &str)]) -> Value {
    let base = id.rsplit('/').next().unwrap();
    let loc = |file: &str| json!({"uri": uri(&dir.join(file)), "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}});
    let mut out: Vec<Value> = versions
        .iter()
        .map(|(v, file)| json!({"name": format!("{base}@{v}"), "kind": 14, "location": loc(file), "containerName": id}))
        .collect();
    out.push(json!({"name": base, "kind": 2, "location": loc(versions[0].1), "containerName": id}));
    Value::Array(out)
}

/// `workspace/didChangeWorkspaceFolders` indexes the added folders and drops the removed
/// ones. On aa54be8 it asked the client for its folders (this client has none to give) and
/// ignored `event.added`: the second folder was never indexed.
#[test]
fn added_workspace_folders_are_indexed_and_removed_ones_dropped() {
    let first = tempfile::tempdir().unwrap();
    let a = first.path().canonicalize().unwrap();
    std::fs::create_dir_all(a.join("prompts")).unwrap();
    std::fs::write(a.join("prompts/alpha_v1.md"), "a\n").unwrap();
    let second = tempfile::tempdir().unwrap();
    let b = second.path().canonicalize().unwrap();
    std::fs::create_dir_all(b.join("prompts")).unwrap();
    std::fs::write(b.join("prompts/beta_v1.md"), "b1\n").unwrap();
    std::fs::write(b.join("prompts/beta_v2.md"), "b2\n").unwrap();
    let mut c = Client::start(&a, false, false);
    c.wait_indexed();
    let alpha = json!({"query": "alpha"});
    let beta = json!({"query": "beta"});
    let alpha_symbols = prompt_symbols(
        &a.join("prompts"),
        "prompts/alpha",
        &[("v1.0.0", "alpha_v1.md")],
    );
    let beta_symbols = prompt_symbols(
        &b.join("prompts"),
        "prompts/beta",
        &[("v2.0.0", "beta_v2.md"), ("v1.0.0", "beta_v1.md")],
    );
    assert_eq!(
        c.request("workspace/symbol", alpha.clone())["result"],
        alpha_symbols
    );
    assert_eq!(
        c.request("workspace/symbol", beta.clone())["result"],
        json!([])
    );

    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri(&b), "name": "b"}], "removed": []}}),
    );
    let resp = poll(&mut c, "workspace/symbol", beta.clone(), |r| {
        r["result"] != json!([])
    });
    assert_eq!(resp["result"], beta_symbols);
    assert_eq!(
        c.request("workspace/symbol", alpha.clone())["result"],
        alpha_symbols
    );

    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": uri(&a), "name": "a"}]}}),
    );
    let resp = poll(&mut c, "workspace/symbol", alpha, |r| {
        r["result"] == json!([])
    });
    assert_eq!(resp["result"], json!([]));
    assert_eq!(c.request("workspace/symbol", beta)["result"], beta_symbols);
    c.shutdown();
}

/// Invalid `initializationOptions` are reported once the client can hear them (a
/// `window/showMessage` warning after `initialized` naming the field and why); the valid
/// ones and the defaults still apply. On aa54be8 they were dropped without a word.
#[test]
fn invalid_initialization_options_are_reported_after_initialized() {
    let (_tmp, ws) = example_workspace();
    let mut c = Client::start_with(
        &ws,
        json!({"initializationOptions": {"versioning": {"version_pattern": "(", "include_prerelease": "yes"}}}),
    );
    c.wait_indexed();
    let shown: Vec<Value> = c
        .seen
        .iter()
        .filter(|m| m["method"] == "window/showMessage")
        .cloned()
        .collect();
    let warning = |message: &str| json!({"jsonrpc": "2.0", "method": "window/showMessage", "params": {"type": 2, "message": message}});
    assert_eq!(
        shown,
        vec![
            warning(
                "promptls: editor setting ignored, the default applies: InvalidConfigError: `include_prerelease` must be true or false, not a string"
            ),
            warning(
                "promptls: editor setting ignored, the default applies: InvalidVersionPatternError: `version_pattern` \"(\": unclosed group"
            ),
        ]
    );
    // The rest is the defaults: the example workspace reads as usual.
    let symbols = c.request("workspace/symbol", json!({"query": "task"}));
    assert_eq!(
        symbols["result"],
        prompt_symbols(
            &ws.join("prompts"),
            "prompts/task",
            &[
                ("v2.0.0", "task_de_v2.md"),
                ("v2.0.0", "task_v2.md"),
                ("v1.0.0", "task_ru_v1.md"),
                ("v1.0.0", "task_v1.md"),
            ]
        )
    );
    c.shutdown();
}

/// A workspace with `task` in two languages (`lang`, default `en`), two versions each.
fn two_language_workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().canonicalize().unwrap();
    std::fs::create_dir(ws.join(".git")).unwrap();
    std::fs::write(
        ws.join("promptic.toml"),
        "[versioning]\n[versioning.classifiers.lang]\nvalues = [\"en\", \"de\"]\ndefault = \"en\"\n",
    )
    .unwrap();
    std::fs::create_dir(ws.join("prompts")).unwrap();
    for (name, text) in [
        ("task_v1.md", "english one\n"),
        ("task_v2.md", "english two\n"),
        ("task_de_v1.md", "deutsch eins\n"),
        ("task_de_v2.md", "deutsch zwei\n"),
    ] {
        std::fs::write(ws.join("prompts").join(name), text).unwrap();
    }
    (dir, ws)
}

fn command(c: &mut Client, name: &str, args: Value) -> Value {
    c.request(
        "workspace/executeCommand",
        json!({"command": name, "arguments": [args]}),
    )
}

/// Commands work on the variant of the file `uri` names, else on the classifier defaults
/// (`lang=en`). On aa54be8: getVersion of task_v2.md answered task_de_v2.md, createVersion
/// of `prompts/task` made task_de_v3.md, and revertVersion to v1 failed.
#[test]
fn commands_use_the_uris_variant_else_the_classifier_defaults() {
    let (_tmp, ws) = two_language_workspace();
    let p = ws.join("prompts");
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();

    // `created_at` is the file's time: not part of the comparison.
    let result = |mut r: Value| {
        r["result"].as_object_mut().unwrap().remove("created_at");
        r["result"].take()
    };
    let version = |file: &str, number: u64, version: &str, content: Option<&str>| {
        let mut v = json!({
            "classifiers": {"lang": "en"},
            "description": null,
            "id": format!("prompts/{file}"),
            "latest": true,
            "path": p.join(file),
            "prerelease": null,
            "prompt_id": "prompts/task",
            "title": file,
            "version": version,
            "version_number": number,
        });
        if let Some(content) = content {
            v["content"] = json!(content);
        }
        v
    };

    let got = command(
        &mut c,
        "promptls.getVersion",
        json!({"uri": uri(&p.join("task_v2.md")), "version": "v2"}),
    );
    assert_eq!(
        result(got),
        version("task_v2.md", 2, "v2.0.0", Some("english two\n"))
    );

    let created = command(
        &mut c,
        "promptls.createVersion",
        json!({"prompt": "prompts/task", "bump": "major"}),
    );
    assert_eq!(result(created), version("task_v3.md", 3, "v3.0.0", None));
    assert_eq!(
        std::fs::read(p.join("task_v3.md")).unwrap(),
        b"english two\n"
    );

    let reverted = command(
        &mut c,
        "promptls.revertVersion",
        json!({"prompt": "prompts/task", "version": "v1"}),
    );
    assert_eq!(
        result(reverted),
        version("task_v3.0.1.md", 4, "v3.0.1", None)
    );
    assert_eq!(
        std::fs::read(p.join("task_v3.0.1.md")).unwrap(),
        b"english one\n"
    );
    let mut names: Vec<String> = std::fs::read_dir(&p)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "task_de_v1.md",
            "task_de_v2.md",
            "task_v1.md",
            "task_v2.md",
            "task_v3.0.1.md",
            "task_v3.md"
        ]
    );

    // An explicit classifier still picks the other language.
    let got = command(
        &mut c,
        "promptls.getVersion",
        json!({"prompt": "prompts/task", "version": "v1", "classifier": {"lang": "de"}}),
    );
    assert_eq!(result(got)["id"], "prompts/task_de_v1.md");
    c.shutdown();
}

/// Command arguments are typed: a wrong type, an unknown or missing field, or a bad bump is
/// InvalidParams naming the field (on aa54be8 some were taken as absent, others ignored).
#[test]
fn invalid_command_arguments_are_invalid_params_naming_the_field() {
    let (_tmp, ws) = two_language_workspace();
    let task_v2 = uri(&ws.join("prompts/task_v2.md"));
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    let cases = [
        (
            "promptls.getVersion",
            json!({"uri": task_v2, "version": 2}),
            "promptls.getVersion: invalid argument `version`: invalid type: integer `2`, expected a string",
        ),
        (
            "promptls.getVersion",
            json!({"prompt": "prompts/task", "verison": "v1"}),
            "promptls.getVersion: invalid argument `verison`: unknown field `verison`, expected one of `uri`, `prompt`, `classifier`, `version`",
        ),
        (
            "promptls.revertVersion",
            json!({"prompt": "prompts/task"}),
            "promptls.revertVersion: invalid arguments: missing field `version`",
        ),
        (
            "promptls.createVersion",
            json!({"uri": task_v2, "bump": "huge"}),
            "promptls.createVersion: invalid argument `bump`: unknown variant `huge`, expected one of `major`, `minor`, `patch`, `pre`, `prerelease`",
        ),
        (
            "promptls.listVersions",
            json!({"prompt": "prompts/task", "classifier": {"lang": 1}}),
            "promptls.listVersions: invalid argument `classifier.lang`: invalid type: integer `1`, expected a string",
        ),
        (
            "promptls.getVersion",
            json!({"prompt": "prompts/task", "version": "v1", "classifier": {"lang": "fr"}}),
            "ClassifierNotFoundError: no file of `prompts/task` has lang=fr; available: en, de",
        ),
    ];
    for (name, args, message) in cases {
        let r = command(&mut c, name, args.clone());
        assert_eq!(
            r["error"],
            json!({"code": -32602, "message": message}),
            "{name} {args}: {r}"
        );
        assert!(r.get("result").is_none(), "{r}");
    }
    // Nothing was written.
    assert_eq!(std::fs::read_dir(ws.join("prompts")).unwrap().count(), 4);
    c.shutdown();
}

/// The rename quick fix is offered only when the server itself suggests that rename for
/// that file: the `data` a client echoes back is not trusted. On aa54be8 a forged
/// diagnostic got a rename of `/etc/hosts`, or of any prompt to any plain name.
#[test]
fn rename_fix_only_for_renames_the_server_suggests() {
    let (_tmp, ws) = example_workspace();
    let misnamed = ws.join("prompts/task_v3_ru.md");
    std::fs::write(&misnamed, "russian three\n").unwrap();
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
    let forged = |code: &str, name: &str| json!([{"range": range, "message": "x", "code": code, "source": "promptls", "data": {"rename": name}}]);

    // Outside the workspace, not a prompt: nothing.
    let hosts = std::path::Path::new("/etc/hosts");
    let r = c.code_actions(
        hosts,
        range.clone(),
        forged("malformed-version", "hosts_v1.md"),
    );
    assert_eq!(r["result"], json!([]), "{r}");

    // A prompt the server has no rename for: the forged diagnostic adds nothing.
    let task = ws.join("prompts/task_v1.md");
    c.open(&task);
    let plain = c.code_actions(&task, range.clone(), json!([]));
    let r = c.code_actions(
        &task,
        range.clone(),
        forged("malformed-version", "task_v9.md"),
    );
    assert_eq!(r["result"], plain["result"]);

    // The server's own suggestion, and only that name.
    c.open(&misnamed);
    let diags = c.diagnostics_where(&misnamed, |d| {
        d.iter().any(|x| x["data"]["rename"].is_string())
    });
    let ours: Vec<Value> = diags
        .into_iter()
        .filter(|d| d["data"]["rename"].is_string())
        .collect();
    assert_eq!(ours[0]["data"], json!({"rename": "task_ru_v3.md"}));
    let r = c.code_actions(&misnamed, range.clone(), json!(ours));
    let renames: Vec<&Value> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["edit"]["documentChanges"][0]["kind"] == "rename")
        .collect();
    assert_eq!(
        renames,
        vec![&json!({
            "title": "Rename to task_ru_v3.md",
            "kind": "quickfix",
            "diagnostics": ours,
            "isPreferred": true,
            "edit": {"documentChanges": [{
                "kind": "rename",
                "oldUri": uri(&misnamed),
                "newUri": uri(&ws.join("prompts/task_ru_v3.md")),
                "options": {"overwrite": false, "ignoreIfExists": false}
            }]}
        })]
    );
    let mut other = ours.clone();
    other[0]["data"]["rename"] = json!("task_de_v3.md");
    let r = c.code_actions(&misnamed, range, json!(other));
    assert!(
        r["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["edit"]["documentChanges"][0]["kind"] != "rename"),
        "{r}"
    );
    c.shutdown();
}

/// The CLI does not import the server (the faces share only the core and neutral modules
/// such as `logging`). On aa54be8 `cli` named `crate::server` for its log layer and for
/// `serve`.
#[test]
fn the_cli_does_not_import_the_server() {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    sources(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli"),
        &mut files,
    );
    assert!(!files.is_empty());
    let offending: Vec<String> = files
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.contains("crate::server") || text.contains("promptls::server")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(offending, Vec::<String>::new());
}

#[test]
fn the_server_exits_even_when_the_client_never_answers_its_requests() {
    // Settings changes make the server ask the client to refresh inlay hints and code
    // lenses; a client that exits without answering must not keep the server alive.
    let (_tmp, ws) = example_workspace();
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    for delimiter in ["_", "-", "_", "-", "_"] {
        c.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"versioning": {"delimiter": delimiter}}}),
        );
    }
    let r = c.request_unanswering("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null, "{r}");
    c.notify("exit", Value::Null);
    let status = c.exit_status_within(std::time::Duration::from_secs(10));
    assert_eq!(
        status.map(|s| s.code()),
        Some(Some(0)),
        "the server must exit 0 after shutdown + exit"
    );
}

/// After a burst of changes the open files are republished first, then the closed files
/// the change affects: the file the user is looking at never waits for the rest.
#[test]
fn open_files_are_republished_before_closed_ones_after_a_change() {
    let (_tmp, ws) = crate::support::cli::workspace();
    let prompts = ws.join("prompts");
    std::fs::create_dir_all(&prompts).unwrap();
    std::fs::write(prompts.join("task_v1.md"), "Task v1.\n").unwrap();
    // Sorts after `prompts/`: path order alone would publish it last.
    let app = ws.join("zz_app.py");
    std::fs::write(
        &app,
        "from promptic import load_prompt\nload_prompt(\"prompts/task\", version=\"v2\")\n",
    )
    .unwrap();
    let mut c = Client::start(&ws, false, true);
    c.wait_indexed();
    c.open(&app);
    c.diagnostics_where(&app, |d| d.iter().any(|x| x["code"] == "version-not-found"));
    // Two names of one version: v2 now exists, and both files are duplicates.
    let (dup_a, dup_b) = (prompts.join("task_v2.md"), prompts.join("task_v2.0.0.md"));
    std::fs::write(&dup_a, "Task v2.\n").unwrap();
    std::fs::write(&dup_b, "Task v2.0.0.\n").unwrap();
    let before = c.seen.len();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&dup_a), "type": 1}, {"uri": uri(&dup_b), "type": 1}]}),
    );
    c.diagnostics_where(&dup_b, |d| {
        d.iter().any(|x| x["code"] == "duplicate-version")
    });
    c.diagnostics_where(&dup_a, |d| {
        d.iter().any(|x| x["code"] == "duplicate-version")
    });
    // The publishes after the change (the open file's earlier ones may still be arriving:
    // those still report the missing version).
    let order: Vec<String> = c.seen[before..]
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .filter(|m| {
            !m["params"]["diagnostics"]
                .to_string()
                .contains("version-not-found")
        })
        .map(|m| {
            let path = crate::support::path_of(m["params"]["uri"].as_str().unwrap());
            path.strip_prefix(&ws).unwrap().display().to_string()
        })
        .collect();
    assert_eq!(
        order,
        ["zz_app.py", "prompts/task_v2.0.0.md", "prompts/task_v2.md"],
        "publish order after the change"
    );
    c.shutdown();
}

/// Applies `changes` edits of a WorkspaceEdit for `u` to `text` (UTF-16 positions, ASCII
/// text in these tests), last edit first.
fn apply_changes(text: &str, edit: &Value, u: &str) -> String {
    let offset = |p: &Value| {
        let (line, col) = (
            p["line"].as_u64().unwrap() as usize,
            p["character"].as_u64().unwrap() as usize,
        );
        text.split_inclusive('\n')
            .take(line)
            .map(str::len)
            .sum::<usize>()
            + col
    };
    let mut edits: Vec<(usize, usize, String)> = edit["changes"][u]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (a, b, t) in edits {
        out.replace_range(a..b, &t);
    }
    out
}

#[test]
fn variable_contracts_report_fix_complete_and_hover_passed_variables() {
    let (_tmp, ws) = example_workspace();
    let app = ws.join("app.py");
    let u = uri(&app);
    let mut c = Client::start(&ws, false, true);
    c.wait_indexed();
    c.open(&app);
    let diags = c.diagnostics_where(&app, |d| d.iter().any(|x| x["code"] == "missing-variable"));
    let missing: Vec<&Value> = diags
        .iter()
        .filter(|d| d["code"] == "missing-variable")
        .collect();
    assert_eq!(
        missing,
        [&json!({
            "range": {"start": {"line": 22, "character": 9}, "end": {"line": 22, "character": 58}},
            "severity": 1,
            "code": "missing-variable",
            "codeDescription": {"href": "https://github.com/promptls/promptls/blob/main/docs/diagnostics.md#missing-variable"},
            "source": "promptls",
            "message": "`task_v2.md` uses `{{tone}}`, but this call does not pass `tone`",
            "data": {"fix": "Add `\"tone\": ...`"}
        })]
    );
    // The quick fix adds the entry where the others are; the diagnostic goes away.
    let text = std::fs::read_to_string(&app).unwrap();
    let actions = c.code_actions(&app, missing[0]["range"].clone(), json!([missing[0]]));
    let fix = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "quickfix")
        .unwrap()
        .clone();
    assert_eq!(fix["title"], "Add `\"tone\": ...`");
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(fix["diagnostics"], json!([missing[0]]));
    let fixed = apply_changes(&text, &fix["edit"], &u);
    assert!(
        fixed.contains(r#"vars={"product": "promptls", "audience": "developers", "tone": ...},"#),
        "{fixed}"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    c.diagnostics_where(&app, |d| {
        !d.is_empty()
            && !d
                .iter()
                .any(|x| x["code"] == "missing-variable" || x["code"] == "unused-variable")
    });

    // A typo: unused, with the near miss offered, and the missing one reported again.
    let typo = fixed.replace("\"tone\": ...", "\"toen\": 1");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 3}, "contentChanges": [{"text": typo}]}),
    );
    let diags = c.diagnostics_where(&app, |d| d.iter().any(|x| x["code"] == "unused-variable"));
    let unused = diags
        .iter()
        .find(|d| d["code"] == "unused-variable")
        .unwrap();
    assert_eq!(
        unused["message"],
        "`toen` is passed, but neither `task_v2.md` nor the 3 prompts it includes use `{{toen}}`; did you mean `tone`?"
    );
    assert_eq!(unused["data"], json!({"replace": ["tone"]}));
    let actions = c.code_actions(&app, unused["range"].clone(), json!([unused]));
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "quickfix")
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Replace with tone", "Add `\"tone\": ...`"]);

    // Completion in the dict offers what is not passed yet, as a key.
    let at = after(&typo, "\"developers\", ");
    let r = complete(&mut c, &app, at);
    assert_eq!(
        r["result"]["items"],
        json!([{
            "label": "tone",
            "kind": 6,
            "detail": "used by task_v2.md",
            "sortText": "0000",
            "filterText": "\"tone\": ",
            "textEdit": {"range": {"start": {"line": at.0, "character": at.1}, "end": {"line": at.0, "character": at.1}}, "newText": "\"tone\": "}
        }])
    );

    // Hover on a passed name: where the templates use it.
    let at = after(&typo, "\"prod");
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": at.0, "character": at.1}}),
    );
    assert_eq!(
        r["result"]["contents"]["value"],
        "### `product`\n\nFills `{{product}}` in:\n\n- `prompts/task_v2.md` line 5: `# Task for {{product}}`\n- `prompts/support/greeting_v1.md` line 1: `Hello! I am the {{product}} assistant.`\n"
    );
    c.shutdown();
}

/// A workspace for rename: `prompts/task` in two versions and a Russian variant, linked
/// from another prompt and loaded from Python.
fn rename_workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    std::fs::create_dir_all(ws.join("prompts/sub")).unwrap();
    std::fs::write(
        ws.join("promptic.toml"),
        "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n",
    )
    .unwrap();
    for (n, t) in [
        ("prompts/task_v1.md", "one\n"),
        ("prompts/task_v2.md", "two\n"),
        ("prompts/task_ru_v1.md", "odin\n"),
        (
            "prompts/other_v1.md",
            "Ты [x](task_ru_v1.md) {# ref: task #}\n",
        ),
        ("prompts/job_v1.md", "taken\n"),
        (
            "app.py",
            "from promptic import load_prompt\nload_prompt(\"prompts/task\", version=\"v1\")\n",
        ),
    ] {
        std::fs::write(ws.join(n), t).unwrap();
    }
    (dir, ws)
}

#[test]
fn rename_a_prompt_family_from_a_reference() {
    let (_dir, ws) = rename_workspace();
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    let other = ws.join("prompts/other_v1.md");
    c.open(&other);
    let app = ws.join("app.py");
    let pos = |text: &str, needle: &str| {
        let (line, character) = after(text, needle);
        json!({"line": line, "character": character})
    };
    let other_text = std::fs::read_to_string(&other).unwrap();
    // prepareRename on the link's target: the base name inside it, as the placeholder
    // (columns in UTF-16: the Cyrillic before it counts one unit per letter).
    let r = c.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": uri(&other)}, "position": pos(&other_text, "[x](ta")}),
    );
    assert_eq!(
        answer(&r, &ws),
        json!({"result": {"range": {"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 11}}, "placeholder": "task"}})
    );
    // Elsewhere: an error that says where to put the cursor.
    let r = c.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": uri(&app)}, "position": {"line": 0, "character": 3}}),
    );
    assert_eq!(
        answer(&r, &ws),
        json!({"error": {"code": -32803, "message": "nothing to rename here: place the cursor on a reference to a prompt, or in a prompt file"}})
    );
    // A name that is taken: refused, no edit.
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&other)}, "position": pos(&other_text, "[x](ta"), "newName": "job"}),
    );
    assert_eq!(
        answer(&r, &ws),
        json!({"error": {"code": -32803, "message": "`prompts/job` is already a prompt; renaming onto it would merge two prompts"}})
    );
    // A name that ends like a version: refused.
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&other)}, "position": pos(&other_text, "[x](ta"), "newName": "x_v2"}),
    );
    assert_eq!(r["error"]["code"], -32803, "{r}");
    // The rename: one WorkspaceEdit, text edits (versioned for the open document) then
    // file renames that never overwrite.
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&other)}, "position": pos(&other_text, "[x](ta"), "newName": "prompts/sub/renamed"}),
    );
    let rename = |from: &str, to: &str| json!({"kind": "rename", "oldUri": format!("file://[ws]/prompts/{from}"), "newUri": format!("file://[ws]/{to}"), "options": {"overwrite": false, "ignoreIfExists": false}});
    assert_eq!(
        answer(&r, &ws),
        json!({"result": {"documentChanges": [
            {"textDocument": {"uri": "file://[ws]/app.py", "version": null}, "edits": [
                {"range": {"start": {"line": 1, "character": 13}, "end": {"line": 1, "character": 25}}, "newText": "prompts/sub/renamed"}
            ]},
            {"textDocument": {"uri": "file://[ws]/prompts/other_v1.md", "version": 1}, "edits": [
                {"range": {"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 20}}, "newText": "sub/renamed_ru_v1.md"},
                {"range": {"start": {"line": 0, "character": 30}, "end": {"line": 0, "character": 34}}, "newText": "sub/renamed"}
            ]},
            rename("task_ru_v1.md", "prompts/sub/renamed_ru_v1.md"),
            rename("task_v1.md", "prompts/sub/renamed_v1.md"),
            rename("task_v2.md", "prompts/sub/renamed_v2.md"),
        ]}})
    );
    c.shutdown();
}

#[test]
fn will_rename_files_renames_the_other_files_and_updates_references() {
    let (_dir, ws) = rename_workspace();
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    let file = |n: &str| format!("file://{}", ws.join(n).display());
    // The client renames task_v1.md to job2_v1.md: the edit renames task_v2.md and
    // task_ru_v1.md, not the one the client renames, and updates the references.
    let r = c.request(
        "workspace/willRenameFiles",
        json!({"files": [{"oldUri": file("prompts/task_v1.md"), "newUri": file("prompts/job2_v1.md")}]}),
    );
    let rename = |from: &str, to: &str| json!({"kind": "rename", "oldUri": format!("file://[ws]/prompts/{from}"), "newUri": format!("file://[ws]/prompts/{to}"), "options": {"overwrite": false, "ignoreIfExists": false}});
    assert_eq!(
        answer(&r, &ws),
        json!({"result": {"documentChanges": [
            {"textDocument": {"uri": "file://[ws]/app.py", "version": null}, "edits": [
                {"range": {"start": {"line": 1, "character": 21}, "end": {"line": 1, "character": 25}}, "newText": "job2"}
            ]},
            {"textDocument": {"uri": "file://[ws]/prompts/other_v1.md", "version": null}, "edits": [
                {"range": {"start": {"line": 0, "character": 7}, "end": {"line": 0, "character": 11}}, "newText": "job2"},
                {"range": {"start": {"line": 0, "character": 30}, "end": {"line": 0, "character": 34}}, "newText": "job2"}
            ]},
            rename("task_ru_v1.md", "job2_ru_v1.md"),
            rename("task_v2.md", "job2_v2.md"),
        ]}})
    );
    // Carrying out that edit, the client announces the renames it holds (VS Code does):
    // they are the server's own, so no second edit.
    let r = c.request(
        "workspace/willRenameFiles",
        json!({"files": [{"oldUri": file("prompts/task_ru_v1.md"), "newUri": file("prompts/job2_ru_v1.md")}]}),
    );
    assert_eq!(answer(&r, &ws), json!({"result": null}));
    let r = c.request(
        "workspace/willRenameFiles",
        json!({"files": [{"oldUri": file("prompts/task_v2.md"), "newUri": file("prompts/job2_v2.md")}]}),
    );
    assert_eq!(answer(&r, &ws), json!({"result": null}));
    // A new name that collides or changes the version: no edit, and the user is told why.
    let r = c.request(
        "workspace/willRenameFiles",
        json!({"files": [{"oldUri": file("prompts/task_v1.md"), "newUri": file("prompts/job_v1.md")}]}),
    );
    assert_eq!(answer(&r, &ws), json!({"result": null}));
    let shown = c.wait_for("showMessage", |m| m["method"] == "window/showMessage");
    assert_eq!(
        shown["params"],
        json!({"type": 2, "message": "promptls: references not updated: `prompts/job` is already a prompt; renaming onto it would merge two prompts"})
    );
    let r = c.request(
        "workspace/willRenameFiles",
        json!({"files": [{"oldUri": file("prompts/task_v1.md"), "newUri": file("prompts/task_v3.md")}]}),
    );
    assert_eq!(answer(&r, &ws), json!({"result": null}));
    let shown = c.wait_for("showMessage", |m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|s| s.contains("changes more than the prompt's name"))
    });
    assert_eq!(shown["params"]["type"], 2, "{shown}");
    // A file that is not a prompt file: nothing to do.
    let r = c.request(
        "workspace/willRenameFiles",
        json!({"files": [{"oldUri": file("app.py"), "newUri": file("main.py")}]}),
    );
    assert_eq!(answer(&r, &ws), json!({"result": null}));
    c.shutdown();
}

#[test]
fn semver_bump_on_an_open_version_names_the_calls_it_breaks() {
    let (_tmp, ws) = example_workspace();
    let v2 = std::fs::read_to_string(ws.join("prompts/task_v2.md")).unwrap();
    let patch = ws.join("prompts/task_v2.0.1.md");
    std::fs::write(&patch, format!("{v2}\nAlso mention {{{{deadline}}}}.\n")).unwrap();
    // app.py pins `v2` (2.0.0 exactly); this call takes the latest, 2.0.1.
    std::fs::write(
        ws.join("latest.py"),
        "from promptic import render\n\
         out = render(\"prompts/task\", vars={\"product\": 1, \"audience\": 2, \"tone\": 3})\n",
    )
    .unwrap();
    let mut c = Client::start(&ws, false, true);
    c.wait_indexed();
    c.open(&patch);
    // Open, its warning also names the call sites (finding them reads the Python files).
    let breaks = |x: &serde_json::Value| {
        x["code"] == "semver-bump" && x["message"].as_str().unwrap().contains("call site")
    };
    let diags = c.diagnostics_where(&patch, |d| d.iter().any(breaks));
    let d = diags.iter().find(|x| breaks(x)).unwrap();
    assert_eq!(
        d["message"],
        "v2.0.1 is a patch bump of v2.0.0 (task_v2.md), but it adds {{deadline}}: new variables: it needs a minor bump; it breaks 1 call site: latest.py:2 (no `deadline`)"
    );
    c.shutdown();
}

/// The client's file watch covers the prompt file extensions the configs name, and is
/// replaced when a config changes them.
#[test]
fn the_client_watch_follows_the_extensions_the_configs_name() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().canonicalize().unwrap();
    let config = ws.join("promptic.toml");
    std::fs::write(&config, "[versioning]\nextensions = [\"md\", \"tmpl\"]\n").unwrap();
    std::fs::write(ws.join("task_v1.tmpl"), "Hi").unwrap();
    let mut c = Client::start(&ws, false, true);
    c.wait_indexed();
    let registration = |m: &Value, ext: &str| {
        m["method"] == "client/registerCapability"
            && m["params"]["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"]
                .as_str()
                .is_some_and(|g| g.contains(ext))
    };
    let first = c.wait_for("the file watch registration", |m| {
        m["method"] == "client/registerCapability"
    });
    assert_eq!(
        first["params"]["registrations"][0]["registerOptions"]["watchers"],
        json!([
            {"globPattern": "**/*.{j2,jinja,jinja2,json,markdown,md,prompt,tmpl,txt,yaml,yml,py,pyi}"},
            {"globPattern": "**/{promptic.toml,pyproject.toml}"},
            {"globPattern": "**/*/", "kind": 5}
        ])
    );
    assert_eq!(first["params"]["registrations"][0]["id"], "promptls-watch");

    std::fs::write(
        &config,
        "[versioning]\nextensions = [\"md\", \"tmpl\", \"j3\"]\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&config), "type": 2}]}),
    );
    let gone = c.wait_for("the old registration withdrawn", |m| {
        m["method"] == "client/unregisterCapability"
    });
    assert_eq!(
        gone["params"]["unregisterations"],
        json!([{"id": "promptls-watch", "method": "workspace/didChangeWatchedFiles"}])
    );
    let second = c.wait_for("a registration with the new extension", |m| {
        registration(m, ",j3,")
    });
    assert_eq!(
        second["params"]["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.{j2,j3,jinja,jinja2,json,markdown,md,prompt,tmpl,txt,yaml,yml,py,pyi}"
    );
    c.shutdown();
}
