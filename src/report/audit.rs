//! The formats of `policy audit` (documented in `docs/audit-format.md`):
//! CSV (the event table, RFC 4180), JSON (events and KPIs) and Markdown (a
//! report an auditor reads: per feature, the chain of decisions).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::{Action, Audit, Event, Kind, QuarterKpis};
use crate::report::{code_span, markdown_text};

pub const FORMAT_VERSION: u32 = 1;

/// The CSV columns, in order (DESIGN §5).
pub const CSV_COLUMNS: [&str; 12] = [
    "date",
    "commit",
    "author",
    "signed",
    "kind",
    "action",
    "path",
    "feature",
    "role",
    "decision",
    "member",
    "policy_version",
];

/// The event table: a header row, then one row per event, oldest first.
/// Fields are quoted when they hold a comma, a quote or a line break;
/// values from the repository that a spreadsheet would run as a formula
/// start with `'`.
pub fn csv(audit: &Audit) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing into memory cannot fail.
    let _ = writer.write_record(CSV_COLUMNS);
    for event in &audit.events {
        let text = |value: &Option<String>| inert(value.as_deref().unwrap_or_default());
        let _ = writer.write_record([
            event.date.clone(),
            event.commit.clone(),
            inert(&event.author),
            event.signed.as_str().to_string(),
            event.kind.as_str().to_string(),
            event.action.as_str().to_string(),
            inert(&event.path),
            text(&event.feature),
            text(&event.role),
            text(&event.decision),
            event.member.map(|m| m.to_string()).unwrap_or_default(),
            text(&event.policy_version),
        ]);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A value from the repository as a CSV cell a spreadsheet shows as text:
/// one that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
/// (which spreadsheets read as a formula) gains a leading `'` (OWASP's
/// advice against CSV injection). Commit authors and file names are
/// anyone's to choose.
fn inert(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    #[serde(flatten)]
    audit: &'a Audit,
}

/// One JSON document: `version`, `head`, `since`, `until`, `commits`,
/// `events`, `kpis`.
pub fn json(audit: &Audit) -> String {
    let document = Document {
        version: FORMAT_VERSION,
        audit,
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

fn day(event: &Event) -> &str {
    event.date.get(..10).unwrap_or(&event.date)
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "",
    }
}

fn or_dash(value: Option<&str>) -> String {
    value.map_or_else(|| "–".to_string(), markdown_text)
}

/// What happened, in words.
fn describe(event: &Event) -> String {
    let text = |v: &Option<String>| or_dash(v.as_deref());
    match event.kind {
        Kind::Stage => match event.action {
            Action::Added => format!("new feature at stage {}", text(&event.decision)),
            Action::Changed => format!(
                "stage {} → {}",
                text(&event.previous),
                text(&event.decision)
            ),
            Action::Removed => format!("manifest removed (was {})", text(&event.decision)),
        },
        Kind::Feature => {
            let mut line = "content changed (new digest)".to_string();
            if !event.stale_signoffs.is_empty() {
                line.push_str(&format!(
                    "; sign-offs no longer matching: {}",
                    markdown_text(&event.stale_signoffs.join(", "))
                ));
            }
            line
        }
        Kind::Signoff => {
            let role = text(&event.role);
            let decision = text(&event.decision);
            let mut line = match event.action {
                Action::Added => format!("{role} signed **{decision}**"),
                Action::Changed if event.previous == event.decision => {
                    format!("{role} signed again **{decision}**")
                }
                Action::Changed => format!(
                    "{role} changed its sign-off {} → **{decision}**",
                    text(&event.previous)
                ),
                Action::Removed => format!("{role} sign-off (**{decision}**) revoked"),
            };
            if let Some(signer) = &event.signer {
                line.push_str(&format!(" (signer {})", markdown_text(signer)));
            }
            if event.feature.is_none()
                && let Some(subject) = &event.subject
            {
                line.push_str(&format!(" on {}", markdown_text(subject)));
            }
            match event.fresh {
                Some(true) => line.push_str("; matches the feature"),
                Some(false) => line.push_str("; **does not match the feature's content**"),
                None => {}
            }
            line
        }
        Kind::Waiver => {
            let what = text(&event.decision);
            match event.action {
                Action::Added => format!("waiver granted: {what}"),
                Action::Changed => {
                    format!("waiver changed: {} → {what}", text(&event.previous))
                }
                Action::Removed => format!("waiver removed: {what}"),
            }
        }
        Kind::Policy => format!(
            "policy {} {}",
            event.action.as_str(),
            text(&event.policy_version)
        ),
        Kind::Config => format!("{} {}", code_span(&event.path), event.action.as_str()),
        Kind::Debt => match &event.debt {
            Some(debt) => {
                let due = match &debt.previous_due {
                    Some(before) => format!("due {before} → {}", debt.due),
                    None => format!("due {}", debt.due),
                };
                let resolved = debt
                    .resolved
                    .as_ref()
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default();
                format!(
                    "debt {} ({}{resolved}; {}, {due}, owner {}): {}",
                    event.action.as_str(),
                    text(&event.decision),
                    debt.severity.as_str(),
                    markdown_text(&debt.owner),
                    markdown_text(&debt.title)
                )
            }
            None => format!("debt {} ({})", event.action.as_str(), text(&event.decision)),
        },
    }
}

fn event_row(event: &Event) -> String {
    let mut what = describe(event);
    if let Some(problem) = &event.problem {
        what.push_str(&format!(" — unreadable: {}", markdown_text(problem)));
    }
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        day(event),
        code_span(short(&event.commit)),
        markdown_text(&event.author),
        what,
        event.signed.as_str(),
        yes_no(event.member),
        or_dash(event.policy_version.as_deref()),
    )
}

const EVENT_HEADER: &str = "| date | commit | author | event | signature | member | policy |\n\
                            | --- | --- | --- | --- | --- | --- | --- |\n";

fn kpi_number(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.1}"))
}

