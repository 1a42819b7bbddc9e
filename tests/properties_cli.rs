//! Property tests of the command line, one for each class of defect fixed before: special
//! files among the prompts, content in any encoding, partial paths given to `check`, and
//! symlinks planted where a new version would go (version numbers that do not fit are in
//! properties.rs, beside the name reader's own property). Each
//! case runs the real binary on fresh temporary workspaces, with a hang guard
//! (`support::cli::promptls`): a command that blocks fails the case.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};
use support::cli::{Run, promptls, redact, tree, workspace, write};

/// Cases per property: each spawns the binary a few times.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    }
}

/// `r` with the workspace written `[ws]`, as (exit code, stdout, stderr).
fn shown(r: &Run, ws: &Path) -> (i32, String, String) {
    (r.code, redact(&r.stdout, ws), redact(&r.stderr, ws))
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

// ---------------------------------------------------------------------------------------
// Special files: whatever special entries sit among the prompts, `check`, `versions` and
// `new-version --dry-run` finish, answer for the regular files exactly as without them, and
// name each entry they skip in a warning.

/// A special entry of the prompts folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    Fifo,
    Socket,
    /// A folder named like a prompt file.
    Folder,
    LinkToNull,
    LinkToFifo,
    LinkToSocket,
    LinkToStdin,
    Dangling,
    /// A symlink to itself.
    Loop,
}

impl Special {
    const ALL: [Special; 9] = [
        Special::Fifo,
        Special::Socket,
        Special::Folder,
        Special::LinkToNull,
        Special::LinkToFifo,
        Special::LinkToSocket,
        Special::LinkToStdin,
        Special::Dangling,
        Special::Loop,
    ];

    /// Why the walk skips it, following a link to see what is behind it (the command's
    /// standard input is a pipe), so that every command names it and it is never a
    /// version, even under a regular prompt's name; `None`: a folder is walked, not
    /// skipped.
    fn reason(self) -> Option<&'static str> {
        match self {
            Special::Fifo | Special::LinkToFifo | Special::LinkToStdin => {
                Some("a named pipe, not a regular file")
            }
            Special::Socket | Special::LinkToSocket => Some("a socket, not a regular file"),
            Special::LinkToNull => Some("a character device, not a regular file"),
            Special::Dangling => Some("No such file or directory"),
            Special::Loop => Some("Too many levels of symbolic links"),
            Special::Folder => None,
        }
    }

    fn make(self, path: &Path, ws: &Path) {
        use std::os::unix::fs::symlink;
        let targets = ws.join(".targets");
        match self {
            Special::Fifo => mkfifo(path),
            Special::Socket => {
                std::os::unix::net::UnixListener::bind(path).unwrap();
            }
            Special::Folder => std::fs::create_dir(path).unwrap(),
            Special::LinkToNull => symlink("/dev/null", path).unwrap(),
            Special::LinkToFifo => symlink(targets.join("pipe"), path).unwrap(),
            Special::LinkToSocket => symlink(targets.join("socket"), path).unwrap(),
            Special::LinkToStdin => symlink("/dev/stdin", path).unwrap(),
            Special::Dangling => symlink(targets.join("gone"), path).unwrap(),
            Special::Loop => symlink(path, path).unwrap(),
        }
    }
}

const BASES: [&str; 3] = ["task", "note", "intro"];
const VERSIONS: [&str; 4] = ["v1", "v1.1", "v2", "v2.0.1-rc.1"];
const BODIES: [&str; 3] = ["Hi {{a}}\n", "Hi {{a}} {{b}}\n", "Bye\n"];

/// Regular prompt files: (base, version, body) indexes.
fn regular_files() -> impl Strategy<Value = BTreeMap<(usize, usize), usize>> {
    proptest::collection::btree_map((0..BASES.len(), 0..VERSIONS.len()), 0..BODIES.len(), 1..7)
}

/// Special entries: a kind, a name of its own, and whether it takes the name of a version
/// of a regular prompt instead.
fn specials() -> impl Strategy<Value = Vec<(Special, String, Option<Index>)>> {
    proptest::collection::vec(
        (
            proptest::sample::select(Special::ALL.to_vec()),
            "[a-z]{1,6}",
            proptest::option::of(any::<Index>()),
        ),
        1..7,
    )
}

