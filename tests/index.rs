//! The workspace index against a brute-force model (V-1, V-3, V-7), incremental refreshes
//! against fresh scans, and the naming diagnostics of V-9.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use promptls::config::{ClassifierConfig, ConfigSource, VersioningConfig};
use promptls::diagnostics::{Code, Diagnostic, Fix, Severity};
use promptls::index::Index;
use promptls::versioning::{
    ClassifierProblem, ErrorKind, NamingScheme, ParsedName, RequestOptions, ResolveError,
    VersionSpec,
};

/// A small deterministic generator (xorshift64*), so the trees are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Subtrees with their own promptic.toml: (folder, `[versioning]` body, delimiters).
const SUBTREES: &[(&str, &str, &[char])] = &[
    ("under", "delimiter = \"_\"\n", &['_']),
    ("dash", "delimiter = \"-\"\n", &['-']),
    (
        "dot",
        "delimiter = \".\"\ninclude_prerelease = true\n",
        &['.'],
    ),
    ("multi", "delimiters = [\"_\", \"-\"]\n", &['_', '-']),
];
const ROOT_CONFIG: &str = "[versioning]\ndelimiter = \"_\"\n\n[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\", \"de\"]\ndefault = \"en\"\n";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn random_name(rng: &mut Rng, delims: &[char]) -> String {
    let d = *rng.pick(delims);
    let base = *rng.pick(&["task", "intro", "guide", "plan", "Task"]);
    if rng.chance(12) {
        return rng
            .pick::<&str>(&[
                "notes.rs",
                "data.csv",
                "README",
                "app.py",
                "script.sh",
                "todo.txt",
            ])
            .to_string();
    }
    let mut name = base.to_string();
    if rng.chance(35) {
        name.push(d);
        name.push_str(rng.pick::<&str>(&["en", "ru", "de", "RU"]));
    }
    if rng.chance(85) {
        let major = 1 + rng.below(5);
        name.push(d);
        name.push_str(&match rng.below(3) {
            0 => format!("v{major}"),
            1 => format!("v{major}.{}", rng.below(3)),
            _ => format!("v{major}.{}.{}", rng.below(2), rng.below(2)),
        });
        if rng.chance(25) {
            name.push('-');
            name.push_str(rng.pick::<&str>(&["alpha", "beta.1", "rc1", "rc.2", "gamma"]));
        }
    }
    name.push('.');
    name.push_str(rng.pick::<&str>(&["md", "yaml", "txt", "MD"]));
    name
}

