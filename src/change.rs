//! The judge: what a change is, and what judges it (DESIGN §3 and §3.1).
//!
//! Every command that checks a change calls [`load`]: a [`Request`] (the
//! working tree, the staged content, or a commit range; paths; `--all`) in,
//! a [`Change`] out: the workspace read from the side being checked, the
//! settings resolved from the side that judges it, and the features to
//! report on. Nothing else decides which snapshot is read, where
//! `policy.toml` comes from, which policies are in force, or whose commits
//! count as authorship.
//!
//! In range mode the judge is the merge-base (or, on a merge commit whose
//! first parent descends from the base, that first parent: the target
//! branch as the change is merged into it). Its `policy.toml`, policies and
//! playbook conditions are in force; the change supplies none of them. The
//! change's own versions are validated as part of the change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::model::allowed_signers::{AllowedSigners, Verdict};
use crate::model::config::Config;
use crate::model::debt::parse_debt;
use crate::model::read::decode;
use crate::model::signoff::parse_waiver;
use crate::model::workspace::{self, Author, Base, History, UnknownAuthor, Workspace};
use crate::settings::Settings;
use crate::source::git::{
    BlobId, ChangedPath, CommitInfo, CommitSignature, Git, GitError, GitSnapshot, Revision,
};
use crate::source::{EntryKind, Snapshot, WorkTree};

/// Which content is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The working tree, every feature.
    Tree,
    /// The index (what `git commit` is about to record), judged against
    /// HEAD.
    Staged,
    /// The head commit, judged by the merge-base of `base` and `head`
    /// (`head` defaults to HEAD).
    Range { base: String, head: Option<String> },
}

/// What to load.
#[derive(Clone, Debug)]
pub struct Request {
    pub mode: Mode,
    /// Report on every feature, not only the touched ones.
    pub all: bool,
    /// The directory the command runs in (absolute).
    pub run_dir: PathBuf,
    /// `--config PATH`, relative to `run_dir` unless absolute.
    pub config: Option<PathBuf>,
    /// Report only on features under these paths (relative to `run_dir`).
    pub paths: Vec<PathBuf>,
    /// The date expiry and future-dating are judged against.
    pub today: jiff::civil::Date,
    /// The pull request's target branch when CI names it (GitHub's
    /// `GITHUB_BASE_REF`): on a merge commit whose first parent that
    /// branch holds (as `origin/<branch>`), the first parent judges.
    pub target_branch: Option<String>,
}

/// A loaded change, ready for [`crate::engine::check`].
#[derive(Debug)]
pub struct Change {
    /// The repository root (the git top level, or the project root outside
    /// git).
    pub repo_root: PathBuf,
    pub workspace: Workspace,
    pub settings: Settings,
    /// Problems of the configuration in force, and notes on how the change
    /// was judged; add them to the engine's findings.
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a change cannot be loaded at all (exit code 2). The message says
/// what to do.
#[derive(Debug)]
pub struct ChangeError(pub String);

impl std::fmt::Display for ChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<GitError> for ChangeError {
    fn from(error: GitError) -> Self {
        ChangeError(error.to_string())
    }
}

/// Where the project is on disk: the repository root, the directory of
/// `policy.toml`, and the config file found (if any).
#[derive(Debug)]
pub struct Located {
    pub repo_root: PathBuf,
    /// The directory holding `policy.toml` (globs are relative to it).
    pub project_root: PathBuf,
    /// `project_root` relative to `repo_root`, `/`-separated, ending in `/`
    /// (empty when they are the same).
    pub prefix: String,
    /// The config file: its path for messages and its bytes.
    pub config: Option<(String, Vec<u8>)>,
    /// True when the config was found inside the repository (not an
    /// explicit `--config` outside it).
    pub config_in_repo: bool,
}

const CONFIG_NAME: &str = "policy.toml";

/// Finds the repository and `policy.toml` on disk, the way cargo and ruff
/// do: `--config` wins, else walk up from `run_dir` to the repository root.
/// A `policy.toml` that is a symbolic link is refused.
pub fn locate(run_dir: &Path, config: Option<&Path>) -> Result<Located, ChangeError> {
    let git_root = run_dir
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf);
    let config_path = match config {
        Some(path) => {
            let path = run_dir.join(path);
            if !path.is_file() {
                return Err(ChangeError(format!(
                    "config file `{}` does not exist",
                    path.display()
                )));
            }
            Some(std::fs::canonicalize(&path).unwrap_or(path))
        }
        None => run_dir
            .ancestors()
            .take_while(|dir| git_root.as_ref().is_none_or(|root| dir.starts_with(root)))
            .map(|dir| dir.join(CONFIG_NAME))
            .find(|p| std::fs::symlink_metadata(p).is_ok()),
    };
    let project_root = match &config_path {
        Some(path) => path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| run_dir.to_path_buf()),
        None => git_root.clone().unwrap_or_else(|| run_dir.to_path_buf()),
    };
    let in_repo = |path: &Path| git_root.as_ref().is_some_and(|root| path.starts_with(root));
    let config_in_repo = config_path.as_deref().is_none_or(in_repo);
    let (repo_root, project_root) = match &git_root {
        Some(root) if config_in_repo => (root.clone(), project_root),
        // A config outside the repository (trusted CI configuration):
        // globs are relative to the directory the command runs in.
        Some(root) => (root.clone(), run_dir.to_path_buf()),
        None => (project_root.clone(), project_root),
    };
    let prefix = relative_dir(&repo_root, &project_root).unwrap_or_default();
    let config = match &config_path {
        None => None,
        Some(path) => {
            let display = path
                .strip_prefix(&repo_root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| path.to_string_lossy().into_owned());
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
                && config.is_none()
            {
                return Err(ChangeError(format!(
                    "`{display}` is a symbolic link; the configuration is never read through a link: replace it with the file itself"
                )));
            }
            let bytes = std::fs::read(path)
                .map_err(|e| ChangeError(format!("cannot read `{display}`: {e}")))?;
            Some((display, bytes))
        }
    };
    Ok(Located {
        repo_root,
        project_root,
        prefix,
        config,
        config_in_repo,
    })
}

/// `dir` relative to `root` as a prefix (`a/b/`, or empty).
fn relative_dir(root: &Path, dir: &Path) -> Option<String> {
    let relative = dir.strip_prefix(root).ok()?;
    let text = relative.to_string_lossy().replace('\\', "/");
    Some(if text.is_empty() {
        text
    } else {
        format!("{text}/")
    })
}

/// Parses a config file's bytes; problems are configuration errors.
pub fn parse_config(display: &str, bytes: Vec<u8>) -> (Config, Vec<Diagnostic>) {
    match decode(display, bytes) {
        Ok(file) => Config::parse(&file),
        Err(mut d) => {
            d.config = true;
            (Config::default(), vec![d])
        }
    }
}

/// Loads a change as the request says.
pub fn load(request: &Request) -> Result<Change, ChangeError> {
    let located = locate(&request.run_dir, request.config.as_deref())?;
    let mut change = match &request.mode {
        Mode::Tree => load_tree(request, located)?,
        Mode::Staged | Mode::Range { .. } => load_git(request, located)?,
    };
    if !request.paths.is_empty() {
        let under = features_under(request, &change)?;
        change.settings.report_on = Some(match change.settings.report_on.take() {
            Some(touched) => touched.intersection(&under).cloned().collect(),
            None => under,
        });
    }
    Ok(change)
}

fn settings_for(request: &Request, config: Config, prefix: String) -> Settings {
    let mut settings = Settings::new(config, request.today);
    settings.prefix = prefix;
    settings
}

/// Tree mode: the working tree, every feature. Authorship comes from one
/// walk of history for every sign-off and waiver; files not yet committed
/// are checked against the identity about to commit.
fn load_tree(request: &Request, located: Located) -> Result<Change, ChangeError> {
    let (config, diagnostics) = match located.config {
        Some((display, bytes)) => parse_config(&display, bytes),
        None => (Config::default(), Vec::new()),
    };
    let settings = settings_for(request, config, located.prefix);
    let repo_root = located.repo_root;
    refuse_sparse_checkout(&repo_root, &settings)?;
    let tree = WorkTree::new(&repo_root);
    let config = &settings.config;
    let listing = workspace::list(&tree, &tree, &settings.prefix, config, None);
    let listed = listing.authored_paths();
    let manifests = if config.no_self_approval {
        listing.signed_manifests()
    } else {
        BTreeSet::new()
    };
    let workspace = if !config.verify_authors || listed.is_empty() {
        workspace::parse(listing, &tree, &tree, config.clone())
    } else {
        // History is read while the files are parsed: the paths are known
        // from the listing, and the two share nothing.
        let (mut workspace, history) = std::thread::scope(|scope| {
            let history = scope
                .spawn(|| tree_history(&repo_root, &listed, &manifests, config, &settings.prefix));
            let workspace = workspace::parse(listing, &tree, &tree, config.clone());
            let history = history
                .join()
                .unwrap_or_else(|_| Err("reading git history failed".into()));
            (workspace, history)
        });
        // Files that failed to parse were listed but are not sign-offs.
        let parsed = authored_paths(&workspace);
        workspace.history = match history {
            _ if parsed.is_empty() => History::default(),
            Ok(mut history) => {
                history.authors.retain(|path, _| parsed.contains(path));
                history.unverified.retain(|(path, _)| parsed.contains(path));
                history
            }
            Err(reason) => History {
                unavailable: Some(reason),
                ..History::default()
            },
        };
        workspace
    };
    let mut workspace = workspace;
    if let Ok(git) = Git::open_at(&repo_root)
        && let Ok(Some(head)) = git.head()
    {
        // One look at the manifests' history for both questions.
        let stale = stale_signoffs(&workspace, None);
        let mut manifests: BTreeSet<String> = stale
            .iter()
            .map(|(_, manifest, _)| manifest.to_string())
            .collect();
        if !workspace.config.digest_excludes.is_empty() {
            manifests.extend(workspace.history.content_authors.keys().cloned());
        }
        let mut past =
            PastManifests::load(&git, head, &manifests, &workspace.config.digest_excludes);
        let signed = signed_content(&mut past, &stale);
        drop(stale);
        workspace.history.signed_content = signed;
        let authors =
            content_author_of_signed_content(&mut past, head, &workspace, &settings.prefix);
        workspace.history.content_authors.extend(authors);
    }
    Ok(Change {
        repo_root,
        workspace,
        settings,
        diagnostics,
    })
}

