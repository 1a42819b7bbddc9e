//! promptic's `VersioningConfig` model (V-7): the validated config the engine reads names
//! by. Validation, sources and layering are `crate::config`'s; this module has no
//! dependency on it.

use std::collections::BTreeMap;

/// The default prompt file extensions (V-1), lower-case, without the dot.
pub const DEFAULT_EXTENSIONS: &[&str] = &[
    "md", "markdown", "yaml", "yml", "json", "jinja2", "jinja", "j2", "txt", "prompt",
];

/// One declared classifier (promptic's `ClassifierConfig`, V-3).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClassifierConfig {
    /// Allowed values in declaration order, as written (matching is case-insensitive).
    pub values: Vec<String>,
    /// The value a file without a segment for this classifier has; one of `values`.
    pub default: String,
}

/// The file naming convention a folder's prompt files follow (`convention`, a promptls
/// key; see `docs/naming.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// promptic's names (`task_en_v2.1.0.md`): the default.
    #[default]
    Promptic,
    /// Dotprompt's `name.variant.prompt` (Genkit) with LiteLLM's versions
    /// (`name.v1.prompt`), read for `.prompt` files; every other file keeps promptic's
    /// names. Read-only: promptls does not create versions of such files.
    Dotprompt,
}

impl Convention {
    /// Every convention, in documentation order.
    pub const ALL: &[Convention] = &[Convention::Promptic, Convention::Dotprompt];

    /// The name as written in a config (`"promptic"`, `"dotprompt"`).
    pub fn name(self) -> &'static str {
        match self {
            Convention::Promptic => "promptic",
            Convention::Dotprompt => "dotprompt",
        }
    }

    /// The convention called `name` (exact, lower-case), if any.
    pub fn from_name(name: &str) -> Option<Convention> {
        Convention::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// Whether this is the default convention (a config that leaves it out).
    pub fn is_promptic(&self) -> bool {
        *self == Convention::Promptic
    }
}

/// A complete, validated versioning config (promptic's `VersioningConfig`, V-7).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersioningConfig {
    /// Accepted delimiters between base, classifiers and version (`delimiter` or
    /// `delimiters`, V-2); never empty, each one of `_ . -`.
    pub delimiters: Vec<char>,
    /// A custom version regex that overrides the delimiters (V-2).
    pub version_pattern: Option<String>,
    /// Whether `latest` considers prereleases (V-5).
    pub include_prerelease: bool,
    /// Prerelease labels from oldest to newest, lower-case (V-4).
    pub prerelease_order: Vec<String>,
    /// Declared classifiers by name (V-3).
    pub classifiers: BTreeMap<String, ClassifierConfig>,
    /// Prompt file extensions, lower-case, without the dot (V-1).
    pub extensions: Vec<String>,
    /// How `.prompt` file names are read (promptls's `convention` key); left out of the
    /// serialized form when it is the default, so promptic configs look as before.
    #[serde(skip_serializing_if = "Convention::is_promptic")]
    pub convention: Convention,
}

impl Default for VersioningConfig {
    fn default() -> Self {
        VersioningConfig {
            delimiters: vec!['_'],
            version_pattern: None,
            include_prerelease: false,
            prerelease_order: vec!["alpha".into(), "beta".into(), "rc".into()],
            classifiers: BTreeMap::new(),
            extensions: DEFAULT_EXTENSIONS.iter().map(|s| s.to_string()).collect(),
            convention: Convention::Promptic,
        }
    }
}

impl VersioningConfig {
    /// Whether `ext` (without the dot, any case) is a prompt extension.
    pub fn is_prompt_extension(&self, ext: &str) -> bool {
        self.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext))
    }

    /// The classifier that declares `value` (case-insensitive), if any.
    pub fn classifier_of(&self, value: &str) -> Option<&str> {
        self.classifiers
            .iter()
            .find(|(_, c)| c.values.iter().any(|v| v.eq_ignore_ascii_case(value)))
            .map(|(name, _)| name.as_str())
    }
}
