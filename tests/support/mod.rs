//! A small LSP client that spawns the real `promptls serve` and speaks JSON-RPC over its
//! stdio (for end-to-end tests).

#![allow(dead_code)]

pub mod cli;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any single wait may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications and server requests seen so far.
    pub seen: Vec<Value>,
}

impl Client {
    /// Spawns the server and initializes it on `root`, with `extra` merged into the
    /// `initialize` params (workspace folders, initialization options).
    pub fn start_with(root: &Path, extra: Value) -> Client {
        Client::start_inner(None, root, false, false, extra, &[])
    }

    /// As [`Client::start_with`], with these variables added to the server's environment.
    /// The client watches files (dynamic registration), so the server runs no watcher of
    /// its own whose passes could interleave with what a test waits for.
    pub fn start_with_env(root: &Path, extra: Value, env: &[(&str, &str)]) -> Client {
        Client::start_inner(None, root, false, true, extra, env)
    }

    /// Spawns the server in the working directory `cwd` and initializes it with no
    /// workspace folder (`rootUri: null`, no `workspaceFolders`), then `extra` merged in.
    pub fn start_without_workspace(cwd: &Path, extra: Value) -> Client {
        let mut params = json!({"rootUri": null, "workspaceFolders": null});
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                params[k] = v;
            }
        }
        Client::start_inner(Some(cwd), cwd, false, false, params, &[])
    }

    /// Spawns the server and initializes it on `root`.
    pub fn start(root: &Path, utf8: bool, dynamic_watch: bool) -> Client {
        Client::start_inner(None, root, utf8, dynamic_watch, Value::Null, &[])
    }

    fn start_inner(
        cwd: Option<&Path>,
        root: &Path,
        utf8: bool,
        dynamic_watch: bool,
        extra: Value,
        env: &[(&str, &str)],
    ) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_promptls"));
        command.envs(env.iter().copied());
        if let Some(cwd) = cwd {
            command.current_dir(cwd);
        }
        let mut child = command
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("PROMPTLS_TEST_STDERR").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("spawn promptls");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
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
                        len = v.parse().unwrap();
                    }
                }
                let mut buf = vec![0; len];
                if reader.read_exact(&mut buf).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&buf).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut c = Client {
            child,
            stdin,
            rx,
            next_id: 1,
            seen: Vec::new(),
        };
        let mut general = json!({});
        if utf8 {
            general = json!({"positionEncodings": ["utf-8", "utf-16"]});
        }
        let uri = uri(root);
        let mut params = json!({
            "processId": null,
            "rootUri": uri,
            "workspaceFolders": [{"uri": uri, "name": "ws"}],
            "capabilities": {
                "general": general,
                "window": {"workDoneProgress": true},
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": dynamic_watch}, "inlayHint": {"refreshSupport": true}, "codeLens": {"refreshSupport": true}, "applyEdit": true, "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create", "rename", "delete"]}},
                "textDocument": {"completion": {"completionItem": {"snippetSupport": false}}}
            }
        });
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                params[k] = v;
            }
        }
        let init = c.request("initialize", params);
        assert!(
            init["result"]["capabilities"]["completionProvider"].is_object(),
            "{init}"
        );
        c.notify("initialized", json!({}));
        c
    }

    pub fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response, answering server requests on the way
    /// (progress creation, registrations, applyEdit: applied to disk like a client would).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.request_answering(method, params, true)
    }

    /// Sends a request and waits for its response like a client that never answers the
    /// server's own requests (they are recorded, not answered).
    pub fn request_unanswering(&mut self, method: &str, params: Value) -> Value {
        self.request_answering(method, params, false)
    }

    fn request_answering(&mut self, method: &str, params: Value, answer: bool) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self
                .recv(deadline)
                .unwrap_or_else(|| panic!("no response to {method}"));
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            if answer {
                self.handle(msg);
            } else {
                self.seen.push(msg);
            }
        }
    }

    fn recv(&mut self, deadline: Instant) -> Option<Value> {
        match self
            .rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(v) => Some(v),
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    fn handle(&mut self, msg: Value) {
        if let (Some(id), Some(method)) = (
            msg.get("id").cloned(),
            msg.get("method").and_then(Value::as_str),
        ) {
            let result = match method {
                "workspace/applyEdit" => json!({"applied": apply_edit(&msg["params"]["edit"])}),
                _ => Value::Null,
            };
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": result}));
        }
        self.seen.push(msg);
    }

    /// Waits until a notification matching `pred` arrives (or was seen); returns it.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(v) = self.seen.iter().rev().find(|v| pred(v)) {
            return v.clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self
                .recv(deadline)
                .unwrap_or_else(|| panic!("timed out waiting for {what}"));
            let hit = pred(&msg);
            self.handle(msg.clone());
            if hit {
                return msg;
            }
        }
    }

    /// Waits until the first index is reported done (`$/progress` end).
    pub fn wait_indexed(&mut self) {
        self.wait_for("indexing progress end", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
        });
    }

    /// `textDocument/codeAction` on `path` at `range` with `diagnostics` in context.
    pub fn code_actions(&mut self, path: &Path, range: Value, diagnostics: Value) -> Value {
        self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(path)}, "range": range, "context": {"diagnostics": diagnostics}}),
        )
    }

    /// Waits for diagnostics of `path` that satisfy `pred`.
    pub fn diagnostics_where(
        &mut self,
        path: &Path,
        pred: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let u = uri(path);
        let msg = self.wait_for(&format!("diagnostics of {}", path.display()), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(u)
                && pred(
                    m["params"]["diagnostics"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or(&[]),
                )
        });
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn open(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).unwrap();
        let lang = match path.extension().and_then(|e| e.to_str()) {
            Some("py") => "python",
            Some("md") => "markdown",
            _ => "plaintext",
        };
        self.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(path), "languageId": lang, "version": 1, "text": text}}));
    }

    /// The server's exit status once it has exited, waiting at most `limit` (reading
    /// nothing from it meanwhile); `None` if it is still running then.
    pub fn exit_status_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        None
    }

    pub fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none());
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "clean exit");
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not exit");
    }
}

