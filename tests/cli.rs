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
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
    let v = json(&r);
    insta::assert_json_snapshot!("check_examples_json", v);
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
    insta::assert_snapshot!("check_examples_github", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().collect();
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
    let more = "\nFor more information, try '--help'.\n";
    for (args, says) in [
        (
            vec!["frobnicate"],
            format!(
                "error: unrecognized subcommand 'frobnicate'\n\nUsage: promptls [OPTIONS] [COMMAND]\n{more}"
            ),
        ),
        (
            vec!["resolve"],
            format!(
                "error: the following required arguments were not provided:\n  <TARGET>\n\nUsage: promptls resolve <TARGET>\n{more}"
            ),
        ),
        (
            vec!["check", "--format", "xml"],
            format!(
                "error: invalid value 'xml' for '--format <FORMAT>'\n  [possible values: human, json, sarif, github]\n{more}"
            ),
        ),
        (
            vec!["resolve", "examples/prompts/task", "--classifier", "lang"],
            format!(
                "error: invalid value 'lang' for '--classifier <K=V>': expected KEY=VALUE, got \"lang\"\n{more}"
            ),
        ),
        (
            vec!["versions", "examples/prompts/task", "--bogus"],
            format!(
                "error: unexpected argument '--bogus' found\n\n  tip: to pass '--bogus' as a value, use '-- --bogus'\n\nUsage: promptls versions <TARGET>\n{more}"
            ),
        ),
    ] {
        let r = run(promptls().args(&args));
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (Some(2), "", says.as_str()),
            "{args:?}"
        );
    }
    // `--version` is checked with the commit in `version_names_the_commit_it_was_built_from`.
    let r = run(promptls().arg("--version"));
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
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

// ---------------------------------------------------------------------------------------
// Paths, pipes, special files and odd names (regressions of aa54be8).

/// Creates `files` (relative path -> content) under `root`, with their folders.
fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (rel, content) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
}

/// A repository whose `prompts/support/faq.md` links a prompt one folder up, and has a
/// real mistake (a link to a prompt that does not exist); `other/` has an error too.
fn faq_workspace(marker: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    fill_faq(t.path(), marker);
    t
}

fn fill_faq(root: &Path, marker: &str) {
    write_tree(
        root,
        &[
            (marker, ""),
            ("prompts/task_v1.md", "Task\n"),
            (
                "prompts/support/faq.md",
                "See the [task](../task.md) and [gone](gone.md).\n",
            ),
            ("prompts/support/greeting_v1.md", "Hi\n"),
            ("other/x_v1.md", "x\n"),
            ("other/x_v1.0.0.md", "x\n"),
        ],
    );
}

const FAQ_GONE: &str = "\
:1:39: error[prompt-not-found]: no prompt `gone` here; prompts in this folder: faq, greeting
  |
1 | See the [task](../task.md) and [gone](gone.md).
  |                                       ^^^^^^^
";

#[test]
fn check_given_paths_are_checked_within_their_workspace() {
    let t = faq_workspace(".git/HEAD");
    let expected =
        format!("prompts/support/faq.md{FAQ_GONE}\n1 error(s), 0 warning(s), 0 other(s).\n");
    // A file, a subfolder, both: the link to ../task.md resolves; other/ is not reported.
    for args in [
        vec!["check", "prompts/support/faq.md"],
        vec!["check", "prompts/support"],
        vec!["check", "prompts/support/", "prompts/support/faq.md"],
    ] {
        let r = run(promptls().current_dir(t.path()).args(&args));
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (Some(1), expected.as_str(), ""),
            "{args:?}"
        );
    }
    // The same from a subfolder: the workspace is found upwards.
    let r = run(promptls()
        .current_dir(t.path().join("prompts"))
        .args(["check", "support/faq.md"]));
    assert_eq!(
        (r.code, r.stdout, r.stderr),
        (
            Some(1),
            format!("support/faq.md{FAQ_GONE}\n1 error(s), 0 warning(s), 0 other(s).\n"),
            String::new()
        )
    );
    // Paths of two workspaces at once; the second is a project without `.git` whose
    // subfolder has its own promptic.toml (which configures that folder only).
    let both = tempfile::tempdir().unwrap();
    let (a, b) = (both.path().join("a"), both.path().join("b"));
    fill_faq(&a, ".git/HEAD");
    fill_faq(&b, "pyproject.toml");
    write_tree(&b, &[("prompts/support/promptic.toml", "")]);
    let second = b.join("prompts/support");
    let r = run(promptls()
        .current_dir(&a)
        .args(["check", "prompts/support/faq.md"])
        .arg(&second));
    assert_eq!(
        (r.code, r.stdout, r.stderr),
        (
            Some(1),
            format!(
                "prompts/support/faq.md{FAQ_GONE}{}/faq.md{FAQ_GONE}\n2 error(s), 0 warning(s), 0 other(s).\n",
                second.display()
            ),
            String::new()
        )
    );
}

