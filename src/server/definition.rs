//! `textDocument/definition`: a reference -> the first line of the file it resolves to.

use tower_lsp_server::ls_types::*;

use super::state::{Conv, State, path_uri};
use crate::analysis::{Document, reference_under_cursor};

pub(super) fn definition(
    state: &State,
    doc: &Document,
    pos: Position,
) -> Option<GotoDefinitionResponse> {
    let conv = Conv::new(doc, state.enc());
    let index = state.index.load();
    let rr = reference_under_cursor(&index, doc, conv.offset(pos))?;
    let target = rr.result.as_ref().ok()?.path();
    let origin = conv.range(rr.reference.target.range.clone());
    let zero = Range::default();
    Some(GotoDefinitionResponse::Link(vec![LocationLink {
        origin_selection_range: Some(origin),
        target_uri: path_uri(&target)?,
        target_range: zero,
        target_selection_range: zero,
    }]))
}
