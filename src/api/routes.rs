//! The handlers: seed 000's four Prompt Versions endpoints, and the ones beyond it
//! (prompts, resolve, diff, health). Each is documented for the OpenAPI document by its
//! `#[utoipa::path]`, so the document is generated from the code it describes.
//!
//! Prompt ids hold `/` (`prompts/task`): in a path they are percent-encoded as one segment
//! (`prompts%2Ftask`). A version id is the `id` of a [`PromptVersion`] (the file's path
//! from the workspace root, percent-encoded the same way), its file name, or a version
//! (`v2`, `2.1.0`) of the variant the classifier query selects.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiState;
use super::error::{ApiError, ApiErrorBody, Ids, Params};
use crate::analysis::{PromptVersion, list_versions_with, prompt_version};
use crate::index::{Index, PromptFile};
use crate::ops::{
    Bump, Plan, PromptTarget, VersionDiff, plan_create, plan_revert, prompt_target, recommend_next,
};
use crate::versioning::{RequestOptions, VersionSpec};

/// Classifier values from a query (`?lang=ru&tone=formal`); `None` when there are none.
fn classifiers(query: &BTreeMap<String, String>) -> Option<&BTreeMap<String, String>> {
    (!query.is_empty()).then_some(query)
}

/// The prompt of `prompt_id` and the variant the classifier query selects.
fn target<'a>(
    index: &'a Index,
    prompt_id: &str,
    query: &BTreeMap<String, String>,
) -> Result<PromptTarget<'a>, ApiError> {
    Ok(prompt_target(
        index,
        None,
        Some(prompt_id),
        classifiers(query),
    )?)
}

/// The file a version id names (see the module docs).
fn version_file<'a>(
    index: &Index,
    t: &PromptTarget<'a>,
    version_id: &str,
) -> Result<&'a PromptFile, ApiError> {
    let by_name = t
        .folder
        .prompt_files(t.prompt)
        .find(|f| *f.name == *version_id || relative_id(index, &t.folder.path_of(f)) == version_id);
    match by_name {
        Some(f) => Ok(f),
        None => Ok(t.version(version_id)?),
    }
}

/// The `id` of a [`PromptVersion`]: the path from its workspace root, with `/`.
fn relative_id(index: &Index, path: &std::path::Path) -> String {
    let root = index.root_of(path).unwrap_or(std::path::Path::new("/"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Query of the list and get endpoints: classifier values (`?lang=ru`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClassifierQuery {
    /// Any classifier and its value, as the prompt's config declares them (`lang=ru`).
    #[serde(flatten)]
    #[param(value_type = Object)]
    pub classifiers: BTreeMap<String, String>,
}

/// List the versions of a prompt, newest first (variants included unless a classifier
/// selects one).
#[utoipa::path(
    get,
    path = "/prompts/{prompt_id}/versions",
    tag = "versions",
    params(("prompt_id" = String, Path, description = "The prompt, percent-encoded (`prompts%2Ftask`)"), ClassifierQuery),
    responses(
        (status = 200, description = "The versions, newest first", body = [PromptVersion]),
        (status = 404, description = "No such prompt or classifier value", body = ApiErrorBody),
    )
)]
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Ids(prompt_id): Ids<String>,
    Params(ClassifierQuery { classifiers: query }): Params<ClassifierQuery>,
) -> Result<Json<Vec<PromptVersion>>, ApiError> {
    let index = state.index.load();
    let t = target(&index, &prompt_id, &query)?;
    let id = index.prompt_id(t.folder, &t.prompt.base);
    let list = list_versions_with(
        &index,
        t.folder,
        &[t.prompt],
        &id,
        classifiers(&query),
        &|p| state.file_meta(&index, p),
    )
    .map_err(|e| ApiError::from(crate::ops::TargetError::Classifier(Box::new(e))))?;
    Ok(Json(list))
}

/// One version, with its content.
#[utoipa::path(
    get,
    path = "/prompts/{prompt_id}/versions/{version_id}",
    tag = "versions",
    params(
        ("prompt_id" = String, Path, description = "The prompt, percent-encoded"),
        ("version_id" = String, Path, description = "A version's `id` (percent-encoded), its file name, or a version (`v2`, `2.1.0`)"),
        ClassifierQuery,
    ),
    responses(
        (status = 200, description = "The version, with `content`", body = PromptVersion),
        (status = 404, description = "No such prompt or version", body = ApiErrorBody),
    )
)]
pub async fn get(
    State(state): State<Arc<ApiState>>,
    Ids((prompt_id, version_id)): Ids<(String, String)>,
    Params(ClassifierQuery { classifiers: query }): Params<ClassifierQuery>,
) -> Result<Json<PromptVersion>, ApiError> {
    let index = state.index.load();
    let t = target(&index, &prompt_id, &query)?;
    let file = version_file(&index, &t, &version_id)?;
    Ok(Json(prompt_version(&index, t.folder, t.prompt, file, true)))
}