#[test]
fn check_missing_path_names_it() {
    let t = faq_workspace(".git/HEAD");
    let r = run(promptls().current_dir(t.path()).args([
        "check",
        "prompts/nope.md",
        "prompts",
        "gone/",
    ]));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(2),
            "",
            "error: prompts/nope.md: No such file or directory\nerror: gone/: No such file or directory\n"
        )
    );
}

#[test]
fn check_into_a_closed_pipe_exits_quietly() {
    use std::io::BufRead;
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join(".git")).unwrap();
    for i in 0..600 {
        for v in ["v1", "v1.0.0"] {
            std::fs::write(t.path().join(format!("prompt{i}_{v}.md")), "x\n").unwrap();
        }
    }
    for format in ["human", "json", "sarif", "github"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("promptls"))
            .current_dir(t.path())
            .args(["check", "--format", format])
            .env("RUST_LOG", "off")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The reader is dropped: the pipe is closed after one line of 200 kB or more.
        assert!(!first.is_empty(), "{format}");
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr, "", "{format}: quiet, no panic");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert!(
                out.status.code() == Some(0) || out.status.signal() == Some(libc_sigpipe()),
                "{format}: {:?}",
                out.status
            );
        }
    }
}

#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13
}

/// A duplicate-version pair (`NAME_v1.md`, `NAME_v1.0.0.md`): two errors naming both.
fn duplicate_pair(dir: &Path, base: &str) {
    for v in ["v1", "v1.0.0"] {
        std::fs::write(dir.join(format!("{base}_{v}.md")), "x\n").unwrap();
    }
}

#[test]
fn github_annotations_escape_properties_and_messages() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join(".git")).unwrap();
    duplicate_pair(t.path(), "a,b:c");
    duplicate_pair(t.path(), "n\nl%");
    let r = run(promptls()
        .current_dir(t.path())
        .args(["check", "--format", "github"]));
    let pos = "line=1,col=1,endLine=1,endColumn=1,title=duplicate-version";
    let msg = "resolution will refuse to pick one (DuplicateVersionError)";
    assert_eq!(
        (r.code, r.stdout, r.stderr),
        (
            Some(1),
            format!(
                "::error file=a%2Cb%3Ac_v1.0.0.md,{pos}::`a,b:c_v1.0.0.md` and `a,b:c_v1.md` are both v1.0.0 of `a,b:c`; {msg}\n\
                 ::error file=a%2Cb%3Ac_v1.md,{pos}::`a,b:c_v1.md` and `a,b:c_v1.0.0.md` are both v1.0.0 of `a,b:c`; {msg}\n\
                 ::error file=n%0Al%25_v1.0.0.md,{pos}::`n%0Al%25_v1.0.0.md` and `n%0Al%25_v1.md` are both v1.0.0 of `n%0Al%25`; {msg}\n\
                 ::error file=n%0Al%25_v1.md,{pos}::`n%0Al%25_v1.md` and `n%0Al%25_v1.0.0.md` are both v1.0.0 of `n%0Al%25`; {msg}\n"
            ),
            String::new()
        )
    );
}

#[test]
fn sarif_uris_are_percent_encoded() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join(".git")).unwrap();
    std::fs::create_dir(t.path().join("my dir")).unwrap();
    duplicate_pair(&t.path().join("my dir"), "my task");
    duplicate_pair(t.path(), "ü");
    duplicate_pair(t.path(), "h#a%");
    let r = run(promptls()
        .current_dir(t.path())
        .args(["check", "--format", "sarif"]));
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
    let v = json(&r);
    let uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "h%23a%25_v1.0.0.md",
            "h%23a%25_v1.md",
            "my%20dir/my%20task_v1.0.0.md",
            "my%20dir/my%20task_v1.md",
            "%C3%BC_v1.0.0.md",
            "%C3%BC_v1.md",
        ]
    );
}

