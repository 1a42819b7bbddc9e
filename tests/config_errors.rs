//! Config validation (V-7, V-8): each error's kind, message and location in
//! `promptic.toml`, `pyproject.toml`, promptic JSON and `PROMPTIC_*` variables; and config
//! discovery (nearest files per subtree, precedence, last valid layer kept).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use promptls::config::{
    ConfigError, ConfigErrorKind, ConfigFileKind, ConfigLayer, ConfigSource, Settings, env_layer,
    load_config_file,
};

const INVALID: ConfigErrorKind = ConfigErrorKind::InvalidConfig;
const PATTERN: ConfigErrorKind = ConfigErrorKind::InvalidVersionPattern;

fn load(kind: ConfigFileKind, text: &str) -> Vec<ConfigError> {
    let name = match kind {
        ConfigFileKind::Pyproject => "/ws/pyproject.toml",
        ConfigFileKind::Json => "/ws/config.json",
        ConfigFileKind::Promptic => "/ws/promptic.toml",
    };
    load_config_file(Path::new(name), kind, text).errors
}

/// 1-based (line, column in characters) of the `nth` occurrence of `needle` in `text`.
fn pos(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} #{nth} in text"))
        .0;
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

/// Checks that `text` (a promptic.toml) has exactly one error, of `kind`, whose message
/// contains `phrase` and which starts at the `nth` occurrence of `at`.
#[track_caller]
fn expect_one(text: &str, kind: ConfigErrorKind, phrase: &str, at: &str, nth: usize) {
    expect_one_in(ConfigFileKind::Promptic, text, kind, phrase, at, nth);
}

#[track_caller]
fn expect_one_in(
    file: ConfigFileKind,
    text: &str,
    kind: ConfigErrorKind,
    phrase: &str,
    at: &str,
    nth: usize,
) {
    let errors = load(file, text);
    assert_eq!(errors.len(), 1, "one error for\n{text}\ngot {errors:#?}");
    let e = &errors[0];
    assert_eq!(e.kind, kind, "{e:?}");
    assert!(
        e.message.contains(phrase),
        "message {:?} should contain {phrase:?}",
        e.message
    );
    assert_eq!(
        e.line_col,
        Some(pos(text, at, nth)),
        "location of {:?} for\n{text}",
        e.message
    );
    assert!(e.path.is_some(), "a file error names its file");
    let shown = e.to_string();
    let (l, c) = e.line_col.unwrap();
    assert!(
        shown.contains(&format!(":{l}:{c}: {}: ", e.error_name())),
        "display {shown:?}"
    );
}

// ----- delimiters -------------------------------------------------------------------------

#[test]
fn bad_delimiter() {
    expect_one(
        "[versioning]\ndelimiter = \"+\"\n",
        INVALID,
        "`delimiter` must be one of \"_\", \".\", \"-\" (got \"+\")",
        "\"+\"",
        0,
    );
    expect_one(
        "[versioning]\ndelimiter = \"__\"\n",
        INVALID,
        "(got \"__\")",
        "\"__\"",
        0,
    );
    expect_one(
        "[versioning]\n  delimiter   =   7\n",
        INVALID,
        "`delimiter` must be a string, not a number",
        "7",
        0,
    );
}

#[test]
fn delimiters_not_a_list_empty_or_bad_item() {
    expect_one(
        "[versioning]\ndelimiters = \"_\"\n",
        INVALID,
        "`delimiters` must be a list of strings, not a string",
        "\"_\"",
        0,
    );
    expect_one(
        "[versioning]\ndelimiters = []\n",
        INVALID,
        "`delimiters` must not be empty",
        "[]",
        0,
    );
    expect_one(
        "[versioning]\ndelimiters = [\"_\", \"+\"]\n",
        INVALID,
        "(got \"+\")",
        "\"+\"",
        0,
    );
    expect_one(
        "[versioning]\ndelimiters = [\n  \"_\",\n  3,\n]\n",
        INVALID,
        "must be a string, not a number",
        "3",
        0,
    );
}

// ----- version_pattern ----------------------------------------------------------------------

#[test]
fn version_pattern_without_major() {
    let text = "[versioning]\nversion_pattern = '_rev(?P<minor>\\d+)'\n";
    expect_one(text, PATTERN, "no named group `major`", "'_rev", 0);
    let e = &load(ConfigFileKind::Promptic, text)[0];
    assert!(
        e.message.contains("_rev(?P<minor>\\\\d+)"),
        "names the pattern: {}",
        e.message
    );
    assert_eq!(e.error_name(), "InvalidVersionPatternError");
}

#[test]
fn version_pattern_with_unnamed_group() {
    expect_one(
        "[versioning]\nversion_pattern = '_rev(\\d+)(?P<major>\\d)'\n",
        PATTERN,
        "unnamed capturing group",
        "'_rev",
        0,
    );
    // Non-capturing groups are fine.
    assert!(
        load(
            ConfigFileKind::Promptic,
            "[versioning]\nversion_pattern = '(?:_|-)rev(?P<major>\\d+)'\n"
        )
        .is_empty()
    );
}

#[test]
fn version_pattern_that_does_not_compile() {
    expect_one(
        "[versioning]\nversion_pattern = \"_rev(?P<major>\\\\d+\"\n",
        PATTERN,
        "`version_pattern` \"_rev(?P<major>\\\\d+\"",
        "\"_rev",
        0,
    );
    expect_one(
        "[versioning]\nversion_pattern = \"_v(?P<major>[0-9)\"\n",
        PATTERN,
        "version_pattern",
        "\"_v",
        0,
    );
}

#[test]
fn version_pattern_python_only_syntax_is_named() {
    expect_one(
        "[versioning]\nversion_pattern = '_v(?P<major>\\d+)\\Z'\n",
        PATTERN,
        "`\\Z` is Python's end of text",
        "'_v",
        0,
    );
    expect_one(
        "[versioning]\nversion_pattern = '_v(?P<major>\\d+)(?#build)'\n",
        PATTERN,
        "comments",
        "'_v",
        0,
    );
    // Look-around is valid in Python, so it is accepted (fancy-regex).
    assert!(
        load(
            ConfigFileKind::Promptic,
            "[versioning]\nversion_pattern = '(?<=_)v(?P<major>\\d+)'\n"
        )
        .is_empty()
    );
}

