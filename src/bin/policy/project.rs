//! Finding the repository and its configuration, and resolving flags plus
//! `policy.toml` into `Settings`.

use std::path::PathBuf;

use policy_lint::Settings;
use policy_lint::diagnostic::Diagnostic;
use policy_lint::model::config::Config;

use crate::Failure;
use crate::args::Cli;

pub struct Project {
    /// The repository root (git toplevel, or the project root outside git).
    pub repo_root: PathBuf,
    /// The directory holding policy.toml (globs are relative to it).
    pub project_root: PathBuf,
    pub settings: Settings,
    /// Problems in policy.toml.
    pub config_diagnostics: Vec<Diagnostic>,
}

pub fn start_dir(cli: &Cli) -> Result<PathBuf, Failure> {
    let cwd = std::env::current_dir()
        .map_err(|e| Failure::usage(format!("cannot read the current directory: {e}")))?;
    let dir = match &cli.directory {
        Some(dir) => cwd.join(dir),
        None => cwd,
    };
    std::fs::canonicalize(&dir)
        .map_err(|e| Failure::usage(format!("cannot use directory `{}`: {e}", dir.display())))
}

pub fn today(cli: &Cli) -> Result<jiff::civil::Date, Failure> {
    match &cli.today {
        Some(text) => text.parse::<jiff::civil::Date>().map_err(|_| {
            Failure::usage(format!(
                "--today `{text}` is not a date; expected YYYY-MM-DD"
            ))
        }),
        None => Ok(jiff::Zoned::now().date()),
    }
}

pub fn open(cli: &Cli) -> Result<Project, Failure> {
    let start = start_dir(cli)?;
    let today = today(cli)?;
    let located = policy_lint::change::locate(&start, cli.config.as_deref())
        .map_err(|e| Failure::usage(e.0))?;
    let (config, config_diagnostics) = match located.config {
        None => (Config::default(), Vec::new()),
        Some((display, bytes)) => policy_lint::change::parse_config(&display, bytes),
    };
    let mut settings = Settings::new(config, today);
    settings.prefix = located.prefix;
    Ok(Project {
        repo_root: located.repo_root,
        project_root: located.project_root,
        settings,
        config_diagnostics,
    })
}
