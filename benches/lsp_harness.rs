//! End-to-end benchmark harness (Q-1): drives the REAL release binary
//! (`target/release/promptls serve`) over stdio JSON-RPC on workspaces made by
//! `gen-workspace`, and writes `target/bench/results.md` and `target/bench/results.json`.
//!
//! ```text
//! cargo bench --bench lsp_harness -- [--sizes 10k,100k,1m] [--runs 3] [--seed 1]
//!                                     [--requests 1000] [--no-build] [--clean]
//! ```
//!
//! What it measures per size (see BENCHMARKS.md): cold index time (initialize → the
//! `$/progress` end report) against `rg --files` on the same tree in the same run (median
//! of `--runs`, alternating), completion/hover/definition latency p50/p99, file created or
//! deleted → republished diagnostics of an open file that references it (through the
//! server's own watcher, and through a client-sent `workspace/didChangeWatchedFiles`), a
//! 10 000-file burst against the cold index time of those same files, resident memory
//! after indexing, and `promptls check` of the whole tree. It reports; it asserts nothing.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------
// A tiny LSP client (after tests/support/mod.rs).

struct Lsp {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<(Instant, Value)>,
    next_id: i64,
    /// Latest diagnostics per URI.
    diags: HashMap<String, Vec<Value>>,
    progress_end: Option<Instant>,
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

impl Lsp {
    /// Spawns the server and sends `initialize` (returns the instant it was sent).
    fn start(bin: &Path, root: &Path, dynamic_watch: bool) -> (Lsp, Instant) {
        // PROMPTLS_BENCH_LOG=FILE: the server's debug log goes there (for profiling).
        let log = std::env::var_os("PROMPTLS_BENCH_LOG");
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        match log.and_then(|p| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .ok()
        }) {
            Some(f) => cmd.stderr(f).env("RUST_LOG", "promptls=debug"),
            None => cmd.stderr(Stdio::null()),
        };
        let mut child = cmd.spawn().expect("spawn promptls serve");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::with_capacity(1 << 16, stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap_or(0);
                    }
                }
                let mut buf = vec![0; len];
                if reader.read_exact(&mut buf).is_err() {
                    return;
                }
                let at = Instant::now();
                let Ok(v) = serde_json::from_slice(&buf) else {
                    continue;
                };
                if tx.send((at, v)).is_err() {
                    return;
                }
            }
        });
        let mut c = Lsp {
            child,
            stdin,
            rx,
            next_id: 1,
            diags: HashMap::new(),
            progress_end: None,
        };
        let u = uri(root);
        let sent = Instant::now();
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": u,
                "workspaceFolders": [{"uri": u, "name": "bench"}],
                "capabilities": {
                    "window": {"workDoneProgress": true},
                    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": dynamic_watch}},
                }
            }),
        );
        assert!(init.get("result").is_some(), "initialize failed: {init}");
        c.notify("initialized", json!({}));
        (c, sent)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Records what a message tells (diagnostics, progress) and answers server requests
    /// (work-done progress creation, registrations, refreshes) with a null result.
    fn handle(&mut self, at: Instant, msg: &Value) {
        let method = msg.get("method").and_then(Value::as_str);
        if let (Some(id), Some(_)) = (msg.get("id"), method) {
            let id = id.clone();
            self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
            return;
        }
        match method {
            Some("textDocument/publishDiagnostics") => {
                let u = msg["params"]["uri"].as_str().unwrap_or("").to_string();
                let d = msg["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                self.diags.insert(u, d);
            }
            Some("$/progress") if msg["params"]["value"]["kind"] == "end" => {
                self.progress_end.get_or_insert(at);
            }
            _ => {}
        }
    }

    /// Pumps messages until `done(self)` holds; returns the arrival instant of the message
    /// that made it hold.
    fn pump_until(&mut self, what: &str, done: impl Fn(&Lsp) -> bool) -> Instant {
        if done(self) {
            return Instant::now();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let (at, msg) = match self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}"),
                Err(RecvTimeoutError::Disconnected) => panic!("server exited waiting for {what}"),
            };
            self.handle(at, &msg);
            if done(self) {
                return at;
            }
        }
    }

    /// Sends a request and waits for its response; returns it and its round trip.
    fn request_timed(&mut self, method: &str, params: Value) -> (Value, Duration) {
        let id = self.next_id;
        self.next_id += 1;
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let t0 = Instant::now();
        self.send(&msg);
        let deadline = t0 + WAIT;
        loop {
            let (at, msg) = self
                .rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no response to {method}"));
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return (msg, at - t0);
            }
            self.handle(at, &msg);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.request_timed(method, params).0
    }

    fn open(&mut self, path: &Path, lang: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": lang, "version": 1, "text": text}}),
        );
    }

    fn has_code(&self, path: &Path, code: &str) -> Option<bool> {
        self.diags
            .get(&uri(path))
            .map(|d| d.iter().any(|x| x["code"] == code))
    }

    fn shutdown(mut self) {
        let _ = self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------
// Statistics.

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if s.is_empty() {
        return f64::NAN;
    }
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn percentile(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if s.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1]
}

// ---------------------------------------------------------------------------------------
// Options, binaries, workspaces.

