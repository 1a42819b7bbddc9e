//! Property tests of the versioning engine: the version order (V-4), `latest` (V-5) and
//! the name reader (V-1..V-3) on arbitrary input; and numbers that do not fit, through the
//! real command line too.

mod support;

use std::cmp::Ordering;

use promptls::config::{ClassifierConfig, VersioningConfig};
use promptls::versioning::{
    CandidateFile, ErrorKind, NameIssue, NamingScheme, ParsedName, RequestOptions, Version,
    VersionError, VersionSpec, select,
};
use proptest::prelude::*;
use serde_json::json;
use support::cli::{promptls, redact, tree, workspace, write};

fn default_order() -> Vec<String> {
    ["alpha", "beta", "rc"].map(String::from).to_vec()
}

/// A custom order: an extra label first, and the usual ones reversed.
fn custom_order() -> Vec<String> {
    ["dev", "rc", "beta", "alpha"].map(String::from).to_vec()
}

fn orders() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![Just(default_order()), Just(custom_order())]
}

/// Random upper/lower case per character.
fn recase(text: String) -> impl Strategy<Value = String> {
    let n = text.len();
    proptest::collection::vec(any::<bool>(), n).prop_map(move |ups| {
        text.chars()
            .zip(ups)
            .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
            .collect()
    })
}

/// Prerelease tags: known labels (any case), unknown labels, bare numbers, and labels with
/// a number spelled `label.N`, `labelN` or `label-N`.
fn prerelease() -> impl Strategy<Value = String> {
    let label = prop_oneof![
        3 => prop_oneof![Just("alpha"), Just("beta"), Just("rc"), Just("dev")].prop_map(String::from),
        1 => "[a-z]{1,5}",
    ]
    .prop_flat_map(recase);
    let sep = prop_oneof![Just(""), Just("."), Just("-")];
    prop_oneof![
        2 => label.clone(),
        3 => (label, sep, 0u64..20).prop_map(|(l, s, n)| format!("{l}{s}{n}")),
        1 => (0u64..20).prop_map(|n| n.to_string()),
        1 => (0u64..5, 0u64..5).prop_map(|(a, b)| format!("{a}.{b}")),
    ]
}

/// A version spelling as users write it: `v1`, `V1.2`, `1.2.3`, with an optional prerelease.
fn version_text() -> impl Strategy<Value = String> {
    (
        0u64..4,
        0u64..3,
        0u64..3,
        0usize..3,
        any::<bool>(),
        proptest::option::weighted(0.6, prerelease()),
    )
        .prop_map(|(ma, mi, pa, parts, upper_v, pre)| {
            let v = if upper_v { "V" } else { "v" };
            let core = match parts {
                0 if mi == 0 && pa == 0 => format!("{v}{ma}"),
                0 | 1 if pa == 0 => format!("{v}{ma}.{mi}"),
                _ => format!("{v}{ma}.{mi}.{pa}"),
            };
            match pre {
                Some(p) => format!("{core}-{p}"),
                None => core,
            }
        })
}

