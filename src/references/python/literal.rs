//! Python literals: strings (prefixes, quotes, unterminated strings), dicts of strings,
//! numbers and escapes.

use std::ops::Range;

use tree_sitter::Node;

use super::{MAX_DEPTH, Scanner};
use crate::references::Literal;

/// A string literal's parts.
pub(super) struct StrLit {
    /// The content's byte range (inside prefix and quotes).
    pub(super) content: Range<usize>,
    /// Whether escapes are left alone (`r"…"`).
    pub(super) raw: bool,
}

impl<'t> Scanner<'t> {
    /// A plain string literal (no f-string, no bytes, no concatenation).
    pub(super) fn string(&self, node: Node<'t>) -> Option<StrLit> {
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

    pub(super) fn literal(&self, node: Node<'t>) -> Option<Literal> {
        let s = self.string(node)?;
        Some(Literal {
            value: self.text[s.content.clone()].to_string(),
            range: s.content,
        })
    }

    /// A dict whose keys and values are all string literals (empty dicts too).
    pub(super) fn string_dict(
        &self,
        node: Node<'t>,
    ) -> Option<Vec<(Literal, Literal, Range<usize>)>> {
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
}

/// The expression inside any parentheses.
pub(super) fn unparen(mut node: Node<'_>) -> Node<'_> {
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
pub(super) fn number(text: &str) -> Option<f64> {
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
pub(super) fn unescape(s: &str) -> String {
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
