//! `textDocument/codeAction` (I-3): create/revert versions on a versioned prompt file,
//! pin/unpin on a reference, and quick fixes for the I-4 diagnostics.

use std::path::Path;

use serde_json::json;
use tower_lsp_server::ls_types::*;

use super::state::{Conv, State, path_uri};
use crate::analysis::{Document, reference_index_at, resolve_reference};
use crate::index::TargetKind;
use crate::ops::{Bump, plan_create, recommend_next};
use crate::references::RefKind;

/// Kind of the "create version" actions.
pub const KIND_CREATE: &str = "refactor.promptls.createVersion";
/// Kind of the "revert to version" actions.
pub const KIND_REVERT: &str = "refactor.promptls.revertVersion";

fn command_action(
    title: String,
    kind: &'static str,
    command: &str,
    args: serde_json::Value,
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title: title.clone(),
        kind: Some(CodeActionKind::new(kind)),
        is_preferred: preferred.then_some(true),
        command: Some(Command {
            title,
            command: command.into(),
            arguments: Some(vec![args]),
        }),
        ..Default::default()
    })
}

fn edit_action(
    title: String,
    kind: CodeActionKind,
    uri: &Uri,
    edits: Vec<TextEdit>,
    diag: Option<&Diagnostic>,
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(kind),
        diagnostics: diag.map(|d| vec![d.clone()]),
        is_preferred: preferred.then_some(true),
        edit: Some(WorkspaceEdit {
            changes: Some([(uri.clone(), edits)].into_iter().collect()),
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The folder part of a reference's target as written (`prompts/` of `prompts/task.md`).
fn link_dir(text: &str, r: &crate::references::Reference) -> String {
    text.get(r.target.range.clone())
        .unwrap_or_default()
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default()
}

/// A file name as the reference writes it (percent-encoded in a Markdown link).
fn link_name(r: &crate::references::Reference, name: &str) -> String {
    match r.kind {
        RefKind::MarkdownLink => crate::references::encode_destination(name),
        _ => name.to_string(),
    }
}

/// Whether renaming `path` to `new_name` is a fix the server itself suggests: `path` is an
/// indexed prompt file inside a workspace folder, one of its own naming diagnostics has
/// exactly this rename, `new_name` is a plain file name (so it stays in the same folder),
/// and no file has that name yet.
fn rename_is_ours(state: &State, index: &crate::index::Index, path: &Path, new_name: &str) -> bool {
    let plain = !new_name.is_empty()
        && !new_name.contains(['/', '\\', '\0'])
        && new_name != ".."
        && new_name != ".";
    if !plain || !super::indexing::in_workspace(state, path) {
        return false;
    }
    let Some((folder, i)) = index.file(path) else {
        return false;
    };
    let suggested = crate::index::file_naming_diagnostics(folder, i)
        .into_iter()
        .any(|d| {
            matches!(&d.fix, Some(crate::diagnostics::Fix::RenameFile { new_name: n }) if n == new_name)
        });
    if !suggested {
        tracing::warn!(
            file = %path.display(),
            new_name,
            "refused a rename fix the server did not suggest"
        );
        return false;
    }
    !path.with_file_name(new_name).exists()
}

pub(super) fn actions(
    state: &State,
    doc: &Document,
    params: &CodeActionParams,
) -> Option<CodeActionResponse> {
    let (path, text) = (doc.path(), doc.text());
    let conv = Conv::new(doc, state.enc());
    let index = state.index.load();
    let uri = &params.text_document.uri;
    let mut out: Vec<CodeActionOrCommand> = Vec::new();

    // Quick fixes carried by the diagnostics in context.
    for d in &params.context.diagnostics {
        // An edited older version: save the buffer as a new version instead (I-4).
        if d.code == Some(NumberOrString::String("edit-older-version".into()))
            && let Some((folder, i)) = index.file(path)
        {
            let rec = recommend_next(index.files(), folder, &folder.files[i], text);
            if let Ok(plan) = plan_create(&index, path, &rec.bump, None, Some(text), None, None) {
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!(
                        "Save as new version {} ({}: {})",
                        plan.version,
                        rec.bump.name(),
                        rec.reason
                    ),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![d.clone()]),
                    is_preferred: Some(true),
                    command: Some(Command {
                        title: "Save as new version".into(),
                        command: "promptls.createVersion".into(),
                        arguments: Some(vec![
                            json!({"uri": uri.to_string(), "bump": rec.bump.name()}),
                        ]),
                    }),
                    ..Default::default()
                }));
            }
        }
        let Some(data) = &d.data else { continue };
        if let Some(list) = data.get("replace").and_then(|v| v.as_array()) {
            for (n, c) in list.iter().filter_map(|c| c.as_str()).enumerate() {
                out.push(edit_action(
                    format!("Replace with {c}"),
                    CodeActionKind::QUICKFIX,
                    uri,
                    vec![TextEdit {
                        range: d.range,
                        new_text: c.to_string(),
                    }],
                    Some(d),
                    n == 0,
                ));
            }
        }
        // The client sends `data` back: it is only a hint. The rename is offered only when
        // the server itself suggests it for this file now.
        if let Some(new_name) = data.get("rename").and_then(|v| v.as_str())
            && rename_is_ours(state, &index, path, new_name)
            && let Some(new_uri) = path.parent().and_then(|p| path_uri(&p.join(new_name)))
        {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Rename to {new_name}"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                is_preferred: Some(true),
                edit: Some(WorkspaceEdit {
                    document_changes: Some(DocumentChanges::Operations(vec![
                        DocumentChangeOperation::Op(ResourceOp::Rename(RenameFile {
                            old_uri: uri.clone(),
                            new_uri,
                            options: Some(RenameFileOptions {
                                overwrite: Some(false),
                                ignore_if_exists: Some(false),
                            }),
                            annotation_id: None,
                        })),
                    ])),
                    ..Default::default()
                }),
                ..Default::default()
            }));
        }
    }

    // Add or remove a passed variable: computed again here, so that only the server's own
    // edits are offered (the `data` a client sends back is not trusted).
    let requested = conv.offset(params.range.start)..conv.offset(params.range.end);
    let scan = doc.scan();
    if scan
        .references
        .iter()
        .any(|r| r.variables.iter().any(|v| v.complete))
    {
        let refs = doc.resolved(&index);
        for d in crate::analysis::variable_diagnostics(&index, path, &refs) {
            let touches = d.range.start <= requested.end && requested.start <= d.range.end;
            let Some(crate::diagnostics::Fix::Edit { title, edits }) = &d.fix else {
                continue;
            };
            if !touches {
                continue;
            }
            let lsp_range = conv.range(d.range.clone());
            let shown = params.context.diagnostics.iter().find(|c| {
                c.range == lsp_range
                    && c.code == Some(NumberOrString::String(d.code.name().into()))
                    && c.message == d.message
            });
            let edits = edits
                .iter()
                .map(|(range, new_text)| TextEdit {
                    range: conv.range(range.clone()),
                    new_text: new_text.to_string(),
                })
                .collect();
            out.push(edit_action(
                title.clone(),
                CodeActionKind::QUICKFIX,
                uri,
                edits,
                shown,
                shown.is_some(),
            ));
        }
    }

    // Pin / unpin the reference under the cursor.
    let offset = conv.offset(params.range.start);
    if let Some(i) = reference_index_at(&scan.references, offset)
        && let rr = resolve_reference(&index, path, &scan, i)
        && let Ok(res) = &rr.result
    {
        let r = &rr.reference;
        let file = res.prompt_file();
        let python = matches!(r.kind, RefKind::PythonCall { .. });
        if rr.is_unpinned()
            && let Some(v) = &file.parsed.version
        {
            let edit = if python {
                match (&r.version, r.add_version_at) {
                    (Some(lit), _) => Some(TextEdit {
                        range: conv.range(lit.range.clone()),
                        new_text: v.to_string(),
                    }),
                    // After the call's last argument (the scanner knows where that is for
                    // every string form); no pin where the call cannot take one.
                    (None, Some(at)) => {
                        let key = match &r.kind {
                            RefKind::PythonCall { function } if function == "export_version" => {
                                "version_spec"
                            }
                            _ => "version",
                        };
                        Some(TextEdit {
                            range: conv.range(at..at),
                            new_text: format!(", {key}=\"{v}\""),
                        })
                    }
                    (None, None) => None,
                }
            } else {
                let dir = link_dir(text, r);
                Some(TextEdit {
                    range: conv.range(r.target.range.clone()),
                    new_text: format!("{dir}{}", link_name(r, &file.name)),
                })
            };
            if let Some(edit) = edit {
                out.push(edit_action(
                    format!("Pin to {v}"),
                    CodeActionKind::REFACTOR_REWRITE,
                    uri,
                    vec![edit],
                    None,
                    false,
                ));
            }
        } else if !rr.is_unpinned() && !matches!(res.kind, TargetKind::Directory { .. }) {
            let edit = if python {
                r.version.as_ref().map(|lit| TextEdit {
                    range: conv.range(lit.range.clone()),
                    new_text: "latest".into(),
                })
            } else {
                let dir = link_dir(text, r);
                Some(TextEdit {
                    range: conv.range(r.target.range.clone()),
                    new_text: format!(
                        "{dir}{}",
                        link_name(r, &format!("{}.{}", file.parsed.base, file.parsed.ext))
                    ),
                })
            };
            if let Some(edit) = edit {
                out.push(edit_action(
                    "Unpin (use latest)".into(),
                    CodeActionKind::REFACTOR_REWRITE,
                    uri,
                    vec![edit],
                    None,
                    false,
                ));
            }
        }
    }

    // Version operations on a versioned prompt file.
    if let Some((folder, i)) = index.file(path) {
        let file = &folder.files[i];
        if file.parsed.version.is_some() {
            let rec = recommend_next(index.files(), folder, file, text);
            let uri_s = uri.to_string();
            for bump in [Bump::Patch, Bump::Minor, Bump::Major] {
                let Ok(plan) = plan_create(&index, path, &bump, None, Some(text), None, None)
                else {
                    continue;
                };
                let preferred = bump == rec.bump;
                let why = if preferred {
                    format!(": {}", rec.reason)
                } else {
                    String::new()
                };
                out.push(command_action(
                    format!("Create version {} ({}){why}", plan.version, bump.name()),
                    KIND_CREATE,
                    "promptls.createVersion",
                    json!({"uri": uri_s, "bump": bump.name()}),
                    preferred,
                ));
            }
            if let Ok(plan) = plan_create(
                &index,
                path,
                &Bump::Prerelease,
                None,
                Some(text),
                None,
                None,
            ) {
                out.push(command_action(
                    format!("Create prerelease {}", plan.version),
                    KIND_CREATE,
                    "promptls.createVersion",
                    json!({"uri": uri_s, "bump": "prerelease"}),
                    false,
                ));
            }
            // Variants for declared values the prompt lacks (I-3).
            if let Some(prompt) = folder.prompt(&file.parsed.base) {
                let scheme = &folder.scheme;
                for (ci, name) in scheme.classifier_names().iter().enumerate() {
                    let decl = &scheme.config.classifiers[name];
                    for value in &decl.values {
                        let has = folder.prompt_files(prompt).any(|f| {
                            scheme
                                .value_name(ci, f.parsed.variant[ci])
                                .eq_ignore_ascii_case(value)
                        });
                        if has {
                            continue;
                        }
                        if let Ok(plan) =
                            crate::ops::plan_variant(&index, path, name, value, Some(text))
                        {
                            out.push(command_action(
                                format!("Create variant {name}={value} of {}", plan.version),
                                KIND_CREATE,
                                "promptls.createVersion",
                                json!({"uri": uri_s, "variant": {name.as_str(): value}}),
                                false,
                            ));
                        }
                    }
                }
            }
            if let Some(prompt) = folder.prompt(&file.parsed.base)
                && let Some(current) = file.parsed.version.as_ref()
            {
                let newest = folder
                    .prompt_files(prompt)
                    .filter(|f| f.parsed.variant == file.parsed.variant)
                    .filter_map(|f| f.parsed.version.as_ref())
                    .max();
                for older in folder
                    .prompt_files(prompt)
                    .filter(|f| f.parsed.variant == file.parsed.variant)
                {
                    let Some(v) = &older.parsed.version else {
                        continue;
                    };
                    if Some(v) == newest || (v == current && Some(current) == newest) {
                        continue;
                    }
                    out.push(command_action(
                        format!("Revert to {v}"),
                        KIND_REVERT,
                        "promptls.revertVersion",
                        json!({"uri": uri_s, "version": v.to_string()}),
                        false,
                    ));
                }
            }
        }
    }
    Some(out)
}
