//! Generates a deterministic synthetic workspace for the benchmarks (Q-1, `BENCHMARKS.md`).
//!
//! ```text
//! cargo run --release --example gen-workspace -- --files N --seed S OUT
//! cargo run --release --example gen-workspace -- --versions N OUT
//! ```
//!
//! `--versions N` writes the many-versions shape instead: one prompt `prompts/task` with N
//! versions `task_vMAJOR.MINOR.0.md` (100 minors per major), alternating two templates so
//! every step changes the template variables, a `promptic.toml`, an `app.py` and a
//! `README.md` that reference it.
//!
//! The same `--files` and `--seed` give a byte-identical tree. What it holds:
//!
//! - exactly N versioned prompt files in N/5 prompts (5 files each): v1..v5 in mixed
//!   spellings (`v2`, `v2.1`, `v2.1.0`), some prereleases (`-alpha.1`, `-beta.2`, `-rc.1`),
//!   `en/ru/de` variants (`lang` classifier declared in the root `promptic.toml`), a few
//!   extensions (`.md`, `.txt`, `.yaml`, `.jinja2`);
//! - five subtrees, each with its own `promptic.toml`: `under/` (`_`), `dash/` (`-`),
//!   `dot/` (`.`), `multi/` (`_` and `-`), `custom/` (`version_pattern = "_rev(?P<major>\d+)"`);
//! - folders of about 60 prompts (300 prompt files), nested `SUBTREE/gNN/fNNN/`;
//! - in every folder as many non-prompt files as prompt files (`.png`, `.rs`, `.csv`,
//!   `.css`, `.html`, `.log`), a `README.md` with Markdown links and `{# ref #}` comments and
//!   an `app.py` with promptic calls; some references are broken on purpose (a missing
//!   version, an unknown classifier value, a missing prompt);
//! - a `.git` folder (an empty repository marker, so `rg` and promptls read the same
//!   `.gitignore`) and a `.gitignore` that hides `build/`, which holds ignored files.
//!
//! It prints a JSON summary (counts, the broken references planted) on stdout.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "rng.rs"]
mod rng;
use rng::Rng;

const WORDS: &[&str] = &[
    "task",
    "summary",
    "review",
    "planner",
    "router",
    "greeting",
    "intro",
    "notes",
    "answer",
    "critique",
    "extract",
    "classify",
    "translate",
    "outline",
    "draft",
    "rewrite",
    "grade",
    "tutor",
    "agent",
    "search",
];
const NON_PROMPT: &[&str] = &["png", "rs", "csv", "css", "html", "log"];
const PROMPTS_PER_FOLDER: usize = 60;
const FOLDERS_PER_GROUP: usize = 20;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Under,
    Dash,
    Dot,
    Multi,
    Custom,
}

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Under => "under",
            Kind::Dash => "dash",
            Kind::Dot => "dot",
            Kind::Multi => "multi",
            Kind::Custom => "custom",
        }
    }
    fn delim(self) -> char {
        match self {
            Kind::Dash => '-',
            Kind::Dot => '.',
            _ => '_',
        }
    }
    fn config(self) -> &'static str {
        match self {
            Kind::Under => "[versioning]\ndelimiter = \"_\"\n",
            Kind::Dash => "[versioning]\ndelimiters = [\"-\"]\ninclude_prerelease = true\n",
            Kind::Dot => "[versioning]\ndelimiter = \".\"\n",
            Kind::Multi => "[versioning]\ndelimiters = [\"_\", \"-\"]\n",
            Kind::Custom => "[versioning]\nversion_pattern = \"_rev(?P<major>\\\\d+)\"\n",
        }
    }
}