/// The regular files in `prompts/`, in a fresh workspace.
fn regular_workspace(files: &BTreeMap<(usize, usize), usize>) -> (tempfile::TempDir, PathBuf) {
    let (tmp, ws) = workspace();
    for (&(b, v), &body) in files {
        let name = format!("prompts/{}_{}.md", BASES[b], VERSIONS[v]);
        write(&ws.join(name), BODIES[body].as_bytes());
    }
    (tmp, ws)
}

/// `check`, `versions` and `new-version --dry-run` on `ws`, the versions' paths and
/// times redacted.
fn answers(ws: &Path, base: &str, file: &str) -> [(i32, String, Vec<String>); 3] {
    let run = |args: &[&str]| {
        let r = promptls(ws, args);
        (r.code, redact(&r.stdout, ws), r.stderr_lines())
    };
    let mut versions = run(&["versions", &format!("prompts/{base}"), "--json"]);
    let mut listed: Value = serde_json::from_str(&versions.1).unwrap();
    for v in listed.as_array_mut().unwrap() {
        v["created_at"] = json!("[modified]");
    }
    versions.1 = listed.to_string();
    [
        run(&["check", "--format", "json"]),
        versions,
        run(&["new-version", &format!("prompts/{file}"), "--dry-run"]),
    ]
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn special_files_are_skipped_and_named(files in regular_files(), specials in specials()) {
        let (_plain_tmp, plain) = regular_workspace(&files);
        let (_tmp, ws) = regular_workspace(&files);
        let targets = ws.join(".targets");
        std::fs::create_dir(&targets).unwrap();
        mkfifo(&targets.join("pipe"));
        std::os::unix::net::UnixListener::bind(targets.join("socket")).unwrap();
        let regular: Vec<(usize, usize)> = files.keys().copied().collect();
        let mut walk_warnings = Vec::new();
        for (i, (kind, name, as_version)) in specials.iter().enumerate() {
            let name = match as_version {
                // A high version of a regular prompt: v9.0.0 and above.
                Some(at) => {
                    let (b, _) = regular[at.index(regular.len())];
                    format!("{}_v9.{i}.md", BASES[b])
                }
                None => format!("z{name}{i}_v1.md"),
            };
            kind.make(&ws.join("prompts").join(&name), &ws);
            if let Some(reason) = kind.reason() {
                walk_warnings.push(format!("warning: prompts/{name}: skipped: {reason}"));
            }
        }
        walk_warnings.sort();
        let (b, v) = regular[0];
        let (base, file) = (BASES[b], format!("{}_{}.md", BASES[b], VERSIONS[v]));
        let [check, versions, planned] = answers(&ws, base, &file);
        let [plain_check, plain_versions, plain_planned] = answers(&plain, base, &file);
        // The same report, plus the warnings.
        prop_assert_eq!(&plain_check.2, &Vec::<String>::new());
        prop_assert_eq!((check.0, &check.1), (plain_check.0, &plain_check.1));
        prop_assert_eq!(&check.2, &walk_warnings);
        prop_assert_eq!((versions.0, &versions.1), (plain_versions.0, &plain_versions.1));
        prop_assert_eq!(&versions.2, &walk_warnings);
        prop_assert_eq!((planned.0, &planned.1), (plain_planned.0, &plain_planned.1));
        let mut plain_err = plain_planned.2.clone();
        plain_err.extend(walk_warnings);
        plain_err.sort();
        prop_assert_eq!(&planned.2, &plain_err);
    }
}

