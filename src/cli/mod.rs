//! The command line (I-5): a thin face over the core. Exit codes: 0 success, 1 a finding,
//! a resolution error or a file that cannot be read, 2 a usage error (documented in each
//! command's `--help`).

mod api;
mod check;
mod diff;
mod install;
mod mv;
mod output;
mod packages;
mod registry;

pub use registry::{RegistryCommand, TokenCommand};

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::analysis::{PromptVersion, list_versions};
use crate::config::{
    ConfigError, ConfigErrorKind, ConfigFile, ConfigFileKind, ConfigSource, env_layer,
    load_config_file,
};
use crate::index::{Index, Prompt, TargetKind, normalize};
use crate::versioning::{ErrorKind, RequestOptions, ResolveError, VersionSpec};
use output::{ReportingFiles, emit, finish, json_text, reason};

/// The exit status section of `promptls --help`.
const EXIT_STATUS: &str = "\
Exit status:
  0  success: no errors found, or the command did what it was asked
  1  errors found, a request that cannot be resolved or planned, or a file that cannot be read or written
  2  usage error: an unknown command or option, a bad value, a path that does not exist";

const CHECK_HELP: &str = "\
Each path is checked within its workspace (the nearest folder upwards holding `.git`, \
else the outermost holding promptic.toml or pyproject.toml), so references that leave the \
given files are still followed; problems are reported only for the given files and folders.

Exit status:
  0  no errors found (warnings alone do not fail the check)
  1  errors found, or a given file, or a folder under a given path, cannot be read
  2  usage error, or a given path does not exist";

const VERSIONS_HELP: &str = "\
With --registry, or for an owner/name that is no prompt of the workspace, lists the \
versions of a registry package instead: newest first, with when each was published and \
which are yanked. See docs/registry.md.

Exit status:
  0  versions listed
  1  no prompt files match, the given file cannot be read, or the registry has no such package
  2  usage error";

const PUBLISH_HELP: &str = "\
The package is stored as prompts/{owner}/{name}/{version}.tar.gz in the registry, once: a \
version is never replaced. A folder's prompt.yaml gives the name and the version; for \
PROMPT@VERSION, prompt.yaml is generated from the files (front matter, variables, \
classifiers, sha256). The default registry is a folder of yours that needs no server \
(file://~/.local/share/promptls/registry). See docs/registry.md.

Exit status:
  0  published (with --dry-run: packaged, nothing published)
  1  the package is invalid, the version exists already, the token is refused, or the registry cannot be reached
  2  usage error";

const INSTALL_HELP: &str = "\
A package's files go to .prompts/{name}/ beside prompts.lock (the nearest one upwards, else \
at the workspace root). The tarball's sha256 is checked, and nothing is extracted that could \
leave the folder (absolute paths, .., links, devices) or exceed the size limits. A failed \
install leaves the previous content as it was. An install whose files were changed locally \
is not replaced without --force; `promptls check` reports such changes. See docs/registry.md.

Exit status:
  0  installed (or already up to date)
  1  no such package or version, a checksum or extraction failure, local changes, or --frozen and the lock would change
  2  usage error";

const YANK_HELP: &str = "\
Exit status:
  0  yanked
  1  no such version, the token is refused, or the registry cannot be reached
  2  usage error";

const RESOLVE_HELP: &str = "\
Exit status:
  0  resolved: the file's path on stdout, the reason on stderr
  1  the request cannot be resolved (error kind and message on stderr, or JSON with --json), or the given or resolved file cannot be read
  2  usage error";

const DIFF_HELP: &str = "\
Each version is resolved as promptic's load_prompt would resolve it (`v1` is version \
1.0.0, `latest` the newest release), within the variant of the given file or of --classifier. The diff goes to stdout; \
which template variables were added, removed and kept goes to stderr (both in the JSON \
with --json).

Exit status:
  0  compared (also when the two versions are equal)
  1  a version cannot be resolved, or a file cannot be read
  2  usage error";

const WRITE_HELP: &str = "\
Exit status:
  0  created (with --dry-run: planned, nothing written)
  1  the version cannot be planned or written
  2  usage error";

