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
