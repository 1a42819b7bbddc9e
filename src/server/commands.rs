//! `workspace/executeCommand` (I-2): the Prompt Versions API of seed 000. Writes go
//! through the client's `workspace/applyEdit` (`CreateFile` that never overwrites, then the
//! content), so the client owns undo.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use super::guard;
use super::state::{State, path_uri, uri_path};
use crate::analysis::{list_versions, prompt_version};
use crate::index::{Folder, Index, Prompt};
use crate::ops::{Bump, Plan, diff, plan_create, plan_revert};

fn invalid(msg: impl Into<String>) -> Error {
    let mut e = Error::invalid_params(msg.into());
    e.data = None;
    e
}

fn arg(params: &ExecuteCommandParams) -> Value {
    params.arguments.first().cloned().unwrap_or(Value::Null)
}

/// The prompt an argument object names: `{uri}` (a file of it) or `{prompt}` (its id).
fn prompt_of<'a>(
    index: &'a Index,
    a: &Value,
) -> std::result::Result<(&'a Arc<Folder>, &'a Prompt, Option<usize>), Error> {
    if let Some(uri) = a.get("uri").and_then(Value::as_str) {
        let uri: Uri = uri
            .parse()
            .map_err(|_| invalid(format!("not a URI: {uri}")))?;
        let path = uri_path(&uri).ok_or_else(|| invalid("not a file URI"))?;
        let (folder, i) = index
            .file(&path)
            .ok_or_else(|| invalid(format!("{} is not an indexed prompt file", path.display())))?;
        let prompt = folder
            .prompt(&folder.files[i].parsed.base)
            .ok_or_else(|| invalid("no prompt"))?;
        return Ok((folder, prompt, Some(i)));
    }
    if let Some(id) = a.get("prompt").and_then(Value::as_str) {
        let id = id.trim_start_matches('/');
        let (dir, base) = id.rsplit_once('/').unwrap_or(("", id));
        for root in index.roots() {
            let folder_path = if dir.is_empty() {
                root.clone()
            } else {
                root.join(dir)
            };
            if let Some(folder) = index.folder(&folder_path)
                && let Some(prompt) = folder.prompt(base)
            {
                return Ok((folder, prompt, None));
            }
        }
        return Err(invalid(format!("PromptNotFoundError: no prompt `{id}`")));
    }
    Err(invalid("expected {uri} or {prompt}"))
}

fn classifier_arg(a: &Value) -> Option<BTreeMap<String, String>> {
    a.get("classifier")?.as_object().map(|o| {
        o.iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect()
    })
}

