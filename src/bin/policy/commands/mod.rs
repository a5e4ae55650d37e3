//! One module per subcommand.

pub mod explain;
pub mod init;
pub mod lint;
pub mod sign;
