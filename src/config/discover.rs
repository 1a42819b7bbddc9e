//! Config files (`promptic.toml`, `pyproject.toml`, promptic JSON) and the discovery of
//! the ones that apply to a folder (V-7).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::validate::{diagnostics_from_raw, json_layer, layer_from_raw};
use super::{ConfigError, ConfigErrorKind, ConfigLayer, Raw, Settings};

/// File names that carry config (V-7).
pub const CONFIG_FILE_NAMES: &[&str] = &["promptic.toml", "pyproject.toml"];

/// Which kind of config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigFileKind {
    /// `promptic.toml`: `[versioning]` and `[diagnostics]`.
    Promptic,
    /// `pyproject.toml`: `[tool.promptic.versioning]` and `[tool.promptls.diagnostics]`.
    Pyproject,
    /// A promptic `VersioningConfig` JSON object (only through `--config`).
    Json,
}

impl ConfigFileKind {
    /// The kind of a file by its name, `None` for files that carry no config.
    pub fn of(path: &Path) -> Option<ConfigFileKind> {
        match path.file_name()?.to_str()? {
            "promptic.toml" => Some(ConfigFileKind::Promptic),
            "pyproject.toml" => Some(ConfigFileKind::Pyproject),
            _ => None,
        }
    }
}

/// One loaded config file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its kind.
    pub kind: ConfigFileKind,
    /// The keys it sets; `None` when it has no promptic section (a plain `pyproject.toml`).
    pub layer: Option<ConfigLayer>,
    /// Its problems, located (file, byte span, line and column).
    pub errors: Vec<ConfigError>,
}

/// Parses a config file's text. Never fails: syntax and value errors land in
/// [`ConfigFile::errors`] and the valid keys still apply.
pub fn load_config_file(path: &Path, kind: ConfigFileKind, text: &str) -> ConfigFile {
    let (layer, errors) = match kind {
        ConfigFileKind::Json => {
            let (l, e) = json_layer(text);
            (Some(l), e)
        }
        ConfigFileKind::Promptic | ConfigFileKind::Pyproject => toml_layer(kind, text),
    };
    let errors = errors.into_iter().map(|e| e.located(path, text)).collect();
    tracing::debug!(path = %path.display(), ?kind, "loaded config file");
    ConfigFile {
        path: path.to_path_buf(),
        kind,
        layer,
        errors,
    }
}

fn toml_layer(kind: ConfigFileKind, text: &str) -> (Option<ConfigLayer>, Vec<ConfigError>) {
    let doc = match toml_edit::ImDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let msg = e.message().trim().replace('\n', " ");
            return (
                None,
                vec![ConfigError::new(
                    ConfigErrorKind::InvalidConfig,
                    format!("invalid TOML: {msg}"),
                    e.span(),
                )],
            );
        }
    };
    let root = doc.as_table();
    let mut errors = Vec::new();
    if kind == ConfigFileKind::Promptic {
        // promptic.toml holds only these tables; a misspelt one would silently do nothing.
        for (key, _) in root
            .iter()
            .filter(|(k, _)| !matches!(*k, "versioning" | "diagnostics"))
        {
            errors.push(ConfigError::new(
                ConfigErrorKind::InvalidConfig,
                format!(
                    "unknown table `{key}` in promptic.toml; known tables: versioning, diagnostics"
                ),
                root.key(key).and_then(|k| k.span()),
            ));
        }
    }
    let (versioning, diagnostics) = match kind {
        ConfigFileKind::Promptic => (root.get("versioning"), root.get("diagnostics")),
        _ => {
            let tool = root.get("tool").and_then(|t| t.as_table_like());
            let section = |name: &str, key: &str| {
                tool.and_then(|t| t.get(name))
                    .and_then(|p| p.as_table_like())
                    .and_then(|p| p.get(key))
            };
            (
                section("promptic", "versioning"),
                section("promptls", "diagnostics"),
            )
        }
    };
    if versioning.is_none() && diagnostics.is_none() {
        return (None, errors);
    }
    let mut layer = match versioning {
        Some(item) => {
            let (l, mut e) = layer_from_raw(&Raw::from_toml_item(item));
            errors.append(&mut e);
            l
        }
        None => ConfigLayer::default(),
    };
    if let Some(item) = diagnostics {
        diagnostics_from_raw(&Raw::from_toml_item(item), &mut layer, &mut errors);
    }
    (Some(layer), errors)
}

