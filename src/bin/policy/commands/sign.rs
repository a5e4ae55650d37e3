//! `policy sign`: write a sign-off bound to the subject's current digest and
//! the policy version in force. Never replaces a file without `--force`.

use std::path::Path;

use policy_lint::engine::{digest_feature, policy_in_force};
use policy_lint::model::digest::digest;
use policy_lint::model::feature::did_you_mean;
use policy_lint::model::workspace;
use policy_lint::source::WorkTree;
use policy_lint::source::git::Git;

use crate::args::{Cli, DecisionArg, SignArgs};
use crate::write::{Existing, Written, write_file};
use crate::{Failure, project};

/// `--today` as given, if it was.
fn project_today_given(cli: &Cli) -> Option<jiff::civil::Date> {
    cli.today.as_deref().and_then(|t| t.parse().ok())
}

pub fn run(cli: &Cli, args: &SignArgs) -> Result<u8, Failure> {
    let project = project::open(cli)?;
    if let Some(d) = project
        .config_diagnostics
        .iter()
        .find(|d| d.severity == policy_lint::Severity::Error)
    {
        return Err(Failure::usage(format!(
            "policy.toml has errors ({}: {}); run `policy lint` for details",
            d.code, d.message
        )));
    }
    let config = &project.settings.config;
    let Some(role) = config.roles.get(&args.role) else {
        return Err(Failure::usage(format!(
            "unknown role `{}`: {}",
            args.role,
            config.role_help(&args.role)
        )));
    };
    let signer = match &args.signer {
        Some(s) => s.clone(),
        None => policy_lint::source::git::identity_at(&project.repo_root).ok_or_else(|| {
            Failure::usage("no signer: pass --signer EMAIL or set git's user.email")
        })?,
    };
    if !role.members.is_empty() && !role.members.iter().any(|m| m.eq_ignore_ascii_case(&signer)) {
        return Err(Failure::usage(format!(
            "`{signer}` is not a member of role `{}` (members: {})",
            role.name,
            role.members.join(", ")
        )));
    }
    if let Some(given) = &project_today_given(cli)
        && *given > jiff::Zoned::now().date()
    {
        return Err(Failure::usage(format!(
            "--today {given} is in the future: a sign-off is dated on the day of the review, and `policy lint` would reject it"
        )));
    }
    let tree = WorkTree::new(&project.repo_root);
    let workspace = workspace::load(&tree, &tree, &project.settings.prefix, config.clone());

    // A deletion is signed on the content being deleted: the policy as the
    // revision before the deletion has it.
    let before = if args.deletes {
        let git = std::sync::Arc::new(Git::open().map_err(|e| Failure::usage(e.to_string()))?);
        let name = args.from.as_deref().unwrap_or("HEAD");
        let revision = git
            .resolve(name)
            .map_err(|e| Failure::usage(e.to_string()))?;
        let snapshot = git
            .commit_snapshot(revision)
            .map_err(|e| Failure::usage(e.to_string()))?;
        Some(workspace::load_with(
            &snapshot,
            &snapshot,
            &project.settings.prefix,
            config.clone(),
            Some(&Default::default()),
        ))
    } else {
        None
    };
    let policies_from = before.as_ref().unwrap_or(&workspace);
    let subject_id = args.subject.clone().unwrap_or_default();
    let (subject, digest_value, policy_version, path) = if args.signers_change {
        let file = project.project_root.join(&config.allowed_signers);
        let text = std::fs::read(&file).map_err(|e| {
            Failure::usage(format!("cannot read `{}`: {e}", config.allowed_signers))
        })?;
        (
            policy_lint::model::workspace::SIGNERS_SUBJECT.to_string(),
            policy_lint::model::digest::digest_text(&String::from_utf8_lossy(&text)),
            None,
            project
                .project_root
                .join("policies/signoffs")
                .join(policy_lint::model::workspace::SIGNERS_SIGNOFF_ID)
                .join(format!("{}.toml", args.role)),
        )
    } else if args.config_change {
        let config_file = project
            .settings
            .config
            .file
            .as_ref()
            .ok_or_else(|| Failure::usage("there is no policy.toml to approve"))?;
        let table = policy_lint::model::read::parse_toml(config_file)
            .map_err(|d| Failure::usage(format!("policy.toml does not parse: {}", d.message)))?;
        (
            policy_lint::model::workspace::CONFIG_SUBJECT.to_string(),
            digest(&table, &[]),
            None,
            project
                .project_root
                .join("policies/signoffs")
                .join(policy_lint::model::workspace::CONFIG_SIGNOFF_ID)
                .join(format!("{}.toml", args.role)),
        )
    } else if args.playbook {
        let Some(playbook) = workspace.playbooks.iter().find(|p| p.id == subject_id) else {
            let ids: Vec<&str> = workspace.playbooks.iter().map(|p| p.id.as_str()).collect();
            return Err(Failure::usage(format!(
                "no playbook `{}` in this repository: {}",
                subject_id,
                did_you_mean(&subject_id, ids.iter().copied())
            )));
        };
        (
            format!("playbook:{}", playbook.id),
            playbook.digest(),
            None,
            project
                .project_root
                .join("playbooks/signoffs")
                .join(&playbook.id)
                .join(format!("{}.toml", args.role)),
        )
    } else if args.policy {
        let Some(policy) = policies_from
            .policies
            .iter()
            .find(|p| p.id == subject_id && !p.builtin)
        else {
            let ids: Vec<&str> = policies_from
                .policies
                .iter()
                .filter(|p| !p.builtin)
                .map(|p| p.id.as_str())
                .collect();
            return Err(Failure::usage(format!(
                "no policy `{}` in this repository: {}",
                subject_id,
                did_you_mean(&subject_id, ids.iter().copied())
            )));
        };
        let dir = project
            .project_root
            .join("policies/signoffs")
            .join(&policy.id);
        (
            format!("policy:{}", policy.id),
            digest(&policy.table, &[]),
            None,
            dir.join(format!("{}.toml", args.role)),
        )
    } else {
        let Some(feature) = workspace.features.iter().find(|f| f.id == subject_id) else {
            let ids: Vec<&str> = workspace.features.iter().map(|f| f.id.as_str()).collect();
            return Err(Failure::usage(format!(
                "no feature `{}`: {}",
                subject_id,
                did_you_mean(&subject_id, ids.iter().copied())
            )));
        };
        let policy = policy_in_force(&workspace.policies, &args.role)
            .map(|p| format!("{}@{}", p.id, p.version.text));
        (
            format!("feature:{}", feature.id),
            digest_feature(feature, config),
            policy,
            project
                .repo_root
                .join(&feature.dir)
                .join("signoffs")
                .join(format!("{}.toml", args.role)),
        )
    };

    // Replacing a sign-off (re-signing after a change) keeps its decision
    // and conditions unless --decision says otherwise: a `conditional` must
    // not silently become a `go`.
    let earlier = if args.force && args.decision.is_none() {
        std::fs::read(&path)
            .ok()
            .and_then(|bytes| policy_lint::model::read::decode("earlier", bytes).ok())
            .and_then(|file| policy_lint::model::signoff::parse_signoff(&file).0)
    } else {
        None
    };
    let decision_arg = args
        .decision
        .unwrap_or(match earlier.as_ref().map(|s| s.decision) {
            Some(policy_lint::model::signoff::Decision::NoGo) => DecisionArg::NoGo,
            Some(policy_lint::model::signoff::Decision::Conditional) => DecisionArg::Conditional,
            _ => DecisionArg::Go,
        });
    let conditions: Vec<String> = if !args.conditions.is_empty() || args.decision.is_some() {
        args.conditions.clone()
    } else {
        earlier
            .as_ref()
            .map(|s| s.conditions.clone())
            .unwrap_or_default()
    };
    if decision_arg == DecisionArg::Conditional && conditions.is_empty() {
        return Err(Failure::usage(
            "a conditional decision needs at least one --condition TEXT",
        ));
    }
    let reason = match &args.reason {
        Some(text) if text.trim().is_empty() => {
            return Err(Failure::usage("--reason is empty; say why in a few words"));
        }
        Some(text) => Some(text.clone()),
        None if args.decision.is_none() => earlier.as_ref().and_then(|s| s.reason.clone()),
        None => None,
    };
    if decision_arg == DecisionArg::NoGo && reason.is_none() {
        return Err(Failure::usage(
            "a no-go decision needs --reason TEXT: say what blocks the launch and what must change for a go",
        ));
    }
    let today = project.settings.today;
    let mut doc = toml_edit::DocumentMut::new();
    doc["subject"] = toml_edit::value(subject.clone());
    doc["role"] = toml_edit::value(args.role.clone());
    doc["signer"] = toml_edit::value(signer.clone());
    let decision = match decision_arg {
        DecisionArg::Go => "go",
        DecisionArg::NoGo => "no-go",
        DecisionArg::Conditional => "conditional",
    };
    doc["decision"] = toml_edit::value(decision);
    doc["date"] = toml_edit::value(toml_edit::Datetime {
        date: Some(toml_edit::Date {
            year: today.year() as u16,
            month: today.month() as u8,
            day: today.day() as u8,
        }),
        time: None,
        offset: None,
    });
    doc["digest"] = toml_edit::value(digest_value);
    if let Some(policy) = &policy_version {
        doc["policy"] = toml_edit::value(policy.clone());
    }
    if args.deletes {
        doc["deletes"] = toml_edit::value(true);
    }
    if !conditions.is_empty() {
        let mut array = toml_edit::Array::new();
        for condition in &conditions {
            array.push(condition.as_str());
        }
        doc["conditions"] = toml_edit::value(array);
    }
    if let Some(reason) = &reason {
        doc["reason"] = toml_edit::value(reason.as_str());
    }
    write_new(&project.repo_root, &path, &doc.to_string(), args.force)?;
    let shown = path
        .strip_prefix(&project.repo_root)
        .unwrap_or(&path)
        .display()
        .to_string();
    eprintln!(
        "signed {subject} as {} ({decision}) by {signer}: wrote {shown}",
        args.role
    );
    // The sign-off counts only if its commit is the signer's own: say so
    // now rather than at the hook or the pull-request check.
    if let Some(me) = policy_lint::source::git::identity_at(&project.repo_root)
        && !me.eq_ignore_ascii_case(&signer)
    {
        eprintln!(
            "warning: this sign-off counts only if {signer} commits it; committed as {me} (your git user.email), `policy lint` refuses it"
        );
    }
    if args.commit {
        let message = format!("{}: {decision} for {subject}", args.role);
        Git::commit_paths(&project.repo_root, &[shown.as_str()], &message).map_err(|e| {
            Failure::usage(format!("the sign-off is written but not committed: {e}"))
        })?;
        eprintln!("committed {shown}");
    }
    Ok(0)
}

fn write_new(root: &Path, path: &Path, text: &str, force: bool) -> Result<(), Failure> {
    let relative = path
        .strip_prefix(root)
        .map_err(|_| Failure::usage(format!("`{}` is outside the repository", path.display())))?;
    let existing = if force {
        Existing::Replace
    } else {
        Existing::Keep
    };
    match write_file(root, relative, text.as_bytes(), existing, None) {
        Ok(Written::Kept) => Err(Failure::usage(format!(
            "`{}` already exists; pass --force to replace it",
            relative.display()
        ))),
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::usage(format!(
            "cannot write `{}`: {e}",
            relative.display()
        ))),
    }
}
