//! Editing `title` / `description` in a prompt's front matter without touching anything
//! else: a YAML parser locates each key's value, the new value (a JSON-quoted string,
//! which is valid YAML) replaces exactly that value, and every other byte stays.
//!
//! - Markdown, text and template files: the leading `---` block is edited; a missing key
//!   is added at the end of the block, and a file without a block gets one, both with the
//!   file's own line ending.
//! - YAML prompt files (`.yaml`, `.yml`): the document's own top-level `title` /
//!   `description` keys are edited the same way (no `---` block is ever prepended).
//! - JSON prompt files are refused: their metadata cannot be edited without rewriting the
//!   file, and a `---` block would make them invalid JSON.

use std::ops::Range;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::analysis::front_matter_block;

use super::PlanError;

/// Sets `title` and/or `description` of `content`, the text of a prompt file named
/// `name`, changing only those values (see the module documentation).
///
/// Returns `content` unchanged when both are `None`. Fails with
/// [`PlanError::FrontMatter`] for a JSON file, or front matter that is not a YAML block
/// mapping (invalid YAML, a list, a flow mapping `{…}`, several documents).
pub fn set_front_matter(
    name: &str,
    content: &str,
    title: Option<&str>,
    description: Option<&str>,
) -> Result<String, PlanError> {
    let fields: Vec<(&str, &str)> = [("title", title), ("description", description)]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    if fields.is_empty() {
        return Ok(content.to_string());
    }
    let ext = name
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    let fail = |why: String| PlanError::FrontMatter(format!("`{name}`: {why}"));
    if ext == "json" {
        return Err(fail(
            "a JSON prompt file has no front matter; edit its title or description by hand".into(),
        ));
    }
    if ext == "yaml" || ext == "yml" {
        let eol = line_ending(content);
        return set_keys(content, 0..content.len(), &fields, eol).map_err(fail);
    }
    match front_matter_block(content) {
        Some(block) => set_keys(content, block.yaml, &fields, block.eol).map_err(fail),
        None => {
            let eol = line_ending(content);
            let bom = if content.starts_with('\u{feff}') {
                3
            } else {
                0
            };
            let mut out = String::with_capacity(content.len() + 64);
            out.push_str(&content[..bom]);
            out.push_str("---");
            out.push_str(eol);
            for (k, v) in &fields {
                out.push_str(&format!("{k}: {}{eol}", quote(v)));
            }
            out.push_str("---");
            out.push_str(eol);
            out.push_str(&content[bom..]);
            Ok(out)
        }
    }
}