/// One planned prompt file: (variant or "", version text without the delimiter).
type FileSpec = (&'static str, String);

#[derive(Default)]
struct Summary {
    prompt_files: usize,
    prompts: usize,
    non_prompt_files: usize,
    ignored_files: usize,
    folders: usize,
    readme_files: usize,
    python_files: usize,
    references: usize,
    broken_version: usize,
    broken_classifier: usize,
    broken_prompt: usize,
}

fn version_text(rng: &mut Rng, major: u32) -> String {
    match rng.below(3) {
        0 => format!("v{major}"),
        1 => format!("v{major}.{}", rng.below(4)),
        _ => format!("v{major}.{}.{}", rng.below(3), rng.below(10)),
    }
}

/// The five files of one prompt.
fn plan_prompt(rng: &mut Rng, kind: Kind) -> Vec<FileSpec> {
    if kind == Kind::Custom {
        return match rng.below(10) {
            0..=5 => (1..=5).map(|k| ("", format!("rev{k}"))).collect(),
            _ => vec![
                ("", "rev1".into()),
                ("", "rev2".into()),
                ("", "rev3".into()),
                ("ru", "rev2".into()),
                ("de", "rev3".into()),
            ],
        };
    }
    let pre = *rng.pick(&["alpha.1", "beta.2", "rc.1"]);
    match rng.below(100) {
        0..=44 => (1..=5).map(|k| ("", version_text(rng, k))).collect(),
        45..=69 => vec![
            ("", version_text(rng, 1)),
            ("", version_text(rng, 2)),
            ("", version_text(rng, 3)),
            ("ru", version_text(rng, 2)),
            ("de", version_text(rng, 3)),
        ],
        70..=89 => {
            let mut v: Vec<FileSpec> = (1..=4).map(|k| ("", version_text(rng, k))).collect();
            v.push(("", format!("v5.0.0-{pre}")));
            v
        }
        _ => vec![
            ("", "v1".into()),
            ("", "v2".into()),
            ("", format!("v3.0.0-{pre}")),
            ("ru", "v1".into()),
            ("de", format!("v2.0.0-{pre}")),
        ],
    }
}

fn file_name(kind: Kind, base: &str, variant: &str, version: &str, ext: &str) -> String {
    let d = kind.delim();
    let vd = if kind == Kind::Custom { '_' } else { d };
    let version = version
        .strip_prefix("rev")
        .map_or(version.to_string(), |n| format!("rev{n}"));
    if variant.is_empty() {
        format!("{base}{vd}{version}.{ext}")
    } else {
        format!("{base}{d}{variant}{vd}{version}.{ext}")
    }
}

fn prompt_body(base: &str, version: &str, ext: &str, sibling: Option<&str>) -> String {
    match ext {
        "yaml" => {
            let mut s = format!(
                "name: {base}\nversion: {version}\nprompt: |\n  Answer {{{{question}}}} for {{{{audience}}}}.\n"
            );
            if let Some(sib) = sibling {
                let _ = writeln!(s, "$ref: {sib}.yaml");
            }
            s
        }
        "jinja2" => {
            let mut s = format!(
                "{{# {base} {version} #}}\nYou are {{{{ role }}}}. Help with {{{{ topic }}}}.\n"
            );
            if let Some(sib) = sibling {
                let _ = writeln!(s, "{{# ref: {sib}.jinja2 #}}");
            }
            s
        }
        _ => {
            let mut s = format!(
                "---\ntitle: {base} {version}\n---\n# {base}\n\nWrite for {{{{audience}}}} in a {{{{tone}}}} tone.\n"
            );
            if let Some(sib) = sibling {
                let _ = writeln!(s, "\nSee also the [{sib}]({sib}.{ext}).");
            }
            s
        }
    }
}

struct Writer {
    files: usize,
}

impl Writer {
    fn write(&mut self, path: &Path, text: &[u8]) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self.files += 1;
    }
}

fn usage() -> ! {
    eprintln!("usage: gen-workspace --files N [--seed S] OUT | gen-workspace --versions N OUT");
    std::process::exit(2);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut files, mut seed, mut out): (Option<usize>, u64, Option<PathBuf>) = (None, 1, None);
    let mut versions: Option<usize> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--files" => files = args.next().and_then(|v| v.parse().ok()),
            "--versions" => versions = args.next().and_then(|v| v.parse().ok()),
            "--seed" => {
                seed = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "-h" | "--help" => usage(),
            _ if out.is_none() && !a.starts_with('-') => out = Some(PathBuf::from(a)),
            _ => usage(),
        }
    }
    let Some(out) = out else { usage() };
    if versions.is_none() && files.is_none() {
        usage()
    }
    if out.exists()
        && std::fs::read_dir(&out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!("gen-workspace: {} exists and is not empty", out.display());
        std::process::exit(2);
    }
    if let Some(n) = versions {
        let written = generate_versions(n, &out);
        println!(
            "{{\"prompt_files\": {n}, \"prompts\": 1, \"versions\": {n}, \"non_prompt_files\": 0, \"files_written\": {written}}}"
        );
        return;
    }
    let summary = generate(files.unwrap_or_else(|| usage()), seed, &out);
    println!(
        "{{\"prompt_files\": {}, \"prompts\": {}, \"non_prompt_files\": {}, \"ignored_files\": {}, \"folders\": {}, \"readme_files\": {}, \"python_files\": {}, \"references\": {}, \"broken\": {{\"version\": {}, \"classifier\": {}, \"prompt\": {}}}}}",
        summary.prompt_files,
        summary.prompts,
        summary.non_prompt_files,
        summary.ignored_files,
        summary.folders,
        summary.readme_files,
        summary.python_files,
        summary.references,
        summary.broken_version,
        summary.broken_classifier,
        summary.broken_prompt
    );
}

