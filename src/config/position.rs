//! What is at a byte offset of a config file (`promptic.toml`, `pyproject.toml`), for
//! completion and hover: read with `toml_edit`'s parser and its spans, so multi-line
//! arrays, comments, inline tables, dotted keys and sub-tables are all understood.
//!
//! A file being typed is usually not valid TOML (`delimiter = ` has no value yet). Only
//! then, a fallback reads the line under the cursor from the text before the cursor; the
//! tables above that line still come from the parser (the text before the line must parse).

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike, Value};

/// What the cursor is on in a config file. Paths are full dotted key paths from the
/// document root, e.g. `["versioning", "classifiers", "lang", "default"]` or
/// `["tool", "promptic", "versioning", "delimiter"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigPosition {
    /// On a key: its path and the key's byte range.
    Key {
        /// The key's full path.
        path: Vec<String>,
        /// Byte range of the key (of its last dotted part).
        range: Range<usize>,
    },
    /// In the value of a key (also one still being typed): the key's path and the byte
    /// range of the value's content (inside the quotes for a string; for an array, the
    /// element under the cursor).
    Value {
        /// The key's full path.
        path: Vec<String>,
        /// Byte range of the value's content.
        range: Range<usize>,
    },
    /// Where a new key of a table goes (an empty line, or a key name being typed): the
    /// table's path and the byte range of what is typed so far.
    NewKey {
        /// The table's full path (`[]` for the document root).
        table: Vec<String>,
        /// Byte range of the typed part of the key, ending at the cursor.
        range: Range<usize>,
    },
}

/// What is at byte `offset` of config text `text`; `None` in a comment, a table header,
/// between values, or when even the text above the current line is not valid TOML.
///
/// Valid TOML is read with the parser only. Invalid TOML (a half-written file) falls back
/// to the text of the current line before the cursor, which must look like `key = value…`
/// or a key being typed; the table it belongs to comes from parsing the lines above it.
pub fn position_at(text: &str, offset: usize) -> Option<ConfigPosition> {
    let offset = floor_boundary(text, offset.min(text.len()));
    match ImDocument::parse(text) {
        Ok(doc) => {
            let mut path = Vec::new();
            if let Some(p) = walk(text, doc.as_table(), &mut path, offset) {
                return Some(p);
            }
            // Not on a key or value: a new key on an otherwise blank line.
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let typed = &text[line_start..offset];
            if !typed.trim().is_empty() {
                return None;
            }
            let table = table_at(doc.as_table(), offset)?;
            Some(ConfigPosition::NewKey {
                table,
                range: offset..offset,
            })
        }
        Err(_) => incomplete_position(text, offset),
    }
}

