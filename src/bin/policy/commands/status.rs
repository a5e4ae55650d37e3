//! `policy status`: load the working tree (or, with `--base`, the head
//! commit judged by the merge-base), run the same check as `lint`,
//! build the launch board, render it. Exit 0 with the board; 2 when the
//! configuration or policies cannot be loaded (the errors are shown).

use std::io::IsTerminal;

use policy_lint::change::{self, Mode, Request};
use policy_lint::engine;
use policy_lint::report;
use policy_lint::status::{self, render};

use crate::args::{Cli, StatusArgs, StatusFormat};
use crate::{Failure, project, use_color};

pub fn run(cli: &Cli, args: &StatusArgs) -> Result<u8, Failure> {
    // On a branch, the board a reviewer trusts is the one the merge-base
    // judges: the branch cannot choose its own roles or policies (§3.1).
    let mode = match &args.base {
        Some(base) => Mode::Range {
            base: base.clone(),
            head: args.head.clone(),
        },
        None => Mode::Tree,
    };
    let request = Request {
        mode,
        all: true,
        run_dir: project::start_dir(cli)?,
        config: cli.config.clone(),
        paths: args.paths.clone(),
        today: project::today(cli)?,
        target_branch: std::env::var("GITHUB_BASE_REF").ok(),
    };
    let loaded = change::load(&request).map_err(|e| Failure::usage(e.0))?;
    let mut outcome = engine::check(&loaded.workspace, &loaded.settings);
    outcome
        .diagnostics
        .extend(loaded.diagnostics.iter().cloned());
    if outcome.has_config_errors() {
        outcome.diagnostics.retain(|d| d.config);
        policy_lint::diagnostic::sort(&mut outcome.diagnostics);
        eprint!(
            "{}",
            report::human::render(&outcome, use_color(cli.color), 100)
        );
        return Err(Failure::usage(
            "the configuration or the policies in force have errors (above): no board",
        ));
    }
    let board = status::board(&loaded.workspace, &loaded.settings, &outcome);
    let text = match args.format {
        StatusFormat::Table => {
            let color = crate::use_color_on(
                cli.color,
                args.output.is_none() && std::io::stdout().is_terminal(),
            );
            let width = std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(100);
            render::table(&board, color, width)
        }
        StatusFormat::Json => render::json(&board),
        StatusFormat::Markdown => render::markdown(&board),
        StatusFormat::Html => render::html(&board),
    };
    match &args.output {
        Some(path) => crate::write::write_report(path, &text, crate::write::Existing::Replace)?,
        None => print!("{text}"),
    }
    Ok(0)
}
