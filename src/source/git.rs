//! The one module that talks to git. It turns the index or a commit into a
//! [`Snapshot`], lists the paths a change touched, and finds who last changed
//! a file. Everything it hands out is plain data: no git2 type leaves here.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use git2::{ObjectType, Oid, Repository, Sort};

use super::{EntryKind, MAX_FILE_BYTES, ReadError, Snapshot, SnapshotEntry};

mod tree;

use tree::DirTrees;

/// Why a git mode cannot run. Each message says what to do.
#[derive(Debug)]
pub enum GitError {
    NotARepository,
    UnbornHead,
    /// A revision not in the object database: its name, and how to fetch
    /// it (a command, and what to pass afterwards when that differs).
    UnknownRef {
        name: String,
        fetch: String,
    },
    ShallowClone {
        base: String,
    },
    NoMergeBase {
        base: String,
        head: String,
    },
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
            GitError::UnknownRef { name, fetch } => {
                write!(f, "unknown revision `{name}`: check the name, or fetch it first ({fetch})")
            }
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

fn unknown_ref(repo: &Repository, name: &str) -> GitError {
    let remotes: Vec<String> = repo
        .remotes()
        .map(|list| {
            (0..list.len())
                .filter_map(|i| list.get(i).ok().flatten())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    GitError::UnknownRef {
        name: name.to_string(),
        fetch: fetch_hint(name, &remotes),
    }
}

/// How to fetch revision `name` from a remote, for a repository with
/// `remotes` configured: `origin/main` is `git fetch origin main`; a tag
/// `git fetch origin tag v1.2.0`; a commit id `git fetch origin <id>`; a
/// plain branch name is fetched as a remote-tracking branch, which is then
/// the name to pass.
pub fn fetch_hint(name: &str, remotes: &[String]) -> String {
    let default_remote = if remotes.iter().any(|r| r == "origin") || remotes.is_empty() {
        "origin"
    } else {
        remotes[0].as_str()
    };
    let known_remote = |remote: &str| {
        remotes.iter().any(|r| r == remote) || (remotes.is_empty() && remote == "origin")
    };
    let bare = name.strip_prefix("refs/").unwrap_or(name);
    if let Some(tag) = bare.strip_prefix("tags/") {
        return format!("`git fetch {default_remote} tag {tag}`");
    }
    let tracking = bare.strip_prefix("remotes/").unwrap_or(bare);
    if let Some((remote, branch)) = tracking.split_once('/')
        && !branch.is_empty()
        && (known_remote(remote) || bare.starts_with("remotes/"))
    {
        return format!("`git fetch {remote} {branch}`");
    }
    let branch = bare.strip_prefix("heads/").unwrap_or(bare);
    let hex =
        branch.len() >= 7 && branch.len() <= 40 && branch.chars().all(|c| c.is_ascii_hexdigit());
    if hex {
        return format!(
            "`git fetch {default_remote} {branch}`, or the whole history: `git fetch --unshallow`, `fetch-depth: 0` in actions/checkout"
        );
    }
    let looks_like_version = branch
        .trim_start_matches('v')
        .starts_with(|c: char| c.is_ascii_digit());
    if looks_like_version {
        return format!(
            "`git fetch {default_remote} tag {branch}` for a tag; for a branch `git fetch {default_remote} {branch}`, then pass `{default_remote}/{branch}`"
        );
    }
    format!("`git fetch {default_remote} {branch}`, then pass `{default_remote}/{branch}`")
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

/// A file's content as git stores it (a blob id), kept opaque outside
/// this module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobId(Oid);

/// A commit as evidence of who wrote something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    /// The author's email, as the commit claims it.
    pub email: String,
    /// The first ten hex digits of the commit id.
    pub commit: String,
    pub summary: String,
    /// The committer time, seconds since the epoch (the time a signature is
    /// judged at, as git does).
    pub time: i64,
    pub signature: CommitSignature,
}

/// A commit's signature (its `gpgsig` header), as found; verification is
/// the caller's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommitSignature {
    Unsigned,
    /// `-----BEGIN SSH SIGNATURE-----` (git's `gpg.format = ssh`), with
    /// the payload it signs: the commit object without the header.
    Ssh {
        armored: String,
        payload: Vec<u8>,
    },
    Gpg,
    X509,
    Unknown,
}

/// One path whose content differs between two sides of a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedPath {
    pub path: String,
    /// The object before (`None`: added, or a directory before).
    pub old: Option<BlobId>,
    /// The object after (`None`: deleted).
    pub new: Option<BlobId>,
}

/// One commit of a history walk (see [`Git::history`]).
#[derive(Clone, Debug)]
pub struct HistoryCommit {
    pub revision: Revision,
    /// The full commit id (40 hex digits).
    pub id: String,
    /// How many parents it has (2 or more: a merge).
    pub parents: usize,
    /// The revision whose configuration judged this commit when it
    /// reached the history of `from`, as a pull-request check does: for a
    /// commit on the first-parent line, its first parent; for a commit a
    /// merge on that line brought in, the merge-base of that merge's
    /// parents (the base of the pull request). `None` for the root commit.
    pub judge: Option<Revision>,
    pub info: CommitInfo,
    /// The paths whose content this commit introduces, sorted by path.
    pub changes: Vec<ChangedPath>,
}

/// A commit that introduced content at a path (see [`Git::introductions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Introduction {
    pub path: String,
    pub blob: BlobId,
    /// `None` when the commit is a shallow clone's cut: its parents are
    /// missing, so whether it introduced the content is unknown.
    pub commit: Option<CommitInfo>,
    /// The path this content replaced, when the commit moved a file and
    /// edited it: the path is new in the commit's first parent, and the
    /// commit deleted exactly one path of the same kind that no other new
    /// path of that kind could have come from (an edit that also renames a
    /// feature's id and directory). `None` otherwise.
    pub moved_from: Option<String>,
    /// The path is new in the commit's first parent and the commit
    /// deleted a path of the same kind: the content may have moved here
    /// with an edit (one of several such moves, when `moved_from` cannot
    /// pair them).
    pub arrived: bool,
}

