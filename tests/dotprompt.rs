//! The Dotprompt convention (`[versioning] convention = "dotprompt"`) as a user meets it:
//! `promptls versions` and `check` on a small workspace, whole outputs; version creation
//! refused; and the language server's hover and completion on it.

mod support;

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use support::cli::promptls;
use support::{Client, after, uri};

/// Every file's modified time, so the versions table is the same on every run.
const MODIFIED: Duration = Duration::from_secs(1_735_787_045); // 2025-01-02T03:04:05Z

/// A workspace whose `promptic.toml` sets the Dotprompt convention: `greeting` in two
/// variants and LiteLLM versions, a partial, a promptic-style Markdown prompt beside them,
/// and three names the convention reports. `extra` files are added (name, bytes).
fn workspace(extra: &[(&[u8], &str)]) -> tempfile::TempDir {
    use std::os::unix::ffi::OsStrExt;
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::write(
        root.join("promptic.toml"),
        "[versioning]\nconvention = \"dotprompt\"\n",
    )
    .unwrap();
    let prompts = root.join("prompts");
    std::fs::create_dir(&prompts).unwrap();
    let files: &[(&[u8], &str)] = &[
        (
            b"greeting.prompt",
            "---\nmodel: gemini\n---\nHello {{name}}.\n",
        ),
        (b"greeting.formal.prompt", "Good day, {{name}}.\n"),
        (b"greeting.v1.prompt", "Hi {{name}}.\n"),
        (b"greeting.v2.prompt", "Hello {{name}}!\n"),
        (
            b"greeting.formal.v2.1.prompt",
            "Good day to you, {{name}}.\n",
        ),
        (b"_header.prompt", "You are helpful.\n"),
        (b"notes_v1.md", "See [greeting](greeting.v2.prompt).\n"),
        (b"a.b.c.prompt", "x\n"),
        (b"y.v2-beta.prompt", "x\n"),
        (b"z.v99999999999999999999999.prompt", "x\n"),
    ];
    for (name, text) in files.iter().chain(extra) {
        let path = prompts.join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(&path, text).unwrap();
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(SystemTime::UNIX_EPOCH + MODIFIED).unwrap();
    }
    t
}

#[test]
fn versions_lists_variants_and_litellm_versions() {
    let t = workspace(&[]);
    let r = promptls(t.path(), &["versions", "prompts/greeting"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "VERSION        VARIANT          FLAGS   MODIFIED              FILE\n\
             v2.1.0         variant=formal   latest  2025-01-02T03:04:05Z  greeting.formal.v2.1.prompt\n\
             v2.0.0         variant=default  latest  2025-01-02T03:04:05Z  greeting.v2.prompt\n\
             v1.0.0         variant=default          2025-01-02T03:04:05Z  greeting.v1.prompt\n\
             (unversioned)  variant=formal           2025-01-02T03:04:05Z  greeting.formal.prompt\n\
             (unversioned)  variant=default          2025-01-02T03:04:05Z  greeting.prompt\n",
            ""
        )
    );
    // The variant is a classifier: filter by it.
    let r = promptls(
        t.path(),
        &[
            "versions",
            "prompts/greeting",
            "--classifier",
            "variant=formal",
        ],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "VERSION        VARIANT         FLAGS   MODIFIED              FILE\n\
             v2.1.0         variant=formal  latest  2025-01-02T03:04:05Z  greeting.formal.v2.1.prompt\n\
             (unversioned)  variant=formal          2025-01-02T03:04:05Z  greeting.formal.prompt\n"
        )
    );
    // Resolution: no variant asked is the default variant; a version as LiteLLM spells it.
    let r = promptls(t.path(), &["resolve", "prompts/greeting"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "prompts/greeting.v2.prompt\n",
            "`latest`: newest release of 2 versions for variant=default\n"
        )
    );
    let r = promptls(
        t.path(),
        &["resolve", "prompts/greeting", "--version", "v1", "--json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json(),
        json!({"path": "prompts/greeting.v1.prompt", "version": "v1.0.0", "prerelease": null,
               "classifiers": {"variant": "default"}})
    );
    let r = promptls(
        t.path(),
        &[
            "resolve",
            "prompts/greeting",
            "--classifier",
            "variant=casual",
        ],
    );
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            "ClassifierNotFoundError: no file of `prompts/greeting` has variant=casual; available: default, formal\n\
             available: default, formal\n"
        )
    );
    // A partial is a prompt without versions.
    let r = promptls(t.path(), &["versions", "prompts/_header.prompt"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "VERSION        VARIANT          FLAGS   MODIFIED              FILE\n\
             (unversioned)  variant=default  latest  2025-01-02T03:04:05Z  _header.prompt\n"
        )
    );
}

