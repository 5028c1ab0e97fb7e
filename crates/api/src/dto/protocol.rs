//! Protocols: the engine's [`Protocol`](chairside_engine::Protocol) is the
//! definition on the wire (schema `ProtocolDefinition`); these are the
//! resource around it.

use chairside_engine::Protocol;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A protocol the clinic can start courses on.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProtocolView {
    /// Id.
    pub id: i64,
    /// Stable code (`iv-ketamine-standard`, `esketamine-nasal`, or the clinic's own).
    pub code: String,
    /// Revision new courses get; a course keeps the revision it started with.
    pub revision: i32,
    /// The content.
    pub definition: Protocol,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// A new custom protocol.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProtocol {
    /// Stable code, unique in the clinic: lowercase letters, digits, dashes.
    #[schema(example = "iv-ketamine-twice-weekly", pattern = "^[a-z0-9-]{3,64}$")]
    pub code: String,
    /// The content, validated.
    pub definition: Protocol,
}
