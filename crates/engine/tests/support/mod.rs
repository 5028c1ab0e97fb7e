//! Shared by the property tests: generators and an independent oracle.

pub mod gen;
pub mod oracle;
