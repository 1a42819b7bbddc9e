//! Q-2, bad files: binary, invalid UTF-8, empty and 100 MB files, names that are not
//! UTF-8, symlink loops and unreadable folders are skipped or read capped, never a hang or a
//! crash, through `Index::scan`, `promptls check` and the server; and after a 10 000-event
//! storm the live index equals a fresh scan (core `Index::refreshed` and the server's
//! watcher).

mod support;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use promptls::config::ConfigSource;
use promptls::index::Index;
use serde_json::{Value, json};
use support::cli::{promptls, redact};
use support::{Client, after, answer, example_workspace, uri};

fn scan(root: &Path) -> Index {
    Index::scan(vec![root.to_path_buf()], Arc::new(ConfigSource::new()))
}

/// The files of every prompt in an index, by path.
fn prompt_paths(index: &Index) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for folder in index.folders() {
        for prompt in &folder.prompts {
            for f in folder.prompt_files(prompt) {
                out.insert(folder.path_of(f));
            }
        }
    }
    out
}

fn is_root() -> bool {
    // Root ignores permission bits: read a folder we made unreadable.
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("x");
    std::fs::create_dir(&p).unwrap();
    set_mode(&p, 0o000);
    let readable = std::fs::read_dir(&p).is_ok();
    set_mode(&p, 0o755);
    readable
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A workspace with every kind of bad file in it. Returns what the test needs to restore.
struct BadTree {
    _tmp: tempfile::TempDir,
    ws: PathBuf,
    locked: PathBuf,
    huge: PathBuf,
}

impl Drop for BadTree {
    fn drop(&mut self) {
        // Let the temp folder be removed.
        set_mode(&self.locked, 0o755);
    }
}

const HUGE: u64 = 100 * 1024 * 1024;

fn bad_tree() -> BadTree {
    let (tmp, ws) = example_workspace();
    let bad = ws.join("bad");
    std::fs::create_dir(&bad).unwrap();
    // Binary, invalid UTF-8 and empty prompt files, and non-prompt binaries.
    std::fs::write(
        bad.join("binary_v1.md"),
        (0..=255u8).cycle().take(70_000).collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(
        bad.join("binary_v2.md"),
        b"\x00\x01[link](binary_v1.md)\xff\xfe\x00",
    )
    .unwrap();
    std::fs::write(
        bad.join("latin1_v1.md"),
        b"caf\xe9 [x](binary_v1.md) \xc3\x28 {# ref: empty_v1.md #}",
    )
    .unwrap();
    std::fs::write(bad.join("empty_v1.md"), b"").unwrap();
    std::fs::write(
        bad.join("script.py"),
        b"load_prompt(\"bad/binary\", version=\"\xff\xfe\")\x00",
    )
    .unwrap();
    std::fs::write(bad.join("data.json"), b"{\"$ref\": \"\xff\"").unwrap();
    std::fs::write(bad.join("data.yaml"), b"$ref: \x00\xff").unwrap();
    // A 100 MB prompt file: a text head, then a sparse tail (cheap to create; reading it
    // whole would still cost 100 MB).
    let huge = bad.join("huge_v1.md");
    std::fs::write(
        &huge,
        "---\ntitle: huge\n---\nHello {{ name }}, see [empty](empty_v1.md).\n".repeat(1000),
    )
    .unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&huge)
        .unwrap()
        .set_len(HUGE)
        .unwrap();
    std::fs::write(
        bad.join("refs.md"),
        "See [huge](huge_v1.md) and [bin](binary_v2.md) and [latin](latin1_v1.md).\n",
    )
    .unwrap();
    // Names that are not UTF-8.
    for name in [
        &b"bad\xff_v1.md"[..],
        b"\xc3\x28_v2.md",
        b"ok_\xfe.md",
        b"nested\xff",
    ] {
        let p = bad.join(OsStr::from_bytes(name));
        if name.ends_with(b".md") {
            std::fs::write(&p, "x").unwrap();
        } else {
            std::fs::create_dir(&p).unwrap();
            std::fs::write(p.join("inner_v1.md"), "x").unwrap();
        }
    }
    // Symlink loops: to an ancestor, a two-link cycle, a self link, a dangling link.
    std::os::unix::fs::symlink(&ws, bad.join("loop")).unwrap();
    std::os::unix::fs::symlink(bad.join("cycle_b"), bad.join("cycle_a")).unwrap();
    std::os::unix::fs::symlink(bad.join("cycle_a"), bad.join("cycle_b")).unwrap();
    std::os::unix::fs::symlink(bad.join("self_v1.md"), bad.join("self_v1.md")).unwrap();
    std::os::unix::fs::symlink(bad.join("nowhere"), bad.join("dangling_v1.md")).unwrap();
    // An unreadable folder with prompts in it, and an unreadable file.
    let locked = bad.join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("secret_v1.md"), "x").unwrap();
    set_mode(&locked, 0o000);
    std::fs::write(bad.join("noread_v1.md"), "x").unwrap();
    set_mode(&bad.join("noread_v1.md"), 0o000);
    BadTree {
        _tmp: tmp,
        ws,
        locked,
        huge,
    }
}

