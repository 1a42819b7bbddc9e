//! `promptls registry`: run a prompt registry (`serve`) and create publishing tokens
//! (`token create`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use crate::registry::serve::ServeState;
use crate::registry::store::{RegistryStore, StoreError, redact};

const SERVE_HELP: &str = "\
Serves the registry's HTTP API: GET /prompts/{owner}/{name}/versions, \
GET /prompts/{owner}/{name}/{version} (and .../tarball), PUT /prompts/{owner}/{name}/{version} \
with a tarball body and `Authorization: Bearer TOKEN` of the owner, POST .../yank, GET /healthz. \
Several servers may share one database and one object store: a version is published once, \
and a second publish of it is refused (409).

--db is sqlite://PATH (created if missing) or postgres://USER:PASSWORD@HOST/DB. --store is a \
folder (a path or file:///path) or an S3-compatible bucket: \
s3://BUCKET?endpoint=http://127.0.0.1:9000&region=us-east-1 (credentials from AWS_ACCESS_KEY_ID \
and AWS_SECRET_ACCESS_KEY).

Exit status:
  0  stopped (Ctrl-C or SIGTERM)
  1  the database or the object store cannot be opened, or the address cannot be listened on
  2  usage error";

const TOKEN_HELP: &str = "\
Creates the owner if it is new. The token is printed once on stdout; the registry keeps only \
its sha256.

Exit status:
  0  the token was created and printed
  1  the database cannot be opened or written
  2  usage error (an owner that breaks the naming rule)";

/// The subcommands of `promptls registry`.
#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Serve a prompt registry over HTTP.
    #[command(after_help = SERVE_HELP)]
    Serve {
        /// The database: sqlite://PATH or postgres://….
        #[arg(
            long,
            value_name = "URL",
            env = "PROMPTLS_REGISTRY_DB",
            hide_env_values = true,
            default_value = "sqlite://registry.db"
        )]
        db: String,
        /// Where tarballs are stored: a folder, file:///path or s3://bucket?endpoint=….
        #[arg(
            long,
            value_name = "URL",
            env = "PROMPTLS_REGISTRY_STORE",
            hide_env_values = true,
            default_value = "./registry-objects"
        )]
        store: String,
        /// The address to listen on (port 0: any free port, printed on stderr).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7421")]
        bind: SocketAddr,
    },
    /// Publishing tokens.
    Token {
        /// What to do with tokens.
        #[command(subcommand)]
        command: TokenCommand,
    },
}

/// The subcommands of `promptls registry token`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token that publishes and yanks the prompts of OWNER.
    #[command(after_help = TOKEN_HELP)]
    Create {
        /// The owner (a-z, 0-9 and -).
        owner: String,
        /// The database: sqlite://PATH or postgres://….
        #[arg(
            long,
            value_name = "URL",
            env = "PROMPTLS_REGISTRY_DB",
            hide_env_values = true,
            default_value = "sqlite://registry.db"
        )]
        db: String,
    },
}

/// A store URL as shown: without its query (which may hold credentials).
fn shown_store(store: &str) -> &str {
    store.split_once('?').map_or(store, |(s, _)| s)
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the runtime: {e}");
            ExitCode::from(1)
        })
}

pub(super) fn run(command: RegistryCommand) -> ExitCode {
    let runtime = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    match command {
        RegistryCommand::Serve { db, store, bind } => runtime.block_on(serve(db, store, bind)),
        RegistryCommand::Token {
            command: TokenCommand::Create { owner, db },
        } => runtime.block_on(create_token(owner, db)),
    }
}

async fn create_token(owner: String, db: String) -> ExitCode {
    if let Err(e) = crate::registry::validate_part("owner", &owner) {
        return super::usage_error(&e.to_string());
    }
    // Tokens live in the database only; the object store is not touched.
    let objects: Arc<dyn object_store::ObjectStore> =
        Arc::new(object_store::memory::InMemory::new());
    let store = match RegistryStore::open_with(&db, objects).await {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    match store.create_token(&owner).await {
        Ok(token) => {
            eprintln!(
                "promptls registry: a token of {owner}, shown once (requests carry it as `Authorization: Bearer <token>`):"
            );
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(StoreError::BadRequest(m)) => super::usage_error(&m),
        Err(e) => failed(&e),
    }
}

fn failed(e: &StoreError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(1)
}

async fn serve(db: String, store_url: String, bind: SocketAddr) -> ExitCode {
    let store = match RegistryStore::open(&db, &store_url).await {
        Ok(s) => s,
        Err(e @ StoreError::Config(_)) => return super::usage_error(&e.to_string()),
        Err(e) => return failed(&e),
    };
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {bind}: {e}");
            return ExitCode::from(1);
        }
    };
    let addr = listener.local_addr().unwrap_or(bind);
    let state = Arc::new(ServeState {
        store,
        address: addr.to_string(),
    });
    eprintln!(
        "promptls registry: listening on http://{addr}/ (database {}, objects {})",
        redact(&db),
        shown_store(&store_url)
    );
    let stop = async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    };
    match axum::serve(listener, crate::registry::serve::router(state))
        .with_graceful_shutdown(stop)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
