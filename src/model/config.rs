//! `policy.toml`: paths, roles and their members, taxonomy, sign-off options.
//! Every field is optional; defaults apply when the file or a field is absent.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::read::{Fields, document_anchor, parse_toml};
use crate::rules::codes;

pub const DEFAULT_STAGES: &[&str] = &[
    "concept", "design", "review", "cleared", "launched", "paused", "retired",
];
pub const DEFAULT_HARM_CATEGORIES: &[&str] = &[
    "violence",
    "self-harm",
    "malware",
    "cyber",
    "bio",
    "chem",
    "privacy",
    "harassment",
    "hate",
    "sexual-content",
    "child-safety",
    "misinformation",
    "elections",
    "fraud",
    "weapons",
    "extremism",
];
pub const DEFAULT_ROLES: &[&str] = &[
    "safety-researcher",
    "policy-analyst",
    "legal-counsel",
    "srb",
];
/// Where git's allowed-signers file is, relative to the directory of
/// `policy.toml`, unless `[signoff] allowed_signers` says otherwise.
pub const DEFAULT_ALLOWED_SIGNERS: &str = ".policy/allowed_signers";
pub const RISK_TIERS: &[&str] = &["low", "medium", "high", "critical"];

/// A list of values from the config with the span of each, so findings can
/// point at the taxonomy entry or role that matters.
#[derive(Clone, Debug, Default)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Option<Range<usize>>,
}

#[derive(Clone, Debug)]
pub struct Role {
    pub name: String,
    pub members: Vec<String>,
    pub span: Option<Range<usize>>,
}

#[derive(Clone, Debug)]
pub struct Paths {
    pub features: Vec<String>,
    pub playbooks: Vec<String>,
    pub policies: Vec<String>,
    pub waivers: Vec<String>,
    /// Safety debt files (DESIGN §2.10).
    pub debt: Vec<String>,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            features: vec!["features/**/feature.toml".into()],
            playbooks: vec!["playbooks/**/*.md".into()],
            policies: vec!["policies/*.toml".into()],
            waivers: vec!["waivers/**/*.toml".into()],
            debt: vec![DEFAULT_DEBT_GLOB.into()],
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The parsed file, absent when defaults apply.
    pub file: Option<Arc<SourceFile>>,
    pub paths: Paths,
    pub roles: BTreeMap<String, Role>,
    pub stages: Vec<Spanned<String>>,
    pub harm_categories: Vec<Spanned<String>>,
    pub digest_excludes: Vec<String>,
    pub verify_authors: bool,
    /// `[signoff] require_signed`: every commit that writes a sign-off or
    /// waiver must carry an SSH signature by a member of its role.
    pub require_signed: bool,
    /// `[signoff] allowed_signers`: git's allowed-signers file, relative to
    /// the directory of `policy.toml`.
    pub allowed_signers: String,
    /// `[signoff] distinct_signers`: one person cannot give two of the
    /// sign-offs one rule requires for one feature.
    pub distinct_signers: bool,
    /// `[signoff] no_self_approval`: the author of a feature's content (or
    /// of a policy change) cannot sign it off.
    pub no_self_approval: bool,
    /// `[policies] admins`: the roles whose go a new policy needs.
    pub policy_admins: Vec<Spanned<String>>,
    /// `[waivers] approvers`: the roles that may approve a waiver of a
    /// built-in `PL` check.
    pub waiver_approvers: Vec<Spanned<String>>,
    /// `[waivers] warn_days`: a waiver that expires within this many days
    /// (today included) is a warning in every mode, before its gate
    /// reopens. Default 14; 0 turns the warning off.
    pub waiver_warn_days: i64,
    /// `[lints]`: per-code levels (`PL014 = "error"`, `HYP002 = "allow"`),
    /// with the span of each code.
    pub lints: Vec<(String, LintLevel, Range<usize>)>,
    /// `[risk.weights]` and `[risk.tiers]`: risk scoring, `None` when no
    /// weights are configured (DESIGN §2.8).
    pub risk: Option<crate::model::risk::Scoring>,
    /// `[debt] grace_days`: open safety debt this many days past its `due`
    /// date is a warning; more days late, an error. Default 30.
    pub debt_grace_days: i64,
}

/// A level set for a code in `[lints]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LintLevel {
    /// Not reported.
    Allow,
    Note,
    Warning,
    Error,
}

