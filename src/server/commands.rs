//! `workspace/executeCommand` (I-2): the Prompt Versions API of seed 000. Writes go
//! through the client's `workspace/applyEdit` (`CreateFile` that never overwrites, then the
//! content), so the client owns undo.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use super::guard;
use super::state::{State, path_uri, uri_path};
use crate::analysis::{PromptVersion, VariableChange, list_versions, prompt_version};
use crate::index::Index;
use crate::ops::{Bump, Plan, PromptTarget, diff, plan_create, plan_revert, prompt_target};

fn invalid(msg: impl Into<String>) -> Error {
    let mut e = Error::invalid_params(msg.into());
    e.data = None;
    e
}

/// Classifier values by classifier name (`{"lang": "de"}`).
type Classifier = BTreeMap<String, String>;

/// `promptls.listVersions`: the versions of the prompt of `uri` (a file of it) or `prompt`
/// (its id, `prompts/task`), optionally only those of a `classifier`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ListVersionsArgs {
    uri: Option<String>,
    prompt: Option<String>,
    classifier: Option<Classifier>,
}

/// `promptls.getVersion`: one version (`v2`, `2.1.0`, `latest`) of the variant of `uri`,
/// else of `classifier` over the defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GetVersionArgs {
    uri: Option<String>,
    prompt: Option<String>,
    classifier: Option<Classifier>,
    version: String,
}

/// The bumps `promptls.createVersion` takes.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum BumpArg {
    Major,
    Minor,
    Patch,
    #[serde(alias = "pre")]
    Prerelease,
}

impl From<BumpArg> for Bump {
    fn from(b: BumpArg) -> Bump {
        match b {
            BumpArg::Major => Bump::Major,
            BumpArg::Minor => Bump::Minor,
            BumpArg::Patch => Bump::Patch,
            BumpArg::Prerelease => Bump::Prerelease,
        }
    }
}

/// `promptls.createVersion`: a `bump` of the newest version of the variant of `uri` (else
/// of `classifier` over the defaults), or a new `variant` (`{"lang": "fr"}`) of it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateVersionArgs {
    uri: Option<String>,
    prompt: Option<String>,
    classifier: Option<Classifier>,
    bump: Option<BumpArg>,
    label: Option<String>,
    title: Option<String>,
    description: Option<String>,
    variant: Option<Classifier>,
}

/// `promptls.revertVersion`: a new version with the content of `version`, in the variant of
/// `uri`, else of `classifier` over the defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RevertVersionArgs {
    uri: Option<String>,
    prompt: Option<String>,
    classifier: Option<Classifier>,
    version: String,
}

/// `promptls.diffVersions`: the diff between two versions of one variant.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DiffVersionsArgs {
    uri: Option<String>,
    prompt: Option<String>,
    classifier: Option<Classifier>,
    from: String,
    to: String,
}

/// `promptls.reindex` takes nothing (an empty object at most).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReindexArgs {}

/// The result of `promptls.diffVersions`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DiffResult {
    /// A unified diff of the two files.
    diff: String,
    /// How the template variables changed.
    variables: VariableChange,
    /// The older file.
    from: PathBuf,
    /// The newer file.
    to: PathBuf,
}

/// What `createVersion` / `revertVersion` answer when the new file is not indexed (yet).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedFile {
    path: PathBuf,
    version: String,
    reason: String,
}

/// The created file's PromptVersion, else its path, version and reason.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Created {
    Indexed(Box<PromptVersion>),
    File(CreatedFile),
}

/// The command's one argument object, typed; InvalidParams naming the field otherwise.
fn args<T: DeserializeOwned>(params: &ExecuteCommandParams, empty_ok: bool) -> Result<T> {
    let arg = match params.arguments.as_slice() {
        [] if empty_ok => Value::Object(Default::default()),
        [] => Value::Null,
        [one] => one.clone(),
        more => {
            return Err(invalid(format!(
                "{}: expected one argument object, got {}",
                params.command,
                more.len()
            )));
        }
    };
    serde_path_to_error::deserialize(arg).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        if field == "." {
            invalid(format!("{}: invalid arguments: {inner}", params.command))
        } else {
            invalid(format!(
                "{}: invalid argument `{field}`: {inner}",
                params.command
            ))
        }
    })
}

fn to_value(v: impl Serialize) -> Result<Option<Value>> {
    serde_json::to_value(v)
        .map(Some)
        .map_err(|e| invalid(format!("cannot encode the result: {e}")))
}

/// [`prompt_target`] of a command's `uri` / `prompt` / `classifier` arguments, its errors
/// as invalid parameters.
macro_rules! target_of {
    ($index:expr, $a:expr) => {
        target(
            $index,
            $a.uri.as_deref(),
            $a.prompt.as_deref(),
            $a.classifier.as_ref(),
        )
    };
}

