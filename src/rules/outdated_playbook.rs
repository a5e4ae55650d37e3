declare_check! {
    /// ## What it checks
    /// A feature follows an older version of a playbook than the current one.
    ///
    /// ## Why it matters
    /// Playbooks are raised when the process changes; a feature that follows an old version skipped whatever was added since.
    ///
    /// ## Example
    /// ```toml
    /// playbooks = ["file-handling@1"]   # playbooks/file-handling.md is at version 2
    /// ```
    ///
    /// ## Fix
    /// Review the playbook's changes, follow the current version, and update the reference.
    OUTDATED_PLAYBOOK, OUTDATED_PLAYBOOK_CHECK = ("PL014", "outdated-playbook", Warning);
}
