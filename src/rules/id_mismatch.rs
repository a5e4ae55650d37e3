declare_check! {
    /// ## What it checks
    /// A feature's `id` differs from the name of the directory that holds its manifest.
    ///
    /// ## Why it matters
    /// Sign-offs and waivers name features by id; tools and people find features by directory. When the two disagree, a sign-off can be filed against the wrong feature.
    ///
    /// ## Example
    /// ```toml
    /// features/file-upload/feature.toml containing id = "enterprise-file-upload"
    /// ```
    ///
    /// ## Fix
    /// Rename the directory or change the id so they match.
    ID_MISMATCH, ID_MISMATCH_CHECK = ("PL007", "id-mismatch", Error);
}
