use std::path::Path;

use proptest::prelude::*;

use super::*;

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn special_files_are_never_read_directly_or_through_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe_v1.md");
    mkfifo(&fifo);
    let sock = dir.path().join("sock_v1.md");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let cases: Vec<(std::path::PathBuf, FileKind)> = vec![
        (fifo.clone(), FileKind::Fifo),
        (sock.clone(), FileKind::Socket),
        (dir.path().to_path_buf(), FileKind::Directory),
        ("/dev/null".into(), FileKind::CharDevice),
    ];
    for (i, (target, kind)) in cases.into_iter().enumerate() {
        let link = dir.path().join(format!("link{i}_v1.md"));
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for path in [&target, &link] {
            for err in [
                read_text(path, TEXT_CAP).unwrap_err(),
                read_bytes(path, COPY_LIMIT).unwrap_err(),
                DiskFiles.text(path).unwrap_err(),
            ] {
                match err {
                    VfsError::NotRegular { path: p, kind: k } => {
                        assert_eq!((&p, k), (path, kind));
                    }
                    other => panic!("{}: {other}", path.display()),
                }
            }
        }
    }
    let msg = read_text(&fifo, 10).unwrap_err().to_string();
    assert_eq!(
        msg,
        format!("{}: a named pipe, not a regular file", fifo.display())
    );
}

#[test]
fn stdin_behind_a_symlink_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("task_v1.md");
    std::os::unix::fs::symlink("/dev/stdin", &link).unwrap();
    // Whatever stdin is here (a pipe, a tty, /dev/null), it is not a regular file, or it is
    // a regular file that is read normally; it never blocks.
    match read_text(&link, TEXT_CAP) {
        Err(VfsError::NotRegular { .. }) | Ok(_) => {}
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn missing_files_name_the_path_and_the_os_reason() {
    let err = read_text(Path::new("/nonexistent/task_v1.md"), 10).unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.to_string(),
        "/nonexistent/task_v1.md: No such file or directory (os error 2)"
    );
}

#[test]
fn reads_are_capped_and_copies_are_refused_not_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big_v1.md");
    std::fs::write(&path, "é".repeat(10)).unwrap(); // 20 bytes
    let t = read_text(&path, 5).unwrap();
    // The cut falls inside a character: the partial sequence is dropped, not replaced.
    assert_eq!(
        t,
        Text {
            text: "éé".into(),
            lossy: false,
            truncated: true,
            binary: false
        }
    );
    assert_eq!(read_bytes(&path, 20).unwrap(), "é".repeat(10).as_bytes());
    assert_eq!(
        read_bytes(&path, 19).unwrap_err().to_string(),
        format!("{}: 20 bytes, more than the 19-byte limit", path.display())
    );
}

#[test]
fn bytes_that_are_not_utf8_are_copied_verbatim_and_decoded_lossily() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1_v1.md");
    let bytes = b"caf\xe9 {{x}}\r\n\x00tail".to_vec();
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(read_bytes(&path, COPY_LIMIT).unwrap(), bytes);
    let t = read_text(&path, TEXT_CAP).unwrap();
    assert!(t.lossy && t.binary && !t.truncated);
    assert_eq!(t.text, "caf\u{fffd} {{x}}\r\n\u{0}tail");
}

#[test]
fn create_new_writes_exactly_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("task_v2.md");
    let bytes = b"\xff\xfe binary \r\n kept".to_vec();
    create_new(&path, &bytes).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let err = create_new(&path, b"other").unwrap_err();
    assert!(matches!(err, VfsError::Exists { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert_eq!(entries(dir.path()), ["task_v2.md"]);
}

#[test]
fn create_new_never_follows_a_planted_symlink() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "keep").unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A symlink at the target name (to an existing file and to a missing one).
    for (name, target) in [
        ("a_v2.md", victim.clone()),
        ("b_v2.md", outside.path().join("missing.txt")),
    ] {
        let link = dir.path().join(name);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = create_new(&link, b"evil").unwrap_err();
        assert!(matches!(err, VfsError::Exists { .. }), "{err}");
    }
    // Symlinks at the old predictable temporary names are never used either.
    for pid in [std::process::id(), 1, 2, 3] {
        let planted = dir.path().join(format!(".c_v2.md.promptls-tmp-{pid}"));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
    }
    create_new(&dir.path().join("c_v2.md"), b"new").unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert!(!outside.path().join("missing.txt").exists());
    assert_eq!(std::fs::read(dir.path().join("c_v2.md")).unwrap(), b"new");
}