#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_walked_or_reported() {
    use std::os::unix::ffi::OsStrExt;
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join(".git")).unwrap();
    let cafe = t.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    std::fs::create_dir(&cafe).unwrap();
    duplicate_pair(&cafe, "x");
    std::fs::write(
        t.path().join(std::ffi::OsStr::from_bytes(b"t\xe9_v1.md")),
        "x\n",
    )
    .unwrap();
    let r = run(promptls().current_dir(t.path()).arg("check"));
    let msg = "resolution will refuse to pick one (DuplicateVersionError)";
    assert_eq!(
        (r.code, r.stdout, r.stderr),
        (
            Some(1),
            format!(
                "caf\u{FFFD}/x_v1.0.0.md:1:1: error[duplicate-version]: `x_v1.0.0.md` and `x_v1.md` are both v1.0.0 of `x`; {msg}\n\
                 caf\u{FFFD}/x_v1.md:1:1: error[duplicate-version]: `x_v1.md` and `x_v1.0.0.md` are both v1.0.0 of `x`; {msg}\n\
                 \n2 error(s), 0 warning(s), 0 other(s).\n"
            ),
            "warning: t\u{FFFD}_v1.md: skipped: name is not UTF-8\n".to_string()
        )
    );
    // SARIF names the folder byte for byte.
    let r = run(promptls()
        .current_dir(t.path())
        .args(["check", "--format", "sarif"]));
    let v = json(&r);
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "caf%E9/x_v1.0.0.md"
    );
}