/// In a sparse checkout, governed files outside the cone are missing from
/// the disk: checking the working tree would silently skip them.
fn refuse_sparse_checkout(repo_root: &Path, settings: &Settings) -> Result<(), ChangeError> {
    let Ok(git) = Git::open_at(repo_root) else {
        return Ok(());
    };
    let bases: Vec<String> = governed_bases(&settings.config, &settings.prefix);
    match git.skipped_by_sparse_checkout(&bases) {
        Some(path) => Err(ChangeError(format!(
            "this is a sparse checkout and governed files are not on disk (`{path}`, and maybe more): \
             checking the working tree would skip them. Check the committed content instead \
             (`policy lint --base <ref>` or `--staged`), or widen the checkout (`git sparse-checkout disable`)"
        ))),
        None => Ok(()),
    }
}

/// Repository-relative directories holding governed files.
fn governed_bases(config: &Config, prefix: &str) -> Vec<String> {
    workspace::glob_bases(&all_globs(config))
        .into_iter()
        .map(|b| format!("{prefix}{b}"))
        .collect()
}

fn tree_history(
    repo_root: &Path,
    paths: &BTreeSet<String>,
    manifests: &BTreeSet<String>,
    config: &Config,
    prefix: &str,
) -> Result<History, String> {
    let git = match Git::open() {
        Ok(git) => Arc::new(git),
        Err(GitError::NotARepository) => return Err("not a git repository".into()),
        Err(e) => return Err(e.to_string()),
    };
    if std::fs::canonicalize(git.workdir()).ok() != std::fs::canonicalize(repo_root).ok() {
        return Err("the repository found from here is not the one being checked".into());
    }
    let mut history = History::default();
    let all: BTreeSet<String> = paths.union(manifests).cloned().collect();
    let uncommitted = git.uncommitted_paths(&all).map_err(|e| e.to_string())?;
    let head = git.head().map_err(|e| e.to_string())?;
    let committed: BTreeMap<String, BlobId> = all
        .difference(&uncommitted)
        .filter_map(|p| git.head_blob(p).map(|b| (p.clone(), b)))
        .collect();
    // Signatures are judged by the allowed signers of HEAD.
    let trusted = head.and_then(|head| git.commit_snapshot(head).ok());
    let signers = trusted_signers(config, prefix, trusted.as_ref());
    if let Some(head) = head {
        let bases = governed_bases(config, prefix);
        let found = git
            .introducers(head, &committed, &bases, &same_kind(config, prefix))
            .map_err(|e| e.to_string())?;
        for path in manifests {
            if let Some(Some(commit)) = found.get(path) {
                history
                    .content_authors
                    .insert(path.clone(), vec![commit.email.to_ascii_lowercase()]);
            }
        }
        for path in committed.keys().filter(|p| paths.contains(*p)) {
            match found.get(path) {
                Some(Some(commit)) => {
                    history
                        .authors
                        .insert(path.clone(), vec![committed_by(commit, signers.as_ref())]);
                }
                Some(None) => history.unverified.push((
                    path.clone(),
                    "the commit that wrote it is beyond the history of this shallow clone; \
                     fetch the full history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)"
                        .into(),
                )),
                None if git.is_shallow() => history.unverified.push((
                    path.clone(),
                    "this shallow clone does not hold the commit that wrote it; \
                     fetch the full history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)"
                        .into(),
                )),
                // Fail closed: content no commit introduces has no author.
                None => history.unaccounted.push((
                    path.clone(),
                    "no commit in the history introduces its content".into(),
                )),
            }
        }
    }
    let identity = git.identity();
    for path in manifests {
        if (uncommitted.contains(path) || head.is_none())
            && let Some(email) = &identity
        {
            history
                .content_authors
                .insert(path.clone(), vec![email.to_ascii_lowercase()]);
        }
    }
    let pending: Vec<&String> = paths
        .iter()
        .filter(|p| uncommitted.contains(*p) || head.is_none())
        .collect();
    if !pending.is_empty() {
        match git.identity() {
            Some(email) => {
                for path in pending {
                    history.authors.insert(
                        path.clone(),
                        vec![Author {
                            email: email.clone(),
                            source: "uncommitted changes (the identity about to commit)".into(),
                            signature: config.require_signed.then_some(Verdict::Pending),
                        }],
                    );
                }
            }
            None => {
                for path in pending {
                    history.unverified.push((
                        path.clone(),
                        "not committed and no git identity is configured".into(),
                    ));
                }
            }
        }
    }
    Ok(history)
}

fn authored_paths(workspace: &Workspace) -> BTreeSet<String> {
    workspace
        .feature_signoffs
        .values()
        .chain(workspace.policy_signoffs.values())
        .chain(workspace.playbook_signoffs.values())
        .flatten()
        .map(|s| s.file.path.clone())
        .chain(workspace.waivers.iter().map(|w| w.file.path.clone()))
        .collect()
}

/// The two sides of a git-mode change.
struct Sides {
    /// What is checked: the index, or the head commit.
    checked: GitSnapshot,
    /// The head commit in range mode.
    head: Option<Revision>,
    /// What judges it: HEAD in staged mode (`None` on an unborn branch),
    /// the merge-base in range mode.
    judge: Option<Revision>,
    /// HEAD read as if it were staged: the baseline a staged check is
    /// compared with.
    baseline: bool,
}

fn sides(git: &Arc<Git>, request: &Request) -> Result<Sides, ChangeError> {
    match &request.mode {
        Mode::Staged => Ok(Sides {
            checked: git.index_snapshot()?,
            head: None,
            judge: git.head()?,
            baseline: false,
        }),
        Mode::Range { base, head } => {
            let head_name = head.as_deref().unwrap_or("HEAD");
            let head = if head_name == "HEAD" {
                git.head()?.ok_or(GitError::UnbornHead)?
            } else {
                git.resolve(head_name)?
            };
            let base_revision = git.resolve(base)?;
            let mut judge = git.merge_base((base, base_revision), (head_name, head))?;
            // On GitHub's pull-request merge ref the branch merged into is
            // the merge commit's first parent: the current target, where a
            // stale `pull_request.base.sha` would apply old policies. The
            // first parent is trusted only when the target branch itself
            // holds it (`GITHUB_BASE_REF`, fetched as origin/<branch>):
            // any merge commit a pull request makes has a first parent too,
            // and that one is the change's own.
            let parents = git.parents(head)?;
            if parents.len() >= 2
                && git.is_ancestor(base_revision, parents[0])?
                && let Some(target) = trusted_target(git, request.target_branch.as_deref())
                && git.is_ancestor(parents[0], target)?
            {
                judge = parents[0];
            }
            Ok(Sides {
                checked: git.commit_snapshot(head)?,
                head: Some(head),
                judge: Some(judge),
                baseline: false,
            })
        }
        Mode::Tree => Err(ChangeError(
            "the working tree has no git sides to compare; lint it without --staged or --base"
                .into(),
        )),
    }
}

/// The tip of the pull request's target branch, as fetched
/// (`refs/remotes/origin/<branch>`).
fn trusted_target(git: &Git, branch: Option<&str>) -> Option<Revision> {
    let branch = branch.filter(|b| !b.is_empty())?;
    git.resolve(&format!("refs/remotes/origin/{branch}")).ok()
}

/// The config in force for a git-mode change, and where it was found.
struct JudgeConfig {
    config: Config,
    diagnostics: Vec<Diagnostic>,
    prefix: String,
    /// The repository path of the config in force, when it is in the
    /// repository.
    path: Option<String>,
    /// The judge holds neither a config nor policies: this change adopts
    /// policy checking.
    adopting: bool,
}

/// The first `policy.toml` found walking up from `start` (a prefix like
/// `a/b/`, or empty) in `snapshot`: its directory prefix.
fn discover(snapshot: &GitSnapshot, start: &str) -> Result<Option<String>, ChangeError> {
    let mut dir = start.trim_end_matches('/').to_string();
    loop {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let path = format!("{prefix}{CONFIG_NAME}");
        match snapshot.kind(&path) {
            Some(EntryKind::File) => return Ok(Some(prefix)),
            Some(_) => {
                return Err(ChangeError(format!(
                    "`{path}` in the {} is a symbolic link or submodule; the configuration is never read through a link",
                    snapshot.describe()
                )));
            }
            None => {}
        }
        match dir.rsplit_once('/') {
            Some((parent, _)) => dir = parent.to_string(),
            None if !dir.is_empty() => dir.clear(),
            None => return Ok(None),
        }
    }
}