/// Config discovery with a cache: which files apply to a folder, and the merged
/// [`Settings`] for it. Used by the CLI and the server alike, so they never disagree (I-5).
///
/// For a folder, the chain is: defaults, the editor layer, the nearest `pyproject.toml`
/// with a promptic section, every `promptic.toml` from the outermost to the nearest, the
/// environment layer. Discovery goes upwards until a folder that holds `.git` (the
/// repository root) or the filesystem root.
#[derive(Debug, Default)]
pub struct ConfigSource {
    /// Editor settings (`initializationOptions.versioning`), below files.
    pub editor: Option<ConfigLayer>,
    /// `PROMPTIC_*` variables (opt-in), above files.
    pub env: Option<ConfigLayer>,
    /// An explicit `--config FILE`: replaces discovery entirely.
    pub explicit: Option<Arc<ConfigFile>>,
    files: Mutex<HashMap<PathBuf, DirFiles>>,
    settings: Mutex<HashMap<Vec<PathBuf>, Arc<Settings>>>,
}

#[derive(Debug, Clone, Default)]
struct DirFiles {
    promptic: Option<Arc<ConfigFile>>,
    pyproject: Option<Arc<ConfigFile>>,
    is_repo_root: bool,
    /// While a file has errors: the layer of its last version without errors (V-7).
    promptic_valid: Option<Option<ConfigLayer>>,
    pyproject_valid: Option<Option<ConfigLayer>>,
}

impl ConfigSource {
    /// An empty source: discovery reads files on demand from disk.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a loaded file (or replaces it), e.g. after an edit. Keeps the last valid
    /// layer when the new text has errors and an earlier version had none (V-7).
    pub fn set_file(&self, file: ConfigFile) {
        let dir = file
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut files = self.files.lock().unwrap();
        let entry = files.entry(dir.clone()).or_insert_with(|| DirFiles {
            is_repo_root: dir.join(".git").exists(),
            ..Default::default()
        });
        let (slot, valid) = match file.kind {
            ConfigFileKind::Pyproject => (&mut entry.pyproject, &mut entry.pyproject_valid),
            _ => (&mut entry.promptic, &mut entry.promptic_valid),
        };
        // The last valid layer: the current version's if it has no errors, else the one
        // kept when it broke (so a second broken edit does not lose it).
        let last_valid = match slot.as_ref() {
            Some(old) if old.errors.is_empty() => Some(old.layer.clone()),
            Some(_) => valid.take(),
            None => None,
        };
        let mut file = file;
        if !file.errors.is_empty()
            && let Some(layer) = last_valid
        {
            file.layer = layer.clone();
            *valid = Some(layer);
        }
        *slot = Some(Arc::new(file));
        drop(files);
        self.settings.lock().unwrap().clear();
    }

    /// Forgets a deleted config file.
    pub fn remove_file(&self, path: &Path) {
        let Some(dir) = path.parent() else { return };
        if let Some(entry) = self.files.lock().unwrap().get_mut(dir) {
            match ConfigFileKind::of(path) {
                Some(ConfigFileKind::Pyproject) => {
                    (entry.pyproject, entry.pyproject_valid) = (None, None)
                }
                _ => (entry.promptic, entry.promptic_valid) = (None, None),
            }
        }
        self.settings.lock().unwrap().clear();
    }

    /// Marks `dir` as scanned: its config files are exactly those given to
    /// [`ConfigSource::set_file`], so discovery does not read the disk there.
    pub fn mark_scanned(&self, dir: &Path, is_repo_root: bool) {
        let mut files = self.files.lock().unwrap();
        files.entry(dir.to_path_buf()).or_default().is_repo_root = is_repo_root;
    }

