//! `promptls mv OLD NEW`: rename a prompt family (every version and variant) and update
//! every reference to it, through the file-system layer: the new files are created
//! (never overwriting), the referring files rewritten atomically, and the old files
//! removed only when all of that succeeded; a failure undoes what was done.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::index::{Index, normalize};
use crate::ops::{RenamePlan, plan_rename};

/// What `mv` was asked.
pub(super) struct Request {
    pub old: PathBuf,
    pub new: PathBuf,
    pub config: Option<PathBuf>,
    pub dry_run: bool,
}

/// A path as the user sees it: relative to the current folder when inside it.
fn shown(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .unwrap_or(path)
        .to_string_lossy()
        .to_string()
}

pub(super) fn run(req: Request) -> ExitCode {
    let cwd = match super::current_dir() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let source = match super::config_source(req.config.as_deref(), false) {
        Ok(s) => Arc::new(s),
        Err(e) => return e.report(),
    };
    let old = normalize(&cwd.join(&req.old));
    // Not normalized: a `..` in the new name is refused by the plan, never folded away.
    let new = cwd.join(&req.new);
    let folder = old
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| old.clone());
    if !folder.is_dir() {
        return super::usage_error(&format!(
            "{}: no such folder",
            req.old.parent().unwrap_or(&req.old).display()
        ));
    }
    let root = super::check::workspace_of(&folder, &cwd);
    let index = Index::scan(vec![root], source);
    let plan = match plan_rename(&index, &old, &new) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    for (path, reason) in &plan.unread {
        eprintln!(
            "warning: {}: {reason}; references in it, if any, are not updated",
            shown(path, &cwd)
        );
    }
    if req.dry_run {
        print_plan(&plan, &cwd);
        return ExitCode::SUCCESS;
    }
    match execute(&plan, &cwd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// The dry run: each rename, then a unified diff per edited file.
fn print_plan(plan: &RenamePlan, cwd: &Path) {
    println!("would rename `{}` to `{}`:", plan.old_id, plan.new_id);
    for r in &plan.renames {
        println!("  {} -> {}", shown(&r.from, cwd), shown(&r.to, cwd));
    }
    if plan.edits.is_empty() {
        println!("no reference to update");
    }
    for e in &plan.edits {
        let name = shown(&e.path, cwd);
        let after = plan
            .new_path(&e.path)
            .map_or_else(|| name.clone(), |p| shown(p, cwd));
        let new_text = e.apply();
        let diff = similar::TextDiff::from_lines(&e.text, &new_text);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(1)
                .header(&format!("a/{name}"), &format!("b/{after}"))
        );
    }
}

/// Carries the plan out; on a failure, undoes what was done and says what happened.
fn execute(plan: &RenamePlan, cwd: &Path) -> Result<(), String> {
    let mut created: Vec<&Path> = Vec::new();
    let undo_created = |created: &[&Path]| -> String {
        let mut left = Vec::new();
        for p in created {
            if let Err(e) = crate::vfs::remove_file(p) {
                left.push(format!("{} ({})", shown(p, cwd), e.reason()));
            }
        }
        if left.is_empty() {
            "nothing was changed".into()
        } else {
            format!(
                "these new files could not be removed again: {}",
                left.join(", ")
            )
        }
    };
    // 1. The new files, each byte for byte (with its reference edits when it moves).
    for r in &plan.renames {
        let bytes = match new_content(plan, &r.from) {
            Ok(b) => b,
            Err(e) => return Err(format!("{e}; {}", undo_created(&created))),
        };
        if let Err(e) = crate::vfs::create_new(&r.to, &bytes) {
            return Err(format!(
                "cannot create {}: {}; {}",
                shown(&r.to, cwd),
                e.reason(),
                undo_created(&created)
            ));
        }
        created.push(&r.to);
    }
    // 2. The referring files, each replaced atomically after checking it did not change.
    let mut rewritten: Vec<(&Path, &str)> = Vec::new();
    for e in plan
        .edits
        .iter()
        .filter(|e| plan.new_path(&e.path).is_none())
    {
        let result = match crate::vfs::read_bytes(&e.path, crate::vfs::COPY_LIMIT) {
            Ok(now) if now == e.text.as_bytes() => {
                crate::vfs::replace_file(&e.path, e.apply().as_bytes()).map_err(|x| x.reason())
            }
            Ok(_) => Err("it changed since the rename was planned".into()),
            Err(x) => Err(x.reason()),
        };
        if let Err(reason) = result {
            let mut restored = Vec::new();
            for (p, text) in &rewritten {
                if let Err(x) = crate::vfs::replace_file(p, text.as_bytes()) {
                    restored.push(format!("{} ({})", shown(p, cwd), x.reason()));
                }
            }
            let mut msg = format!(
                "cannot update {}: {reason}; {}",
                shown(&e.path, cwd),
                undo_created(&created)
            );
            if !restored.is_empty() {
                msg.push_str(&format!(
                    "; these updated files could not be restored: {}",
                    restored.join(", ")
                ));
            }
            return Err(msg);
        }
        rewritten.push((&e.path, &e.text));
        println!(
            "updated {} ({} reference{})",
            shown(&e.path, cwd),
            e.edits.len(),
            if e.edits.len() == 1 { "" } else { "s" }
        );
    }
    // 3. The old files, now that everything else is in place.
    let mut left = Vec::new();
    for r in &plan.renames {
        match crate::vfs::remove_file(&r.from) {
            Ok(()) => println!("renamed {} -> {}", shown(&r.from, cwd), shown(&r.to, cwd)),
            Err(e) => left.push(format!("{} ({})", shown(&r.from, cwd), e.reason())),
        }
    }
    if !left.is_empty() {
        return Err(format!(
            "the new files and references are in place, but these old files could not be removed (both copies remain): {}",
            left.join(", ")
        ));
    }
    Ok(())
}

/// The bytes of a renamed file: verbatim, or with its reference edits applied (checked
/// against the text they were planned on).
fn new_content(plan: &RenamePlan, from: &Path) -> Result<Vec<u8>, String> {
    let bytes = crate::vfs::read_bytes(from, crate::vfs::COPY_LIMIT).map_err(|e| e.to_string())?;
    match plan.edits.iter().find(|e| e.path == from) {
        None => Ok(bytes),
        Some(e) if bytes == e.text.as_bytes() => Ok(e.apply().into_bytes()),
        Some(_) => Err(format!(
            "{}: it changed since the rename was planned",
            from.display()
        )),
    }
}
