//! User-facing text stands on its own: no internal rule ids (`V-3`, `I-2`, `seed 001`) and
//! no paths outside the repository in string literals of `src/`, `--help`, the README, the
//! user reference under `docs/` and the editors' READMEs and settings; and every diagnostic
//! code links to its own section of `docs/diagnostics.md`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use promptls::diagnostics::{Code, DOCS_BASE};
use regex::Regex;
use serde_json::json;
use syn::visit::Visit;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Internal ids and paths that mean nothing to a user.
fn internal() -> Regex {
    Regex::new(r"\b[VRIQ]-\d+\b|(?i:\bseed \d{3}\b)|\.\./shared").unwrap()
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// Collects every string literal outside test code: expressions, macro arguments
/// (`format!`, `json!`), and attribute arguments (`#[error("…")]`) — but not doc comments,
/// which are for readers of the code (clap's become `--help`, checked from the binary).
#[derive(Default)]
struct Literals(Vec<String>);

impl Literals {
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        for t in tokens {
            match t {
                proc_macro2::TokenTree::Group(g) => self.tokens(g.stream()),
                proc_macro2::TokenTree::Literal(l) => {
                    if let syn::Lit::Str(s) = syn::Lit::new(l) {
                        self.0.push(s.value());
                    }
                }
                _ => {}
            }
        }
    }
}

fn is_test_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("test")
            || (a.path().is_ident("cfg")
                && a.parse_args::<syn::Meta>()
                    .is_ok_and(|m| m.path().is_ident("test")))
    })
}

