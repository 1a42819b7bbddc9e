//! File-name parsing (V-1..V-3, V-9) under the default scheme, a multi-delimiter scheme
//! with classifiers, and custom patterns on both engines (linear `regex` and look-around
//! on `fancy-regex` under its backtracking limit): never a panic (Q-2).
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use promptls::config::{ClassifierConfig, VersioningConfig};
use promptls::versioning::NamingScheme;

fn schemes() -> &'static [NamingScheme] {
    static S: OnceLock<Vec<NamingScheme>> = OnceLock::new();
    S.get_or_init(|| {
        let mut classifiers = BTreeMap::new();
        classifiers.insert(
            "lang".to_string(),
            ClassifierConfig {
                values: vec!["en".into(), "ru".into(), "de".into()],
                default: "en".into(),
            },
        );
        classifiers.insert(
            "tone".to_string(),
            ClassifierConfig {
                values: vec!["formal".into(), "casual".into()],
                default: "formal".into(),
            },
        );
        let multi = VersioningConfig {
            delimiters: vec!['_', '-', '.'],
            classifiers,
            ..VersioningConfig::default()
        };
        let custom = |p: &str| VersioningConfig {
            version_pattern: Some(p.to_string()),
            ..VersioningConfig::default()
        };
        vec![
            NamingScheme::default_scheme(),
            NamingScheme::new(multi).unwrap(),
            NamingScheme::new(custom(r"_rev(?P<major>\d+)")).unwrap(),
            NamingScheme::new(custom(
                r"(?<=[a-z])-v(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:-(?P<prerelease>[a-z]+(?:\.\d+)?))?(?=\.)",
            ))
            .unwrap(),
            // Built to backtrack: the limit must stop it, not hang.
            NamingScheme::new(custom(r"(?=(?:a|aa)+c)_v(?P<major>\d+)")).unwrap(),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let name = String::from_utf8_lossy(data);
    for s in schemes() {
        if let Some(p) = s.parse(&name) {
            // The version range lies inside the name, on char boundaries.
            if let Some(r) = &p.version_range {
                assert!(r.start <= r.end && r.end <= name.len());
                assert!(name.is_char_boundary(r.start) && name.is_char_boundary(r.end));
            }
            let _ = s.variant_label(&p.variant);
        }
        let _ = s.is_prompt_file(&name);
        let _ = s.parse_version_spec(&name);
        let _ = s.split_classifiers(&name);
    }
});
