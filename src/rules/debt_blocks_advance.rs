declare_check! {
    /// ## What it checks
    /// A change (`--staged`, or `--base REF`) moves a feature to a later stage, in the order of
    /// `taxonomy.stages`, while the feature has open `critical` safety debt past its `due`
    /// date. The error points at the manifest's `stage`, with each blocking debt file's `due`
    /// as a related label. The base's debt counts as it was merged: debt the change deletes,
    /// or whose feature, severity or due date it edits, still blocks; only setting `resolved`
    /// lifts the block in the same change. Tree mode has no base to compare the stage
    /// with, so it reports the debt itself (PL040, PL041) only.
    ///
    /// ## Why it matters
    /// Critical debt is a gap the safety review accepted only for a while. Moving the feature
    /// on (to `cleared` or `launched`) while that while has passed widens its exposure on a
    /// promise already broken.
    ///
    /// ## Example
    /// ```toml
    /// # features/upload/feature.toml, changed from stage = "review"
    /// stage = "cleared"
    /// # debt/upload-pdf.toml
    /// feature = "upload"
    /// severity = "critical"
    /// due = 2026-11-01        # before today, no `resolved`
    /// ```
    ///
    /// ## Fix
    /// Close the gap and set `resolved` in the debt file (in the same change or before it), or
    /// have the owner agree a new `due` date; then advance the stage.
    DEBT_BLOCKS_ADVANCE, DEBT_BLOCKS_ADVANCE_CHECK = ("PL042", "debt-blocks-advance", Error);
}
