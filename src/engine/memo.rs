//! Evaluating a feature's expressions, reusing results across features.
//!
//! An expression sees a feature only through the reads found when it was
//! compiled ([`Expression::reads`]); CEL has no side effects and the other
//! variables are the same for every feature, but for `computed`, which is a
//! function of the feature's `risk` table under the run's weights: reading
//! it counts as reading `feature.risk`. So two features that agree on
//! those reads get the same result, and the second one is not evaluated:
//! most rules test a stage, a tier or a few scores that many features share.
//! Only boolean results are kept: an error or a value of the wrong type is
//! evaluated again, so its diagnostic is built from a real evaluation.
//!
//! The CEL context of a feature is built only when some expression misses.

use std::collections::HashMap;

use cel::{Context, ExecutionError, Value as Cel};

use super::expr::{Expression, Read, ReadRoot};
use crate::model::tree::{Table, Value};

/// Results remembered by one worker thread.
#[derive(Default)]
pub struct Memo {
    /// By the expression's address: expressions live for the whole check.
    caches: HashMap<usize, ExprCache>,
    key: Vec<u8>,
}

#[derive(Default)]
struct ExprCache {
    results: HashMap<Box<[u8]>, bool>,
    lookups: u32,
    hits: u32,
    /// The reads rarely repeat (measured values, free text): building keys
    /// would cost more than it saves.
    off: bool,
}

/// The number of items of the largest array or table in `table`, nested
/// ones included.
fn largest_collection(table: &Table) -> usize {
    fn value(v: &crate::model::tree::Value) -> usize {
        match v {
            crate::model::tree::Value::Array(items) => items
                .iter()
                .map(|n| value(&n.value))
                .max()
                .unwrap_or(0)
                .max(items.len()),
            crate::model::tree::Value::Table(t) => largest_collection(t),
            _ => 0,
        }
    }
    table
        .entries
        .iter()
        .map(|e| value(&e.node.value))
        .max()
        .unwrap_or(0)
        .max(table.entries.len())
}

/// After this many lookups an expression that hits less than a quarter of
/// the time stops being remembered.
const TRIAL_LOOKUPS: u32 = 256;

/// One feature's evaluation: the feature, its base, and a context built on
/// first need.
pub struct Evaluation<'a, 'm> {
    feature: &'a Table,
    base: Option<&'a Table>,
    memo: &'m mut Memo,
    build: Box<dyn Fn() -> Context<'a, 'a> + 'a>,
    context: Option<Context<'a, 'a>>,
    /// The largest collection a comprehension could range over here.
    largest: Option<usize>,
}

impl<'a, 'm> Evaluation<'a, 'm> {
    pub fn new(
        feature: &'a Table,
        base: Option<&'a Table>,
        memo: &'m mut Memo,
        build: Box<dyn Fn() -> Context<'a, 'a> + 'a>,
    ) -> Self {
        Evaluation {
            feature,
            base,
            memo,
            build,
            context: None,
            largest: None,
        }
    }

