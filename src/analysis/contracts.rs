//! Variable contracts: the names a Python call passes to a template against the
//! `{{variables}}` of the version the call resolves to.
//!
//! `render(…, vars=…)` renders the whole network — the prompt and every prompt it
//! includes — and applies promptic's scoped keys: `name` to every node, `node.name` to
//! the nodes of that node name, `root.dir.node.name` to the node at that hierarchical path
//! and below (promptic's `ScopeResolver`; node names and paths as its `_extract_node_name`
//! and `_build_hierarchical_path` make them). `.format(…)` on what `load_prompt(…)`
//! returns fills the loaded file only.
//!
//! Nothing is said when a passed set is not statically known (`**kwargs` from elsewhere),
//! when a call passes no variables at all (it wants the template itself), or when a
//! template cannot be read whole (too large, binary, not a regular file).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::{ResolvedRef, is_jinja, variables};
use crate::diagnostics::{Code, Diagnostic, Fix};
use crate::index::Index;
use crate::references::{EntryStyle, PassedVariables, RefKind, VariablesVia, scan_file};

/// Most prompts of one rendered network that are read (promptic's default depth is
/// smaller; this bounds a hostile tree of links).
const MAX_NODES: usize = 256;

/// One prompt file of a rendered network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateNode {
    /// Its absolute path.
    pub path: PathBuf,
    /// promptic's node name: the file stem without a `_v1[.2[.3]]` suffix, with every
    /// character other than ASCII letters, digits and `_` made `_` (`task_en_v2.md` ->
    /// `task_en`).
    pub name: String,
    /// promptic's hierarchical path: the root's node name, then the folders from the
    /// root's folder, then the node name (`root.group.instructions`).
    pub hierarchical_path: String,
    /// The variables its text uses, sorted.
    pub variables: Vec<String>,
    /// Its text (capped like every read of analysis; only whole files are nodes).
    pub text: String,
}

/// What a passed key means in promptic (its `ScopeResolver.parse_variable_name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableScope<'k> {
    /// `name`: every node.
    Simple {
        /// The variable.
        name: &'k str,
    },
    /// `node.name`: nodes with that node name.
    Node {
        /// The node name.
        node: &'k str,
        /// The variable.
        name: &'k str,
    },
    /// `root.group.node.name`: the node at that path and the nodes below it.
    Path {
        /// The hierarchical path.
        path: &'k str,
        /// The variable.
        name: &'k str,
    },
}

impl<'k> VariableScope<'k> {
    /// Splits a key on `.` as promptic does: one part is simple, two are node-scoped,
    /// more are path-scoped.
    pub fn parse(key: &'k str) -> VariableScope<'k> {
        match key.rsplit_once('.') {
            None => VariableScope::Simple { name: key },
            Some((scope, name)) if !scope.contains('.') => {
                VariableScope::Node { node: scope, name }
            }
            Some((path, name)) => VariableScope::Path { path, name },
        }
    }

    /// The variable's name.
    pub fn name(&self) -> &'k str {
        match *self {
            VariableScope::Simple { name }
            | VariableScope::Node { name, .. }
            | VariableScope::Path { name, .. } => name,
        }
    }

    /// Whether the key applies to `node` (promptic's `ScopeResolver.matches_node`).
    pub fn applies_to(&self, node: &TemplateNode) -> bool {
        match *self {
            VariableScope::Simple { .. } => true,
            VariableScope::Node { node: n, .. } => node.name == n,
            VariableScope::Path { path, .. } => {
                let h = node.hierarchical_path.as_str();
                h == path
                    || h.strip_prefix(path)
                        .is_some_and(|rest| rest.starts_with('.'))
            }
        }
    }

    /// Whether the key gives `node` a value for one of its variables.
    pub fn fills(&self, node: &TemplateNode) -> bool {
        self.applies_to(node) && node.variables.iter().any(|v| v == self.name())
    }
}

/// promptic's `_sanitize_path_segment`: characters other than ASCII letters, digits and
/// `_` become `_`, runs of `_` one, leading and trailing `_` go; empty is `node`, a leading
/// digit gets a `_` before it.
pub fn sanitize_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for c in segment.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        return "node".into();
    }
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{trimmed}")
    } else {
        trimmed.to_string()
    }
}