/// A symlink to something unreadable that carries a version's name (the newest, here) is
/// either listed by `versions` as that version or warned about as skipped, never both; like
/// a FIFO of the same name, it is skipped.
#[test]
fn an_entry_is_never_both_listed_and_skipped() {
    for kind in [
        Special::LinkToFifo,
        Special::LinkToNull,
        Special::Dangling,
        Special::Loop,
        Special::Fifo,
    ] {
        let files = BTreeMap::from([((0, 0), 0), ((0, 2), 0)]);
        let (_tmp, ws) = regular_workspace(&files);
        let targets = ws.join(".targets");
        std::fs::create_dir(&targets).unwrap();
        mkfifo(&targets.join("pipe"));
        kind.make(&ws.join("prompts/task_v3.md"), &ws);
        let r = promptls(&ws, &["versions", "prompts/task", "--json"]);
        let listed: Vec<Value> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].clone())
            .collect();
        let warned = r.stderr.contains("warning: prompts/task_v3.md: skipped:");
        assert!(
            warned != listed.contains(&json!("task_v3.md")),
            "{kind:?}: listed {listed:?}, stderr {:?}",
            r.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------
// Encodings: any bytes are copied byte for byte by `new-version` and `revert`; `--title`
// on content that is not UTF-8 is refused and writes nothing.

/// Any bytes, or text with a BOM, CRLF, NUL and invalid sequences spliced in.
fn content() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xff".to_vec()),
        Just(b"\xc3\x28".to_vec()),
        Just(b"\xe9".to_vec()),
        Just(b"---\n".to_vec()),
        Just(b"title: x\n".to_vec()),
        Just(b"{{ name }}".to_vec()),
        Just("\u{e9} \u{fc} \u{65e5}".as_bytes().to_vec()),
        "[a-z ]{0,10}".prop_map(String::into_bytes),
    ];
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat()),
    ]
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn copies_keep_any_bytes(old in content(), new in content()) {
        let (_tmp, ws) = workspace();
        write(&ws.join("task_v1.md"), &old);
        write(&ws.join("task_v2.md"), &new);
        let ok = |out: &str, err: &str| (0, out.to_string(), err.to_string());
        prop_assert_eq!(
            shown(&promptls(&ws, &["new-version", "task_v2.md"]), &ws),
            ok(
                "created [ws]/task_v2.0.1.md (v2.0.1, patch bump of v2.0.0)\n",
                "recommended: patch (same variables: wording only)\n"
            )
        );
        prop_assert_eq!(
            shown(&promptls(&ws, &["revert", "task_v2.0.1.md", "--to", "v1"]), &ws),
            ok("created [ws]/task_v2.0.2.md (v2.0.2, revert to v1.0.0 as v2.0.2)\n", "")
        );
        prop_assert_eq!(
            shown(&promptls(&ws, &["revert", "task_v2.md", "--to", "v2.0.1"]), &ws),
            ok("created [ws]/task_v2.0.3.md (v2.0.3, revert to v2.0.1 as v2.0.3)\n", "")
        );
        prop_assert_eq!(
            shown(&promptls(&ws, &["new-version", "task_v1.md", "--bump", "major", "--dry-run"]), &ws),
            ok(&format!("would create [ws]/task_v3.md (v3.0.0, major bump of v2.0.3), {} bytes\n", old.len()), "")
        );
        let read = |name: &str| std::fs::read(ws.join(name)).unwrap();
        prop_assert_eq!(read("task_v2.0.1.md"), new.clone());
        prop_assert_eq!(read("task_v2.0.2.md"), old.clone());
        prop_assert_eq!(read("task_v2.0.3.md"), new.clone());
        // A title is written only into UTF-8 text.
        let before = tree(&ws);
        let r = promptls(&ws, &["new-version", "task_v2.0.3.md", "--bump", "minor", "--title", "T"]);
        let mut after = tree(&ws);
        if std::str::from_utf8(&new).is_err() {
            prop_assert_eq!(
                shown(&r, &ws),
                (1, String::new(), "error: [ws]/task_v2.0.3.md: not valid UTF-8 text; promptls edits only UTF-8 files\n".to_string())
            );
        } else {
            prop_assert_eq!(
                shown(&r, &ws),
                ok("created [ws]/task_v2.1.0.md (v2.1.0, minor bump of v2.0.3)\n", "")
            );
            let titled = after.remove(&ws.join("task_v2.1.0.md")).expect("the new version");
            let text = String::from_utf8(read("task_v2.1.0.md")).unwrap();
            prop_assert!(text.contains("title: \"T\""), "{:?} from {}", text, titled);
        }
        prop_assert_eq!(after, before);
    }
}

// ---------------------------------------------------------------------------------------
// Partial paths: `check PATH…` reports exactly the part of `check .` that the given files
// and folders cover, and warns only about skipped files they cover.

const FOLDERS: [&str; 4] = ["", "a", "a/b", "c"];

