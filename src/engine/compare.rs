//! A staged check blocks a commit only for what the commit makes worse.
//!
//! The pre-commit hook runs `policy lint --staged`. A finding that HEAD
//! already has, on a file the commit does not touch, is not the commit's
//! doing: blocking it would stop the very commits that repair it (three
//! panel members re-signing a changed feature one commit at a time, each
//! commit leaving the other two sign-offs stale). Such findings are still
//! reported, as notes that say so; new findings, and findings in files the
//! commit changes, keep their severity.

use std::collections::BTreeSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Outcome;

/// What identifies a finding across the two runs: its code, feature, file
/// and message (which names the role, field or value at fault).
fn key(d: &Diagnostic) -> (String, Option<String>, Option<String>, String) {
    (
        d.code.clone(),
        d.feature.clone(),
        d.primary.as_ref().map(|l| l.file.path.clone()),
        d.message.clone(),
    )
}

/// Turns the errors and warnings of `staged` that `head` already has, on
/// files outside `changed`, into notes.
pub fn demote_preexisting(staged: &mut Outcome, head: &Outcome, changed: &BTreeSet<String>) {
    let before: BTreeSet<_> = head
        .diagnostics
        .iter()
        .filter(|d| d.severity > Severity::Note)
        .map(key)
        .collect();
    for d in &mut staged.diagnostics {
        // A waiver running out is an event of time, not of the commit, and
        // is worth hearing at every commit.
        if d.severity == Severity::Note
            || d.config
            || d.code == crate::rules::codes::WAIVER_EXPIRING
        {
            continue;
        }
        let in_changed_file = d
            .primary
            .as_ref()
            .is_some_and(|l| changed.contains(&l.file.path));
        if !in_changed_file && before.contains(&key(d)) {
            d.severity = Severity::Note;
            d.message
                .push_str(" (already so at HEAD; this commit does not make it worse)");
        }
    }
}