static VERSION_SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"_v\d+(\.\d+)?(\.\d+)?$").expect("valid regex"));

/// promptic's node name of a file: `_extract_node_name` (the stem without a trailing
/// `_v1`, `_v1.2` or `_v1.2.3`), then [`sanitize_segment`].
pub fn node_name(file_name: &str) -> String {
    let stem = Path::new(file_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file_name);
    sanitize_segment(&VERSION_SUFFIX.replace(stem, ""))
}

/// promptic's hierarchical path of `node` in a network whose root file is `root`.
fn hierarchical_path(root: &Path, node: &Path) -> String {
    let name_of = |p: &Path| node_name(p.file_name().and_then(|n| n.to_str()).unwrap_or(""));
    let root_name = name_of(root);
    if node == root {
        return root_name;
    }
    let root_dir = root.parent().unwrap_or(Path::new("/"));
    let Ok(relative) = node.strip_prefix(root_dir) else {
        let own = name_of(node);
        return if own != root_name {
            format!("{root_name}.{own}")
        } else {
            root_name
        };
    };
    let mut segments = vec![root_name.clone()];
    let parts: Vec<&str> = relative.iter().filter_map(|p| p.to_str()).collect();
    if let Some((file, dirs)) = parts.split_last() {
        segments.extend(dirs.iter().map(|d| sanitize_segment(d)));
        let own = node_name(file);
        if own != root_name {
            segments.push(own);
        }
    }
    segments.join(".")
}

/// The whole text of a template, or `None` (logged) when it cannot be read whole: a
/// contract over part of a template would report variables that are not missing.
fn whole_text(index: &Index, path: &Path) -> Option<String> {
    match index.files().text(path) {
        Ok(t) if t.binary || t.truncated => {
            tracing::debug!(path = %path.display(), "template not read whole: its variables are not checked");
            None
        }
        Ok(t) => Some(t.text),
        Err(e) => {
            tracing::debug!(error = %e, "template cannot be read: its variables are not checked");
            None
        }
    }
}

/// The prompts a call renders, as far as they can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateNetwork {
    /// Root first, then the included prompts breadth first, each once.
    pub nodes: Vec<TemplateNode>,
    /// Whether every include that resolved was read whole. When not, a variable no node
    /// uses may still be used by the part that was not read, so it is not called unused.
    pub whole: bool,
}

/// The prompts a call renders: for `render`, the resolved file and every prompt its
/// links, `{# ref #}` and `$ref` reach; for `.format(…)`, the resolved file alone.
///
/// `None` when the call does not resolve to one file, when that file cannot be read whole
/// (see the module docs), or when the network has more than 256 prompts. An include that
/// does not resolve is left out (its own diagnostic says why); one that cannot be read
/// whole is left out, and the network is then not `whole`.
pub fn template_network(
    index: &Index,
    rr: &ResolvedRef,
    via: VariablesVia,
) -> Option<TemplateNetwork> {
    let resolved = rr.result.as_ref().ok()?;
    let root = resolved.path();
    let mut nodes = Vec::new();
    let mut whole = true;
    let mut seen = HashSet::from([root.clone()]);
    let mut queue = VecDeque::from([root.clone()]);
    while let Some(path) = queue.pop_front() {
        if nodes.len() >= MAX_NODES {
            tracing::debug!(root = %root.display(), "network too large: its variables are not checked");
            return None;
        }
        let Some(text) = whole_text(index, &path) else {
            if path == root {
                return None;
            }
            whole = false;
            continue;
        };
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if via == VariablesVia::RenderVars {
            let scan = scan_file(file_name, &text);
            // An include that does not resolve renders nothing: no variables to count.
            for child in super::resolve_scan(index, &path, &scan) {
                if let Ok(res) = &child.result {
                    let p = res.path();
                    if seen.insert(p.clone()) {
                        queue.push_back(p);
                    }
                }
            }
        }
        nodes.push(TemplateNode {
            name: node_name(file_name),
            hierarchical_path: hierarchical_path(&root, &path),
            variables: variables(&text, is_jinja(file_name)),
            text,
            path,
        });
    }
    Some(TemplateNetwork { nodes, whole })
}

