//! `policy completions SHELL` and `policy man [SUBCOMMAND]`: generated from
//! the clap definitions, so they never fall behind the flags.
//!
//! The global options (`-C`, `--config`, `--color`, `--today`) are accepted
//! everywhere, but the man pages list each only under the subcommands it
//! affects ([`GLOBALS_USED`]), and every page says what the exit codes mean.

use std::io::Write;

use clap::CommandFactory;

use crate::Failure;
use crate::args::{Cli, CompletionsArgs, ManArgs};

/// One of clap_mangen's section renderers.
type RenderSection = fn(&clap_mangen::Man, &mut dyn Write) -> std::io::Result<()>;

/// Which global options each subcommand reads.
const GLOBALS_USED: &[(&str, &[&str])] = &[
    ("lint", &["directory", "config", "color", "today"]),
    ("sign", &["directory", "config", "today"]),
    ("waive", &["directory", "config", "today"]),
    ("explain", &["directory", "config", "color"]),
    ("status", &["directory", "config", "color", "today"]),
    ("audit", &["directory", "config", "today"]),
    ("init", &["directory"]),
    ("hook", &["directory"]),
    ("schema", &["directory"]),
    ("completions", &[]),
    ("man", &[]),
];

/// What the exit codes mean for `lint`, and for every other subcommand.
const LINT_EXIT: &[(&str, &str)] = &[
    (
        "0",
        "No errors (warnings and notes are allowed unless --deny warnings is given).",
    ),
    (
        "1",
        "At least one error, or a warning with --deny warnings.",
    ),
    (
        "2",
        "Usage or configuration error: an invalid policy.toml, a policy expression that does not compile, an unknown ref, a missing merge-base.",
    ),
];
const COMMAND_EXIT: &[(&str, &str)] = &[
    ("0", "Success."),
    (
        "2",
        "Usage or configuration error, or nothing was written (an existing file is never replaced without --force).",
    ),
];

pub fn completions(args: &CompletionsArgs) -> Result<u8, Failure> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "policy", &mut out);
    print(&out)
}

pub fn man(args: &ManArgs) -> Result<u8, Failure> {
    let mut out = Vec::new();
    match &args.subcommand {
        Some(name) => {
            let names: Vec<&str> = GLOBALS_USED.iter().map(|(n, _)| *n).collect();
            if !names.contains(&name.as_str()) {
                return Err(Failure::usage(format!(
                    "no subcommand `{name}`: {}",
                    policy_lint::model::feature::did_you_mean(name, names.iter().copied())
                )));
            }
            subcommand_page(name, &mut out)
        }
        None => full_page(&mut out),
    }
    .map_err(|e| Failure::usage(format!("cannot render the man page: {e}")))?;
    print(&out)
}

/// `policy-NAME(1)`: the subcommand's synopsis, description, its options
/// and the global options it reads, its subcommands, and exit status.
fn subcommand_page(name: &str, out: &mut Vec<u8>) -> std::io::Result<()> {
    let page = clap_mangen::Man::new(page_command(name)).title(format!("policy-{name}"));
    page.render_title(out)?;
    page.render_name_section(out)?;
    page.render_synopsis_section(out)?;
    page.render_description_section(out)?;
    page.render_options_section(out)?;
    let command = page_command(name);
    if command.get_subcommands().next().is_some() {
        page.render_subcommands_section(out)?;
    }
    if command.get_after_help().is_some() || command.get_after_long_help().is_some() {
        page.render_extra_section(out)?;
    }
    exit_status(name, "SH", out)?;
    out.extend_from_slice(b".SH \"SEE ALSO\"\n\\fBpolicy\\fR(1)\n");
    Ok(())
}

