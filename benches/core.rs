//! Criterion benchmarks of the pure hot paths (Q-1): file-name parsing (built-in and
//! custom `version_pattern`), version ordering, resolution, reference scanning.
//!
//! `cargo bench --bench core` (see BENCHMARKS.md). Reports only: nothing here asserts a time.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use promptls::config::{ClassifierConfig, Settings, VersioningConfig};
use promptls::index::build_folder;
use promptls::references::scan_file;
use promptls::versioning::{
    CandidateFile, NamingScheme, ParsedName, RequestOptions, Version, VersionSpec, select,
};

/// splitmix64, as in `gen-workspace`: deterministic inputs.
#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

fn config(pattern: Option<&str>) -> VersioningConfig {
    let mut c = VersioningConfig::default();
    c.classifiers.insert(
        "lang".into(),
        ClassifierConfig {
            values: vec!["en".into(), "ru".into(), "de".into()],
            default: "en".into(),
        },
    );
    c.version_pattern = pattern.map(str::to_string);
    c
}

/// A custom pattern that reads exactly what the built-in `_` pattern reads: the fair
/// comparison for the Q-1 row "a custom version_pattern costs ≤ 1.2 × the built-in".
const CUSTOM_EQUIVALENT: &str = r"_v(?P<major>[0-9]+)(?:\.(?P<minor>[0-9]+)(?:\.(?P<patch>[0-9]+))?)?(?:-(?P<prerelease>[A-Za-z0-9.\-]+))?";
/// The build-number pattern of the examples (`notes_rev42.md`).
const CUSTOM_REV: &str = r"_rev(?P<major>\d+)";

/// 1000 names as a folder of the generated workspace has them: prompt files with and
/// without variants and prereleases, and non-prompt files.
fn names(rev: bool) -> Vec<String> {
    let mut rng = Rng(42);
    let words = ["task", "summary", "review", "planner", "router", "greeting"];
    (0..1000)
        .map(|i| {
            let w = words[rng.below(words.len() as u64) as usize];
            let variant = ["", "_ru", "_de", ""][rng.below(4) as usize];
            let major = 1 + rng.below(5);
            let version = if rev {
                format!("rev{major}")
            } else {
                match rng.below(4) {
                    0 => format!("v{major}"),
                    1 => format!("v{major}.{}", rng.below(4)),
                    2 => format!("v{major}.{}.{}", rng.below(3), rng.below(10)),
                    _ => format!("v{major}.0.0-rc.{}", rng.below(3)),
                }
            };
            match i % 2 {
                0 => format!("{w}{i}{variant}_{version}.md"),
                _ => [
                    "asset{i}.png",
                    "lib{i}.rs",
                    "data{i}.csv",
                    "diagram{i}_v2.png",
                ][rng.below(4) as usize]
                    .replace("{i}", &i.to_string()),
            }
        })
        .collect()
}

fn bench_parse(c: &mut Criterion) {
    let standard = NamingScheme::new(config(None)).unwrap();
    let custom = NamingScheme::new(config(Some(CUSTOM_EQUIVALENT))).unwrap();
    let rev = NamingScheme::new(config(Some(CUSTOM_REV))).unwrap();
    let semver_names = names(false);
    let rev_names = names(true);
    let mut g = c.benchmark_group("parse_name");
    g.throughput(Throughput::Elements(semver_names.len() as u64));
    g.bench_function("builtin_1000", |b| {
        b.iter(|| {
            for n in &semver_names {
                black_box(standard.parse(black_box(n)));
            }
        })
    });
    g.bench_function("custom_equivalent_1000", |b| {
        b.iter(|| {
            for n in &semver_names {
                black_box(custom.parse(black_box(n)));
            }
        })
    });
    g.bench_function("custom_rev_1000", |b| {
        b.iter(|| {
            for n in &rev_names {
                black_box(rev.parse(black_box(n)));
            }
        })
    });
    g.finish();
    let mut g = c.benchmark_group("parse_one");
    let one = "summary12_ru_v2.1.0-rc.1.md";
    g.bench_function("builtin", |b| b.iter(|| standard.parse(black_box(one))));
    g.bench_function("custom_equivalent", |b| {
        b.iter(|| custom.parse(black_box(one)))
    });
    g.finish();
}

fn versions(n: usize) -> Vec<Version> {
    let scheme = NamingScheme::new(config(None)).unwrap();
    let mut rng = Rng(7);
    (0..n)
        .map(|_| {
            let spec = match rng.below(5) {
                0 => format!("v{}", rng.below(20)),
                1 => format!("v{}.{}", rng.below(20), rng.below(10)),
                2 => format!(
                    "v{}.{}.{}-beta.{}",
                    rng.below(20),
                    rng.below(10),
                    rng.below(10),
                    rng.below(3)
                ),
                3 => format!(
                    "v{}.{}.{}-rc.1",
                    rng.below(20),
                    rng.below(10),
                    rng.below(10)
                ),
                _ => format!("v{}.{}.{}", rng.below(20), rng.below(10), rng.below(10)),
            };
            scheme.parse_version_spec(&spec).expect("a version")
        })
        .collect()
}

fn bench_order(c: &mut Criterion) {
    let v = versions(1000);
    c.bench_function("order/sort_1000", |b| {
        b.iter_batched(
            || v.clone(),
            |mut v| {
                v.sort();
                v
            },
            BatchSize::SmallInput,
        )
    });
}

