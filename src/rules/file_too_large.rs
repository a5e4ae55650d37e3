declare_check! {
    /// ## What it checks
    /// A file matched by the configured paths is larger than 1 MiB (1,048,576 bytes), the limit for every file `policy` reads.
    ///
    /// ## Why it matters
    /// Manifests, policies and playbooks are small hand-written documents. The limit bounds the work a mistaken or hostile commit can cause, and says so instead of hanging.
    ///
    /// ## Example
    /// ```text
    /// features/dump/feature.toml: a 40 MB generated table
    /// ```
    ///
    /// ## Fix
    /// Keep generated data out of manifests; reference it by path instead.
    FILE_TOO_LARGE, FILE_TOO_LARGE_CHECK = ("PL003", "file-too-large", Error);
}