fn judge_config(
    git: &Arc<Git>,
    request: &Request,
    located: &Located,
    sides: &Sides,
) -> Result<JudgeConfig, ChangeError> {
    let workdir = std::fs::canonicalize(git.workdir()).unwrap_or_else(|_| git.workdir().into());
    let run_dir = std::fs::canonicalize(&request.run_dir).unwrap_or(request.run_dir.clone());
    let run_prefix = relative_dir(&workdir, &run_dir).unwrap_or_default();
    // Staged mode is judged by the index itself (a local check before a
    // commit); range mode by the merge-base.
    let judge_snapshot = match (&request.mode, sides.judge) {
        (Mode::Range { .. }, Some(judge)) => git.commit_snapshot(judge)?,
        (_, Some(head)) if sides.baseline => git.commit_snapshot(head)?,
        _ => git.index_snapshot()?,
    };
    let what = judge_snapshot.describe();
    let read = |path: &str| -> Result<(Config, Vec<Diagnostic>), ChangeError> {
        match judge_snapshot.kind(path) {
            Some(EntryKind::File) => {}
            Some(_) => {
                return Err(ChangeError(format!(
                    "`{path}` in the {what} is a symbolic link or submodule; the configuration is never read through a link"
                )));
            }
            None => {
                return Err(ChangeError(format!(
                    "`{path}` is not in the {what}, which judges this change: the configuration \
                     in force comes from the merge-base, so a change cannot choose its own judge"
                )));
            }
        }
        let bytes = judge_snapshot
            .read(path)
            .map_err(|e| ChangeError(format!("cannot read `{path}` from the {what}: {e}")))?;
        Ok(parse_config(path, bytes))
    };

    if let Some(flag) = &request.config {
        let full = normalize(&run_dir.join(flag));
        return match full.strip_prefix(&workdir) {
            Ok(relative) => {
                let path = relative.to_string_lossy().replace('\\', "/");
                let (config, diagnostics) = read(&path)?;
                let prefix = path
                    .rsplit_once('/')
                    .map_or(String::new(), |(d, _)| format!("{d}/"));
                Ok(JudgeConfig {
                    config,
                    diagnostics,
                    prefix,
                    path: Some(path),
                    adopting: false,
                })
            }
            // Outside the repository: trusted CI configuration, from disk.
            Err(_) => {
                let (display, bytes) = located
                    .config
                    .clone()
                    .ok_or_else(|| ChangeError("--config: cannot read the file".into()))?;
                let (config, diagnostics) = parse_config(&display, bytes);
                Ok(JudgeConfig {
                    config,
                    diagnostics,
                    prefix: run_prefix,
                    path: None,
                    adopting: false,
                })
            }
        };
    }

    if let Some(prefix) = discover(&judge_snapshot, &run_prefix)? {
        let path = format!("{prefix}{CONFIG_NAME}");
        let (config, diagnostics) = read(&path)?;
        return Ok(JudgeConfig {
            config,
            diagnostics,
            prefix,
            path: Some(path),
            adopting: false,
        });
    }
    // The judge has no config. Where the change has one, it either adopts
    // policy checking (the judge has no policies either) or removed or
    // moved the config the judge had: never fall back to defaults silently.
    let checked_prefix = discover(&sides.checked, &run_prefix)?;
    let disk_prefix = located.config.as_ref().map(|_| located.prefix.clone());
    let prefix = checked_prefix
        .or(disk_prefix)
        .unwrap_or_else(|| located.prefix.clone());
    let judge_has_policies = holds_policies(&judge_snapshot, &prefix);
    let change_has_config = located.config.is_some() || sides_has_config(sides, &run_prefix)?;
    if change_has_config && judge_has_policies && matches!(request.mode, Mode::Range { .. }) {
        return Err(ChangeError(format!(
            "the {what}, which judges this change, has no `{CONFIG_NAME}` on the way up from `{}`, \
             but the change has one: a change cannot bring its own configuration. Run from the \
             directory the target branch is configured for, or pass --config with a path outside the repository",
            if run_prefix.is_empty() {
                "."
            } else {
                run_prefix.trim_end_matches('/')
            }
        )));
    }
    let adopting = !judge_has_policies;
    Ok(JudgeConfig {
        config: Config::default(),
        diagnostics: Vec::new(),
        prefix,
        path: None,
        adopting,
    })
}

/// True when `snapshot` holds policy files under the default policies glob
/// below `prefix`.
fn holds_policies(snapshot: &dyn Snapshot, prefix: &str) -> bool {
    workspace::glob_bases(&Config::default().paths.policies)
        .iter()
        .any(|base| {
            snapshot
                .list(&format!("{prefix}{base}"))
                .is_ok_and(|entries| entries.iter().any(|e| e.path.ends_with(".toml")))
        })
}

fn sides_has_config(sides: &Sides, run_prefix: &str) -> Result<bool, ChangeError> {
    Ok(discover(&sides.checked, run_prefix)?.is_some())
}

/// Removes `.` and `..` components lexically (the path may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Staged and range modes.
fn load_git(request: &Request, located: Located) -> Result<Change, ChangeError> {
    load_git_with(request, located, None)
}

/// For a staged check: the same features as HEAD has them, judged the same
/// way, so that what was already wrong before the commit can be told from
/// what the commit makes worse (see [`crate::engine::compare`]). `None` on
/// an unborn branch, outside staged mode, and with `--all`.
pub fn load_staged_baseline(
    request: &Request,
    staged: &Change,
) -> Result<Option<Change>, ChangeError> {
    // `--all` asks for every finding as it is, blocking or not.
    if request.mode != Mode::Staged || request.all {
        return Ok(None);
    }
    let git = Git::open()?;
    if git.head()?.is_none() {
        return Ok(None);
    }
    let dirs: BTreeSet<String> = staged
        .workspace
        .features
        .iter()
        .map(|f| f.dir.clone())
        .collect();
    let located = locate(&request.run_dir, request.config.as_deref())?;
    let mut baseline = load_git_with(request, located, Some(&dirs))?;
    // The same features, by id, as the staged check reports on.
    baseline.settings.report_on = staged.settings.report_on.clone();
    Ok(Some(baseline))
}

