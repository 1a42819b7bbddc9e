//! What a user sees from `promptls resolve`, `promptls versions`, `promptls check` and the
//! `listVersions` command when a request or a name cannot be answered: version numbers that
//! do not fit (V-1, V-4), classifier defaults no file has (V-6), an empty directory (V-5),
//! undeclared classifiers (V-6, V-8). Whole JSON answers and exit codes.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

const LANG: &str =
    "[versioning]\nclassifiers.lang = { values = [\"en\", \"ru\", \"de\"], default = \"en\" }\n";

/// A workspace (with `.git`, so config discovery stops there) holding `files` (empty
/// unless listed in `contents`).
fn workspace(files: &[&str], contents: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    for f in files {
        let p = ws.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let text = contents.iter().find(|(n, _)| n == f).map_or("", |(_, t)| t);
        std::fs::write(p, text).unwrap();
    }
    let ws = ws.canonicalize().unwrap();
    (dir, ws)
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn promptls(ws: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("promptls").unwrap();
    cmd.current_dir(ws).env("RUST_LOG", "off").args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("PROMPTIC_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json_of(r: &Run) -> Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", r.stdout, r.stderr))
}

/// Runs with `--json` and returns (exit code, the JSON answer).
fn answer(ws: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let mut args = args.to_vec();
    args.push("--json");
    let r = promptls(ws, &args);
    (r.code, json_of(&r))
}

fn variants() -> (tempfile::TempDir, PathBuf) {
    workspace(
        &["x/x_de_v3.md", "x/x_ru_v3.md", "x/promptic.toml"],
        &[("x/promptic.toml", LANG)],
    )
}

