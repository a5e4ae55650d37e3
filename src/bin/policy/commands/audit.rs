//! `policy audit`: the audit trail of the repository's history, rendered
//! as CSV, JSON or Markdown. The walk and the KPIs are the library's
//! (`policy_lint::audit`).

use policy_lint::audit::{self, Request};
use policy_lint::report;

use crate::args::{AuditArgs, AuditFormat, Cli};
use crate::write::Existing;
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
        Some(path) => {
            let existing = if args.force {
                Existing::Replace
            } else {
                Existing::Keep
            };
            crate::write::write_report(path, &text, existing)?
        }
    }
    Ok(0)
}