    /// The manifest at the base, when there is one.
    pub fn base(&self) -> Option<&'a Table> {
        self.base
    }

    pub fn execute(&mut self, expression: &Expression) -> Result<Cel, ExecutionError> {
        if expression.comprehension_depth > 0 {
            self.within_budget(expression)?;
        }
        self.run(expression)
    }

    /// Runs a `filter` or `assert` of a rule with `each` for one entry:
    /// the feature's variables plus `key` and `value`. Never remembered (the
    /// result depends on the entry); the budget applies as to any
    /// expression.
    pub fn execute_for_entry(
        &mut self,
        expression: &Expression,
        key: &Cel,
        value: &Cel,
    ) -> Result<Cel, ExecutionError> {
        if expression.comprehension_depth > 0 {
            self.within_budget(expression)?;
        }
        let build = &self.build;
        let context = self.context.get_or_insert_with(build);
        let mut scope = context.new_inner_scope();
        scope.add_variable_from_value("key", key.clone());
        scope.add_variable_from_value("value", value.clone());
        expression.program.execute(&scope)
    }

    /// The budget of a rule with `each` over `entries` entries: each entry
    /// counts, so the per-entry expressions may iterate at most
    /// [`crate::engine::expr::MAX_ITERATIONS`] times over all entries
    /// together (`entries` times the bound of their own comprehensions).
    pub fn entries_within_budget(
        &mut self,
        entries: usize,
        per_entry: &[&Expression],
    ) -> Result<(), ExecutionError> {
        use crate::engine::expr::MAX_ITERATIONS;
        let depth = per_entry
            .iter()
            .map(|e| e.comprehension_depth)
            .max()
            .unwrap_or(0);
        let literal = per_entry
            .iter()
            .map(|e| e.largest_literal)
            .max()
            .unwrap_or(0);
        let reach = self.largest_in_reach().max(literal).max(64) as u64;
        let bound = (entries as u64).saturating_mul(reach.saturating_pow(depth));
        if bound > MAX_ITERATIONS {
            return Err(ExecutionError::function_error(
                "budget",
                format!(
                    "the rule exceeds the evaluation budget: {entries} entries, each checked by {depth} nested comprehension(s) over collections of up to {reach} items, could take {bound} iterations; the limit is {MAX_ITERATIONS} per rule and feature"
                ),
            ));
        }
        Ok(())
    }

    fn largest_in_reach(&mut self) -> usize {
        let (feature, base) = (self.feature, self.base);
        *self.largest.get_or_insert_with(|| {
            largest_collection(feature).max(base.map_or(0, largest_collection))
        })
    }

    /// The iteration budget (see [`crate::engine::expr::MAX_ITERATIONS`]):
    /// nested comprehensions could iterate the largest collection in reach
    /// to the power of their nesting. Over the budget, the expression is
    /// not run.
    fn within_budget(&mut self, expression: &Expression) -> Result<(), ExecutionError> {
        use crate::engine::expr::MAX_ITERATIONS;
        let largest = self.largest_in_reach();
        // The playbooks and sign-off maps are small; literals are bounded by
        // the expression itself.
        let reach = largest.max(expression.largest_literal).max(64) as u64;
        let bound = reach.saturating_pow(expression.comprehension_depth);
        if bound > MAX_ITERATIONS {
            return Err(ExecutionError::function_error(
                "budget",
                format!(
                    "the expression exceeds the evaluation budget: {} nested comprehension(s) over collections of up to {reach} items could take {bound} iterations; the limit is {MAX_ITERATIONS} per expression and feature",
                    expression.comprehension_depth
                ),
            ));
        }
        Ok(())
    }

    fn run(&mut self, expression: &Expression) -> Result<Cel, ExecutionError> {
        let remembered = match &expression.reads {
            Some(reads) => self.memo.lookup(expression, reads, self.feature, self.base),
            None => Lookup::Skip,
        };
        if let Lookup::Hit(result) = remembered {
            return Ok(Cel::Bool(result));
        }
        let build = &self.build;
        let context = self.context.get_or_insert_with(build);
        let result = expression.program.execute(context);
        if let (Lookup::Miss, Ok(Cel::Bool(value))) = (remembered, &result) {
            self.memo.remember(expression, *value);
        }
        result
    }
}

#[derive(Clone, Copy)]
enum Lookup {
    Hit(bool),
    /// Not known; the key is in `Memo::key`, ready for [`Memo::remember`].
    Miss,
    Skip,
}

impl Memo {
    fn lookup(
        &mut self,
        expression: &Expression,
        reads: &[Read],
        feature: &Table,
        base: Option<&Table>,
    ) -> Lookup {
        let cache = self
            .caches
            .entry(expression as *const Expression as usize)
            .or_default();
        if cache.off {
            return Lookup::Skip;
        }
        cache.lookups += 1;
        if cache.lookups == TRIAL_LOOKUPS && cache.hits < TRIAL_LOOKUPS / 4 {
            cache.off = true;
            cache.results = HashMap::new();
            return Lookup::Skip;
        }
        self.key.clear();
        for read in reads {
            let root = match read.variable {
                ReadRoot::Feature => Some(feature),
                ReadRoot::Base => base,
            };
            encode_read(root, read, &mut self.key);
        }
        match cache.results.get(self.key.as_slice()) {
            Some(&result) => {
                cache.hits += 1;
                Lookup::Hit(result)
            }
            None => Lookup::Miss,
        }
    }

