//! Held times, offers of freed chair time, and the waiting list.

use chairside_engine::backfill::{OfferKind, OfferStatus, WaitingStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dto::session::{At, LocalTimes, NextBest};

/// Hold a session's new time for a few minutes while the patient decides.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": {"local_start": "2026-03-10T09:00"}, "minutes": 10}))]
pub struct HoldTime {
    /// The new time (exclusive with `next_best`).
    #[serde(default)]
    pub to: Option<At>,
    /// Chair for `to` (default: the first free suitable chair).
    #[serde(default)]
    pub chair_id: Option<i64>,
    /// The earliest day that keeps the phase's rules.
    #[serde(default)]
    pub next_best: Option<NextBest>,
    /// How long to hold it, 1 to 30 minutes.
    #[schema(minimum = 1, maximum = 30, example = 10)]
    pub minutes: i64,
}

/// A time held for a session's move: its chair is taken for anyone else
/// until `held_until`; confirming moves the session there.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HeldTimeView {
    /// The session it would move.
    pub session_id: i64,
    pub course_id: i64,
    pub chair_id: i64,
    /// The chair interval held (UTC).
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The same in the clinic's zone.
    pub local: LocalTimes,
    /// When the hold runs out.
    pub held_until: DateTime<Utc>,
}

/// Freed chair time offered to the one who gains most from it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OfferView {
    pub id: i64,
    /// Who it is for: `rescue` (an at-risk course it brings back inside its
    /// rules), `earlier` (a course's next session moving earlier),
    /// `first_course` (a patient on the waiting list).
    pub kind: OfferKind,
    pub status: OfferStatus,
    pub chair_id: i64,
    /// The chair interval offered (UTC), and in the clinic's zone.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub local: LocalTimes,
    /// The chair time that was freed.
    pub freed_start: DateTime<Utc>,
    pub freed_end: DateTime<Utc>,
    /// The course that gains.
    pub course_id: i64,
    /// The session that moves there (`earlier`, or a `rescue` by a move).
    pub session_id: Option<i64>,
    /// The waiting-list entry (`first_course`).
    pub waitlist_id: Option<i64>,
    /// When the offer runs out: the time goes to the next in line.
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// When it was accepted, declined or ran out.
    pub decided_at: Option<DateTime<Utc>>,
}

/// Which offers to list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OfferQuery {
    /// Only offers in this status.
    pub status: Option<OfferStatus>,
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Put a patient on the waiting list for a first course.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"patient_id": 12, "protocol_id": 1}))]
pub struct JoinWaitlist {
    pub patient_id: i64,
    /// The protocol the course will follow (its current revision when booked).
    pub protocol_id: i64,
}

/// A patient waiting for a first course. Their preferences are the
/// patient's own (`PATCH /patients/{id}`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WaitingView {
    pub id: i64,
    pub patient_id: i64,
    pub protocol_id: i64,
    /// On the list since.
    pub since: DateTime<Utc>,
    pub status: WaitingStatus,
    /// Their course, once offered (held) or booked.
    pub course_id: Option<i64>,
}

/// Which waiting-list entries to list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WaitlistQuery {
    /// Only entries in this status.
    pub status: Option<WaitingStatus>,
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}
