//! `policy audit`: the audit trail of the repository's history, rendered
//! as CSV, JSON or Markdown. The walk and the KPIs are the library's
//! (`policy_lint::audit`).

use std::path::Path;

use policy_lint::audit::{self, Request};
use policy_lint::report;

use crate::args::{AuditArgs, AuditFormat, Cli};
use crate::write::{Existing, Written, write_file};
use crate::{Failure, project};

fn date(flag: &str, text: &Option<String>) -> Result<Option<jiff::civil::Date>, Failure> {
    text.as_deref()
        .map(|t| {
            t.parse().map_err(|_| {
                Failure::usage(format!("{flag} `{t}` is not a date; expected YYYY-MM-DD"))
            })
        })
        .transpose()
}

pub fn run(cli: &Cli, args: &AuditArgs) -> Result<u8, Failure> {
    let since = date("--since", &args.since)?;
    let until = date("--until", &args.until)?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(Failure::usage(format!(
            "--since {since} is after --until {until}: the window is empty"
        )));
    }
    let request = Request {
        run_dir: project::start_dir(cli)?,
        config: cli.config.clone(),
        since,
        until,
        today: project::today(cli)?,
    };
    let audit = audit::audit(&request).map_err(|e| Failure::usage(e.0))?;
    let text = match args.format {
        AuditFormat::Csv => report::audit::csv(&audit),
        AuditFormat::Json => report::audit::json(&audit),
        AuditFormat::Markdown => report::audit::markdown(&audit),
    };
    match &args.output {
        None => print!("{text}"),
        Some(path) => write_output(path, &text, args.force)?,
    }
    Ok(0)
}

/// Writes the report atomically, never through a link, and never over an
/// existing file unless `--force`.
fn write_output(path: &Path, text: &str, force: bool) -> Result<(), Failure> {
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let (Some(dir), Some(name)) = (absolute.parent(), absolute.file_name()) else {
        return Err(Failure::usage(format!(
            "--output `{}` names no file",
            path.display()
        )));
    };
    let existing = if force {
        Existing::Replace
    } else {
        Existing::Keep
    };
    match write_file(dir, Path::new(name), text.as_bytes(), existing, None) {
        Ok(Written::Kept) => Err(Failure::usage(format!(
            "`{}` exists; pass --force to replace it",
            path.display()
        ))),
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::usage(format!(
            "cannot write `{}`: {e}",
            path.display()
        ))),
    }
}
