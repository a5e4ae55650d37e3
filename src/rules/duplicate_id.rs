declare_check! {
    /// ## What it checks
    /// Two feature manifests, two playbooks or two policies declare the same id. Both places are shown.
    ///
    /// ## Why it matters
    /// Sign-offs, waivers and playbook references resolve by id; with two owners of one id they would apply to whichever is read first.
    ///
    /// ## Example
    /// ```toml
    /// features/a/upload/feature.toml and features/b/upload/feature.toml both with id = "upload"
    /// ```
    ///
    /// ## Fix
    /// Give each one a unique id.
    DUPLICATE_ID, DUPLICATE_ID_CHECK = ("PL008", "duplicate-id", Error);
}
