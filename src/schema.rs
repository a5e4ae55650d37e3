//! JSON Schemas (draft-07) of every file kind, for editors: Taplo / Even
//! Better TOML read them through a `#:schema` line and then complete keys,
//! show these descriptions on hover and flag wrong types while typing.
//!
//! The structs below are not used to parse anything: the parsers in
//! `crate::model` read files by hand, with spans. They are the documented
//! shape of those files, and `schemars` turns them (doc comments included)
//! into the schemas that `policy schema` prints and `schemas/` holds. A test
//! at the end of this module cross-checks their fields against the parsers'
//! known-field lists, so a field added to a parser and not documented here
//! (or the other way round) fails the build's tests.
//!
//! A schema accepts every file the linter accepts, so an editor never flags
//! what `policy lint` passes. It expresses the checks a schema can (required
//! fields, types, unknown keys, enums, semver, `id@version`, a conditional
//! decision's conditions) and leaves the rest (taxonomy membership, ids that
//! match directories, digests, policy rules) to the linter.

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use schemars::{JsonSchema, Schema};
use serde_json::Value;

/// A file kind with a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Feature,
    Playbook,
    Policy,
    Signoff,
    Waiver,
    Debt,
    Config,
}

impl Kind {
    /// Every kind, in the order `policy schema --out` writes them.
    pub const ALL: [Kind; 7] = [
        Kind::Feature,
        Kind::Playbook,
        Kind::Policy,
        Kind::Signoff,
        Kind::Waiver,
        Kind::Debt,
        Kind::Config,
    ];

    /// The names accepted on the command line, in the order of [`Kind::ALL`].
    pub const NAMES: [&'static str; 7] = [
        "feature", "playbook", "policy", "signoff", "waiver", "debt", "config",
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Feature => "feature",
            Kind::Playbook => "playbook",
            Kind::Policy => "policy",
            Kind::Signoff => "signoff",
            Kind::Waiver => "waiver",
            Kind::Debt => "debt",
            Kind::Config => "config",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// `policy-feature.schema.json` and so on.
    pub fn file_name(self) -> String {
        format!("policy-{}.schema.json", self.name())
    }

    /// The schema as a JSON value.
    pub fn schema(self) -> Value {
        let schema = match self {
            Kind::Feature => generate::<FeatureManifest>(),
            Kind::Playbook => generate::<PlaybookFrontMatter>(),
            Kind::Policy => generate::<PolicyFile>(),
            Kind::Signoff => generate::<SignoffFile>(),
            Kind::Waiver => generate::<WaiverFile>(),
            Kind::Debt => generate::<DebtFile>(),
            Kind::Config => generate::<ConfigFile>(),
        };
        schema.to_value()
    }

    /// The schema as the file `policy schema` writes: pretty JSON ending in a
    /// newline, byte-for-byte stable across runs.
    pub fn render(self) -> String {
        let mut text =
            serde_json::to_string_pretty(&self.schema()).expect("a JSON value always serializes");
        text.push('\n');
        text
    }
}

fn generate<T: JsonSchema>() -> Schema {
    let settings = SchemaSettings::draft07().with(|s| s.inline_subschemas = true);
    let mut schema = settings.into_generator().into_root_schema_for::<T>();
    Tidy.transform(&mut schema);
    // `$schema`, `title` and `description` first, for people reading the file.
    if let Some(object) = schema.as_object_mut() {
        let rest = std::mem::take(object);
        for key in ["$schema", "title", "description"] {
            if let Some(value) = rest.get(key) {
                object.insert(key.into(), value.clone());
            }
        }
        for (key, value) in rest {
            object.entry(key).or_insert(value);
        }
    }
    schema
}

/// Adapts what schemars emits for Rust types to TOML files and editors:
///
/// - TOML has no null: an absent key is how a file leaves a field out.
///   Option fields mark what is optional; the `null` that schemars adds to
///   their types would only make editors suggest `null`.
/// - `format` is kept for dates only; `double` and `int64` describe Rust
///   types, not values a user writes.
/// - Doc comments are wrapped at 100 columns; their single line breaks are
///   joined so editors reflow descriptions themselves.
#[derive(Clone, Copy)]
struct Tidy;

impl Transform for Tidy {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        if let Some(Value::Array(types)) = object.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                object.insert("type".into(), only);
            }
        }
        if let Some(Value::Array(values)) = object.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
        if let Some(Value::Array(branches)) = object.get_mut("anyOf") {
            branches.retain(|b| b.get("type").and_then(Value::as_str) != Some("null"));
            if branches.len() == 1
                && let Some(Value::Object(only)) = branches.pop()
            {
                object.remove("anyOf");
                for (key, value) in only {
                    object.entry(key).or_insert(value);
                }
            }
        }
        if object.get("format").is_some_and(|f| f != "date") {
            object.remove("format");
        }
        if let Some(Value::String(description)) = object.get_mut("description") {
            *description = unwrap_lines(description);
        }
    }
}

