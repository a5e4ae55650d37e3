declare_check! {
    /// ## What it checks
    /// A safety debt file that cannot be true: it names a feature id that no manifest has
    /// (with a did-you-mean), or its `resolved` date is after today. Missing fields, a
    /// `severity` outside `low | medium | high | critical`, an `owner` that is not an email
    /// address and dates that are not dates are schema errors (PL004).
    ///
    /// ## Why it matters
    /// Debt binds to a feature by id: debt naming a misspelt id blocks nothing and is reported
    /// on no feature. A resolution dated in the future closes the gap on paper before it is
    /// closed.
    ///
    /// ## Example
    /// ```toml
    /// feature = "enterprise-file-uplod"
    /// resolved = 2027-01-15   # today is 2026-11-30
    /// ```
    ///
    /// ## Fix
    /// Use the feature's `id` from its manifest, and set `resolved` on the day the gap is
    /// closed, not before.
    DEBT_INVALID, DEBT_INVALID_CHECK = ("PL043", "debt-invalid", Error);
}