fn commit_info(repo: &Repository, commit: &git2::Commit<'_>) -> CommitInfo {
    let signature = match repo.extract_signature(&commit.id(), None) {
        Err(_) => CommitSignature::Unsigned,
        Ok((armored, payload)) => {
            let armored = String::from_utf8_lossy(&armored).into_owned();
            let first = armored.trim_start();
            if first.starts_with("-----BEGIN SSH SIGNATURE-----") {
                CommitSignature::Ssh {
                    armored,
                    payload: payload.to_vec(),
                }
            } else if first.starts_with("-----BEGIN PGP SIGNATURE-----") {
                CommitSignature::Gpg
            } else if first.starts_with("-----BEGIN SIGNED MESSAGE-----")
                || first.starts_with("-----BEGIN CERTIFICATE-----")
            {
                CommitSignature::X509
            } else {
                CommitSignature::Unknown
            }
        }
    };
    CommitInfo {
        email: commit.author().email().unwrap_or_default().to_string(),
        commit: commit.id().to_string()[..10].to_string(),
        summary: commit
            .summary()
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_string(),
        time: commit.committer().when().seconds(),
        signature,
    }
}

/// The commits whose parents a shallow clone cut off (`.git/shallow`).
fn shallow_commits(repo: &Repository) -> std::collections::HashSet<Oid> {
    if !repo.is_shallow() {
        return Default::default();
    }
    std::fs::read_to_string(repo.path().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| Oid::from_str(line.trim()).ok())
        .collect()
}

/// True when directory `dir` (ending in `/`) may hold paths under one of
/// `bases`: it is inside a base, or a base is inside it.
fn under_bases(dir: &str, bases: &[String]) -> bool {
    bases
        .iter()
        .any(|b| b.is_empty() || dir.starts_with(b.as_str()) || b.starts_with(dir))
}

/// Whether `path` lies under one of `bases` (an empty base is the root).
fn within_bases(path: &str, bases: &[String]) -> bool {
    bases
        .iter()
        .any(|b| b.is_empty() || path.starts_with(b.as_str()))
}

/// The trees a commit is compared with: its parents', or one empty side
/// for a root commit.
fn parent_trees(repo: &Repository, parents: &[Oid]) -> Result<Vec<Option<Oid>>, git2::Error> {
    if parents.is_empty() {
        return Ok(vec![None]);
    }
    parents
        .iter()
        .map(|p| repo.find_commit(*p).map(|c| Some(c.tree_id())))
        .collect()
}

pub struct Git {
    repo: Mutex<Repository>,
    /// The `.git` directory, for the per-thread handles of parallel reads.
    git_dir: PathBuf,
    workdir: PathBuf,
    index_tree: Mutex<Option<Oid>>,
    /// Directory listings by tree id, shared by every snapshot: the two
    /// sides of a change share most of their directories.
    listings: Arc<tree::Cache>,
    /// Directory listings of a history walk and its snapshots: consecutive
    /// commits share most directories, but a long history must not keep
    /// them all, so it is emptied when it grows past
    /// [`HISTORY_CACHE_LISTINGS`].
    history_listings: Arc<tree::Cache>,
}

/// How many directory listings a history walk keeps at most.
const HISTORY_CACHE_LISTINGS: usize = 2048;

impl Git {
    /// Opens the repository the way git itself would from the current
    /// directory, honouring `GIT_DIR` and `GIT_INDEX_FILE` (hooks run with a
    /// temporary index during `git commit -a` and `git commit <path>`).
    pub fn open() -> Result<Git, GitError> {
        // Like git itself, trust object ids on read instead of re-hashing
        // every object: reading would otherwise cost as much as the check.
        git2::opts::strict_hash_verification(false);
        let repo = Repository::open_from_env().map_err(open_error)?;
        let workdir = repo.workdir().map(Path::to_path_buf).ok_or_else(|| {
            GitError::Other("bare repositories have no working tree to lint".into())
        })?;
        Ok(Git {
            git_dir: repo.path().to_path_buf(),
            repo: Mutex::new(repo),
            workdir,
            index_tree: Mutex::new(None),
            listings: Arc::default(),
            history_listings: Arc::default(),
        })
    }

    /// Opens the repository whose working tree is `root` (no discovery
    /// upwards, no environment).
    pub fn open_at(root: &Path) -> Result<Git, GitError> {
        // As in `open`: object ids are trusted on read, like git does.
        git2::opts::strict_hash_verification(false);
        let repo = Repository::open(root).map_err(open_error)?;
        let workdir = repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or(GitError::NotARepository)?;
        Ok(Git {
            git_dir: repo.path().to_path_buf(),
            repo: Mutex::new(repo),
            workdir,
            index_tree: Mutex::new(None),
            listings: Arc::default(),
            history_listings: Arc::default(),
        })
    }

    /// In a sparse checkout, the first tracked path under `bases` that the
    /// checkout leaves off the disk (git's skip-worktree bit); `None` when
    /// the checkout is not sparse or holds every such path.
    pub fn skipped_by_sparse_checkout(&self, bases: &[String]) -> Option<String> {
        let repo = self.lock();
        let sparse = repo
            .config()
            .ok()
            .and_then(|c| c.get_bool("core.sparseCheckout").ok())
            .unwrap_or(false);
        if !sparse {
            return None;
        }
        let index = repo.index().ok()?;
        // git's extended index flag for skip-worktree.
        const SKIP_WORKTREE: u16 = 1 << 14;
        index.iter().find_map(|entry| {
            let path = String::from_utf8(entry.path).ok()?;
            (entry.flags_extended & SKIP_WORKTREE != 0 && within_bases(&path, bases))
                .then_some(path)
        })
    }

