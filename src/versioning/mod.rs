//! The versioning engine (pure, no I/O): patterns (V-2), file names (V-1, V-3), versions
//! and their order (V-4), resolution of requests (V-5, V-6) and its errors (V-8).

mod model;
mod name;
mod pattern;
mod resolve;
mod version;

pub use model::{ClassifierConfig, Convention, DEFAULT_EXTENSIONS, VersioningConfig};
pub use name::{NameIssue, NamingScheme, ParsedName, SharedScheme, Variant};
pub use pattern::{VersionMatch, VersionPattern};
pub use resolve::{
    CandidateFile, ClassifierProblem, ErrorKind, HierarchicalSpec, MESSAGE_LIST_LIMIT,
    RequestOptions, ResolveError, Selection, VersionSpec, existing_values, requested_variant,
    select, shown_list,
};
pub use version::{Prerelease, Version, VersionError, parse_number};

#[cfg(test)]
mod tests {
    /// `config` depends on the engine, never the other way round (no import cycle): the
    /// engine's sources name no `crate::config` item.
    #[test]
    fn the_engine_does_not_import_config() {
        let sources = [
            ("mod.rs", include_str!("mod.rs")),
            ("model.rs", include_str!("model.rs")),
            ("name.rs", include_str!("name.rs")),
            ("pattern.rs", include_str!("pattern.rs")),
            ("resolve.rs", include_str!("resolve.rs")),
            ("version.rs", include_str!("version.rs")),
        ];
        let needle = ["crate", "::", "config", "::"].concat();
        for (name, text) in sources {
            assert!(
                !text.contains(&needle) && !text.contains(&format!("use {}", &needle[..13])),
                "src/versioning/{name} imports config"
            );
        }
    }
}
