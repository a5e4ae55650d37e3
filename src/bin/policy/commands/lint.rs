//! `policy lint`: choose what to read (working tree, index, or a commit
//! range), load, check, render, and exit 0 / 1 / 2.

use std::collections::BTreeSet;
use std::sync::Arc;

use policy_lint::diagnostic::{self, Severity};
use policy_lint::engine;
use policy_lint::model::config::Config;
use policy_lint::model::read::decode;
use policy_lint::model::signoff::parse_waiver;
use policy_lint::model::workspace::{self, Author, History, Workspace};
use policy_lint::report;
use policy_lint::source::git::{Git, GitError, GitSnapshot, Revision};
use policy_lint::source::{Snapshot, WorkTree};

use crate::args::{Cli, Deny, Format, LintArgs};
use crate::{Failure, project, use_color};

impl From<GitError> for Failure {
    fn from(error: GitError) -> Self {
        Failure::usage(error.to_string())
    }
}

pub fn run(cli: &Cli, args: &LintArgs) -> Result<u8, Failure> {
    if args.head.is_some() && args.base.is_none() {
        return Err(Failure::usage("--head needs --base"));
    }
    let mut project = project::open(cli)?;
    let workspace = if args.staged || args.base.is_some() {
        load_change(cli, args, &mut project)?
    } else {
        load_tree(&project)
    };
    if !args.paths.is_empty() {
        let under = features_under(cli, &project, &workspace, &args.paths)?;
        project.settings.report_on = Some(match project.settings.report_on.take() {
            Some(touched) => touched.intersection(&under).cloned().collect(),
            None => under,
        });
    }
    let mut outcome = engine::check(&workspace, &project.settings);
    outcome.diagnostics.append(&mut project.config_diagnostics);
    diagnostic::sort(&mut outcome.diagnostics);

    let format = args.format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
            Format::Github
        } else {
            Format::Human
        }
    });
    match format {
        Format::Human => {
            let width = std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(100);
            eprint!(
                "{}",
                report::human::render(&outcome, use_color(cli.color), width)
            );
        }
        Format::Json => print!("{}", report::json::render(&outcome)),
        Format::Sarif => print!("{}", report::sarif::render(&outcome, &workspace.policies)),
        Format::Github => {
            print!("{}", report::github::render(&outcome));
            eprintln!("{}", report::summary_line(&outcome));
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                append_step_summary(&path, &report::github::summary_markdown(&outcome));
            }
        }
    }
    let code = exit_code(&outcome, args.deny);
    // The process exits next: freeing every parsed file and diagnostic one
    // by one would only delay the exit (tens of milliseconds on a large
    // repository), so the memory goes back with the process.
    std::mem::forget(outcome);
    std::mem::forget(workspace);
    Ok(code)
}

/// Appends to the job summary file; never truncates what earlier steps
/// wrote. A summary that cannot be written is worth a warning, not a failed
/// check.
fn append_step_summary(path: &std::ffi::OsStr, markdown: &str) {
    use std::io::Write;
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(markdown.as_bytes()));
    if let Err(error) = written {
        eprintln!(
            "warning: cannot append to GITHUB_STEP_SUMMARY `{}`: {error}",
            std::path::Path::new(path).display()
        );
    }
}

pub fn exit_code(outcome: &engine::Outcome, deny: Option<Deny>) -> u8 {
    if outcome.has_config_errors() {
        2
    } else if outcome.count(Severity::Error) > 0
        || (deny == Some(Deny::Warnings) && outcome.count(Severity::Warning) > 0)
    {
        1
    } else {
        0
    }
}

