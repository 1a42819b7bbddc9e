//! Q-2, writes: no create/revert/rename edit targets a path outside the workspace folder or
//! an existing file (LSP commands and code actions, the CLI's `new-version` / `revert`),
//! with `../` names and symlinked folders that point out of the workspace; a failed write
//! leaves nothing behind; and a custom pattern built to backtrack catastrophically returns.

mod support;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Client, after, example_workspace, path_of, uri};

const HANG: Duration = Duration::from_secs(120);

/// Every path under `root` (symlinks not followed) with its bytes (files) or link target.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            let what = if meta.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(&p).unwrap().display())
            } else if meta.is_dir() {
                stack.push(p.clone());
                "dir".to_string()
            } else {
                format!("{:?}", std::fs::read(&p).unwrap_or_default())
            };
            out.insert(p, what);
        }
    }
    out
}

/// The workspace plus a sibling folder outside it, a symlinked folder `ws/linked` that
/// points there, and a Markdown file whose references climb out.
struct Tree {
    tmp: tempfile::TempDir,
    ws: PathBuf,
    outside: PathBuf,
}

fn tree() -> Tree {
    let (tmp, ws) = example_workspace();
    let outside = tmp.path().canonicalize().unwrap().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("x_v1.md"), "outside v1 {{ a }}").unwrap();
    std::fs::write(outside.join("secret.md"), "do not touch").unwrap();
    std::os::unix::fs::symlink(&outside, ws.join("linked")).unwrap();
    std::os::unix::fs::symlink(&outside, ws.join("prompts/linked")).unwrap();
    std::fs::write(
        ws.join("prompts/escape.md"),
        "[a](../../etc/x_v1.md)\n[b](../../outside/x_v1.md)\n[c](../linked/x_v1.md)\n[d](linked/x_v9.md)\n[e](../../../../../../etc/passwd_v1.md)\n",
    )
    .unwrap();
    Tree { tmp, ws, outside }
}

/// Whether `p` (which may not exist yet) is inside `root` by its real path.
fn real_inside(p: &Path, root: &Path) -> bool {
    let root = root.canonicalize().unwrap();
    let parent = p.parent().unwrap();
    let real_parent = parent
        .canonicalize()
        .unwrap_or_else(|_| promptls::index::normalize(parent));
    let real = real_parent.join(p.file_name().unwrap());
    real.starts_with(&root) && promptls::index::normalize(p).starts_with(&root)
}

/// Checks every resource operation of a WorkspaceEdit against the workspace and the
/// paths that existed before: only new files inside `ws`.
fn check_edit(edit: &Value, ws: &Path, before: &BTreeMap<PathBuf, String>, what: &str) {
    let ops: Vec<Value> = edit["documentChanges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for op in &ops {
        let target = match op["kind"].as_str() {
            Some("create") => op["uri"].as_str(),
            Some("rename") => op["newUri"].as_str(),
            Some("delete") => panic!("{what}: promptls never deletes: {op}"),
            _ => None,
        };
        if let Some(t) = target {
            let p = path_of(t);
            assert!(
                real_inside(&p, ws),
                "{what}: targets {} outside the workspace: {op}",
                p.display()
            );
            assert!(
                !before.contains_key(&p),
                "{what}: targets existing {}: {op}",
                p.display()
            );
            assert_ne!(
                op["options"]["overwrite"],
                json!(true),
                "{what}: overwrite: {op}"
            );
        }
        if let Some(u) = op["textDocument"]["uri"].as_str() {
            assert!(real_inside(&path_of(u), ws), "{what}: edits outside: {op}");
        }
    }
    if let Some(changes) = edit["changes"].as_object() {
        for u in changes.keys() {
            assert!(real_inside(&path_of(u), ws), "{what}: edits outside: {u}");
        }
    }
}

fn actions(c: &mut Client, path: &Path, line: u32, ch: u32, diagnostics: Value) -> Vec<Value> {
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(path)},
               "range": {"start": {"line": line, "character": ch}, "end": {"line": line, "character": ch}},
               "context": {"diagnostics": diagnostics}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    r["result"].as_array().cloned().unwrap_or_default()
}