fn load_git_with(
    request: &Request,
    located: Located,
    baseline: Option<&BTreeSet<String>>,
) -> Result<Change, ChangeError> {
    let git = Arc::new(Git::open()?);
    let mut sides = sides(&git, request)?;
    if baseline.is_some() {
        let head = sides.judge.ok_or(GitError::UnbornHead)?;
        sides = Sides {
            checked: git.commit_snapshot(head)?,
            head: Some(head),
            judge: Some(head),
            baseline: true,
        };
    }
    let judge_config = judge_config(&git, request, &located, &sides)?;
    let range = matches!(request.mode, Mode::Range { .. });
    let repo_root = std::fs::canonicalize(git.workdir()).unwrap_or_else(|_| git.workdir().into());
    let prefix = judge_config.prefix.clone();
    let config = judge_config.config.clone();
    let diagnostics = judge_config.diagnostics;
    let checked = &sides.checked;
    let judge_snapshot = match sides.judge {
        Some(revision) => Some(git.commit_snapshot(revision)?),
        None => None,
    };

    let bases = governed_bases(&config, &prefix);
    let mut changes = git.changes(sides.judge, sides.head, &bases)?;
    if let Some(path) = &judge_config.path
        && !bases.iter().any(|b| b.is_empty() || path.starts_with(b))
    {
        changes.extend(git.changes(sides.judge, sides.head, std::slice::from_ref(path))?);
    }
    let changed: BTreeSet<String> = changes.iter().map(|c| c.path.clone()).collect();

    // Touched features: a file in the feature's directory changed, a
    // waiver or debt file naming it changed, or a playbook it follows
    // changed.
    let feature_globs = workspace::globset(&config.paths.features);
    let is_manifest =
        |path: &str| feature_globs.is_match(path.strip_prefix(&prefix).unwrap_or(path));
    // The feature directory of a path: the nearest ancestor holding a
    // manifest, on either side. Only those directories are read.
    // Each directory is listed once, however many changed paths it holds
    // (listing it per path would be quadratic in a large directory).
    let holds_manifest: std::cell::RefCell<std::collections::HashMap<String, bool>> =
        Default::default();
    let feature_dir_of = |path: &str| -> Option<String> {
        let mut dir = path;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            let known = holds_manifest.borrow().get(parent).copied();
            let holds = known.unwrap_or_else(|| {
                let holds = |snapshot: &dyn Snapshot| {
                    snapshot
                        .list_dir(parent)
                        .iter()
                        .any(|name| is_manifest(&format!("{parent}/{name}")))
                };
                let found = holds(checked) || judge_snapshot.as_ref().is_some_and(|s| holds(s));
                holds_manifest
                    .borrow_mut()
                    .insert(parent.to_string(), found);
                found
            });
            if holds {
                return Some(parent.to_string());
            }
            dir = parent;
        }
        None
    };
    let mut touched_dirs = BTreeSet::new();
    let mut named_ids = BTreeSet::new();
    let mut changed_playbooks = false;
    let mut new_manifests = false;
    let waiver_globs = workspace::globset(&config.paths.waivers);
    let debt_globs = workspace::globset(&config.paths.debt);
    let playbook_globs = workspace::globset(&config.paths.playbooks);
    for change in &changes {
        let path = &change.path;
        let relative = path.strip_prefix(&prefix).unwrap_or(path);
        if let Some(dir) = feature_dir_of(path) {
            touched_dirs.insert(dir);
        }
        if is_manifest(path) && change.new.is_some() {
            // A manifest that is new, or new at this path (a rename): its
            // id must be unique across the whole tree.
            new_manifests |= change.old.is_none();
        }
        let is_waiver = waiver_globs.is_match(relative);
        if is_waiver || debt_globs.is_match(relative) {
            for side in [
                Some(checked as &dyn Snapshot),
                judge_snapshot.as_ref().map(|s| s as &dyn Snapshot),
            ]
            .into_iter()
            .flatten()
            {
                if let Ok(bytes) = side.read(path)
                    && let Ok(file) = decode(path, bytes)
                {
                    let named = if is_waiver {
                        parse_waiver(&file).0.map(|w| w.feature)
                    } else {
                        parse_debt(&file).0.map(|d| d.feature)
                    };
                    named_ids.extend(named);
                }
            }
        }
        changed_playbooks |= playbook_globs.is_match(relative);
    }
    // Ids are unique across the whole tree in every mode: a new manifest
    // must not share an id (and so the waivers and sign-offs) of a feature
    // the change did not touch. Ids equal directory names, so the
    // directories with the same name are the candidates.
    if new_manifests {
        let names: BTreeSet<String> = touched_dirs
            .iter()
            .map(|d| d.rsplit('/').next().unwrap_or(d).to_string())
            .collect();
        for base in workspace::glob_bases(&config.paths.features) {
            let listed = checked
                .list(&format!("{prefix}{base}"))
                .map_err(ChangeError)?;
            for entry in listed {
                if is_manifest(&entry.path)
                    && let Some((dir, _)) = entry.path.rsplit_once('/')
                    && names.contains(dir.rsplit('/').next().unwrap_or(dir))
                {
                    touched_dirs.insert(dir.to_string());
                }
            }
        }
    }
    if let Some(dirs) = baseline {
        touched_dirs = dirs.clone();
    }
    // What the listing of touched directories cannot see: a link or
    // submodule replacing a governed path, and a manifest deleted or
    // renamed away from a directory that keeps the feature's other files.
    let mut change_findings = Vec::new();
    for change in &changes {
        if change.new.is_some()
            && let Some(kind) = checked.kind(&change.path)
            && kind.is_indirect()
        {
            change_findings.push(workspace::indirect_entry(&crate::source::SnapshotEntry {
                path: change.path.clone(),
                kind,
            }));
        }
        if change.new.is_none()
            && change.old.is_some()
            && is_manifest(&change.path)
            && let Some((dir, _)) = change.path.rsplit_once('/')
            && checked.kind(&change.path).is_none()
            && !checked
                .list_dir(dir)
                .iter()
                .any(|n| is_manifest(&format!("{dir}/{n}")))
            && checked
                .list(&format!("{dir}/"))
                .is_ok_and(|left| !left.is_empty())
        {
            change_findings.push(workspace::manifest_missing(dir, Some(&change.path)));
        }
    }
    // A policy change in range mode previews its own policies on every
    // feature at the head (engine::preview), so every manifest is loaded.
    let changed_policies = range
        && changes
            .iter()
            .any(|c| is_policy_path(&config, &prefix, &c.path));
    let load_all = request.all || changed_playbooks || !named_ids.is_empty() || changed_policies;
    let only = (!load_all).then_some(&touched_dirs);

    let policy_snapshot: &dyn Snapshot = match (&judge_snapshot, range) {
        (Some(judge), true) => judge,
        _ => checked,
    };
    let mut workspace =
        workspace::load_with(checked, policy_snapshot, &prefix, config.clone(), only);
    // Findings of the change itself, unless the listing saw them already.
    for finding in change_findings {
        let key = |d: &Diagnostic| (d.code.clone(), d.message.clone());
        if !workspace
            .diagnostics
            .iter()
            .any(|d| key(d) == key(&finding))
        {
            workspace.diagnostics.push(finding);
        }
    }
    // The change's own policies: checked for version bumps and sign-offs,
    // and in range mode (where they are not in force) validated as part of
    // the change, so a broken policy cannot land.
    if range {
        let own = workspace::load_with(
            checked,
            checked,
            &prefix,
            config.clone(),
            Some(&BTreeSet::new()),
        );
        workspace.change_diagnostics = own
            .diagnostics
            .into_iter()
            .filter(|d| {
                d.primary
                    .as_ref()
                    .is_some_and(|l| is_policy_path(&config, &prefix, &l.file.path))
            })
            .map(|mut d| {
                d.config = false;
                d
            })
            .collect();
        workspace.checked_policies = own.policies.into_iter().filter(|p| !p.builtin).collect();
    } else {
        workspace.checked_policies = workspace
            .policies
            .iter()
            .filter(|p| !p.builtin)
            .cloned()
            .collect();
    }

    // The change's own policy.toml, when it changed: its problems are the
    // change's, and its roles judge the change's own policies.
    let own_config_path = judge_config
        .path
        .clone()
        .unwrap_or_else(|| format!("{prefix}{CONFIG_NAME}"));
    let mut config_change = None;
    workspace.checked_config = if range && changed.contains(&own_config_path) {
        match checked.read(&own_config_path) {
            Ok(bytes) => {
                if let Ok(file) = decode(&own_config_path, bytes.clone()) {
                    config_change = Some((own_config_path.clone(), Some(file)));
                }
                let (own_config, problems) = parse_config(&own_config_path, bytes);
                workspace
                    .change_diagnostics
                    .extend(problems.into_iter().map(|mut d| {
                        d.config = false;
                        d
                    }));
                Some(own_config)
            }
            Err(_) => {
                config_change = Some((own_config_path.clone(), None));
                None
            }
        }
    } else {
        None
    };

    // The base side is parsed only where a manifest changed: an unchanged
    // manifest is the same at the base. Manifests that moved: the base side
    // of a renamed feature is found by its id at its old path.
    let mut base_dirs: BTreeSet<String> = workspace
        .features
        .iter()
        .filter(|f| changed.contains(&f.file.path))
        .map(|f| f.dir.clone())
        .collect();
    for change in &changes {
        if change.new.is_none()
            && is_manifest(&change.path)
            && let Some((dir, _)) = change.path.rsplit_once('/')
        {
            base_dirs.insert(dir.to_string());
        }
    }
    workspace.base = Some(match &judge_snapshot {
        Some(snapshot) => {
            let mut base =
                Workspace::load_base(snapshot, &prefix, &config, &base_dirs, changed.clone());
            let by_id: BTreeMap<String, Arc<crate::model::tree::Table>> = base
                .features
                .values()
                .filter_map(|table| {
                    let id = table.get("id")?.value.as_str()?.to_string();
                    Some((id, Arc::clone(table)))
                })
                .collect();
            for feature in &workspace.features {
                let path = &feature.file.path;
                if base.features.contains_key(path) {
                    continue;
                }
                // An unchanged manifest needs no entry (see
                // Workspace::base_table).
                if changed.contains(path)
                    && let Some(old) = by_id.get(&feature.id)
                    && changes.iter().any(|c| c.path == *path && c.old.is_none())
                {
                    // Added at this path, and a manifest with its id left
                    // another: a move.
                    base.features.insert(path.clone(), Arc::clone(old));
                }
            }
            // Staged mode reads its config from the index; whether the
            // commit adopts policy checking is a question about HEAD.
            base.adopting = judge_config.adopting
                || (!range
                    && discover(snapshot, &prefix)?.is_none()
                    && !holds_policies(snapshot, &prefix));
            // Only a config the judge holds needs its admins to approve
            // changes to it.
            base.config_change = config_change.filter(|_| judge_config.path.is_some());
            // The allowed-signers file judges signatures: changing it is a
            // change of the judge too.
            if range && !base.adopting {
                let path = format!("{prefix}{}", config.allowed_signers);
                let touched = git
                    .changes(sides.judge, sides.head, std::slice::from_ref(&path))?
                    .iter()
                    .any(|c| c.path == path);
                if touched {
                    let file = |side: &dyn Snapshot| {
                        side.read(&path).ok().map(|bytes| {
                            SourceFile::new(path.clone(), String::from_utf8_lossy(&bytes))
                        })
                    };
                    base.signers_change = Some((path.clone(), file(snapshot), file(checked)));
                }
            }
            base
        }
        // Unborn HEAD in staged mode: everything staged is new, and the
        // first commit adopts policy checking.
        None => Base {
            changed: changed.clone(),
            adopting: true,
            ..Default::default()
        },
    });

    // Which features to report on.
    let mut settings = settings_for(request, config.clone(), prefix.clone());
    if !request.all {
        let base_playbooks = workspace
            .base
            .as_ref()
            .map(|b| b.playbooks.as_slice())
            .unwrap_or_default();
        let changed_playbooks: BTreeSet<&str> = workspace
            .playbooks
            .iter()
            .chain(base_playbooks)
            .filter(|p| changed.contains(&p.file.path))
            .map(|p| p.id.as_str())
            .collect();
        let deleted_playbook = base_playbooks
            .iter()
            .any(|p| !workspace.playbooks.iter().any(|q| q.id == p.id));
        // A feature is reported on when the change touched it directly
        // (its files, a waiver or debt naming it, a deleted playbook) or through a
        // changed playbook it follows. An id only ever touched through a
        // playbook gets only the playbook checks; if any feature with that
        // id was touched directly, it gets every check.
        let mut report = Vec::new();
        let mut direct: std::collections::HashSet<&str> = Default::default();
        for f in &workspace.features {
            let directly =
                deleted_playbook || touched_dirs.contains(&f.dir) || named_ids.contains(&f.id);
            if directly {
                direct.insert(f.id.as_str());
            }
            if directly
                || f.playbooks
                    .iter()
                    .any(|r| changed_playbooks.contains(r.id.as_str()))
            {
                report.push(f.id.clone());
            }
        }
        let report: BTreeSet<String> = report.into_iter().collect();
        let playbook_only: BTreeSet<String> = report
            .iter()
            .filter(|id| !direct.contains(id.as_str()))
            .cloned()
            .collect();
        settings.report_on = Some(report);
        settings.playbook_only = playbook_only;
    }
    finish(
        &git,
        request,
        &sides,
        &changes,
        workspace,
        settings,
        diagnostics,
        repo_root,
    )
}

fn is_policy_path(config: &Config, prefix: &str, path: &str) -> bool {
    let relative = path.strip_prefix(prefix).unwrap_or(path);
    workspace::globset(&config.paths.policies).is_match(relative)
        || workspace::globset(&[workspace::POLICY_SIGNOFFS.to_string()]).is_match(relative)
}

