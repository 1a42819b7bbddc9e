//! `promptls new-version` and `promptls revert` (I-5) on temporary trees: what they write,
//! and what they refuse.

use assert_cmd::Command;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (n, t) in files {
        std::fs::write(dir.path().join(n), t).unwrap();
    }
    dir
}

fn promptls(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("promptls")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != ".git")
        .collect();
    v.sort();
    v
}

#[test]
fn new_version_recommends_writes_and_never_overwrites() {
    let d = tree(&[
        ("task_v1.md", "Hi {{name}}"),
        ("task_v2.md", "Hi {{name}}, {{tone}}"),
    ]);
    // Dry run: a plan, no file.
    let out = promptls(d.path(), &["new-version", "task_v2.md", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("would create"));
    assert_eq!(names(d.path()), ["task_v1.md", "task_v2.md"]);
    // Without --bump, the variable rule decides (an unchanged copy: patch).
    let out = promptls(d.path(), &["new-version", "task_v2.md"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("recommended: patch"));
    assert_eq!(
        std::fs::read_to_string(d.path().join("task_v2.0.1.md")).unwrap(),
        "Hi {{name}}, {{tone}}"
    );
    // With a title: front matter is added to the copy.
    let out = promptls(
        d.path(),
        &[
            "new-version",
            "task_v2.md",
            "--bump",
            "major",
            "--title",
            "Brief",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(d.path().join("task_v3.md")).unwrap(),
        "---\ntitle: \"Brief\"\n---\nHi {{name}}, {{tone}}"
    );
}

#[test]
fn refusals_exit_1_and_change_nothing() {
    let d = tree(&[("task.md", "plain"), ("other_v1.md", "x")]);
    let out = promptls(d.path(), &["new-version", "task.md", "--bump", "patch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unversioned"));
    let out = promptls(
        d.path(),
        &["new-version", "missing_v1.md", "--bump", "patch"],
    );
    assert_eq!(out.status.code(), Some(1));
    let out = promptls(
        d.path(),
        &["new-version", "other_v1.md", "--bump", "sideways"],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = promptls(d.path(), &["revert", "other_v1.md", "--to", "v9"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("available: v1.0.0"));
    assert_eq!(names(d.path()), ["other_v1.md", "task.md"]);
}

#[test]
fn revert_creates_the_next_patch_with_old_content() {
    let d = tree(&[
        ("p-v1.md", "one"),
        ("p-v2.md", "two"),
        ("promptic.toml", "[versioning]\ndelimiter = \"-\"\n"),
    ]);
    let out = promptls(d.path(), &["revert", "p-v2.md", "--to", "v1"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("p-v2.0.1.md")).unwrap(),
        "one"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("p-v1.md")).unwrap(),
        "one"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("p-v2.md")).unwrap(),
        "two"
    );
    // No temporary file is left behind.
    assert!(names(d.path()).iter().all(|n| !n.contains("promptls-tmp")));
}
