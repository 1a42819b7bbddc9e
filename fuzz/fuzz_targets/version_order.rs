//! Version spec parsing and ordering (V-4): parsing never panics, and `cmp` is a total
//! order on what parses (antisymmetric, transitive, consistent with `==`).
#![no_main]

use std::cmp::Ordering;

use libfuzzer_sys::fuzz_target;
use promptls::versioning::Version;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    // The first line is the prerelease order (comma separated), as a config would give it.
    let order: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    let versions: Vec<Version> = lines
        .take(8)
        .filter_map(|l| Version::parse_spec(l, &order))
        .collect();
    for a in &versions {
        assert_eq!(a.cmp(a), Ordering::Equal, "reflexive: {a:?}");
        let _ = a.to_string();
        let _ = a.core_string();
        assert!(a.release() >= *a || a.release() == *a);
        for b in &versions {
            let ab = a.cmp(b);
            assert_eq!(ab, b.cmp(a).reverse(), "antisymmetric: {a:?} {b:?}");
            assert_eq!(ab == Ordering::Equal, a == b, "cmp agrees with ==: {a:?} {b:?}");
            for c in &versions {
                if ab != Ordering::Greater && b.cmp(c) != Ordering::Greater {
                    assert_ne!(a.cmp(c), Ordering::Greater, "transitive: {a:?} {b:?} {c:?}");
                }
            }
        }
    }
    // Sorting agrees with pairwise comparison.
    let mut sorted = versions.clone();
    sorted.sort();
    for w in sorted.windows(2) {
        assert_ne!(w[0].cmp(&w[1]), Ordering::Greater);
    }
});
