//! Q-2, writes: no create/revert/rename edit targets a path outside the workspace folder or
//! an existing file (LSP commands and code actions, the CLI's `new-version` / `revert`),
//! with `../` names and symlinked folders that point out of the workspace; a failed write
//! leaves nothing behind; and a custom pattern built to backtrack catastrophically returns.

mod support;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::cli::{redact, redact_as, tree as on_disk};
use support::{Client, after, answer, example_workspace, path_of, uri};

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
    let before = on_disk(root);
    let seen = c.seen.len();
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": command, "arguments": [arg]}),
    );
    for m in &c.seen[seen..] {
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
    let outside_before = on_disk(&t.outside);
    // Obstacles where the next versions of task would go: a folder and a dangling link.
    std::fs::create_dir(ws.join("prompts/task_v3.md")).unwrap();
    std::os::unix::fs::symlink(ws.join("nowhere"), ws.join("prompts/task_v2.0.1.md")).unwrap();

    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    // Every answer, by what was asked (the workspace written `[ws]`, the folder above it
    // `[tmp]`).
    let mut answers = serde_json::Map::new();
    let mut keep = |key: String, response: &Value| {
        let text = redact_as(&answer(response, &ws).to_string(), &root, "[tmp]");
        let key = redact_as(&redact(&key, &ws), &root, "[tmp]");
        answers.insert(key, serde_json::from_str(&text).unwrap());
    };

    // References that climb out resolve for reading (hover answers) and get no create,
    // revert or rename action.
    let esc = ws.join("prompts/escape.md");
    c.open(&esc);
    let text = std::fs::read_to_string(&esc).unwrap();
    for needle in ["[a](../", "[b](../", "[c](../", "[d](lin", "[e](../"] {
        let (line, ch) = after(&text, needle);
        let h = c.request("textDocument/hover", json!({"textDocument": {"uri": uri(&esc)}, "position": {"line": line, "character": ch}}));
        keep(format!("hover {needle}"), &h);
        let before = on_disk(&root);
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

    // Files reached through the symlinked folder are not the workspace's: no version
    // actions, and the commands refuse them.
    let linked = ws.join("linked/x_v1.md");
    c.open(&linked);
    let before = on_disk(&root);
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
        keep(format!("createVersion {arg}"), &r);
        let arg = json!({"uri": arg["uri"], "prompt": arg["prompt"], "version": "v1"});
        let r = exec(&mut c, &ws, &root, "promptls.revertVersion", arg.clone());
        keep(format!("revertVersion {arg}"), &r);
    }

    // Real version operations next to obstacles: every edit creates a new file inside.
    let task = ws.join("prompts/task_v2.md");
    c.open(&task);
    for (i, bump) in ["patch", "minor", "major", "prerelease", "patch", "major"]
        .iter()
        .enumerate()
    {
        let r = exec(
            &mut c,
            &ws,
            &root,
            "promptls.createVersion",
            json!({"uri": uri(&task), "bump": bump}),
        );
        keep(format!("{i} createVersion task_v2.md {bump}"), &r);
    }
    for v in ["v1", "v2", "v1.0.0", "../../etc/passwd", "v99"] {
        let r = exec(
            &mut c,
            &ws,
            &root,
            "promptls.revertVersion",
            json!({"uri": uri(&task), "version": v}),
        );
        keep(format!("revertVersion task_v2.md {v}"), &r);
    }
    // The code actions offered on a real prompt file: each command's edit stays inside.
    let before = on_disk(&root);
    let offered = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&task)},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": []}}),
    );
    keep("codeAction task_v2.md".into(), &offered);
    for a in offered["result"].as_array().unwrap() {
        check_edit(&a["edit"], &ws, &before, "task action");
        if let Some(cmd) = a["command"]["command"].as_str() {
            let arg = a["command"]["arguments"][0].clone();
            let r = exec(&mut c, &ws, &root, cmd, arg);
            keep(format!("run {}", a["title"].as_str().unwrap()), &r);
        }
    }
    insta::assert_json_snapshot!("lsp_edits_inside_the_workspace", answers);
    // What the versions of `task` are now, by name.
    let mut names: Vec<String> = std::fs::read_dir(ws.join("prompts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("task_"))
        .collect();
    names.sort();
    insta::assert_json_snapshot!("lsp_edits_task_versions_after", names);
    assert_eq!(
        on_disk(&t.outside),
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
    let before = on_disk(&root);
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
    let before = on_disk(&root);
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
    let before = on_disk(&root);
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

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

#[test]
fn cli_new_version_and_revert_refuse_existing_targets_and_leave_no_trace() {
    let t = tree();
    let ws = t.ws.clone();
    let root = t.tmp.path().canonicalize().unwrap();
    let task = ws.join("prompts/task_v2.md");

    // What a run printed and exited with, paths written `[ws]` (the workspace) and `[tmp]`.
    let run = |args: &[&OsStr]| {
        let r = support::cli::promptls(&ws, args);
        let shown = |s: &str| redact_as(&redact(s, &ws), &root, "[tmp]");
        (r.code, shown(&r.stdout), shown(&r.stderr))
    };
    let patch = [
        os("new-version"),
        task.as_os_str(),
        os("--bump"),
        os("patch"),
    ];
    let ok = |stdout: &str| (0, stdout.to_string(), String::new());
    let refused = |stderr: &str| (1, String::new(), format!("{stderr}\n"));

    // Where would a patch go? Put obstacles there, one kind at a time.
    let size = |name: &str| {
        std::fs::metadata(ws.join("prompts").join(name))
            .unwrap()
            .len()
    };
    assert_eq!(
        run(&[&patch[..], &[os("--dry-run")]].concat()),
        ok(&format!(
            "would create [ws]/prompts/task_v2.0.1.md (v2.0.1, patch bump of v2.0.0), {} bytes\n",
            size("task_v2.md")
        ))
    );
    let target = ws.join("prompts/task_v2.0.1.md");
    let created = ws.join("prompts/task_v2.0.2.md");
    for obstacle in ["dir", "dangling", "link-out"] {
        match obstacle {
            "dir" => std::fs::create_dir(&target).unwrap(),
            "dangling" => std::os::unix::fs::symlink(ws.join("nowhere"), &target).unwrap(),
            _ => std::os::unix::fs::symlink(t.outside.join("secret.md"), &target).unwrap(),
        }
        let before = on_disk(&root);
        let got = run(&patch);
        let mut after_run = on_disk(&root);
        if obstacle == "dir" {
            // A folder is no version: the plan is unchanged, and refused.
            assert_eq!(
                got,
                refused(
                    "error: `[ws]/prompts/task_v2.0.1.md` already exists; promptls never overwrites a file"
                )
            );
        } else if obstacle == "dangling" {
            // A symlink to nothing is no version either (the walk skips it, saying so):
            // the plan is unchanged, and refused.
            assert_eq!(
                got,
                refused(
                    "warning: prompts/task_v2.0.1.md: skipped: No such file or directory\nerror: `[ws]/prompts/task_v2.0.1.md` already exists; promptls never overwrites a file"
                )
            );
        } else {
            // A symlink to a regular file is a version by its name: the next patch goes
            // above it, a new regular file with task_v2.md's bytes.
            assert_eq!(
                got,
                ok("created [ws]/prompts/task_v2.0.2.md (v2.0.2, patch bump of v2.0.1)\n"),
                "{obstacle}"
            );
            assert_eq!(
                after_run.remove(&created),
                Some(format!("{:?}", std::fs::read(&task).unwrap())),
                "{obstacle}"
            );
            std::fs::remove_file(&created).unwrap();
        }
        assert_eq!(after_run, before, "{obstacle}: nothing else changed");
        match obstacle {
            "dir" => std::fs::remove_dir(&target).unwrap(),
            _ => std::fs::remove_file(&target).unwrap(),
        }
    }

    // revert --to v1: the same with a folder at the target.
    let revert = |to: &'static str| [os("revert"), task.as_os_str(), os("--to"), os(to)];
    assert_eq!(
        run(&[&revert("v1")[..], &[os("--dry-run")]].concat()),
        ok(&format!(
            "would create [ws]/prompts/task_v2.0.1.md (v2.0.1, revert to v1.0.0 as v2.0.1), {} bytes\n",
            size("task_v1.md")
        ))
    );
    std::fs::create_dir(&target).unwrap();
    let before = on_disk(&root);
    assert_eq!(
        run(&revert("v1")),
        refused(
            "error: `[ws]/prompts/task_v2.0.1.md` already exists; promptls never overwrites a file"
        )
    );
    assert_eq!(on_disk(&root), before);
    std::fs::remove_dir(&target).unwrap();
    // Bad --to values and bad files: refused, nothing written.
    let before = on_disk(&root);
    for (to, error) in [
        (
            "../../etc/passwd",
            "error: \"../../etc/passwd\" is not a version",
        ),
        (
            "v99",
            "error: `task` has no v99.0.0; available: v2.0.0, v1.0.0",
        ),
        ("", "error: \"\" is not a version"),
        (
            "latest-but-not",
            "error: \"latest-but-not\" is not a version",
        ),
        ("v1/../../x", "error: \"v1/../../x\" is not a version"),
    ] {
        assert_eq!(run(&revert(to)), refused(error), "revert --to {to:?}");
    }
    for (file, expected) in [
        // A file named outside the workspace is versioned where it is.
        (
            "prompts/../../outside/x_v1.md",
            ok("would create [tmp]/outside/x_v1.0.1.md (v1.0.1, patch bump of v1.0.0), 18 bytes\n"),
        ),
        (
            "prompts/escape.md",
            refused(
                "error: `escape.md` is unversioned: rename it with a version (e.g. _v1) before creating versions",
            ),
        ),
        (
            "prompts/nope_v1.md",
            refused("error: `[ws]/prompts/nope_v1.md` is not an indexed prompt file"),
        ),
        (
            "prompts",
            refused("error: `[ws]/prompts` is not an indexed prompt file"),
        ),
    ] {
        let p = ws.join(file);
        assert_eq!(
            run(&[
                os("new-version"),
                p.as_os_str(),
                os("--bump"),
                os("patch"),
                os("--dry-run")
            ]),
            expected,
            "{file}"
        );
    }
    assert_eq!(
        on_disk(&root),
        before,
        "dry runs and refusals wrote nothing"
    );

    // A real revert through a `../` path lands beside the file with v1's bytes.
    let dotted = ws.join("agents/../prompts/task_v2.md");
    assert_eq!(
        run(&[os("revert"), dotted.as_os_str(), os("--to"), os("v1")]),
        ok("created [ws]/prompts/task_v2.0.1.md (v2.0.1, revert to v1.0.0 as v2.0.1)\n")
    );
    let mut after_run = on_disk(&root);
    assert_eq!(
        after_run.remove(&target),
        Some(format!(
            "{:?}",
            std::fs::read(ws.join("prompts/task_v1.md")).unwrap()
        ))
    );
    // Nothing else, no temporary file left anywhere.
    assert_eq!(after_run, before);
}

// ----- catastrophic patterns ---------------------------------------------------------------

/// `value` with each run of 20 or more `a`s written `a×N`.
fn shorten(value: &Value) -> Value {
    let runs = regex::Regex::new("a{20,}").unwrap();
    let text = value.to_string();
    let text = runs.replace_all(&text, |c: &regex::Captures<'_>| format!("a×{}", c[0].len()));
    serde_json::from_str(&text).unwrap()
}

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
    // The check returns in bounded time with every file's problems: the pattern too large
    // to compile is an error.
    let r = support::cli::promptls(
        &ws,
        &[os("check"), ws.as_os_str(), os("--format"), os("json")],
    );
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    insta::assert_json_snapshot!("backtracking_check", r.json());
    // Under p0's pattern (a look-ahead that never holds) every file is unversioned.
    let r = support::cli::promptls(
        &ws,
        &[os("versions"), ws.join("p0").as_os_str(), os("--json")],
    );
    let mut listed = r.json();
    for v in listed.as_array_mut().unwrap() {
        v["created_at"] = json!("[modified]");
        v["path"] = json!(redact(v["path"].as_str().unwrap(), &ws));
    }
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    insta::assert_json_snapshot!("backtracking_versions", shorten(&listed));

    // The server on the same tree indexes and answers.
    let mut c = Client::start(&ws, false, false);
    c.wait_indexed();
    let s = c.request("workspace/symbol", json!({"query": "aaa"}));
    let refs = ws.join("p0/refs.md");
    c.open(&refs);
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&refs)}, "position": {"line": 0, "character": 6}}),
    );
    insta::assert_json_snapshot!(
        "backtracking_lsp",
        shorten(&json!({"workspace/symbol aaa": answer(&s, &ws), "hover": answer(&h, &ws)}))
    );
    c.shutdown();
}
