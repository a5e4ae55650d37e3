//! Finding the repository and its configuration, and resolving flags plus
//! `policy.toml` into `Settings`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use policy_lint::Settings;
use policy_lint::diagnostic::{Diagnostic, SourceFile};
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

fn find_git_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
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
    let git_root = find_git_root(&start);
    let config_path = match &cli.config {
        Some(path) => {
            let path = start.join(path);
            if !path.is_file() {
                return Err(Failure::usage(format!(
                    "config file `{}` does not exist",
                    path.display()
                )));
            }
            Some(std::fs::canonicalize(&path).unwrap_or(path))
        }
        None => {
            let stop = git_root.clone();
            start
                .ancestors()
                .take_while(|dir| stop.as_ref().is_none_or(|root| dir.starts_with(root)))
                .map(|dir| dir.join("policy.toml"))
                .find(|p| p.is_file())
        }
    };
    let project_root = match &config_path {
        Some(path) => path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| start.clone()),
        None => git_root.clone().unwrap_or_else(|| start.clone()),
    };
    let repo_root = match &git_root {
        Some(root) if project_root.starts_with(root) => root.clone(),
        _ => project_root.clone(),
    };
    let prefix = project_root
        .strip_prefix(&repo_root)
        .ok()
        .map(|p| {
            let text = p.to_string_lossy().replace('\\', "/");
            if text.is_empty() {
                text
            } else {
                format!("{text}/")
            }
        })
        .unwrap_or_default();

    let (config, config_diagnostics) = match &config_path {
        None => (Config::default(), Vec::new()),
        Some(path) => {
            let display = path
                .strip_prefix(&repo_root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| path.to_string_lossy().into_owned());
            let bytes = std::fs::read(path)
                .map_err(|e| Failure::usage(format!("cannot read `{display}`: {e}")))?;
            match policy_lint::model::read::decode(&display, bytes) {
                Ok(file) => {
                    let file: Arc<SourceFile> = file;
                    Config::parse(&file)
                }
                Err(mut d) => {
                    d.config = true;
                    (Config::default(), vec![d])
                }
            }
        }
    };
    let mut settings = Settings::new(config, today);
    settings.prefix = prefix;
    Ok(Project {
        repo_root,
        project_root,
        settings,
        config_diagnostics,
    })
}
