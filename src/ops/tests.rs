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
    assert!(crate::vfs::create_new(&plan.path, &plan.content).is_err());
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
    crate::vfs::create_new(&fresh.path, &fresh.content).unwrap();
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
    // No internal ids in the message.
    assert_eq!(
        d.message,
        "v1.1.0 is a minor bump of v1.0.0 (t_v1.md), but it removes {{b}}: breaking: it needs a major bump"
    );
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

#[test]
fn next_prerelease_keeps_the_spelling() {
    let order: Vec<String> = ["alpha", "beta", "rc"].map(String::from).to_vec();
    let next = |s: &str| {
        let v = Version::parse_spec(s, &order).unwrap();
        next_prerelease(&v, &order).map(|v| v.to_string())
    };
    assert_eq!(next("v2.0.0-rc.1").as_deref(), Some("v2.0.0-rc.2"));
    assert_eq!(next("v2.0.0-beta9").as_deref(), Some("v2.0.0-beta10"));
    assert_eq!(next("v2.0.0-rc").as_deref(), Some("v2.0.0-rc.1"));
    assert_eq!(
        next("v1-rc.18446744073709551615").as_deref(),
        Some("v1.0.0-rc.18446744073709551615.1")
    );
    assert_eq!(next("v2"), None);
}

/// Regression: a label on a non-prerelease bump was ignored, and any label was spelled.
#[test]
fn labels_are_checked_by_the_planner() {
    let (dir, index) = tree(&[("r_v1.md", "x")], None);
    let p = dir.path().join("r_v1.md");
    let err = |bump: Bump, label: &str| {
        plan_create(&index, &p, &bump, Some(label), None, None, None)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(Bump::Minor, "rc.1"),
        "a prerelease label needs the prerelease bump, not minor"
    );
    assert_eq!(err(Bump::Prerelease, ""), "the prerelease label is empty");
    assert_eq!(
        err(Bump::Prerelease, "x.md"),
        "\"x.md\" ends with `.md`, which would read as a file extension"
    );
    let plan = plan_create(
        &index,
        &p,
        &Bump::Prerelease,
        Some("rc.1"),
        None,
        None,
        None,
    )
    .unwrap();
    assert_eq!(plan.path.file_name().unwrap(), "r_v1.0.1-rc.1.md");
}

use crate::versioning::Version;
use proptest::prelude::*;

fn part() -> impl Strategy<Value = u64> {
    prop_oneof![0..3u64, Just(u64::MAX), Just(u64::MAX - 1), any::<u64>()]
}

/// A front matter document: entries of every shape, comments between them, LF or CRLF;
/// returns the parts so the expected edit can be built independently.
fn front_matter_doc() -> impl Strategy<Value = (Vec<(String, String)>, Vec<String>, &'static str)> {
    let key = prop_oneof![
        Just("title".to_string()),
        Just("description".to_string()),
        "[a-z][a-z_]{0,6}".prop_filter("not title", |k| k != "title"),
    ];
    // A value part: everything after the colon up to the entry's last line ending.
    let value = prop_oneof![
        "[A-Za-z][A-Za-z0-9 ]{0,10}[A-Za-z0-9]".prop_map(|v| format!(" {v}")),
        "[A-Za-z0-9 :#]{0,10}".prop_map(|v| format!(" {}", serde_json::to_string(&v).unwrap())),
        Just(" 'it''s'".to_string()),
        proptest::collection::vec("[a-z]{1,5}", 1..4).prop_map(|items| {
            items
                .iter()
                .map(|i| format!("{{EOL}}  - {i}"))
                .collect::<String>()
        }),
        proptest::collection::vec("[a-z][a-z #]{0,7}", 1..4).prop_map(|lines| {
            format!(
                " |{}",
                lines
                    .iter()
                    .map(|l| format!("{{EOL}}  {l}"))
                    .collect::<String>()
            )
        }),
        proptest::collection::vec("[a-z]{1,8}", 1..3).prop_map(|lines| {
            format!(
                " >-{}",
                lines
                    .iter()
                    .map(|l| format!("{{EOL}}  {l}"))
                    .collect::<String>()
            )
        }),
        Just(" [a, b]".to_string()),
    ];
    let comment = proptest::option::of("# [a-z :]{0,8}");
    (
        proptest::collection::vec((key, value), 0..6),
        proptest::collection::vec(comment, 6),
        prop_oneof![Just("\n"), Just("\r\n")],
    )
        .prop_map(|(entries, comments, eol)| {
            // One entry per key.
            let mut seen = std::collections::HashSet::new();
            let entries: Vec<(String, String)> = entries
                .into_iter()
                .filter(|(k, _)| seen.insert(k.clone()))
                .map(|(k, v)| (k, v.replace("{EOL}", eol)))
                .collect();
            let comments = comments
                .into_iter()
                .map(|c| c.unwrap_or_default())
                .collect();
            (entries, comments, eol)
        })
}

