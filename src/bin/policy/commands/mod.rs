//! One module per subcommand.

pub mod audit;
pub mod completions;
pub mod explain;
pub mod hook;
pub mod init;
pub mod lint;
pub mod schema;
pub mod sign;
pub mod status;
pub mod waive;
