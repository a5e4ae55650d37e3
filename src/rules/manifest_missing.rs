declare_check! {
    /// ## What it checks
    /// A directory under a features glob holds sign-offs (or other files a change left behind) but no manifest the features glob matches: the manifest was deleted, renamed (`Feature.toml`), or moved away while the rest of the feature stayed.
    ///
    /// ## Why it matters
    /// Every feature directory is judged; none is silently skipped. A feature whose manifest no longer matches the glob would drop out of every check, its gates included, while its sign-offs and files stay in place.
    ///
    /// ## Example
    /// ```text
    /// git mv features/upload/feature.toml features/upload/Feature.toml
    /// ```
    ///
    /// ## Fix
    /// Restore the manifest at its path (`feature.toml`), or retire the feature by removing its whole directory.
    MANIFEST_MISSING, MANIFEST_MISSING_CHECK = ("PL035", "manifest-missing", Error);
}
