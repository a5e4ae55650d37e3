//! The launch board behind `policy status`: every feature with its stage,
//! the gates its current and next stage require and each role's state
//! there, its open findings, its waivers with days to expiry, and one next
//! action in plain words; totals per stage (DESIGN §5).
//!
//! Built from a loaded workspace, the engine's gates
//! ([`crate::engine::gates`]) and the outcome of the same check `lint`
//! runs, so the board and the check never disagree. Renderers live in
//! [`render`].

pub mod render;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Outcome;
use crate::engine::gates::{self, FeatureGates, Gate, GateState};
use crate::model::workspace::{PolicySource, Workspace};
use crate::settings::Settings;

/// The whole board. Features are ordered by stage (the order of
/// `taxonomy.stages`; unknown stages last), then id.
#[derive(Clone, Debug, Serialize)]
pub struct Board {
    /// The date days to expiry are counted from (`--today`).
    pub today: String,
    /// `taxonomy.stages`, in order: the board's columns.
    pub stages: Vec<String>,
    pub features: Vec<FeatureStatus>,
    /// Features per stage, every stage of the taxonomy included (zero when
    /// none), in taxonomy order; a stage outside the taxonomy is counted
    /// under its own name, after them, and a feature without one under
    /// [`NO_STAGE`]. A JSON object in that order.
    pub totals: Totals,
    /// Where the policies in force came from.
    pub policy_source: PolicySource,
    /// `[waivers] warn_days`: waivers this close to expiry are flagged.
    pub warn_days: i64,
}

/// Stage → count, in order; serialized as a JSON object in that order.
#[derive(Clone, Debug, Default)]
pub struct Totals(pub Vec<(String, usize)>);

impl Serialize for Totals {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (stage, count) in &self.0 {
            map.serialize_entry(stage, count)?;
        }
        map.end()
    }
}

/// One feature's row.
#[derive(Clone, Debug, Serialize)]
pub struct FeatureStatus {
    pub id: String,
    /// The manifest, repository-relative.
    pub path: String,
    pub title: Option<String>,
    pub stage: String,
    pub risk_tier: Option<String>,
    /// The computed risk score (DESIGN §2.8): the weighted mean of the
    /// `[risk]` scores, two decimals; `null` without `[risk.weights]` in
    /// policy.toml or when the manifest cannot be scored.
    pub risk_score: Option<f64>,
    /// The tier `risk_score` puts the feature in (`low` … `critical`);
    /// `null` with `risk_score`.
    pub risk_tier_computed: Option<String>,
    /// True when `lint` reports an error for the feature, or a role decided
    /// `no-go` at one of its gates.
    pub blocked: bool,
    /// Gates of the current stage, then those the next stage adds.
    pub gates: Vec<Gate>,
    /// The stage the feature moves to next, if any.
    pub next_stage: Option<String>,
    /// Errors and warnings `lint` reports for the feature (waived findings,
    /// which are notes, are left out).
    pub findings: Vec<Finding>,
    pub waivers: Vec<WaiverStatus>,
    /// Safety debt naming the feature (DESIGN §2.10): open debt first
    /// (most overdue first), then resolved debt; by path within each.
    pub debt: Vec<DebtStatus>,
    /// In a safety spike (DESIGN §2.9): always false until measurements are
    /// built.
    pub spike: bool,
    /// The one thing to do next, in plain words.
    pub next_action: String,
}

/// A finding, in short.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    pub message: String,
}

