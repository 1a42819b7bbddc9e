//! Versioning configuration: the model of promptic's `VersioningConfig` (V-7), its
//! validation, and the layers it is merged from.
//!
//! Sources, later wins (V-7): defaults, editor settings, the nearest `pyproject.toml`
//! `[tool.promptic.versioning]`, every `promptic.toml` `[versioning]` from the outermost to
//! the nearest, and `PROMPTIC_*` variables when opted in. Each source becomes a
//! [`ConfigLayer`] (only the keys it sets); [`Settings::from_layers`] merges them key by key.

mod discover;
mod position;
mod raw;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use discover::{CONFIG_FILE_NAMES, ConfigFile, ConfigFileKind, ConfigSource, load_config_file};
pub use position::{ConfigPosition, position_at, table_values, versioning_subpath};
pub use raw::{Raw, RawEntry, RawValue};
pub use validate::{
    diagnostics_from_raw, env_layer, json_layer, layer_from_raw, python_kwargs_layer,
};

use crate::diagnostics::{Code, Diagnostic, Severity};
// The model lives with the engine that reads names by it, so `versioning` never needs
// `config`: this module validates and layers configs, the engine only consumes them.
pub use crate::versioning::{ClassifierConfig, Convention, DEFAULT_EXTENSIONS, VersioningConfig};

/// Keys of the `[versioning]` table, in documentation order (R-3 completion offers them).
pub const VERSIONING_KEYS: &[&str] = &[
    "delimiter",
    "delimiters",
    "version_pattern",
    "include_prerelease",
    "prerelease_order",
    "classifiers",
    "extensions",
    "convention",
];

/// The keys one source sets; `None` leaves the key to earlier sources.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigLayer {
    /// `delimiter` (a single accepted delimiter).
    pub delimiter: Option<char>,
    /// `delimiters` (several accepted delimiters; wins over `delimiter`).
    pub delimiters: Option<Vec<char>>,
    /// `version_pattern`; `Some(None)` is an explicit null.
    pub version_pattern: Option<Option<String>>,
    /// `include_prerelease`.
    pub include_prerelease: Option<bool>,
    /// `prerelease_order` (lower-cased).
    pub prerelease_order: Option<Vec<String>>,
    /// `classifiers` (replaces earlier maps whole).
    pub classifiers: Option<BTreeMap<String, ClassifierConfig>>,
    /// `extensions` (promptls's own key, V-1).
    pub extensions: Option<Vec<String>>,
    /// `convention` (promptls's own key: how `.prompt` names are read).
    pub convention: Option<Convention>,
    /// `[diagnostics]`: code -> severity or off (I-4).
    pub diagnostics: BTreeMap<Code, Option<Severity>>,
}

impl ConfigLayer {
    /// Applies this layer over `cfg`, key by key.
    pub fn apply(&self, cfg: &mut VersioningConfig) {
        if let Some(d) = self.delimiter {
            cfg.delimiters = vec![d];
        }
        if let Some(ds) = &self.delimiters {
            cfg.delimiters = ds.clone();
        }
        if let Some(p) = &self.version_pattern {
            cfg.version_pattern = p.clone();
        }
        if let Some(b) = self.include_prerelease {
            cfg.include_prerelease = b;
        }
        if let Some(o) = &self.prerelease_order {
            cfg.prerelease_order = o.clone();
        }
        if let Some(c) = &self.classifiers {
            cfg.classifiers = c.clone();
        }
        if let Some(e) = &self.extensions {
            cfg.extensions = e.clone();
        }
        if let Some(c) = self.convention {
            cfg.convention = c;
        }
    }
}

/// Everything config decides for one folder: the versioning config and the diagnostic
/// severities (`[diagnostics]`, I-4).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    /// The merged versioning config.
    pub versioning: VersioningConfig,
    /// Severity overrides; `None` turns a code off.
    pub diagnostics: BTreeMap<Code, Option<Severity>>,
}

