//! The language server (I-1): a thin face over the core, one file per LSP feature.

/// Runs the server on stdin/stdout until `exit`.
pub fn run_stdio() {
    eprintln!("promptls: the language server is not available in this build");
}
