//! Hover text (I-1): on a reference, what it resolves to and why, the prompt's version
//! table, the variables it uses and a preview; on a prompt file's first line, its own
//! prompt's table; in a config file, what the key means. A prompt inside an installed
//! package (`.prompts/{name}/`) also names the package's locked version and registry.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use super::Document;
use super::refs::{ResolvedRef, reference_under_cursor};
use super::{analysis_text, compare_variables, front_matter, variables};
use crate::index::{Folder, Index, PACKAGES_DIR, Prompt, TargetKind};
use crate::registry::installed::{PackageLock, package_of};
use crate::registry::lock::LOCK_NAME;

/// Lines of the resolved file shown as a preview.
const PREVIEW_LINES: usize = 8;

/// Hover at byte `offset` of a document: Markdown and the byte range it is about. `None`
/// when the cursor is on nothing promptls knows.
pub fn hover(index: &Index, doc: &Document, offset: usize) -> Option<(String, Range<usize>)> {
    let (file, text) = (doc.path(), doc.text());
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "promptic.toml" || name == "pyproject.toml" {
        return hover_config(text, offset);
    }
    if name.ends_with(".py")
        && let Some(found) = hover_variable(index, doc, offset)
    {
        return Some(found);
    }
    if let Some(rr) = reference_under_cursor(index, doc, offset) {
        return Some((reference_markdown(index, &rr), rr.reference.range.clone()));
    }
    // The first line of a versioned prompt file: its own prompt.
    let first_line_end = text.find('\n').unwrap_or(text.len());
    if offset <= first_line_end
        && let Some((folder, i)) = index.file(file)
    {
        let f = &folder.files[i];
        let prompt = folder.prompt(&f.parsed.base)?;
        let mut md = format!("### `{}`\n\n", index.prompt_id(folder, &prompt.base));
        md.push_str(&package_paragraph(index, file));
        if let Some(v) = &f.parsed.version {
            md.push_str(&format!("This file is **{v}**"));
            let label = folder.scheme.variant_label(&f.parsed.variant);
            if !label.is_empty() {
                md.push_str(&format!(" ({label})"));
            }
            md.push_str(".\n\n");
        }
        md.push_str(&version_table(index, folder, prompt, Some(i)));
        return Some((md, 0..first_line_end));
    }
    None
}

/// Most uses of one variable listed by a hover.
const USES_SHOWN: usize = 10;

/// Hover on a variable a Python call passes (a `vars` key, a `.format` keyword): the
/// prompts of the render it gives a value to, with each line that uses it.
fn hover_variable(index: &Index, doc: &Document, offset: usize) -> Option<(String, Range<usize>)> {
    let scan = doc.scan();
    let (i, passed, entry) = scan.references.iter().enumerate().find_map(|(i, r)| {
        r.variables.iter().find_map(|v| {
            v.entries
                .iter()
                .find(|e| super::refs::within(&e.key.range, offset))
                .map(|e| (i, v, e))
        })
    })?;
    let rr = super::resolve_reference(index, doc.path(), &scan, i);
    let network = super::template_network(index, &rr, passed.via)?;
    let nodes = &network.nodes;
    let key = entry.key.value.as_str();
    let scope = super::VariableScope::parse(key);
    let name = scope.name();
    let root = index.root_of(doc.path()).map(Path::to_path_buf);
    let shown = |p: &Path| {
        root.as_deref()
            .and_then(|r| p.strip_prefix(r).ok())
            .unwrap_or(p)
            .display()
            .to_string()
    };
    let mut md = format!("### `{key}`\n\n");
    let filled: Vec<&super::TemplateNode> = nodes.iter().filter(|n| scope.fills(n)).collect();
    if filled.is_empty() {
        let what = match passed.via {
            crate::references::VariablesVia::RenderVars => "render",
            crate::references::VariablesVia::Format => "`.format()`",
        };
        if network.whole {
            md.push_str(&format!(
                "No prompt of this {what} uses `{{{{{name}}}}}`: the value is not used.\n"
            ));
        } else {
            md.push_str(&format!(
                "No prompt of this {what} that could be read uses `{{{{{name}}}}}`; an included prompt cannot be read whole.\n"
            ));
        }
        return Some((md, entry.key.range.clone()));
    }
    md.push_str(&format!("Fills `{{{{{name}}}}}` in:\n\n"));
    let mut listed = 0;
    for node in &filled {
        let lines = crate::text::LineIndex::new(&node.text);
        let uses = super::variable_uses(&node.text, name);
        for r in &uses {
            if listed == USES_SHOWN {
                break;
            }
            let at = lines.position(&node.text, r.start, crate::text::PositionEncoding::Utf8);
            let line = at.line as usize;
            let line_text = lines
                .line_range(&node.text, at.line)
                .and_then(|l| node.text.get(l))
                .unwrap_or("")
                .trim();
            md.push_str(&format!(
                "- `{}` line {}: `{}`\n",
                shown(&node.path),
                line + 1,
                line_text.replace('`', "'")
            ));
            listed += 1;
        }
        if uses.is_empty() && listed < USES_SHOWN {
            md.push_str(&format!("- `{}`\n", shown(&node.path)));
            listed += 1;
        }
    }
    let total: usize = filled
        .iter()
        .map(|n| super::variable_uses(&n.text, name).len().max(1))
        .sum();
    if total > listed {
        md.push_str(&format!("- … and {} more\n", total - listed));
    }
    Some((md, entry.key.range.clone()))
}

