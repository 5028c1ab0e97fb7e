use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};
use serde_json::Value;

use crate::columns::{text_enum, DbInstant, DbJson, DbOptJson};
use crate::models::Role;
use crate::schema::{booster_policy_changes, courses};

text_enum! {
    /// Where a course stands.
    pub enum CourseStatus {
        /// Sessions are being booked and given.
        Active => "active",
        /// Paused by a clinician; no new sessions.
        Paused => "paused",
        /// Finished as planned.
        Completed => "completed",
        /// Ended early.
        Ceased => "ceased",
    }
}

/// A course of treatment: a patient on one exact protocol revision.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = courses)]
pub struct Course {
    /// Id.
    pub id: i64,
    /// The clinic.
    pub clinic_id: i64,
    /// The patient.
    pub patient_id: i64,
    /// The protocol revision the course started with.
    pub protocol_version_id: i64,
    /// Status.
    pub status: CourseStatus,
    /// Index of the current phase in the protocol.
    pub current_phase: i32,
    /// The clinician's booster policy (JSON), once set.
    #[diesel(deserialize_as = DbOptJson)]
    pub booster_policy: Option<Value>,
    /// Why the course is at risk (its window can no longer be kept), if so.
    pub at_risk_reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// When last changed.
    #[diesel(deserialize_as = DbInstant)]
    pub updated_at: DateTime<Utc>,
    /// Sessions of the current phase numbered at or below this belong to a
    /// series that was restarted: they no longer count towards it.
    pub series_start_sequence: i32,
}

/// A new course.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCourse {
    /// The clinic.
    pub clinic_id: i64,
    /// The patient.
    pub patient_id: i64,
    /// The protocol revision.
    pub protocol_version_id: i64,
    /// Initial booster policy (JSON), if any.
    pub booster_policy: Option<Value>,
}

/// A change to a course's state; `None` fields stay as they are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CourseUpdate {
    /// New status.
    pub status: Option<CourseStatus>,
    /// New current phase.
    pub current_phase: Option<i32>,
    /// Set (`Some(Some(reason))`) or clear (`Some(None)`) the at-risk flag.
    pub at_risk_reason: Option<Option<String>>,
}

/// One change of a course's booster policy, kept forever.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = booster_policy_changes)]
pub struct BoosterPolicyChange {
    /// Id.
    pub id: i64,
    /// The clinic.
    pub clinic_id: i64,
    /// The course.
    pub course_id: i64,
    /// The key that changed it.
    pub key_id: Option<i64>,
    /// The role it acted in.
    pub role: Role,
    /// The policy before (JSON).
    #[diesel(deserialize_as = DbOptJson)]
    pub old_policy: Option<Value>,
    /// The policy after (JSON).
    #[diesel(deserialize_as = DbJson)]
    pub new_policy: Value,
    /// Why.
    pub reason: String,
    /// The clinician overrode the protocol's floor.
    pub floor_overridden: bool,
    /// When.
    #[diesel(deserialize_as = DbInstant)]
    pub changed_at: DateTime<Utc>,
}
