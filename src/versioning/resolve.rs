//! Choosing one file for a request (V-5, V-6) and the errors of V-8.

use std::collections::BTreeMap;
use std::fmt;

use super::name::{NamingScheme, ParsedName, Variant};
use super::version::{Version, VersionError};

/// A version spec (V-5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSpec {
    /// The newest release (or newest of all with `include_prerelease`).
    Latest,
    /// The newest prerelease.
    LatestPrerelease,
    /// One version as the user wrote it (`v2`, `1.0.0`, `v1-rc.1`).
    Explicit(String),
}

impl VersionSpec {
    /// Reads `latest`, `latest-prerelease` or anything else as explicit.
    pub fn parse(text: &str) -> VersionSpec {
        match text.trim() {
            "" | "latest" => VersionSpec::Latest,
            "latest-prerelease" => VersionSpec::LatestPrerelease,
            other => VersionSpec::Explicit(other.to_string()),
        }
    }
}

impl fmt::Display for VersionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionSpec::Latest => f.write_str("latest"),
            VersionSpec::LatestPrerelease => f.write_str("latest-prerelease"),
            VersionSpec::Explicit(s) => f.write_str(s),
        }
    }
}

/// A hierarchical version spec (V-5): the root prompt's version and versions of nested
/// prompts by path; everything else takes `latest`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HierarchicalSpec {
    /// Keys (`root`, `instructions/process`) and their version specs.
    pub entries: BTreeMap<String, String>,
}

impl HierarchicalSpec {
    /// The spec for the root prompt.
    pub fn root(&self) -> VersionSpec {
        self.entries
            .get("root")
            .map_or(VersionSpec::Latest, |s| VersionSpec::parse(s))
    }

    /// The spec for a nested prompt at `path` (relative to the root prompt's folder,
    /// with or without extension).
    pub fn nested(&self, path: &str) -> VersionSpec {
        let key = path.trim_start_matches("./");
        let stem = key.rsplit_once('.').map_or(key, |(s, _)| s);
        self.entries
            .get(key)
            .or_else(|| self.entries.get(stem))
            .map_or(VersionSpec::Latest, |s| VersionSpec::parse(s))
    }
}

/// The error names of V-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `VersionNotFoundError`.
    VersionNotFound,
    /// `ClassifierNotFoundError`.
    ClassifierNotFound,
    /// `InvalidVersionPatternError`.
    InvalidVersionPattern,
    /// `InvalidConfigError`.
    InvalidConfig,
    /// `PromptNotFoundError`.
    PromptNotFound,
    /// `DuplicateVersionError`.
    DuplicateVersion,
}

impl ErrorKind {
    /// The V-8 name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::VersionNotFound => "VersionNotFoundError",
            ErrorKind::ClassifierNotFound => "ClassifierNotFoundError",
            ErrorKind::InvalidVersionPattern => "InvalidVersionPatternError",
            ErrorKind::InvalidConfig => "InvalidConfigError",
            ErrorKind::PromptNotFound => "PromptNotFoundError",
            ErrorKind::DuplicateVersion => "DuplicateVersionError",
        }
    }
}

/// Which classifier of a request failed (V-6), for faces that point at it (the key or the
/// value of a reference's classifier map).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassifierProblem {
    /// The classifier name is not declared in the config.
    Undeclared {
        /// The name as requested.
        name: String,
    },
    /// The classifier is declared but no candidate file has the value (an implicit
    /// default included: then `value` is the default).
    MissingValue {
        /// The classifier name.
        name: String,
        /// The value as requested (or the default).
        value: String,
        /// Whether the value came from the request (`false`: the classifier's default,
        /// because the request did not name this classifier).
        requested: bool,
    },
}