/// Runs a command and checks any applyEdit the server sent while it ran.
fn exec(c: &mut Client, ws: &Path, root: &Path, command: &str, arg: Value) -> Value {
    let before = snapshot(root);
    let seen = c.seen.len();
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": command, "arguments": [arg]}),
    );
    for m in c.seen[seen..].to_vec() {
        if m["method"] == "workspace/applyEdit" {
            check_edit(
                &m["params"]["edit"],
                ws,
                &before,
                &format!("{command} {arg}"),
            );
        }
    }
    r
}

#[test]
fn lsp_edits_stay_inside_the_workspace_and_never_overwrite() {
    let t = tree();
    let ws = t.ws.clone();
    let root = t.tmp.path().canonicalize().unwrap();
    let outside_before = snapshot(&t.outside);
    // Obstacles where the next versions of task would go: a folder and a dangling link.
    std::fs::create_dir(ws.join("prompts/task_v3.md")).unwrap();
    std::os::unix::fs::symlink(ws.join("nowhere"), ws.join("prompts/task_v2.0.1.md")).unwrap();

    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();

    // References that climb out resolve for reading (hover answers) and get no create,
    // revert or rename action.
    let esc = ws.join("prompts/escape.md");
    c.open(&esc);
    let text = std::fs::read_to_string(&esc).unwrap();
    for needle in ["[a](../", "[b](../", "[c](../", "[d](lin", "[e](../"] {
        let (line, ch) = after(&text, needle);
        let h = c.request("textDocument/hover", json!({"textDocument": {"uri": uri(&esc)}, "position": {"line": line, "character": ch}}));
        assert!(h.get("error").is_none(), "{needle}: {h}");
        let before = snapshot(&root);
        for a in actions(&mut c, &esc, line, ch, json!([])) {
            let cmd = a["command"]["command"]
                .as_str()
                .or(a["command"].as_str())
                .unwrap_or("");
            assert!(
                !cmd.contains("createVersion") && !cmd.contains("revertVersion"),
                "{needle}: a version action on a reference: {a}"
            );
            check_edit(&a["edit"], &ws, &before, needle);
        }
    }
    let b = after(&text, "[b](../");
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&esc)}, "position": {"line": b.0, "character": b.1}}),
    );
    eprintln!("hover on a reference outside the workspace: {h}");

    // Files reached through the symlinked folder are not the workspace's: no version
    // actions, and the commands refuse them.
    let linked = ws.join("linked/x_v1.md");
    c.open(&linked);
    let before = snapshot(&root);
    for a in actions(&mut c, &linked, 0, 0, json!([])) {
        let cmd = a["command"]["command"].as_str().unwrap_or("");
        assert!(
            !cmd.contains("createVersion"),
            "version action on a file outside: {a}"
        );
        check_edit(&a["edit"], &ws, &before, "linked/x_v1.md");
    }
    for arg in [
        json!({"uri": uri(&linked), "bump": "patch"}),
        json!({"uri": uri(&t.outside.join("x_v1.md")), "bump": "major"}),
        json!({"uri": format!("{}/prompts/../../outside/x_v1.md", uri(&ws)), "bump": "minor"}),
        json!({"prompt": "linked/x", "bump": "patch"}),
        json!({"prompt": "prompts/linked/x", "bump": "patch"}),
        json!({"prompt": "../outside/x", "bump": "patch"}),
        json!({"prompt": "../../etc/passwd", "bump": "patch"}),
    ] {
        let r = exec(&mut c, &ws, &root, "promptls.createVersion", arg.clone());
        assert!(
            r.get("error").is_some(),
            "createVersion {arg} outside the workspace: {r}"
        );
        let r = exec(
            &mut c,
            &ws,
            &root,
            "promptls.revertVersion",
            json!({"uri": arg["uri"], "prompt": arg["prompt"], "version": "v1"}),
        );
        assert!(
            r.get("error").is_some(),
            "revertVersion {arg} outside the workspace: {r}"
        );
    }

    // Real version operations next to obstacles: every edit creates a new file inside.
    let task = ws.join("prompts/task_v2.md");
    c.open(&task);
    for bump in ["patch", "minor", "major", "prerelease", "patch", "major"] {
        let r = exec(
            &mut c,
            &ws,
            &root,
            "promptls.createVersion",
            json!({"uri": uri(&task), "bump": bump}),
        );
        eprintln!(
            "createVersion {bump}: {}",
            r.get("error").unwrap_or(&r["result"]["path"])
        );
    }
    for v in ["v1", "v2", "v1.0.0", "../../etc/passwd", "v99"] {
        let r = exec(
            &mut c,
            &ws,
            &root,
            "promptls.revertVersion",
            json!({"uri": uri(&task), "version": v}),
        );
        eprintln!(
            "revertVersion {v}: {}",
            r.get("error").unwrap_or(&r["result"]["path"])
        );
    }
    // The code actions offered on a real prompt file: each command's edit stays inside.
    let before = snapshot(&root);
    let offered = actions(&mut c, &task, 0, 0, json!([]));
    assert!(!offered.is_empty());
    for a in &offered {
        check_edit(&a["edit"], &ws, &before, "task action");
        if let Some(cmd) = a["command"]["command"].as_str() {
            let arg = a["command"]["arguments"][0].clone();
            exec(&mut c, &ws, &root, cmd, arg);
        }
    }
    assert_eq!(
        snapshot(&t.outside),
        outside_before,
        "the folder outside was changed"
    );
    assert!(ws.join("prompts/task_v3.md").is_dir());
    assert!(
        std::fs::symlink_metadata(ws.join("prompts/task_v2.0.1.md"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    c.shutdown();
}

#[test]
fn naming_fix_rename_never_targets_an_existing_file() {
    let t = tree();
    let ws = t.ws.clone();
    let root = t.tmp.path().canonicalize().unwrap();
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    // `closing_v1_ru.md` has its classifier after the version: the fix renames it.
    let f = ws.join("prompts/support/closing_v1_ru.md");
    c.open(&f);
    let diags = c.diagnostics_where(&f, |d| d.iter().any(|x| x["data"]["rename"].is_string()));
    let before = snapshot(&root);
    let offered = actions(&mut c, &f, 0, 0, json!(diags));
    assert!(
        offered
            .iter()
            .any(|a| a["edit"]["documentChanges"][0]["kind"] == "rename"),
        "a rename fix is offered: {offered:?}"
    );
    for a in &offered {
        check_edit(&a["edit"], &ws, &before, "naming fix");
    }
    // Once the fixed name exists, the rename is no longer offered.
    let fixed = diags[0]["data"]["rename"].as_str().unwrap().to_string();
    std::fs::write(f.with_file_name(&fixed), "already here").unwrap();
    let before = snapshot(&root);
    for a in actions(&mut c, &f, 0, 0, json!(diags)) {
        check_edit(
            &a["edit"],
            &ws,
            &before,
            "naming fix with the target present",
        );
    }
    c.shutdown();
}

/// Q-2: the rename fix takes its new name from the diagnostic's `data`, which the client
/// sends back; a name with `../`, a folder or an absolute path must not become a rename
/// out of the folder (let alone the workspace).
#[test]
fn rename_fix_from_client_data_stays_inside_the_workspace() {
    let t = tree();
    let ws = t.ws.clone();
    let root = t.tmp.path().canonicalize().unwrap();
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    let f = ws.join("prompts/support/closing_v1_ru.md");
    c.open(&f);
    let before = snapshot(&root);
    let outside_abs = t.outside.join("evil_v1.md");
    for name in [
        "../../../outside/evil_v1.md".to_string(),
        "../../linked/evil_v1.md".to_string(),
        "../linked/evil_v1.md".to_string(),
        outside_abs.display().to_string(),
        "/etc/evil_v1.md".to_string(),
    ] {
        let d = json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
                        "message": "x", "code": "classifier-after-version", "source": "promptls",
                        "data": {"rename": name}}]);
        for a in actions(&mut c, &f, 0, 0, d) {
            check_edit(&a["edit"], &ws, &before, &format!("rename data {name}"));
        }
    }
    c.shutdown();
}

