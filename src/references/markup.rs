//! References inside prompt files (R-1): Markdown links, Jinja2 `{# ref: … #}` comments,
//! and structured `$ref` in YAML and JSON.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::{Literal, RefKind, Reference};
use crate::config::DEFAULT_EXTENSIONS;

static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"!?\[[^\]\n]*\]\(\s*(<[^>\n]*>|[^()\s]*)(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)"#)
        .unwrap()
});
static FENCE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^[ \t]*(```|~~~)").unwrap());
static JINJA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{#-?\s*(?i:ref)\s*:\s*([^#\n]*?)\s*-?#\}").unwrap());
static YAML_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^[ \t]*(?:-[ \t]+)?(?:"\$ref"|'\$ref'|\$ref)[ \t]*:[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s#"'][^\n#]*?))[ \t]*(?:#.*)?$"#).unwrap()
});
static JSON_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""\$ref"\s*:\s*"((?:[^"\\\n]|\\.)*)""#).unwrap());

/// Whether a link target can name a prompt: not a URL, mail or in-page anchor, and either
/// without extension, a folder, or with a prompt extension (R-1).
fn is_prompt_target(target: &str) -> bool {
    if target.is_empty()
        || target.starts_with('#')
        || target.contains("://")
        || target.starts_with("mailto:")
    {
        return false;
    }
    if target.ends_with('/') {
        return true;
    }
    let name = target.rsplit('/').next().unwrap_or(target);
    match name.rsplit_once('.') {
        None => true,
        Some((stem, ext)) => {
            stem.is_empty()
                || DEFAULT_EXTENSIONS
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(ext))
                || ext.chars().all(|c| c.is_ascii_digit())
                || is_version_tail(name)
        }
    }
}

/// `task_v1.2` (a pinned name without extension) ends in digits after a dot.
fn is_version_tail(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, e)| e.chars().all(|c| c.is_ascii_digit()))
}

/// A Markdown link destination as a path: percent-decoded (`my%20task.md` names
/// `my task.md`). A destination whose escapes do not decode to UTF-8 is kept as written
/// (logged), so it resolves to nothing rather than to a wrong file.
pub fn decode_destination(raw: &str) -> String {
    match percent_encoding::percent_decode_str(raw).decode_utf8() {
        Ok(s) => s.into_owned(),
        Err(e) => {
            tracing::debug!(
                "link destination {raw:?} is not UTF-8 once decoded ({e}); kept as written"
            );
            raw.to_string()
        }
    }
}

/// Characters a path must escape to stand in a Markdown link destination: controls,
/// space, `%` itself, and what would end or nest the destination (`( ) < >`), plus `#` and
/// `?` (they start a fragment or query).
const DESTINATION: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b'(')
    .add(b')')
    .add(b'<')
    .add(b'>')
    .add(b'#')
    .add(b'?');

/// A path written as a Markdown link destination: the inverse of the decoding the
/// scanner applies (`my task.md` -> `my%20task.md`); `/` and non-ASCII stay as they are.
pub fn encode_destination(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii() {
            let mut b = [0u8; 1];
            out.extend(percent_encoding::utf8_percent_encode(
                c.encode_utf8(&mut b),
                DESTINATION,
            ));
        } else {
            out.push(c);
        }
    }
    out
}

/// Cuts `#fragment` and `?query` off a target (R-1); returns the kept length.
fn strip_suffixes(target: &str) -> usize {
    target.find(['#', '?']).unwrap_or(target.len())
}

fn fenced_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    for m in FENCE.captures_iter(text) {
        let whole = m.get(0).unwrap();
        let marker = m.get(1).unwrap().as_str();
        match open {
            None => open = Some((whole.start(), marker)),
            Some((start, mk)) if mk == marker => {
                out.push(start..whole.end());
                open = None;
            }
            _ => {}
        }
    }
    if let Some((start, _)) = open {
        out.push(start..text.len());
    }
    out
}

/// Markdown links `[text](target)` (images too), outside fenced code blocks.
pub fn scan_markdown(text: &str) -> Vec<Reference> {
    let fences = fenced_ranges(text);
    let mut out = Vec::new();
    for caps in LINK.captures_iter(text) {
        let whole = caps.get(0).unwrap();
        if whole.as_str().starts_with('!') || fences.iter().any(|f| f.contains(&whole.start())) {
            continue;
        }
        let t = caps.get(1).unwrap();
        let (mut start, mut raw) = (t.start(), t.as_str());
        if let Some(inner) = raw.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            start += 1;
            raw = inner;
        }
        let kept = &raw[..strip_suffixes(raw)];
        let value = decode_destination(kept);
        if value.is_empty() || !is_prompt_target(&value) {
            continue;
        }
        out.push(Reference::plain(
            RefKind::MarkdownLink,
            Literal {
                value,
                range: start..start + kept.len(),
            },
            whole.range(),
        ));
    }
    out
}

/// `{# ref: target #}` comments (case-insensitive `ref:`, spaces optional); the target may
/// carry a version after `@` (`{# ref: steps.md@v2 #}`).
pub fn scan_jinja(text: &str) -> Vec<Reference> {
    JINJA
        .captures_iter(text)
        .filter_map(|caps| {
            let t = caps.get(1).unwrap();
            let raw = t.as_str().trim_matches(|c| c == '"' || c == '\'');
            let offset = t.as_str().find(raw).unwrap_or(0);
            let kept = &raw[..strip_suffixes(raw)];
            (!kept.is_empty())
                .then(|| jinja_reference(kept, t.start() + offset, caps.get(0).unwrap().range()))
        })
        .collect()
}

