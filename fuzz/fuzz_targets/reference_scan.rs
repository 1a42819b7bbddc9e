//! Reference scanning of Markdown, Python, YAML and JSON text: never a panic,
//! and every span lies inside the text on char boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promptls::references::scan_file;

const NAMES: &[&str] = &[
    "prompt_v1.md",
    "app.py",
    "stub.pyi",
    "refs.yaml",
    "refs.yml",
    "refs.json",
    "notes.txt",
    "template.jinja",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[first as usize % NAMES.len()];
    let text = String::from_utf8_lossy(rest);
    let scan = scan_file(name, &text);
    for r in &scan.references {
        let span = &r.target.range;
        assert!(span.start <= span.end && span.end <= text.len(), "{name}: {span:?}");
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        assert!(r.range.start <= r.range.end && r.range.end <= text.len());
        let _ = r.classifier_map();
    }
});
