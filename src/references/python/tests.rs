//! Tests of the Python scanner (R-2).

use super::literal::{number, unescape};
use super::*;
use crate::config::ConfigErrorKind;
use crate::references::{Literal, RefBase, RefKind};

const IMPORT: &str = "from promptic import load_prompt, render, export_version\n";

fn refs(text: &str) -> Vec<Reference> {
    scan_python(text).references
}

fn calls(text: &str) -> Vec<Reference> {
    refs(text)
        .into_iter()
        .filter(|r| matches!(r.kind, RefKind::PythonCall { .. }))
        .collect()
}

fn function(r: &Reference) -> &str {
    match &r.kind {
        RefKind::PythonCall { function } => function,
        _ => "",
    }
}

/// The literal's range holds exactly its value.
fn check(text: &str, lit: &Literal) {
    assert_eq!(
        &text[lit.range.clone()],
        lit.value,
        "range {:?} in {text:?}",
        lit.range
    );
}

#[test]
fn imported_names_and_aliases() {
    let text = format!(
        "{IMPORT}load_prompt(\"a.md\")\nrender(\"b.md\", {{}})\nexport_version(\"c.md\", \"v2\", \"out\")\n"
    );
    let r = calls(&text);
    assert_eq!(
        r.iter().map(function).collect::<Vec<_>>(),
        ["load_prompt", "render", "export_version"]
    );
    assert_eq!(
        r.iter()
            .map(|r| r.target.value.as_str())
            .collect::<Vec<_>>(),
        ["a.md", "b.md", "c.md"]
    );
    assert!(r.iter().all(|r| r.base == RefBase::ProjectRoot));
    assert_eq!(r[2].version.as_ref().unwrap().value, "v2");
    for x in &r {
        check(&text, &x.target);
        assert!(text[x.range.clone()].starts_with(function(x)));
        assert!(text[x.range.clone()].ends_with(')'));
    }

    let text = "from promptic import load_prompt as lp\nlp('x.md')\nload_prompt('y.md')\n";
    let r = calls(text);
    assert_eq!(r.len(), 1);
    assert_eq!(
        (function(&r[0]), r[0].target.value.as_str()),
        ("load_prompt", "x.md")
    );
}

#[test]
fn module_imports_and_submodules() {
    let text = "import promptic\nimport promptic as pc\nfrom promptic.sdk import render as r2\nimport promptic.sdk as sdk\n\
                promptic.load_prompt('a')\npc.render('b')\nr2('c')\nsdk.export_version('d', 'v1', 'o')\npromptic.sdk.load_prompt('e')\n";
    let r = calls(text);
    let got: Vec<(&str, &str)> = r
        .iter()
        .map(|r| (function(r), r.target.value.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("load_prompt", "a"),
            ("render", "b"),
            ("render", "c"),
            ("export_version", "d"),
            ("load_prompt", "e")
        ]
    );
    let r = calls("from promptic import *\nload_prompt('w')\n");
    assert_eq!(r[0].target.value, "w");
}

#[test]
fn names_not_from_promptic_are_ignored() {
    assert!(refs("load_prompt('a.md')\nrender('b.md')\n").is_empty());
    assert!(refs("from jinja2 import render\nimport other as pc\nrender('a')\npc.load_prompt('b')\nx.load_prompt('c')\n").is_empty());
    // A later import rebinds the name.
    assert!(
        refs("from promptic import render\nfrom flask import render\nrender('a')\n").is_empty()
    );
    assert!(refs("from promptic_extra import load_prompt\nload_prompt('a')\n").is_empty());
}

