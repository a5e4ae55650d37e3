//! Sign-off validation: each file must agree with where it lives, be signed
//! by a member of its role, not be post-dated, and still match the digest of
//! its subject and the major version of the policy it was made under.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use cel::Value as Cel;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::engine::values;
use crate::model::config::Config;
use crate::model::digest::digest;
use crate::model::feature::Feature;
use crate::model::policy::{Policy, Version};
use crate::model::signoff::{Decision, Signoff};
use crate::model::workspace::Workspace;
use crate::rules::codes;
use crate::settings::Settings;

/// What the engine knows about one role's sign-off on one feature.
#[derive(Clone, Debug)]
pub struct SignoffState {
    pub file: Arc<SourceFile>,
    pub signer: String,
    pub decision: Decision,
    pub decision_span: Range<usize>,
    pub date: String,
    pub fresh: bool,
    pub stale_reason: Option<String>,
    /// Why the sign-off does not count at all, when it does not (its author
    /// is outside the role, it is post-dated, it names another signer…).
    pub invalid: Option<String>,
    /// Who gave it: the signer and the authors of the commits that wrote
    /// it, lowercased (for separation of duties).
    pub people: Vec<String>,
}

/// The signer of a sign-off and the authors of the commits that wrote it,
/// lowercased.
pub fn people(workspace: &Workspace, signoff: &Signoff) -> Vec<String> {
    let mut people = vec![signoff.signer.to_ascii_lowercase()];
    if let Some(authors) = workspace.history.authors.get(&signoff.file.path) {
        people.extend(authors.iter().map(|a| a.email.to_ascii_lowercase()));
    }
    people.sort();
    people.dedup();
    people
}

/// The digest a sign-off on `feature` must carry.
pub fn digest_feature(feature: &Feature, config: &Config) -> String {
    crate::model::digest::digest_file(&feature.file, &feature.table, &config.digest_excludes)
}

/// The policy a sign-off by `role` is made under: the first policy (by id)
/// with a rule that requires the role.
pub fn policy_in_force<'a>(policies: &'a [Policy], role: &str) -> Option<&'a Policy> {
    let mut candidates: Vec<&Policy> = policies
        .iter()
        .filter(|p| {
            p.rules
                .iter()
                .any(|r| r.require_signoffs.iter().any(|s| s.text == role))
        })
        .collect();
    candidates.sort_by(|a, b| a.id.cmp(&b.id));
    candidates.first().copied()
}

pub fn cel_value(states: &BTreeMap<String, SignoffState>) -> Cel {
    values::map(
        states
            .iter()
            .map(|(role, s)| {
                (
                    role.clone(),
                    values::map(vec![
                        ("signer".into(), values::string(&s.signer)),
                        ("decision".into(), values::string(s.decision.as_str())),
                        ("date".into(), values::string(&s.date)),
                        ("fresh".into(), Cel::Bool(s.fresh)),
                    ]),
                )
            })
            .collect(),
    )
}

