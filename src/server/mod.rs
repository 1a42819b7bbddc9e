//! The language server (I-1): a thin face over the core. One file per LSP feature;
//! handlers load an index snapshot (never waiting for a writer), run a core function under
//! a panic guard (a panic answers that request with an error, Q-2), and convert positions.

mod code_action;
mod code_lens;
mod commands;
mod completion;
mod definition;
mod diagnostics;
mod document_link;
mod hover;
mod indexing;
mod inlay_hint;
mod references;
mod rename;
pub mod state;
mod symbols;
mod transport;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use self::state::{OpenDocument, State, uri_path};
use crate::analysis::{Document, TextChange};
use crate::text::{LineCol, PositionEncoding};

/// The command names of I-2.
pub const COMMANDS: &[&str] = &[
    "promptls.listVersions",
    "promptls.getVersion",
    "promptls.createVersion",
    "promptls.revertVersion",
    "promptls.diffVersions",
    "promptls.reindex",
];

/// The server.
pub struct Backend {
    client: Client,
    state: Arc<State>,
    watcher: indexing::SharedWatcher,
    /// Problems with `initializationOptions`, shown once the client can hear them.
    init_warnings: std::sync::Mutex<Vec<String>>,
    /// The first index, started by `initialize` and taken by `initialized`.
    early_index: std::sync::Mutex<Option<indexing::EarlyIndex>>,
}

/// Runs `f`, turning a panic into an error response for this request.
pub(crate) fn guard<T>(what: &str, f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|_| {
        tracing::error!(request = what, "request handler panicked");
        let mut e = Error::internal_error();
        e.message = format!("promptls: {what} failed internally; the server goes on").into();
        e
    })
}

/// Runs the server on stdin/stdout until `exit` or the end of stdin. Returns whether
/// `shutdown` came first (LSP's `exit` status: 0 after shutdown, else 1).
pub fn run_stdio() -> bool {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let state = Arc::new(State::new());
    let st = state.clone();
    rt.block_on(async move {
        let (service, socket) = LspService::build(|client| Backend {
            client,
            state: st,
            watcher: Default::default(),
            init_warnings: Default::default(),
            early_index: Default::default(),
        })
        .finish();
        // The guard sits between stdio and tower-lsp-server (see `transport`).
        let (to_server, server_in) = tokio::io::duplex(1 << 20);
        let (server_out, from_server) = tokio::io::duplex(1 << 20);
        let (replies_tx, replies_rx) = tokio::sync::mpsc::unbounded_channel();
        let input = tokio::spawn(transport::pump_input(
            tokio::io::stdin(),
            to_server,
            replies_tx,
        ));
        let output = tokio::spawn(transport::pump_output(
            from_server,
            tokio::io::stdout(),
            replies_rx,
        ));
        Server::new(server_in, server_out, socket)
            .serve(service)
            .await;
        input.abort();
        // Let the last frames (the shutdown response) reach stdout.
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), output).await;
    });
    // Do not wait for background work (a watcher, an index build): the client is gone.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    state.shut_down.load(std::sync::atomic::Ordering::SeqCst)
}

impl Backend {
    /// Shows each message as a `window/showMessage` warning.
    async fn show_warnings(&self, warnings: Vec<String>) {
        for w in warnings {
            self.client.show_message(MessageType::WARNING, w).await;
        }
    }

