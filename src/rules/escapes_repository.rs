declare_check! {
    /// ## What it checks
    /// A file matched by the configured paths is a symbolic link that leads outside the repository (or nowhere), or a configured path is absolute or climbs out with `..`.
    ///
    /// ## Why it matters
    /// A checker that follows links out of the repository checks content the review never saw, and can be pointed at any file on the machine.
    ///
    /// ## Example
    /// ```text
    /// features/x/feature.toml -> /etc/passwd
    /// ```
    ///
    /// ## Fix
    /// Replace the link with the file itself, or keep globs inside the repository.
    ESCAPES_REPOSITORY, ESCAPES_REPOSITORY_CHECK = ("PL024", "escapes-repository", Error);
}
