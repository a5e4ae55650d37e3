//! Checks on the change itself rather than on features: changed playbooks
//! and policies must raise their versions, changed policies must carry their
//! owners' sign-offs, and sign-off and waiver files must have been written by
//! members of their roles.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::config::Config;
use crate::model::digest::digest;
use crate::model::policy::{Policy, SpannedText};
use crate::model::signoff::Decision;
use crate::model::workspace::{Author, Workspace};
use crate::rules::codes;

/// Sign-off and waiver files whose content was written by someone who is
/// not a member of the role they speak for, by a commit whose signature
/// does not verify, or whose authorship the history cannot establish in a
/// change, each with why, worded to follow "does not count:". They do not
/// count as approvals.
pub fn unauthorised(workspace: &Workspace) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !workspace.config.verify_authors {
        return out;
    }
    for (path, role, _) in authored_files(workspace) {
        let authors = workspace.history.authors.get(path).into_iter().flatten();
        let mut why = None;
        for author in authors {
            if !workspace.config.is_member(role, &author.email) {
                why = Some(format!(
                    "{}, who is not a member of `{role}`, wrote it in {}",
                    author.email, author.source
                ));
                break;
            }
            if let Some((true, problem)) = signature_problem(&workspace.config, role, author) {
                why = Some(format!("its signature does not verify: {problem}"));
                break;
            }
        }
        if why.is_none()
            && let Some((_, reason)) = workspace
                .history
                .unaccounted
                .iter()
                .find(|(p, _)| p == path)
        {
            why = Some(format!("who wrote it cannot be established: {reason}"));
        }
        if let Some(why) = why {
            out.insert(path.to_string(), why);
        }
    }
    out
}

