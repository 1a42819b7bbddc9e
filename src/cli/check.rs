//! `promptls check` (I-5): every diagnostic of the tree, in four formats.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

use super::output::{self, ReportingFiles, emit, finish, json_text, reason, shown_path};
use super::{Format, config_source, current_dir};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::index::{Index, normalize};
use crate::text::{LineIndex, PositionEncoding};

/// A diagnostic with its positions computed (0-based line, UTF-16 character).
struct Located<'a> {
    diag: &'a Diagnostic,
    shown: String,
    uri: String,
    start: (u32, u32),
    end: (u32, u32),
    source_line: Option<String>,
}

/// A path given on the command line, checked and made absolute.
enum Given {
    /// A folder: every file under it is reported on.
    Dir(PathBuf),
    /// A file: only it is reported on.
    File(PathBuf),
}

impl Given {
    fn path(&self) -> &Path {
        match self {
            Given::Dir(p) | Given::File(p) => p,
        }
    }

    fn covers(&self, path: &Path) -> bool {
        match self {
            Given::Dir(d) => path.starts_with(d),
            Given::File(f) => path == f,
        }
    }
}

/// What became of a path given on the command line.
enum Checked {
    Given(Given),
    /// It does not exist: a usage error.
    Missing,
    /// It exists but cannot be read: reported, the rest is still checked, exit 1.
    Unreadable,
}

fn check_given(p: &Path) -> Checked {
    match crate::vfs::metadata(p) {
        Ok(m) if m.is_dir() => Checked::Given(Given::Dir(normalize(p))),
        Ok(_) => match crate::vfs::read_text(p, 0) {
            // Opened (non-blocking, after a kind check) and closed: nothing read yet.
            Ok(_) => Checked::Given(Given::File(normalize(p))),
            Err(e) => {
                eprintln!("error: {}: {}", p.display(), reason(&e));
                Checked::Unreadable
            }
        },
        Err(e) => {
            eprintln!("error: {}: {}", p.display(), reason(&e));
            // A dangling symlink exists (its name does); it is unreadable, not missing.
            if e.is_not_found() && crate::vfs::symlink_metadata(p).is_err() {
                Checked::Missing
            } else {
                Checked::Unreadable
            }
        }
    }
}

/// Names whose presence makes a folder a project root.
const CONFIG_MARKERS: &[&str] = &["promptic.toml", "pyproject.toml"];

fn has(dir: &Path, name: &str) -> bool {
    crate::vfs::symlink_metadata(&dir.join(name)).is_ok()
}

