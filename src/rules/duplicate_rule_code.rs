declare_check! {
    /// ## What it checks
    /// Two rules in the loaded policies share a `code`, or a rule uses the reserved `PL` prefix.
    ///
    /// ## Why it matters
    /// Codes identify rules in waivers, `policy explain` and code-scanning results; a shared code makes a waiver excuse the wrong rule.
    ///
    /// ## Example
    /// ```toml
    /// [[rules]]
    /// code = "LG001"
    /// ...
    /// [[rules]]
    /// code = "LG001"
    /// ```
    ///
    /// ## Fix
    /// Give every rule its own code; keep the `PL` prefix for built-in checks.
    DUPLICATE_RULE_CODE, DUPLICATE_RULE_CODE_CHECK = ("PL009", "duplicate-rule-code", Error);
}
