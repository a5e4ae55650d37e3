//! `policy`: a Git-native safety policy checker.
//!
//! The library loads a snapshot of a repository (`source`), parses every file
//! kind with byte spans (`model`), runs the built-in checks (`rules`) and the
//! repository's versioned CEL policies (`engine`), and returns diagnostics as
//! data. Rendering (`report`) turns diagnostics into strings; only the binary
//! prints, parses flags and picks exit codes.

// Diagnostics are the error type of every loader by design; boxing them
// would only add indirection to the cold path.
#![allow(clippy::result_large_err)]

pub mod audit;
pub mod change;
pub mod diagnostic;
pub mod engine;
pub mod model;
pub mod pack;
pub mod report;
pub mod rules;
pub mod schema;
pub mod settings;
pub mod source;
pub mod status;

pub use diagnostic::{Diagnostic, Label, Severity};
pub use settings::Settings;