/// The generated workspace: the repo root (with `.git`) and its folders' delimiters.
struct Workspace {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    folders: Vec<(PathBuf, &'static [char])>,
}

fn generate(seed: u64) -> Workspace {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap().join("ws");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    write(&root.join("promptic.toml"), ROOT_CONFIG);
    write(&root.join(".gitignore"), "ignored/\n*.tmp\n");
    let mut rng = Rng(seed);
    let mut folders: Vec<(PathBuf, &'static [char])> = vec![(root.clone(), &['_'])];
    for (sub, body, delims) in SUBTREES {
        let top = root.join(sub);
        write(&top.join("promptic.toml"), &format!("[versioning]\n{body}"));
        folders.push((top.clone(), delims));
        for depth in 1..=2 {
            if rng.chance(80) {
                let nested = top.join(
                    (0..depth)
                        .map(|i| format!("n{i}"))
                        .collect::<Vec<_>>()
                        .join("/"),
                );
                folders.push((nested, delims));
            }
        }
    }
    for (dir, delims) in &folders {
        for _ in 0..6 + rng.below(10) {
            write(
                &dir.join(random_name(&mut rng, delims)),
                "---\ntitle: x\n---\nbody\n",
            );
        }
    }
    // Never indexed: ignored by .gitignore, hidden, node_modules, a *.tmp file.
    for skipped in [
        "ignored/task_v1.md",
        ".hidden/task_v1.md",
        "node_modules/pkg/task_v1.md",
        "under/.cache/task_v9.md",
        "under/task_v7.tmp",
    ] {
        write(&root.join(skipped), "");
    }
    Workspace {
        _tmp: tmp,
        root,
        folders,
    }
}

/// The config of a folder, worked out by hand from the generator's files.
fn config_of(ws: &Workspace, dir: &Path, overrides: &BTreeMap<String, String>) -> VersioningConfig {
    let mut c = VersioningConfig::default();
    c.classifiers.insert(
        "lang".into(),
        ClassifierConfig {
            values: vec!["en".into(), "ru".into(), "de".into()],
            default: "en".into(),
        },
    );
    if let Ok(rel) = dir.strip_prefix(&ws.root)
        && let Some(top) = rel.components().next()
    {
        let top = top.as_os_str().to_str().unwrap();
        let body = overrides.get(top).cloned().or_else(|| {
            SUBTREES
                .iter()
                .find(|s| s.0 == top)
                .map(|s| s.1.to_string())
        });
        if let Some(body) = body {
            for line in body.lines() {
                let (k, v) = line.split_once(" = ").unwrap();
                match k {
                    "delimiter" => c.delimiters = vec![v.trim_matches('"').chars().next().unwrap()],
                    "delimiters" => {
                        c.delimiters = v
                            .trim_matches(['[', ']'])
                            .split(", ")
                            .map(|d| d.trim_matches('"').chars().next().unwrap())
                            .collect()
                    }
                    "include_prerelease" => c.include_prerelease = v == "true",
                    other => panic!("model does not know {other}"),
                }
            }
        }
    }
    c
}

/// The brute-force model: folder -> base -> file name -> parsed name.
type Model = BTreeMap<PathBuf, BTreeMap<String, BTreeMap<String, ParsedName>>>;

fn model(ws: &Workspace, overrides: &BTreeMap<String, String>) -> Model {
    let mut out = Model::new();
    let mut stack = vec![ws.root.clone()];
    while let Some(dir) = stack.pop() {
        let scheme = NamingScheme::new(config_of(ws, &dir, overrides)).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_str().unwrap().to_string();
            if name.starts_with('.') {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                if !["node_modules", "target", ".venv", "venv", "__pycache__"]
                    .contains(&name.as_str())
                    && entry.path() != ws.root.join("ignored")
                {
                    stack.push(entry.path());
                }
                continue;
            }
            if name.ends_with(".tmp") {
                continue;
            }
            if let Some(parsed) = scheme.parse(&name) {
                out.entry(dir.clone())
                    .or_default()
                    .entry(parsed.base.to_string())
                    .or_default()
                    .insert(name, parsed);
            }
        }
    }
    out
}

fn scan(root: &Path) -> Index {
    Index::scan(vec![root.to_path_buf()], Arc::new(ConfigSource::new()))
}

fn compare(ws: &Workspace, index: &Index, model: &Model) {
    let indexed: BTreeSet<PathBuf> = index
        .folders()
        .iter()
        .filter(|f| !f.files.is_empty())
        .map(|f| f.path.to_path_buf())
        .collect();
    let expected: BTreeSet<PathBuf> = model.keys().cloned().collect();
    assert_eq!(indexed, expected, "folders with prompt files");
    for (dir, prompts) in model {
        let folder = index.folder(dir).unwrap();
        let bases: Vec<&str> = folder.prompts.iter().map(|p| &*p.base).collect();
        assert_eq!(
            bases,
            prompts.keys().map(String::as_str).collect::<Vec<_>>(),
            "prompts of {}",
            dir.display()
        );
        for (base, files) in prompts {
            let prompt = folder.prompt(base).unwrap();
            let got: BTreeMap<String, &ParsedName> = folder
                .prompt_files(prompt)
                .map(|f| (f.name.to_string(), &f.parsed))
                .collect();
            let want: BTreeMap<String, &ParsedName> =
                files.iter().map(|(n, p)| (n.clone(), p)).collect();
            assert_eq!(got, want, "files and versions of {}/{base}", dir.display());
            // Versioned files newest first, then unversioned ones.
            let versions: Vec<Option<_>> = folder
                .prompt_files(prompt)
                .map(|f| f.parsed.version.clone())
                .collect();
            for w in versions.windows(2) {
                match (&w[0], &w[1]) {
                    (Some(a), Some(b)) => {
                        assert!(a >= b, "{}/{base}: {a} before {b}", dir.display())
                    }
                    (None, Some(_)) => {
                        panic!("{}/{base}: unversioned before versioned", dir.display())
                    }
                    _ => {}
                }
            }
        }
        // Each folder reads names with its own config.
        let want = config_of(ws, dir, &BTreeMap::new()).delimiters;
        assert_eq!(
            folder.scheme.config.delimiters,
            want,
            "delimiters of {}",
            dir.display()
        );
    }
}

#[test]
fn scan_matches_the_brute_force_model() {
    for seed in [1u64, 7, 42, 2024] {
        let ws = generate(seed);
        let index = scan(&ws.root);
        let m = model(&ws, &BTreeMap::new());
        assert!(m.len() >= 5, "seed {seed}: the generator makes a real tree");
        compare(&ws, &index, &m);
        // Nothing from ignored, hidden or skipped folders.
        for f in index.folders() {
            let p = f.path.to_string_lossy();
            assert!(
                !p.contains("ignored")
                    && !p.contains(".hidden")
                    && !p.contains("node_modules")
                    && !p.contains(".cache"),
                "{p}"
            );
        }
        assert!(
            index
                .folder(&ws.root.join("under"))
                .is_none_or(|f| f.file("task_v7.tmp").is_none())
        );
    }
}

#[test]
fn refreshes_equal_a_fresh_scan() {
    for seed in [3u64, 99] {
        let ws = generate(seed);
        let mut rng = Rng(seed ^ 0xDEAD_BEEF);
        let mut index = scan(&ws.root);
        let mut overrides = BTreeMap::new();
        for step in 0..40 {
            let (dir, delims) = ws.folders[rng.below(ws.folders.len())].clone();
            let existing: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|r| {
                    r.filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|p| {
                            p.is_file()
                                && !p.ends_with("promptic.toml")
                                && !p.file_name().unwrap().to_string_lossy().starts_with('.')
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut touched = Vec::new();
            let op = if step == 20 { 9 } else { rng.below(9) };
            match op {
                0..=2 => {
                    let p = dir.join(random_name(&mut rng, delims));
                    write(&p, "new");
                    touched.push(p);
                }
                3..=4 if !existing.is_empty() => {
                    let p = rng.pick(&existing).clone();
                    std::fs::remove_file(&p).unwrap();
                    touched.push(p);
                }
                5..=6 if !existing.is_empty() => {
                    let from = rng.pick(&existing).clone();
                    let (to_dir, to_delims) = ws.folders[rng.below(ws.folders.len())].clone();
                    let to = to_dir.join(random_name(&mut rng, to_delims));
                    std::fs::create_dir_all(&to_dir).unwrap();
                    std::fs::rename(&from, &to).unwrap();
                    touched.extend([from, to]);
                }
                7 => {
                    // A new folder with files, or a removed one.
                    let new_dir = dir.join(format!("made{step}"));
                    if rng.chance(50) || !new_dir.exists() {
                        for _ in 0..3 {
                            write(&new_dir.join(random_name(&mut rng, delims)), "x");
                        }
                    } else {
                        std::fs::remove_dir_all(&new_dir).unwrap();
                    }
                    touched.push(new_dir);
                }
                8 => {
                    // Several changes in one folder, refreshed together.
                    for _ in 0..4 {
                        let p = dir.join(random_name(&mut rng, delims));
                        write(&p, "burst");
                        touched.push(p);
                    }
                }
                9 => {
                    // The config edit: `dash` switches to `.` and prereleases.
                    let body = "delimiter = \".\"\ninclude_prerelease = true\n".to_string();
                    let p = ws.root.join("dash/promptic.toml");
                    write(&p, &format!("[versioning]\n{body}"));
                    overrides.insert("dash".to_string(), body);
                    touched.push(p);
                }
                _ => continue,
            }
            index = index.refreshed(&touched);
            let fresh = scan(&ws.root);
            assert!(
                index.same_content(&fresh),
                "seed {seed}, step {step} (op {op}, {touched:?}): refreshed index differs from a fresh scan"
            );
            if op == 9 {
                let dash = index.folder(&ws.root.join("dash"));
                assert!(
                    dash.is_none_or(|f| f.scheme.config.delimiters == vec!['.']),
                    "the edit applies"
                );
                // Model check after the config edit (dash is now `.`).
                let m = model(&ws, &overrides);
                for (dir, prompts) in &m {
                    let folder = index.folder(dir).unwrap();
                    let n: usize = prompts.values().map(|p| p.len()).sum();
                    assert_eq!(folder.files.len(), n, "{}", dir.display());
                }
            }
        }
    }
}

#[test]
fn editing_gitignore_refreshes_what_is_ignored() {
    let ws = generate(5);
    write(&ws.root.join("dash/n0/extra-v1.md"), "");
    let index = scan(&ws.root);
    assert!(index.folder(&ws.root.join("dash/n0")).is_some());
    assert!(index.folder(&ws.root.join("ignored")).is_none());
    // Un-ignore `ignored/`, ignore `under/`.
    write(&ws.root.join(".gitignore"), "under/\n*.tmp\n");
    let index = index.refreshed(&[ws.root.join(".gitignore")]);
    assert!(
        index.same_content(&scan(&ws.root)),
        "a .gitignore edit applies to the folders it names"
    );
    assert!(
        index
            .folder(&ws.root.join("ignored"))
            .is_some_and(|f| f.file("task_v1.md").is_some())
    );
    assert!(index.folder(&ws.root.join("under")).is_none());
    // A nested `.ignore` file too.
    write(&ws.root.join("dash/.ignore"), "n0/\n");
    let index = index.refreshed(&[ws.root.join("dash/.ignore")]);
    assert!(index.same_content(&scan(&ws.root)));
    assert!(index.folder(&ws.root.join("dash/n0")).is_none());
}

// ----- V-9 naming diagnostics -----------------------------------------------------------------

fn diags_for(files: &[&str], config: &str) -> (tempfile::TempDir, PathBuf, Vec<Diagnostic>) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    std::fs::create_dir(root.join(".git")).unwrap();
    if !config.is_empty() {
        write(&root.join("promptic.toml"), config);
    }
    for f in files {
        write(&root.join(f), "");
    }
    let d = scan(&root).file_diagnostics();
    (tmp, root, d)
}

fn on<'a>(diags: &'a [Diagnostic], root: &Path, file: &str) -> Vec<&'a Diagnostic> {
    diags.iter().filter(|d| d.path == root.join(file)).collect()
}