/// A bump of [`CreateVersion::bump`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BumpName {
    /// `v2.1.0` -> `v3.0.0`.
    Major,
    /// `v2.1.0` -> `v2.2.0`.
    Minor,
    /// `v2.1.0` -> `v2.1.1`.
    Patch,
    /// `v2.1.0` -> `v2.1.1-alpha` (with `label`).
    Prerelease,
}

/// The body of a create: seed 000's `title`, `content` and `description`, and optionally
/// the bump, a prerelease label and the variant's classifier values.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVersion {
    /// The title (front matter `title:`).
    pub title: String,
    /// The new version's content.
    pub content: String,
    /// What changed (front matter `description:`).
    #[serde(default)]
    pub description: Option<String>,
    /// The bump; default: what the variable rule recommends for `content`.
    #[serde(default)]
    pub bump: Option<BumpName>,
    /// A prerelease label (`rc`), with the prerelease bump.
    #[serde(default)]
    pub label: Option<String>,
    /// The variant (`{"lang": "ru"}`); default: the default values.
    #[serde(default)]
    pub classifiers: Option<BTreeMap<String, String>>,
}

/// What a create or revert made: the new version (with content), and the bump and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    /// The new version.
    #[serde(flatten)]
    pub version: PromptVersion,
    /// The bump taken, and why (`minor: adds {{tone}}`, `revert to v1.0.0 as v2.0.1`).
    pub reason: String,
}