/// With `require_signed`: what is wrong with an author's signature, if
/// anything, and whether it blocks (a commit not made yet is only noted).
fn signature_problem(config: &Config, role: &str, author: &Author) -> Option<(bool, String)> {
    use crate::model::allowed_signers::{Verdict, principal_matches, shown};
    if !config.require_signed {
        return None;
    }
    let commit = &author.source;
    let message = match author.signature.as_ref()? {
        // The key must be listed for the commit's author, who must be a
        // member: a member's key cannot vouch for a commit claiming to be
        // someone else's.
        Verdict::Valid { principals } => {
            let members = config.members(role).unwrap_or_default();
            if principal_matches(principals, &author.email)
                && members
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(&author.email))
            {
                return None;
            }
            if members.iter().any(|m| principal_matches(principals, m)) {
                format!(
                    "{commit} is signed by a key listed for {}, not for its author {}",
                    shown(principals),
                    author.email
                )
            } else {
                format!(
                    "{commit} is signed by a key listed for {}, who is not a member of role `{role}`",
                    shown(principals)
                )
            }
        }
        Verdict::Pending => {
            return Some((
                false,
                "the commit does not exist yet, so its signature is checked when the change is (in CI, with --base)".to_string(),
            ));
        }
        Verdict::Unsigned => format!("{commit} is not signed"),
        Verdict::Gpg => format!(
            "{commit} carries a GPG signature; only SSH signatures (`gpg.format = ssh`) are verified"
        ),
        Verdict::X509 => format!(
            "{commit} carries an X.509 signature; only SSH signatures (`gpg.format = ssh`) are verified"
        ),
        Verdict::UnlistedKey { fingerprint } => format!(
            "{commit} is signed by key {fingerprint}, which the allowed-signers file does not list"
        ),
        Verdict::Expired { principals, window } => format!(
            "{commit} is signed by the key of {}, which is valid only {window}",
            principals.join(", ")
        ),
        Verdict::WrongNamespace { namespace } => {
            format!("{commit} is signed in namespace `{namespace}`, not for git commits (`git`)")
        }
        Verdict::Invalid { reason } => format!("{commit}: {reason}"),
        Verdict::NoAllowedSigners { reason } => {
            format!("{commit} cannot be verified: {reason}")
        }
    };
    Some((true, message))
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
        .chain(workspace.playbook_signoffs.values())
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
    // By path, so each lookup below is not a scan of every file.
    let by_path: std::collections::HashMap<&str, &Authored<'_>> =
        files.iter().map(|f| (f.0, f)).collect();
    for (path, reason) in &workspace.history.unverified {
        if let Some((_, _, (file, span))) = by_path.get(path.as_str()).copied() {
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
    for (path, reason) in &workspace.history.unaccounted {
        if let Some((_, role, (file, span))) = by_path.get(path.as_str()).copied() {
            out.push(
                Diagnostic::new(
                    codes::AUTHOR_NOT_MEMBER,
                    Severity::Error,
                    format!("cannot establish who wrote `{path}`: {reason}"),
                )
                .at(file, span.clone(), format!("speaks for `{role}`"))
                .help(format!(
                    "a member of `{role}` commits this content on the branch being checked"
                )),
            );
        }
    }
    for (path, role, (file, span)) in files {
        let Some(authors) = workspace.history.authors.get(path) else {
            continue;
        };
        for author in authors {
            if let Some((blocking, message)) = signature_problem(&workspace.config, role, author) {
                out.push(
                    Diagnostic::new(
                        codes::SIGNATURE_NOT_VERIFIED,
                        if blocking {
                            Severity::Error
                        } else {
                            Severity::Note
                        },
                        format!("`{path}`: {message}"),
                    )
                    .at(file, span.clone(), format!("speaks for `{role}`"))
                    .help(
                        "sign commits with an SSH key (`git config gpg.format ssh`, `git config user.signingkey <key.pub>`, `git commit -S`) listed for you in the allowed-signers file of the target branch",
                    ),
                );
            }
            let Author { email, source, .. } = author;
            if workspace.config.is_member(role, email) {
                continue;
            }
            let help = match workspace.config.members(role) {
                Some(members) => format!(
                    "a member of `{role}` ({}) must commit this file",
                    members.join(", ")
                ),
                None => format!(
                    "role `{role}` has no members, so nobody can speak for it: list them under [roles.{role}] in policy.toml"
                ),
            };
            let mut d = Diagnostic::new(
                codes::AUTHOR_NOT_MEMBER,
                Severity::Error,
                format!("`{path}` was written by {email} in {source}, who is not a member of role `{role}`"),
            )
            .at(file, span.clone(), format!("speaks for `{role}`"))
            .help(help);
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
}

fn playbook_versions(
    workspace: &Workspace,
    base: &crate::model::workspace::Base,
    out: &mut Vec<Diagnostic>,
) {
    for playbook in &workspace.playbooks {
        let Some(old) = base.playbooks.iter().find(|p| p.id == playbook.id) else {
            continue;
        };
        // The base's required sections hold for the changed playbook: a
        // change cannot drop a section by dropping its requirement.
        for (section, span) in &old.required_sections {
            let present = playbook
                .headings
                .iter()
                .any(|h| h.text.trim().eq_ignore_ascii_case(section.trim()));
            let still_required = playbook
                .required_sections
                .iter()
                .any(|(s, _)| s.trim().eq_ignore_ascii_case(section.trim()));
            if !present && !still_required {
                let anchor = playbook
                    .front_matter
                    .get("id")
                    .map_or(0..0, |n| n.span.clone());
                out.push(
                    Diagnostic::new(
                        codes::PLAYBOOK_MISSING_SECTION,
                        Severity::Error,
                        format!(
                            "playbook `{}` is missing section `{section}`, which the base version requires",
                            playbook.id
                        ),
                    )
                    .at(&playbook.file, anchor, "no heading has this text")
                    .related(&old.file, span.clone(), "required at the base")
                    .help(format!("keep the `## {section}` section; removing a required section is a change of its own, reviewed on the base")),
                );
            }
        }
        if !base.changed.contains(&playbook.file.path) {
            continue;
        }
        let new_digest = playbook.digest();
        if old.digest() != new_digest {
            // The base's owners judge the change; the new version can add
            // owners, never drop them.
            let mut roles = old.owners.clone();
            for owner in &playbook.owners {
                if !roles.iter().any(|r| r.text == owner.text) {
                    roles.push(owner.clone());
                }
            }
            let document = Document {
                kind: "playbook",
                id: &playbook.id,
                file: &playbook.file,
                anchor: playbook
                    .front_matter
                    .get("id")
                    .map_or(0..0, |n| n.span.clone()),
                signoffs: workspace.playbook_signoffs.get(&playbook.id),
                dir: format!("playbooks/signoffs/{}", playbook.id),
                sign: format!("policy sign --playbook {}", playbook.id),
            };
            require_signoffs(
                workspace,
                &document,
                &roles,
                &new_digest,
                Subject::Modified,
                out,
            );
        }
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

/// A change to a policy is a change of the base's policy: edits, deletions
/// (or moves out of the policies glob, or id changes) need a fresh go from
/// every owner role the base version lists (plus any the new version adds),
/// and new policies need a go from `[policies] admins`.
/// `policy.toml` is part of the judge: a change that edits or deletes the
/// config in force (roles and members, admins, approvers, sign-off options)
/// needs a fresh go from the base's `[policies] admins`, like a new policy.
fn config_change(
    workspace: &Workspace,
    base: &crate::model::workspace::Base,
    out: &mut Vec<Diagnostic>,
) {
    use crate::model::workspace::CONFIG_SIGNOFF_ID;
    let (Some((path, new)), Some(old)) = (&base.config_change, &workspace.config.file) else {
        return;
    };
    let canonical = |file: &Arc<SourceFile>| {
        crate::model::read::parse_toml(file)
            .ok()
            .map(|table| digest(&table, &[]))
    };
    let (file, subject, digest_value) = match new {
        Some(file) => {
            if canonical(file) == canonical(old) {
                return; // reformatted only
            }
            (file, Subject::Modified, canonical(file).unwrap_or_default())
        }
        None => (old, Subject::Deleted, canonical(old).unwrap_or_default()),
    };
    let admins = admin_roles(workspace);
    let document = Document {
        kind: "config",
        id: path,
        file,
        anchor: 0..0,
        signoffs: workspace.policy_signoffs.get(CONFIG_SIGNOFF_ID),
        dir: format!("policies/signoffs/{CONFIG_SIGNOFF_ID}"),
        sign: "policy sign --config-change".into(),
    };
    require_signoffs(workspace, &document, &admins, &digest_value, subject, out);
}

/// The allowed-signers file judges signatures: a change to it is a change
/// of the judge, like `policy.toml`, and needs the base's admins' go on
/// the new content (or on the deletion).
fn signers_change(
    workspace: &Workspace,
    base: &crate::model::workspace::Base,
    out: &mut Vec<Diagnostic>,
) {
    use crate::model::workspace::SIGNERS_SIGNOFF_ID;
    let Some((path, old, new)) = &base.signers_change else {
        return;
    };
    let text_digest = |file: &Arc<SourceFile>| crate::model::digest::digest_text(&file.text);
    let (file, subject, digest_value) = match (new, old) {
        (Some(new), Some(old)) if text_digest(new) == text_digest(old) => return,
        (Some(new), _) => (new, Subject::Modified, text_digest(new)),
        (None, Some(old)) => (old, Subject::Deleted, text_digest(old)),
        (None, None) => return,
    };
    let admins = admin_roles(workspace);
    let document = Document {
        kind: "allowed signers",
        id: path,
        file,
        anchor: 0..0,
        signoffs: workspace.policy_signoffs.get(SIGNERS_SIGNOFF_ID),
        dir: format!("policies/signoffs/{SIGNERS_SIGNOFF_ID}"),
        sign: "policy sign --signers-change".into(),
    };
    require_signoffs(workspace, &document, &admins, &digest_value, subject, out);
}

/// `[policies] admins` of the config in force, as roles to require (no
/// span of their own: findings point at the document).
fn admin_roles(workspace: &Workspace) -> Vec<SpannedText> {
    workspace
        .config
        .policy_admins
        .iter()
        .map(|r| SpannedText {
            text: r.value.clone(),
            span: 0..0,
        })
        .collect()
}

fn policy_changes(
    workspace: &Workspace,
    base: &crate::model::workspace::Base,
    out: &mut Vec<Diagnostic>,
) {
    config_change(workspace, base, out);
    signers_change(workspace, base, out);
    if base.adopting {
        if let Some(first) = workspace.checked_policies.first() {
            out.push(
                Diagnostic::new(
                    codes::POLICY_CHANGE_UNSIGNED,
                    Severity::Note,
                    "this change adopts policy checking: the base has no `policy.toml` and no \
                     policies, so its policies need nobody's sign-off now; they judge every \
                     later change once it lands"
                        .to_string(),
                )
                .at(&first.file, policy_id_span(first), "adopted here"),
            );
        }
        return;
    }
    let own = &workspace.checked_policies;
    let admins = admin_roles(workspace);
    let owners_of = |policy: &Policy| -> Vec<SpannedText> {
        if policy.owners.is_empty() {
            admins.clone()
        } else {
            policy.owners.clone()
        }
    };
    for old in &base.policies {
        match own.iter().find(|p| p.id == old.id) {
            Some(new) => {
                let new_digest = digest(&new.table, &[]);
                if digest(&old.table, &[]) == new_digest {
                    continue; // reformatted or moved within the glob only
                }
                if new.version <= old.version {
                    let lowered = new.version < old.version;
                    out.push(
                        Diagnostic::new(
                            codes::VERSION_NOT_RAISED,
                            Severity::Error,
                            version_message("policy", &new.id, &old.version.text, &new.version.text, lowered),
                        )
                        .at(&new.file, new.version_span.clone(), format!("was {} at the base", old.version.text))
                        .help("raise the version; raise the major version if existing sign-offs should no longer count"),
                    );
                }
                // The base's owners judge the change; new owners are added,
                // never dropped.
                let mut roles = owners_of(old);
                for owner in &new.owners {
                    if !roles.iter().any(|r| r.text == owner.text) {
                        roles.push(owner.clone());
                    }
                }
                require_policy_signoffs(
                    workspace,
                    new,
                    &roles,
                    &new_digest,
                    Subject::Modified,
                    out,
                );
            }
            None => {
                let old_digest = digest(&old.table, &[]);
                require_policy_signoffs(
                    workspace,
                    old,
                    &owners_of(old),
                    &old_digest,
                    Subject::Deleted,
                    out,
                );
            }
        }
    }
    for new in own {
        if base.policies.iter().any(|p| p.id == new.id) {
            continue;
        }
        let new_digest = digest(&new.table, &[]);
        require_policy_signoffs(workspace, new, &admins, &new_digest, Subject::Added, out);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Subject {
    Added,
    Modified,
    Deleted,
}

/// A versioned document whose changes need sign-offs: a policy or a
/// playbook.
struct Document<'a> {
    /// `policy`, `playbook`, `config` or `allowed signers`.
    kind: &'static str,
    id: &'a str,
    file: &'a Arc<SourceFile>,
    /// Where to point when a role has no span of its own.
    anchor: std::ops::Range<usize>,
    signoffs: Option<&'a Vec<crate::model::signoff::Signoff>>,
    /// The directory of its sign-offs (`policies/signoffs/<id>`).
    dir: String,
    /// The `policy sign` arguments that sign it, before `--role`.
    sign: String,
}

fn require_policy_signoffs(
    workspace: &Workspace,
    policy: &Policy,
    roles: &[SpannedText],
    digest_value: &str,
    subject: Subject,
    out: &mut Vec<Diagnostic>,
) {
    let document = Document {
        kind: "policy",
        id: &policy.id,
        file: &policy.file,
        anchor: policy_id_span(policy),
        signoffs: workspace.policy_signoffs.get(&policy.id),
        dir: format!("policies/signoffs/{}", policy.id),
        sign: format!("policy sign --policy {}", policy.id),
    };
    require_signoffs(workspace, &document, roles, digest_value, subject, out);
}

fn require_signoffs(
    workspace: &Workspace,
    document: &Document<'_>,
    roles: &[SpannedText],
    digest_value: &str,
    subject: Subject,
    out: &mut Vec<Diagnostic>,
) {
    let (kind, id) = (document.kind, document.id);
    let unauthorised = unauthorised(workspace);
    for role in roles {
        let signoff = document
            .signoffs
            .and_then(|list| list.iter().find(|s| s.role == role.text));
        let unknown_author = author_unknown(workspace, &document.file.path);
        let problem = match signoff {
            None => Some("no sign-off".to_string()),
            Some(s) if s.decision != Decision::Go => {
                Some(format!("a `{}` decision", s.decision.as_str()))
            }
            Some(s) if s.digest != digest_value => {
                Some("a sign-off on different content".to_string())
            }
            Some(s) if s.deletes != (subject == Subject::Deleted) => Some(if s.deletes {
                "a sign-off that approves deleting it, not changing it".to_string()
            } else {
                "a sign-off on its content, not on deleting it (`deletes = true`)".to_string()
            }),
            Some(s) if unauthorised.contains_key(&s.file.path) => Some(format!(
                "a sign-off that does not count ({})",
                unauthorised[&s.file.path]
            )),
            Some(s) if self_approved(workspace, s, &document.file.path).is_some() => Some(format!(
                "a sign-off by {}, who wrote this change (`[signoff] no_self_approval`)",
                self_approved(workspace, s, &document.file.path).unwrap_or_default()
            )),
            Some(s) if unknown_author.is_some() => {
                let (why, help) =
                    unknown_author.map_or(("", ""), |u| (u.why.as_str(), u.help.as_str()));
                out.push(
                    Diagnostic::new(
                        codes::SEPARATION_OF_DUTIES,
                        Severity::Error,
                        format!(
                            "`{}` sign-off on {kind} `{id}` does not count: the author of the change it approves could not be determined: {why}",
                            s.role
                        ),
                    )
                    .at(&s.file, s.signer_span.clone(), "may approve its signer's own change")
                    .help(format!(
                        "{help} (`[signoff] no_self_approval` needs to know who wrote what is signed)"
                    )),
                );
                Some(format!(
                    "a sign-off that does not count (the author of the change could not be determined: {why})"
                ))
            }
            Some(_) => None,
        };
        let Some(problem) = problem else { continue };
        let sign = format!("{} --role {}", document.sign, role.text);
        let signoff_path = format!("{}/{}.toml", document.dir, role.text);
        let (what, label, command) = match subject {
            Subject::Added => (
                "adds",
                format!(
                    "`{}` (an admin role) must approve the new {kind}",
                    role.text
                ),
                sign,
            ),
            Subject::Modified => (
                "modifies",
                format!("`{}` must sign the new version", role.text),
                sign,
            ),
            Subject::Deleted => (
                "deletes",
                format!("`{}` must approve the deletion", role.text),
                format!("{sign} --deletes"),
            ),
        };
        let span = if role.span.is_empty() {
            document.anchor.clone()
        } else {
            role.span.clone()
        };
        let mut d = Diagnostic::new(
            codes::POLICY_CHANGE_UNSIGNED,
            Severity::Error,
            format!(
                "this change {what} {kind} `{id}`, and `{}` has {problem}",
                role.text
            ),
        )
        .at(document.file, span, label)
        .help(format!(
            "after review, a member of `{}` runs `{command}` and commits {signoff_path}",
            role.text
        ));
        if let Some(s) = signoff {
            d = d.related(&s.file, s.digest_span.clone(), "this sign-off");
        }
        out.push(d);
    }
}

/// The person who both wrote the content at `path` and gave `signoff`,
/// when `no_self_approval` is on.
fn self_approved(
    workspace: &Workspace,
    signoff: &crate::model::signoff::Signoff,
    path: &str,
) -> Option<String> {
    if !workspace.config.no_self_approval {
        return None;
    }
    let authors = workspace.history.content_authors.get(path)?;
    crate::engine::signoffs::people(workspace, signoff)
        .into_iter()
        .find(|p| authors.contains(p))
}

/// Why the author of the content at `path` could not be determined, when
/// `no_self_approval` is on and it could not: a sign-off on it does not
/// count (fail closed).
fn author_unknown<'w>(
    workspace: &'w Workspace,
    path: &str,
) -> Option<&'w crate::model::workspace::UnknownAuthor> {
    if !workspace.config.no_self_approval {
        return None;
    }
    workspace.history.content_unknown.get(path)
}

fn policy_id_span(policy: &Policy) -> std::ops::Range<usize> {
    policy
        .table
        .get("policy")
        .and_then(|n| n.value.as_table())
        .and_then(|t| t.get("id"))
        .map_or(0..0, |n| n.span.clone())
}
