declare_check! {
    /// ## What it checks
    /// A change adds or modifies a policy, and not every role in the policy's `owners` has a fresh go sign-off on the new content under `policies/signoffs/<policy-id>/<role>.toml`.
    ///
    /// ## Why it matters
    /// Policies judge every launch; relaxing one must be a decision of its owners, recorded and bound to the exact new text. In range mode the old policy still judges the change itself.
    ///
    /// ## Example
    /// ```text
    /// policies/launch-gate.toml changed, policies/signoffs/launch-gate/srb.toml missing
    /// ```
    ///
    /// ## Fix
    /// After review, each owner runs `policy sign --policy <policy-id> --role <role>` and commits the file.
    POLICY_CHANGE_UNSIGNED, POLICY_CHANGE_UNSIGNED_CHECK = ("PL027", "policy-change-unsigned", Error);
}
