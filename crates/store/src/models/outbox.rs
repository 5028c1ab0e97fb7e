use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};
use serde_json::Value;

use crate::columns::{DbInstant, DbJson};
use crate::schema::{idempotency_keys, outbox};

/// An event written in the same transaction as the change it announces.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = outbox)]
pub struct OutboxEvent {
    /// Sequence number (increasing; the delivery cursor).
    pub id: i64,
    pub clinic_id: i64,
    /// Globally unique event id (the webhook's `webhook-id`).
    pub event_id: String,
    /// e.g. `course.booked`, `session.cancelled`.
    pub event_type: String,
    /// The aggregate whose events must stay in order (the course id).
    pub aggregate_id: i64,
    /// The payload (JSON).
    #[diesel(deserialize_as = DbJson)]
    pub payload: Value,
    /// When written.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOutboxEvent {
    pub clinic_id: i64,
    /// e.g. `session.cancelled`.
    pub event_type: String,
    /// The course (or other aggregate) id.
    pub aggregate_id: i64,
    pub payload: Value,
}

/// A stored response to a request made with an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRecord {
    /// Id.
    pub id: i64,
    /// The clinic (0 for a request scoped to no clinic).
    pub clinic_id: i64,
    /// The API key that made the request.
    pub key_id: i64,
    /// The client's `Idempotency-Key`.
    pub idempotency_key: String,
    /// Fingerprint of the request (method, path, body hash): a retry with a
    /// different request is refused.
    pub request_fingerprint: String,
    /// The response's HTTP status.
    pub response_status: i32,
    pub response_body: String,
    /// When stored.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
}

/// A response to remember.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIdempotencyRecord {
    /// The clinic, or `None` for a request scoped to no clinic.
    pub clinic_id: Option<i64>,
    /// The API key.
    pub key_id: i64,
    /// The client's key.
    pub idempotency_key: String,
    pub request_fingerprint: String,
    /// HTTP status.
    pub response_status: i32,
    pub response_body: String,
}
