//! Evaluation: compiles every policy and playbook expression once, runs the
//! built-in checks and the policies against each feature in parallel, applies
//! waivers, and returns sorted diagnostics.

pub mod compare;
mod debt;
mod each;
pub mod expr;
mod fields;
pub mod gates;
mod history;
mod interpolate;
mod memo;
mod playbook_demands;
mod preview;
pub(crate) mod risk;
mod signoffs;
pub mod values;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use cel::{Context, ExecutionError, Value as Cel};
use rayon::prelude::*;

use crate::diagnostic::{self, Cause, Diagnostic, Severity};
use crate::model::feature::{CORE_FIELDS, Feature};
use crate::model::policy::{Policy, Rule};
use crate::model::workspace::{PolicySource, Workspace};
use crate::rules::{codes, suggest};
use crate::settings::Settings;
use expr::{Expression, FieldPath};
use fields::FieldIndex;
use memo::{Evaluation, Memo};
pub use signoffs::{SignoffState, digest_feature, policy_in_force};

/// The result of one run.
#[derive(Debug)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    /// Features reported on (all of them in tree mode).
    pub features_checked: usize,
    /// Feature manifests in the repository, when the run listed them all:
    /// `None` in staged and range modes, which list only the directories
    /// the change touches (counting the rest would cost a walk of every
    /// feature directory).
    pub features_total: Option<usize>,
    pub policy_source: PolicySource,
    /// Sign-off authors were taken from commit emails, which anyone can
    /// set: `[signoff] require_signed` is off.
    pub authorship_unverified: bool,
}

impl Outcome {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    pub fn features_with_findings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity > Severity::Note)
            .filter_map(|d| d.feature.as_deref())
            .collect::<BTreeSet<_>>()
            .len()
    }

    pub fn has_config_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.config && d.severity == Severity::Error)
    }
}

struct CompiledRule<'a> {
    policy: &'a Policy,
    rule: &'a Rule,
    when: Option<Expression>,
    each: Option<Expression>,
    filter: Option<Expression>,
    assert: Option<Expression>,
}

impl CompiledRule<'_> {
    fn expressions(&self) -> impl Iterator<Item = &Expression> {
        self.when
            .iter()
            .chain(self.each.iter())
            .chain(self.filter.iter())
            .chain(self.assert.iter())
    }
}

/// Runs every check on a loaded workspace.
pub fn check(workspace: &Workspace, settings: &Settings) -> Outcome {
    let mut diagnostics = workspace.diagnostics.clone();
    duplicates(workspace, &mut diagnostics);
    let fields = FieldIndex::new(&workspace.features);
    let rules = compile_policies(workspace, &fields, &mut diagnostics);
    validate_change_policies(workspace, &fields, &mut diagnostics);
    let applies_when = compile_playbooks(workspace, &fields, &mut diagnostics);
    // Features touched only through a playbook get the playbook checks,
    // unless some rule reads the playbooks' versions.
    let rules_read_playbooks = rules
        .iter()
        .any(|r| r.expressions().any(|e| e.uses_playbooks));
    let empty_set = BTreeSet::new();
    let playbook_only = if rules_read_playbooks {
        &empty_set
    } else {
        &settings.playbook_only
    };
    // Looked up once per feature and per finding: hashed.
    let report_ids: Option<HashSet<&str>> = settings
        .report_on
        .as_ref()
        .map(|ids| ids.iter().map(String::as_str).collect());
    let playbook_only_ids: HashSet<&str> = playbook_only.iter().map(String::as_str).collect();
    // Only the features the run reports on are checked: others may be
    // loaded (for a policy change's preview, a playbook's followers) but
    // their findings would be dropped below.
    let checked: Vec<&Feature> = workspace
        .features
        .iter()
        .filter(|f| {
            report_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(f.id.as_str()))
        })
        .collect();
    key_typos(
        checked
            .iter()
            .copied()
            .filter(|f| !playbook_only_ids.contains(f.id.as_str())),
        &rules,
        &applies_when,
        &mut diagnostics,
    );
    let unauthorised = history::unauthorised(workspace);
    history::check(workspace, &mut diagnostics);
    let signoff_states = signoffs::check(
        workspace,
        settings,
        &unauthorised,
        playbook_only,
        &mut diagnostics,
    );

    let playbooks_value = playbooks_value(workspace);
    let today = values::string(&settings.today.to_string());
    // Features whose schema errors are waived: the rules those errors would
    // otherwise stand in for are reported again.
    let schema_waived: BTreeSet<&str> = workspace
        .waivers
        .iter()
        .filter(|w| w.rule == codes::SCHEMA)
        .map(|w| w.feature.as_str())
        .collect();
    let playbook_demands: Vec<(&str, Vec<String>)> = rules
        .iter()
        .filter_map(|compiled| {
            let assert = compiled.rule.assert.as_ref()?;
            let playbooks = playbook_demands::demanded_playbooks(&assert.text);
            (!playbooks.is_empty()).then_some((compiled.rule.code.as_str(), playbooks))
        })
        .collect();
    // Each worker appends its features' findings to one list of its own
    // (in order), reusing one buffer per feature: a list per feature would
    // hold room for several findings each, in memory never used.
    let per_worker: Vec<Vec<Diagnostic>> = checked
        .par_iter()
        .fold(
            || (Memo::default(), Vec::new(), Vec::new()),
            |(mut memo, mut found, mut out), feature| {
                out.clear();
                let empty = BTreeMap::new();
                let states = signoff_states.get(&feature.dir).unwrap_or(&empty);
                let base = workspace.base_table(feature);
                let build = context_builder(
                    &feature.table,
                    base,
                    states,
                    &playbooks_value,
                    &today,
                    workspace.config.risk.as_ref(),
                );
                let mut evaluation = Evaluation::new(&feature.table, base, &mut memo, build);
                let cascades_quiet = !schema_waived.contains(feature.id.as_str());
                playbook_references(
                    workspace,
                    feature,
                    &applies_when,
                    &mut evaluation,
                    cascades_quiet,
                    &mut out,
                );
                if !playbook_only_ids.contains(feature.id.as_str()) {
                    risk::check_declared_tier(feature, &workspace.config, &mut out);
                    for compiled in &rules {
                        evaluate_rule(
                            feature,
                            compiled,
                            states,
                            workspace.config.distinct_signers,
                            &mut evaluation,
                            cascades_quiet,
                            &mut out,
                        );
                    }
                }
                drop(evaluation);
                playbook_demands::fold(&playbook_demands, &mut out);
                for d in &mut out {
                    d.feature.get_or_insert_with(|| feature.id.clone());
                }
                found.append(&mut out);
                (memo, found, out)
            },
        )
        .map(|(_, found, _)| found)
        .collect();
    diagnostics.reserve_exact(per_worker.iter().map(Vec::len).sum());
    diagnostics.extend(per_worker.into_iter().flatten());
    attribute_to_features(workspace, &mut diagnostics);
    debt::check(workspace, settings, &mut diagnostics);
    apply_waivers(workspace, settings, &unauthorised, &mut diagnostics);

    if !playbook_only.is_empty() {
        diagnostics.retain(|d| {
            d.feature
                .as_ref()
                .is_none_or(|f| !playbook_only_ids.contains(f.as_str()))
                || [
                    codes::UNKNOWN_PLAYBOOK,
                    codes::OUTDATED_PLAYBOOK,
                    codes::PLAYBOOK_NOT_FOLLOWED,
                ]
                .contains(&d.code.as_str())
        });
    }
    apply_lint_levels(workspace, &mut diagnostics);
    let features_found = workspace.feature_dirs.len().max(workspace.features.len());
    let features_total = (!workspace.partial).then_some(features_found);
    let features_checked = match &report_ids {
        // Every manifest found was checked, those that could not be parsed
        // too (their errors are the findings).
        None => features_found,
        Some(ids) => {
            // A finding about a file in a feature directory the report
            // leaves out (a manifest that does not parse, loaded for a
            // playbook or policy change) belongs to that feature too,
            // unless the change touched the file.
            let changed = workspace.base.as_ref().map(|b| &b.changed);
            let left_out: BTreeSet<&str> = workspace
                .feature_dirs
                .iter()
                .map(String::as_str)
                .filter(|dir| !ids.contains(dir.rsplit('/').next().unwrap_or(dir)))
                .collect();
            let outside_report = |path: &str| {
                let mut dir = path;
                let in_left_out = loop {
                    match dir.rsplit_once('/') {
                        Some((parent, _)) if left_out.contains(parent) => break true,
                        Some((parent, _)) => dir = parent,
                        None => break false,
                    }
                };
                in_left_out && changed.is_none_or(|c| !c.contains(path))
            };
            diagnostics.retain(|d| match &d.feature {
                Some(f) => ids.contains(f.as_str()),
                None => d
                    .primary
                    .as_ref()
                    .is_none_or(|l| !outside_report(&l.file.path)),
            });
            workspace
                .features
                .iter()
                .filter(|f| ids.contains(f.id.as_str()))
                .count()
        }
    };
    // What the change's own policies would report once merged, on every
    // feature (whatever the change touched): notes only.
    // Only once the change's policy edits carry their owners' go: until
    // then, rules from the pull request are compiled, never run on every
    // feature (a pull request cannot make the check run its code at scale).
    let unsigned_policy_change = diagnostics
        .iter()
        .find(|d| d.code == codes::POLICY_CHANGE_UNSIGNED && d.severity == Severity::Error);
    let mut preview = preview::policy_change(
        workspace,
        settings,
        &fields,
        &rules,
        &signoff_states,
        unsigned_policy_change.and_then(|d| d.primary.as_ref().map(|l| &l.file)),
    );
    apply_lint_levels(workspace, &mut preview);
    diagnostics.extend(preview);
    // Expiry is an event of time: every feature's waivers are looked at,
    // whatever the change touched.
    let mut expiring = expiring_waivers(workspace, settings);
    apply_lint_levels(workspace, &mut expiring);
    diagnostics.extend(expiring);
    diagnostic::sort(&mut diagnostics);
    Outcome {
        diagnostics,
        features_checked,
        features_total,
        policy_source: workspace.policy_source,
        authorship_unverified: workspace.config.verify_authors
            && !workspace.config.require_signed
            && !workspace.history.authors.is_empty(),
    }
}

