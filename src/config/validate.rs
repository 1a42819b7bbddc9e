//! Validation of config values into [`ConfigLayer`]s (V-7), shared by every source.

use std::collections::BTreeMap;

use super::{
    ClassifierConfig, ConfigError, ConfigErrorKind, ConfigLayer, Convention, Raw, RawValue,
};
use crate::diagnostics::{Code, Severity};
use crate::versioning::VersionPattern;

const DELIMITERS: &[char] = &['_', '.', '-'];

fn err(msg: impl Into<String>, raw: &Raw) -> ConfigError {
    ConfigError::new(ConfigErrorKind::InvalidConfig, msg, raw.span.clone())
}

fn expect_str<'a>(key: &str, raw: &'a Raw, errors: &mut Vec<ConfigError>) -> Option<&'a str> {
    match &raw.value {
        RawValue::Str(s) => Some(s),
        other => {
            errors.push(err(
                format!("`{key}` must be a string, not a {}", other.type_name()),
                raw,
            ));
            None
        }
    }
}

fn expect_str_list(
    key: &str,
    raw: &Raw,
    errors: &mut Vec<ConfigError>,
) -> Option<Vec<(String, Raw)>> {
    match &raw.value {
        RawValue::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                out.push((expect_str(key, item, errors)?.to_string(), item.clone()));
            }
            Some(out)
        }
        other => {
            errors.push(err(
                format!(
                    "`{key}` must be a list of strings, not a {}",
                    other.type_name()
                ),
                raw,
            ));
            None
        }
    }
}

fn delimiter(key: &str, text: &str, raw: &Raw, errors: &mut Vec<ConfigError>) -> Option<char> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if DELIMITERS.contains(&c) => Some(c),
        _ => {
            errors.push(err(
                format!("`{key}` must be one of \"_\", \".\", \"-\" (got {text:?})"),
                raw,
            ));
            None
        }
    }
}

