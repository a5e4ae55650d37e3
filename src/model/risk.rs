//! Risk scoring (`[risk.weights]` and `[risk.tiers]` in policy.toml): the
//! weighted mean of a manifest's 1–5 review scores under `[risk]`, rounded
//! to two decimals, and the tier that score puts the feature in.
//!
//! Arithmetic is exact: weights and thresholds are decimals with at most
//! [`MAX_DECIMALS`] fractional digits, held as integer millionths, so a
//! score is a ratio of integers rounded once (half away from zero) to
//! hundredths. `0.6×4 + 0.4×3` is 3.6, never 3.5999999.

use std::fmt;
use std::ops::Range;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::read::Fields;
use crate::model::tree::{Table, Value};
use crate::rules::{codes, suggest};

/// The review scores the manifest schema documents under `[risk]`. Other
/// names may be weighted too (the manifest is free-form); these are what a
/// near-miss is checked against.
pub const DOCUMENTED_SCORES: &[&str] = &["evasion_potential", "systemic_amplification"];
/// Fields of `[risk]` that are not scores and cannot be weighted.
pub const NOT_SCORES: &[&str] = &["residual", "mitigations"];
/// The lowest and highest review score.
pub const SCORE_RANGE: (i64, i64) = (1, 5);
/// Fractional digits a weight or threshold may have.
pub const MAX_DECIMALS: usize = 6;
/// The largest weight or threshold.
pub const MAX_VALUE: i64 = 1000;
/// The tiers a threshold can be set for, lowest first, with their defaults
/// (DESIGN §2.8). Below `medium`'s threshold a feature is `low`.
pub const TIERS: [(&str, Decimal); 3] = [
    ("medium", Decimal(2_000_000)),
    ("high", Decimal(3_000_000)),
    ("critical", Decimal(4_000_000)),
];

/// A decimal number in millionths: `0.6` is `Decimal(600_000)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decimal(pub i64);

const UNIT: i64 = 1_000_000;

impl Decimal {
    /// The decimal a TOML number was written as, when it has at most
    /// [`MAX_DECIMALS`] fractional digits and lies within ±[`MAX_VALUE`].
    /// A float is read through its shortest round-trip text, which is the
    /// decimal written in the file (`0.6`, not 0.59999…).
    fn from_value(value: &Value) -> Option<Decimal> {
        let text = match value {
            Value::Integer(i) => i.to_string(),
            Value::Float(f) if f.is_finite() => format!("{f}"),
            _ => return None,
        };
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if fraction.len() > MAX_DECIMALS || whole.len() > 4 {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let mut millionths: i64 = 0;
        for (i, digit) in fraction.bytes().enumerate() {
            let digit = i64::from(char::from(digit).to_digit(10)?);
            millionths += digit * 10i64.pow((MAX_DECIMALS - 1 - i) as u32);
        }
        let magnitude = whole * UNIT + millionths;
        (magnitude <= MAX_VALUE * UNIT).then_some(Decimal(if negative {
            -magnitude
        } else {
            magnitude
        }))
    }

    /// The value as a float (nearest to the decimal).
    pub fn to_f64(self) -> f64 {
        // Through text, so 3.6 is the float nearest to 3.6.
        self.to_string().parse().unwrap_or(f64::NAN)
    }
}

/// At least one fractional digit, trailing zeros dropped: `3.0`, `0.6`,
/// `3.25`.
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let whole = magnitude / UNIT as u64;
        let fraction = format!("{:06}", magnitude % UNIT as u64);
        let fraction = fraction.trim_end_matches('0');
        let fraction = if fraction.is_empty() { "0" } else { fraction };
        write!(f, "{sign}{whole}.{fraction}")
    }
}

/// One weighted score of `[risk.weights]`.
#[derive(Clone, Debug)]
pub struct Weight {
    pub name: String,
    pub value: Decimal,
    /// The entry in policy.toml.
    pub span: Range<usize>,
}

/// The lowest score of a tier, from `[risk.tiers]` or the default.
#[derive(Clone, Debug)]
pub struct Threshold {
    pub tier: &'static str,
    pub value: Decimal,
    pub span: Option<Range<usize>>,
}

/// The scoring configured in policy.toml. Present only when
/// `[risk.weights]` names at least one score.
#[derive(Clone, Debug)]
pub struct Scoring {
    /// In the order of the file.
    pub weights: Vec<Weight>,
    /// `medium`, `high`, `critical`, strictly increasing.
    pub thresholds: Vec<Threshold>,
    /// The `[risk.weights]` table: where a finding's related label points.
    pub weights_span: Range<usize>,
}

