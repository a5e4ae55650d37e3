//! Loading a whole repository snapshot: list once, classify paths by the
//! configured globs, read and parse files in parallel, and keep every problem
//! as a diagnostic.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::config::Config;
use crate::model::debt::{self, Debt};
use crate::model::feature::{self, Feature};
use crate::model::playbook::{self, Playbook};
use crate::model::policy::{self, Policy};
use crate::model::read::{decode, parse_toml};
use crate::model::signoff::{self, Signoff, Waiver};
use crate::rules::codes;
use crate::source::{EntryKind, ReadError, Snapshot, SnapshotEntry};

/// Where the policies in force came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicySource {
    Repository,
    BuiltIn,
}

#[derive(Debug)]
pub struct Workspace {
    pub config: Config,
    /// Sorted by manifest path.
    pub features: Vec<Feature>,
    /// Sorted by path.
    pub playbooks: Vec<Playbook>,
    /// Sorted by path.
    pub policies: Vec<Policy>,
    pub policy_source: PolicySource,
    /// Sign-offs by the directory of the feature they sit beside.
    pub feature_signoffs: BTreeMap<String, Vec<Signoff>>,
    /// Sign-offs of policies, by policy id (from their directory).
    pub policy_signoffs: BTreeMap<String, Vec<Signoff>>,
    /// Sign-offs of playbooks (`playbooks/signoffs/<id>/<role>.toml`), by
    /// playbook id.
    pub playbook_signoffs: BTreeMap<String, Vec<Signoff>>,
    pub waivers: Vec<Waiver>,
    /// Safety debt files (`[paths] debt`), sorted by path.
    pub debts: Vec<Debt>,
    /// Every directory holding a manifest, parsed or not.
    pub feature_dirs: BTreeSet<String>,
    /// Only some manifests were loaded (a change's touched features): what
    /// is not loaded may still exist, so it cannot be judged absent.
    pub partial: bool,
    /// The content the change is judged against (git modes only).
    pub base: Option<Base>,
    /// In range mode, the policies as the change leaves them (the ones in
    /// force are the base's); checked for version bumps and owner sign-offs.
    pub checked_policies: Vec<Policy>,
    /// In range mode, the change's own `policy.toml` when it changed: the
    /// roles that will judge its own policies once it lands.
    pub checked_config: Option<Config>,
    /// Problems of the change's own versions of files that are not in force
    /// (its policies in range mode): errors of the change, not of the
    /// configuration.
    pub change_diagnostics: Vec<Diagnostic>,
    pub history: History,
    pub diagnostics: Vec<Diagnostic>,
}

/// The base revision's content: the merge-base in range mode, HEAD in
/// staged mode. The base is trusted: it passed when it merged.
#[derive(Debug, Default)]
pub struct Base {
    /// Manifests at the base that the change modified, moved or deleted,
    /// by path (the same path as in the checked content). A manifest the
    /// change did not modify is the same at the base: see
    /// [`Workspace::base_table`].
    pub features: BTreeMap<String, Arc<crate::model::tree::Table>>,
    pub policies: Vec<Policy>,
    pub playbooks: Vec<Playbook>,
    /// Paths the change modified, added or deleted.
    pub changed: BTreeSet<String>,
    /// The base holds neither `policy.toml` nor policies: the change adopts
    /// policy checking, and adding policies needs nobody's sign-off yet.
    pub adopting: bool,
    /// In range mode, when the change edits or deletes the `policy.toml` in
    /// force: its path and the new content (`None`: deleted).
    pub config_change: Option<(String, Option<Arc<SourceFile>>)>,
    /// In range mode, when the change edits or deletes the allowed-signers
    /// file: its path, the base's content and the new content.
    pub signers_change: Option<FileChange>,
    /// The safety debt at the base: a change that deletes an open debt
    /// file has not resolved it.
    pub debts: Vec<Debt>,
}

/// A file of the judge that a change edits: its path, its content at the
/// base and in the change (`None`: absent on that side).
pub type FileChange = (String, Option<Arc<SourceFile>>, Option<Arc<SourceFile>>);