/// The many-versions shape: one prompt with `n` versions. Returns the files written.
fn generate_versions(n: usize, out: &Path) -> usize {
    let mut w = Writer { files: 0 };
    std::fs::create_dir_all(out.join(".git")).expect("create .git");
    w.write(&out.join(".git/HEAD"), b"ref: refs/heads/main\n");
    w.write(
        &out.join("promptic.toml"),
        b"# Generated benchmark workspace (gen-workspace --versions).\n[versioning]\ndelimiter = \"_\"\n",
    );
    let dir = out.join("prompts");
    for k in 0..n {
        let (major, minor) = (k / 100 + 1, k % 100);
        // Two templates in turn: every step adds one variable and drops another.
        let body = if k % 2 == 0 {
            format!(
                "# task v{major}.{minor}.0\n\nWrite for {{{{audience}}}} in a {{{{tone}}}} tone.\n"
            )
        } else {
            format!("# task v{major}.{minor}.0\n\nAnswer {{{{question}}}} for {{{{audience}}}}.\n")
        };
        w.write(
            &dir.join(format!("task_v{major}.{minor}.0.md")),
            body.as_bytes(),
        );
    }
    w.write(
        &out.join("app.py"),
        b"from promptic import load_prompt\n\nlatest = load_prompt(\"prompts/task\", version=\"latest\")\npinned = load_prompt(\"prompts/task\", version=\"v1.0.0\")\npick = load_prompt(\"prompts/task\", version=\"v\")\n",
    );
    w.write(
        &out.join("README.md"),
        b"# Many versions\n\n- the latest [task](prompts/task.md)\n- pinned: [task v1](prompts/task_v1.0.0.md)\n",
    );
    w.files
}

fn generate(files: usize, seed: u64, out: &Path) -> Summary {
    let mut rng = Rng(seed ^ 0x0005_EED0_F9F0_A7E5);
    let mut w = Writer { files: 0 };
    let mut sum = Summary::default();
    std::fs::create_dir_all(out.join(".git")).expect("create .git");
    w.write(&out.join(".git/HEAD"), b"ref: refs/heads/main\n");
    w.write(&out.join(".gitignore"), b"build/\n*.tmp\n");
    w.write(
        &out.join("promptic.toml"),
        b"# Generated benchmark workspace (gen-workspace).\n[versioning]\ndelimiter = \"_\"\ninclude_prerelease = false\nprerelease_order = [\"alpha\", \"beta\", \"rc\"]\n\n[versioning.classifiers.lang]\nvalues = [\"en\", \"ru\", \"de\"]\ndefault = \"en\"\n",
    );
    let prompts = files / 5;
    // Shares of the prompts per subtree (per mille).
    let shares = [
        (Kind::Under, 400),
        (Kind::Dash, 200),
        (Kind::Dot, 150),
        (Kind::Multi, 150),
        (Kind::Custom, 100),
    ];
    let mut assigned = 0;
    for (i, (kind, share)) in shares.iter().enumerate() {
        let n = if i + 1 == shares.len() {
            prompts - assigned
        } else {
            prompts * share / 1000
        };
        assigned += n;
        if n == 0 {
            continue;
        }
        let root = out.join(kind.dir());
        w.write(&root.join("promptic.toml"), kind.config().as_bytes());
        let folders = n.div_ceil(PROMPTS_PER_FOLDER);
        for f in 0..folders {
            let count = PROMPTS_PER_FOLDER.min(n - f * PROMPTS_PER_FOLDER);
            let rel = format!(
                "g{:02}/f{:03}",
                f / FOLDERS_PER_GROUP,
                f % FOLDERS_PER_GROUP
            );
            gen_folder(&mut rng, &mut w, &mut sum, *kind, &root, &rel, count);
        }
    }
    // Ignored by `.gitignore`: neither rg nor promptls lists these.
    let ignored = (files / 100).max(1);
    for i in 0..ignored {
        w.write(
            &out.join(format!("build/out{}/task_v{}.md", i / 200, i)),
            b"built\n",
        );
    }
    sum.ignored_files = ignored;
    sum
}