#[test]
fn create_new_handles_long_names_and_leaves_nothing_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}_v1.md", "x".repeat(255 - 6));
    assert_eq!(long.len(), 255);
    create_new(&dir.path().join(&long), b"long").unwrap();
    assert_eq!(std::fs::read(dir.path().join(&long)).unwrap(), b"long");
    let too_long = format!("{}_v1.md", "y".repeat(256 - 6));
    let err = create_new(&dir.path().join(&too_long), b"x").unwrap_err();
    assert!(matches!(err, VfsError::Io { .. }), "{err}");
    let missing = dir.path().join("no/such/folder/task_v1.md");
    assert!(matches!(
        create_new(&missing, b"x"),
        Err(VfsError::Io { .. })
    ));
    assert_eq!(entries(dir.path()), [long]);
}

proptest! {
    #[test]
    fn decoding_any_prefix_never_panics_and_keeps_valid_text(s in "\\PC{0,40}", cut in 0usize..200, junk in proptest::collection::vec(any::<u8>(), 0..8)) {
        let mut bytes = s.as_bytes().to_vec();
        bytes.extend(&junk);
        let cut = cut.min(bytes.len());
        let t = Text::decode(&bytes[..cut], cut < bytes.len());
        // Valid UTF-8 before the cut is kept exactly.
        let valid = match std::str::from_utf8(&bytes[..cut]) {
            Ok(v) => v,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap(),
        };
        prop_assert!(t.text.starts_with(valid));
        // Lossy exactly when the bytes read (a cut sequence at the end dropped) are invalid.
        let whole = Text::decode(&bytes[..cut], false);
        prop_assert_eq!(whole.lossy, std::str::from_utf8(&bytes[..cut]).is_err());
        prop_assert!(!t.lossy || whole.lossy);
    }

    #[test]
    fn memory_and_disk_read_the_same(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p_v1.md");
        std::fs::write(&path, &bytes).unwrap();
        let mut mem = MemoryFiles::new();
        mem.insert(&path, bytes.clone());
        prop_assert_eq!(DiskFiles.text(&path).unwrap(), mem.text(&path).unwrap());
        prop_assert_eq!(DiskFiles.bytes(&path).unwrap(), bytes);
    }
}

/// Every file under `dir` (relative path → bytes) and every folder (relative path → None).
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Option<Vec<u8>>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if p.symlink_metadata().unwrap().is_dir() {
                out.insert(rel, None);
                stack.push(p);
            } else {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn files_of(t: &[(&str, &[u8])]) -> std::collections::BTreeMap<String, Option<Vec<u8>>> {
    let mut out = std::collections::BTreeMap::new();
    for (p, b) in t {
        let mut prefix = String::new();
        for seg in p.split('/').collect::<Vec<_>>().split_last().unwrap().1 {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(seg);
            out.insert(prefix.clone(), None);
        }
        out.insert(p.to_string(), Some(b.to_vec()));
    }
    out
}

#[test]
fn install_folder_writes_a_fresh_folder_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    // The parent `.prompts` does not exist yet: it is created (one level).
    let dest = dir.path().join(".prompts/support-reply");
    let files: &[(&str, &[u8])] = &[
        ("reply_en.md", b"Hello {{name}}\r\n"),
        ("ru/reply_ru.md", "Привет\n".as_bytes()),
        ("bin/blob", b"\x00\xff\xfe"),
        ("empty.md", b""),
    ];
    install_folder(&dest, files).unwrap();
    assert_eq!(tree(&dest), files_of(files));
    assert_eq!(entries(&dir.path().join(".prompts")), ["support-reply"]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755);
}