#[test]
fn keyword_and_positional_forms() {
    let text = format!(
        "{IMPORT}load_prompt(path='a.md', version='v1', classifier={{'lang': 'ru'}})\n\
         export_version(source_path='b.md', version_spec='v3', target_dir='out')\n\
         export_version('c.md', 'latest', 'out', classifier={{'tone': 'formal'}})\n"
    );
    let r = calls(&text);
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].target.value, "a.md");
    assert_eq!(r[0].version.as_ref().unwrap().value, "v1");
    assert_eq!(
        r[0].classifier_map()
            .unwrap()
            .get("lang")
            .map(String::as_str),
        Some("ru")
    );
    assert_eq!(
        (
            r[1].target.value.as_str(),
            r[1].version.as_ref().unwrap().value.as_str()
        ),
        ("b.md", "v3")
    );
    assert_eq!(
        (
            r[2].target.value.as_str(),
            r[2].version.as_ref().unwrap().value.as_str()
        ),
        ("c.md", "latest")
    );
    for x in &r {
        check(&text, &x.target);
        check(&text, x.version.as_ref().unwrap());
    }
    // A positional second argument of load_prompt/render is not the version.
    let r = calls(&format!("{IMPORT}render('a.md', 'v2')\n"));
    assert_eq!(r[0].version, None);
}

#[test]
fn multi_line_calls_in_functions_and_classes() {
    let text = format!(
        "{IMPORT}\nclass A:\n    def f(self):\n        return wrap(\n            load_prompt(\n                # the prompt\n                \"deep/p.md\",\n                version=\"v2\",\n            )\n        )\n"
    );
    let r = calls(&text);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].target.value, "deep/p.md");
    assert_eq!(r[0].version.as_ref().unwrap().value, "v2");
    assert!(
        text[r[0].range.clone()].starts_with("load_prompt(")
            && text[r[0].range.clone()].ends_with(')')
    );
    check(&text, &r[0].target);
}

#[test]
fn string_forms() {
    let text = format!(
        "{IMPORT}load_prompt(\"\"\"tri.md\"\"\")\nload_prompt('''t2.md''')\nload_prompt(r\"raw\\p.md\")\nload_prompt(R'R.md')\nload_prompt(u\"u.md\")\nload_prompt((\"par.md\"))\n"
    );
    let r = calls(&text);
    let got: Vec<&str> = r.iter().map(|r| r.target.value.as_str()).collect();
    assert_eq!(
        got,
        ["tri.md", "t2.md", "raw\\p.md", "R.md", "u.md", "par.md"]
    );
    for x in &r {
        check(&text, &x.target);
    }
}

#[test]
fn run_time_arguments_are_skipped() {
    let text = format!(
        "{IMPORT}load_prompt(f\"{{name}}.md\")\nload_prompt(f\"plain.md\")\nload_prompt(name)\nload_prompt(\"a\" \"b\")\nload_prompt(b\"x.md\")\n\
         load_prompt(get())\nload_prompt(\"ok.md\", version=f\"v{{n}}\", classifier=tags)\n"
    );
    let r = calls(&text);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].target.value, "ok.md");
    assert_eq!(r[0].version, None);
    assert_eq!(r[0].classifier, None);
    assert!(scan_python(&text).config_errors.is_empty());
}

#[test]
fn hierarchical_version_dict() {
    let text = format!(
        "{IMPORT}load_prompt(\"task/root.md\", version={{\"root\": \"v1\", \"instructions/process\": \"v2\"}}, classifier={{\"lang\": \"en\"}})\n"
    );
    let r = refs(&text);
    assert_eq!(r.len(), 2);
    assert!(matches!(r[0].kind, RefKind::PythonCall { .. }));
    let h = r[0].hierarchical.as_ref().unwrap();
    assert_eq!(
        h.iter()
            .map(|(k, v)| (k.value.as_str(), v.value.as_str()))
            .collect::<Vec<_>>(),
        [("root", "v1"), ("instructions/process", "v2")]
    );
    assert_eq!(r[0].version, None);
    let key = &r[1];
    assert_eq!(key.kind, RefKind::HierarchicalKey);
    assert_eq!(key.base, RefBase::RootPromptFolder);
    assert_eq!(key.target.value, "instructions/process");
    assert_eq!(key.version.as_ref().unwrap().value, "v2");
    assert_eq!(key.classifier, r[0].classifier);
    assert_eq!(&text[key.range.clone()], "\"instructions/process\": \"v2\"");
    check(&text, &key.target);
    check(&text, key.version.as_ref().unwrap());
}

