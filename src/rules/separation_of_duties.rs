declare_check! {
    /// ## What it checks
    /// Separation of duties (`[signoff]`, both on by default). With `no_self_approval`, a sign-off does not count when its signer, or the author of a commit that wrote it, also wrote the content it approves: the feature's current manifest, or the policy or playbook change (or a change of `policy.toml` or the allowed-signers file, or a deletion: its author is whoever deleted). When a check of a change cannot determine who wrote that content (a shallow clone's history stops before it, content merged back in from outside the change, nothing committed yet and no git identity), the sign-off does not count either: it might be the signer's own. With `distinct_signers`, one person cannot give two of the sign-offs one rule requires for one feature: the panel of three roles is three people.
    ///
    /// ## Why it matters
    /// A review is worth something because someone other than the author looked. A product manager who is also listed as legal counsel could otherwise approve their own launch, and one person holding two roles could clear a panel alone.
    ///
    /// ## Example
    /// ```text
    /// features/upload/feature.toml last written by dana@example.com
    /// features/upload/signoffs/legal-counsel.toml signed by dana@example.com
    /// ```
    ///
    /// ## Fix
    /// Another member of the role signs. When the author could not be determined, fetch the full history (`fetch-depth: 0`) or commit the content on the branch being checked, and check again. If the team is too small for that, turn the option off in `policy.toml` on purpose, where the decision is reviewed.
    SEPARATION_OF_DUTIES, SEPARATION_OF_DUTIES_CHECK = ("PL034", "separation-of-duties", Error);
}
