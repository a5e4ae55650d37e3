declare_check! {
    /// ## What it checks
    /// A check that needs git history (sign-off authorship) could not run, for example because the directory is not a git repository or no identity is configured.
    ///
    /// ## Why it matters
    /// A check that silently passes when it cannot run gives false confidence; saying so keeps the report honest.
    ///
    /// ## Example
    /// ```text
    /// policy lint in an exported tarball of the repository
    /// ```
    ///
    /// ## Fix
    /// Run inside the git repository, or set `signoff.verify_authors = false` if authorship is verified elsewhere.
    HISTORY_UNAVAILABLE, HISTORY_UNAVAILABLE_CHECK = ("PL029", "history-unavailable", Warning);
}