const LANG: &str =
    "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\", \"de\"]\ndefault = \"en\"\n";

#[test]
fn duplicate_version_on_both_files() {
    let (_t, root, d) = diags_for(
        &[
            "task_v1.md",
            "task_v1.0.0.md",
            "task_v2.md",
            "task_ru_v1.md",
            "task_v2.yaml",
        ],
        LANG,
    );
    for (file, other) in [
        ("task_v1.md", "task_v1.0.0.md"),
        ("task_v1.0.0.md", "task_v1.md"),
        ("task_v2.md", "task_v2.yaml"),
        ("task_v2.yaml", "task_v2.md"),
    ] {
        let list = on(&d, &root, file);
        assert_eq!(list.len(), 1, "{file}: {d:#?}");
        assert_eq!(list[0].code, Code::DuplicateVersion);
        assert_eq!(list[0].severity, Severity::Error);
        assert!(
            list[0].message.contains(other) && list[0].message.contains("DuplicateVersionError"),
            "{}",
            list[0].message
        );
    }
    assert!(
        on(&d, &root, "task_ru_v1.md").is_empty(),
        "another variant is not a duplicate"
    );
    assert_eq!(d.len(), 4);
}

#[test]
fn classifier_after_version_with_its_fix() {
    let (_t, root, d) = diags_for(&["task_v1_ru.md", "task_v2-de.md", "task_en_v3.md"], LANG);
    let list = on(&d, &root, "task_v1_ru.md");
    assert_eq!(list.len(), 1, "{d:#?}");
    assert_eq!(list[0].code, Code::ClassifierAfterVersion);
    assert_eq!(list[0].severity, Severity::Warning);
    assert_eq!(
        list[0].fix,
        Some(Fix::RenameFile {
            new_name: "task_ru_v1.md".into()
        })
    );
    assert!(
        list[0].message.contains("`ru`") && list[0].message.contains("rename to `task_ru_v1.md`"),
        "{}",
        list[0].message
    );
    // `-de` after the version reads as a prerelease, but it is a classifier value.
    let list = on(&d, &root, "task_v2-de.md");
    assert_eq!(list.len(), 1, "{d:#?}");
    assert_eq!(list[0].code, Code::ClassifierAfterVersion);
    assert_eq!(
        list[0].fix,
        Some(Fix::RenameFile {
            new_name: "task_de_v2.md".into()
        })
    );
    assert!(on(&d, &root, "task_en_v3.md").is_empty());
    assert_eq!(d.len(), 2, "{d:#?}");
}

