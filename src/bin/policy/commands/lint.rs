//! `policy lint`: choose what to read (working tree, index, or a commit
//! range), load, check, render, and exit 0 / 1 / 2.

use policy_lint::change::{self, Change, Mode, Request};
use policy_lint::diagnostic::{self, Severity};
use policy_lint::engine;
use policy_lint::report;
use policy_lint::source::git::GitError;

use crate::args::{Cli, Deny, Format, LintArgs};
use crate::{Failure, project, use_color};

impl From<GitError> for Failure {
    fn from(error: GitError) -> Self {
        Failure::usage(error.to_string())
    }
}

pub fn run(cli: &Cli, args: &LintArgs) -> Result<u8, Failure> {
    if args.head.is_some() && args.base.is_none() {
        return Err(Failure::usage("--head needs --base"));
    }
    let mode = match (&args.base, args.staged) {
        (Some(base), _) => Mode::Range {
            base: base.clone(),
            head: args.head.clone(),
        },
        (None, true) => Mode::Staged,
        (None, false) => Mode::Tree,
    };
    let request = Request {
        mode,
        all: args.all,
        run_dir: project::start_dir(cli)?,
        config: cli.config.clone(),
        paths: args.paths.clone(),
        today: project::today(cli)?,
        target_branch: std::env::var("GITHUB_BASE_REF").ok(),
    };
    let loaded = change::load(&request).map_err(|e| Failure::usage(e.0))?;
    let mut outcome = engine::check(&loaded.workspace, &loaded.settings);
    // A staged check blocks a commit only for what it makes worse than
    // HEAD; what HEAD already had is reported without blocking. Only a
    // check with findings needs HEAD's to compare with.
    let has_findings = outcome.count(Severity::Error) > 0 || outcome.count(Severity::Warning) > 0;
    let baseline = if has_findings {
        change::load_staged_baseline(&request, &loaded).map_err(|e| Failure::usage(e.0))?
    } else {
        None
    };
    let Change {
        workspace,
        mut diagnostics,
        ..
    } = loaded;
    if let Some(baseline) = baseline {
        let head = engine::check(&baseline.workspace, &baseline.settings);
        let changed = workspace
            .base
            .as_ref()
            .map(|b| b.changed.clone())
            .unwrap_or_default();
        engine::compare::demote_preexisting(&mut outcome, &head, &changed);
        engine::compare::defer_resigning(&mut outcome);
    }
    outcome.diagnostics.append(&mut diagnostics);
    diagnostic::sort(&mut outcome.diagnostics);

    let format = args.format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
            Format::Github
        } else {
            Format::Human
        }
    });
    let quiet =
        args.quiet && outcome.count(Severity::Error) == 0 && outcome.count(Severity::Warning) == 0;
    let machine = match format {
        Format::Human => {
            if !quiet {
                let width = std::env::var("COLUMNS")
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(100);
                eprint!(
                    "{}",
                    report::human::render(&outcome, use_color(cli.color), width)
                );
            }
            None
        }
        Format::Json if args.output_file.is_none() => {
            // Streamed: a large report is never built as one string.
            let stdout = std::io::stdout().lock();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
            report::json::write(&outcome, &mut out)
                .and_then(|()| std::io::Write::flush(&mut out))
                .map_err(|e| Failure::usage(format!("writing the report: {e}")))?;
            None
        }
        Format::Json => Some(report::json::render(&outcome)),
        Format::Sarif => Some(report::sarif::render(&outcome, &workspace.policies)),
        Format::Github => {
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                append_step_summary(&path, &report::github::summary_markdown(&outcome));
            }
            if !quiet {
                eprintln!("{}", report::summary_line(&outcome));
            }
            Some(report::github::render(&outcome))
        }
    };
    match (machine, &args.output_file) {
        (Some(text), Some(path)) => {
            crate::write::write_report(path, &text, crate::write::Existing::Replace)?
        }
        (Some(text), None) => print!("{text}"),
        (None, Some(_)) => {
            return Err(Failure::usage(
                "--output-file takes a machine format (--format json, sarif or github)",
            ));
        }
        (None, None) => {}
    }
    let code = exit_code(&outcome, args.deny);
    // The process exits next: freeing every parsed file and diagnostic one
    // by one would only delay the exit (tens of milliseconds on a large
    // repository), so the memory goes back with the process.
    std::mem::forget(outcome);
    std::mem::forget(workspace);
    Ok(code)
}

/// Appends to the job summary file; never truncates what earlier steps
/// wrote. A summary that cannot be written is worth a warning, not a failed
/// check.
fn append_step_summary(path: &std::ffi::OsStr, markdown: &str) {
    use std::io::Write;
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(markdown.as_bytes()));
    if let Err(error) = written {
        eprintln!(
            "warning: cannot append to GITHUB_STEP_SUMMARY `{}`: {error}",
            std::path::Path::new(path).display()
        );
    }
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
