declare_check! {
    /// ## What it checks
    /// How a waived violation is reported. A violation matched by an active waiver keeps its own
    /// rule code but is shown as a note instead of at its rule's severity, with a label on the
    /// waiver, `waived_by` naming the waiver file in JSON, and a suppression in SARIF. No finding
    /// carries PL023 itself: the code names the mechanism, so `policy explain PL023` describes it.
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
