//! The `policy` binary: parses flags, resolves settings, runs one command,
//! prints, and picks the exit code. The library never prints.

mod args;
mod commands;
mod markdown;
mod project;
mod write;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

// Loading a repository allocates many small strings and maps; mimalloc is
// markedly faster than the system allocator at that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use args::{Cli, ColorChoice, Command};

/// A failure that stops a command: exit code 2 with a message.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
        }
    }
}

/// Whether human output on stderr is coloured.
pub fn use_color(choice: ColorChoice) -> bool {
    use_color_on(choice, std::io::stderr().is_terminal())
}

/// Whether output on a stream is coloured: `--color always`, or `auto`
/// when the stream is a terminal and `NO_COLOR` is not set.
pub fn use_color_on(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && terminal,
    }
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    // Like git -C: everything after this runs as if started in DIR, git
    // discovery included.
    if let Some(dir) = cli.directory.take()
        && let Err(error) = std::env::set_current_dir(&dir)
    {
        eprintln!(
            "error: cannot change to directory `{}`: {error}",
            dir.display()
        );
        return ExitCode::from(2);
    }
    let result = match &cli.command {
        Command::Lint(args) => commands::lint::run(&cli, args),
        Command::Sign(args) => commands::sign::run(&cli, args),
        Command::Waive(args) => commands::waive::run(&cli, args),
        Command::Audit(args) => commands::audit::run(&cli, args),
        Command::Explain(args) => commands::explain::run(&cli, args),
        Command::Status(args) => commands::status::run(&cli, args),
        Command::Init => commands::init::run(&cli),
        Command::Hook(args::HookCommand::Install) => commands::hook::install(),
        Command::Hook(args::HookCommand::Uninstall) => commands::hook::uninstall(),
        Command::Schema(args) => commands::schema::run(args),
        Command::Completions(args) => commands::completions::completions(args),
        Command::Man(args) => commands::completions::man(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(2)
        }
    }
}