// ----- include_prerelease, prerelease_order ---------------------------------------------------

#[test]
fn include_prerelease_not_a_bool() {
    expect_one(
        "[versioning]\ninclude_prerelease = \"yes\"\n",
        INVALID,
        "`include_prerelease` must be true or false, not a string",
        "\"yes\"",
        0,
    );
    expect_one(
        "[versioning]\ninclude_prerelease = 1\n",
        INVALID,
        "not a number",
        "1",
        0,
    );
}

#[test]
fn prerelease_order_duplicates_and_bad_labels() {
    expect_one(
        "[versioning]\nprerelease_order = [\"alpha\", \"beta\", \"ALPHA\"]\n",
        INVALID,
        "prerelease label \"ALPHA\" is listed twice",
        "\"ALPHA\"",
        0,
    );
    expect_one(
        "[versioning]\nprerelease_order = [\"alpha\", \"rc-1\"]\n",
        INVALID,
        "prerelease label \"rc-1\" must be letters and digits",
        "\"rc-1\"",
        0,
    );
    expect_one(
        "[versioning]\nprerelease_order = [\"alpha\", \"\"]\n",
        INVALID,
        "must be letters and digits",
        "\"\"",
        0,
    );
    expect_one(
        "[versioning]\nprerelease_order = \"alpha\"\n",
        INVALID,
        "must be a list of strings",
        "\"alpha\"",
        0,
    );
}

// ----- classifiers --------------------------------------------------------------------------

#[test]
fn classifier_without_values() {
    expect_one(
        "[versioning]\nclassifiers = { lang = { default = \"en\" } }\n",
        INVALID,
        "classifier `lang` needs `values`",
        "{ default",
        0,
    );
    // The same as a header table: the error is on the table's header.
    let text =
        "[versioning]\ndelimiter = \"_\"\n\n[versioning.classifiers.lang]\ndefault = \"en\"\n";
    let errors = load(ConfigFileKind::Promptic, text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("classifier `lang` needs `values`")
    );
    let line = errors[0].line_col.expect("located").0;
    assert!(
        line == 4 || line == 5,
        "on the classifier's table (line 4-5), got {line}"
    );
}

#[test]
fn classifier_with_empty_values() {
    expect_one(
        "[versioning.classifiers.lang]\nvalues = []\ndefault = \"en\"\n",
        INVALID,
        "classifier `lang` has no values",
        "[]",
        0,
    );
}

#[test]
fn classifier_default_not_in_values() {
    expect_one(
        "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"de\"\n",
        INVALID,
        "default \"de\" of classifier `lang` is not one of its values (en, ru)",
        "\"de\"",
        0,
    );
    // Case-insensitive: `EN` is `en`.
    assert!(
        load(
            ConfigFileKind::Promptic,
            "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"EN\"\n"
        )
        .is_empty()
    );
}

#[test]
fn classifier_value_in_two_classifiers() {
    let text = "[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\n\n[versioning.classifiers.tone]\nvalues = [\"formal\", \"EN\"]\n";
    expect_one(
        text,
        INVALID,
        "value \"EN\" belongs to both `lang` and `tone`",
        "\"EN\"",
        0,
    );
}

#[test]
fn classifier_value_with_a_delimiter() {
    expect_one(
        "[versioning.classifiers.lang]\nvalues = [\"en\", \"pt_br\"]\n",
        INVALID,
        "\"pt_br\" of `lang` must not be empty or contain a delimiter",
        "\"pt_br\"",
        0,
    );
}

#[test]
fn classifier_unknown_key() {
    expect_one(
        "[versioning.classifiers.lang]\nvalues = [\"en\"]\ndefault = \"en\"\ndefualt = \"en\"\n",
        INVALID,
        "unknown key `defualt` in classifier `lang`",
        "defualt",
        0,
    );
}

#[test]
fn classifier_name_must_agree() {
    expect_one(
        "[versioning.classifiers.lang]\nname = \"language\"\nvalues = [\"en\"]\n",
        INVALID,
        "`name = \"language\"`",
        "\"language\"",
        0,
    );
}

#[test]
fn classifiers_not_a_table() {
    expect_one(
        "[versioning]\nclassifiers = [\"en\"]\n",
        INVALID,
        "`classifiers` must be a table of classifiers, not a list",
        "[\"en\"]",
        0,
    );
}

// ----- keys, syntax, several errors ---------------------------------------------------------------

#[test]
fn unknown_versioning_key_is_located_on_the_key() {
    expect_one(
        "[versioning]\ndelimiter = \"_\"\ndelimeter = \"-\"\n",
        INVALID,
        "unknown key `delimeter`; known keys: delimiter, delimiters",
        "delimeter",
        0,
    );
}

#[test]
fn unknown_top_level_table_in_promptic_toml() {
    // A typo in the section name would silently leave the whole file without effect.
    expect_one(
        "[versionning]\ndelimiter = \"-\"\n",
        INVALID,
        "unknown",
        "versionning",
        0,
    );
    expect_one(
        "[versioning]\ndelimiter = \"-\"\n\n[diagnostic]\nsemver-bump = \"off\"\n",
        INVALID,
        "`diagnostic`",
        "diagnostic]",
        0,
    );
}

#[test]
fn unknown_diagnostic_code_and_bad_severity() {
    expect_one(
        "[diagnostics]\nsemver-bumps = \"off\"\n",
        INVALID,
        "unknown diagnostic code `semver-bumps`",
        "semver-bumps",
        0,
    );
    expect_one(
        "[diagnostics]\nsemver-bump = \"loud\"\n",
        INVALID,
        "severity \"loud\"",
        "\"loud\"",
        0,
    );
}

#[test]
fn toml_syntax_error_is_located() {
    let text = "[versioning]\ndelimiter = \"_\"\ninclude_prerelease = tru\n";
    let errors = load(ConfigFileKind::Promptic, text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].kind, INVALID);
    assert!(
        errors[0].message.starts_with("invalid TOML"),
        "{}",
        errors[0].message
    );
    assert_eq!(
        errors[0].line_col.map(|l| l.0),
        Some(3),
        "on the broken line: {:?}",
        errors[0]
    );
    let file = load_config_file(
        Path::new("/ws/promptic.toml"),
        ConfigFileKind::Promptic,
        text,
    );
    assert!(
        file.layer.is_none(),
        "a file that does not parse sets nothing"
    );
}