    fn remember(&mut self, expression: &Expression, result: bool) {
        if let Some(cache) = self
            .caches
            .get_mut(&(expression as *const Expression as usize))
        {
            cache
                .results
                .insert(self.key.clone().into_boxed_slice(), result);
        }
    }
}

/// Appends to `key` what the read observes: for each segment, whether the
/// value so far is a table holding it, and at the end the value itself (or
/// only its presence, inside `has()`).
fn encode_read(root: Option<&Table>, read: &Read, key: &mut Vec<u8>) {
    key.push(b'(');
    let Some(mut table) = root else {
        key.push(b'N');
        return;
    };
    let last = read.segments.len();
    if last == 0 {
        encode_table(table, key);
        return;
    }
    for (depth, segment) in read.segments.iter().enumerate() {
        let Some(node) = table.get(segment) else {
            key.push(b'M');
            encode_len(depth, key);
            return;
        };
        if depth + 1 == last {
            if read.presence_only {
                key.push(b'P');
            } else {
                encode_value(&node.value, key);
            }
            return;
        }
        match &node.value {
            Value::Table(inner) => table = inner,
            other => {
                // Selecting a field of a non-table fails; the value decides
                // the error, so it is part of the key.
                key.push(b'X');
                encode_len(depth, key);
                encode_value(other, key);
                return;
            }
        }
    }
}

fn encode_len(len: usize, key: &mut Vec<u8>) {
    key.extend_from_slice(&(len as u64).to_le_bytes());
}

fn encode_str(text: &str, key: &mut Vec<u8>) {
    encode_len(text.len(), key);
    key.extend_from_slice(text.as_bytes());
}

fn encode_table(table: &Table, key: &mut Vec<u8>) {
    key.push(b'T');
    encode_len(table.entries.len(), key);
    for entry in &table.entries {
        encode_str(&entry.key, key);
        encode_value(&entry.node.value, key);
    }
}