#[test]
fn classifier_dicts() {
    let text = format!(
        "{IMPORT}load_prompt('a', classifier={{'lang': 'ru', 'tone': 'formal'}})\nload_prompt('b', classifier={{}})\n\
         load_prompt('c', classifier={{'lang': x}})\nload_prompt('d', classifier={{'lang': ''}})\n"
    );
    let r = calls(&text);
    assert_eq!(r[0].classifier.as_ref().unwrap().len(), 2);
    for (k, v) in r[0].classifier.as_ref().unwrap() {
        check(&text, k);
        check(&text, v);
    }
    assert_eq!(r[1].classifier, Some(vec![]));
    assert_eq!(r[2].classifier, None);
    let (k, v) = &r[3].classifier.as_ref().unwrap()[0];
    assert_eq!(k.value, "lang");
    assert_eq!(v.value, "");
    assert!(v.range.is_empty());
    assert_eq!(&text[v.range.start - 1..v.range.start + 1], "''");
}

#[test]
fn empty_literals_sit_between_the_quotes() {
    let text = format!("{IMPORT}load_prompt(\"\", version=\"\")\n");
    let r = calls(&text);
    assert_eq!(r.len(), 1);
    let t = &r[0].target;
    let v = r[0].version.as_ref().unwrap();
    for lit in [t, v] {
        assert_eq!(lit.value, "");
        assert!(lit.range.is_empty());
        assert_eq!(&text[lit.range.start - 1..lit.range.start + 1], "\"\"");
    }
}

#[test]
fn versioning_config_errors_have_spans() {
    let text = "from promptic import VersioningConfig\nCFG = VersioningConfig(delimiter=\"+\")\n";
    let scan = scan_python(text);
    assert_eq!(scan.config_errors.len(), 1);
    let e = &scan.config_errors[0];
    assert_eq!(e.kind, ConfigErrorKind::InvalidConfig);
    assert_eq!(&text[e.span.clone().unwrap()], "\"+\"");

    let text = "import promptic as pc\npc.VersioningConfig(version_pattern=r\"v(\\d+\")\n";
    let scan = scan_python(text);
    assert_eq!(scan.config_errors.len(), 1);
    assert_eq!(
        scan.config_errors[0].kind,
        ConfigErrorKind::InvalidVersionPattern
    );
    assert_eq!(
        &text[scan.config_errors[0].span.clone().unwrap()],
        "r\"v(\\d+\""
    );

    // Escapes of non-raw strings are read as Python reads them.
    let text = "from promptic import VersioningConfig\nVersioningConfig(version_pattern=\"_v(?P<major>\\\\d+)\")\n";
    assert!(scan_python(text).config_errors.is_empty());

    let text = "from promptic import VersioningConfig\nVersioningConfig(delimiters=['-', '.'], colour='red', include_prerelease=opts.pre)\n";
    let scan = scan_python(text);
    assert_eq!(scan.config_errors.len(), 1, "{:?}", scan.config_errors);
    assert_eq!(&text[scan.config_errors[0].span.clone().unwrap()], "colour");

    // Not from promptic: not validated.
    assert!(
        scan_python("VersioningConfig(delimiter='+')\n")
            .config_errors
            .is_empty()
    );
}

