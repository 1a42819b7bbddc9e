//! Q-2, protocol fuzz: a seeded generator of valid, mutated and garbage JSON-RPC against the
//! real `promptls serve` on a copy of `examples/`. The server never exits, every well-formed
//! request gets a response (a result or an error), and afterwards a normal completion still
//! works. Bounded: a fixed number of messages, generous timeouts that only detect hangs.

mod support;

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{after, example_workspace, uri};

/// How long the server may take to answer one batch before we call it a hang.
const HANG: Duration = Duration::from_secs(30);

/// xorshift64*: tiny, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
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
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The server's stdout, parsed into messages by a thread.
enum Out {
    Msg(Value),
    /// Output that is not a well-framed JSON message: a server bug.
    Bad(String),
}

struct Raw {
    child: Child,
    /// Frames to write; a thread writes them, so a server that stops reading cannot
    /// block the test (a hang is detected by the response timeout instead).
    stdin: Option<std::sync::mpsc::Sender<Vec<u8>>>,
    rx: Receiver<Out>,
    /// Responses by `id.to_string()`.
    responses: HashMap<String, Value>,
    /// The last messages sent, for the failure report.
    log: VecDeque<String>,
    stderr: PathBuf,
    next_id: i64,
}

impl Raw {
    fn start(root: &Path, stderr: PathBuf) -> Raw {
        let mut child = Command::new(env!("CARGO_BIN_EXE_promptls"))
            .arg("serve")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("spawn promptls");
        let mut stdin: ChildStdin = child.stdin.take().unwrap();
        let (in_tx, in_rx) = channel::<Vec<u8>>();
        std::thread::spawn(move || {
            for frame in in_rx {
                if stdin.write_all(&frame).and_then(|_| stdin.flush()).is_err() {
                    return;
                }
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut len: Option<usize> = None;
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
                        len = v.parse().ok();
                    }
                }
                let Some(len) = len else {
                    let _ = tx.send(Out::Bad("header without Content-Length".into()));
                    return;
                };
                let mut buf = vec![0; len];
                if reader.read_exact(&mut buf).is_err() {
                    return;
                }
                let out = match serde_json::from_slice(&buf) {
                    Ok(v) => Out::Msg(v),
                    Err(e) => Out::Bad(format!("{e}: {}", String::from_utf8_lossy(&buf))),
                };
                if tx.send(out).is_err() {
                    return;
                }
            }
        });
        let mut raw = Raw {
            child,
            stdin: Some(in_tx),
            rx,
            responses: HashMap::new(),
            log: VecDeque::new(),
            stderr,
            // Far from the ids the malformed-body cases plant (7, …): a response to the
            // client's own polling must never be taken for the answer to a planted id.
            next_id: 1000,
        };
        let u = uri(root);
        let id = raw.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": u,
                "workspaceFolders": [{"uri": u, "name": "ws"}],
                "capabilities": {
                    "window": {"workDoneProgress": true},
                    "workspace": {"applyEdit": true, "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create", "rename"]}},
                    "textDocument": {"completion": {"completionItem": {"snippetSupport": false}}}
                }
            }),
        );
        let init = raw.wait(&id);
        assert_eq!(
            init["result"]["serverInfo"],
            json!({"name": "promptls", "version": env!("CARGO_PKG_VERSION")}),
            "{init}"
        );
        raw.send_value(&json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
        raw
    }

    fn send_bytes(&mut self, body: &[u8]) {
        let shown = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        self.log
            .push_back(format!("({} bytes) {shown}", body.len()));
        if self.log.len() > 40 {
            self.log.pop_front();
        }
        if let Ok(path) = std::env::var("PROMPTLS_FUZZ_TRACE") {
            use std::io::Write as _;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .unwrap();
            let _ = writeln!(f, "SENT {shown}");
        }
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(body);
        self.send_raw(frame);
    }

    fn send_raw(&mut self, bytes: Vec<u8>) {
        if self.stdin.as_ref().unwrap().send(bytes).is_err() {
            self.fail("the writer thread stopped");
        }
    }

    fn send_value(&mut self, v: &Value) {
        self.send_bytes(v.to_string().as_bytes());
    }

    /// Sends a request with a fresh integer id; returns the id's key.
    fn request(&mut self, method: &str, params: Value) -> String {
        let id = self.next_id;
        self.next_id += 1;
        self.send_value(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        json!(id).to_string()
    }

    /// Reads what the server sent until `deadline` or until `done` holds; answers server
    /// requests (refusing every edit: this test writes nothing).
    fn pump(&mut self, deadline: Instant, done: impl Fn(&HashMap<String, Value>) -> bool) -> bool {
        loop {
            if done(&self.responses) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(Out::Msg(m)) => {
                    if let Ok(path) = std::env::var("PROMPTLS_FUZZ_TRACE") {
                        use std::io::Write as _;
                        let mut f = std::fs::OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(path)
                            .unwrap();
                        let t = m.to_string();
                        let _ = writeln!(f, "RECV {}", &t[..t.len().min(200)]);
                    }
                    let id = m.get("id").cloned();
                    match (id, m.get("method").and_then(Value::as_str)) {
                        (Some(id), Some(method)) => {
                            let result = if method == "workspace/applyEdit" {
                                json!({"applied": false})
                            } else {
                                Value::Null
                            };
                            let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
                            self.send_value(&reply);
                        }
                        (Some(id), None) => {
                            self.responses.insert(id.to_string(), m);
                        }
                        _ => {}
                    }
                }
                Ok(Out::Bad(what)) => self.fail(&format!("the server wrote a bad message: {what}")),
                Err(RecvTimeoutError::Timeout) => return done(&self.responses),
                Err(RecvTimeoutError::Disconnected) => self.fail("the server closed its stdout"),
            }
        }
    }

    fn wait(&mut self, key: &str) -> Value {
        let k = key.to_string();
        if !self.pump(Instant::now() + HANG, |r| r.contains_key(&k)) {
            self.fail(&format!("no response to request {key}"));
        }
        self.responses.remove(key).unwrap()
    }

    /// Waits until the first index is in place (a symbol query finds the `task` prompt).
    fn wait_indexed(&mut self) {
        let deadline = Instant::now() + HANG;
        while Instant::now() < deadline {
            let key = self.request("workspace/symbol", json!({"query": "task"}));
            if self.wait(&key)["result"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.fail("the first index never finished");
    }

    fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            self.fail(&format!("the server exited: {status}"));
        }
    }

    fn fail(&mut self, why: &str) -> ! {
        std::thread::sleep(Duration::from_millis(200));
        let status = self.child.try_wait().ok().flatten();
        let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let tail: String = stderr
            .chars()
            .rev()
            .take(4000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let last: Vec<&String> = self.log.iter().collect();
        panic!(
            "{why}\nexit status: {status:?}\nlast messages sent:\n{}\nserver stderr (tail):\n{tail}",
            last.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the generator knows about the workspace.
struct World {
    ws: PathBuf,
    /// URIs the fuzz opened (some of them).
    open: Vec<String>,
    /// Recent request ids, for cancels.
    recent: Vec<Value>,
}

const METHODS: &[&str] = &[
    "textDocument/completion",
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/documentLink",
    "textDocument/inlayHint",
    "textDocument/codeLens",
    "textDocument/codeAction",
    "textDocument/documentSymbol",
    "textDocument/signatureHelp",
    "textDocument/formatting",
    "textDocument/rename",
    "workspace/symbol",
    "workspace/executeCommand",
    "completionItem/resolve",
    "codeLens/resolve",
    "documentLink/resolve",
    "inlayHint/resolve",
];

const COMMANDS: &[&str] = &[
    "promptls.listVersions",
    "promptls.getVersion",
    "promptls.createVersion",
    "promptls.revertVersion",
    "promptls.diffVersions",
    "promptls.reindex",
    "promptls.nope",
    "",
];

const TEXTS: &[&str] = &[
    "",
    "\n\n\n",
    "[steps](steps_v1.1.0.md) and [task](task.md) {# ref: support/faq.md #}",
    "load_prompt(\"prompts/task\", version=\"",
    "x = load_prompt(\"prompts/task\", version=\"v2\", classifier={\"lang\": \"",
    "😀😀😀 ключ \u{0} \r\n\t [a](b",
    "$ref: prompts/task_v1.md",
    "{\"$ref\": \"prompts/task_v1.md\"}",
    "VersioningConfig(delimiter=\"-\", version_pattern=\"(\", classifiers={})",
    "[x](../../../../etc/passwd_v1.md) [y](/abs/path_v1.md) [z](<weird name_v1.md>)",
    "\u{feff}---\ntitle: x\n---\n{{ var }} {% if a %}",
    "load_prompt(",
    "render(\"prompts/task\", version={\"root\": \"v2\", \"steps\": ",
];

fn rand_string(r: &mut Rng) -> String {
    match r.below(6) {
        0 => r.pick(TEXTS).to_string(),
        1 => String::new(),
        2 => "a".repeat(r.below(5000)),
        3 => (0..r.below(40))
            .map(|_| char::from_u32(r.below(0x11_0000) as u32).unwrap_or('\u{fffd}'))
            .collect(),
        4 => (0..r.below(40))
            .map(|_| (b' ' + r.below(95) as u8) as char)
            .collect(),
        _ => format!("{}{}", r.pick(TEXTS), r.pick(TEXTS)),
    }
}

fn rand_number(r: &mut Rng) -> Value {
    match r.below(12) {
        0 => json!(-1),
        1 => json!(u32::MAX),
        2 => json!(u32::MAX as u64 + 1),
        3 => json!(i64::MIN),
        4 => json!(1.5),
        5 => json!(1e300),
        6 => json!("3"),
        7 => Value::Null,
        _ => json!(r.below(40)),
    }
}

fn rand_pos(r: &mut Rng) -> Value {
    match r.below(10) {
        0 => json!({}),
        1 => json!([1, 2]),
        2 => json!({"line": rand_number(r)}),
        3 | 4 => json!({"line": rand_number(r), "character": rand_number(r)}),
        _ => json!({"line": r.below(20), "character": r.below(90)}),
    }
}

fn rand_range(r: &mut Rng) -> Value {
    match r.below(6) {
        0 => json!({"start": rand_pos(r)}),
        1 => Value::Null,
        _ => json!({"start": rand_pos(r), "end": rand_pos(r)}),
    }
}

fn rand_uri(r: &mut Rng, w: &World) -> Value {
    let file = |p: &str| json!(uri(&w.ws.join(p)));
    match r.below(16) {
        0..=2 if !w.open.is_empty() => json!(r.pick(&w.open)),
        3 => file("app.py"),
        4 => file("prompts/task_v2.md"),
        5 => file("prompts/never_opened_v9.md"),
        6 => file("prompts"),
        7 => json!("untitled:Untitled-1"),
        8 => json!("file:///"),
        9 => json!("not a uri at all"),
        10 => json!(""),
        11 => json!("file://otherhost/x_v1.md"),
        12 => json!(format!("{}/%zz%00%2F..%2F..", uri(&w.ws))),
        13 => json!(42),
        14 => json!(format!("file://{}", "/deep".repeat(3000))),
        _ => file("agents/planner-v2-rc.1.md"),
    }
}

fn rand_td(r: &mut Rng, w: &World) -> Value {
    match r.below(10) {
        0 => json!({}),
        1 => json!("file:///x"),
        _ => json!({"uri": rand_uri(r, w)}),
    }
}

fn rand_params(r: &mut Rng, w: &World, method: &str) -> Value {
    if r.chance(8) {
        return match r.below(5) {
            0 => Value::Null,
            1 => json!([1, "two", null]),
            2 => json!("params"),
            3 => json!(7),
            _ => json!({}),
        };
    }
    let td = rand_td(r, w);
    let pos = rand_pos(r);
    match method {
        "workspace/symbol" => json!({"query": rand_string(r)}),
        "workspace/executeCommand" => {
            let mut arg = serde_json::Map::new();
            for key in [
                "uri",
                "prompt",
                "bump",
                "version",
                "from",
                "to",
                "classifier",
                "label",
            ] {
                if r.chance(40) {
                    let v = match key {
                        "uri" => rand_uri(r, w),
                        "prompt" => json!(r.pick(&[
                            "prompts/task",
                            "/prompts/steps",
                            "x",
                            "",
                            "../..",
                            "agents/planner"
                        ])),
                        "bump" => {
                            json!(r.pick(&["major", "minor", "patch", "prerelease", "huge", ""]))
                        }
                        "classifier" => r
                            .pick(&[
                                json!({"lang": "ru"}),
                                json!({"lang": 1}),
                                json!([]),
                                json!("x"),
                            ])
                            .clone(),
                        _ => json!(r.pick(&[
                            "v1",
                            "v2",
                            "v1.0.0",
                            "latest",
                            "v99999999999999999999",
                            "-",
                            "v1-",
                            ""
                        ])),
                    };
                    arg.insert(key.to_string(), v);
                }
            }
            let args = match r.below(6) {
                0 => json!("not an array"),
                1 => json!([]),
                _ => json!([Value::Object(arg)]),
            };
            json!({"command": r.pick(COMMANDS), "arguments": args})
        }
        "textDocument/codeAction" => {
            let data = match r.below(5) {
                0 => {
                    json!({"rename": r.pick(&["../../outside_v1.md", "task_v3.md", "/etc/x_v1.md", "", "a/b_v1.md"])})
                }
                1 => json!({"replace": [rand_string(r), 5, null]}),
                2 => json!("data"),
                _ => Value::Null,
            };
            json!({"textDocument": td, "range": rand_range(r), "context": {"diagnostics": [{"range": rand_range(r), "message": rand_string(r), "data": data}]}})
        }
        "textDocument/references" => {
            json!({"textDocument": td, "position": pos, "context": {"includeDeclaration": r.chance(50)}})
        }
        "textDocument/inlayHint" => json!({"textDocument": td, "range": rand_range(r)}),
        "textDocument/documentLink" | "textDocument/codeLens" | "textDocument/documentSymbol" => {
            json!({"textDocument": td})
        }
        "textDocument/formatting" => {
            json!({"textDocument": td, "options": {"tabSize": 4, "insertSpaces": true}})
        }
        "textDocument/rename" => {
            json!({"textDocument": td, "position": pos, "newName": rand_string(r)})
        }
        "completionItem/resolve" => json!({"label": rand_string(r), "data": rand_number(r)}),
        "codeLens/resolve" => json!({"range": rand_range(r), "data": {"uri": rand_uri(r, w)}}),
        "documentLink/resolve" => json!({"range": rand_range(r), "target": rand_uri(r, w)}),
        "inlayHint/resolve" => json!({"position": pos, "label": rand_string(r)}),
        _ => json!({"textDocument": td, "position": pos}),
    }
}

/// One message: its bytes and, for a well-formed request, the id whose response we expect.
struct Msg {
    body: Vec<u8>,
    expect: Option<(String, String)>,
}

fn valid_request(r: &mut Rng, w: &mut World, next_id: &mut i64) -> (Value, String, String) {
    let method = if r.chance(6) {
        r.pick(&[
            "foo/bar",
            "$/unknown",
            "textDocument/notAThing",
            "initialize",
            "",
        ])
        .to_string()
    } else {
        r.pick(METHODS).to_string()
    };
    let params = rand_params(r, w, &method);
    *next_id += 1;
    let id = match r.below(8) {
        0 => json!(format!("s-{next_id}")),
        1 => json!(-*next_id),
        _ => json!(*next_id),
    };
    w.recent.push(id.clone());
    if w.recent.len() > 8 {
        w.recent.remove(0);
    }
    let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    (msg, id.to_string(), method)
}

fn notification(r: &mut Rng, w: &mut World) -> Value {
    let (method, params) = match r.below(11) {
        0 | 1 => {
            let u = rand_uri(r, w);
            if let Some(s) = u.as_str()
                && r.chance(50)
            {
                w.open.push(s.to_string());
            }
            (
                "textDocument/didOpen",
                json!({"textDocument": {"uri": u, "languageId": r.pick(&["python", "markdown", "yaml", "json", "?"]), "version": rand_number(r), "text": rand_string(r)}}),
            )
        }
        2 | 3 => {
            let changes: Vec<Value> = (0..1 + r.below(3))
                .map(|_| {
                    if r.chance(20) {
                        json!({"text": rand_string(r)})
                    } else {
                        json!({"range": rand_range(r), "text": rand_string(r)})
                    }
                })
                .collect();
            (
                "textDocument/didChange",
                json!({"textDocument": {"uri": rand_uri(r, w), "version": rand_number(r)}, "contentChanges": changes}),
            )
        }
        4 => (
            "textDocument/didClose",
            json!({"textDocument": rand_td(r, w)}),
        ),
        5 => (
            "textDocument/didSave",
            json!({"textDocument": rand_td(r, w), "text": rand_string(r)}),
        ),
        6 => {
            let id = match r.below(4) {
                0 => json!("no-such"),
                1 => Value::Null,
                _ if !w.recent.is_empty() => r.pick(&w.recent).clone(),
                _ => json!(123456),
            };
            ("$/cancelRequest", json!({"id": id}))
        }
        7 => (
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": rand_uri(r, w), "type": rand_number(r)}]}),
        ),
        8 => {
            let settings = match r.below(4) {
                0 => {
                    json!({"promptls": {"versioning": {"delimiter": r.pick(&["-", "_", "x", ""]), "version_pattern": r.pick(&["(", "_v(?P<major>\\d+)", "(?=a)"])}}})
                }
                1 => json!({"promptls": {"versioning": 5}}),
                2 => json!(null),
                _ => json!({"promptls": {"versioning": {"include_prerelease": "yes"}}}),
            };
            (
                "workspace/didChangeConfiguration",
                json!({"settings": settings}),
            )
        }
        9 => (
            "window/workDoneProgress/cancel",
            json!({"token": r.pick(&[json!("promptls/indexing"), json!(3), json!(null)]).clone()}),
        ),
        _ => (
            *r.pick(&["$/setTrace", "$/nothing", "exitt", "foo"]),
            json!({"value": "verbose"}),
        ),
    };
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

const TOKENS: &[&[u8]] = &[
    b"null",
    b"1e999",
    b"\"\\ud800\"",
    b"\xff\xfe",
    b"-0",
    b"[]",
    b"{}",
];

fn mutate(r: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + r.below(4) {
        if bytes.is_empty() {
            bytes.push(b'{');
        }
        let at = r.below(bytes.len());
        match r.below(7) {
            0 => bytes[at] = r.below(256) as u8,
            1 => bytes[at] = *r.pick(b"{}[]\":,0-e\\ "),
            2 => {
                let end = (at + r.below(20)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + r.below(20)).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                bytes.splice(at..at, chunk);
            }
            4 => {
                let tok = *r.pick::<&[u8]>(TOKENS);
                bytes.splice(at..at, tok.iter().copied());
            }
            5 => bytes.truncate(at),
            _ => bytes.retain(|b| *b != b'"'),
        }
    }
    bytes
}

fn garbage(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        0 => (0..r.below(200)).map(|_| r.below(256) as u8).collect(),
        1 => b"[]".to_vec(),
        2 => b"null".to_vec(),
        3 => b"\"jsonrpc\"".to_vec(),
        4 => br#"[{"jsonrpc":"2.0","id":1,"method":"textDocument/hover"},{"jsonrpc":"2.0","method":"x"}]"#.to_vec(),
        5 => br#"{"jsonrpc":"2.0"}"#.to_vec(),
        6 => br#"{"jsonrpc":"2.0","id":987654321,"result":{"applied":true}}"#.to_vec(),
        7 => br#"{"jsonrpc":"1.0","id":"old","method":"textDocument/hover","params":{}}"#.to_vec(),
        8 => {
            let depth = 1 + r.below(100_000);
            let mut v = vec![b'['; depth];
            v.extend(std::iter::repeat_n(b']', depth));
            v
        }
        _ => b"{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"file:///x_v1.md\",\"languageId\":\"markdown\",\"version\":1,\"text\":\"\xff\xfe\xfd\"}}}".to_vec(),
    }
}

fn generate(r: &mut Rng, w: &mut World, next_id: &mut i64, malformed: bool) -> Msg {
    match r.below(if malformed { 100 } else { 75 }) {
        0..=44 => {
            let (msg, key, method) = valid_request(r, w, next_id);
            // `$/…` requests are dropped unanswered by tower-lsp-server; see
            // `dollar_requests_get_method_not_found`.
            let expect = (!method.starts_with("$/")).then_some((key, method));
            Msg {
                body: msg.to_string().into_bytes(),
                expect,
            }
        }
        45..=74 => Msg {
            body: notification(r, w).to_string().into_bytes(),
            expect: None,
        },
        75..=91 => {
            // A mutated message; its id (if it survives) is from a range no valid request
            // uses, so an answer to it cannot satisfy another expectation.
            let (mut msg, _, _) = valid_request(r, w, next_id);
            msg["id"] = json!(9_000_000_000i64 + *next_id);
            let base = if r.chance(50) {
                msg
            } else {
                notification(r, w)
            };
            Msg {
                body: mutate(r, base.to_string().into_bytes()),
                expect: None,
            }
        }
        _ => Msg {
            body: garbage(r),
            expect: None,
        },
    }
}

/// A 5 MB Markdown document full of references.
fn huge_text() -> String {
    let line = "See [steps](steps_v1.1.0.md), [task](task.md) and {# ref: support/faq.md #} — ünïcødé 😀\n";
    line.repeat(5 * 1024 * 1024 / line.len())
}

/// Well-framed, well-formed JSON-RPC messages with wrong params, positions, URIs, ids,
/// methods, cancels and huge payloads: zero crashes, every request answered.
#[test]
fn fuzzed_well_formed_json_rpc_never_kills_the_server() {
    fuzz(false);
}

/// The same plus mutated and garbage bodies (invalid JSON, invalid UTF-8, JSON that is not a
/// JSON-RPC message). See `malformed_bodies_are_answered_and_the_server_goes_on`.
#[test]
fn fuzzed_malformed_json_rpc_never_kills_the_server() {
    fuzz(true);
}

/// Q-2 regression: one malformed body is answered with a JSON-RPC error (id null) and the
/// server goes on answering. Today tower-lsp-server's transport logs "failed to decode
/// message", answers Parse error, and then ends its read loop: the server exits with 1.
#[test]
fn malformed_bodies_are_answered_and_the_server_goes_on() {
    const NOT_JSON: &str = "promptls: the message is not valid JSON (UTF-8)";
    const NOT_OBJECT: &str =
        "promptls: a JSON-RPC message must be an object (batches are not used by LSP)";
    let cases: &[(&[u8], Value, i64, &str)] = &[
        (b"{x}", Value::Null, -32700, NOT_JSON),
        (b"[]", Value::Null, -32600, NOT_OBJECT),
        (b"null", Value::Null, -32600, NOT_OBJECT),
        (
            b"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"textDocument/hover\"}",
            Value::Null,
            -32600,
            "promptls: \"id\" must be an integer or a string",
        ),
        (
            b"{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"x\"}",
            json!(7),
            -32600,
            "promptls: \"jsonrpc\" must be \"2.0\"",
        ),
        (
            b"{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"t\":\"\xff\"}}",
            Value::Null,
            -32700,
            NOT_JSON,
        ),
        (b"", Value::Null, -32700, NOT_JSON),
    ];
    for (body, id, code, message) in cases {
        let (tmp, ws) = example_workspace();
        let mut c = Raw::start(&ws, tmp.path().join("server.stderr"));
        c.wait_indexed();
        c.send_bytes(body);
        let key = c.request("workspace/symbol", json!({"query": "task"}));
        let resp = c.wait(&key);
        let error = c.wait(&id.to_string());
        let shown = String::from_utf8_lossy(body);
        assert_eq!(
            error,
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
            "after {shown:?}"
        );
        assert_eq!(
            resp,
            json!({"jsonrpc": "2.0", "id": key.parse::<i64>().unwrap(), "result": symbols_for_task(&ws)}),
            "after {shown:?}"
        );
        c.assert_alive();
    }
}

/// The `workspace/symbol` answer for "task" on a copy of `examples/` at `ws`.
fn symbols_for_task(ws: &Path) -> Value {
    let file = |name: &str| uri(&ws.join("prompts").join(name));
    let sym = |name: &str, kind: u32, file_name: &str| json!({"name": name, "kind": kind, "location": {"uri": file(file_name), "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}}, "containerName": "prompts/task"});
    json!([
        sym("task@v2.0.0", 14, "task_de_v2.md"),
        sym("task@v2.0.0", 14, "task_v2.md"),
        sym("task@v1.0.0", 14, "task_ru_v1.md"),
        sym("task@v1.0.0", 14, "task_v1.md"),
        sym("task", 2, "task_de_v2.md"),
    ])
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn symbol_request(id: i64) -> Vec<u8> {
    frame(
        json!({"jsonrpc": "2.0", "id": id, "method": "workspace/symbol", "params": {"query": "task"}})
            .to_string()
            .as_bytes(),
    )
}

/// Q-2 regression: stray bytes between a body and the next `Content-Length` header are
/// answered with one parse error (id null) and the stream resynchronises on the next
/// header. On aa54be8 the transport read the next body as headers and never answered again.
#[test]
fn stray_bytes_between_frames_are_answered_and_the_stream_resynchronises() {
    let (tmp, ws) = example_workspace();
    let mut c = Raw::start(&ws, tmp.path().join("server.stderr"));
    c.wait_indexed();
    let mut bytes = symbol_request(101);
    bytes.extend_from_slice(b"garbage\r\n\x00\xffnot a header");
    bytes.extend_from_slice(&symbol_request(102));
    bytes.extend_from_slice(b"}}");
    bytes.extend_from_slice(&symbol_request(103));
    c.send_raw(bytes);
    let expected = symbols_for_task(&ws);
    for id in [101, 102, 103] {
        let resp = c.wait(&id.to_string());
        assert_eq!(
            resp,
            json!({"jsonrpc": "2.0", "id": id, "result": expected})
        );
    }
    let error = c.wait("null");
    assert_eq!(
        error,
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "promptls: bytes outside a message were skipped (expected a Content-Length header)"}})
    );
    c.assert_alive();
}

/// Bytes that cannot be told from a header: any case of `content-length`.
fn has_length_header(bytes: &[u8]) -> bool {
    bytes
        .windows(14)
        .any(|w| w.eq_ignore_ascii_case(b"content-length"))
}

/// Q-2, the class: arbitrary garbage (odd bytes, line ends, header-like lines, partial JSON)
/// interleaved between valid frames never stops the server from answering the valid
/// requests that follow, with the same answer as without the garbage.
#[test]
fn garbage_between_frames_never_stops_the_answers() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let (tmp, ws) = example_workspace();
    let mut raw = Raw::start(&ws, tmp.path().join("server.stderr"));
    raw.wait_indexed();
    let c = std::cell::RefCell::new(raw);
    let expected = symbols_for_task(&ws);
    let piece = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..24),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n\r\n".to_vec()),
        Just(b"Content-Type: application/json\r\n".to_vec()),
        Just(b"X: y".to_vec()),
        Just(b"Content-".to_vec()),
        Just(b"{\"jsonrpc\":\"2.0\",\"id\":".to_vec()),
        "[ -~]{0,12}".prop_map(String::into_bytes),
    ];
    let garbage = proptest::collection::vec(piece, 1..6)
        .prop_map(|p| p.concat())
        .prop_filter("cannot be told from a header", |g| !has_length_header(g));
    let case = proptest::collection::vec(garbage, 1..4);
    let next_id = std::cell::Cell::new(10_000i64);
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&case, |garbages| {
            let mut c = c.borrow_mut();
            let mut bytes = Vec::new();
            let mut ids = Vec::new();
            for g in &garbages {
                let id = next_id.get();
                next_id.set(id + 1);
                bytes.extend_from_slice(&symbol_request(id));
                bytes.extend_from_slice(g);
                ids.push(id);
            }
            let id = next_id.get();
            next_id.set(id + 1);
            bytes.extend_from_slice(&symbol_request(id));
            ids.push(id);
            c.send_raw(bytes);
            for id in ids {
                let resp = c.wait(&id.to_string());
                prop_assert_eq!(
                    resp,
                    json!({"jsonrpc": "2.0", "id": id, "result": expected})
                );
            }
            c.assert_alive();
            Ok(())
        })
        .unwrap();
}

