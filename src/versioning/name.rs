//! Reading prompt file names: prompt, variant, version, prerelease (V-1, V-3) and the
//! naming problems of V-9.

use std::sync::Arc;

use super::model::{ClassifierConfig, Convention, VersioningConfig};
use super::pattern::{VersionMatch, VersionPattern};
use super::version::{Prerelease, Version, VersionError, parse_number};

/// The values of a file's declared classifiers, one per classifier in the config's
/// (sorted) order, as indices into that classifier's `values`. Files without a segment for
/// a classifier have its default (V-3).
pub type Variant = Box<[u16]>;

/// A naming problem of one file (V-9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameIssue {
    /// A declared classifier value after the version (`task_v1_en.md`).
    ClassifierAfterVersion {
        /// The value as written.
        value: String,
        /// The accepted spelling (`task_en_v1.md`).
        fix: Option<String>,
    },
    /// A prerelease label that is not in `prerelease_order`.
    UnknownPrereleaseLabel {
        /// The label as written.
        label: String,
    },
    /// A name that matches the pattern but whose version part (major, minor or patch) is
    /// larger than `u64::MAX`: the file has no version anyone could ask for, so it is left
    /// out of resolution (neither versioned nor unversioned).
    VersionTooLarge {
        /// The digits as written.
        number: String,
    },
    /// A name that almost matches the pattern.
    MalformedVersion {
        /// Why it does not match.
        reason: String,
        /// The accepted spelling, when there is one.
        fix: Option<String>,
    },
}

/// What a file name says (V-1, V-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedName {
    /// The base name: the stem without classifier segments and version (`task`).
    pub base: Box<str>,
    /// The extension, without the dot, as written.
    pub ext: Box<str>,
    /// Classifier values.
    pub variant: Variant,
    /// Whether the name had a segment for each classifier (vs. taking the default).
    pub explicit: Box<[bool]>,
    /// The version, when the stem matches the pattern.
    pub version: Option<Version>,
    /// Byte range of the version match inside the file name.
    pub version_range: Option<std::ops::Range<usize>>,
    /// Naming problems.
    pub issues: Vec<NameIssue>,
}

impl ParsedName {
    /// Whether the name matches the version pattern but its version cannot be read (a
    /// number larger than `u64::MAX`, [`NameIssue::VersionTooLarge`]): resolution skips
    /// such a file rather than treating it as unversioned.
    pub fn version_unreadable(&self) -> bool {
        self.issues
            .iter()
            .any(|i| matches!(i, NameIssue::VersionTooLarge { .. }))
    }
}

/// The classifier whose values are the Dotprompt variants of a folder
/// (`greeting.formal.prompt` is `variant=formal`).
pub const VARIANT_CLASSIFIER: &str = "variant";

/// The value of [`VARIANT_CLASSIFIER`] for a `.prompt` file without a variant segment
/// (`greeting.prompt`), unless a declared `variant` classifier says otherwise.
pub const NO_VARIANT: &str = "default";

/// The regexes of the Dotprompt convention: the version at the end of a stem, and what
/// almost is one.
#[derive(Debug)]
struct DotpromptRules {
    /// `.vMAJOR[.MINOR[.PATCH]]` at the end of the stem (LiteLLM's `name.v1.prompt`).
    version: regex::Regex,
    /// `.v`, `.v1.2.3.4`, `.v2-beta` at the end of the stem: reported, not read.
    almost: regex::Regex,
}

impl DotpromptRules {
    fn new() -> DotpromptRules {
        let build = |re: &str| {
            regex::RegexBuilder::new(re)
                .case_insensitive(true)
                .dot_matches_new_line(true)
                .build()
                .expect("dotprompt patterns compile")
        };
        DotpromptRules {
            version: build(r"\.v([0-9]+)(?:\.([0-9]+)(?:\.([0-9]+))?)?$"),
            almost: build(r"\.v([0-9]+(?:\.[0-9]+)*)?(-.*)?$"),
        }
    }
}

/// What a Dotprompt stem says before the variant is looked up.
struct DotpromptParts<'a> {
    /// The base (`greeting`), or the whole prefix when it is not `name[.variant]`.
    base: &'a str,
    /// The variant segment (`formal`), when there is one.
    variant: Option<&'a str>,
    /// The version and its byte range in the stem.
    version: Option<(Version, std::ops::Range<usize>)>,
    /// Naming problems.
    issues: Vec<NameIssue>,
}

