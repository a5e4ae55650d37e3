//! Parsed files with spans: configuration, feature manifests, playbooks,
//! policies, sign-offs, waivers and safety debt, plus the loader that reads them all from
//! a snapshot and collects every problem in one pass.

mod line_index;
pub mod tree;

pub use line_index::{LineIndex, Position, char_to_byte, floor_char_boundary};
pub mod allowed_signers;
pub mod config;
pub mod debt;
pub mod digest;
pub mod feature;
pub mod playbook;
pub mod policy;
pub mod read;
pub mod risk;
pub mod signoff;
pub mod workspace;
