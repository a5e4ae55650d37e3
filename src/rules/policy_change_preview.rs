declare_check! {
    /// ## What it checks
    /// In range mode (`--base`), a change that edits, adds or deletes a policy is judged by
    /// the policies of the merge-base, so it cannot relax its own judge. This note previews
    /// the other side: once the change carries its policy owners' go (no PL027), its own
    /// version of the policies is also run against every feature at the head commit, and
    /// for each rule whose decision the change alters, one note per direction names the
    /// features that would start or stop failing it after the merge (`after this change, 2
    /// features would fail LG004 (new rule): `upload`, `chat``; ten ids, then a count).
    /// Before the owners' go, one note says the preview waits for it: rules written in a pull
    /// request are compiled and validated, not run on every feature. Live waivers are taken
    /// into account. Notes never change the exit code.
    ///
    /// ## Why it matters
    /// A policy pull request touches no feature, so its check says nothing about the
    /// features it will block or release once merged: reviewers learn the impact from the
    /// next unrelated change that fails. The preview puts it on the pull request.
    ///
    /// ## Example
    /// ```toml
    /// [[rules]]                          # added by the pull request
    /// code = "LG004"
    /// title = "Features that take files have a retention limit"
    /// when = '"files" in feature.inputs'
    /// assert = 'has(feature.retention_days)'
    /// ```
    ///
    /// ## Fix
    /// Nothing to fix: read the notes before approving the policy change, and tell the owners
    /// of the features that would start failing. Only changed rules are evaluated, but on
    /// every feature, so a policy change costs as much as a check of the whole tree.
    POLICY_CHANGE_PREVIEW, POLICY_CHANGE_PREVIEW_CHECK = ("PL038", "policy-change-preview", Note);
}
