//! End-to-end: the real `promptls serve` over stdio on a workspace with a registry
//! package installed in `.prompts/support-reply/` and recorded in `prompts.lock`: hover
//! names the package, completion and definition reach into it, and a package installed
//! while the server runs is picked up.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use promptls::registry::lock::{LockedPackage, Lockfile};
use promptls::registry::tarball::sha256_hex;
use serde_json::{Value, json};
use support::{Client, after, answer, uri};

const REPLY_V1_0: &str = "Reply to {{customer}} politely.\n";
const REPLY_V1_2: &str = "Reply to {{customer}} politely, in {{tone}}.\n";
const APP: &str = "from promptic import load_prompt\n\
                   load_prompt(\".prompts/support-reply/reply\", version=\"v1\")\n";
const INTRO: &str = "Answer, then see [r](../.prompts/support-reply/reply.md).\n";

/// The lock of the installed package: acme/support-reply 1.2.0 with both files.
fn support_reply() -> LockedPackage {
    LockedPackage {
        id: "acme/support-reply".parse().unwrap(),
        version: semver::Version::new(1, 2, 0),
        registry: "file:///srv/prompts".into(),
        url: "file:///srv/prompts/objects/prompts/acme/support-reply/1.2.0.tar.gz".into(),
        sha256: sha256_hex(b"the tarball"),
        files: BTreeMap::from([
            (
                "reply_v1.0.0.md".to_string(),
                sha256_hex(REPLY_V1_0.as_bytes()),
            ),
            (
                "reply_v1.2.0.md".to_string(),
                sha256_hex(REPLY_V1_2.as_bytes()),
            ),
        ]),
    }
}

fn lock_of(packages: Vec<LockedPackage>) -> String {
    Lockfile { packages }.to_toml()
}

/// Writes the package's files and `prompts.lock` under `ws`.
fn install(ws: &Path) {
    let dir = ws.join(".prompts/support-reply");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("reply_v1.0.0.md"), REPLY_V1_0).unwrap();
    std::fs::write(dir.join("reply_v1.2.0.md"), REPLY_V1_2).unwrap();
    std::fs::write(ws.join("prompts.lock"), lock_of(vec![support_reply()])).unwrap();
}

/// A workspace (with `.git`, so config discovery stops there) holding `app.py` and
/// `prompts/intro_v1.md`, which refer into the package, and the package when `installed`.
fn workspace(installed: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    std::fs::create_dir_all(ws.join("prompts")).unwrap();
    std::fs::write(ws.join("app.py"), APP).unwrap();
    std::fs::write(ws.join("prompts/intro_v1.md"), INTRO).unwrap();
    let ws = ws.canonicalize().unwrap();
    if installed {
        install(&ws);
    }
    (dir, ws)
}

fn at(pos: (u32, u32)) -> Value {
    json!({"line": pos.0, "character": pos.1})
}

fn request_at(c: &mut Client, method: &str, path: &Path, pos: (u32, u32)) -> Value {
    c.request(
        method,
        json!({"textDocument": {"uri": uri(path)}, "position": at(pos)}),
    )
}

/// The hover Markdown at `pos` of `path`.
fn hover_markdown(c: &mut Client, path: &Path, pos: (u32, u32)) -> String {
    let r = request_at(c, "textDocument/hover", path, pos);
    r["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no hover: {r}"))
        .to_string()
}

/// Each completion item as `label · detail`.
fn completion(c: &mut Client, path: &Path, pos: (u32, u32)) -> Vec<String> {
    let r = request_at(c, "textDocument/completion", path, pos);
    let items = r["result"]["items"]
        .as_array()
        .or_else(|| r["result"].as_array())
        .unwrap_or_else(|| panic!("no completion: {r}"))
        .clone();
    items
        .iter()
        .map(|i| {
            format!(
                "{} · {}",
                i["label"].as_str().unwrap(),
                i["detail"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Opens `path` with `text` in place of what is on disk.
fn open_with(c: &mut Client, path: &Path, lang: &str, text: &str) {
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(path), "languageId": lang, "version": 1, "text": text}}),
    );
}

/// Replaces the whole text of the open document `path` (version `version`).
fn set_text(c: &mut Client, path: &Path, version: i64, text: &str) {
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
    );
}

const LOCKED_LINE: &str = "Installed package **acme/support-reply** 1.2.0 from file:///srv/prompts";

