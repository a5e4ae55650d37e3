//! The impact of a policy change (range mode): the change's own policies
//! are not in force, but they are run against every feature at the head so
//! that the pull request says which features would start or stop failing
//! which rule once it is merged. Only rules whose decision the change alters
//! (severity, expressions, roles) are evaluated, on every feature, both
//! versions; every manifest at the head is loaded for it. The results are notes
//! (PL038) and never change the exit code.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::fields::FieldIndex;
use super::memo::{Evaluation, Memo};
use super::{CompiledRule, SignoffState, compile_policy_list, context_builder, evaluate_rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::workspace::Workspace;
use crate::rules::codes;
use crate::settings::Settings;

/// What a rule decides, to tell which rules a change alters: its
/// severity, its expressions and its required roles (wording and help
/// change no result).
fn rule_text(compiled: &CompiledRule<'_>) -> String {
    let rule = compiled.rule;
    let text = |t: &Option<crate::model::policy::SpannedText>| {
        t.as_ref().map(|t| t.text.clone()).unwrap_or_default()
    };
    let roles: Vec<&str> = rule
        .require_signoffs
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}",
        rule.severity.as_str(),
        text(&rule.when),
        text(&rule.each),
        text(&rule.filter),
        text(&rule.assert),
        text(&rule.at),
        roles.join(",")
    )
}

