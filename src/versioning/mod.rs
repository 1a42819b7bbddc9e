//! The versioning engine (pure, no I/O): patterns (V-2), file names (V-1, V-3), versions
//! and their order (V-4), resolution of requests (V-5, V-6) and its errors (V-8).

mod name;
mod pattern;
mod resolve;
mod version;

pub use name::{NameIssue, NamingScheme, ParsedName, SharedScheme, Variant};
pub use pattern::{VersionMatch, VersionPattern};
pub use resolve::{
    CandidateFile, ClassifierProblem, ErrorKind, HierarchicalSpec, RequestOptions, ResolveError,
    Selection, VersionSpec, existing_values, requested_variant, select,
};
pub use version::{Prerelease, Version, VersionError, parse_number};
