//! Checks on the change itself rather than on features: changed playbooks
//! and policies must raise their versions, changed policies must carry their
//! owners' sign-offs, and sign-off and waiver files must have been written by
//! members of their roles.

use std::collections::BTreeSet;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::config::Config;
use crate::model::digest::digest;
use crate::model::policy::Policy;
use crate::model::signoff::Decision;
use crate::model::workspace::{Author, Workspace};
use crate::rules::codes;

/// Paths of sign-off and waiver files whose author is not a member of the
/// role they speak for. They do not count as approvals.
pub fn unauthorised(workspace: &Workspace) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if !workspace.config.verify_authors {
        return out;
    }
    for (path, role, _) in authored_files(workspace) {
        if let Some(author) = workspace.history.authors.get(path)
            && !is_member(&workspace.config, role, &author.email)
        {
            out.insert(path.to_string());
        }
    }
    out
}

fn is_member(config: &Config, role: &str, email: &str) -> bool {
    match config.roles.get(role) {
        // A role without listed members cannot be verified; the unknown or
        // empty role is reported elsewhere.
        Some(r) if r.members.is_empty() => true,
        Some(r) => r.members.iter().any(|m| m.eq_ignore_ascii_case(email)),
        None => true,
    }
}

/// A file that speaks for a role: its path, the role, and where to point.
type Authored<'a> = (
    &'a str,
    &'a str,
    (&'a std::sync::Arc<SourceFile>, std::ops::Range<usize>),
);

/// Every sign-off and waiver: its path, the role it speaks for, and the span
/// to point at (signer, or `approved_by`).
fn authored_files(workspace: &Workspace) -> Vec<Authored<'_>> {
    let mut out = Vec::new();
    for signoff in workspace
        .feature_signoffs
        .values()
        .chain(workspace.policy_signoffs.values())
        .flatten()
    {
        out.push((
            signoff.file.path.as_str(),
            signoff.role.as_str(),
            (&signoff.file, signoff.signer_span.clone()),
        ));
    }
    for waiver in &workspace.waivers {
        out.push((
            waiver.file.path.as_str(),
            waiver.approved_by.as_str(),
            (&waiver.file, waiver.approved_by_span.clone()),
        ));
    }
    out
}

pub fn check(workspace: &Workspace, out: &mut Vec<Diagnostic>) {
    authorship(workspace, out);
    if let Some(base) = &workspace.base {
        playbook_versions(workspace, base, out);
        policy_changes(workspace, base, out);
        for path in &workspace.history.removed_signoffs {
            let file = SourceFile::new(path.clone(), format!("{path} (deleted by this change)"));
            let len = file.text.len();
            out.push(
                Diagnostic::new(
                    codes::SIGNOFF_REMOVED,
                    Severity::Warning,
                    format!("this change deletes the sign-off `{path}`"),
                )
                .at(&file, 0..len, "deleted")
                .help("keep the sign-off, or make sure its role agreed to withdraw it"),
            );
        }
    }
}

fn authorship(workspace: &Workspace, out: &mut Vec<Diagnostic>) {
    if !workspace.config.verify_authors {
        return;
    }
    let files = authored_files(workspace);
    if files.is_empty() {
        return;
    }
    if let Some(reason) = &workspace.history.unavailable {
        let mut d = Diagnostic::new(
            codes::HISTORY_UNAVAILABLE,
            Severity::Warning,
            format!(
                "could not verify who wrote {} sign-off and waiver file(s): {reason}",
                files.len()
            ),
        )
        .help(
            "run inside the git repository, or set `signoff.verify_authors = false` in policy.toml",
        );
        if let Some(config) = &workspace.config.file {
            let start = config.text.find("verify_authors").unwrap_or(0);
            let end = if start > 0 {
                start + "verify_authors".len()
            } else {
                0
            };
            d = d.at(config, start..end, "authorship checks are on");
        }
        out.push(d);
        return;
    }
    for (path, reason) in &workspace.history.unverified {
        if let Some((_, _, (file, span))) = files.iter().find(|(p, _, _)| p == path) {
            out.push(
                Diagnostic::new(
                    codes::HISTORY_UNAVAILABLE,
                    Severity::Warning,
                    format!("could not verify who wrote `{path}`: {reason}"),
                )
                .at(file, span.clone(), "author not verified"),
            );
        }
    }
    for (path, role, (file, span)) in files {
        let Some(Author { email, source }) = workspace.history.authors.get(path) else {
            continue;
        };
        if is_member(&workspace.config, role, email) {
            continue;
        }
        let members = workspace
            .config
            .roles
            .get(role)
            .map(|r| r.members.join(", "))
            .unwrap_or_default();
        let mut d = Diagnostic::new(
            codes::AUTHOR_NOT_MEMBER,
            Severity::Error,
            format!("`{path}` was last changed by {email} in {source}, who is not a member of role `{role}`"),
        )
        .at(file, span, format!("speaks for `{role}`"))
        .help(format!("a member of `{role}` ({members}) must commit this file"));
        if let (Some(config), Some(span)) = (
            &workspace.config.file,
            workspace
                .config
                .roles
                .get(role)
                .and_then(|r| r.span.clone()),
        ) {
            d = d.related(config, span, "role defined here");
        }
        out.push(d);
    }
}

