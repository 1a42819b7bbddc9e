//! Where prompts are referenced: Markdown links, `{# ref: … #}`, `$ref` in
//! YAML/JSON, and promptic calls in Python. Scanners are pure: text in, references out,
//! each with exact byte ranges for its target, version and classifier keys and values.

mod markup;
mod python;
mod typing;

use std::ops::Range;

pub use markup::{
    decode_destination, encode_destination, scan_jinja, scan_json, scan_markdown, scan_yaml,
};
pub use python::{parse_python, scan_python, scan_python_tree};
pub use typing::reference_being_typed;

use crate::config::{ConfigError, ConfigLayer};

/// A string literal: its value and the byte range of its CONTENT (inside the quotes), so
/// a completion's text edit replaces exactly the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// The string's value (escapes not interpreted beyond the quotes). For a Markdown link
    /// destination it is percent-decoded (`my%20task.md` -> `my task.md`), so it may differ
    /// from the text at `range`.
    pub value: String,
    /// Byte range of the content in the file (as written, before any decoding).
    pub range: Range<usize>,
}

/// What kind of reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKind {
    /// `[text](target)` in a prompt file.
    MarkdownLink,
    /// `{# ref: target #}`.
    JinjaRef,
    /// `$ref: target` in YAML or `"$ref": "target"` in JSON.
    StructuredRef,
    /// A promptic call in Python: `load_prompt`, `render` or `export_version`.
    PythonCall {
        /// The function's name as promptic names it.
        function: String,
    },
    /// A key of a hierarchical version dict (`{"instructions/process": "v2"}`), a path
    /// relative to the root prompt's folder.
    HierarchicalKey,
}

/// What a reference's target is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefBase {
    /// The referring file's folder (R-1; absolute targets are relative to the workspace root).
    ReferringFolder,
    /// The Python project root: the folder of the nearest `pyproject.toml` or
    /// `promptic.toml` above the file, else the workspace folder.
    ProjectRoot,
    /// The folder of the root prompt of a hierarchical spec.
    RootPromptFolder,
}

/// One reference to a prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Its kind.
    pub kind: RefKind,
    /// The target path text and its range (without `#fragment` / `?query`, R-1).
    pub target: Literal,
    /// What the target is relative to.
    pub base: RefBase,
    /// The version argument (`version="v2"`), when it is a string literal.
    pub version: Option<Literal>,
    /// The classifier map (`classifier={"lang": "ru"}`), when it is a dict of literals.
    pub classifier: Option<Vec<(Literal, Literal)>>,
    /// A hierarchical version spec (`version={"root": "v1", "steps": "v2"}`).
    pub hierarchical: Option<Vec<(Literal, Literal)>>,
    /// The config a `versioning_config=NAME` argument applies (V-7), when NAME is a
    /// `VersioningConfig(...)` literal in the same module.
    pub config: Option<ConfigLayer>,
    /// Python calls only: the byte offset just after the call's last argument, where a
    /// version keyword argument (`, version="v2"`, or `, version_spec="v2"` for
    /// `export_version`) can be appended to pin it. `None` when the call already passes a
    /// version in any form (a literal, a name, a dict, `**kwargs`, a second positional
    /// argument of `export_version`), when it was read back from incomplete syntax, and
    /// for every other kind of reference.
    pub add_version_at: Option<usize>,
    /// Python calls only: the variables the call passes to the template it renders
    /// (`render(…, vars={…})`, `.format(…)` on what `load_prompt(…)` returns), one entry
    /// per place that passes them; empty when it passes none, and for every other kind of
    /// reference.
    pub variables: Vec<PassedVariables>,
    /// The whole reference (the link, the comment, the call).
    pub range: Range<usize>,
}

/// How a Python call passes variables to a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariablesVia {
    /// promptic's `render(…, vars=…)`, applied to the prompt and every prompt it includes.
    RenderVars,
    /// `.format(…)` on the text `load_prompt(…)` returns (directly or through a name
    /// assigned in the same scope): the loaded file only.
    Format,
}

/// How a new entry is written where the variables are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStyle {
    /// `"name": …` in a dict literal.
    DictKey,
    /// `name=…` in a call's arguments (`dict(…)`, `.format(…)`).
    Keyword,
}

/// One variable a call passes: its key (a dict key's content, or a keyword's name) and
/// the text to delete to stop passing it (the entry with one adjacent comma).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassedVariable {
    /// The key as written: `tone`, or a promptic scoped key (`instructions.format`).
    pub key: Literal,
    /// Byte range that removing the entry deletes.
    pub removal: Range<usize>,
}

/// The variables one call passes (read only from literals: a dict literal, `dict(…)` with
/// keyword arguments, keyword arguments of `.format(…)`, `**{…}`, or a NAME assigned one
/// of those once in the same scope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassedVariables {
    /// Which API receives them.
    pub via: VariablesVia,
    /// The keys, in source order.
    pub entries: Vec<PassedVariable>,
    /// Whether `entries` are every key the call can pass. `false` when a `**mapping`, a
    /// key that is not a string literal, or a change to the dict after it was built
    /// (`d["k"] = …`, `d.update(…)`, a second assignment) could add or remove keys.
    pub complete: bool,
    /// Byte range a missing variable is reported on: the `vars=` value in the call, or
    /// the `.format(…)` call's arguments.
    pub range: Range<usize>,
    /// Byte range of the literal the entries are written in, delimiters included (the
    /// dict's braces, the call's parentheses); it may lie in an earlier statement
    /// (`vars=NAME`). Completion of variable names is offered inside it.
    pub container: Range<usize>,
    /// How a new entry is written in `container`.
    pub style: EntryStyle,
    /// Where a new entry goes, and the text that goes before it (`, `, `,\n    ` or
    /// nothing in an empty container).
    pub insert_at: usize,
    /// See `insert_at`.
    pub insert_prefix: String,
}

impl Reference {
    /// A reference with only a target (R-1 forms).
    pub fn plain(kind: RefKind, target: Literal, range: Range<usize>) -> Reference {
        Reference {
            kind,
            target,
            base: RefBase::ReferringFolder,
            version: None,
            classifier: None,
            hierarchical: None,
            config: None,
            add_version_at: None,
            variables: Vec::new(),
            range,
        }
    }

    /// The classifier map as plain strings.
    pub fn classifier_map(&self) -> Option<std::collections::BTreeMap<String, String>> {
        self.classifier.as_ref().map(|c| {
            c.iter()
                .map(|(k, v)| (k.value.clone(), v.value.clone()))
                .collect()
        })
    }
}

/// Everything a scan of one file found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    /// References in source order.
    pub references: Vec<Reference>,
    /// Problems of `VersioningConfig(...)` / `ClassifierConfig(...)` literals (R-2, V-7),
    /// with spans in the file.
    pub config_errors: Vec<ConfigError>,
}

/// The scanner for a file, by its extension: Python, Markdown-like prompt files (links
/// and `{# ref #}`), YAML and JSON (`$ref`, plus links in string values are not read).
pub fn scan_file(file_name: &str, text: &str) -> Scan {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "py" | "pyi" => scan_python(text),
        "yaml" | "yml" => Scan {
            references: [scan_yaml(text), scan_jinja(text)].concat(),
            ..Default::default()
        },
        "json" => Scan {
            references: scan_json(text),
            ..Default::default()
        },
        _ => {
            let mut refs = scan_markdown(text);
            refs.extend(scan_jinja(text));
            refs.sort_by_key(|r| r.range.start);
            Scan {
                references: refs,
                ..Default::default()
            }
        }
    }
}
