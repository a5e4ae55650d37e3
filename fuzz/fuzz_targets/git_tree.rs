//! The git tree reader: any bytes as a raw tree object. Listings come from
//! clones of other people's repositories; a malformed one must be refused,
//! never read past its end.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = policy_lint::source::git::parse_tree_object(data);
});