fn render(entries: &[(String, String)], comments: &[String], eol: &str, body: &str) -> String {
    let mut out = format!("---{eol}");
    for (i, (k, v)) in entries.iter().enumerate() {
        out.push_str(&format!("{k}:{v}{eol}"));
        if !comments[i].is_empty() {
            out.push_str(&format!("{}{eol}", comments[i]));
        }
    }
    out.push_str(&format!("---{eol}{body}"));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any bytes are copied verbatim by a new version.
    #[test]
    fn new_version_copies_any_bytes(content in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let (dir, index) = tree(&[("task_v1.md", "")], None);
        std::fs::write(dir.path().join("task_v1.md"), &content).unwrap();
        let plan = plan_create(&index, &dir.path().join("task_v1.md"), &Bump::Patch, None, None, None, None).unwrap();
        crate::vfs::create_new(&plan.path, &plan.content).unwrap();
        prop_assert_eq!(std::fs::read(dir.path().join("task_v1.0.1.md")).unwrap(), content);
    }

    /// Bumps never wrap: past `u64::MAX` is an error, otherwise the result is newer.
    #[test]
    fn bumps_are_checked(major in part(), minor in part(), patch in part()) {
        let v = Version::new(major, minor, patch);
        for (bump, part) in [(Bump::Major, major), (Bump::Minor, minor), (Bump::Patch, patch)] {
            match bump.apply(&v) {
                Ok(next) => prop_assert!(part < u64::MAX && next > v, "{bump:?} {v} -> {next}"),
                Err(e) => {
                    prop_assert_eq!(part, u64::MAX);
                    prop_assert!(matches!(e, PlanError::Overflow(_)));
                }
            }
        }
    }

    /// Editing the title changes only the title's value (or adds it at the end of the
    /// block with the file's line ending) and reads back as the new title.
    #[test]
    fn title_edit_round_trips_everything_else(
        (entries, comments, eol) in front_matter_doc(),
        title in "\\PC{0,12}",
        body in "[a-z\n#:-]{0,20}",
    ) {
        let text = render(&entries, &comments, eol, &body);
        let quoted = format!(" {}", serde_json::to_string(&title).unwrap());
        let expected = if entries.iter().any(|(k, _)| k == "title") {
            let edited: Vec<(String, String)> = entries
                .iter()
                .map(|(k, v)| (k.clone(), if k == "title" { quoted.clone() } else { v.clone() }))
                .collect();
            render(&edited, &comments, eol, &body)
        } else {
            let mut added = entries.clone();
            let mut comments = comments.clone();
            added.push(("title".to_string(), quoted.clone()));
            // The new key goes after the last line of the block, comments included.
            comments.insert(entries.len(), String::new());
            render(&added, &comments, eol, &body)
        };
        let out = set_front_matter("p_v1.md", &text, Some(&title), None).unwrap();
        prop_assert_eq!(&out, &expected);
        let fm = crate::analysis::front_matter(&out);
        prop_assert_eq!(fm.title.as_deref(), (!title.is_empty()).then_some(title.as_str()));
        prop_assert_eq!(&out[fm.body_start..], body.as_str());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The tree-wide semver check (one read per file, one comparison per neighbour) says
    /// exactly what the per-file check says for every file, reverts and variants included.
    #[test]
    fn tree_semver_check_equals_the_per_file_check(
        chain in proptest::collection::btree_map(
            (0usize..2, prop::sample::select(vec!["1", "1.1", "1.1.1", "1.2", "2", "2.0.1", "3", "3.1"])),
            prop::sample::select(vec!["{{a}}", "{{a}} {{b}}", "{{b}}", "plain", "{{a}} {{c}}"]),
            1..10,
        )
    ) {
        let files: Vec<(String, &str)> = chain
            .iter()
            .map(|((variant, v), text)| {
                let base = if *variant == 0 { "p" } else { "p_de" };
                (format!("{base}_v{v}.md"), *text)
            })
            .collect();
        let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), *t)).collect();
        let (_dir, index) = tree(&refs, None);
        let mut expected = Vec::new();
        for folder in index.folders() {
            for file in &folder.files {
                let text = crate::analysis::analysis_text(&index, &folder.path_of(file)).unwrap();
                expected.extend(semver_diagnostic(index.files(), folder, file, &text));
            }
        }
        let mut got = tree_semver_diagnostics(&index);
        let key = |d: &crate::diagnostics::Diagnostic| (d.path.clone(), d.message.clone());
        expected.sort_by_key(key);
        got.sort_by_key(key);
        prop_assert_eq!(got, expected);
    }
}