/// A resolution error (V-8): name, one-line message, and structured facts about the
/// request (target, version spec, failed classifier, source range) for faces to use —
/// nothing needs to be read back out of `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// Which error.
    pub kind: ErrorKind,
    /// One line (no error name; [`fmt::Display`] prefixes it).
    pub message: String,
    /// The target as requested.
    pub target: String,
    /// The version spec of the request.
    pub spec: VersionSpec,
    /// What exists instead: versions (newest first), classifier values or names, files.
    pub available: Vec<String>,
    /// `latest` failed only because every candidate is a prerelease (`prerelease-only`).
    pub prerelease_only: bool,
    /// The classifier that failed, for [`ErrorKind::ClassifierNotFound`] (boxed, like
    /// `range`, to keep `Result<_, ResolveError>` small).
    pub classifier: Option<Box<ClassifierProblem>>,
    /// Byte range in the referring file that the error is about (the version literal, the
    /// classifier key or value, or the target), when the request came from a reference;
    /// `None` for requests without a source (CLI, commands).
    pub range: Option<Box<std::ops::Range<usize>>>,
}

impl ResolveError {
    /// A new error for a request of `target` with `spec`; no classifier problem, no range.
    pub fn new(
        kind: ErrorKind,
        target: &str,
        spec: &VersionSpec,
        message: String,
        available: Vec<String>,
    ) -> Self {
        ResolveError {
            kind,
            message,
            target: target.to_string(),
            spec: spec.clone(),
            available,
            prerelease_only: false,
            classifier: None,
            range: None,
        }
    }

    fn with_classifier(mut self, problem: ClassifierProblem) -> Self {
        self.classifier = Some(Box::new(problem));
        self
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for ResolveError {}

/// A file that resolution may pick: its name and what the name says.
#[derive(Debug, Clone, Copy)]
pub struct CandidateFile<'a> {
    /// The file name.
    pub name: &'a str,
    /// The parsed name.
    pub parsed: &'a ParsedName,
}

/// The outcome of [`select`]: which candidate and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Index into the candidates.
    pub index: usize,
    /// Why this one, in words (hover shows it).
    pub reason: String,
}

/// Options of one request.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions<'a> {
    /// The classifier map, if the request gives one.
    pub classifier: Option<&'a BTreeMap<String, String>>,
    /// Overrides the config's `include_prerelease` (CLI `--include-prerelease`).
    pub include_prerelease: Option<bool>,
}

/// Checks a request's classifier map against `candidates` (V-6) and returns, per declared
/// classifier (in [`Variant`] order), the requested value index, or `None` where the map
/// does not name that classifier.
///
/// Errors (all [`ErrorKind::ClassifierNotFound`]): a name that is not declared (available:
/// the declared names), or a value that no candidate has (available: the values the
/// candidates do have, in declaration order). Candidates whose version cannot be read
/// ([`ParsedName::version_unreadable`]) do not count. Used by [`select`] and by version
/// listings, so both answer the same.
pub fn requested_variant(
    scheme: &NamingScheme,
    target: &str,
    spec: &VersionSpec,
    candidates: &[CandidateFile<'_>],
    classifier: Option<&BTreeMap<String, String>>,
) -> Result<Vec<Option<u16>>, ResolveError> {
    let names = scheme.classifier_names();
    let mut requested: Vec<Option<u16>> = vec![None; names.len()];
    for (key, value) in classifier.into_iter().flatten() {
        let Some(ci) = names.iter().position(|n| n == key) else {
            return Err(ResolveError::new(
                ErrorKind::ClassifierNotFound,
                target,
                spec,
                if names.is_empty() {
                    format!(
                        "classifier `{key}` is not declared (no classifiers are declared in the config)"
                    )
                } else {
                    format!(
                        "classifier `{key}` is not declared; declared: {}",
                        shown_list(names)
                    )
                },
                names.to_vec(),
            )
            .with_classifier(ClassifierProblem::Undeclared { name: key.clone() }));
        };
        match scheme.value_of(ci, value) {
            Some(vi) if has_value(candidates, ci, vi) => {
                requested[ci] = Some(vi);
            }
            _ => {
                return Err(missing_value(
                    scheme, target, spec, candidates, ci, value, true,
                ));
            }
        }
    }
    Ok(requested)
}

fn usable<'c, 'a>(
    candidates: &'c [CandidateFile<'a>],
) -> impl Iterator<Item = &'c CandidateFile<'a>> {
    candidates.iter().filter(|c| !c.parsed.version_unreadable())
}

