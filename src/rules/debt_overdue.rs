declare_check! {
    /// ## What it checks
    /// A safety debt file (`debt/*.toml`, DESIGN §2.10) is still open (no `resolved` date) and
    /// its `due` date has passed, by no more than `[debt] grace_days` (default 30). Once it is
    /// more late than that, the finding is an error instead (PL041). The finding belongs to the
    /// debt's feature: a waiver naming the feature can cover it, and a change that does not
    /// touch the feature does not report it.
    ///
    /// ## Why it matters
    /// Debt is a safety gap a team agreed to close by a date. A date that slips without anyone
    /// noticing turns a tracked, time-boxed gap into a permanent one.
    ///
    /// ## Example
    /// ```toml
    /// feature = "enterprise-file-upload"
    /// title = "Toxicity classifier not yet calibrated for PDFs"
    /// owner = "ana@example.com"
    /// due = 2026-11-20        # ten days before today
    /// severity = "high"
    /// ```
    ///
    /// ## Fix
    /// Close the gap and set `resolved = <the day it was closed>`, or have the owner agree a
    /// new `due` date in the same file.
    DEBT_OVERDUE, DEBT_OVERDUE_CHECK = ("PL040", "debt-overdue", Warning);
}