#[test]
fn classifier_config_literals() {
    let text = "from promptic.config import VersioningConfig, ClassifierConfig\n\
                LANG = ClassifierConfig(values=['en', 'ru'], default='de')\n\
                CFG = VersioningConfig(delimiter='-', classifiers={'lang': LANG, 'tone': ClassifierConfig(values=['formal'], default='x')})\n";
    let scan = scan_python(text);
    let spans: Vec<&str> = scan
        .config_errors
        .iter()
        .map(|e| &text[e.span.clone().unwrap()])
        .collect();
    // Each problem once, where it stands.
    assert_eq!(spans, ["'de'", "'x'"], "{:?}", scan.config_errors);

    let text = "from promptic import VersioningConfig as VC, ClassifierConfig as CC, load_prompt\n\
                CFG = VC(delimiters=['-'], include_prerelease=True, classifiers={'lang': CC(values=['en', 'ru'], default='en')})\n\
                load_prompt('a', versioning_config=CFG)\n";
    let scan = scan_python(text);
    assert!(scan.config_errors.is_empty(), "{:?}", scan.config_errors);
    let layer = scan.references[0].config.clone().unwrap();
    assert_eq!(layer.delimiters, Some(vec!['-']));
    assert_eq!(layer.include_prerelease, Some(true));
    let lang = &layer.classifiers.as_ref().unwrap()["lang"];
    assert_eq!(
        (lang.values.clone(), lang.default.as_str()),
        (vec!["en".to_string(), "ru".to_string()], "en")
    );
}

#[test]
fn versioning_config_name_and_inline_apply() {
    let text = format!(
        "{IMPORT}from promptic import VersioningConfig\nCFG = VersioningConfig(delimiter='-', version_pattern=None)\n\
         def f():\n    load_prompt('a', versioning_config=CFG)\n\
         render('b', versioning_config=VersioningConfig(delimiter='.'))\nrender('c', versioning_config=OTHER)\n"
    );
    let r = calls(&text);
    let a = r[0].config.clone().unwrap();
    assert_eq!(a.delimiter, Some('-'));
    assert_eq!(a.version_pattern, Some(None));
    assert_eq!(r[1].config.as_ref().unwrap().delimiter, Some('.'));
    assert_eq!(r[2].config, None);
}

#[test]
fn syntax_errors_elsewhere() {
    let text = format!(
        "{IMPORT}def broken(:\n    pass\nload_prompt('good.md', version='v1')\nx = [1, 2\nclass :\nrender(\"also.md\")\n"
    );
    let r = calls(&text);
    let targets: Vec<&str> = r.iter().map(|r| r.target.value.as_str()).collect();
    assert!(targets.contains(&"good.md"), "{r:#?}");
    for x in &r {
        check(&text, &x.target);
    }
}

#[test]
fn unfinished_calls_are_read_best_effort() {
    let text = format!("{IMPORT}load_prompt(\"p\", version=\"v\n");
    let r = calls(&text);
    assert_eq!(r[0].target.value, "p");
    assert_eq!(r[0].version.as_ref().unwrap().value, "v");
    check(&text, r[0].version.as_ref().unwrap());

    let text = format!("{IMPORT}load_prompt(\"pro\nx = 1\n");
    let r = calls(&text);
    assert_eq!(r[0].target.value, "pro");
    check(&text, &r[0].target);
}

#[test]
fn non_ascii_before_calls() {
    let text = format!(
        "# Привет, мир 🌍\n{IMPORT}s = \"ёжик 🦔\"\nload_prompt(\"подсказки/привет.md\", version=\"v1\", classifier={{\"язык\": \"ру\"}})\n"
    );
    let r = calls(&text);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].target.value, "подсказки/привет.md");
    check(&text, &r[0].target);
    check(&text, r[0].version.as_ref().unwrap());
    let (k, v) = &r[0].classifier.as_ref().unwrap()[0];
    check(&text, k);
    check(&text, v);
    assert!(text[r[0].range.clone()].starts_with("load_prompt("));
}

