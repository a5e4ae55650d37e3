//! Where bytes come from. Everything the engine reads goes through
//! [`Snapshot`]: a listing of repository-relative paths and a way to read
//! one. The working tree is one implementation; the git index and commits
//! are others, so every rule is the same in every mode.

pub mod git;
mod worktree;

pub use worktree::WorkTree;

/// The largest file the engine reads. Policy files, manifests and playbooks
/// are small hand-written documents; anything larger is reported
/// (`PL003`) instead of parsed, which bounds the work a hostile or mistaken
/// commit can cause.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// One path in a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotEntry {
    /// Repository-relative, `/`-separated.
    pub path: String,
    pub kind: EntryKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File,
    /// A symbolic link whose target stays inside the repository; it is read
    /// through.
    Symlink {
        target: String,
    },
    /// A symbolic link that leads outside the repository (or nowhere); it is
    /// never read.
    EscapingSymlink {
        target: String,
    },
    /// A submodule (a gitlink in a commit or the index, or a nested
    /// checkout with its own `.git` in the working tree): another
    /// repository's content, never read as this one's.
    Submodule,
}

impl EntryKind {
    /// True for anything but a regular file: links and submodules under a
    /// governed path are reported and never followed.
    pub fn is_indirect(&self) -> bool {
        !matches!(self, EntryKind::File)
    }
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    TooLarge { size: u64 },
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge { size } => write!(
                f,
                "file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit"
            ),
            ReadError::Io(message) => f.write_str(message),
        }
    }
}

/// A read-only view of the repository's files at one point: the working
/// tree, the index, or a commit.
pub trait Snapshot: Sync {
    /// Every file under `prefix` (repository-relative, ending in `/`, or
    /// empty for the whole repository), sorted by path.
    fn list(&self, prefix: &str) -> Result<Vec<SnapshotEntry>, String>;

    /// Names of the files directly in `dir` (no recursion).
    fn list_dir(&self, dir: &str) -> Vec<String>;

    /// The bytes of one file, refusing files over [`MAX_FILE_BYTES`].
    fn read(&self, path: &str) -> Result<Vec<u8>, ReadError>;

    /// A short description for messages ("working tree", "index", a commit).
    fn describe(&self) -> String;
}
