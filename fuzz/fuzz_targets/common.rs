//! An in-memory repository for the fuzz targets: the engine reads through
//! the `Snapshot` seam, so no files are written.

use policy_lint::source::{EntryKind, ReadError, Snapshot, SnapshotEntry};

pub struct Memory(pub Vec<(String, Vec<u8>)>);

impl Snapshot for Memory {
    fn list(&self, prefix: &str) -> Result<Vec<SnapshotEntry>, String> {
        let mut out: Vec<SnapshotEntry> = self
            .0
            .iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(path, _)| SnapshotEntry {
                path: path.clone(),
                kind: EntryKind::File,
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn list_dir(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.0
            .iter()
            .filter_map(|(path, _)| path.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('/'))
            .map(str::to_string)
            .collect()
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        self.0
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| ReadError::Io("missing".into()))
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

/// Loads `files` with the default configuration and runs every check.
pub fn check(files: Vec<(String, Vec<u8>)>) {
    let memory = Memory(files);
    let config = policy_lint::model::config::Config::default();
    let workspace = policy_lint::model::workspace::load(&memory, &memory, "", config.clone());
    let settings = policy_lint::Settings::new(config, jiff::civil::date(2026, 11, 26));
    let outcome = policy_lint::engine::check(&workspace, &settings);
    // Every renderer must take whatever the engine produced.
    let _ = policy_lint::report::human::render(&outcome, false, 100);
    let _ = policy_lint::report::json::render(&outcome);
    let _ = policy_lint::report::sarif::render(&outcome, &workspace.policies);
    let _ = policy_lint::report::github::render(&outcome);
}
