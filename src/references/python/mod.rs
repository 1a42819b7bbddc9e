//! promptic calls in Python, parsed with tree-sitter-python.
//!
//! The scan runs in passes over one syntax tree:
//! 1. a pre-order walk collects imports (which local names mean promptic's functions or
//!    the `promptic` module), every call, and assignments `NAME = call(...)` per scope;
//! 2. `VersioningConfig(...)` literals become [`ConfigLayer`]s, validated in place (V-7);
//! 3. `ClassifierConfig(...)` literals that no `VersioningConfig(...)` literal holds inline
//!    are validated on their own;
//! 4. `load_prompt` / `render` / `export_version` calls become [`Reference`]s.
//!
//! Arguments are read only when they are literals; anything built at run time (names,
//! f-strings, implicit concatenation, calls) is skipped without a diagnostic.
//!
//! One file per concern: `scope.rs` (imports and name binding), `literal.rs` (string,
//! dict and number literals), `config.rs` (`VersioningConfig(...)` /
//! `ClassifierConfig(...)` literals), `calls.rs` (promptic call extraction) and
//! `recovery.rs` (calls the parser could not finish, read from the ERROR node's tokens).

mod calls;
mod config;
mod literal;
mod recovery;
mod scope;
#[cfg(test)]
mod tests;
mod variables;

use std::collections::{HashMap, HashSet};

use tree_sitter::{Node, Parser, Tree};

use super::{Reference, Scan};
use crate::config::{ConfigError, ConfigLayer};
use scope::Imports;

/// How deep literal values (lists in dicts in calls …) are followed.
const MAX_DEPTH: usize = 48;

/// The promptic names the scanner knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    LoadPrompt,
    Render,
    ExportVersion,
    VersioningConfig,
    ClassifierConfig,
}

impl Api {
    const ALL: [Api; 5] = [
        Api::LoadPrompt,
        Api::Render,
        Api::ExportVersion,
        Api::VersioningConfig,
        Api::ClassifierConfig,
    ];

    fn from_name(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|a| a.name() == name)
    }

    fn name(self) -> &'static str {
        match self {
            Api::LoadPrompt => "load_prompt",
            Api::Render => "render",
            Api::ExportVersion => "export_version",
            Api::VersioningConfig => "VersioningConfig",
            Api::ClassifierConfig => "ClassifierConfig",
        }
    }
}

/// Scans a Python module for promptic calls.
///
/// Parses `text` with tree-sitter-python and calls [`scan_python_tree`]. Never fails: a
/// parser that cannot be set up gives an empty [`Scan`] (logged).
pub fn scan_python(text: &str) -> Scan {
    match parse_python(text, None) {
        Some(tree) => scan_python_tree(text, &tree),
        None => Scan::default(),
    }
}

/// Parses Python source with tree-sitter-python; `old` is a previous tree of the same
/// document already adjusted with [`Tree::edit`], for an incremental parse. `None` when
/// the parser cannot be set up or gives up (logged).
pub fn parse_python(text: &str, old: Option<&Tree>) -> Option<Tree> {
    let mut parser = Parser::new();
    if let Err(e) = parser.set_language(&tree_sitter_python::LANGUAGE.into()) {
        tracing::warn!("tree-sitter-python cannot be loaded: {e}");
        return None;
    }
    let tree = parser.parse(text, old);
    if tree.is_none() {
        tracing::warn!("tree-sitter-python gave no tree");
    }
    tree
}

/// Scans a Python module whose syntax tree the caller already has (`tree` must be a
/// tree-sitter-python parse of exactly `text`).
pub fn scan_python_tree(text: &str, tree: &Tree) -> Scan {
    Scanner::new(text, tree).run()
}

struct Scanner<'t> {
    text: &'t str,
    root: Node<'t>,
    imports: Imports,
    /// Every call with the id of its scope (module or function), in source order.
    calls: Vec<(Node<'t>, usize)>,
    /// ERROR nodes with the id of their scope, in source order.
    error_nodes: Vec<(Node<'t>, usize)>,
    /// `(scope id, NAME)` -> the call assigned to NAME there (the last one wins).
    assigns: HashMap<(usize, String), Node<'t>>,
    /// Call node id -> the NAME it is assigned to.
    assigned_name: HashMap<usize, String>,
    /// `(scope id, NAME)` -> every value assigned to NAME there, in source order.
    bindings: HashMap<(usize, String), Vec<Node<'t>>>,
    /// `(scope id, NAME)` -> the `NAME.format(…)` calls made there, in source order (one
    /// pass over `calls`, so that finding the format calls of each of n `load_prompt`
    /// calls costs a lookup, not a pass over every call).
    format_calls: HashMap<(usize, String), Vec<Node<'t>>>,
    /// Whether `dict` is bound by an assignment in any scope (it is then not the builtin).
    dict_bound: bool,
    /// Names that something may change or rebind other than a plain `NAME = value`
    /// (`NAME[k] = …`, `NAME.update(…)`, `NAME += …`, `for NAME in …`, a parameter …),
    /// in any scope.
    unsettled: HashSet<String>,
    /// `VersioningConfig(...)` call node id -> its layer.
    layers: HashMap<usize, ConfigLayer>,
    /// `ClassifierConfig(...)` calls validated as part of a `VersioningConfig(...)` literal.
    classifiers_inline: HashSet<usize>,
    errors: Vec<ConfigError>,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str, tree: &'t Tree) -> Self {
        Scanner {
            text,
            root: tree.root_node(),
            imports: Imports::default(),
            calls: Vec::new(),
            error_nodes: Vec::new(),
            assigns: HashMap::new(),
            assigned_name: HashMap::new(),
            bindings: HashMap::new(),
            format_calls: HashMap::new(),
            dict_bound: false,
            unsettled: HashSet::new(),
            layers: HashMap::new(),
            classifiers_inline: HashSet::new(),
            errors: Vec::new(),
        }
    }

    fn run(mut self) -> Scan {
        self.collect();
        self.index_format_calls();
        let calls: Vec<(Node<'t>, usize, Api)> = self
            .calls
            .iter()
            .filter_map(|&(call, scope)| Some((call, scope, self.callee(call)?)))
            .collect();
        self.config_literals(&calls);

        // promptic calls.
        let mut references = Vec::new();
        for &(call, scope, api) in &calls {
            if matches!(api, Api::LoadPrompt | Api::Render | Api::ExportVersion) {
                self.reference(call, scope, api, &mut references);
            }
        }
        for &(error, scope) in &self.error_nodes {
            self.error_calls(error, scope, &mut references);
        }
        references.sort_by_key(|r: &Reference| r.range.start);
        references.dedup();
        let mut errors = self.errors;
        errors.sort_by_key(|e| e.span.as_ref().map_or(0, |s| s.start));
        Scan {
            references,
            config_errors: errors,
        }
    }

    /// The source text of a node.
    fn src(&self, node: Node<'t>) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or_default()
    }
}