/// The string items of the `values` array of the table at `table` (a classifier), as a
/// document would have them with the line under `offset` left out when the whole text is
/// not valid TOML yet (that line is the one being typed). Empty when there is none.
pub fn table_values(text: &str, offset: usize, table: &[String]) -> Vec<String> {
    let offset = floor_boundary(text, offset.min(text.len()));
    let doc = ImDocument::parse(text.to_string()).or_else(|_| {
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        ImDocument::parse(format!("{}{}", &text[..line_start], &text[line_end..]))
    });
    let Ok(doc) = doc else {
        return Vec::new();
    };
    let mut item: &dyn TableLike = doc.as_table();
    for key in table {
        match item.get(key).and_then(Item::as_table_like) {
            Some(t) => item = t,
            None => return Vec::new(),
        }
    }
    item.get("values")
        .and_then(Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The part of `path` inside the promptic versioning table: after `versioning` in
/// `promptic.toml`, after `tool.promptic.versioning` in `pyproject.toml`; `None` outside.
pub fn versioning_subpath(path: &[String]) -> Option<&[String]> {
    match path {
        [v, rest @ ..] if v == "versioning" => Some(rest),
        [t, p, v, rest @ ..] if t == "tool" && p == "promptic" && v == "versioning" => Some(rest),
        _ => None,
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn within(range: &Range<usize>, offset: usize) -> bool {
    range.start <= offset && offset <= range.end
}

/// The content of a value spanning `span`: inside the quotes of a string.
fn content(text: &str, span: Range<usize>) -> Range<usize> {
    let s = &text[span.clone()];
    let q = if s.starts_with("\"\"\"") || s.starts_with("'''") {
        3
    } else if s.starts_with('"') || s.starts_with('\'') {
        1
    } else {
        0
    };
    if s.len() >= 2 * q {
        span.start + q..span.end - q
    } else {
        span
    }
}

fn walk(
    text: &str,
    table: &dyn TableLike,
    path: &mut Vec<String>,
    offset: usize,
) -> Option<ConfigPosition> {
    for (k, item) in table.iter() {
        path.push(k.to_string());
        let key_span = table.get_key_value(k).and_then(|(key, _)| key.span());
        let found = if let Some(r) = key_span.filter(|r| within(r, offset)) {
            Some(ConfigPosition::Key {
                path: path.clone(),
                range: r,
            })
        } else {
            match item {
                Item::Table(t) => walk(text, t, path, offset),
                Item::ArrayOfTables(a) => a.iter().find_map(|t| walk(text, t, path, offset)),
                Item::Value(v) => in_value(text, v, path, offset),
                Item::None => None,
            }
        };
        if found.is_some() {
            return found;
        }
        path.pop();
    }
    None
}

fn in_value(
    text: &str,
    value: &Value,
    path: &mut Vec<String>,
    offset: usize,
) -> Option<ConfigPosition> {
    let span = value.span()?;
    if !within(&span, offset) {
        return None;
    }
    match value {
        Value::InlineTable(t) => walk(text, t, path, offset),
        Value::Array(a) => {
            let range = a
                .iter()
                .filter_map(|v| v.span())
                .find(|r| within(r, offset))
                .map_or(offset..offset, |r| content(text, r));
            Some(ConfigPosition::Value {
                path: path.clone(),
                range,
            })
        }
        _ => Some(ConfigPosition::Value {
            path: path.clone(),
            range: content(text, span),
        }),
    }
}

/// The path of the table whose header is the last one at or before `offset` (the root
/// when there is none); `None` when `offset` is inside a header.
fn table_at(root: &toml_edit::Table, offset: usize) -> Option<Vec<String>> {
    fn collect(
        t: &toml_edit::Table,
        path: &mut Vec<String>,
        out: &mut Vec<(Range<usize>, Vec<String>)>,
    ) {
        for (k, item) in t.iter() {
            path.push(k.to_string());
            let tables: Vec<&toml_edit::Table> = match item {
                Item::Table(t) => vec![t],
                Item::ArrayOfTables(a) => a.iter().collect(),
                _ => Vec::new(),
            };
            for t in tables {
                if let Some(span) = t.span().filter(|_| !t.is_implicit() && !t.is_dotted()) {
                    out.push((span, path.clone()));
                }
                collect(t, path, out);
            }
            path.pop();
        }
    }
    let mut headers = Vec::new();
    collect(root, &mut Vec::new(), &mut headers);
    if headers
        .iter()
        .any(|(r, _)| r.start < offset && offset < r.end)
    {
        return None;
    }
    Some(
        headers
            .into_iter()
            .filter(|(r, _)| r.end <= offset)
            .max_by_key(|(r, _)| r.start)
            .map(|(_, p)| p)
            .unwrap_or_default(),
    )
}

/// The fallback for text that is not valid TOML (see [`position_at`]).
fn incomplete_position(text: &str, offset: usize) -> Option<ConfigPosition> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let typed = &text[line_start..offset];
    tracing::trace!(
        typed,
        "config text does not parse; reading the line being typed"
    );
    let above = ImDocument::parse(&text[..line_start]).ok()?;
    let mut table = table_at(above.as_table(), line_start)?;
    let trimmed = typed.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('#') {
        return None;
    }
    match trimmed.split_once('=') {
        Some((key, value)) => {
            let keys = toml_edit::Key::parse(key.trim()).ok()?;
            table.extend(keys.iter().map(|k| k.get().to_string()));
            let value_start = offset - value.trim_start().len();
            let v = &text[value_start..offset];
            let quote = v.chars().next().filter(|c| *c == '"' || *c == '\'');
            let rest = quote.map_or(v, |q| &v[q.len_utf8()..]);
            // Only a scalar still being typed: a bare word or an unclosed string.
            let ok = match quote {
                Some(q) => !rest.contains(q),
                None => rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            };
            ok.then(|| ConfigPosition::Value {
                path: table,
                range: offset - rest.len()..offset,
            })
        }
        None => {
            let word = trimmed.trim_end();
            if word.len() != trimmed.len()
                || !word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                return None;
            }
            let (parents, last) = word.rsplit_once('.').unwrap_or(("", word));
            if !parents.is_empty() {
                let keys = toml_edit::Key::parse(parents).ok()?;
                table.extend(keys.iter().map(|k| k.get().to_string()));
            }
            Some(ConfigPosition::NewKey {
                table,
                range: offset - last.len()..offset,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    /// The byte offset just after the `nth` occurrence of `needle`.
    fn after(text: &str, needle: &str) -> usize {
        text.find(needle).unwrap() + needle.len()
    }

    fn value(path: &[&str], range: Range<usize>) -> Option<ConfigPosition> {
        Some(ConfigPosition::Value {
            path: p(path),
            range,
        })
    }

    #[test]
    fn values_in_every_shape() {
        let t = "[versioning]\nprerelease_order = [\n  \"alpha\",\n  \"rc\", # note\n]\ndelimiter = \"-\" # trailing\nclassifiers = { lang = { values = [\"en\", \"ru\"], default = \"en\" } }\n";
        let rc = t.find("rc\"").unwrap();
        assert_eq!(
            position_at(t, rc + 1),
            value(&["versioning", "prerelease_order"], rc..rc + 2)
        );
        let d = t.find("\"-\"").unwrap();
        assert_eq!(
            position_at(t, d + 1),
            value(&["versioning", "delimiter"], d + 1..d + 2)
        );
        let en = t.rfind("\"en\"").unwrap();
        assert_eq!(
            position_at(t, en + 2),
            value(
                &["versioning", "classifiers", "lang", "default"],
                en + 1..en + 3
            )
        );
        // The comment after a value is no value.
        assert_eq!(position_at(t, after(t, "# tra")), None);
    }

    #[test]
    fn dotted_keys_and_sub_tables() {
        let t = "versioning.delimiter = \"-\"\n[tool.promptic.versioning.classifiers.lang]\nvalues = [\"en\"]\ndefault = \"en\"\n";
        let d = t.find("\"-\"").unwrap();
        assert_eq!(
            position_at(t, d + 1),
            value(&["versioning", "delimiter"], d + 1..d + 2)
        );
        let k = t.find("delimiter").unwrap();
        assert_eq!(
            position_at(t, k + 3),
            Some(ConfigPosition::Key {
                path: p(&["versioning", "delimiter"]),
                range: k..k + 9
            })
        );
        let def = t.find("default").unwrap();
        assert_eq!(
            position_at(t, def),
            Some(ConfigPosition::Key {
                path: p(&[
                    "tool",
                    "promptic",
                    "versioning",
                    "classifiers",
                    "lang",
                    "default"
                ]),
                range: def..def + 7
            })
        );
        // A blank line at the end belongs to the last table.
        let t2 = format!("{t}\n");
        assert_eq!(
            position_at(&t2, t2.len()),
            Some(ConfigPosition::NewKey {
                table: p(&["tool", "promptic", "versioning", "classifiers", "lang"]),
                range: t2.len()..t2.len()
            })
        );
        assert_eq!(
            table_values(
                t,
                0,
                &p(&["tool", "promptic", "versioning", "classifiers", "lang"])
            ),
            ["en"]
        );
    }

    #[test]
    fn half_written_files_know_the_key_being_typed() {
        let t = "[versioning]\ndelimiter = ";
        assert_eq!(
            position_at(t, t.len()),
            value(&["versioning", "delimiter"], t.len()..t.len())
        );
        let t = "[versioning]\ndelimiter = \"";
        assert_eq!(
            position_at(t, t.len()),
            value(&["versioning", "delimiter"], t.len()..t.len())
        );
        let t = "[versioning]\nprerelease_order = [\n  \"alpha\", # note\n]\ninclude_prerelease = tr\nbroken = ";
        let at = after(t, "= tr");
        assert_eq!(
            position_at(t, at),
            value(&["versioning", "include_prerelease"], at - 2..at)
        );
        let t = "[versioning.classifiers.lang]\nvalues = [\"en\",\n  \"ru\"]\ndefault = \"";
        assert_eq!(
            position_at(t, t.len()),
            value(
                &["versioning", "classifiers", "lang", "default"],
                t.len()..t.len()
            )
        );
        assert_eq!(
            table_values(t, t.len(), &p(&["versioning", "classifiers", "lang"])),
            ["en", "ru"]
        );
        let t = "[tool.promptic.versioning]\ninclude_pre";
        assert_eq!(
            position_at(t, t.len()),
            Some(ConfigPosition::NewKey {
                table: p(&["tool", "promptic", "versioning"]),
                range: t.len() - 11..t.len()
            })
        );
        // Inside an unclosed multi-line array: nothing to offer, no panic.
        let t = "[versioning]\nprerelease_order = [\n  \"al";
        assert_eq!(position_at(t, t.len()), None);
    }

    proptest::proptest! {
        /// Any text and any offset (also inside a character): no panic, and every range
        /// returned lies in the text on character boundaries.
        #[test]
        fn any_text_any_offset(
            text in "([\\[\\]{}=,.\"'#\\n ]|versioning|delimiter|tool|promptic|classifiers|lang|values|default|é|[a-z0-9]){0,40}",
            offset in 0usize..200,
        ) {
            if let Some(pos) = position_at(&text, offset) {
                let r = match &pos {
                    ConfigPosition::Key { range, .. }
                    | ConfigPosition::Value { range, .. }
                    | ConfigPosition::NewKey { range, .. } => range.clone(),
                };
                proptest::prop_assert!(r.start <= r.end && r.end <= text.len(), "{pos:?}");
                proptest::prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            }
            let _ = table_values(&text, offset, &p(&["versioning", "classifiers", "lang"]));
        }
    }
}
