declare_check! {
    /// ## What it checks
    /// An expression reads `feature.<field>` where no feature manifest in the repository has that field and it is not a core manifest field, usually a typo.
    ///
    /// ## Why it matters
    /// A misspelt field fails at run time for every feature, or hides behind `has()` and never fires.
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
