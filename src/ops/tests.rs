//! Planner tests on temporary trees.

use std::sync::Arc;

use super::*;
use crate::config::{ConfigFileKind, ConfigSource, load_config_file};
use crate::index::Index;

/// An index over `files` (empty contents unless given) with `config` (promptic.toml text).
fn tree(files: &[(&str, &str)], config: Option<&str>) -> (tempfile::TempDir, Index) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let mut source = ConfigSource::new();
    if let Some(c) = config {
        let p = dir.path().join("promptic.toml");
        std::fs::write(&p, c).unwrap();
        source.explicit = Some(Arc::new(load_config_file(&p, ConfigFileKind::Promptic, c)));
    }
    let index = Index::scan(vec![dir.path().to_path_buf()], Arc::new(source));
    (dir, index)
}

fn create(
    files: &[(&str, &str)],
    config: Option<&str>,
    from: &str,
    bump: Bump,
) -> Result<String, PlanError> {
    let (dir, index) = tree(files, config);
    let p = index.roots()[0].join(from);
    let plan = plan_create(&index, &p, &bump, None, None, None, None)?;
    drop(dir);
    Ok(plan.path.file_name().unwrap().to_string_lossy().to_string())
}

#[test]
fn each_bump_keeps_the_spelling_style() {
    let f = [("task_v1.md", "")];
    assert_eq!(
        create(&f, None, "task_v1.md", Bump::Patch).unwrap(),
        "task_v1.0.1.md"
    );
    assert_eq!(
        create(&f, None, "task_v1.md", Bump::Minor).unwrap(),
        "task_v1.1.md"
    );
    assert_eq!(
        create(&f, None, "task_v1.md", Bump::Major).unwrap(),
        "task_v2.md"
    );
    let f = [("task_v1.0.0.md", "")];
    assert_eq!(
        create(&f, None, "task_v1.0.0.md", Bump::Major).unwrap(),
        "task_v2.0.0.md"
    );
    assert_eq!(
        create(&f, None, "task_v1.0.0.md", Bump::Prerelease).unwrap(),
        "task_v1.0.1-alpha.md"
    );
    let f = [("task_V1.yaml", "")];
    assert_eq!(
        create(&f, None, "task_V1.yaml", Bump::Minor).unwrap(),
        "task_V1.1.yaml"
    );
}

#[test]
fn every_delimiter() {
    let cfg = "[versioning]\ndelimiters = [\"_\", \"-\", \".\"]\n";
    assert_eq!(
        create(&[("a-v1.md", "")], Some(cfg), "a-v1.md", Bump::Major).unwrap(),
        "a-v2.md"
    );
    assert_eq!(
        create(&[("a.v1.2.md", "")], Some(cfg), "a.v1.2.md", Bump::Patch).unwrap(),
        "a.v1.2.1.md"
    );
    assert_eq!(
        create(&[("a_v3.md", "")], Some(cfg), "a_v3.md", Bump::Minor).unwrap(),
        "a_v3.1.md"
    );
}

#[test]
fn bumps_from_the_newest_of_the_variant_and_keeps_classifiers() {
    let cfg = "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n";
    let f = [
        ("task_ru_v1.md", ""),
        ("task_ru_v2.md", ""),
        ("task_v5.md", ""),
    ];
    assert_eq!(
        create(&f, Some(cfg), "task_ru_v1.md", Bump::Patch).unwrap(),
        "task_ru_v2.0.1.md"
    );
}

#[test]
fn custom_pattern_family() {
    let cfg = "[versioning]\nversion_pattern = \"_rev(?P<major>\\\\d+)\"\n";
    let f = [("notes_rev41.md", ""), ("notes_rev42.md", "")];
    assert_eq!(
        create(&f, Some(cfg), "notes_rev41.md", Bump::Major).unwrap(),
        "notes_rev43.md"
    );
    assert!(matches!(
        create(&f, Some(cfg), "notes_rev42.md", Bump::Minor),
        Err(PlanError::Unspellable(_))
    ));
}

