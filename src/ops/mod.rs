//! Operation plans: create a version, revert to one, create a variant, diff two, and the
//! `semver-bump` check. A plan names the new file and its bytes; the faces write it (the
//! server through the client's `workspace/applyEdit`, the CLI through
//! [`crate::vfs::create_new`]) and never overwrite a file.
//!
//! - [`bump`]: bump kinds, checked arithmetic, prerelease labels, the variable rule;
//! - [`spell`](mod@spell): a version spelled in a file name's style;
//! - [`front_matter`]: editing `title` / `description` in place;
//! - [`plan`]: the planners; [`rename`]: renaming a prompt family and its references;
//!   [`diff`](mod@diff); [`semver`]: the `semver-bump` check.

pub mod bump;
pub mod diff;
pub mod front_matter;
pub mod plan;
pub mod rename;
pub mod semver;
pub mod spell;
pub mod target;

use std::path::PathBuf;

pub use bump::{
    Bump, Recommendation, newest_in_variant, next_prerelease, predecessor, recommend,
    recommend_next, validate_label,
};
pub use diff::{DiffHunk, DiffLine, LineChange, VersionDiff, diff, diff_texts};
pub use front_matter::set_front_matter;
pub use plan::{plan_create, plan_revert, plan_variant};
pub use rename::{
    FileEdits, FileRename, ReferenceEdit, RenameError, RenamePlan, plan_rename, plan_rename_with,
    prompt_of,
};
pub use semver::{semver_diagnostic, tree_semver_diagnostics, tree_semver_diagnostics_from};
pub use spell::spell;
pub use target::{PromptTarget, TargetError, find_prompt, prompt_target};

use crate::vfs::VfsError;

/// Why an operation was refused. `Display` is a one-line message for the user.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The source is not a known prompt file.
    #[error("`{0}` is not an indexed prompt file")]
    NotAPrompt(String),
    /// The source has no version to bump from.
    #[error("`{0}` is unversioned: rename it with a version (e.g. _v1) before creating versions")]
    Unversioned(String),
    /// The source's version number does not fit a version (past `u64::MAX`).
    #[error(
        "`{name}` has no version to start from: its version number `{number}` is too large (the largest is 18446744073709551615); rename it with a smaller version"
    )]
    VersionTooLarge {
        /// The file name.
        name: String,
        /// The digits as written.
        number: String,
    },
    /// The source is read by the Dotprompt convention, which promptls does not write.
    #[error(
        "`{0}` is a Dotprompt name (`convention = \"dotprompt\"`), which promptls reads but does not create versions or variants of; name the new file yourself, e.g. `name.v2.prompt` or `name.variant.prompt`"
    )]
    ReadOnlyConvention(String),
    /// The new file exists already: nothing is overwritten.
    #[error("`{0}` already exists; promptls never overwrites a file")]
    Exists(String),
    /// The new file would leave the prompt's workspace folder.
    #[error("`{0}` is outside the workspace folder; promptls writes only inside it")]
    OutsideWorkspace(String),
    /// The requested version does not exist.
    #[error("{0}")]
    VersionNotFound(String),
    /// The version pattern cannot spell the new version.
    #[error("{0}")]
    Unspellable(String),
    /// A version number would pass `u64::MAX`.
    #[error("{0}")]
    Overflow(String),
    /// The planned version would not be newer than the newest of the variant.
    #[error("{0}")]
    NotNewer(String),
    /// A prerelease label was given with another bump (the bump's name).
    #[error("a prerelease label needs the prerelease bump, not {0}")]
    LabelWithoutPrerelease(&'static str),
    /// The prerelease label is not semantic versioning's prerelease syntax.
    #[error("{0}")]
    InvalidLabel(String),
    /// The front matter cannot be edited (a JSON file, not a YAML mapping, …).
    #[error("{0}")]
    FrontMatter(String),
    /// A file the plan needs cannot be read (missing, not a regular file, permission,
    /// too large), or is not UTF-8 where its text must change.
    #[error(transparent)]
    Read(#[from] VfsError),
}

/// A planned new file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// The new file (absolute; same folder as the source).
    pub path: PathBuf,
    /// Its content, byte for byte (a copy is the source's bytes, verbatim).
    pub content: Vec<u8>,
    /// The new version.
    pub version: String,
    /// Why, in words ("patch bump of v2.0.0", "revert to v1.0.0 as v2.0.1").
    pub reason: String,
}

#[cfg(test)]
mod tests;