    /// Runs `f` with this thread's own handle on the repository (opened on
    /// first use); `None` when it cannot be opened.
    fn with_thread_repo<T>(&self, f: impl FnOnce(&Repository) -> T) -> Option<T> {
        thread_local! {
            static REPOS: std::cell::RefCell<Vec<(PathBuf, Repository)>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        REPOS.with(|repos| {
            let mut repos = repos.try_borrow_mut().ok()?;
            let index = match repos.iter().position(|(path, _)| *path == self.git_dir) {
                Some(index) => index,
                None => {
                    let repo = Repository::open_ext(
                        &self.git_dir,
                        git2::RepositoryOpenFlags::NO_SEARCH,
                        std::iter::empty::<&std::ffi::OsStr>(),
                    )
                    .ok()?;
                    repos.push((self.git_dir.clone(), repo));
                    repos.len() - 1
                }
            };
            Some(f(&repos[index].1))
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
        // A short name that is both a branch and a tag (or a remote branch)
        // resolves to the tag first in git's order: a pull request could
        // push a tag `main` at its own head and become its own base. Refuse
        // the ambiguity instead of guessing.
        if !name.starts_with("refs/") {
            let mut targets: Vec<(String, Oid)> = Vec::new();
            for candidate in [
                format!("refs/{name}"),
                format!("refs/tags/{name}"),
                format!("refs/heads/{name}"),
                format!("refs/remotes/{name}"),
            ] {
                if let Ok(reference) = repo.find_reference(&candidate)
                    && let Ok(commit) = reference.peel_to_commit()
                {
                    targets.push((candidate, commit.id()));
                }
            }
            if targets.windows(2).any(|pair| pair[0].1 != pair[1].1) {
                let names: Vec<&str> = targets.iter().map(|(n, _)| n.as_str()).collect();
                return Err(GitError::Other(format!(
                    "`{name}` is ambiguous: {} point at different commits; pass the full name of the branch (for example `refs/remotes/origin/main`)",
                    names.join(" and ")
                )));
            }
        }
        let object = repo.revparse_single(name).map_err(|_| {
            if repo.is_shallow() {
                GitError::ShallowClone {
                    base: name.to_string(),
                }
            } else {
                unknown_ref(&repo, name)
            }
        })?;
        let commit = object
            .peel_to_commit()
            .map_err(|_| unknown_ref(&repo, name))?;
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

    /// The parents of a commit, in order (the first is the branch merged
    /// into).
    pub fn parents(&self, revision: Revision) -> Result<Vec<Revision>, GitError> {
        let repo = self.lock();
        let commit = repo.find_commit(revision.0)?;
        Ok(commit.parent_ids().map(Revision).collect())
    }

    /// True when `ancestor` is `of` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: Revision, of: Revision) -> Result<bool, GitError> {
        if ancestor == of {
            return Ok(true);
        }
        Ok(self.lock().graph_descendant_of(of.0, ancestor.0)?)
    }

    /// Paths that differ between two commits (or a commit and the index,
    /// `new = None`) under `bases`, with the object on each side.
    pub fn changes(
        &self,
        old: Option<Revision>,
        new: Option<Revision>,
        bases: &[String],
    ) -> Result<Vec<ChangedPath>, GitError> {
        let new_tree = match new {
            Some(revision) => self.lock().find_commit(revision.0)?.tree_id(),
            None => self.index_tree()?,
        };
        let repo = self.lock();
        let old_tree = match old {
            Some(revision) => Some(repo.find_commit(revision.0)?.tree_id()),
            None => None,
        };
        let enter = |dir: &str| under_bases(dir, bases);
        let mut out = Vec::new();
        tree::diff_with(
            &self.listings,
            &repo,
            old_tree,
            Some(new_tree),
            "",
            &enter,
            &mut |path, old, new| {
                if within_bases(&path, bases) {
                    out.push(ChangedPath {
                        path,
                        old: old.map(|(id, _)| BlobId(id)),
                        new: new.map(|(id, _)| BlobId(id)),
                    });
                }
            },
        )?;
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Every commit reachable from `from` and not from `hide` that
    /// *introduces* content at a path under `bases`: the path's object
    /// differs from the path in every parent (a merge that takes the file
    /// unchanged from one side introduces nothing), and the object was not
    /// moved there from another path of that parent for which `same_kind`
    /// holds (renames are followed by content, only between paths of the
    /// same kind). Commit dates order nothing. A commit whose parents were cut
    /// off by a shallow clone is reported with `commit: None`: what it
    /// appears to add may be older.
    pub fn introductions(
        &self,
        from: Revision,
        hide: Option<Revision>,
        bases: &[String],
        same_kind: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Vec<Introduction>, GitError> {
        let mut out = Vec::new();
        self.walk_introductions(from, hide, bases, same_kind, &mut |found| {
            out.extend(found);
            true
        })?;
        Ok(out)
    }

    /// For each `(path, object)` (a file as HEAD has it), the commit that
    /// introduced that content, walking back from `from` in topological
    /// order until all are found. Content moved by a rename is followed to
    /// the commit that wrote it. Paths whose introduction lies beyond a
    /// shallow clone's cut are returned with `commit: None`; paths never
    /// found are left out.
    pub fn introducers(
        &self,
        from: Revision,
        wanted: &BTreeMap<String, BlobId>,
        bases: &[String],
        same_kind: &dyn Fn(&str, &str) -> bool,
    ) -> Result<BTreeMap<String, Option<CommitInfo>>, GitError> {
        Ok(self
            .introducing(from, wanted, bases, same_kind)?
            .into_iter()
            .map(|(path, introduction)| (path, introduction.commit))
            .collect())
    }

    /// Like [`Git::introducers`], with the whole introduction found for
    /// each path (whether it arrived by a move with an edit).
    pub fn introducing(
        &self,
        from: Revision,
        wanted: &BTreeMap<String, BlobId>,
        bases: &[String],
        same_kind: &dyn Fn(&str, &str) -> bool,
    ) -> Result<BTreeMap<String, Introduction>, GitError> {
        let mut by_blob: BTreeMap<BlobId, Vec<&String>> = BTreeMap::new();
        for (path, blob) in wanted {
            by_blob.entry(*blob).or_default().push(path);
        }
        let mut found = BTreeMap::new();
        if wanted.is_empty() {
            return Ok(found);
        }
        self.walk_introductions(from, None, bases, same_kind, &mut |introduced| {
            for introduction in introduced {
                if let Some(paths) = by_blob.remove(&introduction.blob) {
                    for path in paths {
                        found.insert(path.clone(), introduction.clone());
                    }
                }
            }
            !by_blob.is_empty()
        })?;
        Ok(found)
    }

    /// Like [`Git::introducers`], but for content whose *meaning* matters
    /// rather than its bytes: for each wanted path, the commit that
    /// introduced the oldest version of the newest unbroken run of versions
    /// for which `same_meaning(path, blob)` holds, starting from the wanted
    /// blob and followed across moves of its directory (versions in
    /// directories of the same name). A commit that only reformatted the
    /// file, changed a field that does not count (a `stage` in
    /// `digest_excludes`) or moved it is not its author; whoever wrote the
    /// meaning before it is. `None` as for `introducers` (a shallow cut).
    pub fn meaning_introducers(
        &self,
        from: Revision,
        wanted: &BTreeMap<String, BlobId>,
        bases: &[String],
        same_kind: &dyn Fn(&str, &str) -> bool,
        same_meaning: &dyn Fn(&str, BlobId) -> bool,
    ) -> Result<BTreeMap<String, Option<CommitInfo>>, GitError> {
        if wanted.is_empty() {
            return Ok(BTreeMap::new());
        }
        // A file's directory name: a manifest's id, kept when a feature
        // directory moves between teams.
        fn dir_name(path: &str) -> &str {
            let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
            dir.rsplit('/').next().unwrap_or(dir)
        }
        // The walk holds the shared repository handle: the versions of
        // files in directories named like the wanted ones are collected
        // (newest first) and judged after it.
        let names: BTreeSet<&str> = wanted.keys().map(|p| dir_name(p)).collect();
        let mut versions: Vec<Introduction> = Vec::new();
        self.walk_introductions(from, None, bases, same_kind, &mut |introduced| {
            versions.extend(
                introduced
                    .into_iter()
                    .filter(|i| names.contains(dir_name(&i.path))),
            );
            true
        })?;
        let mut found = BTreeMap::new();
        for (path, blob) in wanted {
            let name = dir_name(path);
            let mut same_name = versions.iter().filter(|v| dir_name(&v.path) == name);
            // The run starts where the wanted content was introduced, at
            // whatever path (a pure move introduces nothing).
            let Some(first) = same_name.by_ref().find(|v| v.blob == *blob) else {
                continue;
            };
            // It goes on through older versions with the same meaning,
            // across a move that also changed an excluded field (the
            // meaning includes the id, so it is the same feature), and ends
            // at a version of the same path that meant something else.
            let (mut author, mut at) = (&first.commit, first.path.as_str());
            for older in same_name {
                if same_meaning(path, older.blob) {
                    author = &older.commit;
                    at = older.path.as_str();
                } else if older.path == at {
                    break;
                }
            }
            found.insert(path.clone(), author.clone());
        }
        Ok(found)
    }

    /// The objects the parents of `commit` (an id or a unique prefix of
    /// one, as [`CommitInfo::commit`]) hold at `path`, in parent order
    /// (`None` where a parent lacks it); `None` when the commit cannot be
    /// read.
    pub fn parent_blobs(&self, commit: &str, path: &str) -> Option<Vec<Option<BlobId>>> {
        let repo = self.lock();
        let commit = repo.revparse_single(commit).ok()?.peel_to_commit().ok()?;
        commit
            .parents()
            .map(|parent| {
                let tree = parent.tree().ok()?;
                Some(
                    tree.get_path(Path::new(path))
                        .ok()
                        .filter(|entry| entry.kind() == Some(ObjectType::Blob))
                        .map(|entry| BlobId(entry.id())),
                )
            })
            .collect()
    }

    /// Walks commits from `from` (hiding `hide`) in topological order and
    /// hands each commit's introductions to `visit`, until it returns false.
    fn walk_introductions(
        &self,
        from: Revision,
        hide: Option<Revision>,
        bases: &[String],
        same_kind: &dyn Fn(&str, &str) -> bool,
        visit: &mut dyn FnMut(Vec<Introduction>) -> bool,
    ) -> Result<(), GitError> {
        let repo = self.lock();
        let shallow = shallow_commits(&repo);
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL)?;
        walk.push(from.0)?;
        if let Some(hide) = hide {
            walk.hide(hide.0)?;
        }
        let enter = |dir: &str| under_bases(dir, bases);
        let in_bases = |path: &str| within_bases(path, bases);
        for oid in walk {
            let commit = repo.find_commit(oid?)?;
            let tree = commit.tree_id();
            // Trees of past commits are not kept: on a long history the
            // shared cache would grow with every commit walked.
            let walked = tree::Cache::default();
            let parents: Vec<Oid> = commit.parent_ids().collect();
            let mut introduced: Option<BTreeMap<String, Oid>> = None;
            let sides = parent_trees(&repo, &parents)?;
            // On the first parent's side: the paths the commit deletes
            // (with their objects) and the paths it creates.
            let mut deleted: Vec<(String, Oid)> = Vec::new();
            let mut created: BTreeMap<String, Oid> = BTreeMap::new();
            for (index, parent_tree) in sides.into_iter().enumerate() {
                let mut added: BTreeMap<String, Oid> = BTreeMap::new();
                let mut removed: std::collections::HashMap<Oid, Vec<String>> = Default::default();
                tree::diff_with(
                    &walked,
                    &repo,
                    parent_tree,
                    Some(tree),
                    "",
                    &enter,
                    &mut |path, old, new| {
                        if index == 0 && in_bases(&path) {
                            match (old, new) {
                                (Some((id, _)), None) => deleted.push((path.clone(), id)),
                                (None, Some((id, _))) => {
                                    created.insert(path.clone(), id);
                                }
                                _ => {}
                            }
                        }
                        if let Some((id, _)) = old {
                            removed.entry(id).or_default().push(path.clone());
                        }
                        if let Some((id, mode)) = new
                            && mode != SUBMODULE_MODE
                            && in_bases(&path)
                        {
                            added.insert(path, id);
                        }
                    },
                )?;
                // Content moved from a path of the same kind (a renamed
                // directory) is not new; arriving from anywhere else (a
                // note that becomes a sign-off) it is.
                added.retain(|path, id| {
                    !removed
                        .get(id)
                        .is_some_and(|olds| olds.iter().any(|old| same_kind(old, path)))
                });
                if index == 0 {
                    // A path whose content moved unchanged is accounted
                    // for: no edited file came from it.
                    let mut created_by_blob: HashMap<Oid, Vec<&str>> = HashMap::new();
                    for (new, id) in &created {
                        created_by_blob.entry(*id).or_default().push(new);
                    }
                    deleted.retain(|(old, id)| {
                        !created_by_blob
                            .get(id)
                            .is_some_and(|news| news.iter().any(|new| same_kind(old, new)))
                    });
                }
                introduced = Some(match introduced {
                    None => added,
                    Some(mut earlier) => {
                        earlier.retain(|path, id| added.get(path) == Some(id));
                        earlier
                    }
                });
                if introduced.as_ref().is_some_and(BTreeMap::is_empty) {
                    break;
                }
            }
            let introduced = introduced.unwrap_or_default();
            if introduced.is_empty() {
                continue;
            }
            let info = (!shallow.contains(&commit.id())).then(|| commit_info(&repo, &commit));
            // Kinds, as classes of `same_kind` (a few: manifests, each
            // sign-off role, waivers), each with the paths of that kind the
            // commit deleted and how many new paths of it it introduced.
            // A new path paired one to one with a deleted path of its kind
            // is a move with an edit. Linear in the paths, whatever the
            // size of a reorganisation.
            struct Kind<'p> {
                example: &'p str,
                deleted: Vec<&'p str>,
                introduced: usize,
            }
            let mut kinds: Vec<Kind<'_>> = Vec::new();
            let kind_of = |kinds: &[Kind<'_>], path: &str| {
                kinds.iter().position(|k| same_kind(k.example, path))
            };
            for (old, _) in &deleted {
                match kind_of(&kinds, old) {
                    Some(index) => kinds[index].deleted.push(old),
                    None if same_kind(old, old) => kinds.push(Kind {
                        example: old,
                        deleted: vec![old],
                        introduced: 0,
                    }),
                    None => {}
                }
            }
            let mut new_kind: BTreeMap<&str, usize> = BTreeMap::new();
            if !kinds.is_empty() {
                for path in introduced.keys().filter(|p| created.contains_key(*p)) {
                    if let Some(index) = kind_of(&kinds, path) {
                        kinds[index].introduced += 1;
                        new_kind.insert(path, index);
                    }
                }
            }
            let batch = introduced
                .iter()
                .map(|(path, id)| {
                    let kind = new_kind.get(path.as_str()).map(|index| &kinds[*index]);
                    Introduction {
                        path: path.clone(),
                        blob: BlobId(*id),
                        commit: info.clone(),
                        moved_from: kind
                            .filter(|k| k.deleted.len() == 1 && k.introduced == 1)
                            .map(|k| k.deleted[0].to_string()),
                        arrived: kind.is_some(),
                    }
                })
                .collect();
            if !visit(batch) {
                break;
            }
        }
        Ok(())
    }

    /// Every commit reachable from `from`, oldest first (parents before
    /// children; among unrelated commits, older committer time first), each
    /// with the paths under `bases` whose content it *introduces*: the
    /// path's entry (object, or absence) differs from the path in **every**
    /// parent. A merge that takes a file unchanged from one side reports
    /// nothing for it (the commit on that side already did); a merge that
    /// resolves a conflict, or adds content of its own, reports that path.
    /// `old` is the path's object in the first parent. One tree diff per
    /// parent, no per-file history.
    ///
    /// Errors: [`GitError::Other`] when the repository is a shallow
    /// clone (its oldest commits would appear to add everything),
    /// [`GitError::Other`] when an object cannot be read.
    pub fn history(
        &self,
        from: Revision,
        bases: &[String],
    ) -> Result<Vec<HistoryCommit>, GitError> {
        let repo = self.lock();
        if repo.is_shallow() {
            return Err(GitError::Other(
                "this is a shallow clone: its oldest commits would appear to add every file, so the \
                 history cannot be audited. Fetch the whole history (`git fetch --unshallow`; with \
                 actions/checkout set `fetch-depth: 0`)"
                    .into(),
            ));
        }
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
        walk.push(from.0)?;
        let enter = |dir: &str| under_bases(dir, bases);
        let in_bases = |path: &str| within_bases(path, bases);
        let oids: Vec<Oid> = walk.collect::<Result<_, _>>()?;
        // Commits a merge on the first-parent line brought in were judged
        // by the merge-base of that merge's parents.
        let mut judges: HashMap<Oid, Oid> = HashMap::new();
        let mut mainline = Some(repo.find_commit(from.0)?);
        while let Some(commit) = mainline {
            let parents: Vec<Oid> = commit.parent_ids().collect();
            if let [first, others @ ..] = parents.as_slice() {
                for other in others {
                    let Ok(base) = repo.merge_base(*first, *other) else {
                        continue;
                    };
                    let mut brought = repo.revwalk()?;
                    brought.push(*other)?;
                    brought.hide(*first)?;
                    for oid in brought {
                        judges.entry(oid?).or_insert(base);
                    }
                }
            }
            mainline = match parents.first() {
                Some(first) => Some(repo.find_commit(*first)?),
                None => None,
            };
        }
        drop(mainline);
        drop(repo);
        let walked = &*self.history_listings;
        // Commits are independent: each is diffed against its parents on
        // a repository handle of its own thread, in parallel; the order is
        // the walk's.
        let one = |repo: &Repository, oid: Oid| -> Result<HistoryCommit, GitError> {
            let commit = repo.find_commit(oid)?;
            let tree = commit.tree_id();
            self.bound_history_cache();
            let parents: Vec<Oid> = commit.parent_ids().collect();
            let sides = parent_trees(repo, &parents)?;
            let mut changes: BTreeMap<String, ChangedPath> = BTreeMap::new();
            for (index, parent_tree) in sides.into_iter().enumerate() {
                let mut differing: BTreeMap<String, ChangedPath> = BTreeMap::new();
                tree::diff_with(
                    walked,
                    repo,
                    parent_tree,
                    Some(tree),
                    "",
                    &enter,
                    &mut |path, old, new| {
                        let blob = |side: tree::Side| {
                            // Links and submodules are never read as
                            // governed files.
                            side.filter(|(_, mode)| {
                                *mode != SUBMODULE_MODE && *mode != SYMLINK_MODE
                            })
                            .map(|(id, _)| BlobId(id))
                        };
                        if in_bases(&path) {
                            differing.insert(
                                path.clone(),
                                ChangedPath {
                                    path,
                                    old: blob(old),
                                    new: blob(new),
                                },
                            );
                        }
                    },
                )?;
                if index == 0 {
                    changes = differing;
                } else {
                    changes.retain(|path, _| differing.contains_key(path));
                }
                if changes.is_empty() {
                    break;
                }
            }
            changes.retain(|_, change| change.old != change.new);
            Ok(HistoryCommit {
                revision: Revision(commit.id()),
                id: commit.id().to_string(),
                parents: parents.len(),
                judge: judges
                    .get(&commit.id())
                    .copied()
                    .or_else(|| parents.first().copied())
                    .map(Revision),
                info: commit_info(repo, &commit),
                changes: changes.into_values().collect(),
            })
        };
        use rayon::prelude::*;
        oids.par_iter()
            .map(|oid| {
                // The thread's own handle first; the shared one when the
                // thread has none or cannot read the commit (objects only
                // the shared handle sees: a quarantine, alternates).
                match self.with_thread_repo(|repo| one(repo, *oid)) {
                    Some(Ok(commit)) => Ok(commit),
                    _ => one(&self.lock(), *oid),
                }
            })
            .collect()
    }

    /// The files of a commit of a history walk. Unlike
    /// [`Git::commit_snapshot`], the directories it reads are not kept for
    /// the rest of the run (a walk visits thousands of commits), only
    /// while the walk's bounded cache holds them.
    pub fn history_snapshot(self: &Arc<Self>, revision: Revision) -> Result<GitSnapshot, GitError> {
        let repo = self.lock();
        let tree = repo.find_commit(revision.0)?.tree_id();
        self.bound_history_cache();
        Ok(GitSnapshot {
            git: Arc::clone(self),
            trees: DirTrees::new(tree, &self.history_listings),
            description: format!("commit {}", revision.short()),
        })
    }

    fn bound_history_cache(&self) {
        let mut cache = self
            .history_listings
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if cache.len() > HISTORY_CACHE_LISTINGS {
            cache.clear();
        }
    }

    /// The contents `paths` had in the history of `from`, newest first per
    /// path (distinct objects only), from at most `max_commits` commits:
    /// where a stale sign-off finds the content that was signed.
    pub fn past_versions(
        &self,
        from: Revision,
        paths: &BTreeSet<String>,
        max_commits: usize,
    ) -> Result<BTreeMap<String, Vec<BlobId>>, GitError> {
        let repo = self.lock();
        let mut found: BTreeMap<String, Vec<BlobId>> = BTreeMap::new();
        if paths.is_empty() {
            return Ok(found);
        }
        let mut walk = repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL)?;
        walk.push(from.0)?;
        let enter = |dir: &str| {
            paths
                .range(dir.to_string()..)
                .next()
                .is_some_and(|p| p.starts_with(dir))
        };
        for oid in walk.take(max_commits) {
            let commit = repo.find_commit(oid?)?;
            let walked = tree::Cache::default();
            let parent = commit.parent_ids().next();
            let parent_tree = match parent {
                Some(p) => Some(repo.find_commit(p)?.tree_id()),
                None => None,
            };
            tree::diff_with(
                &walked,
                &repo,
                parent_tree,
                Some(commit.tree_id()),
                "",
                &enter,
                &mut |path, old, new| {
                    if !paths.contains(&path) {
                        return;
                    }
                    let versions = found.entry(path).or_default();
                    for (id, _) in [new, old].into_iter().flatten() {
                        if !versions.contains(&BlobId(id)) {
                            versions.push(BlobId(id));
                        }
                    }
                },
            )?;
        }
        Ok(found)
    }

    /// The bytes of an object, refused over the size limit.
    pub fn read_object(&self, blob: BlobId) -> Result<Vec<u8>, ReadError> {
        // On the calling thread's own handle, so parallel reads do not
        // queue on one lock; the shared handle is the fallback.
        // An object over the size limit is that answer; one the thread's
        // handle cannot find is asked of the shared handle, which sees the
        // objects of the environment git ran this in (a quarantine
        // directory, alternates). Never called while the walk that holds
        // the shared handle runs.
        match self.with_thread_repo(|repo| Self::read_object_in(repo, blob)) {
            Some(Ok(bytes)) => Ok(bytes),
            Some(Err(too_large @ ReadError::TooLarge { .. })) => Err(too_large),
            _ => Self::read_object_in(&self.lock(), blob),
        }
    }

    /// The bytes of one object. The size comes from the object header: an
    /// oversized blob is refused without being inflated.
    fn read_object_in(repo: &Repository, blob: BlobId) -> Result<Vec<u8>, ReadError> {
        let odb = repo
            .odb()
            .map_err(|e| ReadError::Io(e.message().to_string()))?;
        let (size, _) = odb
            .read_header(blob.0)
            .map_err(|e| ReadError::Io(e.message().to_string()))?;
        if size as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge { size: size as u64 });
        }
        odb.read(blob.0)
            .map(|o| o.data().to_vec())
            .map_err(|e| ReadError::Io(e.message().to_string()))
    }