fn reference_markdown(index: &Index, rr: &ResolvedRef) -> String {
    let r = &rr.reference;
    let cfg = &rr.settings.versioning;
    let mut md = String::new();
    match &rr.result {
        Ok(res) => {
            let file = res.prompt_file();
            let prompt = res.folder.prompt(&file.parsed.base);
            let id = index.prompt_id(&res.folder, &file.parsed.base);
            md.push_str(&format!("### `{id}` → `{}`", file.name));
            if let Some(v) = &file.parsed.version {
                md.push_str(&format!(" ({v})"));
            }
            md.push_str("\n\n");
            md.push_str(&package_paragraph(index, &res.path()));
            let why = match res.kind {
                TargetKind::Pinned => "pinned file".to_string(),
                TargetKind::Directory { prompts } => {
                    format!("directory mode over {prompts} prompt(s): {}", res.reason)
                }
                TargetKind::Prompt => res.reason.clone(),
            };
            md.push_str(&format!("**Why:** {why}  \n"));
            md.push_str(&format!("**Spec:** `{}`", rr.spec));
            if let Some(map) = r.classifier_map() {
                let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
                md.push_str(&format!(" · **classifier:** `{}`", pairs.join(", ")));
            }
            let defaults: Vec<String> = cfg
                .classifiers
                .iter()
                .map(|(k, c)| format!("{k}={}", c.default))
                .collect();
            md.push_str(&format!(
                "  \n**Config:** delimiters `{}`{}, include_prerelease `{}`{}\n\n",
                cfg.delimiters.iter().collect::<String>(),
                cfg.version_pattern
                    .as_ref()
                    .map(|p| format!(", pattern `{p}`"))
                    .unwrap_or_default(),
                cfg.include_prerelease,
                if defaults.is_empty() {
                    String::new()
                } else {
                    format!(", defaults `{}`", defaults.join(", "))
                }
            ));
            if let Some(prompt) = prompt {
                md.push_str(&version_table(index, &res.folder, prompt, Some(res.file)));
            }
            if let Some(text) = analysis_text(index, &res.path()) {
                let jinja = variables::is_jinja(&file.name);
                let vars = variables(&text, jinja);
                if !vars.is_empty() {
                    md.push_str(&format!(
                        "\n**Variables:** {}\n",
                        vars.iter()
                            .map(|v| format!("`{{{{{v}}}}}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                let body = &text[front_matter(&text).body_start..];
                let preview: Vec<&str> = body.lines().take(PREVIEW_LINES).collect();
                if !preview.is_empty() {
                    let lang = match file.parsed.ext.to_ascii_lowercase().as_str() {
                        "md" | "markdown" => "markdown",
                        "yaml" | "yml" => "yaml",
                        "json" => "json",
                        _ => "text",
                    };
                    let fence = if preview.iter().any(|l| l.contains("```")) {
                        "````"
                    } else {
                        "```"
                    };
                    md.push_str(&format!(
                        "\n{fence}{lang}\n{}\n{fence}\n",
                        preview.join("\n")
                    ));
                }
            }
        }
        Err(e) => {
            md.push_str(&format!("### `{}`: {}\n\n", r.target.value, e.kind.name()));
            md.push_str(&package_paragraph(index, &rr.target));
            md.push_str(&format!("{}\n", e.message));
            if !e.available.is_empty() {
                md.push_str(&format!(
                    "\n**Available:** {}\n",
                    e.available
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    md
}

/// The paragraph (ending in a blank line) naming the installed package `path` is in:
/// `Installed package **acme/support-reply** 1.2.0 from file:///srv/prompts`, or what
/// keeps the lock from saying so. Empty when `path` is in no `.prompts/{name}/` folder.
fn package_paragraph(index: &Index, path: &Path) -> String {
    let Some(package) = package_of(index, path) else {
        return String::new();
    };
    let folder = markdown_text(&format!("{PACKAGES_DIR}/{}/", package.name));
    match &package.lock {
        PackageLock::Locked(p) => format!(
            "Installed package **{}** {} from {}\n\n",
            markdown_text(&p.id.to_string()),
            markdown_text(&p.version.to_string()),
            markdown_text(&p.registry)
        ),
        PackageLock::NotLocked => format!("In {folder}, not in {LOCK_NAME}\n\n"),
        PackageLock::Unreadable(e) => format!(
            "In {folder}, but {LOCK_NAME} cannot be read: {}\n\n",
            markdown_text(&e.to_string())
        ),
    }
}

/// `text` as literal Markdown inline text on one line: characters that start Markdown
/// syntax are backslash-escaped, line breaks and other control characters become spaces.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push(' ');
        } else {
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '!' | '#' | '|' | '~' | '&'
            ) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// A Markdown table of a prompt's versions: version, variants, prerelease, modified time,
/// front matter title, and what changed since the previous version of the same variant
/// (variables added and removed, lines changed). `current` (an index into the folder's
/// files) is marked. Files that cannot be read show no title and no changes.
pub fn version_table(
    index: &Index,
    folder: &Folder,
    prompt: &Prompt,
    current: Option<usize>,
) -> String {
    let mut md = String::from(
        "| version | variant | prerelease | modified | title | changes since previous |\n|---|---|---|---|---|---|\n",
    );
    // The newest rows (and the current file's), so a prompt of thousands of versions
    // costs a hover no more than a short one.
    let shown: Vec<usize> = prompt
        .files
        .iter()
        .enumerate()
        .filter(|&(k, &i)| k < TABLE_ROWS || current == Some(i as usize))
        .map(|(k, _)| k)
        .collect();
    // The previous version of each row: the next older versioned file of the same
    // variant (the prompt's files are newest first).
    let previous_of = |k: usize| -> Option<u32> {
        let f = &folder.files[prompt.files[k] as usize];
        f.parsed.version.as_ref()?;
        prompt.files[k + 1..].iter().copied().find(|&j| {
            let g = &folder.files[j as usize];
            g.parsed.version.is_some() && g.parsed.variant == f.parsed.variant
        })
    };
    // Each file is read once, whether as a row or as the previous version of one.
    let texts: HashMap<u32, Option<String>> = shown
        .iter()
        .flat_map(|&k| std::iter::once(prompt.files[k]).chain(previous_of(k)))
        .map(|i| {
            (
                i,
                analysis_text(index, &folder.path_of(&folder.files[i as usize])),
            )
        })
        .collect();
    let text_of = |i: u32| texts.get(&i).and_then(Option::as_deref);
    for &k in &shown {
        let i = prompt.files[k];
        let f = &folder.files[i as usize];
        let path = folder.path_of(f);
        let modified = index
            .files()
            .modified(&path)
            .ok()
            .map(|t| {
                humantime::format_rfc3339_seconds(t)
                    .to_string()
                    .replace('T', " ")
                    .trim_end_matches('Z')
                    .to_string()
            })
            .unwrap_or_default();
        let text = text_of(i);
        let title = text
            .and_then(|t| front_matter(t).title)
            .unwrap_or_default()
            .replace('|', "\\|");
        let version = f
            .parsed
            .version
            .as_ref()
            .map_or("(unversioned)".to_string(), |v| v.to_string());
        let marker = if current == Some(i as usize) {
            " ◀"
        } else {
            ""
        };
        let pre = if f.parsed.version.as_ref().is_some_and(|v| v.is_prerelease()) {
            "yes"
        } else {
            ""
        };
        let variant = folder.scheme.variant_label(&f.parsed.variant);
        let changes = match (previous_of(k), text) {
            (None, _) if f.parsed.version.is_some() => "first version".to_string(),
            (Some(j), Some(new)) => text_of(j).map_or_else(String::new, |old| {
                changes_since(old, new, variables::is_jinja(&f.name))
            }),
            _ => String::new(),
        };
        md.push_str(&format!(
            "| **{version}**{marker} | {variant} | {pre} | {modified} | {title} | {changes} |\n"
        ));
    }
    let hidden = prompt.files.len() - shown.len();
    if hidden > 0 {
        md.push_str(&format!(
            "\n…and {hidden} more {} of this prompt (`promptls versions` lists every version).\n",
            if hidden == 1 { "file" } else { "files" }
        ));
    }
    md
}

/// What changed from `old` to `new`, for a table cell: `+`{{tone}}`, −`{{product}}`, 12
/// lines` (variables added, removed, and lines added or removed), or `same text`.
fn changes_since(old: &str, new: &str, jinja: bool) -> String {
    let vars = compare_variables(&variables(old, jinja), &variables(new, jinja));
    let mut parts: Vec<String> = Vec::new();
    parts.extend(vars.added.iter().map(|v| format!("+`{{{{{v}}}}}`")));
    parts.extend(vars.removed.iter().map(|v| format!("−`{{{{{v}}}}}`")));
    let lines = similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .count();
    match lines {
        0 if parts.is_empty() => parts.push("same text".into()),
        0 => {}
        1 => parts.push("1 line".into()),
        n => parts.push(format!("{n} lines")),
    }
    parts.join(", ")
}

/// Most rows of a hover's version table (the newest; the hovered file's row is added when
/// it is older).
pub const TABLE_ROWS: usize = 20;

/// What a `[versioning]` key means (R-3 hover and completion detail).
pub fn config_key_doc(key: &str) -> &'static str {
    match key {
        "delimiter" => {
            "Delimiter between base, classifiers and version: \"_\" (default), \".\" or \"-\"."
        }
        "delimiters" => "Several accepted delimiters, e.g. [\"_\", \"-\"]; overrides `delimiter`.",
        "version_pattern" => {
            "A regex that finds the version in a file stem; needs a named group `major`, may have `minor`, `patch`, `prerelease`; overrides the delimiters."
        }
        "include_prerelease" => "Whether `latest` may pick a prerelease (default false).",
        "prerelease_order" => {
            "Prerelease labels from oldest to newest (default [\"alpha\", \"beta\", \"rc\"]); unknown labels sort after them."
        }
        "classifiers" => {
            "Classifiers such as `lang`: `values` and a `default`; segments before the version select a variant."
        }
        "extensions" => {
            "Prompt file extensions (promptls; default md markdown yaml yml json jinja2 jinja j2 txt prompt)."
        }
        "convention" => {
            "How `.prompt` file names are read (promptls): \"promptic\" (default) or \"dotprompt\" — `name.variant.v2.prompt`, the variant as classifier `variant`; read-only."
        }
        "values" => "The values of this classifier; each value belongs to one classifier.",
        "default" => "The value a file without a segment for this classifier has; one of `values`.",
        _ => "",
    }
}

fn hover_config(text: &str, offset: usize) -> Option<(String, Range<usize>)> {
    let (path, range) = match crate::config::position_at(text, offset)? {
        crate::config::ConfigPosition::Key { path, range }
        | crate::config::ConfigPosition::Value { path, range } => (path, range),
        crate::config::ConfigPosition::NewKey { .. } => return None,
    };
    crate::config::versioning_subpath(&path)?;
    let key = path.last()?;
    let doc = config_key_doc(key);
    if doc.is_empty() {
        return None;
    }
    Some((format!("**`{key}`** — {doc}"), range))
}

#[cfg(test)]
mod tests {
    use super::{changes_since, markdown_text};

    #[test]
    fn text_from_a_file_cannot_make_markdown() {
        assert_eq!(
            markdown_text("file:///srv/my_prompts\n![x](http://e/a.png) <b>*`|#~&\\"),
            "file:///srv/my\\_prompts \\!\\[x\\](http://e/a.png) \\<b\\>\\*\\`\\|\\#\\~\\&\\\\"
        );
        assert_eq!(
            markdown_text("acme/support-reply 1.2.0"),
            "acme/support-reply 1.2.0"
        );
    }

    #[test]
    fn changes_name_the_variables_then_count_the_lines() {
        assert_eq!(
            changes_since(
                "Hi {{product}}.\nBye.\n",
                "Hi {{tone}}.\nBye.\nMore.\n",
                false
            ),
            "+`{{tone}}`, −`{{product}}`, 3 lines"
        );
        assert_eq!(changes_since("a\n", "b\n", false), "2 lines");
        assert_eq!(changes_since("a\n", "a\nb\n", false), "1 line");
        assert_eq!(changes_since("a {{x}}\n", "a {{x}}\n", false), "same text");
        // Jinja: a variable set by the template itself is not one the caller passes.
        assert_eq!(
            changes_since("{{ a }}\n", "{% set a = 1 %}{{ a }}\n", true),
            "−`{{a}}`, 2 lines"
        );
    }
}
