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

/// Extensions of Jinja2 template files (`.jinja`, `.jinja2`, `.j2`), lower-case, without
/// the dot.
pub const JINJA_EXTENSIONS: &[&str] = &["jinja", "jinja2", "j2"];

/// Whether a file is a Jinja2 template, by the extension of `file_name` (a file name or a
/// path; any case): `.jinja`, `.jinja2` or `.j2`. The one place that decides it, so variables,
/// bump recommendations and hovers agree.
pub fn is_jinja(file_name: &str) -> bool {
    std::path::Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| JINJA_EXTENSIONS.iter().any(|j| e.eq_ignore_ascii_case(j)))
}

/// The names the default Jinja environment provides (`range`, `namespace`, …): a template
/// that calls them needs nothing from its caller.
static JINJA_GLOBALS: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
    minijinja::Environment::new()
        .globals()
        .map(|(name, _)| name.to_string())
        .collect()
});

/// The variables a template uses, sorted.
///
/// In Jinja2 files (`jinja`): the undeclared variables minijinja's parser finds — names the
/// template reads but never assigns itself (`{% for %}` targets, `{% set %}`, macro
/// arguments, `loop` and the environment's globals such as `range` are left out; a dotted
/// name counts by its root). A template with a syntax error (for example one being typed)
/// falls back to a lexical scan of `{{ … }}` and `{% if/for/set … %}` tags, logged at debug
/// level. Known gap: minijinja does not count the name expression of a computed
/// `{% include name %}` / `{% extends name %}`. Elsewhere: the root name of each `{{name}}`.
pub fn variables(text: &str, jinja: bool) -> Vec<String> {
    if jinja {
        match jinja_variables(text) {
            Ok(vars) => return vars,
            Err(e) => {
                tracing::debug!(error = %e, "Jinja syntax error; variables from a lexical scan instead");
                return lexical_variables(text, true);
            }
        }
    }
    lexical_variables(text, false)
}

/// The undeclared variables of a Jinja2 template, sorted; `Err` on a syntax error.
fn jinja_variables(text: &str) -> Result<Vec<String>, minijinja::Error> {
    let env = minijinja::Environment::empty();
    let template = env.template_from_str(text)?;
    let mut vars: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !JINJA_GLOBALS.contains(v))
        .collect();
    vars.sort();
    Ok(vars)
}