/// A file source that counts the reads of each path.
#[derive(Debug, Default)]
struct CountingFiles(std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, usize>>);

impl crate::vfs::FileSource for CountingFiles {
    fn text(&self, path: &std::path::Path) -> Result<crate::vfs::Text, crate::vfs::VfsError> {
        *self
            .0
            .lock()
            .unwrap()
            .entry(path.to_path_buf())
            .or_default() += 1;
        crate::vfs::DiskFiles.text(path)
    }
    fn bytes(&self, path: &std::path::Path) -> Result<Vec<u8>, crate::vfs::VfsError> {
        *self
            .0
            .lock()
            .unwrap()
            .entry(path.to_path_buf())
            .or_default() += 1;
        crate::vfs::DiskFiles.bytes(path)
    }
    fn modified(
        &self,
        path: &std::path::Path,
    ) -> Result<std::time::SystemTime, crate::vfs::VfsError> {
        crate::vfs::DiskFiles.modified(path)
    }
    fn kind(&self, path: &std::path::Path) -> Option<crate::vfs::EntryKind> {
        crate::vfs::DiskFiles.kind(path)
    }
    fn occupied(&self, path: &std::path::Path) -> bool {
        crate::vfs::DiskFiles.occupied(path)
    }
    fn real_path(
        &self,
        path: &std::path::Path,
    ) -> Result<std::path::PathBuf, crate::vfs::VfsError> {
        crate::vfs::DiskFiles.real_path(path)
    }
}

