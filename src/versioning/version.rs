//! Semantic versions of prompt files and their order (V-4).

use std::cmp::Ordering;
use std::fmt;

/// A prerelease tag such as `rc.1`, `beta` or `alpha10`, with its precomputed sort key.
///
/// The order of labels comes from the config's `prerelease_order` (V-4), so the key is
/// computed once when the version is parsed ([`Prerelease::new`]) and versions of one config
/// compare with plain [`Ord`].
#[derive(Debug, Clone)]
pub struct Prerelease {
    /// The tag as written in the file name (original case).
    pub text: Box<str>,
    /// Index of the label in `prerelease_order`, or `order.len()` for unknown labels.
    rank: u32,
    /// Lower-cased label without its number (`rc` for `rc.1`).
    label: Box<str>,
    /// Trailing number (`1` for `rc.1` and `rc1`), compared numerically.
    number: Option<u64>,
}

impl Prerelease {
    /// Builds a prerelease tag and its sort key against `order` (lower-case labels, V-4).
    pub fn new(text: &str, order: &[String]) -> Self {
        let (label, number) = split_label(text);
        let label = label.to_ascii_lowercase();
        let rank = order
            .iter()
            .position(|known| known.eq_ignore_ascii_case(&label))
            .unwrap_or(order.len()) as u32;
        Prerelease {
            text: text.into(),
            rank,
            label: label.into(),
            number,
        }
    }

    /// The lower-cased label without its number (`rc` for `rc.1`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether the label is one of the config's `prerelease_order` labels.
    pub fn is_known_label(&self, order: &[String]) -> bool {
        (self.rank as usize) < order.len()
    }
}

/// Splits `rc.1`, `rc1`, `beta-2` into (`rc`, Some(1)); text without a trailing number, or
/// with digits inside the label, keeps the whole text as its label.
fn split_label(text: &str) -> (&str, Option<u64>) {
    let digits_start = text.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits_start == text.len() {
        return (text, None);
    }
    let head = &text[..digits_start];
    let label = head.strip_suffix(['.', '-']).unwrap_or(head);
    if label.is_empty() || label.chars().any(|c| c.is_ascii_digit() || c == '.') {
        return (text, None);
    }
    match text[digits_start..].parse::<u64>() {
        Ok(n) => (label, Some(n)),
        Err(_) => (text, None),
    }
}

impl PartialEq for Prerelease {
    fn eq(&self, other: &Self) -> bool {
        self.text.eq_ignore_ascii_case(&other.text)
    }
}
impl Eq for Prerelease {}

