declare_check! {
    /// ## What it checks
    /// An entry of a feature's `harm_categories` is not one of `taxonomy.harm_categories` in policy.toml.
    ///
    /// ## Why it matters
    /// Red-team and playbook requirements key on harm categories; a typo silently exempts the feature from them.
    ///
    /// ## Example
    /// ```toml
    /// harm_categories = ["malwre"]
    /// ```
    ///
    /// ## Fix
    /// Use a category from the taxonomy (the diagnostic suggests the closest), or add the category to the taxonomy.
    UNKNOWN_HARM_CATEGORY, UNKNOWN_HARM_CATEGORY_CHECK = ("PL006", "unknown-harm-category", Error);
}