/// `policy(1)`: the program, its global options (with the subcommands each
/// applies to), the list of subcommands, then a section per subcommand
/// with its synopsis, options and exit status.
fn full_page(out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut top = Cli::command();
    for argument in ["directory", "config", "color", "today"] {
        let users: Vec<&str> = GLOBALS_USED
            .iter()
            .filter(|(_, used)| used.contains(&argument))
            .map(|(name, _)| *name)
            .collect();
        top = top.mut_arg(argument, |a| {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            let help = help.trim_end_matches('.');
            a.help(format!("{help}. Used by: {}.", users.join(", ")))
        });
    }
    let page = clap_mangen::Man::new(top);
    page.render_title(out)?;
    page.render_name_section(out)?;
    page.render_synopsis_section(out)?;
    page.render_description_section(out)?;
    page.render_options_section(out)?;
    page.render_subcommands_section(out)?;
    for (name, _) in GLOBALS_USED {
        out.extend_from_slice(format!(".SH \"POLICY {}\"\n", name.to_uppercase()).as_bytes());
        let sub = clap_mangen::Man::new(page_command(name));
        let mut parts: Vec<RenderSection> = vec![
            clap_mangen::Man::render_synopsis_section,
            clap_mangen::Man::render_description_section,
            clap_mangen::Man::render_options_section,
        ];
        if page_command(name).get_subcommands().next().is_some() {
            parts.push(clap_mangen::Man::render_subcommands_section);
        }
        for part in parts {
            let mut section = Vec::new();
            part(&sub, &mut section)?;
            out.extend_from_slice(&demote(&section));
        }
        exit_status(name, "SS", out)?;
    }
    page.render_version_section(out)?;
    Ok(())
}

/// Section headings (`.SH`) of a rendered part turned into subsection
/// headings (`.SS`), so a subcommand's parts nest under its own section.
fn demote(roff: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(roff)
        .lines()
        .map(|line| match line.strip_prefix(".SH ") {
            Some(heading) => format!(".SS {heading}\n"),
            None => format!("{line}\n"),
        })
        .collect::<String>()
        .into_bytes()
}

fn exit_status(name: &str, heading: &str, out: &mut Vec<u8>) -> std::io::Result<()> {
    let codes = if name == "lint" {
        LINT_EXIT
    } else {
        COMMAND_EXIT
    };
    writeln!(out, ".{heading} \"EXIT STATUS\"")?;
    for (code, meaning) in codes {
        writeln!(out, ".TP\n\\fB{code}\\fR\n{}", escape(meaning))?;
    }
    Ok(())
}

/// Text safe in roff: backslashes doubled, a leading dot or quote escaped.
fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\\\").replace('-', "\\-");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}

/// The clap command of subcommand `name` as a page of its own: named
/// `policy-NAME`, invoked as `policy NAME`, with the global options it
/// reads (and only those).
fn page_command(name: &str) -> clap::Command {
    let top = Cli::command();
    let used = GLOBALS_USED
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[][..], |(_, used)| used);
    let mut sub = top
        .find_subcommand(name)
        .cloned()
        .expect("every listed subcommand exists")
        .name(format!("policy-{name}"))
        .bin_name(format!("policy {name}"))
        .display_name(format!("policy-{name}"));
    // After the subcommand's own options.
    for (order, argument) in top.get_arguments().enumerate() {
        if used.contains(&argument.get_id().as_str()) {
            sub = sub.arg(argument.clone().global(false).display_order(1000 + order));
        }
    }
    sub
}

fn print(bytes: &[u8]) -> Result<u8, Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::usage(format!("cannot write to stdout: {e}")))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::GLOBALS_USED;
    use crate::args::Cli;

    /// Every subcommand has a page, and every page names real options.
    #[test]
    fn globals_used_lists_every_subcommand() {
        let command = Cli::command();
        let mut subcommands: Vec<&str> = command.get_subcommands().map(|s| s.get_name()).collect();
        let mut listed: Vec<&str> = GLOBALS_USED.iter().map(|(n, _)| *n).collect();
        subcommands.retain(|s| *s != "help");
        subcommands.sort_unstable();
        listed.sort_unstable();
        assert_eq!(subcommands, listed);
        let globals: Vec<&str> = command
            .get_arguments()
            .filter(|a| a.is_global_set())
            .map(|a| a.get_id().as_str())
            .collect();
        for (_, used) in GLOBALS_USED {
            for argument in *used {
                assert!(globals.contains(argument), "{argument}");
            }
        }
    }
}
