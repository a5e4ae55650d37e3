//! `policy waive`: write a waiver file (`waivers/<name>.toml`) for one rule
//! and one feature, checked before it is written the way `lint` will check
//! it: a known feature and rule, a role allowed to approve it, an expiry
//! after today. Never replaces a file without `--force`.

use std::path::Path;

use policy_lint::model::feature::did_you_mean;
use policy_lint::model::workspace;
use policy_lint::source::WorkTree;

use crate::args::{Cli, WaiveArgs};
use crate::write::{Existing, Written, write_file};
use crate::{Failure, project};

pub fn run(cli: &Cli, args: &WaiveArgs) -> Result<u8, Failure> {
    let project = project::open(cli)?;
    let config = &project.settings.config;
    let expires: jiff::civil::Date = args.expires.parse().map_err(|_| {
        Failure::usage(format!(
            "--expires `{}` is not a date; expected YYYY-MM-DD",
            args.expires
        ))
    })?;
    if expires < project.settings.today {
        return Err(Failure::usage(format!(
            "--expires {expires} is in the past (today is {})",
            project.settings.today
        )));
    }
    if config.members(&args.approved_by).is_none() {
        let names: Vec<&str> = config.roles.keys().map(String::as_str).collect();
        return Err(Failure::usage(format!(
            "`{}` is not a role with members: {}",
            args.approved_by,
            did_you_mean(&args.approved_by, names.iter().copied())
        )));
    }
    let tree = WorkTree::new(&project.repo_root);
    let loaded = workspace::load(&tree, &tree, &project.settings.prefix, config.clone());
    if !loaded.features.iter().any(|f| f.id == args.feature) {
        let ids: Vec<&str> = loaded.features.iter().map(|f| f.id.as_str()).collect();
        return Err(Failure::usage(format!(
            "no feature `{}`: {}",
            args.feature,
            did_you_mean(&args.feature, ids.iter().copied())
        )));
    }
    // Who may approve: the owners of the rule's policy, or the approvers of
    // built-in checks.
    let allowed: Vec<String> = if args.rule.to_ascii_uppercase().starts_with("PL") {
        if policy_lint::rules::builtin(&args.rule).is_none() {
            return Err(Failure::usage(format!(
                "no built-in check `{}`; `policy explain` lists them",
                args.rule
            )));
        }
        config
            .waiver_approvers
            .iter()
            .map(|r| r.value.clone())
            .collect()
    } else {
        let Some(policy) = loaded
            .policies
            .iter()
            .find(|p| p.rules.iter().any(|r| r.code == args.rule))
        else {
            return Err(Failure::usage(format!(
                "no rule `{}` in the policies; `policy explain` lists them",
                args.rule
            )));
        };
        policy.owners.iter().map(|o| o.text.clone()).collect()
    };
    if !allowed.is_empty() && !allowed.contains(&args.approved_by) {
        return Err(Failure::usage(format!(
            "`{}` may not waive {}: only {} may",
            args.approved_by,
            args.rule,
            allowed.join(", ")
        )));
    }
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("{}-{}", args.feature, args.rule.to_ascii_lowercase()));
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(Failure::usage(format!(
            "--name `{name}` must be a plain file name"
        )));
    }
    let mut doc = toml_edit::DocumentMut::new();
    doc["rule"] = toml_edit::value(args.rule.clone());
    doc["feature"] = toml_edit::value(args.feature.clone());
    doc["reason"] = toml_edit::value(args.reason.clone());
    doc["approved_by"] = toml_edit::value(args.approved_by.clone());
    doc["expires"] = toml_edit::value(toml_edit::Datetime {
        date: Some(toml_edit::Date {
            year: expires.year() as u16,
            month: expires.month() as u8,
            day: expires.day() as u8,
        }),
        time: None,
        offset: None,
    });
    // Where the configured waivers glob looks.
    let dir = workspace::glob_bases(&config.paths.waivers)
        .into_iter()
        .next()
        .unwrap_or_else(|| "waivers/".to_string());
    let relative = format!("{}{dir}{name}.toml", project.settings.prefix);
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Keep
    };
    match write_file(
        &project.repo_root,
        Path::new(&relative),
        doc.to_string().as_bytes(),
        existing,
        None,
    ) {
        Ok(Written::Kept) => Err(Failure::usage(format!(
            "`{relative}` already exists; pass --force to replace it"
        ))),
        Ok(_) => {
            eprintln!(
                "wrote {relative}: {} waived for {} until {expires}; a member of `{}` commits it",
                args.rule, args.feature, args.approved_by
            );
            Ok(0)
        }
        Err(e) => Err(Failure::usage(format!("cannot write `{relative}`: {e}"))),
    }
}