/// Joins the lines of each paragraph with spaces; paragraphs stay apart.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

// ---------------------------------------------------------------------------
// Shared value types

/// How much harm the feature could do: `low`, `medium`, `high` or `critical`.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RiskTier {
    Low,
    Medium,
    High,
    Critical,
}

/// How a violated rule is reported: `error` (fails the lint, the default),
/// `warning` (fails only with `--deny warnings`) or `note`.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

/// A role's decision: `go`, `no-go` (blocks every rule that requires this
/// role) or `conditional` (counts as a go; list the `conditions`).
#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Go,
    NoGo,
    Conditional,
}

// ---------------------------------------------------------------------------
// Feature manifest

/// A feature manifest (`features/<id>/feature.toml`). Free-form: besides the
/// core fields below, any field a policy tests may appear.
#[derive(JsonSchema)]
#[schemars(title = "policy: feature manifest")]
#[schemars(extend("additionalProperties" = true))]
pub struct FeatureManifest {
    /// The feature's id: unique across the repository and equal to the name
    /// of the manifest's directory.
    pub id: String,
    /// A human-readable name.
    pub title: Option<String>,
    /// Who owns the feature, usually an email address.
    pub owner: Option<String>,
    #[schemars(description = taxonomy_description(
        "Where the feature is in its life cycle: one of `taxonomy.stages` in policy.toml.",
        crate::model::config::DEFAULT_STAGES,
    ))]
    pub stage: String,
    /// How much harm the feature could do: low, medium, high or critical.
    /// Policies raise the bar with the tier.
    pub risk_tier: Option<RiskTier>,
    #[schemars(description = taxonomy_description(
        "The kinds of harm the feature could cause, each one of `taxonomy.harm_categories` in policy.toml.",
        crate::model::config::DEFAULT_HARM_CATEGORIES,
    ))]
    #[serde(default)]
    pub harm_categories: Vec<String>,
    /// The playbooks this feature followed, each written `id@version`
    /// (e.g. `red-team@3`).
    #[serde(default)]
    pub playbooks: Vec<PlaybookRef>,
    /// The safety hypothesis the launch must prove.
    pub hypothesis: Option<Hypothesis>,
    /// Measured safety and quality metrics, one table per metric
    /// (`[metrics.harmlessness_rate]`).
    pub metrics: Option<BTreeMap<String, Metric>>,
    /// The Safety Impact Assessment's risk review.
    pub risk: Option<Risk>,
    /// Thresholds that page the team when crossed, one per signal
    /// (`toxicity = { max = 0.02 }`).
    pub monitoring: Option<BTreeMap<String, Threshold>>,
}

/// A playbook reference, `id@version`.
#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct PlaybookRef(#[schemars(regex(pattern = r"^.+@[0-9]+$"))] pub String);

/// The safety hypothesis the launch must prove.
#[derive(JsonSchema)]
#[schemars(extend("additionalProperties" = true))]
pub struct Hypothesis {
    /// What the launch must prove, e.g. "Cut harmful completions by 40%
    /// without hurting helpfulness". The default pack's HYP003 wants it
    /// from review on.
    pub statement: Option<String>,
}

/// One metric. The default pack checks `measured >= target` (HYP001) and
/// `baseline - measured <= max_drop` (HYP002).
#[derive(JsonSchema)]
#[schemars(extend("additionalProperties" = true))]
pub struct Metric {
    /// The value before the feature.
    pub baseline: Option<f64>,
    /// The value measured with the feature.
    pub measured: Option<f64>,
    /// The value `measured` must reach.
    pub target: Option<f64>,
    /// How far `measured` may fall below `baseline` (a guard metric).
    pub max_drop: Option<f64>,
}

/// The risk review: scores from 1 (negligible) to 5 (severe), the residual
/// risk after mitigations, and the mitigations themselves.
#[derive(JsonSchema)]
#[schemars(extend("additionalProperties" = true))]
pub struct Risk {
    /// How easily the safeguards can be evaded, 1 (negligible) to 5 (severe).
    pub evasion_potential: Option<i64>,
    /// How much the feature could amplify harm at scale, 1 to 5.
    pub systemic_amplification: Option<i64>,
    /// The risk left after mitigations; the default pack wants it at or
    /// below the feature's `risk_tier` (RSK003).
    pub residual: Option<RiskTier>,
    /// What reduces the risk, e.g. "sandboxed parsing".
    pub mitigations: Option<Vec<String>>,
}

