declare_check! {
    /// ## What it checks
    /// A policy's `when` or `assert`, or a playbook's `applies_when`, is not a valid CEL expression, or it names a variable that does not exist.
    ///
    /// ## Why it matters
    /// An expression that cannot compile cannot gate anything. It is a configuration error: the run stops with exit code 2 rather than pass without the rule.
    ///
    /// ## Example
    /// ```toml
    /// when = "feature.stage = 'launched'"   # `=` instead of `==`
    /// ```
    ///
    /// ## Fix
    /// Fix the expression at the marked position. Variables are `feature`, `base`, `signoffs`, `playbooks` and `today`.
    INVALID_EXPRESSION, INVALID_EXPRESSION_CHECK = ("PL010", "invalid-expression", Error);
}
