//! Calls the parser could not finish (an unterminated string, a missing `)` while the
//! user types): tree-sitter leaves their tokens as children of an ERROR node, and the
//! call is read back from those tokens, best effort.

use std::collections::HashMap;

use tree_sitter::Node;

use super::calls::{Arg, CallArgs};
use super::{Api, Scanner};
use crate::references::{Literal, Reference};

impl<'t> Scanner<'t> {
    /// typing) are children of an ERROR node: `NAME ( arg , key = value …`. Best effort.
    pub(super) fn error_calls(&self, error: Node<'t>, scope: usize, out: &mut Vec<Reference>) {
        let mut cursor = error.walk();
        let children: Vec<Node<'t>> = error.children(&mut cursor).collect();
        let mut i = 0;
        while i + 1 < children.len() {
            let (f, open) = (children[i], children[i + 1]);
            let api = match f.kind() {
                "identifier" | "attribute" if open.kind() == "(" => self.callee_of(f),
                _ => None,
            };
            let Some(api @ (Api::LoadPrompt | Api::Render | Api::ExportVersion)) = api else {
                i += 1;
                continue;
            };
            let mut segments: Vec<Vec<Node<'t>>> = vec![Vec::new()];
            let mut end = open.end_byte();
            let mut j = i + 2;
            while j < children.len() {
                let c = children[j];
                j += 1;
                match c.kind() {
                    ")" => {
                        end = c.end_byte();
                        break;
                    }
                    "," => segments.push(Vec::new()),
                    "comment" => {}
                    _ => {
                        if let Some(seg) = segments.last_mut() {
                            seg.push(c);
                        }
                    }
                }
                end = c.end_byte();
            }
            let mut positional = Vec::new();
            let mut keywords = HashMap::new();
            for seg in &segments {
                let Some(&first) = seg.first() else { continue };
                if first.kind() == "keyword_argument" {
                    if let (Some(n), Some(v)) = (
                        first.child_by_field_name("name"),
                        first.child_by_field_name("value"),
                    ) {
                        keywords.insert(self.src(n), Arg::Node(v));
                    }
                } else if first.kind() == "identifier"
                    && seg.get(1).is_some_and(|c| c.kind() == "=")
                {
                    if let Some(v) = self.error_arg(&seg[2..]) {
                        keywords.insert(self.src(first), v);
                    }
                } else if let Some(v) = self.error_arg(seg) {
                    positional.push(v);
                }
            }
            self.build(
                api,
                scope,
                f.start_byte()..end.max(f.end_byte()),
                CallArgs {
                    positional,
                    keywords,
                    add_version_at: None,
                    variables: Vec::new(),
                },
                out,
            );
            i = j.max(i + 1);
        }
    }

    /// One argument inside an ERROR node: a whole expression, or an unterminated string
    /// (its content runs to the end of the line).
    fn error_arg(&self, seg: &[Node<'t>]) -> Option<Arg<'t>> {
        let mut first = *seg.first()?;
        // `"abc` may sit in an ERROR of its own.
        if first.is_error() && first.child(0).is_some_and(|c| c.kind() == "string_start") {
            first = first.child(0)?;
        }
        if first.kind() != "string_start" {
            return Some(Arg::Node(first));
        }
        let opening = self.src(first);
        if opening
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .any(|c| matches!(c.to_ascii_lowercase(), 'f' | 'b' | 't'))
        {
            return None;
        }
        let start = first.end_byte();
        let rest = self.text.get(start..)?;
        let len = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let rest = &rest[..len];
        Some(Arg::Partial(Literal {
            value: rest.to_string(),
            range: start..start + rest.len(),
        }))
    }
}