#[test]
fn references_into_an_installed_package_hover_complete_and_resolve() {
    let (_tmp, ws) = workspace(true);
    let app = ws.join("app.py");
    let intro = ws.join("prompts/intro_v1.md");
    let reply = ws.join(".prompts/support-reply/reply_v1.2.0.md");
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    // Each file is opened naming a prompt the package does not have, then given its
    // real text: the diagnostics published then are the real text's, and there are none.
    open_with(&mut c, &app, "python", &APP.replace("reply", "nope"));
    open_with(&mut c, &intro, "markdown", &INTRO.replace("reply", "nope"));
    for (path, text) in [(&app, APP), (&intro, INTRO)] {
        let d = c.diagnostics_where(path, |d| !d.is_empty());
        assert_eq!(d[0]["code"], "prompt-not-found", "{d:?}");
        set_text(&mut c, path, 2, text);
        assert_eq!(
            c.diagnostics_where(path, |d| d.is_empty()),
            Vec::<Value>::new()
        );
    }

    // Hover on the Python reference: what it resolves to, then the package line.
    let on_call = after(APP, "load_prompt(\".prompts/sup");
    let r = request_at(&mut c, "textDocument/hover", &app, on_call);
    insta::assert_json_snapshot!("hover_python_reference_into_a_package", answer(&r, &ws));
    let md = hover_markdown(&mut c, &app, on_call);
    assert!(
        md.starts_with(&format!(
            "### `.prompts/support-reply/reply` → `reply_v1.0.0.md` (v1.0.0)\n\n{LOCKED_LINE}\n\n**Why:**"
        )),
        "{md}"
    );
    // The Markdown link says the same.
    let on_link = after(INTRO, "[r](../.prompts/sup");
    let link_md = hover_markdown(&mut c, &intro, on_link);
    assert!(
        link_md.contains(&format!("\n\n{LOCKED_LINE}\n\n")),
        "{link_md}"
    );
    // So does the first line of a file of the package itself.
    c.open(&reply);
    let r = request_at(&mut c, "textDocument/hover", &reply, (0, 0));
    insta::assert_json_snapshot!("hover_first_line_of_a_package_file", answer(&r, &ws));

    // Definition: the Python call goes to v1 (1.0.0), the unversioned link to the latest.
    let link = |line: u32, from: u32, to: u32, file: &str| {
        let zero = json!({"start": at((0, 0)), "end": at((0, 0))});
        json!({"result": [{
            "originSelectionRange": {"start": at((line, from)), "end": at((line, to))},
            "targetRange": zero,
            "targetSelectionRange": zero,
            "targetUri": format!("file://[ws]/.prompts/support-reply/{file}"),
        }]})
    };
    let d = request_at(&mut c, "textDocument/definition", &app, on_call);
    assert_eq!(
        answer(&d, &ws),
        link(1, 13, 41, "reply_v1.0.0.md"),
        "definition of the Python reference"
    );
    let d = request_at(&mut c, "textDocument/definition", &intro, on_link);
    assert_eq!(
        answer(&d, &ws),
        link(0, 21, 55, "reply_v1.2.0.md"),
        "definition of the Markdown link"
    );

    // Completion of the version: the package's versions, newest first.
    let versions = completion(&mut c, &app, after(APP, "version=\"v"));
    assert_eq!(
        versions,
        [
            "latest · newest release",
            "latest-prerelease · newest prerelease",
            "v1.2.0 · latest",
            "v1.0.0 · ",
        ],
        "version completion"
    );

    // Completion of paths offers `.prompts/` at the root and the prompt inside it.
    let typing = "from promptic import load_prompt\nload_prompt(\"\")\n\
                  load_prompt(\".prompts/\")\nload_prompt(\".prompts/support-reply/\")\n";
    set_text(&mut c, &app, 3, typing);
    assert_eq!(
        completion(&mut c, &app, after(typing, "load_prompt(\"")),
        [".prompts/ · folder", "prompts/ · folder"],
        "root folders"
    );
    assert_eq!(
        completion(&mut c, &app, after(typing, "load_prompt(\".prompts/")),
        ["support-reply/ · folder"],
        "package folders"
    );
    assert_eq!(
        completion(
            &mut c,
            &app,
            after(typing, "load_prompt(\".prompts/support-reply/")
        ),
        [
            "reply · prompt · latest v1.2.0 · 2 files",
            "reply_v1.0.0.md · pinned v1.0.0",
            "reply_v1.2.0.md · pinned v1.2.0",
        ],
        "the package's prompt"
    );
    // A version the package does not have: the hover says so, and names the package.
    let v3 = APP.replace("v1", "v3");
    set_text(&mut c, &app, 4, &v3);
    assert_eq!(
        hover_markdown(&mut c, &app, on_call),
        format!(
            "### `.prompts/support-reply/reply`: VersionNotFoundError\n\n{LOCKED_LINE}\n\n\
             `.prompts/support-reply/reply` has no version v3.0.0; available: v1.2.0, v1.0.0\n\n\
             **Available:** `v1.2.0`, `v1.0.0`\n"
        )
    );
    // A Markdown link being typed completes into the package folder the same way.
    let link = "See [r](../.prompts/support-reply/)\n";
    set_text(&mut c, &intro, 3, link);
    assert_eq!(
        completion(&mut c, &intro, after(link, "[r](../")),
        [".prompts/ · folder", "prompts/ · folder"],
        "link root folders"
    );
    assert_eq!(
        completion(
            &mut c,
            &intro,
            after(link, "[r](../.prompts/support-reply/")
        ),
        [
            "reply.md · prompt · latest v1.2.0 · 2 files",
            "reply_v1.0.0.md · pinned v1.0.0",
            "reply_v1.2.0.md · pinned v1.2.0",
        ],
        "link into the package"
    );
    c.shutdown();
}

