//! promptic calls in Python (R-2), parsed with tree-sitter-python.
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
//! f-strings, implicit concatenation, calls) is skipped without a diagnostic (R-2).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use tree_sitter::{Node, Parser, Tree};

use super::{Literal, RefBase, RefKind, Reference, Scan};
use crate::config::{ConfigError, ConfigLayer, Raw, RawEntry, RawValue, python_kwargs_layer};

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

/// Scans a Python module for promptic calls (R-2).
pub fn scan_python(text: &str) -> Scan {
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return Scan::default();
    }
    let Some(tree) = parser.parse(text, None) else {
        return Scan::default();
    };
    Scanner::new(text, &tree).run()
}

/// What local names mean.
#[derive(Default)]
struct Imports {
    /// Local name -> promptic function or class (`from promptic import load_prompt as lp`).
    names: HashMap<String, Api>,
    /// Local names bound to `promptic` or one of its submodules (`import promptic as pc`).
    modules: HashSet<String>,
}

/// A string literal's parts.
struct StrLit {
    /// The content's byte range (inside prefix and quotes).
    content: Range<usize>,
    /// Whether escapes are left alone (`r"…"`).
    raw: bool,
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
            layers: HashMap::new(),
            classifiers_inline: HashSet::new(),
            errors: Vec::new(),
        }
    }

    fn run(mut self) -> Scan {
        self.collect();
        let calls: Vec<(Node<'t>, usize, Api)> = self
            .calls
            .iter()
            .filter_map(|&(call, scope)| Some((call, scope, self.callee(call)?)))
            .collect();

        // VersioningConfig(...) literals.
        let mut config_errors = Vec::new();
        for &(call, scope, api) in &calls {
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
        for &(call, scope, api) in &calls {
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

    // ----- pass 1 -----

    fn collect(&mut self) {
        let module = self.root.id();
        let mut stack = vec![(self.root, module)];
        while let Some((node, scope)) = stack.pop() {
            match node.kind() {
                "import_statement" => self.import(node),
                "import_from_statement" => self.import_from(node),
                "call" => self.calls.push((node, scope)),
                "ERROR" => self.error_nodes.push((node, scope)),
                "assignment" => {
                    if let (Some(left), Some(right)) = (
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                    ) && left.kind() == "identifier"
                    {
                        let right = unparen(right);
                        if right.kind() == "call" {
                            let name = self.src(left).to_string();
                            self.assigned_name.insert(right.id(), name.clone());
                            self.assigns.insert((scope, name), right);
                        }
                    }
                }
                _ => {}
            }
            let inner = if node.kind() == "function_definition" {
                node.id()
            } else {
                scope
            };
            let mut cursor = node.walk();
            let children: Vec<Node<'t>> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev().map(|c| (c, inner)));
        }
    }

    /// `import promptic`, `import promptic.sdk`, `import promptic as pc`, and imports that
    /// rebind a name to something else.
    fn import(&mut self, node: Node<'t>) {
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (module, local) = match name.kind() {
                "dotted_name" => {
                    let m = self.dotted(name);
                    let first = m.split('.').next().unwrap_or_default().to_string();
                    (m, first)
                }
                "aliased_import" => {
                    let Some(n) = name.child_by_field_name("name") else {
                        continue;
                    };
                    let Some(a) = name.child_by_field_name("alias") else {
                        continue;
                    };
                    (self.dotted(n), self.src(a).to_string())
                }
                _ => continue,
            };
            let is_promptic = module == "promptic" || module.starts_with("promptic.");
            // `import promptic.sdk` binds `promptic` itself.
            if is_promptic {
                self.imports.modules.insert(local.clone());
            } else {
                self.imports.modules.remove(&local);
            }
            self.imports.names.remove(&local);
        }
    }

    /// `from promptic[.sub] import name [as alias], …` and `from promptic import *`.
    fn import_from(&mut self, node: Node<'t>) {
        let Some(module) = node.child_by_field_name("module_name") else {
            return;
        };
        let module = if module.kind() == "dotted_name" {
            self.dotted(module)
        } else {
            String::new()
        };
        let is_promptic = module == "promptic" || module.starts_with("promptic.");
        let mut cursor = node.walk();
        let wildcard = node
            .children(&mut cursor)
            .any(|c| c.kind() == "wildcard_import");
        if wildcard {
            if is_promptic {
                for api in Api::ALL {
                    self.imports.names.insert(api.name().to_string(), api);
                }
            }
            return;
        }
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (imported, local) = match name.kind() {
                "dotted_name" => {
                    let n = self.dotted(name);
                    (n.clone(), n)
                }
                "aliased_import" => {
                    let Some(n) = name.child_by_field_name("name") else {
                        continue;
                    };
                    let Some(a) = name.child_by_field_name("alias") else {
                        continue;
                    };
                    (self.dotted(n), self.src(a).to_string())
                }
                _ => continue,
            };
            self.imports.names.remove(&local);
            self.imports.modules.remove(&local);
            if !is_promptic {
                continue;
            }
            match Api::from_name(&imported) {
                Some(api) => {
                    self.imports.names.insert(local, api);
                }
                // `from promptic import sdk`: possibly a submodule.
                None => {
                    self.imports.modules.insert(local);
                }
            }
        }
    }

    fn dotted(&self, node: Node<'t>) -> String {
        self.src(node)
            .split('.')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Which promptic name a call calls, if any: `name(...)`, `module.name(...)`,
    /// `module.sub.name(...)`.
    fn callee(&self, call: Node<'t>) -> Option<Api> {
        self.callee_of(call.child_by_field_name("function")?)
    }

    /// Which promptic name a function expression names.
    fn callee_of(&self, f: Node<'t>) -> Option<Api> {
        let f = unparen(f);
        match f.kind() {
            "identifier" => self.imports.names.get(self.src(f)).copied(),
            "attribute" => {
                let api = Api::from_name(self.src(f.child_by_field_name("attribute")?))?;
                let mut obj = unparen(f.child_by_field_name("object")?);
                for _ in 0..MAX_DEPTH {
                    match obj.kind() {
                        "identifier" => {
                            return self.imports.modules.contains(self.src(obj)).then_some(api);
                        }
                        "attribute" => obj = unparen(obj.child_by_field_name("object")?),
                        _ => return None,
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// The call a NAME in `scope` is assigned to (the scope first, then the module).
    fn lookup(&self, scope: usize, name: &str) -> Option<Node<'t>> {
        self.assigns
            .get(&(scope, name.to_string()))
            .or_else(|| self.assigns.get(&(self.root.id(), name.to_string())))
            .copied()
    }

    // ----- literal values -----

    fn src(&self, node: Node<'t>) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or_default()
    }

    /// A plain string literal (no f-string, no bytes, no concatenation).
    fn string(&self, node: Node<'t>) -> Option<StrLit> {
        let node = unparen(node);
        if node.kind() != "string" {
            return None;
        }
        let mut start = None;
        let mut end = None;
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "string_start" => start = Some(child),
                "string_end" if !child.is_missing() => end = Some(child),
                "interpolation" => return None,
                _ => {}
            }
        }
        let start = start?;
        let opening = self.src(start);
        let prefix: String = opening
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_lowercase();
        if prefix.contains(['f', 'b', 't']) {
            return None;
        }
        let content_start = start.end_byte();
        let mut content_end = match end {
            Some(e) => e.start_byte(),
            None => node.end_byte(),
        };
        if content_end < content_start {
            content_end = content_start;
        }
        // An unterminated string ends at the end of its line (best effort).
        if end.is_none() && !opening.ends_with("\"\"\"") && !opening.ends_with("'''") {
            let rest = self.text.get(content_start..content_end)?;
            if let Some(nl) = rest.find(['\n', '\r']) {
                content_end = content_start + nl;
            }
        }
        self.text.get(content_start..content_end)?;
        Some(StrLit {
            content: content_start..content_end,
            raw: prefix.contains('r'),
        })
    }

    fn literal(&self, node: Node<'t>) -> Option<Literal> {
        let s = self.string(node)?;
        Some(Literal {
            value: self.text[s.content.clone()].to_string(),
            range: s.content,
        })
    }

    /// A dict whose keys and values are all string literals (empty dicts too).
    fn string_dict(&self, node: Node<'t>) -> Option<Vec<(Literal, Literal, Range<usize>)>> {
        let node = unparen(node);
        if node.kind() != "dictionary" {
            return None;
        }
        let mut out = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "comment" => {}
                "pair" => {
                    let key = self.literal(child.child_by_field_name("key")?)?;
                    let value = self.literal(child.child_by_field_name("value")?)?;
                    out.push((key, value, child.byte_range()));
                }
                _ => return None,
            }
        }
        Some(out)
    }

    /// The keyword arguments of a call as table entries; the flag says whether every
    /// argument was a literal (values that are not are left out).
    fn kwargs(
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
    fn classifier_raw(
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
    fn value(
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
    fn config_of(&self, node: Node<'t>, scope: usize) -> Option<ConfigLayer> {
        let node = unparen(node);
        let call = match node.kind() {
            "call" => node,
            "identifier" => self.lookup(scope, self.src(node))?,
            _ => return None,
        };
        self.layers.get(&call.id()).cloned()
    }

    // ----- pass 4 -----

    fn reference(&self, call: Node<'t>, scope: usize, api: Api, out: &mut Vec<Reference>) {
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
    /// typing) are children of an ERROR node: `NAME ( arg , key = value …`. Best effort.
    fn error_calls(&self, error: Node<'t>, scope: usize, out: &mut Vec<Reference>) {
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
                positional,
                keywords,
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

    fn arg_literal(&self, arg: &Arg<'t>) -> Option<Literal> {
        match arg {
            Arg::Node(n) => self.literal(*n),
            Arg::Partial(l) => Some(l.clone()),
        }
    }

    fn build(
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
enum Arg<'t> {
    Node(Node<'t>),
    Partial(Literal),
}

/// The expression inside any parentheses.
fn unparen(mut node: Node<'_>) -> Node<'_> {
    for _ in 0..MAX_DEPTH {
        if node.kind() != "parenthesized_expression" {
            break;
        }
        let mut cursor = node.walk();
        let inner = node
            .named_children(&mut cursor)
            .find(|c| c.kind() != "comment");
        match inner {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// A Python int or float literal (`1_000`, `0x1f`, `1.5e3`).
fn number(text: &str) -> Option<f64> {
    let t: String = text
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let radix = |p: &str, r: u32| {
        t.strip_prefix(p)
            .and_then(|d| i64::from_str_radix(d, r).ok())
            .map(|n| n as f64)
    };
    radix("0x", 16)
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0b", 2))
        .or_else(|| t.parse::<i64>().ok().map(|n| n as f64))
        .or_else(|| t.parse::<f64>().ok().filter(|n| n.is_finite()))
}

/// Python's escapes in a non-raw string (`\\`, `\n`, `\x41`, `\u00e9`, line
/// continuations); unknown escapes keep their backslash, as Python does.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        let hex =
            |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize| -> Option<char> {
                let digits: String = (0..n)
                    .filter_map(|_| chars.next_if(|c| c.is_ascii_hexdigit()))
                    .collect();
                if digits.len() != n {
                    return None;
                }
                u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
            };
        match e {
            '\n' => {}
            '\r' => {
                chars.next_if_eq(&'\n');
            }
            '\\' | '\'' | '"' => out.push(e),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0'..='7' => {
                let mut n = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.next_if(|c| c.is_digit(8)) {
                        Some(d) => n = n * 8 + d.to_digit(8).unwrap_or(0),
                        None => break,
                    }
                }
                out.push(char::from_u32(n).unwrap_or('\u{fffd}'));
            }
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                match hex(&mut chars, n) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigErrorKind;

    const IMPORT: &str = "from promptic import load_prompt, render, export_version\n";

    fn refs(text: &str) -> Vec<Reference> {
        scan_python(text).references
    }

    fn calls(text: &str) -> Vec<Reference> {
        refs(text)
            .into_iter()
            .filter(|r| matches!(r.kind, RefKind::PythonCall { .. }))
            .collect()
    }

    fn function(r: &Reference) -> &str {
        match &r.kind {
            RefKind::PythonCall { function } => function,
            _ => "",
        }
    }

    /// The literal's range holds exactly its value.
    fn check(text: &str, lit: &Literal) {
        assert_eq!(
            &text[lit.range.clone()],
            lit.value,
            "range {:?} in {text:?}",
            lit.range
        );
    }

    #[test]
    fn imported_names_and_aliases() {
        let text = format!(
            "{IMPORT}load_prompt(\"a.md\")\nrender(\"b.md\", {{}})\nexport_version(\"c.md\", \"v2\", \"out\")\n"
        );
        let r = calls(&text);
        assert_eq!(
            r.iter().map(function).collect::<Vec<_>>(),
            ["load_prompt", "render", "export_version"]
        );
        assert_eq!(
            r.iter()
                .map(|r| r.target.value.as_str())
                .collect::<Vec<_>>(),
            ["a.md", "b.md", "c.md"]
        );
        assert!(r.iter().all(|r| r.base == RefBase::ProjectRoot));
        assert_eq!(r[2].version.as_ref().unwrap().value, "v2");
        for x in &r {
            check(&text, &x.target);
            assert!(text[x.range.clone()].starts_with(function(x)));
            assert!(text[x.range.clone()].ends_with(')'));
        }

        let text = "from promptic import load_prompt as lp\nlp('x.md')\nload_prompt('y.md')\n";
        let r = calls(text);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (function(&r[0]), r[0].target.value.as_str()),
            ("load_prompt", "x.md")
        );
    }

    #[test]
    fn module_imports_and_submodules() {
        let text = "import promptic\nimport promptic as pc\nfrom promptic.sdk import render as r2\nimport promptic.sdk as sdk\n\
                    promptic.load_prompt('a')\npc.render('b')\nr2('c')\nsdk.export_version('d', 'v1', 'o')\npromptic.sdk.load_prompt('e')\n";
        let r = calls(text);
        let got: Vec<(&str, &str)> = r
            .iter()
            .map(|r| (function(r), r.target.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("load_prompt", "a"),
                ("render", "b"),
                ("render", "c"),
                ("export_version", "d"),
                ("load_prompt", "e")
            ]
        );
        let r = calls("from promptic import *\nload_prompt('w')\n");
        assert_eq!(r[0].target.value, "w");
    }

    #[test]
    fn names_not_from_promptic_are_ignored() {
        assert!(refs("load_prompt('a.md')\nrender('b.md')\n").is_empty());
        assert!(refs("from jinja2 import render\nimport other as pc\nrender('a')\npc.load_prompt('b')\nx.load_prompt('c')\n").is_empty());
        // A later import rebinds the name.
        assert!(
            refs("from promptic import render\nfrom flask import render\nrender('a')\n").is_empty()
        );
        assert!(refs("from promptic_extra import load_prompt\nload_prompt('a')\n").is_empty());
    }

    #[test]
    fn keyword_and_positional_forms() {
        let text = format!(
            "{IMPORT}load_prompt(path='a.md', version='v1', classifier={{'lang': 'ru'}})\n\
             export_version(source_path='b.md', version_spec='v3', target_dir='out')\n\
             export_version('c.md', 'latest', 'out', classifier={{'tone': 'formal'}})\n"
        );
        let r = calls(&text);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].target.value, "a.md");
        assert_eq!(r[0].version.as_ref().unwrap().value, "v1");
        assert_eq!(
            r[0].classifier_map()
                .unwrap()
                .get("lang")
                .map(String::as_str),
            Some("ru")
        );
        assert_eq!(
            (
                r[1].target.value.as_str(),
                r[1].version.as_ref().unwrap().value.as_str()
            ),
            ("b.md", "v3")
        );
        assert_eq!(
            (
                r[2].target.value.as_str(),
                r[2].version.as_ref().unwrap().value.as_str()
            ),
            ("c.md", "latest")
        );
        for x in &r {
            check(&text, &x.target);
            check(&text, x.version.as_ref().unwrap());
        }
        // A positional second argument of load_prompt/render is not the version.
        let r = calls(&format!("{IMPORT}render('a.md', 'v2')\n"));
        assert_eq!(r[0].version, None);
    }

    #[test]
    fn multi_line_calls_in_functions_and_classes() {
        let text = format!(
            "{IMPORT}\nclass A:\n    def f(self):\n        return wrap(\n            load_prompt(\n                # the prompt\n                \"deep/p.md\",\n                version=\"v2\",\n            )\n        )\n"
        );
        let r = calls(&text);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].target.value, "deep/p.md");
        assert_eq!(r[0].version.as_ref().unwrap().value, "v2");
        assert!(
            text[r[0].range.clone()].starts_with("load_prompt(")
                && text[r[0].range.clone()].ends_with(')')
        );
        check(&text, &r[0].target);
    }

    #[test]
    fn string_forms() {
        let text = format!(
            "{IMPORT}load_prompt(\"\"\"tri.md\"\"\")\nload_prompt('''t2.md''')\nload_prompt(r\"raw\\p.md\")\nload_prompt(R'R.md')\nload_prompt(u\"u.md\")\nload_prompt((\"par.md\"))\n"
        );
        let r = calls(&text);
        let got: Vec<&str> = r.iter().map(|r| r.target.value.as_str()).collect();
        assert_eq!(
            got,
            ["tri.md", "t2.md", "raw\\p.md", "R.md", "u.md", "par.md"]
        );
        for x in &r {
            check(&text, &x.target);
        }
    }

    #[test]
    fn run_time_arguments_are_skipped() {
        let text = format!(
            "{IMPORT}load_prompt(f\"{{name}}.md\")\nload_prompt(f\"plain.md\")\nload_prompt(name)\nload_prompt(\"a\" \"b\")\nload_prompt(b\"x.md\")\n\
             load_prompt(get())\nload_prompt(\"ok.md\", version=f\"v{{n}}\", classifier=tags)\n"
        );
        let r = calls(&text);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].target.value, "ok.md");
        assert_eq!(r[0].version, None);
        assert_eq!(r[0].classifier, None);
        assert!(scan_python(&text).config_errors.is_empty());
    }

    #[test]
    fn hierarchical_version_dict() {
        let text = format!(
            "{IMPORT}load_prompt(\"task/root.md\", version={{\"root\": \"v1\", \"instructions/process\": \"v2\"}}, classifier={{\"lang\": \"en\"}})\n"
        );
        let r = refs(&text);
        assert_eq!(r.len(), 2);
        assert!(matches!(r[0].kind, RefKind::PythonCall { .. }));
        let h = r[0].hierarchical.as_ref().unwrap();
        assert_eq!(
            h.iter()
                .map(|(k, v)| (k.value.as_str(), v.value.as_str()))
                .collect::<Vec<_>>(),
            [("root", "v1"), ("instructions/process", "v2")]
        );
        assert_eq!(r[0].version, None);
        let key = &r[1];
        assert_eq!(key.kind, RefKind::HierarchicalKey);
        assert_eq!(key.base, RefBase::RootPromptFolder);
        assert_eq!(key.target.value, "instructions/process");
        assert_eq!(key.version.as_ref().unwrap().value, "v2");
        assert_eq!(key.classifier, r[0].classifier);
        assert_eq!(&text[key.range.clone()], "\"instructions/process\": \"v2\"");
        check(&text, &key.target);
        check(&text, key.version.as_ref().unwrap());
    }

    #[test]
    fn classifier_dicts() {
        let text = format!(
            "{IMPORT}load_prompt('a', classifier={{'lang': 'ru', 'tone': 'formal'}})\nload_prompt('b', classifier={{}})\n\
             load_prompt('c', classifier={{'lang': x}})\nload_prompt('d', classifier={{'lang': ''}})\n"
        );
        let r = calls(&text);
        assert_eq!(r[0].classifier.as_ref().unwrap().len(), 2);
        for (k, v) in r[0].classifier.as_ref().unwrap() {
            check(&text, k);
            check(&text, v);
        }
        assert_eq!(r[1].classifier, Some(vec![]));
        assert_eq!(r[2].classifier, None);
        let (k, v) = &r[3].classifier.as_ref().unwrap()[0];
        assert_eq!(k.value, "lang");
        assert_eq!(v.value, "");
        assert!(v.range.is_empty());
        assert_eq!(&text[v.range.start - 1..v.range.start + 1], "''");
    }

    #[test]
    fn empty_literals_sit_between_the_quotes() {
        let text = format!("{IMPORT}load_prompt(\"\", version=\"\")\n");
        let r = calls(&text);
        assert_eq!(r.len(), 1);
        let t = &r[0].target;
        let v = r[0].version.as_ref().unwrap();
        for lit in [t, v] {
            assert_eq!(lit.value, "");
            assert!(lit.range.is_empty());
            assert_eq!(&text[lit.range.start - 1..lit.range.start + 1], "\"\"");
        }
    }

    #[test]
    fn versioning_config_errors_have_spans() {
        let text =
            "from promptic import VersioningConfig\nCFG = VersioningConfig(delimiter=\"+\")\n";
        let scan = scan_python(text);
        assert_eq!(scan.config_errors.len(), 1);
        let e = &scan.config_errors[0];
        assert_eq!(e.kind, ConfigErrorKind::InvalidConfig);
        assert_eq!(&text[e.span.clone().unwrap()], "\"+\"");

        let text = "import promptic as pc\npc.VersioningConfig(version_pattern=r\"v(\\d+\")\n";
        let scan = scan_python(text);
        assert_eq!(scan.config_errors.len(), 1);
        assert_eq!(
            scan.config_errors[0].kind,
            ConfigErrorKind::InvalidVersionPattern
        );
        assert_eq!(
            &text[scan.config_errors[0].span.clone().unwrap()],
            "r\"v(\\d+\""
        );

        // Escapes of non-raw strings are read as Python reads them.
        let text = "from promptic import VersioningConfig\nVersioningConfig(version_pattern=\"_v(?P<major>\\\\d+)\")\n";
        assert!(scan_python(text).config_errors.is_empty());

        let text = "from promptic import VersioningConfig\nVersioningConfig(delimiters=['-', '.'], colour='red', include_prerelease=opts.pre)\n";
        let scan = scan_python(text);
        assert_eq!(scan.config_errors.len(), 1, "{:?}", scan.config_errors);
        assert_eq!(&text[scan.config_errors[0].span.clone().unwrap()], "colour");

        // Not from promptic: not validated.
        assert!(
            scan_python("VersioningConfig(delimiter='+')\n")
                .config_errors
                .is_empty()
        );
    }

    #[test]
    fn classifier_config_literals() {
        let text = "from promptic.config import VersioningConfig, ClassifierConfig\n\
                    LANG = ClassifierConfig(values=['en', 'ru'], default='de')\n\
                    CFG = VersioningConfig(delimiter='-', classifiers={'lang': LANG, 'tone': ClassifierConfig(values=['formal'], default='x')})\n";
        let scan = scan_python(text);
        let spans: Vec<&str> = scan
            .config_errors
            .iter()
            .map(|e| &text[e.span.clone().unwrap()])
            .collect();
        // Each problem once, where it stands.
        assert_eq!(spans, ["'de'", "'x'"], "{:?}", scan.config_errors);

        let text = "from promptic import VersioningConfig as VC, ClassifierConfig as CC, load_prompt\n\
                    CFG = VC(delimiters=['-'], include_prerelease=True, classifiers={'lang': CC(values=['en', 'ru'], default='en')})\n\
                    load_prompt('a', versioning_config=CFG)\n";
        let scan = scan_python(text);
        assert!(scan.config_errors.is_empty(), "{:?}", scan.config_errors);
        let layer = scan.references[0].config.clone().unwrap();
        assert_eq!(layer.delimiters, Some(vec!['-']));
        assert_eq!(layer.include_prerelease, Some(true));
        let lang = &layer.classifiers.as_ref().unwrap()["lang"];
        assert_eq!(
            (lang.values.clone(), lang.default.as_str()),
            (vec!["en".to_string(), "ru".to_string()], "en")
        );
    }

    #[test]
    fn versioning_config_name_and_inline_apply() {
        let text = format!(
            "{IMPORT}from promptic import VersioningConfig\nCFG = VersioningConfig(delimiter='-', version_pattern=None)\n\
             def f():\n    load_prompt('a', versioning_config=CFG)\n\
             render('b', versioning_config=VersioningConfig(delimiter='.'))\nrender('c', versioning_config=OTHER)\n"
        );
        let r = calls(&text);
        let a = r[0].config.clone().unwrap();
        assert_eq!(a.delimiter, Some('-'));
        assert_eq!(a.version_pattern, Some(None));
        assert_eq!(r[1].config.as_ref().unwrap().delimiter, Some('.'));
        assert_eq!(r[2].config, None);
    }

    #[test]
    fn syntax_errors_elsewhere() {
        let text = format!(
            "{IMPORT}def broken(:\n    pass\nload_prompt('good.md', version='v1')\nx = [1, 2\nclass :\nrender(\"also.md\")\n"
        );
        let r = calls(&text);
        let targets: Vec<&str> = r.iter().map(|r| r.target.value.as_str()).collect();
        assert!(targets.contains(&"good.md"), "{r:#?}");
        for x in &r {
            check(&text, &x.target);
        }
    }

    #[test]
    fn unfinished_calls_are_read_best_effort() {
        let text = format!("{IMPORT}load_prompt(\"p\", version=\"v\n");
        let r = calls(&text);
        assert_eq!(r[0].target.value, "p");
        assert_eq!(r[0].version.as_ref().unwrap().value, "v");
        check(&text, r[0].version.as_ref().unwrap());

        let text = format!("{IMPORT}load_prompt(\"pro\nx = 1\n");
        let r = calls(&text);
        assert_eq!(r[0].target.value, "pro");
        check(&text, &r[0].target);
    }

    #[test]
    fn non_ascii_before_calls() {
        let text = format!(
            "# Привет, мир 🌍\n{IMPORT}s = \"ёжик 🦔\"\nload_prompt(\"подсказки/привет.md\", version=\"v1\", classifier={{\"язык\": \"ру\"}})\n"
        );
        let r = calls(&text);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].target.value, "подсказки/привет.md");
        check(&text, &r[0].target);
        check(&text, r[0].version.as_ref().unwrap());
        let (k, v) = &r[0].classifier.as_ref().unwrap()[0];
        check(&text, k);
        check(&text, v);
        assert!(text[r[0].range.clone()].starts_with("load_prompt("));
    }

    #[test]
    fn never_panics() {
        let samples = [
            "",
            "(",
            "\"",
            "'''",
            "from promptic import",
            "from promptic import load_prompt\nload_prompt(",
            "from promptic import load_prompt\nload_prompt(\"",
            "from promptic import load_prompt\nload_prompt('a', version={",
            "from promptic import load_prompt\nload_prompt(r'\\",
            "from promptic import *\nload_prompt(f'{', version='🦔",
            "from promptic import VersioningConfig\nVersioningConfig(delimiter='\\x', delimiters=[[[[]]]], classifiers={1: 2})",
            "import promptic as pc\npc.(\"a\")\npc.load_prompt(*a, 'x')",
            "\u{feff}from promptic import load_prompt\nload_prompt('é' 'ü')",
        ];
        for s in samples {
            for cut in 0..=s.len() {
                if s.is_char_boundary(cut) {
                    let scan = scan_python(&s[..cut]);
                    for r in &scan.references {
                        check(&s[..cut], &r.target);
                    }
                }
            }
        }
        let deep = format!(
            "from promptic import VersioningConfig\nVersioningConfig(delimiters={}{})",
            "[".repeat(3000),
            "]".repeat(3000)
        );
        let _ = scan_python(&deep);
    }

    #[test]
    fn unescape_and_numbers() {
        assert_eq!(unescape(r"a\\b\n\x41\u00e9\q"), "a\\b\nAé\\q");
        assert_eq!(number("1_000"), Some(1000.0));
        assert_eq!(number("0x1f"), Some(31.0));
        assert_eq!(number("1.5e1"), Some(15.0));
        assert_eq!(number("2j"), None);
    }
}