/// A config compiled for reading names: the pattern, the classifier lookup, the
/// prerelease order. Built once per config scope and shared; under the Dotprompt
/// convention a folder with variants gets its own ([`NamingScheme::with_variants`]).
#[derive(Debug)]
pub struct NamingScheme {
    /// The config it was built from (with the folder's `variant` classifier, under the
    /// Dotprompt convention).
    pub config: VersioningConfig,
    pattern: VersionPattern,
    loose: Option<regex::Regex>,
    /// The Dotprompt rules, under that convention.
    dotprompt: Option<DotpromptRules>,
    /// The index of [`VARIANT_CLASSIFIER`] when it holds this folder's Dotprompt variants.
    variant_ci: Option<usize>,
    /// Classifier names in the config's order (the order of [`Variant`]).
    names: Vec<String>,
    /// lower-case value -> (classifier index, value index).
    values: std::collections::HashMap<String, (u16, u16)>,
    defaults: Variant,
}

/// A shared [`NamingScheme`].
pub type SharedScheme = Arc<NamingScheme>;

impl NamingScheme {
    /// Compiles a config. Fails only on a bad `version_pattern` (the reason), which
    /// validated configs never have.
    pub fn new(config: VersioningConfig) -> Result<NamingScheme, String> {
        let declared = config.classifiers.clone();
        NamingScheme::build(config, &declared)
    }

    /// [`NamingScheme::new`] where only the values of `declared` are read from
    /// promptic-style segments (the Dotprompt variants found in names are not).
    fn build(
        config: VersioningConfig,
        declared: &std::collections::BTreeMap<String, ClassifierConfig>,
    ) -> Result<NamingScheme, String> {
        let pattern = match &config.version_pattern {
            Some(p) => VersionPattern::custom(p)?,
            None => VersionPattern::standard(&config.delimiters),
        };
        let loose = (!pattern.is_custom()).then(|| {
            regex::RegexBuilder::new(r"[_.\-]v([0-9]+(?:\.[0-9]+)*)|[_.\-]v$")
                .case_insensitive(true)
                .build()
                .expect("loose pattern compiles")
        });
        let names: Vec<String> = config.classifiers.keys().cloned().collect();
        let mut values = std::collections::HashMap::new();
        let mut defaults = Vec::new();
        for (ci, (name, c)) in config.classifiers.iter().enumerate() {
            let read = declared.get(name);
            for (vi, v) in c.values.iter().enumerate() {
                if read.is_some_and(|d| d.values.contains(v)) {
                    values.insert(v.to_ascii_lowercase(), (ci as u16, vi as u16));
                }
            }
            let d = c
                .values
                .iter()
                .position(|v| v.eq_ignore_ascii_case(&c.default))
                .unwrap_or(0);
            defaults.push(d as u16);
        }
        let dotprompt = (config.convention == Convention::Dotprompt).then(DotpromptRules::new);
        Ok(NamingScheme {
            config,
            pattern,
            loose,
            dotprompt,
            variant_ci: None,
            names,
            values,
            defaults: defaults.into(),
        })
    }

    /// The scheme of the default config.
    pub fn default_scheme() -> NamingScheme {
        NamingScheme::new(VersioningConfig::default()).expect("default config compiles")
    }