/// A waiver naming the feature.
#[derive(Clone, Debug, Serialize)]
pub struct WaiverStatus {
    pub rule: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
    /// Days from today to `expires` (negative once expired; the waiver
    /// still applies on day 0).
    pub days_left: i64,
    /// The waiver file, repository-relative.
    pub path: String,
    /// Why `lint` does not accept it (its author is not a member of the
    /// approving role, the role may not waive this rule, …), if it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// A safety debt file naming the feature.
#[derive(Clone, Debug, Serialize)]
pub struct DebtStatus {
    /// The file name without `.toml`.
    pub name: String,
    /// The debt file, repository-relative.
    pub path: String,
    pub title: String,
    /// An email address.
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    pub severity: crate::model::debt::DebtSeverity,
    /// Days past `due` (1 the day after it) while open; 0 when not yet
    /// due or resolved.
    pub overdue_days: i64,
    /// `YYYY-MM-DD` once resolved; `null` while open.
    pub resolved: Option<String>,
}

impl DebtStatus {
    /// The debt of `feature` in `workspace`, ordered as
    /// [`FeatureStatus::debt`].
    pub fn of(workspace: &Workspace, feature: &str, today: jiff::civil::Date) -> Vec<DebtStatus> {
        let mut debt: Vec<DebtStatus> = workspace
            .debts
            .iter()
            .filter(|d| d.feature == feature)
            .map(|d| DebtStatus {
                name: d.name.clone(),
                path: d.file.path.clone(),
                title: d.title.clone(),
                owner: d.owner.clone(),
                due: d.due.to_string(),
                severity: d.severity,
                overdue_days: d.overdue_days(today).unwrap_or(0),
                resolved: d.resolved.as_ref().map(|(date, _)| date.to_string()),
            })
            .collect();
        debt.sort_by(|a, b| {
            (a.resolved.is_some(), -a.overdue_days, &a.path).cmp(&(
                b.resolved.is_some(),
                -b.overdue_days,
                &b.path,
            ))
        });
        debt
    }
}

impl FeatureStatus {
    /// Gates of the current stage that are open (a passing state, or a
    /// live waiver), and how many there are.
    pub fn current_gates_passed(&self) -> (usize, usize) {
        let current: Vec<&Gate> = self
            .gates
            .iter()
            .filter(|g| g.stage == self.stage)
            .collect();
        (current.iter().filter(|g| g.open).count(), current.len())
    }