impl LintLevel {
    pub fn parse(text: &str) -> Option<LintLevel> {
        match text {
            "allow" => Some(LintLevel::Allow),
            "note" => Some(LintLevel::Note),
            "warning" => Some(LintLevel::Warning),
            "error" => Some(LintLevel::Error),
            _ => None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            file: None,
            paths: Paths::default(),
            roles: DEFAULT_ROLES
                .iter()
                .map(|r| {
                    (
                        r.to_string(),
                        Role {
                            name: r.to_string(),
                            members: Vec::new(),
                            span: None,
                        },
                    )
                })
                .collect(),
            stages: DEFAULT_STAGES
                .iter()
                .map(|s| Spanned {
                    value: s.to_string(),
                    span: None,
                })
                .collect(),
            harm_categories: DEFAULT_HARM_CATEGORIES
                .iter()
                .map(|s| Spanned {
                    value: s.to_string(),
                    span: None,
                })
                .collect(),
            digest_excludes: vec!["stage".into()],
            verify_authors: true,
            require_signed: false,
            allowed_signers: DEFAULT_ALLOWED_SIGNERS.into(),
            distinct_signers: true,
            no_self_approval: true,
            policy_admins: vec![Spanned {
                value: "srb".into(),
                span: None,
            }],
            waiver_approvers: vec![Spanned {
                value: "srb".into(),
                span: None,
            }],
            waiver_warn_days: DEFAULT_WAIVER_WARN_DAYS,
            lints: Vec::new(),
            risk: None,
            debt_grace_days: DEFAULT_DEBT_GRACE_DAYS,
        }
    }
}

/// The default of `[waivers] warn_days`.
pub const DEFAULT_WAIVER_WARN_DAYS: i64 = 14;
/// The default of `[paths] debt`.
pub const DEFAULT_DEBT_GLOB: &str = "debt/*.toml";
/// The default of `[debt] grace_days`, and its largest value.
pub const DEFAULT_DEBT_GRACE_DAYS: i64 = 30;
pub const MAX_DEBT_GRACE_DAYS: i64 = 3650;

