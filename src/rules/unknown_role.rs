declare_check! {
    /// ## What it checks
    /// A role named by a policy (`require_signoffs`, `owners`), a sign-off or a waiver (`approved_by`) is not defined under `[roles]` in policy.toml.
    ///
    /// ## Why it matters
    /// A sign-off requirement for a role nobody belongs to can never be met, and one from an unknown role proves nothing.
    ///
    /// ## Example
    /// ```toml
    /// require_signoffs = ["legal"]   # the role is called legal-counsel
    /// ```
    ///
    /// ## Fix
    /// Use a role defined in policy.toml, or define the role with its members.
    UNKNOWN_ROLE, UNKNOWN_ROLE_CHECK = ("PL012", "unknown-role", Error);
}
