//! Gates: for each feature, the sign-offs its current stage requires and
//! those its next stage will add, with each role's state there.
//!
//! The answer comes from the same compiled rules, sign-off states and CEL
//! evaluation as `lint` (a rule with `require_signoffs` is a gate where its
//! `when` holds), so the launch board and the check never disagree about
//! what a stage needs. The next stage's gates are found by evaluating each
//! rule's `when` on the manifest with its `stage` set to the next stage.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::Serialize;

use super::memo::{Evaluation, Memo};
use super::signoffs::{self, SignoffState};
use super::{CompiledRule, context_builder, fields::FieldIndex, history, values};
use crate::model::config::Config;
use crate::model::signoff::Decision;
use crate::model::tree::{Table, Value};
use crate::model::workspace::Workspace;
use crate::settings::Settings;

/// The stage a manifest without a usable `stage` is shown under.
pub const NO_STAGE: &str = "(no stage)";

/// One role's standing at one gate, in the words of DESIGN §5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GateState {
    /// A fresh `go`.
    Go,
    /// A fresh `conditional`: counts, with conditions attached.
    Conditional,
    /// A sign-off whose subject or policy major changed since signing.
    Stale,
    /// No sign-off from the role.
    Missing,
    /// The role decided `no-go`.
    NoGo,
    /// A sign-off that does not count: its commit author is outside the
    /// role, its signature does not verify, it is post-dated, or its signer
    /// authored the content.
    Unverified,
}

impl GateState {
    /// `go` and `conditional` let the gate pass.
    pub fn passes(self) -> bool {
        matches!(self, GateState::Go | GateState::Conditional)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GateState::Go => "go",
            GateState::Conditional => "conditional",
            GateState::Stale => "stale",
            GateState::Missing => "missing",
            GateState::NoGo => "no-go",
            GateState::Unverified => "unverified",
        }
    }
}

/// One role required by one rule at one stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gate {
    /// The rule code (`LG001`).
    pub rule: String,
    pub role: String,
    pub state: GateState,
    /// The stage this gate belongs to: the feature's current stage, or the
    /// next one.
    pub stage: String,
    /// Why the state is what it is, when it is not `go` or `missing`
    /// (`` `risk.residual` changed ``, the reason a sign-off does not count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The waiver file that holds this gate open while its state does not
    /// pass: a waiver `lint` applied to this rule's finding for the feature
    /// (set by [`crate::status`] from the check's outcome).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived_by: Option<String>,
    /// The gate lets the feature through. For the current stage this is
    /// `lint`'s verdict (no unwaived error or warning of this rule for this
    /// role, see [`crate::status`]); for the next stage, whether the role's
    /// state passes.
    pub open: bool,
}

/// The gates of one feature.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FeatureGates {
    /// Gates the current stage requires.
    pub current: Vec<Gate>,
    /// The stage after the current one in `taxonomy.stages` (up to
    /// `launched`), if any.
    pub next_stage: Option<String>,
    /// Gates the next stage adds to the current ones.
    pub next: Vec<Gate>,
}

/// The stage that follows `stage` on the way to launch: the next entry of
/// `taxonomy.stages`, up to and including `launched` when the taxonomy has
/// it (stages after it, such as `paused` and `retired`, are not steps
/// forward).
pub fn next_stage(config: &Config, stage: &str) -> Option<String> {
    let names: Vec<&str> = config.stage_names().collect();
    let end = names
        .iter()
        .position(|s| *s == "launched")
        .unwrap_or(names.len().saturating_sub(1));
    let at = names.iter().position(|s| *s == stage)?;
    (at < end).then(|| names[at + 1].to_string())
}

/// The state a sign-off gives its role at a gate.
pub fn state_of(state: Option<&SignoffState>) -> (GateState, Option<String>) {
    match state {
        None => (GateState::Missing, None),
        Some(s) if s.decision == Decision::NoGo => (GateState::NoGo, None),
        Some(s) if s.invalid.is_some() => (GateState::Unverified, s.invalid.clone()),
        Some(s) if !s.fresh => (
            GateState::Stale,
            Some(
                s.stale_reason
                    .clone()
                    .unwrap_or_else(|| "changed since signing".into()),
            ),
        ),
        Some(s) if s.decision == Decision::Conditional => (GateState::Conditional, None),
        Some(_) => (GateState::Go, None),
    }
}

/// Every feature's gates, by manifest path. Rules whose `when` cannot be
/// evaluated for a feature are left out here; `lint` reports them.
pub fn gates(workspace: &Workspace, settings: &Settings) -> BTreeMap<String, FeatureGates> {
    let mut scratch = Vec::new();
    let fields = FieldIndex::new(&workspace.features);
    let rules: Vec<CompiledRule<'_>> = super::compile_policies(workspace, &fields, &mut scratch)
        .into_iter()
        .filter(|r| !r.rule.require_signoffs.is_empty())
        .collect();
    let unauthorised = history::unauthorised(workspace);
    let states = signoffs::check(
        workspace,
        settings,
        &unauthorised,
        &BTreeSet::new(),
        &mut scratch,
    );
    let playbooks = super::playbooks_value(workspace);
    let today = values::string(&settings.today.to_string());
    let empty = BTreeMap::new();
    workspace
        .features
        .par_iter()
        .map_init(Memo::default, |memo, feature| {
            let states = states.get(&feature.dir).unwrap_or(&empty);
            let base = workspace.base_table(feature);
            let stage = feature
                .stage
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| NO_STAGE.to_string());
            let applying = |table: &Table, memo: &mut Memo| -> Vec<&CompiledRule<'_>> {
                let build = context_builder(
                    table,
                    base,
                    states,
                    &playbooks,
                    &today,
                    workspace.config.risk.as_ref(),
                );
                let mut evaluation = Evaluation::new(table, base, memo, build);
                rules
                    .iter()
                    .filter(|r| match &r.when {
                        None => true,
                        Some(when) => {
                            matches!(evaluation.execute(when), Ok(cel::Value::Bool(true)))
                        }
                    })
                    .collect()
            };
            let gate = |rule: &CompiledRule<'_>, role: &str, stage: &str| {
                let (state, detail) = state_of(states.get(role));
                Gate {
                    rule: rule.rule.code.clone(),
                    role: role.to_string(),
                    state,
                    stage: stage.to_string(),
                    detail,
                    waived_by: None,
                    open: state.passes(),
                }
            };
            let mut result = FeatureGates::default();
            let mut seen = BTreeSet::new();
            for rule in applying(&feature.table, memo) {
                for role in &rule.rule.require_signoffs {
                    if seen.insert((rule.rule.code.as_str(), role.text.as_str())) {
                        result.current.push(gate(rule, &role.text, &stage));
                    }
                }
            }
            result.next_stage = next_stage(&workspace.config, &stage);
            if let Some(next) = &result.next_stage {
                let mut table = feature.table.as_ref().clone();
                if let Some(entry) = table.entries.iter_mut().find(|e| e.key == "stage") {
                    entry.node.value = Value::String(next.clone());
                }
                for rule in applying(&table, memo) {
                    for role in &rule.rule.require_signoffs {
                        if seen.insert((rule.rule.code.as_str(), role.text.as_str())) {
                            result.next.push(gate(rule, &role.text, next));
                        }
                    }
                }
            }
            (feature.file.path.clone(), result)
        })
        .collect()
}