/// Runs `promptls ARGS` in `dir` with a stdin pipe that stays open (a read of
/// `/dev/stdin` would wait forever), killing it after 20 s: a hang fails the test.
fn run_bounded(dir: &Path, args: &[&str]) -> Run {
    use std::io::Read;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("promptls"))
        .current_dir(dir)
        .args(args)
        .env("RUST_LOG", "off")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _stdin = child.stdin.take();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        stdout.read_to_end(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        stderr.read_to_end(&mut s).unwrap();
        s
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("promptls {args:?} blocked (killed after 20 s)");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

/// `prompts/task_v2.md` is a symlink to a FIFO, `prompts/intro_v1.md` one to
/// `/dev/stdin`, `prompts/gone_v1.md` a dangling symlink.
#[cfg(unix)]
fn special_files_workspace() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write_tree(
        t.path(),
        &[
            (".git/HEAD", ""),
            ("prompts/task_v1.md", "---\ntitle: One\n---\nTask\n"),
        ],
    );
    let fifo = t.path().join(".fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let p = t.path().join("prompts");
    std::os::unix::fs::symlink(&fifo, p.join("task_v2.md")).unwrap();
    std::os::unix::fs::symlink("/dev/stdin", p.join("intro_v1.md")).unwrap();
    std::os::unix::fs::symlink(p.join("nowhere.md"), p.join("gone_v1.md")).unwrap();
    t
}

fn sorted_lines(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.lines().collect();
    v.sort_unstable();
    v
}

#[cfg(unix)]
#[test]
fn special_files_in_the_workspace_are_skipped_with_a_warning() {
    let t = special_files_workspace();
    // Every command's walk names each symlink that leads to no regular file, and leaves it
    // out of the index: it is not a version.
    let warnings = [
        "warning: prompts/gone_v1.md: skipped: No such file or directory",
        "warning: prompts/intro_v1.md: skipped: a named pipe, not a regular file",
        "warning: prompts/task_v2.md: skipped: a named pipe, not a regular file",
    ];
    let r = run_bounded(t.path(), &["check"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (Some(0), "No problems found.\n")
    );
    assert_eq!(sorted_lines(&r.stderr), warnings);
    let r = run_bounded(t.path(), &["versions", "prompts/task", "--json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let rows: Vec<(&str, &str, bool, Value)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap(),
                x["version"].as_str().unwrap(),
                x["latest"].as_bool().unwrap(),
                x["title"].clone(),
            )
        })
        .collect();
    assert_eq!(
        (r.code, rows, sorted_lines(&r.stderr)),
        (
            Some(0),
            vec![("task_v1.md", "v1.0.0", true, Value::from("One"))],
            warnings.to_vec()
        )
    );
    // The FIFO behind `task_v2.md` is no version: the newest is v1.
    let r = run_bounded(t.path(), &["resolve", "prompts/task"]);
    let warned: Vec<&str> = sorted_lines(&r.stderr)
        .into_iter()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(
        (r.code, r.stdout.as_str(), warned),
        (Some(0), "prompts/task_v1.md\n", warnings.to_vec())
    );
    let r = run_bounded(t.path(), &["resolve", "prompts/task", "--version", "v1"]);
    let mut expected = warnings.to_vec();
    expected.insert(0, "explicit version v1");
    assert_eq!(
        (r.code, r.stdout.as_str(), sorted_lines(&r.stderr)),
        (Some(0), "prompts/task_v1.md\n", expected)
    );
    // `diff` never opens the FIFO: v2 is not a version, and naming the FIFO is an error.
    let r = run_bounded(t.path(), &["diff", "prompts/task", "v1", "v2"]);
    let mut expected = warnings.to_vec();
    expected.push("VersionNotFoundError: `prompts/task` has no version v2.0.0; available: v1.0.0");
    expected.push("available: v1.0.0");
    expected.sort_unstable();
    assert_eq!(
        (r.code, r.stdout.as_str(), sorted_lines(&r.stderr)),
        (Some(1), "", expected)
    );
    let r = run_bounded(t.path(), &["diff", "prompts/task_v2.md", "v1"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(1),
            "",
            "error: prompts/task_v2.md: a named pipe, not a regular file\n"
        )
    );
}

/// Versions whose bytes are not UTF-8, numbers past `u64::MAX` and half-typed specs: a
/// diff of the lossy text, or a resolution error; never a panic or a hang.
#[test]
fn diff_of_hostile_versions() {
    let t = tempfile::tempdir().unwrap();
    write_tree(
        t.path(),
        &[(".git/HEAD", ""), ("p/task_v1.md", "caf\u{e9} {{a}}\n")],
    );
    std::fs::write(t.path().join("p/task_v2.md"), b"caf\xe9 {{a}} {{b}}\n").unwrap();
    let r = run_bounded(t.path(), &["diff", "p/task", "v1", "v2"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(0),
            "--- task_v1.md\n+++ task_v2.md\n@@ -1 +1 @@\n-caf\u{e9} {{a}}\n+caf\u{fffd} {{a}} {{b}}\n",
            "variables: added b; kept a\n"
        )
    );
    for spec in ["v99999999999999999999", "v1.", "v", "1.0.0-", "latest-"] {
        let r = run_bounded(t.path(), &["diff", "p/task", spec, "v2", "--json"]);
        let v: Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{spec}: {e}: {}{}", r.stdout, r.stderr));
        assert_eq!(
            (r.code, v["error"].is_string()),
            (Some(1), true),
            "{spec}: {v}"
        );
    }
}

/// A skipped entry is warned about once per command, however often its folder is walked:
/// here once for the index, and again for each reference resolved under a Python call's
/// own versioning config.
#[cfg(unix)]
#[test]
fn a_skipped_entry_is_warned_about_once() {
    let t = tempfile::tempdir().unwrap();
    let call = "load_prompt(\"prompts/task\", versioning_config=VersioningConfig(delimiter=\"-\"))";
    write_tree(
        t.path(),
        &[
            (".git/HEAD", ""),
            ("prompts/task_v1.md", "Task\n"),
            (
                "app.py",
                &format!(
                    "from promptic import load_prompt, VersioningConfig\na = {call}\nb = {call}\n"
                ),
            ),
        ],
    );
    let status = std::process::Command::new("mkfifo")
        .arg(t.path().join("prompts/x_v1.md"))
        .status()
        .unwrap();
    assert!(status.success());
    let r = run_bounded(t.path(), &["check"]);
    assert_eq!(
        r.stderr,
        "warning: prompts/x_v1.md: skipped: a named pipe, not a regular file\n"
    );
}

#[cfg(unix)]
#[test]
fn a_named_file_that_cannot_be_read_is_an_error() {
    let t = special_files_workspace();
    for (args, expected) in [
        (
            vec!["check", "prompts/task_v2.md"],
            "error: prompts/task_v2.md: a named pipe, not a regular file\n",
        ),
        (
            vec!["check", "prompts/gone_v1.md"],
            "error: prompts/gone_v1.md: No such file or directory\n",
        ),
        (
            vec!["versions", "prompts/intro_v1.md"],
            "error: prompts/intro_v1.md: a named pipe, not a regular file\n",
        ),
        (
            vec!["versions", "prompts/task_v2.md", "--json"],
            "error: prompts/task_v2.md: a named pipe, not a regular file\n",
        ),
        (
            vec!["resolve", "prompts/task_v2.md"],
            "error: prompts/task_v2.md: a named pipe, not a regular file\n",
        ),
        (
            vec!["resolve", "prompts/gone_v1.md"],
            "error: prompts/gone_v1.md: No such file or directory\n",
        ),
    ] {
        let r = run_bounded(t.path(), &args);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (Some(1), "", expected),
            "{args:?}"
        );
    }
    // The readable paths given beside it are still checked.
    let r = run_bounded(
        t.path(),
        &["check", "prompts/task_v2.md", "prompts/task_v1.md"],
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(1),
            "No problems found.\n",
            "error: prompts/task_v2.md: a named pipe, not a regular file\n"
        )
    );
}

