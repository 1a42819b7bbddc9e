//! Renaming a prompt family: `textDocument/prepareRename`, `textDocument/rename` and
//! `workspace/willRenameFiles`. The plan is the core's ([`crate::ops::plan_rename_with`],
//! open buffers overriding the disk); this face turns it into one `WorkspaceEdit` whose
//! `documentChanges` edit the referring documents (versioned when open) and rename the
//! prompt's files with `overwrite: false, ignoreIfExists: false`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tower_lsp_server::jsonrpc::{Error, ErrorCode};
use tower_lsp_server::ls_types::*;

use super::state::{Conv, State, path_uri, uri_path};
use crate::analysis::Document;
use crate::ops::{RenamePlan, plan_rename_with, prompt_of};
use crate::versioning::DEFAULT_EXTENSIONS;

/// LSP's `RequestFailed`: the request was valid, the rename is refused.
fn refused(message: String) -> Error {
    Error {
        code: ErrorCode::ServerError(-32803),
        message: message.into(),
        data: None,
    }
}

/// The `willRename` filters: files with a prompt extension (any case).
/// How long the renames of a willRenameFiles edit are awaited from the client.
const PENDING_FOR: std::time::Duration = std::time::Duration::from_secs(120);

pub(super) fn will_rename_filters() -> FileOperationRegistrationOptions {
    FileOperationRegistrationOptions {
        filters: vec![FileOperationFilter {
            scheme: Some("file".into()),
            pattern: FileOperationPattern {
                glob: format!("**/*.{{{}}}", DEFAULT_EXTENSIONS.join(",")),
                matches: Some(FileOperationPatternKind::File),
                options: Some(FileOperationPatternOptions {
                    ignore_case: Some(true),
                }),
            },
        }],
    }
}

/// What the cursor renames: a prompt file of the family, the prompt's base name, and the
/// byte range to show (the base name inside a reference's target, or an empty range at
/// the cursor in the prompt file itself).
struct Subject {
    file: PathBuf,
    base: String,
    range: std::ops::Range<usize>,
}

fn subject(state: &State, doc: &Document, offset: usize) -> Result<Subject, String> {
    let index = state.index.load();
    if let Some(rr) = crate::analysis::reference_under_cursor(&index, doc, offset)
        && (rr.reference.target.range.start..=rr.reference.target.range.end).contains(&offset)
    {
        let r = &rr.reference;
        let resolved = rr.result.as_ref().map_err(|e| {
            format!(
                "`{}` resolves to no prompt file ({}), so there is nothing to rename",
                r.target.value, e.message
            )
        })?;
        let file = resolved.path();
        let (_, base) = prompt_of(&index, &file)
            .ok_or_else(|| format!("`{}` names no prompt", r.target.value))?;
        let raw = &doc.text()[r.target.range.clone()];
        let seg = raw.rfind('/').map_or(0, |i| i + 1);
        let start = r.target.range.start + seg;
        let range = if raw[seg..].starts_with(base) {
            start..start + base.len()
        } else {
            r.target.range.clone()
        };
        return Ok(Subject {
            base: base.to_string(),
            file,
            range,
        });
    }
    if let Some((folder, i)) = index.file(doc.path()) {
        return Ok(Subject {
            file: doc.path().to_path_buf(),
            base: folder.files[i].parsed.base.to_string(),
            range: offset..offset,
        });
    }
    Err(
        "nothing to rename here: place the cursor on a reference to a prompt, or in a prompt file"
            .into(),
    )
}

/// `textDocument/prepareRename`: the range to rename and the prompt's base name as the
/// placeholder; an error saying why when the cursor is on no prompt.
pub(super) fn prepare(
    state: &State,
    doc: &Document,
    pos: Position,
) -> tower_lsp_server::jsonrpc::Result<Option<PrepareRenameResponse>> {
    let conv = Conv::new(doc, state.enc());
    let s = subject(state, doc, conv.offset(pos)).map_err(refused)?;
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: conv.range(s.range),
        placeholder: s.base,
    }))
}

/// The text of every open buffer (they override the disk in the plan).
fn overlay(state: &State) -> impl Fn(&Path) -> Option<Arc<Document>> + '_ {
    let docs: HashMap<PathBuf, Arc<Document>> = state
        .documents
        .read()
        .unwrap()
        .iter()
        .map(|(p, d)| (p.clone(), d.doc.clone()))
        .collect();
    move |p: &Path| docs.get(p).cloned()
}

/// `textDocument/rename`: `new_name` is the new base name (`job`: same folder) or a
/// prompt path from the workspace folder (`prompts/sub/job`: moved).
pub(super) fn rename(
    state: &State,
    doc: &Document,
    pos: Position,
    new_name: &str,
) -> tower_lsp_server::jsonrpc::Result<Option<WorkspaceEdit>> {
    let conv = Conv::new(doc, state.enc());
    let s = subject(state, doc, conv.offset(pos)).map_err(refused)?;
    let index = state.index.load();
    let folder = s.file.parent().map(Path::to_path_buf).unwrap_or_default();
    let new = if new_name.contains('/') {
        let root = index.root_of(&folder).unwrap_or(&folder);
        root.join(new_name.trim_start_matches('/'))
    } else {
        folder.join(new_name)
    };
    let plan = plan_rename_with(&index, &s.file, &new, &overlay(state))
        .map_err(|e| refused(e.to_string()))?;
    workspace_edit(state, &plan, &[]).map(Some).map_err(refused)
}

