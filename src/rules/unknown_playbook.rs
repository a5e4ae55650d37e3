declare_check! {
    /// ## What it checks
    /// A feature's `playbooks` entry names a playbook id that does not exist, a version newer than the playbook's, or is not written `id@version`.
    ///
    /// ## Why it matters
    /// A feature claims to follow a process that does not exist; reviewers would trust a claim nobody can check.
    ///
    /// ## Example
    /// ```toml
    /// playbooks = ["red-teem@3"]
    /// ```
    ///
    /// ## Fix
    /// Reference an existing playbook as `id@version`, e.g. `red-team@3`.
    UNKNOWN_PLAYBOOK, UNKNOWN_PLAYBOOK_CHECK = ("PL013", "unknown-playbook", Error);
}