#[test]
fn install_folder_replaces_an_existing_install_entirely() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("pkg");
    install_folder(&dest, &[("a.md", b"v1 a"), ("old/only.md", b"v1 only")]).unwrap();
    let v2: &[(&str, &[u8])] = &[("a.md", b"v2 a"), ("new.md", b"v2 new")];
    install_folder(&dest, v2).unwrap();
    // Nothing of v1 is left (not merged), and nothing temporary beside it.
    assert_eq!(tree(&dest), files_of(v2));
    assert_eq!(entries(dir.path()), ["pkg"]);
}

#[test]
fn a_failed_install_leaves_the_previous_folder_and_no_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("pkg");
    let v1: &[(&str, &[u8])] = &[("a.md", b"v1"), ("sub/b.md", b"v1 b")];
    install_folder(&dest, v1).unwrap();
    let before = tree(&dest);
    // "x" is a file, then "x/y" needs it as a folder; and the same path twice.
    for bad in [
        &[
            ("first.md", b"1" as &[u8]),
            ("x", b"file"),
            ("x/y", b"inside"),
        ][..],
        &[("x/y", b"inside" as &[u8]), ("x", b"file")][..],
        &[("twice.md", b"1" as &[u8]), ("twice.md", b"2")][..],
    ] {
        let err = install_folder(&dest, bad).unwrap_err();
        assert!(matches!(err, VfsError::Io { .. }), "{err}");
        assert!(err.path().starts_with(&dest), "{err}");
        assert_eq!(tree(&dest), before);
        assert_eq!(entries(dir.path()), ["pkg"]);
    }
    // A fresh install that fails leaves nothing at all, not even the parent it created.
    let fresh = dir.path().join("new-parent/pkg");
    install_folder(&fresh, &[("x", b"file"), ("x/y", b"inside")]).unwrap_err();
    assert_eq!(entries(dir.path()), ["pkg"]);
}

#[test]
fn install_folder_error_messages_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("pkg");
    let err = install_folder(&dest, &[("twice.md", b"1"), ("twice.md", b"2")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: File exists (os error 17)",
            dest.join("twice.md").display()
        )
    );
}

#[test]
fn install_folder_refuses_a_symlinked_destination_or_parent() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep.md"), "keep").unwrap();
    let dest = dir.path().join("pkg");
    std::os::unix::fs::symlink(&target, &dest).unwrap();
    let err = install_folder(&dest, &[("a.md", b"evil")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: a symbolic link; promptls installs only into a real folder",
            dest.display()
        )
    );
    // The parent being a symlink is refused too: nothing is written through it.
    let linked_parent = dir.path().join("linked");
    std::os::unix::fs::symlink(&target, &linked_parent).unwrap();
    let err = install_folder(&linked_parent.join("pkg"), &[("a.md", b"evil")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: a symbolic link; promptls installs only into a real folder",
            linked_parent.display()
        )
    );
    // A regular file at the destination is never overwritten.
    let file = dir.path().join("file");
    std::fs::write(&file, "mine").unwrap();
    let err = install_folder(&file, &[("a.md", b"x")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: exists and is not a folder; promptls never overwrites a file",
            file.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    assert_eq!(entries(&target), ["keep.md"]);
    assert_eq!(entries(dir.path()), ["elsewhere", "file", "linked", "pkg"]);
}

#[test]
fn install_folder_refuses_paths_that_leave_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("pkg");
    for (rel, why) in [
        (
            "../escape.md",
            "has a `..` segment; installed files stay inside their folder",
        ),
        (
            "a/../../escape.md",
            "has a `..` segment; installed files stay inside their folder",
        ),
        (
            "/etc/escape.md",
            "an absolute path; installed files are relative to their folder",
        ),
        ("a//b.md", "has an empty or `.` segment"),
        ("./a.md", "has an empty or `.` segment"),
        ("a\\b.md", "holds a backslash; separate folders with /"),
        ("", "an empty path"),
    ] {
        let err = install_folder(&dest, &[("ok.md", b"ok"), (rel, b"x")]).unwrap_err();
        assert_eq!(err.to_string(), format!("{rel}: {why}"));
    }
    assert!(entries(dir.path()).is_empty());
}