#[test]
fn every_error_of_a_file_is_reported_and_valid_keys_still_apply() {
    let text = "[versioning]\ndelimiter = \"+\"\ninclude_prerelease = true\nprerelease_order = [\"a\", \"a\"]\nbogus = 1\n";
    let file = load_config_file(
        Path::new("/ws/promptic.toml"),
        ConfigFileKind::Promptic,
        text,
    );
    let lines: Vec<usize> = file.errors.iter().map(|e| e.line_col.unwrap().0).collect();
    assert_eq!(lines, vec![2, 4, 5], "{:#?}", file.errors);
    let layer = file.layer.unwrap();
    assert_eq!(layer.include_prerelease, Some(true));
    assert_eq!(layer.delimiter, None);
    assert_eq!(layer.prerelease_order, None);
}

#[test]
fn utf8_before_the_error_counts_characters() {
    let text = "# Конфигурация промптов\n[versioning]\nprerelease_order = [\"альфа\"]\n";
    expect_one(text, INVALID, "must be letters and digits", "\"альфа\"", 0);
    assert_eq!(pos(text, "\"альфа\"", 0), (3, 21));
}

// ----- pyproject ------------------------------------------------------------------------------

#[test]
fn pyproject_errors_are_located_in_the_pyproject() {
    let text =
        "[project]\nname = \"x\"\n\n[tool.promptic.versioning]\ninclude_prerelease = \"no\"\n";
    expect_one_in(
        ConfigFileKind::Pyproject,
        text,
        INVALID,
        "`include_prerelease` must be true or false",
        "\"no\"",
        0,
    );
    let e = &load(ConfigFileKind::Pyproject, text)[0];
    assert_eq!(e.path.as_deref(), Some(Path::new("/ws/pyproject.toml")));
    let text = "[tool.promptic.versioning]\nversion_pattern = \"_v(\\\\d+)\"\n";
    expect_one_in(
        ConfigFileKind::Pyproject,
        text,
        PATTERN,
        "unnamed",
        "\"_v",
        0,
    );
}

#[test]
fn pyproject_without_a_promptic_section_sets_nothing() {
    let file = load_config_file(
        Path::new("/ws/pyproject.toml"),
        ConfigFileKind::Pyproject,
        "[project]\nname = \"x\"\n[tool.ruff]\nline-length = 100\n",
    );
    assert!(file.errors.is_empty());
    assert!(file.layer.is_none());
    // `[versioning]` at the top of a pyproject is not promptic's.
    let file = load_config_file(
        Path::new("/ws/pyproject.toml"),
        ConfigFileKind::Pyproject,
        "[versioning]\ndelimiter = \"+\"\n",
    );
    assert!(file.errors.is_empty() && file.layer.is_none());
}

// ----- JSON -------------------------------------------------------------------------------------

#[test]
fn promptic_model_dump_json_is_valid() {
    let text = r#"{"delimiter":"_","delimiters":null,"version_pattern":null,"include_prerelease":false,"prerelease_order":["alpha","beta","rc"],"classifiers":{"lang":{"name":"lang","values":["en","ru"],"default":"en"}}}"#;
    let file = load_config_file(Path::new("/ws/config.json"), ConfigFileKind::Json, text);
    assert!(file.errors.is_empty(), "{:#?}", file.errors);
    let settings = Settings::from_layers(file.layer.iter());
    let c = &settings.versioning;
    assert_eq!(c.delimiters, vec!['_']);
    assert_eq!(c.version_pattern, None);
    assert!(!c.include_prerelease);
    assert_eq!(c.prerelease_order, vec!["alpha", "beta", "rc"]);
    assert_eq!(c.classifiers["lang"].values, vec!["en", "ru"]);
    assert_eq!(c.classifiers["lang"].default, "en");
}

#[test]
fn json_nulls_leave_keys_to_earlier_layers_except_version_pattern() {
    let below = load_config_file(
        Path::new("/ws/promptic.toml"),
        ConfigFileKind::Promptic,
        "[versioning]\ndelimiters = [\"-\", \".\"]\nversion_pattern = \"_r(?P<major>\\\\d+)\"\n",
    );
    assert!(below.errors.is_empty(), "{:#?}", below.errors);
    let json = load_config_file(
        Path::new("/ws/c.json"),
        ConfigFileKind::Json,
        r#"{"delimiters": null, "version_pattern": null}"#,
    );
    let s = Settings::from_layers(below.layer.iter().chain(json.layer.iter()));
    assert_eq!(s.versioning.delimiters, vec!['-', '.']);
    assert_eq!(
        s.versioning.version_pattern, None,
        "an explicit null pattern is promptic's default"
    );
}