#[test]
fn help_documents_exit_codes_without_internal_ids() {
    let ids = regex::Regex::new(r"\b[VIRQ]-\d|seed \d").unwrap();
    for cmd in [
        "check",
        "versions",
        "resolve",
        "diff",
        "new-version",
        "revert",
        "mv",
        "api",
        "publish",
        "install",
        "yank",
        "registry serve",
        "registry token create",
        "serve",
    ] {
        let r = run(promptls().args(cmd.split(' ').chain(["--help"])));
        assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""), "{cmd}");
        assert!(
            !ids.is_match(&r.stdout),
            "{cmd} --help cites an internal id:\n{}",
            r.stdout
        );
        insta::assert_snapshot!(format!("help_{}", cmd.replace(['-', ' '], "_")), r.stdout);
    }
    let r = run(promptls().arg("--help"));
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert!(!ids.is_match(&r.stdout), "{}", r.stdout);
    insta::assert_snapshot!("help", r.stdout);
}

#[test]
fn resolve_says_why_in_plain_words() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    std::fs::write(tmp.path().join("solo_v1.md"), "x").unwrap();
    std::fs::write(tmp.path().join("duo_v1.md"), "x").unwrap();
    std::fs::write(tmp.path().join("duo_v2.md"), "x").unwrap();
    let r = run(promptls().current_dir(tmp.path()).args(["resolve", "solo"]));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(0),
            "solo_v1.md\n",
            "`latest`: newest release of 1 version\n"
        )
    );
    let r = run(promptls().current_dir(tmp.path()).args(["resolve", "duo"]));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(0),
            "duo_v2.md\n",
            "`latest`: newest release of 2 versions\n"
        )
    );
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let painted = "\u{1b}[1;31merror\u{1b}[0m";
    // Not a terminal: plain unless asked for; `always` wins over NO_COLOR, `never` always plain.
    let auto = run(promptls().args(["check", "examples/"]));
    assert_eq!(auto.code, Some(1), "{}", auto.stderr);
    assert!(!auto.stdout.contains('\u{1b}'), "{}", auto.stdout);
    let always =
        run(promptls()
            .env("NO_COLOR", "1")
            .args(["--color", "always", "check", "examples/"]));
    assert!(always.stdout.contains(painted), "{}", always.stdout);
    let never = run(promptls().args(["check", "--color", "never", "examples/"]));
    assert!(!never.stdout.contains('\u{1b}'), "{}", never.stdout);
    // The same findings either way, colour aside.
    let unpainted = |s: &str| {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('\u{1b}') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            rest = &rest[rest.find('m').map_or(rest.len(), |m| m + 1)..];
        }
        out + rest
    };
    assert_eq!(unpainted(&always.stdout), auto.stdout);
    let bad = run(promptls().args(["--color", "sometimes", "check", "examples/"]));
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("sometimes"), "{}", bad.stderr);
}

