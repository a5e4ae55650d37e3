declare_check! {
    /// ## What it checks
    /// No finding carries PL023: it names how a waived violation is reported. A violation matched by an active waiver keeps its own rule code but is shown as a note, with a label on the waiver, `waived_by` in JSON and a suppression in SARIF.
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