/// Authorship of the sign-off and waiver files the change adds or edits,
/// and the sign-offs it deletes.
#[allow(clippy::too_many_arguments)]
fn finish(
    git: &Arc<Git>,
    request: &Request,
    sides: &Sides,
    changes: &[ChangedPath],
    mut workspace: Workspace,
    settings: Settings,
    diagnostics: Vec<Diagnostic>,
    repo_root: PathBuf,
) -> Result<Change, ChangeError> {
    let config = &settings.config;
    let mut history = History::default();
    // Content that left one path in the change and arrived at a path of the
    // same kind is a move, not new content.
    let kinds = same_kind(config, &settings.prefix);
    let mut left_from: BTreeMap<BlobId, Vec<&str>> = BTreeMap::new();
    for change in changes {
        if let Some(old) = change.old {
            left_from.entry(old).or_default().push(&change.path);
        }
    }
    let moved: BTreeSet<BlobId> = changes
        .iter()
        .filter_map(|arrived| {
            let blob = arrived.new?;
            left_from
                .get(&blob)?
                .iter()
                .any(|left| kinds(left, &arrived.path))
                .then_some(blob)
        })
        .collect();
    let signoff_like = |p: &str| p.contains("/signoffs/") && p.ends_with(".toml");
    let added: BTreeSet<BlobId> = changes.iter().filter_map(|c| c.new).collect();
    history.removed_signoffs = changes
        .iter()
        .filter(|c| c.new.is_none() && signoff_like(&c.path))
        .filter(|c| c.old.is_none_or(|old| !added.contains(&old)))
        .map(|c| c.path.clone())
        .collect();
    if config.verify_authors {
        let present = authored_paths(&workspace);
        let to_verify: BTreeMap<&str, Option<BlobId>> = changes
            .iter()
            .filter(|c| present.contains(&c.path))
            .map(|c| (c.path.as_str(), c.new))
            .collect();
        match (&request.mode, sides.head, sides.judge) {
            (Mode::Range { .. }, Some(head), Some(judge)) => {
                let trusted = git.commit_snapshot(judge).ok();
                let signers = trusted_signers(config, &settings.prefix, trusted.as_ref());
                let bases = governed_bases(config, &settings.prefix);
                let introductions = git.introductions(
                    head,
                    Some(judge),
                    &bases,
                    &same_kind(config, &settings.prefix),
                )?;
                // Introductions by path and by content, so each file finds
                // its own in one lookup.
                let mut by_key: BTreeMap<(&str, Option<BlobId>), Vec<usize>> = BTreeMap::new();
                for (index, introduction) in introductions.iter().enumerate() {
                    by_key
                        .entry((introduction.path.as_str(), None))
                        .or_default()
                        .push(index);
                    by_key
                        .entry(("", Some(introduction.blob)))
                        .or_default()
                        .push(index);
                }
                for (path, blob) in &to_verify {
                    let mut authors = Vec::new();
                    let mut cut = false;
                    let mut indices: Vec<usize> = by_key
                        .get(&(*path, None))
                        .into_iter()
                        .flatten()
                        .chain(
                            blob.and_then(|b| by_key.get(&("", Some(b))))
                                .into_iter()
                                .flatten(),
                        )
                        .copied()
                        .collect();
                    indices.sort_unstable();
                    indices.dedup();
                    for introduction in indices.into_iter().map(|i| &introductions[i]) {
                        match &introduction.commit {
                            Some(commit) => authors.push(committed_by(commit, signers.as_ref())),
                            None => cut = true,
                        }
                    }
                    let from_base = blob.is_some_and(|b| moved.contains(&b));
                    if cut {
                        history.unaccounted.push((
                            path.to_string(),
                            "the history of this shallow clone stops before the commit that wrote it; \
                             fetch the full history (actions/checkout with `fetch-depth: 0`)"
                                .into(),
                        ));
                    } else if authors.is_empty() && !from_base {
                        history.unaccounted.push((
                            path.to_string(),
                            "no commit between the base and the head writes this content, and the \
                             base does not hold it: it comes from history outside the change (an old \
                             version merged back in?)"
                                .into(),
                        ));
                    }
                    if !authors.is_empty() {
                        history.authors.insert(path.to_string(), authors);
                    }
                }
                // Who wrote the content a sign-off approves: the commit
                // that gave the file its current meaning (the oldest of the
                // newest run of versions with the current digest), not only
                // the last one to touch it: a comment added by someone else
                // must not take over the authorship of a real edit.
                let mut by_blob: BTreeMap<BlobId, Vec<&str>> = BTreeMap::new();
                // Introductions (their indices, newest first) by path; those
                // at paths the head no longer has; the moves with an edit.
                let mut at_path: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
                let mut gone: Vec<usize> = Vec::new();
                let mut moves: Vec<(&str, &str)> = Vec::new();
                for (index, introduction) in introductions.iter().enumerate() {
                    if let Some(commit) = &introduction.commit {
                        by_blob
                            .entry(introduction.blob)
                            .or_default()
                            .push(commit.email.as_str());
                        at_path
                            .entry(introduction.path.as_str())
                            .or_default()
                            .push(index);
                        if sides.checked.blob(&introduction.path).is_none() {
                            gone.push(index);
                        }
                    }
                    if let Some(from) = &introduction.moved_from {
                        moves.push((introduction.path.as_str(), from.as_str()));
                    }
                }
                let excludes = &config.digest_excludes;
                let meaning = |path: &str, blob: BlobId| {
                    version_digest(git, path, blob, excludes).map(|(digest, _)| digest)
                };
                // A version's fields (dotted paths, canonical values, the
                // excluded ones left out), line endings as LF.
                let fields = |path: &str, blob: BlobId| -> Option<BTreeMap<String, String>> {
                    let bytes = git.read_object(blob).ok()?;
                    let text = String::from_utf8(bytes).ok()?.replace("\r\n", "\n");
                    let file = decode(path, text.into_bytes()).ok()?;
                    let table = crate::model::read::parse_toml(&file).ok()?;
                    Some(
                        crate::model::digest::leaves(&table, excludes)
                            .into_iter()
                            .collect(),
                    )
                };
                // A file's name in its directory's name (`x/feature.toml`):
                // a feature keeps it when its directory moves between teams.
                let tail = |p: &str| -> Option<String> {
                    let (dir, file) = p.rsplit_once('/')?;
                    let name = dir.rsplit('/').next().unwrap_or(dir);
                    Some(format!("{name}/{file}"))
                };
                // The id in a version's fields: a feature's `id`, a
                // policy's `policy.id`.
                let identity = |fields: &BTreeMap<String, String>| {
                    fields
                        .get("id")
                        .or_else(|| fields.get("policy.id"))
                        .cloned()
                };
                // The id a version declares, a playbook's in its front
                // matter.
                let declared_id = |path: &str, blob: BlobId| -> Option<String> {
                    match fields(path, blob) {
                        Some(fields) => identity(&fields),
                        None => {
                            let file = decode(path, git.read_object(blob).ok()?).ok()?;
                            crate::model::playbook::parse(&file).0.map(|p| p.id)
                        }
                    }
                };
                let extension = |p: &str| p.rsplit_once('.').map(|(_, e)| e.to_string());
                // Whether `other` (holding `other_blob`), a path the head no
                // longer has, is where the file now at `path` (declaring
                // `id`) was before it moved: a file of the same name in a
                // directory of the same name, or a file of the same kind
                // declaring the same id. A move that also edits the file
                // writes new content at the new path; who edited it at the
                // old one wrote part of it too.
                let earlier_path =
                    |other: &str, other_blob: BlobId, path: &str, id: Option<&String>| {
                        other != path
                            && sides.checked.blob(other).is_none()
                            && (tail(other) == tail(path)
                                || id.is_some_and(|id| {
                                    extension(other) == extension(path)
                                        && declared_id(other, other_blob).as_ref() == Some(id)
                                }))
                    };
                // The fields a file had at the base: at its path, or at a
                // path it moved from.
                let base_fields = |path: &str,
                                   id: Option<&String>,
                                   lineage: &BTreeSet<&str>|
                 -> Option<BTreeMap<String, String>> {
                    let at_path = trusted.as_ref().and_then(|t| t.blob(path));
                    at_path
                        .map(|blob| (path, blob))
                        .into_iter()
                        .chain(
                            changes
                                .iter()
                                .filter(|c| c.new.is_none())
                                .filter_map(|c| Some((c.path.as_str(), c.old?)))
                                .filter(|(at, old)| {
                                    lineage.contains(at) || earlier_path(at, *old, path, id)
                                }),
                        )
                        .find_map(|(at, old)| fields(at, old))
                };
                history.content_authors = content_authors(
                    git,
                    &workspace,
                    &settings.prefix,
                    sides,
                    changes,
                    &to_verify,
                    &mut history.content_unknown,
                    |path, blob| {
                        let last_writers: Vec<String> = blob
                            .and_then(|b| by_blob.get(&b))
                            .into_iter()
                            .flatten()
                            .map(|e| e.to_string())
                            .collect();
                        // The versions the change writes at this path or
                        // at a path it moved from, newest first.
                        let id = blob.and_then(|b| declared_id(path, b));
                        // The paths it had before, followed back through
                        // moves with an edit (an id and a directory
                        // renamed along with it).
                        let mut lineage: BTreeSet<&str> = BTreeSet::from([path]);
                        loop {
                            let known = lineage.len();
                            for (to, from) in &moves {
                                if lineage.contains(to) {
                                    lineage.insert(from);
                                }
                            }
                            if lineage.len() == known {
                                break;
                            }
                        }
                        let mut indices: Vec<usize> = lineage
                            .iter()
                            .filter_map(|p| at_path.get(p))
                            .flatten()
                            .copied()
                            .chain(gone.iter().copied().filter(|index| {
                                let introduction = &introductions[*index];
                                earlier_path(
                                    &introduction.path,
                                    introduction.blob,
                                    path,
                                    id.as_ref(),
                                )
                            }))
                            .collect();
                        indices.sort_unstable();
                        indices.dedup();
                        let versions: Vec<(BlobId, &str)> = indices
                            .into_iter()
                            .filter_map(|index| {
                                let introduction = &introductions[index];
                                let commit = introduction.commit.as_ref()?;
                                Some((introduction.blob, commit.email.as_str()))
                            })
                            .collect();
                        let Some(current) = blob.and_then(|b| meaning(path, b)) else {
                            // No meaning to compare (a playbook): whoever
                            // wrote any version of it in the change wrote
                            // the change.
                            let mut all = last_writers;
                            all.extend(versions.iter().map(|(_, email)| email.to_string()));
                            return all;
                        };
                        let mut author = None;
                        for (version, email) in &versions {
                            if meaning(path, *version).as_ref() != Some(&current) {
                                break;
                            }
                            author = Some(email.to_string());
                        }
                        let mut authors = author.map_or(last_writers, |a| vec![a]);
                        // Every commit of the change that gave a field the
                        // value it has now wrote part of the content: an
                        // edit that someone else edits on top of (or
                        // reverts and redoes) is still its author's, while
                        // an edit overwritten since is no longer part of it.
                        let Some(now) = blob.and_then(|b| fields(path, b)) else {
                            return authors;
                        };
                        let written: Vec<Option<BTreeMap<String, String>>> = versions
                            .iter()
                            .map(|(version, _)| fields(path, *version))
                            .collect();
                        let before = base_fields(path, id.as_ref(), &lineage);
                        let mut names: BTreeSet<&String> = now.keys().collect();
                        for version in written.iter().flatten().chain(&before) {
                            names.extend(version.keys());
                        }
                        for (index, (_, email)) in versions.iter().enumerate() {
                            let Some(version) = &written[index] else {
                                continue;
                            };
                            let older = match written.get(index + 1) {
                                Some(older) => older.as_ref(),
                                None => before.as_ref(),
                            };
                            let set_now = names.iter().any(|name| {
                                let value = now.get(*name);
                                version.get(*name) == value
                                    && older.is_none_or(|older| older.get(*name) != value)
                            });
                            if set_now {
                                authors.push(email.to_string());
                            }
                        }
                        authors
                    },
                )?;
            }
            _ => match git.identity() {
                Some(email) => {
                    // Content moved from another path (a rename) was
                    // written before: the commit being made only moves it.
                    for path in to_verify
                        .iter()
                        .filter(|(_, blob)| blob.is_none_or(|b| !moved.contains(&b)))
                        .map(|(path, _)| path)
                    {
                        history.authors.insert(
                            path.to_string(),
                            vec![Author {
                                email: email.clone(),
                                source: "the commit being made".into(),
                                signature: config.require_signed.then_some(Verdict::Pending),
                            }],
                        );
                    }
                }
                None => {
                    for path in to_verify.keys() {
                        history.unverified.push((
                            path.to_string(),
                            "no git identity is configured (GIT_AUTHOR_EMAIL or user.email)".into(),
                        ));
                    }
                }
            },
        }
        if !matches!(request.mode, Mode::Range { .. }) {
            // Staged: what the index changes is written by the identity
            // about to commit; what it does not, by its introducing commit.
            let identity = git.identity();
            history.content_authors = content_authors(
                git,
                &workspace,
                &settings.prefix,
                sides,
                changes,
                &to_verify,
                &mut history.content_unknown,
                |path, _| {
                    // Content or a deletion the index holds.
                    let staged = changes.iter().any(|c| c.path == path);
                    match (&identity, staged) {
                        (Some(email), true) => vec![email.clone()],
                        _ => Vec::new(),
                    }
                },
            )?;
        }
    }
    if let Some(from) = sides.head.or(sides.judge) {
        // Only sign-offs the check will judge need their signed content:
        // those of the features it reports on, except features touched only
        // through a playbook, whose sign-offs are judged only when a rule
        // reads the playbooks.
        let judged: Option<BTreeSet<String>> = settings.report_on.as_ref().map(|ids| {
            if settings.playbook_only.is_empty()
                || crate::engine::rules_may_read_playbooks(&workspace.policies)
            {
                ids.clone()
            } else {
                ids.difference(&settings.playbook_only).cloned().collect()
            }
        });
        let stale = stale_signoffs(&workspace, judged.as_ref());
        let manifests: BTreeSet<String> = stale
            .iter()
            .map(|(_, manifest, _)| manifest.to_string())
            .collect();
        let mut past = PastManifests::load(git, from, &manifests, &config.digest_excludes);
        history.signed_content = signed_content(&mut past, &stale);
    }
    workspace.history = history;
    Ok(Change {
        repo_root,
        workspace,
        settings,
        diagnostics,
    })
}

