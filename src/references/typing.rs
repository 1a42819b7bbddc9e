//! References still being typed in prompt files: a Markdown link with no closing `)` yet,
//! a `{# ref:` with no `#}`, a `$ref` whose quote is not closed. The full scanners only
//! read finished syntax (so unfinished text raises no diagnostic); completion, hover and
//! definition ask here for the one construct around the cursor. Only the cursor's line is
//! read, so the cost does not grow with the file.

use std::sync::LazyLock;

use regex::Regex;

use super::markup::{decode_destination, jinja_reference};
use super::{Literal, RefKind, Reference};

/// `[text](` then a destination up to the cursor (`<` opens an angle-bracket one).
static LINK_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"!?\[[^\]]*\]\([ \t]*(?:<([^<>]*)|([^()\s<>]*))$").unwrap());
/// `{# ref:` then a target up to the cursor.
static JINJA_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\{#-?[ \t]*(?i:ref)[ \t]*:[ \t]*["']?([^#\s"']*)$"#).unwrap());
/// `$ref:` then an optional quote and a target up to the cursor (YAML).
static YAML_OPEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^[ \t]*(?:-[ \t]+)?(?:"\$ref"|'\$ref'|\$ref)[ \t]*:[ \t]*(["']?)([^"'#\s]*)$"#)
        .unwrap()
});
/// `"$ref": "` then a target up to the cursor (JSON).
static JSON_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""\$ref"\s*:\s*"([^"\\\s]*)$"#).unwrap());

/// The reference being typed at byte `offset` of a prompt file named `file_name`, read from
/// the cursor's line only: its target runs from where the construct opens to the end of
/// the word under the cursor. `None` for Python files (their scanner recovers unfinished
/// calls itself), when `offset` is not on a char boundary, and when the cursor is in no
/// such construct (or in a `#fragment` / `?query`).
pub fn reference_being_typed(file_name: &str, text: &str, offset: usize) -> Option<Reference> {
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    let before = &text[line_start..offset];
    let after = &text[offset..line_end];
    match ext.as_str() {
        "py" | "pyi" => None,
        "json" => structured(&JSON_OPEN, 1, before, after, line_start, |c| {
            c == '"' || c.is_whitespace()
        }),
        "yaml" | "yml" => {
            let caps = YAML_OPEN.captures(before)?;
            let quote = caps.get(1).map_or("", |m| m.as_str()).chars().next();
            structured(&YAML_OPEN, 2, before, after, line_start, |c| match quote {
                Some(q) => c == q,
                None => c == '#' || c.is_whitespace(),
            })
            .or_else(|| jinja(before, after, line_start))
        }
        _ => link(before, after, line_start).or_else(|| jinja(before, after, line_start)),
    }
}

/// The target's end: the cursor plus the rest of the word after it.
fn word_end(after: &str, stop: impl Fn(char) -> bool) -> usize {
    after.find(stop).unwrap_or(after.len())
}

/// Cuts `#fragment` / `?query`: `None` when the cursor is past the path.
fn kept(raw: &str, cursor_in_raw: usize) -> Option<&str> {
    let end = raw.find(['#', '?']).unwrap_or(raw.len());
    (cursor_in_raw <= end).then_some(&raw[..end])
}

fn link(before: &str, after: &str, line_start: usize) -> Option<Reference> {
    let caps = LINK_OPEN.captures(before)?;
    let whole = caps.get(0)?;
    if whole.as_str().starts_with('!') {
        return None;
    }
    let angle = caps.get(1).is_some();
    let t = caps.get(1).or_else(|| caps.get(2))?;
    let end = word_end(after, |c| {
        if angle {
            c == '>'
        } else {
            c == ')' || c.is_whitespace() || c == '(' || c == '<'
        }
    });
    let full = format!("{}{}", t.as_str(), &after[..end]);
    let path = kept(&full, t.as_str().len())?;
    let start = line_start + t.start();
    Some(Reference::plain(
        RefKind::MarkdownLink,
        Literal {
            value: decode_destination(path),
            range: start..start + path.len(),
        },
        line_start + whole.start()..line_start + before.len() + end,
    ))
}

fn jinja(before: &str, after: &str, line_start: usize) -> Option<Reference> {
    let caps = JINJA_OPEN.captures(before)?;
    let whole = caps.get(0)?;
    let t = caps.get(1)?;
    let end = word_end(after, |c| {
        c == '#' || c == '"' || c == '\'' || c.is_whitespace()
    });
    let full = format!("{}{}", t.as_str(), &after[..end]);
    let path = kept(&full, t.as_str().len())?;
    Some(jinja_reference(
        path,
        line_start + t.start(),
        line_start + whole.start()..line_start + before.len() + end,
    ))
}

fn structured(
    re: &Regex,
    group: usize,
    before: &str,
    after: &str,
    line_start: usize,
    stop: impl Fn(char) -> bool,
) -> Option<Reference> {
    let caps = re.captures(before)?;
    let whole = caps.get(0)?;
    let t = caps.get(group)?;
    let end = word_end(after, stop);
    let full = format!("{}{}", t.as_str(), &after[..end]);
    let path = kept(&full, t.as_str().len())?;
    let start = line_start + t.start();
    Some(Reference::plain(
        RefKind::StructuredRef,
        Literal {
            value: path.to_string(),
            range: start..start + path.len(),
        },
        line_start + whole.start()..line_start + before.len() + end,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `|` marks the cursor.
    fn typed(name: &str, marked: &str) -> Option<(String, String, Option<String>)> {
        let offset = marked.find('|').unwrap();
        let text = marked.replacen('|', "", 1);
        let r = reference_being_typed(name, &text, offset)?;
        assert!(r.range.start <= offset && offset <= r.range.end);
        Some((
            r.target.value.clone(),
            text[r.target.range.clone()].to_string(),
            r.version.map(|v| text[v.range].to_string()),
        ))
    }

    #[test]
    fn unfinished_constructs() {
        let t = |v: &str, raw: &str| Some((v.to_string(), raw.to_string(), None));
        assert_eq!(
            typed("a.md", "see [x](prompts/task_v|"),
            t("prompts/task_v", "prompts/task_v")
        );
        assert_eq!(
            typed("a.md", "[x](my%20ta|sk and more"),
            t("my task", "my%20task")
        );
        assert_eq!(typed("a.md", "[x](<my ta|"), t("my ta", "my ta"));
        assert_eq!(typed("a.md", "[x](a.md#fr|"), None);
        assert_eq!(typed("a.md", "![x](pic|"), None);
        assert_eq!(typed("a.md", "plain | text"), None);
        assert_eq!(
            typed("a.md", "{# ref: prompts/task@|"),
            Some((
                "prompts/task".into(),
                "prompts/task".into(),
                Some(String::new())
            ))
        );
        assert_eq!(typed("a.md", "{#- REF: 'x/y|"), t("x/y", "x/y"));
        assert_eq!(
            typed("a.yaml", "system:\n  $ref: \"prompts/ta|\nnext: 1\n"),
            t("prompts/ta", "prompts/ta")
        );
        assert_eq!(typed("a.yml", "- $ref: pro|mpts"), t("prompts", "prompts"));
        assert_eq!(
            typed("a.json", "{\"a\": {\"$ref\": \"prompts/ta|"),
            t("prompts/ta", "prompts/ta")
        );
        assert_eq!(typed("a.py", "load_prompt(\"x|"), None);
    }
}
