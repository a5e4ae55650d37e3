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
    let mut out: Vec<Diagnostic> = workspace
        .features
        .par_iter()
        .map_init(Memo::default, |memo, feature| {
            let states = states.get(&feature.dir).unwrap_or(&empty);
            let base = workspace
                .base
                .as_ref()
                .and_then(|b| b.features.get(&feature.file.path))
                .map(|table| table.as_ref());
            let build = context_builder(&feature.table, base, states, &playbooks, &today);
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
            let mut notes = Vec::new();
            for code in will.difference(&was) {
                let new_rule = !before.contains_key(code);
                let rule = new_rules.iter().find(|r| &r.rule.code == code);
                notes.push(note(
                    feature,
                    format!(
                        "after this change, `{}` would fail {code}{}",
                        feature.id,
                        if new_rule { " (new rule)" } else { "" }
                    ),
                    format!("would fail {code}"),
                    rule,
                    "the change's version of the rule",
                ));
            }
            for code in was.difference(&will) {
                let removed = !after.contains_key(code);
                let rule = new_rules
                    .iter()
                    .find(|r| &r.rule.code == code)
                    .or_else(|| old_rules.iter().find(|r| &r.rule.code == code));
                notes.push(note(
                    feature,
                    format!(
                        "after this change, `{}` would no longer fail {code}{}",
                        feature.id,
                        if removed { " (rule removed)" } else { "" }
                    ),
                    format!("fails {code} today"),
                    rule,
                    if removed {
                        "the rule in force, which the change removes"
                    } else {
                        "the change's version of the rule"
                    },
                ));
            }
            notes
        })
        .flatten()
        .collect();
    crate::diagnostic::sort(&mut out);
    out
}

fn note(
    feature: &crate::model::feature::Feature,
    message: String,
    label: String,
    rule: Option<&&CompiledRule<'_>>,
    rule_label: &str,
) -> Diagnostic {
    let mut d = Diagnostic::new(codes::POLICY_CHANGE_PREVIEW, Severity::Note, message)
        .at(&feature.file, feature.anchor_span(), label)
        .feature(feature.id.clone())
        .help("the policies in force (the merge-base's) judge this change; this is what the change's own policies would report once merged");
    if let Some(rule) = rule {
        d = d.related(&rule.policy.file, rule.rule.code_span.clone(), rule_label);
    }
    d
}