fn bench_resolve(c: &mut Criterion) {
    let scheme = NamingScheme::new(config(None)).unwrap();
    // One prompt's files, as in the generated workspace (5 files) and a long history (50).
    let five = [
        "task_v1.md",
        "task_v2.1.md",
        "task_v3.0.4.md",
        "task_ru_v2.md",
        "task_de_v3.md",
    ];
    let fifty: Vec<String> = (0..50)
        .map(|i| match i % 5 {
            0 => format!("task_v{}.{}.0.md", i / 5, i % 3),
            1 => format!("task_ru_v{}.0.{}.md", i / 5, i % 7),
            2 => format!("task_de_v{}.1.md", i / 5),
            3 => format!("task_v{}.5.0-rc.{}.md", i / 5, i % 4),
            _ => format!("task_v{}.9.{}.md", i / 5, i),
        })
        .collect();
    let ru: BTreeMap<String, String> = [("lang".to_string(), "ru".to_string())].into();
    for (label, names) in [
        (
            "5_files",
            five.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ),
        ("50_files", fifty),
    ] {
        let parsed: Vec<(String, ParsedName)> = names
            .iter()
            .map(|n| (n.clone(), scheme.parse(n).expect("prompt file")))
            .collect();
        let candidates: Vec<CandidateFile<'_>> = parsed
            .iter()
            .map(|(n, p)| CandidateFile { name: n, parsed: p })
            .collect();
        c.bench_function(&format!("resolve/latest_{label}"), |b| {
            b.iter(|| {
                select(
                    &scheme,
                    "prompts/task",
                    black_box(&candidates),
                    &VersionSpec::Latest,
                    &RequestOptions::default(),
                )
                .expect("resolves")
            })
        });
        let opts = RequestOptions {
            classifier: Some(&ru),
            include_prerelease: None,
        };
        c.bench_function(&format!("resolve/latest_ru_{label}"), |b| {
            b.iter(|| {
                select(
                    &scheme,
                    "prompts/task",
                    black_box(&candidates),
                    &VersionSpec::Latest,
                    &opts,
                )
                .expect("resolves")
            })
        });
    }
}

fn markdown_text() -> String {
    let mut s = String::from("---\ntitle: Task brief\n---\n# Task for {{product}}\n\n");
    for i in 0..40 {
        s.push_str(&format!(
            "Paragraph {i} with some prose, a [link](https://example.com/{i}) and the [steps](steps{i}_v{}.md).\n",
            i % 5 + 1
        ));
        if i % 4 == 0 {
            s.push_str(&format!("{{# ref: support/faq{i}.md #}}\n"));
        }
        if i % 10 == 0 {
            s.push_str("```md\n[not a ref](inside_v1.md)\n```\n");
        }
    }
    s
}

/// A module of `calls` promptic calls, most assigned to a name; some names are formatted
/// later and some `render` calls pass `vars=`, so that the variables pass (which follows
/// names to their `.format(…)` calls) is measured at scale: its cost per byte should not
/// grow with the module.
fn python_text(calls: usize) -> String {
    let mut s = String::from(
        "\"\"\"Loads prompts.\"\"\"\n\nfrom promptic import load_prompt, render\nimport promptic as pc\n\n",
    );
    for i in 0..calls {
        if i % 8 == 5 {
            s.push_str(&format!(
                "t{i} = p{}.format(tone=\"warm\", product=x)\n",
                i - 1
            ));
        }
        if i % 8 == 6 {
            s.push_str(&format!(
                "r{i} = render(\"g00/f000/task{i}\", vars=dict(tone=\"warm\", n={i}))\n"
            ));
        }
        s.push_str(&match i % 4 {
            0 => format!("p{i} = load_prompt(\"g00/f000/task{i}\")\n"),
            1 => format!("p{i} = load_prompt(\"g00/f000/task{i}\", version=\"v2.1.0\")\n"),
            2 => format!(
                "p{i} = render(\"g00/f000/task{i}\", version=\"latest\", classifier={{\"lang\": \"ru\"}})\n"
            ),
            _ => format!("def f{i}(x):\n    return pc.load_prompt(x + \"{i}\") if x else None\n"),
        });
    }
    s
}

fn bench_scan(c: &mut Criterion) {
    let md = markdown_text();
    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Bytes(md.len() as u64));
    g.bench_function("markdown", |b| {
        b.iter(|| scan_file("README.md", black_box(&md)))
    });
    for calls in [40, 2000] {
        let py = python_text(calls);
        g.throughput(Throughput::Bytes(py.len() as u64));
        g.bench_function(format!("python/{calls} calls"), |b| {
            b.iter(|| scan_file("app.py", black_box(&py)))
        });
    }
    g.finish();
}

/// Indexing one folder of the generated workspace: 1 000 names (half of them prompt files)
/// parsed, grouped into prompts and ordered newest first: what the cold index does per
/// folder after the walk.
fn bench_build_folder(c: &mut Criterion) {
    let settings = Arc::new(Settings {
        versioning: config(None),
        ..Settings::default()
    });
    let scheme = Arc::new(NamingScheme::new(config(None)).unwrap());
    let names = names(false);
    let dir = std::path::Path::new("/ws/g00/f000");
    let mut g = c.benchmark_group("build_folder");
    g.throughput(Throughput::Elements(names.len() as u64));
    g.bench_function("names_1000", |b| {
        b.iter(|| black_box(build_folder(dir, black_box(&names), &settings, &scheme)))
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_parse,
    bench_order,
    bench_resolve,
    bench_scan,
    bench_build_folder
);
criterion_main!(benches);
