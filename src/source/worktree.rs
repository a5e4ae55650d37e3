//! The working tree on disk, walked with `.gitignore` rules applied.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use super::{EntryKind, MAX_FILE_BYTES, ReadError, Snapshot, SnapshotEntry};

pub struct WorkTree {
    root: PathBuf,
    canonical_root: PathBuf,
}

impl WorkTree {
    pub fn new(root: impl Into<PathBuf>) -> WorkTree {
        let root = root.into();
        let canonical_root = fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
        WorkTree {
            root,
            canonical_root,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn classify_symlink(&self, path: &Path) -> EntryKind {
        let target = fs::read_link(path)
            .map(|t| t.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        match fs::canonicalize(path) {
            Ok(resolved) if resolved.starts_with(&self.canonical_root) && resolved.is_file() => {
                EntryKind::Symlink { target }
            }
            _ => EntryKind::EscapingSymlink { target },
        }
    }
}

fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_string()),
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

impl Snapshot for WorkTree {
    fn list(&self, prefix: &str) -> Result<Vec<SnapshotEntry>, String> {
        let start = self.root.join(prefix);
        if !start.is_dir() {
            return Ok(Vec::new());
        }
        let walker = ignore::WalkBuilder::new(&start)
            .hidden(false)
            .git_global(false)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build();
        let mut entries = Vec::new();
        for item in walker {
            let entry = item.map_err(|e| e.to_string())?;
            let Some(file_type) = entry.file_type() else {
                continue;
            };
            let kind = if file_type.is_symlink() {
                self.classify_symlink(entry.path())
            } else if file_type.is_file() {
                EntryKind::File
            } else {
                continue;
            };
            if let Some(path) = relative_path(&self.root, entry.path()) {
                entries.push(SnapshotEntry { path, kind });
            }
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        let full = self.root.join(path);
        let file = fs::File::open(&full).map_err(|e| ReadError::Io(e.to_string()))?;
        let size = file
            .metadata()
            .map_err(|e| ReadError::Io(e.to_string()))?
            .len();
        if size > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge { size });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        // Read one byte past the limit so a file that grew after the size
        // check is still refused rather than read without bound.
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ReadError::Io(e.to_string()))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge {
                size: bytes.len() as u64,
            });
        }
        Ok(bytes)
    }

    fn describe(&self) -> String {
        "working tree".to_string()
    }
}