/// Builds the CEL variables of one feature's evaluation (DESIGN §2.4:
/// `feature`, `base`, `signoffs`, `playbooks`, `today`; §2.8: `computed`,
/// from `table` and `scoring`), on first use.
fn context_builder<'a>(
    table: &'a crate::model::tree::Table,
    base: Option<&'a crate::model::tree::Table>,
    states: &'a BTreeMap<String, SignoffState>,
    playbooks: &'a Cel,
    today: &'a Cel,
    scoring: Option<&'a crate::model::risk::Scoring>,
) -> Box<dyn Fn() -> Context<'a, 'a> + 'a> {
    Box::new(move || {
        let mut context = Context::with_env(expr::env());
        context.add_variable_as_val("feature", values::table_val(table));
        context.add_variable_as_val(
            "base",
            base.map_or_else(
                || Box::new(cel::common::types::CelNull) as Box<dyn cel::common::value::Val>,
                values::table_val,
            ),
        );
        context.add_variable_from_value("signoffs", signoffs::cel_value(states));
        context.add_variable_from_value("playbooks", playbooks.clone());
        context.add_variable_from_value("today", today.clone());
        context.add_variable_from_value("computed", risk::computed_value(scoring, table));
        context
    })
}

/// The CEL value of `playbooks`: id → `{version, title}`.
fn playbooks_value(workspace: &Workspace) -> Cel {
    values::map(
        workspace
            .playbooks
            .iter()
            .map(|p| {
                (
                    p.id.clone(),
                    values::map(vec![
                        ("version".into(), Cel::Int(p.version)),
                        ("title".into(), values::string(&p.title)),
                    ]),
                )
            })
            .collect(),
    )
}

/// Findings in a file inside a feature's directory (a sign-off that fails
/// to parse, say) are about that feature: waivers can match them and the
/// summary counts the feature.
fn attribute_to_features(workspace: &Workspace, diagnostics: &mut [Diagnostic]) {
    let by_dir: BTreeMap<&str, &str> = workspace
        .features
        .iter()
        .map(|f| (f.dir.as_str(), f.id.as_str()))
        .collect();
    for diagnostic in diagnostics.iter_mut().filter(|d| d.feature.is_none()) {
        let Some(label) = &diagnostic.primary else {
            continue;
        };
        let mut path = label.file.path.as_str();
        while let Some((parent, _)) = path.rsplit_once('/') {
            if let Some(id) = by_dir.get(parent) {
                diagnostic.feature = Some(id.to_string());
                break;
            }
            path = parent;
        }
    }
}

fn duplicates(workspace: &Workspace, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, &Feature> = BTreeMap::new();
    for feature in &workspace.features {
        if let Some(first) = seen.get(feature.id.as_str()) {
            out.push(
                Diagnostic::new(
                    codes::DUPLICATE_ID,
                    Severity::Error,
                    format!("feature id `{}` is declared twice", feature.id),
                )
                .at(&feature.file, feature.id_span(), "declared again here")
                .related(&first.file, first.id_span(), "first declared here")
                .help("feature ids must be unique: sign-offs and waivers refer to features by id")
                .feature(feature.id.clone()),
            );
        } else {
            seen.insert(&feature.id, feature);
        }
    }
    let mut playbooks: BTreeMap<&str, &crate::model::playbook::Playbook> = BTreeMap::new();
    for playbook in &workspace.playbooks {
        let span = |p: &crate::model::playbook::Playbook| {
            p.front_matter.get("id").map_or(0..0, |n| n.span.clone())
        };
        if let Some(first) = playbooks.get(playbook.id.as_str()) {
            out.push(
                Diagnostic::new(
                    codes::DUPLICATE_ID,
                    Severity::Error,
                    format!("playbook id `{}` is declared twice", playbook.id),
                )
                .at(&playbook.file, span(playbook), "declared again here")
                .related(&first.file, span(first), "first declared here"),
            );
        } else {
            playbooks.insert(&playbook.id, playbook);
        }
    }
    duplicate_policy_ids(&workspace.policies, out);
}

fn duplicate_policy_ids(list: &[Policy], out: &mut Vec<Diagnostic>) {
    let mut policies: BTreeMap<&str, &Policy> = BTreeMap::new();
    for policy in list {
        let span = |p: &Policy| {
            p.table
                .get("policy")
                .and_then(|n| n.value.as_table())
                .and_then(|t| t.get("id"))
                .map_or(0..0, |n| n.span.clone())
        };
        if let Some(first) = policies.get(policy.id.as_str()) {
            let mut d = Diagnostic::new(
                codes::DUPLICATE_ID,
                Severity::Error,
                format!("policy id `{}` is declared twice", policy.id),
            )
            .at(&policy.file, span(policy), "declared again here")
            .related(&first.file, span(first), "first declared here");
            d.config = true;
            out.push(d);
        } else {
            policies.insert(&policy.id, policy);
        }
    }
}

/// The change's own policies in range mode are not in force, but they are
/// held to the same standard as if they were: a policy that cannot be
/// loaded must not land. Their problems are errors of the change (exit 1),
/// judged with the roles of the change's own config when it changed.
fn validate_change_policies(
    workspace: &Workspace,
    fields: &FieldIndex<'_>,
    out: &mut Vec<Diagnostic>,
) {
    out.extend(workspace.change_diagnostics.iter().cloned());
    if workspace.base.is_none() || same_policies(&workspace.policies, &workspace.checked_policies) {
        return;
    }
    let config = workspace
        .checked_config
        .as_ref()
        .unwrap_or(&workspace.config);
    // Unchanged policies first, so a duplicate code or id is reported on the
    // file the change adds or edits.
    let unchanged = |path: &str, text: &str| {
        workspace
            .policies
            .iter()
            .any(|q| q.file.path == path && &*q.file.text == text)
    };
    let mut ordered: Vec<Policy> = workspace.checked_policies.clone();
    ordered.sort_by_key(|p| !unchanged(&p.file.path, &p.file.text));
    let mut found = Vec::new();
    let _ = compile_policy_list(&ordered, config, fields, &mut found);
    duplicate_policy_ids(&ordered, &mut found);
    // Problems of unchanged files are already reported with the policies in
    // force.
    found.retain(|d| {
        d.primary
            .as_ref()
            .is_none_or(|l| !unchanged(&l.file.path, &l.file.text))
    });
    for mut d in found {
        d.config = false;
        if !d.message.starts_with("the change's ") {
            d.message = format!("the change's own policy: {}", d.message);
        }
        out.push(d);
    }
}

