//! A source-neutral value tree with byte spans, so TOML, JSON, environment variables and
//! Python literals are validated by one set of rules (V-7).

use std::ops::Range;

/// A value read from some config source, with the byte span it came from (when the source
/// has spans: TOML files and Python literals do, JSON and environment values do not).
#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    /// The value.
    pub value: RawValue,
    /// Byte range of the value in its source text.
    pub span: Option<Range<usize>>,
}

/// The shapes a config value can take.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// `null` / `None`: "use the default" (promptic's `model_dump_json` writes these).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (only integers appear in configs; floats are kept for error messages).
    Number(f64),
    /// A string.
    Str(String),
    /// A list.
    Array(Vec<Raw>),
    /// A table / object / keyword arguments, in source order; keys keep their spans.
    Table(Vec<RawEntry>),
}

/// One `key = value` of a [`RawValue::Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct RawEntry {
    /// The key.
    pub key: String,
    /// Byte range of the key in its source text.
    pub key_span: Option<Range<usize>>,
    /// The value.
    pub value: Raw,
}

impl RawValue {
    /// A short name of the value's type for messages (`string`, `list`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            RawValue::Null => "null",
            RawValue::Bool(_) => "boolean",
            RawValue::Number(_) => "number",
            RawValue::Str(_) => "string",
            RawValue::Array(_) => "list",
            RawValue::Table(_) => "table",
        }
    }
}

impl Raw {
    /// A value without a span.
    pub fn unspanned(value: RawValue) -> Raw {
        Raw { value, span: None }
    }

    /// Looks up a key of a table value.
    pub fn get(&self, key: &str) -> Option<&RawEntry> {
        match &self.value {
            RawValue::Table(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Converts a JSON value (no spans).
    pub fn from_json(v: &serde_json::Value) -> Raw {
        use serde_json::Value as J;
        Raw::unspanned(match v {
            J::Null => RawValue::Null,
            J::Bool(b) => RawValue::Bool(*b),
            J::Number(n) => RawValue::Number(n.as_f64().unwrap_or(f64::NAN)),
            J::String(s) => RawValue::Str(s.clone()),
            J::Array(a) => RawValue::Array(a.iter().map(Raw::from_json).collect()),
            J::Object(o) => RawValue::Table(
                o.iter()
                    .map(|(k, v)| RawEntry {
                        key: k.clone(),
                        key_span: None,
                        value: Raw::from_json(v),
                    })
                    .collect(),
            ),
        })
    }

    /// Converts a parsed TOML item (spans kept).
    pub fn from_toml_item(item: &toml_edit::Item) -> Raw {
        match item {
            toml_edit::Item::None => Raw::unspanned(RawValue::Null),
            toml_edit::Item::Value(v) => Raw::from_toml_value(v),
            toml_edit::Item::Table(t) => Raw {
                value: table_entries(t.iter(), t),
                span: t.span(),
            },
            toml_edit::Item::ArrayOfTables(a) => Raw {
                value: RawValue::Array(
                    a.iter()
                        .map(|t| Raw {
                            value: table_entries(t.iter(), t),
                            span: t.span(),
                        })
                        .collect(),
                ),
                span: a.span(),
            },
        }
    }

    fn from_toml_value(v: &toml_edit::Value) -> Raw {
        use toml_edit::Value as T;
        let value = match v {
            T::String(s) => RawValue::Str(s.value().clone()),
            T::Integer(i) => RawValue::Number(*i.value() as f64),
            T::Float(f) => RawValue::Number(*f.value()),
            T::Boolean(b) => RawValue::Bool(*b.value()),
            T::Datetime(d) => RawValue::Str(d.value().to_string()),
            T::Array(a) => RawValue::Array(a.iter().map(Raw::from_toml_value).collect()),
            T::InlineTable(t) => RawValue::Table(
                t.iter()
                    .map(|(k, v)| RawEntry {
                        key: k.to_string(),
                        key_span: t.key(k).and_then(|k| k.span()),
                        value: Raw::from_toml_value(v),
                    })
                    .collect(),
            ),
        };
        Raw {
            value,
            span: v.span(),
        }
    }
}

fn table_entries<'a>(
    entries: impl Iterator<Item = (&'a str, &'a toml_edit::Item)>,
    table: &toml_edit::Table,
) -> RawValue {
    RawValue::Table(
        entries
            .map(|(k, v)| RawEntry {
                key: k.to_string(),
                key_span: table.key(k).and_then(|k| k.span()),
                value: Raw::from_toml_item(v),
            })
            .collect(),
    )
}
