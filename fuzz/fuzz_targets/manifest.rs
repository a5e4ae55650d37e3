//! Manifest load and validation: any bytes as `features/x/feature.toml`,
//! through the whole engine (default pack) and every output format.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::check(vec![("features/x/feature.toml".into(), data.to_vec())]);
});
