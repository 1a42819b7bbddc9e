//! promptic calls (pass 4): `load_prompt` / `render` / `export_version` with literal
//! arguments become [`Reference`]s.

use std::collections::HashMap;
use std::ops::Range;

use tree_sitter::Node;

use super::{Api, Scanner};
use crate::references::{Literal, RefBase, RefKind, Reference};

impl<'t> Scanner<'t> {
    /// A complete `call` node of a promptic function as references (the call's, plus one
    /// per key of a hierarchical version dict).
    pub(super) fn reference(
        &self,
        call: Node<'t>,
        scope: usize,
        api: Api,
        out: &mut Vec<Reference>,
    ) {
        let Some(args) = call.child_by_field_name("arguments") else {
            return;
        };
        if args.kind() != "argument_list" {
            return;
        }
        let mut positional: Vec<Arg<'t>> = Vec::new();
        let mut splat = false;
        let mut kw_splat = false;
        let has_error = args.has_error();
        let mut last_arg_end = None;
        let mut keywords: HashMap<&'t str, Arg<'t>> = HashMap::new();
        let mut cursor = args.walk();
        for arg in args.named_children(&mut cursor) {
            if arg.kind() != "comment" {
                last_arg_end = Some(arg.end_byte());
            }
            match arg.kind() {
                "comment" => {}
                "keyword_argument" => {
                    if let (Some(n), Some(v)) = (
                        arg.child_by_field_name("name"),
                        arg.child_by_field_name("value"),
                    ) {
                        keywords.insert(self.src(n), Arg::Node(v));
                    }
                }
                // After `*args` positions are unknown.
                "list_splat" => splat = true,
                "dictionary_splat" => kw_splat = true,
                _ if arg.is_error() => {}
                _ if !splat => positional.push(Arg::Node(arg)),
                _ => {}
            }
        }
        // Where `, version="…"` can go: after the last argument (never between positional
        // ones), and only when no argument could already carry a version.
        let version_given = match api {
            Api::ExportVersion => {
                splat || positional.len() > 1 || keywords.contains_key("version_spec")
            }
            _ => keywords.contains_key("version"),
        };
        let add_version_at = last_arg_end.filter(|_| !version_given && !kw_splat && !has_error);
        let vars_arg = match keywords.get("vars") {
            Some(Arg::Node(n)) => Some(*n),
            _ => None,
        };
        let variables = self.passed_variables(call, scope, api, vars_arg);
        self.build(
            api,
            scope,
            call.byte_range(),
            CallArgs {
                positional,
                keywords,
                add_version_at,
                variables,
            },
            out,
        );
    }

    /// The literal an argument holds, if it is one.
    pub(super) fn arg_literal(&self, arg: &Arg<'t>) -> Option<Literal> {
        match arg {
            Arg::Node(n) => self.literal(*n),
            Arg::Partial(l) => Some(l.clone()),
        }
    }

    /// The references of one call of `api` spanning `range`, from its arguments.
    pub(super) fn build(
        &self,
        api: Api,
        scope: usize,
        range: Range<usize>,
        args: CallArgs<'t>,
        out: &mut Vec<Reference>,
    ) {
        let CallArgs {
            positional,
            keywords,
            add_version_at,
            variables,
        } = args;
        let node_of = |a: Option<&Arg<'t>>| match a {
            Some(Arg::Node(n)) => Some(*n),
            _ => None,
        };
        let path = positional
            .first()
            .or_else(|| keywords.get("path"))
            .or_else(|| keywords.get("source_path"));
        let Some(target) = path.and_then(|p| self.arg_literal(p)) else {
            return;
        };
        let version_arg = match api {
            Api::ExportVersion => positional.get(1).or_else(|| keywords.get("version_spec")),
            _ => keywords.get("version"),
        };
        let (version, hierarchical) = match version_arg {
            Some(v) => match self.arg_literal(v) {
                Some(lit) => (Some(lit), None),
                None => (None, node_of(Some(v)).and_then(|n| self.string_dict(n))),
            },
            None => (None, None),
        };
        let classifier = node_of(keywords.get("classifier"))
            .and_then(|c| self.string_dict(c))
            .map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(k, v, _)| (k, v))
                    .collect::<Vec<_>>()
            });
        let config =
            node_of(keywords.get("versioning_config")).and_then(|c| self.config_of(c, scope));
        if let Some(pairs) = &hierarchical {
            for (key, value, pair_range) in pairs {
                if key.value == "root" {
                    continue;
                }
                out.push(Reference {
                    kind: RefKind::HierarchicalKey,
                    target: key.clone(),
                    base: RefBase::RootPromptFolder,
                    version: Some(value.clone()),
                    classifier: classifier.clone(),
                    hierarchical: None,
                    config: config.clone(),
                    add_version_at: None,
                    variables: Vec::new(),
                    range: pair_range.clone(),
                });
            }
        }
        out.push(Reference {
            kind: RefKind::PythonCall {
                function: api.name().to_string(),
            },
            target,
            base: RefBase::ProjectRoot,
            version,
            classifier,
            hierarchical: hierarchical
                .map(|pairs| pairs.into_iter().map(|(k, v, _)| (k, v)).collect()),
            config,
            add_version_at,
            variables,
            range,
        });
    }
}

/// A call's arguments as the scanner read them.
pub(super) struct CallArgs<'t> {
    /// Positional arguments up to the first `*args`.
    pub(super) positional: Vec<Arg<'t>>,
    /// Keyword arguments by name.
    pub(super) keywords: HashMap<&'t str, Arg<'t>>,
    /// See [`Reference::add_version_at`].
    pub(super) add_version_at: Option<usize>,
    /// See [`Reference::variables`].
    pub(super) variables: Vec<crate::references::PassedVariables>,
}

/// An argument of a call: an expression, or an unterminated string inside an ERROR node.
pub(super) enum Arg<'t> {
    Node(Node<'t>),
    Partial(Literal),
}