    /// Every gate of the current stage passes (true when there are none).
    pub fn cleared(&self) -> bool {
        let (passed, total) = self.current_gates_passed();
        passed == total
    }
}

/// The name a feature whose manifest has no usable `stage` is counted
/// under.
pub use crate::engine::gates::NO_STAGE;

/// Whether finding `d` is about the feature whose manifest is `path` in
/// directory `dir` with id `id`: attributed to the id (and, when the id is
/// declared twice, pointing into that feature's directory), or pointing at
/// a waiver that names it.
fn about(d: &Diagnostic, id: &str, dir: &str, duplicated: bool, waivers: &[&str]) -> bool {
    let file = d.primary.as_ref().map(|l| l.file.path.as_str());
    let in_dir = file.is_some_and(|f| {
        f.strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
    });
    if d.feature.as_deref() == Some(id) {
        return !duplicated || in_dir;
    }
    d.feature.is_none() && (in_dir || file.is_some_and(|f| waivers.contains(&f)))
}

/// Builds the board from a loaded workspace and the outcome of
/// [`crate::engine::check`] on it (with the loader's own diagnostics
/// added). The gates of the current stage take `lint`'s verdict: a gate is
/// open when the check reports no unwaived error or warning of its rule for
/// its role; a sign-off that `lint` rejects although its decision is a go
/// (one person giving two of a rule's sign-offs) is `unverified`.
pub fn board(workspace: &Workspace, settings: &Settings, outcome: &Outcome) -> Board {
    let gates = gates::gates(workspace, settings);
    let stages: Vec<String> = workspace.config.stage_names().map(str::to_string).collect();
    let warn_days = workspace.config.waiver_warn_days;
    let reported = |id: &str| {
        settings
            .report_on
            .as_ref()
            .is_none_or(|ids| ids.contains(id))
    };
    let mut seen_ids = std::collections::BTreeSet::new();
    let duplicated: std::collections::BTreeSet<&str> = workspace
        .features
        .iter()
        .filter(|f| !seen_ids.insert(f.id.as_str()))
        .map(|f| f.id.as_str())
        .collect();
    // Indexes over the findings, so each row looks up its own (a board of
    // 20,000 features is not 20,000 scans of every finding).
    let mut by_id: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    let mut featureless: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    let mut first_error_at: std::collections::BTreeMap<&str, &Diagnostic> = Default::default();
    for (index, d) in outcome.diagnostics.iter().enumerate() {
        let file = d.primary.as_ref().map(|l| l.file.path.as_str());
        match (&d.feature, file) {
            (Some(id), _) => by_id.entry(id.as_str()).or_default().push(index),
            (None, Some(file)) => featureless.entry(file).or_default().push(index),
            (None, None) => {}
        }
        if let Some(file) = file
            && d.severity == Severity::Error
        {
            first_error_at.entry(file).or_insert(d);
        }
    }
    let findings_of = |id: &str, dir: &str, waiver_paths: &[&str]| -> Vec<&Diagnostic> {
        let prefix = format!("{dir}/");
        let mut indices: Vec<usize> = by_id.get(id).cloned().unwrap_or_default();
        indices.extend(
            featureless
                .range(prefix.as_str()..)
                .take_while(|(path, _)| path.starts_with(&prefix))
                .flat_map(|(_, found)| found.iter().copied()),
        );
        for path in waiver_paths {
            indices.extend(featureless.get(path).into_iter().flatten().copied());
        }
        indices.sort_unstable();
        indices.dedup();
        indices
            .into_iter()
            .map(|i| &outcome.diagnostics[i])
            .filter(|d| about(d, id, dir, duplicated.contains(id), waiver_paths))
            .collect()
    };
    let short = |d: &Diagnostic| Finding {
        code: d.code.clone(),
        severity: d.severity,
        message: d.message.clone(),
    };
    let mut features: Vec<FeatureStatus> = workspace
        .features
        .iter()
        .filter(|f| reported(&f.id))
        .map(|feature| {
            let score = workspace
                .config
                .risk
                .as_ref()
                .and_then(|scoring| scoring.score(&feature.table))
                .and_then(Result::ok);
            let text = |key: &str| {
                feature
                    .table
                    .get(key)
                    .and_then(|n| n.value.as_str())
                    .map(str::to_string)
            };
            let named: Vec<&crate::model::signoff::Waiver> = workspace
                .waivers
                .iter()
                .filter(|w| w.feature == feature.id)
                .collect();
            let waiver_paths: Vec<&str> = named.iter().map(|w| w.file.path.as_str()).collect();
            let diagnostics = findings_of(&feature.id, &feature.dir, &waiver_paths);
            let findings: Vec<Finding> = diagnostics
                .iter()
                .filter(|d| d.severity > Severity::Note)
                .map(|d| short(d))
                .collect();
            let mut waivers: Vec<WaiverStatus> = named
                .iter()
                .map(|w| WaiverStatus {
                    rule: w.rule.clone(),
                    expires: w.expires.to_string(),
                    days_left: settings
                        .today
                        .until(w.expires)
                        .map_or(0, |s| i64::from(s.get_days())),
                    path: w.file.path.clone(),
                    problem: first_error_at
                        .get(w.file.path.as_str())
                        .map(|d| format!("{}: {}", d.code, d.message)),
                })
                .collect();
            waivers.sort_by(|a, b| (a.days_left, &a.rule).cmp(&(b.days_left, &b.rule)));
            let stage = feature
                .stage
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| NO_STAGE.to_string());
            let FeatureGates {
                mut current,
                next_stage,
                next,
            } = gates.get(&feature.file.path).cloned().unwrap_or_default();
            for gate in &mut current {
                let of_gate: Vec<&&Diagnostic> = diagnostics
                    .iter()
                    .filter(|d| d.code == gate.rule && d.role.as_deref() == Some(&gate.role))
                    .collect();
                gate.waived_by = of_gate.iter().find_map(|d| d.waived_by.clone());
                let blocking = of_gate
                    .iter()
                    .find(|d| d.severity > Severity::Note && d.waived_by.is_none());
                gate.open = blocking.is_none();
                if let Some(d) = blocking
                    && gate.state.passes()
                {
                    gate.state = GateState::Unverified;
                    gate.detail = Some(d.message.clone());
                }
            }
            let blocked = findings.iter().any(|f| f.severity == Severity::Error)
                || current
                    .iter()
                    .chain(&next)
                    .any(|g| g.state == GateState::NoGo);
            let debt = DebtStatus::of(workspace, &feature.id, settings.today);
            let next_action = debt_action(&debt, next_stage.as_deref()).unwrap_or_else(|| {
                next_action(
                    &current,
                    next_stage.as_deref(),
                    &next,
                    &findings,
                    &waivers,
                    warn_days,
                )
            });
            FeatureStatus {
                id: feature.id.clone(),
                path: feature.file.path.clone(),
                title: text("title"),
                stage,
                risk_tier: text("risk_tier"),
                risk_score: score.as_ref().map(|s| s.value()),
                risk_tier_computed: score.map(|s| s.tier.to_string()),
                blocked,
                gates: current.into_iter().chain(next).collect(),
                next_stage,
                findings,
                waivers,
                debt,
                spike: false,
                next_action,
            }
        })
        .collect();
    // A manifest that could not be read still has a row: blocked, with
    // what is wrong with it.
    let loaded_dirs: std::collections::BTreeSet<&str> =
        workspace.features.iter().map(|f| f.dir.as_str()).collect();
    for dir in &workspace.feature_dirs {
        let id = dir.rsplit('/').next().unwrap_or(dir);
        if loaded_dirs.contains(dir.as_str()) || !reported(id) {
            continue;
        }
        let diagnostics = findings_of(id, dir, &[]);
        let findings: Vec<Finding> = diagnostics
            .iter()
            .filter(|d| d.severity > Severity::Note)
            .map(|d| short(d))
            .collect();
        let path = diagnostics
            .iter()
            .find_map(|d| d.primary.as_ref().map(|l| l.file.path.clone()))
            .unwrap_or_else(|| dir.clone());
        let next_action = match findings.iter().find(|f| f.severity == Severity::Error) {
            Some(error) => format!("fix {}: {}", error.code, error.message),
            None => "fix the manifest: it could not be read".to_string(),
        };
        features.push(FeatureStatus {
            id: id.to_string(),
            path,
            title: None,
            stage: NO_STAGE.to_string(),
            risk_tier: None,
            risk_score: None,
            risk_tier_computed: None,
            blocked: true,
            gates: Vec::new(),
            next_stage: None,
            findings,
            waivers: Vec::new(),
            debt: DebtStatus::of(workspace, id, settings.today),
            spike: false,
            next_action,
        });
    }
    let rank = |stage: &str| stages.iter().position(|s| s == stage).unwrap_or(usize::MAX);
    features
        .sort_by(|a, b| (rank(&a.stage), &a.id, &a.path).cmp(&(rank(&b.stage), &b.id, &b.path)));
    let mut totals: Vec<(String, usize)> = stages.iter().map(|s| (s.clone(), 0)).collect();
    for feature in &features {
        match totals.iter_mut().find(|(s, _)| *s == feature.stage) {
            Some((_, n)) => *n += 1,
            None => totals.push((feature.stage.clone(), 1)),
        }
    }
    Board {
        today: settings.today.to_string(),
        stages,
        features,
        totals: Totals(totals),
        policy_source: workspace.policy_source,
        warn_days,
    }
}