fn has_value(candidates: &[CandidateFile<'_>], ci: usize, vi: u16) -> bool {
    usable(candidates).any(|c| c.parsed.variant[ci] == vi)
}

/// `ClassifierNotFoundError` for classifier `ci` and `value` (requested or the default):
/// the same answer either way (V-6).
fn missing_value(
    scheme: &NamingScheme,
    target: &str,
    spec: &VersionSpec,
    candidates: &[CandidateFile<'_>],
    ci: usize,
    value: &str,
    requested: bool,
) -> ResolveError {
    let key = &scheme.classifier_names()[ci];
    let existing = existing_values(scheme, candidates, ci);
    ResolveError::new(
        ErrorKind::ClassifierNotFound,
        target,
        spec,
        format!(
            "no file of `{target}` has {key}={value}; available: {}",
            shown_list(&existing)
        ),
        existing,
    )
    .with_classifier(ClassifierProblem::MissingValue {
        name: key.clone(),
        value: value.to_string(),
        requested,
    })
}

/// Picks one of `candidates` (the files of one prompt, or of one folder in directory mode)
/// for `spec` (V-5) under classifier filtering (V-6). `target` names the request in
/// messages.
///
/// Every declared classifier filters: by the requested value, else by its default. A
/// default that no candidate has is the same error as asking for it explicitly
/// (`ClassifierNotFoundError` listing the values that exist); resolution never picks across
/// variants.
pub fn select(
    scheme: &NamingScheme,
    target: &str,
    candidates: &[CandidateFile<'_>],
    spec: &VersionSpec,
    opts: &RequestOptions<'_>,
) -> Result<Selection, ResolveError> {
    let names = scheme.classifier_names();
    let requested = requested_variant(scheme, target, spec, candidates, opts.classifier)?;
    let defaults = scheme.default_variant();
    let mut filter: Vec<u16> = Vec::with_capacity(names.len());
    for (ci, wanted) in requested.iter().enumerate() {
        let vi = wanted.unwrap_or(defaults[ci]);
        // An implicit default is checked exactly like a requested value (V-6). With no
        // usable candidate at all there is nothing to list: the version errors below say so.
        if wanted.is_none() && usable(candidates).next().is_some() && !has_value(candidates, ci, vi)
        {
            let value = scheme.value_name(ci, vi).to_string();
            return Err(missing_value(
                scheme, target, spec, candidates, ci, &value, false,
            ));
        }
        filter.push(vi);
    }
    let matches_variant = |v: &Variant| **v == *filter;
    let in_variant: Vec<usize> = (0..candidates.len())
        .filter(|&i| {
            !candidates[i].parsed.version_unreadable()
                && matches_variant(&candidates[i].parsed.variant)
        })
        .collect();
    let variant_text = {
        let parts: Vec<String> = filter
            .iter()
            .enumerate()
            .map(|(ci, &vi)| format!("{}={}", names[ci], scheme.value_name(ci, vi)))
            .collect();
        parts.join(",")
    };
    let for_variant = if variant_text.is_empty() {
        String::new()
    } else {
        format!(" for {variant_text}")
    };
    let versioned: Vec<(usize, &Version)> = in_variant
        .iter()
        .filter_map(|&i| candidates[i].parsed.version.as_ref().map(|v| (i, v)))
        .collect();
    let available = |list: &[(usize, &Version)]| -> Vec<String> {
        let mut vs: Vec<&Version> = list.iter().map(|(_, v)| *v).collect();
        // A prompt's files come newest first: sorted already but for a folder's.
        if !vs.is_sorted_by(|a, b| a >= b) {
            vs.sort_by(|a, b| b.cmp(a));
        }
        vs.dedup();
        vs.iter().map(|v| v.to_string()).collect()
    };

    if versioned.is_empty() {
        let unversioned: Vec<usize> = in_variant
            .iter()
            .copied()
            .filter(|&i| candidates[i].parsed.version.is_none())
            .collect();
        return match spec {
            VersionSpec::Latest if !unversioned.is_empty() => Ok(Selection {
                index: unversioned[0],
                reason: "no versioned file: `latest` is the unversioned file".into(),
            }),
            _ => {
                let all: Vec<(usize, &Version)> = candidates
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| c.parsed.version.as_ref().map(|v| (i, v)))
                    .collect();
                let avail = available(&all);
                let what = match spec {
                    VersionSpec::Explicit(s) => format!("version {s}"),
                    other => format!("`{other}`"),
                };
                let msg = if avail.is_empty() {
                    format!("`{target}` has no versioned files, so {what} does not exist")
                } else {
                    format!(
                        "{what} of `{target}` does not exist{for_variant}; versions of other variants: {}",
                        shown_list(&avail)
                    )
                };
                Err(ResolveError::new(
                    ErrorKind::VersionNotFound,
                    target,
                    spec,
                    msg,
                    avail,
                ))
            }
        };
    }

    let include_pre = opts
        .include_prerelease
        .unwrap_or(scheme.config.include_prerelease);
    let (pool, reason): (Vec<(usize, &Version)>, String) = match spec {
        VersionSpec::Latest => {
            let releases: Vec<(usize, &Version)> = versioned
                .iter()
                .copied()
                .filter(|(_, v)| !v.is_prerelease())
                .collect();
            if include_pre {
                let best = max_of(&versioned);
                (
                    versioned
                        .iter()
                        .copied()
                        .filter(|(_, v)| *v == best)
                        .collect(),
                    format!(
                        "`latest` with prereleases: newest of {}{for_variant}",
                        versions(count(&versioned))
                    ),
                )
            } else if releases.is_empty() {
                let mut e = ResolveError::new(
                    ErrorKind::VersionNotFound,
                    target,
                    spec,
                    format!(
                        "`{target}` has only prereleases{for_variant} ({}); set include_prerelease = true or ask for latest-prerelease",
                        shown_list(&available(&versioned))
                    ),
                    available(&versioned),
                );
                e.prerelease_only = true;
                return Err(e);
            } else {
                let best = max_of(&releases);
                (
                    releases
                        .iter()
                        .copied()
                        .filter(|(_, v)| *v == best)
                        .collect(),
                    format!(
                        "`latest`: newest release of {}{for_variant}",
                        versions(count(&versioned))
                    ),
                )
            }
        }
        VersionSpec::LatestPrerelease => {
            let pres: Vec<(usize, &Version)> = versioned
                .iter()
                .copied()
                .filter(|(_, v)| v.is_prerelease())
                .collect();
            if pres.is_empty() {
                return Err(ResolveError::new(
                    ErrorKind::VersionNotFound,
                    target,
                    spec,
                    format!(
                        "`{target}` has no prerelease{for_variant}; available: {}",
                        shown_list(&available(&versioned))
                    ),
                    available(&versioned),
                ));
            }
            let best = max_of(&pres);
            (
                pres.iter().copied().filter(|(_, v)| *v == best).collect(),
                format!(
                    "`latest-prerelease`: newest of {} prereleases{for_variant}",
                    count(&pres)
                ),
            )
        }
        VersionSpec::Explicit(text) => {
            let wanted = match scheme.try_parse_version_spec(text) {
                Ok(v) => v,
                Err(e) => {
                    let why = match e {
                        VersionError::NotAVersion => "is not a version (write v2, v1.1, 2.0.0, v1.0.1-alpha, latest or latest-prerelease)".to_string(),
                        too_large => format!("is not a version: {too_large}"),
                    };
                    return Err(ResolveError::new(
                        ErrorKind::VersionNotFound,
                        target,
                        spec,
                        format!(
                            "{text:?} {why}; available: {}",
                            shown_list(&available(&versioned))
                        ),
                        available(&versioned),
                    ));
                }
            };
            let hits: Vec<(usize, &Version)> = versioned
                .iter()
                .copied()
                .filter(|(_, v)| **v == wanted)
                .collect();
            if hits.is_empty() {
                let elsewhere = candidates
                    .iter()
                    .any(|c| c.parsed.version.as_ref() == Some(&wanted));
                let msg = if elsewhere {
                    format!(
                        "{wanted} of `{target}` exists, but not{for_variant}; available{for_variant}: {}",
                        shown_list(&available(&versioned))
                    )
                } else {
                    format!(
                        "`{target}` has no version {wanted}{for_variant}; available: {}",
                        shown_list(&available(&versioned))
                    )
                };
                return Err(ResolveError::new(
                    ErrorKind::VersionNotFound,
                    target,
                    spec,
                    msg,
                    available(&versioned),
                ));
            }
            (hits, format!("explicit version {text}"))
        }
    };
    if pool.len() > 1 {
        let files: Vec<String> = pool
            .iter()
            .map(|(i, _)| candidates[*i].name.to_string())
            .collect();
        return Err(ResolveError::new(
            ErrorKind::DuplicateVersion,
            target,
            spec,
            format!(
                "{} of `{target}` is spelled by {} files: {}; rename or remove all but one",
                pool[0].1,
                files.len(),
                shown_list(&files)
            ),
            files,
        ));
    }
    Ok(Selection {
        index: pool[0].0,
        reason,
    })
}

fn max_of<'v>(list: &[(usize, &'v Version)]) -> &'v Version {
    list.iter().map(|(_, v)| *v).max().expect("non-empty")
}

