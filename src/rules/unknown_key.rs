declare_check! {
    /// ## What it checks
    /// A configuration, policy, sign-off, waiver or playbook front-matter file has a field `policy` does not know. (Feature manifests are free-form and exempt.)
    ///
    /// ## Why it matters
    /// A misspelt key such as `requires_signoffs` would otherwise silently disable the requirement it was meant to set.
    ///
    /// ## Example
    /// ```toml
    /// require_signof = ["srb"]
    /// ```
    ///
    /// ## Fix
    /// Use the field the did-you-mean suggests.
    UNKNOWN_KEY, UNKNOWN_KEY_CHECK = ("PL025", "unknown-key", Error);
}