/// True when the two lists hold the same policy files with the same text.
fn same_policies(a: &[Policy], b: &[Policy]) -> bool {
    let repo: Vec<&Policy> = a.iter().filter(|p| !p.builtin).collect();
    repo.len() == b.len()
        && repo
            .iter()
            .zip(b)
            .all(|(x, y)| x.file.path == y.file.path && x.file.text == y.file.text)
}

/// Whether a rule of `policies` may read the playbooks' versions (the CEL
/// variable `playbooks`). When none does, a feature touched only through a
/// playbook change gets only the playbook checks (see
/// [`Settings::playbook_only`]), so nothing else about it is needed. An
/// over-approximation of what [`check`] decides: a rule it leaves out as
/// broken still counts here.
pub fn rules_may_read_playbooks(policies: &[Policy]) -> bool {
    policies.iter().any(|policy| {
        policy.rules.iter().any(|rule| {
            rule_sources(rule).into_iter().any(|(source, per_entry)| {
                source.as_ref().is_some_and(|source| {
                    compile_source(&policy.file, source, per_entry).is_ok_and(|e| e.uses_playbooks)
                })
            })
        })
    })
}

/// A rule's expressions in the order they are compiled (`when`, `each`,
/// `filter`, `assert`), each with whether it is evaluated per entry of the
/// rule's `each` (with `key` and `value` bound).
fn rule_sources(rule: &Rule) -> [(&Option<crate::model::policy::SpannedText>, bool); 4] {
    [
        (&rule.when, false),
        (&rule.each, false),
        (&rule.filter, true),
        (&rule.assert, rule.each.is_some()),
    ]
}

fn compile_source(
    file: &Arc<crate::diagnostic::SourceFile>,
    source: &crate::model::policy::SpannedText,
    per_entry: bool,
) -> Result<Expression, expr::CompileError> {
    if per_entry {
        Expression::compile_per_entry(file, source)
    } else {
        Expression::compile(file, source)
    }
}

fn compile_policies<'a>(
    workspace: &'a Workspace,
    fields: &FieldIndex<'_>,
    out: &mut Vec<Diagnostic>,
) -> Vec<CompiledRule<'a>> {
    compile_policy_list(&workspace.policies, &workspace.config, fields, out)
}

fn compile_policy_list<'a>(
    policies: &'a [Policy],
    config: &crate::model::config::Config,
    fields: &FieldIndex<'_>,
    out: &mut Vec<Diagnostic>,
) -> Vec<CompiledRule<'a>> {
    let mut compiled = Vec::new();
    let mut codes_seen: BTreeMap<
        &str,
        (&Arc<crate::diagnostic::SourceFile>, std::ops::Range<usize>),
    > = BTreeMap::new();
    let mut config_errors = Vec::new();
    for policy in policies {
        for owner in &policy.owners {
            unknown_role(
                config,
                &policy.file,
                owner,
                "policy owner",
                &mut config_errors,
            );
        }
        for rule in &policy.rules {
            if rule.code.to_ascii_uppercase().starts_with("PL") {
                config_errors.push(
                    Diagnostic::new(
                        codes::DUPLICATE_RULE_CODE,
                        Severity::Error,
                        format!("rule code `{}` uses the reserved `PL` prefix", rule.code),
                    )
                    .at(
                        &policy.file,
                        rule.code_span.clone(),
                        "reserved for built-in checks",
                    )
                    .help("pick a prefix of your own, e.g. the policy's initials"),
                );
            } else if let Some((file, span)) = codes_seen.get(rule.code.as_str()) {
                config_errors.push(
                    Diagnostic::new(
                        codes::DUPLICATE_RULE_CODE,
                        Severity::Error,
                        format!("rule code `{}` is used twice", rule.code),
                    )
                    .at(&policy.file, rule.code_span.clone(), "used again here")
                    .related(file, span.clone(), "first used here")
                    .help(
                        "every rule needs its own code: waivers and reports refer to rules by code",
                    ),
                );
            } else {
                codes_seen.insert(&rule.code, (&policy.file, rule.code_span.clone()));
            }
            for role in &rule.require_signoffs {
                unknown_role(
                    config,
                    &policy.file,
                    role,
                    "required sign-off",
                    &mut config_errors,
                );
            }
            let mut compile = |source: &Option<crate::model::policy::SpannedText>,
                               per_entry: bool| {
                let source = source.as_ref()?;
                match compile_source(&policy.file, source, per_entry) {
                    Ok(mut expression) => {
                        static_checks(fields, &mut expression, &mut config_errors);
                        // An unknown variable is already a configuration
                        // error; running the rule would only repeat it as a
                        // run-time failure on every feature.
                        expression
                            .unknown_variables
                            .is_empty()
                            .then_some(expression)
                    }
                    Err(error) => {
                        config_errors.push(
                            Diagnostic::new(
                                codes::INVALID_EXPRESSION,
                                Severity::Error,
                                format!(
                                    "rule {} has an invalid expression: {}",
                                    rule.code, error.message
                                ),
                            )
                            .at(
                                &policy.file,
                                error.span,
                                error.message,
                            ),
                        );
                        None
                    }
                }
            };
            let [when, each, filter, assert] =
                rule_sources(rule).map(|(source, per_entry)| compile(source, per_entry));
            let broken = (rule.when.is_some() && when.is_none())
                || (rule.each.is_some() && each.is_none())
                || (rule.filter.is_some() && filter.is_none())
                || (rule.assert.is_some() && assert.is_none());
            if !broken {
                compiled.push(CompiledRule {
                    policy,
                    rule,
                    when,
                    each,
                    filter,
                    assert,
                });
            }
        }
    }
    for mut d in config_errors {
        d.config = d.severity == Severity::Error;
        out.push(d);
    }
    compiled
}

fn unknown_role(
    config: &crate::model::config::Config,
    file: &Arc<crate::diagnostic::SourceFile>,
    role: &crate::model::policy::SpannedText,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    if config.roles.contains_key(&role.text) {
        return;
    }
    out.push(
        Diagnostic::new(
            codes::UNKNOWN_ROLE,
            Severity::Error,
            format!("{what} names unknown role `{}`", role.text),
        )
        .at(file, role.span.clone(), "not defined under [roles]")
        .help(config.role_help(&role.text)),
    );
}