/// The line ending of `text`'s first line (`\n` when it has none).
fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// `v` as a YAML double-quoted scalar: JSON's quoting, plus escapes for the characters
/// YAML reads as line breaks (NEL, LINE and PARAGRAPH SEPARATOR) and the byte order mark.
fn quote(v: &str) -> String {
    let json = serde_json::to_string(v).expect("a string serializes");
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// One top-level `key: value` entry of a block mapping, as byte offsets into the YAML.
struct Entry {
    key: Option<String>,
    key_start: usize,
    key_style: TScalarStyle,
    value: Event,
    value_start: usize,
    /// Where the next entry's key starts (or the end of the YAML).
    next: usize,
}

/// Replaces (or adds) `fields` in the YAML block mapping `src[yaml]`.
fn set_keys(
    src: &str,
    yaml: Range<usize>,
    fields: &[(&str, &str)],
    eol: &str,
) -> Result<String, String> {
    let doc = &src[yaml.clone()];
    let entries = entries(doc)?;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut missing = Vec::new();
    for (key, value) in fields {
        let mut found = false;
        for e in entries.iter().filter(|e| e.key.as_deref() == Some(key)) {
            found = true;
            edits.push((value_range(doc, e)?, format!(" {}", quote(value))));
        }
        if !found {
            missing.push((key, value));
        }
    }
    if !missing.is_empty() {
        let mut add = String::new();
        if !doc.is_empty() && !doc.ends_with('\n') {
            add.push_str(eol);
        }
        for (k, v) in missing {
            add.push_str(&format!("{k}: {}{eol}", quote(v)));
        }
        edits.push((doc.len()..doc.len(), add));
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut new_doc = doc.to_string();
    for (r, text) in edits {
        new_doc.replace_range(r, &text);
    }
    // The edit must read back as intended; otherwise nothing is written.
    let back = yaml_rust2::YamlLoader::load_from_str(&new_doc).map_err(|e| e.to_string())?;
    let ok = back.len() == 1 && fields.iter().all(|(k, v)| back[0][*k].as_str() == Some(*v));
    if !ok {
        return Err("the front matter could not be edited safely; edit it by hand".into());
    }
    Ok(format!(
        "{}{new_doc}{}",
        &src[..yaml.start],
        &src[yaml.end..]
    ))
}

/// The top-level entries of the YAML document `doc` (a block mapping, or empty).
fn entries(doc: &str) -> Result<Vec<Entry>, String> {
    let offsets: Vec<usize> = doc
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(doc.len()))
        .collect();
    let at = |m: &Marker| offsets.get(m.index()).copied().unwrap_or(doc.len());
    let not_yaml = |e: yaml_rust2::ScanError| format!("the front matter is not valid YAML ({e})");
    let mut parser = Parser::new_from_str(doc);
    let mut next = || parser.next_token().map_err(not_yaml);
    let not_mapping = || "the front matter is not a block of `key: value` lines".to_string();
    let (ev, _) = next()?;
    debug_assert_eq!(ev, Event::StreamStart);
    let (ev, _) = next()?;
    match ev {
        Event::StreamEnd => return Ok(Vec::new()),
        Event::DocumentStart => {}
        _ => return Err(not_mapping()),
    }
    let (ev, m) = next()?;
    match ev {
        Event::MappingStart(..) if !doc[at(&m)..].starts_with('{') => {}
        // A document of nothing but comments.
        Event::Scalar(ref s, TScalarStyle::Plain, ..) if s.is_empty() || s == "~" => {
            if doc
                .trim()
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
            {
                return Ok(Vec::new());
            }
            return Err(not_mapping());
        }
        _ => return Err(not_mapping()),
    }
    let mut out: Vec<Entry> = Vec::new();
    loop {
        let (ev, m) = next()?;
        if let Some(last) = out.last_mut() {
            last.next = at(&m);
        }
        let (key, key_style) = match ev {
            Event::MappingEnd => break,
            Event::Scalar(s, style, ..) => (Some(s), style),
            other => {
                skip_node(&mut next, other)?;
                (None, TScalarStyle::Plain)
            }
        };
        let (value, vm) = next()?;
        let value_start = at(&vm);
        skip_node(&mut next, value.clone())?;
        out.push(Entry {
            key,
            key_start: at(&m),
            key_style,
            value,
            value_start,
            next: doc.len(),
        });
    }
    if let Some(last) = out.last_mut() {
        last.next = doc.len();
    }
    match next()?.0 {
        Event::DocumentEnd => {}
        _ => return Err(not_mapping()),
    }
    match next()?.0 {
        Event::StreamEnd => Ok(out),
        _ => Err("the front matter holds several YAML documents".into()),
    }
}

/// Consumes the rest of the node that `first` starts (nothing for a scalar or alias).
fn skip_node(
    next: &mut impl FnMut() -> Result<(Event, Marker), String>,
    first: Event,
) -> Result<(), String> {
    let mut depth = match first {
        Event::MappingStart(..) | Event::SequenceStart(..) => 1usize,
        _ => return Ok(()),
    };
    while depth > 0 {
        match next()?.0 {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => depth -= 1,
            Event::StreamEnd => return Err("the front matter ends inside a value".into()),
            _ => {}
        }
    }
    Ok(())
}

/// Where a single-line scalar starting at `start` ends (exclusive), or `None` when it is
/// a block scalar or spans lines.
fn scalar_end(doc: &str, start: usize, style: TScalarStyle, value: &str) -> Option<usize> {
    let b = doc.as_bytes();
    match style {
        TScalarStyle::Plain => doc[start..]
            .starts_with(value)
            .then_some(start + value.len())
            .filter(|&end| !doc[start..end].contains('\n')),
        TScalarStyle::DoubleQuoted | TScalarStyle::SingleQuoted => {
            let q = if style == TScalarStyle::DoubleQuoted {
                b'"'
            } else {
                b'\''
            };
            if b.get(start) != Some(&q) {
                return None;
            }
            let mut i = start + 1;
            while i < b.len() {
                match b[i] {
                    b'\n' | b'\r' => return None,
                    b'\\' if q == b'"' => i += 1,
                    c if c == q && q == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 1,
                    c if c == q => return Some(i + 1),
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => None,
    }
}

/// The bytes of `e`'s value to replace: from just after the key's `:` to the end of the
/// value, leaving a same-line comment, trailing blank lines and comment lines between
/// entries where they are.
fn value_range(doc: &str, e: &Entry) -> Result<Range<usize>, String> {
    let lost = || "cannot locate a key in the front matter; edit it by hand".to_string();
    let key = e.key.as_deref().unwrap_or_default();
    let key_end = scalar_end(doc, e.key_start, e.key_style, key).ok_or_else(lost)?;
    let after = doc[key_end..].trim_start_matches([' ', '\t']);
    if !after.starts_with(':') {
        return Err(lost());
    }
    let colon_end = doc.len() - after.len() + 1;
    let line_end = |from: usize| {
        doc[from..]
            .find(['\r', '\n'])
            .map_or(doc.len(), |i| from + i)
    };
    // A one-line scalar: exactly its bytes.
    if let Event::Scalar(value, style, ..) = &e.value
        && !value.is_empty()
        && e.value_start >= colon_end
        && let Some(end) = scalar_end(doc, e.value_start, *style, value)
        && end <= line_end(colon_end)
    {
        return Ok(colon_end..end);
    }
    let block_scalar = matches!(
        &e.value,
        Event::Scalar(_, TScalarStyle::Literal | TScalarStyle::Folded, ..)
    );
    let key_col = e.key_start - doc[..e.key_start].rfind('\n').map_or(0, |i| i + 1);
    // The value runs to the line before the next key; trailing blank lines and comment
    // lines that belong between entries stay.
    let boundary = doc[..e.next.max(colon_end)]
        .rfind('\n')
        .map_or(colon_end, |i| (i + 1).max(colon_end));
    let mut end = line_end(colon_end);
    let mut pos = end;
    while pos < boundary {
        let start = doc[pos..].find('\n').map_or(doc.len(), |i| pos + i + 1);
        if start >= boundary {
            break;
        }
        let this_end = line_end(start);
        let line = &doc[start..this_end];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let keep_outside = trimmed.is_empty()
            || (trimmed.starts_with('#') && (!block_scalar || indent <= key_col));
        if !keep_outside {
            end = this_end;
        }
        pos = this_end;
    }
    // An empty value with a comment on the key's line: keep the comment.
    if end == line_end(colon_end)
        && matches!(&e.value, Event::Scalar(v, TScalarStyle::Plain, ..) if v.is_empty() || v == "~")
    {
        let line = &doc[colon_end..end];
        if let Some(i) = line
            .find('#')
            .filter(|&i| i == 0 || line[..i].ends_with([' ', '\t']))
        {
            end = colon_end + line[..i].trim_end().len();
        }
    }
    Ok(colon_end..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str, title: &str) -> String {
        set_front_matter("p_v1.md", text, Some(title), None).unwrap()
    }

    /// Regression: the line rewriter turned `tags:\n  - x` into `  - x:`, a block scalar
    /// into `line one:`, and CRLF front matter into LF.
    #[test]
    fn edits_only_the_value() {
        let text = "---\ntitle: Old # keep\ntags:\n  - x\n  - y\ndescription: |\n  line one\n  line two\n---\nbody";
        assert_eq!(
            set(text, "New"),
            "---\ntitle: \"New\" # keep\ntags:\n  - x\n  - y\ndescription: |\n  line one\n  line two\n---\nbody"
        );
        assert_eq!(
            set_front_matter("p_v1.md", text, None, Some("one")).unwrap(),
            "---\ntitle: Old # keep\ntags:\n  - x\n  - y\ndescription: \"one\"\n---\nbody"
        );
        let crlf = "---\r\ntags: [a, b]\r\n# c\r\n---\r\nbody\r\n";
        assert_eq!(
            set(crlf, "T"),
            "---\r\ntags: [a, b]\r\n# c\r\ntitle: \"T\"\r\n---\r\nbody\r\n"
        );
        assert_eq!(
            set("body\r\nmore", "T"),
            "---\r\ntitle: \"T\"\r\n---\r\nbody\r\nmore"
        );
        assert_eq!(
            set("\u{feff}body", "T"),
            "\u{feff}---\ntitle: \"T\"\n---\nbody"
        );
        assert_eq!(
            set(
                "---\ntitle:\n  a long\n  plain title\n# between\nnext: 1\n---\n",
                "x"
            ),
            "---\ntitle: \"x\"\n# between\nnext: 1\n---\n"
        );
        assert_eq!(
            set("---\n\"title\" : 'it''s' # c\n---\n", "x"),
            "---\n\"title\" : \"x\" # c\n---\n"
        );
        assert_eq!(
            set("---\ntitle: # c\n---\n", "x"),
            "---\ntitle: \"x\" # c\n---\n"
        );
        assert_eq!(set("---\n---\nb", "x"), "---\ntitle: \"x\"\n---\nb");
    }

    #[test]
    fn yaml_and_json_prompt_files() {
        assert_eq!(
            set_front_matter(
                "p_v1.yaml",
                "title: a\nmessages:\n  - hi\n",
                Some("b"),
                None
            )
            .unwrap(),
            "title: \"b\"\nmessages:\n  - hi\n"
        );
        assert_eq!(
            set_front_matter("p_v1.yml", "messages: []", Some("b"), None).unwrap(),
            "messages: []\ntitle: \"b\"\n"
        );
        let e = set_front_matter("p_v1.json", "{}", Some("b"), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`p_v1.json`: a JSON prompt file has no front matter; edit its title or description by hand"
        );
    }

    #[test]
    fn refuses_what_it_cannot_edit() {
        for text in [
            "---\n- a list\n---\n",
            "---\n{title: a}\n---\n",
            "---\ntitle: [\n---\n",
        ] {
            assert!(
                matches!(
                    set_front_matter("p.md", text, Some("x"), None),
                    Err(PlanError::FrontMatter(_))
                ),
                "{text:?}"
            );
        }
    }
}