fn versions(order: &[String], texts: &[String]) -> Vec<Version> {
    texts
        .iter()
        .map(|t| Version::parse_spec(t, order).unwrap_or_else(|| panic!("{t} parses")))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// V-4: a total order consistent with equality, under the default and a custom order.
    #[test]
    fn order_is_total_and_consistent(order in orders(), a in version_text(), b in version_text(), c in version_text()) {
        let v = versions(&order, &[a, b, c]);
        let (a, b, c) = (&v[0], &v[1], &v[2]);
        for (x, y) in [(a, b), (b, c), (a, c)] {
            prop_assert_eq!(x.cmp(y), y.cmp(x).reverse(), "antisymmetry of {} and {}", x, y);
            prop_assert_eq!(x == y, x.cmp(y) == Ordering::Equal, "equality of {} and {}", x, y);
            prop_assert_eq!(x.partial_cmp(y), Some(x.cmp(y)));
        }
        prop_assert_eq!(a.cmp(a), Ordering::Equal);
        // Transitivity, over every arrangement of the three.
        for (x, y, z) in [(a, b, c), (a, c, b), (b, a, c), (b, c, a), (c, a, b), (c, b, a)] {
            if x <= y && y <= z {
                prop_assert!(x <= z, "{} <= {} <= {} but not {} <= {}", x, y, z, x, z);
            }
            if x == y && y == z {
                prop_assert!(x == z);
            }
        }
    }

    /// V-4: sorting any list gives a chain (sort relies on a total order).
    #[test]
    fn sorting_gives_a_chain(order in orders(), texts in proptest::collection::vec(version_text(), 0..30)) {
        let mut v = versions(&order, &texts);
        v.sort();
        for w in v.windows(2) {
            prop_assert!(w[0] <= w[1]);
            prop_assert_eq!(w[0].partial_cmp(&w[1]), Some(w[0].cmp(&w[1])));
        }
    }

    /// V-4 semantics: triples first, then a release above its prereleases, then the label's
    /// index in the configured order (case-insensitive; unknown labels after all), then the
    /// number numerically.
    #[test]
    fn order_follows_the_rules(
        order in orders(),
        triple in (0u64..3, 0u64..3, 0u64..3),
        i in 0usize..4, j in 0usize..4,
        n in 0u64..30, m in 0u64..30,
        seps in (prop_oneof![Just(""), Just("."), Just("-")], prop_oneof![Just(""), Just("."), Just("-")]),
        case in (any::<bool>(), any::<bool>()),
        unknown in "(zz|gamma|omega)[a-z]{0,3}",
    ) {
        let (ma, mi, pa) = triple;
        let label = |k: usize, up: bool| {
            let l = if k < order.len() { order[k].clone() } else { unknown.clone() };
            if up { l.to_ascii_uppercase() } else { l }
        };
        let idx = |k: usize| k.min(order.len());
        let (i, j) = (i.min(order.len()), j.min(order.len()));
        let a = Version::parse_spec(&format!("v{ma}.{mi}.{pa}-{}{}{n}", label(i, case.0), seps.0), &order).unwrap();
        let b = Version::parse_spec(&format!("v{ma}.{mi}.{pa}-{}{}{m}", label(j, case.1), seps.1), &order).unwrap();
        let release = Version::new(ma, mi, pa);
        prop_assert!(a < release && b < release, "a release is newer than its prereleases");
        prop_assert!(Version::new(ma + 1, 0, 0) > release && Version::new(ma, mi, pa + 1) > a);
        if idx(i) != idx(j) {
            prop_assert_eq!(a.cmp(&b), idx(i).cmp(&idx(j)), "{} vs {} by label index in {:?}", a, b, order);
        } else if i < order.len() && n != m {
            prop_assert_eq!(a.cmp(&b), n.cmp(&m), "{} vs {} by number", a, b);
        }
        prop_assert_eq!(a.prerelease.as_ref().unwrap().is_known_label(&order), i < order.len());
    }

    /// Formatting then re-parsing a spec gives the same version.
    #[test]
    fn spec_round_trips(order in orders(), t in version_text()) {
        let v = Version::parse_spec(&t, &order).unwrap();
        let again = Version::parse_spec(&v.to_string(), &order);
        prop_assert_eq!(again.as_ref(), Some(&v));
        prop_assert_eq!(v.to_string().to_ascii_lowercase(), again.unwrap().to_string().to_ascii_lowercase());
    }
}

// ---------------------------------------------------------------------------------------
// Name reading.