#[test]
fn never_panics() {
    let samples = [
        "",
        "(",
        "\"",
        "'''",
        "from promptic import",
        "from promptic import load_prompt\nload_prompt(",
        "from promptic import load_prompt\nload_prompt(\"",
        "from promptic import load_prompt\nload_prompt('a', version={",
        "from promptic import load_prompt\nload_prompt(r'\\",
        "from promptic import *\nload_prompt(f'{', version='🦔",
        "from promptic import VersioningConfig\nVersioningConfig(delimiter='\\x', delimiters=[[[[]]]], classifiers={1: 2})",
        "import promptic as pc\npc.(\"a\")\npc.load_prompt(*a, 'x')",
        "\u{feff}from promptic import load_prompt\nload_prompt('é' 'ü')",
    ];
    for s in samples {
        for cut in 0..=s.len() {
            if s.is_char_boundary(cut) {
                let scan = scan_python(&s[..cut]);
                for r in &scan.references {
                    check(&s[..cut], &r.target);
                }
            }
        }
    }
    let deep = format!(
        "from promptic import VersioningConfig\nVersioningConfig(delimiters={}{})",
        "[".repeat(3000),
        "]".repeat(3000)
    );
    let _ = scan_python(&deep);
}

#[test]
fn unescape_and_numbers() {
    assert_eq!(unescape(r"a\\b\n\x41\u00e9\q"), "a\\b\nAé\\q");
    assert_eq!(number("1_000"), Some(1000.0));
    assert_eq!(number("0x1f"), Some(31.0));
    assert_eq!(number("1.5e1"), Some(15.0));
    assert_eq!(number("2j"), None);
}

/// Every call form a user can pin: the scan says where `, version="…"` goes, and the
/// edited source scans back to the same target with that version and parses cleanly.
mod pin {
    use proptest::prelude::*;

    use super::*;

    fn pinned(text: &str, at: usize, key: &str) -> String {
        format!("{}, {key}=\"v2.0.0\"{}", &text[..at], &text[at..])
    }

    fn clean(text: &str) -> bool {
        let tree = parse_python(text, None).unwrap();
        !tree.root_node().has_error()
    }

    #[test]
    fn triple_quoted_target() {
        let text = format!("{IMPORT}load_prompt(\"\"\"prompts/task\"\"\")\n");
        let r = calls(&text);
        let at = r[0].add_version_at.unwrap();
        assert_eq!(
            pinned(&text, at, "version"),
            format!("{IMPORT}load_prompt(\"\"\"prompts/task\"\"\", version=\"v2.0.0\")\n")
        );
    }

    #[test]
    fn no_place_when_a_version_is_given_or_the_call_is_unfinished() {
        for call in [
            "load_prompt('a', version='v1')",
            "load_prompt('a', version=V)",
            "load_prompt('a', version={'root': 'v1'})",
            "load_prompt('a', **opts)",
            "export_version('a', 'v1', 'out')",
            "export_version('a', *rest)",
            "load_prompt('a'",
            "load_prompt('a', ",
            "load_prompt(\"a",
        ] {
            let text = format!("{IMPORT}{call}\n");
            for r in refs(&text) {
                assert_eq!(r.add_version_at, None, "{call}");
            }
        }
        // f-strings are never references, so never pinned.
        assert!(refs(&format!("{IMPORT}load_prompt(f\"{{name}}/task\")\n")).is_empty());
    }