/// The workspace `dir` belongs to, the folder `check .` would be run from: the nearest
/// folder upwards holding `.git` (a repository, also a worktree or submodule); else the
/// outermost holding `promptic.toml` or `pyproject.toml` (a nested one may configure a
/// subfolder only); else the current folder when `dir` is inside it; else `dir` itself.
pub(super) fn workspace_of(dir: &Path, cwd: &Path) -> PathBuf {
    if let Some(repo) = dir.ancestors().find(|d| has(d, ".git")) {
        return repo.to_path_buf();
    }
    if let Some(project) = dir
        .ancestors()
        .filter(|d| CONFIG_MARKERS.iter().any(|m| has(d, m)))
        .last()
    {
        return project.to_path_buf();
    }
    if dir.starts_with(cwd) {
        cwd.to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// The workspaces to index for `given`: one per path, none inside another.
fn workspaces(given: &[Given], cwd: &Path) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = given
        .iter()
        .map(|g| match g {
            Given::Dir(d) => workspace_of(d, cwd),
            Given::File(f) => workspace_of(f.parent().unwrap_or(f), cwd),
        })
        .collect();
    roots.sort();
    roots.dedup();
    let all = roots.clone();
    roots.retain(|r| !all.iter().any(|o| o != r && r.starts_with(o)));
    roots
}

/// `promptls check`; `colour`: whether the human format is painted.
pub(super) fn run(
    paths: Vec<PathBuf>,
    format: Format,
    config: Option<PathBuf>,
    colour: bool,
) -> ExitCode {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    };
    let (mut given, mut missing, mut unreadable) = (Vec::new(), false, false);
    for p in &paths {
        match check_given(p) {
            Checked::Given(g) => given.push(g),
            Checked::Missing => missing = true,
            Checked::Unreadable => unreadable = true,
        }
    }
    if missing {
        return ExitCode::from(2);
    }
    if given.is_empty() {
        return ExitCode::from(1);
    }
    let source = match config_source(config.as_deref(), false) {
        Ok(s) => Arc::new(s),
        Err(e) => return e.report(),
    };
    let cwd = match current_dir() {
        Ok(c) => c,
        Err(code) => return code,
    };
    output::report_only(given.iter().map(|g| g.path().to_path_buf()).collect());
    output::unreadable_folders_are_errors();
    let spinner = std::io::stderr().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message("Indexing prompts");
        pb.enable_steady_tick(std::time::Duration::from_millis(80));
        pb
    });
    let index = Index::scan(workspaces(&given, &cwd), source)
        .with_files(Arc::new(ReportingFiles::new(cwd.clone())));
    // A folder asked for (or one under it) that cannot be read was not checked: an
    // error, as for a given file that cannot be read.
    for (dir, why) in index.unreadable_dirs() {
        if given.iter().any(|g| g.covers(dir)) {
            eprintln!("error: {}: {why}", shown_path(dir, &cwd));
            unreadable = true;
        }
    }
    if let Some(pb) = &spinner {
        pb.set_message(format!("Checking {} prompt files", index.file_count()));
    }
    // One read of each file: references, and what the version-bump check compares.
    let checked = crate::analysis::check_only(&index, &|p| given.iter().any(|g| g.covers(p)));
    let mut diags = checked.diagnostics;
    diags.extend(crate::ops::tree_semver_diagnostics_from(
        &index,
        &|folder, file| checked.versions.get(&folder.path_of(file)).cloned(),
    ));
    // An installed package is published, immutable content: what is wrong inside it is
    // its author's to fix, so only whether it is still what was installed is reported.
    diags.retain(|d| !crate::registry::installed::is_installed_file(&index, &d.path));
    diags.extend(crate::registry::installed::lock_diagnostics(&index));
    let mut texts_read = checked.texts;
    diags.retain(|d| given.iter().any(|g| g.covers(&d.path)));
    // A version that needs a bigger bump: the call sites it breaks (all found in one pass
    // over the Python files).
    let bumped: Vec<PathBuf> = diags
        .iter()
        .filter(|d| d.code == Code::SemverBump)
        .map(|d| d.path.clone())
        .collect();
    let broken = crate::analysis::broken_call_sites_of(&index, &bumped);
    for d in diags.iter_mut().filter(|d| d.code == Code::SemverBump) {
        let calls = broken.get(&d.path).map_or(&[][..], Vec::as_slice);
        d.message.push_str(&crate::analysis::broken_calls_note(
            calls,
            index.root_of(&d.path),
        ));
    }
    diags.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then(a.range.start.cmp(&b.range.start))
            .then(a.code.cmp(&b.code))
    });
    diags.dedup();
    if let Some(pb) = spinner {
        pb.finish_and_clear();
    }
    let mut texts: HashMap<PathBuf, Option<(String, LineIndex)>> = HashMap::new();
    // Files whose diagnostics all concern the name (no range): their text is not needed.
    let located_in: std::collections::HashSet<&Path> = diags
        .iter()
        .filter(|d| d.range != (0..0) || is_text_source(&d.path))
        .map(|d| d.path.as_path())
        .collect();
    let located: Vec<Located<'_>> = diags
        .iter()
        .map(|d| {
            let entry = texts.entry(d.path.clone()).or_insert_with(|| {
                if !located_in.contains(d.path.as_path()) {
                    return None;
                }
                if let Some(text) = texts_read.remove(&d.path) {
                    let idx = LineIndex::new(&text);
                    return Some((text, idx));
                }
                match index.files().text(&d.path) {
                    Ok(t) => {
                        let idx = LineIndex::new(&t.text);
                        Some((t.text, idx))
                    }
                    // Already reported on stderr by the file source.
                    Err(e) => {
                        tracing::debug!(error = %e, "no source line for a diagnostic");
                        None
                    }
                }
            });
            let (start, end, source_line) = match entry {
                Some((text, idx)) if d.range != (0..0) => {
                    let (s, e) = idx.range(text, d.range.clone(), PositionEncoding::Utf16);
                    let line = idx.line_range(text, s.line).map(|r| text[r].to_string());
                    ((s.line, s.col), (e.line, e.col), line)
                }
                _ => ((0, 0), (0, 0), None),
            };
            Located {
                diag: d,
                shown: shown_path(&d.path, &cwd),
                uri: uri_reference(&d.path, &cwd),
                start,
                end,
                source_line,
            }
        })
        .collect();
    let text = match format {
        Format::Human => human(&located, colour),
        Format::Json => json(&located),
        Format::Sarif => sarif(&located),
        Format::Github => github(&located),
    };
    let code = if crate::index::has_errors(&diags) || unreadable {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    finish(emit(&text), code)
}