impl Ord for Prerelease {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank
            .cmp(&other.rank)
            .then_with(|| self.label.cmp(&other.label))
            .then_with(|| self.number.cmp(&other.number))
            // Same label and number spelled differently (`rc.1` / `rc1`): text decides, so
            // the order stays total and consistent with equality.
            .then_with(|| {
                self.text
                    .to_ascii_lowercase()
                    .cmp(&other.text.to_ascii_lowercase())
            })
    }
}
impl PartialOrd for Prerelease {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A normalized version: missing parts are zero (`v1` = 1.0.0, V-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Major part.
    pub major: u64,
    /// Minor part (0 when the name omits it).
    pub minor: u64,
    /// Patch part (0 when the name omits it).
    pub patch: u64,
    /// Prerelease tag, if any.
    pub prerelease: Option<Prerelease>,
}

impl Version {
    /// A release version `major.minor.patch`.
    pub fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            prerelease: None,
        }
    }

    /// Whether this is a prerelease.
    pub fn is_prerelease(&self) -> bool {
        self.prerelease.is_some()
    }

    /// `v1.2.3` without the prerelease (the `version` field of `resolve --json`, I-5).
    pub fn core_string(&self) -> String {
        format!("v{}.{}.{}", self.major, self.minor, self.patch)
    }

    /// The same version without its prerelease.
    pub fn release(&self) -> Version {
        Version::new(self.major, self.minor, self.patch)
    }

    /// Parses a version spec as users write it in requests: `v2`, `V1.1`, `2.0.0`,
    /// `v1.0.1-alpha` (V-4, V-5). Returns `None` for anything else (`v1.x`, `latest`, and a
    /// number larger than `u64::MAX`); [`Version::try_parse_spec`] says which.
    pub fn parse_spec(spec: &str, order: &[String]) -> Option<Version> {
        Version::try_parse_spec(spec, order).ok()
    }

    /// [`Version::parse_spec`] with the reason of a failure: [`VersionError::NumberTooLarge`]
    /// when a part is written in digits but does not fit in a `u64`,
    /// [`VersionError::NotAVersion`] for any other text.
    pub fn try_parse_spec(spec: &str, order: &[String]) -> Result<Version, VersionError> {
        let s = spec.trim();
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        let (nums, pre) = match s.split_once('-') {
            Some((n, p)) => (n, Some(p)),
            None => (s, None),
        };
        let parts: Vec<&str> = nums.split('.').collect();
        if parts.len() > 3 {
            return Err(VersionError::NotAVersion);
        }
        let mut numbers = [0u64; 3];
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            *slot = parse_number(part)?;
        }
        let prerelease = match pre {
            None => None,
            Some(p)
                if !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') =>
            {
                Some(Prerelease::new(p, order))
            }
            Some(_) => return Err(VersionError::NotAVersion),
        };
        let [major, minor, patch] = numbers;
        Ok(Version {
            major,
            minor,
            patch,
            prerelease,
        })
    }

    /// The next major release: `(major + 1).0.0`, no prerelease. `None` when the major
    /// part is already `u64::MAX` (there is no next one; never wraps to `v0`).
    pub fn bump_major(&self) -> Option<Version> {
        Some(Version::new(self.major.checked_add(1)?, 0, 0))
    }

    /// The next minor release: `major.(minor + 1).0`, no prerelease. `None` when the minor
    /// part is already `u64::MAX`.
    pub fn bump_minor(&self) -> Option<Version> {
        Some(Version::new(self.major, self.minor.checked_add(1)?, 0))
    }

    /// The next patch release: `major.minor.(patch + 1)`, no prerelease. `None` when the
    /// patch part is already `u64::MAX` (never wraps to `.0`).
    pub fn bump_patch(&self) -> Option<Version> {
        Some(Version::new(
            self.major,
            self.minor,
            self.patch.checked_add(1)?,
        ))
    }
}

/// Why a text is not a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// The text does not have version syntax (`v1.x`, `latest`, `v1.0.0.0`).
    NotAVersion,
    /// A part is written in digits but is larger than `u64::MAX`.
    NumberTooLarge {
        /// The digits as written.
        number: String,
    },
}

impl fmt::Display for VersionError {
    /// One clause, e.g. ``the version number `99999999999999999999` is too large (the
    /// largest is 18446744073709551615)``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionError::NotAVersion => f.write_str("not a version"),
            VersionError::NumberTooLarge { number } => write!(
                f,
                "the version number `{number}` is too large (the largest is {})",
                u64::MAX
            ),
        }
    }
}

impl std::error::Error for VersionError {}

/// Reads one version part: one or more ASCII digits (leading zeros allowed) whose value
/// fits in a `u64`. Anything else is [`VersionError::NotAVersion`]; digits that do not fit
/// are [`VersionError::NumberTooLarge`] — never a wrapped or truncated number.
pub fn parse_number(digits: &str) -> Result<u64, VersionError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VersionError::NotAVersion);
    }
    digits
        .parse::<u64>()
        .map_err(|_| VersionError::NumberTooLarge {
            number: digits.to_string(),
        })
}

