//! Safety debt checks (DESIGN §2.10): open debt past its `due` date, past
//! `[debt] grace_days`, a stage advanced over overdue critical debt, and
//! debt records that cannot be true. Every finding belongs to the debt's
//! feature, so waivers and a change's report filtering apply to it.

use std::collections::BTreeSet;

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::debt::{Debt, DebtSeverity};
use crate::model::workspace::Workspace;
use crate::rules::{codes, suggest};
use crate::settings::Settings;

/// Appends the findings of every debt file in `workspace`.
pub(super) fn check(workspace: &Workspace, settings: &Settings, out: &mut Vec<Diagnostic>) {
    blocked_advances(workspace, settings, out);
    if workspace.debts.is_empty() {
        return;
    }
    let today = settings.today;
    let grace = workspace.config.debt_grace_days;
    // Ids match directory names: a manifest that does not parse still
    // names its feature.
    let known: BTreeSet<&str> = workspace
        .feature_dirs
        .iter()
        .map(|d| d.rsplit('/').next().unwrap_or(d))
        .chain(workspace.features.iter().map(|f| f.id.as_str()))
        .collect();
    for debt in &workspace.debts {
        if !known.contains(debt.feature.as_str()) {
            // A change loads only the manifests it touches (a debt file it
            // changed loads them all): the feature may exist unloaded.
            if workspace.partial {
                continue;
            }
            out.push(
                Diagnostic::new(
                    codes::DEBT_INVALID,
                    Severity::Error,
                    format!(
                        "debt `{}` names unknown feature `{}`",
                        debt.name,
                        debt.feature.escape_debug()
                    ),
                )
                .at(
                    &debt.file,
                    debt.feature_span.clone(),
                    "no feature has this id",
                )
                .help(match suggest(&debt.feature, known.iter().copied()) {
                    Some(id) => format!("did you mean `{id}`? Debt names a feature by the `id` of its manifest"),
                    None => "debt names a feature by the `id` of its manifest; delete the file if the feature is gone".to_string(),
                }),
            );
            continue;
        }
        let feature = debt.feature.clone();
        if let Some((resolved, span)) = &debt.resolved
            && *resolved > today
        {
            out.push(
                Diagnostic::new(
                    codes::DEBT_INVALID,
                    Severity::Error,
                    format!(
                        "debt `{}` is marked resolved on {resolved}, after today ({today})",
                        debt.name
                    ),
                )
                .at(&debt.file, span.clone(), "in the future")
                .help("set `resolved` to the day the gap was closed, once it is closed")
                .feature(feature.clone()),
            );
        }
        let Some(days) = debt.overdue_days(today) else {
            continue;
        };
        let late = plural(days);
        if days > grace {
            out.push(
                Diagnostic::new(
                    codes::DEBT_PAST_GRACE,
                    Severity::Error,
                    format!(
                        "{} debt `{}` of `{}` is {late} overdue, past the {grace}-day grace period: {}",
                        debt.severity.as_str(),
                        debt.name,
                        debt.feature,
                        debt.title
                    ),
                )
                .at(
                    &debt.file,
                    debt.due_span.clone(),
                    format!("due {} (today is {today})", debt.due),
                )
                .help(format!(
                    "close the gap and set `resolved = {today}`, or have {} agree a new `due` date",
                    debt.owner
                ))
                .feature(feature),
            );
        } else {
            out.push(
                Diagnostic::new(
                    codes::DEBT_OVERDUE,
                    Severity::Warning,
                    format!(
                        "{} debt `{}` of `{}` is {late} overdue: {}",
                        debt.severity.as_str(),
                        debt.name,
                        debt.feature,
                        debt.title
                    ),
                )
                .at(
                    &debt.file,
                    debt.due_span.clone(),
                    format!(
                        "due {} (today is {today}); an error after {grace} days",
                        debt.due
                    ),
                )
                .help(format!(
                    "close the gap and set `resolved = {today}`, or have {} agree a new `due` date",
                    debt.owner
                ))
                .feature(feature),
            );
        }
    }
}

/// A change that moves a feature to a later stage (by `taxonomy.stages`)
/// while it has overdue critical debt: an error at the manifest's `stage`.
/// Needs the base revision (staged and range modes).
fn blocked_advances(workspace: &Workspace, settings: &Settings, out: &mut Vec<Diagnostic>) {
    let Some(base) = &workspace.base else {
        return;
    };
    if workspace.debts.is_empty() && base.debts.is_empty() {
        return;
    }
    // Debt the change deleted (or moved out of the debt glob) still counts:
    // deleting a debt file does not close the gap.
    let present: BTreeSet<&str> = workspace
        .debts
        .iter()
        .map(|d| d.file.path.as_str())
        .collect();
    let debts: Vec<&Debt> = workspace
        .debts
        .iter()
        .chain(
            base.debts
                .iter()
                .filter(|d| !present.contains(d.file.path.as_str())),
        )
        .collect();
    let rank = |stage: &str| workspace.config.stage_names().position(|s| s == stage);
    for feature in &workspace.features {
        let Some(stage) = feature.stage.as_deref() else {
            continue;
        };
        let Some(base_stage) = workspace
            .base_table(feature)
            .and_then(|t| t.get("stage"))
            .and_then(|n| n.value.as_str())
        else {
            continue;
        };
        let advanced =
            matches!((rank(base_stage), rank(stage)), (Some(from), Some(to)) if to > from);
        if !advanced {
            continue;
        }
        let blocking: Vec<(&Debt, i64)> = debts
            .iter()
            .copied()
            .filter(|d| d.feature == feature.id && d.severity == DebtSeverity::Critical)
            .filter_map(|d| d.overdue_days(settings.today).map(|days| (d, days)))
            .collect();
        let Some((first, _)) = blocking.first() else {
            continue;
        };
        let mut diagnostic = Diagnostic::new(
            codes::DEBT_BLOCKS_ADVANCE,
            Severity::Error,
            format!(
                "`{}` moves from `{base_stage}` to `{stage}` with overdue critical debt `{}`",
                feature.id, first.name
            ),
        )
        .at(
            &feature.file,
            feature.anchor_span(),
            format!("advanced from `{base_stage}`"),
        )
        .help(format!(
            "resolve the debt (set `resolved` in {}{}) or agree a new `due` date before the stage moves on",
            first.file.path,
            if present.contains(first.file.path.as_str()) {
                ""
            } else {
                ", which this change deletes: deleting debt does not resolve it"
            }
        ))
        .feature(feature.id.clone());
        for (debt, days) in &blocking {
            diagnostic.related.push(Label::new(
                &debt.file,
                debt.due_span.clone(),
                format!("critical, {} overdue: {}", plural(*days), debt.title),
            ));
        }
        out.push(diagnostic);
    }
}

fn plural(days: i64) -> String {
    if days == 1 {
        "1 day".to_string()
    } else {
        format!("{days} days")
    }
}