#[test]
fn scan_and_check_survive_bad_files() {
    let t = bad_tree();
    let bad = t.ws.join("bad");
    let root = is_root();
    // The scan returns (a symlink loop or a locked folder cannot hang it) and still sees the
    // good prompts.
    let index = scan(&t.ws);
    let files = prompt_paths(&index);
    assert!(
        files.contains(&t.ws.join("prompts/task_v2.md")),
        "{files:?}"
    );
    for name in [
        "binary_v1.md",
        "binary_v2.md",
        "latin1_v1.md",
        "empty_v1.md",
        "huge_v1.md",
    ] {
        assert!(
            files.contains(&bad.join(name)),
            "{name} indexed by name: {files:?}"
        );
    }
    // File names that are not UTF-8 are skipped (with a warning); a folder is walked
    // whatever its name; nothing is indexed through the loop link.
    assert!(
        files
            .iter()
            .all(|p| p.file_name().and_then(|n| n.to_str()).is_some()),
        "{files:?}"
    );
    assert!(
        files.contains(
            &bad.join(OsStr::from_bytes(b"nested\xff"))
                .join("inner_v1.md")
        ),
        "{files:?}"
    );
    assert!(
        !files.iter().any(|p| p.starts_with(bad.join("loop"))),
        "{files:?}"
    );
    if !root {
        assert!(!files.iter().any(|p| p.starts_with(&t.locked)), "{files:?}");
    }
    // A refresh of all the bad paths equals a fresh scan.
    let touched: Vec<PathBuf> = std::fs::read_dir(&bad)
        .unwrap()
        .map(|e| e.unwrap().path())
        .chain([bad.clone()])
        .collect();
    assert!(index.refreshed(&touched).same_content(&scan(&t.ws)));

    // `promptls check` finishes on the tree (the 100 MB file included): the example's own
    // problems and the bad `$ref` of data.json, and a warning for each prompt-like file it
    // skips (the unreadable one only where permissions hold).
    let (walked, mut skipped) = bad_tree_warnings(root);
    let r = promptls(
        &t.ws,
        &[
            OsStr::new("check"),
            t.ws.as_os_str(),
            OsStr::new("--format"),
            OsStr::new("json"),
        ],
    );
    assert_eq!(
        (r.code, r.stderr_lines()),
        (1, skipped.clone()),
        "{}",
        r.stderr
    );
    insta::assert_json_snapshot!("bad_tree_check", r.json());
    // The bad folder alone: only its problem, in the human format.
    let r = promptls(&t.ws, &[OsStr::new("check"), bad.as_os_str()]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr_lines()),
        (
            1,
            "bad/data.json:1:11: error[prompt-not-found]: no prompt `\u{FFFD}` here; prompts in this folder: binary, data, empty, huge, latin1, noread, refs\n  |\n1 | {\"$ref\": \"\u{FFFD}\"\n  |           ^\n\n1 error(s), 0 warning(s), 0 other(s).\n",
            skipped.clone()
        )
    );
    // Single bad files: checked (the huge one read capped), nothing to report, and no
    // warning about files that were not named.
    for target in [
        t.huge.clone(),
        bad.join("binary_v1.md"),
        bad.join("latin1_v1.md"),
    ] {
        let r = promptls(&t.ws, &[OsStr::new("check"), target.as_os_str()]);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (0, "No problems found.\n", ""),
            "check {}",
            target.display()
        );
    }
    // The other commands walk the same folder: the entries the walk skips are warned
    // about (the rest is never read).
    skipped = walked;
    let r = promptls(
        &t.ws,
        &[
            OsStr::new("versions"),
            bad.join("huge").as_os_str(),
            OsStr::new("--json"),
        ],
    );
    let mut listed: Value = serde_json::from_str(&redact(&r.stdout, &t.ws)).unwrap();
    listed[0]["created_at"] = json!("[modified]");
    assert_eq!(
        (r.code, listed, r.stderr_lines()),
        (
            0,
            json!([{
                "id": "huge_v1.md",
                "prompt_id": "huge",
                "title": "huge",
                "description": null,
                "created_at": "[modified]",
                "version": "v1.0.0",
                "version_number": 1,
                "prerelease": null,
                "classifiers": {"lang": "en"},
                "path": "[ws]/bad/huge_v1.md",
                "latest": true
            }]),
            skipped.clone()
        )
    );
    let r = promptls(
        &t.ws,
        &[OsStr::new("resolve"), bad.join("binary").as_os_str()],
    );
    let mut err = skipped.clone();
    err.insert(
        0,
        "`latest`: newest release of 2 versions for lang=en".to_string(),
    );
    assert_eq!(
        (r.code, redact(&r.stdout, &t.ws), r.stderr_lines()),
        (0, "[ws]/bad/binary_v2.md\n".to_string(), err)
    );
    // A copy of the 100 MB file is refused, not truncated.
    let r = promptls(
        &t.ws,
        &[
            OsStr::new("new-version"),
            t.huge.as_os_str(),
            OsStr::new("--dry-run"),
            OsStr::new("--bump"),
            OsStr::new("patch"),
        ],
    );
    let mut err = skipped.clone();
    err.insert(
        0,
        "error: [ws]/bad/huge_v1.md: 104857600 bytes, more than the 67108864-byte limit"
            .to_string(),
    );
    let shown: Vec<String> = r.stderr_lines().iter().map(|l| redact(l, &t.ws)).collect();
    assert_eq!((r.code, r.stdout.as_str(), shown), (1, "", err));
}

