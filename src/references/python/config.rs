//! `VersioningConfig(...)` and `ClassifierConfig(...)` literals (R-2, V-7): read as
//! [`Raw`] value trees, validated where they stand, and the layers the calls that pass
//! them apply.

use std::ops::Range;

use tree_sitter::Node;

use super::literal::{number, unescape, unparen};
use super::{Api, MAX_DEPTH, Scanner};
use crate::config::{ConfigLayer, Raw, RawEntry, RawValue, python_kwargs_layer};

impl<'t> Scanner<'t> {
    /// Passes 2 and 3: every `VersioningConfig(...)` literal becomes a layer (validated in
    /// place); `ClassifierConfig(...)` literals no `VersioningConfig(...)` holds inline are
    /// validated on their own.
    pub(super) fn config_literals(&mut self, calls: &[(Node<'t>, usize, Api)]) {
        // VersioningConfig(...) literals.
        let mut config_errors = Vec::new();
        for &(call, scope, api) in calls {
            if api == Api::VersioningConfig {
                let mut inline = Vec::new();
                let (entries, _) = self.kwargs(call, scope, 0, &mut inline);
                let raw = Raw {
                    value: RawValue::Table(entries),
                    span: Some(call.byte_range()),
                };
                let (layer, errors) = python_kwargs_layer(&raw);
                self.classifiers_inline.extend(inline);
                self.layers.insert(call.id(), layer);
                config_errors.extend(errors);
            }
        }

        // ClassifierConfig(...) literals on their own (or held by NAME).
        let mut standalone: Vec<Range<usize>> = Vec::new();
        for &(call, scope, api) in calls {
            if api != Api::ClassifierConfig || self.classifiers_inline.contains(&call.id()) {
                continue;
            }
            let Some(raw) = self.classifier_raw(call, scope, 0, &mut Vec::new()) else {
                continue;
            };
            let name = match raw.get("name").map(|e| &e.value.value) {
                Some(RawValue::Str(s)) => s.clone(),
                _ => self
                    .assigned_name
                    .get(&call.id())
                    .cloned()
                    .unwrap_or_else(|| "classifier".into()),
            };
            let table = Raw {
                value: RawValue::Table(vec![RawEntry {
                    key: "classifiers".into(),
                    key_span: None,
                    value: Raw {
                        value: RawValue::Table(vec![RawEntry {
                            key: name,
                            key_span: None,
                            value: raw,
                        }]),
                        span: Some(call.byte_range()),
                    },
                }]),
                span: Some(call.byte_range()),
            };
            let (_, errors) = python_kwargs_layer(&table);
            self.errors.extend(errors);
            standalone.push(call.byte_range());
        }
        // A classifier held by NAME is reported where it stands, once.
        config_errors.retain(|e| {
            !e.span.as_ref().is_some_and(|s| {
                standalone
                    .iter()
                    .any(|r| r.start <= s.start && s.end <= r.end)
            })
        });
        self.errors.extend(config_errors);
    }

    /// The keyword arguments of a call as table entries; the flag says whether every
    /// argument was a literal (values that are not are left out).
    pub(super) fn kwargs(
        &self,
        call: Node<'t>,
        scope: usize,
        depth: usize,
        inline: &mut Vec<usize>,
    ) -> (Vec<RawEntry>, bool) {
        let mut entries = Vec::new();
        let mut all = true;
        let Some(args) = call.child_by_field_name("arguments") else {
            return (entries, false);
        };
        if args.kind() != "argument_list" {
            return (entries, false);
        }
        let mut cursor = args.walk();
        for arg in args.named_children(&mut cursor) {
            match arg.kind() {
                "comment" => {}
                "keyword_argument" => {
                    let (Some(name), Some(value)) = (
                        arg.child_by_field_name("name"),
                        arg.child_by_field_name("value"),
                    ) else {
                        all = false;
                        continue;
                    };
                    let mut held = Vec::new();
                    match self.value(value, scope, depth + 1, &mut held) {
                        Some(raw) => {
                            inline.extend(held);
                            entries.push(RawEntry {
                                key: self.src(name).to_string(),
                                key_span: Some(name.byte_range()),
                                value: raw,
                            });
                        }
                        None => all = false,
                    }
                }
                _ => all = false,
            }
        }
        (entries, all)
    }

    /// A `ClassifierConfig(...)` call as a table, when every argument is a literal.
    pub(super) fn classifier_raw(
        &self,
        call: Node<'t>,
        scope: usize,
        depth: usize,
        inline: &mut Vec<usize>,
    ) -> Option<Raw> {
        let mut held = Vec::new();
        let (entries, all) = self.kwargs(call, scope, depth, &mut held);
        if !all {
            return None;
        }
        inline.extend(held);
        Some(Raw {
            value: RawValue::Table(entries),
            span: Some(call.byte_range()),
        })
    }

    /// A Python literal as a config value: strings, numbers, booleans, `None`, lists,
    /// tuples, dicts with string keys, and `ClassifierConfig(...)` calls (inline, or a
    /// NAME assigned one). `inline` collects the classifier calls used inline.
    pub(super) fn value(
        &self,
        node: Node<'t>,
        scope: usize,
        depth: usize,
        inline: &mut Vec<usize>,
    ) -> Option<Raw> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = unparen(node);
        let span = Some(node.byte_range());
        let value = match node.kind() {
            "string" => {
                let s = self.string(node)?;
                let content = &self.text[s.content];
                RawValue::Str(if s.raw {
                    content.to_string()
                } else {
                    unescape(content)
                })
            }
            "true" => RawValue::Bool(true),
            "false" => RawValue::Bool(false),
            "none" => RawValue::Null,
            "integer" | "float" => RawValue::Number(number(self.src(node))?),
            "unary_operator" => {
                let arg = unparen(node.child_by_field_name("argument")?);
                if !matches!(arg.kind(), "integer" | "float") {
                    return None;
                }
                let n = number(self.src(arg))?;
                match self.src(node).trim_start().chars().next()? {
                    '-' => RawValue::Number(-n),
                    '+' => RawValue::Number(n),
                    _ => return None,
                }
            }
            "list" | "tuple" => {
                let mut items = Vec::new();
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() != "comment" {
                        items.push(self.value(child, scope, depth + 1, inline)?);
                    }
                }
                RawValue::Array(items)
            }
            "dictionary" => {
                let mut entries = Vec::new();
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    match child.kind() {
                        "comment" => {}
                        "pair" => {
                            let key = child.child_by_field_name("key")?;
                            let key_lit = self.string(key)?;
                            let key_text = &self.text[key_lit.content];
                            let key_text = if key_lit.raw {
                                key_text.to_string()
                            } else {
                                unescape(key_text)
                            };
                            let v = self.value(
                                child.child_by_field_name("value")?,
                                scope,
                                depth + 1,
                                inline,
                            )?;
                            entries.push(RawEntry {
                                key: key_text,
                                key_span: Some(unparen(key).byte_range()),
                                value: v,
                            });
                        }
                        _ => return None,
                    }
                }
                RawValue::Table(entries)
            }
            "call" => {
                if self.callee(node)? != Api::ClassifierConfig {
                    return None;
                }
                let raw = self.classifier_raw(node, scope, depth, inline)?;
                inline.push(node.id());
                return Some(raw);
            }
            "identifier" => {
                let target = self.lookup(scope, self.src(node))?;
                if self.callee(target)? != Api::ClassifierConfig {
                    return None;
                }
                // Reported where it stands; not marked inline.
                return self.classifier_raw(target, scope, depth + 1, &mut Vec::new());
            }
            _ => return None,
        };
        Some(Raw { value, span })
    }

    /// The layer a `versioning_config=` argument applies: an inline `VersioningConfig(...)`
    /// literal or a NAME assigned one.
    pub(super) fn config_of(&self, node: Node<'t>, scope: usize) -> Option<ConfigLayer> {
        let node = unparen(node);
        let call = match node.kind() {
            "call" => node,
            "identifier" => self.lookup(scope, self.src(node))?,
            _ => return None,
        };
        self.layers.get(&call.id()).cloned()
    }
}