/// A variable the call does not pass, with the nodes that use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVariable {
    /// The variable.
    pub name: String,
    /// The files that use it without a value, in network order.
    pub used_by: Vec<PathBuf>,
}

/// How one call's passed variables compare with its templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractCheck {
    /// Variables some node uses that no passed key fills, by first use.
    pub missing: Vec<MissingVariable>,
    /// Indexes into the passed entries of keys that fill no variable of any node.
    pub unused: Vec<usize>,
}

/// Compares `passed` with the `nodes` of the network the call renders.
pub fn check_contract(passed: &PassedVariables, nodes: &[TemplateNode]) -> ContractCheck {
    let scopes: Vec<VariableScope<'_>> = passed
        .entries
        .iter()
        .map(|e| VariableScope::parse(&e.key.value))
        .collect();
    let mut missing: Vec<MissingVariable> = Vec::new();
    for node in nodes {
        for var in &node.variables {
            let filled = scopes.iter().any(|s| s.name() == var && s.applies_to(node));
            if filled {
                continue;
            }
            match missing.iter_mut().find(|m| m.name == *var) {
                Some(m) => m.used_by.push(node.path.clone()),
                None => missing.push(MissingVariable {
                    name: var.clone(),
                    used_by: vec![node.path.clone()],
                }),
            }
        }
    }
    let unused = scopes
        .iter()
        .enumerate()
        .filter(|(_, s)| !nodes.iter().any(|n| s.fills(n)))
        .map(|(i, _)| i)
        .collect();
    ContractCheck { missing, unused }
}

/// Where a template uses a variable: byte ranges of the name inside `{{ … }}` and Jinja
/// `{% … %}` tags, in order.
pub fn variable_uses(text: &str, name: &str) -> Vec<Range<usize>> {
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\{\{[^{}]*\}\}|\{%[^%]*%\}").expect("valid regex"));
    static WORD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("valid regex"));
    let mut out = Vec::new();
    for tag in TAG.find_iter(text) {
        for w in WORD.find_iter(tag.as_str()) {
            let before = tag.as_str()[..w.start()].trim_end();
            if w.as_str() == name && !before.ends_with('.') {
                out.push(tag.start() + w.start()..tag.start() + w.end());
            }
        }
    }
    out
}

/// The file name of a path, for messages.
fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// The text a new entry for `name` is written as.
pub fn new_entry(passed: &PassedVariables, name: &str) -> String {
    match passed.style {
        EntryStyle::DictKey => format!("\"{name}\": ..."),
        EntryStyle::Keyword => format!("{name}=..."),
    }
}

/// The `missing-variable` and `unused-variable` diagnostics of a file's Python calls
/// (`refs` as resolved from the file's scan), with their quick fixes. Calls whose passed
/// set is not complete, that resolve to no single file, or whose templates cannot be read
/// whole are not reported on.
pub fn variable_diagnostics(index: &Index, file: &Path, refs: &[ResolvedRef]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rr in refs {
        if !matches!(rr.reference.kind, RefKind::PythonCall { .. }) {
            continue;
        }
        let mut networks: BTreeMap<bool, Option<TemplateNetwork>> = BTreeMap::new();
        for passed in rr.reference.variables.iter().filter(|p| p.complete) {
            let render = passed.via == VariablesVia::RenderVars;
            let network = networks
                .entry(render)
                .or_insert_with(|| template_network(index, rr, passed.via));
            let Some(network) = network.as_ref() else {
                continue;
            };
            out.extend(call_diagnostics(file, rr, passed, network));
        }
    }
    out
}

