//! `workspace/symbol`: prompts (`task`) and versions (`task@v2`) by name.

use tower_lsp_server::ls_types::*;

use super::state::{State, path_uri};

/// Most symbols returned for one query.
const LIMIT: usize = 500;

#[allow(deprecated)]
pub(super) fn symbols(state: &State, query: &str) -> Option<WorkspaceSymbolResponse> {
    let index = state.index.load();
    let (name_q, version_q) = match query.split_once('@') {
        Some((n, v)) => (
            n.to_ascii_lowercase(),
            Some(v.trim_start_matches(['v', 'V']).to_string()),
        ),
        None => (query.to_ascii_lowercase(), None),
    };
    let mut out = Vec::new();
    'outer: for folder in index.folders() {
        for prompt in &folder.prompts {
            if !prompt.base.to_ascii_lowercase().contains(&name_q) {
                continue;
            }
            let id = index.prompt_id(folder, &prompt.base);
            for f in folder.prompt_files(prompt) {
                let (name, kind) = match (&f.parsed.version, &version_q) {
                    (Some(v), Some(q))
                        if v.to_string()
                            .trim_start_matches('v')
                            .starts_with(q.as_str()) =>
                    {
                        (format!("{}@{v}", prompt.base), SymbolKind::CONSTANT)
                    }
                    (_, Some(_)) => continue,
                    (Some(v), None) => (format!("{}@{v}", prompt.base), SymbolKind::CONSTANT),
                    (None, None) => (prompt.base.to_string(), SymbolKind::FILE),
                };
                let Some(uri) = path_uri(&folder.path_of(f)) else {
                    continue;
                };
                out.push(SymbolInformation {
                    name,
                    kind,
                    tags: None,
                    deprecated: None,
                    location: Location {
                        uri,
                        range: Range::default(),
                    },
                    container_name: Some(id.clone()),
                });
                if out.len() >= LIMIT {
                    break 'outer;
                }
            }
            if version_q.is_none()
                && let Some(first) = folder.prompt_files(prompt).next()
                && let Some(uri) = path_uri(&folder.path_of(first))
            {
                out.push(SymbolInformation {
                    name: prompt.base.to_string(),
                    kind: SymbolKind::MODULE,
                    tags: None,
                    deprecated: None,
                    location: Location {
                        uri,
                        range: Range::default(),
                    },
                    container_name: Some(id),
                });
            }
        }
    }
    Some(WorkspaceSymbolResponse::Flat(out))
}
