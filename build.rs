//! Puts the commit into `promptls --version` (`promptls 0.1.0 (1a2b3c4d5e6f 2026-11-23)`):
//! from `git` when building a checkout, else from `PROMPTLS_COMMIT` (and
//! `PROMPTLS_COMMIT_DATE`) when a packager sets them, else the version alone (a build
//! from the crates.io package).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=PROMPTLS_COMMIT");
    println!("cargo:rerun-if-env-changed=PROMPTLS_COMMIT_DATE");
    let version = env!("CARGO_PKG_VERSION");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let in_checkout = std::path::Path::new(&manifest).join(".git").exists();
    if in_checkout {
        // A new commit or a checkout moves HEAD (or the branch it names).
        if let Some(head) = git(&["-C", &manifest, "rev-parse", "--git-path", "HEAD"]) {
            println!("cargo:rerun-if-changed={}", abs(&manifest, &head));
        }
        if let Some(branch) = git(&["-C", &manifest, "symbolic-ref", "-q", "HEAD"])
            && let Some(r) = git(&["-C", &manifest, "rev-parse", "--git-path", &branch])
        {
            println!("cargo:rerun-if-changed={}", abs(&manifest, &r));
        }
    }
    // A packager's variable, else git in a checkout.
    let from = |var: &str, args: &[&str]| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| {
                in_checkout
                    .then(|| git(&[&["-C", manifest.as_str()], args].concat()))
                    .flatten()
            })
    };
    let commit = from("PROMPTLS_COMMIT", &["rev-parse", "--short=12", "HEAD"]);
    let date = from("PROMPTLS_COMMIT_DATE", &["log", "-1", "--format=%cs"]);
    let long = match (commit, date) {
        (Some(c), Some(d)) => format!("{version} ({c} {d})"),
        (Some(c), None) => format!("{version} ({c})"),
        _ => version.to_string(),
    };
    println!("cargo:rustc-env=PROMPTLS_VERSION_LONG={long}");
}

/// `path` as git printed it (relative to `dir` unless absolute).
fn abs(dir: &str, path: &str) -> String {
    let p = std::path::Path::new(path);
    if p.is_absolute() {
        path.to_string()
    } else {
        std::path::Path::new(dir).join(p).display().to_string()
    }
}
