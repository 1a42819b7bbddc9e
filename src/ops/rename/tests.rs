//! Rename plans: examples, refusals, and a property test on random workspaces whose
//! names are on disk (for the walk) and whose contents are in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::config::{ConfigFileKind, ConfigSource, load_config_file};
use crate::index::Index;
use crate::vfs::MemoryFiles;

const CONFIG: &str = "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n";

/// A workspace: names on disk (empty files, for the walk), contents in memory.
fn workspace(files: &BTreeMap<String, Vec<u8>>) -> (tempfile::TempDir, Index) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::write(root.join("promptic.toml"), CONFIG).unwrap();
    let mut mem = MemoryFiles::new();
    mem.insert(root.join("promptic.toml"), CONFIG);
    for (name, bytes) in files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"").unwrap();
        mem.insert(p, bytes.clone());
    }
    let mut source = ConfigSource::new();
    let p = root.join("promptic.toml");
    source.explicit = Some(Arc::new(load_config_file(
        &p,
        ConfigFileKind::Promptic,
        CONFIG,
    )));
    let index = Index::scan(vec![root], Arc::new(source)).with_files(Arc::new(mem));
    (dir, index)
}

/// The workspace after the plan: renamed files with their edits, other files as they were.
fn apply(
    root: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    plan: &RenamePlan,
) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (name, bytes) in files {
        let path = root.join(name);
        let bytes = match plan.edits.iter().find(|e| e.path == path) {
            Some(e) => e.apply().into_bytes(),
            None => bytes.clone(),
        };
        let to = plan.new_path(&path).unwrap_or(&path);
        let rel = to.strip_prefix(root).unwrap().to_string_lossy().to_string();
        assert!(
            out.insert(rel, bytes).is_none(),
            "two files end at one name"
        );
    }
    out
}

fn files(list: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    list.iter()
        .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
        .collect()
}

fn rename(
    list: &[(&str, &str)],
    old: &str,
    new: &str,
) -> Result<BTreeMap<String, String>, RenameError> {
    let f = files(list);
    let (dir, index) = workspace(&f);
    let root = index.roots()[0].clone();
    let plan = plan_rename(&index, &root.join(old), &root.join(new))?;
    drop(dir);
    Ok(apply(&root, &f, &plan)
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect())
}

#[test]
fn every_file_and_every_reference_form_is_renamed_as_written() {
    let out = rename(
        &[
            ("prompts/task_v1.md", "one"),
            ("prompts/task_ru_v1.md", "odin"),
            ("prompts/task_v2.1.0-beta.md", "beta"),
            ("prompts/other_v1.md", "see [a](task_v1.md), [b](task.md), [c](./task_ru.md) {# ref: task #}"),
            ("prompts/s.yaml", "$ref: task_v1.md\n"),
            ("app.py", "from promptic import load_prompt\nload_prompt(\"prompts/task\", version=\"v1\")\nload_prompt('prompts/task_v1.md')\nload_prompt(\"prompts/other\")\n"),
        ],
        "prompts/task",
        "prompts/job",
    )
    .unwrap();
    let names: Vec<&str> = out.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "app.py",
            "prompts/job_ru_v1.md",
            "prompts/job_v1.md",
            "prompts/job_v2.1.0-beta.md",
            "prompts/other_v1.md",
            "prompts/s.yaml"
        ]
    );
    assert_eq!(
        out["prompts/other_v1.md"],
        "see [a](job_v1.md), [b](job.md), [c](./job_ru.md) {# ref: job #}"
    );
    assert_eq!(out["prompts/s.yaml"], "$ref: job_v1.md\n");
    assert_eq!(
        out["app.py"],
        "from promptic import load_prompt\nload_prompt(\"prompts/job\", version=\"v1\")\nload_prompt('prompts/job_v1.md')\nload_prompt(\"prompts/other\")\n"
    );
    assert_eq!(out["prompts/job_ru_v1.md"], "odin");
}