/// Create a new version from a title, content and description: a NEW file, never an
/// overwrite; the bump is the one the variable rule recommends unless one is given.
#[utoipa::path(
    post,
    path = "/prompts/{prompt_id}/versions",
    tag = "versions",
    params(("prompt_id" = String, Path, description = "The prompt, percent-encoded"), CreateQuery),
    request_body = CreateVersion,
    responses(
        (status = 201, description = "The new version", body = Created),
        (status = 200, description = "With `dry_run=true`: what would be created; nothing is written", body = Planned),
        (status = 404, description = "No such prompt or classifier value", body = ApiErrorBody),
        (status = 409, description = "Another write took every version this one could have", body = ApiErrorBody),
        (status = 413, description = "The body is over the limit", body = ApiErrorBody),
        (status = 422, description = "An invalid body or label", body = ApiErrorBody),
    )
)]
pub async fn create(
    State(state): State<Arc<ApiState>>,
    Ids(prompt_id): Ids<String>,
    Params(CreateQuery { dry_run }): Params<CreateQuery>,
    body: Result<Json<CreateVersion>, axum::extract::rejection::JsonRejection>,
) -> Result<axum::response::Response, ApiError> {
    let Json(body) = body.map_err(super::rejection)?;
    if body.label.is_some() && body.bump != Some(BumpName::Prerelease) {
        return Err(ApiError::invalid(
            "`label` goes with `\"bump\": \"prerelease\"`",
        ));
    }
    if dry_run {
        let index = state.index.load();
        let (plan, reason) = plan_new_version(&index, &prompt_id, &body)?;
        return Ok((
            StatusCode::OK,
            Json(Planned {
                id: relative_id(&index, &plan.path),
                version: plan.version,
                reason,
            }),
        )
            .into_response());
    }
    let created = super::write(&state, move |index| {
        plan_new_version(index, &prompt_id, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// The plan of a create: the prompt's newest file of the variant, the bump given or the
/// one the variable rule recommends for the content, and the reason in words.
fn plan_new_version(
    index: &Index,
    prompt_id: &str,
    body: &CreateVersion,
) -> Result<PlannedWrite, ApiError> {
    let t = prompt_target(index, None, Some(prompt_id), body.classifiers.as_ref())?;
    let source = t.source()?;
    let (folder, i) = index
        .file(&source)
        .ok_or_else(|| ApiError::not_found("the prompt's newest file is gone"))?;
    let (bump, why) = match body.bump {
        Some(b) => (bump_of(b), String::new()),
        None => {
            let rec = recommend_next(index.files(), folder, &folder.files[i], &body.content);
            (rec.bump, rec.reason)
        }
    };
    let plan = plan_create(
        index,
        &source,
        &bump,
        body.label.as_deref(),
        Some(&body.content),
        Some(&body.title),
        body.description.as_deref(),
    )?;
    let reason = if why.is_empty() {
        plan.reason.clone()
    } else {
        format!("{}: {why}", bump.name())
    };
    Ok((plan, reason))
}

/// What a create would write (`?dry_run=true`): nothing is written.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Planned {
    /// The new file's id (its path from the workspace root).
    pub id: String,
    /// The new version (`v2.1.0`).
    pub version: String,
    /// The bump and why (`minor: adds {{deadline}}: new variables`).
    pub reason: String,
}

/// Query of [`create`].
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateQuery {
    /// `true`: answer what would be created (200), write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

fn bump_of(b: BumpName) -> Bump {
    match b {
        BumpName::Major => Bump::Major,
        BumpName::Minor => Bump::Minor,
        BumpName::Patch => Bump::Patch,
        BumpName::Prerelease => Bump::Prerelease,
    }
}

/// The prompt after a revert: the version made, and every version, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reverted {
    /// The prompt's id.
    pub prompt_id: String,
    /// The new version whose content is the chosen version's.
    pub created: Created,
    /// Every version of the variant, newest first, the new one included.
    pub versions: Vec<PromptVersion>,
}

/// Revert to a version: a NEW version (the next patch of the newest of the chosen
/// version's variant) with the chosen version's content, byte for byte; history is never
/// rewritten.
#[utoipa::path(
    post,
    path = "/prompts/{prompt_id}/versions/{version_id}/revert",
    tag = "versions",
    params(
        ("prompt_id" = String, Path, description = "The prompt, percent-encoded"),
        ("version_id" = String, Path, description = "The version whose content comes back"),
        ClassifierQuery,
    ),
    responses(
        (status = 201, description = "The prompt after reverting", body = Reverted),
        (status = 404, description = "No such prompt or version", body = ApiErrorBody),
        (status = 409, description = "Another write took every version this one could have", body = ApiErrorBody),
    )
)]
pub async fn revert(
    State(state): State<Arc<ApiState>>,
    Ids((prompt_id, version_id)): Ids<(String, String)>,
    Params(ClassifierQuery { classifiers: query }): Params<ClassifierQuery>,
) -> Result<(StatusCode, Json<Reverted>), ApiError> {
    let pid = prompt_id.clone();
    let q = query.clone();
    let created = super::write(&state, move |index| {
        let t = target(index, &pid, &q)?;
        let file = version_file(index, &t, &version_id)?;
        let version = file
            .parsed
            .version
            .as_ref()
            .ok_or_else(|| ApiError::invalid(format!("`{}` has no version", file.name)))?
            .to_string();
        // The chosen file's own variant: a version id that names a file reverts within
        // that file's variant, whatever the classifier query says.
        let plan = plan_revert(index, &t.folder.path_of(file), &version)?;
        let reason = plan.reason.clone();
        Ok((plan, reason))
    })
    .await?;
    let index = state.index.load();
    let t = target(&index, &prompt_id, &query)?;
    let id = index.prompt_id(t.folder, &t.prompt.base);
    let variant = created.version.classifiers.clone();
    let versions = list_versions_with(&index, t.folder, &[t.prompt], &id, Some(&variant), &|p| {
        state.file_meta(&index, p)
    })
    .map_err(|e| ApiError::from(crate::ops::TargetError::Classifier(Box::new(e))))?;
    Ok((
        StatusCode::CREATED,
        Json(Reverted {
            prompt_id: id,
            created,
            versions,
        }),
    ))
}

/// One prompt of [`prompts`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromptSummary {
    /// Its id (`prompts/task`).
    pub prompt_id: String,
    /// How many files it has (every version of every variant).
    pub files: usize,
    /// The newest release of its default variant (`v2.0.0`), if any.
    pub latest: Option<String>,
    /// Its variants' classifier values, sorted.
    pub variants: Vec<BTreeMap<String, String>>,
}

/// Query of [`prompts`].
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PromptsQuery {
    /// Only prompts whose id contains this text (any case).
    pub q: Option<String>,
}

/// Every prompt of the workspace, by id.
#[utoipa::path(
    get,
    path = "/prompts",
    tag = "prompts",
    params(PromptsQuery),
    responses((status = 200, description = "The prompts, sorted by id", body = [PromptSummary]))
)]
pub async fn prompts(
    State(state): State<Arc<ApiState>>,
    Params(query): Params<PromptsQuery>,
) -> Json<Vec<PromptSummary>> {
    let index = state.index.load();
    let needle = query.q.map(|q| q.to_lowercase());
    let mut out = Vec::new();
    for folder in index.folders() {
        for prompt in &folder.prompts {
            let prompt_id = index.prompt_id(folder, &prompt.base);
            if needle
                .as_ref()
                .is_some_and(|n| !prompt_id.to_lowercase().contains(n))
            {
                continue;
            }
            let default = folder.scheme.default_variant();
            let latest = folder
                .prompt_files(prompt)
                .filter(|f| *f.parsed.variant == *default)
                .filter_map(|f| f.parsed.version.as_ref())
                .filter(|v| !v.is_prerelease())
                .max()
                .map(|v| v.to_string());
            let mut variants: Vec<BTreeMap<String, String>> = Vec::new();
            for f in folder.prompt_files(prompt) {
                let map = folder.scheme.variant_map(&f.parsed.variant);
                if !variants.contains(&map) {
                    variants.push(map);
                }
            }
            variants.sort();
            out.push(PromptSummary {
                files: folder.prompt_files(prompt).count(),
                prompt_id,
                latest,
                variants,
            });
        }
    }
    out.sort_by(|a, b| a.prompt_id.cmp(&b.prompt_id));
    Json(out)
}

