//! `promptls check` (I-5): every diagnostic of the tree, in four formats.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use super::{Format, config_source, output::print_json, usage_error};
use crate::diagnostics::{Diagnostic, Severity};
use crate::index::{Index, normalize};
use crate::text::{LineIndex, PositionEncoding};

/// A diagnostic with its positions computed (0-based line, UTF-16 character).
struct Located<'a> {
    diag: &'a Diagnostic,
    shown: String,
    start: (u32, u32),
    end: (u32, u32),
    source_line: Option<String>,
}

pub(super) fn run(paths: Vec<PathBuf>, format: Format, config: Option<PathBuf>) -> ExitCode {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    };
    for p in &paths {
        if !p.exists() {
            return usage_error(&format!("{}: no such file or folder", p.display()));
        }
    }
    let source = match config_source(config.as_deref(), false) {
        Ok(s) => Arc::new(s),
        Err(e) => return usage_error(&e),
    };
    let spinner = std::io::stderr().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message("Indexing prompts");
        pb.enable_steady_tick(std::time::Duration::from_millis(80));
        pb
    });
    let roots: Vec<PathBuf> = paths
        .iter()
        .map(|p| normalize(p))
        .map(|p| {
            if p.is_dir() {
                p
            } else {
                p.parent().unwrap().to_path_buf()
            }
        })
        .collect();
    let files: Vec<PathBuf> = paths
        .iter()
        .map(|p| normalize(p))
        .filter(|p| p.is_file())
        .collect();
    let index = Index::scan(roots, source);
    if let Some(pb) = &spinner {
        pb.set_message(format!("Checking {} prompt files", index.file_count()));
    }
    let mut diags = crate::analysis::check(&index);
    diags.extend(crate::ops::tree_semver_diagnostics(&index));
    if !files.is_empty() {
        diags.retain(|d| {
            files.contains(&d.path)
                || paths
                    .iter()
                    .any(|p| normalize(p).is_dir() && d.path.starts_with(normalize(p)))
        });
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
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut texts: HashMap<PathBuf, Option<(String, LineIndex)>> = HashMap::new();
    let located: Vec<Located<'_>> = diags
        .iter()
        .map(|d| {
            let entry = texts.entry(d.path.clone()).or_insert_with(|| {
                if d.range == (0..0) && !is_text_source(&d.path) {
                    return None;
                }
                crate::analysis::read_capped(&d.path).map(|t| {
                    let idx = LineIndex::new(&t);
                    (t, idx)
                })
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
                start,
                end,
                source_line,
            }
        })
        .collect();
    match format {
        Format::Human => human(&located),
        Format::Json => json(&located),
        Format::Sarif => sarif(&located),
        Format::Github => github(&located),
    }
    if crate::index::has_errors(&diags) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn is_text_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "toml" || e == "py")
}

fn shown_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn human(list: &[Located<'_>]) {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
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
        println!(
            "{}:{}:{}: {sev}[{}]: {}",
            l.shown,
            l.start.0 + 1,
            l.start.1 + 1,
            d.code.name(),
            d.message
        );
        if let Some(line) = &l.source_line {
            let gutter = format!("{}", l.start.0 + 1);
            let pad = " ".repeat(gutter.len());
            println!("{pad} |");
            println!("{gutter} | {line}");
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
            println!(
                "{pad} | {prefix}{}",
                paint("1;31", &"^".repeat(width as usize))
            );
        }
    }
    if list.is_empty() {
        println!("No problems found.");
    } else {
        println!("\n{errors} error(s), {warnings} warning(s), {others} other(s).");
    }
}

fn json(list: &[Located<'_>]) {
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
    print_json(&items);
}

fn sarif(list: &[Located<'_>]) {
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
                    "artifactLocation": {"uri": l.shown},
                    "region": {"startLine": l.start.0 + 1, "startColumn": l.start.1 + 1, "endLine": l.end.0 + 1, "endColumn": l.end.1 + 1}
                }}]
            })
        })
        .collect();
    print_json(&serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "promptls", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "columnKind": "utf16CodeUnits",
            "results": results
        }]
    }));
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "note",
    }
}

fn github(list: &[Located<'_>]) {
    for l in list {
        let kind = match l.diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            _ => "notice",
        };
        let msg = l
            .diag
            .message
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        println!(
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{msg}",
            l.shown,
            l.start.0 + 1,
            l.start.1 + 1,
            l.end.0 + 1,
            l.end.1 + 1,
            l.diag.code.name()
        );
    }
}