/// Who wrote the content the change's sign-offs approve, for separation
/// of duties: the manifest of every feature whose sign-offs the change
/// writes, and every policy or playbook it changes (and `policy.toml` or
/// the allowed-signers file, when the change edits the judge's). A deleted
/// policy, config or allowed-signers file is written by whoever deleted
/// it. `in_change` gives the authors the change itself shows for a path
/// (and its object, `None` for a deletion); content the change did not
/// write is looked up in history, one walk for all.
///
/// Fails closed: every subject whose author cannot be found (a shallow
/// clone's cut, content not committed with no identity to commit it, no
/// commit introducing it) goes to `unknown` with why and what to do.
#[allow(clippy::too_many_arguments)]
fn content_authors(
    git: &Arc<Git>,
    workspace: &Workspace,
    prefix: &str,
    sides: &Sides,
    changes: &[ChangedPath],
    to_verify: &BTreeMap<&str, Option<BlobId>>,
    unknown: &mut BTreeMap<String, UnknownAuthor>,
    in_change: impl Fn(&str, Option<BlobId>) -> Vec<String>,
) -> Result<BTreeMap<String, Vec<String>>, ChangeError> {
    let mut subjects: BTreeMap<String, Option<BlobId>> = BTreeMap::new();
    let changed: BTreeSet<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    for feature in &workspace.features {
        let signoffs_dir = format!("{}/signoffs/", feature.dir);
        // Sign-offs the change writes, or a manifest the change edits under
        // sign-offs it keeps: either way, who wrote the content matters.
        let has_signoffs = workspace.feature_signoffs.contains_key(&feature.dir);
        let manifest_changed = changed.contains(feature.file.path.as_str());
        let writes_signoffs = to_verify
            .range(signoffs_dir.as_str()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(&signoffs_dir));
        if writes_signoffs || (has_signoffs && manifest_changed) {
            let blob = sides.checked.blob(&feature.file.path);
            subjects.insert(feature.file.path.clone(), blob);
        }
    }
    let documents = workspace
        .checked_policies
        .iter()
        .map(|p| &p.file.path)
        .chain(workspace.playbooks.iter().map(|p| &p.file.path));
    for path in documents {
        if let Some(change) = changes.iter().find(|c| &c.path == path && c.new.is_some()) {
            subjects.insert(path.clone(), change.new);
        }
    }
    // The judge's own files and deleted policies need sign-offs too (see
    // engine::history): their authors are looked up the same way.
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    // `policy.toml` and the allowed-signers file lie outside the governed
    // directories that the walks over the change cover: looked up on
    // their own.
    let mut judge_files_at: BTreeMap<String, BlobId> = BTreeMap::new();
    if let Some(base) = workspace.base.as_ref().filter(|b| !b.adopting) {
        let judge_files = [
            base.config_change
                .as_ref()
                .map(|(path, new)| (path, new.is_some())),
            base.signers_change
                .as_ref()
                .map(|(path, _, new)| (path, new.is_some())),
        ];
        for (path, present) in judge_files.into_iter().flatten() {
            if present {
                if let Some(blob) = sides.checked.blob(path) {
                    judge_files_at.insert(path.clone(), blob);
                }
                subjects.insert(path.clone(), None);
            } else {
                deleted.insert(path.clone());
            }
        }
        for old in &base.policies {
            if !workspace.checked_policies.iter().any(|p| p.id == old.id)
                && !subjects.contains_key(&old.file.path)
            {
                deleted.insert(old.file.path.clone());
            }
        }
    }
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Subjects whose introducing commit lies beyond a shallow clone's cut.
    let mut cut: BTreeSet<String> = BTreeSet::new();
    // Subjects whose content came from history outside the change.
    let mut outside: BTreeSet<String> = BTreeSet::new();
    let mut look_up: BTreeMap<String, BlobId> = BTreeMap::new();
    // Manifests whose meaning is the base's, or that the change does not
    // write: their author is whoever gave that version its meaning, looked
    // up past commits that changed only what does not count (a panel
    // member moving `stage` after their go is not the author of the
    // feature, nor does moving it launder who wrote it). Path → the
    // meaning's digest.
    let mut by_meaning: BTreeMap<String, String> = BTreeMap::new();
    // Manifests the change does not write: found by meaning when the
    // commit that introduced their bytes did not give them their meaning.
    let mut maybe_meant: BTreeSet<String> = BTreeSet::new();
    // A manifest whose signed content the change does not alter (only
    // excluded fields like `stage` moved) was written by whoever wrote it
    // at the base: the chair who moves a feature to `launched` next to
    // their go is not approving their own content.
    let judge = match sides.judge {
        Some(judge) => git.commit_snapshot(judge).ok(),
        None => None,
    };
    let excludes = &workspace.config.digest_excludes;
    let base = workspace.base.as_ref();
    let by_path: BTreeMap<&str, &crate::model::feature::Feature> = workspace
        .features
        .iter()
        .map(|f| (f.file.path.as_str(), f))
        .collect();
    let subject_paths: BTreeSet<String> = subjects.keys().cloned().collect();
    for (path, blob) in subjects {
        if let Some(feature) = by_path.get(path.as_str())
            && let Some(before) = base.and_then(|b| b.features.get(&path))
            && crate::model::digest::digest(before, excludes)
                == crate::model::digest::digest_file(&feature.file, &feature.table, excludes)
            && let Some(base_blob) = judge.as_ref().and_then(|j| j.blob(&path))
            && Some(base_blob) != blob
        {
            by_meaning.insert(path.clone(), String::new());
            look_up.insert(path, base_blob);
            continue;
        }
        let authors = in_change(&path, blob);
        // Range mode: content the head holds that no commit of the range
        // writes, that the base does not hold at this path and that did not
        // move here from another path of the base came in from history
        // outside the change (an old version merged back in): whoever
        // merged it chose it, and the history does not say who that was.
        let from_outside = sides.head.is_some()
            && blob.is_some()
            && judge.as_ref().and_then(|j| j.blob(&path)) != blob
            && !changes.iter().any(|c| c.old.is_some() && c.old == blob);
        if authors.is_empty() && from_outside {
            outside.insert(path);
        } else if authors.is_empty() {
            if let Some(blob) = blob {
                // A manifest the change did not write was written by whoever
                // gave it its meaning, as in tree mode: not by a later
                // commit that only moved `stage` or reformatted it.
                if by_path.contains_key(path.as_str()) {
                    maybe_meant.insert(path.clone());
                }
                look_up.insert(path, blob);
            }
        } else {
            found.insert(path, authors);
        }
    }
    // Content at the base is found from the base; the rest from the head.
    let from = sides.head.or(sides.judge);
    if let (Some(from), false) = (from, look_up.is_empty()) {
        // Every governed path, not only the files' own directories: content
        // moved from elsewhere (a renamed feature directory) was written
        // there, and the move is not its author.
        let bases = governed_bases(&workspace.config, prefix);
        let kinds = same_kind(&workspace.config, prefix);
        // One digest for both sides (read as git stores it, CRLF in
        // strings normalized), the base version's as the reference.
        let digest_of = |path: &str, blob: BlobId| {
            version_digest(git, path, blob, excludes).map(|(digest, _)| digest)
        };
        // The commit that introduced a manifest's bytes gave it its meaning
        // unless a parent held the same meaning at its path (only `stage`
        // or the formatting changed) or it may have arrived by a move:
        // only then is the longer walk by meaning needed.
        let candidates: BTreeMap<String, BlobId> = look_up
            .iter()
            .filter(|(path, _)| maybe_meant.contains(*path))
            .map(|(path, blob)| (path.clone(), *blob))
            .collect();
        if !candidates.is_empty() {
            let introducing = git.introducing(from, &candidates, &bases, &kinds)?;
            // Not found by its bytes, not found at all: no second walk.
            look_up
                .retain(|path, _| !candidates.contains_key(path) || introducing.contains_key(path));
            for (path, introduction) in introducing {
                let blob = candidates[&path];
                let further = introduction.commit.as_ref().is_some_and(|commit| {
                    introduction.arrived
                        || git
                            .parent_blobs(&commit.commit, &path)
                            .is_none_or(|parents| {
                                let current = digest_of(&path, blob);
                                parents
                                    .into_iter()
                                    .flatten()
                                    .any(|parent| digest_of(&path, parent) == current)
                            })
                });
                if further {
                    by_meaning.insert(path, String::new());
                    continue;
                }
                look_up.remove(&path);
                match introduction.commit {
                    Some(commit) => {
                        found.insert(path, vec![commit.email]);
                    }
                    None => {
                        cut.insert(path);
                    }
                }
            }
        }
        let (meant, exact): (BTreeMap<String, BlobId>, BTreeMap<String, BlobId>) = look_up
            .into_iter()
            .partition(|(path, _)| by_meaning.contains_key(path));
        for (path, reference) in by_meaning.iter_mut() {
            if let Some(blob) = meant.get(path)
                && let Some(digest) = digest_of(path, *blob)
            {
                *reference = digest;
            }
        }
        let same_meaning = |path: &str, blob: BlobId| {
            by_meaning
                .get(path)
                .is_some_and(|d| !d.is_empty() && digest_of(path, blob).as_ref() == Some(d))
        };
        let mut introduced = git.introducers(from, &exact, &bases, &kinds)?;
        let by_meaning_found =
            git.meaning_introducers(from, &meant, &bases, &kinds, &same_meaning)?;
        // A version whose run of meaning is not found among files of its
        // directory's name (it arrived from a differently named one) still
        // has the commit that introduced its bytes.
        let unmatched: BTreeMap<String, BlobId> = meant
            .iter()
            .filter(|(path, _)| !by_meaning_found.contains_key(*path))
            .map(|(path, blob)| (path.clone(), *blob))
            .collect();
        introduced.extend(by_meaning_found);
        introduced.extend(git.introducers(from, &unmatched, &bases, &kinds)?);
        for (path, commit) in introduced {
            match commit {
                Some(commit) => {
                    found.insert(path, vec![commit.email]);
                }
                None => {
                    cut.insert(path);
                }
            }
        }
    }
    if let (Some(from), false) = (sides.head.or(sides.judge), judge_files_at.is_empty()) {
        let paths: Vec<String> = judge_files_at.keys().cloned().collect();
        let kinds = same_kind(&workspace.config, prefix);
        for (path, commit) in git.introducers(from, &judge_files_at, &paths, &kinds)? {
            match commit {
                Some(commit) => {
                    found.insert(path, vec![commit.email]);
                }
                None => {
                    cut.insert(path);
                }
            }
        }
        // Range mode: every commit of the change that wrote a version of
        // the file is one of its authors too (as for a playbook), so an
        // edit that someone else touches up after stays its author's.
        if let (Some(head), Some(judge)) = (sides.head, sides.judge) {
            for introduction in git.introductions(head, Some(judge), &paths, &kinds)? {
                if !judge_files_at.contains_key(&introduction.path) {
                    continue;
                }
                match introduction.commit {
                    Some(commit) => found
                        .entry(introduction.path)
                        .or_default()
                        .push(commit.email),
                    None => {
                        cut.insert(introduction.path);
                    }
                }
            }
        }
    }
    // Deletions: by the identity about to commit (staged), else by the
    // commits of the range that remove the path (and those that edited it
    // before: the removers are authors whoever else wrote it).
    let mut removals: BTreeMap<String, Vec<Option<CommitInfo>>> = BTreeMap::new();
    let mut to_find: BTreeSet<String> = BTreeSet::new();
    for path in &deleted {
        let authors = in_change(path, None);
        if authors.is_empty() || sides.head.is_some() {
            to_find.insert(path.clone());
        }
        if !authors.is_empty() {
            found.insert(path.clone(), authors);
        }
    }
    if let (Some(head), false) = (sides.head, to_find.is_empty()) {
        removals = git.removers(head, sides.judge, &to_find)?;
    }
    for path in &to_find {
        match removals.remove(path) {
            Some(commits) if commits.iter().all(Option::is_some) => {
                found
                    .entry(path.clone())
                    .or_default()
                    .extend(commits.into_iter().flatten().map(|c| c.email));
            }
            // Who removed it is unknown, and so is who wrote the deletion.
            removed_by => {
                found.remove(path);
                if removed_by.is_some() {
                    cut.insert(path.clone());
                }
            }
        }
    }
    // Staged mode: what the index changes has no commit yet.
    let uncommitted = |path: &str| sides.head.is_none() && changed.contains(path);
    for path in subject_paths.iter().chain(&deleted) {
        if found.get(path).is_some_and(|authors| !authors.is_empty()) {
            continue;
        }
        let (why, help) = if uncommitted(path) {
            (
                "the change is not committed yet and no git identity is configured (GIT_AUTHOR_EMAIL or user.email)".to_string(),
                "configure the identity that will commit it (`git config user.email`) and check again".to_string(),
            )
        } else if outside.contains(path) {
            (
                "no commit between the base and the head writes this content, and the base does not hold it: it comes from history outside the change (an old version merged back in?)".to_string(),
                "write the content in a commit on the branch being checked (not by merging an old version), then have another member of the role sign".to_string(),
            )
        } else if cut.contains(path) || git.is_shallow() {
            (
                "the history of this shallow clone stops before the commit that wrote it".to_string(),
                "fetch the full history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`) and check again".to_string(),
            )
        } else if deleted.contains(path) {
            (
                "no commit between the base and the head deletes it".to_string(),
                "delete it in a commit on the branch being checked, then have another member of the role sign".to_string(),
            )
        } else {
            (
                "no commit in the history introduces it".to_string(),
                "commit the content on the branch being checked, then have another member of the role sign".to_string(),
            )
        };
        unknown.insert(path.clone(), UnknownAuthor { why, help });
    }
    for authors in found.values_mut() {
        for email in authors.iter_mut() {
            *email = email.to_ascii_lowercase();
        }
        authors.sort();
        authors.dedup();
    }
    Ok(found)
}

