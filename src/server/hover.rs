//! `textDocument/hover`: the core's Markdown.

use std::path::Path;

use tower_lsp_server::ls_types::*;

use super::state::{Conv, State};

pub(super) fn hover(state: &State, path: &Path, text: &str, pos: Position) -> Option<Hover> {
    // Outside every workspace folder nothing is indexed: only a config file's own keys
    // have something true to say.
    if !super::indexing::in_workspace(state, path)
        && crate::config::ConfigFileKind::of(path).is_none()
    {
        return None;
    }
    let conv = Conv::new(text, state.enc());
    let index = state.index.load();
    let (md, range) = crate::analysis::hover::hover(&index, path, text, conv.offset(pos))?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: md,
        }),
        range: Some(conv.range(range)),
    })
}