/// A monitoring threshold: page when the signal goes above `max` or below
/// `min`.
#[derive(JsonSchema)]
#[schemars(extend("additionalProperties" = true))]
pub struct Threshold {
    /// Page when the signal rises above this.
    pub max: Option<f64>,
    /// Page when the signal falls below this.
    pub min: Option<f64>,
}

// ---------------------------------------------------------------------------
// Playbook front matter

/// The TOML front matter of a playbook, between the `+++` lines at the top
/// of `playbooks/<id>.md`. The Markdown body's headings are its sections.
#[derive(JsonSchema)]
#[schemars(title = "policy: playbook front matter")]
#[serde(deny_unknown_fields)]
pub struct PlaybookFrontMatter {
    /// The playbook's id, referenced from features as `id@version`.
    pub id: String,
    /// The playbook's version: raise it whenever the body or the front
    /// matter changes.
    pub version: i64,
    /// A human-readable name.
    pub title: Option<String>,
    /// A CEL condition on `feature`: features it holds for must follow this
    /// playbook, e.g.
    /// `feature.harm_categories.exists(c, c in ["malware", "cyber"])`.
    pub applies_when: Option<String>,
    /// Headings the body must have (compared case-insensitively).
    #[serde(default)]
    pub required_sections: Vec<String>,
    /// Who maintains the playbook.
    #[serde(default)]
    pub owners: Vec<String>,
}

// ---------------------------------------------------------------------------
// Policy

/// A policy file (`policies/<id>.toml`): a versioned set of rules written in
/// CEL. Prefer literal strings ('...') for expressions so diagnostics point
/// at the right character.
#[derive(JsonSchema)]
#[schemars(title = "policy: policy file")]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// The policy's header.
    pub policy: PolicyHeader,
    /// The rules, each a `[[rules]]` table.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// The `[policy]` table.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyHeader {
    /// The policy's id, unique across the loaded policies.
    pub id: String,
    /// Semver, `MAJOR.MINOR.PATCH`. Raise it with every change; a major bump
    /// invalidates sign-offs made under the old major.
    #[schemars(regex(pattern = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([-+].*)?$"))]
    pub version: String,
    /// A human-readable name.
    pub title: Option<String>,
    /// Roles whose sign-off a change to this policy needs.
    #[serde(default)]
    pub owners: Vec<String>,
    /// A longer description.
    pub description: Option<String>,
}

/// One rule. It has `assert`, `require_signoffs`, or both.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("anyOf" = [{"required": ["assert"]}, {"required": ["require_signoffs"]}]))]
pub struct Rule {
    /// The rule's code, unique across all loaded policies, e.g. `LG001`.
    pub code: String,
    /// What the rule demands, in one line.
    pub title: String,
    /// How a violation is reported: error (the default), warning or note.
    pub severity: Option<Severity>,
    /// A CEL condition: the rule applies only to features it holds for.
    /// Absent means always. Variables: feature, base, signoffs, playbooks,
    /// today.
    pub when: Option<String>,
    /// A CEL expression giving a map or a list (e.g. `feature.metrics`):
    /// `filter` and `assert` then run once per entry, with the entry bound
    /// as `key` (a map's key, a list's index) and `value`, and each failing
    /// entry is its own finding, at the entry (or at `at` inside it) and
    /// named in the message. `when` still gates the rule once per feature.
    pub each: Option<String>,
    /// With `each`: a CEL condition on `key` and `value` choosing the
    /// entries `assert` checks (absent: every entry).
    pub filter: Option<String>,
    /// A CEL condition every feature the rule applies to must satisfy (with
    /// `each`: every entry, as `key` and `value`).
    pub assert: Option<String>,
    /// Roles that must each have a fresh `go` (or `conditional`) sign-off.
    pub require_signoffs: Option<Vec<String>>,
    /// The manifest field a violation points at, as a dotted path
    /// (`monitoring.toxicity`); with `each`, relative to the entry
    /// (`measured` for `metrics.<key>.measured`).
    pub at: Option<String>,
    /// The violation's message (default: the title), also for missing or
    /// stale sign-offs. Placeholders are filled without CEL:
    /// `{feature.<path>}` and `{base.<path>}` (the manifest's value now and
    /// at the base), and with `each`, `{key}`, `{value}` and
    /// `{value.<path>}`; without `{key}` the entry is named before the
    /// message.
    pub message: Option<String>,
    /// What the label under the offending value says (`"{value.measured} is
    /// below the target {value.target}"`); same placeholders as `message`.
    pub label: Option<String>,
    /// How to fix a violation.
    pub help: Option<String>,
}