/// Validates a `[versioning]` table (or a `VersioningConfig(...)` call's keyword
/// arguments, or a JSON object) into a layer. Keys with errors are left out of the layer;
/// the errors say why, with the span of the offending key or value (V-7, V-8).
pub fn layer_from_raw(table: &Raw) -> (ConfigLayer, Vec<ConfigError>) {
    let mut layer = ConfigLayer::default();
    let mut errors = Vec::new();
    let RawValue::Table(entries) = &table.value else {
        errors.push(err(
            format!(
                "the versioning config must be a table, not a {}",
                table.value.type_name()
            ),
            table,
        ));
        return (layer, errors);
    };
    for entry in entries {
        let raw = &entry.value;
        if raw.value == RawValue::Null {
            if entry.key == "version_pattern" {
                layer.version_pattern = Some(None);
            }
            continue;
        }
        match entry.key.as_str() {
            "delimiter" => {
                if let Some(s) = expect_str("delimiter", raw, &mut errors) {
                    layer.delimiter = delimiter("delimiter", s, raw, &mut errors);
                }
            }
            "delimiters" => {
                if let Some(items) = expect_str_list("delimiters", raw, &mut errors) {
                    if items.is_empty() {
                        errors.push(err("`delimiters` must not be empty", raw));
                    } else {
                        let ds: Option<Vec<char>> = items
                            .iter()
                            .map(|(s, r)| delimiter("delimiters", s, r, &mut errors))
                            .collect();
                        if let Some(mut ds) = ds {
                            ds.dedup();
                            layer.delimiters = Some(ds);
                        }
                    }
                }
            }
            "version_pattern" => {
                if let Some(p) = expect_str("version_pattern", raw, &mut errors) {
                    match VersionPattern::custom(p) {
                        Ok(_) => layer.version_pattern = Some(Some(p.to_string())),
                        Err(reason) => errors.push(ConfigError::new(
                            ConfigErrorKind::InvalidVersionPattern,
                            format!("`version_pattern` {p:?}: {reason}"),
                            raw.span.clone(),
                        )),
                    }
                }
            }
            "include_prerelease" => match raw.value {
                RawValue::Bool(b) => layer.include_prerelease = Some(b),
                ref other => errors.push(err(
                    format!(
                        "`include_prerelease` must be true or false, not a {}",
                        other.type_name()
                    ),
                    raw,
                )),
            },
            "prerelease_order" => {
                if let Some(items) = expect_str_list("prerelease_order", raw, &mut errors) {
                    let mut order: Vec<String> = Vec::new();
                    let mut ok = true;
                    for (label, r) in &items {
                        let lower = label.to_ascii_lowercase();
                        if lower.is_empty() || !lower.bytes().all(|b| b.is_ascii_alphanumeric()) {
                            errors.push(err(
                                format!("prerelease label {label:?} must be letters and digits"),
                                r,
                            ));
                            ok = false;
                        } else if order.contains(&lower) {
                            errors.push(err(
                                format!("prerelease label {label:?} is listed twice"),
                                r,
                            ));
                            ok = false;
                        } else {
                            order.push(lower);
                        }
                    }
                    if ok {
                        layer.prerelease_order = Some(order);
                    }
                }
            }
            "classifiers" => layer.classifiers = classifiers(raw, &mut errors),
            "extensions" => {
                if let Some(items) = expect_str_list("extensions", raw, &mut errors) {
                    let exts: Vec<String> = items
                        .iter()
                        .map(|(e, _)| e.trim_start_matches('.').to_ascii_lowercase())
                        .filter(|e| !e.is_empty())
                        .collect();
                    if exts.is_empty() {
                        errors.push(err("`extensions` must name at least one extension", raw));
                    } else {
                        layer.extensions = Some(exts);
                    }
                }
            }
            "convention" => {
                if let Some(text) = expect_str("convention", raw, &mut errors) {
                    match Convention::from_name(text) {
                        Some(c) => layer.convention = Some(c),
                        None => errors.push(err(
                            format!(
                                "`convention` must be one of {} (got {text:?})",
                                Convention::ALL
                                    .iter()
                                    .map(|c| format!("\"{}\"", c.name()))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            raw,
                        )),
                    }
                }
            }
            // Fields of promptic's settings that do not change how names are read.
            "name" | "model_config" => {}
            other => errors.push(ConfigError::new(
                ConfigErrorKind::InvalidConfig,
                format!(
                    "unknown key `{other}`; known keys: {}",
                    super::VERSIONING_KEYS.join(", ")
                ),
                entry.key_span.clone().or_else(|| raw.span.clone()),
            )),
        }
    }
    (layer, errors)
}

fn classifiers(
    raw: &Raw,
    errors: &mut Vec<ConfigError>,
) -> Option<BTreeMap<String, ClassifierConfig>> {
    let RawValue::Table(entries) = &raw.value else {
        errors.push(err(
            format!(
                "`classifiers` must be a table of classifiers, not a {}",
                raw.value.type_name()
            ),
            raw,
        ));
        return None;
    };
    let mut out = BTreeMap::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let before = errors.len();
    for entry in entries {
        let name = entry.key.clone();
        let c = &entry.value;
        let values_raw = c.get("values");
        let Some(values_raw) = values_raw else {
            errors.push(err(format!("classifier `{name}` needs `values`"), c));
            continue;
        };
        let Some(values) = expect_str_list("values", &values_raw.value, errors) else {
            continue;
        };
        if values.is_empty() {
            errors.push(err(
                format!("classifier `{name}` has no values"),
                &values_raw.value,
            ));
            continue;
        }
        for (v, r) in &values {
            if v.is_empty() || v.contains(['_', '.', '-', '/', '\\']) {
                errors.push(err(format!("classifier value {v:?} of `{name}` must not be empty or contain a delimiter"), r));
            } else if let Some(other) = owner.insert(v.to_ascii_lowercase(), name.clone()) {
                errors.push(err(
                    format!("value {v:?} belongs to both `{other}` and `{name}`"),
                    r,
                ));
            }
        }
        if let Some(n) = c.get("name")
            && let RawValue::Str(s) = &n.value.value
            && s != &name
        {
            errors.push(err(
                format!("classifier `{name}` has `name = {s:?}`; the two must agree"),
                &n.value,
            ));
        }
        let default = match c.get("default") {
            Some(d) => match expect_str("default", &d.value, errors) {
                Some(d_text) if values.iter().any(|(v, _)| v.eq_ignore_ascii_case(d_text)) => {
                    d_text.to_string()
                }
                Some(d_text) => {
                    let list: Vec<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
                    errors.push(err(
                        format!("default {d_text:?} of classifier `{name}` is not one of its values ({})", list.join(", ")),
                        &d.value,
                    ));
                    continue;
                }
                None => continue,
            },
            None => values[0].0.clone(),
        };
        if let RawValue::Table(keys) = &c.value {
            for k in keys {
                if !matches!(k.key.as_str(), "values" | "default" | "name") {
                    errors.push(ConfigError::new(
                        ConfigErrorKind::InvalidConfig,
                        format!("unknown key `{}` in classifier `{name}`; known keys: values, default, name", k.key),
                        k.key_span.clone().or_else(|| k.value.span.clone()),
                    ));
                }
            }
        }
        out.insert(
            name,
            ClassifierConfig {
                values: values.into_iter().map(|(v, _)| v).collect(),
                default,
            },
        );
    }
    (errors.len() == before).then_some(out)
}

/// Validates a `[diagnostics]` table: code -> `"error" | "warning" | "information" |
/// "hint" | "off"` (I-4).
pub fn diagnostics_from_raw(table: &Raw, layer: &mut ConfigLayer, errors: &mut Vec<ConfigError>) {
    let RawValue::Table(entries) = &table.value else {
        errors.push(err(
            "`[diagnostics]` must be a table of code = severity",
            table,
        ));
        return;
    };
    for entry in entries {
        let Some(code) = Code::from_name(&entry.key) else {
            errors.push(ConfigError::new(
                ConfigErrorKind::InvalidConfig,
                format!(
                    "unknown diagnostic code `{}`; known codes: {}",
                    entry.key,
                    Code::ALL
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                entry.key_span.clone(),
            ));
            continue;
        };
        let Some(level) = expect_str(&entry.key, &entry.value, errors) else {
            continue;
        };
        let sev = match level.to_ascii_lowercase().as_str() {
            "off" | "none" | "ignore" => None,
            other => match Severity::from_name(other) {
                Some(s) => Some(s),
                None => {
                    errors.push(err(
                        format!("severity {level:?} of `{}` must be error, warning, information, hint or off", entry.key),
                        &entry.value,
                    ));
                    continue;
                }
            },
        };
        layer.diagnostics.insert(code, sev);
    }
}

/// Reads a promptic `VersioningConfig` JSON object (as `model_dump_json()` writes it,
/// nulls allowed) into a layer (V-7, `--config FILE.json`).
pub fn json_layer(text: &str) -> (ConfigLayer, Vec<ConfigError>) {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => layer_from_raw(&Raw::from_json(&v)),
        Err(e) => (
            ConfigLayer::default(),
            vec![ConfigError::new(
                ConfigErrorKind::InvalidConfig,
                format!(
                    "invalid JSON at line {} column {}: {e}",
                    e.line(),
                    e.column()
                ),
                None,
            )],
        ),
    }
}

/// Reads the opt-in `PROMPTIC_*` variables (V-7) through `var` (so tests need not touch
/// the process environment). Lists and objects are JSON, booleans `true/false/1/0`.
pub fn env_layer(var: impl Fn(&str) -> Option<String>) -> (ConfigLayer, Vec<ConfigError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let keys = [
        ("PROMPTIC_DELIMITER", "delimiter", false),
        ("PROMPTIC_DELIMITERS", "delimiters", true),
        ("PROMPTIC_VERSION_PATTERN", "version_pattern", false),
        ("PROMPTIC_INCLUDE_PRERELEASE", "include_prerelease", false),
        ("PROMPTIC_PRERELEASE_ORDER", "prerelease_order", true),
        ("PROMPTIC_CLASSIFIERS", "classifiers", true),
    ];
    for (env, key, json) in keys {
        let Some(text) = var(env) else { continue };
        let value = if json {
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v) => Raw::from_json(&v),
                Err(e) => {
                    errors.push(ConfigError::new(
                        ConfigErrorKind::InvalidConfig,
                        format!("{env} is not valid JSON: {e}"),
                        None,
                    ));
                    continue;
                }
            }
        } else if key == "include_prerelease" {
            match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Raw::unspanned(RawValue::Bool(true)),
                "false" | "0" | "no" | "off" => Raw::unspanned(RawValue::Bool(false)),
                _ => {
                    errors.push(ConfigError::new(
                        ConfigErrorKind::InvalidConfig,
                        format!("{env} must be true or false (got {text:?})"),
                        None,
                    ));
                    continue;
                }
            }
        } else {
            Raw::unspanned(RawValue::Str(text))
        };
        entries.push(super::RawEntry {
            key: key.into(),
            key_span: None,
            value,
        });
    }
    let (layer, mut errs) = layer_from_raw(&Raw::unspanned(RawValue::Table(entries)));
    errors.append(&mut errs);
    (layer, errors)
}

/// Validates the keyword arguments of a Python `VersioningConfig(...)` literal:
/// the same rules as a TOML table.
pub fn python_kwargs_layer(kwargs: &Raw) -> (ConfigLayer, Vec<ConfigError>) {
    layer_from_raw(kwargs)
}