#[test]
fn use_colour_reads_no_color_as_no_color_org_says() {
    use clap::ColorChoice::{Always, Auto, Never};
    use promptls::cli::use_colour;
    use std::ffi::OsStr;
    assert!(use_colour(Auto, true, None));
    assert!(
        use_colour(Auto, true, Some(OsStr::new(""))),
        "an empty NO_COLOR is unset"
    );
    assert!(!use_colour(Auto, true, Some(OsStr::new("1"))));
    assert!(!use_colour(Auto, false, None));
    assert!(use_colour(Always, false, Some(OsStr::new("1"))));
    assert!(!use_colour(Never, true, None));
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let r = run(promptls().arg("--version"));
    assert_eq!(r.code, Some(0));
    let version = env!("CARGO_PKG_VERSION");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        // Built from this checkout: `promptls 0.1.0 (1a2b3c4d5e6f 2026-11-23)`.
        Some(commit) if repo().join(".git").exists() => {
            let line = r.stdout.trim_end();
            let prefix = format!("promptls {version} ({commit} ");
            assert!(
                line.starts_with(&prefix),
                "{line:?} does not start with {prefix:?}"
            );
            let date = &line[prefix.len()..line.len() - 1];
            assert!(line.ends_with(')'), "{line:?}");
            assert!(
                date.len() == 10 && date.chars().filter(|c| *c == '-').count() == 2,
                "{date:?} is not a date"
            );
        }
        // A build from the package: the version alone.
        _ => assert_eq!(r.stdout, format!("promptls {version}\n")),
    }
}

/// Every subcommand the CLI defines, from its clap definition.
fn subcommand_names() -> Vec<String> {
    use clap::CommandFactory;
    promptls::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn completions_name_every_command_in_each_shell() {
    let commands = subcommand_names();
    assert!(commands.len() >= 9, "{commands:?}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run(promptls().args(["completions", shell]));
        assert_eq!(r.code, Some(0), "{shell}: {}", r.stderr);
        for c in &commands {
            assert!(r.stdout.contains(c), "{shell} completion lacks {c}");
        }
        // Options of a subcommand are completed too.
        assert!(r.stdout.contains("include-prerelease"), "{shell}");
    }
    let bash = run(promptls().args(["completions", "bash"])).stdout;
    assert!(
        bash.contains("complete -F _promptls") || bash.contains("complete -o"),
        "{bash}"
    );
    let bad = run(promptls().args(["completions", "tcsh"]));
    assert_eq!(bad.code, Some(2));
}

#[test]
fn man_page_is_roff_with_every_command() {
    let r = run(promptls().arg("man"));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains(".TH promptls 1"),
        "{}",
        &r.stdout[..r.stdout.len().min(300)]
    );
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
        ".SH VERSION",
    ] {
        assert!(r.stdout.contains(section), "no {section}");
    }
    // roff escapes the hyphen.
    for c in subcommand_names() {
        let c = c.replace('-', "\\-");
        assert!(r.stdout.contains(&c), "no {c}");
    }
}

#[test]
fn diff_shows_the_text_and_the_variables_of_two_versions() {
    let r = run(promptls().args(["diff", "examples/prompts/task", "v1", "v2"]));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(0),
            "--- task_v1.md\n+++ task_v2.md\n@@ -1,8 +1,10 @@\n ---\n title: Task brief\n-description: First version of the task brief.\n+description: Adds a tone variable and the shared greeting.\n ---\n # Task for {{product}}\n \n-Write a short answer for {{audience}}.\n-Follow the [steps](steps.md).\n+Write a short answer for {{audience}} in a {{tone}} tone.\n+Follow the [steps](steps.md) and start with the [greeting](support/greeting_v1.md).\n+\n+{# ref: support/faq.md #}\n",
            "variables: added tone; kept audience, product\n"
        )
    );
    // TO defaults to `latest`; a file target compares within its variant (ru has only v1).
    let r = run(promptls().args(["diff", "examples/prompts/task_ru_v1.md", "v1"]));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(0),
            "",
            "examples/prompts/task_ru_v1.md and examples/prompts/task_ru_v1.md are the same text\nvariables: kept audience, product\n"
        )
    );
    // Colour only when asked (or on a terminal): headers bold, hunks cyan, -/+ red/green.
    let r = run(promptls().args([
        "--color",
        "always",
        "diff",
        "examples/prompts/steps",
        "v1.0.0",
        "v2.0.0-beta",
    ]));
    assert_eq!(
        r.stdout,
        "\x1b[1m--- steps_v1.0.0.md\x1b[0m\n\x1b[1m+++ steps_v2.0.0-beta.md\x1b[0m\n\x1b[36m@@ -1,2 +1,3 @@\x1b[0m\n\x1b[31m-1. Read the question.\x1b[0m\n\x1b[31m-2. Answer it.\x1b[0m\n\x1b[32m+1. Read the question twice.\x1b[0m\n\x1b[32m+2. Check the [FAQ](support/faq.md).\x1b[0m\n\x1b[32m+3. Answer it in {{tone}}.\x1b[0m\n"
    );
    // A version that does not exist: the resolution error, exit 1, nothing on stdout.
    let r = run(promptls().args([
        "diff",
        "examples/prompts/task",
        "v1",
        "--classifier",
        "lang=de",
    ]));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(1),
            "",
            "VersionNotFoundError: v1.0.0 of `examples/prompts/task` exists, but not for lang=de; available for lang=de: v2.0.0\navailable: v2.0.0\n"
        )
    );
    let r = run(promptls().args(["diff", "examples/prompts/task", "v9", "--json"]));
    assert_eq!(r.code, Some(1));
    assert_eq!(json(&r)["error"], "VersionNotFoundError");
}