    fn quote() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["'", "\"", "'''", "\"\"\""])
    }

    fn prefix() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", "r", "R", "u", "U"])
    }

    proptest! {
        #[test]
        fn pin_lands_after_the_last_argument(
            q in quote(),
            p in prefix(),
            parens in 0usize..3,
            func in prop::sample::select(vec!["load_prompt", "render", "export_version"]),
            extra in prop::sample::select(vec![
                "",
                ", classifier={'lang': 'en'}",
                ", {'x': 1}",
                ",",
                "  # note\n",
                ",\n    classifier={\"lang\": \"ru\"},\n",
            ]),
            target in "[a-z]{1,6}(/[a-z]{1,6}){0,2}",
        ) {
            // export_version's second positional argument is its version: keep it keyword-free.
            let extra = if func == "export_version" && extra.contains("'x'") { "" } else { extra };
            let lit = format!("{}{p}{q}{target}{q}{}", "(".repeat(parens), ")".repeat(parens));
            let text = format!("{IMPORT}x = {func}(\n    {lit}{extra})\n");
            let r = calls(&text);
            prop_assert_eq!(r.len(), 1, "{}", text);
            let at = r[0].add_version_at.expect("a place to pin");
            let key = if func == "export_version" { "version_spec" } else { "version" };
            let edited = pinned(&text, at, key);
            prop_assert!(clean(&edited), "{}", edited);
            let back = calls(&edited);
            prop_assert_eq!(back.len(), 1, "{}", edited);
            prop_assert_eq!(&back[0].target.value, &target);
            prop_assert_eq!(back[0].version.as_ref().map(|v| v.value.as_str()), Some("v2.0.0"), "{}", edited);
            prop_assert_eq!(back[0].add_version_at, None);
        }
    }
}

/// The keys a call passes, whether they are complete, and the text with each entry
/// removed and with `new` added, for every set of variables of every call.
fn passed(text: &str) -> Vec<(Vec<String>, bool, Vec<String>, String)> {
    calls(text)
        .iter()
        .flat_map(|r| r.variables.clone())
        .map(|v| {
            for e in &v.entries {
                check(text, &e.key);
            }
            let keys = v.entries.iter().map(|e| e.key.value.clone()).collect();
            let removed = v
                .entries
                .iter()
                .map(|e| format!("{}{}", &text[..e.removal.start], &text[e.removal.end..]))
                .collect();
            let entry = match v.style {
                crate::references::EntryStyle::DictKey => "\"new\": ...",
                crate::references::EntryStyle::Keyword => "new=...",
            };
            let added = format!(
                "{}{}{entry}{}",
                &text[..v.insert_at],
                v.insert_prefix,
                &text[v.insert_at..]
            );
            (keys, v.complete, removed, added)
        })
        .collect()
}

#[test]
fn render_vars_in_every_literal_form() {
    let t = format!("{IMPORT}render(\"p\", vars={{\"a\": 1, \"b\": 2}})\n");
    let got = passed(&t);
    assert_eq!(got.len(), 1);
    let (keys, complete, removed, added) = &got[0];
    assert_eq!(keys, &["a", "b"]);
    assert!(complete);
    assert_eq!(
        removed,
        &[
            format!("{IMPORT}render(\"p\", vars={{\"b\": 2}})\n"),
            format!("{IMPORT}render(\"p\", vars={{\"a\": 1}})\n"),
        ]
    );
    assert_eq!(
        added,
        &format!("{IMPORT}render(\"p\", vars={{\"a\": 1, \"b\": 2, \"new\": ...}})\n")
    );

    // dict(...) with keywords; an empty dict; a multi-line dict with a trailing comma.
    let t = format!("{IMPORT}render(\"p\", vars=dict(a=1))\n");
    let (keys, complete, removed, added) = &passed(&t)[0];
    assert_eq!((keys.as_slice(), *complete), (&["a".to_string()][..], true));
    assert_eq!(removed, &[format!("{IMPORT}render(\"p\", vars=dict())\n")]);
    assert_eq!(
        added,
        &format!("{IMPORT}render(\"p\", vars=dict(a=1, new=...))\n")
    );
    let t = format!("{IMPORT}render(\"p\", vars={{}})\n");
    let (keys, complete, _, added) = &passed(&t)[0];
    assert!(keys.is_empty() && *complete);
    assert_eq!(
        added,
        &format!("{IMPORT}render(\"p\", vars={{\"new\": ...}})\n")
    );
    let t = format!("{IMPORT}render(\"p\", vars={{\n    \"a\": 1,\n}})\n");
    let (_, _, removed, added) = &passed(&t)[0];
    assert_eq!(
        removed,
        &[format!("{IMPORT}render(\"p\", vars={{\n    }})\n")]
    );
    assert_eq!(
        added,
        &format!("{IMPORT}render(\"p\", vars={{\n    \"a\": 1,\n    \"new\": ...,\n}})\n")
    );
}