#[test]
fn check_reads_each_file_once() {
    // Five versions whose variables change at every step (each trips the bump check), a
    // broken reference, a revert, and a Python file.
    let (_dir, index) = tree(
        &[
            ("p_v1.md", "{{a}}"),
            ("p_v1.1.md", "{{b}} [x](missing.md)"),
            ("p_v1.1.1.md", "{{a}}"),
            ("p_v1.2.md", "{{c}}"),
            ("p_v2.md", "{{d}}"),
            (
                "app.py",
                "from promptic import load_prompt\nload_prompt(\"nope\")\n",
            ),
        ],
        None,
    );
    let counting = Arc::new(CountingFiles::default());
    let index = index.with_files(counting.clone());
    let checked = crate::analysis::check(&index);
    let semver = tree_semver_diagnostics_from(&index, &|folder, file| {
        checked.versions.get(&folder.path_of(file)).cloned()
    });
    // p_v1.1 removes {{a}} in a minor; p_v1.1.1 is a revert (no warning); p_v1.2 removes {{a}}
    // in a minor; p_v2 is a major.
    let mut flagged: Vec<String> = semver
        .iter()
        .map(|d| d.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    flagged.sort();
    assert_eq!(flagged, ["p_v1.1.md", "p_v1.2.md"]);
    let counts = counting.0.lock().unwrap().clone();
    let mut reads: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(p, n)| (p.file_name().unwrap().to_string_lossy().into_owned(), n))
        .collect();
    reads.sort();
    // Every file once, plus the revert's confirmation (p_v1.1.1 against p_v1).
    assert_eq!(
        reads,
        [
            ("app.py".to_string(), 1),
            ("p_v1.1.1.md".to_string(), 2),
            ("p_v1.1.md".to_string(), 1),
            ("p_v1.2.md".to_string(), 1),
            ("p_v1.md".to_string(), 2),
            ("p_v2.md".to_string(), 1),
        ]
    );
}

#[test]
fn check_of_one_file_reads_only_it_and_the_versions_of_its_prompt() {
    let (_dir, index) = tree(
        &[
            ("p_v1.md", "{{a}}"),
            ("p_v1.1.md", "{{b}} [x](missing.md)"),
            ("p_v2.md", "{{d}}"),
            ("q_v1.md", "[y](gone.md)"),
            ("q_v2.md", "{{z}}"),
            (
                "app.py",
                "from promptic import load_prompt\nload_prompt(\"nope\")\n",
            ),
        ],
        None,
    );
    let counting = Arc::new(CountingFiles::default());
    let index = index.with_files(counting.clone());
    let wanted = |p: &std::path::Path| p.file_name().is_some_and(|n| n == "p_v1.1.md");
    let checked = crate::analysis::check_only(&index, &wanted);
    let mut broken: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.range != (0..0))
        .map(|d| d.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    broken.dedup();
    // Reference problems: the selected file's broken link; q_v1's is not looked for.
    assert_eq!(broken, ["p_v1.1.md"]);
    let mut facts: Vec<String> = checked
        .versions
        .keys()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    facts.sort();
    assert_eq!(facts, ["p_v1.1.md", "p_v1.md", "p_v2.md"]);
    let mut reads: Vec<String> = counting
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(p, n)| format!("{}×{n}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    reads.sort();
    assert_eq!(reads, ["p_v1.1.md×1", "p_v1.md×1", "p_v2.md×1"]);
}

// A Python file longer than the read cap: the reference the cap cuts in two is not read
// as a broken one (`version="latest"` cut to `"lat"` was a version-not-found error).
#[test]
fn a_file_past_the_read_cap_gets_no_error_from_the_cut() {
    let cap = crate::vfs::TEXT_CAP as usize;
    let line = |i: usize| format!("p{i:06} = load_prompt(\"p\", version=\"latest\")\n");
    let mut text = String::from("from promptic import load_prompt\n");
    let mut i = 0;
    while text.len() + 200 < cap {
        text.push_str(&line(i));
        i += 1;
    }
    // Pad so that the cap falls inside `latest` of the next line.
    let pad = cap - text.len() - "p000000 = load_prompt(\"p\", version=\"lat".len();
    text.push_str(&format!("#{}\n", "x".repeat(pad.saturating_sub(2))));
    for k in 0..100 {
        text.push_str(&line(i + k));
    }
    assert!(text.len() > cap);
    let (_dir, index) = tree(&[("p_v1.md", "{{a}}"), ("app.py", &text)], None);
    let checked = crate::analysis::check(&index);
    let codes: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| format!("{:?}: {}", d.code, d.message))
        .collect();
    assert!(codes.is_empty(), "{codes:?}");
}