#[test]
fn json_errors() {
    expect_json(r#"{"delimiter": "+"}"#, INVALID, "(got \"+\")");
    expect_json(r#"{"version_pattern": "_v(\\d+)"}"#, PATTERN, "unnamed");
    expect_json(
        r#"{"classifiers": {"lang": {"name": "lang", "values": ["en"], "default": "ru"}}}"#,
        INVALID,
        "default \"ru\"",
    );
    expect_json(
        r#"{"include_prerelease": "false"}"#,
        INVALID,
        "must be true or false",
    );
    expect_json(r#"{"delimiter": "_",}"#, INVALID, "invalid JSON at line 1");
    expect_json(r#"["_"]"#, INVALID, "must be a table");
}

#[track_caller]
fn expect_json(text: &str, kind: ConfigErrorKind, phrase: &str) {
    let errors = load(ConfigFileKind::Json, text);
    assert_eq!(errors.len(), 1, "{text}: {errors:#?}");
    assert_eq!(errors[0].kind, kind);
    assert!(
        errors[0].message.contains(phrase),
        "{:?} should contain {phrase:?}",
        errors[0].message
    );
    assert!(
        errors[0].to_string().starts_with("/ws/config.json: "),
        "{}",
        errors[0]
    );
}

// ----- environment ------------------------------------------------------------------------------

fn env(pairs: &[(&str, &str)]) -> (ConfigLayer, Vec<ConfigError>) {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env_layer(|k| map.get(k).cloned())
}

#[test]
fn env_layer_reads_promptic_variables() {
    let (layer, errors) = env(&[
        ("PROMPTIC_DELIMITERS", r#"["_", "-"]"#),
        ("PROMPTIC_INCLUDE_PRERELEASE", "true"),
        ("PROMPTIC_PRERELEASE_ORDER", r#"["dev", "rc"]"#),
        (
            "PROMPTIC_CLASSIFIERS",
            r#"{"lang": {"values": ["en", "ru"], "default": "ru"}}"#,
        ),
        ("PROMPTIC_VERSION_PATTERN", "_rev(?P<major>\\d+)"),
        ("OTHER", "x"),
    ]);
    assert!(errors.is_empty(), "{errors:#?}");
    let c = Settings::from_layers([&layer]).versioning;
    assert_eq!(c.delimiters, vec!['_', '-']);
    assert!(c.include_prerelease);
    assert_eq!(c.prerelease_order, vec!["dev", "rc"]);
    assert_eq!(c.classifiers["lang"].default, "ru");
    assert_eq!(c.version_pattern.as_deref(), Some("_rev(?P<major>\\d+)"));
    for (text, want) in [
        ("1", true),
        ("FALSE", false),
        ("0", false),
        (" True ", true),
    ] {
        let (layer, errors) = env(&[("PROMPTIC_INCLUDE_PRERELEASE", text)]);
        assert!(errors.is_empty());
        assert_eq!(layer.include_prerelease, Some(want), "{text:?}");
    }
    let (layer, errors) = env(&[("PROMPTIC_DELIMITER", "-")]);
    assert!(errors.is_empty());
    assert_eq!(layer.delimiter, Some('-'));
    let (layer, errors) = env(&[]);
    assert!(errors.is_empty());
    assert_eq!(layer, ConfigLayer::default(), "no variables, no keys");
}

#[test]
fn env_layer_errors() {
    let (layer, errors) = env(&[
        ("PROMPTIC_DELIMITERS", "[_, -]"),
        ("PROMPTIC_INCLUDE_PRERELEASE", "true"),
    ]);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("PROMPTIC_DELIMITERS is not valid JSON"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].kind, INVALID);
    assert_eq!(errors[0].line_col, None);
    assert_eq!(
        layer.include_prerelease,
        Some(true),
        "the valid variable still applies"
    );
    assert_eq!(layer.delimiters, None);

    let (_, errors) = env(&[("PROMPTIC_INCLUDE_PRERELEASE", "maybe")]);
    assert!(
        errors.len() == 1
            && errors[0]
                .message
                .contains("PROMPTIC_INCLUDE_PRERELEASE must be true or false (got \"maybe\")"),
        "{errors:#?}"
    );

    let (_, errors) = env(&[("PROMPTIC_DELIMITERS", r#""_""#)]);
    assert!(
        errors.len() == 1 && errors[0].message.contains("must be a list of strings"),
        "{errors:#?}"
    );

    let (_, errors) = env(&[("PROMPTIC_PRERELEASE_ORDER", r#"["rc", "RC"]"#)]);
    assert!(
        errors.len() == 1 && errors[0].message.contains("listed twice"),
        "{errors:#?}"
    );

    let (_, errors) = env(&[("PROMPTIC_DELIMITER", "+")]);
    assert!(
        errors.len() == 1 && errors[0].message.contains("(got \"+\")"),
        "{errors:#?}"
    );

    let (_, errors) = env(&[("PROMPTIC_VERSION_PATTERN", "_v(?P<minor>\\d+)")]);
    assert!(
        errors.len() == 1 && errors[0].kind == PATTERN,
        "{errors:#?}"
    );
}

// ----- discovery ---------------------------------------------------------------------------------

struct Tree {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

/// A temp folder `outer/repo` with `.git` in `repo` (discovery stops there) and the given
/// files (relative to `repo`; `../x` writes above it).
fn tree(files: &[(&str, &str)]) -> Tree {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let root = root.canonicalize().unwrap();
    Tree { _tmp: tmp, root }
}

#[test]
fn nested_promptic_toml_overrides_per_key_for_its_subtree() {
    let t = tree(&[
        (
            "promptic.toml",
            "[versioning]\ndelimiter = \"-\"\ninclude_prerelease = true\n[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\"]\ndefault = \"en\"\n",
        ),
        ("prompts/promptic.toml", "[versioning]\ndelimiter = \"_\"\n"),
        ("prompts/deep/er/x.md", ""),
        ("other/x.md", ""),
    ]);
    let source = ConfigSource::new();
    for dir in ["prompts", "prompts/deep/er"] {
        let s = source.settings(&t.root.join(dir));
        assert_eq!(
            s.versioning.delimiters,
            vec!['_'],
            "{dir}: the nearest file's delimiter"
        );
        assert!(
            s.versioning.include_prerelease,
            "{dir}: inherited from the parent's file"
        );
        assert_eq!(
            s.versioning.classifiers["lang"].values,
            vec!["en", "ru"],
            "{dir}: inherited classifiers"
        );
    }
    for dir in ["", "other"] {
        let s = source.settings(&t.root.join(dir));
        assert_eq!(
            s.versioning.delimiters,
            vec!['-'],
            "{dir:?}: outside the subtree"
        );
        assert!(s.versioning.include_prerelease);
    }
    let chain: Vec<PathBuf> = source
        .chain(&t.root.join("prompts/deep"))
        .iter()
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(
        chain,
        vec![
            t.root.join("promptic.toml"),
            t.root.join("prompts/promptic.toml")
        ],
        "outermost first"
    );
}

#[test]
fn discovery_stops_at_the_repository_root() {
    let t = tree(&[
        ("../promptic.toml", "[versioning]\ndelimiter = \".\"\n"),
        ("a/x.md", ""),
    ]);
    let s = ConfigSource::new().settings(&t.root.join("a"));
    assert_eq!(
        s.versioning.delimiters,
        vec!['_'],
        "a promptic.toml above the .git folder does not apply"
    );
}

#[test]
fn pyproject_is_below_promptic_toml() {
    let t = tree(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.promptic.versioning]\ndelimiter = \".\"\ninclude_prerelease = true\nprerelease_order = [\"dev\", \"rc\"]\n",
        ),
        ("promptic.toml", "[versioning]\ndelimiter = \"-\"\n"),
        (
            "sub/pyproject.toml",
            "[tool.promptic.versioning]\ndelimiter = \".\"\nprerelease_order = [\"pre\"]\n",
        ),
        ("plain/pyproject.toml", "[project]\nname = \"y\"\n"),
    ]);
    let source = ConfigSource::new();
    let s = source.settings(&t.root);
    assert_eq!(
        s.versioning.delimiters,
        vec!['-'],
        "promptic.toml wins over pyproject.toml"
    );
    assert!(
        s.versioning.include_prerelease,
        "keys promptic.toml does not set come from pyproject.toml"
    );
    assert_eq!(s.versioning.prerelease_order, vec!["dev", "rc"]);
    // A nearer pyproject is still below the root's promptic.toml, and replaces the outer pyproject.
    let s = source.settings(&t.root.join("sub"));
    assert_eq!(s.versioning.delimiters, vec!['-']);
    assert_eq!(s.versioning.prerelease_order, vec!["pre"]);
    assert!(
        !s.versioning.include_prerelease,
        "only the nearest pyproject applies"
    );
    // A pyproject without a promptic section is skipped; the outer one applies.
    let s = source.settings(&t.root.join("plain"));
    assert_eq!(s.versioning.prerelease_order, vec!["dev", "rc"]);
}

#[test]
fn editor_layer_is_below_files_and_env_above() {
    let t = tree(&[
        ("promptic.toml", "[versioning]\ndelimiter = \"-\"\n"),
        ("a/b/x.md", ""),
    ]);
    let mut source = ConfigSource::new();
    source.editor = Some(ConfigLayer {
        delimiter: Some('.'),
        include_prerelease: Some(true),
        ..Default::default()
    });
    let s = source.settings(&t.root.join("a/b"));
    assert_eq!(s.versioning.delimiters, vec!['-']);
    assert!(s.versioning.include_prerelease);
    source.env = Some(env(&[("PROMPTIC_DELIMITER", "_")]).0);
    let mut source2 = ConfigSource::new();
    source2.editor = source.editor.clone();
    source2.env = source.env.clone();
    assert_eq!(
        source2.settings(&t.root.join("a/b")).versioning.delimiters,
        vec!['_'],
        "PROMPTIC_* over files"
    );
}

#[test]
fn broken_config_keeps_the_last_valid_layer() {
    let t = tree(&[("prompts/x.md", "")]);
    let path = t.root.join("promptic.toml");
    let source = ConfigSource::new();
    let set = |text: &str| source.set_file(load_config_file(&path, ConfigFileKind::Promptic, text));
    let delims = || {
        source
            .settings(&t.root.join("prompts"))
            .versioning
            .delimiters
            .clone()
    };

    set("[versioning]\ndelimiter = \"-\"\ninclude_prerelease = true\n");
    assert_eq!(delims(), vec!['-']);
    assert!(source.chain_errors(&t.root).is_empty());

    // Mid-edit: a syntax error.
    set("[versioning]\ndelimiter = \"\n");
    assert_eq!(delims(), vec!['-'], "the last valid layer is kept");
    let errors = source.chain_errors(&t.root);
    assert!(
        errors.len() == 1 && errors[0].message.contains("invalid TOML"),
        "the error is still reported: {errors:#?}"
    );

    // Still broken, differently: a bad value next to a valid-looking key.
    set("[versioning]\ndelimiter = \".\"\nprerelease_order = 3\n");
    assert_eq!(
        delims(),
        vec!['-'],
        "a second broken edit still keeps the last VALID layer"
    );
    assert!(source.settings(&t.root).versioning.include_prerelease);
    assert!(
        source.chain_errors(&t.root)[0]
            .message
            .contains("prerelease_order")
    );

    // Fixed.
    set("[versioning]\ndelimiter = \".\"\n");
    assert_eq!(delims(), vec!['.']);
    assert!(!source.settings(&t.root).versioning.include_prerelease);
    assert!(source.chain_errors(&t.root).is_empty());

    // Deleted, then created broken: there is no earlier valid version to keep.
    source.remove_file(&path);
    assert_eq!(delims(), vec!['_']);
    set("[versioning]\ndelimiter = \".\"\nbogus = 1\n");
    assert_eq!(delims(), vec!['.'], "its valid keys apply");
}

#[test]
fn broken_file_on_disk_at_first_read_still_applies_its_valid_keys() {
    let t = tree(&[(
        "promptic.toml",
        "[versioning]\ndelimiter = \"-\"\nbogus = true\n",
    )]);
    let source = ConfigSource::new();
    assert_eq!(source.settings(&t.root).versioning.delimiters, vec!['-']);
    let errors = source.chain_errors(&t.root);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line_col, Some((3, 1)));
    assert_eq!(
        errors[0].path.as_deref(),
        Some(t.root.join("promptic.toml").as_path())
    );
}

// ----- config errors as diagnostics ---------------------------------------------------------------

/// `promptls check . --format json` in `dir`: (exit code, the diagnostics).
fn check_json(dir: &Path) -> (Option<i32>, serde_json::Value) {
    let out = assert_cmd::Command::cargo_bin("promptls")
        .unwrap()
        .current_dir(dir)
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}

const PY_BAD_CONFIG: &str =
    "from promptic import VersioningConfig\ncfg = VersioningConfig(delimiter=\"x\")\n";

/// One conversion of config errors to diagnostics: a `VersioningConfig(...)` literal in
/// Python obeys `[diagnostics]` like a config file does (it used the default severity).
#[test]
fn python_versioning_config_obeys_diagnostics_severities() {
    let t = tree(&[("task_v1.md", "x"), ("app.py", PY_BAD_CONFIG)]);
    let (code, diags) = check_json(&t.root);
    assert_eq!(code, Some(1));
    assert_eq!(
        diags,
        serde_json::json!([{
            "path": "app.py",
            "range": {"start": {"line": 1, "character": 33}, "end": {"line": 1, "character": 36}},
            "severity": "error",
            "code": "invalid-config",
            "message": "`delimiter` must be one of \"_\", \".\", \"-\" (got \"x\")"
        }])
    );

    let off = "[diagnostics]\ninvalid-config = \"off\"\n";
    std::fs::write(t.root.join("promptic.toml"), off).unwrap();
    let (code, diags) = check_json(&t.root);
    assert_eq!((code, diags), (Some(0), serde_json::json!([])));

    let hint = "[diagnostics]\ninvalid-config = \"hint\"\n";
    std::fs::write(t.root.join("promptic.toml"), hint).unwrap();
    let (code, diags) = check_json(&t.root);
    assert_eq!(code, Some(0));
    assert_eq!(diags[0]["severity"], "hint", "{diags:#}");
    assert_eq!(diags.as_array().unwrap().len(), 1, "{diags:#}");
}

/// The same conversion for the config file's own errors: off silences them, a level
/// re-levels them, and the range is the offending value's.
#[test]
fn config_file_errors_obey_diagnostics_severities() {
    let bad = "[versioning]\ndelimiter = \"x\"\n[diagnostics]\ninvalid-config = \"warning\"\n";
    let t = tree(&[("task_v1.md", "x"), ("promptic.toml", bad)]);
    let (code, diags) = check_json(&t.root);
    assert_eq!(code, Some(0));
    assert_eq!(
        diags,
        serde_json::json!([{
            "path": "promptic.toml",
            "range": {"start": {"line": 1, "character": 12}, "end": {"line": 1, "character": 15}},
            "severity": "warning",
            "code": "invalid-config",
            "message": "`delimiter` must be one of \"_\", \".\", \"-\" (got \"x\")"
        }])
    );
    std::fs::write(
        t.root.join("promptic.toml"),
        bad.replace("\"warning\"", "\"off\""),
    )
    .unwrap();
    assert_eq!(check_json(&t.root), (Some(0), serde_json::json!([])));
}

// ----- an explicit --config that is broken ---------------------------------------------------------

/// `promptls ARGS` in `dir`: (exit code, stdout, stderr).
fn promptls(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = assert_cmd::Command::cargo_bin("promptls")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Broken config files and the one line each must produce: (file, text or `None` for a
/// file that does not exist, the located message after `promptls: `).
const BROKEN_CONFIGS: &[(&str, Option<&str>, &str)] = &[
    (
        "bad.toml",
        Some("[versioning]\nversion_pattern = \"_rev(\\\\d+)\"\n"),
        "bad.toml:2:19: InvalidVersionPatternError: `version_pattern` \"_rev(\\\\d+)\": has an unnamed capturing group; use (?:…) or name it major, minor, patch or prerelease",
    ),
    (
        "bad.yaml",
        Some("not: [toml\n"),
        "bad.yaml:1:4: InvalidConfigError: invalid TOML: expected `.`, `=`",
    ),
    (
        "bad.json",
        Some("{\"delimiter\": \"x\"}"),
        "bad.json: InvalidConfigError: `delimiter` must be one of \"_\", \".\", \"-\" (got \"x\")",
    ),
    (
        "missing.toml",
        None,
        "missing.toml: InvalidConfigError: cannot read the config file: No such file or directory (os error 2)",
    ),
];

/// A folder with `task_v1.md` and every file of [`BROKEN_CONFIGS`].
fn broken_configs_tree() -> Tree {
    let files: Vec<(&str, &str)> = BROKEN_CONFIGS
        .iter()
        .filter_map(|(name, text, _)| Some((*name, (*text)?)))
        .chain([("task_v1.md", "hello\n")])
        .collect();
    tree(&files)
}

/// `check --config bad.toml` used to exit 0 with the defaults (and `new-version`/`revert`
/// had no `--config`): an explicit config that cannot be read, does not parse or holds an
/// invalid value is exit 1 with its path and the reason, in every subcommand, and nothing
/// is written.
#[test]
fn broken_explicit_config_is_exit_1_in_every_subcommand() {
    let t = broken_configs_tree();
    let commands: &[&[&str]] = &[
        &["check", "."],
        &["check", ".", "--format", "json"],
        &["versions", "task"],
        &["new-version", "task_v1.md", "--bump", "patch"],
        &["new-version", "task_v1.md"],
        &["revert", "task_v1.md", "--to", "v1"],
    ];
    for args in commands {
        for (config, _, message) in BROKEN_CONFIGS {
            let mut full = args.to_vec();
            full.extend(["--config", config]);
            let (code, stdout, stderr) = promptls(&t.root, &full);
            assert_eq!(
                (code, stdout.as_str(), stderr.as_str()),
                (Some(1), "", format!("promptls: {message}\n").as_str()),
                "{full:?}"
            );
        }
    }
    let mut names: Vec<String> = std::fs::read_dir(&t.root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [".git", "bad.json", "bad.toml", "bad.yaml", "task_v1.md"]
    );
}

/// `resolve` and `versions --json` report a broken explicit config as the request's
/// error (V-8), in their usual error shape.
#[test]
fn broken_explicit_config_is_the_resolution_error() {
    let t = broken_configs_tree();
    for (config, _, message) in BROKEN_CONFIGS {
        let (name, rest) = message.split_once(": ").unwrap();
        let (error, reason) = rest.split_once(": ").unwrap();
        let expected = serde_json::json!({
            "error": error,
            "message": format!("{name}: {reason}"),
            "available": [],
        });
        for args in [
            &["resolve", "task", "--json"][..],
            &["versions", "task", "--json"][..],
        ] {
            let mut full = args.to_vec();
            full.extend(["--config", config]);
            let (code, stdout, _) = promptls(&t.root, &full);
            assert_eq!(code, Some(1), "{full:?}");
            let got: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(got, expected, "{full:?}");
        }
        let (code, stdout, stderr) = promptls(&t.root, &["resolve", "task", "--config", config]);
        assert_eq!(
            (code, stdout.as_str(), stderr),
            (Some(1), "", format!("{error}: {name}: {reason}\n")),
            "resolve --config {config}"
        );
    }
}

/// A valid explicit config is what `new-version` and `revert` now go by.
#[test]
fn new_version_and_revert_use_an_explicit_config() {
    let t = tree(&[
        ("task.v1.md", "hello\n"),
        ("dot.toml", "[versioning]\ndelimiter = \".\"\n"),
    ]);
    let (code, stdout, _) = promptls(
        &t.root,
        &[
            "new-version",
            "task.v1.md",
            "--bump",
            "patch",
            "--dry-run",
            "--config",
            "dot.toml",
        ],
    );
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout,
        format!(
            "would create {} (v1.0.1, patch bump of v1.0.0), 6 bytes\n",
            t.root.join("task.v1.0.1.md").display()
        )
    );
    let (code, stdout, _) = promptls(
        &t.root,
        &[
            "revert",
            "task.v1.md",
            "--to",
            "v1",
            "--dry-run",
            "--config",
            "dot.toml",
        ],
    );
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout,
        format!(
            "would create {} (v1.0.1, revert to v1.0.0 as v1.0.1), 6 bytes\n",
            t.root.join("task.v1.0.1.md").display()
        )
    );
}

// ----- TOML shapes: completion, hover and error spans from the parser ------------------------------

/// (label, replaced byte range) of each completion at the end of `text` (or at `offset`).
fn completions(text: &str, offset: usize) -> Vec<(String, std::ops::Range<usize>)> {
    promptls::analysis::completion::complete_config(text, offset)
        .into_iter()
        .map(|c| (c.label, c.replace))
        .collect()
}

fn labelled(
    labels: &[&str],
    range: std::ops::Range<usize>,
) -> Vec<(String, std::ops::Range<usize>)> {
    labels
        .iter()
        .map(|l| (l.to_string(), range.clone()))
        .collect()
}

/// Completion read the file line by line: a multi-line `values` array, dotted keys and
/// inline tables gave nothing. It now asks the TOML parser.
#[test]
fn completion_understands_every_toml_shape() {
    // A classifier's multi-line `values` (with a comment) while `default` is typed.
    let t =
        "[versioning.classifiers.lang]\nvalues = [\n  \"en\", # first\n  \"ru\",\n]\ndefault = \"";
    let n = t.len();
    assert_eq!(completions(t, n), labelled(&["en", "ru"], n..n));
    // pyproject, an inline table, the cursor inside a complete value.
    let t = "[tool.promptic.versioning]\nclassifiers = { lang = { values = [\"en\", \"de\"], default = \"de\" } }\n";
    let at = t.rfind("de\"").unwrap();
    assert_eq!(completions(t, at + 1), labelled(&["en", "de"], at..at + 2));
    // A dotted key at the top level, half written.
    let t = "versioning.delimiter = \"";
    assert_eq!(
        completions(t, t.len()),
        labelled(&["_", ".", "-"], t.len()..t.len())
    );
    // A half-written `[versioning]` key.
    let t = "[versioning]\ndelimiter = ";
    assert_eq!(
        completions(t, t.len()),
        labelled(&["_", ".", "-"], t.len()..t.len())
    );
    // Key names in a classifier sub-table, and nothing in other tables.
    let t = "[tool.promptic.versioning.classifiers.lang]\nvalues = [\"en\"]\nde";
    let n = t.len();
    assert_eq!(
        completions(t, n),
        labelled(&["values", "default"], n - 2..n)
    );
    let t = "[tool.black]\nline-length = 8\nde";
    assert_eq!(completions(t, t.len()), []);
    // A header `[versioning]` after a multi-line array elsewhere.
    let t = "[diagnostics]\ninvalid-config = \"off\"\n[versioning]\nprerelease_order = [\n  \"a\",\n]\ninclude_prerelease = ";
    let n = t.len();
    assert_eq!(completions(t, n), labelled(&["true", "false"], n..n));
}

#[test]
fn hover_on_dotted_and_sub_table_keys() {
    let text = "versioning.delimiter = \"-\"\n[versioning.classifiers.lang]\nvalues = [\"en\"]\ndefault = \"en\" # the usual\n";
    let t = tree(&[("promptic.toml", text)]);
    let index = promptls::index::Index::scan(
        vec![t.root.clone()],
        std::sync::Arc::new(ConfigSource::new()),
    );
    let path = t.root.join("promptic.toml");
    let doc = promptls::analysis::Document::new(&path, None, text.into());
    let hover = |offset: usize| promptls::analysis::hover::hover(&index, &doc, offset);
    let k = text.find("delimiter").unwrap();
    let (md, range) = hover(k + 2).expect("hover on a dotted key");
    assert!(
        md.starts_with("**`delimiter`** — Delimiter between base"),
        "{md}"
    );
    assert_eq!(range, k..k + "delimiter".len());
    let d = text.find("default").unwrap();
    let (md, range) = hover(d).expect("hover on a classifier key");
    assert!(md.starts_with("**`default`** — "), "{md}");
    assert_eq!(range, d..d + "default".len());
    // In the comment: nothing.
    assert_eq!(hover(text.find("usual").unwrap()), None);
}

/// (message prefix, byte span) of each error of a `promptic.toml` / `pyproject.toml`.
fn spans(kind: ConfigFileKind, text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    load(kind, text)
        .into_iter()
        .map(|e| (e.message, e.span.expect("a TOML error has a span")))
        .collect()
}

/// The exact range of `needle` (its `nth` occurrence) in `text`.
fn at(text: &str, needle: &str, nth: usize) -> std::ops::Range<usize> {
    let start = text.match_indices(needle).nth(nth).unwrap().0;
    start..start + needle.len()
}

#[test]
fn error_spans_in_every_toml_shape() {
    // Multi-line array with comments: the offending element.
    let t =
        "[versioning]\nprerelease_order = [\n  \"alpha\", # first\n  \"r c\",\n  \"alpha\",\n]\n";
    assert_eq!(
        spans(ConfigFileKind::Promptic, t),
        [
            (
                "prerelease label \"r c\" must be letters and digits".to_string(),
                at(t, "\"r c\"", 0)
            ),
            (
                "prerelease label \"alpha\" is listed twice".to_string(),
                at(t, "\"alpha\"", 1)
            ),
        ]
    );
    // Trailing comment after a value.
    let t = "[versioning]\ndelimiter = \"+\" # plus?\n";
    assert_eq!(
        spans(ConfigFileKind::Promptic, t),
        [(
            "`delimiter` must be one of \"_\", \".\", \"-\" (got \"+\")".to_string(),
            at(t, "\"+\"", 0)
        )]
    );
    // Dotted key.
    let t = "versioning.include_prerelease = \"yes\"\n";
    assert_eq!(
        spans(ConfigFileKind::Promptic, t),
        [(
            "`include_prerelease` must be true or false, not a string".to_string(),
            at(t, "\"yes\"", 0)
        )]
    );
    // Inline tables.
    let t =
        "[versioning]\nclassifiers = { lang = { values = [\"en\", \"e-n\"], default = \"en\" } }\n";
    assert_eq!(
        spans(ConfigFileKind::Promptic, t),
        [(
            "classifier value \"e-n\" of `lang` must not be empty or contain a delimiter"
                .to_string(),
            at(t, "\"e-n\"", 0)
        )]
    );
    // pyproject sub-table of a classifier.
    let t = "[project]\nname = \"x\"\n\n[tool.promptic.versioning.classifiers.lang]\nvalues = [\n  \"en\",\n  \"ru\",\n]\ndefault = \"de\" # not listed\n";
    assert_eq!(
        spans(ConfigFileKind::Pyproject, t),
        [(
            "default \"de\" of classifier `lang` is not one of its values (en, ru)".to_string(),
            at(t, "\"de\"", 0)
        )]
    );
}

proptest::proptest! {
    /// Half-written config text never panics completion, hover's position or loading.
    #[test]
    fn half_written_config_text_is_safe(
        text in "([\\[\\]{}=,.\"'#\\n ]|versioning|delimiter|tool|promptic|classifiers|lang|values|default|ü|[a-z0-9]){0,40}",
        offset in 0usize..120,
    ) {
        let _ = promptls::analysis::completion::complete_config(&text, offset);
        let _ = promptls::config::position_at(&text, offset);
        let _ = load(ConfigFileKind::Promptic, &text);
        let _ = load(ConfigFileKind::Pyproject, &text);
    }
}

// ----- convention ---------------------------------------------------------------------------------

#[test]
fn convention_is_validated_like_every_key() {
    use promptls::versioning::Convention;
    let layer = |kind: ConfigFileKind, path: &str, text: &str| {
        let file = load_config_file(Path::new(path), kind, text);
        assert!(file.errors.is_empty(), "{:#?}", file.errors);
        file.layer.unwrap()
    };
    // Valid in every source, with the same spelling.
    let toml = layer(
        ConfigFileKind::Promptic,
        "/ws/promptic.toml",
        "[versioning]\nconvention = \"dotprompt\"\n",
    );
    assert_eq!(toml.convention, Some(Convention::Dotprompt));
    let pyproject = layer(
        ConfigFileKind::Pyproject,
        "/ws/pyproject.toml",
        "[tool.promptic.versioning]\nconvention = \"promptic\"\n",
    );
    assert_eq!(pyproject.convention, Some(Convention::Promptic));
    let json = layer(
        ConfigFileKind::Json,
        "/ws/c.json",
        r#"{"convention": "dotprompt", "delimiter": null}"#,
    );
    assert_eq!(json.convention, Some(Convention::Dotprompt));
    // Nearest wins; without the key the default is promptic.
    assert_eq!(
        Settings::from_layers([&toml, &pyproject])
            .versioning
            .convention,
        Convention::Promptic
    );
    assert_eq!(
        Settings::from_layers([&pyproject, &toml])
            .versioning
            .convention,
        Convention::Dotprompt
    );
    assert_eq!(
        Settings::from_layers([&ConfigLayer::default()])
            .versioning
            .convention,
        Convention::Promptic
    );
    // An unknown value lists the valid ones; the match is exact.
    for bad in ["genkit", "Dotprompt", ""] {
        let text = format!("[versioning]\nconvention = \"{bad}\"\n");
        expect_one(
            &text,
            INVALID,
            &format!("`convention` must be one of \"promptic\", \"dotprompt\" (got \"{bad}\")"),
            &format!("\"{bad}\""),
            0,
        );
    }
    // A value of the wrong type.
    expect_one(
        "[versioning]\nconvention = 1\n",
        INVALID,
        "`convention` must be a string, not a number",
        "1",
        0,
    );
    expect_one(
        "[versioning]\nconvention = [\"dotprompt\"]\n",
        INVALID,
        "`convention` must be a string, not a list",
        "[\"",
        0,
    );
    expect_one_in(
        ConfigFileKind::Pyproject,
        "[tool.promptic.versioning]\nconvention = true\n",
        INVALID,
        "`convention` must be a string, not a boolean",
        "true",
        0,
    );
    // JSON has no positions, but the same message.
    let errors = load(ConfigFileKind::Json, r#"{"convention": "litellm"}"#);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].to_string(),
        "/ws/config.json: InvalidConfigError: `convention` must be one of \"promptic\", \"dotprompt\" (got \"litellm\")"
    );
    // The key is known: a misspelling lists it.
    expect_one(
        "[versioning]\nconventon = \"dotprompt\"\n",
        INVALID,
        "known keys: delimiter, delimiters, version_pattern, include_prerelease, prerelease_order, classifiers, extensions, convention",
        "conventon",
        0,
    );
}

#[test]
fn convention_is_completed_and_hovered() {
    let t = "[versioning]\nconvention = ";
    let n = t.len();
    let offered = promptls::analysis::completion::complete_config(t, n);
    let shown: Vec<(&str, &str)> = offered
        .iter()
        .map(|c| (c.label.as_str(), c.new_text.as_str()))
        .collect();
    assert_eq!(
        shown,
        [("promptic", "\"promptic\""), ("dotprompt", "\"dotprompt\"")]
    );
    let t = "[tool.promptic.versioning]\nconvention = \"d";
    assert_eq!(
        completions(t, t.len()),
        labelled(&["promptic", "dotprompt"], t.len() - 1..t.len())
    );
    // The key is offered with the others, its detail the first line of its hover.
    let t = "[versioning]\nconv";
    let keys = promptls::analysis::completion::complete_config(t, t.len());
    let key = keys
        .iter()
        .find(|c| c.label == "convention")
        .expect("offered");
    assert!(
        key.detail
            .as_deref()
            .unwrap()
            .starts_with("How `.prompt` file names are read"),
        "{key:?}"
    );
    let text = "[versioning]\nconvention = \"dotprompt\"\n";
    let t = tree(&[("promptic.toml", text)]);
    let index = promptls::index::Index::scan(
        vec![t.root.clone()],
        std::sync::Arc::new(ConfigSource::new()),
    );
    let path = t.root.join("promptic.toml");
    let doc = promptls::analysis::Document::new(&path, None, text.into());
    let k = text.find("convention").unwrap();
    let (md, range) = promptls::analysis::hover::hover(&index, &doc, k + 3).expect("hover");
    assert!(
        md.starts_with("**`convention`** — How `.prompt` file names"),
        "{md}"
    );
    assert!(md.contains("\"dotprompt\""), "{md}");
    assert_eq!(range, k..k + "convention".len());
}
