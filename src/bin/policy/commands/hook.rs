//! `policy hook install`: a git pre-commit hook that runs
//! `policy lint --staged`. An existing hook is kept and chained, never
//! overwritten.

use std::path::{Path, PathBuf};

use policy_lint::source::git::{self, GitError};

use crate::Failure;
use crate::write::{Existing, Written, write_file};

/// Marks a hook written by this command, so a second install is a no-op.
const MARKER: &str = "# Installed by `policy hook install`";
const CHAINED: &str = "pre-commit.before-policy";

fn hooks_dir() -> Result<PathBuf, Failure> {
    git::hooks_dir().map_err(|error| match error {
        GitError::NotARepository => {
            Failure::usage("not a git repository: run `policy hook install` inside one")
        }
        other => Failure::usage(other.to_string()),
    })
}

fn script(binary: &Path) -> String {
    let quoted = binary.to_string_lossy().replace('\'', r"'\''");
    format!(
        r#"#!/bin/sh
{MARKER}: checks the staged changes against the
# repository's safety policies before each commit. Bypass once with `git commit --no-verify`.
hook_dir=$(dirname "$0")
if [ -x "$hook_dir/{CHAINED}" ]; then
  "$hook_dir/{CHAINED}" "$@" || exit $?
fi
policy=policy
command -v policy >/dev/null 2>&1 || policy='{quoted}'
"$policy" lint --staged --quiet
status=$?
if [ "$status" -ne 0 ]; then
  echo "policy: this commit is blocked by the findings above. Fix them and commit again; in an emergency, bypass once with \`git commit --no-verify\` (the pull-request check still judges the change)." >&2
fi
exit "$status"
"#
    )
}

pub fn install() -> Result<u8, Failure> {
    let dir = hooks_dir()?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::usage(format!("cannot create `{}`: {e}", dir.display())))?;
    let hook = dir.join("pre-commit");
    let binary = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("policy"));
    if std::fs::symlink_metadata(&hook).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Failure::usage(format!(
            "`{}` is a symbolic link; policy never writes through links: install by hand or remove the link",
            hook.display()
        )));
    }
    if let Ok(existing) = std::fs::read_to_string(&hook) {
        if existing.contains(MARKER) {
            eprintln!(
                "the policy pre-commit hook is already installed at {}",
                hook.display()
            );
            return Ok(0);
        }
        let chained = dir.join(CHAINED);
        if chained.exists() {
            return Err(Failure::usage(format!(
                "`{}` exists and is not ours, and `{}` is taken too; merge them by hand",
                hook.display(),
                chained.display()
            )));
        }
        std::fs::rename(&hook, &chained)
            .map_err(|e| Failure::usage(format!("cannot move the existing hook aside: {e}")))?;
        eprintln!(
            "kept your existing pre-commit hook as {}; the new hook runs it first",
            chained.display()
        );
    } else if hook.exists() {
        return Err(Failure::usage(format!(
            "`{}` exists but cannot be read",
            hook.display()
        )));
    }
    match write_file(
        &dir,
        Path::new("pre-commit"),
        script(&binary).as_bytes(),
        Existing::Keep,
        Some(0o755),
    ) {
        Ok(Written::Created | Written::Replaced) => {}
        Ok(Written::Kept) => {
            return Err(Failure::usage(format!(
                "`{}` appeared while installing; run `policy hook install` again",
                hook.display()
            )));
        }
        Err(e) => {
            return Err(Failure::usage(format!(
                "cannot write `{}`: {e}",
                hook.display()
            )));
        }
    }
    eprintln!(
        "installed {}: commits now run `policy lint --staged`",
        hook.display()
    );
    Ok(0)
}

/// Removes the hook `install` wrote (recognised by its marker) and puts
/// back the hook it kept aside. A hook that is not ours is left alone.
pub fn uninstall() -> Result<u8, Failure> {
    let dir = hooks_dir()?;
    let hook = dir.join("pre-commit");
    let ours = std::fs::symlink_metadata(&hook).is_ok_and(|m| m.is_file())
        && std::fs::read_to_string(&hook).is_ok_and(|text| text.contains(MARKER));
    if !ours {
        if hook.exists() {
            return Err(Failure::usage(format!(
                "`{}` was not installed by `policy hook install`; left as it is",
                hook.display()
            )));
        }
        eprintln!("no policy pre-commit hook is installed");
        return Ok(0);
    }
    std::fs::remove_file(&hook)
        .map_err(|e| Failure::usage(format!("cannot remove `{}`: {e}", hook.display())))?;
    let chained = dir.join(CHAINED);
    if chained.exists() {
        std::fs::rename(&chained, &hook).map_err(|e| {
            Failure::usage(format!(
                "removed the policy hook, but cannot restore `{}`: {e}",
                chained.display()
            ))
        })?;
        eprintln!(
            "removed the policy hook and restored your earlier hook at {}",
            hook.display()
        );
    } else {
        eprintln!("removed the policy hook at {}", hook.display());
    }
    Ok(0)
}
