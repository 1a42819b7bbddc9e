//! The shared conformance cases (`tests/data/versioning.json`, copied from the spec's
//! conformance suite) run through the engine AND through `promptls resolve --json`,
//! plus promptls's own cases for each V rule.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use assert_cmd::Command;
use promptls::config::{ConfigFileKind, ConfigSource, load_config_file};
use promptls::index::Index;
use promptls::versioning::{RequestOptions, VersionSpec};
use serde_json::Value;

#[derive(Debug)]
enum Outcome {
    File(String),
    Error(String),
}

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/versioning.json"),
    )
    .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut cases = v["cases"].as_array().unwrap().clone();
    cases.extend(own_cases());
    cases
}

/// Cases beyond the shared suite, one or more per V rule.
fn own_cases() -> Vec<Value> {
    serde_json::from_value(serde_json::json!([
        {"id": "P-V1-ext", "files": ["task_v1.md", "task_v2.rs"], "config": null, "target": ".", "version": "latest", "classifier": null, "expect": {"file": "task_v1.md"}},
        {"id": "P-V2-dot", "files": ["task.v1.md", "task.v1.2.md"], "config": {"delimiter": "."}, "target": "task", "version": "latest", "classifier": null, "expect": {"file": "task.v1.2.md"}},
        {"id": "P-V2-rev-spelling", "files": ["notes_rev1.md", "notes_rev2.md"], "config": {"version_pattern": "_rev(?P<major>\\d+)"}, "target": "notes", "version": "rev1", "classifier": null, "expect": {"file": "notes_rev1.md"}},
        {"id": "P-V2-python-only", "files": ["task_v1.md"], "config": {"version_pattern": "_v(?P<major>\\d+)\\Z"}, "target": ".", "version": "latest", "classifier": null, "expect": {"error": "InvalidVersionPatternError"}},
        {"id": "P-V3-hint-classifier", "files": ["task_en_v1.md", "task_ru_v1.md", "task_ru_v2.md"], "config": {"classifiers": {"lang": {"values": ["en", "ru"], "default": "en"}}}, "target": "task_ru.md", "version": "latest", "classifier": null, "expect": {"file": "task_ru_v2.md"}},
        {"id": "P-V4-duplicate-latest", "files": ["task_v2.md", "task_v2.0.0.md", "task_v1.md"], "config": null, "target": "task", "version": "latest", "classifier": null, "expect": {"error": "DuplicateVersionError"}},
        {"id": "P-V5-pinned-missing", "files": ["task_v1.md"], "config": null, "target": "task_v3.md", "version": "latest", "classifier": null, "expect": {"error": "VersionNotFoundError"}},
        {"id": "P-V5-ext-hint", "files": ["task_v1.md", "task_v2.yaml"], "config": null, "target": "task.md", "version": "latest", "classifier": null, "expect": {"file": "task_v1.md"}},
        {"id": "P-V6-undeclared-no-classifiers", "files": ["task_v1.md"], "config": null, "target": ".", "version": "latest", "classifier": {"lang": "en"}, "expect": {"error": "ClassifierNotFoundError"}},
        {"id": "P-V7-bad-delimiter", "files": ["task_v1.md"], "config": {"delimiter": "+"}, "target": ".", "version": "latest", "classifier": null, "expect": {"error": "InvalidConfigError"}},
        {"id": "P-V7-bad-default", "files": ["task_v1.md"], "config": {"classifiers": {"lang": {"values": ["en"], "default": "ru"}}}, "target": ".", "version": "latest", "classifier": null, "expect": {"error": "InvalidConfigError"}},
        {"id": "P-V8-no-prompt", "files": [], "config": null, "target": "task", "version": "latest", "classifier": null, "expect": {"error": "PromptNotFoundError"}},
        {"id": "P-V5-empty-dir-explicit", "files": [], "config": null, "target": ".", "version": "v1", "classifier": null, "expect": {"error": "VersionNotFoundError"}},
        {"id": "P-V5-dir-only-other-files", "files": ["notes.rs"], "config": null, "target": ".", "version": "latest", "classifier": null, "expect": {"error": "VersionNotFoundError"}},
        {"id": "P-V6-default-missing-dir-pinned-spec", "files": ["x_de_v3.md", "x_ru_v3.md"], "config": {"classifiers": {"lang": {"values": ["en", "ru", "de"], "default": "en"}}}, "target": ".", "version": "v3", "classifier": null, "expect": {"error": "ClassifierNotFoundError"}},
        {"id": "P-V6-default-missing-hint", "files": ["x_de_v3.md", "x_ru_v3.md"], "config": {"classifiers": {"lang": {"values": ["en", "ru", "de"], "default": "en"}}}, "target": "x", "version": "latest", "classifier": null, "expect": {"error": "ClassifierNotFoundError"}},
        {"id": "P-V6-default-missing-explicit-equal", "files": ["x_de_v3.md", "x_ru_v3.md"], "config": {"classifiers": {"lang": {"values": ["en", "ru", "de"], "default": "en"}}}, "target": "x", "version": "latest", "classifier": {"lang": "en"}, "expect": {"error": "ClassifierNotFoundError"}},
        {"id": "P-V6-two-classifiers-default-missing", "files": ["x_formal_v1.md", "x_ru_formal_v2.md"], "config": {"classifiers": {"lang": {"values": ["en", "ru"], "default": "en"}, "tone": {"values": ["casual", "formal"], "default": "casual"}}}, "target": "x", "version": "latest", "classifier": {"lang": "ru"}, "expect": {"error": "ClassifierNotFoundError"}},
        {"id": "P-V6-two-classifiers-both-given", "files": ["x_formal_v1.md", "x_ru_formal_v2.md"], "config": {"classifiers": {"lang": {"values": ["en", "ru"], "default": "en"}, "tone": {"values": ["casual", "formal"], "default": "casual"}}}, "target": "x", "version": "latest", "classifier": {"lang": "ru", "tone": "formal"}, "expect": {"file": "x_ru_formal_v2.md"}},
        {"id": "P-V1-number-too-large-unpinned", "files": ["c_v999999999999999999999.0.0.md", "c.md"], "config": null, "target": "c", "version": "latest", "classifier": null, "expect": {"file": "c.md"}},
        {"id": "P-V1-number-too-large-alone", "files": ["c_v999999999999999999999.0.0.md"], "config": null, "target": "c", "version": "latest", "classifier": null, "expect": {"error": "VersionNotFoundError"}},
        {"id": "P-V1-number-too-large-pinned", "files": ["c_v999999999999999999999.0.0.md", "c_v1.md"], "config": null, "target": "c_v999999999999999999999.0.0.md", "version": "latest", "classifier": null, "expect": {"error": "VersionNotFoundError"}},
        {"id": "P-V1-number-too-large-beside-versions", "files": ["c_v1.0.18446744073709551616.md", "c_v1.0.3.md"], "config": null, "target": ".", "version": "latest", "classifier": null, "expect": {"file": "c_v1.0.3.md"}},
        {"id": "P-V5-spec-too-large", "files": ["c_v1.md"], "config": null, "target": "c", "version": "v99999999999999999999999", "classifier": null, "expect": {"error": "VersionNotFoundError"}},
        {"id": "P-V5-spec-max", "files": ["c_v18446744073709551615.md", "c_v1.md"], "config": null, "target": "c", "version": "v18446744073709551615", "classifier": null, "expect": {"file": "c_v18446744073709551615.md"}}
    ]))
    .unwrap()
}

