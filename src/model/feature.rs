//! Feature manifests: free-form TOML with a few core fields that are checked
//! here. Every other field is kept for policies to test.

use std::ops::Range;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, SourceFile};
use crate::model::config::{Config, RISK_TIERS};
use crate::model::read::{Fields, document_anchor};
use crate::model::tree::Table;
use crate::rules::{codes, suggest};

/// The manifest fields the product defines; policies may test any others.
pub const CORE_FIELDS: &[&str] = &[
    "id",
    "title",
    "owner",
    "stage",
    "risk_tier",
    "harm_categories",
    "playbooks",
    "hypothesis",
    "metrics",
    "risk",
    "monitoring",
];

#[derive(Clone, Debug)]
pub struct Feature {
    pub id: String,
    pub file: Arc<SourceFile>,
    /// The manifest's directory, repository-relative (`features/upload`).
    pub dir: String,
    pub table: Arc<Table>,
    pub stage: Option<String>,
    pub playbooks: Vec<PlaybookRef>,
    pub harm_categories: Vec<String>,
    /// Top-level fields already reported as missing or of the wrong type: a
    /// rule that fails only for their absence would repeat that finding.
    pub invalid_fields: Vec<String>,
}

/// One `playbooks` entry, `id@version`.
#[derive(Clone, Debug)]
pub struct PlaybookRef {
    pub id: String,
    pub version: i64,
    pub span: Range<usize>,
}

impl Feature {
    pub fn id_span(&self) -> Range<usize> {
        self.table.get("id").map_or(0..0, |n| n.span.clone())
    }

    /// The line a finding about the whole feature points at: its `stage`,
    /// else its `id`, else the start of the file.
    pub fn anchor_span(&self) -> Range<usize> {
        self.table
            .get("stage")
            .or_else(|| self.table.get("id"))
            .map_or_else(|| document_anchor(&self.file), |n| n.span.clone())
    }
}

/// Checks a manifest's core fields. Returns the feature (when it has a
/// usable `id`) and every problem found.
pub fn parse(
    file: &Arc<SourceFile>,
    table: Table,
    dir: &str,
    config: &Config,
) -> (Option<Feature>, Vec<Diagnostic>) {
    let mut fields = Fields::new(file, &table, document_anchor(file), "feature manifest");
    let id = fields
        .string("id", true)
        .map(|(id, node)| (id.to_string(), node.span.clone()));
    let stage = fields
        .string("stage", true)
        .map(|(s, node)| (s.to_string(), node.span.clone()));
    for key in ["title", "owner"] {
        let _ = fields.string(key, false);
    }
    for key in ["hypothesis", "metrics", "risk", "monitoring"] {
        let _ = fields.table(key, false);
    }

    if let Some((stage, node)) = &stage
        && !config.stage_names().any(|s| s == stage)
    {
        let mut diagnostic = Diagnostic::new(
            codes::UNKNOWN_STAGE,
            Severity::Error,
            format!("unknown stage `{stage}`"),
        )
        .at(file, node.clone(), "not in taxonomy.stages")
        .help(config.taxonomy_help("stages", stage, config.stage_names()));
        if let Some(config_file) = &config.file
            && let Some(first) = config.stages.first().and_then(|s| s.span.clone())
        {
            let last = config
                .stages
                .last()
                .and_then(|s| s.span.clone())
                .unwrap_or(first.clone());
            diagnostic = diagnostic.related(
                config_file,
                first.start..last.end,
                "stages are defined here",
            );
        }
        fields.push(diagnostic);
    }

    if let Some((tier, node)) = fields.string("risk_tier", false)
        && !RISK_TIERS.contains(&tier)
    {
        fields.invalid(
            node,
            format!("unknown risk tier `{tier}`"),
            "expected low, medium, high or critical",
        );
    }

    if let Some(scoring) = &config.risk
        && let Some(Err(problems)) = scoring.score(&table)
    {
        let risk_span = table.get("risk").map_or(0..0, |n| n.span.clone());
        for diagnostic in crate::model::risk::problem_diagnostics(
            scoring,
            config.file.as_ref(),
            file,
            risk_span,
            problems,
        ) {
            fields.push(diagnostic);
        }
    }

    let mut harm_categories = Vec::new();
    if let Some((categories, _)) = fields.strings("harm_categories", false) {
        for (category, node) in categories {
            harm_categories.push(category.to_string());
            if !config.harm_category_names().any(|c| c == category) {
                let mut diagnostic = Diagnostic::new(
                    codes::UNKNOWN_HARM_CATEGORY,
                    Severity::Error,
                    format!("unknown harm category `{category}`"),
                )
                .at(file, node.span.clone(), "not in taxonomy.harm_categories")
                .help(config.taxonomy_help(
                    "harm_categories",
                    category,
                    config.harm_category_names(),
                ));
                if let Some(config_file) = &config.file
                    && let Some(first) = config.harm_categories.first().and_then(|s| s.span.clone())
                {
                    let last = config
                        .harm_categories
                        .last()
                        .and_then(|s| s.span.clone())
                        .unwrap_or(first.clone());
                    diagnostic = diagnostic.related(
                        config_file,
                        first.start..last.end,
                        "harm categories are defined here",
                    );
                }
                fields.push(diagnostic);
            }
        }
    }

    let mut playbooks = Vec::new();
    if let Some((refs, _)) = fields.strings("playbooks", false) {
        for (reference, node) in refs {
            match parse_playbook_ref(reference) {
                Some((id, version)) => playbooks.push(PlaybookRef {
                    id: id.to_string(),
                    version,
                    span: node.span.clone(),
                }),
                None => fields.push(
                    Diagnostic::new(
                        codes::UNKNOWN_PLAYBOOK,
                        Severity::Error,
                        format!("playbook reference `{reference}` is not written `id@version`"),
                    )
                    .at(
                        file,
                        node.span.clone(),
                        "expected `id@version`, e.g. `red-team@3`",
                    ),
                ),
            }
        }
    }

    let dir_name = dir.rsplit('/').next().unwrap_or(dir);
    if let Some((id, span)) = &id
        && id != dir_name
    {
        fields.push(
            Diagnostic::new(
                codes::ID_MISMATCH,
                Severity::Error,
                format!("feature id `{id}` does not match its directory `{dir_name}`"),
            )
            .at(file, span.clone(), format!("directory is `{dir}`"))
            .help(format!(
                "rename the directory to `{id}` or set `id = \"{dir_name}\"`"
            )),
        );
    }

    let invalid_fields = std::mem::take(&mut fields.invalid_keys);
    let mut diagnostics = fields.finish();
    let feature = id.map(|(id, _)| {
        for d in &mut diagnostics {
            d.feature = Some(id.clone());
        }
        Feature {
            id,
            file: Arc::clone(file),
            dir: dir.to_string(),
            stage: stage.map(|(s, _)| s),
            playbooks,
            harm_categories,
            invalid_fields,
            table: Arc::new(table),
        }
    });
    (feature, diagnostics)
}

pub fn parse_playbook_ref(reference: &str) -> Option<(&str, i64)> {
    let (id, version) = reference.rsplit_once('@')?;
    let version: i64 = version.parse().ok()?;
    (!id.is_empty() && version >= 0).then_some((id, version))
}

pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str> + Clone) -> String {
    let all: Vec<&str> = candidates.clone().collect();
    match suggest(word, candidates) {
        Some(s) => format!("did you mean `{s}`? Valid values: {}", all.join(", ")),
        None => format!("valid values: {}", all.join(", ")),
    }
}
