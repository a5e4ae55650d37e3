//! The audit trail (`policy audit`): one walk of the history of HEAD that
//! lists every event on sign-offs, waivers, policies, the configuration,
//! feature stages and debt, each with the commit that made it, the author,
//! what the commit's signature proves and whether the author was a member
//! of the role under the configuration *of that commit*; and the gate KPIs
//! per quarter computed from the same events.
//!
//! Which commits: every commit reachable from HEAD (merged branches
//! included, like `git log`), oldest first: parents before children, and
//! among unrelated commits the older committer time first. An event
//! belongs to the commit that *introduces* the content (its entry differs
//! from the path in every parent, see [`Git::history`]): a merge that takes
//! a file from one side reports nothing, the commit on that side already
//! did; a merge that resolves a conflict reports what it wrote. Dates are
//! committer times in UTC, the time git's own `--since` filters by and
//! signatures are judged at.
//!
//! What a commit governs (globs, `digest_excludes`) comes from its own
//! `policy.toml`. Who may sign comes from the judge in force *before* it,
//! as in a pull-request check (DESIGN §3.1): role membership and the
//! allowed-signers file are read from [`HistoryCommit::judge`] (the first
//! parent on the first-parent line, the merge-base of a merge's parents
//! for the commits it brought in, the root commit's own tree), so a branch
//! that adds its author to a role, or its own key to the allowed signers,
//! and signs is not shown as a member or as verified. Each file is
//! parsed once per distinct content.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use globset::GlobSet;
use jiff::civil::Date;
use rayon::prelude::*;

use crate::diagnostic::SourceFile;
use crate::model::allowed_signers::{AllowedSigners, Verdict, principal_matches};
use crate::model::config::Config;
use crate::model::debt::{Debt, parse_debt};
use crate::model::digest::digest_file;
use crate::model::read::{decode, parse_toml};
use crate::model::signoff::{Signoff, Waiver, parse_signoff, parse_waiver};
use crate::model::workspace::{PLAYBOOK_SIGNOFFS, POLICY_SIGNOFFS, glob_bases, globset};
use crate::source::Snapshot;
use crate::source::git::{BlobId, ChangedPath, Git, GitSnapshot, HistoryCommit};

/// What to audit.
#[derive(Clone, Debug)]
pub struct Request {
    /// The directory the command runs in (absolute).
    pub run_dir: PathBuf,
    /// `--config PATH`: only its location matters (the project root); each
    /// commit's own `policy.toml` says what it governs, and its first
    /// parent's who was a member of which role.
    pub config: Option<PathBuf>,
    /// Report events from this day on (UTC, inclusive).
    pub since: Option<Date>,
    /// Report events up to this day (UTC, inclusive).
    pub until: Option<Date>,
    /// A waiver counts as expired once its `expires` day is before this
    /// date and before `until`.
    pub today: Date,
}

/// Why the history cannot be audited (exit code 2); the message says what
/// to do.
#[derive(Debug)]
pub struct AuditError(pub String);

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The audit: events oldest first, and KPIs per quarter.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Audit {
    /// The commit audited (full id).
    pub head: String,
    /// `--since` / `--until` as given (`YYYY-MM-DD`), or `null`.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Commits walked (the whole history of HEAD).
    pub commits: usize,
    pub events: Vec<Event>,
    /// One entry per quarter, from the first to the last quarter with an
    /// event (or a waiver expiry) inside the window; oldest first.
    pub kpis: Vec<QuarterKpis>,
}

/// What an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A sign-off file: a feature's, a policy's, a playbook's, or one on
    /// a change of `policy.toml` or of the allowed-signers file.
    Signoff,
    Waiver,
    Policy,
    /// `policy.toml` or the allowed-signers file.
    Config,
    /// A feature manifest's `stage`: added (a new feature), changed,
    /// removed (the manifest deleted).
    Stage,
    /// A change of a feature manifest's meaning (its digest, without
    /// `digest_excludes`): what makes sign-offs stale.
    Feature,
    /// A safety debt file (`debt/*.toml`).
    Debt,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Signoff => "signoff",
            Kind::Waiver => "waiver",
            Kind::Policy => "policy",
            Kind::Config => "config",
            Kind::Stage => "stage",
            Kind::Feature => "feature",
            Kind::Debt => "debt",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Added,
    Changed,
    Removed,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Added => "added",
            Action::Changed => "changed",
            Action::Removed => "removed",
        }
    }
}

/// What a commit's signature proves, checked against the allowed-signers
/// file of that commit's tree (`[signoff] allowed_signers`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signed {
    /// An SSH signature that verifies, by a key listed for the author.
    Verified,
    /// An SSH signature that verifies, by a key listed for someone else.
    OtherSigner,
    Unsigned,
    Gpg,
    X509,
    /// A well-formed SSH signature by a key the file does not list.
    UnlistedKey,
    /// The key is listed, but not for the time of signing.
    Expired,
    WrongNamespace,
    /// The signature does not verify or cannot be read.
    Invalid,
    /// An SSH signature, but the commit has no allowed-signers file.
    NoAllowedSigners,
}

