//! The command line (I-5) as a user runs it: `check` in four formats, `versions`,
//! `resolve`, `--env`, exit codes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn promptls() -> Command {
    let mut cmd = Command::cargo_bin("promptls").unwrap();
    cmd.current_dir(repo())
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "off");
    for (k, _) in std::env::vars() {
        if k.starts_with("PROMPTIC_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr: {}",
            r.stdout, r.stderr
        )
    })
}

/// The deliberate mistakes of examples/: (path, severity, code, a phrase of the message).
const MISTAKES: &[(&str, &str, &str, &str)] = &[
    (
        "examples/prompts/summary_v1.md",
        "error",
        "duplicate-version",
        "summary_v1.0.0.md",
    ),
    (
        "examples/prompts/summary_v1.0.0.md",
        "error",
        "duplicate-version",
        "summary_v1.md",
    ),
    (
        "examples/prompts/support/closing_v1_ru.md",
        "warning",
        "classifier-after-version",
        "closing_ru_v1.md",
    ),
    (
        "examples/prompts/review_v1.0.0-gamma.md",
        "warning",
        "unknown-prerelease-label",
        "gamma",
    ),
    (
        "examples/agents/router_v1.md",
        "warning",
        "malformed-version",
        "router-v1.md",
    ),
];

#[test]
fn check_examples_human() {
    let r = run(promptls().args(["check", "examples/"]));
    assert_eq!(
        r.code,
        Some(1),
        "errors in examples/ fail the check:\n{}{}",
        r.stdout,
        r.stderr
    );
    for (path, sev, code, phrase) in MISTAKES {
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{path}:")) && l.contains(&format!("{sev}[{code}]")))
            .unwrap_or_else(|| panic!("no {sev}[{code}] line for {path} in:\n{}", r.stdout));
        assert!(
            line.starts_with(&format!("{path}:1:1: {sev}[{code}]: ")),
            "{line}"
        );
        assert!(line.contains(phrase), "{line} should mention {phrase}");
    }
    assert!(!r.stdout.contains("\x1b["), "no colour when piped");
    let summary = r.stdout.lines().last().unwrap();
    assert!(
        summary.contains("error(s)") && summary.contains("warning(s)"),
        "{summary}"
    );
    // Nothing is reported on files that are fine.
    for fine in [
        "examples/prompts/task_v2.md",
        "examples/legacy/intro.v2.md",
        "examples/releases/notes_rev42.md",
    ] {
        assert!(
            !r.stdout.contains(&format!("{fine}:")),
            "{fine} reported:\n{}",
            r.stdout
        );
    }
}

#[test]
fn check_examples_json() {
    let r = run(promptls().args(["check", "examples/", "--format", "json"]));
    assert_eq!(r.code, Some(1));
    let v = json(&r);
    let items = v.as_array().expect("an array");
    for item in items {
        let keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            vec!["code", "message", "path", "range", "severity"],
            "{item}"
        );
        for end in ["start", "end"] {
            assert!(
                item["range"][end]["line"].is_u64() && item["range"][end]["character"].is_u64(),
                "{item}"
            );
        }
    }
    for (path, sev, code, phrase) in MISTAKES {
        let item = items
            .iter()
            .find(|i| i["path"] == *path && i["code"] == *code)
            .unwrap_or_else(|| panic!("{path} {code} missing from {v:#}"));
        assert_eq!(item["severity"], *sev);
        assert!(item["message"].as_str().unwrap().contains(phrase));
        assert_eq!(
            item["range"]["start"],
            serde_json::json!({"line": 0, "character": 0}),
            "a name problem is at the file's start"
        );
    }
}