#[test]
fn a_move_recomputes_relative_paths_and_keeps_percent_encoding() {
    let out = rename(
        &[
            (
                "prompts/my task_v1.md",
                "[o](other_v1.md) [self](my%20task.md)",
            ),
            (
                "prompts/other_v1.md",
                "[t](my%20task_v1.md) [d](/prompts/my%20task.md)",
            ),
            ("prompts/sub/keep_v1.md", "x"),
            (
                "app.py",
                "from promptic import load_prompt\nload_prompt(\"prompts/my task\")\n",
            ),
        ],
        "prompts/my task",
        "prompts/sub/new job",
    )
    .unwrap();
    assert_eq!(
        out["prompts/other_v1.md"],
        "[t](sub/new%20job_v1.md) [d](/prompts/sub/new%20job.md)"
    );
    assert_eq!(
        out["prompts/sub/new job_v1.md"],
        "[o](../other_v1.md) [self](new%20job.md)"
    );
    assert_eq!(
        out["app.py"],
        "from promptic import load_prompt\nload_prompt(\"prompts/sub/new job\")\n"
    );
}

#[test]
fn refusals_are_typed() {
    let f = [
        ("p/task_v1.md", "x"),
        ("p/task_ru_v1.md", "x"),
        ("p/job_v3.md", "x"),
        ("p/free_v1.md", "x"),
    ];
    let err = |new: &str| rename(&f, "p/task", new).unwrap_err();
    assert!(matches!(err("p/job"), RenameError::PromptExists(_)));
    assert!(
        matches!(err("p/x_v2"), RenameError::ParsesDifferently { .. }),
        "{}",
        err("p/x_v2")
    );
    assert!(matches!(
        err("p/x_ru"),
        RenameError::ParsesDifferently { .. }
    ));
    assert!(matches!(err("p/../q"), RenameError::InvalidName { .. }));
    assert!(matches!(err("p/a\"b"), RenameError::InvalidName { .. }));
    assert!(matches!(err("p/task"), RenameError::Unchanged(_)));
    assert!(matches!(err("nowhere/x"), RenameError::NoSuchFolder(_)));
    assert!(matches!(
        rename(&f, "p/none", "p/x").unwrap_err(),
        RenameError::NotAPrompt(_)
    ));
    let (dir, index) = workspace(&files(&f));
    let root = index.roots()[0].clone();
    assert!(matches!(
        plan_rename(&index, &root.join("p/task"), Path::new("/elsewhere/x")).unwrap_err(),
        RenameError::OutsideWorkspace(_)
    ));
    drop(dir);
}

#[test]
fn a_reference_in_a_file_that_is_not_utf8_refuses() {
    let mut f = files(&[("p/task_v1.md", "x")]);
    f.insert("p/other_v1.md".into(), b"[a](task_v1.md) \xff".to_vec());
    let (dir, index) = workspace(&f);
    let root = index.roots()[0].clone();
    let e = plan_rename(&index, &root.join("p/task"), &root.join("p/job")).unwrap_err();
    assert!(matches!(e, RenameError::NotEditable { .. }), "{e}");
    drop(dir);
}

/// Every reference of a workspace that resolves, by (file, target range): the file it
/// resolves to.
fn resolutions(index: &Index) -> Vec<(PathBuf, String, PathBuf)> {
    let mut out = Vec::new();
    for folder in index.folders() {
        let names = folder
            .files
            .iter()
            .map(|f| f.name.to_string())
            .chain(folder.python.iter().map(|p| p.to_string()));
        for name in names {
            let path = folder.path.join(&name);
            let text = String::from_utf8(index.files().bytes(&path).unwrap()).unwrap();
            let scan = crate::references::scan_file(&name, &text);
            for rr in crate::analysis::resolve_scan(index, &path, &scan) {
                if let Ok(r) = rr.result {
                    out.push((path.clone(), rr.reference.range.start.to_string(), r.path()));
                }
            }
        }
    }
    out
}

