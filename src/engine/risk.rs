//! Risk scoring in the engine (DESIGN §2.8): the `computed` variable of CEL
//! and the check that a declared `risk_tier` is not below the computed one.
//! Both read the scoring of the configuration in force (the merge-base's
//! in range mode).

use cel::Value as Cel;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::config::Config;
use crate::model::feature::Feature;
use crate::model::risk::{Scoring, tier_rank};
use crate::model::tree::{Table, Value};
use crate::rules::codes;

/// `computed` in CEL: `{risk_score: double, risk_tier: string}`, or `null`
/// when nothing is scored (no `[risk.weights]`, no `[risk]` table, a score
/// missing or invalid). It depends on the manifest's `risk` table only (the
/// weights are the same for every feature of a run), which is what the
/// memo of results keys it on.
pub fn computed_value(scoring: Option<&Scoring>, table: &Table) -> Cel {
    match scoring.and_then(|s| s.score(table)) {
        Some(Ok(score)) => super::values::map(vec![
            ("risk_score".into(), Cel::Float(score.value())),
            ("risk_tier".into(), super::values::string(score.tier)),
        ]),
        _ => Cel::Null,
    }
}

/// `PL039`: the declared `risk_tier` is below the computed tier. At the
/// tier, with the arithmetic, and a related label at the weights.
pub fn check_declared_tier(feature: &Feature, config: &Config, out: &mut Vec<Diagnostic>) {
    let Some(scoring) = &config.risk else {
        return;
    };
    let Some(Ok(score)) = scoring.score(&feature.table) else {
        return;
    };
    let Some(node) = feature.table.get("risk_tier") else {
        return;
    };
    let Value::String(declared) = &node.value else {
        return;
    };
    let (Some(declared_rank), Some(computed_rank)) = (tier_rank(declared), tier_rank(score.tier))
    else {
        return;
    };
    if declared_rank >= computed_rank {
        return;
    }
    let arithmetic = score.arithmetic(scoring);
    let mut diagnostic = Diagnostic::new(
        codes::RISK_TIER_BELOW_COMPUTED,
        Severity::Error,
        format!(
            "risk tier `{declared}` is below the computed tier `{}`: {arithmetic}",
            score.tier
        ),
    )
    .at(
        &feature.file,
        node.span.clone(),
        format!("declared `{declared}`, computed `{}`", score.tier),
    )
    .help(format!(
        "set `risk_tier = \"{}\"` (or higher) and meet the gates it brings, or correct a score in `[risk]` with the review behind it",
        score.tier
    ));
    if let Some(file) = &config.file {
        diagnostic = diagnostic.related(file, scoring.weights_span.clone(), "the weights");
    }
    diagnostic.feature = Some(feature.id.clone());
    out.push(diagnostic);
}
