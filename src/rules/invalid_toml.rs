declare_check! {
    /// ## What it checks
    /// A file that `policy` reads (configuration, manifest, policy, sign-off, waiver or playbook front matter) is not valid TOML.
    ///
    /// ## Why it matters
    /// A file that cannot be parsed cannot be checked: every gate it carries would silently be skipped.
    ///
    /// ## Example
    /// ```toml
    /// id = "chat-memory"
    /// stage = "review
    /// ```
    ///
    /// ## Fix
    /// Fix the syntax at the marked position (here: close the string).
    INVALID_TOML, INVALID_TOML_CHECK = ("PL001", "invalid-toml", Error);
}