    /// The current document of `uri` (shared, not copied); `None` for a URI that is not a
    /// file or a file that is neither open nor readable.
    fn snapshot_doc(&self, uri: &Uri) -> Option<Arc<Document>> {
        self.state.document(&uri_path(uri)?)
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        let enc = if offered {
            PositionEncoding::Utf8
        } else {
            PositionEncoding::Utf16
        };
        *self.state.encoding.write().unwrap() = enc;
        let progress = params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        self.state
            .progress_supported
            .store(progress, std::sync::atomic::Ordering::SeqCst);
        // Refresh requests only to a client that said it supports them (Helix does not).
        let workspace = params.capabilities.workspace.as_ref();
        let hints = workspace
            .and_then(|w| w.inlay_hint.as_ref())
            .and_then(|h| h.refresh_support)
            .unwrap_or(false);
        let lenses = workspace
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|l| l.refresh_support)
            .unwrap_or(false);
        self.state
            .inlay_hint_refresh
            .store(hints, std::sync::atomic::Ordering::SeqCst);
        self.state
            .code_lens_refresh
            .store(lenses, std::sync::atomic::Ordering::SeqCst);
        *self.init_warnings.lock().unwrap() = indexing::configure(&self.state, &params);
        let dynamic_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        indexing::set_dynamic_watch(dynamic_watch);
        *self.early_index.lock().unwrap() = indexing::start_early_index(&self.state);
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "promptls".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
            capabilities: ServerCapabilities {
                position_encoding: Some(if offered {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(
                        ["/", "\"", "'", "_", "-", ".", "@", "="]
                            .iter()
                            .map(|s| s.to_string())
                            .collect(),
                    ),
                    ..Default::default()
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: Default::default(),
                }),
                inlay_hint_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::new(code_action::KIND_CREATE),
                            CodeActionKind::new(code_action::KIND_REVERT),
                            CodeActionKind::REFACTOR_REWRITE,
                        ]),
                        ..Default::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: COMMANDS.iter().map(|s| s.to_string()).collect(),
                    ..Default::default()
                }),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: Some(WorkspaceFileOperationsServerCapabilities {
                        will_rename: Some(rename::will_rename_filters()),
                        ..Default::default()
                    }),
                }),
                ..Default::default()
            },
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        if crate::logging::set_client_sink(tx) {
            let client = self.client.clone();
            tokio::spawn(async move {
                while let Some((level, message)) = rx.recv().await {
                    let level = if level == tracing::Level::ERROR {
                        MessageType::ERROR
                    } else {
                        MessageType::WARNING
                    };
                    client.log_message(level, message).await;
                }
            });
        }
        // Invalid initializationOptions: the client can hear it now (not during initialize).
        let warnings = std::mem::take(&mut *self.init_warnings.lock().unwrap());
        self.show_warnings(warnings).await;
        let early = self.early_index.lock().unwrap().take();
        indexing::initial_index(&self.client, &self.state, &self.watcher, early).await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.state
            .shut_down
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // Drop the notify watcher so no thread outlives the server (I-1).
        self.watcher.lock().unwrap().take();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let Some(path) = uri_path(&params.text_document.uri) else {
            return;
        };
        let doc = Document::new(
            &path,
            Some(params.text_document.version),
            params.text_document.text,
        );
        self.state.documents.write().unwrap().insert(
            path.clone(),
            OpenDocument {
                doc: Arc::new(doc),
                modified: false,
            },
        );
        // A prompt file created since the last index (and before the watcher reported it):
        // index its folder now, so it is analysed as a prompt, not as an unknown file.
        if indexing::unindexed_prompt(&self.state, &path) {
            indexing::refresh(&self.client, &self.state, vec![path]).await;
        } else {
            diagnostics::publish(&self.client, &self.state, vec![path]).await;
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Some(path) = uri_path(&params.text_document.uri) else {
            return;
        };
        let enc = self.state.enc();
        let changes: Vec<TextChange> = params
            .content_changes
            .into_iter()
            .map(|c| TextChange {
                range: c.range.map(|r| {
                    let lc = |p: Position| LineCol {
                        line: p.line,
                        col: p.character,
                    };
                    (lc(r.start), lc(r.end))
                }),
                text: c.text,
            })
            .collect();
        {
            let mut docs = self.state.documents.write().unwrap();
            let Some(open) = docs.get_mut(&path) else {
                return;
            };
            open.doc = Arc::new(open.doc.changed(params.text_document.version, changes, enc));
            open.modified = true;
        }
        diagnostics::publish(&self.client, &self.state, vec![path]).await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let Some(path) = uri_path(&params.text_document.uri) else {
            return;
        };
        if let Some(doc) = self.state.documents.write().unwrap().get_mut(&path) {
            doc.modified = false;
        }
        indexing::refresh(&self.client, &self.state, vec![path]).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Some(path) = uri_path(&params.text_document.uri) else {
            return;
        };
        self.state.documents.write().unwrap().remove(&path);
        diagnostics::publish(&self.client, &self.state, vec![path]).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        tracing::debug!(changes = params.changes.len(), "watched files changed");
        let paths = params
            .changes
            .iter()
            .filter_map(|c| uri_path(&c.uri))
            .collect();
        indexing::refresh(&self.client, &self.state, paths).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let warnings = indexing::apply_settings(&self.state, &params.settings);
        self.show_warnings(warnings).await;
        indexing::reindex(&self.client, &self.state).await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let (added, removed) = indexing::change_roots(&self.state, &params.event);
        indexing::reindex(&self.client, &self.state).await;
        indexing::watch_folders(&self.client, &self.state, &self.watcher, added, removed).await;
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let Some(doc) = self.snapshot_doc(&params.text_document_position.text_document.uri) else {
            return Ok(None);
        };
        guard("completion", || {
            completion::completion(&self.state, &doc, params.text_document_position.position)
        })
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let Some(doc) = self.snapshot_doc(&params.text_document_position_params.text_document.uri)
        else {
            return Ok(None);
        };
        guard("hover", || {
            hover::hover(
                &self.state,
                &doc,
                params.text_document_position_params.position,
            )
        })
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let Some(doc) = self.snapshot_doc(&params.text_document_position_params.text_document.uri)
        else {
            return Ok(None);
        };
        guard("definition", || {
            definition::definition(
                &self.state,
                &doc,
                params.text_document_position_params.position,
            )
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let Some(path) = uri_path(&params.text_document_position.text_document.uri) else {
            return Ok(None);
        };
        guard("references", || references::references(&self.state, &path))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        indexing::wait_indexed(&self.state, std::time::Duration::from_secs(2)).await;
        let Some(doc) = self.snapshot_doc(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("prepareRename", || {
            rename::prepare(&self.state, &doc, params.position)
        })?
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        indexing::wait_indexed(&self.state, std::time::Duration::from_secs(10)).await;
        let Some(doc) = self.snapshot_doc(&params.text_document_position.text_document.uri) else {
            return Ok(None);
        };
        guard("rename", || {
            rename::rename(
                &self.state,
                &doc,
                params.text_document_position.position,
                &params.new_name,
            )
        })?
    }

    async fn will_rename_files(&self, params: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
        indexing::wait_indexed(&self.state, std::time::Duration::from_secs(10)).await;
        match guard("willRenameFiles", || {
            rename::will_rename(&self.state, &params.files)
        })? {
            Ok(edit) => Ok(edit),
            Err(why) => {
                tracing::info!(reason = %why, "willRenameFiles: no edit");
                self.client
                    .show_message(
                        MessageType::WARNING,
                        format!("promptls: references not updated: {why}"),
                    )
                    .await;
                Ok(None)
            }
        }
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let Some(doc) = self.snapshot_doc(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("documentLink", || document_link::links(&self.state, &doc))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some(doc) = self.snapshot_doc(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("inlayHint", || {
            inlay_hint::hints(&self.state, &doc, params.range)
        })
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let Some(path) = uri_path(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("codeLens", || code_lens::lenses(&self.state, &path))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        indexing::wait_indexed(&self.state, std::time::Duration::from_secs(2)).await;
        let Some(doc) = self.snapshot_doc(&params.text_document.uri) else {
            return Ok(None);
        };
        guard("codeAction", || {
            code_action::actions(&self.state, &doc, &params)
        })
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        guard("workspaceSymbol", || {
            symbols::symbols(&self.state, &params.query)
        })
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        // Commands name files: let the first index finish (bounded) before answering.
        indexing::wait_indexed(&self.state, std::time::Duration::from_secs(10)).await;
        commands::execute(&self.client, &self.state, params).await
    }
}
