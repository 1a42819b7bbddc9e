//! Config parsing (V-7): `promptic.toml`, `pyproject.toml` and promptic JSON text never
//! panic; errors are located inside the text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use promptls::config::{ConfigFileKind, Settings, load_config_file};
use promptls::versioning::NamingScheme;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (kind, path) = match first % 3 {
        0 => (ConfigFileKind::Promptic, "/ws/promptic.toml"),
        1 => (ConfigFileKind::Pyproject, "/ws/pyproject.toml"),
        _ => (ConfigFileKind::Json, "/ws/config.json"),
    };
    let text = String::from_utf8_lossy(rest);
    let file = load_config_file(Path::new(path), kind, &text);
    if let Some(layer) = &file.layer {
        // Whatever the layer holds must compile into a naming scheme (a validated
        // config never carries a bad pattern).
        let settings = Settings::from_layers([layer]);
        if let Err(e) = NamingScheme::new(settings.versioning.clone()) {
            panic!("a validated config does not compile: {e}: {:?}", settings.versioning);
        }
    }
});