impl Signed {
    pub fn as_str(self) -> &'static str {
        match self {
            Signed::Verified => "verified",
            Signed::OtherSigner => "other-signer",
            Signed::Unsigned => "unsigned",
            Signed::Gpg => "gpg",
            Signed::X509 => "x509",
            Signed::UnlistedKey => "unlisted-key",
            Signed::Expired => "expired",
            Signed::WrongNamespace => "wrong-namespace",
            Signed::Invalid => "invalid",
            Signed::NoAllowedSigners => "no-allowed-signers",
        }
    }

    fn from_verdict(verdict: &Verdict, author: &str) -> Signed {
        match verdict {
            Verdict::Valid { principals } if principal_matches(principals, author) => {
                Signed::Verified
            }
            Verdict::Valid { .. } => Signed::OtherSigner,
            Verdict::Unsigned | Verdict::Pending => Signed::Unsigned,
            Verdict::Gpg => Signed::Gpg,
            Verdict::X509 => Signed::X509,
            Verdict::UnlistedKey { .. } => Signed::UnlistedKey,
            Verdict::Expired { .. } => Signed::Expired,
            Verdict::WrongNamespace { .. } => Signed::WrongNamespace,
            Verdict::Invalid { .. } => Signed::Invalid,
            Verdict::NoAllowedSigners { .. } => Signed::NoAllowedSigners,
        }
    }
}

/// One event. The first twelve fields are the CSV columns, in order; the
/// rest are in JSON only. Absent values are `null` in JSON and empty in CSV.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Event {
    /// Committer time, UTC, RFC 3339 (`2026-11-20T12:00:00Z`).
    pub date: String,
    /// The full commit id.
    pub commit: String,
    /// The author's email, as the commit claims it.
    pub author: String,
    pub signed: Signed,
    pub kind: Kind,
    pub action: Action,
    /// Repository-relative, `/`-separated.
    pub path: String,
    /// The feature id (sign-offs on a feature, waivers, stages, feature
    /// changes, debt).
    pub feature: Option<String>,
    /// The role a sign-off speaks for, or the role approving a waiver.
    pub role: Option<String>,
    /// Sign-off: `go`, `no-go`, `conditional` (for `removed`, the decision
    /// withdrawn). Waiver: `waive <RULE> until <DATE>`. Stage: the stage
    /// reached (for `removed`, the last one). Debt: `open` or `resolved`.
    pub decision: Option<String>,
    /// Sign-offs and waivers: whether the author was a member of `role`
    /// in the `policy.toml` of this commit.
    pub member: Option<bool>,
    /// Sign-off: its `policy` field (`launch-gate@1.0.0`). Policy: the
    /// policy's `id@version`.
    pub policy_version: Option<String>,
    /// The commit's subject line.
    pub summary: String,
    /// Sign-off: its `subject` (`feature:x`, `policy:launch-gate`).
    pub subject: Option<String>,
    /// Sign-off: its `signer` field.
    pub signer: Option<String>,
    /// Sign-off: the subject digest it is bound to. Feature change: the
    /// manifest's new digest.
    pub digest: Option<String>,
    /// Feature sign-off (added or changed): whether its digest matches the
    /// feature's manifest in this commit.
    pub fresh: Option<bool>,
    /// Changed and removed events: the decision, stage or version before.
    pub previous: Option<String>,
    /// Feature change: the roles whose sign-offs in this commit no longer
    /// match the manifest (stale by this change or earlier), sorted.
    pub stale_signoffs: Vec<String>,
    /// Waiver: the rule waived and its last day.
    pub rule: Option<String>,
    pub expires: Option<String>,
    /// Why the file's fields could not be read, when they could not.
    pub problem: Option<String>,
    /// Debt events only (absent otherwise): the debt file's fields as the
    /// event leaves them (for `removed`, as they were).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debt: Option<DebtFields>,
}

/// A debt file's fields in an audit event.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DebtFields {
    pub title: String,
    /// An email address.
    pub owner: String,
    pub severity: crate::model::debt::DebtSeverity,
    /// `YYYY-MM-DD`.
    pub due: String,
    /// `YYYY-MM-DD`, once resolved.
    pub resolved: Option<String>,
    /// Changed events whose `due` moved: the `due` before.
    pub previous_due: Option<String>,
}

