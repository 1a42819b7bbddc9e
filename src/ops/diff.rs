//! Diffs between two versions.

use std::path::Path;

use crate::analysis::{VariableChange, compare_variables, variables};
use crate::vfs::{FileSource, VfsError};

use super::bump::is_jinja;

/// A unified diff between two files plus their variable changes (the `diffVersions`
/// command).
///
/// Fails when either file cannot be read (missing, not a regular file, unreadable); a
/// file that is not UTF-8 is compared as its lossy text.
pub fn diff(
    files: &dyn FileSource,
    old_path: &Path,
    new_path: &Path,
) -> Result<(String, VariableChange), VfsError> {
    let old = files.text(old_path)?.text;
    let new = files.text(new_path)?.text;
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    let text = similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .header(&name(old_path), &name(new_path))
        .to_string();
    let jinja = is_jinja(&name(new_path));
    Ok((
        text,
        compare_variables(&variables(&old, jinja), &variables(&new, jinja)),
    ))
}
