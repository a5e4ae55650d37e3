//! Playbooks: any bytes as `playbooks/p.md` (front matter, Markdown body,
//! required sections, an `applies_when` evaluated on a feature).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

const FEATURE: &str = "id = \"x\"\ntitle = \"X\"\nstage = \"review\"\nrisk_tier = \"high\"\nharm_categories = [\"malware\", \"privacy\"]\nplaybooks = [\"p@1\"]\n";

fuzz_target!(|data: &[u8]| {
    common::check(vec![
        ("playbooks/p.md".into(), data.to_vec()),
        ("features/x/feature.toml".into(), FEATURE.as_bytes().to_vec()),
    ]);
});
