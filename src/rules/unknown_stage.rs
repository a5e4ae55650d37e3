declare_check! {
    /// ## What it checks
    /// A feature's `stage` is not one of `taxonomy.stages` in policy.toml.
    ///
    /// ## Why it matters
    /// Policies gate on stages (`feature.stage == 'launched'`); a stage outside the taxonomy matches no rule, so no gate applies.
    ///
    /// ## Example
    /// ```toml
    /// stage = "lanched"
    /// ```
    ///
    /// ## Fix
    /// Use one of the configured stages (the diagnostic suggests the closest), or add the stage to `taxonomy.stages`.
    UNKNOWN_STAGE, UNKNOWN_STAGE_CHECK = ("PL005", "unknown-stage", Error);
}
