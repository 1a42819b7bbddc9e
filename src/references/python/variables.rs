//! The variables a promptic call passes to its template (pass 4): `render(…, vars=…)` and
//! `.format(…)` on what `load_prompt(…)` returns. Only literals are read: a dict literal,
//! `dict(…)` with keyword arguments, keyword arguments, `**{…}`, or a NAME assigned one of
//! those exactly once. Anything else leaves the set incomplete, and the analysis then says
//! nothing about it.

use std::collections::HashMap;
use std::ops::Range;

use tree_sitter::Node;

use super::literal::unparen;
use super::{Api, Scanner};
use crate::references::{EntryStyle, Literal, PassedVariable, PassedVariables, VariablesVia};

/// How many `NAME` → value hops are followed (`a = {…}; b = a` is not followed further).
const MAX_HOPS: usize = 1;

/// Entries read so far from one or more literals.
struct Gathered {
    entries: Vec<PassedVariable>,
    complete: bool,
}

impl<'t> Scanner<'t> {
    /// The variables `call` (a complete call of `api`) passes: the `vars=` argument of
    /// `render`, the `.format(…)` calls made on the text a `load_prompt` returns.
    pub(super) fn passed_variables(
        &self,
        call: Node<'t>,
        scope: usize,
        api: Api,
        vars_arg: Option<Node<'t>>,
    ) -> Vec<PassedVariables> {
        match api {
            Api::Render => vars_arg
                .and_then(|v| self.vars_value(v, scope, v.byte_range()))
                .into_iter()
                .collect(),
            Api::LoadPrompt => self
                .format_calls(call, scope)
                .into_iter()
                .filter_map(|f| self.format_variables(f, scope))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `render(…, vars=VALUE)`: the variables VALUE holds, when it is (or names) a dict
    /// literal or a `dict(…)` call.
    fn vars_value(
        &self,
        value: Node<'t>,
        scope: usize,
        range: Range<usize>,
    ) -> Option<PassedVariables> {
        let (container, settled) = self.follow(value, scope)?;
        let (mut gathered, container, style) = match container.kind() {
            "dictionary" | "set" => (self.dict_entries(container), container, EntryStyle::DictKey),
            _ => {
                let args = container.child_by_field_name("arguments")?;
                (
                    self.keyword_entries(args, scope, false),
                    args,
                    EntryStyle::Keyword,
                )
            }
        };
        Some(self.finish(
            VariablesVia::RenderVars,
            gathered.take(settled),
            range,
            container,
            style,
        ))
    }

    /// The literal a value is, or the one literal a NAME is assigned in `scope` (else in
    /// the module), with whether nothing else may change it. `None` when it is no dict
    /// literal, set literal (a dict being typed) or `dict(…)` call.
    fn follow(&self, value: Node<'t>, scope: usize) -> Option<(Node<'t>, bool)> {
        let mut node = unparen(value);
        let mut settled = true;
        for _ in 0..=MAX_HOPS {
            match node.kind() {
                "dictionary" | "set" => return Some((node, settled)),
                "call" if self.is_dict_call(node) => return Some((node, settled)),
                "identifier" => {
                    let name = self.src(node);
                    let bound = self
                        .bindings
                        .get(&(scope, name.to_string()))
                        .or_else(|| self.bindings.get(&(self.root.id(), name.to_string())))?;
                    settled &= bound.len() == 1 && !self.unsettled.contains(name);
                    node = *bound.last()?;
                }
                _ => return None,
            }
        }
        None
    }

    /// `dict(…)` (the builtin's name, not shadowed by an assignment or import).
    fn is_dict_call(&self, call: Node<'t>) -> bool {
        call.child_by_field_name("function")
            .is_some_and(|f| f.kind() == "identifier" && self.src(f) == "dict")
            && !self.unsettled.contains("dict")
            && !self.dict_bound
            && !self.imports.names.contains_key("dict")
    }

    /// The `.format(…)` calls made on what the `load_prompt` call returns: chained
    /// (`load_prompt(…).format(…)`), or through the NAME it is assigned to once, in the
    /// same scope.
    fn format_calls(&self, call: Node<'t>, scope: usize) -> Vec<Node<'t>> {
        let is_format = |attribute: Node<'t>| is_format(self, attribute);
        // Chained: call -> attribute(object = call) -> call(function = attribute).
        let mut outer = call;
        while let Some(p) = outer
            .parent()
            .filter(|p| p.kind() == "parenthesized_expression")
        {
            outer = p;
        }
        if let Some(attribute) = outer.parent().filter(|a| is_format(*a))
            && attribute.child_by_field_name("object") == Some(outer)
            && let Some(format) = attribute.parent().filter(|c| c.kind() == "call")
        {
            return vec![format];
        }
        // Through a name: `text = load_prompt(…)` … `text.format(…)`.
        let Some(name) = self.assigned_name.get(&call.id()) else {
            return Vec::new();
        };
        let key = (scope, name.clone());
        let once = self.bindings.get(&key).is_some_and(|b| b.len() == 1);
        if !once || self.unsettled.contains(name.as_str()) {
            return Vec::new();
        }
        let Some(formats) = self.format_calls.get(&key) else {
            return Vec::new();
        };
        // In source order: those after the call are a suffix.
        let after = formats.partition_point(|c| c.start_byte() <= call.end_byte());
        formats[after..].to_vec()
    }

    /// Fills `format_calls` and `dict_bound` from `calls` and `bindings` (after `collect`).
    pub(super) fn index_format_calls(&mut self) {
        let mut formats: HashMap<(usize, String), Vec<Node<'t>>> = HashMap::new();
        for &(call, scope) in &self.calls {
            let Some(f) = call.child_by_field_name("function") else {
                continue;
            };
            if !is_format(self, f) {
                continue;
            }
            if let Some(object) = f.child_by_field_name("object")
                && object.kind() == "identifier"
            {
                formats
                    .entry((scope, self.src(object).to_string()))
                    .or_default()
                    .push(call);
            }
        }
        self.format_calls = formats;
        self.dict_bound = self.bindings.keys().any(|(_, n)| n == "dict");
    }

    /// The variables of one `.format(…)` call.
    fn format_variables(&self, format: Node<'t>, scope: usize) -> Option<PassedVariables> {
        let args = format.child_by_field_name("arguments")?;
        if args.kind() != "argument_list" {
            return None;
        }
        let gathered = self.keyword_entries(args, scope, true);
        Some(self.finish(
            VariablesVia::Format,
            gathered,
            args.byte_range(),
            args,
            EntryStyle::Keyword,
        ))
    }

    /// Entries of a dict literal (or of a set literal: a dict whose keys are being typed).
    fn dict_entries(&self, dict: Node<'t>) -> Gathered {
        let items = items(dict);
        let close = closing(self.text, dict);
        let mut out = Gathered {
            entries: Vec::new(),
            complete: dict.kind() == "dictionary" && !dict.has_error(),
        };
        for (i, item) in items.iter().enumerate() {
            let key = match item.kind() {
                "pair" => item.child_by_field_name("key"),
                "string" => Some(*item),
                _ => None,
            };
            match key.and_then(|k| self.literal(k)) {
                Some(key) => out.entries.push(PassedVariable {
                    key,
                    removal: removal(&items, i, close),
                }),
                None => out.complete = false,
            }
        }
        out
    }

    /// Entries of an argument list: keyword arguments, and the entries of `**{…}` /
    /// `**NAME`. Positional arguments are allowed only for `.format(…)` (they fill `{0}`);
    /// in `dict(…)` they make the set incomplete.
    fn keyword_entries(&self, args: Node<'t>, scope: usize, positional_ok: bool) -> Gathered {
        let items = items(args);
        let close = closing(self.text, args);
        let mut out = Gathered {
            entries: Vec::new(),
            complete: !args.has_error(),
        };
        for (i, item) in items.iter().enumerate() {
            match item.kind() {
                "keyword_argument" => match item.child_by_field_name("name") {
                    Some(name) => out.entries.push(PassedVariable {
                        key: Literal {
                            value: self.src(name).to_string(),
                            range: name.byte_range(),
                        },
                        removal: removal(&items, i, close),
                    }),
                    None => out.complete = false,
                },
                "dictionary_splat" => {
                    let inner = item.named_child(0);
                    match inner.and_then(|n| self.follow(n, scope)) {
                        Some((dict, settled)) if dict.kind() == "dictionary" => {
                            let mut g = self.dict_entries(dict);
                            out.entries.append(&mut g.entries);
                            out.complete &= g.complete && settled;
                        }
                        _ => out.complete = false,
                    }
                }
                "list_splat" if positional_ok => {}
                _ if positional_ok && !item.is_error() => {}
                _ => out.complete = false,
            }
        }
        out
    }

    /// The [`PassedVariables`] of entries written in `container`.
    fn finish(
        &self,
        via: VariablesVia,
        gathered: Gathered,
        range: Range<usize>,
        container: Node<'t>,
        style: EntryStyle,
    ) -> PassedVariables {
        let items = items(container);
        let (insert_at, insert_prefix) = match items.last() {
            None => (container.start_byte() + 1, String::new()),
            Some(last) => {
                let close = closing(self.text, container);
                let after = self.text.get(last.end_byte()..close).unwrap_or_default();
                if after.contains(',') && after.contains('\n') {
                    (last.end_byte(), format!(",\n{}", self.indent_of(*last)))
                } else {
                    (last.end_byte(), ", ".to_string())
                }
            }
        };
        PassedVariables {
            via,
            entries: gathered.entries,
            complete: gathered.complete,
            range,
            container: container.byte_range(),
            style,
            insert_at,
            insert_prefix,
        }
    }

    /// The whitespace that starts the line a node starts on.
    fn indent_of(&self, node: Node<'t>) -> String {
        let start = node.start_byte();
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        self.text[line_start..start]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    }
}

impl Gathered {
    /// The entries, incomplete unless the literal they came from is `settled`.
    fn take(&mut self, settled: bool) -> Gathered {
        Gathered {
            entries: std::mem::take(&mut self.entries),
            complete: self.complete && settled,
        }
    }
}

/// The named children of a literal or argument list other than comments.
fn items(container: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = container.walk();
    container
        .named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
        .collect()
}

/// Where a container's closing delimiter starts (its end when the delimiter is missing).
fn closing(text: &str, container: Node<'_>) -> usize {
    let end = container.end_byte();
    let last = container.child(container.child_count().saturating_sub(1));
    match last {
        Some(c)
            if !c.is_named() && !c.is_missing() && matches!(&text[c.byte_range()], ")" | "}") =>
        {
            c.start_byte()
        }
        _ => end,
    }
}

/// What deleting `items[i]` removes: up to the next item (its comma and the space after
/// it), else from the previous item's end (the comma before it), else up to the closing
/// delimiter (a trailing comma of the only item).
fn removal(items: &[Node<'_>], i: usize, close: usize) -> Range<usize> {
    let item = items[i];
    if let Some(next) = items.get(i + 1) {
        item.start_byte()..next.start_byte()
    } else if let Some(prev) = i.checked_sub(1).map(|p| items[p]) {
        prev.end_byte()..item.end_byte()
    } else {
        item.start_byte()..close.max(item.end_byte())
    }
}

/// `X.format` (an attribute named `format`).
fn is_format<'t>(scanner: &Scanner<'t>, attribute: Node<'t>) -> bool {
    attribute.kind() == "attribute"
        && attribute
            .child_by_field_name("attribute")
            .is_some_and(|a| scanner.src(a) == "format")
}