/// The regex scan: `{{name}}` roots, and in Jinja mode the roots of `{{ … }}` and
/// `{% if/elif/for/set/with … %}` expressions without a stop list's words (the fallback for
/// templates that do not parse).
fn lexical_variables(text: &str, jinja: bool) -> Vec<String> {
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct VariableChange {
    /// Variables the new version no longer uses (removed or renamed: MAJOR).
    pub removed: Vec<String>,
    /// Variables the new version adds (MINOR).
    pub added: Vec<String>,
    /// Variables both versions use.
    pub kept: Vec<String>,
}

/// Compares the variables of `old` and `new` (sorted lists, as [`variables`] returns);
/// each list of the result keeps that order.
pub fn compare_variables(old: &[String], new: &[String]) -> VariableChange {
    let has = |list: &[String], v: &String| list.contains(v);
    VariableChange {
        removed: old.iter().filter(|v| !has(new, v)).cloned().collect(),
        added: new.iter().filter(|v| !has(old, v)).cloned().collect(),
        kept: old.iter().filter(|v| has(new, v)).cloned().collect(),
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
        // `greet` is called, not defined by the template: the caller must pass it too.
        let t = "{% for item in items %}{{ item.title | upper }}{% endfor %}{% if tone == 'formal' %}{{ greet(user) }}{% endif %}";
        assert_eq!(variables(t, true), vec!["greet", "items", "tone", "user"]);
    }

    fn jinja(t: &str) -> Vec<String> {
        variables(t, true)
    }

    #[test]
    fn jinja_loop_targets_and_set_are_declared() {
        assert_eq!(
            jinja("{% for x in items %}{{ x.name }}{% endfor %}"),
            ["items"]
        );
        assert_eq!(jinja("{% set y = 1 %}{{ y }}"), Vec::<String>::new());
        assert_eq!(
            jinja("{% for k, v in pairs.items() %}{{ k }}={{ v }}{% endfor %}"),
            ["pairs"]
        );
        // `with` declares its names for its block (the regex scan reported `a`).
        assert_eq!(jinja("{% with a = b %}{{ a }}{% endwith %}"), ["b"]);
    }

    #[test]
    fn jinja_filters_loop_and_globals() {
        assert_eq!(
            jinja("{{ name | default(fallback) | upper }} {{ x is defined }}"),
            ["fallback", "name", "x"]
        );
        assert_eq!(
            jinja("{% for r in rows %}{{ loop.index }}: {{ r }}{% endfor %}"),
            ["rows"]
        );
        assert_eq!(
            jinja(
                "{% for i in range(3) %}{{ i }}{% endfor %}{% set ns = namespace(n=0) %}{{ ns.n }}"
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn jinja_macros_and_includes() {
        // Macro arguments are declared inside the macro; the macro itself is declared.
        assert_eq!(
            jinja(
                "{% macro card(title) %}<h1>{{ title }}</h1>{{ footer }}{% endmacro %}{{ card(heading) }}"
            ),
            ["footer", "heading"]
        );
        // An include names no variable, and the included file is not followed (its
        // variables are its own). minijinja's analysis also skips the name expression of a
        // computed `{% include name %}`.
        assert_eq!(
            jinja("{% include \"header.j2\" %}{{ title }}{% include section_template %}"),
            ["title"]
        );
        assert_eq!(
            jinja("{% import \"forms.j2\" as forms %}{{ forms.input(field) }}"),
            ["field"]
        );
    }

    #[test]
    fn jinja_string_literals_and_comments_hold_no_variables() {
        // The regex scan read `{{ inner }}` inside a string literal and a comment.
        assert_eq!(
            jinja("{{ \"{{ inner }}\" }}{# {{ commented }} #}{{ real }}"),
            ["real"]
        );
        assert_eq!(
            jinja("{% raw %}{{ shown_as_is }}{% endraw %}"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn jinja_syntax_error_falls_back_to_the_lexical_scan() {
        // An unclosed block: minijinja refuses it, the scan still finds `name`.
        assert_eq!(jinja("Hi {{ name }} {% if tone %}"), ["name", "tone"]);
        assert_eq!(jinja("{{ user."), Vec::<String>::new());
    }

    #[test]
    fn one_notion_of_a_jinja_file() {
        for name in ["a.jinja", "a.jinja2", "dir/A.J2", "/x/p_v1.Jinja2"] {
            assert!(is_jinja(name), "{name}");
        }
        for name in ["a.json", "a.md", "j2", "a.j2.md", "a.jinja.txt", ""] {
            assert!(!is_jinja(name), "{name}");
        }
    }

    proptest::proptest! {
        /// Partial and hostile Jinja never panics or hangs, and every result is a name.
        #[test]
        fn jinja_variables_of_any_text_are_names(
            text in "([{}%#]|\\{\\{|\\{%|%\\}|\\}\\}|[a-c ._|()=,\"']|for|in|set|endfor|if|endif|macro|endmacro|\n){0,40}"
        ) {
            for v in variables(&text, true) {
                proptest::prop_assert!(IDENT.find(&v).is_some_and(|m| m.as_str() == v), "{v:?}");
            }
        }
    }

    #[test]
    fn rule_of_seed_001() {
        let c = compare_variables(&["product".into()], &["product_name".into()]);
        assert_eq!(c.removed, vec!["product"]);
        assert_eq!(c.added, vec!["product_name"]);
    }
}
