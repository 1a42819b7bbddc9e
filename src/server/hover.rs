//! `textDocument/hover`: the core's Markdown.

use tower_lsp_server::ls_types::*;

use super::state::{Conv, State};
use crate::analysis::Document;

pub(super) fn hover(state: &State, doc: &Document, pos: Position) -> Option<Hover> {
    let path = doc.path();
    // Outside every workspace folder nothing is indexed: only a config file's own keys
    // have something true to say.
    if !super::indexing::in_workspace(state, path)
        && crate::config::ConfigFileKind::of(path).is_none()
    {
        return None;
    }
    let conv = Conv::new(doc, state.enc());
    let index = state.index.load();
    let (md, range) = crate::analysis::hover::hover(&index, doc, conv.offset(pos))?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: md,
        }),
        range: Some(conv.range(range)),
    })
}