/// The gate KPIs of one calendar quarter (UTC), counted from the events
/// inside the window.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct QuarterKpis {
    /// `2026-Q4`.
    pub quarter: String,
    /// First and last day.
    pub start: String,
    pub end: String,
    /// Stage events reaching `cleared`, and `launched`.
    pub cleared: usize,
    pub launched: usize,
    /// `cleared + launched`.
    pub gates_cleared: usize,
    /// Over the launches of the quarter: days from the feature's first
    /// `concept` stage to the launch (one decimal), and how many launches
    /// had a `concept` stage to measure from.
    pub median_days_concept_to_launched: Option<f64>,
    pub launches_measured: usize,
    /// Over the stays in `review` that ended in the quarter: days from
    /// entering to leaving `review` (one decimal), and how many.
    pub median_days_in_review: Option<f64>,
    pub review_stays: usize,
    /// Waivers added in the quarter.
    pub waivers_granted: usize,
    /// Waiver versions whose `expires` day falls in the quarter, before
    /// today and `--until`, and that were still in place then (not
    /// removed or replaced before).
    pub waivers_expired: usize,
    /// Debt files added; debt resolved (`resolved` set, or the file
    /// removed while open).
    pub debt_opened: usize,
    pub debt_closed: usize,
}

/// Walks the history of HEAD in the repository around `request.run_dir`
/// and returns its audit.
///
/// Errors: not a git repository, HEAD without commits, a shallow clone, or
/// an unreadable object.
pub fn audit(request: &Request) -> Result<Audit, AuditError> {
    let located = crate::change::locate(&request.run_dir, request.config.as_deref())
        .map_err(|e| AuditError(e.0))?;
    let git = Arc::new(Git::open_at(&located.repo_root).map_err(|e| match e {
        crate::source::git::GitError::NotARepository => AuditError(
            "not a git repository: `policy audit` reads the history of one (run it inside the repository, or pass -C DIR)"
                .into(),
        ),
        other => AuditError(other.to_string()),
    })?);
    let head = git
        .head()
        .map_err(|e| AuditError(e.to_string()))?
        .ok_or_else(|| {
            AuditError(
                "HEAD has no commits yet: there is no history to audit (make a first commit)"
                    .into(),
            )
        })?;
    let prefix = located.prefix.clone();
    let commits = git
        .history(head, std::slice::from_ref(&prefix))
        .map_err(|e| AuditError(e.to_string()))?;
    let mut walker = Walker {
        git: Arc::clone(&git),
        prefix,
        configs: HashMap::new(),
        signers: HashMap::new(),
    };
    let mut prepared = Vec::new();
    for commit in &commits {
        prepared.extend(walker.prepare(commit)?);
    }
    // Reading and parsing the files is independent per change: spread it
    // over threads, then keep history order.
    let work: Vec<(&Prepared<'_>, &ChangedPath, &FileKind)> = prepared
        .iter()
        .flat_map(|p| p.classified.iter().map(move |(c, k)| (p, *c, k)))
        .collect();
    let mut events: Vec<Event> = work
        .par_iter()
        .map(|(prepared, change, kind)| walker.events(prepared, change, kind))
        .collect::<Vec<Vec<Event>>>()
        .into_iter()
        .flatten()
        .collect();
    let in_window = |event: &Event| {
        let day = event_day(event);
        request.since.is_none_or(|s| day >= s) && request.until.is_none_or(|u| day <= u)
    };
    let kpis = kpis(&events, request, &in_window);
    events.retain(|e| in_window(e));
    Ok(Audit {
        head: commits.last().map(|c| c.id.clone()).unwrap_or_default(),
        since: request.since.map(|d| d.to_string()),
        until: request.until.map(|d| d.to_string()),
        commits: commits.len(),
        events,
        kpis,
    })
}

/// The UTC day of an event.
pub fn event_day(event: &Event) -> Date {
    event
        .date
        .get(..10)
        .and_then(|d| d.parse().ok())
        .unwrap_or_default()
}

/// A commit's configuration: the parsed `policy.toml` and the globs that
/// classify its paths.
struct Judge {
    config: Config,
    features: GlobSet,
    feature_bases: Vec<String>,
    waivers: GlobSet,
    policies: GlobSet,
    policy_signoffs: GlobSet,
    playbook_signoffs: GlobSet,
    debt: GlobSet,
}

impl Judge {
    fn new(config: Config) -> Judge {
        Judge {
            features: globset(&config.paths.features),
            feature_bases: glob_bases(&config.paths.features),
            waivers: globset(&config.paths.waivers),
            policies: globset(&config.paths.policies),
            policy_signoffs: globset(&[POLICY_SIGNOFFS.to_string()]),
            playbook_signoffs: globset(&[PLAYBOOK_SIGNOFFS.to_string()]),
            debt: globset(&config.paths.debt),
            config,
        }
    }

    /// What the file at `rel` (relative to the project root) is.
    fn classify(&self, rel: &str) -> Option<FileKind> {
        if rel == CONFIG_NAME || rel == self.config.allowed_signers {
            return Some(FileKind::Config);
        }
        if self.policy_signoffs.is_match(rel) || self.playbook_signoffs.is_match(rel) {
            return Some(FileKind::Signoff { feature_dir: None });
        }
        if self.waivers.is_match(rel) {
            return Some(FileKind::Waiver);
        }
        if self.policies.is_match(rel) {
            return Some(FileKind::Policy);
        }
        if self.features.is_match(rel) {
            return Some(FileKind::Manifest);
        }
        if self.debt.is_match(rel) {
            return Some(FileKind::Debt);
        }
        if let Some((dir, name)) = rel.rsplit_once('/')
            && name.ends_with(".toml")
            && let Some(feature_dir) = dir.strip_suffix("/signoffs")
            && self
                .feature_bases
                .iter()
                .any(|b| b.is_empty() || feature_dir.starts_with(b.as_str()))
        {
            return Some(FileKind::Signoff {
                feature_dir: Some(feature_dir.to_string()),
            });
        }
        None
    }
}

const CONFIG_NAME: &str = "policy.toml";

enum FileKind {
    Config,
    /// `feature_dir`: the feature's directory (relative to the project
    /// root) for a feature's sign-off; `None` for a policy's or playbook's.
    Signoff {
        feature_dir: Option<String>,
    },
    Waiver,
    Policy,
    Manifest,
    Debt,
}

struct Walker {
    git: Arc<Git>,
    prefix: String,
    /// Parsed configurations by the object of `policy.toml` (`None`: no
    /// file, the defaults).
    configs: HashMap<Option<BlobId>, Arc<Judge>>,
    signers: HashMap<Option<BlobId>, Arc<Result<AllowedSigners, String>>>,
}

/// A commit ready for its events: what they share, its judge, its files
/// and its governed changes.
struct Prepared<'c> {
    common: Common<'c>,
    judge: Arc<Judge>,
    /// The configuration in force before the commit (its first parent's):
    /// who was a member of which role.
    roles: Arc<Judge>,
    snapshot: GitSnapshot,
    classified: Vec<(&'c ChangedPath, FileKind)>,
}

/// The event fields every event of one commit shares.
struct Common<'c> {
    commit: &'c HistoryCommit,
    date: String,
    signed: Signed,
}