/// Checks done once per expression, before any feature is evaluated.
///
/// A field no manifest has, one edit away from a field that exists, is a
/// typo. Read without a `has()` guard it would fail the rule at run time
/// for every feature that reaches it, each on the feature's own line: it
/// is reported once here, as an error, and those run-time failures are not
/// (see [`misspelt_in_policy`]). Behind a guard it only keeps the rule from
/// ever firing: a warning.
fn static_checks(fields: &FieldIndex<'_>, expression: &mut Expression, out: &mut Vec<Diagnostic>) {
    for (name, span) in &expression.unknown_variables {
        let help = if expr::ENTRY_VARIABLES.contains(&name.as_str()) {
            format!(
                "`{name}` is bound only in the `filter` and `assert` of a rule with `each`; variables here: {}",
                expr::VARIABLES.join(", ")
            )
        } else {
            match suggest(name, expr::VARIABLES.iter().copied()) {
                Some(s) => format!(
                    "did you mean `{s}`? Variables: {}",
                    expr::VARIABLES.join(", ")
                ),
                None => format!("variables: {}", expr::VARIABLES.join(", ")),
            }
        };
        out.push(
            Diagnostic::new(
                codes::INVALID_EXPRESSION,
                Severity::Error,
                format!("unknown variable `{name}` in expression"),
            )
            .at(&expression.file, span.clone(), "not a variable")
            .help(help),
        );
    }
    for (name, span) in &expression.unknown_computed {
        let field = name.trim_start_matches("computed.");
        let help = match suggest(field, expr::COMPUTED_FIELDS.iter().copied()) {
            Some(s) => format!(
                "did you mean `computed.{s}`? `computed` has {}",
                expr::COMPUTED_FIELDS.join(", ")
            ),
            None => format!("`computed` has {}", expr::COMPUTED_FIELDS.join(", ")),
        };
        out.push(
            Diagnostic::new(
                codes::INVALID_EXPRESSION,
                Severity::Error,
                format!("`{name}` is not a computed value"),
            )
            .at(&expression.file, span.clone(), "no such field")
            .help(help),
        );
    }
    // A path counts as guarded when a `has()` in the expression tests it,
    // or a prefix of it that ends at the misspelt segment.
    let guarded = |segments: &[String]| {
        expression
            .feature_paths
            .iter()
            .any(|p| p.presence_test && p.segments.starts_with(segments))
    };
    let mut misspelt = Vec::new();
    for path in expr::maximal_paths(&expression.feature_paths) {
        let top = &path.segments[0];
        let known_top = CORE_FIELDS.contains(&top.as_str()) || fields.has(top);
        if !known_top {
            let top_level = fields.names_at("");
            let candidates = CORE_FIELDS
                .iter()
                .copied()
                .chain(top_level.iter().map(String::as_str));
            let suggestion = suggest(top, candidates);
            let is_guarded = guarded(&path.segments[..1]);
            // Absence is expected inside `has()`, and after a `has()` on
            // the same field elsewhere in the expression.
            let guarded_anywhere = expression
                .feature_paths
                .iter()
                .any(|p| p.presence_test && p.segments[0] == *top);
            if suggestion.is_none() && guarded_anywhere {
                continue;
            }
            let help = match suggestion {
                Some(s) => format!("did you mean `feature.{s}`?"),
                None => "no feature manifest has this field; check the spelling or guard it with `has()`".into(),
            };
            let typo = suggestion.is_some() && !is_guarded;
            if typo {
                misspelt.push(path.segments[..1].to_vec());
            }
            out.push(misspelt_field(expression, path, top, typo, help));
            continue;
        }
        // Nested fields: only flag a likely typo of a field that does exist.
        let mut prefix = top.clone();
        for (depth, segment) in path.segments.iter().enumerate().skip(1) {
            let full = format!("{prefix}.{segment}");
            if fields.has(&full) {
                prefix = full;
                continue;
            }
            let siblings = fields.names_at(&prefix);
            if siblings.is_empty() {
                prefix = full;
                continue;
            }
            if let Some(s) = suggest(segment, siblings.iter().map(String::as_str)) {
                let typo = !guarded(&path.segments[..=depth]);
                if typo {
                    misspelt.push(path.segments[..=depth].to_vec());
                }
                let help = format!("did you mean `feature.{prefix}.{s}`?");
                out.push(misspelt_field(expression, path, &full, typo, help));
            }
            break;
        }
    }
    expression.misspelt = misspelt;
}

/// PL011 for `feature.<field>`: an error when the field is read unguarded
/// (`typo`), so the rule cannot run; a warning otherwise.
fn misspelt_field(
    expression: &Expression,
    path: &FieldPath,
    field: &str,
    typo: bool,
    help: String,
) -> Diagnostic {
    let (severity, message) = if typo {
        (
            Severity::Error,
            format!(
                "no feature manifest has a field `{field}`: the expression cannot be evaluated"
            ),
        )
    } else {
        (
            Severity::Warning,
            format!("no feature manifest has a field `{field}`"),
        )
    };
    Diagnostic::new(codes::UNKNOWN_FEATURE_FIELD, severity, message)
        .at(
            &expression.file,
            path.span.clone(),
            format!("`feature.{field}` is never defined"),
        )
        .help(help)
}

/// A run-time failure that is only a misspelt field the policy already
/// gets an error for (PL011, once, in the policy file): the same
/// `no such key` for every feature would bury it. A failure on a field that
/// is missing from this feature alone is still reported.
fn misspelt_in_policy(feature: &Feature, expression: &Expression, error: &ExecutionError) -> bool {
    let ExecutionError::NoSuchKey(key) = error else {
        return false;
    };
    let key = key.as_str();
    let lookup = |segments: &[String]| {
        let mut table = feature.table.as_ref();
        for (i, segment) in segments.iter().enumerate() {
            let node = table.get(segment)?;
            if i + 1 == segments.len() {
                return Some(node);
            }
            table = node.value.as_table()?;
        }
        None
    };
    let is_misspelt = |segments: &[String]| expression.misspelt.iter().any(|m| m == segments);
    let from_misspelt = expression.misspelt.iter().any(|m| {
        m.last().is_some_and(|last| last == key)
            && (m.len() == 1 || lookup(&m[..m.len() - 1]).is_some())
    });
    // Another path missing the same key in this feature is the feature's own problem.
    let missing_elsewhere = expression.feature_paths.iter().any(|p| {
        p.segments.iter().position(|s| s == key).is_some_and(|at| {
            !is_misspelt(&p.segments[..=at]) && lookup(&p.segments[..=at]).is_none()
        })
    });
    from_misspelt && !missing_elsewhere
}