    /// Whether some commit reachable from HEAD (at most `max_commits` of
    /// them, newest first), or the index, holds an entry at `path`
    /// (repository-relative, a file or a directory). An unborn branch has
    /// no history: false unless the index has it.
    pub fn ever_had_path(&self, path: &str, max_commits: usize) -> Result<bool, GitError> {
        let repo = self.lock();
        let in_index = repo.index().ok().is_some_and(|index| {
            let prefix = format!("{}/", path.trim_end_matches('/'));
            index.iter().any(|entry| {
                let name = String::from_utf8_lossy(&entry.path);
                name == path || name.starts_with(&prefix)
            })
        });
        if in_index {
            return Ok(true);
        }
        let head = match repo.head() {
            Ok(head) => head.peel_to_commit()?.id(),
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        let mut walk = repo.revwalk()?;
        walk.push(head)?;
        for oid in walk.take(max_commits) {
            let commit = repo.find_commit(oid?)?;
            if commit.tree()?.get_path(Path::new(path)).is_ok() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// True when this is a shallow clone (history cut off).
    pub fn is_shallow(&self) -> bool {
        self.lock().is_shallow()
    }

    /// The object of a committed file at `path` in HEAD, if any.
    pub fn head_blob(&self, path: &str) -> Option<BlobId> {
        let repo = self.lock();
        let tree = repo.head().ok()?.peel_to_tree().ok()?.id();
        DirTrees::new(tree, &self.listings)
            .file(&repo, path)
            .map(|(id, _)| BlobId(id))
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
        let differing: Vec<&String> = committed
            .into_par_iter()
            .filter(|(path, committed)| !committed.is_some_and(|id| same_as_committed(path, id)))
            .map(|(path, _)| path)
            .collect();
        // Raw bytes differ from the blob: git's clean filters (core.autocrlf,
        // `text` attributes) may still make the file identical to what is
        // committed. Ask git, for these few files only.
        let repo = self.lock();
        Ok(differing
            .into_iter()
            .filter(|path| {
                !repo
                    .status_file(Path::new(path.as_str()))
                    .is_ok_and(|status| status.is_empty())
            })
            .cloned()
            .collect())
    }
}

impl Git {
    /// Commits exactly `paths` (repository-relative) in the repository at
    /// `root` with `git commit`, so the user's own settings apply (signing
    /// with `commit.gpgsign` / `gpg.format`, hooks, identity). Other staged
    /// changes are left staged and uncommitted.
    pub fn commit_paths(root: &Path, paths: &[&str], message: &str) -> Result<(), GitError> {
        let run = |args: &[&str]| -> Result<(), GitError> {
            let output = std::process::Command::new("git")
                .current_dir(root)
                .args(args)
                .output()
                .map_err(|e| GitError::Other(format!("cannot run git: {e}")))?;
            if output.status.success() {
                Ok(())
            } else {
                Err(GitError::Other(format!(
                    "`git {}` failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&output.stderr).trim()
                )))
            }
        };
        let mut add = vec!["add", "--"];
        add.extend_from_slice(paths);
        run(&add)?;
        let mut commit = vec!["commit", "-q", "-m", message, "--only", "--"];
        commit.extend_from_slice(paths);
        run(&commit)
    }
}

impl Git {
    /// For each of `paths`, the commits reachable from `from` and not from
    /// `hide` that remove it: the path is absent from the commit and present
    /// in **every** parent (a merge that takes a removal from one side did
    /// not make it; the commit on that side did). A commit whose parents a
    /// shallow clone cut off, and that lacks the path, is reported as
    /// `None`: whether it removed the path is unknown. Paths no commit
    /// removes are left out.
    pub fn removers(
        &self,
        from: Revision,
        hide: Option<Revision>,
        paths: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, Vec<Option<CommitInfo>>>, GitError> {
        let mut found: BTreeMap<String, Vec<Option<CommitInfo>>> = BTreeMap::new();
        if paths.is_empty() {
            return Ok(found);
        }
        let repo = self.lock();
        let shallow = shallow_commits(&repo);
        let mut walk = repo.revwalk()?;
        walk.push(from.0)?;
        if let Some(hide) = hide {
            walk.hide(hide.0)?;
        }
        let holds = |tree: &git2::Tree<'_>, path: &str| tree.get_path(Path::new(path)).is_ok();
        for oid in walk {
            let commit = repo.find_commit(oid?)?;
            let tree = commit.tree()?;
            let cut = shallow.contains(&commit.id());
            let parents: Vec<git2::Tree<'_>> = if cut {
                Vec::new()
            } else {
                commit
                    .parents()
                    .map(|p| p.tree())
                    .collect::<Result<_, _>>()?
            };
            for path in paths.iter().filter(|p| !holds(&tree, p)) {
                if cut {
                    found.entry(path.clone()).or_default().push(None);
                } else if !parents.is_empty() && parents.iter().all(|t| holds(t, path)) {
                    let info = commit_info(&repo, &commit);
                    found.entry(path.clone()).or_default().push(Some(info));
                }
            }
        }
        Ok(found)
    }
}

/// The entries (name, mode) of a raw git tree object, as the reader that
/// lists commits and the index parses them; `None` when it is malformed.
/// For tests and fuzzing of that parser: git data from a clone is input
/// like any other.
pub fn parse_tree_object(data: &[u8]) -> Option<Vec<(Vec<u8>, u32)>> {
    let listing = tree::Listing::parse(data)?;
    let entries: Vec<(Vec<u8>, u32)> = listing.iter().map(|e| (e.name.to_vec(), e.mode)).collect();
    // Every entry can be found again by name, as lookups do.
    for (name, _) in &entries {
        if let Ok(name) = std::str::from_utf8(name) {
            let _ = listing.get(name);
        }
    }
    Some(entries)
}

/// The directory git runs hooks from in the repository found the way git
/// finds it (bare ones included): `core.hooksPath` when set, else `hooks`.
pub fn hooks_dir() -> Result<PathBuf, GitError> {
    let repo = Repository::open_from_env().map_err(open_error)?;
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(path) if path.is_absolute() => path,
        Some(path) => repo.workdir().unwrap_or_else(|| repo.path()).join(path),
        // A linked worktree (`git worktree add`) runs the hooks of the main
        // repository: `.git/worktrees/<name>/hooks` is never run.
        None => repo.commondir().join("hooks"),
    })
}

/// Why a repository could not be opened, in git's terms: a repository
/// owned by someone else is refused by git's `safe.directory` rule, which
/// is not the same as no repository at all.
fn open_error(error: git2::Error) -> GitError {
    if error.code() == git2::ErrorCode::Owner {
        let path = std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| ".".into());
        GitError::Other(format!(
            "git refuses this repository: it is owned by another user ({}). If you trust it, run \
             `git config --global --add safe.directory {path}` (in containers and CI runners the \
             checkout is often owned by another user)",
            error.message()
        ))
    } else {
        GitError::NotARepository
    }
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
    /// The object of the file at `path`, if it is one.
    pub fn blob(&self, path: &str) -> Option<BlobId> {
        let repo = self.git.lock();
        self.lookup(&repo, path).map(|(id, _)| BlobId(id))
    }