fn gen_folder(
    rng: &mut Rng,
    w: &mut Writer,
    sum: &mut Summary,
    kind: Kind,
    root: &Path,
    rel: &str,
    count: usize,
) {
    let dir = root.join(rel);
    std::fs::create_dir_all(&dir).expect("create folder");
    sum.folders += 1;
    let d = kind.delim();
    let mut bases: Vec<(String, Vec<FileSpec>, &'static str)> = Vec::with_capacity(count);
    for i in 0..count {
        let word = *rng.pick(WORDS);
        let base = if kind == Kind::Dash && rng.chance(20) {
            format!("{word}_story{i}")
        } else {
            format!("{word}{i}")
        };
        let ext = match rng.below(100) {
            0..=79 => "md",
            80..=89 => "txt",
            90..=94 => "yaml",
            _ => "jinja2",
        };
        bases.push((base, plan_prompt(rng, kind), ext));
    }
    let mut prompt_files = 0;
    for (i, (base, specs, ext)) in bases.iter().enumerate() {
        let sibling = (rng.chance(30) && count > 1)
            .then(|| bases[(i + 1) % count].0.clone())
            .filter(|_| bases[(i + 1) % count].2 == *ext);
        for (variant, version) in specs {
            let name = file_name(kind, base, variant, version, ext);
            w.write(
                &dir.join(&name),
                prompt_body(base, version, ext, sibling.as_deref()).as_bytes(),
            );
            prompt_files += 1;
        }
    }
    sum.prompt_files += prompt_files;
    sum.prompts += count;
    for i in 0..prompt_files {
        let ext = *rng.pick(NON_PROMPT);
        let name = match ext {
            "png" if rng.chance(30) => format!("diagram{i}_v2.png"),
            "png" => format!("asset{i}.png"),
            "rs" => format!("lib{i}.rs"),
            "csv" => format!("data{i}.csv"),
            "css" => format!("style{i}.css"),
            "html" => format!("page{i}.html"),
            _ => format!("run{i}.log"),
        };
        let body: &[u8] = match ext {
            "png" => b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            "rs" => b"pub fn f() -> u32 { 42 }\n",
            "csv" => b"id,name\n1,a\n",
            "css" => b"body { margin: 0 }\n",
            "html" => b"<p>hello</p>\n",
            _ => b"ok\n",
        };
        w.write(&dir.join(name), body);
    }
    sum.non_prompt_files += prompt_files;

    // README.md: links relative to this folder (R-1), some broken on purpose.
    let mut md = format!("# Prompts in {rel}\n\n");
    let picks = 12.min(count);
    for k in 0..picks {
        let (base, specs, ext) = &bases[rng.below(count as u64) as usize];
        let (variant, version) = &specs[rng.below(specs.len() as u64) as usize];
        let pinned = file_name(kind, base, variant, version, ext);
        match k % 4 {
            0 => {
                let _ = writeln!(md, "- the latest [{base}]({base}.{ext})");
            }
            1 => {
                let _ = writeln!(md, "- pinned: [{base} {version}]({pinned})");
            }
            2 => {
                let _ = writeln!(md, "{{# ref: {base}.{ext} #}}");
            }
            _ => {
                let _ = writeln!(md, "- see <{pinned}> and [the file](./{pinned}#top)");
            }
        }
        sum.references += 1;
    }
    // Broken on purpose: a version that does not exist, a prompt that does not exist.
    let (base, _, ext) = &bases[0];
    let missing_version = if kind == Kind::Custom {
        format!("{base}_rev9.{ext}")
    } else {
        format!("{base}{d}v9.{ext}")
    };
    let _ = writeln!(
        md,
        "\nBroken: [no such version]({missing_version}) and [no such prompt](nosuch{d}v1.md)."
    );
    sum.references += 2;
    sum.broken_version += 1;
    sum.broken_prompt += 1;
    w.write(&dir.join("README.md"), md.as_bytes());
    sum.readme_files += 1;

    // app.py: promptic calls relative to the project root (the subtree, which holds a
    // promptic.toml, R-2).
    let mut py = String::from(
        "\"\"\"Generated: loads prompts with promptic.\"\"\"\n\nfrom promptic import load_prompt, render\n\n",
    );
    for k in 0..picks {
        let (base, specs, _) = &bases[rng.below(count as u64) as usize];
        let (variant, version) = &specs[rng.below(specs.len() as u64) as usize];
        let line = match k % 3 {
            0 => format!("p{k} = load_prompt(\"{rel}/{base}\")"),
            1 => format!("p{k} = load_prompt(\"{rel}/{base}\", version=\"{version}\")"),
            _ => {
                let lang = if variant.is_empty() { "en" } else { variant };
                format!(
                    "p{k} = render(\"{rel}/{base}\", version=\"latest\", classifier={{\"lang\": \"{lang}\"}})"
                )
            }
        };
        py.push_str(&line);
        py.push('\n');
        sum.references += 1;
    }
    let (base, _, _) = &bases[count - 1];
    let _ = writeln!(
        py,
        "\n# Broken on purpose.\nbad_version = load_prompt(\"{rel}/{base}\", version=\"{}\")",
        if kind == Kind::Custom { "rev9" } else { "v9" }
    );
    let _ = writeln!(
        py,
        "bad_lang = load_prompt(\"{rel}/{base}\", classifier={{\"lang\": \"es\"}})"
    );
    let _ = writeln!(py, "bad_prompt = load_prompt(\"{rel}/nosuch\")");
    sum.references += 3;
    sum.broken_version += 1;
    sum.broken_classifier += 1;
    sum.broken_prompt += 1;
    w.write(&dir.join("app.py"), py.as_bytes());
    sum.python_files += 1;
}