/// Past versions of manifests, read from history once and parsed once
/// each, for the two questions asked of them: which version a stale
/// sign-off approved, and who wrote the content a sign-off approves.
struct PastManifests<'g> {
    git: &'g Git,
    versions: BTreeMap<String, Vec<BlobId>>,
    /// Each version's digest (with the config's excludes) and table.
    parsed: BTreeMap<BlobId, Option<(String, Arc<crate::model::tree::Table>)>>,
    excludes: Vec<String>,
}

impl<'g> PastManifests<'g> {
    /// The versions of `manifests` in the history of `from`, newest first:
    /// a bounded look back, enough for the life of a feature under review.
    fn load(
        git: &'g Git,
        from: Revision,
        manifests: &BTreeSet<String>,
        excludes: &[String],
    ) -> Self {
        let versions = if manifests.is_empty() {
            BTreeMap::new()
        } else {
            git.past_versions(from, manifests, 5000).unwrap_or_default()
        };
        PastManifests {
            git,
            versions,
            parsed: BTreeMap::new(),
            excludes: excludes.to_vec(),
        }
    }

    fn versions(&self, path: &str) -> &[BlobId] {
        self.versions.get(path).map_or(&[], Vec::as_slice)
    }

    /// The digest and table of one version (`None` when it does not parse).
    fn parsed(
        &mut self,
        path: &str,
        blob: BlobId,
    ) -> Option<&(String, Arc<crate::model::tree::Table>)> {
        if !self.parsed.contains_key(&blob) {
            let parsed = self.parse(path, blob);
            self.parsed.insert(blob, parsed);
        }
        self.parsed.get(&blob).and_then(Option::as_ref)
    }

    /// Reads and parses one version, without caching it.
    fn parse(&self, path: &str, blob: BlobId) -> Option<(String, Arc<crate::model::tree::Table>)> {
        version_digest(self.git, path, blob, &self.excludes).map(|(d, table)| (d, Arc::new(table)))
    }
}

/// The canonical digest (with `excludes`) and table of one stored version
/// of a manifest; `None` when it cannot be read or does not parse.
fn version_digest(
    git: &Git,
    path: &str,
    blob: BlobId,
    excludes: &[String],
) -> Option<(String, crate::model::tree::Table)> {
    let file = decode(path, git.read_object(blob).ok()?).ok()?;
    let table = crate::model::read::parse_toml(&file).ok()?;
    Some((
        crate::model::digest::digest_file(&file, &table, excludes),
        table,
    ))
}

