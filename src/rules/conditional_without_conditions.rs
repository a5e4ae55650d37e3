declare_check! {
    /// ## What it checks
    /// A sign-off with `decision = "conditional"` has no `conditions`, or an empty list.
    ///
    /// ## Why it matters
    /// A conditional go is only meaningful with its conditions written down where the team will see them.
    ///
    /// ## Example
    /// ```toml
    /// decision = "conditional"
    /// ```
    ///
    /// ## Fix
    /// List the conditions: `conditions = ["re-run red team after model refresh"]`.
    CONDITIONAL_WITHOUT_CONDITIONS, CONDITIONAL_WITHOUT_CONDITIONS_CHECK = ("PL019", "conditional-without-conditions", Error);
}