#[test]
fn check_config_error_json_has_its_position() {
    let t = clean_tree();
    std::fs::write(
        t.path().join("promptic.toml"),
        "# config\n[versioning]\ninclude_prerelease = \"yes\"\n",
    )
    .unwrap();
    let r = run(promptls()
        .current_dir(t.path())
        .args(["check", ".", "--format", "json"]));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    let v = json(&r);
    let item = v
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "invalid-config")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(item["path"], "promptic.toml");
    assert_eq!(
        item["range"]["start"],
        serde_json::json!({"line": 2, "character": 21}),
        "0-based, at the value"
    );
    assert_eq!(
        item["range"]["end"],
        serde_json::json!({"line": 2, "character": 26})
    );
    // Human output shows the line and a caret under the value.
    let r = run(promptls().current_dir(t.path()).args(["check", "."]));
    assert!(
        r.stdout
            .contains("promptic.toml:3:22: error[invalid-config]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("3 | include_prerelease = \"yes\"")
            && r.stdout.contains("  |                      ^^^^^"),
        "{}",
        r.stdout
    );
}

#[test]
fn check_examples_sarif() {
    let r = run(promptls().args(["check", "examples/", "--format", "sarif"]));
    assert_eq!(r.code, Some(1));
    let v = json(&r);
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "promptls");
    let results = run0["results"].as_array().unwrap();
    for (path, sev, code, _) in MISTAKES {
        let res = results
            .iter()
            .find(|x| {
                x["ruleId"] == *code
                    && x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == *path
            })
            .unwrap_or_else(|| panic!("{path} {code} missing"));
        assert_eq!(res["level"], *sev);
        assert_eq!(
            res["locations"][0]["physicalLocation"]["region"]["startLine"], 1,
            "SARIF lines are 1-based"
        );
    }
}

#[test]
fn check_examples_github() {
    let r = run(promptls().args(["check", "examples/", "--format", "github"]));
    assert_eq!(r.code, Some(1));
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(!lines.is_empty());
    for l in &lines {
        assert!(
            l.starts_with("::error file=")
                || l.starts_with("::warning file=")
                || l.starts_with("::notice file="),
            "{l}"
        );
    }
    for (path, sev, code, _) in MISTAKES {
        let prefix = format!("::{sev} file={path},line=1,col=1,");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&prefix) && l.contains(&format!("title={code}::"))),
            "{prefix} {code} missing:\n{}",
            r.stdout
        );
    }
}

fn clean_tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join(".git")).unwrap();
    std::fs::create_dir(t.path().join("prompts")).unwrap();
    for f in ["task_v1.md", "task_v2.md", "task_v3-rc.1.md", "intro.md"] {
        std::fs::write(t.path().join("prompts").join(f), "Hello\n").unwrap();
    }
    t
}

#[test]
fn check_clean_tree_exits_0() {
    let t = clean_tree();
    let r = run(promptls().current_dir(t.path()).arg("check"));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No problems found."), "{}", r.stdout);
    let r = run(promptls()
        .current_dir(t.path())
        .args(["check", "prompts", "--format", "json"]));
    assert_eq!(r.code, Some(0));
    assert_eq!(json(&r), serde_json::json!([]));
    // Warnings alone do not fail the check.
    std::fs::write(t.path().join("prompts/task_v4-gamma.md"), "").unwrap();
    let r = run(promptls().current_dir(t.path()).arg("check"));
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert!(r.stdout.contains("warning[unknown-prerelease-label]"));
}