struct Opts {
    sizes: Vec<usize>,
    runs: usize,
    seed: u64,
    requests: usize,
    build: bool,
    clean: bool,
    /// Only the big-file rows (`--only big-files`): one workspace, no index or burst rows.
    big_files_only: bool,
}

fn parse_size(s: &str) -> usize {
    let s = s.trim().to_ascii_lowercase();
    let (num, mul) = if let Some(n) = s.strip_suffix('m') {
        (n, 1_000_000)
    } else if let Some(n) = s.strip_suffix('k') {
        (n, 1_000)
    } else {
        (s.as_str(), 1)
    };
    num.parse::<usize>().expect("a size such as 10k, 100k, 1m") * mul
}

fn opts() -> Opts {
    let mut o = Opts {
        sizes: vec![10_000, 100_000],
        runs: 3,
        seed: 1,
        requests: 1000,
        build: true,
        clean: false,
        big_files_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sizes" => o.sizes = args.next().unwrap().split(',').map(parse_size).collect(),
            "--runs" => o.runs = args.next().unwrap().parse().unwrap(),
            "--seed" => o.seed = args.next().unwrap().parse().unwrap(),
            "--requests" => o.requests = args.next().unwrap().parse().unwrap(),
            "--no-build" => o.build = false,
            "--clean" => o.clean = true,
            "--only" => o.big_files_only = args.next().as_deref() == Some("big-files"),
            // `cargo bench` passes `--bench`; ignore it and anything else cargo adds.
            _ => {}
        }
    }
    o.runs = o.runs.max(1);
    o
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/release` next to this bench binary (`target/release/deps/lsp_harness-…`).
fn release_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest_dir().join("target/release"))
}

fn ensure_binaries(o: &Opts) -> (PathBuf, PathBuf) {
    if o.build {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "build",
                "--release",
                "--bin",
                "promptls",
                "--bin",
                "gen-workspace",
            ])
            .current_dir(manifest_dir())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build --release failed");
    }
    let dir = release_dir();
    let (server, generator) = (dir.join("promptls"), dir.join("gen-workspace"));
    assert!(
        server.exists(),
        "{} missing: cargo build --release",
        server.display()
    );
    assert!(generator.exists(), "{} missing", generator.display());
    (server, generator)
}

fn label(n: usize) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// The workspace for `n` prompt files (generated once, reused: generation is
/// deterministic). Returns it and the generator's summary.
fn workspace(generator: &Path, bench: &Path, n: usize, seed: u64) -> (PathBuf, Value) {
    let ws = bench.join(format!("ws-{}-s{seed}", label(n)));
    let done = bench.join(format!("ws-{}-s{seed}.json", label(n)));
    if ws.exists() && done.exists() {
        let summary = serde_json::from_str(&std::fs::read_to_string(&done).unwrap()).unwrap();
        return (ws, summary);
    }
    if ws.exists() {
        std::fs::remove_dir_all(&ws).unwrap();
    }
    eprintln!("generating {} ...", ws.display());
    let t = Instant::now();
    let out = Command::new(generator)
        .args(["--files", &n.to_string(), "--seed", &seed.to_string()])
        .arg(&ws)
        .output()
        .expect("run gen-workspace");
    assert!(out.status.success(), "gen-workspace failed");
    let mut summary: Value = serde_json::from_slice(&out.stdout).expect("summary JSON");
    summary["generate_s"] = json!(t.elapsed().as_secs_f64());
    std::fs::write(&done, summary.to_string()).unwrap();
    (ws, summary)
}

/// Removes files the harness made in a workspace (`fresh…`, `burst…`), e.g. after an
/// interrupted run, so the tree is the generated one again.
fn clean_leftovers(ws: &Path) {
    let under = ws.join("under");
    let Ok(groups) = std::fs::read_dir(&under) else {
        return;
    };
    for g in groups.flatten() {
        let Ok(folders) = std::fs::read_dir(g.path()) else {
            continue;
        };
        for f in folders.flatten() {
            let Ok(files) = std::fs::read_dir(f.path()) else {
                continue;
            };
            for e in files.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with("fresh") || name.starts_with("burst") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

/// The prompt folders of `under/`, sorted.
fn under_folders(ws: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for g in std::fs::read_dir(ws.join("under")).unwrap().flatten() {
        if g.path().is_dir() {
            for f in std::fs::read_dir(g.path()).unwrap().flatten() {
                if f.path().is_dir() {
                    out.push(f.path());
                }
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------
// Measurements.

fn time_rg(ws: &Path) -> f64 {
    let t = Instant::now();
    let status = Command::new("rg")
        .arg("--files")
        .arg(ws)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("rg (apt-get install -y ripgrep)");
    assert!(status.success(), "rg --files failed");
    ms(t.elapsed())
}

/// Starts a server and waits for the end of its indexing progress; returns it, the
/// initialize → progress-end time and the spawn → progress-end time (ms).
fn cold_start(bin: &Path, ws: &Path, dynamic_watch: bool) -> (Lsp, f64, f64) {
    let spawned = Instant::now();
    let (mut lsp, sent) = Lsp::start(bin, ws, dynamic_watch);
    let end = lsp.pump_until("the indexing progress end", |l| l.progress_end.is_some());
    (lsp, ms(end - sent), ms(end - spawned))
}

/// Waits until the server has answered a request sent after everything before it
/// (diagnostics of the first index are published by then).
fn settle(lsp: &mut Lsp) {
    let _ = lsp.request("workspace/symbol", json!({"query": "zzzz-nothing"}));
}

/// The name of the first (sorted) Markdown file with a `_v2` in `folder`.
fn first_v2_file(folder: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".md") && n.contains("_v2"))
        .collect();
    names.sort();
    names.swap_remove(0)
}

fn first_prompt_base(folder: &Path) -> String {
    let name = first_v2_file(folder);
    name.split("_v2")
        .next()
        .unwrap()
        .split('_')
        .next()
        .unwrap()
        .to_string()
}

fn position_after(text: &str, needle: &str) -> Value {
    position_at(text, text.find(needle).expect("needle") + needle.len())
}

/// The LSP position (UTF-16 columns) of byte `at` of `text`.
fn position_at(text: &str, at: usize) -> Value {
    let line = text[..at].matches('\n').count();
    let col = text[..at]
        .rsplit('\n')
        .next()
        .unwrap()
        .encode_utf16()
        .count();
    json!({"line": line, "character": col})
}

/// completion / hover / definition round trips over stdio (ms).
fn latencies(lsp: &mut Lsp, ws: &Path, requests: usize) -> Value {
    let folder = under_folders(ws).into_iter().next().expect("a folder");
    let rel = folder
        .strip_prefix(ws.join("under"))
        .unwrap()
        .to_string_lossy()
        .to_string();
    let base = first_prompt_base(&folder);
    let doc = folder.join("bench_latency.py");
    let text = format!(
        "from promptic import load_prompt\n\nbrief = load_prompt(\"{rel}/{base}\")\nother = load_prompt(\"{rel}/{base}\", version=\"v\")\n"
    );
    lsp.open(&doc, "python", &text);
    let td = json!({"uri": uri(&doc)});
    let in_version = position_after(&text, "version=\"v");
    let in_target = position_after(&text, &format!("{rel}/{}", &base[..2]));
    let mut out = serde_json::Map::new();
    for (method, pos) in [
        ("textDocument/completion", in_version.clone()),
        ("textDocument/hover", in_target.clone()),
        ("textDocument/definition", in_target.clone()),
    ] {
        let params = json!({"textDocument": td, "position": pos});
        let name = method.trim_start_matches("textDocument/");
        out.insert(name.into(), timed_rounds(lsp, method, &params, requests));
    }
    lsp.notify("textDocument/didClose", json!({"textDocument": td}));
    Value::Object(out)
}

/// Percentiles of `requests` round trips of one request (after a warm-up), in ms.
fn timed_rounds(lsp: &mut Lsp, method: &str, params: &Value, requests: usize) -> Value {
    let (first, _) = lsp.request_timed(method, params.clone());
    assert!(
        first.get("error").is_none() && !first["result"].is_null(),
        "{method} answered nothing useful: {first}"
    );
    for _ in 0..20 {
        lsp.request_timed(method, params.clone());
    }
    let v: Vec<f64> = (0..requests)
        .map(|_| ms(lsp.request_timed(method, params.clone()).1))
        .collect();
    json!({"p50_ms": percentile(&v, 50.0), "p99_ms": percentile(&v, 99.0), "max_ms": percentile(&v, 100.0), "n": v.len()})
}

/// The big-buffer rows: completion / hover / definition in a 5 000-line Python file with
/// 2 000 promptic calls and in a 1 MB Markdown file (steady state), and a one-character
/// edit followed by a completion (the edit's cost included) in each.
fn big_files(lsp: &mut Lsp, ws: &Path, requests: usize) -> Value {
    let folder = under_folders(ws).into_iter().next().expect("a folder");
    let rel = folder
        .strip_prefix(ws.join("under"))
        .unwrap()
        .to_string_lossy()
        .to_string();
    let base = first_prompt_base(&folder);
    // A file that exists, for the Markdown links to resolve.
    let linked = first_v2_file(&folder);
    // 2 000 calls and 3 000 filler lines: 5 000 lines.
    let mut py = String::from("from promptic import load_prompt\n");
    for i in 0..2000 {
        py.push_str(&format!(
            "p{i} = load_prompt(\"{rel}/{base}\", version=\"latest\")\n"
        ));
        py.push_str("# a note about the prompt above, as real code has\n");
        if i % 2 == 0 {
            py.push_str("value = compute(p1, p2)  # more code between the calls\n");
        }
    }
    // ~1 MB of Markdown: prose with a link every fourth line.
    let mut md = String::from("# Big document\n\n");
    let mut k = 0;
    while md.len() < 1_000_000 {
        if k % 4 == 0 {
            md.push_str(&format!(
                "See [the brief]({rel}/{linked}) before answering item {k}.\n"
            ));
        } else {
            md.push_str(
                "Plain prose that a long prompt document carries, line after line of it.\n",
            );
        }
        k += 1;
    }
    let mut out = serde_json::Map::new();
    out.insert("python_lines".into(), json!(py.lines().count()));
    out.insert("markdown_bytes".into(), json!(md.len()));
    let cases = [
        (
            "python",
            folder.join("bench_big.py"),
            "python",
            py,
            "p1000 = load_prompt(\"".to_string(),
        ),
        (
            "markdown",
            ws.join("under").join("bench_big.md"),
            "markdown",
            md,
            format!("item {}.\nPlain", 4 * 1500),
        ),
    ];
    for (name, doc, lang, text, anchor) in cases {
        lsp.open(&doc, lang, &text);
        let td = json!({"uri": uri(&doc)});
        let at = text.find(&anchor).expect("anchor");
        // The reference just before (Markdown) or at (Python) the anchor.
        let (version_pos, target_pos) = if name == "python" {
            let line = &text[at..];
            let v = at + line.find("version=\"l").unwrap() + "version=\"l".len();
            let t = at + anchor.len() + rel.len() + 2;
            (v, t)
        } else {
            let start = text[..at].rfind("](").unwrap() + 2;
            let v = start + rel.len() + 1 + linked.find("_v").unwrap() + 2;
            (v, start + rel.len() + 2)
        };
        let pos = |off: usize| position_at(&text, off);
        let mut row = serde_json::Map::new();
        for (method, off) in [
            ("textDocument/completion", version_pos),
            ("textDocument/hover", target_pos),
            ("textDocument/definition", target_pos),
        ] {
            let params = json!({"textDocument": td, "position": pos(off)});
            row.insert(
                method.trim_start_matches("textDocument/").into(),
                timed_rounds(lsp, method, &params, requests),
            );
        }
        // Edit then complete: insert and delete a space at the end, alternately.
        let end = pos(text.len());
        let params = json!({"textDocument": td, "position": pos(version_pos)});
        let mut v = Vec::new();
        for k in 0..requests.min(300) {
            let change = if k % 2 == 0 {
                json!({"range": {"start": end, "end": end}, "text": " "})
            } else {
                let mut after = end.clone();
                after["character"] = json!(end["character"].as_u64().unwrap() + 1);
                json!({"range": {"start": end, "end": after}, "text": ""})
            };
            let t0 = Instant::now();
            lsp.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri(&doc), "version": 2 + k}, "contentChanges": [change]}),
            );
            let (resp, _) = lsp.request_timed("textDocument/completion", params.clone());
            assert!(
                resp["result"].is_object() || resp["result"].is_array(),
                "{resp}"
            );
            v.push(ms(t0.elapsed()));
        }
        row.insert(
            "edit_then_completion".into(),
            json!({"p50_ms": percentile(&v, 50.0), "p99_ms": percentile(&v, 99.0), "n": v.len()}),
        );
        lsp.notify("textDocument/didClose", json!({"textDocument": td}));
        out.insert(name.into(), Value::Object(row));
    }
    Value::Object(out)
}

/// A file created on disk (then deleted) → republished diagnostics of an open file that
/// references it. With `client_event`, the harness sends `workspace/didChangeWatchedFiles`
/// itself right after the write (the time after the event reaches the server); otherwise
/// the server's own watcher sees the change.
fn create_delete(lsp: &mut Lsp, ws: &Path, client_event: bool, rounds: usize) -> Value {
    let folder = under_folders(ws)
        .into_iter()
        .nth(1)
        .unwrap_or_else(|| under_folders(ws)[0].clone());
    let tag = if client_event { "c" } else { "w" };
    let (mut created, mut deleted) = (Vec::new(), Vec::new());
    for k in 0..rounds {
        // A Python buffer (not on disk, so the tree stays the generated one): only prompt
        // files on disk and Python files get reference diagnostics.
        let name = format!("fresh{tag}{k}_v1.md");
        let doc = folder.join(format!("bench_watch_{tag}{k}.py"));
        let text = python_ref(ws, &folder, &format!("fresh{tag}{k}"));
        lsp.open(&doc, "python", &text);
        lsp.pump_until("prompt-not-found before the create", |l| {
            l.has_code(&doc, "prompt-not-found") == Some(true)
        });
        let file = folder.join(&name);
        let event = |lsp: &mut Lsp, kind: u32| {
            if client_event {
                lsp.notify(
                    "workspace/didChangeWatchedFiles",
                    json!({"changes": [{"uri": uri(&file), "type": kind}]}),
                );
            }
        };
        let t0 = Instant::now();
        std::fs::write(&file, "# fresh\n").unwrap();
        event(lsp, 1);
        let t = lsp.pump_until("diagnostics after the create", |l| {
            l.has_code(&doc, "prompt-not-found") == Some(false)
        });
        created.push(ms(t - t0));
        let t0 = Instant::now();
        std::fs::remove_file(&file).unwrap();
        event(lsp, 3);
        let t = lsp.pump_until("diagnostics after the delete", |l| {
            l.has_code(&doc, "prompt-not-found") == Some(true)
        });
        deleted.push(ms(t - t0));
        lsp.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri(&doc)}}),
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    json!({
        "create_p50_ms": median(&created), "create_max_ms": percentile(&created, 100.0),
        "delete_p50_ms": median(&deleted), "delete_max_ms": percentile(&deleted, 100.0),
        "rounds": rounds,
    })
}

/// A Python buffer that loads `base` from `folder` (paths are relative to `under/`, which
/// holds the subtree's promptic.toml: the project root of R-2).
fn python_ref(ws: &Path, folder: &Path, base: &str) -> String {
    let rel = folder.strip_prefix(ws.join("under")).unwrap().display();
    format!("from promptic import load_prompt\n\nx = load_prompt(\"{rel}/{base}\")\n")
}

/// The burst's files: 10 000 prompt files spread over the `under/` folders.
fn burst_files(folders: &[PathBuf], count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| folders[i % folders.len()].join(format!("burst{i}_v1.md")))
        .collect()
}

/// The cold index time of exactly the burst's files, laid out the same way in a scratch
/// tree (median of `runs`).
fn burst_cold(bin: &Path, bench: &Path, ws: &Path, files: &[PathBuf], runs: usize) -> f64 {
    let scratch = bench.join("burst-cold");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(scratch.join(".git")).unwrap();
    std::fs::copy(ws.join("promptic.toml"), scratch.join("promptic.toml")).unwrap();
    for f in files {
        let rel = f.strip_prefix(ws).unwrap();
        let p = scratch.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "# burst\n").unwrap();
    }
    let v: Vec<f64> = (0..runs)
        .map(|_| {
            let (lsp, t, _) = cold_start(bin, &scratch, false);
            lsp.shutdown();
            t
        })
        .collect();
    let _ = std::fs::remove_dir_all(&scratch);
    median(&v)
}

/// Creates the burst's files at once and waits until the index reflects them: open
/// documents referencing the first and the last file lose their prompt-not-found, and
/// workspace/symbol finds a sample of them.
fn burst(lsp: &mut Lsp, ws: &Path, files: &[PathBuf], client_event: bool) -> Value {
    let first = &files[0];
    let last = files.last().unwrap();
    let docs: Vec<(PathBuf, &PathBuf)> = [first, last]
        .iter()
        .enumerate()
        .map(|(i, f)| (f.parent().unwrap().join(format!("bench_burst{i}.py")), *f))
        .collect();
    for (doc, f) in &docs {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let base = stem.split("_v1").next().unwrap();
        lsp.open(doc, "python", &python_ref(ws, f.parent().unwrap(), base));
        lsp.pump_until("prompt-not-found before the burst", |l| {
            l.has_code(doc, "prompt-not-found") == Some(true)
        });
    }
    let changes = |kind: u32| -> Value {
        json!({"changes": files.iter().map(|f| json!({"uri": uri(f), "type": kind})).collect::<Vec<_>>()})
    };
    let t0 = Instant::now();
    for f in files {
        std::fs::write(f, "# burst\n").unwrap();
    }
    let written = Instant::now();
    if client_event {
        // One coalesced notification, as an editor sends after a checkout.
        lsp.notify("workspace/didChangeWatchedFiles", changes(1));
    }
    let t = lsp.pump_until("diagnostics after the burst", |l| {
        docs.iter()
            .all(|(d, _)| l.has_code(d, "prompt-not-found") == Some(false))
    });
    // A sample must be found by name.
    let mut found = 0;
    let sample: Vec<&PathBuf> = files.iter().step_by(files.len() / 20).collect();
    for f in &sample {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let base = stem.split("_v1").next().unwrap().to_string();
        let r = lsp.request("workspace/symbol", json!({"query": base.clone()}));
        if r["result"]
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s["name"] == json!(base)))
        {
            found += 1;
        }
    }
    // Remove them again (another burst) and let the server settle.
    let t1 = Instant::now();
    for f in files {
        let _ = std::fs::remove_file(f);
    }
    if client_event {
        lsp.notify("workspace/didChangeWatchedFiles", changes(3));
    }
    let tdel = lsp.pump_until("diagnostics after the burst deletion", |l| {
        docs.iter()
            .all(|(d, _)| l.has_code(d, "prompt-not-found") == Some(true))
    });
    for (d, _) in &docs {
        lsp.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri(d)}}),
        );
    }
    json!({
        "files": files.len(),
        "write_ms": ms(written - t0),
        "from_first_write_ms": ms(t - t0),
        "from_last_write_ms": ms(t.saturating_duration_since(written)),
        "delete_from_first_ms": ms(tdel - t1),
        "sample_found": found, "sample": sample.len(),
    })
}

/// CPU seconds the server uses in `window` while nothing happens.
fn idle_cpu_seconds(pid: u32, window: Duration) -> f64 {
    let cpu = || -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
            + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        ticks / 100.0
    };
    let c0 = cpu();
    std::thread::sleep(window);
    cpu() - c0
}

fn time_check(bin: &Path, ws: &Path, runs: usize) -> f64 {
    let v: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let status = Command::new(bin)
                .args(["check", "--format", "json"])
                .arg(ws)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("promptls check");
            assert!(status.code().is_some_and(|c| c <= 1), "check crashed");
            ms(t.elapsed())
        })
        .collect();
    median(&v)
}

/// promptic's `load_prompt` for `latest` of every prompt, when a promptic with
/// `load_prompt` imports (else the reason it was skipped).
fn promptic_python() -> Result<PathBuf, String> {
    let venv = manifest_dir().join("target/bench/venv/bin/python");
    for py in [venv, PathBuf::from("python3")] {
        let ok = Command::new(&py)
            .args(["-c", "from promptic import load_prompt"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(py);
        }
    }
    Err("no Python with a promptic that has load_prompt: PyPI's promptic 0.1.6 is an unrelated LLM-decorator module (76 lines, no load_prompt)".into())
}

fn time_promptic(py: &Path, ws: &Path, prompts: &[(String, String)]) -> f64 {
    let script = "import sys, json\nfrom promptic import load_prompt\nfor root, p in json.load(sys.stdin):\n    try:\n        load_prompt(root + '/' + p, version='latest')\n    except Exception:\n        pass\n";
    let list: Vec<(String, String)> = prompts
        .iter()
        .map(|(root, p)| (ws.join(root).display().to_string(), p.clone()))
        .collect();
    let t = Instant::now();
    let mut child = Command::new(py)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&list).unwrap().as_bytes())
        .unwrap();
    child.wait().unwrap();
    ms(t.elapsed())
}

// ---------------------------------------------------------------------------------------

fn main() {
    let o = opts();
    let bench = manifest_dir().join("target/bench");
    std::fs::create_dir_all(&bench).unwrap();
    let (server, generator) = ensure_binaries(&o);
    let mut results = Vec::new();
    for &n in &o.sizes {
        let (ws, summary) = workspace(&generator, &bench, n, o.seed);
        clean_leftovers(&ws);
        eprintln!("== {} prompt files: {}", label(n), ws.display());
        // Warm the page cache for both contenders alike.
        time_rg(&ws);
        // The primary server: the client watches files (dynamic registration of
        // didChangeWatchedFiles, as VS Code does). The server's own notify watcher is
        // measured separately below (see BENCHMARKS.md for its two defects).
        let (mut rg, mut cold, mut cold_spawn, mut cold_notify) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut live = None;
        for r in 0..o.runs {
            rg.push(time_rg(&ws));
            let (lsp, t, ts) = cold_start(&server, &ws, true);
            cold.push(t);
            cold_spawn.push(ts);
            let (other, tn, _) = cold_start(&server, &ws, false);
            other.shutdown();
            cold_notify.push(tn);
            eprintln!(
                "  run {r}: rg --files {:.1} ms, cold index {t:.1} ms (with the notify watcher {tn:.1} ms)",
                rg[r]
            );
            if r + 1 == o.runs {
                live = Some(lsp);
            } else {
                lsp.shutdown();
            }
        }
        let mut lsp = live.unwrap();
        settle(&mut lsp);
        // Memory after indexing, before any buffer is opened (the big-file rows leave
        // freed memory the allocator keeps).
        std::thread::sleep(Duration::from_millis(200));
        let rss_kib = vm_rss_kib(lsp.pid()).unwrap_or(0);
        let prompt_files = summary["prompt_files"].as_u64().unwrap_or(n as u64);
        eprintln!("  memory {} KiB", rss_kib);
        let big = big_files(&mut lsp, &ws, o.requests);
        eprintln!("  big files {big}");
        if o.big_files_only {
            lsp.shutdown();
            results.push(json!({"prompt_files": summary["prompt_files"], "big_files": big}));
            continue;
        }
        let lat = latencies(&mut lsp, &ws, o.requests);
        eprintln!("  latency {lat}");
        let event = create_delete(&mut lsp, &ws, true, 10);
        eprintln!("  client event {event}");
        let folders = under_folders(&ws);
        let files = burst_files(&folders, 10_000);
        let burst_res = burst(&mut lsp, &ws, &files, true);
        eprintln!("  burst (client event) {burst_res}");
        let rss_after_kib = vm_rss_kib(lsp.pid()).unwrap_or(0);
        lsp.shutdown();
        let burst_cold_ms = burst_cold(&server, &bench, &ws, &files, o.runs);
        eprintln!("  burst files cold {burst_cold_ms:.1} ms");
        // The server's own watcher (a client without dynamic registration).
        let (mut wl, _, _) = cold_start(&server, &ws, false);
        settle(&mut wl);
        let idle_cpu = idle_cpu_seconds(wl.pid(), Duration::from_secs(3));
        let watch = create_delete(&mut wl, &ws, false, 5);
        eprintln!("  watcher {watch}, idle CPU {idle_cpu:.2} s in 3 s");
        let burst_watch = burst(&mut wl, &ws, &files, false);
        eprintln!("  burst (watcher) {burst_watch}");
        wl.shutdown();
        let check_ms = time_check(&server, &ws, o.runs);
        eprintln!("  check {check_ms:.1} ms");
        let promptic = match promptic_python() {
            Ok(py) => {
                let mut prompts = Vec::new();
                // Every prompt, relative to its subtree (which holds its promptic.toml).
                for f in under_folders(&ws) {
                    let rel = f
                        .strip_prefix(ws.join("under"))
                        .unwrap()
                        .display()
                        .to_string();
                    let mut bases: Vec<String> = std::fs::read_dir(&f)
                        .unwrap()
                        .flatten()
                        .filter_map(|e| {
                            let n = e.file_name().to_string_lossy().to_string();
                            n.split_once("_v")
                                .map(|(b, _)| b.split('_').next().unwrap().to_string())
                        })
                        .collect();
                    bases.sort();
                    bases.dedup();
                    prompts.extend(
                        bases
                            .into_iter()
                            .map(|b| ("under".to_string(), format!("{rel}/{b}"))),
                    );
                }
                json!({"ms": time_promptic(&py, &ws, &prompts), "prompts": prompts.len(), "scope": "under/ only"})
            }
            Err(why) => json!({"skipped": why}),
        };
        results.push(json!({
            "prompt_files": prompt_files,
            "workspace": summary,
            "runs": o.runs,
            "rg_files_ms": {"median": median(&rg), "all": rg},
            "cold_index_ms": {"median": median(&cold), "all": cold, "from_spawn_median": median(&cold_spawn)},
            "cold_index_notify_watcher_ms": {"median": median(&cold_notify), "all": cold_notify},
            "watcher_idle_cpu_s_per_3s": idle_cpu,
            "burst_watcher": burst_watch,
            "cold_vs_rg": median(&cold) / median(&rg),
            "rss_kib_after_index": rss_kib,
            "rss_bytes_per_prompt_file": rss_kib as f64 * 1024.0 / prompt_files as f64,
            "rss_kib_after_burst": rss_after_kib,
            "latency": lat,
            "big_files": big,
            "watcher_create_delete": watch,
            "client_event_create_delete": event,
            "burst": burst_res,
            "burst_cold_index_ms": burst_cold_ms,
            "burst_vs_cold": burst_res["from_last_write_ms"].as_f64().unwrap_or(f64::NAN) / burst_cold_ms,
            "check_ms": check_ms,
            "promptic": promptic,
        }));
        if o.clean {
            let _ = std::fs::remove_dir_all(&ws);
            let _ = std::fs::remove_file(bench.join(format!("ws-{}-s{}.json", label(n), o.seed)));
        }
    }
    let machine = machine();
    let out = json!({"machine": machine, "seed": o.seed, "sizes": results});
    std::fs::write(
        bench.join("results.json"),
        serde_json::to_string_pretty(&out).unwrap(),
    )
    .unwrap();
    let md = table(&out);
    std::fs::write(bench.join("results.md"), &md).unwrap();
    println!("{md}");
    eprintln!(
        "wrote {} and results.md",
        bench.join("results.json").display()
    );
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|k| k.parse::<u64>().ok())
        .unwrap_or(0);
    let rg = Command::new("rg")
        .arg("--version")
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    json!({
        "nproc": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "cpu": cpu,
        "mem_gib": mem as f64 / 1024.0 / 1024.0,
        "ripgrep": rg,
    })
}

fn f1(v: &Value) -> String {
    v.as_f64().map_or("–".into(), |x| {
        if x >= 100.0 {
            format!("{x:.0}")
        } else if x >= 10.0 {
            format!("{x:.1}")
        } else {
            format!("{x:.2}")
        }
    })
}

fn table(out: &Value) -> String {
    let sizes = out["sizes"].as_array().unwrap();
    let mut s = String::new();
    let m = &out["machine"];
    s.push_str(&format!(
        "Machine: {} × {}, {:.0} GiB; {}; seed {}.\n\n",
        m["nproc"],
        m["cpu"].as_str().unwrap_or(""),
        m["mem_gib"].as_f64().unwrap_or(0.0),
        m["ripgrep"].as_str().unwrap_or(""),
        out["seed"]
    ));
    s.push_str("| measure | budget |");
    for r in sizes {
        s.push_str(&format!(
            " {} |",
            label(r["prompt_files"].as_u64().unwrap() as usize)
        ));
    }
    s.push_str("\n| --- | --- |");
    for _ in sizes {
        s.push_str(" --- |");
    }
    s.push('\n');
    let row = |s: &mut String, name: &str, budget: &str, f: &dyn Fn(&Value) -> String| {
        s.push_str(&format!("| {name} | {budget} |"));
        for r in sizes {
            s.push_str(&format!(" {} |", f(r)));
        }
        s.push('\n');
    };
    row(
        &mut s,
        "files in tree (prompt / non-prompt / README+py)",
        "",
        &|r| {
            let w = &r["workspace"];
            format!(
                "{} / {} / {}",
                w["prompt_files"],
                w["non_prompt_files"],
                w["readme_files"].as_u64().unwrap_or(0) + w["python_files"].as_u64().unwrap_or(0)
            )
        },
    );
    row(&mut s, "`rg --files`, ms (median)", "", &|r| {
        f1(&r["rg_files_ms"]["median"])
    });
    row(
        &mut s,
        "cold index, ms (initialize → progress end, median)",
        "",
        &|r| f1(&r["cold_index_ms"]["median"]),
    );
    row(&mut s, "cold index ÷ `rg --files`", "≤ 1.5", &|r| {
        f1(&r["cold_vs_rg"])
    });
    row(
        &mut s,
        "cold index with the server's notify watcher, ms (median)",
        "",
        &|r| f1(&r["cold_index_notify_watcher_ms"]["median"]),
    );
    row(&mut s, "completion p50 / p99, ms", "≤ 1 / ≤ 5", &|r| {
        format!(
            "{} / {}",
            f1(&r["latency"]["completion"]["p50_ms"]),
            f1(&r["latency"]["completion"]["p99_ms"])
        )
    });
    row(&mut s, "hover p50 / p99, ms", "≤ 1 / ≤ 5", &|r| {
        format!(
            "{} / {}",
            f1(&r["latency"]["hover"]["p50_ms"]),
            f1(&r["latency"]["hover"]["p99_ms"])
        )
    });
    for (doc, what) in [
        ("python", "5 000-line Python file, 2 000 calls"),
        ("markdown", "1 MB Markdown file"),
    ] {
        for m in ["completion", "hover", "definition"] {
            row(
                &mut s,
                &format!("{m} in a {what}: p50 / p99, ms"),
                "≤ 1 / ≤ 5",
                &|r| {
                    format!(
                        "{} / {}",
                        f1(&r["big_files"][doc][m]["p50_ms"]),
                        f1(&r["big_files"][doc][m]["p99_ms"])
                    )
                },
            );
        }
        row(
            &mut s,
            &format!("one-character edit + completion in a {what}: p50 / p99, ms"),
            "",
            &|r| {
                format!(
                    "{} / {}",
                    f1(&r["big_files"][doc]["edit_then_completion"]["p50_ms"]),
                    f1(&r["big_files"][doc]["edit_then_completion"]["p99_ms"])
                )
            },
        );
    }
    row(&mut s, "definition p50 / p99, ms", "≤ 1 / ≤ 5", &|r| {
        format!(
            "{} / {}",
            f1(&r["latency"]["definition"]["p50_ms"]),
            f1(&r["latency"]["definition"]["p99_ms"])
        )
    });
    row(
        &mut s,
        "create / delete → diagnostics, client event, ms (median)",
        "≤ 20",
        &|r| {
            format!(
                "{} / {}",
                f1(&r["client_event_create_delete"]["create_p50_ms"]),
                f1(&r["client_event_create_delete"]["delete_p50_ms"])
            )
        },
    );
    row(
        &mut s,
        "create / delete → diagnostics, server's watcher, ms (median)",
        "(≤ 20 after the event)",
        &|r| {
            format!(
                "{} / {}",
                f1(&r["watcher_create_delete"]["create_p50_ms"]),
                f1(&r["watcher_create_delete"]["delete_p50_ms"])
            )
        },
    );
    row(
        &mut s,
        "10 000-file burst, one client event → index, ms (from the event)",
        "",
        &|r| f1(&r["burst"]["from_last_write_ms"]),
    );
    row(
        &mut s,
        "burst through the server's watcher, ms (from the last write)",
        "",
        &|r| f1(&r["burst_watcher"]["from_last_write_ms"]),
    );
    row(&mut s, "server's watcher: idle CPU, s per 3 s", "", &|r| {
        f1(&r["watcher_idle_cpu_s_per_3s"])
    });
    row(&mut s, "cold index of those 10 000 files, ms", "", &|r| {
        f1(&r["burst_cold_index_ms"])
    });
    row(&mut s, "burst ÷ cold index of its files", "≤ 2", &|r| {
        f1(&r["burst_vs_cold"])
    });
    row(
        &mut s,
        "VmRSS after indexing, MiB",
        "≤ 150 (at 100k)",
        &|r| {
            f1(&json!(
                r["rss_kib_after_index"].as_f64().unwrap_or(0.0) / 1024.0
            ))
        },
    );
    row(&mut s, "VmRSS per prompt file, bytes", "≤ 1536", &|r| {
        f1(&r["rss_bytes_per_prompt_file"])
    });
    row(
        &mut s,
        "`promptls check` whole tree, ms (median)",
        "",
        &|r| f1(&r["check_ms"]),
    );
    row(
        &mut s,
        "promptic `latest` for every prompt, ms",
        "check ≥ 50× faster",
        &|r| {
            if r["promptic"]["skipped"].is_string() {
                "skipped".into()
            } else {
                f1(&r["promptic"]["ms"])
            }
        },
    );
    // Scaling between consecutive sizes.
    let mut scaling = String::new();
    for w in sizes.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let ra = b["prompt_files"].as_f64().unwrap() / a["prompt_files"].as_f64().unwrap();
        let rt = b["cold_index_ms"]["median"].as_f64().unwrap()
            / a["cold_index_ms"]["median"].as_f64().unwrap();
        scaling.push_str(&format!(
            "\nScaling {} → {}: {:.0}× the files, {:.2}× the cold index time (budget for 100k → 1M: ≤ 12×).\n",
            label(a["prompt_files"].as_u64().unwrap() as usize),
            label(b["prompt_files"].as_u64().unwrap() as usize),
            ra,
            rt
        ));
    }
    s.push_str(&scaling);
    for r in sizes {
        if let Some(why) = r["promptic"]["skipped"].as_str() {
            s.push_str(&format!("\npromptic column skipped: {why}.\n"));
            break;
        }
    }
    s
}