// ---------------------------------------------------------------------------
// Sign-off

/// A sign-off (`features/<id>/signoffs/<role>.toml`, or
/// `policies/signoffs/<policy>/<role>.toml`): a role's decision bound to the
/// subject's digest. `policy sign` writes these files.
#[derive(JsonSchema)]
#[schemars(title = "policy: sign-off")]
#[serde(deny_unknown_fields)]
#[schemars(extend(
    "if" = {"properties": {"decision": {"const": "conditional"}}, "required": ["decision"]},
    "then" = {"properties": {"conditions": {"minItems": 1}}, "required": ["conditions"]}
))]
pub struct SignoffFile {
    /// What is signed: `feature:<id>`, `policy:<id>`, `playbook:<id>`,
    /// `config` (a change of policy.toml) or `allowed-signers` (a change of
    /// the allowed-signers file).
    #[schemars(regex(pattern = r"^((feature|policy|playbook):.+|config|allowed-signers)$"))]
    pub subject: String,
    /// The role signing; a role defined in policy.toml, and the file's name.
    pub role: String,
    /// Who signed, a member of the role (usually an email address).
    pub signer: String,
    /// The decision: go, no-go or conditional.
    pub decision: Decision,
    /// When it was signed, a TOML local date (`2026-11-20`) or a string in
    /// that form.
    #[schemars(extend("format" = "date"))]
    pub date: String,
    /// `sha256:<hex>` of the subject's canonical content when signed: any
    /// change of meaning makes the sign-off stale.
    pub digest: String,
    /// The policy version in force when signed, `id@version` (feature
    /// subjects).
    pub policy: Option<String>,
    /// What must happen before or after launch; required when the decision
    /// is conditional.
    pub conditions: Option<Vec<String>>,
    /// Why the decision was taken; `policy sign` asks for one with a
    /// `no-go`, so the team knows what must change. Not part of the digest.
    pub reason: Option<String>,
    /// `true` when the sign-off approves deleting its subject (a policy),
    /// bound to the digest of the content deleted.
    pub deletes: Option<bool>,
    /// Free-form notes.
    pub notes: Option<String>,
}

// ---------------------------------------------------------------------------
// Waiver

/// A waiver (`waivers/<name>.toml`): turns one rule's violation on one
/// feature into a note until it expires.
#[derive(JsonSchema)]
#[schemars(title = "policy: waiver")]
#[serde(deny_unknown_fields)]
pub struct WaiverFile {
    /// The code of the rule waived, e.g. `MON001`.
    pub rule: String,
    /// The id of the feature it applies to.
    pub feature: String,
    /// Why the exception is acceptable (not empty).
    #[schemars(regex(pattern = r"\S"))]
    pub reason: String,
    /// The role that approved it, defined in policy.toml (e.g. `srb`). With
    /// `signoff.verify_authors` on, the commit that last changed the waiver
    /// must be by a member of that role.
    pub approved_by: String,
    /// The last day the waiver holds, a TOML local date (`2026-12-31`) or a
    /// string in that form. An expired waiver is an error.
    #[schemars(extend("format" = "date"))]
    pub expires: String,
    /// A ticket or link that tracks the fix.
    pub tracking: Option<String>,
}

// ---------------------------------------------------------------------------
// Safety debt

/// Safety debt (`debt/<name>.toml`): a known safety gap of a feature, with an
/// owner and a due date. Open debt past `due` is a warning (PL040), an error
/// once more than `[debt] grace_days` late (PL041); overdue critical debt
/// stops the feature's stage from advancing (PL042).
#[derive(JsonSchema)]
#[schemars(title = "policy: safety debt")]
#[serde(deny_unknown_fields)]
pub struct DebtFile {
    /// The id of the feature the debt belongs to.
    pub feature: String,
    /// What the gap is (not empty).
    #[schemars(regex(pattern = r"\S"))]
    pub title: String,
    /// Who closes it: an email address.
    #[schemars(regex(pattern = r"^[^@\s<>,;]+@[^@\s<>,;.][^@\s<>,;]*\.[^@\s<>,;]*[^@\s<>,;.]$"))]
    pub owner: String,
    /// The day it is due, a TOML local date (`2026-12-31`) or a string in
    /// that form.
    #[schemars(extend("format" = "date"))]
    pub due: String,
    /// How bad the gap is.
    pub severity: RiskTier,
    /// The day it was closed; absent while open. Not after today.
    #[schemars(extend("format" = "date"))]
    pub resolved: Option<String>,
    /// A ticket or link that tracks the fix.
    pub tracking: Option<String>,
    /// Free-form notes.
    pub notes: Option<String>,
}

