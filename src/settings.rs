//! Resolved settings the engine runs with. The binary turns flags and
//! `policy.toml` into one of these; rules never see command-line flags.

use std::collections::BTreeSet;

use crate::model::config::Config;

#[derive(Clone, Debug)]
pub struct Settings {
    /// The date expiry and future-dating are judged against.
    pub today: jiff::civil::Date,
    /// The directory holding `policy.toml`, relative to the repository root,
    /// with a trailing `/` (empty when they are the same). Globs are
    /// relative to it; reported paths are relative to the repository root.
    pub prefix: String,
    pub config: Config,
    /// Which features to report on. `None` reports on all of them.
    pub report_on: Option<BTreeSet<String>>,
    /// Features a change touches only through a playbook they follow: for
    /// them only the playbook checks run and are reported (their own files
    /// did not change, so nothing else about them can have).
    pub playbook_only: BTreeSet<String>,
}

impl Settings {
    pub fn new(config: Config, today: jiff::civil::Date) -> Settings {
        Settings {
            today,
            prefix: String::new(),
            config,
            report_on: None,
            playbook_only: BTreeSet::new(),
        }
    }
}
