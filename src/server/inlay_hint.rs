//! `textDocument/inlayHint`: `→ v2.1.0` after an unpinned reference or `latest`.

use tower_lsp_server::ls_types::*;

use super::state::{Conv, State};
use crate::analysis::Document;

pub(super) fn hints(state: &State, doc: &Document, range: Range) -> Option<Vec<InlayHint>> {
    let conv = Conv::new(doc, state.enc());
    let text = doc.text();
    let (start, end) = (conv.offset(range.start), conv.offset(range.end));
    let index = state.index.load();
    let refs = doc.resolved(&index);
    let hints = refs
        .iter()
        .filter(|rr| rr.is_unpinned())
        .filter_map(|rr| {
            let res = rr.result.as_ref().ok()?;
            let v = res.prompt_file().parsed.version.as_ref()?;
            let at = rr
                .reference
                .version
                .as_ref()
                .map_or(rr.reference.target.range.end, |v| v.range.end);
            let at = if text[at..].starts_with(['"', '\'']) {
                at + 1
            } else {
                at
            };
            if at < start || at > end {
                return None;
            }
            Some(InlayHint {
                position: conv.pos(at),
                label: InlayHintLabel::String(format!("→ {v}")),
                kind: None,
                text_edits: None,
                tooltip: Some(InlayHintTooltip::String(format!(
                    "resolves to {} ({})",
                    res.prompt_file().name,
                    res.reason
                ))),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            })
        })
        .collect();
    Some(hints)
}