// ---------------------------------------------------------------------------
// policy.toml

/// `policy.toml`: paths, roles, taxonomy and sign-off options. Every table
/// and field is optional; defaults apply when absent.
#[derive(JsonSchema)]
#[schemars(title = "policy: policy.toml")]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Where each kind of file lives: globs relative to the directory of
    /// policy.toml (globset syntax); absolute and `..` paths are refused.
    pub paths: Option<ConfigPaths>,
    /// Who may sign for each role: `[roles.<name>]` with `members`. When
    /// present, replaces the default roles (safety-researcher,
    /// policy-analyst, legal-counsel, srb).
    pub roles: Option<BTreeMap<String, ConfigRole>>,
    /// The stages and harm categories features may use.
    pub taxonomy: Option<ConfigTaxonomy>,
    /// Sign-off options.
    pub signoff: Option<ConfigSignoff>,
    /// Who approves new policies.
    pub policies: Option<ConfigPolicies>,
    /// Who may waive built-in checks.
    pub waivers: Option<ConfigWaivers>,
    /// Per-code levels: `PL014 = "error"`, `HYP002 = "allow"`.
    pub lints: Option<BTreeMap<String, LintLevelSchema>>,
    /// Risk scoring: the weights of the manifests' `[risk]` review scores
    /// and the thresholds of the tiers (PL039).
    pub risk: Option<ConfigRisk>,
    /// Safety debt options.
    pub debt: Option<ConfigDebt>,
}

/// The `[risk]` table: `[risk.weights]` turns scoring on.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigRisk {
    /// The weight of each 1-5 score of a manifest's `[risk]` table
    /// (`evasion_potential = 0.6`): above 0, at most 1000, at most six
    /// decimals. The documented scores are `evasion_potential` and
    /// `systemic_amplification`; a score of your own may be weighted too,
    /// never `residual` or `mitigations`. A feature's score is the weighted
    /// mean, rounded to two decimals (half away from zero); a manifest with
    /// a `[risk]` table must hold every weighted score.
    pub weights: Option<BTreeMap<String, RiskWeight>>,
    /// The lowest score of each tier; below `medium`, a feature is `low`.
    pub tiers: Option<ConfigRiskTiers>,
}

/// A weight of `[risk.weights]`.
#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct RiskWeight(#[schemars(extend("exclusiveMinimum" = 0, "maximum" = 1000))] pub f64);

/// The `[risk.tiers]` table: thresholds from 0 to 1000 with at most six
/// decimals, strictly increasing.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigRiskTiers {
    /// The lowest score of a `medium` feature (default 2.0).
    #[schemars(range(min = 0, max = 1000))]
    pub medium: Option<f64>,
    /// The lowest score of a `high` feature (default 3.0).
    #[schemars(range(min = 0, max = 1000))]
    pub high: Option<f64>,
    /// The lowest score of a `critical` feature (default 4.0).
    #[schemars(range(min = 0, max = 1000))]
    pub critical: Option<f64>,
}

/// The `[debt]` table.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigDebt {
    /// Open debt up to this many days past its `due` date is a warning
    /// (PL040); more days late, an error (PL041). Default 30.
    #[serde(default = "default_grace_days")]
    #[schemars(range(min = 0, max = 3650))]
    pub grace_days: i64,
}

fn default_grace_days() -> i64 {
    crate::model::config::DEFAULT_DEBT_GRACE_DAYS
}

/// A level in `[lints]`.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LintLevelSchema {
    Allow,
    Note,
    Warning,
    Error,
}

/// The `[policies]` table.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigPolicies {
    /// Roles whose go sign-off a new policy needs (default `["srb"]`).
    #[serde(default = "default_admins")]
    pub admins: Vec<String>,
}

/// The `[waivers]` table.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigWaivers {
    /// Roles that may approve a waiver of a built-in `PL` check (default
    /// `["srb"]`); waivers of policy rules are approved by the policy's owners.
    #[serde(default = "default_admins")]
    pub approvers: Vec<String>,
    /// A waiver that expires in fewer than this many days is a warning
    /// (PL037) in every mode, on every feature (default 14; 0 turns it off).
    #[serde(default = "default_warn_days")]
    #[schemars(range(min = 0, max = 3660))]
    pub warn_days: i64,
}