/// The one thing to do next. In order: a `no-go` to resolve, sign-offs the
/// current stage is missing (stale ones first: they name what changed),
/// other errors, a waiver about to expire, the next stage's sign-offs, and
/// finally the move itself.
/// Overdue critical debt stops the stage from advancing (PL042): before
/// any gate of the next stage matters, the debt must be resolved.
fn debt_action(debt: &[DebtStatus], next_stage: Option<&str>) -> Option<String> {
    let next_stage = next_stage?;
    let blocking = debt.iter().find(|d| {
        d.resolved.is_none()
            && d.overdue_days > 0
            && d.severity == crate::model::debt::DebtSeverity::Critical
    })?;
    Some(format!(
        "resolve critical debt `{}` ({} overdue, owner {}) before moving to `{next_stage}`",
        blocking.name,
        if blocking.overdue_days == 1 {
            "1 day".to_string()
        } else {
            format!("{} days", blocking.overdue_days)
        },
        blocking.owner
    ))
}

fn next_action(
    current: &[Gate],
    next_stage: Option<&str>,
    next: &[Gate],
    findings: &[Finding],
    waivers: &[WaiverStatus],
    warn_days: i64,
) -> String {
    if let Some(gate) = current
        .iter()
        .chain(next)
        .find(|g| g.state == GateState::NoGo)
    {
        return format!(
            "`{}` decided no-go ({}): address their concerns, then ask for a new decision",
            gate.role, gate.rule
        );
    }
    let distinct = |gates: Vec<&'_ Gate>| -> Vec<Gate> {
        let mut seen = std::collections::BTreeSet::new();
        gates
            .into_iter()
            .filter(|g| seen.insert(g.role.clone()))
            .cloned()
            .collect()
    };
    let stale = distinct(
        current
            .iter()
            .filter(|g| g.state == GateState::Stale && !g.open)
            .collect(),
    );
    if let Some(first) = stale.first() {
        let roles: Vec<&str> = stale.iter().map(|g| g.role.as_str()).collect();
        return format!(
            "{} to re-sign: {}",
            crate::report::group::listed(&roles),
            first.detail.as_deref().unwrap_or("the feature changed")
        );
    }
    let mut roles = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for gate in current.iter().filter(|g| !g.open) {
        if seen.insert(gate.role.as_str()) {
            roles.push(gate.role.as_str());
        }
    }
    if !roles.is_empty() {
        let unverified: Vec<&Gate> = current
            .iter()
            .filter(|g| g.state == GateState::Unverified && !g.open)
            .collect();
        return match unverified.first() {
            Some(gate) => format!(
                "needs a go from {}; `{}`'s sign-off does not count: {}",
                crate::report::group::listed(&roles),
                gate.role,
                gate.detail
                    .as_deref()
                    .unwrap_or("its author is not verified")
            ),
            None => format!("needs a go from {}", crate::report::group::listed(&roles)),
        };
    }
    if let Some(error) = findings.iter().find(|f| f.severity == Severity::Error) {
        return format!("fix {}: {}", error.code, error.message);
    }
    if let Some(waiver) = waivers
        .iter()
        .find(|w| w.problem.is_none() && w.days_left >= 0 && w.days_left < warn_days)
    {
        let when = match waiver.days_left {
            0 => "today (its last day)".to_string(),
            1 => "tomorrow".to_string(),
            n => format!("in {n} days"),
        };
        return format!(
            "waiver of {} expires {when}: fix the finding or renew the waiver",
            waiver.rule
        );
    }
    let Some(next_stage) = next_stage else {
        return "none: no stage follows on the way to launch".to_string();
    };
    let wanted: Vec<&str> = {
        let mut seen = std::collections::BTreeSet::new();
        next.iter()
            .filter(|g| !g.open)
            .map(|g| g.role.as_str())
            .filter(|r| seen.insert(*r))
            .collect()
    };
    if wanted.is_empty() {
        format!("ready to move to `{next_stage}`")
    } else {
        format!(
            "to reach `{next_stage}`: needs a go from {}",
            crate::report::group::listed(&wanted)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(role: &str, state: GateState, stage: &str, detail: Option<&str>) -> Gate {
        Gate {
            rule: "LG001".into(),
            role: role.into(),
            state,
            stage: stage.into(),
            detail: detail.map(str::to_string),
            waived_by: None,
            open: state.passes(),
        }
    }

    #[test]
    fn next_action_names_what_changed_for_a_stale_gate() {
        let current = [
            gate("safety-researcher", GateState::Go, "cleared", None),
            gate(
                "legal-counsel",
                GateState::Stale,
                "cleared",
                Some("`risk.residual` changed"),
            ),
        ];
        assert_eq!(
            next_action(&current, Some("launched"), &[], &[], &[], 14),
            "`legal-counsel` to re-sign: `risk.residual` changed"
        );
    }

    #[test]
    fn next_action_lists_missing_roles_then_the_next_stage() {
        let current = [
            gate("policy-analyst", GateState::Missing, "cleared", None),
            gate("legal-counsel", GateState::Missing, "cleared", None),
        ];
        assert_eq!(
            next_action(&current, Some("launched"), &[], &[], &[], 14),
            "needs a go from `policy-analyst` and `legal-counsel`"
        );
        let next = [gate("srb", GateState::Missing, "launched", None)];
        assert_eq!(
            next_action(&[], Some("launched"), &next, &[], &[], 14),
            "to reach `launched`: needs a go from `srb`"
        );
        assert_eq!(
            next_action(&[], Some("launched"), &[], &[], &[], 14),
            "ready to move to `launched`"
        );
        assert_eq!(
            next_action(&[], None, &[], &[], &[], 14),
            "none: no stage follows on the way to launch"
        );
    }

    #[test]
    fn a_no_go_comes_first() {
        let current = [gate("policy-analyst", GateState::Missing, "cleared", None)];
        let next = [gate("srb", GateState::NoGo, "launched", None)];
        assert!(
            next_action(&current, Some("launched"), &next, &[], &[], 14)
                .starts_with("`srb` decided no-go")
        );
    }
}
