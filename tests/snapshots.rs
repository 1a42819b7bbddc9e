//! Snapshot tests (insta) of what users read: hover Markdown and completion lists, on a
//! copy of `examples/` (modified times redacted).

mod support;

use promptls::analysis::Document;
use promptls::analysis::completion::complete;
use promptls::analysis::hover::hover;
use promptls::config::ConfigSource;
use promptls::index::Index;
use std::sync::Arc;
use support::example_workspace;

fn redact(md: &str) -> String {
    let re = regex::Regex::new(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").unwrap();
    re.replace_all(md, "[modified]").into_owned()
}

fn doc(path: &std::path::Path, text: &str) -> Document {
    Document::new(path, None, text.into())
}

fn offset_after(text: &str, needle: &str) -> usize {
    text.find(needle).unwrap_or_else(|| panic!("{needle:?}")) + needle.len()
}

fn completion_list(index: &Index, path: &std::path::Path, text: &str, at: usize) -> Vec<String> {
    complete(index, &Document::new(path, None, text.into()), at)
        .into_iter()
        .map(|c| {
            format!(
                "{:<22} {:<8} {}",
                c.label,
                format!("{:?}", c.kind),
                c.detail.unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn hover_and_completion_snapshots() {
    let (_tmp, ws) = example_workspace();
    let index = Index::scan(vec![ws.clone()], Arc::new(ConfigSource::new()));

    let task = ws.join("prompts/task_v2.md");
    let md = std::fs::read_to_string(&task).unwrap();
    let (h, _) = hover(&index, &doc(&task, &md), offset_after(&md, "[steps](st")).unwrap();
    insta::assert_snapshot!("hover_markdown_link", redact(&h));

    let app = ws.join("app.py");
    let py = std::fs::read_to_string(&app).unwrap();
    let (h, _) = hover(
        &index,
        &doc(&app, &py),
        offset_after(&py, "missing = load_prompt(\"prompts/ta"),
    )
    .unwrap();
    insta::assert_snapshot!("hover_version_not_found", redact(&h));

    let (h, _) = hover(&index, &doc(&task, &md), 0).unwrap();
    insta::assert_snapshot!("hover_own_prompt", redact(&h));

    let versions = completion_list(
        &index,
        &app,
        &py,
        offset_after(&py, "load_prompt(\"prompts/task\", version=\""),
    );
    insta::assert_snapshot!("completion_versions", versions.join("\n"));
    let paths = completion_list(
        &index,
        &app,
        &py,
        offset_after(&py, "load_prompt(\"prompts/"),
    );
    insta::assert_snapshot!("completion_paths", paths.join("\n"));
    let values = completion_list(
        &index,
        &app,
        &py,
        offset_after(&py, "classifier={\"lang\": \""),
    );
    insta::assert_snapshot!("completion_classifier_values", values.join("\n"));
}

#[test]
fn a_long_version_history_shows_the_newest_rows_and_how_many_more() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().to_path_buf();
    std::fs::create_dir(ws.join(".git")).unwrap();
    for minor in 0..25 {
        std::fs::write(ws.join(format!("task_v1.{minor}.md")), "x").unwrap();
    }
    let index = Index::scan(vec![ws.clone()], Arc::new(ConfigSource::new()));
    let page = ws.join("page.md");
    let md = "[t](task.md)\n";
    let (h, _) = hover(&index, &doc(&page, md), 5).unwrap();
    let rows: Vec<&str> = h.lines().filter(|l| l.starts_with("| **")).collect();
    assert_eq!(rows.len(), 20, "{h}");
    // The version the reference resolves to is marked.
    assert!(rows[0].starts_with("| **v1.24.0** ◀ |"), "{h}");
    assert!(rows[19].starts_with("| **v1.5.0** |"), "{h}");
    assert!(
        h.contains(
            "\n…and 5 more files of this prompt (`promptls versions` lists every version).\n"
        ),
        "{h}"
    );
    // On an old version's own first line, its row is shown too, marked.
    let old = ws.join("task_v1.0.md");
    let (h, _) = hover(&index, &doc(&old, "x"), 0).unwrap();
    let rows: Vec<&str> = h.lines().filter(|l| l.starts_with("| **")).collect();
    assert_eq!(rows.len(), 21, "{h}");
    assert!(rows[20].starts_with("| **v1.0.0** ◀ |"), "{h}");
    assert!(h.contains("\n…and 4 more files of this prompt"), "{h}");
}
