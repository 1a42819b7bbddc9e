//! `textDocument/documentLink`: every resolvable reference, with a tooltip naming the
//! version it resolves to.

use tower_lsp_server::ls_types::*;

use super::state::{Conv, State, path_uri};
use crate::analysis::Document;

pub(super) fn links(state: &State, doc: &Document) -> Option<Vec<DocumentLink>> {
    let conv = Conv::new(doc, state.enc());
    let index = state.index.load();
    let refs = doc.resolved(&index);
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
