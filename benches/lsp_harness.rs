//! End-to-end benchmark harness (Q-1): drives the REAL release binary
//! (`target/release/promptls serve`, `promptls check`, `promptls versions`, `promptls api`) on workspaces
//! made by `gen-workspace`, and writes `target/bench/results.json`,
//! `target/bench/results.md` and, with `--write-benchmarks`, `BENCHMARKS.md`.
//!
//! ```text
//! cargo bench --bench lsp_harness -- [--sizes 10k,100k,1m] [--runs 3] [--seed 1]
//!     [--requests 1000] [--versions 5k,20k] [--only SHAPE,...] [--write-benchmarks]
//!     [--render-only] [--no-build] [--clean]
//! ```
//!
//! Shapes (`--only`): per tree size `index`, `latency`, `events`, `watcher`, `burst`,
//! `check`, `promptic`; once per run, on the first size's tree, `big-files` and
//! `big-buffer`; `many-versions` on its own trees (`--versions`); and `api`, the HTTP API
//! on the 100k tree under 64 keep-alive connections and concurrent creates (an `--only api`
//! run keeps the other figures of results.json). What each measures
//! and against which budget is written next to its table (see `render_tables`).
//!
//! It reports; it asserts nothing. A row that times out or fails is recorded as such and
//! the run goes on; only a server that dies (a crash) makes the harness exit non-zero,
//! after it has written its results.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

#[path = "support/http_load.rs"]
mod http_load;

/// The longest wait for a response or a state (bursts at 1M take seconds).
const WAIT: Duration = Duration::from_secs(120);
/// The longest wait for the server's own watcher to report a change (budget: 1 s).
const WATCH_WAIT: Duration = Duration::from_secs(30);

type R<T> = Result<T, String>;

/// Servers or commands that died (a crash): the only thing that fails the run.
static CRASHES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn crashed(what: String) -> String {
    eprintln!("  CRASH: {what}");
    CRASHES.lock().unwrap().push(what.clone());
    what
}

// ---------------------------------------------------------------------------------------
// A tiny LSP client (after tests/support/mod.rs).

struct Lsp {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<(Instant, Value)>,
    next_id: i64,
    /// Latest diagnostics per URI, and when they arrived.
    diags: HashMap<String, (Instant, Vec<Value>)>,
    progress_end: Option<Instant>,
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

impl Lsp {
    /// Spawns the server and sends `initialize` (returns the instant it was sent).
    fn start(bin: &Path, root: &Path, dynamic_watch: bool) -> R<(Lsp, Instant)> {
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
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("spawn promptls serve: {e}"))?;
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
        )?;
        if init.get("result").is_none() {
            return Err(format!("initialize failed: {init}"));
        }
        c.notify("initialized", json!({}));
        Ok((c, sent))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes one message; a dead server shows up at the next read.
    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        let _ = write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body);
        let _ = self.stdin.flush();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// A notification serialized ahead of time, for [`Lsp::send_serialized`]: a timed
    /// interval then holds the server's work, not the client's.
    fn serialized(method: &str, params: Value) -> String {
        json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string()
    }

    fn send_serialized(&mut self, body: &str) {
        let _ = write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body);
        let _ = self.stdin.flush();
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
                self.diags.insert(u, (at, d));
            }
            Some("$/progress") if msg["params"]["value"]["kind"] == "end" => {
                self.progress_end.get_or_insert(at);
            }
            _ => {}
        }
    }

    /// The next message before `deadline`, or why there is none.
    fn next(&mut self, deadline: Instant, what: &str, limit: Duration) -> R<(Instant, Value)> {
        match self
            .rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(m) => Ok(m),
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "timeout (> {} s) waiting for {what}",
                limit.as_secs()
            )),
            Err(RecvTimeoutError::Disconnected) => {
                Err(crashed(format!("server exited waiting for {what}")))
            }
        }
    }

    /// Pumps messages until `done(self)` holds (at most `limit`); returns the arrival
    /// instant of the message that made it hold.
    fn pump_until(
        &mut self,
        what: &str,
        limit: Duration,
        done: impl Fn(&Lsp) -> bool,
    ) -> R<Instant> {
        if done(self) {
            return Ok(Instant::now());
        }
        let deadline = Instant::now() + limit;
        loop {
            let (at, msg) = self.next(deadline, what, limit)?;
            self.handle(at, &msg);
            if done(self) {
                return Ok(at);
            }
        }
    }

    /// Sends a request and waits for its response; returns it and its round trip.
    fn request_timed(&mut self, method: &str, params: Value) -> R<(Value, Duration)> {
        let id = self.next_id;
        self.next_id += 1;
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let t0 = Instant::now();
        self.send(&msg);
        let deadline = t0 + WAIT;
        loop {
            let (at, msg) = self.next(deadline, &format!("the response to {method}"), WAIT)?;
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return Ok((msg, at - t0));
            }
            self.handle(at, &msg);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> R<Value> {
        Ok(self.request_timed(method, params)?.0)
    }

    fn open(&mut self, path: &Path, lang: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": lang, "version": 1, "text": text}}),
        );
    }

    fn close(&mut self, path: &Path) {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri(path)}}),
        );
    }

    fn has_code(&self, path: &Path, code: &str) -> Option<bool> {
        self.diags
            .get(&uri(path))
            .map(|(_, d)| d.iter().any(|x| x["code"] == code))
    }

    /// Whether diagnostics of `path` arrived after `t` and none of them has `code`.
    fn cleared_since(&self, path: &Path, code: &str, t: Instant) -> bool {
        self.diags
            .get(&uri(path))
            .is_some_and(|(at, d)| *at >= t && !d.iter().any(|x| x["code"] == code))
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

impl Drop for Lsp {
    /// A server left behind by a failed row is stopped.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
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
// Statistics and rows.

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
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
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1]
}

/// Median and every run of a series (ms).
fn series(v: &[f64]) -> Value {
    json!({"median": median(v), "all": v})
}

fn latency_summary(v: &[f64]) -> Value {
    json!({"p50_ms": percentile(v, 50.0), "p99_ms": percentile(v, 99.0), "max_ms": percentile(v, 100.0), "n": v.len()})
}

/// Runs one row: its error (a timeout, a failure, a panic) is recorded in its place and
/// the run goes on.
fn row(name: &str, f: impl FnOnce() -> R<Value>) -> Value {
    let t = Instant::now();
    let v = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => json!({"error": e}),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into());
            json!({"error": format!("harness error: {msg}")})
        }
    };
    match v.get("error") {
        Some(e) => eprintln!("  {name}: {e}"),
        None => eprintln!("  {name} ({:.1} s): {v}", t.elapsed().as_secs_f64()),
    }
    v
}

// ---------------------------------------------------------------------------------------
// Options, binaries, workspaces.

const SHAPES: &[&str] = &[
    "index",
    "latency",
    "events",
    "watcher",
    "burst",
    "check",
    "promptic",
    "big-files",
    "big-buffer",
    "many-versions",
    "api",
];

struct Opts {
    sizes: Vec<usize>,
    runs: usize,
    seed: u64,
    requests: usize,
    versions: Vec<usize>,
    build: bool,
    clean: bool,
    only: Vec<String>,
    write_benchmarks: bool,
    render_only: bool,
    /// The arguments as given (without what cargo adds), for the command line shown.
    args: Vec<String>,
}

impl Opts {
    fn has(&self, shape: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == shape)
    }
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
        versions: vec![5_000, 20_000],
        build: true,
        clean: false,
        only: Vec::new(),
        write_benchmarks: false,
        render_only: false,
        args: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    let value = |a: &str, v: Option<String>| v.unwrap_or_else(|| panic!("{a} needs a value"));
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sizes" => {
                let v = value(&a, args.next());
                o.sizes = v.split(',').map(parse_size).collect();
                o.args.extend([a, v]);
            }
            "--versions" => {
                let v = value(&a, args.next());
                o.versions = v.split(',').map(parse_size).collect();
                o.args.extend([a, v]);
            }
            "--runs" | "--seed" | "--requests" => {
                let v = value(&a, args.next());
                match a.as_str() {
                    "--runs" => o.runs = v.parse().expect("--runs N"),
                    "--seed" => o.seed = v.parse().expect("--seed S"),
                    _ => o.requests = v.parse().expect("--requests N"),
                }
                o.args.extend([a, v]);
            }
            "--only" => {
                let v = value(&a, args.next());
                for s in v.split(',') {
                    assert!(
                        SHAPES.contains(&s),
                        "--only: unknown shape {s:?} (one of {})",
                        SHAPES.join(", ")
                    );
                    o.only.push(s.to_string());
                }
                o.args.extend([a, v]);
            }
            "--no-build" => o.build = false,
            "--clean" => {
                o.clean = true;
                o.args.push(a);
            }
            "--write-benchmarks" => {
                o.write_benchmarks = true;
                o.args.push(a);
            }
            "--render-only" => o.render_only = true,
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
                "--example",
                "gen-workspace",
            ])
            .current_dir(manifest_dir())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build --release failed");
    }
    let dir = release_dir();
    let (server, generator) = (dir.join("promptls"), dir.join("examples/gen-workspace"));
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

