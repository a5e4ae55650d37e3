declare_check! {
    /// ## What it checks
    /// A file matched by the configured paths is not UTF-8 text (invalid UTF-8, or NUL bytes that mark a binary file).
    ///
    /// ## Why it matters
    /// TOML and Markdown must be UTF-8; a binary or mis-encoded file would otherwise be skipped and its gates lost.
    ///
    /// ## Example
    /// ```text
    /// features/ocr/feature.toml saved as UTF-16 by an editor
    /// ```
    ///
    /// ## Fix
    /// Re-save the file as UTF-8, or move binary files out of the configured paths.
    INVALID_ENCODING, INVALID_ENCODING_CHECK = ("PL002", "invalid-encoding", Error);
}
