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
