//! One module per subcommand.

pub mod explain;
pub mod hook;
pub mod init;
pub mod lint;
pub mod sign;
