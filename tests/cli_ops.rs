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

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs with a time limit: a command that blocks (reading a FIFO) fails the test.
fn promptls_timed(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("promptls"));
    cmd.current_dir(dir)
        .args(args)
        .stdin(std::process::Stdio::null());
    Command::from_std(cmd)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap()
}

use std::path::Path;

/// Regression: the write went through a predictable `.NAME.promptls-tmp-PID` file that a
/// planted symlink redirected outside the workspace.
#[cfg(unix)]
#[test]
fn planted_temp_symlinks_never_redirect_a_write() {
    for _attempt in 0..5 {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("outside.txt");
        std::fs::write(&secret, "secret").unwrap();
        let d = tree(&[("task_v1.md", "hello")]);
        let last: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let range = last + 1..last + 3000;
        for pid in range.clone() {
            std::os::unix::fs::symlink(
                &secret,
                d.path().join(format!(".task_v1.0.1.md.promptls-tmp-{pid}")),
            )
            .unwrap();
        }
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("promptls"))
            .current_dir(d.path())
            .args(["new-version", "task_v1.md", "--bump", "patch"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let out = child.wait_with_output().unwrap();
        if !range.contains(&pid) {
            continue; // the process got a pid we did not plant: try again
        }
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "secret");
        assert_eq!(
            std::fs::read_to_string(d.path().join("task_v1.0.1.md")).unwrap(),
            "hello"
        );
        assert!(
            !d.path()
                .join("task_v1.0.1.md")
                .symlink_metadata()
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let mut listing = names(d.path());
        listing.retain(|n| !n.contains(".promptls-tmp-"));
        assert_eq!(listing, ["task_v1.0.1.md", "task_v1.md"]);
        return;
    }
    panic!("the command never ran with a planted pid");
}

/// Regression: a file that is not UTF-8 (or binary) was copied as 0 bytes.
#[test]
fn copies_are_bytes_verbatim() {
    let d = tree(&[]);
    let latin1: &[u8] = b"caf\xe9 {{name}}\r\n\xff\xfe";
    let binary: &[u8] = b"\x00\x01PK\x03\x04\x00\xff";
    write_bytes(d.path(), "a_v1.md", latin1);
    write_bytes(d.path(), "b_v1.md", binary);
    write_bytes(d.path(), "b_v2.md", b"new");
    let out = promptls(d.path(), &["new-version", "a_v1.md"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(d.path().join("a_v1.0.1.md")).unwrap(), latin1);
    let out = promptls(d.path(), &["new-version", "b_v1.md", "--bump", "major"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(d.path().join("b_v3.md")).unwrap(), binary);
    let out = promptls(d.path(), &["revert", "b_v3.md", "--to", "v1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(d.path().join("b_v3.0.1.md")).unwrap(), binary);
    // Changing the text of a file that is not UTF-8 is refused.
    let out = promptls(d.path(), &["new-version", "a_v1.md", "--title", "T"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "recommended: patch (same variables: wording only)\nerror: {}: not valid UTF-8 text; promptls edits only UTF-8 files\n",
            d.path().join("a_v1.md").display()
        )
    );
    assert_eq!(
        names(d.path()),
        [
            "a_v1.0.1.md",
            "a_v1.md",
            "b_v1.md",
            "b_v2.md",
            "b_v3.0.1.md",
            "b_v3.md"
        ]
    );
}

/// A new version is created with the permissions any new file gets (`0666` less the
/// umask, as the file written beside it here), not the `0600` of a private temporary
/// file: a prompt others could read before is not hidden from them in its next version.
#[cfg(unix)]
#[test]
fn new_versions_get_the_usual_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let d = tree(&[("p_v1.md", "one")]);
    let mode = |name: &str| {
        let m = std::fs::metadata(d.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        format!("{:o}", m & 0o777)
    };
    std::fs::write(d.path().join("plain.txt"), "x").unwrap();
    let out = promptls(d.path(), &["new-version", "p_v1.md", "--bump", "patch"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = promptls(d.path(), &["revert", "p_v1.0.1.md", "--to", "v1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        (mode("p_v1.0.1.md"), mode("p_v1.0.2.md")),
        (mode("plain.txt"), mode("plain.txt"))
    );
}

/// Regression: a prompt that is a symlink to a FIFO or to `/dev/stdin` (or unreadable) blocked, or was copied as a 0-byte new version reported as a success.
#[cfg(unix)]
#[test]
fn unreadable_sources_are_errors_and_write_nothing() {
    let d = tree(&[("ok_v1.md", "fine")]);
    let p = d.path();
    let status = std::process::Command::new("mkfifo")
        .arg(p.join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink(p.join("pipe"), p.join("fifo_v1.md")).unwrap();
    std::os::unix::fs::symlink("/dev/stdin", p.join("stdin_v1.md")).unwrap();
    let before = names(p);
    let cases = [
        ("fifo_v1.md", "a named pipe"),
        // The test runner gives the command a pipe as its standard input.
        ("stdin_v1.md", "a named pipe"),
    ];
    for (name, kind) in cases {
        let want = format!(
            "error: {}: {kind}, not a regular file\n",
            p.join(name).display()
        );
        for args in [
            vec!["new-version", name, "--bump", "patch"],
            vec!["new-version", name, "--bump", "patch", "--dry-run"],
            vec!["new-version", name],
        ] {
            let out = promptls_timed(p, &args);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
            assert_eq!(stderr(&out), want, "{args:?}");
            assert_eq!(stdout(&out), "", "{args:?}");
        }
        // Reverting to it: the old version cannot be read.
        let out = promptls_timed(p, &["revert", name, "--to", "v1"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(stderr(&out), want);
    }
    assert_eq!(names(p), before);
    // Permission denied (root reads everything, so only as another user).
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        let locked = p.join("locked_v1.md");
        std::fs::write(&locked, "x").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let out = promptls(p, &["new-version", "locked_v1.md", "--bump", "patch"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stderr(&out),
            format!(
                "error: {}: Permission denied (os error 13)\n",
                locked.display()
            )
        );
        assert!(!p.join("locked_v1.0.1.md").exists());
    }
}

/// Regression: `v1.0.18446744073709551615` + patch wrapped (or panicked) instead of
/// refusing.
#[test]
fn bumps_past_the_largest_number_are_refused() {
    let d = tree(&[
        ("p_v1.0.18446744073709551615.md", "x"),
        ("q_v18446744073709551615.md", "y"),
    ]);
    let before = names(d.path());
    let out = promptls(
        d.path(),
        &[
            "new-version",
            "p_v1.0.18446744073709551615.md",
            "--bump",
            "patch",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: cannot make a patch bump of v1.0.18446744073709551615: its patch number is the largest a version can hold\n"
    );
    let out = promptls(
        d.path(),
        &[
            "new-version",
            "q_v18446744073709551615.md",
            "--bump",
            "major",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: cannot make a major bump of v18446744073709551615.0.0: its major number is the largest a version can hold\n"
    );
    let out = promptls(
        d.path(),
        &[
            "revert",
            "p_v1.0.18446744073709551615.md",
            "--to",
            "v1.0.18446744073709551615",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(names(d.path()), before);
}

/// Regression: `--label ""` made `r_v1.0.1-.md` (read as the release), odd labels made
/// broken names, `--label` without `--bump prerelease` was ignored, and `--bump` took any
/// string.
#[test]
fn labels_and_bumps_are_validated() {
    let d = tree(&[("r_v1.md", "x")]);
    let run = |args: &[&str]| promptls(d.path(), args);
    for (label, why) in [
        ("", "the prerelease label is empty"),
        (
            "a b",
            "\"a b\" is not a prerelease label (unexpected character in pre-release identifier); use dot-separated letters, digits and `-`, e.g. rc.1",
        ),
        (
            "rc\n1",
            "\"rc\\n1\" is not a prerelease label (unexpected character in pre-release identifier); use dot-separated letters, digits and `-`, e.g. rc.1",
        ),
        (
            "01",
            "\"01\" is not a prerelease label (invalid leading zero in pre-release identifier); use dot-separated letters, digits and `-`, e.g. rc.1",
        ),
    ] {
        let out = run(&[
            "new-version",
            "r_v1.md",
            "--bump",
            "prerelease",
            "--label",
            label,
        ]);
        assert_eq!(out.status.code(), Some(2), "{label:?}");
        assert!(
            stderr(&out).starts_with(&format!(
                "error: invalid value '{label}' for '--label <LABEL>': {why}\n"
            )),
            "{label:?}: {}",
            stderr(&out)
        );
    }
    let out = run(&[
        "new-version",
        "r_v1.md",
        "--bump",
        "prerelease",
        "--label",
        "x.md",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: \"x.md\" ends with `.md`, which would read as a file extension\n"
    );
    for args in [
        &[
            "new-version",
            "r_v1.md",
            "--bump",
            "minor",
            "--label",
            "rc.1",
        ][..],
        &["new-version", "r_v1.md", "--label", "rc.1"][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).starts_with(
                "error: `--label` names a prerelease: use it with `--bump prerelease`\n"
            ),
            "{}",
            stderr(&out)
        );
    }
    let out = run(&["new-version", "r_v1.md", "--bump", "sideways"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: invalid value 'sideways' for '--bump <BUMP>'\n  [possible values: patch, minor, major, prerelease]\n"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(names(d.path()), ["r_v1.md"]);
    let help = stdout(&run(&["new-version", "--help"]));
    assert!(
        help.contains("- prerelease: A prerelease of the recommended next version"),
        "{help}"
    );
    // A valid label, with `pre` accepted for prerelease.
    let out = run(&["new-version", "r_v1.md", "--bump", "pre", "--label", "rc.1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(names(d.path()), ["r_v1.0.1-rc.1.md", "r_v1.md"]);
}

/// Regression: `--title` rewrote the whole front matter line by line (`tags:\n  - x`
/// became `  - x:`, block scalars broke, CRLF became LF) and prepended `---` to JSON and
/// YAML prompt files.
#[test]
fn title_and_description_touch_only_their_values() {
    let md = "---\r\ntitle: Old # keep me\r\ntags:\r\n  - x\r\n  - y\r\ndescription: |\r\n  line one\r\n  line two\r\n# trailing comment\r\n---\r\nBody {{a}}\r\n";
    let d = tree(&[
        ("t_v1.md", md),
        (
            "y_v1.yaml",
            "# prompt\nmessages:\n  - role: user\n    content: hi\n",
        ),
        ("j_v1.json", "{\"messages\": []}\n"),
    ]);
    let out = promptls(
        d.path(),
        &[
            "new-version",
            "t_v1.md",
            "--bump",
            "patch",
            "--title",
            "New: one",
            "--description",
            "d",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(d.path().join("t_v1.0.1.md")).unwrap(),
        "---\r\ntitle: \"New: one\" # keep me\r\ntags:\r\n  - x\r\n  - y\r\ndescription: \"d\"\r\n# trailing comment\r\n---\r\nBody {{a}}\r\n"
    );
    let out = promptls(d.path(), &["new-version", "y_v1.yaml", "--title", "Y"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(d.path().join("y_v1.0.1.yaml")).unwrap(),
        "# prompt\nmessages:\n  - role: user\n    content: hi\ntitle: \"Y\"\n"
    );
    let out = promptls(d.path(), &["new-version", "j_v1.json", "--title", "J"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "recommended: patch (same variables: wording only)\nerror: `j_v1.json`: a JSON prompt file has no front matter; edit its title or description by hand\n"
    );
    assert_eq!(
        names(d.path()),
        [
            "j_v1.json",
            "t_v1.0.1.md",
            "t_v1.md",
            "y_v1.0.1.yaml",
            "y_v1.yaml"
        ]
    );
}

/// Regression: reverting when the newest version is a prerelease published the release.
#[test]
fn revert_after_a_prerelease_is_the_next_prerelease() {
    let d = tree(&[("task_v1.md", "one"), ("task_v2.0.0-rc.1.md", "two")]);
    let out = promptls(d.path(), &["revert", "task_v2.0.0-rc.1.md", "--to", "v1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "created {} (v2.0.0-rc.2, revert to v1.0.0 as v2.0.0-rc.2: the newest version v2.0.0-rc.1 is a prerelease, so the revert is its next prerelease, not a release)\n",
            d.path().join("task_v2.0.0-rc.2.md").display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("task_v2.0.0-rc.2.md")).unwrap(),
        "one"
    );
    assert_eq!(
        names(d.path()),
        ["task_v1.md", "task_v2.0.0-rc.1.md", "task_v2.0.0-rc.2.md"]
    );
}

/// Regression: with a major-only custom pattern, `revert` and the default `new-version`
/// failed with "no patch part".
#[test]
fn major_only_patterns_bump_major() {
    let d = tree(&[
        ("notes_rev1.md", "one"),
        ("notes_rev2.md", "two"),
        (
            "promptic.toml",
            "[versioning]\nversion_pattern = \"_rev(?P<major>\\\\d+)\"\n",
        ),
    ]);
    let out = promptls(d.path(), &["revert", "notes_rev2.md", "--to", "v1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "created {} (v3.0.0, revert to v1.0.0 as v3.0.0: the version pattern has no patch part, so a major bump)\n",
            d.path().join("notes_rev3.md").display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("notes_rev3.md")).unwrap(),
        "one"
    );
    let out = promptls(d.path(), &["new-version", "notes_rev3.md"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "recommended: major (same variables: wording only; the version pattern has no patch part, so a major bump)\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("notes_rev4.md")).unwrap(),
        "one"
    );
    let out = promptls(
        d.path(),
        &["new-version", "notes_rev4.md", "--bump", "patch"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: the version pattern of `notes_rev4.md` has no patch part for v4.0.1\n"
    );
    assert_eq!(
        names(d.path()),
        [
            "notes_rev1.md",
            "notes_rev2.md",
            "notes_rev3.md",
            "notes_rev4.md",
            "promptic.toml"
        ]
    );
}

/// Every file under `dir` (but `.git`) with its bytes, by relative path.
fn contents(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if rel == ".git" {
                continue;
            } else if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                out.push((rel, std::fs::read(&p).unwrap()));
            } else {
                out.push((rel, b"<special>".to_vec()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn mv_renames_the_family_and_its_references_byte_for_byte() {
    let config = "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n";
    let d = tree(&[
        ("promptic.toml", config),
        ("task_v1.md", "one"),
        ("task_ru_v1.md", "odin"),
        ("other_v1.md", "[a](task_v1.md) and [b](task.md)\n"),
    ]);
    std::fs::write(d.path().join("task_v2.md"), b"bytes \xff\xfe not utf-8").unwrap();
    let before = contents(d.path());
    // Dry run: the plan and a diff, nothing written.
    let out = promptls(d.path(), &["mv", "task", "job", "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        "would rename `task` to `job`:\n  task_ru_v1.md -> job_ru_v1.md\n  task_v1.md -> job_v1.md\n  task_v2.md -> job_v2.md\n--- a/other_v1.md\n+++ b/other_v1.md\n@@ -1 +1 @@\n-[a](task_v1.md) and [b](task.md)\n+[a](job_v1.md) and [b](job.md)\n"
    );
    assert_eq!(contents(d.path()), before);
    let out = promptls(d.path(), &["mv", "task_v1.md", "job"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        contents(d.path()),
        [
            ("job_ru_v1.md".to_string(), b"odin".to_vec()),
            ("job_v1.md".to_string(), b"one".to_vec()),
            (
                "job_v2.md".to_string(),
                b"bytes \xff\xfe not utf-8".to_vec()
            ),
            (
                "other_v1.md".to_string(),
                b"[a](job_v1.md) and [b](job.md)\n".to_vec()
            ),
            ("promptic.toml".to_string(), config.as_bytes().to_vec()),
        ]
    );
}

#[test]
fn mv_refuses_collisions_bad_names_and_hostile_files() {
    let d = tree(&[
        ("task_v1.md", "one"),
        ("job_v1.md.bak", "x"),
        ("free_v1.md", "x"),
    ]);
    std::fs::write(d.path().join("job_v1.md"), "taken").unwrap();
    let before = contents(d.path());
    let run = |args: &[&str]| {
        let out = promptls(d.path(), args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    assert_eq!(
        run(&["mv", "task", "job"]),
        (
            Some(1),
            "error: `job` is already a prompt; renaming onto it would merge two prompts\n".into()
        )
    );
    let (code, err) = run(&["mv", "task", "x_v2"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("would not read back as the same prompt file"),
        "{err}"
    );
    let (code, err) = run(&["mv", "task", "../elsewhere"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("cannot be a prompt name"), "{err}");
    let (code, err) = run(&["mv", "nothing", "x"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("names no prompt"), "{err}");
    // A version number past u64::MAX is kept as written.
    std::fs::write(d.path().join("free_v99999999999999999999.md"), "big").unwrap();
    assert_eq!(run(&["mv", "free", "freed"]).0, Some(0));
    assert!(d.path().join("freed_v99999999999999999999.md").exists());
    assert!(d.path().join("freed_v1.md").exists());
    std::fs::rename(
        d.path().join("freed_v99999999999999999999.md"),
        d.path().join("free_v99999999999999999999.md"),
    )
    .unwrap();
    std::fs::rename(d.path().join("freed_v1.md"), d.path().join("free_v1.md")).unwrap();
    assert_eq!(contents(d.path()).len(), before.len() + 1);
    // A referring file that is not UTF-8 cannot be edited: refused, nothing written.
    std::fs::write(d.path().join("ref_v1.md"), b"[a](task_v1.md) \xff").unwrap();
    let snapshot = contents(d.path());
    let (code, err) = run(&["mv", "task", "fresh"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("not valid UTF-8"), "{err}");
    assert_eq!(contents(d.path()), snapshot);
}

#[cfg(unix)]
#[test]
fn mv_with_a_fifo_or_a_symlink_out_of_the_tree_never_hangs() {
    let d = tree(&[("task_v1.md", "one"), ("other_v1.md", "[a](task.md)")]);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "secret").unwrap();
    // A FIFO named like a version is not a prompt file: it stays, untouched and unread.
    let fifo = d.path().join("task_v3.md");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // A symlink out of the tree among the family: refused, nothing written.
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        d.path().join("task_v2.md"),
    )
    .unwrap();
    let snapshot = contents(d.path());
    let out = promptls(d.path(), &["mv", "task", "job"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a symbolic link"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(contents(d.path()), snapshot);
    std::fs::remove_file(d.path().join("task_v2.md")).unwrap();
    let out = promptls(d.path(), &["mv", "task", "job"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = contents(d.path()).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["job_v1.md", "other_v1.md", "task_v3.md"]);
    assert_eq!(
        std::fs::read_to_string(d.path().join("other_v1.md")).unwrap(),
        "[a](job.md)"
    );
}
