declare_check! {
    /// ## What it checks
    /// A waiver's `expires` date has passed. The violation it covered is reported again.
    ///
    /// ## Why it matters
    /// Waivers are time-boxed exceptions; an expired one is a risk acceptance nobody renewed.
    ///
    /// ## Example
    /// ```toml
    /// expires = 2026-01-15
    /// ```
    ///
    /// ## Fix
    /// Fix the violation and delete the waiver, or renew it with a new approval and date.
    WAIVER_EXPIRED, WAIVER_EXPIRED_CHECK = ("PL021", "waiver-expired", Error);
}
