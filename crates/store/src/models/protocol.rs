use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};

use crate::columns::DbInstant;
use crate::schema::{protocol_versions, protocols};

/// A protocol of the clinic (a preset copied in, or the clinic's own).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = protocols)]
pub struct Protocol {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    /// Short code, unique in the clinic (`iv-ketamine-standard`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// The newest revision.
    pub latest_revision: i32,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// When last changed.
    #[diesel(deserialize_as = DbInstant)]
    pub updated_at: DateTime<Utc>,
}

/// One immutable revision of a protocol; courses point at one.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = protocol_versions)]
pub struct ProtocolVersion {
    /// Id (what a course references).
    pub id: i64,
    pub clinic_id: i64,
    pub protocol_id: i64,
    /// 1, 2, … in the protocol.
    pub revision: i32,
    /// The definition (JSON, the engine's shape): phases and their rules.
    pub definition: chairside_engine::Protocol,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
}
