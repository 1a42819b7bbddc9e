//! Imports and name binding: which local names mean promptic's functions or the
//! `promptic` module, every call and ERROR node with its scope, and `NAME = call(...)`
//! assignments per scope (pass 1).

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::literal::unparen;
use super::{Api, MAX_DEPTH, Scanner};

/// What local names mean.
#[derive(Default)]
pub(super) struct Imports {
    /// Local name -> promptic function or class (`from promptic import load_prompt as lp`).
    pub(super) names: HashMap<String, Api>,
    /// Local names bound to `promptic` or one of its submodules (`import promptic as pc`).
    pub(super) modules: HashSet<String>,
}

impl<'t> Scanner<'t> {
    pub(super) fn collect(&mut self) {
        let module = self.root.id();
        let mut stack = vec![(self.root, module)];
        while let Some((node, scope)) = stack.pop() {
            match node.kind() {
                "import_statement" => self.import(node),
                "import_from_statement" => self.import_from(node),
                "call" => {
                    self.calls.push((node, scope));
                    self.method_call(node);
                }
                "ERROR" => self.error_nodes.push((node, scope)),
                "assignment" => {
                    if let (Some(left), Some(right)) = (
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                    ) && left.kind() == "identifier"
                    {
                        let right = unparen(right);
                        let name = self.src(left).to_string();
                        self.bindings
                            .entry((scope, name.clone()))
                            .or_default()
                            .push(right);
                        if right.kind() == "call" {
                            self.assigned_name.insert(right.id(), name.clone());
                            self.assigns.insert((scope, name), right);
                        }
                    } else if let Some(left) = node.child_by_field_name("left") {
                        self.unsettle_targets(left);
                    }
                }
                "augmented_assignment" | "delete_statement" => {
                    if let Some(target) = node
                        .child_by_field_name("left")
                        .or_else(|| node.named_child(0))
                    {
                        self.unsettle_targets(target);
                    }
                }
                "for_statement" | "for_in_clause" => {
                    if let Some(left) = node.child_by_field_name("left") {
                        self.unsettle_targets(left);
                    }
                }
                "named_expression" | "as_pattern_target" | "global_statement"
                | "nonlocal_statement" => {
                    self.unsettle_targets(node);
                }
                "function_definition" | "lambda" => {
                    if let Some(params) = node.child_by_field_name("parameters") {
                        self.unsettle_targets(params);
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

    /// Marks every name a target expression binds or changes (`a, b`, `d[k]`, `d.x`,
    /// `*rest`, parameters) as unsettled: its value is not the one literal assigned to it.
    fn unsettle_targets(&mut self, target: Node<'t>) {
        let mut stack = vec![(target, 0)];
        while let Some((node, depth)) = stack.pop() {
            if depth > MAX_DEPTH {
                continue;
            }
            match node.kind() {
                "identifier" => {
                    self.unsettled.insert(self.src(node).to_string());
                }
                // `d[k]` / `d.x`: the object is changed; what is inside the subscript is read.
                "subscript" | "attribute" => {
                    if let Some(object) = node
                        .child_by_field_name("value")
                        .or_else(|| node.child_by_field_name("object"))
                    {
                        stack.push((object, depth + 1));
                    }
                }
                // A default value is read, not bound.
                "default_parameter" | "typed_default_parameter" | "keyword_argument" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        stack.push((name, depth + 1));
                    }
                }
                _ => {
                    let mut cursor = node.walk();
                    for child in node.named_children(&mut cursor) {
                        stack.push((child, depth + 1));
                    }
                }
            }
        }
    }

    /// A method call on a name (`d.update(…)`, `d.pop(…)`) may change what the name holds;
    /// only the methods that read a dict leave it settled.
    fn method_call(&mut self, call: Node<'t>) {
        const READERS: &[&str] = &[
            "get",
            "copy",
            "keys",
            "values",
            "items",
            "format",
            "format_map",
            "strip",
        ];
        let Some(f) = call.child_by_field_name("function") else {
            return;
        };
        if f.kind() != "attribute" {
            return;
        }
        let (Some(object), Some(method)) = (
            f.child_by_field_name("object"),
            f.child_by_field_name("attribute"),
        ) else {
            return;
        };
        if object.kind() == "identifier" && !READERS.contains(&self.src(method)) {
            self.unsettled.insert(self.src(object).to_string());
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
    pub(super) fn callee(&self, call: Node<'t>) -> Option<Api> {
        self.callee_of(call.child_by_field_name("function")?)
    }

    /// Which promptic name a function expression names.
    pub(super) fn callee_of(&self, f: Node<'t>) -> Option<Api> {
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
    pub(super) fn lookup(&self, scope: usize, name: &str) -> Option<Node<'t>> {
        self.assigns
            .get(&(scope, name.to_string()))
            .or_else(|| self.assigns.get(&(self.root.id(), name.to_string())))
            .copied()
    }
}