#[test]
fn unknown_prerelease_label() {
    let (_t, root, d) = diags_for(
        &["task_v1-gamma.md", "task_v1-rc.2.md", "task_v1-beta3.md"],
        "",
    );
    let list = on(&d, &root, "task_v1-gamma.md");
    assert_eq!(list.len(), 1, "{d:#?}");
    assert_eq!(list[0].code, Code::UnknownPrereleaseLabel);
    assert!(
        list[0].message.contains("`gamma`") && list[0].message.contains("alpha, beta, rc"),
        "{}",
        list[0].message
    );
    assert_eq!(d.len(), 1, "known labels are fine: {d:#?}");
    // A custom order makes `gamma` known and `rc` unknown.
    let (_t, root, d) = diags_for(
        &["task_v1-gamma.md", "task_v1-rc.md"],
        "[versioning]\nprerelease_order = [\"alpha\", \"gamma\"]\n",
    );
    assert!(on(&d, &root, "task_v1-gamma.md").is_empty(), "{d:#?}");
    assert_eq!(
        on(&d, &root, "task_v1-rc.md")[0].code,
        Code::UnknownPrereleaseLabel
    );
}

#[test]
fn malformed_versions() {
    let (_t, root, d) = diags_for(
        &[
            "task-v1.md",
            "task_v.md",
            "task_v1.0.0.0.md",
            "ok_v1.md",
            "plain.md",
        ],
        "",
    );
    let one = |file: &str| {
        let list = on(&d, &root, file);
        assert_eq!(list.len(), 1, "{file}: {d:#?}");
        assert_eq!(list[0].code, Code::MalformedVersion, "{file}");
        assert_eq!(list[0].severity, Severity::Warning);
        list[0].clone()
    };
    let wrong_delim = one("task-v1.md");
    assert_eq!(
        wrong_delim.fix,
        Some(Fix::RenameFile {
            new_name: "task_v1.md".into()
        })
    );
    assert!(
        wrong_delim.message.contains("delimiter \"-\"")
            && wrong_delim.message.contains("rename to `task_v1.md`"),
        "{}",
        wrong_delim.message
    );
    let no_number = one("task_v.md");
    assert_eq!(no_number.fix, None);
    assert!(
        no_number.message.contains("no version number"),
        "{}",
        no_number.message
    );
    let four = one("task_v1.0.0.0.md");
    assert_eq!(four.fix, None);
    assert!(
        four.message.contains("more than three version numbers"),
        "{}",
        four.message
    );
    assert!(on(&d, &root, "ok_v1.md").is_empty() && on(&d, &root, "plain.md").is_empty());
    assert_eq!(d.len(), 3);
    // Under `-`, the same `task-v1.md` is fine and `task_v1.md` is the near miss.
    let (_t, root, d) = diags_for(
        &["task-v1.md", "other_v2.md"],
        "[versioning]\ndelimiter = \"-\"\n",
    );
    assert!(on(&d, &root, "task-v1.md").is_empty(), "{d:#?}");
    assert_eq!(
        on(&d, &root, "other_v2.md")[0].fix,
        Some(Fix::RenameFile {
            new_name: "other-v2.md".into()
        })
    );
}