#[test]
fn refusals() {
    assert!(matches!(
        create(&[("task.md", "")], None, "task.md", Bump::Patch),
        Err(PlanError::Unversioned(_))
    ));
    assert!(matches!(
        create(&[("task_v1.md", "")], None, "other_v1.md", Bump::Patch),
        Err(PlanError::NotAPrompt(_))
    ));
    // The target exists but is not a version of this prompt under this config (a
    // file the index cannot see as newer): never overwritten.
    let (dir, index) = tree(&[("task_v1.md", "")], None);
    std::fs::write(dir.path().join("task_v1.0.1.md"), "keep me").unwrap();
    let r = plan_create(
        &index,
        &dir.path().join("task_v1.md"),
        &Bump::Patch,
        None,
        None,
        None,
        None,
    );
    assert!(matches!(r, Err(PlanError::Exists(_))), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("task_v1.0.1.md")).unwrap(),
        "keep me"
    );
}

#[test]
fn write_plan_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("task_v2.md");
    std::fs::write(&path, "keep").unwrap();
    let plan = Plan {
        path: path.clone(),
        content: b"new".to_vec(),
        version: "v2.0.0".into(),
        reason: String::new(),
    };
    assert!(write_plan(&plan).is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
    let fresh = Plan {
        path: dir.path().join("task_v3.md"),
        ..plan
    };
    write_plan(&fresh).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("task_v3.md")).unwrap(),
        "new"
    );
}

#[test]
fn revert_is_a_new_patch_with_old_content() {
    let (dir, index) = tree(
        &[("task_v1.md", "one {{a}}"), ("task_v2.md", "two {{b}}")],
        None,
    );
    let plan = plan_revert(&index, &dir.path().join("task_v2.md"), "v1").unwrap();
    assert_eq!(plan.path.file_name().unwrap(), "task_v2.0.1.md");
    assert_eq!(plan.content, b"one {{a}}");
    assert!(matches!(
        plan_revert(&index, &dir.path().join("task_v2.md"), "v9"),
        Err(PlanError::VersionNotFound(_))
    ));
}

#[test]
fn variants() {
    let cfg = "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n";
    let (dir, index) = tree(&[("task_v2.md", "x")], Some(cfg));
    let plan = plan_variant(&index, &dir.path().join("task_v2.md"), "lang", "ru", None).unwrap();
    assert_eq!(plan.path.file_name().unwrap(), "task_ru_v2.md");
    assert!(plan_variant(&index, &dir.path().join("task_v2.md"), "lang", "es", None).is_err());
}

#[test]
fn variable_rule_recommends() {
    let (dir, index) = tree(
        &[
            ("t_v1.md", "{{a}} {{b}}"),
            ("t_v1.1.md", "{{a}}"),
            ("t_v2.md", "{{a}}"),
        ],
        None,
    );
    let (folder, i) = index.file(&dir.path().join("t_v1.1.md")).unwrap();
    let rec = recommend(index.files(), folder, &folder.files[i], "{{a}}");
    assert_eq!(rec.bump, Bump::Major);
    assert_eq!(rec.reason, "removes {{b}}: breaking");
    // v1.1.0 removes a variable with only a minor bump: flagged; v2 (major) is not.
    let d =
        semver_diagnostic(index.files(), folder, &folder.files[i], "{{a}}").expect("semver-bump");
    assert!(d.message.contains("needs a major bump"), "{}", d.message);
    let (folder, i) = index.file(&dir.path().join("t_v2.md")).unwrap();
    assert!(semver_diagnostic(index.files(), folder, &folder.files[i], "{{a}}").is_none());
    let next = recommend_next(index.files(), folder, &folder.files[i], "{{a}} {{c}}");
    assert_eq!(next.bump, Bump::Minor);
    let j2 = "{% for x in items %}{{ x.name }}{% endfor %}";
    let (dir, index) = tree(&[("p_v1.jinja2", "{{ items }}"), ("p_v2.jinja2", j2)], None);
    let (folder, i) = index.file(&dir.path().join("p_v2.jinja2")).unwrap();
    assert_eq!(
        recommend(index.files(), folder, &folder.files[i], j2).bump,
        Bump::Patch
    );
}