fn common_checks(
    workspace: &Workspace,
    settings: &Settings,
    signoff: &Signoff,
    expected_subject: &str,
    out: &mut Vec<Diagnostic>,
) {
    let file = &signoff.file;
    let stem = file
        .path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".toml");
    if signoff.subject != expected_subject {
        out.push(
            Diagnostic::new(
                codes::SIGNOFF_MISMATCH,
                Severity::Error,
                format!("sign-off is for `{}` but sits with `{expected_subject}`", signoff.subject),
            )
            .at(file, signoff.subject_span.clone(), format!("expected \"{expected_subject}\""))
            .help("a sign-off covers the subject of the directory it lives in; sign again with `policy sign`"),
        );
    }
    if signoff.role != stem {
        out.push(
            Diagnostic::new(
                codes::SIGNOFF_MISMATCH,
                Severity::Error,
                format!(
                    "sign-off role `{}` does not match its file name `{stem}.toml`",
                    signoff.role
                ),
            )
            .at(
                file,
                signoff.role_span.clone(),
                format!("file is named for `{stem}`"),
            )
            .help("name each sign-off file after its role: signoffs/<role>.toml"),
        );
    }
    match workspace.config.roles.get(&signoff.role) {
        None => {
            out.push(
                Diagnostic::new(
                    codes::UNKNOWN_ROLE,
                    Severity::Error,
                    format!("sign-off names unknown role `{}`", signoff.role),
                )
                .at(file, signoff.role_span.clone(), "not defined under [roles]")
                .help(workspace.config.role_help(&signoff.role)),
            );
        }
        Some(role) if role.members.is_empty() => {
            let mut d = Diagnostic::new(
                codes::SIGNOFF_MISMATCH,
                Severity::Error,
                format!(
                    "role `{}` has no members, so nobody can sign for it",
                    signoff.role
                ),
            )
            .at(file, signoff.role_span.clone(), "role without members")
            .help(format!(
                "list the people who speak for `{}` under [roles.{}] members in policy.toml",
                role.name, role.name
            ));
            if let (Some(config_file), Some(span)) = (&workspace.config.file, &role.span) {
                d = d.related(config_file, span.clone(), "role defined here");
            }
            out.push(d);
        }
        Some(role)
            if !role
                .members
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&signoff.signer)) =>
        {
            let mut d = Diagnostic::new(
                codes::SIGNOFF_MISMATCH,
                Severity::Error,
                format!(
                    "`{}` is not a member of role `{}`",
                    signoff.signer, signoff.role
                ),
            )
            .at(file, signoff.signer_span.clone(), "not a member")
            .help(format!(
                "members of `{}`: {}",
                role.name,
                role.members.join(", ")
            ));
            if let (Some(config_file), Some(span)) = (&workspace.config.file, &role.span) {
                d = d.related(config_file, span.clone(), "role defined here");
            }
            out.push(d);
        }
        Some(_) => {}
    }
    if signoff.date > settings.today {
        out.push(
            Diagnostic::new(
                codes::FUTURE_SIGNOFF,
                Severity::Error,
                format!(
                    "sign-off is dated {}, after today ({})",
                    signoff.date, settings.today
                ),
            )
            .at(file, signoff.date_span.clone(), "in the future")
            .help("date a sign-off on the day the review happened"),
        );
    }
}

/// Validates every sign-off and returns, per feature directory, the state of
/// each role's sign-off.
pub fn check(
    workspace: &Workspace,
    settings: &Settings,
    unauthorised: &BTreeMap<String, String>,
    skip: &std::collections::BTreeSet<String>,
    out: &mut Vec<Diagnostic>,
) -> BTreeMap<String, BTreeMap<String, SignoffState>> {
    use rayon::prelude::*;
    // Digests are the costly part; features are independent.
    let per_feature: Vec<(String, BTreeMap<String, SignoffState>, Vec<Diagnostic>)> = workspace
        .features
        .par_iter()
        .filter(|feature| !skip.contains(&feature.id))
        .filter_map(|feature| {
            let signoffs = workspace.feature_signoffs.get(&feature.dir)?;
            let mut out = Vec::new();
            let roles = feature_states(
                workspace,
                settings,
                unauthorised,
                feature,
                signoffs,
                &mut out,
            );
            Some((feature.dir.clone(), roles, out))
        })
        .collect();
    let mut states = BTreeMap::new();
    for (dir, roles, diagnostics) in per_feature {
        out.extend(diagnostics);
        states.insert(dir, roles);
    }
    policy_signoff_checks(workspace, settings, out);
    playbook_signoff_checks(workspace, settings, out);
    states
}

