declare_check! {
    /// ## What it checks
    /// A safety debt file is still open and more than `[debt] grace_days` (default 30) days
    /// past its `due` date. Until then, an overdue debt is a warning (PL040). The finding
    /// belongs to the debt's feature.
    ///
    /// ## Why it matters
    /// The grace period is the slack a team allows itself; past it, the gap is no longer
    /// managed and the feature should not pass its checks as if it were.
    ///
    /// ## Example
    /// ```toml
    /// feature = "enterprise-file-upload"
    /// title = "No abuse monitoring on shared links"
    /// owner = "ana@example.com"
    /// due = 2026-09-01        # 90 days before today, with grace_days = 30
    /// severity = "medium"
    /// ```
    ///
    /// ## Fix
    /// Close the gap and set `resolved`, or have the owner agree a new `due` date. A
    /// repository that needs more slack raises `[debt] grace_days` in `policy.toml`.
    DEBT_PAST_GRACE, DEBT_PAST_GRACE_CHECK = ("PL041", "debt-past-grace", Error);
}