/// "1 version", "3 versions".
fn versions(n: usize) -> String {
    if n == 1 {
        "1 version".to_string()
    } else {
        format!("{n} versions")
    }
}

fn count(list: &[(usize, &Version)]) -> usize {
    let mut vs: Vec<&Version> = list.iter().map(|(_, v)| *v).collect();
    vs.sort();
    vs.dedup();
    vs.len()
}

/// The values of classifier `ci` that the candidates have, in declaration order (files
/// whose version cannot be read do not count).
pub fn existing_values(
    scheme: &NamingScheme,
    candidates: &[CandidateFile<'_>],
    ci: usize,
) -> Vec<String> {
    let mut seen: Vec<u16> = usable(candidates).map(|c| c.parsed.variant[ci]).collect();
    seen.sort();
    seen.dedup();
    seen.iter()
        .map(|&vi| scheme.value_name(ci, vi).to_string())
        .collect()
}

/// Most names a message lists; the rest are counted.
pub const MESSAGE_LIST_LIMIT: usize = 10;

/// `items` joined with `, ` for a message: the first [`MESSAGE_LIST_LIMIT`], then
/// `… and N more` (the full list stays in [`ResolveError::available`]).
pub fn shown_list(items: &[String]) -> String {
    if items.len() <= MESSAGE_LIST_LIMIT {
        return items.join(", ");
    }
    format!(
        "{}, … and {} more",
        items[..MESSAGE_LIST_LIMIT].join(", "),
        items.len() - MESSAGE_LIST_LIMIT
    )
}

#[cfg(test)]
mod message_list_tests {
    use super::*;

    #[test]
    fn a_message_lists_ten_names_and_counts_the_rest() {
        let names: Vec<String> = (1..=12).map(|i| format!("v{i}")).collect();
        assert_eq!(
            shown_list(&names[..10]),
            "v1, v2, v3, v4, v5, v6, v7, v8, v9, v10"
        );
        assert_eq!(
            shown_list(&names),
            "v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, … and 2 more"
        );
        assert_eq!(shown_list(&[]), "");
    }
}