/// Notes for the features that would start or stop failing a rule the
/// change adds, edits or removes; empty unless the change edits policies.
pub(super) fn policy_change(
    workspace: &Workspace,
    settings: &Settings,
    fields: &FieldIndex<'_>,
    in_force: &[CompiledRule<'_>],
    states: &BTreeMap<String, BTreeMap<String, SignoffState>>,
    unsigned: Option<&std::sync::Arc<crate::diagnostic::SourceFile>>,
) -> Vec<Diagnostic> {
    if workspace.base.is_none()
        || super::same_policies(&workspace.policies, &workspace.checked_policies)
    {
        return Vec::new();
    }
    let config = workspace
        .checked_config
        .as_ref()
        .unwrap_or(&workspace.config);
    // Problems of the change's policies are reported by the validation of
    // the change; a rule that does not compile is simply not previewed.
    let mut ignored = Vec::new();
    let proposed = compile_policy_list(&workspace.checked_policies, config, fields, &mut ignored);
    let text_of = |rules: &[CompiledRule<'_>]| -> BTreeMap<String, String> {
        rules
            .iter()
            .map(|r| (r.rule.code.clone(), rule_text(r)))
            .collect()
    };
    let (before, after) = (text_of(in_force), text_of(&proposed));
    let changed: BTreeSet<&str> = before
        .keys()
        .chain(after.keys())
        .filter(|code| before.get(*code) != after.get(*code))
        .map(String::as_str)
        .collect();
    if changed.is_empty() {
        return Vec::new();
    }
    if let Some(file) = unsigned {
        return vec![skipped(file)];
    }
    let old_rules: Vec<&CompiledRule<'_>> = in_force
        .iter()
        .filter(|r| changed.contains(r.rule.code.as_str()))
        .collect();
    let new_rules: Vec<&CompiledRule<'_>> = proposed
        .iter()
        .filter(|r| changed.contains(r.rule.code.as_str()))
        .collect();
    let waived = |feature: &str, code: &str| {
        workspace.waivers.iter().any(|w| {
            w.feature == feature && w.rule.eq_ignore_ascii_case(code) && w.expires >= settings.today
        })
    };
    let playbooks = super::playbooks_value(workspace);
    let today = super::values::string(&settings.today.to_string());
    let empty = BTreeMap::new();
    // Per feature: the rules it would start failing, and those it would
    // stop failing.
    let per_feature: Vec<(&str, BTreeSet<String>, BTreeSet<String>)> = workspace
        .features
        .par_iter()
        .map_init(Memo::default, |memo, feature| {
            let states = states.get(&feature.dir).unwrap_or(&empty);
            let base = workspace.base_table(feature);
            let build = context_builder(
                &feature.table,
                base,
                states,
                &playbooks,
                &today,
                workspace.config.risk.as_ref(),
            );
            let mut evaluation = Evaluation::new(&feature.table, base, memo, build);
            let mut failing = |rules: &[&CompiledRule<'_>]| -> BTreeSet<String> {
                let mut found = Vec::new();
                for rule in rules {
                    evaluate_rule(
                        feature,
                        rule,
                        states,
                        workspace.config.distinct_signers,
                        &mut evaluation,
                        true,
                        &mut found,
                    );
                }
                found
                    .into_iter()
                    .filter(|d| d.severity > Severity::Note && !waived(&feature.id, &d.code))
                    .map(|d| d.code)
                    .collect()
            };
            let was = failing(&old_rules);
            let will = failing(&new_rules);
            let starts = will.difference(&was).cloned().collect();
            let stops = was.difference(&will).cloned().collect();
            (feature.id.as_str(), starts, stops)
        })
        .collect();
    // One note per rule and direction, naming the features: a rule that
    // every feature would fail is one note, not thousands.
    let mut out = Vec::new();
    for code in &changed {
        for starts in [true, false] {
            let mut ids: Vec<&str> = per_feature
                .iter()
                .filter(|(_, start, stop)| {
                    if starts {
                        start.contains(*code)
                    } else {
                        stop.contains(*code)
                    }
                })
                .map(|(id, _, _)| *id)
                .collect();
            if ids.is_empty() {
                continue;
            }
            ids.sort_unstable();
            ids.dedup();
            let (rule, rule_label, what) = if starts {
                (
                    new_rules.iter().find(|r| r.rule.code == *code),
                    "the change's version of the rule",
                    if before.contains_key(*code) {
                        format!("would fail {code}")
                    } else {
                        format!("would fail {code} (new rule)")
                    },
                )
            } else if after.contains_key(*code) {
                (
                    new_rules.iter().find(|r| r.rule.code == *code),
                    "the change's version of the rule",
                    format!("would no longer fail {code}"),
                )
            } else {
                (
                    old_rules.iter().find(|r| r.rule.code == *code),
                    "the rule in force, which the change removes",
                    format!("would no longer fail {code} (rule removed)"),
                )
            };
            out.push(note(&ids, &what, rule, rule_label));
        }
    }
    out
}

/// How many feature ids a note names before it counts the rest.
const NAMED: usize = 10;

fn note(
    ids: &[&str],
    what: &str,
    rule: Option<&&CompiledRule<'_>>,
    rule_label: &str,
) -> Diagnostic {
    let mut named: Vec<String> = ids.iter().take(NAMED).map(|id| format!("`{id}`")).collect();
    if ids.len() > NAMED {
        named.push(format!("{} more", ids.len() - NAMED));
    }
    let features = if ids.len() == 1 {
        "1 feature".to_string()
    } else {
        format!("{} features", ids.len())
    };
    let mut d = Diagnostic::new(
        codes::POLICY_CHANGE_PREVIEW,
        Severity::Note,
        format!(
            "after this change, {features} {what}: {}",
            named.join(", ")
        ),
    )
    .help("the policies in force (the merge-base's) judge this change; this is what the change's own policies would report once merged");
    if let Some(rule) = rule {
        d = d.at(&rule.policy.file, rule.rule.code_span.clone(), rule_label);
    }
    d
}

/// Said instead of the preview while the change's policy edits wait for
/// their owners' go: until then the change's rules are not run on every
/// feature (they are only compiled and checked).
fn skipped(policy_file: &std::sync::Arc<crate::diagnostic::SourceFile>) -> Diagnostic {
    Diagnostic::new(
        codes::POLICY_CHANGE_PREVIEW,
        Severity::Note,
        "the impact of this policy change on the features is previewed once the change carries its owners' go",
    )
    .help("the change's rules run on every feature only after the people who own the policy have signed the change (PL027)")
    .at(policy_file, 0..0, "changed policy")
}
