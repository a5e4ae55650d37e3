declare_check! {
    /// ## What it checks
    /// A playbook's `applies_when` holds for a feature, but the feature does not list the playbook in `playbooks`.
    ///
    /// ## Why it matters
    /// Playbooks are the squads' shared safety process; one that applies and is not followed is a skipped gate.
    ///
    /// ## Example
    /// ```toml
    /// harm_categories = ["malware"]
    /// playbooks = []   # red-team applies to malware
    /// ```
    ///
    /// ## Fix
    /// Follow the playbook and add `"<id>@<version>"` to the feature's `playbooks`.
    PLAYBOOK_NOT_FOLLOWED, PLAYBOOK_NOT_FOLLOWED_CHECK = ("PL015", "playbook-not-followed", Error);
}