    /// What is at `path`: a file, a link, a submodule, or nothing.
    pub fn kind(&self, path: &str) -> Option<EntryKind> {
        let repo = self.git.lock();
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let listing = self.trees.listing(&repo, dir)?;
        let entry = listing.get(name).filter(|e| !e.is_tree())?;
        let (id, mode) = (entry.id, entry.mode);
        drop(listing);
        Some(self.entry(&repo, path.to_string(), id, mode).kind)
    }

    fn read_blob(&self, repo: &Repository, oid: Oid) -> Result<Vec<u8>, ReadError> {
        Git::read_object_in(repo, BlobId(oid))
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
        let dir = prefix.trim_end_matches('/');
        let Some(tree) = self.trees.tree_id(&self.git.lock(), dir) else {
            return Ok(Vec::new());
        };
        // Trees are read on each thread's own handle; the shared one is the
        // fallback (objects only it can see).
        let with_repo = |read: &dyn Fn(&Repository) -> Option<Arc<tree::Listing>>| {
            self.git
                .with_thread_repo(|repo| read(repo))
                .flatten()
                .or_else(|| read(&self.git.lock()))
        };
        let found = self.trees.walk(dir, tree, &with_repo)?;
        let repo = self.git.lock();
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
        // A listed file's directory is cached: the lookup reads nothing.
        // Otherwise its trees are read on the thread's own handle, with the
        // shared one as the fallback.
        let (oid, mode) = self
            .git
            .with_thread_repo(|repo| self.lookup(repo, path))
            .flatten()
            .or_else(|| self.lookup(&self.git.lock(), path))
            .ok_or_else(|| ReadError::Io(format!("`{path}` is not in the {}", self.description)))?;
        if mode == SYMLINK_MODE {
            return Err(ReadError::Io(format!(
                "`{path}` is a symbolic link; governed files are never read through links"
            )));
        }
        // Objects are read and inflated on the calling thread with a
        // handle of its own, so parallel loads do not queue on one lock;
        // the shared handle is the fallback (objects only it can see).
        match self.git.with_thread_repo(|repo| self.read_blob(repo, oid)) {
            Some(Ok(bytes)) => Ok(bytes),
            Some(Err(ReadError::TooLarge { size })) => Err(ReadError::TooLarge { size }),
            _ => self.read_blob(&self.git.lock(), oid),
        }
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::fetch_hint;

    #[test]
    fn fetch_hints_name_the_remote_and_the_branch_apart() {
        let origin = ["origin".to_string()];
        assert_eq!(
            fetch_hint("origin/main", &origin),
            "`git fetch origin main`"
        );
        assert_eq!(
            fetch_hint("refs/remotes/origin/release/2.0", &origin),
            "`git fetch origin release/2.0`"
        );
        assert_eq!(fetch_hint("origin/main", &[]), "`git fetch origin main`");
        let fork = ["fork".to_string()];
        assert_eq!(fetch_hint("fork/main", &fork), "`git fetch fork main`");
        assert_eq!(
            fetch_hint("main", &origin),
            "`git fetch origin main`, then pass `origin/main`"
        );
        assert_eq!(
            fetch_hint("feature/x", &origin),
            "`git fetch origin feature/x`, then pass `origin/feature/x`"
        );
        assert_eq!(
            fetch_hint("refs/tags/v1.2.0", &origin),
            "`git fetch origin tag v1.2.0`"
        );
        assert!(
            fetch_hint("v1.2.0", &origin).starts_with("`git fetch origin tag v1.2.0` for a tag")
        );
        assert!(
            fetch_hint("1a2b3c4d5e", &origin)
                .starts_with("`git fetch origin 1a2b3c4d5e`, or the whole history")
        );
    }
}
