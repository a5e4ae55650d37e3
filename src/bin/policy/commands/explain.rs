//! `policy explain CODE`: the doc of a built-in check, or the definition of a
//! policy rule.

use policy_lint::model::workspace;
use policy_lint::rules::{self, suggest};
use policy_lint::source::WorkTree;

use crate::args::{Cli, ExplainArgs};
use crate::{Failure, project};

pub fn run(cli: &Cli, args: &ExplainArgs) -> Result<u8, Failure> {
    let policies = load_policies(cli);
    let Some(code) = &args.code else {
        let mut out = String::from("Built-in checks:\n");
        for check in rules::BUILTIN {
            out.push_str(&format!(
                "  {}  {:<32} {}\n",
                check.code,
                check.name,
                check.severity.as_str()
            ));
        }
        for policy in &policies {
            out.push_str(&format!(
                "\nPolicy {}@{}:\n",
                policy.id, policy.version.text
            ));
            for rule in &policy.rules {
                out.push_str(&format!("  {:<8} {}\n", rule.code, rule.title));
            }
        }
        print!("{out}");
        return Ok(0);
    };
    if let Some(check) = rules::builtin(code) {
        print!(
            "{} ({}): default severity {}\n\n{}",
            check.code,
            check.name,
            check.severity.as_str(),
            check.doc
        );
        return Ok(0);
    }
    for policy in &policies {
        if let Some(rule) = policy
            .rules
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code))
        {
            let mut out = format!("{}: {}\n\n", rule.code, rule.title);
            out.push_str(&format!(
                "Policy: {}@{}{} ({})\nSeverity: {}\n",
                policy.id,
                policy.version.text,
                if policy.title.is_empty() {
                    String::new()
                } else {
                    format!(" \"{}\"", policy.title)
                },
                policy.file.path,
                rule.severity.as_str()
            ));
            for (label, value) in rule.demands() {
                out.push_str(&format!("{label}: {value}\n"));
            }
            if let Some(message) = &rule.message {
                out.push_str(&format!("Message: {message}\n"));
            }
            if let Some(help) = &rule.help {
                out.push_str(&format!("\nFix: {help}\n"));
            }
            print!("{out}");
            return Ok(0);
        }
    }
    let all: Vec<String> = rules::BUILTIN
        .iter()
        .map(|c| c.code.to_string())
        .chain(
            policies
                .iter()
                .flat_map(|p| p.rules.iter().map(|r| r.code.clone())),
        )
        .collect();
    let hint = suggest(&code.to_uppercase(), all.iter().map(String::as_str))
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    Err(Failure::usage(format!(
        "unknown code `{code}`{hint}; run `policy explain` to list every code"
    )))
}

fn load_policies(cli: &Cli) -> Vec<policy_lint::model::policy::Policy> {
    match project::open(cli) {
        Ok(project) => {
            let tree = WorkTree::new(&project.repo_root);
            workspace::load(
                &tree,
                &tree,
                &project.settings.prefix,
                project.settings.config.clone(),
            )
            .policies
        }
        Err(_) => Vec::new(),
    }
}
