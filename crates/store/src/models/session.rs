use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};

use crate::columns::{text_enum, DbInstant};
use crate::models::Role;
use crate::schema::{session_status_history, sessions};

text_enum! {
    /// A session's status (FHIR `Appointment.status` where one exists).
    pub enum SessionStatus {
        /// Holds a chair.
        Booked => "booked",
        /// The patient arrived (FHIR `checked-in`).
        CheckedIn => "checked_in",
        /// Dosed and monitored (FHIR `fulfilled`).
        Completed => "completed",
        /// Arrived but not treated (e.g. blood pressure too high).
        NotDosed => "not_dosed",
        /// Cancelled; frees the chair.
        Cancelled => "cancelled",
        /// Did not come; frees the chair.
        NoShow => "no_show",
        /// Should never have existed; frees the chair.
        EnteredInError => "entered_in_error",
    }
}

impl SessionStatus {
    /// Live sessions hold their chair and their patient: no other live
    /// session may overlap them.
    pub const LIVE: [SessionStatus; 4] = [
        SessionStatus::Booked,
        SessionStatus::CheckedIn,
        SessionStatus::Completed,
        SessionStatus::NotDosed,
    ];

    /// Whether this status holds the chair.
    pub fn is_live(self) -> bool {
        SessionStatus::LIVE.contains(&self)
    }

    pub(crate) fn live_texts() -> [&'static str; 4] {
        SessionStatus::LIVE.map(SessionStatus::as_str)
    }
}

/// One session of a course: a chair interval for one patient.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = sessions)]
pub struct Session {
    /// Id.
    pub id: i64,
    /// The clinic.
    pub clinic_id: i64,
    /// The course.
    pub course_id: i64,
    /// The patient.
    pub patient_id: i64,
    /// The protocol phase.
    pub phase_index: i32,
    /// Position in the phase (0-based).
    pub sequence: i32,
    /// The chair.
    pub chair_id: i64,
    /// Start of the chair interval (pre-dose check), UTC.
    #[diesel(deserialize_as = DbInstant)]
    pub starts_at: DateTime<Utc>,
    /// End of the chair interval (end of monitoring), UTC, exclusive.
    #[diesel(deserialize_as = DbInstant)]
    pub ends_at: DateTime<Utc>,
    /// Status.
    pub status: SessionStatus,
    /// Why it was moved, cancelled, not dosed…
    pub reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// When last changed.
    #[diesel(deserialize_as = DbInstant)]
    pub updated_at: DateTime<Utc>,
}

/// A session the engine planned, to be inserted as `booked`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSession {
    /// The protocol phase.
    pub phase_index: i32,
    /// Position in the phase.
    pub sequence: i32,
    /// The chair.
    pub chair_id: i64,
    /// Chair interval start, UTC (stored to the second).
    pub starts_at: DateTime<Utc>,
    /// Chair interval end, UTC, exclusive (stored to the second).
    pub ends_at: DateTime<Utc>,
}

/// One status change of a session, kept forever.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = session_status_history)]
pub struct StatusChange {
    /// Id.
    pub id: i64,
    /// The clinic.
    pub clinic_id: i64,
    /// The session.
    pub session_id: i64,
    /// Status before (`None` for the creation).
    pub from_status: Option<SessionStatus>,
    /// Status after.
    pub to_status: SessionStatus,
    /// Why.
    pub reason: Option<String>,
    /// The key that changed it.
    pub key_id: Option<i64>,
    /// The role it acted in.
    pub role: Role,
    /// When.
    #[diesel(deserialize_as = DbInstant)]
    pub at: DateTime<Utc>,
}