/// LSP: "a request starting with `$/` must be answered with MethodNotFound". tower-lsp-server
/// drops every `$/` message, requests with an id included, so the client waits forever.
#[test]
fn dollar_requests_get_method_not_found() {
    let (tmp, ws) = example_workspace();
    let mut c = Raw::start(&ws, tmp.path().join("server.stderr"));
    let key = c.request("$/unknown", json!({}));
    let resp = c.wait(&key);
    assert_eq!(
        resp,
        json!({"jsonrpc": "2.0", "id": key.parse::<i64>().unwrap(), "error": {"code": -32601, "message": "promptls: unknown method $/unknown"}})
    );
}

fn fuzz(malformed: bool) {
    let seed: u64 = std::env::var("PROMPTLS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0002);
    let batches: usize = std::env::var("PROMPTLS_FUZZ_BATCHES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    eprintln!(
        "protocol fuzz: seed {seed}, {batches} batches (PROMPTLS_FUZZ_SEED / PROMPTLS_FUZZ_BATCHES)"
    );
    let probe = std::env::var("PROMPTLS_FUZZ_PROBE").is_ok();
    let (tmp, ws) = example_workspace();
    let mut c = Raw::start(&ws, tmp.path().join("server.stderr"));
    let mut r = Rng::new(seed);
    let mut w = World {
        ws: ws.clone(),
        open: Vec::new(),
        recent: Vec::new(),
    };
    let mut next_id: i64 = 1_000;
    let mut answered = 0usize;
    let mut sent = 0usize;

    let started = Instant::now();
    for batch in 0..batches {
        let mut pending: Vec<(String, String)> = Vec::new();
        // Huge payloads, once: a 5 MB document, a request on it, a 5 MB query.
        if batch == 3 {
            let big = uri(&ws.join("prompts/big_v1.md"));
            c.send_value(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": big, "languageId": "markdown", "version": 1, "text": huge_text()}}}));
            // One request on it: each request re-reads the whole document, which costs
            // seconds for 5 MB in a debug build.
            let method = "textDocument/hover";
            let key = c.request(method, json!({"textDocument": {"uri": big}, "position": {"line": 40000, "character": 9}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}}}));
            pending.push((key, method.to_string()));
            let key = c.request(
                "workspace/symbol",
                json!({"query": "x".repeat(5 * 1024 * 1024)}),
            );
            pending.push((key, "workspace/symbol (5 MB query)".into()));
            c.send_value(&json!({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": big}}}));
            sent += 4;
        }
        for _ in 0..60 {
            let m = generate(&mut r, &mut w, &mut next_id, malformed);
            c.send_bytes(&m.body);
            sent += 1;
            if let Some(e) = m.expect {
                pending.push(e);
            }
            if probe {
                // Debugging aid: find the one message after which the server stops answering.
                let key = c.request("workspace/symbol", json!({"query": "task"}));
                let k = key.clone();
                if !c.pump(Instant::now() + Duration::from_secs(10), |r| {
                    r.contains_key(&k)
                }) {
                    c.fail("the probe after the last message was not answered");
                }
            }
            // Cancel some requests right after sending them.
            if r.chance(10) && !w.recent.is_empty() {
                let id = w.recent.last().unwrap().clone();
                c.send_value(
                    &json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": id}}),
                );
            }
        }
        let keys: Vec<String> = pending.iter().map(|(k, _)| k.clone()).collect();
        eprintln!(
            "batch {batch}: {} requests pending, {:?} since start",
            pending.len(),
            started.elapsed()
        );
        let ok = c.pump(Instant::now() + HANG, |resp| {
            keys.iter().all(|k| resp.contains_key(k))
        });
        c.assert_alive();
        if !ok {
            let missing: Vec<&(String, String)> = pending
                .iter()
                .filter(|(k, _)| !c.responses.contains_key(k))
                .collect();
            let why = format!("batch {batch} (seed {seed}): no response to {missing:?}");
            c.fail(&why);
        }
        for (k, method) in &pending {
            let resp = c.responses.remove(k).unwrap();
            let has_result = resp.get("result").is_some();
            let has_error = resp.get("error").is_some_and(|e| e["code"].is_i64());
            assert!(
                has_result ^ has_error,
                "{method}: malformed response {resp}"
            );
            answered += 1;
        }
    }

    // Back to a sane state: default settings, a fresh app.py.
    c.send_value(&json!({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration", "params": {"settings": {"promptls": {"versioning": {}}}}}));
    let app = ws.join("app.py");
    let text = std::fs::read_to_string(&app).unwrap();
    c.send_value(&json!({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri(&app)}}}));
    c.send_value(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri(&app), "languageId": "python", "version": 1_000_000, "text": text}}}));
    let (line, col) = after(&text, "load_prompt(\"prompts/task\", version=\"");
    let key = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&app)}, "position": {"line": line, "character": col}}),
    );
    let resp = c.wait(&key);
    let items = resp["result"]["items"]
        .as_array()
        .or_else(|| resp["result"].as_array())
        .cloned()
        .unwrap_or_default();
    assert!(
        items.iter().any(|i| i["label"] == "latest"),
        "completion after the fuzz: {resp}"
    );
    c.assert_alive();
    eprintln!("protocol fuzz: {sent} messages sent, {answered} requests answered");

    // Last, framing abuse (it can desync the stream, so nothing may follow it): a header
    // that is not a number, a length far beyond what follows, then EOF. The server must
    // not crash (exit by a signal or a panic); exiting cleanly on EOF is expected.
    c.send_raw(b"Content-Length: banana\r\n\r\n{}".to_vec());
    c.send_raw(b"Content-Type: x\r\n\r\n".to_vec());
    c.send_raw(b"Content-Length: 99999999\r\n\r\n{\"jsonrpc\":".to_vec());
    // Today the first bad header ends the read loop (the bug of
    // `malformed_bodies_are_answered_and_the_server_goes_on`): the server exits with 1.
    std::thread::sleep(Duration::from_millis(300));
    // Close stdin: the server notices EOF and exits on its own, without a panic (no
    // handler waits on a client reply that can no longer come).
    drop(c.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Ok(Some(s)) = c.child.try_wait() {
            break Some(s);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(&c.stderr).unwrap_or_default();
    // A handler's panic is answered with an error (server::guard) and allowed by Q-2, but
    // it is still a bug: show it.
    for l in log.lines().filter(|l| l.contains("panic")) {
        eprintln!("server log: {l}");
    }
    match status {
        Some(s) => assert!(s.code().is_some(), "killed by a signal: {s:?}\n{log}"),
        None => panic!("the server did not exit within 10 s of the end of its input\n{log}"),
    }
}