#[test]
fn diagnostics_follow_diagnostics_severities() {
    let config = "[diagnostics]\nmalformed-version = \"off\"\nduplicate-version = \"warning\"\n";
    let (_t, root, d) = diags_for(&["task-v1.md", "a_v1.md", "a_v1.0.md"], config);
    assert!(on(&d, &root, "task-v1.md").is_empty(), "turned off: {d:#?}");
    assert!(
        on(&d, &root, "a_v1.md")
            .iter()
            .all(|x| x.severity == Severity::Warning)
            && on(&d, &root, "a_v1.md").len() == 1
    );
}

#[test]
fn config_errors_are_file_diagnostics() {
    let (_t, root, d) = diags_for(&["task_v1.md"], "[versioning]\ndelimiter = \"+\"\n");
    let list = on(&d, &root, "promptic.toml");
    assert_eq!(list.len(), 1, "{d:#?}");
    assert_eq!(list[0].code, Code::InvalidConfig);
    let text = "[versioning]\ndelimiter = \"+\"\n";
    assert_eq!(
        &text[list[0].range.clone()],
        "\"+\"",
        "the range covers the value"
    );
}

#[test]
fn version_numbers_that_do_not_fit_are_malformed() {
    let big = "c_v999999999999999999999.0.0.md";
    let patch = "c_en_v1.0.18446744073709551616.md";
    let (_t, root, d) = diags_for(&[big, patch, "c_v18446744073709551615.md"], LANG);
    let diag = |file: &str, number: &str| Diagnostic {
        path: root.join(file),
        range: 0..0,
        severity: Severity::Warning,
        code: Code::MalformedVersion,
        message: format!(
            "`{file}` is left out of resolution: its version number `{number}` is too large (the largest is 18446744073709551615)"
        ),
        fix: None,
    };
    assert_eq!(
        d,
        vec![
            diag(patch, "18446744073709551616"),
            diag(big, "999999999999999999999"),
        ]
    );
    // Neither file is a version of `c` nor its unversioned file: `latest` is the largest
    // version that fits.
    let index = scan(&root);
    let r = index
        .resolve(
            &root.join("c"),
            "c",
            &VersionSpec::Latest,
            &RequestOptions::default(),
        )
        .unwrap();
    assert_eq!(&*r.prompt_file().name, "c_v18446744073709551615.md");
    let folder = index.folder(&root).unwrap();
    let (_, f) = folder.file(big).unwrap();
    assert_eq!((&*f.parsed.base, f.parsed.version.as_ref()), ("c", None));
    assert!(f.parsed.version_unreadable());
}