// ----- CLI ---------------------------------------------------------------------------------

fn promptls(args: &[&OsStr], cwd: &Path) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_promptls"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("promptls {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = std::fs::read_to_string(&out).unwrap();
    let err = std::fs::read_to_string(&err).unwrap();
    let code = status
        .code()
        .unwrap_or_else(|| panic!("{args:?} killed: {status:?}"));
    assert_ne!(code, 101, "promptls {args:?} panicked: {err}");
    (code, out, err)
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// `would create PATH (…` → PATH.
fn planned(out: &str) -> PathBuf {
    let rest = out
        .trim()
        .strip_prefix("would create ")
        .unwrap_or_else(|| panic!("{out}"));
    PathBuf::from(&rest[..rest.rfind(" (").unwrap()])
}

#[test]
fn cli_new_version_and_revert_refuse_existing_targets_and_leave_no_trace() {
    let t = tree();
    let ws = t.ws.clone();
    let root = t.tmp.path().canonicalize().unwrap();
    let task = ws.join("prompts/task_v2.md");

    // Where would a patch go? Put obstacles there, one kind at a time.
    let (code, out, err) = promptls(
        &[
            os("new-version"),
            task.as_os_str(),
            os("--bump"),
            os("patch"),
            os("--dry-run"),
        ],
        &ws,
    );
    assert_eq!(code, 0, "{err}");
    let target = planned(&out);
    assert_eq!(target.parent(), task.parent(), "{out}");
    for obstacle in ["dir", "dangling", "link-out"] {
        match obstacle {
            "dir" => std::fs::create_dir(&target).unwrap(),
            "dangling" => std::os::unix::fs::symlink(ws.join("nowhere"), &target).unwrap(),
            _ => std::os::unix::fs::symlink(t.outside.join("secret.md"), &target).unwrap(),
        }
        let before = snapshot(&root);
        let (code, out, err) = promptls(
            &[
                os("new-version"),
                task.as_os_str(),
                os("--bump"),
                os("patch"),
            ],
            &ws,
        );
        let after_run = snapshot(&root);
        if code == 0 {
            // The obstacle was taken as a version: the new file must be a new path inside.
            let created: Vec<&PathBuf> = after_run
                .keys()
                .filter(|p| !before.contains_key(*p))
                .collect();
            assert_eq!(created.len(), 1, "{obstacle}: {out}");
            assert!(
                real_inside(created[0], &ws) && created[0].parent() == task.parent(),
                "{created:?}"
            );
            for (p, v) in &before {
                assert_eq!(
                    after_run.get(p),
                    Some(v),
                    "{obstacle}: {} changed",
                    p.display()
                );
            }
            std::fs::remove_file(created[0]).unwrap();
        } else {
            assert_eq!(code, 1, "{obstacle}: {out}{err}");
            assert_eq!(
                after_run, before,
                "{obstacle}: a refused new-version changed files: {err}"
            );
        }
        assert!(
            obstacle != "dir" || code == 1,
            "a folder at the target must be refused: {out}{err}"
        );
        match obstacle {
            "dir" => std::fs::remove_dir(&target).unwrap(),
            _ => std::fs::remove_file(&target).unwrap(),
        }
    }

    // revert --to v1: the same with a folder at the target.
    let (code, out, err) = promptls(
        &[
            os("revert"),
            task.as_os_str(),
            os("--to"),
            os("v1"),
            os("--dry-run"),
        ],
        &ws,
    );
    assert_eq!(code, 0, "{err}");
    let target = planned(&out);
    assert_eq!(target.parent(), task.parent(), "{out}");
    std::fs::create_dir(&target).unwrap();
    let before = snapshot(&root);
    let (code, _, err) = promptls(&[os("revert"), task.as_os_str(), os("--to"), os("v1")], &ws);
    assert_eq!(code, 1, "revert onto an existing path: {err}");
    assert_eq!(snapshot(&root), before);
    std::fs::remove_dir(&target).unwrap();
    // Bad --to values and bad files: refused, nothing written.
    let before = snapshot(&root);
    for to in [
        "../../etc/passwd",
        "v99",
        "",
        "latest-but-not",
        "v1/../../x",
    ] {
        let (code, _, err) = promptls(&[os("revert"), task.as_os_str(), os("--to"), os(to)], &ws);
        assert_ne!(code, 0, "revert --to {to:?}: {err}");
    }
    for file in [
        "prompts/../../outside/x_v1.md",
        "prompts/escape.md",
        "prompts/nope_v1.md",
        "prompts",
    ] {
        let p = ws.join(file);
        let (code, out, err) = promptls(
            &[
                os("new-version"),
                p.as_os_str(),
                os("--bump"),
                os("patch"),
                os("--dry-run"),
            ],
            &ws,
        );
        if code == 0 {
            let target = planned(&out);
            assert!(
                !target.exists(),
                "{file}: plans over an existing {}",
                target.display()
            );
            let src = promptls::index::normalize(&p);
            assert_eq!(
                target.parent(),
                src.parent(),
                "{file}: plans outside its folder: {out}"
            );
        } else {
            assert!(code == 1 || code == 2, "{file}: {err}");
        }
    }
    assert_eq!(
        snapshot(&root),
        before,
        "dry runs and refusals wrote nothing"
    );

    // A real revert through a `../` path lands beside the file, and a second identical run
    // creates the next one (never the same path).
    let dotted = ws.join("agents/../prompts/task_v2.md");
    let (code, out, err) = promptls(
        &[os("revert"), dotted.as_os_str(), os("--to"), os("v1")],
        &ws,
    );
    assert_eq!(code, 0, "{out}{err}");
    let after_run = snapshot(&root);
    let created: Vec<&PathBuf> = after_run
        .keys()
        .filter(|p| !before.contains_key(*p))
        .collect();
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0].parent(), task.parent());
    assert_eq!(
        std::fs::read_to_string(created[0]).unwrap(),
        std::fs::read_to_string(ws.join("prompts/task_v1.md")).unwrap()
    );
    // No temporary file is left anywhere.
    assert!(
        !after_run
            .keys()
            .any(|p| p.to_string_lossy().contains("promptls-tmp")),
        "{after_run:?}"
    );
}