/// The stale feature sign-offs, as (sign-off path, manifest path, digest
/// signed): those whose digest is not the manifest's current one. With
/// `report_on`, only the features the run reports on. Digests are computed
/// in parallel, one per feature.
fn stale_signoffs<'w>(
    workspace: &'w Workspace,
    report_on: Option<&BTreeSet<String>>,
) -> Vec<(&'w str, &'w str, &'w str)> {
    use rayon::prelude::*;
    let excludes = &workspace.config.digest_excludes;
    workspace
        .features
        .par_iter()
        .filter(|feature| report_on.is_none_or(|ids| ids.contains(&feature.id)))
        .filter_map(|feature| {
            let signoffs = workspace.feature_signoffs.get(&feature.dir)?;
            let current =
                crate::model::digest::digest_file(&feature.file, &feature.table, excludes);
            let stale: Vec<(&str, &str, &str)> = signoffs
                .iter()
                .filter(|s| s.digest != current)
                .map(|s| {
                    (
                        s.file.path.as_str(),
                        feature.file.path.as_str(),
                        s.digest.as_str(),
                    )
                })
                .collect();
            (!stale.is_empty()).then_some(stale)
        })
        .flatten()
        .collect()
}

/// Tree mode: a manifest whose last commits changed only fields the
/// digest leaves out (`stage`) has the signed content of an earlier
/// version; its author is whoever introduced that version. Returns the
/// corrected authors for such manifests.
fn content_author_of_signed_content(
    past: &mut PastManifests<'_>,
    head: Revision,
    workspace: &Workspace,
    prefix: &str,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut earliest: BTreeMap<String, BlobId> = BTreeMap::new();
    for feature in &workspace.features {
        // A manifest with one version in history has one author already.
        let history = past.versions(&feature.file.path).to_vec();
        if history.len() < 2
            || !workspace
                .history
                .content_authors
                .contains_key(&feature.file.path)
        {
            continue;
        }
        let current = crate::model::digest::digest_file(
            &feature.file,
            &feature.table,
            &workspace.config.digest_excludes,
        );
        let mut oldest_same = None;
        for blob in &history {
            if past
                .parsed(&feature.file.path, *blob)
                .is_none_or(|(digest, _)| *digest != current)
            {
                break;
            }
            oldest_same = Some(*blob);
        }
        if let Some(blob) = oldest_same
            && Some(blob) != history.first().copied()
        {
            earliest.insert(feature.file.path.clone(), blob);
        }
    }
    if earliest.is_empty() {
        return out;
    }
    let bases = governed_bases(&workspace.config, prefix);
    let kinds = same_kind(&workspace.config, prefix);
    if let Ok(found) = past.git.introducers(head, &earliest, &bases, &kinds) {
        for (path, commit) in found {
            if let Some(commit) = commit {
                out.insert(path, vec![commit.email.to_ascii_lowercase()]);
            }
        }
    }
    out
}

/// For each stale feature sign-off (from [`stale_signoffs`]): the manifest
/// as it was signed, found among the manifest's past versions by the
/// sign-off's digest, so the finding can say which values changed.
/// Manifests are searched in parallel, each newest version first, stopping
/// once all its sign-offs are matched; the versions parsed stay cached in
/// `past`.
fn signed_content(
    past: &mut PastManifests<'_>,
    stale: &[(&str, &str, &str)],
) -> BTreeMap<String, Arc<crate::model::tree::Table>> {
    use rayon::prelude::*;
    // Wanted digests by manifest: (sign-off path, digest).
    let mut wanted: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (signoff, manifest, digest) in stale {
        wanted.entry(manifest).or_default().push((signoff, digest));
    }
    let shared: &PastManifests<'_> = past;
    type Parsed = Option<(String, Arc<crate::model::tree::Table>)>;
    type Found = (
        Vec<(BlobId, Parsed)>,
        Vec<(String, Arc<crate::model::tree::Table>)>,
    );
    let searched: Vec<Found> = wanted
        .par_iter()
        .map(|(manifest, signoffs)| {
            let mut parsed: Vec<(BlobId, Parsed)> = Vec::new();
            let mut found = Vec::new();
            let mut open: Vec<&(&str, &str)> = signoffs.iter().collect();
            for blob in shared.versions(manifest) {
                if open.is_empty() {
                    break;
                }
                let version = match shared.parsed.get(blob) {
                    Some(known) => known.clone(),
                    None => {
                        let fresh = shared.parse(manifest, *blob);
                        parsed.push((*blob, fresh.clone()));
                        fresh
                    }
                };
                let Some((digest, table)) = version else {
                    continue;
                };
                open.retain(|(signoff, want)| {
                    let matched = *want == digest;
                    if matched {
                        found.push((signoff.to_string(), Arc::clone(&table)));
                    }
                    !matched
                });
            }
            (parsed, found)
        })
        .collect();
    let mut out = BTreeMap::new();
    for (parsed, found) in searched {
        past.parsed.extend(parsed);
        out.extend(found);
    }
    out
}

/// What a governed file is, for following moves: a move keeps it the same
/// kind of file (a sign-off for the same role, a waiver, a manifest).
#[derive(PartialEq, Eq)]
enum FileKind {
    Manifest,
    Signoff(String),
    Waiver,
    Other,
}

/// Whether content moving from one path to another stays the same kind of
/// governed file (`prefix`: the project's directory in the repository).
fn same_kind(config: &Config, prefix: &str) -> impl Fn(&str, &str) -> bool + use<> {
    let features = workspace::globset(&config.paths.features);
    let waivers = workspace::globset(&config.paths.waivers);
    let prefix = prefix.to_string();
    move |old: &str, new: &str| {
        let kind = |path: &str| {
            let relative = path.strip_prefix(prefix.as_str()).unwrap_or(path);
            if features.is_match(relative) {
                FileKind::Manifest
            } else if let Some((_, name)) = path.rsplit_once("/signoffs/")
                && !name.contains('/')
            {
                FileKind::Signoff(name.to_string())
            } else if waivers.is_match(relative) {
                FileKind::Waiver
            } else {
                FileKind::Other
            }
        };
        let (before, after) = (kind(old), kind(new));
        before != FileKind::Other && before == after
    }
}

fn all_globs(config: &Config) -> Vec<String> {
    [
        &config.paths.features,
        &config.paths.playbooks,
        &config.paths.policies,
        &config.paths.waivers,
        &config.paths.debt,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .chain([
        workspace::POLICY_SIGNOFFS.to_string(),
        workspace::PLAYBOOK_SIGNOFFS.to_string(),
    ])
    .collect()
}

/// Feature ids whose manifest lies under one of the request's paths.
fn features_under(request: &Request, change: &Change) -> Result<BTreeSet<String>, ChangeError> {
    let mut prefixes = Vec::new();
    for path in &request.paths {
        let full = request.run_dir.join(path);
        let full = std::fs::canonicalize(&full)
            .map_err(|e| ChangeError(format!("cannot use path `{}`: {e}", path.display())))?;
        let relative = full.strip_prefix(&change.repo_root).map_err(|_| {
            ChangeError(format!(
                "path `{}` is outside the repository",
                path.display()
            ))
        })?;
        prefixes.push(relative.to_string_lossy().replace('\\', "/"));
    }
    Ok(change
        .workspace
        .features
        .iter()
        .filter(|f| {
            prefixes.iter().any(|p| {
                p.is_empty()
                    || f.file.path == *p
                    || f.file
                        .path
                        .starts_with(&format!("{}/", p.trim_end_matches('/')))
            })
        })
        .map(|f| f.id.clone())
        .collect())
}

/// A commit as evidence for the authorship check, with what its signature
/// proves when signatures are required (`signers`: the allowed-signers file
/// of the trusted revision, or why there is none).
fn committed_by(commit: &CommitInfo, signers: Option<&Result<AllowedSigners, String>>) -> Author {
    let signature = signers.map(|signers| signature_verdict(commit, signers));
    Author {
        email: commit.email.clone(),
        source: format!("commit {} (\"{}\")", commit.commit, commit.summary),
        signature,
    }
}

/// What a commit's signature proves against an allowed-signers file
/// (`Err`: why there is none to check against). Verified in-process, over
/// the commit object, at the committer time (as git does).
pub fn signature_verdict(commit: &CommitInfo, signers: &Result<AllowedSigners, String>) -> Verdict {
    match (&commit.signature, signers) {
        (CommitSignature::Unsigned, _) => Verdict::Unsigned,
        (CommitSignature::Gpg, _) => Verdict::Gpg,
        (CommitSignature::X509, _) => Verdict::X509,
        (CommitSignature::Unknown, _) => Verdict::Invalid {
            reason: "the commit's signature is in a format that is not recognised".into(),
        },
        (CommitSignature::Ssh { .. }, Err(reason)) => Verdict::NoAllowedSigners {
            reason: reason.clone(),
        },
        (CommitSignature::Ssh { armored, payload }, Ok(signers)) => {
            signers.verify(armored, payload, commit.time)
        }
    }
}

/// The allowed-signers file that judges signatures: read from the trusted
/// revision (the merge-base in range mode, HEAD otherwise), never from the
/// change. `None` when signatures are not required.
fn trusted_signers(
    config: &Config,
    prefix: &str,
    trusted: Option<&GitSnapshot>,
) -> Option<Result<AllowedSigners, String>> {
    if !config.require_signed {
        return None;
    }
    let path = format!("{prefix}{}", config.allowed_signers);
    let Some(snapshot) = trusted else {
        return Some(Err(format!("there is no commit yet to read `{path}` from")));
    };
    Some(match snapshot.kind(&path) {
        Some(EntryKind::File) => match snapshot.read(&path) {
            Ok(bytes) => Ok(AllowedSigners::parse(&String::from_utf8_lossy(&bytes))),
            Err(e) => Err(format!("`{path}` cannot be read: {e}")),
        },
        Some(_) => Err(format!(
            "`{path}` in the {} is a symbolic link or submodule, never read",
            snapshot.describe()
        )),
        None => Err(format!(
            "the {} has no allowed-signers file `{path}` (`[signoff] allowed_signers`)",
            snapshot.describe()
        )),
    })
}
