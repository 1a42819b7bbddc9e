//! The command line (I-5): a thin face over the core. Exit codes: 0 success, 1 a finding
//! or a resolution error, 2 a usage error.

mod check;
mod output;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::analysis::{PromptVersion, list_versions};
use crate::config::{ConfigFile, ConfigFileKind, ConfigSource, env_layer, load_config_file};
use crate::index::{Index, TargetKind, normalize};
use crate::versioning::{ErrorKind, RequestOptions, ResolveError, VersionSpec};

/// promptls: versioned prompt files, checked, resolved and served to editors.
#[derive(Debug, Parser)]
#[command(name = "promptls", version, about)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug, -vvv trace); RUST_LOG also works.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// What to do; without one, `serve` when stdin is not a terminal.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Output formats of `check` (I-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// file:line:col, code, message and the source line with a caret.
    Human,
    /// `[{path, range, severity, code, message}]`.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub workflow annotations.
    Github,
}

/// Subcommands (I-5).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report every naming, config and reference problem under PATH (default `.`).
    Check {
        /// Folders or files to check.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Use this config file instead of discovering promptic.toml / pyproject.toml.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List the versions of a prompt, newest first.
    Versions {
        /// A prompt (`prompts/task`, `prompts/task.md`), one of its files, or a folder.
        target: PathBuf,
        /// Only this variant: `--classifier lang=ru` (repeatable).
        #[arg(long = "classifier", value_name = "K=V", value_parser = parse_kv)]
        classifier: Vec<(String, String)>,
        /// Use this config file instead of discovery.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print JSON (an array of PromptVersion).
        #[arg(long)]
        json: bool,
    },
    /// Resolve a request to one file, as promptic's load_prompt would.
    Resolve {
        /// A folder, a prompt hint (`prompts/task`, `prompts/task.md`) or a pinned file.
        target: PathBuf,
        /// `latest` (default), `latest-prerelease`, or a version (`v2`, `1.0.0`, `v1-rc.1`).
        #[arg(long = "version", value_name = "SPEC", default_value = "latest")]
        spec: String,
        /// A classifier filter: `--classifier lang=ru` (repeatable).
        #[arg(long = "classifier", value_name = "K=V", value_parser = parse_kv)]
        classifier: Vec<(String, String)>,
        /// Let `latest` pick prereleases too.
        #[arg(long)]
        include_prerelease: bool,
        /// Use this config file (promptic.toml, pyproject.toml or promptic JSON).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Also read PROMPTIC_* environment variables (opt-in).
        #[arg(long)]
        env: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create the next version of a prompt file: a new file beside it, content copied
    /// (the same plan as the "Create version" code actions). Never overwrites.
    NewVersion {
        /// A versioned prompt file.
        file: PathBuf,
        /// major | minor | patch | prerelease; default: what the variable rule recommends.
        #[arg(long)]
        bump: Option<String>,
        /// Prerelease label (with `--bump prerelease`).
        #[arg(long)]
        label: Option<String>,
        /// Set the front matter title.
        #[arg(long)]
        title: Option<String>,
        /// Set the front matter description.
        #[arg(long)]
        description: Option<String>,
        /// Print the plan, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Revert a prompt to an older version: a NEW version (next patch of the newest) with
    /// that version's content; history is never rewritten.
    Revert {
        /// A versioned file of the prompt (its variant is reverted).
        target: PathBuf,
        /// The version whose content comes back.
        #[arg(long = "to", value_name = "VERSION")]
        to: String,
        /// Print the plan, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run the language server on stdio.
    Serve {
        /// Accepted for clients that pass it (stdio is the only transport).
        #[arg(long, hide = true)]
        stdio: bool,
    },
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => {
            Ok((k.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

/// Sets up `tracing` to stderr: off unless `-v` or `RUST_LOG` says otherwise. Warnings
/// and errors also reach the editor as `window/logMessage` while the server runs (I-1).
pub fn init_logging(verbose: u8) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer};
    let filter = match verbose {
        0 => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("off")),
        1 => EnvFilter::new("promptls=info"),
        2 => EnvFilter::new("promptls=debug"),
        _ => EnvFilter::new("promptls=trace"),
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(filter);
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(
            crate::server::ClientLogLayer
                .with_filter(tracing_subscriber::filter::LevelFilter::WARN),
        )
        .try_init();
}

/// Runs the CLI; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        None | Some(Command::Serve { .. }) => {
            if cli.command.is_none() && std::io::stdin().is_terminal() {
                eprintln!(
                    "promptls: no command given; try `promptls --help` (the server runs when stdin is not a terminal)"
                );
                return ExitCode::from(2);
            }
            if crate::server::run_stdio() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Some(Command::Check {
            paths,
            format,
            config,
        }) => check::run(paths, format, config),
        Some(Command::Versions {
            target,
            classifier,
            config,
            json,
        }) => versions(target, classifier, config, json),
        Some(Command::Resolve {
            target,
            spec,
            classifier,
            include_prerelease,
            config,
            env,
            json,
        }) => resolve(
            target,
            spec,
            classifier,
            include_prerelease,
            config,
            env,
            json,
        ),
        Some(Command::NewVersion {
            file,
            bump,
            label,
            title,
            description,
            dry_run,
        }) => new_version(file, bump, label, title, description, dry_run),
        Some(Command::Revert {
            target,
            to,
            dry_run,
        }) => {
            let index = Index::scan_shallow(target_folder(&target), Arc::new(ConfigSource::new()));
            finish_plan(
                crate::ops::plan_revert(&index, &normalize(&target), &to),
                dry_run,
            )
        }
    }
}

/// Loads `--config FILE` by its name: `pyproject.toml`, `*.json` (promptic's
/// `VersioningConfig` JSON), or any other TOML read as `promptic.toml`.
fn explicit_config(path: &Path) -> Result<ConfigFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
    let kind = match ConfigFileKind::of(path) {
        Some(k) => k,
        None if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json")) =>
        {
            ConfigFileKind::Json
        }
        None => ConfigFileKind::Promptic,
    };
    Ok(load_config_file(path, kind, &text))
}

fn config_source(config: Option<&Path>, env: bool) -> Result<ConfigSource, String> {
    let mut source = ConfigSource::new();
    if let Some(path) = config {
        source.explicit = Some(Arc::new(explicit_config(path)?));
    }
    if env {
        let (layer, errors) = env_layer(|k| std::env::var(k).ok());
        if let Some(e) = errors.first() {
            return Err(e.to_string());
        }
        source.env = Some(layer);
    }
    Ok(source)
}

/// The folder to index for a single-target command: the target if it is a folder, else
/// its parent.
fn target_folder(target: &Path) -> PathBuf {
    let abs = normalize(target);
    if abs.is_dir() {
        abs
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs)
    }
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("promptls: {msg}");
    ExitCode::from(2)
}

fn resolve(
    target: PathBuf,
    spec: String,
    classifier: Vec<(String, String)>,
    include_prerelease: bool,
    config: Option<PathBuf>,
    env: bool,
    json: bool,
) -> ExitCode {
    let source = match config_source(config.as_deref(), env) {
        Ok(s) => Arc::new(s),
        Err(e) => return usage_error(&e),
    };
    let folder = target_folder(&target);
    let label = target.to_string_lossy().to_string();
    let fail = |e: ResolveError| {
        if json {
            output::print_json(
                &serde_json::json!({"error": e.kind.name(), "message": e.message, "available": e.available}),
            );
        } else {
            eprintln!("{e}");
            if !e.available.is_empty() {
                eprintln!("available: {}", e.available.join(", "));
            }
        }
        ExitCode::from(1)
    };
    // A broken config is the request's error (V-8), never silently ignored.
    if let Some(e) = source.chain_errors(&folder).into_iter().next() {
        let kind = match e.kind {
            crate::config::ConfigErrorKind::InvalidVersionPattern => {
                ErrorKind::InvalidVersionPattern
            }
            crate::config::ConfigErrorKind::InvalidConfig => ErrorKind::InvalidConfig,
        };
        return fail(ResolveError::new(kind, &label, e.to_string(), Vec::new()));
    }
    let index = Index::scan_shallow(folder, source);
    let map: BTreeMap<String, String> = classifier.into_iter().collect();
    let opts = RequestOptions {
        classifier: if map.is_empty() { None } else { Some(&map) },
        include_prerelease: include_prerelease.then_some(true),
    };
    match index.resolve(&target, &label, &VersionSpec::parse(&spec), &opts) {
        Ok(r) => {
            let file = r.prompt_file();
            tracing::info!(target = %label, spec = %spec, file = %file.name, reason = %r.reason, "resolved");
            let shown = match r.kind {
                TargetKind::Directory { .. } => target.join(&*file.name),
                _ => target
                    .parent()
                    .map_or_else(|| PathBuf::from(&*file.name), |p| p.join(&*file.name)),
            };
            let shown = shown.to_string_lossy().to_string();
            let version = file.parsed.version.as_ref();
            if json {
                output::print_json(&serde_json::json!({
                    "path": shown,
                    "version": version.map(|v| v.core_string()),
                    "prerelease": version.and_then(|v| v.prerelease.as_ref()).map(|p| p.text.to_string()),
                    "classifiers": r.folder.scheme.variant_map(&file.parsed.variant),
                }));
            } else {
                println!("{shown}");
                eprintln!("{}", r.reason);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn versions(
    target: PathBuf,
    classifier: Vec<(String, String)>,
    config: Option<PathBuf>,
    json: bool,
) -> ExitCode {
    let source = match config_source(config.as_deref(), false) {
        Ok(s) => Arc::new(s),
        Err(e) => return usage_error(&e),
    };
    let folder_path = target_folder(&target);
    let index = Index::scan_shallow(folder_path.clone(), source);
    let label = target.to_string_lossy().to_string();
    let map: BTreeMap<String, String> = classifier.into_iter().collect();
    let filter = if map.is_empty() { None } else { Some(&map) };
    let abs = normalize(&target);
    let list: Vec<PromptVersion> = match index.folder(&folder_path) {
        None => Vec::new(),
        Some(folder) if abs.is_dir() => folder
            .prompts
            .iter()
            .flat_map(|p| list_versions(&index, folder, p, filter))
            .collect(),
        Some(folder) => {
            let name = abs.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let base = match folder.file(name) {
                Some((_, f)) => f.parsed.base.to_string(),
                None => match folder.scheme.parse(name) {
                    Some(p) => p.base.to_string(),
                    None => folder.scheme.split_classifiers(name).0.to_string(),
                },
            };
            folder
                .prompt(&base)
                .map(|p| list_versions(&index, folder, p, filter))
                .unwrap_or_default()
        }
    };
    if list.is_empty() {
        if json {
            output::print_json(
                &serde_json::json!({"error": "PromptNotFoundError", "message": format!("no prompt files for `{label}`"), "available": []}),
            );
        } else {
            eprintln!("PromptNotFoundError: no prompt files for `{label}`");
        }
        return ExitCode::from(1);
    }
    if json {
        output::print_json(&list);
    } else {
        output::print_versions_table(&list);
    }
    ExitCode::SUCCESS
}

fn new_version(
    file: PathBuf,
    bump: Option<String>,
    label: Option<String>,
    title: Option<String>,
    description: Option<String>,
    dry_run: bool,
) -> ExitCode {
    let index = Index::scan_shallow(target_folder(&file), Arc::new(ConfigSource::new()));
    let abs = normalize(&file);
    let bump = match bump.as_deref() {
        None => match index.file(&abs) {
            Some((folder, i)) => {
                let text = std::fs::read_to_string(&abs).unwrap_or_default();
                let rec = crate::ops::recommend_next(folder, &folder.files[i], &text);
                eprintln!("recommended: {} ({})", rec.bump.name(), rec.reason);
                rec.bump
            }
            None => {
                return fail_plan(&crate::ops::PlanError::NotAPrompt(
                    file.display().to_string(),
                ));
            }
        },
        Some(b) => match crate::ops::Bump::parse(b) {
            Some(b) => b,
            None => {
                return usage_error(&format!(
                    "--bump must be major, minor, patch or prerelease (got {b:?})"
                ));
            }
        },
    };
    let plan = crate::ops::plan_create(
        &index,
        &abs,
        &bump,
        label.as_deref(),
        None,
        title.as_deref(),
        description.as_deref(),
    );
    finish_plan(plan, dry_run)
}

fn fail_plan(e: &crate::ops::PlanError) -> ExitCode {
    eprintln!("promptls: {e}");
    ExitCode::from(1)
}

fn finish_plan(plan: Result<crate::ops::Plan, crate::ops::PlanError>, dry_run: bool) -> ExitCode {
    let plan = match plan {
        Ok(p) => p,
        Err(e) => return fail_plan(&e),
    };
    if dry_run {
        println!(
            "would create {} ({}, {}), {} bytes",
            plan.path.display(),
            plan.version,
            plan.reason,
            plan.content.len()
        );
        return ExitCode::SUCCESS;
    }
    match crate::ops::write_plan(&plan) {
        Ok(()) => {
            println!(
                "created {} ({}, {})",
                plan.path.display(),
                plan.version,
                plan.reason
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("promptls: cannot create {}: {e}", plan.path.display());
            ExitCode::from(1)
        }
    }
}