/// Runs `gen-workspace ARGS OUT` once per name (generation is deterministic; the tree and
/// its summary are reused). Returns the tree and the generator's summary.
fn generated(generator: &Path, bench: &Path, name: &str, args: &[String]) -> R<(PathBuf, Value)> {
    let ws = bench.join(name);
    let done = bench.join(format!("{name}.json"));
    if ws.exists() && done.exists() {
        let text = std::fs::read_to_string(&done).map_err(|e| e.to_string())?;
        return serde_json::from_str(&text)
            .map(|s| (ws, s))
            .map_err(|e| e.to_string());
    }
    if ws.exists() {
        std::fs::remove_dir_all(&ws).map_err(|e| e.to_string())?;
    }
    eprintln!("generating {} ...", ws.display());
    let t = Instant::now();
    let out = Command::new(generator)
        .args(args)
        .arg(&ws)
        .output()
        .map_err(|e| format!("run gen-workspace: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "gen-workspace failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut summary: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    summary["generate_s"] = json!(t.elapsed().as_secs_f64());
    std::fs::write(&done, summary.to_string()).map_err(|e| e.to_string())?;
    Ok((ws, summary))
}

/// The workspace for `n` prompt files, and as many non-prompt files (checked).
fn workspace(generator: &Path, bench: &Path, n: usize, seed: u64) -> R<(PathBuf, Value)> {
    let (ws, summary) = generated(
        generator,
        bench,
        &format!("ws-{}-s{seed}", label(n)),
        &[
            "--files".into(),
            n.to_string(),
            "--seed".into(),
            seed.to_string(),
        ],
    )?;
    let (p, q) = (&summary["prompt_files"], &summary["non_prompt_files"]);
    eprintln!(
        "  {p} prompt files, {q} non-prompt files{}",
        if p == q {
            " (50 % non-prompt)"
        } else {
            " (NOT the 50 % non-prompt tree the cold-index budget asks for)"
        }
    );
    Ok((ws, summary))
}

/// The subtrees of a generated tree (folders holding their own promptic.toml), sorted.
fn subtrees(ws: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(ws)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("promptic.toml").is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The prompt folders (`gNN/fNNN`) of a subtree, sorted.
fn folders_of(subtree: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for g in std::fs::read_dir(subtree).into_iter().flatten().flatten() {
        if g.path().is_dir() {
            for f in std::fs::read_dir(g.path()).into_iter().flatten().flatten() {
                if f.path().is_dir() {
                    out.push(f.path());
                }
            }
        }
    }
    out.sort();
    out
}

/// The prompt folders of `under/`, sorted.
fn under_folders(ws: &Path) -> Vec<PathBuf> {
    folders_of(&ws.join("under"))
}

/// Removes files the harness made in a workspace (`bench_…` beside a subtree's
/// promptic.toml, `fresh…`, `burst…`), e.g. after an interrupted run, so the tree is the
/// generated one again.
fn clean_leftovers(ws: &Path) {
    for sub in subtrees(ws) {
        for e in std::fs::read_dir(&sub).into_iter().flatten().flatten() {
            if e.file_name().to_string_lossy().starts_with("bench_") && e.path().is_file() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    for f in under_folders(ws) {
        for e in std::fs::read_dir(&f).into_iter().flatten().flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("fresh") || name.starts_with("burst") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Processes timed from outside.

/// Wall time of a command (ms); exit codes in `ok` count as success, a signal as a crash.
fn time_cmd(cmd: &mut Command, what: &str, ok: &[i32]) -> R<f64> {
    let t = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("{what}: {e}"))?;
    let elapsed = ms(t.elapsed());
    match status.code() {
        Some(c) if ok.contains(&c) => Ok(elapsed),
        Some(c) => Err(format!("{what} exited with {c}")),
        None => Err(crashed(format!("{what} killed by a signal"))),
    }
}

fn time_rg_files(ws: &Path) -> R<f64> {
    time_cmd(
        Command::new("rg").arg("--files").arg(ws),
        "rg --files (apt-get install -y ripgrep)",
        &[0],
    )
}

/// `rg -c '\{\{'`: reads every file of the tree (exit 1 means no match).
fn time_rg_count(ws: &Path) -> R<f64> {
    time_cmd(
        Command::new("rg").args(["-c", r"\{\{"]).arg(ws),
        "rg -c",
        &[0, 1],
    )
}

/// `promptls check --format json PATHS` (exit 1 means problems were found).
fn time_check(bin: &Path, paths: &[PathBuf]) -> R<f64> {
    time_cmd(
        Command::new(bin)
            .args(["check", "--format", "json"])
            .args(paths),
        "promptls check",
        &[0, 1],
    )
}

// ---------------------------------------------------------------------------------------
// Servers.

/// Starts a server and waits for the end of its indexing progress; returns it, the
/// initialize → progress-end time and the spawn → progress-end time (ms).
fn cold_start(bin: &Path, ws: &Path, dynamic_watch: bool) -> R<(Lsp, f64, f64)> {
    let spawned = Instant::now();
    let (mut lsp, sent) = Lsp::start(bin, ws, dynamic_watch)?;
    let end = lsp.pump_until("the indexing progress end", WAIT, |l| {
        l.progress_end.is_some()
    })?;
    Ok((lsp, ms(end - sent), ms(end - spawned)))
}

/// Waits until the server has answered a request sent after everything before it
/// (diagnostics of the first index are published by then).
fn settle(lsp: &mut Lsp) -> R<()> {
    lsp.request("workspace/symbol", json!({"query": "zzzz-nothing"}))
        .map(|_| ())
}

/// A server that has indexed `ws` and settled.
fn ready(bin: &Path, ws: &Path, dynamic_watch: bool) -> R<Lsp> {
    let (mut lsp, _, _) = cold_start(bin, ws, dynamic_watch)?;
    settle(&mut lsp)?;
    Ok(lsp)
}

/// The name of the first (sorted) Markdown file with a `_v2` in `folder`.
fn first_v2_file(folder: &Path) -> R<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".md") && n.contains("_v2"))
        .collect();
    names.sort();
    names
        .into_iter()
        .next()
        .ok_or_else(|| format!("no _v2 Markdown file in {}", folder.display()))
}

fn first_prompt_base(folder: &Path) -> R<String> {
    let name = first_v2_file(folder)?;
    Ok(name
        .split("_v2")
        .next()
        .unwrap()
        .split('_')
        .next()
        .unwrap()
        .to_string())
}

fn position_after(text: &str, needle: &str) -> R<Value> {
    let at = text
        .find(needle)
        .ok_or_else(|| format!("{needle:?} not in the document"))?;
    Ok(position_at(text, at + needle.len()))
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

/// Percentiles of `requests` round trips of one request (after a warm-up), in ms.
fn timed_rounds(lsp: &mut Lsp, method: &str, params: &Value, requests: usize) -> R<Value> {
    let (first, _) = lsp.request_timed(method, params.clone())?;
    if first.get("error").is_some() || first["result"].is_null() {
        return Err(format!("{method} answered nothing useful: {first}"));
    }
    for _ in 0..20 {
        lsp.request_timed(method, params.clone())?;
    }
    let mut v = Vec::with_capacity(requests);
    for _ in 0..requests {
        v.push(ms(lsp.request_timed(method, params.clone())?.1));
    }
    Ok(latency_summary(&v))
}

/// The first folder of `under/` and what the request rows point at in it.
struct Sample {
    folder: PathBuf,
    /// The folder relative to `under/` (its project root).
    rel: String,
    /// A prompt of the folder.
    base: String,
    /// A file of that prompt, for Markdown links to resolve.
    linked: String,
}

fn sample(ws: &Path) -> R<Sample> {
    let folder = under_folders(ws).into_iter().next().ok_or("no folder")?;
    Ok(Sample {
        rel: under_rel(ws, &folder),
        base: first_prompt_base(&folder)?,
        linked: first_v2_file(&folder)?,
        folder,
    })
}

fn under_rel(ws: &Path, folder: &Path) -> String {
    folder
        .strip_prefix(ws.join("under"))
        .unwrap()
        .to_string_lossy()
        .to_string()
}

// ---------------------------------------------------------------------------------------
// Shape `index`: cold index against `rg --files`, memory after indexing.

/// Cold index (initialize → the `$/progress` end) alternating with `rg --files` per run,
/// with the client watching (dynamic registration, as VS Code does) and with the server's
/// own notify watcher. Returns the row and the last client-watching server, settled.
fn index_shape(bin: &Path, ws: &Path, runs: usize, prompt_files: u64) -> (Value, Option<Lsp>) {
    let mut live = None;
    let v = row("index", || {
        let (mut rg, mut cold, mut cold_spawn, mut cold_notify) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in 0..runs {
            rg.push(time_rg_files(ws)?);
            let (lsp, t, ts) = cold_start(bin, ws, true)?;
            cold.push(t);
            cold_spawn.push(ts);
            let (other, tn, _) = cold_start(bin, ws, false)?;
            other.shutdown();
            cold_notify.push(tn);
            eprintln!(
                "  run {r}: rg --files {:.1} ms, cold index {t:.1} ms (with the notify watcher {tn:.1} ms)",
                rg[r]
            );
            if r + 1 == runs {
                live = Some(lsp);
            } else {
                lsp.shutdown();
            }
        }
        let lsp = live.as_mut().unwrap();
        settle(lsp)?;
        // Memory after indexing, before any buffer is opened.
        std::thread::sleep(Duration::from_millis(200));
        let rss_kib = vm_rss_kib(lsp.pid()).unwrap_or(0);
        Ok(json!({
            "rg_files_ms": series(&rg),
            "cold_index_ms": series(&cold),
            "cold_index_from_spawn_ms": series(&cold_spawn),
            "cold_index_notify_watcher_ms": series(&cold_notify),
            "cold_vs_rg": median(&cold) / median(&rg),
            "rss_kib_after_index": rss_kib,
            "rss_bytes_per_prompt_file": rss_kib as f64 * 1024.0 / prompt_files as f64,
        }))
    });
    (v, live)
}

// ---------------------------------------------------------------------------------------
// Shape `latency`: completion / hover / definition in a small file of the tree.

fn latencies(lsp: &mut Lsp, ws: &Path, requests: usize) -> R<Value> {
    let Sample {
        folder, rel, base, ..
    } = sample(ws)?;
    let doc = folder.join("bench_latency.py");
    let text = format!(
        "from promptic import load_prompt\n\nbrief = load_prompt(\"{rel}/{base}\")\nother = load_prompt(\"{rel}/{base}\", version=\"v\")\n"
    );
    lsp.open(&doc, "python", &text);
    let td = json!({"uri": uri(&doc)});
    let in_version = position_after(&text, "version=\"v")?;
    let in_target = position_after(&text, &format!("{rel}/{}", &base[..2]))?;
    let mut out = Map::new();
    for (method, pos) in [
        ("textDocument/completion", &in_version),
        ("textDocument/hover", &in_target),
        ("textDocument/definition", &in_target),
    ] {
        let params = json!({"textDocument": td, "position": pos});
        let name = method.trim_start_matches("textDocument/");
        out.insert(name.into(), timed_rounds(lsp, method, &params, requests)?);
    }
    lsp.close(&doc);
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------
// Shape `big-files`: a 5 000-line Python file and a 1 MB Markdown file, open buffers.

/// A Python buffer of at least `bytes` bytes (2 000 calls and 3 000 other lines when
/// `bytes` is 0): calls to `{rel}/{base}` between comments and code.
fn python_buffer(rel: &str, base: &str, calls: usize, bytes: usize) -> String {
    let mut py = String::from("from promptic import load_prompt\n");
    let mut i = 0;
    while i < calls || py.len() < bytes {
        let _ = writeln!(
            py,
            "p{i} = load_prompt(\"{rel}/{base}\", version=\"latest\")"
        );
        py.push_str("# a note about the prompt above, as real code has\n");
        if i % 2 == 0 {
            py.push_str("value = compute(p1, p2)  # more code between the calls\n");
        }
        i += 1;
    }
    py
}

/// A Markdown buffer of at least `bytes` bytes: prose with a link every fourth line.
fn markdown_buffer(rel: &str, linked: &str, bytes: usize) -> String {
    let mut md = String::from("# Big document\n\n");
    let mut k = 0;
    while md.len() < bytes {
        if k % 4 == 0 {
            let _ = writeln!(
                md,
                "See [the brief]({rel}/{linked}) before answering item {k}."
            );
        } else {
            md.push_str(
                "Plain prose that a long prompt document carries, line after line of it.\n",
            );
        }
        k += 1;
    }
    md
}

/// Offsets in `text` of the version (completion) and the target (hover, definition) of
/// the reference at (Python) or just before (Markdown) `anchor`.
fn reference_offsets(
    text: &str,
    python: bool,
    anchor: &str,
    rel: &str,
    linked: &str,
) -> R<(usize, usize)> {
    let at = text.find(anchor).ok_or("anchor not in the buffer")?;
    if python {
        let line = &text[at..];
        let v = at + line.find("version=\"l").ok_or("no version")? + "version=\"l".len();
        let t = at + anchor.len() + rel.len() + 2;
        Ok((v, t))
    } else {
        let start = text[..at].rfind("](").ok_or("no link")? + 2;
        let v = start + rel.len() + 1 + linked.find("_v").ok_or("no _v")? + 2;
        Ok((v, start + rel.len() + 2))
    }
}

fn big_files(lsp: &mut Lsp, ws: &Path, requests: usize) -> R<Value> {
    let Sample {
        folder,
        rel,
        base,
        linked,
    } = sample(ws)?;
    let py = python_buffer(&rel, &base, 2000, 0);
    let md = markdown_buffer(&rel, &linked, 1_000_000);
    let mut out = Map::new();
    out.insert("python_lines".into(), json!(py.lines().count()));
    out.insert("markdown_bytes".into(), json!(md.len()));
    let cases = [
        (
            "python",
            folder.join("bench_big.py"),
            py,
            "p1000 = load_prompt(\"".to_string(),
        ),
        (
            "markdown",
            ws.join("under").join("bench_big.md"),
            md,
            format!("item {}.\nPlain", 4 * 1500),
        ),
    ];
    for (name, doc, text, anchor) in cases {
        lsp.open(&doc, name, &text);
        let td = json!({"uri": uri(&doc)});
        let (version_pos, target_pos) =
            reference_offsets(&text, name == "python", &anchor, &rel, &linked)?;
        let pos = |off: usize| position_at(&text, off);
        let mut row = Map::new();
        for (method, off) in [
            ("textDocument/completion", version_pos),
            ("textDocument/hover", target_pos),
            ("textDocument/definition", target_pos),
        ] {
            let params = json!({"textDocument": td, "position": pos(off)});
            row.insert(
                method.trim_start_matches("textDocument/").into(),
                timed_rounds(lsp, method, &params, requests)?,
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
            let (resp, _) = lsp.request_timed("textDocument/completion", params.clone())?;
            if !(resp["result"].is_object() || resp["result"].is_array()) {
                return Err(format!("completion after an edit: {resp}"));
            }
            v.push(ms(t0.elapsed()));
        }
        row.insert("edit_then_completion".into(), latency_summary(&v));
        lsp.close(&doc);
        out.insert(name.into(), Value::Object(row));
    }
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------
// Shape `big-buffer`: a 20 MB open buffer, Markdown and Python.

const BIG_BUFFER: usize = 20 * 1024 * 1024;

fn big_buffer(bin: &Path, ws: &Path, requests: usize) -> Value {
    let mut out = Map::new();
    for name in ["markdown", "python"] {
        let v = row(&format!("big-buffer {name}"), || {
            let mut lsp = ready(bin, ws, true)?;
            let r = big_buffer_one(&mut lsp, ws, name, requests);
            lsp.shutdown();
            r
        });
        out.insert(name.into(), v);
    }
    Value::Object(out)
}

fn big_buffer_one(lsp: &mut Lsp, ws: &Path, name: &str, requests: usize) -> R<Value> {
    let Sample {
        folder,
        rel,
        base,
        linked,
    } = sample(ws)?;
    let python = name == "python";
    let (doc, text) = if python {
        (
            folder.join("bench_huge.py"),
            python_buffer(&rel, &base, 0, BIG_BUFFER),
        )
    } else {
        (
            ws.join("under").join("bench_huge.md"),
            markdown_buffer(&rel, &linked, BIG_BUFFER),
        )
    };
    // A reference in the middle of the buffer.
    let anchor = if python {
        let calls = text.matches("load_prompt(\"").count();
        format!("p{} = load_prompt(\"", calls / 2)
    } else {
        let items = text.matches("item ").count();
        format!("item {}.\nPlain", 4 * (items / 2))
    };
    let (version_pos, target_pos) = reference_offsets(&text, python, &anchor, &rel, &linked)?;
    let td = json!({"uri": uri(&doc)});
    let completion = json!({"textDocument": td, "position": position_at(&text, version_pos)});
    let target = position_at(&text, target_pos);
    let action = json!({"textDocument": td, "range": {"start": target, "end": target},
                        "context": {"diagnostics": []}});
    let mut out = Map::new();
    out.insert("bytes".into(), json!(text.len()));
    out.insert("lines".into(), json!(text.lines().count()));
    // The first request right after didOpen: the server parses and scans the buffer first.
    let t0 = Instant::now();
    lsp.open(&doc, name, &text);
    let (first, _) = lsp.request_timed("textDocument/completion", completion.clone())?;
    out.insert(
        "first_completion_after_open_ms".into(),
        json!(ms(t0.elapsed())),
    );
    if first["result"].is_null() {
        return Err(format!("completion answered nothing: {first}"));
    }
    out.insert(
        "completion".into(),
        timed_rounds(lsp, "textDocument/completion", &completion, requests)?,
    );
    out.insert(
        "code_action".into(),
        timed_rounds(lsp, "textDocument/codeAction", &action, requests)?,
    );
    lsp.close(&doc);
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------
// Shapes `events` and `watcher`: a file created or deleted → republished diagnostics.

/// A Python buffer that loads `base` from `folder` (paths are relative to `under/`, which
/// holds the subtree's promptic.toml: the project root of R-2).
fn python_ref(ws: &Path, folder: &Path, base: &str) -> String {
    let rel = under_rel(ws, folder);
    format!("from promptic import load_prompt\n\nx = load_prompt(\"{rel}/{base}\")\n")
}

/// A file created on disk (then deleted) → republished diagnostics of an open file that
/// references it. With `client_event`, the harness sends `workspace/didChangeWatchedFiles`
/// itself right after the write (the time after the event reaches the server); otherwise
/// the server's own watcher sees the change. Stops at the first round that times out.
fn create_delete(lsp: &mut Lsp, ws: &Path, client_event: bool, rounds: usize) -> R<Value> {
    let folders = under_folders(ws);
    let folder = folders
        .get(1)
        .or(folders.first())
        .ok_or("no folder")?
        .clone();
    let tag = if client_event { "c" } else { "w" };
    let limit = if client_event { WAIT } else { WATCH_WAIT };
    let (mut created, mut deleted) = (Vec::new(), Vec::new());
    for k in 0..rounds {
        // A Python buffer (not on disk, so the tree stays the generated one): only prompt
        // files on disk and Python files get reference diagnostics.
        let name = format!("fresh{tag}{k}_v1.md");
        let doc = folder.join(format!("bench_watch_{tag}{k}.py"));
        let text = python_ref(ws, &folder, &format!("fresh{tag}{k}"));
        lsp.open(&doc, "python", &text);
        let file = folder.join(&name);
        let round = (|| -> R<(f64, f64)> {
            lsp.pump_until("prompt-not-found before the create", WAIT, |l| {
                l.has_code(&doc, "prompt-not-found") == Some(true)
            })?;
            let event = |lsp: &mut Lsp, kind: u32| {
                if client_event {
                    lsp.notify(
                        "workspace/didChangeWatchedFiles",
                        json!({"changes": [{"uri": uri(&file), "type": kind}]}),
                    );
                }
            };
            let t0 = Instant::now();
            std::fs::write(&file, "# fresh\n").map_err(|e| e.to_string())?;
            event(lsp, 1);
            let t = lsp.pump_until("diagnostics after the create", limit, |l| {
                l.cleared_since(&doc, "prompt-not-found", t0)
            })?;
            let c = ms(t - t0);
            let t0 = Instant::now();
            std::fs::remove_file(&file).map_err(|e| e.to_string())?;
            event(lsp, 3);
            let t = lsp.pump_until("diagnostics after the delete", limit, |l| {
                l.has_code(&doc, "prompt-not-found") == Some(true)
            })?;
            Ok((c, ms(t - t0)))
        })();
        let _ = std::fs::remove_file(&file);
        lsp.close(&doc);
        let (c, d) = round?;
        created.push(c);
        deleted.push(d);
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(json!({
        "create_p50_ms": median(&created), "create_max_ms": percentile(&created, 100.0),
        "delete_p50_ms": median(&deleted), "delete_max_ms": percentile(&deleted, 100.0),
        "rounds": rounds,
    }))
}

/// The server's own watcher right after indexing: a Python buffer referencing a prompt
/// that does not exist yet is opened during the index; as soon as the `$/progress` end
/// arrives the file is written, and the time runs until diagnostics without
/// prompt-not-found arrive for the buffer.
fn watcher_after_index(bin: &Path, ws: &Path) -> R<Value> {
    let folders = under_folders(ws);
    let folder = folders
        .get(2)
        .or(folders.first())
        .ok_or("no folder")?
        .clone();
    let file = folder.join("freshn0_v1.md");
    let doc = folder.join("bench_watch_n0.py");
    let (mut lsp, sent) = Lsp::start(bin, ws, false)?;
    lsp.open(&doc, "python", &python_ref(ws, &folder, "freshn0"));
    let r = (|| -> R<Value> {
        let end = lsp.pump_until("the indexing progress end", WAIT, |l| {
            l.progress_end.is_some()
        })?;
        let t0 = Instant::now();
        std::fs::write(&file, "# fresh\n").map_err(|e| e.to_string())?;
        let t = lsp.pump_until(
            "diagnostics after a create right after indexing",
            WATCH_WAIT,
            |l| l.cleared_since(&doc, "prompt-not-found", t0),
        )?;
        Ok(json!({
            "create_ms": ms(t - t0),
            "index_ms": ms(end - sent),
            "progress_end_to_write_ms": ms(t0.saturating_duration_since(end)),
        }))
    })();
    let _ = std::fs::remove_file(&file);
    lsp.shutdown();
    r
}

/// CPU seconds the server uses in `window` while nothing happens.
/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn idle_cpu_seconds(pid: u32, window: Duration) -> f64 {
    let c0 = cpu_seconds(pid);
    std::thread::sleep(window);
    cpu_seconds(pid) - c0
}

/// The server's own notify watcher (a client without dynamic registration): right after
/// indexing, after settling, idle CPU, and the burst through it.
fn watcher_shape(bin: &Path, ws: &Path, burst_files: Option<&[PathBuf]>) -> Value {
    let mut out = Map::new();
    out.insert(
        "after_index".into(),
        row("watcher right after indexing", || {
            watcher_after_index(bin, ws)
        }),
    );
    let mut wl = match ready(bin, ws, false) {
        Ok(l) => l,
        Err(e) => {
            out.insert("error".into(), json!(e));
            return Value::Object(out);
        }
    };
    out.insert(
        "idle_cpu_s_per_3s".into(),
        json!(idle_cpu_seconds(wl.pid(), Duration::from_secs(3))),
    );
    out.insert(
        "settled".into(),
        row("watcher after settling", || {
            create_delete(&mut wl, ws, false, 5)
        }),
    );
    if let Some(files) = burst_files {
        out.insert(
            "burst".into(),
            row("burst through the watcher", || {
                burst(&mut wl, ws, files, false)
            }),
        );
    }
    wl.shutdown();
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------
// Shape `burst`: 10 000 files at once against the cold index of those files.

/// The burst's files: 10 000 prompt files spread over the `under/` folders.
fn burst_files(folders: &[PathBuf], count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| folders[i % folders.len()].join(format!("burst{i}_v1.md")))
        .collect()
}

/// The cold index time of exactly the burst's files, laid out the same way in a scratch
/// tree (median of `runs`).
fn burst_cold(bin: &Path, bench: &Path, ws: &Path, files: &[PathBuf], runs: usize) -> R<Value> {
    let scratch = bench.join("burst-cold");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(scratch.join(".git")).map_err(|e| e.to_string())?;
    std::fs::copy(ws.join("promptic.toml"), scratch.join("promptic.toml"))
        .map_err(|e| e.to_string())?;
    for f in files {
        let p = scratch.join(f.strip_prefix(ws).unwrap());
        std::fs::create_dir_all(p.parent().unwrap()).map_err(|e| e.to_string())?;
        std::fs::write(&p, "# burst\n").map_err(|e| e.to_string())?;
    }
    let mut v = Vec::new();
    for _ in 0..runs {
        match cold_start(bin, &scratch, false) {
            Ok((lsp, t, _)) => {
                lsp.shutdown();
                v.push(t);
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&scratch);
                return Err(e);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(series(&v))
}

/// [`burst`] `runs` times: each run's figures, and the medians of the timings under the
/// same keys.
fn burst_runs(lsp: &mut Lsp, ws: &Path, files: &[PathBuf], runs: usize) -> R<Value> {
    let mut all = Vec::new();
    for r in 0..runs {
        let one = burst(lsp, ws, files, true)?;
        eprintln!("  burst run {r}: {one}");
        all.push(one);
    }
    let mut out = all[0].clone();
    for key in [
        "write_ms",
        "from_first_write_ms",
        "from_last_write_ms",
        "delete_from_first_ms",
        "floor_lstat_ms",
        "floor_decode_ms",
    ] {
        let v: Vec<f64> = all.iter().filter_map(|r| r[key].as_f64()).collect();
        out[key] = json!(median(&v));
    }
    out["runs"] = json!(all);
    Ok(out)
}

/// Creates the burst's files at once and waits until the index reflects them: open
/// documents referencing the first and the last file lose their prompt-not-found, and
/// workspace/symbol finds a sample of them. The files are removed again in any case.
fn burst(lsp: &mut Lsp, ws: &Path, files: &[PathBuf], client_event: bool) -> R<Value> {
    let r = burst_inner(lsp, ws, files, client_event);
    for f in files {
        let _ = std::fs::remove_file(f);
    }
    r
}

fn burst_inner(lsp: &mut Lsp, ws: &Path, files: &[PathBuf], client_event: bool) -> R<Value> {
    let limit = if client_event {
        WAIT
    } else {
        WAIT.max(WATCH_WAIT)
    };
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
        lsp.pump_until("prompt-not-found before the burst", WAIT, |l| {
            l.has_code(doc, "prompt-not-found") == Some(true)
        })?;
    }
    let changes = |kind: u32| -> Value {
        json!({"changes": files.iter().map(|f| json!({"uri": uri(f), "type": kind})).collect::<Vec<_>>()})
    };
    // One coalesced notification, as an editor sends after a checkout; serialized before
    // the clock starts (what the editor spends on it is not the server's time).
    let created = Lsp::serialized("workspace/didChangeWatchedFiles", changes(1));
    let deleted = Lsp::serialized("workspace/didChangeWatchedFiles", changes(3));
    let t0 = Instant::now();
    for f in files {
        std::fs::write(f, "# burst\n").map_err(|e| e.to_string())?;
    }
    let written = Instant::now();
    if client_event {
        lsp.send_serialized(&created);
    }
    let t = lsp.pump_until("diagnostics after the burst", limit, |l| {
        docs.iter()
            .all(|(d, _)| l.cleared_since(d, "prompt-not-found", t0))
    })?;
    // A sample must be found by name.
    let mut found = 0;
    let sample: Vec<&PathBuf> = files.iter().step_by((files.len() / 20).max(1)).collect();
    for f in &sample {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        let base = stem.split("_v1").next().unwrap().to_string();
        let r = lsp.request("workspace/symbol", json!({"query": base.clone()}))?;
        if r["result"]
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s["name"] == json!(base)))
        {
            found += 1;
        }
    }
    // Floors of a refresh that trusts nothing it did not examine: one `lstat` of each
    // changed path, and decoding the notification that names them (JSON).
    let t_stat = Instant::now();
    for f in files {
        let _ = std::fs::symlink_metadata(f);
    }
    let floor_lstat_ms = ms(t_stat.elapsed());
    let t_decode = Instant::now();
    let decoded: Value = serde_json::from_str(&created).map_err(|e| e.to_string())?;
    let floor_decode_ms = ms(t_decode.elapsed());
    drop(decoded);
    // Remove them again (another burst) and let the server settle.
    let t1 = Instant::now();
    for f in files {
        let _ = std::fs::remove_file(f);
    }
    if client_event {
        lsp.send_serialized(&deleted);
    }
    let tdel = lsp.pump_until("diagnostics after the burst deletion", limit, |l| {
        docs.iter()
            .all(|(d, _)| l.has_code(d, "prompt-not-found") == Some(true))
    })?;
    for (d, _) in &docs {
        lsp.close(d);
    }
    Ok(json!({
        "files": files.len(),
        "write_ms": ms(written - t0),
        "from_first_write_ms": ms(t - t0),
        "from_last_write_ms": ms(t.saturating_duration_since(written)),
        "delete_from_first_ms": ms(tdel - t1),
        "floor_lstat_ms": floor_lstat_ms,
        "floor_decode_ms": floor_decode_ms,
        "sample_found": found, "sample": sample.len(),
    }))
}

// ---------------------------------------------------------------------------------------
// Shape `check`: `promptls check` of the whole tree against `rg -c '\{\{'`.

fn check_shape(bin: &Path, ws: &Path, runs: usize) -> R<Value> {
    let (mut rg, mut check) = (Vec::new(), Vec::new());
    for r in 0..runs {
        rg.push(time_rg_count(ws)?);
        check.push(time_check(bin, &[ws.to_path_buf()])?);
        eprintln!("  run {r}: rg -c {:.1} ms, check {:.1} ms", rg[r], check[r]);
    }
    Ok(json!({
        "rg_count_ms": series(&rg),
        "check_ms": series(&check),
        "check_vs_rg_count": median(&check) / median(&rg),
    }))
}

// ---------------------------------------------------------------------------------------
// Shape `promptic`: head-to-head with promptic resolving `latest` for every prompt.

/// The extensions promptic 0.1.6 tries for a prompt named without one
/// (`PromptPathResolver.SUPPORTED_EXTENSIONS`).
const PROMPTIC_EXTENSIONS: &[&str] = &["md", "markdown", "yaml", "yml", "json", "jinja2", "jinja"];
const PROMPT_EXTENSIONS: &[&str] = &["md", "txt", "yaml", "jinja2"];

/// Every prompt of a subtree as a reference relative to it (its project root):
/// `gNN/fNNN/base`, with the extension when promptic would not try it (`.txt`).
fn prompt_hints(subtree: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for folder in folders_of(subtree) {
        let rel = folder
            .strip_prefix(subtree)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let mut hints: Vec<String> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                let (_, ext) = name.rsplit_once('.')?;
                if !PROMPT_EXTENSIONS.contains(&ext) || name == "README.md" {
                    return None;
                }
                // gen-workspace's prompt names: a word, `_story` in some, a number.
                let letters = name.find(|c: char| !c.is_ascii_lowercase())?;
                let rest = &name[letters..];
                let rest_start = letters + if rest.starts_with("_story") { 6 } else { 0 };
                let digits = name[rest_start..]
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(name.len() - rest_start);
                if digits == 0 || letters == 0 {
                    return None;
                }
                let base = &name[..rest_start + digits];
                Some(if PROMPTIC_EXTENSIONS.contains(&ext) {
                    format!("{rel}/{base}")
                } else {
                    format!("{rel}/{base}.{ext}")
                })
            })
            .collect();
        hints.sort();
        hints.dedup();
        out.extend(hints);
    }
    out
}

/// promptic's resolver for every prompt of every subtree, one process. promptic reads no
/// promptic.toml: each subtree's `[versioning]` (merged over the root's, key by key, as
/// promptls applies them) is given to it as a `VersioningConfig`; a subtree whose
/// settings promptic rejects is reported as unreadable.
const PROMPTIC_SCRIPT: &str = r#"
import json, sys, time, tomllib
from pathlib import Path
t0 = time.perf_counter()
from promptic.versioning import VersioningConfig, ClassifierConfig
from promptic.versioning.utils.path_resolver import PromptPathResolver
t1 = time.perf_counter()
out = []
for sub in json.load(sys.stdin):
    merged = {}
    for toml in sub["tomls"]:
        with open(toml, "rb") as f:
            merged.update(tomllib.load(f).get("versioning", {}))
    try:
        if "classifiers" in merged:
            merged["classifiers"] = {k: ClassifierConfig(name=k, **v) for k, v in merged["classifiers"].items()}
        resolver = PromptPathResolver(versioning_config=VersioningConfig(**merged))
    except Exception as e:
        out.append({"subtree": sub["name"], "prompts": len(sub["hints"]), "unreadable": f"{type(e).__name__}: {e}"})
        continue
    root = Path(sub["root"])
    ok, errors, first = 0, {}, None
    for hint in sub["hints"]:
        try:
            resolver.resolve(hint, base_dir=root, version_spec="latest").read_text(encoding="utf-8")
            ok += 1
        except Exception as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
            first = first or f"{hint}: {type(e).__name__}: {e}"[:300]
    out.append({"subtree": sub["name"], "prompts": len(sub["hints"]), "resolved": ok, "errors": errors, "first_error": first})
t2 = time.perf_counter()
print(json.dumps({"subtrees": out, "import_ms": (t1 - t0) * 1000, "loop_ms": (t2 - t1) * 1000}))
"#;

/// A Python that imports promptic's resolver (the venv of target/bench first).
fn promptic_python() -> Result<PathBuf, String> {
    let venv = manifest_dir().join("target/bench/venv/bin/python");
    for py in [venv, PathBuf::from("python3")] {
        let ok = Command::new(&py)
            .args([
                "-c",
                "from promptic.versioning.utils.path_resolver import PromptPathResolver",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(py);
        }
    }
    Err("no Python with promptic 0.1.6 from its source (python3 -m venv target/bench/venv && target/bench/venv/bin/pip install PROMPTIC_SOURCE; PyPI's `promptic` is an unrelated library)".into())
}

fn run_promptic(py: &Path, job: &str) -> R<(f64, Value)> {
    let t = Instant::now();
    let mut child = Command::new(py)
        .args(["-c", PROMPTIC_SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stdin = child.stdin.take().unwrap();
    let job = job.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(job.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let elapsed = ms(t.elapsed());
    let _ = writer.join();
    if !out.status.success() {
        return Err(format!(
            "promptic script failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let v = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok((elapsed, v))
}

/// promptic (one process, `latest` of every prompt) against `promptls check` of a Python
/// file per subtree holding one `load_prompt(<the same prompt>, version="latest")` per
/// prompt (one process: index and resolve every reference), alternating per run.
fn promptic_shape(
    bin: &Path,
    ws: &Path,
    runs: usize,
    floors: (Option<f64>, Option<f64>),
) -> R<Value> {
    let py = promptic_python()?;
    let mut job = Vec::new();
    let mut files = Vec::new();
    let mut total = 0;
    for sub in subtrees(ws) {
        let hints = prompt_hints(&sub);
        total += hints.len();
        let mut text = String::from("from promptic import load_prompt\n\n");
        for (i, h) in hints.iter().enumerate() {
            let _ = writeln!(text, "p{i} = load_prompt(\"{h}\", version=\"latest\")");
        }
        let file = sub.join("bench_all_latest.py");
        std::fs::write(&file, text).map_err(|e| e.to_string())?;
        files.push(file);
        job.push(json!({
            "name": sub.file_name().unwrap().to_string_lossy(),
            "root": sub,
            "tomls": [ws.join("promptic.toml"), sub.join("promptic.toml")],
            "hints": hints,
        }));
    }
    let job = Value::Array(job).to_string();
    let r = (|| -> R<Value> {
        let (mut promptic, mut check) = (Vec::new(), Vec::new());
        let mut last = Value::Null;
        for r in 0..runs {
            let (t, v) = run_promptic(&py, &job)?;
            promptic.push(t);
            last = v;
            check.push(time_check(bin, &files)?);
            eprintln!(
                "  run {r}: promptic {:.1} ms, promptls check of the references {:.1} ms",
                promptic[r], check[r]
            );
        }
        // What promptls found in those references (a sanity check of the comparison).
        let out = Command::new(bin)
            .args(["check", "--format", "json"])
            .args(&files)
            .output()
            .map_err(|e| e.to_string())?;
        let diags: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let mut codes: HashMap<String, u64> = HashMap::new();
        for d in &diags {
            *codes
                .entry(d["code"].as_str().unwrap_or("?").to_string())
                .or_default() += 1;
        }
        let (rg_files, rg_count) = floors;
        let rg_files = match rg_files {
            Some(v) => v,
            None => median(
                &(0..runs)
                    .map(|_| time_rg_files(ws))
                    .collect::<R<Vec<_>>>()?,
            ),
        };
        let rg_count = match rg_count {
            Some(v) => v,
            None => median(
                &(0..runs)
                    .map(|_| time_rg_count(ws))
                    .collect::<R<Vec<_>>>()?,
            ),
        };
        let p = median(&promptic);
        Ok(json!({
            "prompts": total,
            "promptic_ms": series(&promptic),
            "promptic": last,
            "check_references_ms": series(&check),
            "check_references_diagnostics": codes,
            "promptic_vs_check_references": p / median(&check),
            "rg_files_ms": rg_files,
            "rg_count_ms": rg_count,
            "promptic_vs_rg_files": p / rg_files,
            "promptic_vs_rg_count": p / rg_count,
        }))
    })();
    for f in &files {
        let _ = std::fs::remove_file(f);
    }
    r
}

// ---------------------------------------------------------------------------------------
// Shape `many-versions`: one prompt with N versions.

/// At most this many timed requests per LSP row of the many-versions shape (a completion
/// of 20 000 versions takes a third of a second).
const MANY_VERSIONS_REQUESTS: usize = 300;

fn many_versions(
    bin: &Path,
    generator: &Path,
    bench: &Path,
    n: usize,
    runs: usize,
    requests: usize,
) -> R<Value> {
    let (ws, summary) = generated(
        generator,
        bench,
        &format!("versions-{}", label(n)),
        &["--versions".into(), n.to_string()],
    )?;
    let (mut versions, mut check) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        versions.push(time_cmd(
            Command::new(bin)
                .args(["versions", "prompts/task"])
                .current_dir(&ws),
            "promptls versions",
            &[0],
        )?);
        check.push(time_check(bin, std::slice::from_ref(&ws))?);
    }
    let mut lsp = ready(bin, &ws, true)?;
    let r = (|| -> R<Value> {
        let app = ws.join("app.py");
        let text = std::fs::read_to_string(&app).map_err(|e| e.to_string())?;
        lsp.open(&app, "python", &text);
        let td = json!({"uri": uri(&app)});
        let completion = json!({"textDocument": td,
            "position": position_after(&text, "pick = load_prompt(\"prompts/task\", version=\"v")?});
        let hover = json!({"textDocument": td,
            "position": position_after(&text, "latest = load_prompt(\"prompts/ta")?});
        let first = lsp.request("textDocument/completion", completion.clone())?;
        let items = first["result"]["items"].as_array().map_or(0, Vec::len);
        let first_hover = lsp.request("textDocument/hover", hover.clone())?;
        Ok(json!({
            "completion": timed_rounds(&mut lsp, "textDocument/completion", &completion, requests)?,
            "completion_items": items,
            "completion_incomplete": first["result"]["isIncomplete"],
            "hover": timed_rounds(&mut lsp, "textDocument/hover", &hover, requests)?,
            "hover_bytes": first_hover["result"].to_string().len(),
        }))
    })();
    lsp.shutdown();
    let mut v = r?;
    v["versions"] = json!(n);
    v["workspace"] = summary;
    v["versions_ms"] = series(&versions);
    v["check_ms"] = series(&check);
    Ok(v)
}

// ---------------------------------------------------------------------------------------
// Shape `api`: `promptls api` under load over HTTP/1.1 (benches/support/http_load.rs).

/// Concurrent keep-alive connections of each GET run.
const API_CONNS: usize = 64;
/// Each GET run: a warm-up, then the timed window.
const API_WARMUP: Duration = Duration::from_secs(1);
const API_GET: Duration = Duration::from_secs(10);
/// The create run: concurrent clients POSTing new versions of one prompt.
const API_CREATORS: usize = 8;
const API_CREATE: Duration = Duration::from_secs(5);
/// Prompt ids taken from `GET /prompts`, spread evenly over the sorted list.
const API_SAMPLE: usize = 256;
/// The tree the API is measured on (the budget's).
const API_TREE: usize = 100_000;
/// Marks what the create run writes (its files are removed after it, or at the next run).
const API_MARK: &str = "promptls-bench-api";

/// A `promptls api` process, stopped when dropped.
struct ApiServer {
    child: Child,
    addr: std::net::SocketAddr,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl ApiServer {
    /// Starts `promptls api WS --bind 127.0.0.1:0`, reads the address it listens on from
    /// its first line, and waits for `/healthz`. Returns it and spawn → healthy (ms).
    fn start(bin: &Path, ws: &Path) -> R<(ApiServer, f64)> {
        let t = Instant::now();
        let mut child = Command::new(bin)
            .arg("api")
            .arg(ws)
            .args(["--bind", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawn promptls api: {e}"))?;
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if !sent && let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split('/').next().unwrap_or("").to_string();
                    let _ = tx.send(addr);
                    sent = true;
                }
            }
        });
        let addr = match rx.recv_timeout(WAIT) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                return Err(crashed(format!(
                    "promptls api did not start listening ({status:?})"
                )));
            }
        };
        let addr: std::net::SocketAddr = addr
            .parse()
            .map_err(|e| format!("the address {addr:?}: {e}"))?;
        let server = ApiServer { child, addr };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(r) = http_load::get_once(addr, "/healthz")
                && r.status == 200
            {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("timeout waiting for {addr}/healthz"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok((server, ms(t.elapsed())))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is still running (a crash is recorded).
    fn alive(&mut self) -> R<()> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            other => Err(crashed(format!("promptls api exited: {other:?}"))),
        }
    }

    fn get_json(&self, path: &str) -> R<Value> {
        let r = http_load::get_once(self.addr, path).map_err(|e| format!("GET {path}: {e}"))?;
        if r.status != 200 {
            return Err(format!(
                "GET {path}: {} {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            ));
        }
        serde_json::from_slice(&r.body).map_err(|e| format!("GET {path}: {e}"))
    }
}

/// A prompt id as one path segment (`prompts%2Ftask`).
fn segment(id: &str) -> String {
    let mut s = String::new();
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            s.push(b as char);
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    s
}

/// Removes the files of an earlier create run from `folder` (they hold [`API_MARK`]).
fn clean_api_files(folder: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_file()
            && std::fs::read_to_string(&p).is_ok_and(|t| t.contains(API_MARK))
            && std::fs::remove_file(&p).is_ok()
        {
            n += 1;
        }
    }
    n
}

/// A load run's figures: latency percentiles, requests/s, errors, and the server's CPU.
fn load_summary(l: &http_load::Load, cpu_s: f64) -> Value {
    let mut v = latency_summary(&l.latencies_ms);
    let wall = l.wall.as_secs_f64();
    v["requests"] = json!(l.latencies_ms.len());
    v["wall_s"] = json!(wall);
    v["rps"] = json!(l.latencies_ms.len() as f64 / wall.max(1e-9));
    v["non_2xx"] = json!(l.non_2xx);
    v["io_errors"] = json!(l.io_errors);
    v["errors"] = json!(l.non_2xx + l.io_errors);
    v["error_samples"] = json!(l.samples);
    v["mean_body_bytes"] = json!(l.bytes as f64 / l.latencies_ms.len().max(1) as f64);
    v["server_cpu_cores"] = json!(cpu_s / wall.max(1e-9));
    v
}

fn api_shape(bin: &Path, generator: &Path, bench: &Path, seed: u64) -> R<Value> {
    let (ws, summary) = workspace(generator, bench, API_TREE, seed)?;
    clean_leftovers(&ws);
    let _ = time_rg_files(&ws);
    let (mut server, startup_ms) = ApiServer::start(bin, &ws)?;
    let r = api_load(&mut server, &ws);
    let pid = server.pid();
    let rss = vm_rss_kib(pid).unwrap_or(0);
    drop(server);
    let (mut v, created) = r?;
    // The server is stopped: the create run's files go.
    for f in &created {
        let _ = std::fs::remove_file(f);
    }
    v["tree"] = json!(label(API_TREE));
    v["workspace"] = summary;
    v["startup_ms"] = json!(startup_ms);
    v["rss_kib_after"] = json!(rss);
    Ok(v)
}

/// The GET runs and the create run on a started server; returns the figures and the files
/// the create run made.
fn api_load(server: &mut ApiServer, ws: &Path) -> R<(Value, Vec<PathBuf>)> {
    let addr = server.addr;
    let health = server.get_json("/healthz")?;
    let prompts = server.get_json("/prompts")?;
    let all = prompts.as_array().ok_or("GET /prompts: not a list")?;
    // Versioned prompts (with a release): not the folders' unversioned README.md.
    let prompts: Vec<&Value> = all.iter().filter(|p| p["latest"].is_string()).collect();
    if prompts.is_empty() {
        return Err("GET /prompts: no prompt with a release".into());
    }
    let n = prompts.len();
    let sample: Vec<&Value> = (0..API_SAMPLE.min(n))
        .map(|i| prompts[i * n / API_SAMPLE.min(n)])
        .collect();
    // The requests, each checked once before the load: one that fails alone is left out
    // of the load (and reported), so the load's errors are the load's.
    let (mut versions, mut resolve, mut excluded, mut with_lang) =
        (Vec::new(), Vec::new(), Vec::new(), 0);
    for p in &sample {
        let id = p["prompt_id"].as_str().unwrap_or("");
        let seg = segment(id);
        let lang = p["variants"]
            .as_array()
            .and_then(|v| v.iter().find_map(|m| m["lang"].as_str()));
        let list = format!("/prompts/{seg}/versions");
        let res = match lang {
            Some(l) => {
                with_lang += 1;
                format!("/prompts/{seg}/resolve?version=latest&lang={}", segment(l))
            }
            None => format!("/prompts/{seg}/resolve?version=latest"),
        };
        for (path, into) in [(list, &mut versions), (res, &mut resolve)] {
            match http_load::get_once(addr, &path) {
                Ok(r) if (200..300).contains(&r.status) => into.push(http_load::get(&path)),
                Ok(r) => excluded.push(format!(
                    "{path}: {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                        .chars()
                        .take(160)
                        .collect::<String>()
                )),
                Err(e) => excluded.push(format!("{path}: {e}")),
            }
        }
    }
    if versions.is_empty() || resolve.is_empty() {
        return Err(format!("no request answered 2xx alone: {excluded:?}"));
    }
    let mut out = json!({
        "prompt_files": health["prompt_files"],
        "prompts": all.len(),
        "versioned_prompts": n,
        "sampled": sample.len(),
        "with_lang": with_lang,
        "excluded": excluded,
        "connections": API_CONNS,
        "warmup_s": API_WARMUP.as_secs_f64(),
        "duration_s": API_GET.as_secs_f64(),
    });
    for (key, reqs) in [("versions", &versions), ("resolve", &resolve)] {
        eprintln!("  api: GET {key}, {API_CONNS} connections ...");
        let c0 = cpu_seconds(server.pid());
        let l = http_load::run(addr, reqs, API_CONNS, API_WARMUP, API_GET);
        let c1 = cpu_seconds(server.pid());
        server.alive()?;
        // The server's CPU over warm-up and window alike, per second of the window.
        let share = l.wall.as_secs_f64() / (API_WARMUP + API_GET).as_secs_f64();
        let mut v = load_summary(&l, (c1 - c0) * share);
        v["distinct_requests"] = json!(reqs.len());
        eprintln!("  api: {key}: {v}");
        out[key] = v;
    }
    // The create run: one prompt (the first sampled one with a single variant), API_CREATORS
    // clients for API_CREATE.
    let target = sample
        .iter()
        .find(|p| p["variants"].as_array().is_some_and(|v| v.len() <= 1))
        .unwrap_or(&sample[0]);
    let id = target["prompt_id"].as_str().unwrap_or("").to_string();
    let listed = server.get_json(&format!("/prompts/{}/versions", segment(&id)))?;
    let folder = listed[0]["path"]
        .as_str()
        .map(|p| {
            Path::new(p)
                .parent()
                .unwrap_or(Path::new("/"))
                .to_path_buf()
        })
        .ok_or("the target prompt lists no version")?;
    let stale = clean_api_files(&folder);
    if stale > 0 {
        // Files of an interrupted run: the index learns of their removal from the watcher.
        std::thread::sleep(Duration::from_millis(500));
    }
    let names = |dir: &Path| -> std::collections::BTreeSet<PathBuf> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    let before = names(&folder);
    eprintln!("  api: creates of {id}, {API_CREATORS} clients ...");
    let create = api_creates(addr, &id);
    let after = names(&folder);
    let new: Vec<PathBuf> = after.difference(&before).cloned().collect();
    server.alive()?;
    let (mut c, posted) = create;
    // Verify: one new file per 201, all distinct, each holding what was posted.
    let mut problems = Vec::new();
    let paths: std::collections::BTreeSet<PathBuf> =
        posted.iter().map(|(p, _, _)| p.clone()).collect();
    if paths.len() != posted.len() {
        problems.push(format!(
            "{} 201 responses name {} distinct files",
            posted.len(),
            paths.len()
        ));
    }
    let new_set: std::collections::BTreeSet<PathBuf> = new.iter().cloned().collect();
    if new_set != paths {
        let missing = paths.difference(&new_set).count();
        let extra = new_set.difference(&paths).count();
        problems.push(format!(
            "{missing} files answered 201 are not on disk; {extra} new files on disk no 201 names"
        ));
    }
    let mut content_ok = 0;
    for (path, title, content) in &posted {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                // `---\ntitle: "…"\n---\n` and then the content, byte for byte.
                let (front, body) = text
                    .strip_prefix("---\n")
                    .and_then(|t| t.split_once("\n---\n"))
                    .unwrap_or(("", ""));
                let body_ok = body == content.as_str() && front.contains(title.as_str());
                if body_ok {
                    content_ok += 1;
                } else if problems.len() < 10 {
                    problems.push(format!(
                        "{}: holds {text:?}, posted title {title:?} content {content:?}",
                        path.display()
                    ));
                }
            }
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    c["prompt_id"] = json!(id);
    let root = ws.canonicalize().unwrap_or_else(|_| ws.to_path_buf());
    c["folder"] = json!(
        folder
            .strip_prefix(&root)
            .unwrap_or(&folder)
            .display()
            .to_string()
    );
    c["new_files"] = json!(new.len());
    c["distinct_files"] = json!(paths.len());
    c["content_ok"] = json!(content_ok);
    c["problems"] = json!(problems);
    c["verified"] =
        json!(problems.is_empty() && new.len() == posted.len() && content_ok == posted.len());
    if let Some(sample) = posted.first() {
        c["example_file"] = json!(std::fs::read_to_string(&sample.0).unwrap_or_default());
    }
    out["create"] = c;
    let mut made: Vec<PathBuf> = new;
    made.extend(paths);
    // The seed's other two stories on this tree: get a version by its id (its content is
    // the file's), and revert to the oldest (a NEW file with exactly the oldest's bytes).
    let (stories, reverted) = api_stories(server, &id);
    made.extend(reverted);
    out["stories"] = stories;
    Ok((out, made))
}

/// `GET …/versions/{id}` of the oldest version of `id`, and `POST …/{id}/revert` to it;
/// `{"get": bool, "revert": bool, "problems": [...]}` and the file the revert made.
fn api_stories(server: &ApiServer, id: &str) -> (Value, Vec<PathBuf>) {
    let mut problems = Vec::new();
    let mut made = Vec::new();
    let seg = segment(id);
    let (mut get_ok, mut revert_ok) = (false, false);
    match server.get_json(&format!("/prompts/{seg}/versions")) {
        Ok(list) => {
            let oldest = list
                .as_array()
                .and_then(|l| l.iter().rev().find(|v| v["version"].is_string()))
                .cloned()
                .unwrap_or(Value::Null);
            let (vid, path) = (
                oldest["id"].as_str().unwrap_or(""),
                oldest["path"].as_str().unwrap_or(""),
            );
            let bytes = std::fs::read(path).unwrap_or_default();
            match server.get_json(&format!("/prompts/{seg}/versions/{}", segment(vid))) {
                Ok(v) if v["content"].as_str().map(str::as_bytes) == Some(&bytes[..]) => {
                    get_ok = true
                }
                Ok(v) => problems.push(format!("GET {vid}: content differs: {}", v["content"])),
                Err(e) => problems.push(e),
            }
            let path_ = format!("/prompts/{seg}/versions/{}/revert", segment(vid));
            match http_load::Conn::open(server.addr)
                .and_then(|mut c| c.round_trip(&http_load::post_json(&path_, "")))
            {
                Ok(r) if r.status == 201 => {
                    let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                    let new = PathBuf::from(v["created"]["path"].as_str().unwrap_or(""));
                    if std::fs::read(&new).ok().as_deref() == Some(&bytes[..]) {
                        revert_ok = true;
                    } else {
                        problems.push(format!(
                            "revert: {} does not hold {vid}'s bytes",
                            new.display()
                        ));
                    }
                    made.push(new);
                }
                Ok(r) => problems.push(format!(
                    "POST {path_}: {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                )),
                Err(e) => problems.push(format!("POST {path_}: {e}")),
            }
        }
        Err(e) => problems.push(e),
    }
    (
        json!({"get": get_ok, "revert": revert_ok, "problems": problems}),
        made,
    )
}

/// API_CREATORS clients POSTing new versions of `id` for API_CREATE; returns the figures
/// and, per 201, the file it names and the title and content posted.
fn api_creates(addr: std::net::SocketAddr, id: &str) -> (Value, Vec<(PathBuf, String, String)>) {
    let path = format!("/prompts/{}/versions", segment(id));
    let start = Instant::now();
    let stop = start + API_CREATE;
    let threads: Vec<_> = (0..API_CREATORS)
        .map(|c| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let (mut ok, mut bad, mut io) = (Vec::new(), Vec::new(), 0usize);
                let Ok(mut conn) = http_load::Conn::open(addr) else {
                    return (lat, ok, bad, 1);
                };
                let mut i = 0;
                while Instant::now() < stop {
                    let title = format!("{API_MARK} client {c} request {i}");
                    let content = format!(
                        "{API_MARK}: client {c}, request {i}.\nAnswer the question in one line.\n"
                    );
                    i += 1;
                    let body = json!({"title": title, "content": content}).to_string();
                    let t = Instant::now();
                    match conn.round_trip(&http_load::post_json(&path, &body)) {
                        Ok(r) => {
                            lat.push(ms(t.elapsed()));
                            let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                            if r.status == 201 {
                                let file = PathBuf::from(v["path"].as_str().unwrap_or(""));
                                ok.push((file, title, content));
                            } else {
                                bad.push(format!("{}: {v}", r.status));
                            }
                        }
                        Err(_) => {
                            io += 1;
                            if conn.reopen().is_err() {
                                break;
                            }
                        }
                    }
                }
                (lat, ok, bad, io)
            })
        })
        .collect();
    let (mut lat, mut posted, mut bad, mut io) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for t in threads {
        match t.join() {
            Ok((l, o, b, i)) => {
                lat.extend(l);
                posted.extend(o);
                bad.extend(b);
                io += i;
            }
            Err(_) => io += 1,
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let mut v = latency_summary(&lat);
    v["clients"] = json!(API_CREATORS);
    v["duration_s"] = json!(API_CREATE.as_secs_f64());
    v["wall_s"] = json!(wall);
    v["created"] = json!(posted.len());
    v["creates_per_s"] = json!(posted.len() as f64 / wall);
    v["non_2xx"] = json!(bad.len());
    v["io_errors"] = json!(io);
    v["errors"] = json!(bad.len() + io);
    v["error_samples"] = json!(bad.iter().take(5).collect::<Vec<_>>());
    (v, posted)
}

// ---------------------------------------------------------------------------------------

fn main() {
    let o = opts();
    let bench = manifest_dir().join("target/bench");
    std::fs::create_dir_all(&bench).unwrap();
    if o.render_only {
        let text = std::fs::read_to_string(bench.join("results.json"))
            .expect("target/bench/results.json (run the harness first)");
        let out: Value = serde_json::from_str(&text).expect("results.json");
        write_reports(&bench, &out, o.write_benchmarks);
        return;
    }
    let load_before = loadavg();
    let started = date();
    // The commit and whether the tree differs from it, as the binaries are built (edits
    // made while the run goes on are not in what it measures).
    let mut machine = machine(&bench);
    let (server, generator) = ensure_binaries(&o);
    let per_size = [
        "index", "latency", "events", "watcher", "burst", "check", "promptic",
    ];
    let any_per_size = per_size.iter().any(|s| o.has(s));
    let mut results = Vec::new();
    let mut once = Map::new();
    for (i, &n) in o.sizes.iter().enumerate() {
        let first = i == 0;
        if !any_per_size && !(first && (o.has("big-files") || o.has("big-buffer"))) {
            break;
        }
        eprintln!("== {} prompt files", label(n));
        let mut r = Map::new();
        r.insert("prompt_files".into(), json!(n));
        let (ws, summary) = match workspace(&generator, &bench, n, o.seed) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("  workspace: {e}");
                r.insert("error".into(), json!(e));
                results.push(Value::Object(r));
                continue;
            }
        };
        clean_leftovers(&ws);
        eprintln!("   {}", ws.display());
        let prompt_files = summary["prompt_files"].as_u64().unwrap_or(n as u64);
        r.insert("workspace".into(), summary);
        // Warm the page cache for every contender alike.
        let _ = time_rg_count(&ws);
        let _ = time_rg_files(&ws);
        if first && o.has("big-files") {
            let v = row("big files", || {
                let mut lsp = ready(&server, &ws, true)?;
                let r = big_files(&mut lsp, &ws, o.requests);
                lsp.shutdown();
                r
            });
            once.insert("big_files".into(), json!({"tree": label(n), "rows": v}));
        }
        if first && o.has("big-buffer") {
            let v = big_buffer(&server, &ws, o.requests);
            once.insert("big_buffer".into(), json!({"tree": label(n), "rows": v}));
        }
        if !any_per_size {
            continue;
        }
        let mut live = None;
        if o.has("index") {
            let (v, lsp) = index_shape(&server, &ws, o.runs, prompt_files);
            r.insert("index".into(), v);
            live = lsp;
        }
        if live.is_none() && (o.has("latency") || o.has("events") || o.has("burst")) {
            match ready(&server, &ws, true) {
                Ok(l) => live = Some(l),
                Err(e) => {
                    r.insert("server_error".into(), json!(e));
                }
            }
        }
        let files = burst_files(&under_folders(&ws), 10_000);
        if let Some(lsp) = live.as_mut() {
            if o.has("latency") {
                r.insert(
                    "latency".into(),
                    row("latency", || latencies(lsp, &ws, o.requests)),
                );
            }
            if o.has("events") {
                r.insert(
                    "events".into(),
                    row("client event", || create_delete(lsp, &ws, true, 10)),
                );
            }
            if o.has("burst") {
                r.insert(
                    "burst".into(),
                    row("burst (client event)", || {
                        burst_runs(lsp, &ws, &files, o.runs)
                    }),
                );
                r.insert(
                    "rss_kib_after_burst".into(),
                    json!(vm_rss_kib(lsp.pid()).unwrap_or(0)),
                );
            }
        }
        if let Some(lsp) = live.take() {
            lsp.shutdown();
        }
        if o.has("burst") {
            r.insert(
                "burst_cold".into(),
                row("cold index of the burst's files", || {
                    burst_cold(&server, &bench, &ws, &files, o.runs)
                }),
            );
        }
        if o.has("watcher") {
            let files = o.has("burst").then_some(&files[..]);
            r.insert("watcher".into(), watcher_shape(&server, &ws, files));
        }
        if o.has("check") {
            r.insert(
                "check".into(),
                row("check", || check_shape(&server, &ws, o.runs)),
            );
        }
        if o.has("promptic") {
            let floors = (
                r.get("index")
                    .and_then(|v| v["rg_files_ms"]["median"].as_f64()),
                r.get("check")
                    .and_then(|v| v["rg_count_ms"]["median"].as_f64()),
            );
            r.insert(
                "promptic".into(),
                row("promptic", || promptic_shape(&server, &ws, o.runs, floors)),
            );
        }
        clean_leftovers(&ws);
        results.push(Value::Object(r));
        if o.clean {
            let _ = std::fs::remove_dir_all(&ws);
            let _ = std::fs::remove_file(bench.join(format!("ws-{}-s{}.json", label(n), o.seed)));
        }
    }
    if o.has("many-versions") {
        let v: Vec<Value> = o
            .versions
            .iter()
            .map(|&n| {
                row(&format!("many versions {}", label(n)), || {
                    many_versions(
                        &server,
                        &generator,
                        &bench,
                        n,
                        o.runs,
                        o.requests.min(MANY_VERSIONS_REQUESTS),
                    )
                })
            })
            .collect();
        once.insert("many_versions".into(), Value::Array(v));
    }
    if o.has("api") {
        let (load_before, started) = (loadavg(), date());
        let mut v = row("api", || api_shape(&server, &generator, &bench, o.seed));
        // Its own run: an `--only api` run keeps the other figures of results.json.
        let mut m = machine.clone();
        m["load_before"] = json!(load_before);
        m["load_after"] = json!(loadavg());
        m["started"] = json!(started);
        v["machine"] = m;
        v["command"] = json!(command_line(&o));
        once.insert("api".into(), v);
    }
    machine["load_before"] = json!(load_before);
    machine["load_after"] = json!(loadavg());
    machine["started"] = json!(started);
    let crashes = CRASHES.lock().unwrap().clone();
    let mut out = json!({
        "machine": machine,
        "command": command_line(&o),
        "seed": o.seed,
        "runs": o.runs,
        "requests": o.requests,
        "only": o.only,
        "sizes": results,
        "once": once,
        "crashes": crashes,
    });
    if o.only.iter().all(|s| s == "api") && !o.only.is_empty() {
        // `--only api`: the other figures of the last results.json stay (with their own
        // machine and command); only the API's are replaced.
        if let Some(mut prev) = std::fs::read_to_string(bench.join("results.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .filter(|p| p["once"].is_object())
        {
            prev["once"]["api"] = out["once"]["api"].take();
            if let Some(c) = prev["crashes"].as_array_mut() {
                c.extend(crashes.iter().map(|x| json!(x)));
            }
            out = prev;
        }
    }
    std::fs::write(
        bench.join("results.json"),
        serde_json::to_string_pretty(&out).unwrap(),
    )
    .unwrap();
    write_reports(&bench, &out, o.write_benchmarks);
    if !crashes.is_empty() {
        eprintln!("crashes: {crashes:?}");
        std::process::exit(1);
    }
}

fn write_reports(bench: &Path, out: &Value, benchmarks: bool) {
    let tables = render_tables(out);
    std::fs::write(bench.join("results.md"), &tables).unwrap();
    println!("{tables}");
    eprintln!(
        "wrote {} and results.md",
        bench.join("results.json").display()
    );
    if benchmarks {
        let findings =
            std::fs::read_to_string(manifest_dir().join("benches/findings.md")).unwrap_or_default();
        let doc = render_benchmarks(out, &tables, &findings);
        std::fs::write(manifest_dir().join("BENCHMARKS.md"), doc).unwrap();
        eprintln!("wrote {}", manifest_dir().join("BENCHMARKS.md").display());
    }
}

fn command_line(o: &Opts) -> String {
    let mut s = String::from("cargo bench --bench lsp_harness --");
    for a in &o.args {
        s.push(' ');
        s.push_str(a);
    }
    s
}

// ---------------------------------------------------------------------------------------
// The machine.

fn cmd_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn date() -> String {
    cmd_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
}

/// The file system holding `path`: the longest mount point of /proc/mounts above it.
fn filesystem(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3 && path.starts_with(f[1]))
                .then(|| (f[1].len(), format!("{} ({} on {})", f[2], f[0], f[1])))
        })
        .max_by_key(|(n, _)| *n)
        .map(|(_, s)| s)
        .unwrap_or_default()
}

fn machine(bench: &Path) -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_default();
    let mem_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    let dir = manifest_dir();
    let dir = dir.to_string_lossy();
    let dirty = Command::new("git")
        .args(["-C", &dir, "status", "--porcelain", "--untracked-files=no"])
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    json!({
        "nproc": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "cpu": cpu,
        "mem_gib": mem_kib as f64 / 1024.0 / 1024.0,
        "filesystem": filesystem(bench),
        "ripgrep": cmd_line("rg", &["--version"]),
        "rustc": cmd_line("rustc", &["--version"]),
        "commit": cmd_line("git", &["-C", &dir, "rev-parse", "--short=12", "HEAD"]),
        "dirty": dirty,
        "kernel": cmd_line("uname", &["-r"]),
    })
}

// ---------------------------------------------------------------------------------------
// Reports: one table per shape, each row with its budget and a computed verdict.

fn f1(x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A row's figure: the number, or why there is none (a timeout, an error, not measured).
fn num(v: &Value) -> Result<f64, String> {
    if let Some(x) = v.as_f64() {
        return if x.is_finite() {
            Ok(x)
        } else {
            Err("–".into())
        };
    }
    Err("not measured".into())
}

/// Why a row object holds no figures, if it does not: `timeout`, `error`, or nothing.
fn failure(v: &Value) -> Option<String> {
    let e = v.get("error")?.as_str().unwrap_or("error");
    Some(if e.starts_with("timeout") {
        e.split(" waiting").next().unwrap_or("timeout").to_string()
    } else if e.contains("exited") || e.contains("signal") {
        "crash".into()
    } else {
        "error".into()
    })
}

/// Looks a path up in a row object, honouring recorded failures on the way.
fn at<'a>(v: &'a Value, path: &[&str]) -> Result<&'a Value, String> {
    let mut cur = v;
    for p in path {
        if let Some(f) = failure(cur) {
            return Err(f);
        }
        cur = cur.get(*p).ok_or("not measured")?;
        if cur.is_null() {
            return Err("not measured".into());
        }
    }
    if let Some(f) = failure(cur) {
        return Err(f);
    }
    Ok(cur)
}

fn get(v: &Value, path: &[&str]) -> Result<f64, String> {
    num(at(v, path)?)
}

/// `a ÷ b`, or why one of them is missing.
fn ratio(a: Result<f64, String>, b: Result<f64, String>) -> Result<f64, String> {
    Ok(a? / b?)
}

/// A budget on one figure.
#[derive(Clone, Copy)]
enum Limit {
    None,
    Max(f64),
    Min(f64),
}

impl Limit {
    fn holds(self, x: f64) -> bool {
        match self {
            Limit::None => true,
            Limit::Max(m) => x <= m,
            Limit::Min(m) => x >= m,
        }
    }
}

struct Table {
    title: String,
    intro: String,
    cols: Vec<String>,
    rows: Vec<(String, String, Vec<String>, String)>,
    notes: Vec<String>,
    /// Whether a verdict "not measured at X" may say how the other columns fared (not
    /// when the other columns are not judged by the same budget).
    summarize_others: bool,
    /// The per-size results, one per column (empty for tables of other columns).
    sizes: Vec<Value>,
}

impl Table {
    fn new(title: &str, intro: &str, cols: Vec<String>) -> Table {
        Table {
            title: title.into(),
            intro: intro.into(),
            cols,
            rows: Vec::new(),
            notes: Vec::new(),
            summarize_others: true,
            sizes: Vec::new(),
        }
    }

    /// A table with one column per tree size.
    fn per_size(title: &str, intro: &str, sizes: &[Value]) -> Table {
        let mut t = Table::new(title, intro, sizes.iter().map(size_label).collect());
        t.sizes = sizes.to_vec();
        t
    }

    /// A row of figures (one per column), judged against `limits` (one per figure of a
    /// cell: `p50 / p99` has two) where `budget_at` names the column the budget applies
    /// to (every column when `None`).
    fn judged(
        &mut self,
        name: &str,
        budget: &str,
        cells: Vec<Vec<Result<f64, String>>>,
        limits: &[Limit],
        budget_at: Option<&str>,
        indicative: bool,
    ) {
        let shown: Vec<String> = cells
            .iter()
            .map(|c| {
                c.iter()
                    .map(|x| match x {
                        Ok(v) => f1(*v),
                        Err(e) => e.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .collect();
        let verdict = if limits.iter().all(|l| matches!(l, Limit::None)) {
            String::new()
        } else {
            let judge = |c: &Vec<Result<f64, String>>| -> Option<bool> {
                let mut ok = true;
                for (x, l) in c.iter().zip(limits) {
                    match x {
                        Ok(v) => ok &= l.holds(*v),
                        Err(_) if matches!(l, Limit::None) => {}
                        Err(_) => return None,
                    }
                }
                Some(ok)
            };
            let per: Vec<(String, Option<bool>, String)> = self
                .cols
                .iter()
                .zip(&cells)
                .zip(&shown)
                .map(|((col, c), s)| (col.clone(), judge(c), s.clone()))
                .collect();
            let v = verdict(&per, budget_at, self.summarize_others);
            if indicative && !v.starts_with("not measured") {
                format!("{v} (fewer than 3 runs: indicative)")
            } else {
                v
            }
        };
        self.rows.push((name.into(), budget.into(), shown, verdict));
    }

    /// A row of one figure per tree size, without a budget.
    fn figure(&mut self, name: &str, path: &[&str]) {
        let cells = self.sizes.iter().map(|r| vec![get(r, path)]).collect();
        self.figures(name, cells);
    }

    /// A row of one figure per tree size, judged against `limit`.
    fn budget(
        &mut self,
        name: &str,
        budget: &str,
        path: &[&str],
        limit: Limit,
        budget_at: Option<&str>,
        indicative: bool,
    ) {
        let cells = self.sizes.iter().map(|r| vec![get(r, path)]).collect();
        self.judged(name, budget, cells, &[limit], budget_at, indicative);
    }

    /// A row of figures without a budget.
    fn figures(&mut self, name: &str, cells: Vec<Vec<Result<f64, String>>>) {
        self.judged(name, "", cells, &[Limit::None], None, false);
    }

    fn plain(&mut self, name: &str, cells: Vec<String>) {
        self.rows
            .push((name.into(), String::new(), cells, String::new()));
    }

    fn render(&self) -> String {
        let mut s = format!("### {}\n\n", self.title);
        if !self.intro.is_empty() {
            s.push_str(&self.intro);
            s.push_str("\n\n");
        }
        s.push_str("| row | budget |");
        for c in &self.cols {
            let _ = write!(s, " {c} |");
        }
        s.push_str(" verdict |\n| --- | --- |");
        for _ in &self.cols {
            s.push_str(" --- |");
        }
        s.push_str(" --- |\n");
        for (name, budget, cells, verdict) in &self.rows {
            let _ = write!(s, "| {name} | {budget} |");
            for c in cells {
                let _ = write!(s, " {c} |");
            }
            let _ = writeln!(s, " {verdict} |");
        }
        for n in &self.notes {
            let _ = write!(s, "\n{n}\n");
        }
        s.push('\n');
        s
    }
}

/// The verdict of a row from each column's judgement (None: not measured there).
fn verdict(
    per: &[(String, Option<bool>, String)],
    budget_at: Option<&str>,
    summarize_others: bool,
) -> String {
    let summary = |cols: &[&(String, Option<bool>, String)]| -> String {
        cols.iter()
            .map(|(c, j, _)| {
                format!(
                    "{} at {c}",
                    match j {
                        Some(true) => "met",
                        Some(false) => "missed",
                        None => "not measured",
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(col) = budget_at {
        let others: Vec<&(String, Option<bool>, String)> = per
            .iter()
            .filter(|(c, j, _)| c != col && j.is_some())
            .collect();
        return match per.iter().find(|(c, _, _)| c == col) {
            Some((_, Some(true), _)) => "met".into(),
            Some((_, Some(false), s)) => format!("**missed** ({s})"),
            _ if others.is_empty() || !summarize_others => format!("not measured at {col}"),
            _ => format!("not measured at {col} ({})", summary(&others)),
        };
    }
    let measured: Vec<&(String, Option<bool>, String)> =
        per.iter().filter(|(_, j, _)| j.is_some()).collect();
    let missing: Vec<&str> = per
        .iter()
        .filter(|(_, j, _)| j.is_none())
        .map(|(c, _, _)| c.as_str())
        .collect();
    if measured.is_empty() {
        return "not measured".into();
    }
    let failed: Vec<String> = measured
        .iter()
        .filter(|(_, j, _)| *j == Some(false))
        .map(|(c, _, s)| format!("{c}: {s}"))
        .collect();
    let mut v = if failed.is_empty() {
        "met".to_string()
    } else {
        format!("**missed** ({})", failed.join("; "))
    };
    if !missing.is_empty() {
        let _ = write!(v, "; not measured at {}", missing.join(", "));
    }
    v
}

fn size_label(r: &Value) -> String {
    label(r["prompt_files"].as_u64().unwrap_or(0) as usize)
}

fn render_tables(out: &Value) -> String {
    let sizes: Vec<Value> = out["sizes"].as_array().cloned().unwrap_or_default();
    let runs = out["runs"].as_u64().unwrap_or(0);
    let few = runs < 3;
    let mut tables = Vec::new();
    let per = |f: &dyn Fn(&Value) -> Vec<Result<f64, String>>| -> Vec<Vec<Result<f64, String>>> {
        sizes.iter().map(f).collect()
    };
    let p50_99 = |path: &[&str]| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        move |r: &Value| -> Vec<Result<f64, String>> {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            let base = at(r, &p);
            match base {
                Ok(b) => vec![get(b, &["p50_ms"]), get(b, &["p99_ms"])],
                Err(e) => vec![Err(e.clone()), Err(e)],
            }
        }
    };
    let lat = [Limit::Max(1.0), Limit::Max(5.0)];

    // Index.
    let mut t = Table::per_size(
        "Cold index and memory (`index`)",
        "Cold index: `initialize` sent → the `$/progress` end report, the client watching \
         files (dynamic registration, as VS Code does), alternating per run with `rg --files` \
         over the same tree; medians. The tree holds as many non-prompt files as prompt files.",
        &sizes,
    );
    t.plain(
        "files in the tree: prompt / non-prompt",
        sizes
            .iter()
            .map(|r| {
                let w = &r["workspace"];
                let same = w["prompt_files"] == w["non_prompt_files"];
                format!(
                    "{} / {}{}",
                    w["prompt_files"],
                    w["non_prompt_files"],
                    if same { "" } else { " (not 50 %)" }
                )
            })
            .collect(),
    );
    t.figure("`rg --files`, ms", &["index", "rg_files_ms", "median"]);
    t.figure(
        "cold index, 50 % non-prompt tree, ms",
        &["index", "cold_index_ms", "median"],
    );
    t.budget(
        "**cold index ÷ `rg --files`**",
        "≤ 1.5",
        &["index", "cold_vs_rg"],
        Limit::Max(1.5),
        None,
        few,
    );
    t.figure(
        "cold index with the server's notify watcher, ms",
        &["index", "cold_index_notify_watcher_ms", "median"],
    );
    t.judged(
        "**VmRSS after indexing**, MB",
        "≤ 150 at 100k",
        per(&|r| vec![get(r, &["index", "rss_kib_after_index"]).map(|k| k * 1024.0 / 1e6)]),
        &[Limit::Max(150.0)],
        Some("100k"),
        false,
    );
    t.budget(
        "**VmRSS per prompt file**, bytes",
        "≤ 1500 at 1M",
        &["index", "rss_bytes_per_prompt_file"],
        Limit::Max(1500.0),
        Some("1M"),
        false,
    );
    for w in sizes.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let ra =
            b["prompt_files"].as_f64().unwrap_or(0.0) / a["prompt_files"].as_f64().unwrap_or(1.0);
        let rt = match (
            get(a, &["index", "cold_index_ms", "median"]),
            get(b, &["index", "cold_index_ms", "median"]),
        ) {
            (Ok(x), Ok(y)) => f1(y / x),
            _ => "not measured".into(),
        };
        t.notes.push(format!(
            "Scaling {} → {}: {ra:.0}× the files, {rt}× the cold index time (budget for 100k → 1M: ≤ 12×).",
            size_label(a),
            size_label(b)
        ));
    }
    tables.push(t);

    // Latency in the tree.
    let mut t = Table::per_size(
        "Requests in a small file of the tree (`latency`)",
        "Round trips over stdio after 20 warm-up requests: completion of a version, hover and \
         definition on a prompt reference of a small Python buffer.",
        &sizes,
    );
    for m in ["completion", "hover", "definition"] {
        t.judged(
            &format!("{m} p50 / p99, ms"),
            "≤ 1 / ≤ 5",
            per(&p50_99(&["latency", m])),
            &lat,
            None,
            false,
        );
    }
    tables.push(t);

    // Big files and the big buffer (once per run).
    let once = &out["once"];
    if let Ok(b) = at(once, &["big_files"]) {
        let tree = b["tree"].as_str().unwrap_or("").to_string();
        let rows = &b["rows"];
        let mut t = Table::new(
            "Big files (`big-files`)",
            &format!(
                "Open buffers (not on disk) on the {tree} tree: a Python file of {} lines with \
                 2 000 `load_prompt` calls and a Markdown file of {} bytes with a link every \
                 fourth line; round trips after 20 warm-up requests. The edit rows time a \
                 one-character `didChange` followed by a completion.",
                rows["python_lines"], rows["markdown_bytes"]
            ),
            vec![format!("{tree} tree")],
        );
        for (doc, what) in [
            ("python", "5 000-line Python file, 2 000 calls"),
            ("markdown", "1 MB Markdown file"),
        ] {
            for m in ["completion", "hover", "definition"] {
                t.judged(
                    &format!("{m} in a {what}: p50 / p99, ms"),
                    "≤ 1 / ≤ 5",
                    vec![p50_99(&[doc, m])(rows)],
                    &lat,
                    None,
                    false,
                );
            }
            t.figures(
                &format!("one-character edit + completion in a {what}: p50 / p99, ms"),
                vec![p50_99(&[doc, "edit_then_completion"])(rows)],
            );
        }
        tables.push(t);
    }
    if let Ok(b) = at(once, &["big_buffer"]) {
        let tree = b["tree"].as_str().unwrap_or("").to_string();
        let rows = &b["rows"];
        let mb = |doc: &str| {
            rows[doc]["bytes"]
                .as_f64()
                .map_or("–".into(), |x| format!("{:.1} MiB", x / 1048576.0))
        };
        let mut t = Table::new(
            "A 20 MB open buffer (`big-buffer`)",
            &format!(
                "`didOpen` of a {} Markdown buffer (a link every fourth line) and a {} Python \
                 buffer (`load_prompt` calls between comments and code), each on a fresh \
                 server on the {tree} tree; requests on a reference in the middle. The first \
                 completion is timed from the `didOpen`; the others after 20 warm-up requests.",
                mb("markdown"),
                mb("python")
            ),
            vec!["Markdown".into(), "Python".into()],
        );
        let docs = ["markdown", "python"];
        t.figures(
            "first completion after `didOpen`, ms",
            docs.iter()
                .map(|d| vec![get(rows, &[d, "first_completion_after_open_ms"])])
                .collect(),
        );
        for (m, key) in [
            ("completion", "completion"),
            ("`textDocument/codeAction`", "code_action"),
        ] {
            t.judged(
                &format!("{m} p50 / p99, ms"),
                "p99 ≤ 50",
                docs.iter().map(|d| p50_99(&[d, key])(rows)).collect(),
                &[Limit::None, Limit::Max(50.0)],
                None,
                false,
            );
        }
        tables.push(t);
    }

    // Events.
    let mut t = Table::per_size(
        "A file created or deleted → diagnostics republished (`events`, `watcher`)",
        "From the write on disk until diagnostics of an open Python buffer that references the \
         file arrive changed. Client event: the harness sends `workspace/didChangeWatchedFiles` \
         right after the write. Server's watcher: a client without dynamic registration, so \
         the server's own notify watcher sees the change (its debounce window included). \
         \"Right after indexing\": the file is written as soon as the `$/progress` end arrives.",
        &sizes,
    );
    t.judged(
        "create / delete, client event, ms (median of 10)",
        "≤ 20",
        per(&|r| {
            vec![
                get(r, &["events", "create_p50_ms"]),
                get(r, &["events", "delete_p50_ms"]),
            ]
        }),
        &[Limit::Max(20.0), Limit::Max(20.0)],
        None,
        false,
    );
    t.budget(
        "**created right after indexing, server's watcher**, ms",
        "≤ 1000 at 1M",
        &["watcher", "after_index", "create_ms"],
        Limit::Max(1000.0),
        Some("1M"),
        false,
    );
    t.judged(
        "**create / delete after settling, server's watcher**, ms (median of 5)",
        "≤ 1000 at 1M",
        per(&|r| {
            vec![
                get(r, &["watcher", "settled", "create_p50_ms"]),
                get(r, &["watcher", "settled", "delete_p50_ms"]),
            ]
        }),
        &[Limit::Max(1000.0), Limit::Max(1000.0)],
        Some("1M"),
        false,
    );
    t.figure(
        "server's watcher: idle CPU, s in 3 s",
        &["watcher", "idle_cpu_s_per_3s"],
    );
    tables.push(t);

    // Burst.
    let mut t = Table::per_size(
        "A 10 000-file burst, as after a `git checkout` (`burst`)",
        "10 000 prompt files written at once into the tree's `under/` folders; one coalesced \
         `workspace/didChangeWatchedFiles` from the client (serialized before the clock \
         starts); timed from the last write until \
         two open buffers referencing the first and the last file lose their prompt-not-found. \
         Against the cold index of exactly those files laid out alike in a scratch tree \
         (median of runs).",
        &sizes,
    );
    t.figure(
        "burst, one client event → diagnostics, ms",
        &["burst", "from_last_write_ms"],
    );
    t.figure(
        "cold index of those 10 000 files, ms",
        &["burst_cold", "median"],
    );
    t.judged(
        "**burst ÷ cold index of its files**",
        "≤ 2",
        per(&|r| {
            vec![ratio(
                get(r, &["burst", "from_last_write_ms"]),
                get(r, &["burst_cold", "median"]),
            )]
        }),
        &[Limit::Max(2.0)],
        None,
        few,
    );
    t.figures(
        "floors of the refresh: `lstat` of the 10 000 paths / decoding the notification, ms",
        per(&|r| {
            vec![
                get(r, &["burst", "floor_lstat_ms"]),
                get(r, &["burst", "floor_decode_ms"]),
            ]
        }),
    );
    t.figures(
        "burst ÷ (cold index of its files + both floors)",
        per(&|r| {
            vec![ratio(
                get(r, &["burst", "from_last_write_ms"]),
                get(r, &["burst_cold", "median"]).and_then(|cold| {
                    Ok(cold
                        + get(r, &["burst", "floor_lstat_ms"])?
                        + get(r, &["burst", "floor_decode_ms"])?)
                }),
            )]
        }),
    );
    t.figures(
        "writing the 10 000 files: client-event server / server's watcher running, ms",
        per(&|r| {
            vec![
                get(r, &["burst", "write_ms"]),
                get(r, &["watcher", "burst", "write_ms"]),
            ]
        }),
    );
    t.figure(
        "burst through the server's watcher, ms (from the last write)",
        &["watcher", "burst", "from_last_write_ms"],
    );
    tables.push(t);

    // Check.
    let mut t = Table::per_size(
        "`promptls check` of the whole tree (`check`)",
        "`promptls check --format json TREE` (reads and scans every prompt and Python file) \
         alternating per run with `rg -c '\\{\\{' TREE` (reads every file); medians.",
        &sizes,
    );
    t.figure("`rg -c '\\{\\{'`, ms", &["check", "rg_count_ms", "median"]);
    t.figure("`promptls check`, ms", &["check", "check_ms", "median"]);
    t.budget(
        "**check ÷ `rg -c`**",
        "≤ 2",
        &["check", "check_vs_rg_count"],
        Limit::Max(2.0),
        None,
        few,
    );
    tables.push(t);

    // promptic.
    let mut t = Table::per_size(
        "Head-to-head with promptic (`promptic`)",
        "promptic 0.1.6 (installed from its source into `target/bench/venv`): one Python \
         process, interpreter start and import included, resolves `latest` of every prompt of \
         the tree with its `PromptPathResolver` (the resolver of `render`; `load_prompt` takes \
         a folder, not a prompt) and reads the file. promptic reads no `promptic.toml`: each \
         subtree's `[versioning]`, merged over the root's, is passed as a `VersioningConfig`. \
         Prompts are named without an extension, except `.txt` ones (promptic tries only \
         .md .markdown .yaml .yml .json .jinja2 .jinja). Like for like: `promptls check` of a \
         Python file per subtree holding one `load_prompt(<the same prompt>, \
         version=\"latest\")` per prompt (one process: index the tree and resolve every \
         reference). Floors: `rg --files` lists the tree, `rg -c` reads it; promptic ÷ floor \
         is the largest ratio any tool that lists (or reads) the tree could reach.",
        &sizes,
    );
    t.plain(
        "prompts given / resolved by promptic",
        sizes
            .iter()
            .map(|r| match at(r, &["promptic", "promptic", "subtrees"]) {
                Ok(s) => {
                    let s = s.as_array().cloned().unwrap_or_default();
                    let given: u64 = s.iter().map(|x| x["prompts"].as_u64().unwrap_or(0)).sum();
                    let ok: u64 = s.iter().map(|x| x["resolved"].as_u64().unwrap_or(0)).sum();
                    format!("{given} / {ok}")
                }
                Err(e) => e,
            })
            .collect(),
    );
    t.figure(
        "promptic, one process, ms",
        &["promptic", "promptic_ms", "median"],
    );
    t.figure(
        "of which promptic's resolve loop, ms",
        &["promptic", "promptic", "loop_ms"],
    );
    t.figure(
        "`promptls check` of the references, ms",
        &["promptic", "check_references_ms", "median"],
    );
    t.budget(
        "**promptic ÷ check of the references** (like for like)",
        "≥ 50",
        &["promptic", "promptic_vs_check_references"],
        Limit::Min(50.0),
        None,
        few,
    );
    t.judged(
        "**promptic ÷ check of the whole tree**",
        "≥ 50",
        per(&|r| {
            vec![ratio(
                get(r, &["promptic", "promptic_ms", "median"]),
                get(r, &["check", "check_ms", "median"]),
            )]
        }),
        &[Limit::Min(50.0)],
        None,
        few,
    );
    t.figure(
        "floor: promptic ÷ `rg --files`",
        &["promptic", "promptic_vs_rg_files"],
    );
    t.figure(
        "floor: promptic ÷ `rg -c`",
        &["promptic", "promptic_vs_rg_count"],
    );
    for r in &sizes {
        if let Ok(s) = at(r, &["promptic", "promptic", "subtrees"]) {
            let mut parts = Vec::new();
            for x in s.as_array().into_iter().flatten() {
                let name = x["subtree"].as_str().unwrap_or("?");
                if let Some(u) = x["unreadable"].as_str() {
                    parts.push(format!("`{name}/` unreadable by promptic ({u})"));
                } else {
                    let errs = x["errors"].as_object().map_or(String::new(), |e| {
                        e.iter()
                            .map(|(k, v)| format!("{v} {k}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    });
                    parts.push(format!(
                        "`{name}/` {} of {}{}",
                        x["resolved"],
                        x["prompts"],
                        if errs.is_empty() {
                            String::new()
                        } else {
                            format!(" ({errs})")
                        }
                    ));
                }
            }
            t.notes.push(format!(
                "promptic at {}, resolved per subtree: {}.",
                size_label(r),
                parts.join("; ")
            ));
            if let Ok(c) = at(r, &["promptic", "check_references_diagnostics"]) {
                let c = c.as_object().map_or(String::new(), |m| {
                    m.iter()
                        .map(|(k, v)| format!("{v} {k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                });
                t.notes.push(format!(
                    "promptls at {}, diagnostics on those references: {}.",
                    size_label(r),
                    if c.is_empty() { "none".into() } else { c }
                ));
            }
        }
    }
    tables.push(t);

    // Many versions.
    let mv: Vec<Value> = once["many_versions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !mv.is_empty() {
        let mcols: Vec<String> = mv
            .iter()
            .map(|v| {
                v["versions"]
                    .as_u64()
                    .map_or("?".into(), |n| format!("{} versions", label(n as usize)))
            })
            .collect();
        let mut cols = mcols.clone();
        let ratio_col = if mv.len() >= 2 {
            let c = format!(
                "{} ÷ {}",
                mcols[mv.len() - 1].trim_end_matches(" versions"),
                mcols[0].trim_end_matches(" versions")
            );
            cols.push(c.clone());
            Some(c)
        } else {
            None
        };
        let mut t = Table::new(
            "One prompt with many versions (`many-versions`)",
            "`gen-workspace --versions N`: one folder holding `prompts/task` in N versions \
             `task_vMAJOR.MINOR.0.md`, two templates in turn (every step changes the \
             variables). `promptls versions prompts/task` and `promptls check TREE`, wall time, \
             medians of runs; over LSP, completion of the versions in `load_prompt(\"prompts/task\", \
             version=\"v` and hover on the reference, after 20 warm-up requests (at most 300 timed). The last \
             column is the ratio of the largest N to the smallest (of p50 for LSP rows); the \
             budget is linear, ≤ 5 for 20 000 ÷ 5 000.",
            cols,
        );
        t.summarize_others = false;
        for (name, path, two) in [
            (
                "`promptls versions`, ms",
                vec!["versions_ms", "median"],
                false,
            ),
            ("`promptls check`, ms", vec!["check_ms", "median"], false),
            (
                "completion of the versions p50 / p99, ms",
                vec!["completion"],
                true,
            ),
            ("hover p50 / p99, ms", vec!["hover"], true),
        ] {
            let mut cells: Vec<Vec<Result<f64, String>>> = mv
                .iter()
                .map(|v| {
                    if two {
                        p50_99(&path)(v)
                    } else {
                        vec![get(v, &path)]
                    }
                })
                .collect();
            let mut limits = vec![Limit::None];
            if ratio_col.is_some() {
                // Of the medians, or of p50 for the LSP rows: one figure, judged.
                let r = ratio(cells[cells.len() - 1][0].clone(), cells[0][0].clone());
                cells.push(vec![r]);
                limits = vec![Limit::Max(5.0)];
            }
            let budget = if ratio_col.is_some() {
                "ratio ≤ 5"
            } else {
                ""
            };
            t.judged(name, budget, cells, &limits, ratio_col.as_deref(), few);
        }
        let items: Vec<String> = mv
            .iter()
            .map(|v| {
                format!(
                    "{}: {} completion items{}, hover {} bytes",
                    v["versions"],
                    v["completion_items"],
                    if v["completion_incomplete"] == true {
                        " (isIncomplete)"
                    } else {
                        ""
                    },
                    v["hover_bytes"]
                )
            })
            .collect();
        t.notes.push(format!("Answers: {}.", items.join("; ")));
        tables.push(t);
    }

    if out["once"]["api"].is_object() {
        tables.push(api_table(&out["once"]["api"]));
    }

    let mut s = String::new();
    if sizes.is_empty() {
        // No tree size was run (`--only` of once-per-run shapes): drop the per-size tables.
        let names: Vec<String> = tables
            .iter()
            .filter(|t| t.cols.is_empty())
            .map(|t| t.title.clone())
            .collect();
        tables.retain(|t| !t.cols.is_empty());
        let _ = writeln!(
            s,
            "Not measured in this run (no tree size was run): {}.\n",
            names.join("; ")
        );
    }
    if few {
        let _ = writeln!(
            s,
            "Runs per figure: {runs}. The budgets ask for ratios from medians of at least 3 runs: \
             verdicts on ratios are marked indicative.\n"
        );
    }
    for t in &tables {
        s.push_str(&t.render());
    }
    let crashes = out["crashes"].as_array().cloned().unwrap_or_default();
    if !crashes.is_empty() {
        let _ = writeln!(
            s,
            "**Crashes during the run:** {}\n",
            crashes
                .iter()
                .map(|c| c.as_str().unwrap_or("").to_string())
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    s
}

/// A row counting errors (an integer), met when there are none.
fn errors_row(name: &str, n: Result<f64, String>) -> (String, String, Vec<String>, String) {
    let (cell, verdict) = match n {
        Ok(0.0) => ("0".to_string(), "met".to_string()),
        Ok(x) => (format!("{x:.0}"), format!("**missed** ({x:.0})")),
        Err(e) => (e, "not measured".to_string()),
    };
    (name.into(), "0".into(), vec![cell], verdict)
}

/// The table of the `api` shape: one column, the tree it ran on; its own run line (an
/// `--only api` run keeps the other figures, measured at another time).
fn api_table(api: &Value) -> Table {
    let col = api["tree"].as_str().unwrap_or("100k").to_string();
    let conns = api["connections"].as_u64().unwrap_or(64);
    let secs = api["duration_s"].as_f64().unwrap_or(10.0);
    let creators = api["create"]["clients"].as_u64().unwrap_or(8);
    let create_s = api["create"]["duration_s"].as_f64().unwrap_or(5.0);
    let mut t = Table::new(
        "HTTP API (`api`)",
        &format!(
            "`promptls api TREE --bind 127.0.0.1:0` on the {col} tree, driven over HTTP/1.1 by \
             the harness's own client (`benches/support/http_load.rs`: one thread per keep-alive \
             connection, requests serialized beforehand). Prompt ids are spread evenly over \
             the prompts of `GET /prompts` that have a release (not the folders' unversioned \
             `README.md`); each request is sent once alone first and one that fails alone is \
             left out of the load (named below). Each GET run: {conns} connections, each sending \
             its next request as soon as the previous answer is read (closed loop), 1 s of \
             warm-up, then {secs:.0} s timed: latency of every request, requests/s over the \
             window, errors = non-2xx answers and failed requests. The resolve requests carry \
             `&lang=` when the prompt has a `lang` variant. Then the create run: {creators} \
             clients POSTing `{{\"title\", \"content\"}}` to one prompt for {create_s:.0} s; then \
             the new files on disk are counted against the 201 answers, their names must be \
             distinct, and each file must be the front matter with the title posted and then \
             the content posted, byte for byte. The \
             client shares the machine's CPUs with the server: its time is in the latencies. \
             Reproduce: `cargo bench --bench lsp_harness -- --only api --write-benchmarks` \
             (30 s of load plus seconds of setup; the first run also generates the tree, which is \
             then reused)."
        ),
        vec![col],
    );
    let g = |path: &[&str]| get(api, path);
    t.plain(
        "prompt files indexed / prompts (with a release) / prompt ids sampled",
        vec![format!(
            "{} / {} ({}) / {}",
            api["prompt_files"], api["prompts"], api["versioned_prompts"], api["sampled"]
        )],
    );
    t.figures(
        "startup: spawn → `/healthz` answers, ms",
        vec![vec![g(&["startup_ms"])]],
    );
    for (key, name) in [
        ("versions", "`GET /prompts/{id}/versions`"),
        ("resolve", "`GET /prompts/{id}/resolve?version=latest`"),
    ] {
        t.judged(
            &format!("{name} at {conns} connections: p50 / p99 / max, ms"),
            "p99 ≤ 10",
            vec![vec![
                g(&[key, "p50_ms"]),
                g(&[key, "p99_ms"]),
                g(&[key, "max_ms"]),
            ]],
            &[Limit::None, Limit::Max(10.0), Limit::None],
            None,
            false,
        );
        t.figures(
            &format!("{name}: requests/s; requests timed; mean body, bytes"),
            vec![vec![
                g(&[key, "rps"]),
                g(&[key, "requests"]),
                g(&[key, "mean_body_bytes"]),
            ]],
        );
        t.rows
            .push(errors_row(&format!("{name}: errors"), g(&[key, "errors"])));
        t.figures(
            &format!("{name}: server CPU during the window, cores"),
            vec![vec![g(&[key, "server_cpu_cores"])]],
        );
    }
    t.figures(
        &format!("creates/s, {creators} clients, one prompt"),
        vec![vec![g(&["create", "creates_per_s"])]],
    );
    t.figures(
        "create (`POST …/versions`) p50 / p99 / max, ms",
        vec![vec![
            g(&["create", "p50_ms"]),
            g(&["create", "p99_ms"]),
            g(&["create", "max_ms"]),
        ]],
    );
    t.rows
        .push(errors_row("create: errors", g(&["create", "errors"])));
    let c = &api["create"];
    let verified = match at(api, &["create", "verified"]) {
        Ok(v) => {
            let cell = format!(
                "{} new files / {} answers 201 / {} distinct / {} as posted",
                c["new_files"], c["created"], c["distinct_files"], c["content_ok"]
            );
            let v = if v == true {
                "met".to_string()
            } else {
                format!(
                    "**missed** ({})",
                    c["problems"]
                        .as_array()
                        .map(|p| p
                            .iter()
                            .filter_map(Value::as_str)
                            .take(3)
                            .collect::<Vec<_>>()
                            .join("; "))
                        .unwrap_or_default()
                )
            };
            (cell, v)
        }
        Err(e) => (e, "not measured".to_string()),
    };
    t.rows.push((
        "no lost file: new files on disk = 201 answers, distinct, content as posted".into(),
        "all".into(),
        vec![verified.0],
        verified.1,
    ));
    let st = &api["stories"];
    let stories = if st.is_null() {
        ("not measured".to_string(), "not measured".to_string())
    } else {
        let cell = format!(
            "list {} · get {} · create {} · revert {}",
            if api["versions"]["errors"] == 0 {
                "ok"
            } else {
                "failed"
            },
            if st["get"] == true { "ok" } else { "failed" },
            if c["verified"] == true {
                "ok"
            } else {
                "failed"
            },
            if st["revert"] == true { "ok" } else { "failed" },
        );
        let all = api["versions"]["errors"] == 0
            && st["get"] == true
            && c["verified"] == true
            && st["revert"] == true;
        let verdict = if all {
            "met".to_string()
        } else {
            format!("**missed** ({})", st["problems"])
        };
        (cell, verdict)
    };
    t.rows.push((
        "the seed's stories on this tree: list, get (content = the file), create, revert (a new file with the old bytes)".into(),
        "all".into(),
        vec![stories.0],
        stories.1,
    ));
    if let Some(e) = api.get("error").and_then(Value::as_str) {
        t.notes.push(format!("The run failed: {e}"));
    }
    let excluded: Vec<&str> = api["excluded"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !excluded.is_empty() {
        t.notes.push(format!(
            "Left out of the load ({} requests that fail alone): {}.",
            excluded.len(),
            excluded
                .iter()
                .take(5)
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let m = &api["machine"];
    if m.is_object() {
        t.notes.push(format!(
            "Run: `{}`; {}; commit `{}`{}; {} CPUs (`nproc`), {}, {:.1} GiB memory, kernel {}; \
             {}; load average before: {}, after: {}. Create run on `{}` (`{}`); the server's \
             VmRSS after the run: {:.1} MB.",
            api["command"].as_str().unwrap_or(""),
            m["started"].as_str().unwrap_or(""),
            m["commit"].as_str().unwrap_or(""),
            if m["dirty"] == true {
                " with uncommitted changes"
            } else {
                " (clean tree)"
            },
            m["nproc"],
            m["cpu"].as_str().unwrap_or(""),
            m["mem_gib"].as_f64().unwrap_or(0.0),
            m["kernel"].as_str().unwrap_or(""),
            m["rustc"].as_str().unwrap_or(""),
            m["load_before"].as_str().unwrap_or(""),
            m["load_after"].as_str().unwrap_or(""),
            c["prompt_id"].as_str().unwrap_or(""),
            c["folder"].as_str().unwrap_or(""),
            api["rss_kib_after"].as_f64().unwrap_or(0.0) / 1024.0,
        ));
    }
    t
}

fn render_benchmarks(out: &Value, tables: &str, findings: &str) -> String {
    let m = &out["machine"];
    let mut s = String::from("# Benchmarks\n\n");
    s.push_str(
        "Figures against the project's performance budgets, written by the harness from \
         `target/bench/results.json` (do not edit above \"Fixes and findings\"; that part is \
         `benches/findings.md`). These are reports, not tests: nothing in `cargo test` times \
         anything.\n\n",
    );
    s.push_str("## Regenerate\n\n```sh\n");
    s.push_str("cargo bench --bench lsp_harness -- --sizes 10k,100k,1m --runs 3 --requests 1000 --write-benchmarks\n");
    s.push_str("```\n\n");
    s.push_str(
        "Options: `--sizes 10k,100k,1m` (tree sizes), `--runs N`, `--requests N`, `--seed S`, \
         `--versions 5k,20k` (many-versions shape), `--only SHAPE,...` (index, latency, events, \
         watcher, burst, check, promptic, big-files, big-buffer, many-versions, api), `--no-build`, \
         `--clean`, `--render-only` (rewrite the reports from results.json). `--only api` \
         replaces only the HTTP API figures of results.json and keeps the others. \
         `PROMPTLS_BENCH_LOG=FILE` sends the server's debug log to FILE. \
         `cargo run --release --example gen-workspace -- --files N --seed S OUT` writes a tree \
         alone; `cargo bench --bench core` runs the criterion benchmarks of the pure paths.\n\n",
    );
    s.push_str("## Machine and run\n\n");
    let _ = writeln!(s, "- Command: `{}`", out["command"].as_str().unwrap_or(""));
    let _ = writeln!(
        s,
        "- Date: {}; commit `{}`{}",
        m["started"].as_str().unwrap_or(""),
        m["commit"].as_str().unwrap_or(""),
        if m["dirty"] == true {
            " with uncommitted changes"
        } else {
            " (clean tree)"
        }
    );
    let _ = writeln!(
        s,
        "- Machine: {} CPUs (`nproc`), {}, {:.1} GiB memory, kernel {}",
        m["nproc"],
        m["cpu"].as_str().unwrap_or(""),
        m["mem_gib"].as_f64().unwrap_or(0.0),
        m["kernel"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        s,
        "- File system of target/bench: {}",
        m["filesystem"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        s,
        "- {}; {}; release profile",
        m["ripgrep"].as_str().unwrap_or(""),
        m["rustc"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        s,
        "- Load average (1, 5, 15 min) before the run: {}; after: {}. The machine is shared \
         with other builds: single figures are noisy, so timings are medians and budgets are \
         ratios against tools measured in the same run.",
        m["load_before"].as_str().unwrap_or(""),
        m["load_after"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        s,
        "- Seed {}, {} run{} per figure, {} requests per latency row{}",
        out["seed"],
        out["runs"],
        if out["runs"] == 1 { "" } else { "s" },
        out["requests"],
        match out["only"].as_array() {
            Some(a) if !a.is_empty() => format!(
                "; only {}",
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => String::new(),
        }
    );
    s.push_str("\n## Results\n\n");
    s.push_str(tables);
    s.push('\n');
    s.push_str(findings.trim_end());
    s.push('\n');
    s
}