// ----- catastrophic patterns ---------------------------------------------------------------

#[test]
fn backtracking_patterns_return_in_bounded_time() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().canonicalize().unwrap().join("ws");
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    let patterns = [
        r"(?=(?:a|aa)+c)_v(?P<major>\d+)",
        r"(?=(?:a+)+c)_v(?P<major>\d+)",
        r"(?<=(?:a|aa)+b)_v(?P<major>\d+)",
        r"(?:a|aa)+_v(?P<major>\d+)",
        r"_v(?P<major>\d+)(?:a{1000}){1000}",
    ];
    for (i, pattern) in patterns.iter().enumerate() {
        let dir = ws.join(format!("p{i}"));
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            dir.join("promptic.toml"),
            format!("[versioning]\nversion_pattern = '{pattern}'\n"),
        )
        .unwrap();
        for n in 0..12 {
            let a = "a".repeat(200 + n);
            std::fs::write(dir.join(format!("{a}_v{n}.md")), "x").unwrap();
            std::fs::write(dir.join(format!("{a}b_v{n}.md")), "x").unwrap();
        }
        std::fs::write(
            dir.join("refs.md"),
            format!("[x]({}_v1.md)\n", "a".repeat(201)),
        )
        .unwrap();
    }
    let (code, out, err) = promptls(
        &[os("check"), ws.as_os_str(), os("--format"), os("json")],
        &ws,
    );
    assert!(code == 0 || code == 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(report.is_array());
    let (code, _, err) = promptls(&[os("versions"), ws.join("p0").as_os_str()], &ws);
    assert!(code <= 2, "{err}");

    // The server on the same tree indexes and answers.
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    let s = c.request("workspace/symbol", json!({"query": "aaa"}));
    assert!(s.get("result").is_some(), "{s}");
    let refs = ws.join("p0/refs.md");
    c.open(&refs);
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&refs)}, "position": {"line": 0, "character": 6}}),
    );
    assert!(h.get("error").is_none(), "{h}");
    c.shutdown();
}
