//! Printing helpers shared by the subcommands.

use crate::analysis::PromptVersion;

/// Prints pretty JSON and a newline on stdout.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("serializable")
    );
}

/// Prints versions as an aligned table.
pub fn print_versions_table(list: &[PromptVersion]) {
    let rows: Vec<[String; 5]> = list
        .iter()
        .map(|v| {
            let variant = v
                .classifiers
                .iter()
                .map(|(k, x)| format!("{k}={x}"))
                .collect::<Vec<_>>()
                .join(",");
            let mut flags = Vec::new();
            if v.latest {
                flags.push("latest");
            }
            if v.prerelease.is_some() {
                flags.push("prerelease");
            }
            [
                v.version.clone().unwrap_or_else(|| "(unversioned)".into()),
                variant,
                flags.join(" "),
                v.created_at.clone().unwrap_or_default(),
                v.id.clone(),
            ]
        })
        .collect();
    let header = ["VERSION", "VARIANT", "FLAGS", "MODIFIED", "FILE"];
    let mut widths = header.map(str::len);
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            s.push_str(c);
            if i < 4 {
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        println!("{}", s.trim_end());
    };
    line(header);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
}
