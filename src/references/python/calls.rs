//! promptic calls (pass 4): `load_prompt` / `render` / `export_version` with literal
//! arguments become [`Reference`]s.

use std::collections::HashMap;
use std::ops::Range;

use tree_sitter::Node;

use super::{Api, Scanner};
use crate::references::{Literal, RefBase, RefKind, Reference};

impl<'t> Scanner<'t> {
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
        let mut keywords: HashMap<&'t str, Arg<'t>> = HashMap::new();
        let mut cursor = args.walk();
        for arg in args.named_children(&mut cursor) {
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
                "dictionary_splat" => {}
                _ if arg.is_error() => {}
                _ if !splat => positional.push(Arg::Node(arg)),
                _ => {}
            }
        }
        self.build(api, scope, call.byte_range(), positional, keywords, out);
    }

    /// Calls the parser could not finish (an unterminated string or a missing `)` while

    pub(super) fn arg_literal(&self, arg: &Arg<'t>) -> Option<Literal> {
        match arg {
            Arg::Node(n) => self.literal(*n),
            Arg::Partial(l) => Some(l.clone()),
        }
    }

    pub(super) fn build(
        &self,
        api: Api,
        scope: usize,
        range: Range<usize>,
        positional: Vec<Arg<'t>>,
        keywords: HashMap<&'t str, Arg<'t>>,
        out: &mut Vec<Reference>,
    ) {
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
            range,
        });
    }
}

/// An argument of a call: an expression, or an unterminated string inside an ERROR node.
pub(super) enum Arg<'t> {
    Node(Node<'t>),
    Partial(Literal),
}