/// Runs a command.
pub(super) async fn execute(
    client: &Client,
    state: &Arc<State>,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    let a = arg(&params);
    let index = state.index.load();
    match params.command.as_str() {
        "promptls.listVersions" => guard("listVersions", || {
            let (folder, prompt, _) = prompt_of(&index, &a)?;
            let list = list_versions(&index, folder, prompt, classifier_arg(&a).as_ref());
            Ok(Some(serde_json::to_value(list).unwrap_or(Value::Null)))
        })?,
        "promptls.getVersion" => guard("getVersion", || {
            let (folder, prompt, _) = prompt_of(&index, &a)?;
            let spec = a
                .get("version")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("expected {version}"))?;
            let wanted = folder.scheme.parse_version_spec(spec).ok_or_else(|| {
                invalid(format!("VersionNotFoundError: {spec:?} is not a version"))
            })?;
            let want_cls = classifier_arg(&a);
            let file = folder
                .prompt_files(prompt)
                .find(|f| {
                    f.parsed.version.as_ref() == Some(&wanted)
                        && want_cls.as_ref().is_none_or(|w| {
                            let m = folder.scheme.variant_map(&f.parsed.variant);
                            w.iter()
                                .all(|(k, v)| m.get(k).is_some_and(|x| x.eq_ignore_ascii_case(v)))
                        })
                })
                .ok_or_else(|| {
                    invalid(format!(
                        "VersionNotFoundError: `{}` has no {wanted}",
                        prompt.base
                    ))
                })?;
            Ok(Some(
                serde_json::to_value(prompt_version(&index, folder, prompt, file, true))
                    .unwrap_or(Value::Null),
            ))
        })?,
        "promptls.createVersion" | "promptls.revertVersion" => {
            let plan: std::result::Result<Plan, Error> = guard("plan", || {
                let (folder, prompt, i) = prompt_of(&index, &a)?;
                let source: PathBuf = match i {
                    Some(i) => folder.path_of(&folder.files[i]),
                    None => folder.path_of(
                        folder
                            .prompt_files(prompt)
                            .next()
                            .ok_or_else(|| invalid("empty prompt"))?,
                    ),
                };
                if params.command == "promptls.createVersion"
                    && let Some(variant) = a.get("variant").and_then(Value::as_object)
                {
                    let (name, value) = variant
                        .iter()
                        .next()
                        .and_then(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .ok_or_else(|| invalid("expected {variant: {classifier: value}}"))?;
                    let text = state
                        .documents
                        .read()
                        .unwrap()
                        .get(&source)
                        .map(|d| d.text.clone());
                    crate::ops::plan_variant(&index, &source, &name, &value, text.as_deref())
                        .map_err(|e| invalid(e.to_string()))
                } else if params.command == "promptls.createVersion" {
                    let bump = a
                        .get("bump")
                        .and_then(Value::as_str)
                        .and_then(Bump::parse)
                        .ok_or_else(|| invalid("expected {bump: major|minor|patch|prerelease}"))?;
                    let text = state
                        .documents
                        .read()
                        .unwrap()
                        .get(&source)
                        .map(|d| d.text.clone());
                    let s = |k: &str| a.get(k).and_then(Value::as_str);
                    plan_create(
                        &index,
                        &source,
                        &bump,
                        s("label"),
                        text.as_deref(),
                        s("title"),
                        s("description"),
                    )
                    .map_err(|e| invalid(e.to_string()))
                } else {
                    let to = a
                        .get("version")
                        .and_then(Value::as_str)
                        .ok_or_else(|| invalid("expected {version}"))?;
                    plan_revert(&index, &source, to).map_err(|e| invalid(e.to_string()))
                }
            })?;
            let plan = plan?;
            apply_plan(client, state, &plan).await
        }
        "promptls.diffVersions" => guard("diffVersions", || {
            let (folder, prompt, i) = prompt_of(&index, &a)?;
            // The file's variant; else the classifier argument over the defaults (V-6).
            let variant = match i {
                Some(i) => folder.files[i].parsed.variant.clone(),
                None => {
                    let scheme = &folder.scheme;
                    let mut v = scheme.default_variant().to_vec();
                    for (k, value) in classifier_arg(&a).unwrap_or_default() {
                        let ci = scheme.classifier_names().iter().position(|n| *n == k);
                        let vi = scheme
                            .lookup_value(&value)
                            .filter(|(c, _)| Some(*c as usize) == ci);
                        match (ci, vi) {
                            (Some(ci), Some((_, vi))) => v[ci] = vi,
                            _ => {
                                return Err(invalid(format!(
                                    "ClassifierNotFoundError: {k}={value}"
                                )));
                            }
                        }
                    }
                    v.into()
                }
            };
            let variant = Some(variant);
            let find = |key: &str| -> std::result::Result<PathBuf, Error> {
                let spec = a
                    .get(key)
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid(format!("expected {{{key}}}")))?;
                let v = folder
                    .scheme
                    .parse_version_spec(spec)
                    .ok_or_else(|| invalid(format!("{spec:?} is not a version")))?;
                folder
                    .prompt_files(prompt)
                    .filter(|f| variant.as_ref().is_none_or(|x| *x == f.parsed.variant))
                    .find(|f| f.parsed.version.as_ref() == Some(&v))
                    .map(|f| folder.path_of(f))
                    .ok_or_else(|| {
                        invalid(format!(
                            "VersionNotFoundError: `{}` has no {v}",
                            prompt.base
                        ))
                    })
            };
            let (from, to) = (find("from")?, find("to")?);
            let (text, vars) = diff(index.files(), &from, &to).map_err(|e| {
                let mut err = Error::internal_error();
                err.message = e.to_string().into();
                err
            })?;
            Ok(Some(
                json!({"diff": text, "variables": vars, "from": from, "to": to}),
            ))
        })?,
        "promptls.reindex" => {
            super::indexing::reindex(client, state).await;
            Ok(None)
        }
        other => Err(invalid(format!(
            "unknown command {other}; known: {}",
            super::COMMANDS.join(", ")
        ))),
    }
}

/// Sends a plan as a workspace edit; returns the new version's PromptVersion.
async fn apply_plan(client: &Client, state: &Arc<State>, plan: &Plan) -> Result<Option<Value>> {
    // A workspace edit carries text: a copy that is not UTF-8 cannot go through the editor
    // without changing its bytes.
    let content = String::from_utf8(plan.content.clone()).map_err(|_| {
        invalid(format!(
            "{}: the content is not valid UTF-8 text, so the editor cannot create it byte for byte; run `promptls new-version` or `promptls revert` in a terminal instead",
            plan.path.display()
        ))
    })?;
    let uri = path_uri(&plan.path).ok_or_else(|| invalid("cannot make a URI"))?;
    let edit = WorkspaceEdit {
        changes: None,
        document_changes: Some(DocumentChanges::Operations(vec![
            DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                uri: uri.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(false),
                }),
                annotation_id: None,
            })),
            DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: None,
                },
                edits: vec![OneOf::Left(TextEdit {
                    range: Range::default(),
                    new_text: content,
                })],
            }),
        ])),
        change_annotations: None::<HashMap<_, _>>,
    };
    let response = client.apply_edit(edit).await.map_err(|e| {
        invalid(format!(
            "the client could not apply the edit: {}",
            e.message
        ))
    })?;
    if !response.applied {
        return Err(invalid(format!(
            "the client refused the edit: {}",
            response.failure_reason.unwrap_or_default()
        )));
    }
    super::indexing::refresh(client, state, vec![plan.path.clone()]).await;
    let index = state.index.load();
    let value = match index.file(&plan.path) {
        Some((folder, i)) => {
            let f = &folder.files[i];
            folder.prompt(&f.parsed.base).map(|p| {
                serde_json::to_value(prompt_version(&index, folder, p, f, false))
                    .unwrap_or(Value::Null)
            })
        }
        None => None,
    };
    Ok(Some(value.unwrap_or_else(
        || json!({"path": plan.path, "version": plan.version, "reason": plan.reason}),
    )))
}
