//! The one module that talks to git. It turns the index or a commit into a
//! [`Snapshot`], lists the paths a change touched, and finds who last changed
//! a file. Everything it hands out is plain data: no git2 type leaves here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use git2::{ObjectType, Oid, Repository, Sort, TreeWalkMode, TreeWalkResult};

use super::{EntryKind, MAX_FILE_BYTES, ReadError, Snapshot, SnapshotEntry};

mod tree;

use tree::DirTrees;

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
    index_tree: Mutex<Option<Oid>>,
    /// Directory listings by tree id, shared by every snapshot: the two
    /// sides of a change share most of their directories.
    listings: Arc<tree::Cache>,
}

impl Git {
    /// Opens the repository the way git itself would from the current
    /// directory, honouring `GIT_DIR` and `GIT_INDEX_FILE` (hooks run with a
    /// temporary index during `git commit -a` and `git commit <path>`).
    pub fn open() -> Result<Git, GitError> {
        // Like git itself, trust object ids on read instead of re-hashing
        // every object: reading would otherwise cost as much as the check.
        git2::opts::strict_hash_verification(false);
        let repo = Repository::open_from_env().map_err(|_| GitError::NotARepository)?;
        let workdir = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
            GitError::Other("bare repositories have no working tree to lint".into())
        })?;
        Ok(Git {
            repo: Mutex::new(repo),
            workdir,
            index_tree: Mutex::new(None),
            listings: Arc::default(),
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

    /// The files of a commit. Nothing is read up front: listing walks only
    /// the requested directory, and reading looks one path up, so the cost
    /// follows what is asked for, not the size of the repository.
    pub fn commit_snapshot(self: &Arc<Self>, revision: Revision) -> Result<GitSnapshot, GitError> {
        let repo = self.lock();
        let tree = repo.find_commit(revision.0)?.tree()?.id();
        Ok(GitSnapshot {
            git: Arc::clone(self),
            trees: DirTrees::new(tree, &self.listings),
            description: format!("commit {}", revision.short()),
        })
    }

    /// The files of the index (staged content), under the given directories.
    pub fn index_snapshot(self: &Arc<Self>) -> Result<GitSnapshot, GitError> {
        let tree = self.index_tree()?;
        Ok(GitSnapshot {
            git: Arc::clone(self),
            trees: DirTrees::new(tree, &self.listings),
            description: "index".to_string(),
        })
    }

    /// The tree the index would commit. Writing it reuses the index's cached
    /// subtrees, so only directories with staged changes are hashed; the
    /// objects written are the ones `git commit` is about to write anyway.
    fn index_tree(&self) -> Result<Oid, GitError> {
        if let Some(tree) = *self.index_tree.lock().unwrap_or_else(|p| p.into_inner()) {
            return Ok(tree);
        }
        if let Some(tree) = write_tree_with_git(&self.workdir) {
            *self.index_tree.lock().unwrap_or_else(|p| p.into_inner()) = Some(tree);
            return Ok(tree);
        }
        let repo = self.lock();
        let mut index = repo.index()?;
        if index.has_conflicts() {
            return Err(GitError::Other(
                "the index has unresolved merge conflicts: resolve them before checking staged changes".into(),
            ));
        }
        let tree = index.write_tree()?;
        *self.index_tree.lock().unwrap_or_else(|p| p.into_inner()) = Some(tree);
        Ok(tree)
    }

    /// Paths that differ between `old` (or nothing) and `new`, restricted
    /// to `bases`. `new = None` compares against the index.
    pub fn changed_paths(
        &self,
        old: Option<Revision>,
        new: Option<Revision>,
        bases: &[String],
    ) -> Result<BTreeSet<String>, GitError> {
        let new_tree = match new {
            Some(revision) => self.lock().find_commit(revision.0)?.tree_id(),
            None => self.index_tree()?,
        };
        let repo = self.lock();
        let old_tree = match old {
            Some(revision) => Some(repo.find_commit(revision.0)?.tree_id()),
            None => None,
        };
        let mut paths = BTreeSet::new();
        tree::diff(
            &self.listings,
            &repo,
            old_tree,
            Some(new_tree),
            "",
            &|_| true,
            &mut paths,
        )?;
        paths.retain(|p| {
            bases
                .iter()
                .any(|b| b.is_empty() || p.starts_with(b.as_str()))
        });
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
        for oid in walk {
            let commit = repo.find_commit(oid?)?;
            let tree = commit.tree_id();
            let parent_tree = commit.parent(0).ok().map(|parent| parent.tree_id());
            let mut touched = BTreeSet::new();
            let enter = |dir: &str| {
                paths
                    .range(dir.to_string()..)
                    .next()
                    .is_some_and(|p| p.starts_with(dir))
            };
            // Trees of past commits are not kept: on a long history the
            // shared cache would grow with every commit walked.
            let walked = tree::Cache::default();
            tree::diff(
                &walked,
                &repo,
                parent_tree,
                Some(tree),
                "",
                &enter,
                &mut touched,
            )?;
            for path in touched {
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
        identity_in(self.lock().config().ok())
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
            Ok(head) => Some(DirTrees::new(head.peel_to_tree()?.id(), &self.listings)),
            Err(_) => None,
        };
        let committed: Vec<(&String, Option<Oid>)> = paths
            .iter()
            .map(|path| {
                let id = head_tree
                    .as_ref()
                    .and_then(|t| t.file(&repo, path))
                    .map(|(oid, _)| oid);
                (path, id)
            })
            .collect();
        drop(repo);
        // Hashing needs no repository: spread the file reads over threads.
        // Only regular files within the size limit are read (a pipe would
        // block, a huge file would be read whole); anything else counts as
        // uncommitted, like a file git does not know.
        let same_as_committed = |path: &str, committed: Oid| {
            let full = self.workdir.join(path);
            std::fs::metadata(&full).is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_BYTES)
                && Oid::hash_file(ObjectType::Blob, &full).ok() == Some(committed)
        };
        Ok(committed
            .into_par_iter()
            .filter(|(path, committed)| !committed.is_some_and(|id| same_as_committed(path, id)))
            .map(|(path, _)| path.clone())
            .collect())
    }
}

/// The directory git runs hooks from in the repository found the way git
/// finds it (bare ones included): `core.hooksPath` when set, else `hooks`.
pub fn hooks_dir() -> Result<PathBuf, GitError> {
    let repo = Repository::open_from_env().map_err(|_| GitError::NotARepository)?;
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(path) if path.is_absolute() => path,
        Some(path) => repo.workdir().unwrap_or_else(|| repo.path()).join(path),
        None => repo.path().join("hooks"),
    })
}

