//! Errors of the HTTP API: JSON bodies `{error, message, available}` with the resolution
//! error names the command line uses, and the status that fits (never a 500 for bad input).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::ops::{PlanError, TargetError};

/// An error as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// The error's name: a resolution error (`PromptNotFoundError`, `VersionNotFoundError`,
    /// `ClassifierNotFoundError`) or an API error (`InvalidRequestError`, `ConflictError`,
    /// `PayloadTooLargeError`, `UnauthorizedError`, `NotFoundError`, `InternalError`).
    pub error: String,
    /// One line for a person.
    pub message: String,
    /// What exists instead (versions, classifier values), when known; else empty.
    pub available: Vec<String>,
}

/// An error with its HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The status (404, 409, 413, 422, 401, 500).
    pub status: StatusCode,
    /// The body.
    pub body: ApiErrorBody,
}

impl ApiError {
    /// An error of `status` named `error`.
    pub fn new(status: StatusCode, error: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ApiErrorBody {
                error: error.into(),
                message: message.into(),
                available: Vec::new(),
            },
        }
    }

    /// 422: the request's body or parameters are not valid.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidRequestError",
            message,
        )
    }

    /// 404 for a path the API does not serve.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NotFoundError", message)
    }
}

impl From<TargetError> for ApiError {
    /// Unknown prompts, versions and classifier values are 404s with what exists.
    fn from(e: TargetError) -> ApiError {
        let message = e.to_string();
        let message = message
            .strip_prefix(&format!("{}: ", e.name()))
            .unwrap_or(&message)
            .to_string();
        ApiError {
            status: StatusCode::NOT_FOUND,
            body: ApiErrorBody {
                error: e.name().into(),
                message,
                available: e.available(),
            },
        }
    }
}

impl From<PlanError> for ApiError {
    /// A plan that cannot be made: 409 when its file exists (a race), 404 for a missing
    /// version, 422 for everything the request asked that cannot be (a bad label, a bump
    /// past the largest number, a read-only naming convention).
    fn from(e: PlanError) -> ApiError {
        let message = e.to_string();
        match e {
            PlanError::Exists(_) => ApiError::new(StatusCode::CONFLICT, "ConflictError", message),
            PlanError::VersionNotFound(_) | PlanError::NotAPrompt(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "VersionNotFoundError", message)
            }
            _ => ApiError::invalid(message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// Path parameters whose rejection is a JSON [`ApiError`] (422) rather than axum's plain
/// text: a prompt id that is not UTF-8 once percent-decoded, for example.
#[derive(Debug, Clone)]
pub struct Ids<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Ids<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Ids(v))
            .map_err(|e| ApiError::invalid(e.body_text()))
    }
}

/// A query string whose rejection is a JSON [`ApiError`] (422).
#[derive(Debug, Clone)]
pub struct Params<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Params<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Params(v))
            .map_err(|e| ApiError::invalid(e.body_text()))
    }
}
