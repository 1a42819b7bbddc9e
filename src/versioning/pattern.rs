//! Version patterns (V-2): the standard delimiter pattern or a user's regex, compiled on
//! the linear-time `regex` crate, or on `fancy-regex` under a backtracking limit when the
//! pattern needs look-around or back-references.

use std::ops::Range;

/// Largest compiled program a user pattern may produce (bytes), so a pattern cannot
/// exhaust memory (Q-2).
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Backtracking steps `fancy-regex` may take per match attempt (Q-2).
const BACKTRACK_LIMIT: usize = 100_000;

#[derive(Debug, Clone)]
enum Engine {
    /// The regex and the indices of its `major`, `minor`, `patch` and `prerelease` groups
    /// (looked up once, not by name per match).
    Linear([Option<usize>; 4], regex::Regex),
    Backtracking(fancy_regex::Regex),
}

/// The indices of the version groups of `re`, in [`Engine::Linear`]'s order.
fn group_indices(re: &regex::Regex) -> [Option<usize>; 4] {
    let index = |name: &str| re.capture_names().position(|n| n == Some(name));
    [
        index("major"),
        index("minor"),
        index("patch"),
        index("prerelease"),
    ]
}

/// A compiled version pattern.
#[derive(Debug, Clone)]
pub struct VersionPattern {
    engine: Engine,
    source: String,
    custom: bool,
}

/// One match of a version pattern: byte ranges inside the matched text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionMatch {
    /// The whole match (delimiter included for the standard pattern).
    pub range: Range<usize>,
    /// The `major` group.
    pub major: Range<usize>,
    /// The `minor` group, when it matched.
    pub minor: Option<Range<usize>>,
    /// The `patch` group, when it matched.
    pub patch: Option<Range<usize>>,
    /// The `prerelease` group, when it matched.
    pub prerelease: Option<Range<usize>>,
}

/// Python-only regex syntax that neither engine reads, with a hint (V-2).
const PYTHON_ONLY: &[(&str, &str)] = &[
    (
        "(?#",
        "inline comments `(?#…)` are Python-only; remove the comment",
    ),
    ("\\Z", "`\\Z` is Python's end of text; write `\\z` or `$`"),
    ("(?(", "conditional groups `(?(…)…)` are not supported"),
    ("(?P>", "recursive groups `(?P>…)` are not supported"),
    (
        "(?P=",
        "`(?P=name)` back-references are Python-only; write `\\k<name>`",
    ),
];

impl VersionPattern {
    /// The standard pattern for `delimiters` (V-2): `D v MAJOR[.MINOR[.PATCH]][-PRERELEASE]`.
    /// Numbers are ASCII digits and the prerelease is ASCII `[A-Za-z0-9.-]`: matching is
    /// case-insensitive, but Unicode case folding must not let `K` (Kelvin sign) or `ſ`
    /// into a prerelease, nor `\d` accept digits that do not parse as a number.
    pub fn standard(delimiters: &[char]) -> VersionPattern {
        let class: String = delimiters
            .iter()
            .map(|d| {
                if *d == '-' {
                    "\\-".to_string()
                } else {
                    regex::escape(&d.to_string())
                }
            })
            .collect();
        let source = format!(
            r"[{class}]v(?P<major>[0-9]+)(?:\.(?P<minor>[0-9]+)(?:\.(?P<patch>[0-9]+))?)?(?:-(?P<prerelease>(?-i:[A-Za-z0-9.\-]+)))?"
        );
        let re = regex::RegexBuilder::new(&source)
            .case_insensitive(true)
            .build()
            .expect("standard pattern compiles");
        VersionPattern {
            engine: Engine::Linear(group_indices(&re), re),
            source,
            custom: false,
        }
    }

    /// Compiles and checks a user's `version_pattern` (V-2). The error is a one-line
    /// reason (the caller adds the key and the pattern).
    pub fn custom(pattern: &str) -> Result<VersionPattern, String> {
        let linear = regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build();
        let (engine, names): (Engine, Vec<Option<String>>) = match linear {
            Ok(re) => {
                let names = re
                    .capture_names()
                    .skip(1)
                    .map(|n| n.map(str::to_string))
                    .collect();
                (Engine::Linear(group_indices(&re), re), names)
            }
            Err(linear_err) => {
                if let Some((_, hint)) = PYTHON_ONLY.iter().find(|(c, _)| pattern.contains(c)) {
                    return Err(hint.to_string());
                }
                match fancy_regex::RegexBuilder::new(&format!("(?i){pattern}"))
                    .backtrack_limit(BACKTRACK_LIMIT)
                    .delegate_size_limit(REGEX_SIZE_LIMIT)
                    .build()
                {
                    Ok(re) => {
                        tracing::debug!(
                            pattern,
                            "version pattern needs look-around: using fancy-regex"
                        );
                        let names = re
                            .capture_names()
                            .skip(1)
                            .map(|n| n.map(str::to_string))
                            .collect();
                        (Engine::Backtracking(re), names)
                    }
                    Err(_) => return Err(one_line(&linear_err.to_string())),
                }
            }
        };
        if names.iter().any(Option::is_none) {
            return Err("has an unnamed capturing group; use (?:…) or name it major, minor, patch or prerelease".into());
        }
        if !names.iter().any(|n| n.as_deref() == Some("major")) {
            return Err("has no named group `major`, e.g. (?P<major>\\d+)".into());
        }
        tracing::debug!(pattern, "compiled custom version pattern");
        Ok(VersionPattern {
            engine,
            source: pattern.to_string(),
            custom: true,
        })
    }

    /// The regex source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether this is a user's pattern (naming heuristics of V-9 apply only to the
    /// standard one).
    pub fn is_custom(&self) -> bool {
        self.custom
    }