#[test]
fn check_reports_the_names_the_convention_cannot_read() {
    // A name that is not UTF-8 is skipped with a warning, as under promptic's names.
    let t = workspace(&[(b"caf\xe9.v1.prompt", "x\n")]);
    let r = promptls(t.path(), &["check"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "prompts/a.b.c.prompt:1:1: warning[malformed-version]: `a.b.c.prompt` is read as unversioned: its name almost has a version but `a.b.c` has an empty or a second segment, so it is not Dotprompt's `name.variant`: the whole `a.b.c` is the prompt's name\n\
             prompts/y.v2-beta.prompt:1:1: warning[malformed-version]: `y.v2-beta.prompt` is read as unversioned: its name almost has a version but `v2-beta` has a prerelease, which Dotprompt versions (`name.v2.prompt`) do not have\n\
             prompts/z.v99999999999999999999999.prompt:1:1: warning[malformed-version]: `z.v99999999999999999999999.prompt` is left out of resolution: its version number `99999999999999999999999` is too large (the largest is 18446744073709551615)\n\
             \n0 error(s), 3 warning(s), 0 other(s).\n",
            "warning: prompts/caf\u{FFFD}.v1.prompt: skipped: name is not UTF-8\n"
        )
    );
    // Without the key the same names are promptic's, whose versions take a `_`.
    std::fs::write(t.path().join("promptic.toml"), "[versioning]\n").unwrap();
    let r = promptls(t.path(), &["check", "prompts"]);
    let almost = "is read as unversioned: its name almost has a version but uses the delimiter \".\" where this folder accepts \"_\"; rename to";
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            format!(
                "prompts/greeting.formal.v2.1.prompt:1:1: warning[malformed-version]: `greeting.formal.v2.1.prompt` {almost} `greeting.formal_v2.1.prompt`\n\
                 prompts/greeting.v1.prompt:1:1: warning[malformed-version]: `greeting.v1.prompt` {almost} `greeting_v1.prompt`\n\
                 prompts/greeting.v2.prompt:1:1: warning[malformed-version]: `greeting.v2.prompt` {almost} `greeting_v2.prompt`\n\
                 prompts/z.v99999999999999999999999.prompt:1:1: warning[malformed-version]: `z.v99999999999999999999999.prompt` {almost} `z_v99999999999999999999999.prompt`\n\
                 \n0 error(s), 4 warning(s), 0 other(s).\n"
            )
            .as_str()
        )
    );
}

#[test]
fn version_creation_refuses_dotprompt_names_and_writes_nothing() {
    let t = workspace(&[]);
    let before = support::cli::tree(t.path());
    let refusal = "error: `greeting.v2.prompt` is a Dotprompt name (`convention = \"dotprompt\"`), which promptls reads but does not create versions or variants of; name the new file yourself, e.g. `name.v2.prompt` or `name.variant.prompt`\n";
    for args in [
        &[
            "new-version",
            "prompts/greeting.v2.prompt",
            "--bump",
            "major",
        ][..],
        &["new-version", "prompts/greeting.v2.prompt"][..],
        &["revert", "prompts/greeting.v2.prompt", "--to", "v1"][..],
    ] {
        let r = promptls(t.path(), args);
        // Without `--bump` the recommendation is printed first, then the refusal.
        let shown = r
            .stderr
            .strip_prefix("recommended: patch (same variables: wording only)\n")
            .filter(|_| args.len() == 2)
            .unwrap_or(&r.stderr);
        assert_eq!(
            (r.code, r.stdout.as_str(), shown),
            (1, "", refusal),
            "{args:?}"
        );
    }
    assert_eq!(support::cli::tree(t.path()), before);
    // A promptic-style file in the same folder still gets new versions.
    let r = promptls(
        t.path(),
        &[
            "new-version",
            "prompts/notes_v1.md",
            "--bump",
            "minor",
            "--dry-run",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("notes_v1.1.md"), "{}", r.stdout);
}

fn labels(resp: &Value) -> Vec<String> {
    let items = resp["result"]["items"]
        .as_array()
        .or_else(|| resp["result"].as_array())
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_server_hovers_and_completes_a_dotprompt_workspace() {
    let py = "from promptic import load_prompt\n\
              x = load_prompt(\"prompts/greeting\", version=\"\")\n\
              y = load_prompt(\"prompts/greeting\", classifier={\"variant\": \"\"})\n";
    let t = workspace(&[]);
    std::fs::write(t.path().join("app.py"), py).unwrap();
    let root = t.path().canonicalize().unwrap();
    let mut c = Client::start(&root, false, false);
    c.wait_indexed();
    // Hover on a prompt file: its prompt's versions, the variant as a classifier.
    let file = root.join("prompts/greeting.formal.v2.1.prompt");
    c.open(&file);
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&file)}, "position": {"line": 0, "character": 0}}),
    );
    let md = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(md.starts_with("### `prompts/greeting`\n"), "{h}");
    assert!(
        md.contains("This file is **v2.1.0** (variant=formal)."),
        "{md}"
    );
    assert!(md.contains("| **v2.0.0** | variant=default |"), "{md}");
    // A Markdown link to a Dotprompt file is hovered like any prompt reference.
    let notes = root.join("prompts/notes_v1.md");
    c.open(&notes);
    let text = std::fs::read_to_string(&notes).unwrap();
    let (line, character) = after(&text, "(greeting.v");
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&notes)}, "position": {"line": line, "character": character}}),
    );
    let md = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(md.contains("greeting.v2.prompt"), "{h}");
    // Completion in a promptic call: the prompts of the folder, then their versions.
    let app = root.join("app.py");
    c.open(&app);
    let (line, character) = after(py, "load_prompt(\"prompts/");
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&app)}, "position": {"line": line, "character": character}}),
    );
    assert_eq!(
        labels(&r),
        [
            "_header",
            "a.b.c",
            "greeting",
            "notes",
            "y",
            "z",
            "greeting.formal.v2.1.prompt",
            "greeting.v1.prompt",
            "greeting.v2.prompt",
            "notes_v1.md"
        ],
        "{r}"
    );
    let (line, character) = after(py, "version=\"");
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&app)}, "position": {"line": line, "character": character}}),
    );
    assert_eq!(
        labels(&r),
        ["latest", "latest-prerelease", "v2.1.0", "v2.0.0", "v1.0.0"],
        "{r}"
    );
    assert_eq!(r["result"]["items"][2]["detail"], "latest · variant=formal");
    // The variants found in the names are the values of the `variant` classifier.
    let (line, character) = after(py, "{\"variant\": \"");
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&app)}, "position": {"line": line, "character": character}}),
    );
    assert_eq!(labels(&r), ["default", "formal"], "{r}");
    c.shutdown();
}