fn playbook_versions(
    workspace: &Workspace,
    base: &crate::model::workspace::Base,
    out: &mut Vec<Diagnostic>,
) {
    for playbook in &workspace.playbooks {
        if !base.changed.contains(&playbook.file.path) {
            continue;
        }
        let Some(old) = base.playbooks.iter().find(|p| p.id == playbook.id) else {
            continue;
        };
        if old.file.text == playbook.file.text {
            continue;
        }
        let span = playbook
            .front_matter
            .get("version")
            .map_or(0..0, |n| n.span.clone());
        if playbook.version <= old.version {
            let lowered = playbook.version < old.version;
            out.push(
                Diagnostic::new(
                    codes::VERSION_NOT_RAISED,
                    Severity::Error,
                    version_message(
                        "playbook",
                        &playbook.id,
                        &old.version,
                        &playbook.version,
                        lowered,
                    ),
                )
                .at(
                    &playbook.file,
                    span,
                    format!("was {} at the base", old.version),
                )
                .help(format!(
                    "set `version = {}` and tell the squads that follow it",
                    old.version + 1
                )),
            );
        }
    }
}

/// The message of a changed file whose version did not go up.
fn version_message(
    kind: &str,
    id: &str,
    old: &dyn std::fmt::Display,
    new: &dyn std::fmt::Display,
    lowered: bool,
) -> String {
    if lowered {
        format!("{kind} `{id}` lowers its version from {old} to {new}")
    } else {
        format!("{kind} `{id}` changed without raising its version ({old})")
    }
}

fn policy_changes(
    workspace: &Workspace,
    base: &crate::model::workspace::Base,
    out: &mut Vec<Diagnostic>,
) {
    let changed: Vec<&Policy> = if workspace.checked_policies.is_empty() {
        workspace.policies.iter().filter(|p| !p.builtin).collect()
    } else {
        workspace.checked_policies.iter().collect()
    };
    for policy in changed {
        if !base.changed.contains(&policy.file.path) {
            continue;
        }
        let new_digest = digest(&policy.table, &[]);
        let old = base.policies.iter().find(|p| p.id == policy.id);
        if let Some(old) = old {
            if digest(&old.table, &[]) == new_digest {
                continue; // reformatted only
            }
            if policy.version <= old.version {
                let lowered = policy.version < old.version;
                out.push(
                    Diagnostic::new(
                        codes::VERSION_NOT_RAISED,
                        Severity::Error,
                        version_message(
                            "policy",
                            &policy.id,
                            &old.version.text,
                            &policy.version.text,
                            lowered,
                        ),
                    )
                    .at(&policy.file, policy.version_span.clone(), format!("was {} at the base", old.version.text))
                    .help("raise the version; raise the major version if existing sign-offs should no longer count"),
                );
            }
        }
        let signoffs = workspace.policy_signoffs.get(&policy.id);
        for owner in &policy.owners {
            let signoff = signoffs.and_then(|list| list.iter().find(|s| s.role == owner.text));
            let problem = match signoff {
                None => Some("no sign-off".to_string()),
                Some(s) if s.decision == Decision::NoGo => Some("a no-go".to_string()),
                Some(s) if s.digest != new_digest => {
                    Some("a sign-off on different content".to_string())
                }
                Some(_) => None,
            };
            let Some(problem) = problem else { continue };
            let what = if old.is_some() { "modifies" } else { "adds" };
            let mut d = Diagnostic::new(
                codes::POLICY_CHANGE_UNSIGNED,
                Severity::Error,
                format!(
                    "this change {what} policy `{}`, and owner `{}` has {problem}",
                    policy.id, owner.text
                ),
            )
            .at(&policy.file, owner.span.clone(), format!("`{}` must sign the new version", owner.text))
            .help(format!(
                "after review, a member of `{}` runs `policy sign --policy {} --role {}` and commits policies/signoffs/{}/{}.toml",
                owner.text, policy.id, owner.text, policy.id, owner.text
            ));
            if let Some(s) = signoff {
                d = d.related(&s.file, s.digest_span.clone(), "this sign-off");
            }
            out.push(d);
        }
    }
}
