//! The invariants of ARCHITECTURE.md, checked on the source tree so they stay true.

use std::path::{Path, PathBuf};

/// The pure core: no I/O of its own, no faces.
const CORE: &[&str] = &[
    "src/config",
    "src/versioning",
    "src/index",
    "src/references",
    "src/analysis",
    "src/ops",
    "src/diagnostics.rs",
    "src/text.rs",
];

fn rust_files(under: &Path) -> Vec<PathBuf> {
    if under.is_file() {
        return vec![under.to_path_buf()];
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(under).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The non-test code of a file, without comments: test modules sit at the end of a file,
/// after `#[cfg(test)]`; a file named `tests.rs` is all test code.
fn code(path: &Path) -> Vec<(usize, String)> {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return Vec::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .take_while(|l| !(l.trim().starts_with("#[cfg(") && l.contains("test")))
        .enumerate()
        .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or("").to_string()))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect()
}

fn violations(dirs: &[&str], forbidden: &[&str], except: &[&str]) -> Vec<String> {
    let forbidden: Vec<regex::Regex> = forbidden
        .iter()
        .map(|f| regex::Regex::new(&format!("(?:^|[^A-Za-z0-9_]){}", regex::escape(f))).unwrap())
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in dirs {
        for file in rust_files(&root.join(dir)) {
            let rel = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if except.iter().any(|e| rel.starts_with(e)) {
                continue;
            }
            for (n, line) in code(&file) {
                for f in &forbidden {
                    if f.is_match(&line) {
                        out.push(format!("{rel}:{n}: `{}` in `{}`", f.as_str(), line.trim()));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn only_the_file_system_layer_touches_the_file_system() {
    let found = violations(
        &["src"],
        &[
            "std::fs",
            "fs::read",
            "fs::write",
            "fs::metadata",
            "fs::symlink_metadata",
            "fs::create",
            "fs::remove",
            "fs::rename",
            "fs::hard_link",
            "fs::canonicalize",
            "File::open",
            "File::create",
            "OpenOptions",
        ],
        &["src/vfs/", "src/bin/"],
    );
    assert!(
        found.is_empty(),
        "file-system calls outside src/vfs/ (use crate::vfs):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_core_reads_contents_only_through_its_file_source() {
    // The core may name the `FileSource` trait and the error types, never the disk
    // implementation or its functions (index building is the one exception: it walks).
    let found = violations(
        CORE,
        &[
            "DiskFiles",
            "vfs::read_text",
            "vfs::read_bytes",
            "vfs::create_new",
            "vfs::modified",
        ],
        &["src/index/", "src/config/discover.rs"],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn core_queries_examine_the_file_system_only_through_the_file_source() {
    // Is it a folder, does it exist, where does it really point: asked of
    // `Index::files()` (`kind`, `occupied`, `real_path`), so a query runs the same
    // on `MemoryFiles`. Index building (the walk, config discovery) is the exception.
    let found = violations(
        CORE,
        &[
            "is_file()",
            "is_dir()",
            "exists()",
            "canonicalize(",
            "symlink_metadata(",
            "metadata(",
            "vfs::read_dir",
        ],
        &["src/index/walk.rs", "src/config/discover.rs"],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_core_never_imports_a_face() {
    let found = violations(
        CORE,
        &[
            "crate::server",
            "crate::cli",
            "crate::api",
            "axum",
            "tower_lsp_server",
            "ls_types",
            "indicatif",
        ],
        &[],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn server_requests_read_the_document_database() {
    // An open buffer is scanned and line-indexed once per version, in
    // `analysis::Document`; a request handler never rescans, reindexes or copies it.
    // (References across the workspace keep their own scan cache of closed files.)
    let found = violations(
        &["src/server"],
        &[
            "LineIndex::new",
            "scan_file(",
            "scan_python(",
            "file_references(",
            "text.clone()",
            "text().to_string()",
            "text().to_owned()",
        ],
        &["src/server/references.rs"],
    );
    assert!(
        found.is_empty(),
        "use the document's scan and line index (analysis::Document):\n{}",
        found.join("\n")
    );
}

#[test]
fn no_read_result_is_swallowed() {
    // A read's error is logged, reported or returned: never turned into "nothing" on the
    // same line it was produced.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for file in rust_files(&root.join("src")) {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .to_string();
        for (n, line) in code(&file) {
            let reads = [
                "vfs::",
                ".files()",
                "read_text(",
                "read_bytes(",
                "read_dir(",
            ]
            .iter()
            .any(|r| line.contains(r));
            let swallows = [".ok()", "unwrap_or_default()", "let _ ="]
                .iter()
                .any(|s| line.contains(s));
            if reads && swallows {
                found.push(format!("{rel}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_checks_above_can_fail() {
    // The scanner sees a planted call (guards against a scan that finds nothing).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.rs");
    std::fs::write(
        &file,
        "fn f() { std::fs::read(\"a\"); } // std::fs in a comment\n#[cfg(test)]\nmod t { fn g() { std::fs::read(\"b\"); } }\n",
    )
    .unwrap();
    let lines = code(&file);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].1.contains("std::fs::read"));
    assert!(!lines[0].1.contains("comment"));
}