impl Common<'_> {
    fn event(&self, kind: Kind, action: Action, path: &str) -> Event {
        Event {
            date: self.date.clone(),
            commit: self.commit.id.clone(),
            author: self.commit.info.email.clone(),
            signed: self.signed,
            kind,
            action,
            path: path.to_string(),
            feature: None,
            role: None,
            decision: None,
            member: None,
            policy_version: None,
            summary: self.commit.info.summary.clone(),
            subject: None,
            signer: None,
            digest: None,
            fresh: None,
            previous: None,
            stale_signoffs: Vec::new(),
            rule: None,
            expires: None,
            problem: None,
            debt: None,
        }
    }
}

fn action(change: &ChangedPath) -> Action {
    match (change.old, change.new) {
        (None, _) => Action::Added,
        (_, None) => Action::Removed,
        _ => Action::Changed,
    }
}

impl Walker {
    /// The judge of one commit and its governed changes (sequential: the
    /// configurations and allowed-signers files are cached by content).
    fn prepare<'c>(
        &mut self,
        commit: &'c HistoryCommit,
    ) -> Result<Option<Prepared<'c>>, AuditError> {
        if commit.changes.is_empty() {
            return Ok(None);
        }
        let snapshot = self
            .git
            .history_snapshot(commit.revision)
            .map_err(|e| AuditError(e.to_string()))?;
        let judge = self.judge(&snapshot);
        let mut classified = Vec::new();
        for change in &commit.changes {
            let Some(rel) = change.path.strip_prefix(self.prefix.as_str()) else {
                continue;
            };
            if let Some(kind) = judge.classify(rel) {
                classified.push((change, kind));
            }
        }
        if classified.is_empty() {
            return Ok(None);
        }
        let before = match commit.judge {
            Some(parent) => Some(
                self.git
                    .history_snapshot(parent)
                    .map_err(|e| AuditError(e.to_string()))?,
            ),
            None => None,
        };
        let (roles, signers) = match &before {
            Some(parent) => {
                let roles = self.judge(parent);
                let signers = self.signers(parent, &roles.config);
                (roles, signers)
            }
            None => (Arc::clone(&judge), self.signers(&snapshot, &judge.config)),
        };
        let verdict = crate::change::signature_verdict(&commit.info, &signers);
        Ok(Some(Prepared {
            common: Common {
                commit,
                date: timestamp(commit.info.time),
                signed: Signed::from_verdict(&verdict, &commit.info.email),
            },
            judge,
            roles,
            snapshot,
            classified,
        }))
    }

    /// The events of one governed change (read-only: runs in parallel).
    fn events(&self, prepared: &Prepared<'_>, change: &ChangedPath, kind: &FileKind) -> Vec<Event> {
        let (common, judge, snapshot) = (&prepared.common, &*prepared.judge, &prepared.snapshot);
        let roles = &prepared.roles.config;
        let mut out = Vec::new();
        match kind {
            FileKind::Config => {
                out.push(common.event(Kind::Config, action(change), &change.path));
            }
            FileKind::Signoff { feature_dir } => {
                out.push(self.signoff_event(
                    common,
                    (judge, roles),
                    snapshot,
                    change,
                    feature_dir.clone(),
                ));
            }
            FileKind::Waiver => out.push(self.waiver_event(common, roles, change)),
            FileKind::Policy => out.push(self.policy_event(common, change)),
            FileKind::Manifest => self.manifest_events(common, judge, snapshot, change, &mut out),
            FileKind::Debt => out.push(self.debt_event(common, change)),
        }
        out
    }

    /// The configuration of a commit, parsed once per distinct content.
    fn judge(&mut self, snapshot: &GitSnapshot) -> Arc<Judge> {
        let path = format!("{}{CONFIG_NAME}", self.prefix);
        let blob = snapshot.blob(&path);
        if let Some(known) = self.configs.get(&blob) {
            return Arc::clone(known);
        }
        let config = match blob.map(|b| self.git.read_object(b)) {
            Some(Ok(bytes)) => crate::change::parse_config(&path, bytes).0,
            _ => Config::default(),
        };
        let judge = Arc::new(Judge::new(config));
        self.configs.insert(blob, Arc::clone(&judge));
        judge
    }

    /// The allowed-signers file of a commit, parsed once per content.
    fn signers(
        &mut self,
        snapshot: &GitSnapshot,
        config: &Config,
    ) -> Arc<Result<AllowedSigners, String>> {
        let path = format!("{}{}", self.prefix, config.allowed_signers);
        let blob = snapshot.blob(&path);
        if let Some(known) = self.signers.get(&blob) {
            return Arc::clone(known);
        }
        let parsed = Arc::new(match blob {
            None => Err(format!("the commit has no allowed-signers file `{path}`")),
            Some(blob) => match self.git.read_object(blob) {
                Ok(bytes) => Ok(AllowedSigners::parse(&String::from_utf8_lossy(&bytes))),
                Err(e) => Err(format!("`{path}` cannot be read: {e}")),
            },
        });
        self.signers.insert(blob, Arc::clone(&parsed));
        parsed
    }

    fn read(&self, path: &str, blob: Option<BlobId>) -> Option<Result<Arc<SourceFile>, String>> {
        let blob = blob?;
        Some(
            self.git
                .read_object(blob)
                .map_err(|e| e.to_string())
                .and_then(|bytes| decode(path, bytes).map_err(|d| d.message.clone())),
        )
    }

    fn signoff_event(
        &self,
        common: &Common<'_>,
        (judge, roles): (&Judge, &Config),
        snapshot: &GitSnapshot,
        change: &ChangedPath,
        feature_dir: Option<String>,
    ) -> Event {
        let mut event = common.event(Kind::Signoff, action(change), &change.path);
        let parse = |blob| {
            self.read(&change.path, blob).map(|file| {
                file.and_then(|file| {
                    parse_signoff(&file)
                        .0
                        .ok_or_else(|| "the sign-off's fields cannot be read".to_string())
                })
            })
        };
        let old: Option<Signoff> = parse(change.old).and_then(Result::ok);
        let current = if change.new.is_some() {
            parse(change.new)
        } else {
            parse(change.old)
        };
        let signoff = match current {
            Some(Ok(signoff)) => Some(signoff),
            Some(Err(problem)) => {
                event.problem = Some(problem);
                None
            }
            None => None,
        };
        let role = signoff.as_ref().map(|s| s.role.clone()).or_else(|| {
            change
                .path
                .rsplit('/')
                .next()
                .and_then(|n| n.strip_suffix(".toml"))
                .map(str::to_string)
        });
        event.member = role
            .as_ref()
            .map(|role| roles.is_member(role, &common.commit.info.email));
        event.role = role;
        if let Some(old) = &old
            && change.new.is_some()
        {
            event.previous = Some(old.decision.as_str().to_string());
        }
        if let Some(signoff) = &signoff {
            event.decision = Some(signoff.decision.as_str().to_string());
            event.policy_version = signoff.policy.as_ref().map(|(p, _)| p.clone());
            event.subject = Some(signoff.subject.clone());
            event.signer = Some(signoff.signer.clone());
            event.digest = Some(signoff.digest.clone());
            event.feature = signoff.subject.strip_prefix("feature:").map(str::to_string);
        }
        if let Some(dir) = feature_dir {
            let manifest = self.manifest_in(judge, snapshot, &dir);
            if event.feature.is_none() {
                event.feature = manifest
                    .as_ref()
                    .and_then(|(_, table)| table.get("id"))
                    .and_then(|n| n.value.as_str())
                    .map(str::to_string);
            }
            if change.new.is_some()
                && let (Some(signoff), Some((file, table))) = (&signoff, &manifest)
            {
                let current = digest_file(file, table, &judge.config.digest_excludes);
                event.fresh = Some(signoff.digest == current);
            }
        }
        event
    }

    /// The manifest of the feature in `dir` (relative to the project
    /// root) in this commit, parsed.
    fn manifest_in(
        &self,
        judge: &Judge,
        snapshot: &GitSnapshot,
        dir: &str,
    ) -> Option<(Arc<SourceFile>, crate::model::tree::Table)> {
        let full = format!("{}{dir}", self.prefix);
        let name = snapshot
            .list_dir(&full)
            .into_iter()
            .find(|name| judge.features.is_match(format!("{dir}/{name}")))?;
        let path = format!("{full}/{name}");
        let file = self.read(&path, snapshot.blob(&path))?.ok()?;
        let table = parse_toml(&file).ok()?;
        Some((file, table))
    }

    fn waiver_event(&self, common: &Common<'_>, roles: &Config, change: &ChangedPath) -> Event {
        let mut event = common.event(Kind::Waiver, action(change), &change.path);
        let parse = |blob| {
            self.read(&change.path, blob).map(|file| {
                file.and_then(|file| {
                    parse_waiver(&file)
                        .0
                        .ok_or_else(|| "the waiver's fields cannot be read".to_string())
                })
            })
        };
        let describe = |w: &Waiver| format!("waive {} until {}", w.rule, w.expires);
        if change.new.is_some()
            && let Some(Ok(old)) = parse(change.old)
        {
            event.previous = Some(describe(&old));
        }
        let current = if change.new.is_some() {
            parse(change.new)
        } else {
            parse(change.old)
        };
        match current {
            Some(Ok(waiver)) => {
                event.member =
                    Some(roles.is_member(&waiver.approved_by, &common.commit.info.email));
                event.decision = Some(describe(&waiver));
                event.feature = Some(waiver.feature.clone());
                event.role = Some(waiver.approved_by.clone());
                event.rule = Some(waiver.rule.clone());
                event.expires = Some(waiver.expires.to_string());
            }
            Some(Err(problem)) => event.problem = Some(problem),
            None => {}
        }
        event
    }

    fn policy_event(&self, common: &Common<'_>, change: &ChangedPath) -> Event {
        let mut event = common.event(Kind::Policy, action(change), &change.path);
        let version = |blob| -> Option<Result<String, String>> {
            self.read(&change.path, blob).map(|file| {
                file.and_then(|file| {
                    crate::model::policy::parse(&file)
                        .0
                        .map(|p| format!("{}@{}", p.id, p.version.text))
                        .ok_or_else(|| "the policy's fields cannot be read".to_string())
                })
            })
        };
        if change.new.is_some()
            && let Some(Ok(old)) = version(change.old)
        {
            event.previous = Some(old);
        }
        match version(change.new.or(change.old)) {
            Some(Ok(version)) => event.policy_version = Some(version),
            Some(Err(problem)) => event.problem = Some(problem),
            None => {}
        }
        event
    }

    fn debt_event(&self, common: &Common<'_>, change: &ChangedPath) -> Event {
        let mut event = common.event(Kind::Debt, action(change), &change.path);
        // The same model `lint` reads: a file it rejects is a problem here.
        let state = |blob| -> Option<Result<Debt, String>> {
            self.read(&change.path, blob).map(|file| {
                file.and_then(|file| {
                    let (debt, diagnostics) = parse_debt(&file);
                    debt.ok_or_else(|| {
                        diagnostics
                            .first()
                            .map_or_else(|| "not a debt file".to_string(), |d| d.message.clone())
                    })
                })
            })
        };
        let describe = |debt: &Debt| match debt.resolved {
            Some(_) => "resolved".to_string(),
            None => "open".to_string(),
        };
        let before = if change.new.is_some() {
            state(change.old).and_then(Result::ok)
        } else {
            None
        };
        if let Some(before) = &before {
            event.previous = Some(describe(before));
        }
        match state(change.new.or(change.old)) {
            Some(Ok(debt)) => {
                event.feature = Some(debt.feature.clone());
                event.decision = Some(describe(&debt));
                event.debt = Some(DebtFields {
                    title: debt.title.clone(),
                    owner: debt.owner.clone(),
                    severity: debt.severity,
                    due: debt.due.to_string(),
                    resolved: debt.resolved.as_ref().map(|(d, _)| d.to_string()),
                    previous_due: before
                        .as_ref()
                        .filter(|b| b.due != debt.due)
                        .map(|b| b.due.to_string()),
                });
            }
            Some(Err(problem)) => event.problem = Some(problem),
            None => {}
        }
        event
    }

    /// A manifest's events: its stage (added with the feature, changed,
    /// removed with it) and a change of its meaning.
    fn manifest_events(
        &self,
        common: &Common<'_>,
        judge: &Judge,
        snapshot: &GitSnapshot,
        change: &ChangedPath,
        out: &mut Vec<Event>,
    ) {
        let parse = |blob| -> Option<Result<(Arc<SourceFile>, crate::model::tree::Table), String>> {
            self.read(&change.path, blob).map(|file| {
                file.and_then(|file| {
                    let table = parse_toml(&file).map_err(|d| d.message.clone())?;
                    Ok((file, table))
                })
            })
        };
        let field = |table: &crate::model::tree::Table, key: &str| {
            table
                .get(key)
                .and_then(|n| n.value.as_str())
                .map(str::to_string)
        };
        let old = parse(change.old);
        let new = parse(change.new);
        let mut problem = None;
        let mut ok = |side: Option<Result<_, String>>| match side {
            Some(Ok(parsed)) => Some(parsed),
            Some(Err(p)) => {
                problem = Some(p);
                None
            }
            None => None,
        };
        let (old, new) = (ok(old), ok(new));
        let old_stage = old.as_ref().and_then(|(_, t)| field(t, "stage"));
        let new_stage = new.as_ref().and_then(|(_, t)| field(t, "stage"));
        let id = new
            .as_ref()
            .or(old.as_ref())
            .and_then(|(_, t)| field(t, "id"))
            .or_else(|| {
                // The directory names the feature (`id` equals it).
                let dir = change.path.rsplit_once('/')?.0;
                Some(dir.rsplit('/').next().unwrap_or(dir).to_string())
            });
        let action = action(change);
        if old_stage != new_stage || action != Action::Changed {
            let mut event = common.event(Kind::Stage, action, &change.path);
            event.feature = id.clone();
            event.decision = if action == Action::Removed {
                old_stage.clone()
            } else {
                new_stage.clone()
            };
            if action == Action::Changed {
                event.previous = old_stage;
            }
            event.problem = problem.clone();
            out.push(event);
        }
        if let (Some((old_file, old_table)), Some((new_file, new_table))) = (&old, &new) {
            let excludes = &judge.config.digest_excludes;
            let before = digest_file(old_file, old_table, excludes);
            let after = digest_file(new_file, new_table, excludes);
            if before != after {
                let mut event = common.event(Kind::Feature, Action::Changed, &change.path);
                event.feature = id;
                event.previous = Some(before);
                event.stale_signoffs = self.stale_signoffs(snapshot, change, &after);
                event.digest = Some(after);
                out.push(event);
            }
        }
    }

    /// The roles whose sign-offs beside the manifest at `change.path`, in
    /// this commit, are bound to another digest than `digest`.
    fn stale_signoffs(
        &self,
        snapshot: &GitSnapshot,
        change: &ChangedPath,
        digest: &str,
    ) -> Vec<String> {
        let Some((dir, _)) = change.path.rsplit_once('/') else {
            return Vec::new();
        };
        let signoffs = format!("{dir}/signoffs");
        let mut stale: Vec<String> = snapshot
            .list_dir(&signoffs)
            .into_iter()
            .filter(|name| name.ends_with(".toml"))
            .filter_map(|name| {
                let path = format!("{signoffs}/{name}");
                let file = self.read(&path, snapshot.blob(&path))?.ok()?;
                let signoff = parse_signoff(&file).0?;
                (signoff.digest != digest).then_some(signoff.role)
            })
            .collect();
        stale.sort();
        stale.dedup();
        stale
    }
}