/// What `load_prompt` would load.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResolvedVersion {
    /// The version (with `content`).
    #[serde(flatten)]
    pub version: PromptVersion,
    /// Why this file (`latest: newest release of 3 versions`).
    pub reason: String,
}

/// Query of [`resolve`]: `version` and classifier values.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResolveQuery {
    /// A version spec: `latest` (default), `latest-prerelease`, `v2`, `v2.1.0`.
    pub version: Option<String>,
    /// Classifier values (`lang=ru`).
    #[serde(flatten)]
    #[param(value_type = Object)]
    pub classifiers: BTreeMap<String, String>,
}

/// The file `load_prompt(prompt_id, version=…, classifier={…})` loads, with its content:
/// the run-time fetch for services that are not in Python.
#[utoipa::path(
    get,
    path = "/prompts/{prompt_id}/resolve",
    tag = "prompts",
    params(("prompt_id" = String, Path, description = "The prompt, percent-encoded"), ResolveQuery),
    responses(
        (status = 200, description = "The version promptic loads", body = ResolvedVersion),
        (status = 404, description = "Resolution failed (the error names it)", body = ApiErrorBody),
    )
)]
pub async fn resolve(
    State(state): State<Arc<ApiState>>,
    Ids(prompt_id): Ids<String>,
    Params(query): Params<ResolveQuery>,
) -> Result<Json<ResolvedVersion>, ApiError> {
    let index = state.index.load();
    let (folder, prompt) = crate::ops::find_prompt(&index, &prompt_id).ok_or_else(|| {
        ApiError::from(crate::ops::TargetError::PromptNotFound(prompt_id.clone()))
    })?;
    let spec = query
        .version
        .as_deref()
        .map_or(VersionSpec::Latest, VersionSpec::parse);
    let opts = RequestOptions {
        classifier: classifiers(&query.classifiers),
        include_prerelease: None,
    };
    let target = folder.path.join(&*prompt.base);
    let resolved = index
        .resolve_under(&target, &prompt_id, &spec, &opts, None)
        .map_err(|e| ApiError::from(crate::ops::TargetError::Classifier(Box::new(e))))?;
    let file = resolved.prompt_file();
    let p = resolved
        .folder
        .prompt(&file.parsed.base)
        .ok_or_else(|| ApiError::not_found("the resolved file has no prompt"))?;
    Ok(Json(ResolvedVersion {
        version: prompt_version(&index, &resolved.folder, p, file, true),
        reason: resolved.reason.clone(),
    }))
}

/// What changed between two versions: a unified diff, the hunks as data, and the
/// `{{variables}}` added, removed and kept.
#[utoipa::path(
    get,
    path = "/prompts/{prompt_id}/versions/{from}/diff/{to}",
    tag = "versions",
    params(
        ("prompt_id" = String, Path, description = "The prompt, percent-encoded"),
        ("from" = String, Path, description = "The older version (id, file name or version)"),
        ("to" = String, Path, description = "The newer version"),
        ClassifierQuery,
    ),
    responses(
        (status = 200, description = "The difference", body = VersionDiff),
        (status = 404, description = "No such prompt or version", body = ApiErrorBody),
    )
)]
pub async fn diff(
    State(state): State<Arc<ApiState>>,
    Ids((prompt_id, from, to)): Ids<(String, String, String)>,
    Params(ClassifierQuery { classifiers: query }): Params<ClassifierQuery>,
) -> Result<Json<VersionDiff>, ApiError> {
    let index = state.index.load();
    let t = target(&index, &prompt_id, &query)?;
    let from = t.folder.path_of(version_file(&index, &t, &from)?);
    let to = t.folder.path_of(version_file(&index, &t, &to)?);
    let d = crate::ops::diff(index.files(), &from, &to).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UnreadableError",
            e.to_string(),
        )
    })?;
    Ok(Json(d))
}

/// Health: the index's size.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Prompt files indexed.
    pub prompt_files: usize,
}

/// Whether the service is up, and what it indexed.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses((status = 200, description = "Up", body = Health))
)]
pub async fn healthz(State(state): State<Arc<ApiState>>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        prompt_files: state.index.load().file_count(),
    })
}

/// The plan a write carries out, and its reason.
pub(super) type PlannedWrite = (Plan, String);