/// The files a folder may hold: duplicates, a minor bump that drops a variable, an unknown
/// prerelease label, a number too large, links that break, a dangling symlink.
const MENU: [(&str, &str); 8] = [
    ("task_v1.md", "Hi {{a}}\n"),
    ("task_v1.0.0.md", "Hi {{a}}\n"),
    ("task_v1.1.md", "Hi {{b}}\n"),
    ("note_v1-gamma.md", "Note\n"),
    ("big_v99999999999999999999.md", "Big\n"),
    (
        "doc.md",
        "See [t](task.md), [g](gone.md) and [up](../task_v9.md).\n",
    ),
    ("up_v1.md", "[b](b/task_v1.1.md) [c](../c/note.md)\n"),
    ("gone_v1.md", ""),
];

fn partial_workspace(chosen: &[Vec<bool>]) -> (tempfile::TempDir, PathBuf, Vec<String>) {
    let (tmp, ws) = workspace();
    let mut candidates: Vec<String> = Vec::new();
    for (folder, picks) in FOLDERS.iter().zip(chosen) {
        std::fs::create_dir_all(ws.join(folder)).unwrap();
        candidates.push(folder.to_string());
        for ((name, body), pick) in MENU.iter().zip(picks) {
            if !pick {
                continue;
            }
            let rel = if folder.is_empty() {
                name.to_string()
            } else {
                format!("{folder}/{name}")
            };
            if *name == "gone_v1.md" {
                // Warned about when a folder above it is given (naming it is an error of
                // its own, see cli.rs).
                std::os::unix::fs::symlink(ws.join("nowhere"), ws.join(&rel)).unwrap();
            } else {
                write(&ws.join(&rel), body.as_bytes());
                candidates.push(rel);
            }
        }
    }
    (tmp, ws, candidates)
}

/// Whether the relative path `path` is covered by the given relative `given` (a folder
/// covers what is under it, `""` everything; a file only itself).
fn covers(given: &str, path: &str, is_dir: bool) -> bool {
    if !is_dir {
        return given == path;
    }
    given.is_empty() || path.starts_with(&format!("{given}/"))
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn check_of_some_paths_is_that_part_of_the_whole(
        chosen in proptest::collection::vec(proptest::collection::vec(any::<bool>(), MENU.len()), FOLDERS.len()),
        picks in proptest::collection::vec((any::<Index>(), 0usize..4), 1..4),
    ) {
        let (_tmp, ws, candidates) = partial_workspace(&chosen);
        let whole = promptls(&ws, &["check", "--format", "json"]);
        let mut given: Vec<(String, bool)> = Vec::new();
        let mut args = vec!["check".to_string()];
        for (at, spelling) in &picks {
            let rel = candidates[at.index(candidates.len())].clone();
            let is_dir = ws.join(&rel).symlink_metadata().unwrap().is_dir();
            let spelled = match spelling {
                0 if rel.is_empty() => ".".to_string(),
                0 => rel.clone(),
                1 => format!("./{rel}"),
                2 => ws.join(&rel).display().to_string(),
                _ if rel.is_empty() => "./".to_string(),
                _ if is_dir => format!("{rel}/"),
                _ => format!("a/../{rel}"),
            };
            args.push(spelled);
            given.push((rel, is_dir));
        }
        args.extend(["--format".into(), "json".into()]);
        let part = promptls(&ws, &args);
        let covered = |path: &str| given.iter().any(|(g, d)| covers(g, path, *d));
        let expected: Vec<Value> = whole
            .json()
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| covered(d["path"].as_str().unwrap()))
            .cloned()
            .collect();
        let errors = expected.iter().any(|d| d["severity"] == "error");
        let warned: Vec<String> = whole
            .stderr_lines()
            .into_iter()
            .filter(|l| {
                let path = l.strip_prefix("warning: ").unwrap().split(": ").next().unwrap();
                covered(path)
            })
            .collect();
        prop_assert_eq!(
            (part.code, part.json(), part.stderr_lines()),
            (i32::from(errors), Value::Array(expected), warned),
            "check {:?}", &args[1..]
        );
    }
}

// ---------------------------------------------------------------------------------------
// Planted symlinks: a symlink planted at the name a new version would take, pointing out of
// the workspace. When it leads to a regular file the index sees it, it is a version and the
// new file goes above it; when it is hidden from the index (ignored) or leads to no regular
// file (a folder, nothing: the walk skips it with a warning), the write is refused as
// existing. Either way the outside is untouched and nothing is overwritten.

/// Where the planted symlink points.
const LINKS: [&str; 4] = [
    "../outside/secret.md",
    "ABS/secret.md",
    "ABS/dir",
    "ABS/missing.md",
];