fn arb_workspace() -> impl Strategy<Value = BTreeMap<String, Vec<u8>>> {
    let folder = prop::sample::select(vec!["p", "p/sub", "q"]);
    let base = prop::sample::select(vec!["task", "other", "mix"]);
    let tail = prop::sample::select(vec![
        "_v1.md",
        "_v2.md",
        "_ru_v1.md",
        "_v1.0.1-beta.md",
        ".md",
        "_v3.yaml",
    ]);
    let target = prop::sample::select(vec![
        "task_v1.md",
        "task.md",
        "task",
        "./task_ru.md",
        "../p/task_v1.md",
        "sub/task.md",
        "/p/task_v2.md",
        "other_v1.md",
        "../q/task.md",
        "/q/mix.md",
        "p/task",
        "q/task_v1.md",
    ]);
    let form = 0..4usize;
    let file = (
        folder,
        base,
        tail,
        prop::collection::vec((form, target), 0..4),
    );
    prop::collection::vec(file, 1..9).prop_map(|list| {
        let mut out = BTreeMap::new();
        for (i, (folder, base, tail, refs)) in list.into_iter().enumerate() {
            let mut text = String::new();
            let mut py = String::new();
            for (form, t) in refs {
                match form {
                    0 => text.push_str(&format!("[x]({t}) ")),
                    1 => text.push_str(&format!("{{# ref: {t} #}} ")),
                    2 => text.push_str(&format!("[y]({}) ", encode_destination(t))),
                    _ => py.push_str(&format!(
                        "load_prompt(\"{}\")\n",
                        t.trim_start_matches(['.', '/'])
                    )),
                }
            }
            out.insert(format!("{folder}/{base}{tail}"), text.into_bytes());
            if !py.is_empty() {
                py.insert_str(0, "from promptic import load_prompt\n");
                out.insert(format!("app{i}.py"), py.into_bytes());
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    // Apply the plan and index again: every reference that resolved now resolves to the
    // renamed counterpart of its old file (or the same file), and every file the plan
    // neither renames nor edits is byte-identical.
    #[test]
    fn a_rename_keeps_every_resolution(
        files in arb_workspace(),
        new in prop::sample::select(vec!["p/job", "p/sub/job", "q/new job", "job"]),
    ) {
        let (dir, index) = workspace(&files);
        let root = index.roots()[0].clone();
        let plan = match plan_rename(&index, &root.join("p/task"), &root.join(new)) {
            Ok(p) => p,
            Err(RenameError::NotAPrompt(_) | RenameError::PromptExists(_)
                | RenameError::NoSuchFolder(_) | RenameError::Exists(_)) => return Ok(()),
            Err(RenameError::Unrewritable { reason, .. }) if reason.contains("other prompts") => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let before = resolutions(&index);
        let after_files = apply(&root, &files, &plan);
        for (name, bytes) in &files {
            let path = root.join(name);
            if plan.new_path(&path).is_none() && !plan.edits.iter().any(|e| e.path == path) {
                prop_assert_eq!(&after_files[name], bytes);
            }
        }
        drop(index);
        drop(dir);
        let (dir2, index2) = workspace(&after_files);
        let root2 = index2.roots()[0].clone();
        let after = resolutions(&index2);
        // Old (file, ref start) -> new: match references by file and order.
        let group = |list: &[(PathBuf, String, PathBuf)], root: &Path| {
            let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (f, _, t) in list {
                m.entry(f.strip_prefix(root).unwrap().to_string_lossy().to_string())
                    .or_default()
                    .push(t.strip_prefix(root).unwrap().to_string_lossy().to_string());
            }
            m
        };
        let mapped: Vec<(PathBuf, String, PathBuf)> = before
            .iter()
            .map(|(f, s, t)| {
                let f2 = plan.new_path(f).unwrap_or(f).strip_prefix(&root).unwrap().to_path_buf();
                let t2 = plan.new_path(t).unwrap_or(t).strip_prefix(&root).unwrap().to_path_buf();
                (root2.join(f2), s.clone(), root2.join(t2))
            })
            .collect();
        let expected = group(&mapped, &root2);
        let got = group(&after, &root2);
        for (file, targets) in &expected {
            let mut have = got.get(file).cloned().unwrap_or_default();
            for t in targets {
                let at = have.iter().position(|h| h == t);
                prop_assert!(at.is_some(), "{file}: expected a reference to {t}, got {have:?}\nplan: {plan:#?}");
                have.remove(at.unwrap());
            }
        }
        drop(dir2);
    }
}