/// Tree mode: the working tree, every feature. Authorship comes from one
/// walk of history for every sign-off and waiver; files not yet committed
/// are checked against the identity about to commit.
fn load_tree(project: &project::Project) -> Workspace {
    let tree = WorkTree::new(&project.repo_root);
    let config = &project.settings.config;
    let listing = workspace::list(&tree, &tree, &project.settings.prefix, config, None);
    let listed = listing.authored_paths();
    if !config.verify_authors || listed.is_empty() {
        return workspace::parse(listing, &tree, &tree, config.clone());
    }
    // History is read while the files are parsed: the paths are known from
    // the listing, and the two share nothing.
    let (mut workspace, history) = std::thread::scope(|scope| {
        let history = scope.spawn(|| tree_history(project, &listed));
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
}

fn tree_history(project: &project::Project, paths: &BTreeSet<String>) -> Result<History, String> {
    let git = match Git::open() {
        Ok(git) => git,
        Err(GitError::NotARepository) => return Err("not a git repository".into()),
        Err(e) => return Err(e.to_string()),
    };
    if std::fs::canonicalize(git.workdir()).ok() != std::fs::canonicalize(&project.repo_root).ok() {
        return Err("the repository found from here is not the one being checked".into());
    }
    let mut history = History::default();
    let uncommitted = git.uncommitted_paths(paths).map_err(|e| e.to_string())?;
    let head = git.head().map_err(|e| e.to_string())?;
    let committed: BTreeSet<String> = paths.difference(&uncommitted).cloned().collect();
    if let Some(head) = head {
        for (path, change) in git
            .last_changes(&committed, head, None)
            .map_err(|e| e.to_string())?
        {
            history.authors.insert(path, committed_by(change));
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
                        Author {
                            email: email.clone(),
                            source: "uncommitted changes (the identity about to commit)".into(),
                        },
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
        .flatten()
        .map(|s| s.file.path.clone())
        .chain(workspace.waivers.iter().map(|w| w.file.path.clone()))
        .collect()
}

/// Staged and range modes.
fn load_change(
    cli: &Cli,
    args: &LintArgs,
    project: &mut project::Project,
) -> Result<Workspace, Failure> {
    let git = Arc::new(Git::open()?);
    let prefix = project.settings.prefix.clone();
    let config_path = format!("{prefix}policy.toml");

    // Decide the two sides: what is checked, and the base it is judged against.
    let (checked, base_revision, config_source): (GitSnapshot, Option<Revision>, Option<Revision>) =
        if args.staged {
            let head = git.head()?;
            (git.index_snapshot()?, head, None)
        } else {
            let base_name = args.base.as_deref().unwrap_or_default();
            let head_name = args.head.as_deref().unwrap_or("HEAD");
            let head = if head_name == "HEAD" {
                git.head()?.ok_or(GitError::UnbornHead)?
            } else {
                git.resolve(head_name)?
            };
            let base = git.resolve(base_name)?;
            let merge_base = git.merge_base((base_name, base), (head_name, head))?;
            (
                git.commit_snapshot(head)?,
                Some(merge_base),
                Some(merge_base),
            )
        };

    // The configuration is read from the same place as the policies: the
    // index in staged mode, the merge-base in range mode, so a change cannot
    // add its author to a role that judges it. An explicit --config wins.
    if cli.config.is_none() {
        let config_snapshot: Option<GitSnapshot> = match config_source {
            Some(revision) => Some(git.commit_snapshot(revision)?),
            None => None,
        };
        let source: &dyn Snapshot = match &config_snapshot {
            Some(s) => s,
            None => &checked,
        };
        let (config, diagnostics) = match source.read(&config_path) {
            Ok(bytes) => match decode(&config_path, bytes) {
                Ok(file) => Config::parse(&file),
                Err(mut d) => {
                    d.config = true;
                    (Config::default(), vec![d])
                }
            },
            Err(_) => (Config::default(), Vec::new()),
        };
        project.settings.config = config;
        project.config_diagnostics = diagnostics;
    }
    let config = project.settings.config.clone();
    let base_snapshot = match base_revision {
        Some(revision) => Some(git.commit_snapshot(revision)?),
        None => None,
    };

    let listing_bases: Vec<String> = workspace::glob_bases(&all_globs(&config))
        .into_iter()
        .map(|b| format!("{prefix}{b}"))
        .collect();
    let changed = git.changed_paths(
        base_revision,
        if args.staged {
            None
        } else {
            Some(head_of(&git, args)?)
        },
        &listing_bases,
    )?;

    // Touched features: a file in the feature's directory changed, a waiver
    // naming it changed, or a playbook it follows changed.
    let feature_globs = workspace::globset(&config.paths.features);
    // The feature directory of a changed path: the nearest ancestor holding
    // a manifest. Only those directories are read, never a full listing.
    let feature_dir_of = |path: &str| -> Option<String> {
        let mut dir = path;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            let is_feature = checked.list_dir(parent).iter().any(|name| {
                let candidate = format!("{parent}/{name}");
                feature_globs.is_match(candidate.strip_prefix(&prefix).unwrap_or(&candidate))
            });
            if is_feature {
                return Some(parent.to_string());
            }
            dir = parent;
        }
        None
    };
    let mut touched_dirs = BTreeSet::new();
    let mut named_ids = BTreeSet::new();
    let mut playbook_changed = false;
    let waiver_globs = workspace::globset(&config.paths.waivers);
    let playbook_globs = workspace::globset(&config.paths.playbooks);
    for path in &changed {
        let relative = path.strip_prefix(&prefix).unwrap_or(path);
        if let Some(dir) = feature_dir_of(path) {
            touched_dirs.insert(dir);
        }
        if waiver_globs.is_match(relative) {
            for side in [
                Some(&checked as &dyn Snapshot),
                base_snapshot.as_ref().map(|s| s as &dyn Snapshot),
            ]
            .into_iter()
            .flatten()
            {
                if let Ok(bytes) = side.read(path)
                    && let Ok(file) = decode(path, bytes)
                    && let (Some(waiver), _) = parse_waiver(&file)
                {
                    named_ids.insert(waiver.feature);
                }
            }
        }
        if playbook_globs.is_match(relative) {
            playbook_changed = true;
        }
    }
    let load_all = args.all || playbook_changed || !named_ids.is_empty();
    let only = (!load_all).then_some(&touched_dirs);

    let policy_snapshot: &dyn Snapshot = match (&base_snapshot, args.staged) {
        (Some(base), false) => base,
        _ => &checked,
    };
    let mut workspace =
        workspace::load_with(&checked, policy_snapshot, &prefix, config.clone(), only);
    if !args.staged {
        // The change's own version of the policies, checked but not in force.
        let head_policies = workspace::load_with(
            &checked,
            &checked,
            &prefix,
            config.clone(),
            Some(&BTreeSet::new()),
        );
        workspace.checked_policies = head_policies
            .policies
            .into_iter()
            .filter(|p| !p.builtin)
            .collect();
        workspace.policy_signoffs = head_policies.policy_signoffs;
    }
    let loaded_dirs: BTreeSet<String> = workspace.features.iter().map(|f| f.dir.clone()).collect();
    if let Some(base_snapshot) = &base_snapshot {
        workspace.base = Some(Workspace::load_base(
            base_snapshot,
            &prefix,
            &config,
            &loaded_dirs,
            changed.clone(),
        ));
    } else {
        // Unborn HEAD in staged mode: everything staged is new.
        workspace.base = Some(workspace::Base {
            changed: changed.clone(),
            ..Default::default()
        });
    }

    // Which features to report on.
    if !args.all {
        let changed_playbooks: BTreeSet<&str> = workspace
            .playbooks
            .iter()
            .filter(|p| changed.contains(&p.file.path))
            .map(|p| p.id.as_str())
            .collect();
        let report: BTreeSet<String> = workspace
            .features
            .iter()
            .filter(|f| {
                touched_dirs.contains(&f.dir)
                    || f.playbooks
                        .iter()
                        .any(|r| changed_playbooks.contains(r.id.as_str()))
            })
            .map(|f| f.id.clone())
            .collect();
        project.settings.report_on = Some(report);
    }

    // Authorship of the sign-off and waiver files this change adds or edits.
    if config.verify_authors {
        let present = authored_paths(&workspace);
        let to_verify: BTreeSet<String> = present.intersection(&changed).cloned().collect();
        let mut history = History::default();
        if args.staged {
            match git.identity() {
                Some(email) => {
                    for path in to_verify {
                        history.authors.insert(
                            path,
                            Author {
                                email: email.clone(),
                                source: "the commit being made".into(),
                            },
                        );
                    }
                }
                None => {
                    for path in to_verify {
                        history.unverified.push((
                            path,
                            "no git identity is configured (GIT_AUTHOR_EMAIL or user.email)".into(),
                        ));
                    }
                }
            }
        } else if let Some(merge_base) = base_revision {
            let head = head_of(&git, args)?;
            for (path, change) in git.last_changes(&to_verify, head, Some(merge_base))? {
                history.authors.insert(path, committed_by(change));
            }
        }
        let signoff_like = |p: &str| p.contains("/signoffs/") && p.ends_with(".toml");
        history.removed_signoffs = changed
            .iter()
            .filter(|p| signoff_like(p) && checked.read(p).is_err())
            .cloned()
            .collect();
        workspace.history = history;
    }
    Ok(workspace)
}

fn head_of(git: &Git, args: &LintArgs) -> Result<Revision, Failure> {
    let head_name = args.head.as_deref().unwrap_or("HEAD");
    Ok(if head_name == "HEAD" {
        git.head()?.ok_or(GitError::UnbornHead)?
    } else {
        git.resolve(head_name)?
    })
}

fn all_globs(config: &Config) -> Vec<String> {
    [
        &config.paths.features,
        &config.paths.playbooks,
        &config.paths.policies,
        &config.paths.waivers,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .chain(["policies/signoffs/*/*.toml".to_string()])
    .collect()
}

/// Feature ids whose manifest lies under one of `paths` (given relative to
/// the directory the command runs in).
fn features_under(
    cli: &Cli,
    project: &project::Project,
    workspace: &Workspace,
    paths: &[std::path::PathBuf],
) -> Result<BTreeSet<String>, Failure> {
    let start = project::start_dir(cli)?;
    let mut prefixes = Vec::new();
    for path in paths {
        let full = start.join(path);
        let full = std::fs::canonicalize(&full)
            .map_err(|e| Failure::usage(format!("cannot use path `{}`: {e}", path.display())))?;
        let relative = full.strip_prefix(&project.repo_root).map_err(|_| {
            Failure::usage(format!(
                "path `{}` is outside the repository",
                path.display()
            ))
        })?;
        prefixes.push(relative.to_string_lossy().replace('\\', "/"));
    }
    Ok(workspace
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

/// The author of a commit as evidence for the authorship check.
fn committed_by(change: policy_lint::source::git::LastChange) -> Author {
    Author {
        email: change.email,
        source: format!("commit {} (\"{}\")", change.commit, change.summary),
    }
}
