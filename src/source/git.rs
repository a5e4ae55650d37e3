//! The one module that talks to git. It turns the index or a commit into a
//! [`Snapshot`], lists the paths a change touched, and finds who last changed
//! a file. Everything it hands out is plain data: no git2 type leaves here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use git2::{DiffOptions, ObjectType, Oid, Repository, Sort, TreeWalkMode, TreeWalkResult};

use super::{EntryKind, MAX_FILE_BYTES, ReadError, Snapshot, SnapshotEntry};

/// Why a git mode cannot run. Each message says what to do.
#[derive(Debug)]
pub enum GitError {
    NotARepository,
    UnbornHead,
    UnknownRef(String),
    ShallowClone { base: String },
    NoMergeBase { base: String, head: String },
    Other(String),
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::NotARepository => f.write_str(
                "not a git repository: --staged and --base need one (run `git init`, or lint the working tree without them)",
            ),
            GitError::UnbornHead => f.write_str(
                "HEAD has no commits yet: make a first commit before checking a range, or lint the working tree without --base",
            ),
            GitError::UnknownRef(name) => write!(
                f,
                "unknown revision `{name}`: check the name, or fetch it first (`git fetch origin {name}`)"
            ),
            GitError::ShallowClone { base } => write!(
                f,
                "`{base}` or its merge-base with HEAD is not in this shallow clone, so the change cannot be judged \
                 against its base. Fetch the history: with actions/checkout set `fetch-depth: 0`, or run \
                 `git fetch --unshallow`"
            ),
            GitError::NoMergeBase { base, head } => write!(
                f,
                "`{base}` and `{head}` have no common ancestor, so there is no base to judge the change against; \
                 pass a --base that shares history with --head"
            ),
            GitError::Other(message) => f.write_str(message),
        }
    }
}

impl From<git2::Error> for GitError {
    fn from(error: git2::Error) -> Self {
        GitError::Other(error.message().to_string())
    }
}

/// An object id, kept opaque outside this module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revision(Oid);

impl Revision {
    pub fn short(&self) -> String {
        self.0.to_string()[..10].to_string()
    }
}

/// The author of the last commit that changed a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastChange {
    pub email: String,
    pub commit: String,
    pub summary: String,
}

pub struct Git {
    repo: Mutex<Repository>,
    workdir: PathBuf,
}

