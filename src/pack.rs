//! The default policy pack, compiled into the binary. A repository without
//! policy files of its own is checked against it, and `policy init` copies it.

/// `(file name, contents)` of every policy in the pack, sorted by name.
pub const POLICIES: &[(&str, &str)] = &[
    (
        "hypothesis.toml",
        include_str!("../policies/hypothesis.toml"),
    ),
    (
        "launch-gate.toml",
        include_str!("../policies/launch-gate.toml"),
    ),
    (
        "monitoring.toml",
        include_str!("../policies/monitoring.toml"),
    ),
    ("red-team.toml", include_str!("../policies/red-team.toml")),
    ("risk.toml", include_str!("../policies/risk.toml")),
    (
        "stage-order.toml",
        include_str!("../policies/stage-order.toml"),
    ),
];

/// How built-in policy files are named in diagnostics.
pub fn display_path(name: &str) -> String {
    format!("<built-in>/policies/{name}")
}
