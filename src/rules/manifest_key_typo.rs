declare_check! {
    /// ## What it checks
    /// A manifest field that no policy reads and that is one typo away from a field that matters: a core field (`risk_tier`, `stage`, `harm_categories`, …) or a field some rule or playbook condition reads (`monitoring.toxicity`, `risk.residual`, …). Manifests are free-form, so the field is not an error, but the field it was meant to be is missing.
    ///
    /// ## Why it matters
    /// A typo in a field that gates depend on switches the gates off: `risk_teir = "critical"` leaves `risk_tier` unset, and the rules for critical features never apply.
    ///
    /// ## Example
    /// ```toml
    /// risk_teir = "critical"
    /// ```
    ///
    /// ## Fix
    /// Rename the field to the one suggested (`risk_tier`). If the field is meant as it is, rename it further away from the known one.
    MANIFEST_KEY_TYPO, MANIFEST_KEY_TYPO_CHECK = ("PL036", "manifest-key-typo", Warning);
}