#[test]
fn implicit_default_no_file_has_answers_like_the_explicit_request() {
    let (_d, ws) = variants();
    let expected = json!({
        "error": "ClassifierNotFoundError",
        "message": "no file of `x/x` has lang=en; available: ru, de",
        "available": ["ru", "de"],
    });
    // No classifier: the default `en` is requested implicitly (never a DuplicateVersionError
    // across the two languages).
    assert_eq!(
        answer(&ws, &["resolve", "x/x"]),
        (Some(1), expected.clone())
    );
    assert_eq!(
        answer(&ws, &["resolve", "x/x", "--classifier", "lang=en"]),
        (Some(1), expected)
    );
    // Explicit versions too: v3 exists in both languages, in neither `en`.
    assert_eq!(
        answer(&ws, &["resolve", "x/x", "--version", "v3"]),
        answer(
            &ws,
            &[
                "resolve",
                "x/x",
                "--version",
                "v3",
                "--classifier",
                "lang=en"
            ]
        ),
    );
    // Directory mode: the same rule.
    assert_eq!(
        answer(&ws, &["resolve", "x"]),
        (
            Some(1),
            json!({
                "error": "ClassifierNotFoundError",
                "message": "no file of `x` has lang=en; available: ru, de",
                "available": ["ru", "de"],
            })
        )
    );
    // Asking for a value that exists still works.
    let (code, ok) = answer(&ws, &["resolve", "x/x", "--classifier", "lang=ru"]);
    assert_eq!(code, Some(0));
    assert_eq!(ok["path"], "x/x_ru_v3.md");
    // Without --json: named on stderr, with what is available.
    let r = promptls(&ws, &["resolve", "x/x"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "ClassifierNotFoundError: no file of `x/x` has lang=en; available: ru, de\navailable: ru, de\n"
    );
}

#[test]
fn a_directory_without_prompt_files_has_no_version() {
    let (_d, ws) = workspace(&["empty/notes.rs"], &[]);
    assert_eq!(
        answer(&ws, &["resolve", "empty"]),
        (
            Some(1),
            json!({
                "error": "VersionNotFoundError",
                "message": "the folder `empty` holds no prompt files, so it has no version `latest`",
                "available": [],
            })
        )
    );
}

#[test]
fn versions_checks_classifiers_like_resolve() {
    let (_d, ws) = variants();
    let undeclared = json!({
        "error": "ClassifierNotFoundError",
        "message": "classifier `nope` is not declared; declared: lang",
        "available": ["lang"],
    });
    assert_eq!(
        answer(&ws, &["versions", "x/x", "--classifier", "nope=x"]),
        (Some(1), undeclared.clone())
    );
    assert_eq!(
        answer(&ws, &["resolve", "x/x", "--classifier", "nope=x"]),
        (Some(1), undeclared)
    );
    let absent = json!({
        "error": "ClassifierNotFoundError",
        "message": "no file of `x/x` has lang=es; available: ru, de",
        "available": ["ru", "de"],
    });
    assert_eq!(
        answer(&ws, &["versions", "x/x", "--classifier", "lang=es"]),
        (Some(1), absent.clone())
    );
    assert_eq!(
        answer(&ws, &["resolve", "x/x", "--classifier", "lang=es"]),
        (Some(1), absent)
    );
    // A declared value that exists lists that variant only.
    let (code, list) = answer(&ws, &["versions", "x/x", "--classifier", "lang=de"]);
    assert_eq!(code, Some(0));
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["x_de_v3.md"]);
    // A folder: the classifier is checked against all of its prompts.
    let r = promptls(&ws, &["versions", "x", "--classifier", "nope=x"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr,
        "ClassifierNotFoundError: classifier `nope` is not declared; declared: lang\navailable: lang\n"
    );
    // No classifiers declared at all.
    let (_d2, bare) = workspace(&["c_v1.md"], &[]);
    assert_eq!(
        answer(&bare, &["versions", "c", "--classifier", "lang=en"]),
        (
            Some(1),
            json!({
                "error": "ClassifierNotFoundError",
                "message": "classifier `lang` is not declared (no classifiers are declared in the config)",
                "available": [],
            })
        )
    );
}

#[test]
fn list_versions_command_reports_classifier_errors() {
    let (_d, ws) = variants();
    let mut c = support::Client::start(&ws, false, false);
    c.wait_indexed();
    let list = |c: &mut support::Client, classifier: Value| {
        c.request(
            "workspace/executeCommand",
            json!({"command": "promptls.listVersions", "arguments": [{"prompt": "x/x", "classifier": classifier}]}),
        )
    };
    let r = list(&mut c, json!({"nope": "x"}));
    assert_eq!(r["result"], Value::Null, "{r}");
    assert_eq!(
        r["error"],
        json!({"code": -32602, "message": "ClassifierNotFoundError: classifier `nope` is not declared; declared: lang"})
    );
    let r = list(&mut c, json!({"lang": "es"}));
    assert_eq!(
        r["error"],
        json!({"code": -32602, "message": "ClassifierNotFoundError: no file of `x/x` has lang=es; available: ru, de"})
    );
    let r = list(&mut c, json!({"lang": "ru"}));
    let versions: Vec<(&str, &str)> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap(),
                v["classifiers"]["lang"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, [("v3.0.0", "ru")]);
    c.shutdown();
}

#[test]
fn version_numbers_that_do_not_fit() {
    let big = "c_v999999999999999999999.0.0.md";
    let (_d, ws) = workspace(&[big, "c_v1.md"], &[]);
    // The name is a naming error, reported on the file.
    let r = promptls(&ws, &["check", ".", "--format", "json"]);
    assert_eq!(r.code, Some(0));
    assert_eq!(
        json_of(&r),
        json!([{
            "code": "malformed-version",
            "message": "`c_v999999999999999999999.0.0.md` is left out of resolution: its version number `999999999999999999999` is too large (the largest is 18446744073709551615)",
            "path": big,
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "severity": "warning",
        }])
    );
    // It is neither a version nor the unversioned file of `c`.
    let (code, ok) = answer(&ws, &["resolve", "c"]);
    assert_eq!((code, &ok["path"]), (Some(0), &json!("c_v1.md")));
    assert_eq!(
        answer(&ws, &["resolve", big]),
        (
            Some(1),
            json!({
                "error": "VersionNotFoundError",
                "message": "`c_v999999999999999999999.0.0.md` does not name a version: the version number `999999999999999999999` is too large (the largest is 18446744073709551615)",
                "available": [],
            })
        )
    );
    // A version spec that does not fit is a clear error, never another version.
    assert_eq!(
        answer(
            &ws,
            &["resolve", "c", "--version", "v99999999999999999999999"]
        ),
        (
            Some(1),
            json!({
                "error": "VersionNotFoundError",
                "message": "\"v99999999999999999999999\" is not a version: the version number `99999999999999999999999` is too large (the largest is 18446744073709551615); available: v1.0.0",
                "available": ["v1.0.0"],
            })
        )
    );
    assert_eq!(
        answer(
            &ws,
            &["resolve", "c", "--version", "v1.18446744073709551616"]
        )
        .1["error"],
        "VersionNotFoundError"
    );
    // The largest number that fits is an ordinary version.
    let (_d2, ws2) = workspace(&["c_v18446744073709551615.md", "c_v1.md"], &[]);
    let (code, ok) = answer(
        &ws2,
        &["resolve", "c", "--version", "v18446744073709551615"],
    );
    assert_eq!(
        (code, &ok["version"]),
        (Some(0), &json!("v18446744073709551615.0.0"))
    );
    let r = promptls(&ws2, &["check", "."]);
    assert_eq!(r.code, Some(0));
    assert!(!r.stdout.contains("malformed-version"), "{}", r.stdout);
}
