declare_check! {
    /// ## What it checks
    /// A violation matched an active waiver and is shown as a note instead of at its rule's severity.
    ///
    /// ## Why it matters
    /// Accepted risk stays visible in every report until the waiver expires.
    ///
    /// ## Example
    /// ```text
    /// waivers/mon001-upload.toml excusing MON001 for enterprise-file-upload
    /// ```
    ///
    /// ## Fix
    /// Nothing to fix while the waiver holds; fix the violation before it expires.
    WAIVED, WAIVED_CHECK = ("PL023", "waived", Note);
}
