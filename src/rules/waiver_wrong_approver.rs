declare_check! {
    /// ## What it checks
    /// A waiver's `approved_by` is not a role allowed to excuse its rule: an owner role of the policy that defines the rule, or for built-in `PL` codes a role in `[waivers] approvers` of `policy.toml` (default `["srb"]`). Such a waiver excuses nothing.
    ///
    /// ## Why it matters
    /// A waiver switches a gate off for one feature. Only the people who own the gate may do that; otherwise any role with members could excuse any rule, including the Safety Review Board's.
    ///
    /// ## Example
    /// ```text
    /// rule = "LG002"            # defined by launch-gate, owners = ["srb"]
    /// approved_by = "policy-analyst"
    /// ```
    ///
    /// ## Fix
    /// Ask an owner role of the rule's policy to approve the waiver (`approved_by = "srb"`), committed by one of its members.
    WAIVER_WRONG_APPROVER, WAIVER_WRONG_APPROVER_CHECK = ("PL032", "waiver-wrong-approver", Error);
}
