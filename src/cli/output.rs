//! Printing helpers shared by the subcommands: stdout that survives a closed pipe, the
//! `error:` / `warning:` lines on stderr, and the file source that reports unreadable
//! files to the user.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use crate::analysis::PromptVersion;
use crate::vfs::{DiskFiles, EntryKind, FileSource, Text, VfsError};

/// Writes `text` to stdout in one go and flushes it.
pub fn emit(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// The exit code of a command that printed its result with [`emit`]: `code` when the
/// write succeeded; success when the reader went away (`promptls check | head -1` is not
/// an error, and nothing is said); 1 with an `error:` line for any other write failure.
pub fn finish(written: std::io::Result<()>, code: ExitCode) -> ExitCode {
    match written {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the output: {}", os_reason(&e));
            ExitCode::from(1)
        }
    }
}

/// Pretty JSON and a newline.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("serializable");
    s.push('\n');
    s
}

pub use crate::vfs::os_reason;

/// Why `e` happened, without the path (the caller names the path as the user knows it).
pub fn reason(e: &VfsError) -> String {
    e.reason()
}

/// The paths warnings are about, when the user named some (`check FILE…`): the whole
/// workspace is read, but only these files and folders are reported on.
static REPORTED: OnceLock<Vec<PathBuf>> = OnceLock::new();

/// Limits the warnings about skipped files to those under `paths` (absolute; a file
/// covers only itself). Set once, before the workspace is read.
pub fn report_only(paths: Vec<PathBuf>) {
    let _already_set = REPORTED.set(paths);
}

/// Whether the command reports unreadable folders itself, as errors (see
/// [`unreadable_folders_are_errors`]).
static FOLDER_ERRORS: AtomicBool = AtomicBool::new(false);

/// Tells [`SkipWarnings`] that the command reports each unreadable folder under the paths
/// of [`report_only`] as an error of its own (`check`: a folder it was asked to check and
/// could not read), so the walk's warning about it is not printed as well.
pub fn unreadable_folders_are_errors() {
    FOLDER_ERRORS.store(true, Ordering::Relaxed);
}

/// Whether a warning about `path` is shown (see [`report_only`]). Paths are compared as
/// they are (bytes, component by component), whatever their encoding.
fn reported(path: &Path) -> bool {
    REPORTED
        .get()
        .is_none_or(|only| only.iter().any(|p| path.starts_with(p)))
}

/// `path` as the user sees it: relative to `cwd` when inside it, `/` separators.
pub fn shown_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The disk, read through the file-system layer, telling the user on stderr about each
/// workspace file that exists but cannot be read (a FIFO, a device, a dangling symlink, a
/// permission error): one `warning: PATH: skipped: reason` line per file. The analysis
/// then skips the file as it would without this wrapper.
#[derive(Debug)]
pub struct ReportingFiles {
    cwd: PathBuf,
    reported: Mutex<HashSet<PathBuf>>,
}

impl ReportingFiles {
    /// Paths in warnings are shown relative to `cwd`.
    pub fn new(cwd: PathBuf) -> ReportingFiles {
        ReportingFiles {
            cwd,
            reported: Mutex::new(HashSet::new()),
        }
    }

    fn report<T>(&self, result: Result<T, VfsError>) -> Result<T, VfsError> {
        if let Err(e) = &result {
            // A file that is simply gone is not worth a line; a symlink whose target is
            // gone is (the name is still there).
            let dangling = e.is_not_found() && crate::vfs::symlink_metadata(e.path()).is_ok();
            if (!e.is_not_found() || dangling)
                && reported(e.path())
                && self
                    .reported
                    .lock()
                    .expect("not poisoned")
                    .insert(e.path().to_path_buf())
            {
                eprintln!(
                    "warning: {}: skipped: {}",
                    shown_path(e.path(), &self.cwd),
                    reason(e)
                );
            }
        }
        result
    }
}

impl FileSource for ReportingFiles {
    fn text(&self, path: &Path) -> Result<Text, VfsError> {
        self.report(DiskFiles.text(path))
    }

    fn bytes(&self, path: &Path) -> Result<Vec<u8>, VfsError> {
        self.report(DiskFiles.bytes(path))
    }

    fn modified(&self, path: &Path) -> Result<SystemTime, VfsError> {
        DiskFiles.modified(path)
    }

    fn kind(&self, path: &Path) -> Option<EntryKind> {
        DiskFiles.kind(path)
    }

    fn occupied(&self, path: &Path) -> bool {
        DiskFiles.occupied(path)
    }

    fn real_path(&self, path: &Path) -> Result<PathBuf, VfsError> {
        DiskFiles.real_path(path)
    }
}

/// Prints, on stderr, the walk's warnings about the entries it skips (events of
/// [`crate::index::SKIPPED_TARGET`]: `warning: PATH: skipped: name is not UTF-8`,
/// `warning: PATH: skipped: a named pipe, not a regular file`,
/// `warning: PATH: skipped: Permission denied` for a folder), whatever the log level: a
/// file is never skipped silently.
pub struct SkipWarnings {
    cwd: PathBuf,
}

impl SkipWarnings {
    /// Paths are shown relative to `cwd`.
    pub fn new(cwd: PathBuf) -> SkipWarnings {
        SkipWarnings { cwd }
    }
}

#[derive(Default)]
struct Fields {
    path: PathBuf,
    folder: bool,
    message: String,
}

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "path" => self.path = PathBuf::from(format!("{value:?}")),
            "message" => self.message = format!("{value:?}"),
            _ => {}
        }
    }

    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        if field.name() == "folder" {
            self.folder = value;
        }
    }

    fn record_error(
        &mut self,
        field: &tracing::field::Field,
        value: &(dyn std::error::Error + 'static),
    ) {
        // The exact path (its bytes), not its lossy text: a name that is not UTF-8 must
        // still match the path the user gave.
        match crate::index::SkippedPath::of(value) {
            Some(path) if field.name() == "path" => self.path = path.to_path_buf(),
            _ => self.record_debug(field, &format_args!("{value}")),
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SkipWarnings {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut f = Fields::default();
        event.record(&mut f);
        if !reported(&f.path) || (f.folder && FOLDER_ERRORS.load(Ordering::Relaxed)) {
            return;
        }
        let path = shown_path(&f.path, &self.cwd);
        eprintln!("warning: {path}: {}", f.message);
    }
}

/// Versions as an aligned table, one line each.
pub fn versions_table(list: &[PromptVersion]) -> String {
    let rows: Vec<[String; 5]> = list
        .iter()
        .map(|v| {
            let variant = v
                .classifiers
                .iter()
                .map(|(k, x)| format!("{k}={x}"))
                .collect::<Vec<_>>()
                .join(",");
            let mut flags = Vec::new();
            if v.latest {
                flags.push("latest");
            }
            if v.prerelease.is_some() {
                flags.push("prerelease");
            }
            [
                v.version.clone().unwrap_or_else(|| "(unversioned)".into()),
                variant,
                flags.join(" "),
                v.created_at.clone().unwrap_or_default(),
                v.id.clone(),
            ]
        })
        .collect();
    let header = ["VERSION", "VARIANT", "FLAGS", "MODIFIED", "FILE"];
    let mut widths = header.map(str::len);
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 5]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            s.push_str(c);
            if i < 4 {
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(header);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
    out
}
