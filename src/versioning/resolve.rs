//! Choosing one file for a request (V-5, V-6) and the errors of V-8.

use std::collections::BTreeMap;
use std::fmt;

use super::name::{NamingScheme, ParsedName, Variant};
use super::version::Version;

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

/// A resolution error (V-8): name, one-line message, target and what is available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// Which error.
    pub kind: ErrorKind,
    /// One line.
    pub message: String,
    /// The target as requested.
    pub target: String,
    /// What exists instead: versions (newest first), classifier values or names, files.
    pub available: Vec<String>,
    /// `latest` failed only because every candidate is a prerelease (`prerelease-only`).
    pub prerelease_only: bool,
}

impl ResolveError {
    /// A new error.
    pub fn new(kind: ErrorKind, target: &str, message: String, available: Vec<String>) -> Self {
        ResolveError {
            kind,
            message,
            target: target.to_string(),
            available,
            prerelease_only: false,
        }
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
pub struct Candidate<'a> {
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

/// Picks one of `candidates` (the files of one prompt, or of one folder in directory mode)
/// for `spec` (V-5) under classifier filtering (V-6). `target` names the request in
/// messages.
pub fn select(
    scheme: &NamingScheme,
    target: &str,
    candidates: &[Candidate<'_>],
    spec: &VersionSpec,
    opts: &RequestOptions<'_>,
) -> Result<Selection, ResolveError> {
    let names = scheme.classifier_names();
    // V-6: requested classifiers must be declared and must exist among the candidates.
    let mut filter: Vec<Option<u16>> = scheme.default_variant().iter().map(|&d| Some(d)).collect();
    let mut requested = vec![false; names.len()];
    if let Some(map) = opts.classifier {
        for (key, value) in map {
            let Some(ci) = names.iter().position(|n| n == key) else {
                return Err(ResolveError::new(
                    ErrorKind::ClassifierNotFound,
                    target,
                    if names.is_empty() {
                        format!(
                            "classifier `{key}` is not declared (no classifiers are declared in the config)"
                        )
                    } else {
                        format!(
                            "classifier `{key}` is not declared; declared: {}",
                            names.join(", ")
                        )
                    },
                    names.to_vec(),
                ));
            };
            let existing = existing_values(scheme, candidates, ci);
            match scheme.lookup_value(value) {
                Some((c, vi))
                    if c as usize == ci
                        && existing
                            .iter()
                            .any(|e| e.eq_ignore_ascii_case(scheme.value_name(ci, vi))) =>
                {
                    filter[ci] = Some(vi);
                    requested[ci] = true;
                }
                _ => {
                    return Err(ResolveError::new(
                        ErrorKind::ClassifierNotFound,
                        target,
                        format!(
                            "no file of `{target}` has {key}={value}; available: {}",
                            existing.join(", ")
                        ),
                        existing,
                    ));
                }
            }
        }
    }
    // Fallback: a classifier the request did not name, whose default no candidate has,
    // does not filter (the prompt simply has no default variant).
    for ci in 0..names.len() {
        if !requested[ci]
            && !candidates
                .iter()
                .any(|c| c.parsed.variant[ci] == filter[ci].unwrap())
        {
            filter[ci] = None;
        }
    }
    let matches_variant = |v: &Variant| {
        v.iter()
            .zip(&filter)
            .all(|(x, f)| f.is_none_or(|f| *x == f))
    };
    let in_variant: Vec<usize> = (0..candidates.len())
        .filter(|&i| matches_variant(&candidates[i].parsed.variant))
        .collect();
    let variant_text = {
        let parts: Vec<String> = filter
            .iter()
            .enumerate()
            .filter_map(|(ci, f)| {
                f.map(|vi| format!("{}={}", names[ci], scheme.value_name(ci, vi)))
            })
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
        vs.sort_by(|a, b| b.cmp(a));
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
                        avail.join(", ")
                    )
                };
                Err(ResolveError::new(
                    ErrorKind::VersionNotFound,
                    target,
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
                        "`latest` with prereleases: newest of {} versions{for_variant}",
                        count(&versioned)
                    ),
                )
            } else if releases.is_empty() {
                let mut e = ResolveError::new(
                    ErrorKind::VersionNotFound,
                    target,
                    format!(
                        "`{target}` has only prereleases{for_variant} ({}); set include_prerelease = true or ask for latest-prerelease",
                        available(&versioned).join(", ")
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
                        "`latest`: newest release of {} versions{for_variant}",
                        count(&versioned)
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
                    format!(
                        "`{target}` has no prerelease{for_variant}; available: {}",
                        available(&versioned).join(", ")
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
            let Some(wanted) = scheme.parse_version_spec(text) else {
                return Err(ResolveError::new(
                    ErrorKind::VersionNotFound,
                    target,
                    format!(
                        "{text:?} is not a version (write v2, v1.1, 2.0.0, v1.0.1-alpha, latest or latest-prerelease); available: {}",
                        available(&versioned).join(", ")
                    ),
                    available(&versioned),
                ));
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
                        available(&versioned).join(", ")
                    )
                } else {
                    format!(
                        "`{target}` has no version {wanted}{for_variant}; available: {}",
                        available(&versioned).join(", ")
                    )
                };
                return Err(ResolveError::new(
                    ErrorKind::VersionNotFound,
                    target,
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
            format!(
                "{} of `{target}` is spelled by {} files: {}; rename or remove all but one",
                pool[0].1,
                files.len(),
                files.join(", ")
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

fn count(list: &[(usize, &Version)]) -> usize {
    let mut vs: Vec<&Version> = list.iter().map(|(_, v)| *v).collect();
    vs.sort();
    vs.dedup();
    vs.len()
}

/// The values of classifier `ci` that the candidates have, in declaration order.
pub fn existing_values(
    scheme: &NamingScheme,
    candidates: &[Candidate<'_>],
    ci: usize,
) -> Vec<String> {
    let mut seen: Vec<u16> = candidates.iter().map(|c| c.parsed.variant[ci]).collect();
    seen.sort();
    seen.dedup();
    seen.iter()
        .map(|&vi| scheme.value_name(ci, vi).to_string())
        .collect()
}
