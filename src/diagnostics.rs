//! The diagnostics promptls reports (I-4), independent of how they are shown.

use std::ops::Range;
use std::path::PathBuf;

/// Where the user reference of the diagnostic codes lives; each code has a section whose
/// heading is the code itself (`## semver-bump`), so its anchor is the code.
pub const DOCS_BASE: &str = "https://github.com/promptls/promptls/blob/main/docs/diagnostics.md";

/// A diagnostic code of I-4; each can be re-levelled or turned off in `[diagnostics]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// `invalid-version-pattern`: a bad `version_pattern` (config value, Python literal).
    InvalidVersionPattern,
    /// `invalid-config`: a bad config key or value.
    InvalidConfig,
    /// `version-not-found`: a reference asks for a version that does not exist.
    VersionNotFound,
    /// `classifier-not-found`: a reference asks for a classifier or value that does not exist.
    ClassifierNotFound,
    /// `prompt-not-found`: a reference names no prompt.
    PromptNotFound,
    /// `prerelease-only`: `latest` on a target that has only prereleases.
    PrereleaseOnly,
    /// `ambiguous-directory`: a directory reference whose folder holds several prompts.
    AmbiguousDirectory,
    /// `duplicate-version`: two files of one prompt variant with one version (V-4).
    DuplicateVersion,
    /// `classifier-after-version`: a classifier value after the version (V-3).
    ClassifierAfterVersion,
    /// `unknown-prerelease-label`: a prerelease label not in `prerelease_order`.
    UnknownPrereleaseLabel,
    /// `malformed-version`: a name that almost matches the pattern (V-9).
    MalformedVersion,
    /// `semver-bump`: a version bump smaller than its variable changes need (I-3).
    SemverBump,
    /// `edit-older-version`: an open, modified version that is not the newest.
    EditOlderVersion,
    /// `missing-variable`: a Python call renders a template without a variable it uses.
    MissingVariable,
    /// `unused-variable`: a Python call passes a variable the template does not use.
    UnusedVariable,
    /// `package-missing`: `prompts.lock` lists a package that is not installed.
    PackageMissing,
    /// `package-modified`: an installed package's file differs from what was installed.
    PackageModified,
    /// `invalid-lockfile`: `prompts.lock` cannot be read as a lockfile.
    InvalidLockfile,
}

impl Code {
    /// Every code, in I-4's order.
    pub const ALL: [Code; 18] = [
        Code::InvalidVersionPattern,
        Code::InvalidConfig,
        Code::VersionNotFound,
        Code::ClassifierNotFound,
        Code::PromptNotFound,
        Code::PrereleaseOnly,
        Code::AmbiguousDirectory,
        Code::DuplicateVersion,
        Code::ClassifierAfterVersion,
        Code::UnknownPrereleaseLabel,
        Code::MalformedVersion,
        Code::SemverBump,
        Code::EditOlderVersion,
        Code::MissingVariable,
        Code::UnusedVariable,
        Code::PackageMissing,
        Code::PackageModified,
        Code::InvalidLockfile,
    ];

    /// The code as written in diagnostics and config (`version-not-found`).
    pub fn name(self) -> &'static str {
        match self {
            Code::InvalidVersionPattern => "invalid-version-pattern",
            Code::InvalidConfig => "invalid-config",
            Code::VersionNotFound => "version-not-found",
            Code::ClassifierNotFound => "classifier-not-found",
            Code::PromptNotFound => "prompt-not-found",
            Code::PrereleaseOnly => "prerelease-only",
            Code::AmbiguousDirectory => "ambiguous-directory",
            Code::DuplicateVersion => "duplicate-version",
            Code::ClassifierAfterVersion => "classifier-after-version",
            Code::UnknownPrereleaseLabel => "unknown-prerelease-label",
            Code::MalformedVersion => "malformed-version",
            Code::SemverBump => "semver-bump",
            Code::EditOlderVersion => "edit-older-version",
            Code::MissingVariable => "missing-variable",
            Code::UnusedVariable => "unused-variable",
            Code::PackageMissing => "package-missing",
            Code::PackageModified => "package-modified",
            Code::InvalidLockfile => "invalid-lockfile",
        }
    }

    /// The address of this code's section in the user reference: [`DOCS_BASE`], `#`, and
    /// the code's name (`…/docs/diagnostics.md#semver-bump`). Sent as the LSP
    /// `codeDescription.href` and as SARIF `helpUri`. Never fails: every code has a section.
    pub fn docs_url(&self) -> String {
        format!("{DOCS_BASE}#{}", self.name())
    }

    /// Parses a code name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The default severity of I-4.
    pub fn default_severity(self) -> Severity {
        match self {
            Code::InvalidVersionPattern
            | Code::InvalidConfig
            | Code::VersionNotFound
            | Code::ClassifierNotFound
            | Code::PromptNotFound
            | Code::DuplicateVersion
            | Code::MissingVariable
            | Code::PackageMissing
            | Code::PackageModified
            | Code::InvalidLockfile => Severity::Error,
            Code::EditOlderVersion => Severity::Information,
            _ => Severity::Warning,
        }
    }
}

/// How serious a diagnostic is (LSP's `DiagnosticSeverity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Fails `promptls check`.
    Error,
    /// A likely mistake.
    Warning,
    /// Worth knowing.
    Information,
    /// A suggestion.
    Hint,
}

impl Severity {
    /// `error`, `warning`, `information`, `hint`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
        }
    }

    /// Parses a name (`info` is accepted for `information`).
    pub fn from_name(name: &str) -> Option<Severity> {
        match name {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "information" | "info" => Some(Severity::Information),
            "hint" => Some(Severity::Hint),
            _ => None,
        }
    }
}

/// A suggested edit that fixes a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Rename the file to this name in the same folder (V-9's accepted spelling).
    RenameFile {
        /// The new file name.
        new_name: String,
    },
    /// Replace the diagnostic's range with one of these texts (a version, a value, a path).
    Replace {
        /// Candidate replacements, best first.
        candidates: Vec<String>,
    },
    /// Apply these edits to the diagnostic's file (add or remove a passed variable).
    Edit {
        /// What the fix does, as a code action title (``Add `tone=...` ``).
        title: String,
        /// `(byte range, new text)` pairs; the ranges do not overlap.
        edits: Vec<(Range<usize>, String)>,
    },
}

/// A problem at a place in a file (I-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file it is reported on.
    pub path: PathBuf,
    /// Byte range in the file's text; `0..0` for problems of the file's name.
    pub range: Range<usize>,
    /// Severity after `[diagnostics]` overrides.
    pub severity: Severity,
    /// Its code.
    pub code: Code,
    /// One or a few lines: what is wrong and what exists.
    pub message: String,
    /// A fix, when one is known.
    pub fix: Option<Fix>,
}
