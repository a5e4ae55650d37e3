declare_check! {
    /// ## What it checks
    /// A change (staged, or in base..head) modifies a playbook or a policy without raising its `version`, or lowers it.
    ///
    /// ## Why it matters
    /// Sign-offs and feature references name a version. Changing content under the same version silently changes what was approved and what squads follow.
    ///
    /// ## Example
    /// ```toml
    /// # playbooks/red-team.md changed its exit criteria
    /// version = 3   # still 3 at the base
    /// ```
    ///
    /// ## Fix
    /// Raise `version` (a policy's major version when the change invalidates existing sign-offs).
    VERSION_NOT_RAISED, VERSION_NOT_RAISED_CHECK = ("PL026", "version-not-raised", Error);
}
