declare_check! {
    /// ## What it checks
    /// A required field is missing, a field has the wrong type, or a value is not one of the allowed ones (for example `risk_tier`, `severity`, `decision`, a semver `version`).
    ///
    /// ## Why it matters
    /// Rules test fields by name and type. A misspelt or mistyped field makes a gate evaluate against nothing.
    ///
    /// ## Example
    /// ```toml
    /// id = "chat-memory"
    /// risk_tier = "severe"   # not low | medium | high | critical
    /// ```
    ///
    /// ## Fix
    /// Write the field with the type and one of the values the message names.
    SCHEMA, SCHEMA_CHECK = ("PL004", "schema", Error);
}
