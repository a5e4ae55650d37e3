declare_check! {
    /// ## What it checks
    /// A change deletes a sign-off file.
    ///
    /// ## Why it matters
    /// Removing an approval is a decision too; a pull request that quietly drops a no-go or a condition deserves a reviewer's attention.
    ///
    /// ## Example
    /// ```text
    /// git rm features/x/signoffs/legal-counsel.toml
    /// ```
    ///
    /// ## Fix
    /// Keep the sign-off, or make sure the removal is intended and reviewed by the role.
    SIGNOFF_REMOVED, SIGNOFF_REMOVED_CHECK = ("PL030", "signoff-removed", Warning);
}
