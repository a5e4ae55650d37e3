declare_check! {
    /// ## What it checks
    /// A feature declares a `risk_tier` lower than the tier its risk review scores put it in.
    /// With `[risk.weights]` in policy.toml, a feature's computed risk score is the weighted mean
    /// of the 1-5 scores in its `[risk]` table, rounded to two decimals (half away from zero),
    /// and its computed tier is the highest tier of `[risk.tiers]` whose threshold the score
    /// reaches (defaults: medium 2.0, high 3.0, critical 4.0; below medium, `low`). The
    /// finding sits on `risk_tier`, shows the arithmetic, and points at the weights. In range
    /// mode the weights and thresholds are the merge-base's: a change cannot lower its own tier
    /// by editing them.
    ///
    /// ## Why it matters
    /// The tier decides which gates apply: a high or critical feature needs red-teaming,
    /// mitigations and tighter monitoring. A tier written by hand below what the scores say
    /// skips those gates without anyone deciding to.
    ///
    /// ## Example
    /// ```toml
    /// # policy.toml
    /// [risk.weights]
    /// evasion_potential = 0.6
    /// systemic_amplification = 0.4
    ///
    /// # features/upload/feature.toml
    /// risk_tier = "medium"      # 0.6×4 + 0.4×3 = 3.6 ≥ high 3.0
    /// [risk]
    /// evasion_potential = 4
    /// systemic_amplification = 3
    /// ```
    ///
    /// ## Fix
    /// Raise `risk_tier` to the computed tier (or higher), and meet the gates it brings. If a
    /// score is wrong, correct it in `[risk]` with the review that backs it; sign-offs on the
    /// feature go stale either way and are renewed by the panel.
    RISK_TIER_BELOW_COMPUTED, RISK_TIER_BELOW_COMPUTED_CHECK = ("PL039", "risk-tier-below-computed", Error);
}
