//! Backfill's records: chair time a change freed, the waiting list, and
//! offers of freed time.

use chairside_engine::backfill::{OfferKind, OfferStatus, WaitingStatus};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::columns::{DbInstant, DbOptInstant};
use crate::schema::{freed_chair_time, slot_offers, waitlist};

/// Chair time a change freed, waiting for the backfill worker.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = freed_chair_time)]
pub struct Freed {
    pub id: i64,
    pub clinic_id: i64,
    pub chair_id: i64,
    #[diesel(deserialize_as = DbInstant)]
    pub starts_at: DateTime<Utc>,
    #[diesel(deserialize_as = DbInstant)]
    pub ends_at: DateTime<Utc>,
    #[diesel(deserialize_as = DbInstant)]
    pub freed_at: DateTime<Utc>,
}

/// A patient waiting for a first course.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = waitlist)]
pub struct Waiting {
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    /// The protocol they are to start.
    pub protocol_id: i64,
    /// On the list since.
    #[diesel(deserialize_as = DbInstant)]
    pub since: DateTime<Utc>,
    pub status: WaitingStatus,
    /// Their course, once an offer is made or accepted.
    pub course_id: Option<i64>,
    pub version: i64,
}

/// Freed chair time offered to one beneficiary.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = slot_offers)]
pub struct Offer {
    pub id: i64,
    pub clinic_id: i64,
    pub kind: OfferKind,
    /// The chair time offered (the beneficiary's chair time there).
    pub chair_id: i64,
    #[diesel(deserialize_as = DbInstant)]
    pub starts_at: DateTime<Utc>,
    #[diesel(deserialize_as = DbInstant)]
    pub ends_at: DateTime<Utc>,
    /// The chair time that was freed.
    #[diesel(deserialize_as = DbInstant)]
    pub freed_starts_at: DateTime<Utc>,
    #[diesel(deserialize_as = DbInstant)]
    pub freed_ends_at: DateTime<Utc>,
    /// The course that gains.
    pub course_id: i64,
    /// The session that would move earlier (or save the course by moving).
    pub session_id: Option<i64>,
    /// The held time in `sessions` (absent for a waiting patient's held course).
    pub held_session_id: Option<i64>,
    /// The waiting-list entry it is for.
    pub waitlist_id: Option<i64>,
    #[diesel(deserialize_as = DbInstant)]
    pub expires_at: DateTime<Utc>,
    pub status: OfferStatus,
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    #[diesel(deserialize_as = DbOptInstant)]
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// An offer to make.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOffer {
    pub kind: OfferKind,
    pub chair_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub freed_starts_at: DateTime<Utc>,
    pub freed_ends_at: DateTime<Utc>,
    pub course_id: i64,
    pub session_id: Option<i64>,
    pub held_session_id: Option<i64>,
    pub waitlist_id: Option<i64>,
    pub expires_at: DateTime<Utc>,
}