#[test]
fn check_missing_path_is_a_usage_error() {
    let r = run(promptls().args(["check", "examples/no-such-folder"]));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("no-such-folder"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn versions_json() {
    let r = run(promptls().args(["versions", "examples/prompts/task", "--json"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = json(&r);
    let list = v.as_array().unwrap();
    let keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "id",
        "prompt_id",
        "title",
        "description",
        "created_at",
        "version",
        "version_number",
        "prerelease",
        "classifiers",
        "path",
        "latest",
    ] {
        assert!(keys.contains(&k), "PromptVersion has {k}: {keys:?}");
    }
    assert!(
        !keys.contains(&"content"),
        "listVersions leaves content out"
    );
    let names: Vec<String> = list
        .iter()
        .map(|x| {
            Path::new(x["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec!["task_de_v2.md", "task_ru_v1.md", "task_v1.md", "task_v2.md"]
    );
    let versions: Vec<&str> = list
        .iter()
        .map(|x| x["version"].as_str().unwrap())
        .collect();
    assert!(
        versions.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {versions:?}"
    );

    let v2 = list
        .iter()
        .find(|x| x["path"].as_str().unwrap().ends_with("/prompts/task_v2.md"))
        .unwrap();
    assert!(Path::new(v2["path"].as_str().unwrap()).is_absolute());
    assert!(v2["id"].as_str().unwrap().ends_with("task_v2.md"));
    assert!(v2["prompt_id"].as_str().unwrap().ends_with("task"));
    assert_eq!(v2["title"], "Task brief");
    assert_eq!(
        v2["description"],
        "Adds a tone variable and the shared greeting."
    );
    assert_eq!(v2["version"], "v2.0.0");
    assert_eq!(v2["version_number"], 2);
    assert_eq!(v2["prerelease"], Value::Null);
    assert_eq!(v2["classifiers"], serde_json::json!({"lang": "en"}));
    assert_eq!(v2["latest"], true);
    let created = v2["created_at"].as_str().unwrap();
    humantime::parse_rfc3339(created).unwrap_or_else(|e| panic!("{created} is RFC 3339: {e}"));

    let v1 = list
        .iter()
        .find(|x| x["path"].as_str().unwrap().ends_with("/prompts/task_v1.md"))
        .unwrap();
    assert_eq!(v1["latest"], false);
    assert_eq!(v1["version_number"], 1);
    assert_eq!(v1["description"], "First version of the task brief.");

    // --classifier filters to one variant.
    let r = run(promptls().args([
        "versions",
        "examples/prompts/task",
        "--classifier",
        "lang=ru",
        "--json",
    ]));
    let v = json(&r);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["classifiers"]["lang"], "ru");
    // An unknown prompt is an error (exit 1).
    let r = run(promptls().args(["versions", "examples/prompts/nothing", "--json"]));
    assert_eq!(r.code, Some(1));
    assert_eq!(json(&r)["error"], "PromptNotFoundError");
}

#[test]
fn resolve_success_and_failure() {
    let r = run(promptls().args(["resolve", "examples/prompts/task", "--json"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        json(&r),
        serde_json::json!({"path": "examples/prompts/task_v2.md", "version": "v2.0.0", "prerelease": null, "classifiers": {"lang": "en"}})
    );
    let r = run(promptls().args([
        "resolve",
        "examples/prompts/task",
        "--classifier",
        "lang=ru",
        "--json",
    ]));
    assert_eq!(json(&r)["path"], "examples/prompts/task_ru_v1.md");
    let r = run(promptls().args([
        "resolve",
        "examples/prompts/steps",
        "--include-prerelease",
        "--json",
    ]));
    assert_eq!(r.code, Some(0));
    let v = json(&r);
    assert_eq!(
        (v["version"].as_str(), v["prerelease"].as_str()),
        (Some("v2.0.0"), Some("beta"))
    );
    let r = run(promptls().args([
        "resolve",
        "examples/prompts/steps",
        "--version",
        "latest-prerelease",
    ]));
    assert_eq!(r.code, Some(0));
    assert_eq!(
        r.stdout.trim(),
        "examples/prompts/steps_v2.0.0-beta.md",
        "plain output is the path"
    );

    let r = run(promptls().args([
        "resolve",
        "examples/prompts/task",
        "--version",
        "v9",
        "--json",
    ]));
    assert_eq!(r.code, Some(1));
    let v = json(&r);
    assert_eq!(v["error"], "VersionNotFoundError");
    assert!(v["message"].as_str().unwrap().contains("v9"), "{v}");
    assert_eq!(v["available"], serde_json::json!(["v2.0.0", "v1.0.0"]));
    let r = run(promptls().args([
        "resolve",
        "examples/prompts/task",
        "--classifier",
        "lang=es",
        "--json",
    ]));
    assert_eq!(r.code, Some(1));
    let v = json(&r);
    assert_eq!(v["error"], "ClassifierNotFoundError");
    assert_eq!(v["available"], serde_json::json!(["en", "ru", "de"]));
    let r = run(promptls().args(["resolve", "examples/prompts/summary", "--json"]));
    assert_eq!(r.code, Some(1));
    assert_eq!(json(&r)["error"], "DuplicateVersionError");
    let r = run(promptls().args(["resolve", "examples/prompts/nothing", "--json"]));
    assert_eq!(r.code, Some(1));
    assert_eq!(json(&r)["error"], "PromptNotFoundError");
    // Without --json the error goes to stderr, named.
    let r = run(promptls().args(["resolve", "examples/prompts/task", "--version", "v9"]));
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("VersionNotFoundError"), "{}", r.stderr);
}

#[test]
fn env_is_read_only_with_the_flag() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join(".git")).unwrap();
    for f in ["task_v1.md", "task-v2.md"] {
        std::fs::write(t.path().join(f), "").unwrap();
    }
    let resolve = |env: bool| {
        let mut cmd = promptls();
        cmd.current_dir(t.path())
            .env("PROMPTIC_DELIMITER", "-")
            .args(["resolve", "task", "--json"]);
        if env {
            cmd.arg("--env");
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
        json(&r)["path"].as_str().unwrap().to_string()
    };
    assert_eq!(
        resolve(false),
        "task_v1.md",
        "PROMPTIC_* are never read implicitly"
    );
    assert_eq!(resolve(true), "task-v2.md", "--env opts in");
    // A bad variable under --env is a usage error.
    let r = run(promptls()
        .current_dir(t.path())
        .env("PROMPTIC_DELIMITERS", "[_]")
        .args(["resolve", "task", "--env", "--json"]));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("PROMPTIC_DELIMITERS"), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["frobnicate"],
        vec!["resolve"],
        vec!["check", "--format", "xml"],
        vec!["resolve", "examples/prompts/task", "--classifier", "lang"],
        vec!["versions", "examples/prompts/task", "--bogus"],
    ] {
        let r = run(promptls().args(&args));
        assert_eq!(r.code, Some(2), "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(!r.stderr.is_empty(), "{args:?} explains itself");
    }
    let r = run(promptls().arg("--version"));
    assert_eq!(r.code, Some(0));
    assert!(r.stdout.starts_with("promptls "));
}

#[test]
fn explicit_config_replaces_discovery() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join(".git")).unwrap();
    for f in ["task_v1.md", "task.v2.md"] {
        std::fs::write(t.path().join(f), "").unwrap();
    }
    std::fs::write(
        t.path().join("promptic.toml"),
        "[versioning]\ndelimiter = \"_\"\n",
    )
    .unwrap();
    std::fs::write(t.path().join("dot.json"), r#"{"delimiter":".","delimiters":null,"version_pattern":null,"include_prerelease":false,"prerelease_order":["alpha","beta","rc"],"classifiers":{}}"#).unwrap();
    let r = run(promptls()
        .current_dir(t.path())
        .args(["resolve", "task", "--json"]));
    assert_eq!(json(&r)["path"], "task_v1.md");
    let r = run(promptls()
        .current_dir(t.path())
        .args(["resolve", "task", "--config", "dot.json", "--json"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(json(&r)["path"], "task.v2.md");
}

/// `check` reports `semver-bump` over the whole tree (I-4): the example's greeting v1.1
/// drops `{{product}}` with only a minor bump.
#[test]
fn check_reports_semver_bump() {
    let out = Command::cargo_bin("promptls")
        .unwrap()
        .args(["check", "examples/", "--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hit = v
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "semver-bump")
        .expect("semver-bump");
    assert_eq!(hit["path"], "examples/prompts/support/greeting_v1.1.md");
    assert_eq!(hit["severity"], "warning");
    assert!(
        hit["message"]
            .as_str()
            .unwrap()
            .contains("removes {{product}}")
    );
}