fn base_name() -> impl Strategy<Value = String> {
    "[a-zA-Z\u{e9}\u{65e5} ]{0,8}[a-z]".prop_map(|s| s.trim_start().to_string())
}

/// The workspace and a sibling `outside/` folder; returns (tmp, ws, outside).
fn planted_workspace(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, ws) = workspace();
    let outside = ws.parent().unwrap().join("outside");
    write(&outside.join("secret.md"), b"do not touch");
    std::fs::create_dir(outside.join("dir")).unwrap();
    write(&ws.join(name), bytes);
    (tmp, ws, outside)
}

fn plant(at: &Path, link: &str, outside: &Path) {
    let target = link.replace("ABS", &outside.display().to_string());
    std::os::unix::fs::symlink(target, at).unwrap();
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn planted_symlinks_are_never_written_through(
        base in base_name(),
        version in proptest::sample::select(vec!["v1", "v1.2", "v1.2.3", "V3", "v2-rc.1", "v0.0.9"]),
        command in prop_oneof![
            proptest::sample::select(vec!["patch", "minor", "major", "prerelease"]).prop_map(|b| vec!["--bump", b]),
            Just(vec!["--to", "v0.0.1"]),
        ],
        link in proptest::sample::select(LINKS.to_vec()),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let source = format!("{base}_{version}.md");
        let args = |dry: bool| {
            let verb = if command[0] == "--to" { "revert" } else { "new-version" };
            let mut a = vec![verb, source.as_str(), command[0], command[1]];
            if dry {
                a.push("--dry-run");
            }
            a
        };
        let setup = || {
            let (tmp, ws, outside) = planted_workspace(&source, &bytes);
            write(&ws.join(format!("{base}_v0.0.1.md")), b"old");
            (tmp, ws, outside)
        };
        let content = if command[0] == "--to" { b"old".to_vec() } else { bytes.clone() };
        let planned = |ws: &Path| {
            let r = promptls(ws, &args(true));
            prop_assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
            let out = redact(&r.stdout, ws);
            let rest = out.strip_prefix("would create [ws]/").unwrap_or_else(|| panic!("{out}"));
            let (name, why) = rest.split_once(" (").unwrap();
            let why = why.rsplit_once("), ").unwrap().0.to_string();
            Ok((name.to_string(), why))
        };

        let (tmp, ws, outside) = setup();
        let (target, _) = planned(&ws)?;
        // The write is refused as existing and nothing changes; `warned`: what the walk
        // says first.
        let refused = |tmp: &Path, ws: &Path, warned: String| -> Result<(), TestCaseError> {
            let before = tree(tmp);
            let r = promptls(ws, &args(false));
            prop_assert_eq!(
                shown(&r, ws),
                (1, String::new(), format!("{warned}error: `[ws]/{target}` already exists; promptls never overwrites a file\n"))
            );
            prop_assert_eq!(tree(tmp), before);
            Ok(())
        };
        plant(&ws.join(&target), link, &outside);
        let skipped = match link {
            "ABS/dir" => Some("a directory, not a regular file"),
            "ABS/missing.md" => Some("No such file or directory"),
            _ => None,
        };
        if let Some(why) = skipped {
            // Not a regular file: skipped by the walk, not a version, so the new file
            // would take its name.
            refused(tmp.path(), &ws, format!("warning: {target}: skipped: {why}\n"))?;
        } else {
            // Seen by the index: a version, so the new file goes above it.
            let (next, why) = planned(&ws)?;
            prop_assert_ne!(&next, &target);
            let before = tree(tmp.path());
            let r = promptls(&ws, &args(false));
            prop_assert_eq!(shown(&r, &ws), (0, format!("created [ws]/{next} ({why})\n"), String::new()));
            let mut after = tree(tmp.path());
            prop_assert_eq!(after.remove(&ws.join(&next)), Some(format!("{content:?}")));
            prop_assert_eq!(after, before, "only the new file changed");
        }

        // Hidden from the index: the write is refused as existing.
        let (tmp, ws, outside) = setup();
        write(&ws.join(".gitignore"), format!("/{target}\n").as_bytes());
        plant(&ws.join(&target), link, &outside);
        refused(tmp.path(), &ws, String::new())?;
    }
}