/// `[lints]` in policy.toml: per-code levels, like ruff's and cargo-deny's.
/// Configuration errors and waived findings keep theirs; a code that no
/// check or rule has is reported with a did-you-mean.
fn apply_lint_levels(workspace: &Workspace, diagnostics: &mut Vec<Diagnostic>) {
    use crate::model::config::LintLevel;
    let lints = &workspace.config.lints;
    if lints.is_empty() {
        return;
    }
    let known: BTreeSet<String> = crate::rules::BUILTIN
        .iter()
        .map(|c| c.code.to_string())
        .chain(
            workspace
                .policies
                .iter()
                .flat_map(|p| p.rules.iter().map(|r| r.code.clone())),
        )
        .collect();
    let mut unknown = Vec::new();
    for (code, _, span) in lints {
        if !known.contains(code)
            && let Some(file) = &workspace.config.file
        {
            let help = match suggest(code, known.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`? `policy explain` lists every code"),
                None => "`policy explain` lists every code".to_string(),
            };
            unknown.push(
                Diagnostic::new(
                    codes::UNKNOWN_KEY,
                    Severity::Warning,
                    format!("`[lints]` sets a level for `{code}`, which no check or rule has"),
                )
                .at(file, span.clone(), "unknown code")
                .help(help),
            );
        }
    }
    diagnostics.retain_mut(|d| {
        if d.config || d.waived_by.is_some() {
            return true;
        }
        match lints.iter().find(|(code, _, _)| *code == d.code) {
            None => true,
            Some((_, LintLevel::Allow, _)) => false,
            Some((_, level, _)) => {
                d.severity = match level {
                    LintLevel::Note => Severity::Note,
                    LintLevel::Warning => Severity::Warning,
                    _ => Severity::Error,
                };
                true
            }
        }
    });
    diagnostics.extend(unknown);
}

/// Manifest fields one typo away from a field that matters (a core field,
/// or one some rule or playbook condition reads) that no rule reads
/// themselves: the field meant is missing, and the gates on it are off
/// (`MANIFEST_KEY_TYPO`), in the features given. Each distinct key is
/// looked up once per table path: manifests share their shape, so a large
/// repository costs one suggestion search per key, not per feature.
fn key_typos<'w>(
    features: impl Iterator<Item = &'w Feature>,
    rules: &[CompiledRule<'_>],
    applies_when: &BTreeMap<String, Expression>,
    out: &mut Vec<Diagnostic>,
) {
    // Known names by parent path ("" for the top level).
    let mut known: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    known
        .entry(String::new())
        .or_default()
        .extend(CORE_FIELDS.iter().map(|f| f.to_string()));
    let expressions = rules
        .iter()
        .flat_map(|r| r.expressions())
        .chain(applies_when.values());
    for expression in expressions {
        for path in &expression.feature_paths {
            for depth in 0..path.segments.len() {
                known
                    .entry(path.segments[..depth].join("."))
                    .or_default()
                    .insert(path.segments[depth].clone());
            }
        }
    }
    // The suggestion for an unknown key, by table path and key.
    let mut suggestions: HashMap<String, HashMap<String, Option<&str>>> = HashMap::new();
    let joined = |prefix: &str, key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    for feature in features {
        let mut walk = vec![(String::new(), feature.table.as_ref())];
        while let Some((prefix, table)) = walk.pop() {
            let Some(names) = known.get(&prefix) else {
                continue;
            };
            for entry in &table.entries {
                if names.contains(&entry.key) {
                    if let crate::model::tree::Value::Table(inner) = &entry.node.value {
                        walk.push((joined(&prefix, &entry.key), inner));
                    }
                    continue;
                }
                let in_table = suggestions.entry(prefix.clone()).or_default();
                let suggestion = match in_table.get(entry.key.as_str()) {
                    Some(known) => *known,
                    None => {
                        let found = suggest(&entry.key, names.iter().map(String::as_str));
                        in_table.insert(entry.key.clone(), found);
                        found
                    }
                };
                let present = |name: &str| table.get(name).is_some();
                let Some(meant) = suggestion.filter(|meant| !present(meant)) else {
                    continue;
                };
                let path = joined(&prefix, &entry.key);
                let meant_path = joined(&prefix, meant);
                out.push(
                    Diagnostic::new(
                        codes::MANIFEST_KEY_TYPO,
                        Severity::Warning,
                        format!(
                            "unknown field `{path}`; did you mean `{meant_path}`? Nothing reads `{path}`, and `{meant_path}` is not set"
                        ),
                    )
                    .at(&feature.file, entry.key_span.clone(), format!("did you mean `{meant}`?"))
                    .help(format!(
                        "rename it to `{meant}`: rules and playbooks read `{meant_path}`"
                    ))
                    .feature(feature.id.clone()),
                );
            }
        }
    }
}

fn compile_playbooks(
    workspace: &Workspace,
    fields: &FieldIndex<'_>,
    out: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Expression> {
    let mut compiled = BTreeMap::new();
    // In a change, the base's conditions decide which features must follow
    // a playbook: a change cannot narrow its own playbook's reach. Base
    // playbooks the change deletes still apply (reported per feature).
    let base_playbooks = workspace
        .base
        .as_ref()
        .map(|b| b.playbooks.as_slice())
        .unwrap_or_default();
    let judged: Vec<&crate::model::playbook::Playbook> = workspace
        .playbooks
        .iter()
        .map(|p| base_playbooks.iter().find(|b| b.id == p.id).unwrap_or(p))
        .chain(
            base_playbooks
                .iter()
                .filter(|b| !workspace.playbooks.iter().any(|p| p.id == b.id)),
        )
        .collect();
    for playbook in judged {
        let Some((text, span)) = &playbook.applies_when else {
            continue;
        };
        let source = crate::model::policy::SpannedText {
            text: text.clone(),
            span: span.clone(),
        };
        match Expression::compile(&playbook.file, &source) {
            Ok(mut expression) => {
                let mut found = Vec::new();
                static_checks(fields, &mut expression, &mut found);
                out.extend(found);
                compiled.insert(playbook.id.clone(), expression);
            }
            Err(error) => {
                let mut d = Diagnostic::new(
                    codes::INVALID_EXPRESSION,
                    Severity::Error,
                    format!(
                        "playbook `{}` has an invalid `applies_when`: {}",
                        playbook.id, error.message
                    ),
                )
                .at(&playbook.file, error.span, error.message);
                d.config = true;
                out.push(d);
            }
        }
    }
    compiled
}

fn playbook_references(
    workspace: &Workspace,
    feature: &Feature,
    applies_when: &BTreeMap<String, Expression>,
    evaluation: &mut Evaluation<'_, '_>,
    cascades_quiet: bool,
    out: &mut Vec<Diagnostic>,
) {
    for reference in &feature.playbooks {
        match workspace.playbooks.iter().find(|p| p.id == reference.id) {
            None => {
                let ids: Vec<&str> = workspace.playbooks.iter().map(|p| p.id.as_str()).collect();
                out.push(
                    Diagnostic::new(
                        codes::UNKNOWN_PLAYBOOK,
                        Severity::Error,
                        format!("unknown playbook `{}`", reference.id),
                    )
                    .at(
                        &feature.file,
                        reference.span.clone(),
                        "no playbook has this id",
                    )
                    .help(if ids.is_empty() {
                        "no playbooks are defined in this repository".to_string()
                    } else {
                        crate::model::feature::did_you_mean(&reference.id, ids.iter().copied())
                    }),
                );
            }
            Some(playbook) if reference.version > playbook.version => {
                out.push(
                    Diagnostic::new(
                        codes::UNKNOWN_PLAYBOOK,
                        Severity::Error,
                        format!(
                            "playbook `{}` has no version {} (current is {})",
                            reference.id, reference.version, playbook.version
                        ),
                    )
                    .at(
                        &feature.file,
                        reference.span.clone(),
                        "version does not exist yet",
                    )
                    .related(&playbook.file, version_span(playbook), "current version")
                    .help(format!("reference `{}@{}`", playbook.id, playbook.version)),
                );
            }
            Some(playbook) if reference.version < playbook.version => {
                out.push(
                    Diagnostic::new(
                        codes::OUTDATED_PLAYBOOK,
                        Severity::Warning,
                        format!(
                            "feature follows `{}@{}`, but the playbook is at version {}",
                            reference.id, reference.version, playbook.version
                        ),
                    )
                    .at(&feature.file, reference.span.clone(), "outdated version")
                    .related(&playbook.file, version_span(playbook), "current version")
                    .help(format!(
                        "review what changed, follow the current version, then reference `{}@{}`",
                        playbook.id, playbook.version
                    )),
                );
            }
            Some(_) => {}
        }
    }
    let base_playbooks = workspace
        .base
        .as_ref()
        .map(|b| b.playbooks.as_slice())
        .unwrap_or_default();
    for (id, expression) in applies_when {
        let current = workspace.playbooks.iter().find(|p| &p.id == id);
        let Some(playbook) = current.or_else(|| base_playbooks.iter().find(|p| &p.id == id)) else {
            continue;
        };
        if current.is_some() && feature.playbooks.iter().any(|r| r.id == playbook.id) {
            continue;
        }
        match evaluation.execute(expression) {
            Ok(Cel::Bool(true)) if current.is_none() => {
                out.push(
                    Diagnostic::new(
                        codes::PLAYBOOK_NOT_FOLLOWED,
                        Severity::Error,
                        format!(
                            "this change deletes playbook `{}`, which still applies to this feature",
                            playbook.id
                        ),
                    )
                    .at(&feature.file, feature.anchor_span(), "the playbook applies here")
                    .related(
                        &expression.file,
                        expression.span.clone(),
                        "applies because this holds (at the base)",
                    )
                    .help("keep the playbook, or change its `applies_when` (with a version bump) so it no longer applies, in a change of its own"),
                );
            }
            Ok(Cel::Bool(true)) => {
                let anchor = feature
                    .table
                    .get("playbooks")
                    .map_or_else(|| feature.anchor_span(), |n| n.span.clone());
                out.push(
                    Diagnostic::new(
                        codes::PLAYBOOK_NOT_FOLLOWED,
                        Severity::Error,
                        playbook_demands::not_followed_message(&playbook.id),
                    )
                    .at(
                        &feature.file,
                        anchor,
                        format!("add \"{}@{}\"", playbook.id, playbook.version),
                    )
                    .related(
                        &expression.file,
                        expression.span.clone(),
                        "applies because this holds",
                    )
                    .help(format!(
                        "follow the `{}` playbook and add \"{}@{}\" to `playbooks`",
                        playbook.id, playbook.id, playbook.version
                    )),
                );
            }
            Ok(_) => {}
            Err(error)
                if repeats_a_schema_error(feature, expression, &error, cascades_quiet)
                    || misspelt_in_policy(feature, expression, &error) => {}
            Err(error) => {
                let (message, span) = describe_error(feature, expression, &error);
                out.push(
                    Diagnostic::new(
                        codes::PLAYBOOK_NOT_FOLLOWED,
                        Severity::Warning,
                        format!(
                            "could not decide whether playbook `{}` applies: {message}",
                            playbook.id
                        ),
                    )
                    .at(&feature.file, span, message)
                    .related(
                        &expression.file,
                        expression.span.clone(),
                        "while evaluating this",
                    ),
                );
            }
        }
    }
}

fn version_span(playbook: &crate::model::playbook::Playbook) -> std::ops::Range<usize> {
    playbook
        .front_matter
        .get("version")
        .map_or(0..0, |n| n.span.clone())
}

/// The manifest span a rule's finding points at: `at`, else the most
/// specific field the expression read that exists, else the stage line.
fn primary_span(
    feature: &Feature,
    rule: &Rule,
    expressions: &[&Expression],
) -> std::ops::Range<usize> {
    if let Some(at) = &rule.at
        && let Some(entry) = deepest_entry(
            feature,
            &at.text.split('.').map(String::from).collect::<Vec<_>>(),
        )
    {
        return entry;
    }
    read_span(feature, expressions)
}

/// The most specific field the expressions read that exists in the
/// manifest, else the stage line.
fn read_span(feature: &Feature, expressions: &[&Expression]) -> std::ops::Range<usize> {
    let mut best: Option<(usize, std::ops::Range<usize>)> = None;
    for expression in expressions {
        for path in &expression.feature_paths {
            if let Some(span) = deepest_entry(feature, &path.segments) {
                let depth = existing_depth(feature, &path.segments);
                if best.as_ref().is_none_or(|(d, _)| depth > *d) {
                    best = Some((depth, span));
                }
            }
        }
    }
    best.map_or_else(|| feature.anchor_span(), |(_, span)| span)
}

fn existing_depth(feature: &Feature, segments: &[String]) -> usize {
    (1..=segments.len())
        .rev()
        .find(|n| feature.table.lookup(&segments[..*n].join(".")).is_some())
        .unwrap_or(0)
}

fn deepest_entry(feature: &Feature, segments: &[String]) -> Option<std::ops::Range<usize>> {
    let depth = existing_depth(feature, segments);
    if depth == 0 {
        return None;
    }
    let entry = feature.table.lookup(&segments[..depth].join("."))?;
    Some(entry.node.span.clone())
}

/// A run-time failure that is only the absence of a required field the
/// manifest already gets an error for (a missing `stage`): reporting it would
/// repeat that error once per rule. The rule is judged once the manifest is
/// fixed, and until then the schema error fails the run, so this holds only
/// while that error is not waived (`cascades_quiet`).
fn repeats_a_schema_error(
    feature: &Feature,
    expression: &Expression,
    error: &ExecutionError,
    cascades_quiet: bool,
) -> bool {
    let ExecutionError::NoSuchKey(key) = error else {
        return false;
    };
    let key = key.as_str();
    cascades_quiet
        && feature.invalid_fields.iter().any(|f| f == key)
        && feature.table.get(key).is_none()
        && expression
            .feature_paths
            .iter()
            .any(|path| path.segments[0] == key)
}

/// A readable account of a run-time failure, naming the missing field.
fn describe_error(
    feature: &Feature,
    expression: &Expression,
    error: &ExecutionError,
) -> (String, std::ops::Range<usize>) {
    let missing = match error {
        ExecutionError::NoSuchKey(key) => Some(key.as_str()),
        _ => None,
    };
    if let Some(key) = missing {
        let path: Option<&FieldPath> = expression
            .feature_paths
            .iter()
            .filter(|p| p.segments.iter().any(|s| s == key))
            .find(|p| feature.table.lookup(&p.dotted()).is_none());
        if let Some(path) = path {
            let position = path.segments.iter().position(|s| s == key).unwrap_or(0);
            let missing_path = path.segments[..=position].join(".");
            let span =
                deepest_entry(feature, &path.segments).unwrap_or_else(|| feature.anchor_span());
            return (format!("`feature.{missing_path}` is missing"), span);
        }
        return (format!("no such key `{key}`"), feature.anchor_span());
    }
    (error.to_string(), feature.anchor_span())
}

fn evaluate_rule(
    feature: &Feature,
    compiled: &CompiledRule<'_>,
    states: &BTreeMap<String, SignoffState>,
    distinct_signers: bool,
    evaluation: &mut Evaluation<'_, '_>,
    cascades_quiet: bool,
    out: &mut Vec<Diagnostic>,
) {
    let rule = compiled.rule;
    let policy = compiled.policy;
    let violation = |message: String, span: std::ops::Range<usize>, label: String| {
        Diagnostic::new(rule.code.clone(), rule.severity, message)
            .at(&feature.file, span, label)
            .maybe_help(rule.help.clone())
            .feature(feature.id.clone())
    };
    if let Some(when) = &compiled.when {
        match evaluation.execute(when) {
            Ok(Cel::Bool(true)) => {}
            Ok(Cel::Bool(false)) => return,
            Ok(other) => {
                out.push(
                    violation(
                        format!(
                            "{}: `when` must be a boolean, got {:?}",
                            rule.title,
                            other.type_of()
                        ),
                        feature.anchor_span(),
                        "rule could not be evaluated".into(),
                    )
                    .related(&when.file, when.span.clone(), "this condition"),
                );
                return;
            }
            Err(error)
                if repeats_a_schema_error(feature, when, &error, cascades_quiet)
                    || misspelt_in_policy(feature, when, &error) =>
            {
                return;
            }
            Err(error) => {
                let (message, span) = describe_error(feature, when, &error);
                out.push(
                    violation(
                        format!("{}: cannot evaluate `when`: {message}", rule.code),
                        span,
                        message,
                    )
                    .related(
                        &when.file,
                        when.span.clone(),
                        "while evaluating this condition",
                    ),
                );
                return;
            }
        }
    }
    if let Some(each) = &compiled.each {
        each::evaluate(feature, compiled, each, evaluation, cascades_quiet, out);
    } else if let Some(assert) = &compiled.assert {
        let mut expressions = vec![assert];
        expressions.extend(compiled.when.as_ref());
        match evaluation.execute(assert) {
            Ok(Cel::Bool(true)) => {}
            Ok(Cel::Bool(false)) => {
                let span = primary_span(feature, rule, &expressions);
                let values = interpolate::Values {
                    feature: &feature.table,
                    base: evaluation.base(),
                    entry: None,
                };
                let at = rule.at.as_ref().map(|at| at.text.as_str());
                let shown = at.and_then(|at| shown_value(feature.table.lookup(at)));
                let (message, label) =
                    failure_text(rule, &values, at.unwrap_or(""), at.is_some(), shown);
                out.push(violation(message, span, label).related(
                    &assert.file,
                    assert.span.clone(),
                    format!("{} requires this", rule.code),
                ));
            }
            Ok(other) => {
                out.push(
                    violation(
                        format!(
                            "{}: `assert` must be a boolean, got {:?}",
                            rule.title,
                            other.type_of()
                        ),
                        feature.anchor_span(),
                        "rule could not be evaluated".into(),
                    )
                    .related(
                        &assert.file,
                        assert.span.clone(),
                        "this assertion",
                    ),
                );
            }
            Err(error)
                if repeats_a_schema_error(feature, assert, &error, cascades_quiet)
                    || misspelt_in_policy(feature, assert, &error) => {}
            Err(error) => {
                let (message, span) = describe_error(feature, assert, &error);
                out.push(
                    violation(format!("{}: {message}", rule.title), span, message).related(
                        &assert.file,
                        assert.span.clone(),
                        "while evaluating this assertion",
                    ),
                );
            }
        }
    }
    // Separation of duties: the roles one rule requires are different
    // people.
    let mut given_by: Vec<(&str, &str)> = Vec::new();
    for role in &rule.require_signoffs {
        let state = states.get(&role.text);
        let counts = |s: &&SignoffState| {
            distinct_signers && s.fresh && s.decision != crate::model::signoff::Decision::NoGo
        };
        let twice = state.filter(counts).and_then(|state| {
            let found = given_by
                .iter()
                .find(|(_, person)| state.people.iter().any(|p| p == person))
                .copied();
            if found.is_none() {
                for person in &state.people {
                    given_by.push((role.text.as_str(), person.as_str()));
                }
            }
            found
        });
        let problem = match state {
            None => Some(format!("missing sign-off from `{}`", role.text)),
            Some(_) if twice.is_some() => {
                let (other, person) = twice.unwrap_or_default();
                Some(format!(
                    "`{}`'s sign-off is by {person}, who already gave `{other}`'s: one person cannot give two of the sign-offs this rule requires",
                    role.text
                ))
            }
            Some(state) if state.decision == crate::model::signoff::Decision::NoGo => {
                Some(format!("`{}` decided no-go", role.text))
            }
            Some(state) if state.invalid.is_some() => Some(format!(
                "sign-off from `{}` does not count: {}",
                role.text,
                state.invalid.as_deref().unwrap_or_default()
            )),
            Some(state) if !state.fresh => Some(format!(
                "sign-off from `{}` is stale ({})",
                role.text,
                state
                    .stale_reason
                    .as_deref()
                    .unwrap_or("changed since signing")
            )),
            Some(_) => None,
        };
        let Some(problem) = problem else { continue };
        let stage = feature.stage.as_deref().unwrap_or("?");
        let stated = rule.message.as_deref().unwrap_or(&rule.title);
        let role_name = &role.text;
        let no_go = state.is_some_and(|s| s.decision == crate::model::signoff::Decision::NoGo);
        // One fact per kind of problem, so the human output says it once
        // for every role it affects (and with the stale-sign-off findings
        // of the same change).
        let (label, cause) = match state {
            None => (
                format!("`{stage}` without a go from `{role_name}`"),
                Some(Cause {
                    key: format!("{} missing", rule.code),
                    item: role_name.clone(),
                    message: (format!("{stated}: missing sign-offs from "), String::new()),
                    label: (format!("`{stage}` without a go from "), String::new()),
                    gate: true,
                }),
            ),
            Some(_) if twice.is_some() => (
                format!("`{role_name}`'s go is by a person who gave another one"),
                Some(Cause {
                    key: format!("{} twice {role_name}", rule.code),
                    item: role_name.clone(),
                    message: (format!("{stated}: "), String::new()),
                    label: (String::new(), String::new()),
                    gate: true,
                }),
            ),
            Some(_) if no_go => (
                format!("`{role_name}` decided no-go"),
                Some(Cause {
                    key: format!("{} no-go", rule.code),
                    item: role_name.clone(),
                    message: (format!("{stated}: "), " decided no-go".into()),
                    label: ("no-go from ".into(), String::new()),
                    gate: true,
                }),
            ),
            Some(state) if state.invalid.is_some() => {
                let why = state.invalid.as_deref().unwrap_or_default();
                (
                    format!("`{stage}` without a go from `{role_name}` that counts"),
                    Some(Cause {
                        key: format!("{} invalid: {why}", rule.code),
                        item: role_name.clone(),
                        message: (
                            format!("{stated}: the sign-offs from "),
                            format!(" do not count: {why}"),
                        ),
                        label: (
                            format!("`{stage}` without a go that counts from "),
                            String::new(),
                        ),
                        gate: true,
                    }),
                )
            }
            Some(state) => {
                let reason = state
                    .stale_reason
                    .as_deref()
                    .unwrap_or("changed since signing");
                (
                    format!("`{stage}` needs a fresh go from `{role_name}`"),
                    Some(stale_cause(
                        role_name,
                        reason,
                        (format!("`{stage}` needs a fresh go from "), String::new()),
                        true,
                    )),
                )
            }
        };
        // The rule's own message says what is at stake; the problem says
        // which sign-off is missing or why it does not count.
        let mut d = violation(format!("{stated}: {problem}"), feature.anchor_span(), label);
        d.cause = cause;
        let mut d = d.related(
            &policy.file,
            role.span.clone(),
            format!("{} requires this role", rule.code),
        );
        if let Some(state) = state {
            d = d.related(&state.file, state.decision_span.clone(), "this sign-off");
        }
        if d.help.is_none() {
            d.help = Some(format!(
                "after review, a member of `{}` runs `policy sign {} --role {}`",
                role.text, feature.id, role.text
            ));
        }
        d.role = Some(role.text.clone());
        out.push(d);
    }
}

/// The shared cause of a gate that waits for a stale sign-off and of the
/// stale sign-off itself: the same edit made every sign-off it touched
/// stale. `reason` is what changed (`` `risk.residual` ("low" → "high")
/// changed ``).
pub(crate) fn stale_cause(role: &str, reason: &str, label: (String, String), gate: bool) -> Cause {
    Cause {
        key: format!("stale: {reason}"),
        item: role.to_string(),
        message: (
            "the sign-offs from ".into(),
            format!(" are stale: {reason}"),
        ),
        label,
        gate,
    }
}

/// A manifest value as a label quotes it: a scalar or a short list, as
/// TOML writes it; `None` for tables and long values.
fn shown_value(entry: Option<&crate::model::tree::Entry>) -> Option<String> {
    use crate::model::tree::Value;
    let entry = entry?;
    let text = match &entry.node.value {
        Value::String(s) => format!("{s:?}"),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(_) | Value::Table(_) => return None,
    };
    (text.chars().count() <= 40).then_some(text)
}

/// The message and primary label of a failed assertion: the rule's
/// `message` and `label` with their placeholders filled (DESIGN §2.4), or,
/// for a label, what is wrong with the value it points at: `at` missing,
/// or the value against the rule's title. A placeholder that cannot be
/// filled falls back to the title, and to the default label.
fn failure_text(
    rule: &Rule,
    values: &interpolate::Values<'_>,
    at: &str,
    at_set: bool,
    shown: Option<String>,
) -> (String, String) {
    let message = rule
        .message
        .as_deref()
        .and_then(|m| interpolate::fill(m, values))
        .unwrap_or_else(|| rule.title.clone());
    let label = rule
        .label
        .as_deref()
        .and_then(|l| interpolate::fill(l, values))
        .unwrap_or_else(|| {
            let present = at_set && values.feature.lookup(at).is_some();
            match shown {
                _ if at_set && !present => format!("`{at}` is missing"),
                _ if rule.message.is_some() => format!("does not meet: {}", rule.title),
                Some(value) => format!("`{at}` = {value} does not meet {}", rule.code),
                None => format!("does not meet {}", rule.code),
            }
        });
    (message, label)
}

/// The roles that may approve a waiver of `rule`: the owners of the policy
/// in force that defines it, or `[waivers] approvers` for built-in checks.
/// `None` when no loaded policy defines the rule (the waiver is unused).
fn waiver_approvers(workspace: &Workspace, rule: &str) -> Option<Vec<String>> {
    if rule.to_ascii_uppercase().starts_with("PL") {
        return Some(
            workspace
                .config
                .waiver_approvers
                .iter()
                .map(|r| r.value.clone())
                .collect(),
        );
    }
    let policy = workspace
        .policies
        .iter()
        .find(|p| p.rules.iter().any(|r| r.code == rule))?;
    let owners: Vec<String> = policy.owners.iter().map(|o| o.text.clone()).collect();
    Some(if owners.is_empty() {
        workspace
            .config
            .policy_admins
            .iter()
            .map(|r| r.value.clone())
            .collect()
    } else {
        owners
    })
}

/// Warnings for waivers that expire in fewer than `[waivers] warn_days`
/// days (a waiver still applies on its `expires` date).
fn expiring_waivers(workspace: &Workspace, settings: &Settings) -> Vec<Diagnostic> {
    let warn_days = workspace.config.waiver_warn_days;
    let mut out = Vec::new();
    if workspace.waivers.is_empty() {
        return out;
    }
    let loaded: BTreeSet<&str> = workspace.features.iter().map(|f| f.id.as_str()).collect();
    let known: BTreeSet<&str> = workspace
        .feature_dirs
        .iter()
        .map(|d| d.rsplit('/').next().unwrap_or(d))
        .chain(loaded.iter().copied())
        .collect();
    for waiver in &workspace.waivers {
        let Ok(span) = settings.today.until(waiver.expires) else {
            continue;
        };
        let days_left = i64::from(span.get_days());
        // An expired waiver is an error where its feature is checked
        // (PL021); a change that leaves the feature out still hears of it.
        let outside_run = !loaded.contains(waiver.feature.as_str())
            || settings
                .report_on
                .as_ref()
                .is_some_and(|ids| !ids.contains(&waiver.feature));
        if days_left < 0 && outside_run {
            out.push(
                Diagnostic::new(
                    codes::WAIVER_EXPIRING,
                    Severity::Warning,
                    format!(
                        "waiver `{}` of {} for `{}` expired on {}: its gate is open again",
                        waiver.name, waiver.rule, waiver.feature, waiver.expires
                    ),
                )
                .at(
                    &waiver.file,
                    waiver.expires_span.clone(),
                    format!("expired (today is {})", settings.today),
                )
                .help(format!(
                    "`{}` is not checked in this run (a change that does not touch it, or a manifest that cannot be read), so its {} finding is not reported here; a full check reports the expiry as an error until the violation is fixed or `{}` renews the waiver",
                    waiver.feature, waiver.rule, waiver.approved_by
                )),
            );
            if let Some(d) = out.last_mut() {
                d.feature = (workspace.partial || known.contains(waiver.feature.as_str()))
                    .then(|| waiver.feature.clone());
            }
            continue;
        }
        if warn_days <= 0 || !(0..warn_days).contains(&days_left) {
            continue;
        }
        let when = match days_left {
            0 => "today (its last day)".to_string(),
            1 => "tomorrow".to_string(),
            n => format!("in {n} days"),
        };
        out.push(
            Diagnostic::new(
                codes::WAIVER_EXPIRING,
                Severity::Warning,
                format!(
                    "waiver `{}` of {} for `{}` expires {when}, on {}",
                    waiver.name, waiver.rule, waiver.feature, waiver.expires
                ),
            )
            .at(
                &waiver.file,
                waiver.expires_span.clone(),
                format!(
                    "{days_left} day{} left (warned {warn_days} days ahead)",
                    if days_left == 1 { "" } else { "s" }
                ),
            )
            .help(format!(
                "fix the {} violation and delete the waiver, or have `{}` renew it with a new `expires`",
                waiver.rule, waiver.approved_by
            ))
        );
        // A change loads only the features it touches: one it did not
        // load may exist, and the warning is still about it.
        if let Some(d) = out.last_mut() {
            d.feature = (workspace.partial || known.contains(waiver.feature.as_str()))
                .then(|| waiver.feature.clone());
        }
    }
    out
}

fn apply_waivers(
    workspace: &Workspace,
    settings: &Settings,
    unauthorised: &BTreeMap<String, String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if workspace.waivers.is_empty() {
        return;
    }
    let loaded: BTreeSet<&str> = workspace.features.iter().map(|f| f.id.as_str()).collect();
    // In staged and range modes only touched manifests are parsed; every
    // manifest directory is still listed, and ids match directory names.
    let known_features: BTreeSet<&str> = workspace
        .feature_dirs
        .iter()
        .map(|d| d.rsplit('/').next().unwrap_or(d))
        .chain(loaded.iter().copied())
        .collect();
    // A feature id declared twice is an error (PL008); neither manifest
    // gets the waivers, so a new manifest can never borrow another's.
    let mut seen = BTreeSet::new();
    let duplicated: BTreeSet<&str> = workspace
        .features
        .iter()
        .filter(|f| !seen.insert(f.id.as_str()))
        .map(|f| f.id.as_str())
        .collect();
    let mut extra = Vec::new();
    for waiver in &workspace.waivers {
        if (workspace.partial || known_features.contains(waiver.feature.as_str()))
            && !loaded.contains(waiver.feature.as_str())
        {
            // Its feature is not part of this run: nothing to judge it by.
            continue;
        }
        if !workspace.config.roles.contains_key(&waiver.approved_by) {
            extra.push(
                Diagnostic::new(
                    codes::UNKNOWN_ROLE,
                    Severity::Error,
                    format!(
                        "waiver is approved by unknown role `{}`",
                        waiver.approved_by
                    ),
                )
                .at(
                    &waiver.file,
                    waiver.approved_by_span.clone(),
                    "not defined under [roles]",
                )
                .help(workspace.config.role_help(&waiver.approved_by))
                .feature(waiver.feature.clone()),
            );
        }
        if unauthorised.contains_key(&waiver.file.path) {
            // Reported as author-not-member; an unapproved waiver excuses nothing.
            continue;
        }
        if workspace.config.roles.contains_key(&waiver.approved_by)
            && workspace.config.members(&waiver.approved_by).is_none()
        {
            extra.push(
                Diagnostic::new(
                    codes::WAIVER_WRONG_APPROVER,
                    Severity::Error,
                    format!(
                        "role `{}` has no members, so nobody can approve a waiver in its name",
                        waiver.approved_by
                    ),
                )
                .at(
                    &waiver.file,
                    waiver.approved_by_span.clone(),
                    "role without members",
                )
                .help(format!(
                    "list the people who speak for `{}` in policy.toml",
                    waiver.approved_by
                ))
                .feature(waiver.feature.clone()),
            );
            continue;
        }
        if let Some(allowed) = waiver_approvers(workspace, &waiver.rule)
            && !allowed.contains(&waiver.approved_by)
        {
            extra.push(
                Diagnostic::new(
                    codes::WAIVER_WRONG_APPROVER,
                    Severity::Error,
                    format!(
                        "`{}` may not waive {}: only {} may",
                        waiver.approved_by,
                        waiver.rule,
                        allowed
                            .iter()
                            .map(|r| format!("`{r}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .at(
                    &waiver.file,
                    waiver.approved_by_span.clone(),
                    "not an owner of this rule",
                )
                .help(format!(
                    "a member of {} approves and commits the waiver",
                    allowed.join(" or ")
                ))
                .feature(waiver.feature.clone()),
            );
            continue;
        }
        let expired = waiver.expires < settings.today;
        if expired {
            extra.push(
                Diagnostic::new(
                    codes::WAIVER_EXPIRED,
                    Severity::Error,
                    format!(
                        "waiver `{}` for {} expired on {}",
                        waiver.name, waiver.rule, waiver.expires
                    ),
                )
                .at(
                    &waiver.file,
                    waiver.expires_span.clone(),
                    format!("expired (today is {})", settings.today),
                )
                .help("fix the violation and delete the waiver, or renew it with a fresh approval")
                .feature(waiver.feature.clone()),
            );
        }
        let mut matched = false;
        for d in diagnostics.iter_mut() {
            if d.code == waiver.rule
                && d.feature.as_deref() == Some(waiver.feature.as_str())
                && d.waived_by.is_none()
                && !duplicated.contains(waiver.feature.as_str())
            {
                matched = true;
                if !expired {
                    d.severity = Severity::Note;
                    d.message = format!("{} (waived)", d.message);
                    d.waived_by = Some(waiver.file.path.clone());
                    d.related.push(crate::diagnostic::Label::new(
                        &waiver.file,
                        waiver.rule_span.clone(),
                        format!("waived until {}: {}", waiver.expires, waiver.reason),
                    ));
                }
            }
        }
        if !matched && !expired {
            let why = if !known_features.contains(waiver.feature.as_str()) {
                format!("no feature has id `{}`", waiver.feature)
            } else {
                format!("{} reports nothing for `{}`", waiver.rule, waiver.feature)
            };
            extra.push(
                Diagnostic::new(
                    codes::WAIVER_UNUSED,
                    Severity::Warning,
                    format!("waiver `{}` matches no violation: {why}", waiver.name),
                )
                .at(&waiver.file, waiver.rule_span.clone(), "nothing to waive")
                .help("if the violation it excused is fixed, delete the waiver; a waiver written ahead of the change it is for (the stage move that will trigger the rule) matches once that change is in the same commit or pull request")
                .feature(waiver.feature.clone()),
            );
        }
    }
    // A waiver may name a feature that does not exist: its findings are
    // about the repository, not a feature (the summary would otherwise count
    // a feature that is not there, and `--staged` runs would never show them).
    for d in &mut extra {
        if d.feature
            .as_deref()
            .is_some_and(|f| !known_features.contains(f))
        {
            d.feature = None;
        }
    }
    diagnostics.extend(extra);
}