    /// This scheme with the classifier [`VARIANT_CLASSIFIER`] holding `found` (the
    /// variants of a folder's Dotprompt names, [`NamingScheme::dotprompt_variant`]): its
    /// values are [`NO_VARIANT`] then the variants sorted, unless a classifier of that
    /// name is declared, whose values and default come first. `None` when this is not the
    /// Dotprompt convention or nothing was found (this scheme reads the folder as it is).
    pub fn with_variants<'a>(
        &self,
        found: impl IntoIterator<Item = &'a str>,
    ) -> Option<NamingScheme> {
        self.dotprompt.as_ref()?;
        let mut found: Vec<&str> = found.into_iter().collect();
        if found.is_empty() {
            return None;
        }
        found.sort_unstable();
        found.dedup();
        let declared = self.config.classifiers.clone();
        let mut config = self.config.clone();
        let c = config
            .classifiers
            .entry(VARIANT_CLASSIFIER.to_string())
            .or_insert_with(|| ClassifierConfig {
                values: vec![NO_VARIANT.to_string()],
                default: NO_VARIANT.to_string(),
            });
        for v in found {
            if c.values.len() < usize::from(u16::MAX)
                && !c.values.iter().any(|x| x.eq_ignore_ascii_case(v))
            {
                c.values.push(v.to_string());
            }
        }
        let mut scheme = NamingScheme::build(config, &declared).ok()?;
        scheme.variant_ci = scheme.names.iter().position(|n| n == VARIANT_CLASSIFIER);
        Some(scheme)
    }

    /// The index of value `value` (case-insensitive) of classifier `ci`, if it has it.
    pub fn value_of(&self, ci: usize, value: &str) -> Option<u16> {
        let name = self.names.get(ci)?;
        self.config.classifiers[name]
            .values
            .iter()
            .position(|v| v.eq_ignore_ascii_case(value))
            .map(|vi| vi as u16)
    }

    /// Whether `name` is read by the Dotprompt convention: a `.prompt` file (any case)
    /// in a folder whose `convention` is `"dotprompt"`.
    pub fn is_dotprompt_name(&self, name: &str) -> bool {
        self.dotprompt.is_some()
            && name
                .rsplit_once('.')
                .is_some_and(|(stem, ext)| !stem.is_empty() && ext.eq_ignore_ascii_case("prompt"))
    }

    /// The variant segment of a Dotprompt name (`formal` of `greeting.formal.v2.prompt`),
    /// if it has one: what [`NamingScheme::with_variants`] is given for a folder.
    pub fn dotprompt_variant<'a>(&self, name: &'a str) -> Option<&'a str> {
        if !self.is_dotprompt_name(name) || !self.config.is_prompt_extension("prompt") {
            return None;
        }
        self.dotprompt_parts(&name[..name.len() - ".prompt".len()])
            .variant
    }

    /// Reads a Dotprompt stem: `_partial`, `name`, `name.variant`, each optionally with
    /// `.vMAJOR[.MINOR[.PATCH]]` after it.
    fn dotprompt_parts<'a>(&self, stem: &'a str) -> DotpromptParts<'a> {
        let rules = self.dotprompt.as_ref().expect("the Dotprompt convention");
        let mut issues = Vec::new();
        // A partial (`_header.prompt`) is included by other prompts: never versioned.
        if stem.starts_with('_') {
            return DotpromptParts {
                base: stem,
                variant: None,
                version: None,
                issues,
            };
        }
        let mut prefix = stem;
        let mut version = None;
        if let Some(caps) = rules.version.captures(stem)
            && let Some(whole) = caps.get(0).filter(|m| m.start() > 0)
        {
            prefix = &stem[..whole.start()];
            let part = |i: usize| caps.get(i).map_or(Ok(0), |m| parse_number(m.as_str()));
            let read = (|| {
                Ok::<_, VersionError>(Version {
                    major: part(1)?,
                    minor: part(2)?,
                    patch: part(3)?,
                    prerelease: None,
                })
            })();
            match read {
                Ok(v) => version = Some((v, whole.range())),
                Err(VersionError::NumberTooLarge { number }) => {
                    issues.push(NameIssue::VersionTooLarge { number });
                }
                Err(VersionError::NotAVersion) => prefix = stem,
            }
        } else if let Some(caps) = rules.almost.captures(stem)
            && caps.get(0).is_some_and(|m| m.start() > 0)
        {
            let text = &stem[caps.get(0).map_or(0, |m| m.start()) + 1..];
            let reason = match (caps.get(1), caps.get(2)) {
                (None, _) => format!("`{text}` has `v` but no version number"),
                (Some(n), _) if n.as_str().split('.').count() > 3 => {
                    format!("`{text}` has more than three version numbers (MAJOR.MINOR.PATCH)")
                }
                _ => format!(
                    "`{text}` has a prerelease, which Dotprompt versions (`name.v2.prompt`) do not have"
                ),
            };
            issues.push(NameIssue::MalformedVersion { reason, fix: None });
        }
        let (base, variant) = match prefix.split_once('.') {
            None => (prefix, None),
            Some((b, v)) if !b.is_empty() && !v.is_empty() && !v.contains('.') => (b, Some(v)),
            Some(_) => {
                if issues.is_empty() {
                    issues.push(NameIssue::MalformedVersion {
                        reason: format!(
                            "`{prefix}` has an empty or a second segment, so it is not Dotprompt's `name.variant`: the whole `{prefix}` is the prompt's name"
                        ),
                        fix: None,
                    });
                }
                (prefix, None)
            }
        };
        DotpromptParts {
            base,
            variant,
            version,
            issues,
        }
    }

    /// [`NamingScheme::parse`] of a Dotprompt name (`stem` is the name without `.prompt`).
    fn parse_dotprompt(&self, stem: &str, ext: &str) -> ParsedName {
        let parts = self.dotprompt_parts(stem);
        let mut variant = self.defaults.to_vec();
        let mut explicit = vec![false; self.names.len()];
        let mut base = parts.base;
        if let Some(seg) = parts.variant {
            match self
                .variant_ci
                .and_then(|ci| Some((ci, self.value_of(ci, seg)?)))
            {
                Some((ci, vi)) => {
                    variant[ci] = vi;
                    explicit[ci] = true;
                }
                // A variant this folder has no file of (a hint, a name being typed):
                // the whole `name.variant` is the prompt it names.
                None => base = &stem[..parts.base.len() + 1 + seg.len()],
            }
        }
        let (version, version_range) = match parts.version {
            Some((v, r)) => (Some(v), Some(r)),
            None => (None, None),
        };
        ParsedName {
            base: base.into(),
            ext: ext.into(),
            variant: variant.into(),
            explicit: explicit.into(),
            version,
            version_range,
            issues: parts.issues,
        }
    }

    /// The compiled version pattern.
    pub fn pattern(&self) -> &VersionPattern {
        &self.pattern
    }

    /// Declared classifier names, in [`Variant`] order.
    pub fn classifier_names(&self) -> &[String] {
        &self.names
    }

    /// The variant of a file without classifier segments (every default).
    pub fn default_variant(&self) -> Variant {
        self.defaults.clone()
    }

    /// Looks a classifier value up (case-insensitive): (classifier index, value index).
    pub fn lookup_value(&self, value: &str) -> Option<(u16, u16)> {
        self.values.get(&value.to_ascii_lowercase()).copied()
    }

    /// The value text of classifier `ci`, value `vi` (as declared).
    pub fn value_name(&self, ci: usize, vi: u16) -> &str {
        let name = &self.names[ci];
        &self.config.classifiers[name].values[vi as usize]
    }

    /// A variant as a map of classifier name -> value.
    pub fn variant_map(&self, variant: &[u16]) -> std::collections::BTreeMap<String, String> {
        variant
            .iter()
            .enumerate()
            .map(|(ci, &vi)| (self.names[ci].clone(), self.value_name(ci, vi).to_string()))
            .collect()
    }

    /// A short label of a variant (`lang=ru`), empty without classifiers.
    pub fn variant_label(&self, variant: &[u16]) -> String {
        self.variant_map(variant)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Parses a version spec as the user wrote it in a request: the standard syntax
    /// (`v2`, `1.0.0`, `v1-rc.1`) or, with a custom pattern, the pattern's own spelling
    /// (`rev2` for `_rev(?P<major>\d+)`). `None` for anything else, including numbers
    /// larger than `u64::MAX` ([`NamingScheme::try_parse_version_spec`] says which).
    pub fn parse_version_spec(&self, spec: &str) -> Option<Version> {
        self.try_parse_version_spec(spec).ok()
    }

    /// [`NamingScheme::parse_version_spec`] with the reason of a failure: a number that
    /// does not fit is [`VersionError::NumberTooLarge`], never a different version.
    pub fn try_parse_version_spec(&self, spec: &str) -> Result<Version, VersionError> {
        let standard = Version::try_parse_spec(spec, &self.config.prerelease_order);
        if standard.is_ok() || !self.pattern.is_custom() {
            return standard;
        }
        let mut error = standard.unwrap_err();
        for prefix in ["", "_", "-", "."] {
            let text = format!("{prefix}{spec}");
            if let Some(m) = self.pattern.last_match(&text)
                && m.range == (0..text.len())
            {
                match self.version_of(&text, &m) {
                    Ok(v) => return Ok(v),
                    Err(e @ VersionError::NumberTooLarge { .. }) => error = e,
                    Err(VersionError::NotAVersion) => {}
                }
            }
        }
        Err(error)
    }

    /// The version a pattern match spells. A part that does not fit in a `u64` is
    /// [`VersionError::NumberTooLarge`]; a part that is not ASCII digits (a custom pattern
    /// can capture anything) is [`VersionError::NotAVersion`].
    fn version_of(&self, text: &str, m: &VersionMatch) -> Result<Version, VersionError> {
        let num = |r: &Option<std::ops::Range<usize>>| -> Result<u64, VersionError> {
            match r {
                Some(r) => parse_number(&text[r.clone()]),
                None => Ok(0),
            }
        };
        Ok(Version {
            major: parse_number(&text[m.major.clone()])?,
            minor: num(&m.minor)?,
            patch: num(&m.patch)?,
            prerelease: m
                .prerelease
                .clone()
                .filter(|r| !r.is_empty())
                .map(|r| Prerelease::new(&text[r], &self.config.prerelease_order)),
        })
    }

    /// Whether `name` has a prompt extension of this config (V-1).
    pub fn is_prompt_file(&self, name: &str) -> bool {
        name.rsplit_once('.')
            .is_some_and(|(stem, ext)| !stem.is_empty() && self.config.is_prompt_extension(ext))
    }

    /// Reads a file name (no folder). `None` when it is not a prompt file (V-1).
    pub fn parse(&self, name: &str) -> Option<ParsedName> {
        let (stem, ext) = name.rsplit_once('.')?;
        if stem.is_empty() || !self.config.is_prompt_extension(ext) {
            return None;
        }
        if self.is_dotprompt_name(name) {
            return Some(self.parse_dotprompt(stem, ext));
        }
        let mut issues = Vec::new();
        let m = self.pattern.last_match(stem);
        let read = m.as_ref().map(|m| self.version_of(stem, m));
        let too_large = match &read {
            Some(Err(VersionError::NumberTooLarge { number })) => Some(number.clone()),
            _ => None,
        };
        let version = read.and_then(Result::ok);
        let (prefix, after) = match &m {
            Some(m) if version.is_some() || too_large.is_some() => {
                (&stem[..m.range.start], &stem[m.range.end..])
            }
            _ => (stem, ""),
        };
        let (base, variant, explicit) = self.split_classifiers(prefix);
        if let Some(number) = too_large {
            tracing::debug!(name, %number, "version number too large: file left out of resolution");
            issues.push(NameIssue::VersionTooLarge { number });
        } else if let Some(v) = &version {
            self.check_after_version(
                name,
                stem,
                ext,
                prefix,
                after,
                v,
                m.as_ref().unwrap(),
                &mut issues,
            );
        } else if let Some(loose) = &self.loose {
            self.check_almost(stem, ext, loose, &mut issues);
        }
        Some(ParsedName {
            base: base.into(),
            ext: ext.into(),
            variant,
            explicit,
            version_range: version.as_ref().and(m.map(|m| m.range)),
            version,
            issues,
        })
    }

    /// Splits trailing classifier segments off `prefix` (V-3): (base, variant, explicit).
    pub fn split_classifiers<'a>(&self, prefix: &'a str) -> (&'a str, Variant, Box<[bool]>) {
        let mut variant = self.defaults.to_vec();
        let mut explicit = vec![false; self.names.len()];
        let mut base = prefix;
        if !self.names.is_empty() {
            while let Some(i) = base.rfind(|c| self.config.delimiters.contains(&c)) {
                let seg = &base[i + 1..];
                match self.lookup_value(seg) {
                    Some((ci, vi)) if !explicit[ci as usize] && i > 0 => {
                        variant[ci as usize] = vi;
                        explicit[ci as usize] = true;
                        base = &base[..i];
                    }
                    _ => break,
                }
            }
        }
        (base, variant.into(), explicit.into())
    }

    #[allow(clippy::too_many_arguments)]
    fn check_after_version(
        &self,
        name: &str,
        stem: &str,
        ext: &str,
        prefix: &str,
        after: &str,
        v: &Version,
        m: &VersionMatch,
        issues: &mut Vec<NameIssue>,
    ) {
        let d = self.config.delimiters[0];
        // A classifier value after the version: `_en` left over, or `-en` read as a prerelease.
        let mut moved = None;
        if let Some(rest) = after.strip_prefix(|c| self.config.delimiters.contains(&c))
            && self.lookup_value(rest).is_some()
        {
            moved = Some(rest.to_string());
        } else if let Some(pre) = &v.prerelease
            && self.lookup_value(&pre.text).is_some()
        {
            moved = Some(pre.text.to_string());
        }
        if let Some(value) = moved {
            let version_text = if after.is_empty() {
                &stem[m.range.start..m.prerelease.as_ref().map_or(m.range.end, |p| p.start - 1)]
            } else {
                &stem[m.range.clone()]
            };
            let fix = (!self.pattern.is_custom())
                .then(|| format!("{prefix}{d}{value}{version_text}.{ext}"));
            issues.push(NameIssue::ClassifierAfterVersion { value, fix });
            return;
        }
        if let Some(pre) = &v.prerelease
            && !pre.is_known_label(&self.config.prerelease_order)
        {
            issues.push(NameIssue::UnknownPrereleaseLabel {
                label: pre.text.to_string(),
            });
        }
        if !self.pattern.is_custom()
            && after.starts_with('.')
            && after[1..].starts_with(|c: char| c.is_ascii_digit())
        {
            issues.push(NameIssue::MalformedVersion {
                reason: format!(
                    "`{}` has more than three version numbers (MAJOR.MINOR.PATCH)",
                    &name[m.range.start..]
                ),
                fix: None,
            });
        }
    }

    fn check_almost(
        &self,
        stem: &str,
        ext: &str,
        loose: &regex::Regex,
        issues: &mut Vec<NameIssue>,
    ) {
        let Some(caps) = loose.captures_iter(stem).last() else {
            return;
        };
        let whole = caps.get(0).unwrap();
        if whole.end() != stem.len() {
            return;
        }
        let used = stem[whole.start()..].chars().next().unwrap();
        let accepted: String = self
            .config
            .delimiters
            .iter()
            .map(|d| format!("\"{d}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let (reason, fix) = match caps.get(1) {
            None => ("has `v` but no version number".to_string(), None),
            Some(nums) if nums.as_str().split('.').count() > 3 => (
                format!("has more than three version numbers (`{}`)", nums.as_str()),
                None,
            ),
            Some(_) if !self.config.delimiters.contains(&used) => {
                let fixed = format!(
                    "{}{}{}.{ext}",
                    &stem[..whole.start()],
                    self.config.delimiters[0],
                    &stem[whole.start() + 1..]
                );
                (
                    format!("uses the delimiter \"{used}\" where this folder accepts {accepted}"),
                    Some(fixed),
                )
            }
            Some(_) => return,
        };
        issues.push(NameIssue::MalformedVersion { reason, fix });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versioning::ClassifierConfig;

    fn scheme(delims: &[char]) -> NamingScheme {
        let mut c = VersioningConfig {
            delimiters: delims.to_vec(),
            ..Default::default()
        };
        c.classifiers.insert(
            "lang".into(),
            ClassifierConfig {
                values: vec!["en".into(), "ru".into(), "de".into()],
                default: "en".into(),
            },
        );
        NamingScheme::new(c).unwrap()
    }

    #[test]
    fn v3_segments() {
        let s = scheme(&['-']);
        let p = s.parse("prompt-en-v1-rc.1.md").unwrap();
        assert_eq!(&*p.base, "prompt");
        assert_eq!(s.variant_label(&p.variant), "lang=en");
        assert_eq!(p.version.unwrap().to_string(), "v1.0.0-rc.1");
        let p = s.parse("prompt-ru-v2.md").unwrap();
        assert_eq!(s.variant_label(&p.variant), "lang=ru");
    }

    #[test]
    fn v1_extension_is_never_swallowed() {
        let s = scheme(&['_']);
        let p = s.parse("prompt_v1.0.0-beta.md").unwrap();
        assert_eq!(p.version.unwrap().prerelease.unwrap().text.as_ref(), "beta");
        assert!(s.parse("notes.rs").is_none());
        assert!(s.parse(".md").is_none());
    }

    #[test]
    fn v9_classifier_after_version() {
        let s = scheme(&['_']);
        let p = s.parse("task_v1_en.md").unwrap();
        assert_eq!(
            p.issues,
            vec![NameIssue::ClassifierAfterVersion {
                value: "en".into(),
                fix: Some("task_en_v1.md".into())
            }]
        );
        let s = scheme(&['-']);
        let p = s.parse("task-v1-ru.md").unwrap();
        assert_eq!(
            p.issues,
            vec![NameIssue::ClassifierAfterVersion {
                value: "ru".into(),
                fix: Some("task-ru-v1.md".into())
            }]
        );
    }

    #[test]
    fn v9_numbers_that_do_not_fit() {
        let s = scheme(&['_']);
        let p = s.parse("c_ru_v999999999999999999999.0.0.md").unwrap();
        assert_eq!(&*p.base, "c");
        assert_eq!(s.variant_label(&p.variant), "lang=ru");
        assert_eq!(p.version, None);
        assert_eq!(p.version_range, None);
        assert!(p.version_unreadable());
        assert_eq!(
            p.issues,
            vec![NameIssue::VersionTooLarge {
                number: "999999999999999999999".into()
            }]
        );
        assert_eq!(
            s.try_parse_version_spec("2.18446744073709551616"),
            Err(VersionError::NumberTooLarge {
                number: "18446744073709551616".into()
            })
        );
    }

    #[test]
    fn v9_almost_matches() {
        let s = scheme(&['_']);
        let issue = |n: &str| s.parse(n).unwrap().issues;
        assert!(
            matches!(&issue("task-v1.md")[0], NameIssue::MalformedVersion { fix: Some(f), .. } if f == "task_v1.md")
        );
        assert!(matches!(
            &issue("task_v.md")[0],
            NameIssue::MalformedVersion { fix: None, .. }
        ));
        assert!(matches!(
            &issue("task_v1.0.0.0.md")[0],
            NameIssue::MalformedVersion { fix: None, .. }
        ));
        assert!(issue("task_v1.md").is_empty());
        assert!(issue("task.md").is_empty());
        assert!(
            matches!(&issue("task_v1-gamma.md")[0], NameIssue::UnknownPrereleaseLabel { label } if label == "gamma")
        );
    }

    /// A Dotprompt scheme for a folder holding `names` (its variants found first, as the
    /// index does).
    fn dotprompt(names: &[&str]) -> NamingScheme {
        let shared = NamingScheme::new(VersioningConfig {
            convention: Convention::Dotprompt,
            ..Default::default()
        })
        .unwrap();
        shared
            .with_variants(names.iter().filter_map(|n| shared.dotprompt_variant(n)))
            .unwrap_or(shared)
    }

    #[test]
    fn dotprompt_names_map_to_base_variant_and_version() {
        let folder = [
            "greeting.prompt",
            "greeting.formal.prompt",
            "greeting.v1.prompt",
            "greeting.formal.v2.1.prompt",
            "chat.V3.0.7.prompt",
            "_header.prompt",
            "_header.v2.prompt",
            "a..prompt",
            "a.b.c.prompt",
            "x.v.prompt",
            "x.v1.2.3.4.prompt",
            "y.v2-beta.prompt",
            "vintage.vintage.prompt",
            "task_v1.md",
            "task_formal_v1.md",
            "notes.txt",
        ];
        let s = dotprompt(&folder);
        assert_eq!(s.classifier_names(), ["variant"]);
        // name -> (base, variant, version, issue count)
        let table: &[(&str, &str, &str, Option<&str>, usize)] = &[
            ("greeting.prompt", "greeting", "default", None, 0),
            ("greeting.formal.prompt", "greeting", "formal", None, 0),
            (
                "greeting.v1.prompt",
                "greeting",
                "default",
                Some("v1.0.0"),
                0,
            ),
            (
                "greeting.formal.v2.1.prompt",
                "greeting",
                "formal",
                Some("v2.1.0"),
                0,
            ),
            ("chat.V3.0.7.prompt", "chat", "default", Some("v3.0.7"), 0),
            // Partials are never split or versioned.
            ("_header.prompt", "_header", "default", None, 0),
            ("_header.v2.prompt", "_header.v2", "default", None, 0),
            // Not `name.variant`: the whole prefix is the name, reported.
            ("a..prompt", "a.", "default", None, 1),
            ("a.b.c.prompt", "a.b.c", "default", None, 1),
            // Almost a version: reported, read as Genkit reads it (the segment is a variant).
            ("x.v.prompt", "x", "v", None, 1),
            ("x.v1.2.3.4.prompt", "x.v1.2.3.4", "default", None, 1),
            ("y.v2-beta.prompt", "y", "v2-beta", None, 1),
            ("vintage.vintage.prompt", "vintage", "vintage", None, 0),
            // Other extensions keep promptic's names; variants are never read from them.
            ("task_v1.md", "task", "default", Some("v1.0.0"), 0),
            (
                "task_formal_v1.md",
                "task_formal",
                "default",
                Some("v1.0.0"),
                0,
            ),
            ("notes.txt", "notes", "default", None, 0),
            // A variant the folder has no file of: `name.variant` is the prompt's name.
            (
                "greeting.casual.prompt",
                "greeting.casual",
                "default",
                None,
                0,
            ),
            ("GREETING.FORMAL.PROMPT", "GREETING", "FORMAL", None, 0),
        ];
        for &(name, base, variant, version, issues) in table {
            let p = s
                .parse(name)
                .unwrap_or_else(|| panic!("{name} is a prompt file"));
            assert_eq!(&*p.base, base, "{name}");
            let shown = s.variant_map(&p.variant)["variant"].to_ascii_uppercase();
            assert_eq!(shown, variant.to_ascii_uppercase(), "{name}");
            assert_eq!(
                p.version.as_ref().map(|v| v.to_string()).as_deref(),
                version,
                "{name}"
            );
            assert_eq!(p.issues.len(), issues, "{name}: {:?}", p.issues);
        }
        // The version's range is `.vN…` inside the name.
        let p = s.parse("greeting.formal.v2.1.prompt").unwrap();
        assert_eq!(p.version_range, Some(15..20));
        // No stem, no prompt file.
        assert!(s.parse(".prompt").is_none());
        assert!(s.parse("prompt").is_none());
    }

    #[test]
    fn dotprompt_numbers_past_u64_max_are_unreadable_not_another_version() {
        let s = dotprompt(&["x.v99999999999999999999999.prompt"]);
        let p = s.parse("x.v99999999999999999999999.prompt").unwrap();
        assert_eq!(&*p.base, "x");
        assert_eq!(p.version, None);
        assert!(p.version_unreadable());
        assert_eq!(
            p.issues,
            vec![NameIssue::VersionTooLarge {
                number: "99999999999999999999999".into()
            }]
        );
        let p = s.parse("x.formal.v1.18446744073709551616.prompt").unwrap();
        assert_eq!(&*p.base, "x.formal", "no such variant in this folder");
        assert!(p.version_unreadable());
        // The largest number that fits is read.
        let p = s.parse("x.v18446744073709551615.prompt").unwrap();
        assert_eq!(p.version.unwrap().major, u64::MAX);
    }

    #[test]
    fn without_the_key_prompt_files_keep_promptic_names() {
        let s = NamingScheme::default_scheme();
        assert!(!s.is_dotprompt_name("greeting.formal.prompt"));
        assert_eq!(s.dotprompt_variant("greeting.formal.prompt"), None);
        assert!(s.with_variants(["formal"]).is_none());
        let p = s.parse("greeting.formal.prompt").unwrap();
        assert_eq!(&*p.base, "greeting.formal");
        assert!(s.classifier_names().is_empty());
        let p = s.parse("greeting_v2.prompt").unwrap();
        assert_eq!(p.version.unwrap().to_string(), "v2.0.0");
    }

    #[test]
    fn a_declared_variant_classifier_takes_the_found_variants_too() {
        let mut c = VersioningConfig {
            convention: Convention::Dotprompt,
            ..Default::default()
        };
        c.classifiers.insert(
            "variant".into(),
            ClassifierConfig {
                values: vec!["plain".into(), "formal".into()],
                default: "plain".into(),
            },
        );
        c.classifiers.insert(
            "lang".into(),
            ClassifierConfig {
                values: vec!["en".into(), "formal2".into()],
                default: "en".into(),
            },
        );
        let shared = NamingScheme::new(c).unwrap();
        let s = shared.with_variants(["casual", "formal"]).unwrap();
        assert_eq!(s.classifier_names(), ["lang", "variant"]);
        let p = s.parse("greeting.prompt").unwrap();
        assert_eq!(s.variant_label(&p.variant), "lang=en,variant=plain");
        let p = s.parse("greeting.casual.v3.prompt").unwrap();
        assert_eq!(s.variant_label(&p.variant), "lang=en,variant=casual");
        // A found variant is not read from promptic-style names; declared values are.
        assert_eq!(&*s.parse("task_casual_v1.md").unwrap().base, "task_casual");
        let p = s.parse("task_formal_v1.md").unwrap();
        assert_eq!(&*p.base, "task");
        assert_eq!(s.variant_label(&p.variant), "lang=en,variant=formal");
    }
}