fn default_warn_days() -> i64 {
    crate::model::config::DEFAULT_WAIVER_WARN_DAYS
}

fn default_admins() -> Vec<String> {
    vec!["srb".into()]
}

/// The `[paths]` table.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigPaths {
    /// Feature manifests.
    #[serde(default = "default_features")]
    pub features: Vec<String>,
    /// Playbooks.
    #[serde(default = "default_playbooks")]
    pub playbooks: Vec<String>,
    /// Policy files.
    #[serde(default = "default_policies")]
    pub policies: Vec<String>,
    /// Waivers.
    #[serde(default = "default_waivers")]
    pub waivers: Vec<String>,
    /// Safety debt files.
    #[serde(default = "default_debt")]
    pub debt: Vec<String>,
}

fn default_features() -> Vec<String> {
    crate::model::config::Paths::default().features
}
fn default_playbooks() -> Vec<String> {
    crate::model::config::Paths::default().playbooks
}
fn default_policies() -> Vec<String> {
    crate::model::config::Paths::default().policies
}
fn default_waivers() -> Vec<String> {
    crate::model::config::Paths::default().waivers
}
fn default_debt() -> Vec<String> {
    crate::model::config::Paths::default().debt
}

/// A role: `[roles.<name>]`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigRole {
    /// Who may sign for the role (the commit author's email is checked
    /// against these when `signoff.verify_authors` is on).
    pub members: Vec<String>,
    /// What the role reviews.
    pub description: Option<String>,
}

/// The `[taxonomy]` table.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigTaxonomy {
    /// The stages a feature's `stage` may take, in life-cycle order.
    #[serde(default = "default_stages")]
    pub stages: Vec<String>,
    /// The harm categories a feature's `harm_categories` may list.
    #[serde(default = "default_harm_categories")]
    pub harm_categories: Vec<String>,
}