impl Ord for Version {
    /// (major, minor, patch) numerically; at equal triples a release is newer than any of
    /// its prereleases; prereleases by the config's label order, then number (V-4).
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.prerelease, &other.prerelease) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    /// `v1.2.3` or `v1.2.3-rc.1` (the prerelease keeps its spelling).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.prerelease {
            write!(f, "-{}", pre.text)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> Vec<String> {
        vec!["alpha".into(), "beta".into(), "rc".into()]
    }

    #[test]
    fn v4_missing_parts_are_zero() {
        assert_eq!(
            Version::parse_spec("v1", &order()),
            Some(Version::new(1, 0, 0))
        );
        assert_eq!(
            Version::parse_spec("V1.1", &order()),
            Some(Version::new(1, 1, 0))
        );
        assert_eq!(
            Version::parse_spec("2.0.3", &order()),
            Some(Version::new(2, 0, 3))
        );
        assert_eq!(Version::parse_spec("v1.x", &order()), None);
        assert_eq!(Version::parse_spec("latest", &order()), None);
        assert_eq!(Version::parse_spec("v1.0.0.0", &order()), None);
    }

    #[test]
    fn v4_prerelease_order() {
        let o = order();
        let v = |s: &str| Version::parse_spec(s, &o).unwrap();
        assert!(v("v1.0.0-alpha") < v("v1.0.0-beta"));
        assert!(v("v1.0.0-rc") < v("v1.0.0"));
        assert!(v("v1.0.0-alpha.2") < v("v1.0.0-alpha.10"));
        assert!(v("v1.0.0-rc.1") < v("v1.0.0-rc2"));
        assert!(v("v1.0.0-rc") < v("v1.0.0-zeta"));
        assert!(v("v1.0.0-Beta") > v("v1.0.0-alpha"));
        assert_eq!(v("v1.0.0-BETA"), v("v1.0.0-beta"));
        assert!(v("v1.10.0") > v("v1.9.0"));
    }

    #[test]
    fn v4_custom_prerelease_order() {
        let o: Vec<String> = ["dev", "alpha", "beta", "rc"].map(String::from).to_vec();
        let v = |s: &str| Version::parse_spec(s, &o).unwrap();
        assert!(v("v1.0.0-dev") < v("v1.0.0-alpha"));
    }

    #[test]
    fn numbers_that_do_not_fit_are_errors() {
        let o = order();
        assert_eq!(
            Version::try_parse_spec("v1.18446744073709551616", &o),
            Err(VersionError::NumberTooLarge {
                number: "18446744073709551616".into()
            })
        );
        assert_eq!(
            Version::try_parse_spec("v18446744073709551615", &o),
            Ok(Version::new(u64::MAX, 0, 0))
        );
        assert_eq!(
            Version::try_parse_spec("v00000000000000000000000001", &o),
            Ok(Version::new(1, 0, 0))
        );
        assert_eq!(
            Version::try_parse_spec("v1.x", &o),
            Err(VersionError::NotAVersion)
        );
        assert_eq!(
            VersionError::NumberTooLarge {
                number: "99999999999999999999".into()
            }
            .to_string(),
            "the version number `99999999999999999999` is too large (the largest is 18446744073709551615)"
        );
    }

    #[test]
    fn bumps_never_wrap() {
        let o = order();
        let v = Version::parse_spec("v1.2.3-rc.1", &o).unwrap();
        assert_eq!(v.bump_major(), Some(Version::new(2, 0, 0)));
        assert_eq!(v.bump_minor(), Some(Version::new(1, 3, 0)));
        assert_eq!(v.bump_patch(), Some(Version::new(1, 2, 4)));
        assert_eq!(Version::new(1, 0, u64::MAX).bump_patch(), None);
        assert_eq!(
            Version::new(1, 0, u64::MAX).bump_minor(),
            Some(Version::new(1, 1, 0))
        );
        assert_eq!(Version::new(1, u64::MAX, 0).bump_minor(), None);
        assert_eq!(Version::new(u64::MAX, 0, 0).bump_major(), None);
    }

    #[test]
    fn split_labels() {
        assert_eq!(split_label("rc.1"), ("rc", Some(1)));
        assert_eq!(split_label("rc1"), ("rc", Some(1)));
        assert_eq!(split_label("beta"), ("beta", None));
        assert_eq!(split_label("1.2"), ("1.2", None));
        assert_eq!(split_label("v2"), ("v", Some(2)));
    }
}