fn encode_value(value: &Value, key: &mut Vec<u8>) {
    match value {
        Value::String(s) => {
            key.push(b'S');
            encode_str(s, key);
        }
        Value::Integer(i) => {
            key.push(b'I');
            key.extend_from_slice(&i.to_le_bytes());
        }
        Value::Float(f) => {
            key.push(b'F');
            key.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::Boolean(b) => {
            key.push(b'B');
            key.push(u8::from(*b));
        }
        Value::Datetime(d) => {
            key.push(b'D');
            encode_str(&d.to_string(), key);
        }
        Value::Array(items) => {
            key.push(b'A');
            encode_len(items.len(), key);
            for item in items {
                encode_value(&item.value, key);
            }
        }
        Value::Table(table) => encode_table(table, key),
    }
}

#[cfg(test)]
mod tests {
    use cel::Context;

    use super::{Evaluation, Memo};
    use crate::diagnostic::SourceFile;
    use crate::engine::expr::{self, Expression};
    use crate::engine::values;
    use crate::model::policy::SpannedText;
    use crate::model::tree::{Table, parse_document};

    const EXPRESSIONS: &[&str] = &[
        r#"feature.stage in ["review", "cleared"] && has(feature.metrics)"#,
        r#"["a", "b"].all(s, !(s in feature.risk) || feature.risk[s] >= 2)"#,
        r#"{"low": 1, "high": 3}[feature.risk.residual] <= 2"#,
        "has(feature.risk.residual)",
        "feature.risk.a > 1",
        "base != null && has(base.stage) && base.stage != feature.stage",
        "size(feature) > 3",
        r#"feature.all(k, k != "zzz")"#,
        r#"feature["stage"] == "review""#,
        r#"today > "2026-01-01" && feature.stage == "review""#,
        "size(signoffs) == 0 && feature.stage == 'design'",
        "feature.metrics.all(m, feature.metrics[m] > 0.5)",
        r#".feature.stage == "review""#,
        r#"[1].all(feature, .feature.stage == "design")"#,
        "size(.signoffs) == 0 && feature.stage == 'design'",
        "computed != null && computed.risk_score >= 3.0",
        r#"computed == null || computed.risk_tier in ["high", "critical"]"#,
        r#"feature.stage == "review" && computed.risk_tier == "medium""#,
    ];

    /// A small deterministic generator: few distinct values, so results
    /// repeat, in shapes that make expressions fail as well as pass.
    fn manifest(seed: u64) -> String {
        let pick = |n: u64, shift: u32| (seed >> shift) % n;
        let mut text = String::new();
        let stages = ["review", "design", "cleared"];
        match pick(4, 0) {
            0 => {}
            n => text.push_str(&format!("stage = \"{}\"\n", stages[n as usize - 1])),
        }
        match pick(4, 3) {
            0 => text.push_str("risk = 3\n"),
            1 => {}
            n => text.push_str(&format!(
                "[risk]\na = {}\n{}",
                n + pick(3, 6),
                if pick(2, 9) == 0 {
                    "residual = \"low\"\n"
                } else {
                    "residual = \"high\"\n"
                }
            )),
        }
        if pick(3, 11) == 0 {
            text.push_str(&format!("[metrics]\nm = {}\n", (pick(4, 13) as f64) / 4.0));
        }
        text
    }

    fn table(text: &str) -> Table {
        parse_document(text, 0).expect("generated manifests parse")
    }

    /// Weights on the generated scores `a` and `b` (which some manifests
    /// lack or hold out of range).
    fn scoring() -> crate::model::risk::Scoring {
        let file = SourceFile::new(
            "policy.toml",
            "[risk.weights]\na = 0.5\n[risk.tiers]\nmedium = 3\nhigh = 4\ncritical = 5\n",
        );
        let (config, problems) = crate::model::config::Config::parse(&file);
        assert!(problems.is_empty(), "{problems:?}");
        config.risk.expect("weights configured")
    }

    fn context<'a>(feature: &'a Table, base: Option<&'a Table>) -> Context<'a, 'a> {
        let mut context = Context::with_env(expr::env());
        context.add_variable_as_val("feature", values::table_val(feature));
        context.add_variable_as_val(
            "base",
            base.map_or_else(
                || Box::new(cel::common::types::CelNull) as Box<dyn cel::common::value::Val>,
                values::table_val,
            ),
        );
        context.add_variable_from_value("signoffs", values::map(Vec::new()));
        context.add_variable_from_value("today", values::string("2026-11-26"));
        context.add_variable_from_value(
            "computed",
            crate::engine::risk::computed_value(Some(&scoring()), feature),
        );
        context
    }

    #[test]
    fn remembered_results_equal_evaluation() {
        let expressions: Vec<Expression> = EXPRESSIONS
            .iter()
            .map(|text| {
                let file = SourceFile::new("rules.toml", *text);
                let source = SpannedText {
                    text: text.to_string(),
                    span: 0..text.len(),
                };
                Expression::compile(&file, &source).expect("test expressions compile")
            })
            .collect();
        assert!(expressions[10].reads.is_none(), "signoffs is not tracked");
        assert!(expressions[14].reads.is_none(), ".signoffs is not tracked");
        // `computed` is tracked, as a read of the whole `risk` table.
        let reads = expressions[15].reads.as_ref().expect("computed is tracked");
        assert!(
            reads
                .iter()
                .any(|r| r.segments == ["risk"] && !r.presence_only),
            "{reads:?}"
        );
        let features: Vec<Table> = (0..1500u64)
            .map(|i| table(&manifest(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 7)))
            .collect();
        let bases: Vec<Option<Table>> = (0..1500u64)
            .map(|i| (i % 3 != 0).then(|| table(&manifest(i.wrapping_mul(0x2545_F491) >> 5))))
            .collect();
        let mut memo = Memo::default();
        for (feature, base) in features.iter().zip(&bases) {
            let base = base.as_ref();
            let direct = context(feature, base);
            let mut evaluation = Evaluation::new(
                feature,
                base,
                &mut memo,
                Box::new(move || context(feature, base)),
            );
            for expression in &expressions {
                let expected = expression.program.execute(&direct);
                let got = evaluation.execute(expression);
                match (&expected, &got) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", expression.text),
                    (Err(_), Err(_)) => {}
                    _ => panic!("{}: {expected:?} vs {got:?}", expression.text),
                }
            }
        }
        // The value space is small: most lookups are answered from memory.
        let (lookups, hits): (u32, u32) = memo
            .caches
            .values()
            .fold((0, 0), |(l, h), c| (l + c.lookups, h + c.hits));
        assert!(hits * 2 > lookups, "{hits} hits in {lookups} lookups");
    }
}