/// `lead` followed by "The defaults are a, b and c." from the constant the
/// parser uses, so the text editors show cannot drift from the defaults.
fn taxonomy_description(lead: &str, defaults: &[&str]) -> String {
    let list = match defaults {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    format!("{lead} The defaults are {list}.")
}

fn default_stages() -> Vec<String> {
    owned(crate::model::config::DEFAULT_STAGES)
}
fn default_harm_categories() -> Vec<String> {
    owned(crate::model::config::DEFAULT_HARM_CATEGORIES)
}
fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The `[signoff]` table.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigSignoff {
    /// Manifest fields whose change does not invalidate a sign-off.
    #[serde(default = "default_digest_excludes")]
    pub digest_excludes: Vec<String>,
    /// Whether the commits that wrote a sign-off or waiver must be authored
    /// by members of its role.
    #[serde(default = "default_true")]
    pub verify_authors: bool,
    /// Whether those commits must also carry an SSH signature (git's
    /// `gpg.format = ssh`) by a key listed for a member in the
    /// allowed-signers file of the trusted revision.
    #[serde(default)]
    pub require_signed: bool,
    /// git's allowed-signers file, relative to policy.toml's directory
    /// (default `.policy/allowed_signers`).
    pub allowed_signers: Option<String>,
    /// One person cannot give two of the sign-offs one rule requires for one
    /// feature.
    #[serde(default = "default_true")]
    pub distinct_signers: bool,
    /// The author of a feature's content, or of a policy change, cannot sign
    /// it off; a waiver's author cannot approve it.
    #[serde(default = "default_true")]
    pub no_self_approval: bool,
}

fn default_digest_excludes() -> Vec<String> {
    vec!["stage".into()]
}
fn default_true() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::model::config::{
        Config, DEFAULT_HARM_CATEGORIES, DEFAULT_ROLES, DEFAULT_STAGES, RISK_TIERS,
    };
    use crate::model::{debt, feature, playbook, policy, signoff};

    fn properties(schema: &Value, pointer: &str) -> BTreeSet<String> {
        schema
            .pointer(pointer)
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("no object at {pointer}"))
            .keys()
            .cloned()
            .collect()
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// The documented fields are exactly the fields each parser knows.
    #[test]
    fn fields_match_the_parsers() {
        let feature_schema = Kind::Feature.schema();
        assert_eq!(
            properties(&feature_schema, "/properties"),
            set(feature::CORE_FIELDS),
            "feature manifest"
        );
        assert_eq!(
            properties(&Kind::Playbook.schema(), "/properties"),
            set(playbook::FRONT_MATTER_FIELDS),
            "playbook front matter"
        );
        let policy_schema = Kind::Policy.schema();
        assert_eq!(
            properties(&policy_schema, "/properties/policy/properties"),
            set(policy::POLICY_FIELDS),
            "[policy]"
        );
        assert_eq!(
            properties(&policy_schema, "/properties/rules/items/properties"),
            set(policy::RULE_FIELDS),
            "[[rules]]"
        );
        assert_eq!(
            properties(&Kind::Signoff.schema(), "/properties"),
            set(signoff::SIGNOFF_FIELDS),
            "sign-off"
        );
        assert_eq!(
            properties(&Kind::Waiver.schema(), "/properties"),
            set(signoff::WAIVER_FIELDS),
            "waiver"
        );
        assert_eq!(
            properties(&Kind::Debt.schema(), "/properties"),
            set(debt::DEBT_FIELDS),
            "debt"
        );
    }

    /// Every kind except the free-form manifest rejects unknown keys, like
    /// its parser.
    #[test]
    fn strict_kinds_deny_unknown_keys() {
        for kind in Kind::ALL {
            let schema = kind.schema();
            let expected = kind != Kind::Feature;
            assert_eq!(
                schema.get("additionalProperties") == Some(&Value::Bool(false)),
                expected,
                "{}",
                kind.name()
            );
        }
    }

    /// `policy.toml` has no known-field constants: check instead that a
    /// config setting every documented key parses without a diagnostic, and
    /// that the parser refuses an unknown key in every table the schema
    /// closes.
    #[test]
    fn config_fields_match_the_parser() {
        let schema = Kind::Config.schema();
        assert_eq!(
            properties(&schema, "/properties"),
            set(&[
                "paths", "roles", "taxonomy", "signoff", "policies", "waivers", "lints", "risk",
                "debt"
            ])
        );
        let every_key = r#"[paths]
features = ["features/**/feature.toml"]
playbooks = ["playbooks/**/*.md"]
policies = ["policies/*.toml"]
waivers = ["waivers/**/*.toml"]
debt = ["debt/*.toml"]

[roles.srb]
description = "Safety Review Board"
members = ["chair@example.com"]

[taxonomy]
stages = ["concept", "launched"]
harm_categories = ["malware"]

[signoff]
digest_excludes = ["stage"]
verify_authors = false
require_signed = false
allowed_signers = ".policy/allowed_signers"
distinct_signers = true
no_self_approval = true

[policies]
admins = ["srb"]

[waivers]
approvers = ["srb"]
warn_days = 14

[risk.weights]
evasion_potential = 0.6
systemic_amplification = 0.4

[risk.tiers]
medium = 2.0
high = 3.0
critical = 4.0

[debt]
grace_days = 30
"#;
        let documented: BTreeSet<String> = [
            ("paths", "/properties/paths/properties"),
            (
                "roles.srb",
                "/properties/roles/additionalProperties/properties",
            ),
            ("taxonomy", "/properties/taxonomy/properties"),
            ("signoff", "/properties/signoff/properties"),
            ("policies", "/properties/policies/properties"),
            ("waivers", "/properties/waivers/properties"),
            ("risk", "/properties/risk/properties"),
            ("debt", "/properties/debt/properties"),
        ]
        .into_iter()
        .flat_map(|(table, pointer)| {
            properties(&schema, pointer)
                .into_iter()
                .map(move |key| format!("{table}.{key}"))
        })
        .collect();
        let written: BTreeSet<String> = {
            let value: toml::Table = toml::from_str(every_key).unwrap();
            let mut keys = BTreeSet::new();
            for (table, inner) in &value {
                let inner = inner.as_table().unwrap();
                for (key, v) in inner {
                    match v.as_table() {
                        Some(role) if table == "roles" => {
                            keys.extend(role.keys().map(|k| format!("{table}.{key}.{k}")))
                        }
                        _ => {
                            keys.insert(format!("{table}.{key}"));
                        }
                    }
                }
            }
            keys
        };
        assert_eq!(
            documented, written,
            "the sample must set every documented key"
        );
        let file = SourceFile::new("policy.toml", every_key);
        let (_, diagnostics) = Config::parse(&file);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");

        for table in [
            "[paths]",
            "[roles.srb]",
            "[taxonomy]",
            "[signoff]",
            "[policies]",
            "[waivers]",
            "[risk.tiers]",
            "[debt]",
        ] {
            let text = every_key.replace(table, &format!("{table}\nsurplus = 1"));
            let (_, diagnostics) = Config::parse(&SourceFile::new("policy.toml", text));
            assert_eq!(diagnostics.len(), 1, "{table}: {diagnostics:?}");
        }
        let (_, diagnostics) = Config::parse(&SourceFile::new(
            "policy.toml",
            format!("surplus = 1\n{every_key}"),
        ));
        assert_eq!(diagnostics.len(), 1, "top level: {diagnostics:?}");
    }

    /// Enums and defaults come from the same constants the parsers use.
    #[test]
    fn enums_and_defaults_match_the_model() {
        let feature_schema = Kind::Feature.schema();
        let tiers: Vec<&str> = feature_schema
            .pointer("/properties/risk_tier/enum")
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(tiers, RISK_TIERS);
        for (pointer, names) in [
            ("/properties/stage/description", DEFAULT_STAGES),
            (
                "/properties/harm_categories/description",
                DEFAULT_HARM_CATEGORIES,
            ),
        ] {
            let description = feature_schema.pointer(pointer).unwrap().as_str().unwrap();
            for name in names {
                assert!(description.contains(name), "{pointer} lacks {name}");
            }
        }
        let config = Kind::Config.schema();
        let description = config
            .pointer("/properties/roles/description")
            .and_then(Value::as_str)
            .unwrap();
        for role in DEFAULT_ROLES {
            assert!(description.contains(role), "roles lacks {role}");
        }
        for severity in ["error", "warning", "note"] {
            assert!(crate::diagnostic::Severity::parse(severity).is_some());
        }
        let decisions = Kind::Signoff.schema()["properties"]["decision"]["enum"].clone();
        for decision in decisions.as_array().unwrap() {
            assert!(signoff::Decision::parse(decision.as_str().unwrap()).is_some());
        }
    }

    /// No schema offers `null`, which TOML cannot write.
    #[test]
    fn no_nulls() {
        for kind in Kind::ALL {
            let text = kind.render();
            assert!(!text.contains("null"), "{}:\n{text}", kind.name());
            assert!(text.contains("http://json-schema.org/draft-07/schema#"));
        }
    }

    fn accepts(schema: &Value, value: &str) -> bool {
        jsonschema::draft7::is_valid(schema, &Value::from(value))
    }

    /// The patterns accept exactly what the parsers accept.
    #[test]
    fn patterns_follow_the_parsers() {
        let feature_schema = Kind::Feature.schema();
        let reference = feature_schema
            .pointer("/properties/playbooks/items")
            .unwrap();
        for text in [
            "red-team@3",
            "red-team@0",
            "a@b@12",
            "red-team",
            "@3",
            "red-team@",
            "red-team@x",
            "red-team@-1",
        ] {
            assert_eq!(
                accepts(reference, text),
                feature::parse_playbook_ref(text).is_some(),
                "playbook reference {text:?}"
            );
        }
        let policy_schema = Kind::Policy.schema();
        let version = policy_schema
            .pointer("/properties/policy/properties/version")
            .unwrap();
        for text in [
            "3.1.0",
            "0.0.0",
            "10.20.30",
            "1.0.0-rc.1",
            "1.0.0+build.5",
            "1.0.0-x+y",
            "3.1",
            "3.1.0.4",
            "03.1.0",
            "3.01.0",
            "v3.1.0",
            "3..0",
            "a.b.c",
            "",
        ] {
            assert_eq!(
                accepts(version, text),
                policy::Version::parse(text).is_some(),
                "version {text:?}"
            );
        }
        let waiver_schema = Kind::Waiver.schema();
        let reason = waiver_schema.pointer("/properties/reason").unwrap();
        for text in ["ok", "  x ", "", "   ", "\t\n"] {
            assert_eq!(accepts(reason, text), !text.trim().is_empty(), "{text:?}");
        }
        let debt_schema = Kind::Debt.schema();
        let owner = debt_schema.pointer("/properties/owner").unwrap();
        for text in [
            "ana@example.com",
            "a.b+c@sub.example.org",
            "ana",
            "@example.com",
            "ana@example",
            "ana@.com",
            "ana@example.",
            "ana@@example.com",
            "ana @example.com",
            "Ana <ana@example.com>",
        ] {
            assert_eq!(
                accepts(owner, text),
                debt::looks_like_email(text),
                "owner {text:?}"
            );
        }
        let severities: Vec<&str> = debt_schema["properties"]["severity"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(severities, debt::DebtSeverity::NAMES);
    }
}
