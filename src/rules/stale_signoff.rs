declare_check! {
    /// ## What it checks
    /// A sign-off's `digest` no longer matches its subject's content (minus `signoff.digest_excludes`), or the policy it was made under has a new major version.
    ///
    /// ## Why it matters
    /// A sign-off approves what the signer saw. When the meaning of the feature changes after signing, the approval no longer covers it. Stale sign-offs do not satisfy `require_signoffs`.
    ///
    /// ## Example
    /// ```text
    /// risk_tier changed from "medium" to "high" after legal-counsel signed
    /// ```
    ///
    /// ## Fix
    /// Ask the role to review again and re-sign with `policy sign <feature> --role <role>`.
    STALE_SIGNOFF, STALE_SIGNOFF_CHECK = ("PL017", "stale-signoff", Warning);
}