/// The warnings and errors `check` prints on the bad tree, sorted, and the warnings that
/// every command's walk of `bad/` prints: names that are not UTF-8, symlinks that lead to
/// no regular file.
fn bad_tree_warnings(root: bool) -> (Vec<String>, Vec<String>) {
    let mut walked: Vec<String> = [
        "bad/\u{FFFD}(_v2.md",
        "bad/bad\u{FFFD}_v1.md",
        "bad/ok_\u{FFFD}.md",
    ]
    .iter()
    .map(|p| format!("warning: {p}: skipped: name is not UTF-8"))
    .collect();
    walked.push("warning: bad/dangling_v1.md: skipped: No such file or directory".into());
    walked.push("warning: bad/self_v1.md: skipped: Too many levels of symbolic links".into());
    walked.sort();
    let mut all = walked.clone();
    if !root {
        // Read by `check` only; the locked folder is not checked, an error.
        all.push("warning: bad/noread_v1.md: skipped: Permission denied".into());
        all.push("error: bad/locked: Permission denied".into());
    }
    all.sort();
    (walked, all)
}

/// A file named on the command line whose name is not UTF-8 is not checked (no prompt
/// name can be read from it), and `check` says so: the walk's warning is matched against
/// the given paths by their bytes, not by the lossy spelling (`\u{FFFD}`) it is shown in.
#[test]
fn a_named_file_that_is_not_utf8_is_warned_about() {
    let t = bad_tree();
    let file = t.ws.join("bad").join(OsStr::from_bytes(b"bad\xff_v1.md"));
    let r = promptls(&t.ws, &[OsStr::new("check"), file.as_os_str()]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "No problems found.\n",
            "warning: bad/bad\u{FFFD}_v1.md: skipped: name is not UTF-8\n"
        )
    );
}