/// Characters percent-encoded in a SARIF URI reference: everything but RFC 3986's
/// unreserved characters and the `/` separator.
const URI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// `path` as a URI reference: relative to `cwd` when inside it (`prompts/my%20task_v1.md`),
/// else an absolute `file:` URI; each byte outside the unreserved set is percent-encoded
/// (UTF-8 names as UTF-8, other names byte for byte).
fn uri_reference(path: &Path, cwd: &Path) -> String {
    let (rel, prefix) = match path.strip_prefix(cwd) {
        Ok(rel) => (rel, ""),
        Err(_) => (path, "file://"),
    };
    let bytes = rel.as_os_str().as_encoded_bytes();
    #[cfg(windows)]
    let owned = rel.to_string_lossy().replace('\\', "/");
    #[cfg(windows)]
    let bytes = owned.as_bytes();
    format!("{prefix}{}", percent_encode(bytes, URI_PATH))
}

fn is_text_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "toml" || e == "py")
}

fn human(list: &[Located<'_>], colour: bool) -> String {
    let mut out = String::new();
    let paint = |code: &str, s: &str| {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let (mut errors, mut warnings, mut others) = (0, 0, 0);
    for l in list {
        let d = l.diag;
        let sev = match d.severity {
            Severity::Error => {
                errors += 1;
                paint("1;31", "error")
            }
            Severity::Warning => {
                warnings += 1;
                paint("1;33", "warning")
            }
            Severity::Information => {
                others += 1;
                paint("1;36", "info")
            }
            Severity::Hint => {
                others += 1;
                paint("1;36", "hint")
            }
        };
        out.push_str(&format!(
            "{}:{}:{}: {sev}[{}]: {}\n",
            l.shown,
            l.start.0 + 1,
            l.start.1 + 1,
            d.code.name(),
            d.message
        ));
        if let Some(line) = &l.source_line {
            let gutter = format!("{}", l.start.0 + 1);
            let pad = " ".repeat(gutter.len());
            out.push_str(&format!("{pad} |\n{gutter} | {line}\n"));
            let prefix: String = line
                .encode_utf16()
                .take(l.start.1 as usize)
                .map(|_| ' ')
                .collect();
            let width = if l.end.0 == l.start.0 {
                (l.end.1.saturating_sub(l.start.1)).max(1)
            } else {
                1
            };
            out.push_str(&format!(
                "{pad} | {prefix}{}\n",
                paint("1;31", &"^".repeat(width as usize))
            ));
        }
    }
    if list.is_empty() {
        out.push_str("No problems found.\n");
    } else {
        out.push_str(&format!(
            "\n{errors} error(s), {warnings} warning(s), {others} other(s).\n"
        ));
    }
    out
}

fn json(list: &[Located<'_>]) -> String {
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|l| {
            serde_json::json!({
                "path": l.shown,
                "range": {"start": {"line": l.start.0, "character": l.start.1}, "end": {"line": l.end.0, "character": l.end.1}},
                "severity": l.diag.severity.name(),
                "code": l.diag.code.name(),
                "message": l.diag.message,
            })
        })
        .collect();
    json_text(&items)
}

fn sarif(list: &[Located<'_>]) -> String {
    let rules: Vec<serde_json::Value> = crate::diagnostics::Code::ALL
        .iter()
        .map(|c| serde_json::json!({"id": c.name(), "helpUri": c.docs_url(), "defaultConfiguration": {"level": sarif_level(c.default_severity())}}))
        .collect();
    let results: Vec<serde_json::Value> = list
        .iter()
        .map(|l| {
            serde_json::json!({
                "ruleId": l.diag.code.name(),
                "level": sarif_level(l.diag.severity),
                "message": {"text": l.diag.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": l.uri},
                    "region": {"startLine": l.start.0 + 1, "startColumn": l.start.1 + 1, "endLine": l.end.0 + 1, "endColumn": l.end.1 + 1}
                }}]
            })
        })
        .collect();
    json_text(&serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "promptls", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "columnKind": "utf16CodeUnits",
            "results": results
        }]
    }))
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "note",
    }
}