const MV_HELP: &str = "\
NEW is the prompt's new path without version or extension: `prompts/job` renames in \
place, `prompts/sub/job` also moves it (the folder must exist). Every file of the prompt \
(all versions and classifier variants) keeps its version and classifier part \
(`task_ru_v1.md` -> `job_ru_v1.md`), and every reference that resolves to one of them \
(Markdown links, `{# ref #}`, `$ref`, promptic calls in Python, hierarchical version keys) \
is rewritten as it was written. Nothing is overwritten: the new files are created first, \
the old ones removed only when everything else succeeded, and a failure undoes what was \
done.

Exit status:
  0  renamed (with --dry-run: planned, nothing written)
  1  the rename is refused (a name taken, a name that would read differently, outside \
the workspace, ...) or a file cannot be read or written
  2  usage error";

const COMPLETIONS_HELP: &str = "\
Where each shell looks for them:
  bash        ~/.local/share/bash-completion/completions/promptls
  zsh         a folder of your $fpath, as _promptls
  fish        ~/.config/fish/completions/promptls.fish
  elvish      ~/.config/elvish/lib/promptls.elv (then `use promptls`)
  powershell  add the output to your $PROFILE";

const API_HELP: &str = "\
Serves the Prompt Versions API (list, get, create and revert versions; prompts, resolve, \
diff) and a web page at / over the files of ROOT, which stay the source of truth: a create \
or revert writes a NEW file, never overwriting one, and only inside ROOT. The index follows \
changes on disk. Prompt ids hold `/`: percent-encode them in a path (`prompts%2Ftask`). \
The OpenAPI document is at /openapi.json; the reference is docs/api.md.

A non-loopback --bind needs --token; every request must then carry \
`Authorization: Bearer TOKEN`.

Exit status:
  0  stopped (Ctrl-C)
  1  cannot listen on the address
  2  a usage error (a folder that does not exist, a public address without a token)";

const SERVE_HELP: &str = "\
Exit status:
  0  the editor shut the server down
  1  the connection ended without a shutdown";

