//! Template variables: `{{name}}` (and the root names of Jinja2 expressions) and the
//! variable rule of I-3 / seed 001 (removed or renamed -> MAJOR, added -> MINOR, else PATCH).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

static MUSTACHE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([^{}]*?)\s*\}\}").unwrap());
static STATEMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{%-?\s*(if|elif|for|set|with)\s+([^%]*?)-?%\}").unwrap());
static IDENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").unwrap());

const JINJA_WORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "loop",
    "range",
    "length",
    "lower",
    "upper",
    "default",
    "join",
    "title",
    "trim",
    "defined",
    "undefined",
];

/// The variables a template uses, sorted. In Jinja2 files (`jinja`), the root names of
/// `{{ … }}`, `{% if … %}` and `{% for x in … %}` expressions (loop variables excluded);
/// elsewhere `{{name}}` (a dotted name counts by its root).
pub fn variables(text: &str, jinja: bool) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut locals = BTreeSet::new();
    for caps in MUSTACHE.captures_iter(text) {
        let expr = caps.get(1).unwrap().as_str();
        if jinja {
            collect_roots(expr, &mut out);
        } else if let Some(m) = IDENT.find(expr)
            && m.start() == 0
        {
            out.insert(m.as_str().to_string());
        }
    }
    if jinja {
        for caps in STATEMENT.captures_iter(text) {
            let (kw, expr) = (caps.get(1).unwrap().as_str(), caps.get(2).unwrap().as_str());
            if kw == "for" {
                if let Some((vars, iter)) = expr.split_once(" in ") {
                    for v in IDENT.find_iter(vars) {
                        locals.insert(v.as_str().to_string());
                    }
                    collect_roots(iter, &mut out);
                }
            } else if kw == "set" {
                if let Some((var, value)) = expr.split_once('=') {
                    locals.insert(var.trim().to_string());
                    collect_roots(value, &mut out);
                }
            } else {
                collect_roots(expr, &mut out);
            }
        }
    }
    out.into_iter().filter(|v| !locals.contains(v)).collect()
}

fn collect_roots(expr: &str, out: &mut BTreeSet<String>) {
    // Drop string literals, then take identifiers that are not attributes, filters or words.
    let mut cleaned = String::with_capacity(expr.len());
    let mut quote = None;
    for c in expr.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => cleaned.push(c),
        }
    }
    for m in IDENT.find_iter(&cleaned) {
        let before = cleaned[..m.start()].trim_end();
        if before.ends_with('.') || before.ends_with('|') || JINJA_WORDS.contains(&m.as_str()) {
            continue;
        }
        if cleaned[m.end()..].trim_start().starts_with('(') {
            continue;
        }
        out.insert(m.as_str().to_string());
    }
}

/// How the variables changed between a version and the one it follows.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct VariableChange {
    /// Variables the new version no longer uses (removed or renamed: MAJOR).
    pub removed: Vec<String>,
    /// Variables the new version adds (MINOR).
    pub added: Vec<String>,
}

/// Compares the variables of `old` and `new` (sorted lists, as [`variables`] returns).
pub fn compare_variables(old: &[String], new: &[String]) -> VariableChange {
    VariableChange {
        removed: old.iter().filter(|v| !new.contains(v)).cloned().collect(),
        added: new.iter().filter(|v| !old.contains(v)).cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mustache_variables() {
        assert_eq!(
            variables("Hi {{name}}, {{ user.email }} {{name}}", false),
            vec!["name", "user"]
        );
    }

    #[test]
    fn jinja_roots() {
        let t = "{% for item in items %}{{ item.title | upper }}{% endfor %}{% if tone == 'formal' %}{{ greet(user) }}{% endif %}";
        assert_eq!(variables(t, true), vec!["items", "tone", "user"]);
    }

    #[test]
    fn rule_of_seed_001() {
        let c = compare_variables(&["product".into()], &["product_name".into()]);
        assert_eq!(c.removed, vec!["product"]);
        assert_eq!(c.added, vec!["product_name"]);
    }
}
