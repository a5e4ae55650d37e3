//! The working tree on disk. Governed directories are walked whole:
//! `.gitignore` does not apply there, since an ignored file can still be
//! committed (`git add -f`) and judged in range mode.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkState};

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
            Ok(resolved)
                if resolved.starts_with(&self.canonical_root)
                    && !resolved.starts_with(self.canonical_root.join(".git")) =>
            {
                EntryKind::Symlink { target }
            }
            _ => EntryKind::EscapingSymlink { target },
        }
    }
}

/// Opens a file for reading, refusing a symbolic link in the last component
/// (the listing already reports links; this closes the gap between listing
/// and reading).
fn open_no_follow(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let text = relative.to_str()?;
    Some(if std::path::MAIN_SEPARATOR == '/' {
        text.to_string()
    } else {
        text.replace(std::path::MAIN_SEPARATOR, "/")
    })
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
            // `.ignore` files and `.git/info/exclude` are not part of what the
            // repository shares; skipping them saves syscalls per directory.
            .ignore(false)
            .git_exclude(false)
            // Tracked files are always checked: a `.gitignore` entry must
            // not hide a committed (force-added) manifest or sign-off.
            .git_ignore(false)
            .require_git(false)
            .follow_links(false)
            .threads(rayon::current_num_threads())
            // The repository's own `.git` is never walked. A `.git` file
            // further down marks a submodule checkout: it is listed (and
            // reported), and nested repositories are not descended into.
            .filter_entry({
                let root = self.root.clone();
                move |entry| {
                    entry.file_name() != ".git"
                        || (entry.file_type().is_some_and(|t| t.is_file())
                            && entry.path().parent() != Some(root.as_path()))
                }
            })
            .build_parallel();
        let collector = Collector {
            tree: self,
            found: Mutex::new(Vec::new()),
            failure: Mutex::new(None),
        };
        walker.visit(&mut &collector);
        if let Some(error) = collector.failure.into_inner().ok().flatten() {
            return Err(error);
        }
        let found = collector.found;
        let mut entries = found.into_inner().map_err(|e| e.to_string())?;
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries)
    }

    fn list_dir(&self, dir: &str) -> Vec<String> {
        let Ok(entries) = fs::read_dir(self.root.join(dir)) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect()
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        let full = self.root.join(path);
        let file = open_no_follow(&full).map_err(|e| match e.raw_os_error() {
            #[cfg(unix)]
            Some(libc::ELOOP) => ReadError::Io(format!(
                "`{path}` is a symbolic link; governed files are never read through links"
            )),
            _ => ReadError::Io(e.to_string()),
        })?;
        // No size check up front (one system call per file saved): read at
        // most one byte past the limit, so an oversized file is refused
        // without being read whole.
        let mut bytes = Vec::with_capacity(4096);
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ReadError::Io(e.to_string()))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            let size = fs::metadata(&full).map_or(bytes.len() as u64, |m| m.len());
            return Err(ReadError::TooLarge { size });
        }
        Ok(bytes)
    }

    fn describe(&self) -> String {
        "working tree".to_string()
    }
}

/// Gathers walk results from the parallel walker's threads: each thread
/// fills its own batch and hands it over when the walk ends.
struct Collector<'a> {
    tree: &'a WorkTree,
    found: Mutex<Vec<SnapshotEntry>>,
    failure: Mutex<Option<String>>,
}

struct Batch<'a> {
    collector: &'a Collector<'a>,
    entries: Vec<SnapshotEntry>,
}

impl<'s> ParallelVisitorBuilder<'s> for &'s Collector<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Batch {
            collector: self,
            entries: Vec::new(),
        })
    }
}

impl ParallelVisitor for Batch<'_> {
    fn visit(&mut self, item: Result<DirEntry, ignore::Error>) -> WalkState {
        let entry = match item {
            Ok(entry) => entry,
            Err(error) => {
                if let Ok(mut failure) = self.collector.failure.lock() {
                    failure.get_or_insert_with(|| error.to_string());
                }
                return WalkState::Quit;
            }
        };
        let (kind, path) = match entry.file_type() {
            Some(t) if t.is_symlink() => (
                self.collector.tree.classify_symlink(entry.path()),
                entry.path(),
            ),
            Some(t) if t.is_file() && entry.file_name() == ".git" => match entry.path().parent() {
                Some(checkout) => (EntryKind::Submodule, checkout),
                None => return WalkState::Continue,
            },
            Some(t) if t.is_file() => (EntryKind::File, entry.path()),
            _ => return WalkState::Continue,
        };
        if let Some(path) = relative_path(&self.collector.tree.root, path) {
            self.entries.push(SnapshotEntry { path, kind });
        }
        WalkState::Continue
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if let Ok(mut found) = self.collector.found.lock() {
            found.append(&mut self.entries);
        }
    }
}