/// A `{# ref #}` target written at byte `start`: `path`, or `path@version` (the version
/// spec after the last `@`, e.g. `prompts/task@v2`).
pub(super) fn jinja_reference(kept: &str, start: usize, range: Range<usize>) -> Reference {
    let (path, version) = match kept.rsplit_once('@') {
        Some((p, v)) if !p.is_empty() => (p, Some(v)),
        _ => (kept, None),
    };
    let mut r = Reference::plain(
        RefKind::JinjaRef,
        Literal {
            value: path.to_string(),
            range: start..start + path.len(),
        },
        range,
    );
    r.version = version.map(|v| {
        let at = start + path.len() + 1;
        Literal {
            value: v.to_string(),
            range: at..at + v.len(),
        }
    });
    r
}

/// `$ref: target` entries in YAML (quoted or not).
pub fn scan_yaml(text: &str) -> Vec<Reference> {
    YAML_REF
        .captures_iter(text)
        .filter_map(|caps| {
            let t = caps
                .get(1)
                .or_else(|| caps.get(2))
                .or_else(|| caps.get(3))?;
            let kept = &t.as_str()[..strip_suffixes(t.as_str())];
            (!kept.is_empty() && !kept.contains("://")).then(|| {
                Reference::plain(
                    RefKind::StructuredRef,
                    Literal {
                        value: kept.to_string(),
                        range: t.start()..t.start() + kept.len(),
                    },
                    caps.get(0).unwrap().range(),
                )
            })
        })
        .collect()
}

/// `"$ref": "target"` entries in JSON.
pub fn scan_json(text: &str) -> Vec<Reference> {
    JSON_REF
        .captures_iter(text)
        .filter_map(|caps| {
            let t = caps.get(1).unwrap();
            let kept = &t.as_str()[..strip_suffixes(t.as_str())];
            (!kept.is_empty() && !kept.contains("://")).then(|| {
                Reference::plain(
                    RefKind::StructuredRef,
                    Literal {
                        value: kept.to_string(),
                        range: t.start()..t.start() + kept.len(),
                    },
                    caps.get(0).unwrap().range(),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(refs: &[Reference]) -> Vec<&str> {
        refs.iter().map(|r| r.target.value.as_str()).collect()
    }

    #[test]
    fn r1_markdown_links() {
        let text = "See [steps](steps.md#intro), [web](https://x.io/a.md), [top](#top), [mail](mailto:a@b.c),\n\
                    [dir](support/), [pinned](task_v2.0.0.md?x=1), ![img](pic.png), [pic](pic.png)\n```\n[code](no.md)\n```\n";
        let refs = scan_markdown(text);
        assert_eq!(
            targets(&refs),
            vec!["steps.md", "support/", "task_v2.0.0.md"]
        );
        assert_eq!(&text[refs[0].target.range.clone()], "steps.md");
    }

    #[test]
    fn r1_link_destinations_as_commonmark_writes_them() {
        let text = "[a](my%20task.md) [b](<my task.md>) [c](task.md \"title\") [d](task.md 'title')\n\
                    [e](task.md#part) [f](task.md?x=1) [g](<my task.md#part> \"t\") [h](caf%C3%A9.md) [i](bad%FF.md)\n";
        let refs = scan_markdown(text);
        assert_eq!(
            targets(&refs),
            [
                "my task.md",
                "my task.md",
                "task.md",
                "task.md",
                "task.md",
                "task.md",
                "my task.md",
                "café.md",
                "bad%FF.md"
            ]
        );
        let raw: Vec<&str> = refs.iter().map(|r| &text[r.target.range.clone()]).collect();
        assert_eq!(
            raw,
            [
                "my%20task.md",
                "my task.md",
                "task.md",
                "task.md",
                "task.md",
                "task.md",
                "my task.md",
                "caf%C3%A9.md",
                "bad%FF.md"
            ]
        );
        assert_eq!(
            encode_destination("my dir/x (1)%#?.md"),
            "my%20dir/x%20%281%29%25%23%3F.md"
        );
        assert_eq!(encode_destination("café.md"), "café.md");
        assert_eq!(
            decode_destination(&encode_destination("a b%c(d)é")),
            "a b%c(d)é"
        );
    }

    #[test]
    fn r1_jinja_and_structured() {
        let text = "{# ref: steps.md #} {#REF:other#} {# ref: task@v2.1 #}";
        let refs = scan_jinja(text);
        assert_eq!(targets(&refs), vec!["steps.md", "other", "task"]);
        let v = refs[2].version.as_ref().unwrap();
        assert_eq!((v.value.as_str(), &text[v.range.clone()]), ("v2.1", "v2.1"));
        let yaml = "system:\n  $ref: ../task.md\nexamples:\n  - $ref: \"greeting_v1.1.md\"\n  - '$ref': 'x.md' # note\n";
        let refs = scan_yaml(yaml);
        assert_eq!(
            targets(&refs),
            vec!["../task.md", "greeting_v1.1.md", "x.md"]
        );
        assert_eq!(&yaml[refs[1].target.range.clone()], "greeting_v1.1.md");
        let refs = scan_json(r#"{"a": {"$ref": "task.md"}, "b": {"$ref" : "https://x/y.json"}}"#);
        assert_eq!(targets(&refs), vec!["task.md"]);
    }
}