/// An unreadable folder is never skipped without a word: `check` of the workspace names
/// it, and `check FOLDER` fails (exit 1) with an error naming it, since nothing in it was
/// checked. (Run as `nobody` when the tests run as root, which reads everything.)
#[test]
fn an_unreadable_folder_is_never_skipped_silently() {
    use std::os::unix::process::CommandExt;
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    std::fs::create_dir_all(ws.join("locked")).unwrap();
    std::fs::write(ws.join("a_v1.md"), "x").unwrap();
    std::fs::write(ws.join("locked/s_v1.md"), "x").unwrap();
    set_mode(tmp.path(), 0o755);
    set_mode(&ws.join("locked"), 0o000);
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_promptls"));
        cmd.current_dir(&ws).args(args).env("RUST_LOG", "off");
        if is_root() {
            cmd.uid(65534).gid(65534);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (_, _, stderr) = run(&["check"]);
    let (code, stdout, err) = run(&["check", "locked"]);
    set_mode(&ws.join("locked"), 0o755);
    assert!(
        stderr.contains("locked") && stderr.contains("Permission denied"),
        "check: {stderr:?}"
    );
    assert_eq!(code, Some(1), "check locked: {stdout}{err}");
    assert!(err.contains("error: locked: Permission denied"), "{err:?}");
}

#[test]
fn server_survives_bad_files_and_answers_hover_on_the_huge_one() {
    let t = bad_tree();
    let bad = t.ws.join("bad");
    let mut c = Client::start(&t.ws, false, false);
    c.wait_indexed();
    // Every answer, by what was asked: its result or error, workspace paths and modified
    // times redacted.
    let mut answers = serde_json::Map::new();
    let mut keep = |key: String, response: Value| {
        answers.insert(key, answer(&response, &t.ws));
    };
    // Hover and definition on references to the 100 MB file (its content read capped),
    // the binary one and the Latin-1 one.
    let refs = bad.join("refs.md");
    c.open(&refs);
    let text = std::fs::read_to_string(&refs).unwrap();
    for needle in ["[huge](hu", "[bin](bin", "[latin](lat"] {
        let (line, ch) = after(&text, needle);
        for method in ["textDocument/hover", "textDocument/definition"] {
            let r = c.request(
                method,
                json!({"textDocument": {"uri": uri(&refs)}, "position": {"line": line, "character": ch}}),
            );
            keep(format!("refs.md {needle} {method}"), r);
        }
    }
    // Requests on the bad files themselves (opened from disk, lossily, like an editor).
    for name in [
        "binary_v1.md",
        "latin1_v1.md",
        "empty_v1.md",
        "huge_v1.md",
        "script.py",
        "data.json",
        "data.yaml",
    ] {
        let p = bad.join(name);
        let bytes = std::fs::read(&p).unwrap();
        // An editor opens a prefix of a huge file at most; open 1 MB of it.
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 20)]).into_owned();
        c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(&p), "languageId": "markdown", "version": 1, "text": text}}));
        for method in [
            "textDocument/hover",
            "textDocument/completion",
            "textDocument/codeLens",
            "textDocument/documentLink",
            "textDocument/inlayHint",
            "textDocument/codeAction",
        ] {
            let mut params = json!({"textDocument": {"uri": uri(&p)}, "position": {"line": 0, "character": 3},
                   "range": {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}},
                   "context": {"diagnostics": []}});
            if method == "textDocument/completion" {
                params["context"] = json!({"triggerKind": 1});
            }
            let mut r = c.request(method, params);
            if name == "huge_v1.md" && method == "textDocument/documentLink" {
                // One link a repeated block: keep the first, check the rest are the same.
                let links = r["result"].as_array().unwrap().clone();
                assert_eq!(links.len(), 1000, "{r}");
                for (i, l) in links.iter().enumerate() {
                    let mut moved = links[0].clone();
                    for end in ["start", "end"] {
                        moved["range"][end]["line"] = json!(3 + 4 * i);
                    }
                    assert_eq!(l, &moved, "link {i}");
                }
                r["result"] = json!([links[0]]);
            }
            keep(format!("{name} {method}"), r);
        }
    }
    // Completion inside the Latin-1 file's link (`[x](bin|ary_v1.md)`).
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&bad.join("latin1_v1.md"))}, "position": {"line": 0, "character": 12}}),
    );
    keep("latin1_v1.md [x](bin textDocument/completion".into(), r);
    // Watched-file events about the bad names (the client path) change nothing fatal.
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [
            {"uri": uri(&bad.join("loop")), "type": 1},
            {"uri": uri(&t.locked), "type": 2},
            {"uri": format!("{}/bad%FF_v1.md", uri(&bad)), "type": 1},
            {"uri": uri(&t.huge), "type": 2}
        ]}),
    );
    let s = c.request("workspace/symbol", json!({"query": "huge"}));
    keep("workspace/symbol huge".into(), s);
    insta::assert_json_snapshot!("bad_files_lsp_answers", answers);
    c.shutdown();
}