#[test]
fn diff_json_has_both_files_the_hunks_and_the_variables() {
    let r = run(promptls().args([
        "diff",
        "examples/prompts/steps",
        "v1.0.0",
        "latest",
        "--include-prerelease",
        "--json",
    ]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        json(&r),
        serde_json::json!({
            "from": {"path": "examples/prompts/steps_v1.0.0.md", "version": "v1.0.0", "prerelease": null, "requested": "v1.0.0"},
            "to": {"path": "examples/prompts/steps_v2.0.0-beta.md", "version": "v2.0.0", "prerelease": "beta", "requested": "latest"},
            "hunks": [{
                "oldStart": 1, "oldLines": 2, "newStart": 1, "newLines": 3,
                "lines": [
                    {"change": "removed", "text": "1. Read the question."},
                    {"change": "removed", "text": "2. Answer it."},
                    {"change": "added", "text": "1. Read the question twice."},
                    {"change": "added", "text": "2. Check the [FAQ](support/faq.md)."},
                    {"change": "added", "text": "3. Answer it in {{tone}}."}
                ]
            }],
            "unified": "--- steps_v1.0.0.md\n+++ steps_v2.0.0-beta.md\n@@ -1,2 +1,3 @@\n-1. Read the question.\n-2. Answer it.\n+1. Read the question twice.\n+2. Check the [FAQ](support/faq.md).\n+3. Answer it in {{tone}}.\n",
            "variables": {"removed": [], "added": ["tone"], "kept": []}
        })
    );
}

/// Variable contracts on hostile templates: a template too large to read whole, bytes
/// that are not UTF-8, an include that is a FIFO and one that does not exist, a key past
/// `u64::MAX`, a call being typed, `**kwargs` from elsewhere. What cannot be known is not
/// reported; what can is reported exactly.
#[cfg(unix)]
#[test]
fn variable_contracts_say_nothing_they_cannot_know() {
    let t = tempfile::tempdir().unwrap();
    let huge = format!("{{{{a}}}}\n{}\n{{{{b}}}}\n", "x".repeat(300 * 1024));
    write_tree(
        t.path(),
        &[
            (".git/HEAD", ""),
            ("pyproject.toml", ""),
            ("prompts/huge_v1.md", huge.as_str()),
            (
                "prompts/linked_v1.md",
                "{{a}} [pipe](pipe_v1.md) [gone](gone.md) [big](huge_v1.md)\n",
            ),
            ("prompts/n_v1.md", "{{a}}\n"),
            (
                "app.py",
                "from promptic import render, load_prompt\n\
                 render(\"prompts/huge\", vars={\"a\": 1})\n\
                 render(\"prompts/latin\", vars={\"x\": 1})\n\
                 render(\"prompts/linked\", vars={\"a\": 1, \"zzz\": 2})\n\
                 render(\"prompts/n\", vars={\"a\": 1, \"18446744073709551616\": 2})\n\
                 load_prompt(\"prompts/n\").format(**kwargs)\n\
                 render(\"prompts/n\", vars={\"a\": \n",
            ),
        ],
    );
    std::fs::write(
        t.path().join("prompts/latin_v1.md"),
        b"caf\xe9 {{x}} {{y}}\n",
    )
    .unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(t.path().join("prompts/pipe_v1.md"))
        .status()
        .unwrap();
    assert!(status.success());
    let r = run_bounded(t.path(), &["check", "app.py"]);
    let lines: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("variable]"))
        .collect();
    assert_eq!(
        lines,
        [
            "app.py:3:30: error[missing-variable]: `latin_v1.md` uses `{{y}}`, but this call does not pass `y`",
            "app.py:5:36: warning[unused-variable]: `18446744073709551616` is passed, but `n_v1.md` has no `{{18446744073709551616}}`",
        ],
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(r.code, Some(1));
}

/// Two prompts whose new versions both trip the version-bump check (the call sites of all
/// of them are found in one pass over the Python files): each warning names its own.
#[test]
fn semver_bump_call_sites_of_several_prompts_stay_apart() {
    let t = tempfile::tempdir().unwrap();
    write_tree(
        t.path(),
        &[
            (".git/HEAD", ""),
            ("pyproject.toml", ""),
            ("prompts/task_v1.md", "Hello {{a}}.\n"),
            ("prompts/task_v1.0.1.md", "Hello {{a}} and {{b}}.\n"),
            ("prompts/other_v1.md", "Hi {{x}}.\n"),
            ("prompts/other_v1.0.1.md", "Hi {{x}} {{y}} {{z}}.\n"),
            (
                "app.py",
                "from promptic import render\n\
                 one = render(\"prompts/task\", vars={\"a\": 1})\n\
                 two = render(\"prompts/other\", vars={\"x\": 1, \"y\": 2})\n\
                 three = render(\"prompts/other\", vars={\"x\": 1})\n",
            ),
        ],
    );
    let r = run_bounded(t.path(), &["check", "prompts"]);
    assert_eq!(
        r.stdout,
        "prompts/other_v1.0.1.md:1:1: warning[semver-bump]: v1.0.1 is a patch bump of v1.0.0 (other_v1.md), but it adds {{y}}, {{z}}: new variables: it needs a minor bump; it breaks 2 call sites: app.py:3 (no `z`), app.py:4 (no `y`, `z`)\n\
         prompts/task_v1.0.1.md:1:1: warning[semver-bump]: v1.0.1 is a patch bump of v1.0.0 (task_v1.md), but it adds {{b}}: new variables: it needs a minor bump; it breaks 1 call site: app.py:2 (no `b`)\n\n\
         0 error(s), 2 warning(s), 0 other(s).\n",
        "{}",
        r.stderr
    );
}

/// A version that adds a variable under a patch bump: its `semver-bump` warning names the
/// calls the new version breaks (those that do not pass the new variable), not the ones
/// that were already missing something, nor pinned calls to the old version.
#[test]
fn semver_bump_lists_the_call_sites_a_new_version_breaks() {
    let t = tempfile::tempdir().unwrap();
    write_tree(
        t.path(),
        &[
            (".git/HEAD", ""),
            ("pyproject.toml", ""),
            ("prompts/task_v1.md", "Hello {{a}}.\n"),
            ("prompts/task_v1.0.1.md", "Hello {{a}} and {{b}}.\n"),
            (
                "app.py",
                "from promptic import render\n\
                 one = render(\"prompts/task\", vars={\"a\": 1})\n\
                 both = render(\"prompts/task\", vars={\"a\": 1, \"b\": 2})\n\
                 old = render(\"prompts/task\", version=\"v1.0.0\", vars={\"a\": 1})\n\
                 text = load_prompt(\"prompts/task\")\n",
            ),
        ],
    );
    let r = run_bounded(t.path(), &["check", "prompts"]);
    assert_eq!(
        r.stdout,
        "prompts/task_v1.0.1.md:1:1: warning[semver-bump]: v1.0.1 is a patch bump of v1.0.0 (task_v1.md), but it adds {{b}}: new variables: it needs a minor bump; it breaks 1 call site: app.py:2 (no `b`)\n\n\
         0 error(s), 1 warning(s), 0 other(s).\n",
        "{}",
        r.stderr
    );
    assert_eq!(r.code, Some(0));
}
