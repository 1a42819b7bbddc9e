//! Diffs between two versions: the unified text, its hunks as data, and how the template
//! variables changed.

use std::path::Path;

use serde::Serialize;

use crate::analysis::{VariableChange, compare_variables, variables};
use crate::vfs::{FileSource, VfsError};

use super::bump::is_jinja;

/// Lines of context around each change, as `diff -u` and git use.
const CONTEXT_LINES: usize = 3;

/// What happened to one line of a [`DiffHunk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LineChange {
    /// In both versions (context around a change).
    Context,
    /// Only in the older version.
    Removed,
    /// Only in the newer version.
    Added,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DiffLine {
    /// What happened to the line.
    pub change: LineChange,
    /// The line without its line break (a `\r` of a CRLF line stays).
    pub text: String,
}

/// A run of changes with its context: the `@@ -old_start,old_lines +new_start,new_lines @@`
/// block of a unified diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiffHunk {
    /// First line of the hunk in the older version, 1-based; when the hunk takes no line
    /// of it (`old_lines` is 0), the line after which the newer lines go (0: before all).
    pub old_start: usize,
    /// Lines of the older version in the hunk (context and removed).
    pub old_lines: usize,
    /// First line in the newer version, 1-based; as `old_start` when `new_lines` is 0.
    pub new_start: usize,
    /// Lines of the newer version in the hunk (context and added).
    pub new_lines: usize,
    /// The lines, in order.
    pub lines: Vec<DiffLine>,
}

/// The difference between two versions of a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VersionDiff {
    /// A unified diff (`--- old`, `+++ new`, hunks; empty when the texts are equal), the
    /// files named by their file names.
    pub unified: String,
    /// The hunks of `unified` as data.
    pub hunks: Vec<DiffHunk>,
    /// How the template variables changed.
    pub variables: VariableChange,
}

/// Compares two texts named `old_name` and `new_name` (file names: they head the unified
/// diff, and the newer one's extension says whether the templates are Jinja).
pub fn diff_texts(old_name: &str, old: &str, new_name: &str, new: &str) -> VersionDiff {
    let lines = similar::TextDiff::from_lines(old, new);
    let unified = lines
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .header(old_name, new_name)
        .to_string();
    let start = |range: std::ops::Range<usize>| {
        if range.is_empty() {
            range.start
        } else {
            range.start + 1
        }
    };
    let hunks = lines
        .grouped_ops(CONTEXT_LINES)
        .iter()
        .filter_map(|group| {
            let (first, last) = (group.first()?, group.last()?);
            let old_range = first.old_range().start..last.old_range().end;
            let new_range = first.new_range().start..last.new_range().end;
            let lines = group
                .iter()
                .flat_map(|op| lines.iter_changes(op))
                .map(|c| DiffLine {
                    change: match c.tag() {
                        similar::ChangeTag::Equal => LineChange::Context,
                        similar::ChangeTag::Delete => LineChange::Removed,
                        similar::ChangeTag::Insert => LineChange::Added,
                    },
                    text: c
                        .value()
                        .strip_suffix('\n')
                        .unwrap_or(c.value())
                        .to_string(),
                })
                .collect();
            Some(DiffHunk {
                old_start: start(old_range.clone()),
                old_lines: old_range.len(),
                new_start: start(new_range.clone()),
                new_lines: new_range.len(),
                lines,
            })
        })
        .collect();
    let jinja = is_jinja(new_name);
    VersionDiff {
        unified,
        hunks,
        variables: compare_variables(&variables(old, jinja), &variables(new, jinja)),
    }
}

/// [`diff_texts`] of two files, named by their file names.
///
/// Fails when either file cannot be read (missing, not a regular file, unreadable); a
/// file that is not UTF-8 is compared as its lossy text.
pub fn diff(
    files: &dyn FileSource,
    old_path: &Path,
    new_path: &Path,
) -> Result<VersionDiff, VfsError> {
    let old = files.text(old_path)?.text;
    let new = files.text(new_path)?.text;
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    Ok(diff_texts(&name(old_path), &old, &name(new_path), &new))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rebuilds the newer text from the older one and the hunks (what a patch tool does).
    fn apply(old: &str, hunks: &[DiffHunk]) -> String {
        let old_lines: Vec<&str> = old.lines().collect();
        let mut out: Vec<String> = Vec::new();
        let mut next = 0; // next line of `old` not yet copied (0-based)
        for h in hunks {
            let first = if h.old_lines == 0 {
                h.old_start
            } else {
                h.old_start - 1
            };
            out.extend(old_lines[next..first].iter().map(|l| l.to_string()));
            next = first;
            for l in &h.lines {
                match l.change {
                    LineChange::Context => {
                        assert_eq!(old_lines[next], l.text);
                        out.push(l.text.clone());
                        next += 1;
                    }
                    LineChange::Removed => {
                        assert_eq!(old_lines[next], l.text);
                        next += 1;
                    }
                    LineChange::Added => out.push(l.text.clone()),
                }
            }
        }
        out.extend(old_lines[next..].iter().map(|l| l.to_string()));
        out.join("\n")
    }

    #[test]
    fn hunks_match_the_unified_text() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nHello {{name}}\n";
        let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nHello {{name}} in a {{tone}} tone\nl\n";
        let d = diff_texts("task_v1.md", old, "task_v2.md", new);
        assert_eq!(
            d.unified,
            "--- task_v1.md\n+++ task_v2.md\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -9,4 +9,5 @@\n i\n j\n k\n-Hello {{name}}\n+Hello {{name}} in a {{tone}} tone\n+l\n"
        );
        let heads: Vec<(usize, usize, usize, usize)> = d
            .hunks
            .iter()
            .map(|h| (h.old_start, h.old_lines, h.new_start, h.new_lines))
            .collect();
        assert_eq!(heads, [(1, 5, 1, 5), (9, 4, 9, 5)]);
        assert_eq!(
            d.variables,
            VariableChange {
                removed: vec![],
                added: vec!["tone".into()],
                kept: vec!["name".into()],
            }
        );
    }

    #[test]
    fn equal_texts_have_no_hunks() {
        let d = diff_texts("a_v1.md", "same\n", "a_v2.md", "same\n");
        assert_eq!((d.unified.as_str(), d.hunks.len()), ("", 0));
    }

    #[test]
    fn an_empty_side_starts_at_zero() {
        let d = diff_texts("a_v1.md", "", "a_v2.md", "x\ny\n");
        let h = &d.hunks[0];
        assert_eq!(
            (h.old_start, h.old_lines, h.new_start, h.new_lines),
            (0, 0, 1, 2)
        );
        assert!(d.unified.contains("@@ -0,0 +1,2 @@"), "{}", d.unified);
    }

    proptest::proptest! {
        // The hunks are the whole change: applied to the older text they give the newer.
        #[test]
        fn hunks_rebuild_the_newer_text(
            old in proptest::collection::vec(proptest::sample::select(vec!["a", "b", "c", "{{x}}", ""]), 0..30),
            new in proptest::collection::vec(proptest::sample::select(vec!["a", "b", "c", "{{y}}", ""]), 0..30),
        ) {
            let (old, new) = (old.join("\n"), new.join("\n"));
            let d = diff_texts("p_v1.md", &old, "p_v2.md", &new);
            let rebuilt = apply(&old, &d.hunks);
            proptest::prop_assert_eq!(rebuilt, new.lines().collect::<Vec<_>>().join("\n"));
        }
    }
}