    fn dir_files(&self, dir: &Path) -> DirFiles {
        if let Some(f) = self.files.lock().unwrap().get(dir) {
            return f.clone();
        }
        let mut out = DirFiles {
            is_repo_root: dir.join(".git").exists(),
            ..Default::default()
        };
        for (name, kind) in [
            ("promptic.toml", ConfigFileKind::Promptic),
            ("pyproject.toml", ConfigFileKind::Pyproject),
        ] {
            let path = dir.join(name);
            let text = match crate::vfs::read_text(&path, crate::vfs::TEXT_CAP) {
                Ok(t) => t.text,
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "config file not read");
                    continue;
                }
            };
            {
                let file = Arc::new(load_config_file(&path, kind, &text));
                match kind {
                    ConfigFileKind::Pyproject => out.pyproject = Some(file),
                    _ => out.promptic = Some(file),
                }
            }
        }
        self.files
            .lock()
            .unwrap()
            .insert(dir.to_path_buf(), out.clone());
        out
    }

    /// The config files that apply to `dir`, outermost first (see the type's docs).
    pub fn chain(&self, dir: &Path) -> Vec<Arc<ConfigFile>> {
        if let Some(explicit) = &self.explicit {
            return vec![explicit.clone()];
        }
        let mut promptic = Vec::new();
        let mut pyproject = None;
        let mut cur = Some(dir);
        while let Some(d) = cur {
            let files = self.dir_files(d);
            if let Some(p) = files.promptic {
                promptic.push(p);
            }
            if pyproject.is_none()
                && let Some(p) = files.pyproject
                && p.layer.is_some()
            {
                pyproject = Some(p);
            }
            if files.is_repo_root {
                break;
            }
            cur = d.parent();
        }
        promptic.reverse();
        pyproject.into_iter().chain(promptic).collect()
    }

    /// The merged settings for `dir` (cached per chain of files).
    pub fn settings(&self, dir: &Path) -> Arc<Settings> {
        let chain = self.chain(dir);
        let key: Vec<PathBuf> = chain.iter().map(|f| f.path.clone()).collect();
        if let Some(s) = self.settings.lock().unwrap().get(&key) {
            return s.clone();
        }
        let layers = self
            .editor
            .iter()
            .chain(chain.iter().filter_map(|f| f.layer.as_ref()))
            .chain(self.env.iter());
        let settings = Arc::new(Settings::from_layers(layers));
        tracing::debug!(dir = %dir.display(), files = ?key, "merged versioning config");
        self.settings.lock().unwrap().insert(key, settings.clone());
        settings
    }

    /// The errors of every file in `dir`'s chain (the first one is what resolution reports).
    pub fn chain_errors(&self, dir: &Path) -> Vec<ConfigError> {
        self.chain(dir)
            .iter()
            .flat_map(|f| f.errors.clone())
            .collect()
    }

    /// Every extension a config source names in `extensions` (lower case, deduplicated),
    /// with the defaults: the editor and environment layers, an explicit file, every
    /// loaded file and the last valid layer of a file with errors. A walk that lists only
    /// these names misses no prompt file of any folder's config.
    pub fn declared_extensions(&self) -> Vec<String> {
        let files = self.files.lock().unwrap();
        let layers = files.values().flat_map(|d| {
            [&d.promptic, &d.pyproject]
                .into_iter()
                .flatten()
                .filter_map(|f| f.layer.as_ref())
                .chain(
                    [&d.promptic_valid, &d.pyproject_valid]
                        .into_iter()
                        .flatten()
                        .flatten(),
                )
        });
        let mut out: Vec<String> = crate::versioning::DEFAULT_EXTENSIONS
            .iter()
            .map(|e| e.to_string())
            .chain(
                self.editor
                    .iter()
                    .chain(self.env.iter())
                    .chain(self.explicit.iter().filter_map(|f| f.layer.as_ref()))
                    .chain(layers)
                    .filter_map(|l| l.extensions.as_ref())
                    .flatten()
                    .map(|e| e.to_ascii_lowercase()),
            )
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Every loaded config file (for diagnostics).
    pub fn files(&self) -> Vec<Arc<ConfigFile>> {
        let files = self.files.lock().unwrap();
        let mut out: Vec<_> = files
            .values()
            .flat_map(|d| d.promptic.iter().chain(d.pyproject.iter()).cloned())
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}