fn setup(case: &Value) -> (tempfile::TempDir, Option<std::path::PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    // A `.git` marks the repository root so config discovery stops here.
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir(&ws).unwrap();
    for f in case["files"].as_array().unwrap() {
        std::fs::write(ws.join(f.as_str().unwrap()), "").unwrap();
    }
    let config = (!case["config"].is_null()).then(|| {
        let p = dir.path().join("config.json");
        std::fs::write(&p, case["config"].to_string()).unwrap();
        p
    });
    (dir, config)
}

fn expected(case: &Value) -> Outcome {
    match (case["expect"].get("file"), case["expect"].get("error")) {
        (Some(f), _) => Outcome::File(f.as_str().unwrap().to_string()),
        (_, Some(e)) => Outcome::Error(e.as_str().unwrap().to_string()),
        _ => panic!("bad case"),
    }
}

fn classifier_map(case: &Value) -> BTreeMap<String, String> {
    case["classifier"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn via_engine(case: &Value) -> Outcome {
    let (dir, config) = setup(case);
    let ws = dir.path().join("ws");
    let mut source = ConfigSource::new();
    if let Some(p) = &config {
        let file = load_config_file(
            p,
            ConfigFileKind::Json,
            &std::fs::read_to_string(p).unwrap(),
        );
        if let Some(e) = file.errors.first() {
            return Outcome::Error(e.error_name().to_string());
        }
        source.explicit = Some(Arc::new(file));
    }
    let index = Index::scan(vec![ws.clone()], Arc::new(source));
    let target = case["target"].as_str().unwrap();
    let map = classifier_map(case);
    let opts = RequestOptions {
        classifier: (!map.is_empty()).then_some(&map),
        include_prerelease: None,
    };
    match index.resolve(
        &ws.join(target),
        target,
        &VersionSpec::parse(case["version"].as_str().unwrap()),
        &opts,
    ) {
        Ok(r) => Outcome::File(r.prompt_file().name.to_string()),
        Err(e) => Outcome::Error(e.kind.name().to_string()),
    }
}

fn via_cli(case: &Value) -> Outcome {
    let (dir, config) = setup(case);
    let ws = dir.path().join("ws");
    let mut cmd = Command::cargo_bin("promptls").unwrap();
    cmd.current_dir(&ws)
        .arg("resolve")
        .arg(case["target"].as_str().unwrap())
        .arg("--json");
    cmd.arg("--version").arg(case["version"].as_str().unwrap());
    if let Some(p) = &config {
        cmd.arg("--config").arg(p);
    }
    for (k, v) in classifier_map(case) {
        cmd.arg("--classifier").arg(format!("{k}={v}"));
    }
    let out = cmd.output().unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: not JSON ({e}): {}",
            case["id"],
            String::from_utf8_lossy(&out.stdout)
        )
    });
    if let Some(err) = json.get("error") {
        assert_eq!(out.status.code(), Some(1), "{}: errors exit 1", case["id"]);
        assert!(
            json["message"].is_string() && json["available"].is_array(),
            "{}: I-5 error shape",
            case["id"]
        );
        Outcome::Error(err.as_str().unwrap().to_string())
    } else {
        assert_eq!(out.status.code(), Some(0));
        assert!(
            json.get("version").is_some()
                && json.get("prerelease").is_some()
                && json["classifiers"].is_object(),
            "I-5 success shape"
        );
        let path = json["path"].as_str().unwrap();
        Outcome::File(
            Path::new(path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string(),
        )
    }
}

fn check(outcome: Outcome, case: &Value, via: &str) -> Option<String> {
    let ok = match (&outcome, expected(case)) {
        (Outcome::File(a), Outcome::File(b)) => *a == b,
        (Outcome::Error(a), Outcome::Error(b)) => *a == b,
        _ => false,
    };
    (!ok).then(|| {
        format!(
            "{} via {via}: got {outcome:?}, expected {:?}",
            case["id"], case["expect"]
        )
    })
}

#[test]
fn conformance_through_the_engine() {
    assert!(
        cases().len() >= 70,
        "the shared suite and the own cases are all loaded"
    );
    let failures: Vec<String> = cases()
        .iter()
        .filter_map(|c| check(via_engine(c), c, "engine"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn conformance_through_resolve_json() {
    let failures: Vec<String> = cases()
        .iter()
        .filter_map(|c| check(via_cli(c), c, "cli"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