/// A feature's computed risk.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// The weighted mean in hundredths, rounded half away from zero.
    pub hundredths: i64,
    /// `low`, `medium`, `high` or `critical`.
    pub tier: &'static str,
    /// Each weight with the manifest's score, in the order of the weights.
    pub terms: Vec<(Decimal, i64)>,
    /// The threshold of `tier` (`None` for `low`).
    pub threshold: Option<Decimal>,
}

impl Score {
    /// The score as a number (3.6), the float nearest to the two-decimal
    /// value.
    pub fn value(&self) -> f64 {
        self.decimal().to_f64()
    }

    fn decimal(&self) -> Decimal {
        Decimal(self.hundredths * (UNIT / 100))
    }

    /// The sum written out: `0.6×4 + 0.4×3 = 3.6 ≥ high 3.0`. When the
    /// weights do not add up to 1 the mean shows the division:
    /// `(1.0×4 + 1.0×3) / 2.0 = 3.5 ≥ high 3.0`; below every threshold,
    /// `… = 1.4 < medium 2.0`.
    pub fn arithmetic(&self, scoring: &Scoring) -> String {
        let sum: String = self
            .terms
            .iter()
            .map(|(weight, score)| format!("{weight}×{score}"))
            .collect::<Vec<_>>()
            .join(" + ");
        let total = Decimal(self.terms.iter().map(|(w, _)| w.0).sum());
        let mean = if total == Decimal(UNIT) {
            sum
        } else if self.terms.len() == 1 {
            format!("{sum} / {total}")
        } else {
            format!("({sum}) / {total}")
        };
        let comparison = match self.threshold {
            Some(threshold) => format!("≥ {} {threshold}", self.tier),
            None => {
                let lowest = &scoring.thresholds[0];
                format!("< {} {}", lowest.tier, lowest.value)
            }
        };
        format!("{mean} = {} {comparison}", self.decimal())
    }
}

/// Why a manifest cannot be scored.
#[derive(Clone, Debug)]
pub enum ScoreProblem {
    /// A weighted score is not in `[risk]`.
    Missing(String),
    /// A weighted score is not an integer from 1 to 5.
    Invalid { name: String, span: Range<usize> },
}

/// Rank of a tier name: `low` 0 … `critical` 3; `None` for others.
pub fn tier_rank(tier: &str) -> Option<usize> {
    crate::model::config::RISK_TIERS
        .iter()
        .position(|t| *t == tier)
}

