//! Courses: a patient on a protocol, and their sessions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use chairside_engine::course::{AtRisk, CourseStatus};
use chairside_engine::{BoosterPolicy, PatientPreferences};

use super::common::in_calendar;
use super::session::{At, PlannedSessionView, SessionView};

/// Plan (preview) or book a course's first phase.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"patient_id": 1, "protocol_id": 1, "earliest": "2026-03-02"}))]
pub struct PlanCourse {
    pub patient_id: i64,
    /// The protocol (its current revision is used and kept by the course).
    pub protocol_id: i64,
    /// No session before this clinic-local date (today at the earliest: a
    /// date in the past is refused, never moved silently).
    #[serde(deserialize_with = "in_calendar")]
    pub earliest: NaiveDate,
    /// The first session must fall within this many days of `earliest` (default 28).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 366)]
    pub first_within_days: Option<u32>,
    /// Preferences for this plan; default: the patient's own.
    #[serde(default)]
    pub preferences: Option<PatientPreferences>,
    /// Hold the plan this many minutes (1 to 30) while the patient decides
    /// (a portal): its sessions hold their chairs like bookings; confirm it
    /// (`…/confirm`) or it is released. Absent: book it now.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 30)]
    pub hold_minutes: Option<i64>,
}

/// A plan the engine proposes (nothing is booked).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CoursePlan {
    /// The phase planned.
    pub phase: i32,
    /// The protocol revision planned with.
    pub protocol_revision: i32,
    pub sessions: Vec<PlannedSessionView>,
}

/// A course with its sessions.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CourseView {
    /// Id.
    pub id: i64,
    pub patient_id: i64,
    pub protocol_id: i64,
    /// The protocol revision the course follows.
    pub protocol_revision: i32,
    pub status: CourseStatus,
    /// Index of the current phase.
    pub current_phase: i32,
    /// The booster policy in force (the protocol's default until a clinician changes it).
    pub booster_policy: Option<BoosterPolicy>,
    /// Present when the course is at risk.
    pub at_risk: Option<AtRisk>,
    /// Held for a portal until then: confirm it or it is released.
    pub held_until: Option<DateTime<Utc>>,
    /// Every session, in time order.
    pub sessions: Vec<SessionView>,
    /// When booked.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// Add one session to a course at a chosen time.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"at": {"start": "2026-03-23T10:00:00-04:00"}, "chair_id": 1}))]
pub struct AddSession {
    /// When.
    pub at: At,
    /// Which chair (default: the first free suitable one).
    #[serde(default)]
    pub chair_id: Option<i64>,
    /// A clinician may book outside the protocol's rules with a reason.
    #[serde(default)]
    pub override_reason: Option<String>,
}
