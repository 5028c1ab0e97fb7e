//! The wire format: request and response bodies, documented for OpenAPI.
//!
//! These types are the API's contract. They mirror engine and store types
//! on purpose: the contract changes only when we say so, not when an
//! internal type does. Request bodies refuse unknown fields.

pub mod clinic;
pub mod clinical;
pub mod common;
pub mod course;
pub mod patient;
pub mod protocol;
pub mod reminder;
pub mod session;
pub mod webhook;