#[test]
fn resolve_errors_carry_the_request() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    std::fs::create_dir(root.join(".git")).unwrap();
    write(&root.join("promptic.toml"), LANG);
    for f in ["x_de_v3.md", "x_ru_v3.md"] {
        write(&root.join(f), "");
    }
    let index = scan(&root);
    let resolve = |classifier: Option<(&str, &str)>, spec: &VersionSpec| {
        let map: BTreeMap<String, String> = classifier
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into_iter()
            .collect();
        let opts = RequestOptions {
            classifier: classifier.map(|_| &map),
            include_prerelease: None,
        };
        index
            .resolve(&root.join("x"), "x", spec, &opts)
            .unwrap_err()
    };
    let v3 = VersionSpec::Explicit("v3".into());
    // The implicit default: the same error as asking for it, only `requested` differs.
    let implicit = resolve(None, &v3);
    let explicit = resolve(Some(("lang", "en")), &v3);
    let expected = |requested: bool| ResolveError {
        kind: ErrorKind::ClassifierNotFound,
        message: "no file of `x` has lang=en; available: ru, de".into(),
        target: "x".into(),
        spec: v3.clone(),
        available: vec!["ru".into(), "de".into()],
        prerelease_only: false,
        classifier: Some(Box::new(ClassifierProblem::MissingValue {
            name: "lang".into(),
            value: "en".into(),
            requested,
        })),
        range: None,
    };
    assert_eq!(implicit, expected(false));
    assert_eq!(explicit, expected(true));
    assert_eq!(
        resolve(Some(("tone", "dry")), &VersionSpec::Latest),
        ResolveError {
            kind: ErrorKind::ClassifierNotFound,
            message: "classifier `tone` is not declared; declared: lang".into(),
            target: "x".into(),
            spec: VersionSpec::Latest,
            available: vec!["lang".into()],
            prerelease_only: false,
            classifier: Some(Box::new(ClassifierProblem::Undeclared {
                name: "tone".into()
            })),
            range: None,
        }
    );
    let e = resolve(Some(("lang", "ru")), &VersionSpec::Explicit("v9".into()));
    assert_eq!(
        (e.kind, e.spec, e.classifier, e.message.as_str()),
        (
            ErrorKind::VersionNotFound,
            VersionSpec::Explicit("v9".into()),
            None,
            "`x` has no version v9.0.0 for lang=ru; available: v3.0.0"
        )
    );
}

