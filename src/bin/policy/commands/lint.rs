//! `policy lint`: load, check, render, exit 0 / 1 / 2.

use std::collections::BTreeSet;

use policy_lint::diagnostic::{self, Severity};
use policy_lint::engine;
use policy_lint::model::workspace;
use policy_lint::report;
use policy_lint::source::WorkTree;

use crate::args::{Cli, Deny, Format, LintArgs};
use crate::{Failure, project, use_color};

pub fn run(cli: &Cli, args: &LintArgs) -> Result<u8, Failure> {
    let mut project = project::open(cli)?;
    let tree = WorkTree::new(&project.repo_root);
    let workspace = workspace::load(
        &tree,
        &tree,
        &project.settings.prefix,
        project.settings.config.clone(),
    );
    if !args.paths.is_empty() {
        project.settings.report_on = Some(features_under(cli, &project, &workspace, &args.paths)?);
    }
    let mut outcome = engine::check(&workspace, &project.settings);
    outcome.diagnostics.append(&mut project.config_diagnostics);
    diagnostic::sort(&mut outcome.diagnostics);

    match args.format {
        Format::Human => {
            let width = std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(100);
            eprint!(
                "{}",
                report::human::render(&outcome, use_color(cli.color), width)
            );
        }
        Format::Json => print!("{}", report::json::render(&outcome)),
    }
    Ok(exit_code(&outcome, args.deny))
}

pub fn exit_code(outcome: &engine::Outcome, deny: Option<Deny>) -> u8 {
    if outcome.has_config_errors() {
        2
    } else if outcome.count(Severity::Error) > 0
        || (deny == Some(Deny::Warnings) && outcome.count(Severity::Warning) > 0)
    {
        1
    } else {
        0
    }
}

/// Feature ids whose manifest lies under one of `paths` (given relative to
/// the directory the command runs in).
fn features_under(
    cli: &Cli,
    project: &project::Project,
    workspace: &workspace::Workspace,
    paths: &[std::path::PathBuf],
) -> Result<BTreeSet<String>, Failure> {
    let start = project::start_dir(cli)?;
    let mut prefixes = Vec::new();
    for path in paths {
        let full = start.join(path);
        let full = std::fs::canonicalize(&full)
            .map_err(|e| Failure::usage(format!("cannot use path `{}`: {e}", path.display())))?;
        let relative = full.strip_prefix(&project.repo_root).map_err(|_| {
            Failure::usage(format!(
                "path `{}` is outside the repository",
                path.display()
            ))
        })?;
        prefixes.push(relative.to_string_lossy().replace('\\', "/"));
    }
    Ok(workspace
        .features
        .iter()
        .filter(|f| {
            prefixes.iter().any(|p| {
                p.is_empty()
                    || f.file.path == *p
                    || f.file
                        .path
                        .starts_with(&format!("{}/", p.trim_end_matches('/')))
            })
        })
        .map(|f| f.id.clone())
        .collect())
}