#[test]
fn a_name_is_followed_only_when_assigned_once_and_never_changed() {
    let once = format!("{IMPORT}v = {{\"a\": 1}}\nrender(\"p\", vars=v)\n");
    assert_eq!(passed(&once)[0].0, ["a"]);
    assert!(passed(&once)[0].1);
    for change in [
        "v[\"b\"] = 2\n",
        "v.update(b=2)\n",
        "v |= {\"b\": 2}\n",
        "v = {\"b\": 2}\n",
        "for v in []: pass\n",
        "del v[\"a\"]\n",
    ] {
        let t = format!("{IMPORT}v = {{\"a\": 1}}\n{change}render(\"p\", vars=v)\n");
        let got = passed(&t);
        assert!(got.iter().all(|g| !g.1), "{change:?}: {got:?}");
    }
    // A parameter of the same name in the function shadows a module-level dict.
    let t = format!("{IMPORT}v = {{\"a\": 1}}\ndef f(v):\n    return render(\"p\", vars=v)\n");
    assert!(passed(&t).iter().all(|g| !g.1));
}

#[test]
fn values_not_known_statically_make_the_set_incomplete() {
    for vars in [
        "{**base, \"a\": 1}",
        "{key: 1}",
        "dict(base, a=1)",
        "dict(**base)",
        "{\"a\"",
    ] {
        let t = format!("{IMPORT}render(\"p\", vars={vars})\n");
        assert!(passed(&t).iter().all(|g| !g.1), "{vars}: {:?}", passed(&t));
    }
    // Values built at run time give no set at all.
    for vars in ["build()", "kwargs", "None", "[1]"] {
        let t = format!("{IMPORT}render(\"p\", vars={vars})\n");
        assert!(passed(&t).is_empty(), "{vars}");
    }
    // No variables passed: nothing to compare.
    assert!(passed(&format!("{IMPORT}render(\"p\")\nload_prompt(\"p\")\n")).is_empty());
}

#[test]
fn format_on_what_load_prompt_returns() {
    let t = format!("{IMPORT}load_prompt(\"p\").format(a=1, **{{\"b\": 2}})\n");
    let got = passed(&t);
    assert_eq!(got[0].0, ["a", "b"]);
    assert!(got[0].1);
    let t =
        format!("{IMPORT}text = load_prompt(\"p\")\nx = text.format(a=1)\ny = text.format(b=2)\n");
    let keys: Vec<Vec<String>> = passed(&t).into_iter().map(|g| g.0).collect();
    assert_eq!(keys, [vec!["a".to_string()], vec!["b".to_string()]]);
    // `**kwargs` from elsewhere: incomplete.
    let t = format!("{IMPORT}load_prompt(\"p\").format(**kwargs)\n");
    assert!(!passed(&t)[0].1);
    // A reassigned name is not followed.
    let t = format!("{IMPORT}text = load_prompt(\"p\")\ntext = other()\ntext.format(a=1)\n");
    assert!(passed(&t).is_empty());
    // render's keyword arguments are not variables.
    let t = format!("{IMPORT}render(\"p\", target_format=\"yaml\")\n");
    assert!(passed(&t).is_empty());
    // Only the name's `.format(…)` calls after the load and in its scope count: not one
    // before it, not one of the same name in a function, not another name's.
    let t = format!(
        "{IMPORT}text.format(z=0)\ntext = load_prompt(\"p\")\nother.format(y=1)\n\
         def f():\n    text.format(x=2)\ntext.format(a=1)\n"
    );
    let keys: Vec<Vec<String>> = passed(&t).into_iter().map(|g| g.0).collect();
    assert_eq!(keys, [vec!["a".to_string()]]);
}