// ----- storms ----------------------------------------------------------------------------

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Performs `events` creates/renames/deletes (files and folders) under `root/storm`,
/// keeping at most ~120 files; returns every path it touched.
fn storm(root: &Path, events: usize, seed: u64) -> Vec<PathBuf> {
    let base = root.join("storm");
    let mut touched = vec![base.clone()];
    std::fs::create_dir_all(&base).unwrap();
    let mut r = Rng(seed | 1);
    let dirs: Vec<PathBuf> = (0..6).map(|i| base.join(format!("d{i}"))).collect();
    let mut live: Vec<PathBuf> = Vec::new();
    let names = ["alpha", "beta", "gamma", "delta"];
    let mut n = 0;
    while n < events {
        let dir = &dirs[r.below(dirs.len())];
        let op = r.below(100);
        if !dir.exists() {
            std::fs::create_dir_all(dir).unwrap();
            touched.push(dir.clone());
            n += 1;
            continue;
        }
        let fresh = |r: &mut Rng| {
            let stem = names[r.below(names.len())];
            let v = r.below(6) + 1;
            match r.below(4) {
                0 => dir.join(format!("{stem}_v{v}.{}.0.md", r.below(3))),
                1 => dir.join(format!("{stem}_v{v}-rc.{}.md", r.below(3))),
                2 => dir.join(format!("{stem}_notes{v}.txt")),
                _ => dir.join(format!("{stem}_v{v}.md")),
            }
        };
        if op < 40 && live.len() < 120 {
            let p = fresh(&mut r);
            if std::fs::write(&p, "x").is_ok() {
                touched.push(p.clone());
                live.push(p);
            }
        } else if op < 70 && !live.is_empty() {
            let i = r.below(live.len());
            let to = fresh(&mut r);
            if !to.exists() && std::fs::rename(&live[i], &to).is_ok() {
                touched.push(live[i].clone());
                touched.push(to.clone());
                live[i] = to;
            }
        } else if op < 97 && !live.is_empty() {
            let p = live.swap_remove(r.below(live.len()));
            let _ = std::fs::remove_file(&p);
            touched.push(p);
        } else if op < 99 {
            // Rename a whole folder away and back under another name.
            let other = base.join(format!("moved{}", r.below(3)));
            if !other.exists() && std::fs::rename(dir, &other).is_ok() {
                touched.push(dir.clone());
                touched.push(other.clone());
                for p in live.iter_mut() {
                    if let Ok(rest) = p.strip_prefix(dir) {
                        *p = other.join(rest);
                    }
                }
            }
        } else {
            // Drop a config in, or take it away.
            let cfg = dir.join("promptic.toml");
            if cfg.exists() {
                std::fs::remove_file(&cfg).unwrap();
            } else {
                std::fs::write(&cfg, "[versioning]\ndelimiters = [\"_\", \"-\"]\n").unwrap();
            }
            touched.push(cfg);
        }
        n += 1;
    }
    touched
}

#[test]
fn core_refresh_after_a_storm_equals_a_fresh_scan() {
    let (_tmp, ws) = example_workspace();
    // One refresh with everything a 10 000-event burst touched.
    let index = scan(&ws);
    let touched = storm(&ws, 10_000, 7);
    let live = index.refreshed(&touched);
    let fresh = scan(&ws);
    assert_eq!(prompt_paths(&live), prompt_paths(&fresh));
    assert!(
        live.same_content(&fresh),
        "one refresh after the storm differs from a fresh scan"
    );
    // Refreshes in many small batches, as a debounced watcher delivers them.
    let mut live = fresh;
    for round in 0..20 {
        let touched = storm(&ws, 500, 100 + round);
        for chunk in touched.chunks(37) {
            live = live.refreshed(chunk);
        }
    }
    let fresh = scan(&ws);
    assert_eq!(prompt_paths(&live), prompt_paths(&fresh));
    assert!(
        live.same_content(&fresh),
        "batched refreshes after the storm differ from a fresh scan"
    );
}

fn symbols(c: &mut Client) -> BTreeSet<String> {
    let s = c.request("workspace/symbol", json!({"query": ""}));
    s["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{s}"))
        .iter()
        .map(|x| {
            format!(
                "{} {} {}",
                x["name"], x["containerName"], x["location"]["uri"]
            )
        })
        .collect()
}

