//! `policy completions SHELL` and `policy man`: generated from the clap
//! definitions, so they never fall behind the flags.

use std::io::Write;

use clap::CommandFactory;

use crate::Failure;
use crate::args::{Cli, CompletionsArgs};

pub fn completions(args: &CompletionsArgs) -> Result<u8, Failure> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "policy", &mut out);
    print(&out)
}

pub fn man() -> Result<u8, Failure> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Failure::usage(format!("cannot render the man page: {e}")))?;
    print(&out)
}

fn print(bytes: &[u8]) -> Result<u8, Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::usage(format!("cannot write to stdout: {e}")))?;
    Ok(0)
}