fn target<'a>(
    index: &'a Index,
    uri: Option<&str>,
    prompt: Option<&str>,
    classifier: Option<&Classifier>,
) -> std::result::Result<PromptTarget<'a>, Error> {
    let path = match uri {
        Some(uri) => {
            let parsed: Uri = uri
                .parse()
                .map_err(|_| invalid(format!("`uri`: not a URI: {uri}")))?;
            let path = uri_path(&parsed).ok_or_else(|| invalid("`uri`: not a file URI"))?;
            if index.file(&path).is_none() {
                return Err(invalid(format!(
                    "`uri`: {} is not an indexed prompt file",
                    path.display()
                )));
            }
            Some(path)
        }
        None if prompt.is_none() => return Err(invalid("expected `uri` or `prompt`")),
        None => None,
    };
    prompt_target(index, path.as_deref(), prompt, classifier).map_err(|e| invalid(e.to_string()))
}

/// Runs a command.
pub(super) async fn execute(
    client: &Client,
    state: &Arc<State>,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    let index = state.index.load();
    let open_doc = |path: &PathBuf| {
        state
            .documents
            .read()
            .unwrap()
            .get(path)
            .map(|d| d.doc.clone())
    };
    match params.command.as_str() {
        "promptls.listVersions" => {
            let a: ListVersionsArgs = args(&params, false)?;
            guard("listVersions", || {
                let t = target_of!(&index, a)?;
                let id = index.prompt_id(t.folder, &t.prompt.base);
                let list = list_versions(&index, t.folder, &[t.prompt], &id, a.classifier.as_ref())
                    .map_err(|e| invalid(e.to_string()))?;
                to_value(list)
            })?
        }
        "promptls.getVersion" => {
            let a: GetVersionArgs = args(&params, false)?;
            guard("getVersion", || {
                let t = target_of!(&index, a)?;
                let file = t.version(&a.version).map_err(|e| invalid(e.to_string()))?;
                to_value(prompt_version(&index, t.folder, t.prompt, file, true))
            })?
        }
        "promptls.createVersion" => {
            let a: CreateVersionArgs = args(&params, false)?;
            let plan = guard("createVersion", || {
                let t = target_of!(&index, a)?;
                let source = t.source().map_err(|e| invalid(e.to_string()))?;
                let doc = open_doc(&source);
                let text = doc.as_ref().map(|d| d.text());
                if let Some(variant) = &a.variant {
                    let [(name, value)] = variant.iter().collect::<Vec<_>>()[..] else {
                        return Err(invalid(
                            "`variant`: expected one classifier and its value ({\"lang\": \"fr\"})",
                        ));
                    };
                    crate::ops::plan_variant(&index, &source, name, value, text)
                        .map_err(|e| invalid(e.to_string()))
                } else {
                    let bump: Bump = a
                        .bump
                        .ok_or_else(|| invalid("missing field `bump` (or `variant`)"))?
                        .into();
                    plan_create(
                        &index,
                        &source,
                        &bump,
                        a.label.as_deref(),
                        text,
                        a.title.as_deref(),
                        a.description.as_deref(),
                    )
                    .map_err(|e| invalid(e.to_string()))
                }
            })??;
            apply_plan(client, state, &plan).await
        }
        "promptls.revertVersion" => {
            let a: RevertVersionArgs = args(&params, false)?;
            let plan = guard("revertVersion", || {
                let t = target_of!(&index, a)?;
                let source = t.source().map_err(|e| invalid(e.to_string()))?;
                plan_revert(&index, &source, &a.version).map_err(|e| invalid(e.to_string()))
            })??;
            apply_plan(client, state, &plan).await
        }
        "promptls.diffVersions" => {
            let a: DiffVersionsArgs = args(&params, false)?;
            guard("diffVersions", || {
                let t = target_of!(&index, a)?;
                let from = t
                    .folder
                    .path_of(t.version(&a.from).map_err(|e| invalid(e.to_string()))?);
                let to = t
                    .folder
                    .path_of(t.version(&a.to).map_err(|e| invalid(e.to_string()))?);
                let d = diff(index.files(), &from, &to).map_err(|e| {
                    let mut err = Error::internal_error();
                    err.message = e.to_string().into();
                    err
                })?;
                to_value(DiffResult {
                    diff: d.unified,
                    variables: d.variables,
                    from,
                    to,
                })
            })?
        }
        "promptls.reindex" => {
            let _: ReindexArgs = args(&params, true)?;
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
    let indexed = index.file(&plan.path).and_then(|(folder, i)| {
        let f = &folder.files[i];
        let p = folder.prompt(&f.parsed.base)?;
        Some(prompt_version(&index, folder, p, f, false))
    });
    to_value(match indexed {
        Some(v) => Created::Indexed(Box::new(v)),
        None => Created::File(CreatedFile {
            path: plan.path.clone(),
            version: plan.version.clone(),
            reason: plan.reason.clone(),
        }),
    })
}
