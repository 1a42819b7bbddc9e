//! `textDocument/documentLink`: every resolvable reference, with a tooltip naming the
//! version it resolves to.

use std::path::Path;

use tower_lsp_server::ls_types::*;

use super::state::{Conv, State, path_uri};

pub(super) fn links(state: &State, path: &Path, text: &str) -> Option<Vec<DocumentLink>> {
    let conv = Conv::new(text, state.enc());
    let index = state.index.load();
    let (_, refs) = crate::analysis::file_references(&index, path, text);
    let links = refs
        .iter()
        .filter_map(|rr| {
            let res = rr.result.as_ref().ok()?;
            let file = res.prompt_file();
            let tooltip = match &file.parsed.version {
                Some(v) => format!("{} ({v})", file.name),
                None => file.name.to_string(),
            };
            Some(DocumentLink {
                range: conv.range(rr.reference.target.range.clone()),
                target: path_uri(&res.path()),
                tooltip: Some(tooltip),
                data: None,
            })
        })
        .collect();
    Some(links)
}