/// The diagnostics of one passed set against its network.
fn call_diagnostics(
    file: &Path,
    rr: &ResolvedRef,
    passed: &PassedVariables,
    network: &TemplateNetwork,
) -> Vec<Diagnostic> {
    let nodes = network.nodes.as_slice();
    let mut check = check_contract(passed, nodes);
    if !network.whole {
        check.unused.clear();
    }
    let root = &nodes[0].path;
    let mut out = Vec::new();
    if let Some(severity) = rr.settings.severity(Code::MissingVariable) {
        for m in &check.missing {
            let entry = new_entry(passed, &m.name);
            let var = format!("`{{{{{}}}}}`", m.name);
            let message = match m.used_by.as_slice() {
                [only] if only == root => format!(
                    "`{}` uses {var}, but this call does not pass `{}`",
                    file_name(only),
                    m.name
                ),
                [only] => format!(
                    "`{}`, included by `{}`, uses {var}, but this call does not pass `{}`",
                    file_name(only),
                    file_name(root),
                    m.name
                ),
                many => format!(
                    "{} prompts of this render use {var} ({}), but this call does not pass `{}`",
                    many.len(),
                    many.iter()
                        .map(|p| format!("`{}`", file_name(p)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    m.name
                ),
            };
            out.push(Diagnostic {
                path: file.to_path_buf(),
                range: passed.range.clone(),
                severity,
                code: Code::MissingVariable,
                message,
                fix: Some(Fix::Edit {
                    title: format!("Add `{entry}`"),
                    edits: vec![(
                        passed.insert_at..passed.insert_at,
                        format!("{}{entry}", passed.insert_prefix),
                    )],
                }),
            });
        }
    }
    if let Some(severity) = rr.settings.severity(Code::UnusedVariable) {
        for &i in &check.unused {
            let entry = &passed.entries[i];
            let key = entry.key.value.as_str();
            let scope = VariableScope::parse(key);
            let what = match scope {
                VariableScope::Simple { name } if nodes.len() == 1 => {
                    format!("`{}` has no `{{{{{name}}}}}`", file_name(root))
                }
                VariableScope::Simple { name } if nodes.len() == 2 => format!(
                    "neither `{}` nor the prompt it includes uses `{{{{{name}}}}}`",
                    file_name(root),
                ),
                VariableScope::Simple { name } => format!(
                    "neither `{}` nor the {} prompts it includes use `{{{{{name}}}}}`",
                    file_name(root),
                    nodes.len() - 1
                ),
                VariableScope::Node { node, name } => {
                    format!("no prompt named `{node}` in this render uses `{{{{{name}}}}}`")
                }
                VariableScope::Path { path, name } => {
                    format!("no prompt at `{path}` in this render uses `{{{{{name}}}}}`")
                }
            };
            // A near miss of a variable that is missing: offer the rename first.
            let near: Vec<String> = check
                .missing
                .iter()
                .filter(|m| similar(&m.name, scope.name()))
                .map(|m| m.name.clone())
                .collect();
            let hint = match near.first() {
                Some(n) => format!("; did you mean `{n}`?"),
                None => String::new(),
            };
            let fix = if near.is_empty() {
                Fix::Edit {
                    title: format!("Remove `{key}`"),
                    edits: vec![(entry.removal.clone(), String::new())],
                }
            } else {
                Fix::Replace { candidates: near }
            };
            out.push(Diagnostic {
                path: file.to_path_buf(),
                range: entry.key.range.clone(),
                severity,
                code: Code::UnusedVariable,
                message: format!("`{key}` is passed, but {what}{hint}"),
                fix: Some(fix),
            });
        }
    }
    out
}

/// A Python call that renders a version without a variable the version uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenCall {
    /// The Python file.
    pub path: PathBuf,
    /// The 1-based line of the call.
    pub line: usize,
    /// The variables it does not pass, by first use.
    pub missing: Vec<String>,
}

/// The Python calls of the index that resolve to the prompt file `target` and pass a
/// complete set of variables that lacks one `target` (or a prompt it includes) uses and
/// the version before it in its variant did not: the call sites a new version breaks.
/// Python files that do not name the prompt's base name are not parsed. In file and
/// source order.
pub fn broken_call_sites(index: &Index, target: &Path) -> Vec<BrokenCall> {
    broken_call_sites_of(index, &[target.to_path_buf()])
        .remove(target)
        .unwrap_or_default()
}

/// [`broken_call_sites`] of many prompt files at once (a `check` whose every version trips
/// the version-bump check): each Python file is read, parsed and resolved once, not once
/// per target. Targets that are not files of the index, or that no call breaks, have no
/// entry.
pub fn broken_call_sites_of(
    index: &Index,
    targets: &[PathBuf],
) -> HashMap<PathBuf, Vec<BrokenCall>> {
    let wanted: HashSet<&Path> = targets
        .iter()
        .map(PathBuf::as_path)
        .filter(|t| index.file(t).is_some())
        .collect();
    if wanted.is_empty() {
        return HashMap::new();
    }
    let mut bases: Vec<String> = wanted
        .iter()
        .filter_map(|t| index.file(t))
        .map(|(folder, i)| folder.files[i].parsed.base.to_string())
        .collect();
    bases.sort();
    bases.dedup();
    let files: Vec<PathBuf> = index
        .folders()
        .into_iter()
        .flat_map(|f| {
            f.python
                .iter()
                .map(|p| f.path.join(&**p))
                .collect::<Vec<_>>()
        })
        .collect();
    // (target, call site, variables missing from the call that the target uses), in file
    // and source order.
    let hits: Vec<(PathBuf, PathBuf, usize, Vec<String>)> =
        crate::parallel::map(&files, "finding call sites", |path| {
            let Some(text) = super::analysis_text(index, path) else {
                return Vec::new();
            };
            if !bases.iter().any(|b| text.contains(b.as_str())) {
                return Vec::new();
            }
            let (_, refs) = super::file_references(index, path, &text);
            let lines = crate::text::LineIndex::new(&text);
            let mut out = Vec::new();
            for rr in &refs {
                let Some(target) = rr
                    .result
                    .as_ref()
                    .ok()
                    .map(|r| r.path())
                    .filter(|p| wanted.contains(p.as_path()))
                else {
                    continue;
                };
                for passed in rr.reference.variables.iter().filter(|p| p.complete) {
                    let Some(network) = template_network(index, rr, passed.via) else {
                        continue;
                    };
                    let missing: Vec<String> = check_contract(passed, &network.nodes)
                        .missing
                        .into_iter()
                        .filter(|m| m.used_by.contains(&target))
                        .map(|m| m.name)
                        .collect();
                    if !missing.is_empty() {
                        let at = lines.position(
                            &text,
                            rr.reference.range.start,
                            crate::text::PositionEncoding::Utf8,
                        );
                        out.push((target.clone(), path.clone(), at.line as usize + 1, missing));
                    }
                }
            }
            out
        })
        .into_iter()
        .flatten()
        .collect();
    let mut before: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut found: HashMap<PathBuf, Vec<BrokenCall>> = HashMap::new();
    for (target, path, line, mut missing) in hits {
        let used_before = before
            .entry(target.clone())
            .or_insert_with(|| variables_before(index, &target));
        missing.retain(|m| !used_before.contains(m));
        if missing.is_empty() {
            continue;
        }
        let calls = found.entry(target).or_default();
        let call = BrokenCall {
            path,
            line,
            missing,
        };
        if calls.last() != Some(&call) {
            calls.push(call);
        }
    }
    found
}

/// The variables of the version before `target` in its variant (empty when there is
/// none, or it cannot be read): a call missing only those was broken before `target`.
fn variables_before(index: &Index, target: &Path) -> Vec<String> {
    let Some((folder, i)) = index.file(target) else {
        return Vec::new();
    };
    let file = &folder.files[i];
    folder
        .prompt(&file.parsed.base)
        .and_then(|p| {
            folder
                .prompt_files(p)
                .filter(|f| f.parsed.variant == file.parsed.variant)
                .filter(|f| f.parsed.version.is_some() && f.parsed.version < file.parsed.version)
                .max_by(|a, b| a.parsed.version.cmp(&b.parsed.version))
        })
        .and_then(|prev| {
            let text = whole_text(index, &folder.path_of(prev))?;
            Some(variables(&text, is_jinja(&prev.name)))
        })
        .unwrap_or_default()
}

/// `; it breaks 2 call sites: app.py:23 (no `tone`), …` for a `semver-bump` message, the
/// paths relative to `root`; empty when nothing breaks. Lists at most five.
pub fn broken_calls_note(calls: &[BrokenCall], root: Option<&Path>) -> String {
    const SHOWN: usize = 5;
    if calls.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = calls
        .iter()
        .take(SHOWN)
        .map(|c| {
            let p = root
                .and_then(|r| c.path.strip_prefix(r).ok())
                .unwrap_or(&c.path);
            let missing: Vec<String> = c.missing.iter().map(|m| format!("`{m}`")).collect();
            format!("{}:{} (no {})", p.display(), c.line, missing.join(", "))
        })
        .collect();
    let more = if calls.len() > SHOWN {
        format!(", and {} more", calls.len() - SHOWN)
    } else {
        String::new()
    };
    let sites = if calls.len() == 1 {
        "call site"
    } else {
        "call sites"
    };
    format!(
        "; it breaks {} {sites}: {}{more}",
        calls.len(),
        listed.join(", ")
    )
}

/// Whether two names are one small typo apart (edit distance at most 2, and less than
/// half the shorter name).
fn similar(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let limit = 2.min(a.len().min(b.len()) / 2);
    if a.len().abs_diff(b.len()) > limit {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] <= limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_follow_promptic() {
        assert_eq!(node_name("instructions_v1.md"), "instructions");
        assert_eq!(node_name("task_en_v2.1.0.md"), "task_en");
        assert_eq!(node_name("steps_v2.0.0-beta.md"), "steps_v2_0_0_beta");
        assert_eq!(node_name("group-one.md"), "group_one");
        assert_eq!(node_name("1st.md"), "_1st");
        assert_eq!(node_name("---.md"), "node");
        assert_eq!(node_name("root.md"), "root");
    }

    #[test]
    fn hierarchical_paths_follow_promptic() {
        let root = Path::new("/w/p/root.md");
        assert_eq!(hierarchical_path(root, root), "root");
        assert_eq!(
            hierarchical_path(root, Path::new("/w/p/group-one/instructions_v2.md")),
            "root.group_one.instructions"
        );
        assert_eq!(
            hierarchical_path(root, Path::new("/w/other/x.md")),
            "root.x"
        );
        assert_eq!(
            hierarchical_path(root, Path::new("/w/p/sub/root.md")),
            "root.sub"
        );
    }

    #[test]
    fn scoped_keys_apply_like_promptics_resolver() {
        let node = |name: &str, path: &str| TemplateNode {
            path: PathBuf::from(format!("/{name}.md")),
            name: name.into(),
            hierarchical_path: path.into(),
            variables: vec!["format".into()],
            text: String::new(),
        };
        let instr = node("instructions", "root.group.instructions");
        let other = node("templates", "root.other.templates");
        let simple = VariableScope::parse("format");
        let by_node = VariableScope::parse("instructions.format");
        let by_path = VariableScope::parse("root.group.format");
        let exact = VariableScope::parse("root.group.instructions.format");
        let prefix_only = VariableScope::parse("root.gro.format");
        assert!(simple.fills(&instr) && simple.fills(&other));
        assert!(by_node.fills(&instr) && !by_node.fills(&other));
        assert!(by_path.fills(&instr) && !by_path.fills(&other));
        assert!(exact.fills(&instr) && !exact.fills(&other));
        assert!(!prefix_only.fills(&instr));
        assert!(!VariableScope::parse("instructions.tone").fills(&instr));
    }

    #[test]
    fn uses_are_found_inside_tags_only() {
        let text = "tone {{ tone }} {{ x.tone }} {% if tone %}{{tones}}{% endif %}";
        let uses: Vec<&str> = variable_uses(text, "tone")
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(uses, ["tone", "tone"]);
        assert_eq!(variable_uses(text, "tone")[0], 8..12);
    }

    #[test]
    fn near_misses() {
        assert!(similar("product", "produkt"));
        assert!(similar("product", "prodct"));
        assert!(!similar("tone", "name"));
        assert!(!similar("ab", "ba"));
    }
}
