//! Policies: any bytes as `policies/p.toml`, parsed, every expression
//! compiled under the limits and evaluated on features under the budget.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

const FEATURE: &str = "id = \"x\"\ntitle = \"X\"\nstage = \"launched\"\nrisk_tier = \"critical\"\nharm_categories = [\"malware\"]\ntags = [\"a\", \"b\", \"c\"]\n[metrics.m]\nmeasured = 0.5\ntarget = 0.9\n[monitoring]\ntoxicity = { max = 0.5 }\n";

fuzz_target!(|data: &[u8]| {
    common::check(vec![
        ("policies/p.toml".into(), data.to_vec()),
        ("features/x/feature.toml".into(), FEATURE.as_bytes().to_vec()),
    ]);
});