/// The identity about to commit in the repository at `root`, or outside
/// any repository the user's own configuration: `GIT_AUTHOR_EMAIL`, else
/// `user.email`.
pub fn identity_at(root: &Path) -> Option<String> {
    let config = Repository::open(root)
        .and_then(|r| r.config())
        .or_else(|_| git2::Config::open_default())
        .ok();
    identity_in(config)
}

fn identity_in(config: Option<git2::Config>) -> Option<String> {
    if let Ok(email) = std::env::var("GIT_AUTHOR_EMAIL")
        && !email.is_empty()
    {
        return Some(email);
    }
    config?
        .get_string("user.email")
        .ok()
        .filter(|s| !s.is_empty())
}

/// `git write-tree`, when a `git` executable is at hand: it reuses the
/// index's cache-tree, so with few staged changes it costs a fraction of
/// reading the index through libgit2. It honours `GIT_INDEX_FILE` and
/// `GIT_DIR` like every git command run from a hook. `None` (fall back to
/// libgit2) when git is missing or refuses, e.g. on merge conflicts.
fn write_tree_with_git(workdir: &Path) -> Option<Oid> {
    let output = std::process::Command::new("git")
        .arg("write-tree")
        .current_dir(workdir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Oid::from_str(std::str::from_utf8(&output.stdout).ok()?.trim()).ok()
}

/// Files of a commit or of the index.
pub struct GitSnapshot {
    git: Arc<Git>,
    /// The root tree, read on demand one directory at a time.
    trees: DirTrees,
    description: String,
}

const SYMLINK_MODE: u32 = 0o120000;
const SUBMODULE_MODE: u32 = tree::SUBMODULE_MODE;

impl GitSnapshot {
    fn read_blob(&self, repo: &Repository, oid: Oid) -> Result<Vec<u8>, ReadError> {
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

    /// The blob and mode at `path`, if it is a file.
    fn lookup(&self, repo: &Repository, path: &str) -> Option<(Oid, u32)> {
        self.trees.file(repo, path)
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

    fn entry(&self, repo: &Repository, path: String, oid: Oid, mode: u32) -> SnapshotEntry {
        let kind = if mode == SUBMODULE_MODE {
            EntryKind::Submodule
        } else if mode == SYMLINK_MODE {
            let target = self
                .read_blob(repo, oid)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            match Self::resolve_link(&path, &target) {
                Some(resolved) if resolved != ".git" && !resolved.starts_with(".git/") => {
                    EntryKind::Symlink { target }
                }
                _ => EntryKind::EscapingSymlink { target },
            }
        } else {
            EntryKind::File
        };
        SnapshotEntry { path, kind }
    }
}

impl Snapshot for GitSnapshot {
    fn list(&self, prefix: &str) -> Result<Vec<SnapshotEntry>, String> {
        let repo = self.git.lock();
        let mut found: Vec<(String, Oid, u32)> = Vec::new();
        let dir = prefix.trim_end_matches('/');
        let Some(tree) = self.trees.tree_id(&repo, dir) else {
            return Ok(Vec::new());
        };
        let tree = repo.find_tree(tree).map_err(|e| e.message().to_string())?;
        let base = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        tree.walk(TreeWalkMode::PreOrder, |parent, entry| {
            if matches!(entry.kind(), Some(ObjectType::Blob | ObjectType::Commit))
                && let Ok(name) = entry.name()
            {
                found.push((
                    format!("{base}{parent}{name}"),
                    entry.id(),
                    entry.filemode() as u32,
                ));
            }
            TreeWalkResult::Ok
        })
        .map_err(|e| e.message().to_string())?;
        let mut out: Vec<SnapshotEntry> = found
            .into_iter()
            .map(|(path, oid, mode)| self.entry(&repo, path, oid, mode))
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn list_dir(&self, dir: &str) -> Vec<String> {
        let repo = self.git.lock();
        let dir = dir.trim_end_matches('/');
        let Some(listing) = self.trees.listing(&repo, dir) else {
            return Vec::new();
        };
        listing
            .iter()
            .filter(|e| e.is_file())
            .filter_map(|e| std::str::from_utf8(e.name).ok().map(str::to_string))
            .collect()
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        let repo = self.git.lock();
        let (oid, mode) = self
            .lookup(&repo, path)
            .ok_or_else(|| ReadError::Io(format!("`{path}` is not in the {}", self.description)))?;
        if mode == SYMLINK_MODE {
            return Err(ReadError::Io(format!(
                "`{path}` is a symbolic link; governed files are never read through links"
            )));
        }
        self.read_blob(&repo, oid)
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}
