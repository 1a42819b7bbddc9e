//! End-to-end over stdio with the real binary: references as users type them (R-4 on
//! incomplete syntax), Markdown link destinations as CommonMark writes them, and
//! pinning a Python call whatever its string form (I-3).

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::{Client, after, uri};

/// A small workspace: `prompts/task` in v1 and v2.0.0 (and a `de` variant), a prompt
/// whose name has a space, a Python project root and a `promptic.toml` with `lang`.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    std::fs::create_dir_all(ws.join("prompts")).unwrap();
    std::fs::write(
        ws.join("promptic.toml"),
        "[versioning.classifiers.lang]\nvalues = [\"en\", \"de\"]\ndefault = \"en\"\n",
    )
    .unwrap();
    for f in [
        "prompts/task_v1.md",
        "prompts/task_v2.0.0.md",
        "prompts/task_de_v2.md",
        "prompts/my task_v1.md",
    ] {
        std::fs::write(ws.join(f), "Hello\n").unwrap();
    }
    let ws = ws.canonicalize().unwrap();
    (dir, ws)
}

fn start(ws: &Path) -> Client {
    let mut c = Client::start(ws, false, false);
    c.wait_indexed();
    c
}

/// Writes `text` to `name` in the workspace and opens it; returns its path.
fn open(c: &mut Client, ws: &Path, name: &str, text: &str) -> PathBuf {
    let path = ws.join(name);
    std::fs::write(&path, text).unwrap();
    c.open(&path);
    path
}

fn at(pos: (u32, u32)) -> Value {
    json!({"line": pos.0, "character": pos.1})
}

#[test]
fn pin_on_a_triple_quoted_target_inserts_after_the_closing_quotes() {
    let (_tmp, ws) = workspace();
    let mut c = start(&ws);
    let text = "from promptic import load_prompt\nx = load_prompt(\"\"\"prompts/task\"\"\")\n";
    let app = open(&mut c, &ws, "app.py", text);
    let pos = after(text, "load_prompt(\"\"\"prompts/ta");
    let resp = c.code_actions(&app, json!({"start": at(pos), "end": at(pos)}), json!([]));
    let pins: Vec<&Value> = resp["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["title"].as_str().unwrap().starts_with("Pin"))
        .collect();
    assert_eq!(
        pins,
        [&json!({
            "title": "Pin to v2.0.0",
            "kind": "refactor.rewrite",
            "edit": {"changes": {uri(&app): [{
                "range": {"start": {"line": 1, "character": 34}, "end": {"line": 1, "character": 34}},
                "newText": ", version=\"v2.0.0\""
            }]}}
        })]
    );
    assert_eq!(
        &text.lines().nth(1).unwrap()[..34],
        "x = load_prompt(\"\"\"prompts/task\"\"\""
    );
    c.shutdown();
}

#[test]
fn markdown_destinations_are_percent_decoded_and_may_be_angle_bracketed() {
    let (_tmp, ws) = workspace();
    let mut c = start(&ws);
    let text = "[a](my%20task.md) [b](<my task.md>) [c](task.md \"title\") [d](task.md#part) [e](task.md?x=1)\n[gone](missing%20one.md)\n";
    let notes = open(&mut c, &ws, "prompts/notes.md", text);
    let diags = c.diagnostics_where(&notes, |d| !d.is_empty());
    let messages: Vec<(&Value, &Value, &Value)> = diags
        .iter()
        .map(|d| (&d["code"], &d["range"], &d["message"]))
        .collect();
    assert_eq!(messages.len(), 1, "{diags:#?}");
    assert_eq!(messages[0].0, "prompt-not-found");
    assert_eq!(
        messages[0].1,
        &json!({"start": {"line": 1, "character": 7}, "end": {"line": 1, "character": 23}})
    );
    // Definition on the escaped destination: the file with a space in its name.
    let d = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&notes)}, "position": at(after(text, "[a](my%2"))}),
    );
    assert_eq!(
        d["result"],
        json!([{
            "originSelectionRange": {"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 16}},
            "targetUri": uri(&ws.join("prompts/my task_v1.md")),
            "targetRange": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "targetSelectionRange": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
        }])
    );
    c.shutdown();
}

