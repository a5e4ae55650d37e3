//! Raw command-line flags. `project.rs` resolves them, together with
//! `policy.toml`, into the engine's `Settings`.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "policy",
    version,
    about = "Git-native safety policy checker: launch gates as code",
    long_about = "Checks feature manifests, playbooks, sign-offs and waivers against versioned safety policies, \
                  and reports violations with source spans, like a compiler."
)]
pub struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Use this configuration file instead of discovering policy.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// When to use colour in human output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The date used for expiry and future-dating checks (YYYY-MM-DD).
    #[arg(long, global = true, value_name = "DATE", env = "POLICY_TODAY")]
    pub today: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check features against the policies and report violations.
    Lint(LintArgs),
    /// Record a role's decision on a feature (or a policy), bound to its digest.
    Sign(SignArgs),
    /// Write a waiver: a time-boxed, approved exception to one rule for one
    /// feature.
    Waive(WaiveArgs),
    /// The audit trail: every sign-off, waiver, policy and stage event in
    /// the history of HEAD, and the gate KPIs per quarter.
    Audit(AuditArgs),
    /// Explain what a rule checks, why, and how to fix a violation.
    Explain(ExplainArgs),
    /// The launch board: every feature's stage, the gates its current and
    /// next stage require and each role's state there, open findings,
    /// waivers and the next action; totals per stage.
    Status(StatusArgs),
    /// Scaffold policy.toml, the default policy pack and an example feature.
    Init,
    /// Manage the git pre-commit hook.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print the JSON Schema (draft-07) of a file kind, or write them all,
    /// for editors (Taplo / Even Better TOML).
    Schema(SchemaArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff): the full page, or one subcommand's, e.g.
    /// `policy man > policy.1`, `policy man lint > policy-lint.1`.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (`lint`, `sign`, …); without it,
    /// the full page with every subcommand.
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// The event table (columns date,commit,author,signed,kind,action,path,feature,role,decision,member,policy_version).
    Csv,
    /// Events and KPIs in one document (docs/audit-format.md).
    Json,
    /// A report for auditors: KPIs, and per feature the chain of decisions.
    Markdown,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Report events from this day on (YYYY-MM-DD, UTC, inclusive).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Report events up to this day (YYYY-MM-DD, UTC, inclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Csv)]
    pub format: AuditFormat,
    /// Write the report to FILE instead of standard output (atomically;
    /// an existing file is kept unless --force).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing --output file.
    #[arg(long, requires = "output")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct WaiveArgs {
    /// The rule waived (a code: `MON001`, `PL014`).
    #[arg(long)]
    pub rule: String,
    /// The feature id it is waived for.
    #[arg(long)]
    pub feature: String,
    /// Why, and where the follow-up is tracked.
    #[arg(long)]
    pub reason: String,
    /// The last day it holds (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub expires: String,
    /// The role approving it: an owner role of the rule's policy (for `PL`
    /// codes, one in `[waivers] approvers`). A member of it commits the file.
    #[arg(long, value_name = "ROLE")]
    pub approved_by: String,
    /// The file name under waivers/ (default `<feature>-<rule>`).
    #[arg(long)]
    pub name: Option<String>,
    /// Replace an existing waiver file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Install a pre-commit hook that runs `policy lint --staged`; an
    /// existing hook is kept and run first.
    Install,
    /// Remove the hook `install` wrote and restore the hook it kept.
    Uninstall,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Compiler-style diagnostics on stderr.
    Human,
    /// One JSON document (docs/json-format.md).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations) and a job summary.
    Github,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only features under these paths.
    pub paths: Vec<PathBuf>,
    /// Show the board of the head commit as the merge-base with REF judges
    /// it (its policies, config and roles), as the pull-request check does:
    /// for a board in a pull-request comment.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// The head of the range (default HEAD).
    #[arg(long, value_name = "REF", requires = "base")]
    pub head: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
    /// Write the board to FILE instead of standard output (replaced
    /// atomically, never through a link).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// A table for the terminal (colour when standard output is one).
    Table,
    /// One JSON document: `features` and `totals`.
    Json,
    /// GitHub-flavoured Markdown, for a pull-request comment, a job summary
    /// or a wiki page.
    Markdown,
    /// One self-contained HTML page with a chart of gates cleared per stage.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    Warnings,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Only report on features under these paths.
    pub paths: Vec<PathBuf>,
    /// Check the staged content (the index), not the working tree; report on
    /// features the staged changes touch.
    #[arg(long, conflicts_with_all = ["base", "head"])]
    pub staged: bool,
    /// Check the range BASE...HEAD: read the head commit, judge it with the
    /// policies of the merge-base, report on touched features.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// The head of the range (default HEAD).
    #[arg(long, value_name = "REF", requires = "base")]
    pub head: Option<String>,
    /// Report on every feature, not only touched ones (staged and range modes).
    #[arg(long)]
    pub all: bool,
    /// Output format (default human; github when GITHUB_ACTIONS=true).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Fail (exit 1) on warnings too.
    #[arg(long, value_enum)]
    pub deny: Option<Deny>,
    /// Print nothing when there is nothing to report (human format).
    #[arg(short, long)]
    pub quiet: bool,
    /// Write the report to FILE instead of standard output (machine
    /// formats; replaced atomically).
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecisionArg {
    Go,
    NoGo,
    Conditional,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The feature id (or, with --policy or --playbook, the policy or playbook
    /// id) to sign.
    #[arg(required_unless_present_any = ["config_change", "signers_change"])]
    pub subject: Option<String>,
    /// The role signing; must be defined in policy.toml.
    #[arg(long)]
    pub role: String,
    /// The decision (default `go`; with --force, the replaced sign-off's
    /// decision and conditions are kept unless this is given).
    #[arg(long, value_enum)]
    pub decision: Option<DecisionArg>,
    /// Who signs; defaults to git's user.email.
    #[arg(long, value_name = "EMAIL")]
    pub signer: Option<String>,
    /// A condition of a conditional decision (repeatable).
    #[arg(long = "condition", value_name = "TEXT")]
    pub conditions: Vec<String>,
    /// Why: recorded as `reason` in the sign-off. Required with
    /// `--decision no-go`, so the team learns what must change for a go.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Sign a policy instead of a feature.
    #[arg(long)]
    pub policy: bool,
    /// Sign a playbook instead of a feature (its owners approve a change).
    #[arg(long, conflicts_with = "policy")]
    pub playbook: bool,
    /// Approve the change of policy.toml in the working tree (for
    /// `[policies] admins`); SUBJECT is not given.
    #[arg(long, conflicts_with_all = ["policy", "playbook"])]
    pub config_change: bool,
    /// Approve the change of the allowed-signers file in the working tree
    /// (for `[policies] admins`); SUBJECT is not given.
    #[arg(long, conflicts_with_all = ["policy", "playbook", "config_change"])]
    pub signers_change: bool,
    /// With --policy: approve deleting the policy (or moving it out of the
    /// policies glob, or changing its id). The sign-off binds to the content
    /// being deleted, read from the revision given by --from.
    #[arg(long, requires = "policy")]
    pub deletes: bool,
    /// With --deletes: the revision holding the policy as it is before the
    /// deletion (default HEAD; pass the target branch, e.g. `main`, once the
    /// deletion is committed).
    #[arg(long, value_name = "REF", requires = "deletes")]
    pub from: Option<String>,
    /// Replace an existing sign-off file.
    #[arg(long)]
    pub force: bool,
    /// Commit the sign-off file (and nothing else) with `git commit`, so
    /// the user's signing settings (`commit.gpgsign`, `gpg.format`) apply.
    #[arg(long)]
    pub commit: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  policy schema feature > feature.schema.json\n  policy schema --out schemas"
)]
pub struct SchemaArgs {
    /// The file kind to print. Required unless --out is given.
    #[arg(
        value_parser = PossibleValuesParser::new(policy_lint::schema::Kind::NAMES)
            .map(|name| policy_lint::schema::Kind::from_name(&name).expect("a listed name")),
        required_unless_present = "out"
    )]
    pub kind: Option<policy_lint::schema::Kind>,
    /// Write policy-<kind>.schema.json files into DIR instead of printing:
    /// all six, or only KIND when given. The files are generated, so
    /// existing ones are overwritten (that is how a committed copy is
    /// refreshed).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  policy explain PL017\n  policy explain stale-signoff\n  policy explain stale     # every code whose name or title mentions it"
)]
pub struct ExplainArgs {
    /// A built-in code (PL017), a check name (stale-signoff), a policy rule
    /// code (RT001), or words of a name or title (stale). Without it, lists
    /// every code.
    #[arg(value_name = "CODE")]
    pub query: Vec<String>,
}
