//! A package from a folder on disk to an installed, locked and verified copy: read the
//! folder, build the tarball, read it back behind its guards, install it, lock it.

use std::collections::BTreeMap;

use promptls::registry::PackageId;
use promptls::registry::lock::{LockProblem, LockedPackage, Lockfile, verify};
use promptls::registry::package::read_folder;
use promptls::registry::tarball::{Limits, build, read, sha256_hex};
use promptls::vfs::{DiskFiles, install_folder};

#[test]
fn a_folder_is_published_installed_locked_and_verified() {
    let src = tempfile::tempdir().unwrap();
    let ru = "Здравствуйте, {{customer}}\n";
    std::fs::write(
        src.path().join("prompt.yaml"),
        format!(
            "name: support-reply\nversion: 1.2.0\nfiles:\n  - reply_en.md\n  - path: ru/reply_ru.md\n    sha256: {}\n    classifiers: {{lang: ru}}\n",
            sha256_hex(ru.as_bytes())
        ),
    )
    .unwrap();
    std::fs::write(src.path().join("reply_en.md"), "Hello, {{customer}}\r\n").unwrap();
    std::fs::create_dir(src.path().join("ru")).unwrap();
    std::fs::write(src.path().join("ru/reply_ru.md"), ru).unwrap();
    std::fs::write(src.path().join("not-listed.txt"), "stays home").unwrap();

    let package = read_folder(&DiskFiles, src.path()).unwrap();
    let tarball = build(&package).unwrap();
    assert_eq!(
        tarball,
        build(&read_folder(&DiskFiles, src.path()).unwrap()).unwrap()
    );
    let back = read(&tarball, &Limits::default()).unwrap();
    assert_eq!(back, package);

    let ws = tempfile::tempdir().unwrap();
    let files: Vec<(&str, &[u8])> = back
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    let dest = ws.path().join(".prompts").join(&back.manifest.name);
    install_folder(&dest, &files).unwrap();
    assert_eq!(
        std::fs::read(dest.join("reply_en.md")).unwrap(),
        b"Hello, {{customer}}\r\n"
    );
    assert_eq!(
        std::fs::read_to_string(dest.join("ru/reply_ru.md")).unwrap(),
        ru
    );
    assert!(!dest.join("not-listed.txt").exists());

    let id: PackageId = "acme/support-reply".parse().unwrap();
    let mut lock = Lockfile::default();
    lock.upsert(LockedPackage {
        url: format!(
            "file:///srv/prompts/{}",
            id.storage_path(&back.manifest.version)
        ),
        id: id.clone(),
        version: back.manifest.version.clone(),
        registry: "file:///srv/prompts".into(),
        sha256: sha256_hex(&tarball),
        files: back
            .files
            .iter()
            .map(|f| (f.path.clone(), sha256_hex(&f.bytes)))
            .collect::<BTreeMap<_, _>>(),
    });
    let text = lock.to_toml();
    assert_eq!(Lockfile::parse(&text).unwrap(), lock);
    assert_eq!(verify(&lock, &DiskFiles, ws.path()), vec![]);

    std::fs::write(dest.join("reply_en.md"), "edited by hand").unwrap();
    assert_eq!(
        verify(&lock, &DiskFiles, ws.path()),
        vec![LockProblem::Modified {
            id,
            path: "reply_en.md".into()
        }]
    );
}
