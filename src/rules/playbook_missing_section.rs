declare_check! {
    /// ## What it checks
    /// A playbook's body lacks a heading named in its front matter's `required_sections`.
    ///
    /// ## Why it matters
    /// Squads rely on each playbook having its scope, test plan and exit criteria; a missing section is a missing step.
    ///
    /// ## Example
    /// ```toml
    /// required_sections = ["Scope", "Exit criteria"]
    /// # body has "## Scope" only
    /// ```
    ///
    /// ## Fix
    /// Add the missing heading (any level) with its content, or drop it from `required_sections` in a new version.
    PLAYBOOK_MISSING_SECTION, PLAYBOOK_MISSING_SECTION_CHECK = ("PL016", "playbook-missing-section", Error);
}