/// `workspace/willRenameFiles`: when the client renames files of one prompt, the edit
/// that renames the prompt's other files and updates every reference. `Err` with the
/// reason (the caller shows it) when the rename would collide or read differently;
/// `Ok(None)` when no prompt file is renamed.
pub(super) fn will_rename(
    state: &State,
    files: &[FileRename],
) -> Result<Option<WorkspaceEdit>, String> {
    let index = state.index.load();
    let moves: Vec<(PathBuf, PathBuf)> = files
        .iter()
        .filter_map(|f| {
            let old = uri_path(&f.old_uri.parse().ok()?)?;
            let new = uri_path(&f.new_uri.parse().ok()?)?;
            index.file(&old).is_some().then_some((old, new))
        })
        .collect();
    let Some((old, new)) = moves.first() else {
        return Ok(None);
    };
    // The client is carrying out renames this server asked for (editors send
    // willRenameFiles for the renames of a workspace edit too): nothing more to do.
    {
        let mut pending = state.pending_renames.lock().unwrap();
        pending.retain(|(_, _, at)| at.elapsed() < PENDING_FOR);
        let ours = moves
            .iter()
            .all(|(o, n)| pending.iter().any(|(f, t, _)| f == o && t == n));
        if ours {
            pending.retain(|(f, t, _)| !moves.iter().any(|(o, n)| f == o && t == n));
            return Ok(None);
        }
    }
    let (folder, base) = prompt_of(&index, old).ok_or("not a prompt file")?;
    let family = (folder.path.clone(), base.to_string());
    for (o, _) in &moves {
        let same =
            prompt_of(&index, o).is_some_and(|(f, b)| (f.path.clone(), b.to_string()) == family);
        if !same {
            return Err("files of several prompts are renamed at once; rename one prompt at a time to update references".into());
        }
    }
    let old_name = old.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let new_name = new.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let suffix = &old_name[base.len()..];
    let Some(new_base) = new_name.strip_suffix(suffix).filter(|b| !b.is_empty()) else {
        return Err(format!(
            "`{new_name}` changes more than the prompt's name (`{suffix}` must stay), so the other files of `{base}` are not renamed"
        ));
    };
    let target = new.parent().unwrap_or(Path::new("/")).join(new_base);
    let plan =
        plan_rename_with(&index, old, &target, &overlay(state)).map_err(|e| e.to_string())?;
    for (o, n) in &moves {
        if plan.new_path(o) != Some(n.as_path()) {
            return Err(format!(
                "`{}` would be renamed to `{}`, not `{}`; rename one file and promptls renames the others",
                o.display(),
                plan.new_path(o).unwrap_or(o).display(),
                n.display()
            ));
        }
    }
    let skip: Vec<PathBuf> = moves.into_iter().map(|(o, _)| o).collect();
    let edit = workspace_edit(state, &plan, &skip)?;
    let now = std::time::Instant::now();
    state.pending_renames.lock().unwrap().extend(
        plan.renames
            .iter()
            .filter(|r| !skip.contains(&r.from))
            .map(|r| (r.from.clone(), r.to.clone(), now)),
    );
    Ok(Some(edit))
}

/// The plan as one `WorkspaceEdit`: the text edits first (on the files as they are now,
/// versioned when open), then the renames (`skip`: files the client renames itself).
fn workspace_edit(
    state: &State,
    plan: &RenamePlan,
    skip: &[PathBuf],
) -> Result<WorkspaceEdit, String> {
    let enc = state.enc();
    let mut ops = Vec::new();
    for e in &plan.edits {
        let Some(uri) = path_uri(&e.path) else {
            continue;
        };
        // The open buffer, else the file as analysis reads it: the text the plan edited
        // (a file read only in part cannot be edited by positions).
        let Some(doc) = state.document(&e.path).filter(|d| d.text() == e.text) else {
            return Err(format!(
                "{}: changed while the rename was planned, or too large to edit; nothing was renamed",
                e.path.display()
            ));
        };
        let version = doc.version();
        let conv = Conv::new(&doc, enc);
        ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
            edits: e
                .edits
                .iter()
                .map(|t| {
                    OneOf::Left(TextEdit {
                        range: conv.range(t.range.clone()),
                        new_text: t.new_text.clone(),
                    })
                })
                .collect(),
        }));
    }
    for r in plan.renames.iter().filter(|r| !skip.contains(&r.from)) {
        let (Some(old_uri), Some(new_uri)) = (path_uri(&r.from), path_uri(&r.to)) else {
            continue;
        };
        ops.push(DocumentChangeOperation::Op(ResourceOp::Rename(
            RenameFile {
                old_uri,
                new_uri,
                options: Some(RenameFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(false),
                }),
                annotation_id: None,
            },
        )));
    }
    Ok(WorkspaceEdit {
        changes: None,
        document_changes: Some(DocumentChanges::Operations(ops)),
        change_annotations: None,
    })
}