impl Scoring {
    /// Scores a manifest's `[risk]` table. `None` when the manifest has no
    /// `[risk]` table (there is nothing to score: completeness of the risk
    /// review is a policy's call); otherwise the score, or what stops it.
    pub fn score(&self, manifest: &Table) -> Option<Result<Score, Vec<ScoreProblem>>> {
        let Value::Table(risk) = &manifest.get("risk")?.value else {
            return None;
        };
        let mut problems = Vec::new();
        let mut terms = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            match risk.get(&weight.name) {
                None => problems.push(ScoreProblem::Missing(weight.name.clone())),
                Some(node) => match node.value {
                    Value::Integer(score) if (SCORE_RANGE.0..=SCORE_RANGE.1).contains(&score) => {
                        terms.push((weight.value, score))
                    }
                    _ => problems.push(ScoreProblem::Invalid {
                        name: weight.name.clone(),
                        span: node.span.clone(),
                    }),
                },
            }
        }
        if !problems.is_empty() {
            return Some(Err(problems));
        }
        // Σ wᵢsᵢ / Σ wᵢ in hundredths, rounded half away from zero, in
        // integers: weights are millionths, scores at most 5, so this stays
        // far inside i128.
        let numerator: i128 = terms
            .iter()
            .map(|(w, s)| i128::from(w.0) * i128::from(*s))
            .sum::<i128>()
            * 100;
        let denominator: i128 = terms.iter().map(|(w, _)| i128::from(w.0)).sum();
        let hundredths = ((2 * numerator + denominator) / (2 * denominator)) as i64;
        let score_millionths = hundredths * (UNIT / 100);
        let reached = self
            .thresholds
            .iter()
            .rev()
            .find(|t| score_millionths >= t.value.0);
        Some(Ok(Score {
            hundredths,
            tier: reached.map_or("low", |t| t.tier),
            terms,
            threshold: reached.map(|t| t.value),
        }))
    }

    /// Reads `[risk]` of policy.toml. `None` when `[risk.weights]` is
    /// absent (a `[risk.tiers]` table alone then scores nothing) or when a
    /// weight or threshold is invalid; problems are pushed onto `fields`
    /// (configuration errors, so the run exits 2 rather than score with a
    /// broken framework).
    pub fn parse(file: &std::sync::Arc<SourceFile>, fields: &mut Fields<'_>) -> Option<Scoring> {
        let (risk, _) = fields.table("risk", false)?;
        let mut sub = Fields::new(file, risk, 0..0, "[risk]").config();
        sub.deny_unknown(&["weights", "tiers"]);
        let mut valid = true;
        let mut thresholds: Vec<Threshold> = TIERS
            .iter()
            .map(|(tier, value)| Threshold {
                tier,
                value: *value,
                span: None,
            })
            .collect();
        if let Some((tiers, _)) = sub.table("tiers", false) {
            let mut inner = Fields::new(file, tiers, 0..0, "[risk.tiers]").config();
            let names: Vec<&str> = TIERS.iter().map(|(t, _)| *t).collect();
            inner.deny_unknown(&names);
            for threshold in &mut thresholds {
                let Some(node) = inner.node(threshold.tier) else {
                    continue;
                };
                match Decimal::from_value(&node.value) {
                    Some(value) if value.0 >= 0 => {
                        threshold.value = value;
                        threshold.span = Some(node.span.clone());
                    }
                    _ => {
                        valid = false;
                        inner.invalid(
                            node,
                            format!(
                                "the threshold `risk.tiers.{}` must be a number from 0 to {MAX_VALUE} with at most {MAX_DECIMALS} decimals",
                                threshold.tier
                            ),
                            "not a valid threshold",
                        );
                    }
                }
            }
            for pair in thresholds.windows(2) {
                if pair[1].value <= pair[0].value {
                    valid = false;
                    let span = pair[1]
                        .span
                        .clone()
                        .or_else(|| pair[0].span.clone())
                        .unwrap_or(0..0);
                    inner.push(
                        Diagnostic::new(
                            codes::SCHEMA,
                            Severity::Error,
                            format!(
                                "risk tier thresholds must increase: {} {} is not above {} {}",
                                pair[1].tier, pair[1].value, pair[0].tier, pair[0].value
                            ),
                        )
                        .at(file, span, "not above the tier below")
                        .help(format!(
                            "each of medium < high < critical is the lowest score of its tier (defaults {})",
                            TIERS
                                .iter()
                                .map(|(t, v)| format!("{t} = {v}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    );
                }
            }
            sub.diagnostics.extend(inner.finish());
        }
        let mut scoring = None;
        if let Some((table, node)) = sub.table("weights", false) {
            let mut weights = Vec::new();
            for entry in &table.entries {
                let name = entry.key.as_str();
                if NOT_SCORES.contains(&name) {
                    valid = false;
                    sub.push(
                        Diagnostic::new(
                            codes::SCHEMA,
                            Severity::Error,
                            format!("`risk.{name}` is not a review score and cannot be weighted"),
                        )
                        .at(file, entry.key_span.clone(), "not a 1-5 score")
                        .help(weight_help()),
                    );
                    continue;
                }
                if !DOCUMENTED_SCORES.contains(&name)
                    && let Some(meant) = suggest(name, DOCUMENTED_SCORES.iter().copied())
                {
                    valid = false;
                    sub.push(
                        Diagnostic::new(
                            codes::SCHEMA,
                            Severity::Error,
                            format!("`risk.weights.{name}` names no known score: did you mean `{meant}`?"),
                        )
                        .at(file, entry.key_span.clone(), "a typo of a documented score")
                        .help(weight_help()),
                    );
                    continue;
                }
                match Decimal::from_value(&entry.node.value) {
                    Some(value) if value.0 > 0 => weights.push(Weight {
                        name: name.to_string(),
                        value,
                        span: entry.key_span.start..entry.node.span.end,
                    }),
                    _ => {
                        valid = false;
                        sub.invalid(
                            &entry.node,
                            format!(
                                "the weight of `{name}` must be a number above 0 and at most {MAX_VALUE}, with at most {MAX_DECIMALS} decimals"
                            ),
                            "not a valid weight",
                        );
                    }
                }
            }
            if table.entries.is_empty() {
                valid = false;
                sub.invalid(
                    node,
                    "`[risk.weights]` is empty: name the scores to weigh".into(),
                    "no weights",
                );
            }
            if valid {
                let span = match (table.entries.first(), table.entries.last()) {
                    (Some(first), Some(last)) => first.key_span.start..last.node.span.end,
                    _ => node.span.clone(),
                };
                scoring = Some(Scoring {
                    weights,
                    thresholds,
                    weights_span: span,
                });
            }
        }
        fields.diagnostics.extend(sub.finish());
        scoring
    }
}

/// Schema errors (`PL004`) for a manifest whose `[risk]` table cannot be
/// scored: a missing score at `[risk]`, a score that is not an integer
/// from 1 to 5 at its value; each with a related label at its weight in
/// policy.toml (`config`).
pub fn problem_diagnostics(
    scoring: &Scoring,
    config: Option<&std::sync::Arc<SourceFile>>,
    file: &std::sync::Arc<SourceFile>,
    risk_span: Range<usize>,
    problems: Vec<ScoreProblem>,
) -> Vec<Diagnostic> {
    let (low, high) = SCORE_RANGE;
    problems
        .into_iter()
        .map(|problem| {
            let (name, diagnostic) = match problem {
                ScoreProblem::Missing(name) => {
                    let diagnostic = Diagnostic::new(
                        codes::SCHEMA,
                        Severity::Error,
                        format!("`[risk]` is missing the score `{name}`, weighted in policy.toml"),
                    )
                    .at(file, risk_span.clone(), format!("add `{name} = …` ({low}-{high})"));
                    (name, diagnostic)
                }
                ScoreProblem::Invalid { name, span } => {
                    let diagnostic = Diagnostic::new(
                        codes::SCHEMA,
                        Severity::Error,
                        format!("`risk.{name}` must be an integer score from {low} to {high}"),
                    )
                    .at(file, span, format!("expected {low}, 2, 3, 4 or {high}"));
                    (name, diagnostic)
                }
            };
            let diagnostic = diagnostic.help(
                "risk scoring (`[risk.weights]` in policy.toml) needs every weighted score: 1 negligible, 2 minor, 3 moderate, 4 major, 5 severe",
            );
            match (config, scoring.weights.iter().find(|w| w.name == name)) {
                (Some(config), Some(weight)) => {
                    diagnostic.related(config, weight.span.clone(), "weighted here")
                }
                _ => diagnostic,
            }
        })
        .collect()
}

fn weight_help() -> String {
    format!(
        "weigh 1-5 review scores of the manifest's `[risk]` table: {} (documented), or a score of your own; not {}",
        DOCUMENTED_SCORES.join(", "),
        NOT_SCORES.join(" or ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tree::parse_document;

    fn scoring(text: &str) -> (Option<Scoring>, Vec<Diagnostic>) {
        let file = SourceFile::new("policy.toml", text);
        let table = parse_document(text, 0).expect("test config parses");
        let mut fields = Fields::new(&file, &table, 0..0, "policy.toml").config();
        let scoring = Scoring::parse(&file, &mut fields);
        (scoring, fields.finish())
    }

    fn score(scoring: &Scoring, risk: &str) -> Score {
        let table = parse_document(&format!("[risk]\n{risk}"), 0).expect("manifest parses");
        scoring
            .score(&table)
            .expect("has [risk]")
            .expect("scores are valid")
    }

    const SPEC: &str = "[risk.weights]\nevasion_potential = 0.6\nsystemic_amplification = 0.4\n";

    #[test]
    fn the_spec_example_is_exact() {
        let (scoring, problems) = scoring(SPEC);
        assert!(problems.is_empty(), "{problems:?}");
        let scoring = scoring.expect("weights configured");
        let s = score(
            &scoring,
            "evasion_potential = 4\nsystemic_amplification = 3\n",
        );
        assert_eq!(s.hundredths, 360);
        assert_eq!(s.tier, "high");
        assert_eq!(s.value().to_string(), "3.6");
        assert_eq!(s.arithmetic(&scoring), "0.6×4 + 0.4×3 = 3.6 ≥ high 3.0");
        let low = score(
            &scoring,
            "evasion_potential = 1\nsystemic_amplification = 2\n",
        );
        assert_eq!(low.tier, "low");
        assert_eq!(low.arithmetic(&scoring), "0.6×1 + 0.4×2 = 1.4 < medium 2.0");
    }

    #[test]
    fn the_mean_divides_by_the_total_weight_and_rounds_half_away_from_zero() {
        let (scoring, _) = scoring(
            "[risk.weights]\nevasion_potential = 1\nsystemic_amplification = 2\n[risk.tiers]\nhigh = 2.67\n",
        );
        let scoring = scoring.expect("weights configured");
        // (1×3 + 2×2) / 3 = 2.333… → 2.33; (1×2 + 2×3) / 3 = 2.666… → 2.67.
        let s = score(
            &scoring,
            "evasion_potential = 3\nsystemic_amplification = 2\n",
        );
        assert_eq!((s.hundredths, s.tier), (233, "medium"));
        let s = score(
            &scoring,
            "evasion_potential = 2\nsystemic_amplification = 3\n",
        );
        assert_eq!((s.hundredths, s.tier), (267, "high"));
        assert_eq!(
            s.arithmetic(&scoring),
            "(1.0×2 + 2.0×3) / 3.0 = 2.67 ≥ high 2.67"
        );
        // An exact half: 0.125×1 + 0.875×2 = 1.875 → 1.88.
        let (scoring, _) =
            scoring_of("evasion_potential = 0.125\nsystemic_amplification = 0.875\n");
        let s = score(
            &scoring,
            "evasion_potential = 1\nsystemic_amplification = 2\n",
        );
        assert_eq!(s.hundredths, 188);
    }

    fn scoring_of(weights: &str) -> (Scoring, Vec<Diagnostic>) {
        let (scoring, problems) = scoring(&format!("[risk.weights]\n{weights}"));
        (scoring.expect("weights configured"), problems)
    }

    #[test]
    fn missing_and_invalid_scores_are_named() {
        let (scoring, _) = scoring(SPEC);
        let scoring = scoring.expect("weights configured");
        let table = parse_document("[risk]\nevasion_potential = 7\n", 0).expect("parses");
        let problems = scoring.score(&table).expect("has [risk]").unwrap_err();
        assert!(
            matches!(&problems[0], ScoreProblem::Invalid { name, .. } if name == "evasion_potential")
        );
        assert!(
            matches!(&problems[1], ScoreProblem::Missing(name) if name == "systemic_amplification")
        );
        let none = parse_document("stage = 'concept'\n", 0).expect("parses");
        assert!(scoring.score(&none).is_none());
    }

    #[test]
    fn bad_configuration_is_reported_with_spans() {
        for (text, needle) in [
            ("[risk.weights]\nresidual = 1\n", "not a review score"),
            ("[risk.weights]\nevasion_potental = 1\n", "did you mean"),
            ("[risk.weights]\nevasion_potential = 0\n", "above 0"),
            ("[risk.weights]\nevasion_potential = -1\n", "above 0"),
            ("[risk.weights]\nevasion_potential = nan\n", "above 0"),
            ("[risk.weights]\nevasion_potential = inf\n", "above 0"),
            (
                "[risk.weights]\nevasion_potential = 0.1234567\n",
                "decimals",
            ),
            ("[risk.weights]\nevasion_potential = 'x'\n", "above 0"),
            ("[risk.weights]\n", "empty"),
            (
                "[risk.weights]\na = 1\n[risk.tiers]\nhigh = 1.5\n",
                "must increase",
            ),
            (
                "[risk.weights]\na = 1\n[risk.tiers]\nlow = 1\n",
                "unknown field `low`",
            ),
            (
                "[risk.weights]\na = 1\n[risk.tiers]\ncritical = inf\n",
                "threshold",
            ),
            ("[risk]\nweight = 1\n", "unknown field `weight`"),
        ] {
            let (scoring, problems) = scoring(text);
            // An unknown key is an error of its own; the weights stand.
            assert!(scoring.is_none() || needle.contains("unknown"), "{text}");
            let messages: Vec<String> = problems.iter().map(|d| d.message.clone()).collect();
            assert!(
                messages.iter().any(|m| m.contains(needle)),
                "{text}: {messages:?}"
            );
            assert!(
                problems.iter().all(|d| d.config && d.primary.is_some()),
                "{text}"
            );
        }
    }

    #[test]
    fn decimals_print_with_at_least_one_fractional_digit() {
        assert_eq!(Decimal(3_000_000).to_string(), "3.0");
        assert_eq!(Decimal(600_000).to_string(), "0.6");
        assert_eq!(Decimal(3_250_000).to_string(), "3.25");
        assert_eq!(Decimal(125_000).to_string(), "0.125");
    }
}
