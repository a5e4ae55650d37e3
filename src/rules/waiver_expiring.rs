declare_check! {
    /// ## What it checks
    /// A waiver expires in fewer than `[waivers] warn_days` days (default 14; `0` turns this
    /// advance warning off). It is reported in every mode and for every feature, touched or not: an
    /// expiry is an event of time, not of a change, so a pull request check warns before the
    /// gate the waiver holds open reopens. Once the waiver has expired, a check that leaves its
    /// feature out (a change that does not touch it) keeps warning that the gate is open again;
    /// where the feature is checked, the expiry is an error (PL021). The pre-commit hook never
    /// turns it into a note as it does other findings HEAD already has.
    ///
    /// ## Why it matters
    /// When a waiver lapses, the violation it covered becomes an error again, usually on the
    /// day a team wants to ship something else. A warning ahead of time leaves room to fix
    /// the violation or to renew the waiver with a fresh approval.
    ///
    /// ## Example
    /// ```toml
    /// rule = "MON001"
    /// feature = "enterprise-file-upload"
    /// expires = 2026-12-05    # five days from today
    /// ```
    ///
    /// ## Fix
    /// Fix the violation and delete the waiver, or renew it: a member of the approving role
    /// sets a new `expires` and commits it (`policy waive … --expires DATE`).
    WAIVER_EXPIRING, WAIVER_EXPIRING_CHECK = ("PL037", "waiver-expiring", Warning);
}
