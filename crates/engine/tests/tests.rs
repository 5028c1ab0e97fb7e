//! The engine's integration tests, as one binary: one link instead of one
//! per file (`autotests = false` in Cargo.toml keeps it that way).
//!
//! - `rules`: one test per scheduling rule, on hand-built clinics;
//! - `limits`: dates at the ends of the calendar are refused, not a panic;
//! - `properties`: the planner against an independent oracle, and fuzzing;
//! - `course`: the course decider, rule by rule and against a model.
//!
//! `support` holds what they share: dates and zones, fixture clinics,
//! requests with their usual defaults, and the properties' generators and
//! oracle.

mod support;

mod course;
mod limits;
mod properties;
mod rules;
mod windows;
