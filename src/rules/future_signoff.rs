declare_check! {
    /// ## What it checks
    /// A sign-off's `date` is after today (or after `--today`).
    ///
    /// ## Why it matters
    /// A post-dated approval is either a mistake or an attempt to pre-approve; either way it does not record a review that happened.
    ///
    /// ## Example
    /// ```toml
    /// date = 2031-01-01
    /// ```
    ///
    /// ## Fix
    /// Use the date the review happened.
    FUTURE_SIGNOFF, FUTURE_SIGNOFF_CHECK = ("PL018", "future-signoff", Error);
}