fn scheme(
    delims: &[char],
    pattern: Option<&str>,
    order: Vec<String>,
    include_prerelease: bool,
) -> NamingScheme {
    let mut c = VersioningConfig {
        delimiters: delims.to_vec(),
        version_pattern: pattern.map(String::from),
        prerelease_order: order,
        include_prerelease,
        ..Default::default()
    };
    c.classifiers.insert(
        "lang".into(),
        ClassifierConfig {
            values: vec!["en".into(), "ru".into(), "de".into()],
            default: "en".into(),
        },
    );
    c.classifiers.insert(
        "tone".into(),
        ClassifierConfig {
            values: vec!["formal".into(), "casual".into()],
            default: "formal".into(),
        },
    );
    NamingScheme::new(c).unwrap()
}

const DELIMITER_SETS: &[&[char]] = &[&['_'], &['.'], &['-'], &['_', '-'], &['_', '.', '-']];
/// A linear-engine custom pattern and a look-around one (fancy-regex).
const CUSTOM_PATTERNS: &[&str] = &[
    r"_rev(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:-(?P<prerelease>[0-9]+))?",
    r"(?<=[_-])r(?P<major>\d+)(?!\d)",
];

fn all_schemes() -> Vec<NamingScheme> {
    let mut out: Vec<NamingScheme> = DELIMITER_SETS
        .iter()
        .map(|d| scheme(d, None, default_order(), false))
        .collect();
    out.extend(
        CUSTOM_PATTERNS
            .iter()
            .map(|p| scheme(&['_'], Some(p), default_order(), false)),
    );
    out.push(scheme(&['-'], None, custom_order(), false));
    out
}

