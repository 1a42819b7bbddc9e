//! `textDocument/codeLens`: `v2.1.0 · latest release · 5 versions · 3 references` on the
//! first line of a versioned prompt file.

use std::path::Path;

use tower_lsp_server::ls_types::*;

use super::state::{State, path_uri};

pub(super) fn lenses(state: &State, path: &Path) -> Option<Vec<CodeLens>> {
    let index = state.index.load();
    let (folder, i) = index.file(path)?;
    let file = &folder.files[i];
    let v = file.parsed.version.as_ref()?;
    let prompt = folder.prompt(&file.parsed.base)?;
    let variant: Vec<_> = folder
        .prompt_files(prompt)
        .filter(|f| f.parsed.variant == file.parsed.variant)
        .collect();
    let include_pre = folder.scheme.config.include_prerelease;
    let newest_release = variant
        .iter()
        .filter_map(|f| f.parsed.version.as_ref())
        .filter(|x| include_pre || !x.is_prerelease())
        .max();
    let status = if Some(v) == newest_release {
        "latest release".to_string()
    } else if v.is_prerelease() {
        "prerelease".to_string()
    } else {
        format!(
            "older than {}",
            newest_release.map(|n| n.to_string()).unwrap_or_default()
        )
    };
    let refs = super::references::referrers(state, path).len();
    let versions = variant
        .iter()
        .filter(|f| f.parsed.version.is_some())
        .count();
    let uri = path_uri(path)?;
    let title = format!(
        "{v} · {status} · {versions} version{} · {refs} reference{}",
        if versions == 1 { "" } else { "s" },
        if refs == 1 { "" } else { "s" }
    );
    let range = Range::default();
    Some(vec![CodeLens {
        range,
        command: Some(Command {
            title,
            command: "promptls.listVersions".into(),
            arguments: Some(vec![serde_json::json!({"uri": uri.to_string()})]),
        }),
        data: None,
    }])
}