fn feature_states(
    workspace: &Workspace,
    settings: &Settings,
    unauthorised: &BTreeMap<String, String>,
    feature: &Feature,
    signoffs: &[Signoff],
    out: &mut Vec<Diagnostic>,
) -> BTreeMap<String, SignoffState> {
    {
        let expected_subject = format!("feature:{}", feature.id);
        let current = digest_feature(feature, &workspace.config);
        let mut roles = BTreeMap::new();
        for signoff in signoffs {
            let mut found = Vec::new();
            common_checks(workspace, settings, signoff, &expected_subject, &mut found);
            let mut stale_reason = None;
            if signoff.digest != current {
                let changes = workspace
                    .history
                    .signed_content
                    .get(&signoff.file.path)
                    .map(|signed| {
                        changed_fields(signed, feature, &workspace.config.digest_excludes)
                    });
                let d = match changes.as_deref() {
                    Some([first, ..]) => {
                        let listed: Vec<String> =
                            changes.iter().flatten().map(|c| c.describe()).collect();
                        stale_reason = Some(format!("{} changed", listed.join(", ")));
                        let when_signed = match &first.before {
                            Some(before) => format!("was {before} when "),
                            None => "not there when ".to_string(),
                        };
                        // Every other changed value, on its own line.
                        let mut d = Diagnostic::new(
                            codes::STALE_SIGNOFF,
                            Severity::Warning,
                            format!(
                                "`{}` sign-off is stale: {} changed since it was signed",
                                signoff.role,
                                listed.join(", ")
                            ),
                        )
                        .at(&feature.file, first.span.clone(), first.label())
                        .cause(super::stale_cause(
                            &signoff.role,
                            stale_reason.as_deref().unwrap_or_default(),
                            (when_signed, " signed".into()),
                            false,
                        ));
                        for change in changes.iter().flatten().skip(1) {
                            if change.span != first.span {
                                d = d.related(&feature.file, change.span.clone(), change.label());
                            }
                        }
                        d.related(
                            &signoff.file,
                            signoff.digest_span.clone(),
                            "the content this sign-off approved",
                        )
                    }
                    _ => {
                        stale_reason = Some("the feature changed since it was signed".to_string());
                        Diagnostic::new(
                            codes::STALE_SIGNOFF,
                            Severity::Warning,
                            format!(
                                "`{}` sign-off is stale: the feature changed since it was signed",
                                signoff.role
                            ),
                        )
                        .at(
                            &signoff.file,
                            signoff.digest_span.clone(),
                            "digest of the content that was signed",
                        )
                        .related(
                            &feature.file,
                            feature.id_span(),
                            format!("current digest is {current}"),
                        )
                        .cause(super::stale_cause(
                            &signoff.role,
                            stale_reason.as_deref().unwrap_or_default(),
                            ("signed by ".into(), ": the content changed since".into()),
                            false,
                        ))
                    }
                };
                found.push(d.help(format!(
                    "review the change, then re-sign: `policy sign {} --role {}`",
                    feature.id, signoff.role
                )));
            }
            if let Some((text, span)) = &signoff.policy {
                match policy_major_problem(&workspace.policies, text) {
                    Ok(()) => {}
                    Err(problem) => {
                        stale_reason.get_or_insert_with(|| problem.clone());
                        found.push(
                            Diagnostic::new(
                                codes::STALE_SIGNOFF,
                                Severity::Warning,
                                format!("`{}` sign-off is stale: {problem}", signoff.role),
                            )
                            .at(
                                &signoff.file,
                                span.clone(),
                                "signed under this policy version",
                            )
                            .cause(super::stale_cause(
                                &signoff.role,
                                &problem,
                                (
                                    "signed under an older policy major by ".into(),
                                    String::new(),
                                ),
                                false,
                            ))
                            .help(format!(
                                "re-sign under the policy in force: `policy sign {} --role {}`",
                                feature.id, signoff.role
                            )),
                        );
                    }
                }
            }
            let people = people(workspace, signoff);
            let wrote_content = workspace
                .config
                .no_self_approval
                .then(|| workspace.history.content_authors.get(&feature.file.path))
                .flatten()
                .and_then(|authors| people.iter().find(|p| authors.contains(p)));
            if let Some(person) = wrote_content {
                found.push(
                    Diagnostic::new(
                        codes::SEPARATION_OF_DUTIES,
                        Severity::Error,
                        format!(
                            "`{}` sign-off is by {person}, who wrote the feature's current content",
                            signoff.role
                        ),
                    )
                    .at(
                        &signoff.file,
                        signoff.signer_span.clone(),
                        "approves their own change",
                    )
                    .help(format!(
                        "another member of `{}` reviews and signs (`[signoff] no_self_approval`)",
                        signoff.role
                    )),
                );
            }
            // Fail closed: content whose author is unknown may be the
            // signer's own. A sign-off the change neither writes nor
            // re-targets (unchanged, on the meaning the base had) was judged
            // when it landed; a stale one does not count anyway.
            let judged_at_base = workspace.base.as_ref().is_some_and(|base| {
                !base.changed.contains(&signoff.file.path)
                    && workspace.base_table(feature).is_some_and(|table| {
                        digest(table, &workspace.config.digest_excludes) == current
                    })
            });
            let author_unknown = workspace
                .history
                .content_unknown
                .get(&feature.file.path)
                .filter(|_| {
                    workspace.config.no_self_approval
                        && wrote_content.is_none()
                        && stale_reason.is_none()
                        && !judged_at_base
                });
            if let Some(unknown) = author_unknown {
                found.push(
                    Diagnostic::new(
                        codes::SEPARATION_OF_DUTIES,
                        Severity::Error,
                        format!(
                            "`{}` sign-off does not count: the author of the feature's current content could not be determined: {}",
                            signoff.role, unknown.why
                        ),
                    )
                    .at(
                        &signoff.file,
                        signoff.signer_span.clone(),
                        "may approve its signer's own change",
                    )
                    .help(format!(
                        "{} (`[signoff] no_self_approval` needs to know who wrote what is signed)",
                        unknown.help
                    )),
                );
            }
            let invalid = if let Some(why) = unauthorised.get(&signoff.file.path) {
                Some(why.clone())
            } else if let Some(person) = wrote_content {
                Some(format!("{person} wrote the feature's current content"))
            } else if let Some(unknown) = author_unknown {
                Some(format!(
                    "the author of the feature's current content could not be determined ({})",
                    unknown.why
                ))
            } else if signoff.date > settings.today {
                Some(format!("it is dated {}, in the future", signoff.date))
            } else {
                found
                    .iter()
                    .find(|d| d.severity == Severity::Error && d.code != codes::FUTURE_SIGNOFF)
                    .map(|d| d.message.clone())
            };
            for d in &mut found {
                d.feature = Some(feature.id.clone());
            }
            out.extend(found);
            if signoff.subject != expected_subject || signoff.role.is_empty() {
                continue;
            }
            roles.insert(
                signoff.role.clone(),
                SignoffState {
                    file: Arc::clone(&signoff.file),
                    signer: signoff.signer.clone(),
                    decision: signoff.decision,
                    decision_span: signoff.decision_span.clone(),
                    date: signoff.date.to_string(),
                    fresh: stale_reason.is_none() && invalid.is_none(),
                    stale_reason,
                    invalid,
                    people,
                },
            );
        }
        roles
    }
}