    /// The LAST of the non-overlapping matches in `text` (V-2), or `None`.
    pub fn last_match(&self, text: &str) -> Option<VersionMatch> {
        match &self.engine {
            Engine::Linear(groups, re) => {
                // The last match found by the DFA alone, then its groups read once from
                // where it starts (the same match: leftmost-first from the same position,
                // with the text around it as context).
                let last = re.find_iter(text).last()?;
                let caps = if last.is_empty() {
                    // An empty match (a custom pattern whose groups can be empty): the
                    // iterator's own rules for empty matches decide; ask it.
                    re.captures_iter(text).last()?
                } else {
                    re.captures_at(text, last.start())?
                };
                let g = |i: Option<usize>| i.and_then(|i| caps.get(i)).map(|m| m.range());
                Some(VersionMatch {
                    range: caps.get(0)?.range(),
                    major: g(groups[0])?,
                    minor: g(groups[1]),
                    patch: g(groups[2]),
                    prerelease: g(groups[3]),
                })
            }
            Engine::Backtracking(re) => {
                let mut pos = 0;
                let mut last = None;
                while pos <= text.len() {
                    let caps = match re.captures_from_pos(text, pos) {
                        Ok(Some(c)) => c,
                        Ok(None) => break,
                        Err(e) => {
                            tracing::warn!(pattern = %self.source, error = %e, "version pattern gave up (backtracking limit)");
                            break;
                        }
                    };
                    let whole = caps.get(0)?.range();
                    pos = if whole.is_empty() {
                        next_boundary(text, whole.end)
                    } else {
                        whole.end
                    };
                    let g = |name: &str| caps.name(name).map(|m| m.range());
                    if let Some(major) = g("major") {
                        last = Some(VersionMatch {
                            range: whole,
                            major,
                            minor: g("minor"),
                            patch: g("patch"),
                            prerelease: g("prerelease"),
                        });
                    }
                }
                last
            }
        }
    }
}

fn next_boundary(text: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < text.len() && !text.is_char_boundary(j) {
        j += 1;
    }
    j
}

fn one_line(msg: &str) -> String {
    let last = msg.lines().rfind(|l| !l.trim().is_empty()).unwrap_or(msg);
    last.trim().trim_start_matches("error: ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last match as the match iterator gives it, read by group name: what
    /// [`VersionPattern::last_match`] must equal.
    fn last_by_iteration(re: &regex::Regex, text: &str) -> Option<VersionMatch> {
        let caps = re.captures_iter(text).last()?;
        let g = |name: &str| caps.name(name).map(|m| m.range());
        Some(VersionMatch {
            range: caps.get(0)?.range(),
            major: g("major")?,
            minor: g("minor"),
            patch: g("patch"),
            prerelease: g("prerelease"),
        })
    }

    proptest::proptest! {
        // The last match read from where the DFA found it equals the iterator's last
        // match, for the standard patterns and custom ones (word boundaries, anchors,
        // groups that can be empty), on names built from the characters that matter.
        #[test]
        fn last_match_equals_the_iterators_last(
            which in 0usize..7,
            text in "[_.v0-9a-zA-Z\\-]{0,24}",
        ) {
            let pattern = match which {
                0 => VersionPattern::standard(&['_']),
                1 => VersionPattern::standard(&['_', '.', '-']),
                2 => VersionPattern::custom(r"_rev(?P<major>\d+)").unwrap(),
                3 => VersionPattern::custom(r"\bv(?P<major>\d+)\b").unwrap(),
                4 => VersionPattern::custom(r"(?P<major>\d*)").unwrap(),
                5 => VersionPattern::custom(r"^(?P<major>\d+)|_(?P<minor>\d+)$").unwrap(),
                _ => VersionPattern::custom(r"v(?P<major>\d+)(?:\.(?P<minor>\d*))?(?:-(?P<prerelease>[a-z]*))?").unwrap(),
            };
            let Engine::Linear(_, re) = &pattern.engine else { unreachable!() };
            proptest::prop_assert_eq!(pattern.last_match(&text), last_by_iteration(re, &text));
        }
    }

    #[test]
    fn v2_last_match_wins() {
        let p = VersionPattern::standard(&['_']);
        let m = p.last_match("prompt_v1_final_v2").unwrap();
        assert_eq!(&"prompt_v1_final_v2"[m.major], "2");
    }

    #[test]
    fn v2_custom_pattern_errors() {
        assert!(
            VersionPattern::custom(r"_rev(\d+)")
                .unwrap_err()
                .contains("unnamed")
        );
        assert!(
            VersionPattern::custom(r"_rev(?P<minor>\d+)")
                .unwrap_err()
                .contains("major")
        );
        assert!(VersionPattern::custom(r"_rev(?P<major>\d+").is_err());
        assert!(
            VersionPattern::custom(r"_rev(?P<major>\d+)\Z")
                .unwrap_err()
                .contains("\\Z")
        );
        assert!(VersionPattern::custom(r"_rev(?<major>\d+)").is_ok());
    }

    #[test]
    fn v2_lookaround_runs_on_fancy_regex() {
        let p = VersionPattern::custom(r"(?<=_)v(?P<major>\d+)").unwrap();
        let m = p.last_match("prompt_v2").unwrap();
        assert_eq!(&"prompt_v2"[m.major], "2");
    }

    #[test]
    fn q2_catastrophic_pattern_gives_up() {
        // Exponential in a backtracking engine: the limit stops it and the name is simply
        // not versioned, instead of hanging the server.
        let p = VersionPattern::custom(r"(?=(?:a|aa)+c)(?P<major>a)").unwrap();
        assert_eq!(p.last_match(&"a".repeat(64)), None);
    }
}
