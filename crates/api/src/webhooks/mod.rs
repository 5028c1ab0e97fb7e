//! Outgoing webhooks, per the Standard Webhooks specification.

pub mod delivery;
pub mod signing;
