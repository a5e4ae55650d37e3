declare_check! {
    /// ## What it checks
    /// With `signoff.verify_authors` on, the commit that last changed a sign-off (or a waiver) was authored by someone who is not a member of the sign-off's role (or the waiver's `approved_by` role). For staged files, the identity about to commit is checked.
    ///
    /// ## Why it matters
    /// Anyone can type another person's email into `signer`; the commit author is the evidence of who actually recorded the decision.
    ///
    /// ## Example
    /// ```text
    /// features/x/signoffs/legal-counsel.toml committed by intern@example.com
    /// ```
    ///
    /// ## Fix
    /// Have a member of the role commit the sign-off (`policy sign` then `git commit`), or fix the role's members in policy.toml.
    AUTHOR_NOT_MEMBER, AUTHOR_NOT_MEMBER_CHECK = ("PL028", "author-not-member", Error);
}
