//! Writing files the safe way, for every command that writes (`sign`,
//! `init`, `hook install`, `schema --out`): never through a symbolic link,
//! never above the directory the file belongs to, never clobbering unless
//! asked, and atomically (a temporary file in the same directory, then a
//! rename), so an interrupted command never leaves half a file.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// What to do when the file exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    Keep,
    Replace,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Created,
    Replaced,
    /// The file existed and `Existing::Keep` left it alone.
    Kept,
}

/// Writes `text` to `root/relative`. Every directory from `root` down is
/// created as needed and must be a real directory (no links); the file
/// itself must not be a link. `mode` sets Unix permissions.
pub fn write_file(
    root: &Path,
    relative: &Path,
    text: &[u8],
    existing: Existing,
    mode: Option<u32>,
) -> std::io::Result<Written> {
    let refuse = |path: &Path, why: &str| {
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "`{}` {why}; policy never writes through links",
                path.display()
            ),
        )
    };
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "`{}` leaves the directory it is written in",
                relative.display()
            ),
        ));
    }
    let Some(name) = relative.file_name() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "no file name",
        ));
    };
    let mut dir = PathBuf::from(root);
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(refuse(&dir, "is a symbolic link"));
    }
    if let Some(parent) = relative.parent() {
        for component in parent.components() {
            dir.push(component);
            match std::fs::symlink_metadata(&dir) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(refuse(&dir, "is a symbolic link"));
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        format!("`{}` is not a directory", dir.display()),
                    ));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir(&dir)?;
                }
                Err(e) => return Err(e),
            }
        }
    }
    let target = dir.join(name);
    let exists = match std::fs::symlink_metadata(&target) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(refuse(&target, "is a symbolic link"));
        }
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    };
    if exists && existing == Existing::Keep {
        return Ok(Written::Kept);
    }
    let temporary = dir.join(format!(
        ".{}.policy-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(text)?;
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        file.sync_all()?;
        match existing {
            // A hard link fails when the target appeared meanwhile: no
            // clobbering even in a race.
            Existing::Keep => match std::fs::hard_link(&temporary, &target) {
                Ok(()) => Ok(Written::Created),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Written::Kept),
                Err(e) => Err(e),
            },
            Existing::Replace => {
                std::fs::rename(&temporary, &target)?;
                Ok(if exists {
                    Written::Replaced
                } else {
                    Written::Created
                })
            }
        }
    })();
    let _ = std::fs::remove_file(&temporary);
    result
}

/// Writes a report to `path` (relative to the working directory) with
/// [`write_file`]: atomically, never through a link; an existing file is
/// replaced or kept as `existing` says, and a kept one is an error that
/// names `--force`.
pub fn write_report(path: &Path, text: &str, existing: Existing) -> Result<(), crate::Failure> {
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let (Some(dir), Some(name)) = (absolute.parent(), absolute.file_name()) else {
        return Err(crate::Failure::usage(format!(
            "`{}` names no file",
            path.display()
        )));
    };
    match write_file(dir, Path::new(name), text.as_bytes(), existing, None) {
        Ok(Written::Kept) => Err(crate::Failure::usage(format!(
            "`{}` exists; pass --force to replace it",
            path.display()
        ))),
        Ok(_) => Ok(()),
        Err(e) => Err(crate::Failure::usage(format!(
            "cannot write `{}`: {e}",
            path.display()
        ))),
    }
}