impl Settings {
    /// Merges layers over the defaults, later wins (V-7).
    pub fn from_layers<'a>(layers: impl IntoIterator<Item = &'a ConfigLayer>) -> Settings {
        let mut s = Settings::default();
        for layer in layers {
            layer.apply(&mut s.versioning);
            for (code, sev) in &layer.diagnostics {
                s.diagnostics.insert(*code, *sev);
            }
        }
        s
    }

    /// The severity of `code` here, `None` when turned off.
    pub fn severity(&self, code: Code) -> Option<Severity> {
        match self.diagnostics.get(&code) {
            Some(s) => *s,
            None => Some(code.default_severity()),
        }
    }
}

/// Which V-8 error a config problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigErrorKind {
    /// A bad `version_pattern` (`InvalidVersionPatternError`).
    InvalidVersionPattern,
    /// Anything else (`InvalidConfigError`).
    InvalidConfig,
}

/// A config problem at its source (V-7, V-8): the message, and where it is when the
/// source has positions.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// Which error.
    pub kind: ConfigErrorKind,
    /// One line, naming the key, the offending text and the reason.
    pub message: String,
    /// The file it came from (`None` for editor settings and environment variables).
    pub path: Option<PathBuf>,
    /// Byte range in that file.
    pub span: Option<Range<usize>>,
    /// 1-based line and column (characters) of the span's start, for messages.
    pub line_col: Option<(usize, usize)>,
}

impl ConfigError {
    /// A new error without a location.
    pub fn new(
        kind: ConfigErrorKind,
        message: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> Self {
        ConfigError {
            kind,
            message: message.into(),
            path: None,
            span,
            line_col: None,
        }
    }

    /// Attaches the file and computes the line and column from its text.
    pub fn located(mut self, path: &Path, text: &str) -> Self {
        self.path = Some(path.to_path_buf());
        if let Some(span) = &self.span {
            let start = span.start.min(text.len());
            let before = &text[..floor_boundary(text, start)];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            self.line_col = Some((line, col));
        }
        self
    }

    /// The message after its location (`promptic.toml:3:13: …`, or `path: …` without a
    /// span), without the error name: for reports that show the name on their own.
    pub fn located_message(&self) -> String {
        match (&self.path, self.line_col) {
            (Some(p), Some((l, c))) => format!("{}:{l}:{c}: {}", p.display(), self.message),
            (Some(p), None) => format!("{}: {}", p.display(), self.message),
            (None, _) => self.message.clone(),
        }
    }

    /// The V-8 error name (`InvalidVersionPatternError` or `InvalidConfigError`).
    pub fn error_name(&self) -> &'static str {
        match self.kind {
            ConfigErrorKind::InvalidVersionPattern => "InvalidVersionPatternError",
            ConfigErrorKind::InvalidConfig => "InvalidConfigError",
        }
    }

    /// The I-4 diagnostic code.
    pub fn code(&self) -> Code {
        match self.kind {
            ConfigErrorKind::InvalidVersionPattern => Code::InvalidVersionPattern,
            ConfigErrorKind::InvalidConfig => Code::InvalidConfig,
        }
    }
}

/// Config errors as diagnostics of `path` — the one conversion used for config files,
/// promptic JSON and Python `VersioningConfig(...)` literals alike (I-4).
///
/// `path` is the file the errors were found in (the config file, or the Python file that
/// holds the literal); `settings` is the config that applies there, whose `[diagnostics]`
/// table re-levels each error's code or turns it off (`invalid-config = "off"`): errors of
/// a code turned off are left out. Each diagnostic's range is the error's byte span in that
/// file, `0..0` when the error has none.
pub fn error_diagnostics(
    path: &Path,
    errors: &[ConfigError],
    settings: &Settings,
) -> Vec<Diagnostic> {
    errors
        .iter()
        .filter_map(|e| {
            let severity = settings.severity(e.code())?;
            Some(Diagnostic {
                path: path.to_path_buf(),
                range: e.span.clone().unwrap_or(0..0),
                severity,
                code: e.code(),
                message: e.message.clone(),
                fix: None,
            })
        })
        .collect()
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}", path.display())?;
            if let Some((l, c)) = self.line_col {
                write!(f, ":{l}:{c}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}: {}", self.error_name(), self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A merged config ready to use, shared between all folders of a scope.
pub type SharedSettings = Arc<Settings>;