/// `2026-11-20T12:00:00Z` for seconds since the epoch.
fn timestamp(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// Seconds since the epoch of an event's date.
fn seconds(event: &Event) -> i64 {
    event
        .date
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .unwrap_or_default()
}

/// `(year, quarter 1-4)` of a day.
fn quarter_of(day: Date) -> (i16, i8) {
    (day.year(), (day.month() - 1) / 3 + 1)
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    let value = if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    };
    Some((value * 10.0).round() / 10.0)
}

fn days_between(from: i64, to: i64) -> f64 {
    (to - from) as f64 / 86_400.0
}

/// The KPIs per quarter from every event of the walk (durations reach
/// back before `--since`); only what happens inside the window counts.
fn kpis(
    events: &[Event],
    request: &Request,
    in_window: &dyn Fn(&Event) -> bool,
) -> Vec<QuarterKpis> {
    let mut quarters: BTreeMap<(i16, i8), QuarterKpis> = BTreeMap::new();
    let mut concept_to_launch: BTreeMap<(i16, i8), Vec<f64>> = BTreeMap::new();
    let mut in_review: BTreeMap<(i16, i8), Vec<f64>> = BTreeMap::new();
    // Per feature: when it first reached `concept`, and since when it is
    // in `review`.
    let mut concept_since: HashMap<String, i64> = HashMap::new();
    let mut review_since: HashMap<String, i64> = HashMap::new();
    // Per waiver path: the version in place (its expiry) and since when.
    let mut waiver_versions: Vec<(String, Date, i64, Option<i64>)> = Vec::new();
    let mut waiver_current: HashMap<String, usize> = HashMap::new();
    for event in events {
        let day = event_day(event);
        let time = seconds(event);
        let counted = in_window(event);
        if counted {
            // Every quarter with events is listed, even with nothing to count.
            at_quarter(&mut quarters, quarter_of(day));
        }
        match event.kind {
            Kind::Stage => {
                let Some(feature) = &event.feature else {
                    continue;
                };
                let reached = (event.action != Action::Removed)
                    .then_some(event.decision.as_deref())
                    .flatten();
                // Leaving `review` ends a stay (counted in the quarter it
                // ends in).
                if reached != Some("review")
                    && let Some(entered) = review_since.remove(feature)
                    && counted
                {
                    in_review
                        .entry(quarter_of(day))
                        .or_default()
                        .push(days_between(entered, time));
                }
                match reached {
                    Some("concept") => {
                        concept_since.entry(feature.clone()).or_insert(time);
                    }
                    Some("review") => {
                        review_since.entry(feature.clone()).or_insert(time);
                    }
                    Some("cleared") if counted => {
                        at_quarter(&mut quarters, quarter_of(day)).cleared += 1
                    }
                    Some("launched") if counted => {
                        at_quarter(&mut quarters, quarter_of(day)).launched += 1;
                        if let Some(start) = concept_since.get(feature) {
                            concept_to_launch
                                .entry(quarter_of(day))
                                .or_default()
                                .push(days_between(*start, time));
                        }
                    }
                    _ => {}
                }
            }
            Kind::Waiver => {
                if let Some(previous) = waiver_current.remove(&event.path) {
                    waiver_versions[previous].3 = Some(time);
                }
                if event.action != Action::Removed
                    && let Some(expires) = event.expires.as_deref().and_then(|e| e.parse().ok())
                {
                    waiver_current.insert(event.path.clone(), waiver_versions.len());
                    waiver_versions.push((event.path.clone(), expires, time, None));
                }
                if event.action == Action::Added && counted {
                    at_quarter(&mut quarters, quarter_of(day)).waivers_granted += 1;
                }
            }
            Kind::Debt if counted => match (event.action, event.decision.as_deref()) {
                (Action::Added, Some("open") | None) => {
                    at_quarter(&mut quarters, quarter_of(day)).debt_opened += 1
                }
                (Action::Added, Some("resolved")) => {
                    at_quarter(&mut quarters, quarter_of(day)).debt_opened += 1;
                    at_quarter(&mut quarters, quarter_of(day)).debt_closed += 1;
                }
                (Action::Changed, Some("resolved"))
                    if event.previous.as_deref() == Some("open") =>
                {
                    at_quarter(&mut quarters, quarter_of(day)).debt_closed += 1;
                }
                (Action::Removed, Some("open")) => {
                    at_quarter(&mut quarters, quarter_of(day)).debt_closed += 1
                }
                _ => {}
            },
            _ => {}
        }
    }
    let cutoff = match request.until {
        Some(until) if until < request.today => until,
        _ => request.today,
    };
    for (_, expires, _, ended) in &waiver_versions {
        // In place through its last day: not removed or replaced before.
        let lasted = ended.is_none_or(|end| {
            jiff::Timestamp::from_second(end)
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date() > *expires)
                .unwrap_or(true)
        });
        let in_range = request.since.is_none_or(|s| *expires >= s);
        if lasted && *expires < cutoff && in_range {
            at_quarter(&mut quarters, quarter_of(*expires)).waivers_expired += 1;
        }
    }
    for (quarter, values) in concept_to_launch {
        let entry = at_quarter(&mut quarters, quarter);
        entry.launches_measured = values.len();
        entry.median_days_concept_to_launched = median(values);
    }
    for (quarter, values) in in_review {
        let entry = at_quarter(&mut quarters, quarter);
        entry.review_stays = values.len();
        entry.median_days_in_review = median(values);
    }
    // Every quarter from the first to the last, empty ones included.
    let (Some(first), Some(last)) = (
        quarters.keys().next().copied(),
        quarters.keys().next_back().copied(),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut quarter = first;
    while quarter <= last {
        let mut entry = quarters.remove(&quarter).unwrap_or_default();
        let (year, q) = quarter;
        let start = Date::new(year, (q - 1) * 3 + 1, 1).unwrap_or_default();
        let end = start
            .checked_add(jiff::Span::new().months(3))
            .and_then(|d| d.checked_sub(jiff::Span::new().days(1)))
            .unwrap_or(start);
        entry.quarter = format!("{year}-Q{q}");
        entry.start = start.to_string();
        entry.end = end.to_string();
        entry.gates_cleared = entry.cleared + entry.launched;
        out.push(entry);
        quarter = if q == 4 { (year + 1, 1) } else { (year, q + 1) };
    }
    out
}

fn at_quarter(quarters: &mut BTreeMap<(i16, i8), QuarterKpis>, key: (i16, i8)) -> &mut QuarterKpis {
    quarters.entry(key).or_default()
}
