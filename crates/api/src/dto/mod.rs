//! The wire format: request and response bodies, documented for OpenAPI.
//!
//! Domain values — statuses, protocols, policies, settings, opening hours,
//! preferences, rules — are the engine's own types, which describe
//! themselves for OpenAPI (the engine's `openapi` feature): one definition,
//! whether it is planned with, stored or sent. These are the resources
//! around them: views with ids and clinic-local times, and request bodies,
//! which refuse unknown fields.

pub mod api_key;
pub mod backfill;
pub mod clinic;
pub mod clinical;
pub mod common;
pub mod course;
pub mod import;
pub mod monitoring;
pub mod patient;
pub mod protocol;
pub mod reminder;
pub mod session;
pub mod staff;
pub mod webhook;