impl Config {
    pub fn stage_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.stages.iter().map(|s| s.value.as_str())
    }

    pub fn harm_category_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.harm_categories.iter().map(|s| s.value.as_str())
    }

    /// The help of a finding that names `word`, a value missing from the
    /// `taxonomy.<key>` list `names`: the closest valid value, the valid
    /// values, and how to make `word` valid. When the list comes from the
    /// defaults (no `[taxonomy] <key>` in a file), the help says to list
    /// the defaults too, since a list in policy.toml replaces them.
    pub fn taxonomy_help<'a>(
        &self,
        key: &str,
        word: &str,
        names: impl Iterator<Item = &'a str> + Clone,
    ) -> String {
        let from_file = match key {
            "stages" => self.stages.first(),
            _ => self.harm_categories.first(),
        }
        .is_some_and(|s| s.span.is_some());
        let fix = if from_file {
            format!("to accept `{word}`, add it to `taxonomy.{key}` in policy.toml")
        } else {
            format!(
                "to accept `{word}`, list it with the valid values as `[taxonomy] {key}` in policy.toml (a list there replaces the defaults)"
            )
        };
        format!(
            "{}; {fix}",
            crate::model::feature::did_you_mean(word, names)
        )
    }

    /// The help of a finding that names `role`, which is not under `[roles]`.
    pub fn role_help(&self, role: &str) -> String {
        format!(
            "{}; to accept `{role}`, define `[roles.{role}]` with its `members` in policy.toml",
            crate::model::feature::did_you_mean(role, self.roles.keys().map(String::as_str))
        )
    }

    pub fn stage_span(&self, stage: &str) -> Option<Range<usize>> {
        self.stages
            .iter()
            .find(|s| s.value == stage)
            .and_then(|s| s.span.clone())
    }

    /// Parses `policy.toml`. Problems are returned as diagnostics marked as
    /// configuration errors; the config returned holds whatever was valid.
    pub fn parse(file: &Arc<SourceFile>) -> (Config, Vec<Diagnostic>) {
        let mut config = Config {
            file: Some(Arc::clone(file)),
            ..Config::default()
        };
        let table = match parse_toml(file) {
            Ok(table) => table,
            Err(mut diagnostic) => {
                diagnostic.config = true;
                return (config, vec![diagnostic]);
            }
        };
        let mut fields = Fields::new(file, &table, document_anchor(file), "policy.toml").config();
        fields.deny_unknown(&[
            "paths", "roles", "taxonomy", "signoff", "policies", "waivers", "lints", "risk", "debt",
        ]);
        config.risk = crate::model::risk::Scoring::parse(file, &mut fields);

        if let Some((paths, _)) = fields.table("paths", false) {
            let mut sub = Fields::new(file, paths, 0..0, "[paths]").config();
            sub.deny_unknown(&["features", "playbooks", "policies", "waivers", "debt"]);
            for (key, slot) in [
                ("features", &mut config.paths.features),
                ("playbooks", &mut config.paths.playbooks),
                ("policies", &mut config.paths.policies),
                ("waivers", &mut config.paths.waivers),
                ("debt", &mut config.paths.debt),
            ] {
                if let Some((globs, _)) = sub.strings(key, false) {
                    let mut kept = Vec::new();
                    for (glob, node) in globs {
                        if escapes_root(glob) {
                            sub.push(
                                Diagnostic::new(
                                    codes::ESCAPES_REPOSITORY,
                                    Severity::Error,
                                    format!("path glob `{glob}` leaves the repository"),
                                )
                                .at(file, node.span.clone(), "absolute or `..` path")
                                .help("globs are relative to the directory of policy.toml and may not climb out of it"),
                            );
                        } else if let Err(error) = globset::Glob::new(glob) {
                            sub.invalid(
                                node,
                                format!("invalid glob `{glob}`: {}", error.kind()),
                                "invalid glob",
                            );
                        } else {
                            kept.push(glob.to_string());
                        }
                    }
                    *slot = kept;
                }
            }
            fields.diagnostics.extend(sub.finish());
        }

        if let Some((roles, _)) = fields.table("roles", false) {
            config.roles.clear();
            for entry in &roles.entries {
                let Some(role_table) = entry.node.value.as_table() else {
                    fields.wrong_type(
                        &format!("roles.{}", entry.key),
                        &entry.node,
                        "a table with `members`",
                    );
                    continue;
                };
                let mut sub =
                    Fields::new(file, role_table, entry.key_span.clone(), "a role").config();
                sub.deny_unknown(&["members", "description"]);
                let _ = sub.string("description", false);
                let members = sub
                    .strings("members", true)
                    .map(|(m, _)| m.into_iter().map(|(s, _)| s.to_string()).collect())
                    .unwrap_or_default();
                fields.diagnostics.extend(sub.finish());
                config.roles.insert(
                    entry.key.clone(),
                    Role {
                        name: entry.key.clone(),
                        members,
                        span: Some(entry.key_span.clone()),
                    },
                );
            }
        }

        if let Some((taxonomy, _)) = fields.table("taxonomy", false) {
            let mut sub = Fields::new(file, taxonomy, 0..0, "[taxonomy]").config();
            sub.deny_unknown(&["stages", "harm_categories"]);
            if let Some((stages, _)) = sub.strings("stages", false) {
                config.stages = stages
                    .into_iter()
                    .map(|(s, n)| Spanned {
                        value: s.to_string(),
                        span: Some(n.span.clone()),
                    })
                    .collect();
            }
            if let Some((categories, _)) = sub.strings("harm_categories", false) {
                config.harm_categories = categories
                    .into_iter()
                    .map(|(s, n)| Spanned {
                        value: s.to_string(),
                        span: Some(n.span.clone()),
                    })
                    .collect();
            }
            fields.diagnostics.extend(sub.finish());
        }

        if let Some((lints, _)) = fields.table("lints", false) {
            for entry in &lints.entries {
                let level = match &entry.node.value {
                    crate::model::tree::Value::String(text) => LintLevel::parse(text),
                    _ => None,
                };
                match level {
                    Some(level) => {
                        config
                            .lints
                            .push((entry.key.clone(), level, entry.key_span.clone()))
                    }
                    None => fields.push(
                        Diagnostic::new(
                            codes::SCHEMA,
                            Severity::Error,
                            format!(
                                "`lints.{}` must be \"allow\", \"note\", \"warning\" or \"error\"",
                                entry.key
                            ),
                        )
                        .at(file, entry.node.span.clone(), "not a level"),
                    ),
                }
            }
        }

        if let Some((signoff, _)) = fields.table("signoff", false) {
            let mut sub = Fields::new(file, signoff, 0..0, "[signoff]").config();
            sub.deny_unknown(&[
                "digest_excludes",
                "verify_authors",
                "require_signed",
                "allowed_signers",
                "distinct_signers",
                "no_self_approval",
            ]);
            if let Some((excludes, _)) = sub.strings("digest_excludes", false) {
                config.digest_excludes = excludes.into_iter().map(|(s, _)| s.to_string()).collect();
            }
            for (key, slot) in [
                ("verify_authors", &mut config.verify_authors),
                ("require_signed", &mut config.require_signed),
                ("distinct_signers", &mut config.distinct_signers),
                ("no_self_approval", &mut config.no_self_approval),
            ] {
                if let Some((value, _)) = sub.boolean(key) {
                    *slot = value;
                }
            }
            if let Some((path, node)) = sub.string("allowed_signers", false) {
                if escapes_root(path) {
                    sub.push(
                        Diagnostic::new(
                            codes::ESCAPES_REPOSITORY,
                            Severity::Error,
                            format!("`allowed_signers = \"{path}\"` leaves the repository"),
                        )
                        .at(file, node.span.clone(), "absolute or `..` path")
                        .help("the allowed-signers file is read from the trusted revision, inside the repository"),
                    );
                } else {
                    config.allowed_signers = path.to_string();
                }
            }
            fields.diagnostics.extend(sub.finish());
        }
        for (table, label, key, slot) in [
            (
                "policies",
                "[policies]",
                "admins",
                &mut config.policy_admins,
            ),
            (
                "waivers",
                "[waivers]",
                "approvers",
                &mut config.waiver_approvers,
            ),
        ] {
            let Some((section, _)) = fields.table(table, false) else {
                continue;
            };
            let mut sub = Fields::new(file, section, 0..0, label).config();
            if table == "waivers" {
                sub.deny_unknown(&[key, "warn_days"]);
                if let Some((days, node)) = sub.integer("warn_days", false) {
                    if (0..=3660).contains(&days) {
                        config.waiver_warn_days = days;
                    } else {
                        sub.invalid(
                            node,
                            format!("`waivers.warn_days` is {days}"),
                            "expected a number of days from 0 to 3660",
                        );
                    }
                }
            } else {
                sub.deny_unknown(&[key]);
            }
            if let Some((roles, node)) = sub.strings(key, false) {
                if roles.is_empty() {
                    sub.invalid(
                        node,
                        format!("`{table}.{key}` is empty: nobody could approve"),
                        "name at least one role",
                    );
                } else {
                    *slot = roles
                        .into_iter()
                        .map(|(s, n)| Spanned {
                            value: s.to_string(),
                            span: Some(n.span.clone()),
                        })
                        .collect();
                }
            }
            fields.diagnostics.extend(sub.finish());
        }
        if let Some((debt, _)) = fields.table("debt", false) {
            let mut sub = Fields::new(file, debt, 0..0, "[debt]").config();
            sub.deny_unknown(&["grace_days"]);
            if let Some((days, node)) = sub.integer("grace_days", false) {
                if (0..=MAX_DEBT_GRACE_DAYS).contains(&days) {
                    config.debt_grace_days = days;
                } else {
                    sub.invalid(
                        node,
                        format!("`debt.grace_days` is {days}"),
                        format!("expected a number of days from 0 to {MAX_DEBT_GRACE_DAYS}"),
                    );
                }
            }
            fields.diagnostics.extend(sub.finish());
        }
        for role in config.roles.values() {
            if role.members.is_empty() && role.span.is_some() {
                fields.diagnostics.push(
                    Diagnostic::new(
                        codes::UNKNOWN_ROLE,
                        Severity::Warning,
                        format!("role `{}` has no members: nobody can sign for it", role.name),
                    )
                    .at(
                        file,
                        role.span.clone().unwrap_or(0..0),
                        "no members",
                    )
                    .help("list the people who speak for this role in `members`; every sign-off or waiver in its name is an error until then"),
                );
            }
        }
        let known: Vec<String> = config.roles.keys().cloned().collect();
        for (what, list) in [
            ("policies.admins", &config.policy_admins),
            ("waivers.approvers", &config.waiver_approvers),
        ] {
            for role in list {
                if let Some(span) = &role.span
                    && !known.contains(&role.value)
                {
                    fields.diagnostics.push(
                        Diagnostic::new(
                            codes::UNKNOWN_ROLE,
                            Severity::Error,
                            format!("`{what}` names unknown role `{}`", role.value),
                        )
                        .at(file, span.clone(), "not defined under [roles]")
                        .help(config.role_help(&role.value)),
                    );
                }
            }
        }
        (config, fields.finish())
    }

    /// The members of `role`, when the role is defined and has any.
    pub fn members(&self, role: &str) -> Option<&[String]> {
        self.roles
            .get(role)
            .map(|r| r.members.as_slice())
            .filter(|m| !m.is_empty())
    }

    /// True when `email` is listed for `role`. A role without members has
    /// nobody who can speak for it.
    pub fn is_member(&self, role: &str, email: &str) -> bool {
        self.members(role)
            .is_some_and(|m| m.iter().any(|m| m.eq_ignore_ascii_case(email)))
    }
}

/// True for an absolute path or one that climbs out with `..`.
pub fn escapes_root(path: &str) -> bool {
    path.starts_with('/')
        || path.starts_with('\\')
        || path.get(1..2) == Some(":")
        || path.split(['/', '\\']).any(|part| part == "..")
}
