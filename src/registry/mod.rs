//! Sharing prompts between repositories: packages, the registry and the lockfile.
//!
//! A package is one prompt at one version, published as an immutable gzip tarball under
//! `prompts/{owner}/{name}/{version}.tar.gz` and installed into `.prompts/{name}/`. The
//! user reference is `docs/registry.md`.

use std::fmt;
use std::str::FromStr;

pub mod client;
pub mod installed;
pub mod lock;
pub mod package;
pub mod serve;
pub mod store;
pub mod tarball;
pub mod workspace;

/// Longest owner or package name, in bytes.
pub const MAX_NAME_LEN: usize = 64;

/// A package's identity, `owner/name`: both parts are 1 to [`MAX_NAME_LEN`] characters of
/// `[a-z0-9-]`, neither starting nor ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageId {
    owner: String,
    name: String,
}

/// Why a package id, owner or name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageIdError {
    /// The text is not of the form `owner/name`.
    #[error("`{0}` is not a package id; write it as owner/name (for example acme/support-reply)")]
    Shape(String),
    /// One part breaks the naming rule.
    #[error(
        "{part} `{value}`: {reason}; owners and names are 1 to 64 characters of a-z, 0-9 and -, \
         not starting or ending with -"
    )]
    Invalid {
        /// `owner` or `name`.
        part: &'static str,
        /// The part as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Checks one part (`owner` or `name`) of a package id.
///
/// # Errors
/// [`PackageIdError::Invalid`] when `value` is empty, longer than [`MAX_NAME_LEN`], holds a
/// character outside `[a-z0-9-]`, or starts or ends with `-`.
pub fn validate_part(part: &'static str, value: &str) -> Result<(), PackageIdError> {
    let reason = if value.is_empty() {
        Some("empty")
    } else if value.len() > MAX_NAME_LEN {
        Some("longer than 64 characters")
    } else if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("only a-z, 0-9 and - are allowed")
    } else if value.starts_with('-') || value.ends_with('-') {
        Some("starts or ends with -")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(PackageIdError::Invalid {
            part,
            value: value.to_owned(),
            reason,
        }),
    }
}

impl PackageId {
    /// A package id from its two parts.
    ///
    /// # Errors
    /// [`PackageIdError::Invalid`] when either part breaks the naming rule.
    pub fn new(owner: &str, name: &str) -> Result<Self, PackageIdError> {
        validate_part("owner", owner)?;
        validate_part("name", name)?;
        Ok(Self {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The owner (a user or an organisation).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The package's name: also the folder it installs into, `.prompts/{name}/`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the tarball of `version` is stored in object storage:
    /// `prompts/{owner}/{name}/{version}.tar.gz`.
    pub fn storage_path(&self, version: &semver::Version) -> String {
        format!("prompts/{}/{}/{version}.tar.gz", self.owner, self.name)
    }
}

impl FromStr for PackageId {
    type Err = PackageIdError;

    /// Parses `owner/name`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((owner, name)) if !name.contains('/') => Self::new(owner, name),
            _ => Err(PackageIdError::Shape(s.to_owned())),
        }
    }
}

impl fmt::Display for PackageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_print_back() {
        let id: PackageId = "topboy/landing-page-writer".parse().unwrap();
        assert_eq!(id.owner(), "topboy");
        assert_eq!(id.name(), "landing-page-writer");
        assert_eq!(id.to_string(), "topboy/landing-page-writer");
        let v = semver::Version::parse("1.1.0").unwrap();
        assert_eq!(
            id.storage_path(&v),
            "prompts/topboy/landing-page-writer/1.1.0.tar.gz"
        );
    }

    #[test]
    fn bad_ids_are_refused_with_the_reason() {
        for (text, want) in [
            ("noslash", "not a package id"),
            ("a/b/c", "not a package id"),
            ("/name", "owner ``: empty"),
            ("owner/", "name ``: empty"),
            ("Owner/name", "only a-z"),
            ("owner/na_me", "only a-z"),
            ("owner/../x", "not a package id"),
            ("owner/..", "only a-z"),
            ("-owner/name", "starts or ends with -"),
            ("owner/name-", "starts or ends with -"),
            ("owner/ñame", "only a-z"),
            ("owner/name\0", "only a-z"),
        ] {
            let err = text.parse::<PackageId>().unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
        let long = "a".repeat(65);
        let err = PackageId::new("owner", &long).unwrap_err().to_string();
        assert!(err.contains("longer than 64"), "{err}");
        assert!(PackageId::new("owner", &"a".repeat(64)).is_ok());
    }
}
