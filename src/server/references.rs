//! `textDocument/references`: from a prompt file to every reference in the workspace
//! that resolves to it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

use tower_lsp_server::ls_types::*;

use super::state::{Conv, State, path_uri};
use crate::analysis::Document;
use crate::references::Scan;

/// Scans of files on disk, keyed by path and checked against size and modified time, so
/// workspace-wide questions (references, code lens counts) read each file once.
static SCANS: LazyLock<Mutex<HashMap<PathBuf, CachedScan>>> = LazyLock::new(Default::default);

/// A file's scan with the modified time and size it was read at.
type CachedScan = (SystemTime, u64, Arc<Scan>);

/// The scan of `path`: the open buffer's, else a cached scan of the disk.
fn scan_of(state: &State, path: &Path) -> Option<Arc<Scan>> {
    let name = path.file_name()?.to_str()?;
    if let Some(open) = state.documents.read().unwrap().get(path) {
        return Some(open.doc.scan());
    }
    let meta = match crate::vfs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            tracing::debug!(error = %e, "not scanned for references");
            return None;
        }
    };
    let key = (meta.modified().ok()?, meta.len());
    if let Some((m, l, scan)) = SCANS.lock().unwrap().get(path)
        && (*m, *l) == key
    {
        return Some(scan.clone());
    }
    let text = crate::analysis::analysis_text(&state.index.load(), path)?;
    let scan = Arc::new(crate::references::scan_file(name, &text));
    SCANS
        .lock()
        .unwrap()
        .insert(path.to_path_buf(), (key.0, key.1, scan.clone()));
    Some(scan)
}

/// Whether a reference's target text could name `base` (its last segment starts with the
/// base, or could be a folder or a hint): a cheap filter before resolution.
fn could_name(target: &str, base: &str) -> bool {
    let last = target
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(target);
    target.ends_with('/')
        || last.is_empty()
        || last == "."
        || last == ".."
        || last.starts_with(base)
        || !last.contains('.')
}

/// Every (document, byte range) of a reference that resolves to `target`.
pub(crate) fn referrers(
    state: &State,
    target: &Path,
) -> Vec<(Arc<Document>, std::ops::Range<usize>)> {
    let index = state.index.load();
    let base = index
        .file(target)
        .map(|(f, i)| f.files[i].parsed.base.to_string())
        .unwrap_or_default();
    let mut out = Vec::new();
    for path in index.source_paths() {
        let Some(scan) = scan_of(state, &path) else {
            continue;
        };
        if !scan
            .references
            .iter()
            .any(|r| could_name(&r.target.value, &base))
        {
            continue;
        }
        let refs = crate::analysis::resolve_scan(&index, &path, &scan);
        let hits: Vec<_> = refs
            .iter()
            .filter(|rr| rr.result.as_ref().is_ok_and(|r| r.path() == target))
            .map(|rr| rr.reference.target.range.clone())
            .collect();
        if hits.is_empty() {
            continue;
        }
        let Some(doc) = state.document(&path) else {
            continue;
        };
        out.extend(hits.into_iter().map(|range| (doc.clone(), range)));
    }
    out
}

pub(super) fn references(state: &State, path: &Path) -> Option<Vec<Location>> {
    let enc = state.enc();
    let locations = referrers(state, path)
        .into_iter()
        .filter_map(|(doc, range)| {
            let conv = Conv::new(&doc, enc);
            Some(Location {
                uri: path_uri(doc.path())?,
                range: conv.range(range),
            })
        })
        .collect();
    Some(locations)
}