/// Where the sign-offs on a change of `policy.toml` live, as a policy id
/// under `policies/signoffs/` (`_config/<role>.toml`), and their subject.
pub const CONFIG_SIGNOFF_ID: &str = "_config";
pub const CONFIG_SUBJECT: &str = "config";
/// The same for a change of the allowed-signers file.
pub const SIGNERS_SIGNOFF_ID: &str = "_allowed_signers";
pub const SIGNERS_SUBJECT: &str = "allowed-signers";

/// What git history says about who wrote sign-off and waiver files.
#[derive(Debug, Default)]
pub struct History {
    /// For each file verified, the commits that wrote its content: in tree
    /// mode the one that introduced the current content; in range mode every
    /// commit of the range that introduced content to it. Each must be by a
    /// member of the file's role.
    pub authors: BTreeMap<String, Vec<Author>>,
    /// Files changed by the change whose content no commit of the range
    /// introduces and the base does not hold (say, an old version merged
    /// back in): authorship cannot be established, so they do not count.
    pub unaccounted: Vec<(String, String)>,
    /// Why authorship could not be checked at all, when it could not.
    pub unavailable: Option<String>,
    /// Files verified but with no identity to check against.
    pub unverified: Vec<(String, String)>,
    /// Sign-off files deleted by the change.
    pub removed_signoffs: Vec<String>,
    /// Who wrote the content that sign-offs approve (a feature's manifest,
    /// a changed policy or playbook), by its path: lowercased emails of the
    /// commits that introduced it, or of the identity about to commit it.
    pub content_authors: BTreeMap<String, Vec<String>>,
    /// Content that sign-offs approve (by path, as in `content_authors`)
    /// whose author cannot be determined in a change (staged and range
    /// modes): a sign-off on it does not count under `no_self_approval`.
    pub content_unknown: BTreeMap<String, UnknownAuthor>,
    /// For stale sign-offs: the manifest as it was when signed (found in
    /// history by the sign-off's digest), by sign-off path.
    pub signed_content: BTreeMap<String, Arc<crate::model::tree::Table>>,
}

/// Why the author of content a sign-off approves cannot be determined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownAuthor {
    /// Why, worded to follow "could not be determined:".
    pub why: String,
    /// What to do about it.
    pub help: String,
}

#[derive(Clone, Debug)]
pub struct Author {
    pub email: String,
    /// `commit 1a2b3c4d5e ("summary")`, or `the commit being made`.
    pub source: String,
    /// With `[signoff] require_signed`: what the commit's signature proves.
    pub signature: Option<crate::model::allowed_signers::Verdict>,
}