impl Git {
    /// Opens the repository the way git itself would from the current
    /// directory, honouring `GIT_DIR` and `GIT_INDEX_FILE` (hooks run with a
    /// temporary index during `git commit -a` and `git commit <path>`).
    pub fn open() -> Result<Git, GitError> {
        let repo = Repository::open_from_env().map_err(|_| GitError::NotARepository)?;
        let workdir = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
            GitError::Other("bare repositories have no working tree to lint".into())
        })?;
        Ok(Git {
            repo: Mutex::new(repo),
            workdir,
        })
    }

    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Repository> {
        self.repo
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn head(&self) -> Result<Option<Revision>, GitError> {
        let repo = self.lock();
        match repo.head() {
            Ok(head) => Ok(Some(Revision(head.peel_to_commit()?.id()))),
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn resolve(&self, name: &str) -> Result<Revision, GitError> {
        let repo = self.lock();
        let object = repo.revparse_single(name).map_err(|_| {
            if repo.is_shallow() {
                GitError::ShallowClone {
                    base: name.to_string(),
                }
            } else {
                GitError::UnknownRef(name.to_string())
            }
        })?;
        let commit = object
            .peel_to_commit()
            .map_err(|_| GitError::UnknownRef(name.to_string()))?;
        Ok(Revision(commit.id()))
    }

    pub fn merge_base(
        &self,
        base: (&str, Revision),
        head: (&str, Revision),
    ) -> Result<Revision, GitError> {
        let repo = self.lock();
        match repo.merge_base(base.1.0, head.1.0) {
            Ok(oid) => Ok(Revision(oid)),
            Err(_) if repo.is_shallow() => Err(GitError::ShallowClone {
                base: base.0.to_string(),
            }),
            Err(_) => Err(GitError::NoMergeBase {
                base: base.0.to_string(),
                head: head.0.to_string(),
            }),
        }
    }

    /// The files of a commit under the given directories (each ending in
    /// `/`, or empty for everything).
    pub fn commit_snapshot(
        self: &Arc<Self>,
        revision: Revision,
        bases: &[String],
    ) -> Result<GitSnapshot, GitError> {
        let repo = self.lock();
        let tree = repo.find_commit(revision.0)?.tree()?;
        let mut files = BTreeMap::new();
        for base in bases {
            let subtree = if base.is_empty() {
                tree.clone()
            } else {
                match tree.get_path(Path::new(base.trim_end_matches('/'))) {
                    Ok(entry) if entry.kind() == Some(ObjectType::Tree) => {
                        repo.find_tree(entry.id())?
                    }
                    Ok(entry) if entry.kind() == Some(ObjectType::Blob) && !base.ends_with('/') => {
                        files.insert(base.clone(), (entry.id(), entry.filemode() as u32));
                        continue;
                    }
                    _ => continue,
                }
            };
            subtree.walk(TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(ObjectType::Blob)
                    && let Ok(name) = entry.name()
                {
                    files.insert(
                        format!("{base}{dir}{name}"),
                        (entry.id(), entry.filemode() as u32),
                    );
                }
                TreeWalkResult::Ok
            })?;
        }
        Ok(GitSnapshot {
            git: Arc::clone(self),
            files,
            description: format!("commit {}", revision.short()),
        })
    }

    /// The files of the index (staged content), under the given directories.
    pub fn index_snapshot(self: &Arc<Self>, bases: &[String]) -> Result<GitSnapshot, GitError> {
        let repo = self.lock();
        let index = repo.index()?;
        let mut files = BTreeMap::new();
        for entry in index.iter() {
            let Ok(path) = String::from_utf8(entry.path.clone()) else {
                continue;
            };
            // Stage bits (merge conflicts) live in flags; keep stage 0 only.
            if (entry.flags >> 12) & 0x3 != 0 {
                continue;
            }
            if bases.iter().any(|b| path.starts_with(b.as_str())) {
                files.insert(path, (entry.id, entry.mode));
            }
        }
        Ok(GitSnapshot {
            git: Arc::clone(self),
            files,
            description: "index".to_string(),
        })
    }

    /// Paths that differ between `old` (or nothing) and `new`, restricted
    /// to `bases`. `new = None` compares against the index.
    pub fn changed_paths(
        &self,
        old: Option<Revision>,
        new: Option<Revision>,
        bases: &[String],
    ) -> Result<BTreeSet<String>, GitError> {
        let repo = self.lock();
        let mut options = DiffOptions::new();
        for base in bases {
            options.pathspec(if base.is_empty() { "." } else { base.as_str() });
        }
        let old_tree = match old {
            Some(r) => Some(repo.find_commit(r.0)?.tree()?),
            None => None,
        };
        let diff = match new {
            Some(r) => {
                let new_tree = repo.find_commit(r.0)?.tree()?;
                repo.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut options))?
            }
            None => {
                let index = repo.index()?;
                repo.diff_tree_to_index(old_tree.as_ref(), Some(&index), Some(&mut options))?
            }
        };
        let mut paths = BTreeSet::new();
        for delta in diff.deltas() {
            for file in [delta.old_file(), delta.new_file()] {
                if let Some(path) = file.path().and_then(Path::to_str) {
                    paths.insert(path.replace('\\', "/"));
                }
            }
        }
        Ok(paths)
    }

    /// For each of `paths`, the author of the most recent commit reachable
    /// from `from` (and not from `hide`) that changed it. One walk of history
    /// serves every path; the walk stops once all are found.
    pub fn last_changes(
        &self,
        paths: &BTreeSet<String>,
        from: Revision,
        hide: Option<Revision>,
    ) -> Result<BTreeMap<String, LastChange>, GitError> {
        let repo = self.lock();
        let mut found = BTreeMap::new();
        if paths.is_empty() {
            return Ok(found);
        }
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
        walk.push(from.0)?;
        if let Some(hide) = hide {
            walk.hide(hide.0)?;
        }
        let mut options = DiffOptions::new();
        for path in paths {
            options.pathspec(path);
        }
        options.disable_pathspec_match(true);
        for oid in walk {
            let commit = repo.find_commit(oid?)?;
            let tree = commit.tree()?;
            let parent_tree = match commit.parent(0) {
                Ok(parent) => Some(parent.tree()?),
                Err(_) => None,
            };
            let diff =
                repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut options))?;
            for delta in diff.deltas() {
                let Some(path) = delta
                    .new_file()
                    .path()
                    .or(delta.old_file().path())
                    .and_then(Path::to_str)
                else {
                    continue;
                };
                let path = path.replace('\\', "/");
                if paths.contains(&path) && !found.contains_key(&path) {
                    let author = commit.author();
                    found.insert(
                        path,
                        LastChange {
                            email: author.email().unwrap_or_default().to_string(),
                            commit: commit.id().to_string()[..10].to_string(),
                            summary: commit
                                .summary()
                                .ok()
                                .flatten()
                                .unwrap_or_default()
                                .to_string(),
                        },
                    );
                }
            }
            if found.len() == paths.len() {
                break;
            }
        }
        Ok(found)
    }

    /// The identity about to commit: `GIT_AUTHOR_EMAIL`, else `user.email`.
    pub fn identity(&self) -> Option<String> {
        if let Ok(email) = std::env::var("GIT_AUTHOR_EMAIL")
            && !email.is_empty()
        {
            return Some(email);
        }
        let repo = self.lock();
        repo.config()
            .ok()?
            .get_string("user.email")
            .ok()
            .filter(|s| !s.is_empty())
    }

    /// Which of `paths` (repository-relative) differ in the working tree
    /// from HEAD: modified, or not in HEAD at all. Hashes only these files,
    /// so the cost does not grow with the size of the repository.
    pub fn uncommitted_paths(
        &self,
        paths: &BTreeSet<String>,
    ) -> Result<BTreeSet<String>, GitError> {
        let repo = self.lock();
        let head_tree = match repo.head() {
            Ok(head) => Some(head.peel_to_tree()?),
            Err(_) => None,
        };
        let mut out = BTreeSet::new();
        for path in paths {
            let committed = head_tree
                .as_ref()
                .and_then(|t| t.get_path(Path::new(path)).ok())
                .map(|e| e.id());
            let on_disk = Oid::hash_file(ObjectType::Blob, self.workdir.join(path)).ok();
            if committed.is_none() || committed != on_disk {
                out.insert(path.clone());
            }
        }
        Ok(out)
    }
}