fn kpi_table(kpis: &[QuarterKpis], out: &mut String) {
    if kpis.is_empty() {
        out.push_str("Nothing to count in this window.\n");
        return;
    }
    out.push_str(
        "| quarter | cleared | launched | median days concept → launched | median days in review | waivers granted | waivers expired | debt opened | debt closed |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for q in kpis {
        out.push_str(&format!(
            "| {} | {} | {} | {} ({}) | {} ({}) | {} | {} | {} | {} |\n",
            q.quarter,
            q.cleared,
            q.launched,
            kpi_number(q.median_days_concept_to_launched),
            q.launches_measured,
            kpi_number(q.median_days_in_review),
            q.review_stays,
            q.waivers_granted,
            q.waivers_expired,
            q.debt_opened,
            q.debt_closed,
        ));
    }
}

/// For each launch of a feature: the last decision of each role recorded
/// on it before the launch commit (in history order), as a list.
fn launch_chain(events: &[&Event], out: &mut String) {
    let mut latest: BTreeMap<String, &Event> = BTreeMap::new();
    for event in events {
        match event.kind {
            Kind::Signoff => {
                if let Some(role) = &event.role {
                    if event.action == Action::Removed {
                        latest.remove(role);
                    } else {
                        latest.insert(role.clone(), event);
                    }
                }
            }
            Kind::Stage
                if event.action != Action::Removed
                    && event.decision.as_deref() == Some("launched") =>
            {
                out.push_str(&format!(
                    "\n**Launched** on {} in {} by {} (signature: {}). Decisions in force:\n\n",
                    day(event),
                    code_span(short(&event.commit)),
                    markdown_text(&event.author),
                    event.signed.as_str()
                ));
                if latest.is_empty() {
                    out.push_str("- none recorded\n");
                }
                for (role, signoff) in &latest {
                    out.push_str(&format!(
                        "- {}: **{}** by {} on {} in {} under {}; committer {} a member at that commit; signature {}{}\n",
                        markdown_text(role),
                        or_dash(signoff.decision.as_deref()),
                        or_dash(signoff.signer.as_deref()),
                        day(signoff),
                        code_span(short(&signoff.commit)),
                        or_dash(signoff.policy_version.as_deref()),
                        if signoff.member == Some(true) { "was" } else { "was **not**" },
                        signoff.signed.as_str(),
                        match signoff.fresh {
                            Some(false) => "; **bound to other content**",
                            _ => "",
                        },
                    ));
                }
            }
            _ => {}
        }
    }
}

/// A report for auditors: the KPIs, then per feature its events in order
/// and, for each launch, the decisions it rested on; then policies,
/// configuration and other sign-offs.
pub fn markdown(audit: &Audit) -> String {
    let mut out = String::from("# Audit trail\n\n");
    let window = match (&audit.since, &audit.until) {
        (None, None) => "all history".to_string(),
        (Some(s), None) => format!("from {s}"),
        (None, Some(u)) => format!("up to {u}"),
        (Some(s), Some(u)) => format!("from {s} to {u}"),
    };
    out.push_str(&format!(
        "History of {} ({} commits), {window}: {} events. Dates are commit times (UTC); \
         membership and signatures are judged by the `policy.toml` and allowed-signers file \
         in force when each commit was made (as its pull-request check judged it).\n\n",
        code_span(short(&audit.head)),
        audit.commits,
        audit.events.len(),
    ));
    out.push_str("## Gate KPIs per quarter\n\n");
    kpi_table(&audit.kpis, &mut out);

    let mut features: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    let mut other: Vec<&Event> = Vec::new();
    for event in &audit.events {
        match &event.feature {
            Some(feature) => features.entry(feature).or_default().push(event),
            None => other.push(event),
        }
    }
    out.push_str("\n## Features\n");
    if features.is_empty() {
        out.push_str("\nNo feature events in this window.\n");
    }
    for (feature, events) in &features {
        out.push_str(&format!("\n### {}\n\n", code_span(feature)));
        out.push_str(EVENT_HEADER);
        for event in events {
            out.push_str(&event_row(event));
        }
        launch_chain(events, &mut out);
    }
    out.push_str("\n## Policies, configuration and other sign-offs\n\n");
    if other.is_empty() {
        out.push_str("None in this window.\n");
    } else {
        out.push_str(EVENT_HEADER);
        for event in other {
            out.push_str(&event_row(event));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_cells_are_inert() {
        assert_eq!(super::inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::inert("@sum"), "'@sum");
        assert_eq!(super::inert("ana@example.com"), "ana@example.com");
    }
}
