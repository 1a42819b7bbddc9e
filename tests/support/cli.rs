//! Running the real `promptls` command line with a hang guard, and what tests compare its
//! effects by: the tree on disk, and outputs with the workspace's path replaced.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest any one command may take before the test calls it a hang.
pub const HANG: Duration = Duration::from_secs(60);

/// What a run printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON (the test fails with both streams when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// The stderr lines, sorted (warnings of a parallel walk come in any order).
    pub fn stderr_lines(&self) -> Vec<String> {
        let mut v: Vec<String> = self.stderr.lines().map(str::to_string).collect();
        v.sort();
        v
    }
}

/// Runs `promptls ARGS` in `cwd`, with `RUST_LOG=off` and no `PROMPTIC_*` variables. Its
/// standard input is a pipe that stays open, so a read of `/dev/stdin` would block: a run
/// that outlives [`HANG`] is killed and fails the test, as do a panic (exit 101) and a
/// signal. Outputs are read lossily (file names need not be UTF-8).
pub fn promptls<S: AsRef<OsStr>>(cwd: &Path, args: &[S]) -> Run {
    let shown: Vec<String> = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_promptls"));
    cmd.current_dir(cwd)
        .args(args)
        .env("RUST_LOG", "off")
        .env_remove("NO_COLOR");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PROMPTIC_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn promptls");
    let stdin = child.stdin.take();
    let reader = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            r.read_to_end(&mut s).unwrap();
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().unwrap()));
    let err = reader(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("promptls {shown:?} hung (killed after {HANG:?})");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(stdin);
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    let code = status
        .code()
        .unwrap_or_else(|| panic!("promptls {shown:?} killed by a signal: {status:?}\n{stderr}"));
    assert_ne!(code, 101, "promptls {shown:?} panicked:\n{stderr}");
    Run {
        code,
        stdout,
        stderr,
    }
}

/// `text` with every spelling of `root` (as given and canonical) replaced by `[ws]`.
pub fn redact(text: &str, root: &Path) -> String {
    redact_as(text, root, "[ws]")
}

/// `text` with every spelling of `root` (as given and canonical) replaced by `label`.
pub fn redact_as(text: &str, root: &Path, label: &str) -> String {
    let mut out = text.to_string();
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for r in [canonical, root.to_path_buf()] {
        out = out.replace(&r.display().to_string(), label);
    }
    out
}

/// Every path under `root` (symlinks not followed) with what it is: a file's bytes, a
/// symlink's target, `dir`, or the kind of a special file.
pub fn tree(root: &Path) -> BTreeMap<PathBuf, String> {
    use std::os::unix::fs::FileTypeExt;
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
            let t = meta.file_type();
            let what = if t.is_symlink() {
                format!("-> {}", std::fs::read_link(&p).unwrap().display())
            } else if t.is_dir() {
                stack.push(p.clone());
                "dir".to_string()
            } else if t.is_fifo() {
                "fifo".to_string()
            } else if t.is_socket() {
                "socket".to_string()
            } else if t.is_char_device() || t.is_block_device() {
                "device".to_string()
            } else {
                format!("{:?}", std::fs::read(&p).unwrap_or_default())
            };
            out.insert(p, what);
        }
    }
    out
}

/// A fresh workspace root (holding `.git`, so nothing above it is looked at), by its
/// canonical path, inside a temporary folder that may hold other things beside it.
pub fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().canonicalize().unwrap().join("ws");
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    (dir, ws)
}

/// Writes `bytes` at `path`, creating its folders.
pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}