/// Escapes a workflow command's message (GitHub's rules: `%`, CR, LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: as a message, and also `:` and `,`,
/// which would end the value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(list: &[Located<'_>]) -> String {
    let mut out = String::new();
    for l in list {
        let kind = match l.diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            _ => "notice",
        };
        out.push_str(&format!(
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&l.shown),
            l.start.0 + 1,
            l.start.1 + 1,
            l.end.0 + 1,
            l.end.1 + 1,
            escape_property(l.diag.code.name()),
            escape_data(&l.diag.message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reverses GitHub's workflow-command escaping.
    fn unescape(s: &str) -> String {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    }

    proptest! {
        // Any file name or message: a property value cannot end early (no `,` `:`), no
        // line break splits the command, and nothing is lost.
        #[test]
        fn github_escaping_is_safe_and_lossless(s in "[a-z,:%\r\n ü#]{0,24}") {
            let p = escape_property(&s);
            prop_assert!(!p.contains([',', ':', '\r', '\n']), "{p:?}");
            prop_assert_eq!(unescape(&p), s.clone());
            let d = escape_data(&s);
            prop_assert!(!d.contains(['\r', '\n']), "{d:?}");
            prop_assert_eq!(unescape(&d), s);
        }

        // Any name bytes: the URI holds only unreserved characters, `/` and `%XX`, and
        // decodes to the path's bytes.
        #[cfg(unix)]
        #[test]
        fn sarif_uris_are_valid_and_lossless(
            parts in proptest::collection::vec(proptest::collection::vec(1u8..=255, 1..12), 1..4)
        ) {
            use std::os::unix::ffi::OsStrExt;
            let parts: Vec<Vec<u8>> = parts
                .into_iter()
                .map(|p| p.into_iter().map(|b| if b == b'/' { b'x' } else { b }).collect::<Vec<u8>>())
                // `.` and `..` are not names a walk can find.
                .map(|p| if p == b"." || p == b".." { b"x".to_vec() } else { p })
                .collect();
            let rel: PathBuf = parts.iter().map(|p| std::ffi::OsStr::from_bytes(p)).collect();
            let cwd = Path::new("/w");
            let uri = uri_reference(&cwd.join(&rel), cwd);
            prop_assert!(
                uri.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
                "{uri}"
            );
            let decoded: Vec<u8> = percent_encoding::percent_decode_str(&uri).collect();
            prop_assert_eq!(decoded, rel.as_os_str().as_bytes().to_vec());
        }
    }

    #[test]
    fn uri_outside_the_current_folder_is_a_file_uri() {
        assert_eq!(
            uri_reference(Path::new("/elsewhere/my task_v1.md"), Path::new("/w")),
            "file:///elsewhere/my%20task_v1.md"
        );
    }
}