/// A test that fails (panics) mid-conversation never leaves its server running.
impl Drop for Client {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Applies a WorkspaceEdit (documentChanges with CreateFile + TextDocumentEdit, or
/// changes) to disk, refusing to overwrite an existing file like a client would.
pub fn apply_edit(edit: &Value) -> bool {
    if let Some(ops) = edit["documentChanges"].as_array() {
        for op in ops {
            if op["kind"] == "create" {
                let p = path_of(op["uri"].as_str().unwrap());
                if p.exists() && op["options"]["overwrite"] != json!(true) {
                    return false;
                }
                std::fs::write(&p, "").unwrap();
            } else if op["kind"] == "rename" {
                let (a, b) = (
                    path_of(op["oldUri"].as_str().unwrap()),
                    path_of(op["newUri"].as_str().unwrap()),
                );
                if b.exists() {
                    return false;
                }
                std::fs::rename(a, b).unwrap();
            } else if let Some(edits) = op["edits"].as_array() {
                let p = path_of(op["textDocument"]["uri"].as_str().unwrap());
                let mut text = std::fs::read_to_string(&p).unwrap_or_default();
                for e in edits {
                    // The tests only insert at 0:0 into new files.
                    assert_eq!(e["range"]["start"], json!({"line": 0, "character": 0}));
                    text.insert_str(0, e["newText"].as_str().unwrap());
                }
                std::fs::write(&p, text).unwrap();
            }
        }
        return true;
    }
    false
}

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

pub fn path_of(uri: &str) -> PathBuf {
    PathBuf::from(uri.trim_start_matches("file://").replace("%20", " "))
}

/// A copy of `examples/` in a temp folder (with a `.git` so config discovery stops there).
pub fn example_workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"), &ws);
    std::fs::create_dir(ws.join(".git")).unwrap();
    let ws = ws.canonicalize().unwrap();
    (dir, ws)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The 0-based (line, UTF-16 column) just after the first occurrence of `needle`.
pub fn after(text: &str, needle: &str) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"))
        + needle.len();
    let line = text[..at].matches('\n').count() as u32;
    let col = text[..at]
        .rsplit('\n')
        .next()
        .unwrap()
        .encode_utf16()
        .count() as u32;
    (line, col)
}

/// A JSON-RPC response as a snapshot keeps it: its `result` or `error` only, with `root`
/// written `[ws]` and modified times (`2025-01-02 03:04:05`, RFC 3339) `[modified]`.
pub fn answer(response: &Value, root: &Path) -> Value {
    let text = cli::redact(&response.to_string(), root);
    let text = regex::Regex::new(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?")
        .unwrap()
        .replace_all(&text, "[modified]")
        .into_owned();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
        o.remove("jsonrpc");
    }
    v
}

/// Makes a FIFO at `path` (with `mkfifo`, as a hostile repository would hold one).
#[allow(dead_code)]
pub fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}
