//! promptls: a language server and CLI for workspaces of versioned prompt files.
//!
//! The crate is a pure core ([`config`], [`versioning`], [`index`], [`diagnostics`],
//! [`text`]) and three thin faces over it: the language server (`server`), the command
//! line (`cli`) and the HTTP API (`api`). The core never imports a face. See ARCHITECTURE.md.

#![warn(missing_docs)]

pub mod analysis;
pub mod api;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod index;
pub mod logging;
pub mod ops;
pub mod parallel;
pub mod references;
pub mod registry;
pub mod server;
pub mod text;
pub mod versioning;
pub mod vfs;
