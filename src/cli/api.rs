//! `promptls api [ROOT]`: the Prompt Versions API and its web page over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::api::{ApiState, canonical_root, is_loopback};

/// What `api` was asked.
pub(super) struct Request {
    pub root: Option<PathBuf>,
    pub bind: SocketAddr,
    pub token: Option<String>,
    pub config: Option<PathBuf>,
}

pub(super) fn run(req: Request) -> ExitCode {
    if !is_loopback(&req.bind) && req.token.as_deref().is_none_or(str::is_empty) {
        return super::usage_error(&format!(
            "{} is reachable from other machines: give --token (or PROMPTLS_API_TOKEN) so that every request must carry it",
            req.bind
        ));
    }
    let cwd = match super::current_dir() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let root = cwd.join(req.root.unwrap_or_else(|| PathBuf::from(".")));
    let root = match canonical_root(&root) {
        Ok(r) if r.is_dir() => r,
        Ok(r) => return super::usage_error(&format!("{}: not a folder", r.display())),
        Err(e) => return super::usage_error(&e.to_string()),
    };
    let source = match super::config_source(req.config.as_deref(), false) {
        Ok(s) => Arc::new(s),
        Err(e) => return e.report(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(req.bind).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", req.bind);
                return ExitCode::from(1);
            }
        };
        let state = Arc::new(ApiState::new(root.clone(), source, req.token));
        let addr = listener.local_addr().unwrap_or(req.bind);
        eprintln!(
            "promptls api: {} prompt files under {}; listening on http://{addr}/ (OpenAPI: http://{addr}/openapi.json)",
            state.index.load().file_count(),
            root.display()
        );
        tokio::select! {
            r = crate::api::serve(listener, state) => match r {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            },
            _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        }
    })
}
