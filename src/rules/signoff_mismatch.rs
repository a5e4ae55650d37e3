declare_check! {
    /// ## What it checks
    /// A sign-off file disagrees with where it lives or who may sign: its `subject` is not the feature or policy of its directory, its `role` differs from its file name, or its `signer` is not a member of the role.
    ///
    /// ## Why it matters
    /// A sign-off copied from another feature, or made by someone outside the panel, must not count as approval.
    ///
    /// ## Example
    /// ```toml
    /// features/upload/signoffs/legal-counsel.toml with subject = "feature:chat"
    /// ```
    ///
    /// ## Fix
    /// Sign with `policy sign`, which writes the right subject, role and signer.
    SIGNOFF_MISMATCH, SIGNOFF_MISMATCH_CHECK = ("PL020", "signoff-mismatch", Error);
}
