declare_check! {
    /// ## What it checks
    /// A waiver matches no violation: its rule passes for its feature, or the rule or feature does not exist.
    ///
    /// ## Why it matters
    /// Stale exceptions hide future violations of the same rule and clutter the record of accepted risk.
    ///
    /// ## Example
    /// ```toml
    /// rule = "MON001"
    /// feature = "chat-memory"   # MON001 passes for chat-memory
    /// ```
    ///
    /// ## Fix
    /// Delete the waiver.
    WAIVER_UNUSED, WAIVER_UNUSED_CHECK = ("PL022", "waiver-unused", Warning);
}