#[test]
fn sub_folders_come_from_the_snapshot_and_follow_refreshes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    std::fs::create_dir(root.join(".git")).unwrap();
    for d in ["p/b", "p/c", "p/.hidden"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    write(&root.join("p/b/x_v1.md"), "x");
    let index = Index::scan(vec![root.clone()], Arc::new(ConfigSource::new()));
    let p = root.join("p");
    assert_eq!(index.subdirs(&p), [p.join("b"), p.join("c")]);
    // A folder created and one removed: the next snapshot says so, the old one does not
    // change (no disk read at query time).
    std::fs::create_dir(p.join("a")).unwrap();
    std::fs::remove_dir_all(p.join("c")).unwrap();
    let next = index.refreshed(&[p.join("a"), p.join("c")]);
    assert_eq!(next.subdirs(&p), [p.join("a"), p.join("b")]);
    assert_eq!(index.subdirs(&p), [p.join("b"), p.join("c")]);
    assert_eq!(next.subdirs(&p.join("b")), Vec::<PathBuf>::new());
}

/// The walk lists only names that some config can make prompt files of (assets are left
/// out before they cost a string). A config the walk finds that names another extension
/// (nested, or above the root) still gets its files indexed, and so does a config that
/// names one in a later refresh, in a folder that held no prompt file before.
#[test]
fn extensions_named_by_configs_are_indexed_wherever_the_config_is() {
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path().canonicalize().unwrap();
    write(&top.join(".git/HEAD"), "");
    write(
        &top.join("promptic.toml"),
        "[versioning]\nextensions = [\"md\", \"j3\"]\n",
    );
    let root = top.join("ws");
    write(&root.join("a/task_v1.md"), "");
    write(&root.join("a/logo_v1.png"), "");
    write(&root.join("a/tool_v1.j3"), "");
    write(
        &root.join("b/promptic.toml"),
        "[versioning]\nextensions = [\"tmpl\"]\n",
    );
    write(&root.join("b/task_v1.TMPL"), "");
    write(&root.join("b/task_v2.md"), "");
    write(&root.join("b/deep/task_v2.tmpl"), "");
    write(&root.join("c/notes_v1.txt2"), "");
    write(&root.join("c/run.py"), "");
    let names = |index: &Index, dir: &str| -> Vec<String> {
        index
            .folder(&root.join(dir))
            .map(|f| f.files.iter().map(|p| p.name.to_string()).collect())
            .unwrap_or_default()
    };
    let index = scan(&root);
    assert_eq!(names(&index, "a"), ["task_v1.md", "tool_v1.j3"]);
    assert_eq!(names(&index, "b"), ["task_v1.TMPL"]);
    assert_eq!(names(&index, "b/deep"), ["task_v2.tmpl"]);
    assert!(names(&index, "c").is_empty());
    let python: Vec<&str> = index
        .folder(&root.join("c"))
        .unwrap()
        .python
        .iter()
        .map(|p| &**p)
        .collect();
    assert_eq!(python, ["run.py"]);

    write(
        &root.join("c/promptic.toml"),
        "[versioning]\nextensions = [\"txt2\"]\n",
    );
    let refreshed = index.refreshed(&[root.join("c/promptic.toml")]);
    assert_eq!(names(&refreshed, "c"), ["notes_v1.txt2"]);
    assert!(refreshed.same_content(&scan(&root)));
}