/// Files of a commit or of the index.
pub struct GitSnapshot {
    git: Arc<Git>,
    files: BTreeMap<String, (Oid, u32)>,
    description: String,
}

const SYMLINK_MODE: u32 = 0o120000;

impl GitSnapshot {
    fn read_blob(&self, oid: Oid) -> Result<Vec<u8>, ReadError> {
        let repo = self.git.lock();
        let blob = repo
            .find_blob(oid)
            .map_err(|e| ReadError::Io(e.message().to_string()))?;
        if blob.size() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge {
                size: blob.size() as u64,
            });
        }
        Ok(blob.content().to_vec())
    }

    /// Resolves a link target lexically against the link's directory;
    /// `None` when it leaves the repository.
    fn resolve_link(path: &str, target: &str) -> Option<String> {
        if target.starts_with('/') || target.contains('\\') {
            return None;
        }
        let mut parts: Vec<&str> = path.split('/').collect();
        parts.pop();
        for part in target.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                other => parts.push(other),
            }
        }
        Some(parts.join("/"))
    }
}

impl Snapshot for GitSnapshot {
    fn list(&self, prefix: &str) -> Result<Vec<SnapshotEntry>, String> {
        let mut out = Vec::new();
        for (path, (oid, mode)) in self.files.range(prefix.to_string()..) {
            if !path.starts_with(prefix) {
                break;
            }
            let kind = if *mode == SYMLINK_MODE {
                let target = self
                    .read_blob(*oid)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                match Self::resolve_link(path, &target) {
                    Some(resolved)
                        if self
                            .files
                            .get(&resolved)
                            .is_some_and(|(_, m)| *m != SYMLINK_MODE) =>
                    {
                        EntryKind::Symlink { target }
                    }
                    _ => EntryKind::EscapingSymlink { target },
                }
            } else {
                EntryKind::File
            };
            out.push(SnapshotEntry {
                path: path.clone(),
                kind,
            });
        }
        Ok(out)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        let (oid, mode) = self
            .files
            .get(path)
            .ok_or_else(|| ReadError::Io(format!("`{path}` is not in the {}", self.description)))?;
        if *mode == SYMLINK_MODE {
            let target = String::from_utf8_lossy(&self.read_blob(*oid)?).into_owned();
            let resolved = Self::resolve_link(path, &target)
                .ok_or_else(|| ReadError::Io(format!("`{path}` links outside the repository")))?;
            let (oid, _) = self
                .files
                .get(&resolved)
                .ok_or_else(|| ReadError::Io(format!("`{path}` links to a missing file")))?;
            return self.read_blob(*oid);
        }
        self.read_blob(*oid)
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}
