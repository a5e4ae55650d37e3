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
    let deleted = deleted_overdue(workspace);
    if workspace.debts.is_empty() && deleted.is_empty() {
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
        overdue(debt, today, grace, false, out);
    }
    for debt in deleted {
        overdue(debt, today, grace, true, out);
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
    // The base's debt blocks as it was merged: the change cannot lift a
    // block by rewriting the debt that causes it. A debt the change deletes
    // (or moves out of the debt glob) still counts, and so does one whose
    // feature, severity or due date the change edits; only resolving it
    // (same feature, severity and due, `resolved` set) lets the stage move.
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
                .filter(|b| !only_resolved_or_kept(b, &workspace.debts)),
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

/// `PL040` (overdue) or `PL041` (past the grace period) for open debt past
/// its `due` date. `deleted`: the change deletes the debt file (the finding
/// is at the base's copy, and says deleting does not resolve it).
fn overdue(
    debt: &Debt,
    today: jiff::civil::Date,
    grace: i64,
    deleted: bool,
    out: &mut Vec<Diagnostic>,
) {
    let Some(days) = debt.overdue_days(today) else {
        return;
    };
    let what = format!(
        "{} debt `{}` of `{}` is {} overdue",
        debt.severity.as_str(),
        debt.name,
        debt.feature,
        plural(days)
    );
    let (code, severity, message, label) = if days > grace {
        (
            codes::DEBT_PAST_GRACE,
            Severity::Error,
            format!("{what}, past the {grace}-day grace period: {}", debt.title),
            format!("due {} (today is {today})", debt.due),
        )
    } else {
        (
            codes::DEBT_OVERDUE,
            Severity::Warning,
            format!("{what}: {}", debt.title),
            format!(
                "due {} (today is {today}); an error after {grace} days",
                debt.due
            ),
        )
    };
    let deleted = if deleted {
        " (this change deletes the debt file; deleting debt does not resolve it)"
    } else {
        ""
    };
    out.push(
        Diagnostic::new(code, severity, format!("{message}{deleted}"))
            .at(&debt.file, debt.due_span.clone(), label)
            .help(format!(
                "close the gap and set `resolved = {today}`, or have {} agree a new `due` date",
                debt.owner
            ))
            .feature(debt.feature.clone()),
    );
}

/// Whether the change keeps base debt `base` as it was merged (same path,
/// feature, severity and due date), resolved or not: then the head's copy
/// speaks for it. Otherwise (deleted, moved, rewritten) the base's copy
/// still counts.
fn only_resolved_or_kept(base: &Debt, head: &[Debt]) -> bool {
    head.iter().any(|h| {
        h.file.path == base.file.path
            && h.feature == base.feature
            && h.severity == base.severity
            && h.due == base.due
    })
}

/// Base debt open and overdue that the change deletes (or moves out of the
/// debt glob): deleting a debt file does not close the gap, so it is
/// reported as if it were still there (`PL040` / `PL041`, at the base's
/// copy).
fn deleted_overdue(workspace: &Workspace) -> Vec<&Debt> {
    let Some(base) = &workspace.base else {
        return Vec::new();
    };
    base.debts
        .iter()
        .filter(|b| !workspace.debts.iter().any(|h| h.file.path == b.file.path))
        .collect()
}

fn plural(days: i64) -> String {
    if days == 1 {
        "1 day".to_string()
    } else {
        format!("{days} days")
    }
}