#[test]
fn hover_says_when_the_lock_has_no_entry_or_cannot_be_read() {
    let (_tmp, ws) = workspace(true);
    let app = ws.join("app.py");
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    c.open(&app);
    let on_call = after(APP, "load_prompt(\".prompts/sup");
    let locked = hover_markdown(&mut c, &app, on_call);
    assert!(
        locked.starts_with(&format!(
            "### `.prompts/support-reply/reply` → `reply_v1.0.0.md` (v1.0.0)\n\n{LOCKED_LINE}\n\n"
        )),
        "{locked}"
    );
    // The lock is read at each hover: changing it changes the line, and only the line.
    let other = LockedPackage {
        id: "acme/other-reply".parse().unwrap(),
        ..support_reply()
    };
    std::fs::write(ws.join("prompts.lock"), lock_of(vec![other])).unwrap();
    assert_eq!(
        hover_markdown(&mut c, &app, on_call),
        locked.replace(
            LOCKED_LINE,
            "In .prompts/support-reply/, not in prompts.lock"
        ),
        "no entry for the folder"
    );
    std::fs::remove_file(ws.join("prompts.lock")).unwrap();
    assert_eq!(
        hover_markdown(&mut c, &app, on_call),
        locked.replace(
            LOCKED_LINE,
            "In .prompts/support-reply/, not in prompts.lock"
        ),
        "no lock at all"
    );
    std::fs::write(ws.join("prompts.lock"), "version = 1\n[[package]\nid = 3\n").unwrap();
    assert_eq!(
        hover_markdown(&mut c, &app, on_call),
        locked.replace(
            LOCKED_LINE,
            "In .prompts/support-reply/, but prompts.lock cannot be read: prompts.lock, \
             line 2: not valid TOML: invalid table header; expected \\`.\\`, \\`\\]\\]\\`"
        ),
        "a broken lock"
    );
    std::fs::write(ws.join("prompts.lock"), b"version = 1\n# caf\xe9\n").unwrap();
    assert_eq!(
        hover_markdown(&mut c, &app, on_call),
        locked.replace(
            LOCKED_LINE,
            "In .prompts/support-reply/, but prompts.lock cannot be read: not UTF-8 text"
        ),
        "a lock that is not text"
    );
    c.shutdown();
}

/// A workspace without the package, a server watching it (the client's watcher, which
/// reports the new files, or the server's own), then the package installed.
fn install_while_running(client_watches: bool) {
    let (_tmp, ws) = workspace(false);
    let app = ws.join("app.py");
    let mut c = Client::start(&ws, false, client_watches);
    c.wait_indexed();
    c.open(&app);
    let missing = c.diagnostics_where(&app, |d| !d.is_empty());
    let codes: Vec<&Value> = missing.iter().map(|d| &d["code"]).collect();
    assert_eq!(codes, [&json!("prompt-not-found")], "{missing:?}");

    install(&ws);
    if client_watches {
        // Only the files are reported, not the folders created for them.
        let changes: Vec<Value> = [
            ws.join(".prompts/support-reply/reply_v1.0.0.md"),
            ws.join(".prompts/support-reply/reply_v1.2.0.md"),
            ws.join("prompts.lock"),
        ]
        .iter()
        .map(|p| json!({"uri": uri(p), "type": 1}))
        .collect();
        c.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": changes}),
        );
    }
    assert_eq!(
        c.diagnostics_where(&app, |d| d.is_empty()),
        Vec::<Value>::new()
    );
    let md = hover_markdown(&mut c, &app, after(APP, "load_prompt(\".prompts/sup"));
    assert!(
        md.starts_with(&format!(
            "### `.prompts/support-reply/reply` → `reply_v1.0.0.md` (v1.0.0)\n\n{LOCKED_LINE}\n\n"
        )),
        "{md}"
    );
    c.shutdown();
}

#[test]
fn a_package_installed_after_startup_is_picked_up_from_the_clients_events() {
    install_while_running(true);
}

#[test]
fn a_package_installed_after_startup_is_picked_up_by_the_servers_watcher() {
    install_while_running(false);
}
