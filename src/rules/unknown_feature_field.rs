declare_check! {
    /// ## What it checks
    /// An expression reads `feature.<field>` where no feature manifest in the repository has that field and it is not a core manifest field, usually a typo.
    ///
    /// ## Why it matters
    /// A misspelt field fails at run time for every feature, or hides behind `has()` and never fires. Read without a `has()` guard and one edit away from a field that exists, it is an error, reported once here instead of once per feature; behind a guard, or with no close match (a field no manifest has yet), it is a warning.
    ///
    /// ## Example
    /// ```toml
    /// assert = "feature.harm_categorie.size() > 0"
    /// ```
    ///
    /// ## Fix
    /// Use the field the did-you-mean suggests, or add the field to the manifests that should carry it.
    UNKNOWN_FEATURE_FIELD, UNKNOWN_FEATURE_FIELD_CHECK = ("PL011", "unknown-feature-field", Warning);
}