impl Workspace {
    /// The manifest `feature` had at the base (bound as `base` in CEL):
    /// `None` for a new feature, or when the run has no base.
    pub fn base_table<'a>(
        &'a self,
        feature: &'a crate::model::feature::Feature,
    ) -> Option<&'a crate::model::tree::Table> {
        let base = self.base.as_ref()?;
        match base.features.get(&feature.file.path) {
            Some(table) => Some(table.as_ref()),
            None if !base.changed.contains(&feature.file.path) => Some(feature.table.as_ref()),
            None => None,
        }
    }

    /// Parses the base revision's policies, playbooks and the manifests at
    /// `manifest_paths`; problems in the base are ignored (it is trusted).
    pub fn load_base(
        snapshot: &dyn Snapshot,
        prefix: &str,
        config: &Config,
        feature_dirs: &BTreeSet<String>,
        changed: BTreeSet<String>,
    ) -> Base {
        let loaded = load_with(
            snapshot,
            snapshot,
            prefix,
            config.clone(),
            Some(feature_dirs),
        );
        Base {
            features: loaded
                .features
                .into_iter()
                .map(|f| (f.file.path.clone(), f.table))
                .collect(),
            policies: loaded.policies.into_iter().filter(|p| !p.builtin).collect(),
            playbooks: loaded.playbooks,
            changed,
            adopting: false,
            config_change: None,
            signers_change: None,
            debts: loaded.debts,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Feature,
    Playbook,
    Policy,
    Waiver,
    Debt,
    FeatureSignoff,
    PolicySignoff,
    PlaybookSignoff,
}

/// Where the sign-offs of policies and playbooks live, relative to the
/// project root: `<dir>/<subject id>/<role>.toml`.
pub const POLICY_SIGNOFFS: &str = "policies/signoffs/*/*.toml";
pub const PLAYBOOK_SIGNOFFS: &str = "playbooks/signoffs/*/*.toml";

/// Compiles path globs into one set; `*` does not cross `/`.
pub fn globset(globs: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        if let Ok(glob) = GlobBuilder::new(glob).literal_separator(true).build() {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// Loads everything. Files come from `snapshot`; policies come from
/// `policy_snapshot` (the merge-base in range mode, else the same snapshot).
pub fn load(
    snapshot: &dyn Snapshot,
    policy_snapshot: &dyn Snapshot,
    prefix: &str,
    config: Config,
) -> Workspace {
    load_with(snapshot, policy_snapshot, prefix, config, None)
}

/// Like [`load`], parsing only the manifests in `only_feature_dirs` when it
/// is given (a change's touched features), so checking a small change in a
/// large repository costs little. Every manifest directory is still listed
/// in [`Workspace::feature_dirs`].
pub fn load_with(
    snapshot: &dyn Snapshot,
    policy_snapshot: &dyn Snapshot,
    prefix: &str,
    config: Config,
    only_feature_dirs: Option<&BTreeSet<String>>,
) -> Workspace {
    let listing = list(
        snapshot,
        policy_snapshot,
        prefix,
        &config,
        only_feature_dirs,
    );
    parse(listing, snapshot, policy_snapshot, config)
}

/// The files a load will read, classified by kind: the first half of
/// [`load_with`]. Callers that need to know which files exist before they
/// are parsed (to look up their history meanwhile) list, then [`parse`].
pub struct Listing {
    classified: Vec<(SnapshotEntry, Kind)>,
    policy_entries: Vec<SnapshotEntry>,
    feature_dirs: BTreeSet<String>,
    partial: bool,
    diagnostics: Vec<Diagnostic>,
}

impl Listing {
    /// The manifests of features that have sign-offs: the content whose
    /// authors may not sign it off.
    pub fn signed_manifests(&self) -> BTreeSet<String> {
        let signed: BTreeSet<&str> = self
            .classified
            .iter()
            .filter(|(_, kind)| *kind == Kind::FeatureSignoff)
            .filter_map(|(entry, _)| entry.path.rsplit_once("/signoffs/").map(|(d, _)| d))
            .collect();
        self.classified
            .iter()
            .filter(|(entry, kind)| {
                *kind == Kind::Feature
                    && entry
                        .path
                        .rsplit_once('/')
                        .is_some_and(|(dir, _)| signed.contains(dir))
            })
            .map(|(entry, _)| entry.path.clone())
            .collect()
    }

    /// The sign-off and waiver files: the ones whose authors are verified.
    /// Links out of the repository are left out: they are never read.
    pub fn authored_paths(&self) -> BTreeSet<String> {
        self.classified
            .iter()
            .filter(|(entry, kind)| {
                matches!(
                    kind,
                    Kind::FeatureSignoff
                        | Kind::PolicySignoff
                        | Kind::PlaybookSignoff
                        | Kind::Waiver
                ) && !matches!(entry.kind, EntryKind::EscapingSymlink { .. })
            })
            .map(|(entry, _)| entry.path.clone())
            .collect()
    }
}

/// Lists and classifies the files of a load; see [`load_with`].
pub fn list(
    snapshot: &dyn Snapshot,
    policy_snapshot: &dyn Snapshot,
    prefix: &str,
    config: &Config,
    only_feature_dirs: Option<&BTreeSet<String>>,
) -> Listing {
    let mut diagnostics = Vec::new();
    // When only some manifests are wanted, list just their directories
    // instead of every directory the feature globs could match.
    let listed_globs: Vec<String> = [
        (only_feature_dirs.is_none()).then_some(&config.paths.features),
        Some(&config.paths.playbooks),
        Some(&config.paths.policies),
        Some(&config.paths.waivers),
        Some(&config.paths.debt),
    ]
    .into_iter()
    .flatten()
    .flatten()
    .cloned()
    .chain([POLICY_SIGNOFFS.to_string(), PLAYBOOK_SIGNOFFS.to_string()])
    .collect();
    let mut bases = glob_bases(&listed_globs);
    if let Some(only) = only_feature_dirs {
        for dir in only {
            let dir = dir.strip_prefix(prefix).unwrap_or(dir);
            bases.push(format!("{dir}/"));
        }
    }
    let mut entries = Vec::new();
    for base in bases {
        match snapshot.list(&format!("{prefix}{base}")) {
            Ok(found) => entries.extend(found),
            Err(error) => diagnostics.push(Diagnostic::new(
                codes::INVALID_ENCODING,
                Severity::Error,
                format!("could not list the {}: {error}", snapshot.describe()),
            )),
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    let relative = |path: &str| path.strip_prefix(prefix).unwrap_or(path).to_string();
    let features = globset(&config.paths.features);
    let playbooks = globset(&config.paths.playbooks);
    let policies = globset(&config.paths.policies);
    let waivers = globset(&config.paths.waivers);
    let debts = globset(&config.paths.debt);
    let policy_signoffs = globset(&[POLICY_SIGNOFFS.to_string()]);
    let playbook_signoffs = globset(&[PLAYBOOK_SIGNOFFS.to_string()]);

    let mut classified: Vec<(SnapshotEntry, Kind)> = Vec::new();
    let mut feature_dirs = BTreeSet::new();
    for entry in &entries {
        if entry.kind.is_indirect() {
            // Anything under a governed directory that is not a plain file
            // is reported and never read, whatever it points at: a linked
            // manifest could otherwise change without its feature changing.
            diagnostics.push(indirect_entry(entry));
            if features.is_match(relative(&entry.path)) {
                // Still a feature of the repository, counted as one.
                let dir = entry.path.rsplit_once('/').map_or("", |(d, _)| d);
                feature_dirs.insert(dir.to_string());
            }
            continue;
        }
        let rel = relative(&entry.path);
        let kind = if features.is_match(&rel) {
            let dir = entry.path.rsplit_once('/').map_or("", |(d, _)| d);
            feature_dirs.insert(dir.to_string());
            if only_feature_dirs.is_some_and(|only| !only.contains(dir)) {
                continue;
            }
            Kind::Feature
        } else if playbooks.is_match(&rel) {
            Kind::Playbook
        } else if waivers.is_match(&rel) {
            Kind::Waiver
        } else if debts.is_match(&rel) {
            Kind::Debt
        } else if policy_signoffs.is_match(&rel) {
            Kind::PolicySignoff
        } else if playbook_signoffs.is_match(&rel) {
            Kind::PlaybookSignoff
        } else {
            continue;
        };
        classified.push((entry.clone(), kind));
    }
    let feature_bases: Vec<String> = glob_bases(&config.paths.features)
        .into_iter()
        .map(|b| format!("{prefix}{b}"))
        .collect();
    let mut orphaned: BTreeSet<&str> = BTreeSet::new();
    for entry in &entries {
        if let Some((dir, name)) = entry.path.rsplit_once('/')
            && name.ends_with(".toml")
            && let Some(feature_dir) = dir.strip_suffix("/signoffs")
        {
            if feature_dirs.contains(feature_dir) {
                if only_feature_dirs.is_none_or(|only| only.contains(feature_dir)) {
                    classified.push((entry.clone(), Kind::FeatureSignoff));
                }
            } else if feature_bases
                .iter()
                .any(|b| b.is_empty() || feature_dir.starts_with(b.as_str()))
                && !entry.kind.is_indirect()
            {
                orphaned.insert(feature_dir);
            }
        }
    }
    for dir in orphaned {
        diagnostics.push(manifest_missing(dir, None));
    }

    // Policies may come from another snapshot (the merge-base).
    let policy_entries: Vec<SnapshotEntry> = if std::ptr::addr_eq(snapshot, policy_snapshot) {
        entries
            .iter()
            .filter(|e| policies.is_match(relative(&e.path)))
            .cloned()
            .collect()
    } else {
        let mut found = Vec::new();
        for base in glob_bases(&config.paths.policies) {
            match policy_snapshot.list(&format!("{prefix}{base}")) {
                Ok(list) => found.extend(
                    list.into_iter()
                        .filter(|e| policies.is_match(relative(&e.path))),
                ),
                Err(error) => diagnostics.push(Diagnostic::new(
                    codes::INVALID_ENCODING,
                    Severity::Error,
                    format!(
                        "could not list policies in the {}: {error}",
                        policy_snapshot.describe()
                    ),
                )),
            }
        }
        found
    };
    Listing {
        classified,
        policy_entries,
        feature_dirs,
        partial: only_feature_dirs.is_some(),
        diagnostics,
    }
}

/// Reads and parses the listed files in parallel: the second half of
/// [`load_with`]. `snapshot` and `policy_snapshot` must be the ones listed.
pub fn parse(
    listing: Listing,
    snapshot: &dyn Snapshot,
    policy_snapshot: &dyn Snapshot,
    config: Config,
) -> Workspace {
    let Listing {
        classified,
        policy_entries,
        feature_dirs,
        partial,
        diagnostics,
    } = listing;

    enum Parsed {
        Feature(Option<Feature>),
        Playbook(Option<Playbook>),
        Policy(Option<Policy>),
        Waiver(Option<Waiver>),
        Debt(Option<Debt>),
        FeatureSignoff(Option<Signoff>),
        PolicySignoff(String, Option<Signoff>),
        PlaybookSignoff(String, Option<Signoff>),
    }

    let read_one = |source: &dyn Snapshot,
                    entry: &SnapshotEntry|
     -> Result<Arc<SourceFile>, Diagnostic> {
        if entry.kind.is_indirect() {
            return Err(indirect_entry(entry));
        }
        match source.read(&entry.path) {
            Ok(bytes) => decode(&entry.path, bytes),
            Err(ReadError::TooLarge { size }) => {
                let file = SourceFile::new(entry.path.clone(), String::new());
                Err(Diagnostic::new(
                    codes::FILE_TOO_LARGE,
                    Severity::Error,
                    format!(
                        "`{}` is {size} bytes, over the {} byte limit",
                        entry.path,
                        crate::source::MAX_FILE_BYTES
                    ),
                )
                .at(&file, 0..0, "")
                .help("manifests, policies and playbooks are small hand-written files; move bulk data elsewhere"))
            }
            Err(ReadError::Io(error)) => {
                let file = SourceFile::new(entry.path.clone(), String::new());
                Err(Diagnostic::new(
                    codes::INVALID_ENCODING,
                    Severity::Error,
                    format!("could not read `{}`: {error}", entry.path),
                )
                .at(&file, 0..0, ""))
            }
        }
    };

    let config_ref = &config;
    let mut work: Vec<(&SnapshotEntry, Kind, bool)> =
        classified.iter().map(|(e, k)| (e, *k, false)).collect();
    work.extend(policy_entries.iter().map(|e| (e, Kind::Policy, true)));
    let results: Vec<(Parsed, Vec<Diagnostic>)> = work
        .par_iter()
        .map(|(entry, kind, from_policy_snapshot)| {
            let source = if *from_policy_snapshot {
                policy_snapshot
            } else {
                snapshot
            };
            let file = match read_one(source, entry) {
                Ok(file) => file,
                Err(mut diagnostic) => {
                    diagnostic.config = *kind == Kind::Policy;
                    let parsed = match kind {
                        Kind::Feature => Parsed::Feature(None),
                        Kind::Playbook => Parsed::Playbook(None),
                        Kind::Policy => Parsed::Policy(None),
                        Kind::Waiver => Parsed::Waiver(None),
                        Kind::Debt => Parsed::Debt(None),
                        Kind::FeatureSignoff => Parsed::FeatureSignoff(None),
                        Kind::PolicySignoff => Parsed::PolicySignoff(String::new(), None),
                        Kind::PlaybookSignoff => Parsed::PlaybookSignoff(String::new(), None),
                    };
                    return (parsed, vec![diagnostic]);
                }
            };
            match kind {
                Kind::Feature => {
                    let dir = entry.path.rsplit_once('/').map_or("", |(d, _)| d);
                    match parse_toml(&file) {
                        Ok(table) => {
                            let (feature, diagnostics) =
                                feature::parse(&file, table, dir, config_ref);
                            (Parsed::Feature(feature), diagnostics)
                        }
                        Err(diagnostic) => (Parsed::Feature(None), vec![diagnostic]),
                    }
                }
                Kind::Playbook => {
                    let (playbook, diagnostics) = playbook::parse(&file);
                    (Parsed::Playbook(playbook), diagnostics)
                }
                Kind::Policy => {
                    let (policy, diagnostics) = policy::parse(&file);
                    (Parsed::Policy(policy), diagnostics)
                }
                Kind::Waiver => {
                    let (waiver, diagnostics) = signoff::parse_waiver(&file);
                    (Parsed::Waiver(waiver), diagnostics)
                }
                Kind::Debt => {
                    let (debt, diagnostics) = debt::parse_debt(&file);
                    (Parsed::Debt(debt), diagnostics)
                }
                Kind::FeatureSignoff => {
                    let (signoff, diagnostics) = signoff::parse_signoff(&file);
                    (Parsed::FeatureSignoff(signoff), diagnostics)
                }
                Kind::PolicySignoff | Kind::PlaybookSignoff => {
                    let id = entry
                        .path
                        .rsplit('/')
                        .nth(1)
                        .unwrap_or_default()
                        .to_string();
                    let (signoff, diagnostics) = signoff::parse_signoff(&file);
                    if *kind == Kind::PolicySignoff {
                        (Parsed::PolicySignoff(id, signoff), diagnostics)
                    } else {
                        (Parsed::PlaybookSignoff(id, signoff), diagnostics)
                    }
                }
            }
        })
        .collect();

    let mut workspace = Workspace {
        config,
        features: Vec::new(),
        playbooks: Vec::new(),
        policies: Vec::new(),
        policy_source: PolicySource::Repository,
        feature_signoffs: BTreeMap::new(),
        policy_signoffs: BTreeMap::new(),
        playbook_signoffs: BTreeMap::new(),
        waivers: Vec::new(),
        debts: Vec::new(),
        feature_dirs,
        partial,
        base: None,
        checked_policies: Vec::new(),
        checked_config: None,
        change_diagnostics: Vec::new(),
        history: History::default(),
        diagnostics,
    };
    for (parsed, diagnostics) in results {
        workspace.diagnostics.extend(diagnostics);
        match parsed {
            Parsed::Feature(Some(f)) => workspace.features.push(f),
            Parsed::Playbook(Some(p)) => workspace.playbooks.push(p),
            Parsed::Policy(Some(p)) => workspace.policies.push(p),
            Parsed::Waiver(Some(w)) => workspace.waivers.push(w),
            Parsed::Debt(Some(d)) => workspace.debts.push(d),
            Parsed::FeatureSignoff(Some(s)) => {
                let dir = s
                    .file
                    .path
                    .rsplit_once("/signoffs/")
                    .map_or(String::new(), |(d, _)| d.to_string());
                workspace.feature_signoffs.entry(dir).or_default().push(s);
            }
            Parsed::PolicySignoff(id, Some(s)) => {
                workspace.policy_signoffs.entry(id).or_default().push(s)
            }
            Parsed::PlaybookSignoff(id, Some(s)) => {
                workspace.playbook_signoffs.entry(id).or_default().push(s)
            }
            _ => {}
        }
    }
    if policy_entries.is_empty() {
        workspace.policy_source = PolicySource::BuiltIn;
        for (name, text) in crate::pack::POLICIES {
            let file = SourceFile::new(crate::pack::display_path(name), *text);
            let (policy, diagnostics) = policy::parse(&file);
            workspace.diagnostics.extend(diagnostics);
            if let Some(mut policy) = policy {
                policy.builtin = true;
                workspace.policies.push(policy);
            }
        }
    }
    workspace
}

/// A feature directory that still holds files but no manifest the
/// features glob matches (`removed`: the manifest's path, when a change
/// deleted or renamed it).
pub fn manifest_missing(dir: &str, removed: Option<&str>) -> Diagnostic {
    let shown = match removed {
        Some(path) => format!("{dir}/ ({path} removed by this change)"),
        None => format!("{dir}/"),
    };
    let file = SourceFile::new(format!("{dir}/"), shown);
    let len = file.text.len();
    Diagnostic::new(
        codes::MANIFEST_MISSING,
        Severity::Error,
        format!("`{dir}` holds a feature's files but no manifest the features glob matches"),
    )
    .at(&file, 0..len, "no manifest")
    .help("restore the manifest (features/<id>/feature.toml), or retire the feature by removing its whole directory")
}

/// The finding for a link or submodule at a governed path: it is shown as
/// `path -> target` (never the target's content) and never read.
pub fn indirect_entry(entry: &SnapshotEntry) -> Diagnostic {
    let (shown, code, message, help) = match &entry.kind {
        EntryKind::EscapingSymlink { target } => (
            format!("{} -> {target}", entry.path),
            codes::ESCAPES_REPOSITORY,
            format!(
                "`{}` is a symbolic link that leads outside the repository",
                entry.path
            ),
            "replace the link with the file itself; links out of the repository are never read",
        ),
        EntryKind::Symlink { target } => (
            format!("{} -> {target}", entry.path),
            codes::GOVERNED_LINK,
            format!(
                "`{}` is a symbolic link under a governed path; it is not followed",
                entry.path
            ),
            "replace the link with the file itself: governed files are judged where they are, so a link would let a change edit the target without touching this path",
        ),
        EntryKind::Submodule | EntryKind::File => (
            format!("{} (submodule)", entry.path),
            codes::GOVERNED_LINK,
            format!(
                "`{}` is a submodule under a governed path; its content is not checked",
                entry.path
            ),
            "move the files into this repository: features, sign-offs, waivers, debt, policies and playbooks must be part of the change that is judged",
        ),
    };
    let file = SourceFile::new(entry.path.clone(), shown);
    let len = file.text.len();
    Diagnostic::new(code, Severity::Error, message)
        .at(&file, 0..len, "not followed")
        .help(help)
}

/// The directories worth walking: the literal leading directories of each
/// glob (`features/` for `features/**/feature.toml`), with nested ones
/// dropped. Each ends with `/`, or is empty for the root.
pub fn glob_bases(globs: &[String]) -> Vec<String> {
    let mut bases: Vec<String> = globs
        .iter()
        .map(|glob| {
            let parts: Vec<&str> = glob.split('/').collect();
            let literal: Vec<&str> = parts[..parts.len().saturating_sub(1)]
                .iter()
                .take_while(|p| !p.contains(['*', '?', '[', '{', '\\']))
                .copied()
                .collect();
            if literal.is_empty() {
                String::new()
            } else {
                format!("{}/", literal.join("/"))
            }
        })
        .collect();
    bases.sort();
    bases.dedup();
    let mut kept: Vec<String> = Vec::new();
    for base in bases {
        if !kept.iter().any(|k| base.starts_with(k.as_str())) {
            kept.push(base);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::glob_bases;

    #[test]
    fn glob_bases_are_literal_leading_directories() {
        let globs: Vec<String> = [
            "features/**/feature.toml",
            "policies/*.toml",
            "policies/signoffs/*/*.toml",
            "waivers/**/*.toml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            glob_bases(&globs),
            vec!["features/", "policies/", "waivers/"]
        );
        assert_eq!(glob_bases(&["**/feature.toml".to_string()]), vec![""]);
    }
}
