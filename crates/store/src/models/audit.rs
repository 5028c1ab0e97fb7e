use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};
use serde_json::Value;

use crate::columns::{DbInstant, DbOptJson};
use crate::models::{Actor, Role};
use crate::schema::audit_log;

/// A row of the append-only audit trail.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRecord {
    /// Id (increasing).
    pub id: i64,
    /// The clinic; `None` for a global action (e.g. an admin key).
    pub clinic_id: Option<i64>,
    /// The key that acted.
    pub key_id: Option<i64>,
    /// The role it acted in.
    pub role: Role,
    /// What was done, e.g. `course.book`, `session.cancel`.
    pub action: String,
    /// The entity's table, e.g. `course`.
    pub entity_type: String,
    pub entity_id: Option<i64>,
    /// State before (JSON), if any.
    #[diesel(deserialize_as = DbOptJson)]
    pub before: Option<Value>,
    /// State after (JSON), if any.
    #[diesel(deserialize_as = DbOptJson)]
    pub after: Option<Value>,
    /// The request's id (`X-Request-Id`).
    pub request_id: Option<String>,
    /// When.
    #[diesel(deserialize_as = DbInstant)]
    pub at: DateTime<Utc>,
}

/// What to append to the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// The clinic, or `None` for a global action.
    pub clinic_id: Option<i64>,
    /// Who.
    pub actor: Actor,
    /// What, e.g. `session.cancel`.
    pub action: String,
    /// The entity's table.
    pub entity_type: String,
    pub entity_id: Option<i64>,
    /// State before.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
    pub request_id: Option<String>,
}