/// Names: arbitrary unicode, or a near-miss shape built of version-like pieces around
/// arbitrary text, with a prompt extension or not.
fn names() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("_".to_string()),
        Just("-".to_string()),
        Just(".".to_string()),
        Just("v".to_string()),
        Just("V".to_string()),
        Just("rev".to_string()),
        Just("r".to_string()),
        Just("en".to_string()),
        Just("RU".to_string()),
        Just("casual".to_string()),
        "[0-9]{1,25}",
        "[a-zA-Z]{1,4}",
        "\\PC{1,3}",
        Just("\u{212A}".to_string()), // Kelvin sign: folds to `k`
        Just("\u{17F}".to_string()),  // long s: folds to `s`
        Just("\u{663}".to_string()),  // Arabic-Indic digit three
        Just("\u{FF11}".to_string()), // full-width digit one
        version_text(),
        // A version followed by a tag that mixes ASCII with look-alikes.
        (
            "[_.-]",
            version_text(),
            "[a-zA-Z0-9.\u{212A}\u{17F}\u{663}\u{FF11}]{1,5}"
        )
            .prop_map(|(d, v, tail)| format!("{d}{v}-{tail}")),
        ("[_.-]", "[0-9\u{663}\u{FF11}.]{1,5}").prop_map(|(d, n)| format!("{d}v{n}")),
    ];
    let ext = prop_oneof![
        Just(".md"),
        Just(".MD"),
        Just(".yaml"),
        Just(".rs"),
        Just(""),
        Just(".")
    ];
    prop_oneof![
        1 => "\\PC{0,200}",
        1 => ".{0,200}",
        4 => (proptest::collection::vec(piece, 0..12), ext).prop_map(|(p, e)| format!("{}{e}", p.concat())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// V-1..V-3: reading never panics, and a version read from a name re-parses from its
    /// own spelling (`v1.2.3-rc.1`) as the same version.
    #[test]
    fn parse_never_panics_and_versions_round_trip(name in names()) {
        for s in all_schemes() {
            let Some(p) = s.parse(&name) else {
                prop_assert!(!s.is_prompt_file(&name), "{:?}: a prompt file always parses", name);
                continue;
            };
            prop_assert!(s.is_prompt_file(&name));
            prop_assert!(name.ends_with(&format!(".{}", p.ext)), "{:?}: the extension is the last one ({})", name, p.ext);
            if let Some(v) = &p.version {
                let order = &s.config.prerelease_order;
                let text = v.to_string();
                let again = Version::parse_spec(&text, order);
                prop_assert_eq!(again.as_ref(), Some(v), "{:?} read as {} under {:?}", name, text, s.config.delimiters);
                let r = p.version_range.clone().expect("a version has a range");
                prop_assert!(name.get(r.clone()).is_some(), "{:?}: range {:?} on char boundaries", name, r);
                prop_assert!(r.end < name.len() - p.ext.len(), "{:?}: the version never swallows the extension", name);
            } else {
                prop_assert!(p.version_range.is_none());
            }
        }
    }

    /// V-2: a name built from base, classifiers, delimiter and version reads back exactly.
    #[test]
    fn built_names_read_back(
        base in "[a-z]{1,8}",
        lang in proptest::option::of(prop_oneof![Just("en"), Just("RU"), Just("de")]),
        t in version_text(),
        d in 0usize..5,
        which in 0usize..5,
        ext in prop_oneof![Just("md"), Just("yaml"), Just("prompt")],
    ) {
        let delims = DELIMITER_SETS[d];
        let delim = delims[which % delims.len()];
        let s = scheme(delims, None, default_order(), false);
        let v = Version::parse_spec(&t, &s.config.prerelease_order).unwrap();
        let lang_seg = lang.map(|l| format!("{delim}{l}")).unwrap_or_default();
        let name = format!("{base}{lang_seg}{delim}{t}.{ext}");
        let p = s.parse(&name).unwrap();
        prop_assert_eq!(p.version.as_ref(), Some(&v), "{}", name);
        prop_assert_eq!(&*p.base, base.as_str(), "{}", name);
        let map = s.variant_map(&p.variant);
        prop_assert_eq!(map["lang"].as_str(), lang.map_or("en", |l| if l == "RU" { "ru" } else { l }));
        prop_assert_eq!(map["tone"].as_str(), "formal");
    }
}

// ---------------------------------------------------------------------------------------
// `latest` (V-5).

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// `latest` is the maximum release (or of all versions with include_prerelease), an
    /// error naming the prerelease-only case, or DuplicateVersionError when two files spell
    /// the maximum.
    #[test]
    fn latest_is_the_maximum(
        order in orders(),
        delim in 0usize..3,
        texts in proptest::collection::vec(version_text(), 1..12),
        config_include in any::<bool>(),
        request_include in proptest::option::of(any::<bool>()),
    ) {
        let d = ['_', '.', '-'][delim];
        let s = scheme(&[d], None, order, config_include);
        let mut names: Vec<String> = texts.iter().map(|t| format!("task{d}{t}.md")).collect();
        names.sort();
        names.dedup();
        let parsed: Vec<ParsedName> = names.iter().map(|n| s.parse(n).unwrap()).collect();
        let candidates: Vec<CandidateFile<'_>> = names.iter().zip(&parsed).map(|(n, p)| CandidateFile { name: n, parsed: p }).collect();
        let include = request_include.unwrap_or(config_include);
        let versions: Vec<&Version> = parsed.iter().map(|p| p.version.as_ref().expect("versioned")).collect();
        let pool: Vec<&Version> = versions.iter().copied().filter(|v| include || !v.is_prerelease()).collect();
        let opts = RequestOptions { classifier: None, include_prerelease: request_include };
        let got = select(&s, "task", &candidates, &VersionSpec::Latest, &opts);
        match pool.iter().max() {
            None => {
                let e = got.expect_err("only prereleases");
                prop_assert_eq!(e.kind, ErrorKind::VersionNotFound);
                prop_assert!(e.prerelease_only && e.message.contains("include_prerelease"), "{}", e.message);
            }
            Some(max) => {
                let spelled = versions.iter().filter(|v| ***v == **max).count();
                if spelled > 1 {
                    prop_assert_eq!(got.expect_err("duplicate").kind, ErrorKind::DuplicateVersion);
                } else {
                    let sel = got.expect("resolves");
                    let chosen = versions[sel.index];
                    prop_assert_eq!(chosen, *max, "{:?} include={}", names, include);
                    prop_assert!(pool.iter().all(|v| *v <= chosen));
                }
            }
        }
        // latest-prerelease: the newest prerelease, whatever include_prerelease says.
        let pres: Vec<&Version> = versions.iter().copied().filter(|v| v.is_prerelease()).collect();
        let got = select(&s, "task", &candidates, &VersionSpec::LatestPrerelease, &opts);
        match pres.iter().max() {
            None => prop_assert_eq!(got.unwrap_err().kind, ErrorKind::VersionNotFound),
            Some(max) if pres.iter().filter(|v| *v == max).count() == 1 => {
                prop_assert_eq!(versions[got.unwrap().index], *max);
            }
            Some(_) => prop_assert_eq!(got.unwrap_err().kind, ErrorKind::DuplicateVersion),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Numbers that do not fit (V-1, V-4): never wrapped, truncated or silently unversioned.

/// The value of an ASCII digit string when it fits in a `u64`, worked out without
/// `str::parse`: leading zeros dropped, then compared with `u64::MAX`'s own spelling.
fn fits(digits: &str) -> Option<u64> {
    let t = digits.trim_start_matches('0');
    let max = u64::MAX.to_string();
    if t.len() > max.len() || (t.len() == max.len() && t > max.as_str()) {
        return None;
    }
    Some(t.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')))
}

/// Digit strings around the `u64` limit: any length, leading zeros, exactly `u64::MAX`
/// and its neighbours, any `u64`.
fn digits() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,45}",
        "0{0,25}[0-9]{1,3}",
        "0{0,3}1844674407370955161[0-9]",
        "0{0,3}1844674407370955162[0-9]",
        "[1-9][0-9]{19,21}",
        any::<u64>().prop_map(|n| n.to_string()),
        Just(u64::MAX.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any digits in any version position of a file name or a request: no panic, and either
    /// exactly that number or a `malformed-version` naming issue / a clear request error.
    #[test]
    fn version_numbers_parse_exactly_or_are_reported(
        n in digits(),
        position in 0usize..3,
        parts in 1usize..4,
        d in 0usize..5,
        prerelease in proptest::option::of(Just("-rc.1")),
    ) {
        let parts = parts.max(position + 1);
        let mut numbers: Vec<String> = vec!["2".into(); parts];
        numbers[position] = n.clone();
        let text = format!("{}{}", numbers.join("."), prerelease.unwrap_or(""));
        let delims = DELIMITER_SETS[d];
        let s = scheme(delims, None, default_order(), false);
        let name = format!("task{}v{text}.md", delims[0]);
        let p = s.parse(&name).expect("a prompt file");
        prop_assert_eq!(&*p.base, "task", "{}", name);
        let part = |v: &Version| [v.major, v.minor, v.patch][position];
        match fits(&n) {
            Some(value) => {
                let v = p.version.as_ref().unwrap_or_else(|| panic!("{name} is versioned"));
                prop_assert_eq!(part(v), value, "{}", name);
                prop_assert!(!p.version_unreadable());
                let too_large = p.issues.iter().any(|i| matches!(i, NameIssue::VersionTooLarge { .. }));
                prop_assert!(!too_large, "{}", name);
            }
            None => {
                prop_assert_eq!(p.version.as_ref(), None, "{}", name);
                prop_assert!(p.version_unreadable(), "{}", name);
                prop_assert_eq!(&p.issues, &vec![NameIssue::VersionTooLarge { number: n.clone() }], "{}", name);
                // Never the unversioned file of `task` either.
                let c = [CandidateFile { name: &name, parsed: &p }];
                let got = select(&s, "task", &c, &VersionSpec::Latest, &RequestOptions::default());
                prop_assert_eq!(got.unwrap_err().kind, ErrorKind::VersionNotFound);
            }
        }
        // The same text as a request.
        let spec = format!("v{text}");
        for got in [
            Version::try_parse_spec(&spec, &default_order()),
            s.try_parse_version_spec(&spec),
        ] {
            match (fits(&n), got) {
                (Some(value), Ok(v)) => prop_assert_eq!(part(&v), value, "{}", spec),
                (None, Err(VersionError::NumberTooLarge { number })) => prop_assert_eq!(&number, &n),
                (expected, got) => prop_assert!(false, "{}: expected {:?}, got {:?}", spec, expected, got),
            }
        }
        let two = format!("task{}v2.md", delims[0]);
        let one = s.parse(&two).unwrap();
        let c = [CandidateFile { name: &two, parsed: &one }];
        let got = select(&s, "task", &c, &VersionSpec::Explicit(spec.clone()), &RequestOptions::default());
        match (fits(&n), got) {
            (_, Ok(_)) => prop_assert_eq!(Version::parse_spec(&spec, &default_order()).map(|v| v.release()), Some(Version::new(2, 0, 0))),
            (None, Err(e)) => {
                prop_assert_eq!(e.kind, ErrorKind::VersionNotFound);
                prop_assert!(e.message.contains(&format!("the version number `{n}` is too large")), "{}", e.message);
                prop_assert_eq!(e.spec, VersionSpec::Explicit(spec.clone()));
            }
            (Some(_), Err(e)) => prop_assert_eq!(e.kind, ErrorKind::VersionNotFound),
        }
    }

    /// A custom pattern's numbers follow the same rule.
    #[test]
    fn custom_pattern_numbers_parse_exactly_or_are_reported(n in digits(), minor in any::<bool>()) {
        let s = scheme(&['_'], Some(CUSTOM_PATTERNS[0]), default_order(), false);
        let name = if minor { format!("notes_rev1.{n}.md") } else { format!("notes_rev{n}.md") };
        let p = s.parse(&name).unwrap();
        prop_assert_eq!(&*p.base, "notes");
        match fits(&n) {
            Some(value) => {
                let v = p.version.clone().unwrap();
                prop_assert_eq!(if minor { v.minor } else { v.major }, value);
            }
            None => prop_assert_eq!(&p.issues, &vec![NameIssue::VersionTooLarge { number: n.clone() }]),
        }
    }

    /// Checked bumps: `None` exactly when the bumped part is `u64::MAX`, never a wrap.
    #[test]
    fn bumps_are_checked(
        major in prop_oneof![Just(u64::MAX), Just(u64::MAX - 1), any::<u64>()],
        minor in prop_oneof![Just(u64::MAX), any::<u64>()],
        patch in prop_oneof![Just(u64::MAX), any::<u64>()],
    ) {
        let v = Version::new(major, minor, patch);
        prop_assert_eq!(v.bump_major(), (major < u64::MAX).then(|| Version::new(major + 1, 0, 0)));
        prop_assert_eq!(v.bump_minor(), (minor < u64::MAX).then(|| Version::new(major, minor + 1, 0)));
        prop_assert_eq!(v.bump_patch(), (patch < u64::MAX).then(|| Version::new(major, minor, patch + 1)));
        if let Some(next) = v.bump_patch() { prop_assert!(next > v); }
        if let Some(next) = v.bump_minor() { prop_assert!(next > v); }
        if let Some(next) = v.bump_major() { prop_assert!(next > v); }
    }
}

// ---------------------------------------------------------------------------------------
// The same numbers in file names, through the real command line (each case spawns it). A
// number that does not fit makes the file a `malformed-version` warning and no version; a
// bump past the largest number is refused; both write nothing.

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn numbers_that_do_not_fit_are_reported_and_bumps_never_wrap(
        n in digits(),
        position in 0usize..3,
        parts in 1usize..4,
        bump in 0usize..3,
    ) {
        let parts = parts.max(position + 1);
        let mut numbers = vec!["2".to_string(); parts];
        numbers[position] = n.clone();
        let name = format!("c_v{}.md", numbers.join("."));
        let (_tmp, ws) = workspace();
        write(&ws.join(&name), b"body\n");
        let check = promptls(&ws, &["check", "--format", "json"]);
        let bump = ["major", "minor", "patch"][bump];
        let before = tree(&ws);
        let r = promptls(&ws, &["new-version", &name, "--bump", bump]);
        let Some(value) = fits(&n) else {
            prop_assert_eq!((check.code, check.stderr.as_str()), (0, ""));
            prop_assert_eq!(check.json(), json!([{
                "code": "malformed-version",
                "message": format!("`{name}` is left out of resolution: its version number `{n}` is too large (the largest is 18446744073709551615)"),
                "path": name,
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "severity": "warning",
            }]));
            // No version to bump (the wording is `a_name_that_does_not_fit_is_not_called_unversioned`).
            prop_assert_eq!((r.code, r.stdout.as_str()), (1, ""));
            prop_assert!(r.stderr.starts_with(&format!("error: `{name}` ")), "{}", r.stderr);
            prop_assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
            prop_assert_eq!(tree(&ws), before);
            return Ok(());
        };
        prop_assert_eq!((check.code, check.stdout.as_str(), check.stderr.as_str()), (0, "[]\n", ""));
        let mut v = [2u64, 0, 0];
        for (i, slot) in v.iter_mut().enumerate().take(parts) {
            *slot = if i == position { value } else { 2 };
        }
        let old = format!("v{}.{}.{}", v[0], v[1], v[2]);
        let at = ["major", "minor", "patch"].iter().position(|b| *b == bump).unwrap();
        if v[at] == u64::MAX {
            prop_assert_eq!(
                (r.code, r.stdout.as_str(), r.stderr),
                (1, "", format!("error: cannot make a {bump} bump of {old}: its {bump} number is the largest a version can hold\n"))
            );
            prop_assert_eq!(tree(&ws), before);
            return Ok(());
        }
        let mut next = v;
        next[at] += 1;
        for later in next.iter_mut().skip(at + 1) {
            *later = 0;
        }
        let new = format!("v{}.{}.{}", next[0], next[1], next[2]);
        let out = redact(&r.stdout, &ws);
        let created = out
            .strip_prefix("created [ws]/")
            .and_then(|rest| rest.strip_suffix(&format!(" ({new}, {bump} bump of {old})\n")))
            .unwrap_or_else(|| panic!("{out}"))
            .to_string();
        prop_assert_eq!((r.code, r.stderr.as_str()), (0, ""));
        let mut after = tree(&ws);
        prop_assert_eq!(after.remove(&ws.join(&created)), Some(format!("{:?}", b"body\n")));
        prop_assert_eq!(after, before);
        // The new file is the newest version, read back from its name.
        let resolved = promptls(&ws, &["resolve", "c", "--json"]);
        prop_assert_eq!(
            (resolved.code, resolved.json()),
            (0, json!({"path": created, "version": new, "prerelease": null, "classifiers": {}}))
        );
    }
}

/// Regression: `new-version` on a file whose version number does not fit called the file
/// unversioned and suggested adding a version it has; it now says the number is too large,
/// as `check` and `resolve` do.
#[test]
fn a_name_that_does_not_fit_is_not_called_unversioned() {
    let (_tmp, ws) = workspace();
    write(&ws.join("c_v99999999999999999999.md"), b"x");
    let r = promptls(
        &ws,
        &[
            "new-version",
            "c_v99999999999999999999.md",
            "--bump",
            "patch",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    assert!(
        r.stderr.contains("`99999999999999999999` is too large")
            && !r.stderr.contains("unversioned"),
        "{}",
        r.stderr
    );
}
