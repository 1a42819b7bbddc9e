//! `textDocument/references`: from a prompt file to every reference in the workspace
//! that resolves to it.

use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::*;

use super::state::{Conv, State, path_uri};

/// Every (file, byte range) of a reference that resolves to `target`.
pub(crate) fn referrers(
    state: &State,
    target: &Path,
) -> Vec<(PathBuf, String, std::ops::Range<usize>)> {
    let index = state.index.load();
    let mut out = Vec::new();
    for folder in index.folders() {
        let names = folder
            .files
            .iter()
            .map(|f| &*f.name)
            .chain(folder.python.iter().map(|p| &**p));
        for name in names {
            let path = folder.path.join(name);
            let Some(text) = state.text(&path) else {
                continue;
            };
            if !text.contains(['[', '{', '$', '(']) {
                continue;
            }
            let (_, refs) = crate::analysis::file_references(&index, &path, &text);
            for rr in refs {
                if rr.result.as_ref().is_ok_and(|r| r.path() == target) {
                    out.push((
                        path.clone(),
                        text.clone(),
                        rr.reference.target.range.clone(),
                    ));
                }
            }
        }
    }
    out
}

pub(super) fn references(state: &State, path: &Path) -> Option<Vec<Location>> {
    let enc = state.enc();
    let locations = referrers(state, path)
        .into_iter()
        .filter_map(|(p, text, range)| {
            let conv = Conv::new(&text, enc);
            Some(Location {
                uri: path_uri(&p)?,
                range: conv.range(range),
            })
        })
        .collect();
    Some(locations)
}