#[test]
fn server_index_after_a_storm_equals_a_fresh_server() {
    let (_tmp, ws) = example_workspace();
    // The server watches the disk itself (no dynamic registration by the client).
    let mut live = Client::start(&ws, false, false);
    live.wait_indexed();
    let before = symbols(&mut live);
    storm(&ws, 10_000, 11);
    // A fresh server on the tree as the storm left it.
    let mut fresh = Client::start(&ws, false, false);
    fresh.wait_indexed();
    let want = symbols(&mut fresh);
    fresh.shutdown();
    assert_ne!(before, want, "the storm changed the prompts");
    assert!(
        want.len() < 500,
        "stay under the workspace/symbol limit: {}",
        want.len()
    );
    // The live server converges to it (the watcher is debounced: poll, generously).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut got = symbols(&mut live);
    while got != want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        got = symbols(&mut live);
    }
    let missing: Vec<&String> = want.difference(&got).collect();
    let extra: Vec<&String> = got.difference(&want).collect();
    assert!(
        got == want,
        "live index differs from a fresh one\nmissing: {missing:#?}\nextra: {extra:#?}"
    );
    live.shutdown();
}

#[test]
fn a_folder_where_many_entries_changed_is_judged_from_one_listing_like_a_fresh_scan() {
    // Forty new prompt files in one folder: the refresh lists the folder once instead of
    // looking at each entry, and must judge every kind of entry as a fresh scan does.
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let dir = ws.join("prompts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("task_v1.md"), "one").unwrap();
    let outside = tmp.path().join("outside_v1.md");
    std::fs::write(&outside, "outside").unwrap();
    let index = scan(&ws);

    let mut touched = Vec::new();
    for i in 0..40 {
        let p = dir.join(format!("burst{i}_v1.md"));
        std::fs::write(&p, "x").unwrap();
        touched.push(p);
    }
    let fifo = dir.join("fifo_v1.md");
    support::mkfifo(&fifo);
    let link = |target: &Path, name: &str| {
        let p = dir.join(name);
        std::os::unix::fs::symlink(target, &p).unwrap();
        p
    };
    let sub = dir.join("sub_v1.md");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("inner_v1.md"), "inner").unwrap();
    let hidden = dir.join(".hidden_v1.md");
    std::fs::write(&hidden, "h").unwrap();
    touched.extend([
        fifo.clone(),
        link(&dir.join("task_v1.md"), "alias_v2.md"),
        link(&dir.join("nothing_v9.md"), "dangling_v1.md"),
        link(&fifo, "to_fifo_v1.md"),
        link(&outside, "out_v1.md"),
        link(Path::new("/dev/null"), "device_v1.md"),
        sub.clone(),
        hidden,
        // Named by the client but gone again (a stale event).
        dir.join("gone_v1.md"),
    ]);

    let live = index.refreshed(&touched);
    let fresh = scan(&ws);
    let paths = prompt_paths(&live);
    assert_eq!(paths, prompt_paths(&fresh));
    assert!(
        live.same_content(&fresh),
        "the refresh differs from a fresh scan"
    );
    // What a user sees: the forty new files and the prompt in the new subfolder are
    // indexed; the FIFO, the dangling link, the link to the FIFO and the device are not.
    for i in 0..40 {
        assert!(
            paths.contains(&dir.join(format!("burst{i}_v1.md"))),
            "{paths:?}"
        );
    }
    assert!(paths.contains(&sub.join("inner_v1.md")), "{paths:?}");
    for name in [
        "fifo_v1.md",
        "dangling_v1.md",
        "to_fifo_v1.md",
        "device_v1.md",
        ".hidden_v1.md",
        "gone_v1.md",
    ] {
        assert!(!paths.contains(&dir.join(name)), "{name}: {paths:?}");
    }

    // Deleting most of them again: the listing no longer holds them.
    for p in &touched[..35] {
        std::fs::remove_file(p).unwrap();
    }
    let live = live.refreshed(&touched[..35]);
    let fresh = scan(&ws);
    assert_eq!(prompt_paths(&live), prompt_paths(&fresh));
    assert!(
        live.same_content(&fresh),
        "the deletions differ from a fresh scan"
    );
}
