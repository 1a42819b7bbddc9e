//! `textDocument/completion`: the core's candidates with `textEdit`s that replace
//! exactly the literal's content.

use tower_lsp_server::ls_types::*;

use super::state::{Conv, State};
use crate::analysis::Document;
use crate::analysis::completion::{CandidateKind, complete_list};

pub(super) fn completion(
    state: &State,
    doc: &Document,
    pos: Position,
) -> Option<CompletionResponse> {
    let conv = Conv::new(doc, state.enc());
    let offset = conv.offset(pos);
    let index = state.index.load();
    let list = complete_list(&index, doc, offset);
    let items: Vec<CompletionItem> = list
        .items
        .into_iter()
        .map(|c| CompletionItem {
            label: c.label.clone(),
            kind: Some(match c.kind {
                CandidateKind::Folder => CompletionItemKind::FOLDER,
                CandidateKind::Prompt => CompletionItemKind::MODULE,
                CandidateKind::File => CompletionItemKind::FILE,
                CandidateKind::Version => CompletionItemKind::CONSTANT,
                CandidateKind::Key => CompletionItemKind::PROPERTY,
                CandidateKind::Value => CompletionItemKind::ENUM_MEMBER,
                CandidateKind::Variable => CompletionItemKind::VARIABLE,
            }),
            detail: c.detail.clone(),
            sort_text: Some(c.sort_text.clone()),
            filter_text: Some(c.new_text.clone()),
            preselect: c.preselect.then_some(true),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: conv.range(c.replace.clone()),
                new_text: c.new_text.clone(),
            })),
            ..Default::default()
        })
        .collect();
    if items.is_empty() && !list.is_incomplete {
        return None;
    }
    Some(CompletionResponse::List(CompletionList {
        is_incomplete: list.is_incomplete,
        items,
    }))
}