/// promptls: versioned prompt files, checked, resolved and served to editors.
#[derive(Debug, Parser)]
#[command(
    name = "promptls",
    version = env!("PROMPTLS_VERSION_LONG"),
    about,
    after_help = EXIT_STATUS
)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug, -vvv trace); RUST_LOG also works.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Colours in the output: `auto` (on a terminal, unless NO_COLOR is set), `always` or
    /// `never`.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        global = true
    )]
    pub color: clap::ColorChoice,
    /// What to do; without one, `serve` when stdin is not a terminal.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// file:line:col, code, message and the source line with a caret.
    Human,
    /// A JSON array of `{path, range, severity, code, message}`.
    Json,
    /// SARIF 2.1.0 (code scanning).
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report every naming, config and reference problem of the given files and folders
    /// (default `.`).
    #[command(after_help = CHECK_HELP)]
    Check {
        /// Folders or files to check (for example the staged files of a pre-commit hook).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Use this config file instead of discovering promptic.toml / pyproject.toml.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List the versions of a prompt, newest first.
    #[command(after_help = VERSIONS_HELP)]
    Versions {
        /// A prompt (`prompts/task`, `prompts/task.md`), one of its files, or a folder.
        target: PathBuf,
        /// Only this variant: `--classifier lang=ru` (repeatable).
        #[arg(long = "classifier", value_name = "K=V", value_parser = parse_kv)]
        classifier: Vec<(String, String)>,
        /// Use this config file instead of discovery.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print JSON (an array of PromptVersion; for a registry package, the registry's
        /// list).
        #[arg(long)]
        json: bool,
        /// List the versions of a registry package (`owner/name`) in this registry
        /// (file:///path, http(s)://host, or a folder). Without it, a target that names no
        /// prompt of the workspace but reads as `owner/name` is looked up in the default
        /// registry.
        #[arg(long, value_name = "URL")]
        registry: Option<String>,
    },
    /// Resolve a request to one file, as promptic's load_prompt would.
    #[command(after_help = RESOLVE_HELP)]
    Resolve {
        /// A folder, a prompt hint (`prompts/task`, `prompts/task.md`) or a pinned file.
        target: PathBuf,
        /// `latest` (default), `latest-prerelease`, or a version (`v2`, `1.0.0`, `v1-rc.1`).
        #[arg(long = "version", value_name = "SPEC", default_value = "latest")]
        spec: String,
        /// The request options.
        #[command(flatten)]
        request: RequestArgs,
        /// Also read PROMPTIC_* environment variables (off unless asked for).
        #[arg(long)]
        env: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show what changed between two versions of a prompt: a unified diff, and the
    /// template variables added and removed.
    #[command(after_help = DIFF_HELP)]
    Diff {
        /// A prompt (`prompts/task`, `prompts/task.md`) or one of its files (its variant is
        /// compared).
        target: PathBuf,
        /// The older version: `v1`, `1.0.0`, `v2-rc.1`, `latest`.
        from: String,
        /// The newer version.
        #[arg(default_value = "latest")]
        to: String,
        /// The request options.
        #[command(flatten)]
        request: RequestArgs,
        /// Print JSON: both files, the hunks, the unified diff and the variables.
        #[arg(long)]
        json: bool,
    },
    /// Create the next version of a prompt file: a new file beside it, content copied
    /// (the same plan as the editor's "Create version" code actions). Never overwrites.
    #[command(after_help = WRITE_HELP)]
    NewVersion {
        /// A versioned prompt file.
        file: PathBuf,
        /// The bump; default: what the variable rule recommends (a major bump when the
        /// version pattern has no minor or patch part).
        #[arg(long, value_enum)]
        bump: Option<BumpArg>,
        /// Prerelease label, e.g. `rc.1` (only with `--bump prerelease`): dot-separated
        /// letters, digits and `-`.
        #[arg(long, value_parser = parse_label)]
        label: Option<String>,
        /// Use this config file (promptic.toml, pyproject.toml or promptic JSON).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Set the front matter title (only that value changes; a YAML prompt file's own
        /// `title` key; refused for JSON prompt files).
        #[arg(long)]
        title: Option<String>,
        /// Set the front matter description (as `--title`).
        #[arg(long)]
        description: Option<String>,
        /// Print the plan, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Revert a prompt to an older version: a NEW version (the next patch of the newest;
    /// the next prerelease when the newest is a prerelease) with that version's bytes;
    /// history is never rewritten.
    #[command(after_help = WRITE_HELP)]
    Revert {
        /// A versioned file of the prompt (its variant is reverted).
        target: PathBuf,
        /// The version whose content comes back.
        #[arg(long = "to", value_name = "VERSION")]
        to: String,
        /// Use this config file (promptic.toml, pyproject.toml or promptic JSON).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print the plan, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Rename a prompt (every version and variant) and update every reference to it.
    #[command(after_help = MV_HELP)]
    Mv {
        /// The prompt: one of its files, or its path without version (`prompts/task`).
        old: PathBuf,
        /// The new prompt path without version or extension (`prompts/job`).
        new: PathBuf,
        /// Use this config file (promptic.toml, pyproject.toml or promptic JSON).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print the renames and a diff of every edited file, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Serve the Prompt Versions API and a web page over HTTP.
    #[command(after_help = API_HELP)]
    Api {
        /// The workspace root (default: the current folder).
        root: Option<PathBuf>,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:7420")]
        bind: std::net::SocketAddr,
        /// The bearer token every request must carry (needed for a non-loopback address).
        #[arg(long, env = "PROMPTLS_API_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Use this config file (promptic.toml, pyproject.toml or promptic JSON).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Publish a prompt to a registry: a folder with a prompt.yaml, or one prompt of the
    /// workspace at one version (`prompts/task@v2.1.0`, every variant of that version).
    #[command(after_help = PUBLISH_HELP)]
    Publish {
        /// A folder holding prompt.yaml, or PROMPT@VERSION.
        target: String,
        /// The owner to publish under (a user or an organisation).
        #[arg(long, env = "PROMPTLS_REGISTRY_OWNER")]
        owner: String,
        /// The package name for PROMPT@VERSION (default: the prompt's name, with `_` as `-`).
        #[arg(long)]
        name: Option<String>,
        /// The registry: file:///path, http(s)://host, or a folder (default: $PROMPTLS_REGISTRY,
        /// else your own folder registry).
        #[arg(long, value_name = "URL")]
        registry: Option<String>,
        /// The owner's publishing token, for a registry server.
        #[arg(long, env = "PROMPTLS_REGISTRY_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Use this config file instead of discovery (for PROMPT@VERSION).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Show the package (files, prompt.yaml, size, sha256) and publish nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Install registry packages into .prompts/{name}/ and record them in prompts.lock;
    /// with no package, install exactly what prompts.lock says.
    #[command(after_help = INSTALL_HELP)]
    Install {
        /// owner/name, owner/name@1.2.0 (exactly), or owner/name@^1.2 (a semver requirement).
        package: Option<String>,
        /// The registry (as for publish; default: the one the lock names, else
        /// $PROMPTLS_REGISTRY, else your own folder registry).
        #[arg(long, value_name = "URL")]
        registry: Option<String>,
        /// Fail if prompts.lock would change (for CI).
        #[arg(long)]
        frozen: bool,
        /// Let a requirement pick prereleases.
        #[arg(long)]
        prerelease: bool,
        /// Replace an install whose files were changed locally (the changes are lost).
        #[arg(long)]
        force: bool,
    },
    /// Hide a published version from new installs (`owner/name@VERSION`); it stays
    /// downloadable, and installs locked to it keep working. Versions are never deleted.
    #[command(after_help = YANK_HELP)]
    Yank {
        /// owner/name@VERSION.
        target: String,
        /// The registry (as for publish).
        #[arg(long, value_name = "URL")]
        registry: Option<String>,
        /// The owner's publishing token, for a registry server.
        #[arg(long, env = "PROMPTLS_REGISTRY_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// Run a prompt registry (`serve`) and create its publishing tokens (`token create`).
    Registry {
        /// What to do.
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    ///
    /// `promptls man > promptls.1`, then `man ./promptls.1`.
    Man,
    /// Run the language server on stdio.
    #[command(after_help = SERVE_HELP)]
    Serve {
        /// Accepted for clients that pass it (stdio is the only transport).
        #[arg(long, hide = true)]
        stdio: bool,
    },
}

/// How a version request is read (`resolve`, `diff`): promptic's `load_prompt` options.
#[derive(Debug, clap::Args)]
pub struct RequestArgs {
    /// A classifier filter: `--classifier lang=ru` (repeatable).
    #[arg(long = "classifier", value_name = "K=V", value_parser = parse_kv)]
    pub classifier: Vec<(String, String)>,
    /// Let `latest` pick prereleases too.
    #[arg(long)]
    pub include_prerelease: bool,
    /// Use this config file (promptic.toml, pyproject.toml or promptic JSON).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `--bump` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BumpArg {
    /// x.y.Z: wording only.
    Patch,
    /// x.Y.0: new variables.
    Minor,
    /// X.0.0: removed or renamed variables.
    Major,
    /// A prerelease of the recommended next version (label: `--label`).
    #[value(alias = "pre")]
    Prerelease,
}

impl From<BumpArg> for crate::ops::Bump {
    fn from(b: BumpArg) -> Self {
        match b {
            BumpArg::Patch => crate::ops::Bump::Patch,
            BumpArg::Minor => crate::ops::Bump::Minor,
            BumpArg::Major => crate::ops::Bump::Major,
            BumpArg::Prerelease => crate::ops::Bump::Prerelease,
        }
    }
}

fn parse_label(s: &str) -> Result<String, String> {
    crate::ops::validate_label(s).map(|()| s.to_string())
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => {
            Ok((k.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

/// Whether output goes out in colour: `always` and `never` as said; `auto` on a terminal
/// unless `NO_COLOR` is set to anything but the empty string (no-color.org).
pub fn use_colour(
    choice: clap::ColorChoice,
    terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
) -> bool {
    match choice {
        clap::ColorChoice::Always => true,
        clap::ColorChoice::Never => false,
        clap::ColorChoice::Auto => terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// Sets up `tracing` to stderr: off unless `-v` or `RUST_LOG` says otherwise, in colour
/// as `color` says ([`use_colour`]). Warnings and errors also reach the editor as
/// `window/logMessage` while the server runs (I-1).
pub fn init_logging(verbose: u8, color: clap::ColorChoice) {
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
        .with_ansi(use_colour(
            color,
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        ))
        .with_filter(filter);
    // Without a current folder, paths in these warnings are shown absolute.
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(_) => PathBuf::new(),
    };
    let skipped = output::SkipWarnings::new(cwd).with_filter(
        tracing_subscriber::filter::Targets::new()
            .with_target(crate::index::SKIPPED_TARGET, tracing::Level::WARN),
    );
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(skipped)
        .with(
            crate::logging::ClientLogLayer
                .with_filter(tracing_subscriber::filter::LevelFilter::WARN),
        )
        .try_init();
}

/// Runs the CLI; returns the process exit code. `serve` runs the language server on
/// stdio (`promptls serve`) and returns whether `shutdown` came before `exit`.
pub fn run(cli: Cli, serve: impl FnOnce() -> bool) -> ExitCode {
    if !matches!(cli.command, None | Some(Command::Serve { .. })) {
        default_sigpipe();
    }
    match cli.command {
        None | Some(Command::Serve { .. }) => {
            if cli.command.is_none() && std::io::stdin().is_terminal() {
                eprintln!(
                    "promptls: no command given; try `promptls --help` (the server runs when stdin is not a terminal)"
                );
                return ExitCode::from(2);
            }
            if serve() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Some(Command::Check {
            paths,
            format,
            config,
        }) => {
            let colour = use_colour(
                cli.color,
                std::io::stdout().is_terminal(),
                std::env::var_os("NO_COLOR").as_deref(),
            );
            check::run(paths, format, config, colour)
        }
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut Cli::command(), "promptls", &mut out);
            ExitCode::SUCCESS
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("promptls: cannot write the manual page: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Some(Command::Versions {
            target,
            classifier,
            config,
            json,
            registry,
        }) => {
            let package = target
                .to_str()
                .and_then(|t| t.parse::<crate::registry::PackageId>().ok());
            match (package, registry) {
                (Some(id), Some(url)) => packages::remote_versions(&id, Some(&url), json),
                (None, Some(_)) => {
                    eprintln!(
                        "error: `{}` is not a registry package; write owner/name",
                        target.display()
                    );
                    ExitCode::from(2)
                }
                // Not a path of the workspace, and a package id: the default registry.
                (Some(id), None)
                    if crate::vfs::symlink_metadata(&target).is_err()
                        && !names_a_local_prompt(&target, config.as_deref()) =>
                {
                    packages::remote_versions(&id, None, json)
                }
                _ => versions(target, classifier, config, json),
            }
        }
        Some(Command::Resolve {
            target,
            spec,
            request,
            env,
            json,
        }) => resolve(target, spec, request, env, json),
        Some(Command::Diff {
            target,
            from,
            to,
            request,
            json,
        }) => {
            let colour = use_colour(
                cli.color,
                std::io::stdout().is_terminal(),
                std::env::var_os("NO_COLOR").as_deref(),
            );
            diff::run(diff::Request {
                target,
                from,
                to,
                request,
                json,
                colour,
            })
        }
        Some(Command::NewVersion {
            file,
            bump,
            label,
            config,
            title,
            description,
            dry_run,
        }) => new_version(file, bump, label, config, title, description, dry_run),
        Some(Command::Api {
            root,
            bind,
            token,
            config,
        }) => api::run(api::Request {
            root,
            bind,
            token,
            config,
        }),
        Some(Command::Registry { command }) => registry::run(command),
        Some(Command::Publish {
            target,
            owner,
            name,
            registry,
            token,
            config,
            dry_run,
        }) => packages::publish(packages::PublishRequest {
            target,
            owner,
            name,
            registry,
            token,
            config,
            dry_run,
        }),
        Some(Command::Install {
            package,
            registry,
            frozen,
            prerelease,
            force,
        }) => install::run(install::Request {
            package,
            registry,
            frozen,
            prerelease,
            force,
        }),
        Some(Command::Yank {
            target,
            registry,
            token,
        }) => packages::yank(&target, registry.as_deref(), token),
        Some(Command::Mv {
            old,
            new,
            config,
            dry_run,
        }) => mv::run(mv::Request {
            old,
            new,
            config,
            dry_run,
        }),
        Some(Command::Revert {
            target,
            to,
            config,
            dry_run,
        }) => {
            let source = match config_source(config.as_deref(), false) {
                Ok(s) => Arc::new(s),
                Err(e) => return e.report(),
            };
            if let Err(code) = readable_source(&target) {
                return code;
            }
            let index = Index::scan_shallow(target_folder(&target), source);
            finish_plan(
                crate::ops::plan_revert(&index, &normalize(&target), &to),
                dry_run,
            )
        }
    }
}

/// Restores the default action of SIGPIPE (die quietly) for the one-shot commands, as
/// command-line tools do: `promptls check | head -1` then stops when `head` is done
/// instead of failing on a closed pipe. (Rust ignores SIGPIPE; the server keeps that, so
/// a vanished editor is an ordinary write error there.) Elsewhere [`output::finish`]
/// treats a closed pipe as a quiet success.
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at startup, before any thread is spawned; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The current folder, or exit 1 with an `error:` line.
fn current_dir() -> Result<PathBuf, ExitCode> {
    std::env::current_dir().map_err(|e| {
        eprintln!(
            "error: cannot read the current folder: {}",
            output::os_reason(&e)
        );
        ExitCode::from(1)
    })
}

/// Checks a target the user named. A folder, or a prompt hint that names no file
/// (`prompts/task`), passes; a file (also through a symlink) must be a regular file that
/// can be opened. The error is `PATH: reason`, with the path as the user wrote it.
fn check_named_file(target: &Path) -> Result<(), String> {
    let shown = target.display();
    match crate::vfs::symlink_metadata(target).map_err(|e| match e {
        crate::vfs::VfsError::Io { source, .. } => source,
        other => std::io::Error::other(other.to_string()),
    }) {
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(format!("{shown}: {}", output::os_reason(&e))),
        Ok(m) if m.is_dir() => Ok(()),
        // Opened (non-blocking, after a kind check) and closed: nothing is read.
        Ok(_) => match crate::vfs::read_text(target, 0) {
            Ok(_) => Ok(()),
            Err(crate::vfs::VfsError::NotRegular {
                kind: crate::vfs::FileKind::Directory,
                ..
            }) => Ok(()),
            Err(e) => Err(format!("{shown}: {}", reason(&e))),
        },
    }
}

/// Loads `--config FILE` by its name: `pyproject.toml`, `*.json` (promptic's
/// `VersioningConfig` JSON), or any other TOML read as `promptic.toml`. A file named
/// explicitly must be right: one that cannot be read, does not parse or has an invalid
/// value is an error (every problem, located), never a silent fall back to the defaults.
fn explicit_config(path: &Path) -> Result<ConfigFile, Vec<ConfigError>> {
    let unreadable = |why: String| {
        let mut err = ConfigError::new(
            ConfigErrorKind::InvalidConfig,
            format!("cannot read the config file: {why}"),
            None,
        );
        err.path = Some(path.to_path_buf());
        vec![err]
    };
    let text = match crate::vfs::read_bytes(path, crate::vfs::TEXT_CAP) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| unreadable("not valid UTF-8".into()))?,
        Err(crate::vfs::VfsError::Io { source, .. }) => return Err(unreadable(source.to_string())),
        Err(e) => return Err(unreadable(e.to_string())),
    };
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
    let file = load_config_file(path, kind, &text);
    if file.errors.is_empty() {
        Ok(file)
    } else {
        Err(file.errors)
    }
}

/// Why a command's config could not be set up.
#[derive(Debug)]
enum ConfigSetupError {
    /// The `--config` file cannot be read or is invalid (exit 1).
    File(Vec<ConfigError>),
    /// A `PROMPTIC_*` variable is invalid (a usage error, exit 2).
    Env(String),
}

impl ConfigSetupError {
    /// Prints the problem on stderr and returns the exit code.
    fn report(&self) -> ExitCode {
        match self {
            ConfigSetupError::File(errors) => {
                for e in errors {
                    eprintln!("promptls: {e}");
                }
                ExitCode::from(1)
            }
            ConfigSetupError::Env(msg) => usage_error(msg),
        }
    }
}

fn config_source(config: Option<&Path>, env: bool) -> Result<ConfigSource, ConfigSetupError> {
    let mut source = ConfigSource::new();
    if let Some(path) = config {
        source.explicit = Some(Arc::new(
            explicit_config(path).map_err(ConfigSetupError::File)?,
        ));
    }
    if env {
        let (layer, errors) = env_layer(|k| std::env::var(k).ok());
        if let Some(e) = errors.first() {
            return Err(ConfigSetupError::Env(e.to_string()));
        }
        source.env = Some(layer);
    }
    Ok(source)
}

/// A config error as the error of a resolution request (V-8): its kind and its located text.
fn config_resolve_error(e: &ConfigError, label: &str, spec: &VersionSpec) -> ResolveError {
    let kind = match e.kind {
        ConfigErrorKind::InvalidVersionPattern => ErrorKind::InvalidVersionPattern,
        ConfigErrorKind::InvalidConfig => ErrorKind::InvalidConfig,
    };
    ResolveError::new(kind, label, spec, e.located_message(), Vec::new())
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

/// Prints a resolution error (`{error, message, available}` with `--json`, else the named
/// message and what is available on stderr); exit 1.
fn resolve_error(e: &ResolveError, json: bool) -> ExitCode {
    let written = if json {
        emit(&json_text(
            &serde_json::json!({"error": e.kind.name(), "message": e.message, "available": e.available}),
        ))
    } else {
        eprintln!("{e}");
        if !e.available.is_empty() {
            eprintln!("available: {}", e.available.join(", "));
        }
        Ok(())
    };
    finish(written, ExitCode::from(1))
}

fn resolve(target: PathBuf, spec: String, request: RequestArgs, env: bool, json: bool) -> ExitCode {
    let RequestArgs {
        classifier,
        include_prerelease,
        config,
    } = request;
    let source = config_source(config.as_deref(), env);
    let cwd = match current_dir() {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = check_named_file(&target) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let folder = target_folder(&target);
    let label = target.to_string_lossy().to_string();
    let fail = |e: ResolveError| resolve_error(&e, json);
    let spec_parsed = VersionSpec::parse(&spec);
    let source = match source {
        Ok(s) => Arc::new(s),
        Err(ConfigSetupError::File(errors)) => {
            return fail(config_resolve_error(&errors[0], &label, &spec_parsed));
        }
        Err(e) => return e.report(),
    };
    // A broken config is the request's error (V-8), never silently ignored.
    if let Some(e) = source.chain_errors(&folder).into_iter().next() {
        return fail(config_resolve_error(&e, &label, &spec_parsed));
    }
    let index = Index::scan_shallow(folder, source).with_files(Arc::new(ReportingFiles::new(cwd)));
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
            // The answer is a file to load: one that cannot be read is an error here,
            // not later in the caller.
            if let Err(e) = crate::vfs::read_text(&r.path(), 0) {
                eprintln!("error: {}: {}", shown.display(), reason(&e));
                return ExitCode::from(1);
            }
            let shown = shown.to_string_lossy().to_string();
            let version = file.parsed.version.as_ref();
            let written = if json {
                emit(&json_text(&serde_json::json!({
                    "path": shown,
                    "version": version.map(|v| v.core_string()),
                    "prerelease": version.and_then(|v| v.prerelease.as_ref()).map(|p| p.text.to_string()),
                    "classifiers": r.folder.scheme.variant_map(&file.parsed.variant),
                })))
            } else {
                let written = emit(&format!("{shown}\n"));
                eprintln!("{}", r.reason);
                written
            };
            finish(written, ExitCode::SUCCESS)
        }
        Err(e) => fail(e),
    }
}

/// Whether `target` (which does not exist on disk) is a prompt hint of the workspace:
/// its folder has a prompt of that base name (`prompts/task` for `prompts/task_v1.md`).
fn names_a_local_prompt(target: &Path, config: Option<&Path>) -> bool {
    let Ok(source) = config_source(config, false) else {
        return true; // the local listing reports the config error
    };
    let folder_path = target_folder(target);
    let index = Index::scan_shallow(folder_path.clone(), Arc::new(source));
    let Some(folder) = index.folder(&folder_path) else {
        return false;
    };
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let base = match folder.scheme.parse(name) {
        Some(p) => p.base.to_string(),
        None => folder.scheme.split_classifiers(name).0.to_string(),
    };
    folder.prompt(&base).is_some()
}

fn versions(
    target: PathBuf,
    classifier: Vec<(String, String)>,
    config: Option<PathBuf>,
    json: bool,
) -> ExitCode {
    let label = target.to_string_lossy().to_string();
    let source = match config_source(config.as_deref(), false) {
        Ok(s) => Arc::new(s),
        Err(ConfigSetupError::File(errors)) if json => {
            let e = config_resolve_error(&errors[0], &label, &VersionSpec::Latest);
            let written = emit(&json_text(
                &serde_json::json!({"error": e.kind.name(), "message": e.message, "available": []}),
            ));
            return finish(written, ExitCode::from(1));
        }
        Err(e) => return e.report(),
    };
    let cwd = match current_dir() {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = check_named_file(&target) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let folder_path = target_folder(&target);
    let index = Index::scan_shallow(folder_path.clone(), source)
        .with_files(Arc::new(ReportingFiles::new(cwd)));
    let map: BTreeMap<String, String> = classifier.into_iter().collect();
    let filter = if map.is_empty() { None } else { Some(&map) };
    let abs = normalize(&target);
    let folder = index.folder(&folder_path);
    let prompts: Vec<&Prompt> = match folder {
        None => Vec::new(),
        Some(folder) if abs.is_dir() => folder.prompts.iter().collect(),
        Some(folder) => {
            let name = abs.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let base = match folder.file(name) {
                Some((_, f)) => f.parsed.base.to_string(),
                None => match folder.scheme.parse(name) {
                    Some(p) => p.base.to_string(),
                    None => folder.scheme.split_classifiers(name).0.to_string(),
                },
            };
            folder.prompt(&base).into_iter().collect()
        }
    };
    let listed = match folder {
        Some(folder) if !prompts.is_empty() => {
            list_versions(&index, folder, &prompts, &label, filter)
        }
        _ => Ok(Vec::new()),
    };
    let list: Vec<PromptVersion> = match listed {
        Ok(list) => list,
        Err(e) => return resolve_error(&e, json),
    };
    if list.is_empty() {
        let written = if json {
            emit(&json_text(
                &serde_json::json!({"error": "PromptNotFoundError", "message": format!("no prompt files for `{label}`"), "available": []}),
            ))
        } else {
            eprintln!("PromptNotFoundError: no prompt files for `{label}`");
            Ok(())
        };
        return finish(written, ExitCode::from(1));
    }
    let text = if json {
        json_text(&list)
    } else {
        output::versions_table(&list)
    };
    finish(emit(&text), ExitCode::SUCCESS)
}

fn new_version(
    file: PathBuf,
    bump: Option<BumpArg>,
    label: Option<String>,
    config: Option<PathBuf>,
    title: Option<String>,
    description: Option<String>,
    dry_run: bool,
) -> ExitCode {
    if label.is_some() && bump != Some(BumpArg::Prerelease) {
        use clap::CommandFactory;
        let err = Cli::command().error(
            clap::error::ErrorKind::ArgumentConflict,
            "`--label` names a prerelease: use it with `--bump prerelease`",
        );
        if let Err(e) = err.print() {
            tracing::debug!(error = %e, "usage error not printed");
        }
        return ExitCode::from(2);
    }
    let source = match config_source(config.as_deref(), false) {
        Ok(s) => Arc::new(s),
        Err(e) => return e.report(),
    };
    if let Err(code) = readable_source(&file) {
        return code;
    }
    let index = Index::scan_shallow(target_folder(&file), source);
    let abs = normalize(&file);
    let bump = match bump {
        None => match index.file(&abs) {
            Some((folder, i)) => {
                let text = match index.files().text(&abs) {
                    Ok(t) => t.text,
                    Err(e) => return fail_plan(&crate::ops::PlanError::Read(e)),
                };
                let rec =
                    crate::ops::recommend_next(index.files(), folder, &folder.files[i], &text);
                eprintln!("recommended: {} ({})", rec.bump.name(), rec.reason);
                rec.bump
            }
            None => {
                return fail_plan(&crate::ops::PlanError::NotAPrompt(
                    file.display().to_string(),
                ));
            }
        },
        Some(b) => b.into(),
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

/// The file `new-version` or `revert` is given, when its name exists but it cannot be
/// read (a FIFO or device, also behind a symlink; a dangling symlink; permission denied):
/// exit 1 with why, before the folder is walked (the walk leaves such a file out, so it
/// would only be "not an indexed prompt file"). Nothing is read: the file is opened
/// (non-blocking, after a kind check) and closed. A name that does not exist, or a folder,
/// is left to the plan to report.
fn readable_source(file: &Path) -> Result<(), ExitCode> {
    let abs = normalize(file);
    match crate::vfs::read_text(&abs, 0) {
        Ok(_) => Ok(()),
        Err(crate::vfs::VfsError::NotRegular {
            kind: crate::vfs::FileKind::Directory,
            ..
        }) => Ok(()),
        Err(e) if e.is_not_found() && crate::vfs::symlink_metadata(&abs).is_err() => Ok(()),
        Err(e) => Err(fail_plan(&crate::ops::PlanError::Read(e))),
    }
}

fn fail_plan(e: &crate::ops::PlanError) -> ExitCode {
    eprintln!("error: {e}");
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
    // The plan's file is created through the file-system layer: a temporary file beside
    // the target, linked to its name only if that name does not exist.
    match crate::vfs::create_new(&plan.path, &plan.content) {
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
            eprintln!("error: cannot create {e}");
            ExitCode::from(1)
        }
    }
}