/// `|` marks the cursor: writes and opens the document, completes there.
fn complete_at(c: &mut Client, ws: &Path, name: &str, marked: &str) -> Value {
    let (line, col) = after(marked, "|");
    let text = marked.replacen('|', "", 1);
    let path = open(c, ws, name, &text);
    let resp = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&path)}, "position": {"line": line, "character": col - 1}}),
    );
    assert!(resp.get("error").is_none(), "{resp}");
    resp["result"].clone()
}

#[test]
fn completion_while_typing() {
    let (_tmp, ws) = workspace();
    std::fs::create_dir_all(ws.join("cfg")).unwrap();
    let mut c = start(&ws);
    let states = [
        ("link.md", "See [x](prompts/task_v|"),
        ("ref.md", "Intro\n{# ref: prompts/task@|"),
        ("faq.yaml", "system:\n  $ref: \"prompts/ta|\n"),
        ("faq.json", "{\"system\": {\"$ref\": \"prompts/ta|"),
        (
            "string.py",
            "from promptic import load_prompt\nx = load_prompt(\"prompts/ta|",
        ),
        (
            "version.py",
            "from promptic import load_prompt\nx = load_prompt(\"prompts/task\", version=|)\n",
        ),
        (
            "classifier.py",
            "from promptic import load_prompt\nx = load_prompt(\"prompts/task\", classifier={\"lang\": |\n",
        ),
        ("cfg/promptic.toml", "[versioning]\ndelimiter = |"),
    ];
    let mut all = serde_json::Map::new();
    for (name, marked) in states {
        all.insert(
            format!("{name}: {marked}"),
            complete_at(&mut c, &ws, name, marked),
        );
    }
    insta::assert_json_snapshot!("completion_while_typing", all);

    // Hover and definition on a link with no `)` yet.
    let text = "See [x](prompts/task_v2.0.0.md";
    let link = open(&mut c, &ws, "partial.md", text);
    let pos = at(after(text, "task_v2"));
    let d = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&link)}, "position": pos}),
    );
    assert_eq!(
        d["result"],
        json!([{
            "originSelectionRange": {"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 30}},
            "targetUri": uri(&ws.join("prompts/task_v2.0.0.md")),
            "targetRange": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "targetSelectionRange": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
        }])
    );
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&link)}, "position": pos}),
    );
    let md = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        md.starts_with("### `prompts/task` → `task_v2.0.0.md` (v2.0.0)\n\n**Why:** pinned file"),
        "{md}"
    );
    assert_eq!(
        h["result"]["range"],
        json!({"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 30}})
    );
    c.shutdown();
}

mod prefixes {
    //! Every prefix of a valid document is a state a user passes through while typing it.

    use promptls::analysis::completion::complete;
    use promptls::analysis::hover::hover;
    use promptls::analysis::{Document, TextChange, typed_reference};
    use promptls::references::scan_file;
    use promptls::text::PositionEncoding;
    use proptest::prelude::*;

    fn piece(name: &'static str) -> impl Strategy<Value = String> {
        let python = prop::sample::select(vec![
            "x = load_prompt(\"prompts/task\", version=\"v2\", classifier={\"lang\": \"de\"})\n",
            "y = render('''prompts/task''', {'a': 1}, version={'root': 'v1', 'sub/x': 'v2'})\n",
            "z = pc.export_version(r\"prompts/my task\", \"latest\", \"out\")\n",
            "CFG = VersioningConfig(delimiter='-', classifiers={'lang': ClassifierConfig(values=['en'], default='en')})\n",
            "w = load_prompt(f\"{name}/x\", versioning_config=CFG)  # ё 🦔\n",
        ]);
        let markup = prop::sample::select(vec![
            "See [x](prompts/task_v2.0.0.md \"t\") and [y](<prompts/my task.md#a>).\n",
            "{# ref: prompts/task@v1 #} {#- REF: 'prompts/task.md' -#}\n",
            "[z](prompts/my%20task.md?q) ![img](p.png) ÿ 🌍\n",
            "system:\n  $ref: \"prompts/task.md\"\n  - $ref: prompts/task_v1.md # c\n",
            "{\"a\": {\"$ref\": \"prompts/task.md\"}}\n",
        ]);
        let toml = prop::sample::select(vec![
            "[versioning]\ndelimiter = \"_\"\ninclude_prerelease = true\n",
            "[versioning.classifiers.lang]\nvalues = [\"en\", \"de\"]\ndefault = \"en\"\n",
        ]);
        let pick = match name {
            "app.py" => python.boxed(),
            "promptic.toml" => toml.boxed(),
            _ => markup.boxed(),
        };
        pick.prop_map(str::to_string)
    }

    fn document() -> impl Strategy<Value = (&'static str, String)> {
        prop::sample::select(vec!["app.py", "doc.md", "doc.yaml", "doc.json", "promptic.toml"])
            .prop_flat_map(|name| {
                let head = if name == "app.py" {
                    "from promptic import load_prompt, render, VersioningConfig, ClassifierConfig\nimport promptic as pc\n"
                } else {
                    ""
                };
                prop::collection::vec(piece(name), 1..4)
                    .prop_map(move |p| (name, format!("{head}{}", p.concat())))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        #[test]
        fn every_prefix_scans_and_completes_inside_the_text((name, doc) in document()) {
            let (_tmp, ws) = super::workspace();
            let index = crate::scan(&ws);
            let path = ws.join(name);
            // The buffer as an editor sends it: one character per change, each version
            // derived from the previous one (its tree edited, not reparsed from scratch).
            let mut typed = Document::new(&path, Some(0), String::new());
            for cut in (0..=doc.len()).filter(|&i| doc.is_char_boundary(i)) {
                let text = &doc[..cut];
                if cut > 0 {
                    let ch = doc[..cut].chars().next_back().unwrap();
                    let end = typed.lines().position(typed.text(), typed.text().len(), PositionEncoding::Utf16);
                    typed = typed.changed(cut as i32, vec![TextChange { range: Some((end, end)), text: ch.to_string() }], PositionEncoding::Utf16);
                }
                prop_assert_eq!(typed.text(), text);
                let scan = scan_file(name, text);
                prop_assert_eq!(&*typed.scan(), &scan, "incremental scan differs after {:?}", text);
                for r in &scan.references {
                    prop_assert!(r.range.end <= text.len() && r.range.start <= r.range.end);
                    prop_assert!(r.target.range.end <= text.len() && text.is_char_boundary(r.target.range.start) && text.is_char_boundary(r.target.range.end), "{:?} in {:?}", r, text);
                    for lit in r.version.iter().chain(r.classifier.iter().flatten().flat_map(|(k, v)| [k, v])) {
                        prop_assert!(lit.range.end <= text.len() && text.is_char_boundary(lit.range.start) && text.is_char_boundary(lit.range.end));
                    }
                    if let Some(at) = r.add_version_at {
                        prop_assert!(at <= text.len() && text.is_char_boundary(at));
                    }
                }
                for c in complete(&index, &typed, cut) {
                    prop_assert!(c.replace.start <= c.replace.end && c.replace.end <= text.len(), "{:?} in {:?}", c, text);
                    prop_assert!(text.is_char_boundary(c.replace.start) && text.is_char_boundary(c.replace.end));
                }
                if let Some(rr) = typed_reference(&index, &path, text, cut) {
                    prop_assert!(rr.reference.target.range.end <= text.len());
                }
                if let Some((_, range)) = hover(&index, &typed, cut) {
                    prop_assert!(range.end <= text.len());
                }
            }
        }
    }
}

#[test]
fn a_long_list_is_narrowed_to_what_is_typed_and_marked_incomplete() {
    use promptls::analysis::Document;
    use promptls::analysis::completion::{LIST_LIMIT, complete_list};

    let (_tmp, ws, prompts) = workspace_with_prompts_folder();
    for i in 0..120 {
        std::fs::write(prompts.join(format!("agent{i:03}_v1.md")), "x").unwrap();
    }
    std::fs::write(prompts.join("summary_v1.md"), "x").unwrap();
    let index = scan(&ws);
    let path = ws.join("doc.md");
    let complete = |text: &str| {
        let doc = Document::new(&path, Some(1), text.to_string());
        complete_list(&index, &doc, text.find(')').unwrap())
    };
    // Nothing typed in the folder yet: of 121 prompts + 121 files, the first LIST_LIMIT
    // in completion's order, and the editor asks again as the user types.
    let all = complete("[x](prompts/)");
    assert_eq!((all.items.len(), all.is_incomplete), (LIST_LIMIT, true));
    assert_eq!(all.items[0].label, "agent000.md");
    // `sum` typed: only the candidates that contain s, u, m in order.
    let some = complete("[x](prompts/sum)");
    let labels: Vec<&str> = some.items.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["summary.md", "summary_v1.md"]);
    assert!(some.is_incomplete);
    // The folder is past the limit, so this exercises the narrowing.
    const _: () = assert!(LIST_LIMIT < 242);
}

#[test]
fn version_completion_of_a_prompt_with_thousands_of_versions_offers_the_newest_first() {
    use promptls::analysis::Document;
    use promptls::analysis::completion::{LIST_LIMIT, complete_list};

    let (_tmp, ws, prompts) = workspace_with_prompts_folder();
    for i in 0..2000 {
        std::fs::write(
            prompts.join(format!("task_v{}.{}.0.md", i / 10, i % 10)),
            "x",
        )
        .unwrap();
    }
    let index = scan(&ws);
    let path = ws.join("app.py");
    let text = "from promptic import load_prompt\nload_prompt(\"prompts/task\", version=\"\")\n";
    let doc = Document::new(&path, Some(1), text.to_string());
    let list = complete_list(&index, &doc, text.rfind("\")").unwrap());
    let labels: Vec<&str> = list.items.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels.len(), LIST_LIMIT);
    assert!(list.is_incomplete);
    assert_eq!(
        &labels[..4],
        ["latest", "latest-prerelease", "v199.9.0", "v199.8.0"]
    );
    // Typing narrows among all 2 000, not among the 100 shown.
    let text = text.replace("version=\"\"", "version=\"v3.\"");
    let doc = Document::new(&path, Some(2), text.clone());
    let list = complete_list(&index, &doc, text.rfind("\")").unwrap());
    let labels: Vec<&str> = list.items.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(&labels[..3], ["v3.9.0", "v3.8.0", "v3.7.0"], "{labels:?}");
}

#[test]
fn a_version_list_narrowed_as_it_is_built_equals_the_whole_list_narrowed() {
    use promptls::analysis::Document;
    use promptls::analysis::completion::{Candidate, LIST_LIMIT, complete, complete_list};

    let (_tmp, ws, prompts) = workspace_with_prompts_folder();
    std::fs::write(
        ws.join("promptic.toml"),
        "[versioning]\nclassifiers = { lang = { values = [\"en\", \"ru\"], default = \"en\" } }\n",
    )
    .unwrap();
    for i in 0..300 {
        let (major, minor) = (i / 10, i % 10);
        std::fs::write(prompts.join(format!("task_v{major}.{minor}.0.md")), "x").unwrap();
        if i % 7 == 0 {
            std::fs::write(prompts.join(format!("task_ru_v{major}.{minor}.0.md")), "x").unwrap();
        }
        if i % 11 == 0 {
            std::fs::write(
                prompts.join(format!("task_v{major}.{minor}.1-rc.1.md")),
                "x",
            )
            .unwrap();
        }
    }
    let index = scan(&ws);
    let path = ws.join("app.py");
    // The list an editor gets when the whole list is built first and then narrowed: the
    // candidates that start with what is typed, then contain it, then hold its characters
    // in order (ignoring case), in completion's order within each, at most LIST_LIMIT.
    let narrowed_whole = |text: &str, offset: usize| -> (Vec<Candidate>, bool) {
        let doc = Document::new(&path, Some(1), text.to_string());
        let whole = complete(&index, &doc, offset);
        if whole.len() <= LIST_LIMIT {
            return (whole, false);
        }
        let before = whole.len();
        let mut ranked: Vec<(u8, Candidate)> = whole
            .into_iter()
            .filter_map(|c| {
                let end = offset.clamp(c.replace.start, c.replace.end);
                let typed = text[c.replace.start..end].to_lowercase();
                let label = c.new_text.to_lowercase();
                let mut rest = label.chars();
                let rank = if label.starts_with(&typed) {
                    0
                } else if label.contains(&typed) {
                    1
                } else if typed.chars().all(|t| rest.any(|l| l == t)) {
                    2
                } else {
                    return None;
                };
                Some((rank, c))
            })
            .collect();
        ranked.sort_by_key(|(rank, _)| *rank);
        ranked.truncate(LIST_LIMIT);
        let items: Vec<Candidate> = ranked.into_iter().map(|(_, c)| c).collect();
        let incomplete = items.len() < before;
        (items, incomplete)
    };
    let head = "from promptic import load_prompt\n";
    let cases = [
        // (the call, where the cursor goes: just before this text, or at the end)
        ("load_prompt(\"prompts/task\", version=\"\")", "\")"),
        ("load_prompt(\"prompts/task\", version=\"v\")", "\")"),
        ("load_prompt(\"prompts/task\", version=\"V2\")", "\")"),
        ("load_prompt(\"prompts/task\", version=\"v2.\")", "\")"),
        ("load_prompt(\"prompts/task\", version=\"rc\")", "\")"),
        ("load_prompt(\"prompts/task\", version=\"lat\")", "\")"),
        ("load_prompt(\"prompts/task\", version=\"29\")", "\")"),
        ("load_prompt(\"prompts/task\", version=\"zz\")", "\")"),
        (
            "load_prompt(\"prompts/task\", version=\"v1.5.0\")",
            ".5.0\")",
        ),
        ("load_prompt(\"prompts/task\", version=\"v1", ""),
        ("load_prompt(\"prompts/task\", version=", ""),
        (
            "load_prompt(\"prompts/task\", version=\"v3\", classifier={\"lang\": \"ru\"})",
            "\", classifier",
        ),
    ];
    for (call, before) in cases {
        let text = format!("{head}{call}\n");
        let offset = if before.is_empty() {
            text.len() - 1
        } else {
            text.rfind(before).unwrap()
        };
        let doc = Document::new(&path, Some(1), text.clone());
        let list = complete_list(&index, &doc, offset);
        let (expected, incomplete) = narrowed_whole(&text, offset);
        assert!(!expected.is_empty() || call.contains("zz"), "{call}");
        assert_eq!(list.items, expected, "{call}");
        assert_eq!(list.is_incomplete, incomplete, "{call}");
    }
}

/// A temporary workspace with an empty `prompts/` folder: (its guard, root, folder).
fn workspace_with_prompts_folder() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().to_path_buf();
    let prompts = ws.join("prompts");
    std::fs::create_dir(&prompts).unwrap();
    (tmp, ws, prompts)
}

/// The index of `ws` under the default config.
fn scan(ws: &std::path::Path) -> promptls::index::Index {
    promptls::index::Index::scan(
        vec![ws.to_path_buf()],
        std::sync::Arc::new(promptls::config::ConfigSource::new()),
    )
}