fn playbook_signoff_checks(workspace: &Workspace, settings: &Settings, out: &mut Vec<Diagnostic>) {
    for (id, signoffs) in &workspace.playbook_signoffs {
        let playbook = workspace.playbooks.iter().find(|p| &p.id == id);
        for signoff in signoffs {
            common_checks(workspace, settings, signoff, &format!("playbook:{id}"), out);
            if let Some(playbook) = playbook
                && signoff.digest != playbook.digest()
            {
                out.push(
                    Diagnostic::new(
                        codes::STALE_SIGNOFF,
                        Severity::Warning,
                        format!(
                            "`{}` sign-off on playbook `{id}` is stale: the playbook changed since it was signed",
                            signoff.role
                        ),
                    )
                    .at(&signoff.file, signoff.digest_span.clone(), "digest of the playbook that was signed")
                    .help(format!(
                        "review the playbook change, then re-sign: `policy sign --playbook {id} --role {}`",
                        signoff.role
                    )),
                );
            }
        }
    }
}

/// One value that differs between the manifest as signed and as it is.
struct FieldChange {
    path: String,
    before: Option<String>,
    after: Option<String>,
    /// Where it is now (the feature's anchor when it was removed).
    span: std::ops::Range<usize>,
}

impl FieldChange {
    fn describe(&self) -> String {
        match (&self.before, &self.after) {
            (Some(before), Some(after)) => format!("`{}` ({before} → {after})", self.path),
            (None, Some(after)) => format!("`{}` (added: {after})", self.path),
            (Some(before), None) => format!("`{}` (removed: was {before})", self.path),
            (None, None) => format!("`{}`", self.path),
        }
    }