impl<'ast> Visit<'ast> for Literals {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_attr(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_attr(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_attr(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => {}
            syn::Meta::List(l) => self.tokens(l.tokens.clone()),
            _ => syn::visit::visit_attribute(self, a),
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.tokens(m.tokens.clone());
    }
    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        self.0.push(s.value());
    }
}

/// The string literals of one Rust source file, outside test code.
fn literals_of(source: &str) -> Vec<String> {
    let file = syn::parse_file(source).expect("src parses");
    let mut v = Literals::default();
    v.visit_file(&file);
    v.0
}

#[test]
fn the_literal_scan_sees_messages_and_skips_comments_and_tests() {
    let src = r####"
        //! Module docs cite V-1.
        /// Item docs cite I-2.
        #[derive(thiserror::Error, Debug)]
        enum E { #[error("bad (V-3)")] Bad }
        fn f() -> String {
            // a comment: seed 001
            let a = "plain (R-4)";
            format!("{} (seed 002)", a)
        }
        #[cfg(test)]
        mod tests { const X: &str = "V-9"; }
        #[test]
        fn t() { let _ = "Q-1"; }
    "####;
    let re = internal();
    let found: Vec<String> = literals_of(src)
        .into_iter()
        .filter(|l| re.is_match(l))
        .collect();
    assert_eq!(found, ["bad (V-3)", "plain (R-4)", "{} (seed 002)"]);
}

#[test]
fn no_internal_ids_in_string_literals_of_src() {
    let re = internal();
    let mut files = Vec::new();
    files_under(&root().join("src"), "rs", &mut files);
    files.sort();
    assert!(files.len() > 20, "{files:?}");
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for lit in literals_of(&text) {
            if re.is_match(&lit) {
                bad.push(format!(
                    "{}: {lit:?}",
                    f.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "internal ids in user-facing strings:\n{}",
        bad.join("\n")
    );
}

fn help_of(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_promptls"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn no_internal_ids_in_help() {
    let re = internal();
    let top = help_of(&["--help"]);
    let subcommands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    // Every subcommand of the clap definition is listed (so every one's help is read).
    let defined: Vec<String> = {
        use clap::CommandFactory;
        promptls::cli::Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect()
    };
    assert_eq!(subcommands, defined, "{top}");
    let mut bad = Vec::new();
    for (what, text) in std::iter::once(("promptls --help".to_string(), top.clone())).chain(
        subcommands
            .iter()
            .map(|c| (format!("promptls {c} --help"), help_of(&[c, "--help"]))),
    ) {
        for line in text.lines().filter(|l| re.is_match(l)) {
            bad.push(format!("{what}: {line}"));
        }
    }
    assert!(
        bad.is_empty(),
        "internal ids in --help:\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_internal_ids_in_readmes_docs_editor_texts_and_the_web_page() {
    let re = internal();
    let r = root();
    let mut files = vec![r.join("README.md"), r.join("editors/vscode/package.json")];
    for editor in std::fs::read_dir(r.join("editors")).unwrap() {
        let readme = editor.unwrap().path().join("README.md");
        if readme.exists() {
            files.push(readme);
        }
    }
    files.push(r.join("editors/README.md"));
    files_under(&r.join("docs"), "md", &mut files);
    files_under(&r.join("editors/nvim/doc"), "txt", &mut files);
    // The web page `promptls api` serves: every text a user reads there.
    for ext in ["html", "js", "css"] {
        files_under(&r.join("src/api/web"), ext, &mut files);
    }
    files.sort();
    files.dedup();
    assert!(
        files.iter().any(|f| f.ends_with("docs/diagnostics.md"))
            && files.iter().any(|f| f.ends_with("src/api/web/app.js")),
        "{files:?}"
    );
    let mut bad = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            if re.is_match(line) {
                bad.push(format!(
                    "{}:{}: {line}",
                    f.strip_prefix(&r).unwrap().display(),
                    n + 1
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "internal ids in user docs:\n{}",
        bad.join("\n")
    );
}

/// GitHub's heading anchors: lower case, punctuation other than `-` and `_` dropped,
/// spaces become `-`.
fn github_anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The `## ` sections of docs/diagnostics.md: (anchor, body).
fn diagnostic_sections() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            out.push((github_anchor(h), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

#[test]
fn every_code_links_to_its_own_section_of_the_diagnostics_page() {
    assert_eq!(github_anchor("Semver-bump"), "semver-bump");
    assert_eq!(github_anchor("A `b` c!"), "a-b-c");
    let sections = diagnostic_sections();
    for code in Code::ALL {
        let url = code.docs_url();
        assert_eq!(
            url,
            format!(
                "https://github.com/promptls/promptls/blob/main/docs/diagnostics.md#{}",
                code.name()
            )
        );
        assert!(url.starts_with(DOCS_BASE));
        let fragment = url.rsplit_once('#').unwrap().1;
        let matching: Vec<&(String, String)> =
            sections.iter().filter(|(a, _)| a == fragment).collect();
        assert_eq!(matching.len(), 1, "one `## {fragment}` heading");
        let body = &matching[0].1;
        let severity = format!("Default severity: **{}**", code.default_severity().name());
        assert!(body.contains(&severity), "`{fragment}` says {severity:?}");
        for part in [
            "### What it means",
            "### Example",
            "### Why it matters",
            "### How to fix it",
        ] {
            assert!(body.contains(part), "`{fragment}` has {part:?}");
        }
    }
    // No section for a code that does not exist.
    let known: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
    for (anchor, _) in &sections {
        assert!(
            known.contains(&anchor.as_str()) || anchor == "severities-and-turning-codes-off",
            "unexpected section `{anchor}`"
        );
    }
}

#[test]
fn published_diagnostics_carry_the_link_to_their_section() {
    let (_tmp, ws) = support::example_workspace();
    let mut c = support::Client::start(&ws, false, false);
    c.wait_indexed();
    let app = ws.join("app.py");
    c.open(&app);
    let diags = c.diagnostics_where(&app, |d| d.iter().any(|x| x["code"] == "version-not-found"));
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "version-not-found",
            "classifier-not-found",
            "missing-variable"
        ]
    );
    for d in &diags {
        let code = d["code"].as_str().unwrap();
        assert_eq!(
            d["codeDescription"],
            json!({"href": format!("https://github.com/promptls/promptls/blob/main/docs/diagnostics.md#{code}")}),
            "{d}"
        );
    }
    c.shutdown();
}

#[test]
fn sarif_rules_link_to_their_sections() {
    let out = Command::new(env!("CARGO_BIN_EXE_promptls"))
        .current_dir(root())
        .args(["check", "examples/", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<(String, String)> = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["helpUri"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = Code::ALL
        .iter()
        .map(|c| {
            (
                c.name().to_string(),
                format!(
                    "https://github.com/promptls/promptls/blob/main/docs/diagnostics.md#{}",
                    c.name()
                ),
            )
        })
        .collect();
    assert_eq!(rules, expected);
}

/// Every heading anchor of a Markdown file (any level), GitHub style.
fn anchors_of(text: &str) -> Vec<String> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.push(github_anchor(line.trim_start_matches('#')));
        }
    }
    out
}

#[test]
fn relative_links_of_the_readme_and_docs_reach_a_file_and_heading() {
    let r = root();
    let link = Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let span = Regex::new(r"`[^`]*`").unwrap();
    let mut files = vec![r.join("README.md"), r.join("editors/vscode/README.md")];
    files_under(&r.join("docs"), "md", &mut files);
    let mut checked = 0;
    let mut bad = Vec::new();
    for f in &files {
        // Links in prose only: not in code blocks or code spans.
        let mut in_code = false;
        let prose: String = std::fs::read_to_string(f)
            .unwrap()
            .lines()
            .filter(|l| {
                if l.trim_start().starts_with("```") {
                    in_code = !in_code;
                    return false;
                }
                !in_code
            })
            .map(|l| span.replace_all(l, "").into_owned() + "\n")
            .collect();
        for cap in link.captures_iter(&prose) {
            let target = &cap[1];
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
            let dest = if path.is_empty() {
                f.clone()
            } else {
                f.parent().unwrap().join(path)
            };
            checked += 1;
            if !dest.exists() {
                bad.push(format!("{}: {target}: no such file", f.display()));
            } else if !anchor.is_empty() {
                let text = std::fs::read_to_string(&dest).unwrap();
                if !anchors_of(&text).iter().any(|a| a == anchor) {
                    bad.push(format!("{}: {target}: no such heading", f.display()));
                }
            }
        }
    }
    assert!(checked > 40, "{checked}");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
