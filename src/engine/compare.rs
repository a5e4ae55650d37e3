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

/// What the commit's message gains when a stale sign-off gate is deferred.
pub const RESIGN_FOLLOWS: &str = " (a warning here: the panel can only re-sign content once it is committed; the pull-request check requires the fresh go)";

/// In a staged check, turns the gates that wait for a stale sign-off into
/// warnings. A sign-off binds to committed content, so the change that
/// makes it stale must be committed before anyone can re-sign it: blocking
/// the commit would leave `--no-verify` as the only way forward. The range
/// check (the gate of a pull request) still fails until the named roles
/// give a fresh go; missing sign-offs, no-go decisions and sign-offs that
/// do not count still block the commit.
pub fn defer_resigning(staged: &mut Outcome) {
    for d in &mut staged.diagnostics {
        let stale_gate = d.role.is_some()
            && d.cause
                .as_ref()
                .is_some_and(|c| c.gate && c.key.starts_with("stale: "));
        if stale_gate && d.severity == Severity::Error {
            d.severity = Severity::Warning;
            d.message.push_str(RESIGN_FOLLOWS);
            // Said once for a group of roles too (grouped output words the
            // message from the cause).
            if let Some(cause) = &mut d.cause {
                cause.message.1.push_str(RESIGN_FOLLOWS);
            }
        }
    }
}