    /// What the value was when signed, as a label under it now.
    fn label(&self) -> String {
        match &self.before {
            Some(before) => format!("was {before} when signed"),
            None => "not there when signed".to_string(),
        }
    }
}

/// A leaf value of the canonical form as a person reads it: floats and
/// dates without their `f:` / `t:` tags (which only keep `1` and `1.0`
/// apart in the digest).
fn readable(canonical: &str) -> String {
    canonical
        .strip_prefix("f:")
        .or_else(|| canonical.strip_prefix("t:"))
        .unwrap_or(canonical)
        .to_string()
}

/// The leaf values that differ between `signed` and the feature now, in
/// manifest order of the current file (removed ones last).
fn changed_fields(
    signed: &crate::model::tree::Table,
    feature: &Feature,
    excludes: &[String],
) -> Vec<FieldChange> {
    use crate::model::digest::leaves;
    let before: BTreeMap<String, String> = leaves(signed, excludes).into_iter().collect();
    let after: BTreeMap<String, String> = leaves(&feature.table, excludes).into_iter().collect();
    let mut out: Vec<FieldChange> = Vec::new();
    for (path, value) in &after {
        if before.get(path) != Some(value) {
            let span = feature
                .table
                .lookup(path)
                .map_or_else(|| feature.anchor_span(), |e| e.node.span.clone());
            out.push(FieldChange {
                path: path.clone(),
                before: before.get(path).map(|v| readable(v)),
                after: Some(readable(value)),
                span,
            });
        }
    }
    out.sort_by_key(|c| c.span.start);
    for (path, value) in &before {
        if !after.contains_key(path) {
            out.push(FieldChange {
                path: path.clone(),
                before: Some(readable(value)),
                after: None,
                span: feature.anchor_span(),
            });
        }
    }
    out
}

fn policy_signoff_checks(workspace: &Workspace, settings: &Settings, out: &mut Vec<Diagnostic>) {
    for (policy_id, signoffs) in &workspace.policy_signoffs {
        // In range mode, policy sign-offs are made on the change's version
        // of the policy, not on the base's version that is in force.
        let versions = if workspace.checked_policies.is_empty() {
            &workspace.policies
        } else {
            &workspace.checked_policies
        };
        let policy = versions.iter().find(|p| &p.id == policy_id);
        let subject = if policy_id == crate::model::workspace::CONFIG_SIGNOFF_ID {
            crate::model::workspace::CONFIG_SUBJECT.to_string()
        } else if policy_id == crate::model::workspace::SIGNERS_SIGNOFF_ID {
            crate::model::workspace::SIGNERS_SUBJECT.to_string()
        } else {
            format!("policy:{policy_id}")
        };
        for signoff in signoffs {
            common_checks(workspace, settings, signoff, &subject, out);
            if let Some(policy) = policy
                && signoff.digest != digest(&policy.table, &[])
            {
                out.push(
                    Diagnostic::new(
                        codes::STALE_SIGNOFF,
                        Severity::Warning,
                        format!("`{}` sign-off on policy `{policy_id}` is stale: the policy changed since it was signed", signoff.role),
                    )
                    .at(&signoff.file, signoff.digest_span.clone(), "digest of the policy that was signed")
                    .help(format!("review the policy change, then re-sign: `policy sign --policy {policy_id} --role {}`", signoff.role)),
                );
            }
        }
    }
}

/// `Err` with a reason when `policy = "id@version"` no longer matches the
/// major version of the loaded policy.
fn policy_major_problem(policies: &[Policy], text: &str) -> Result<(), String> {
    let Some((id, version)) = text.rsplit_once('@') else {
        return Err(format!("`{text}` is not written `policy-id@version`"));
    };
    let Some(signed) = Version::parse(version) else {
        return Err(format!("`{version}` is not a semver version"));
    };
    match policies.iter().find(|p| p.id == id) {
        None => Err(format!("policy `{id}` is no longer defined")),
        Some(policy) if policy.version.major != signed.major => Err(format!(
            "it was made under {id}@{version}, and the policy is now at major version {}",
            policy.version.major
        )),
        Some(_) => Ok(()),
    }
}
