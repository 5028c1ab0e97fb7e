use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};

use crate::columns::{DbInstant, DbOptInstant};
use crate::models::Role;
use crate::schema::{session_status_history, sessions};

pub use chairside_engine::course::SessionStatus;

/// The words of the live statuses, for the store's queries.
pub(crate) fn live_words() -> [&'static str; 4] {
    SessionStatus::LIVE.map(SessionStatus::as_str)
}

/// One session of a course: a chair interval for one patient.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = sessions)]
pub struct Session {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    pub course_id: i64,
    pub patient_id: i64,
    /// The protocol phase.
    pub phase_index: i32,
    /// Position among the phase's sessions in time order (1-based).
    pub sequence: i32,
    pub chair_id: i64,
    /// Start of the chair interval (pre-dose check), UTC.
    #[diesel(deserialize_as = DbInstant)]
    pub starts_at: DateTime<Utc>,
    /// End of the chair interval (end of monitoring), UTC, exclusive.
    #[diesel(deserialize_as = DbInstant)]
    pub ends_at: DateTime<Utc>,
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
    /// A clinician omitted this dose.
    pub omitted: bool,
    /// The patient cancelled it inside the late-cancellation notice.
    pub late_cancellation: bool,
    /// When the patient confirmed it.
    #[diesel(deserialize_as = DbOptInstant)]
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The id another system gave it (an import), unique in the clinic.
    pub external_id: Option<String>,
    /// A held time (a portal's, an offer's) until then: it holds its chair
    /// and patient but is not part of its course until confirmed.
    #[diesel(deserialize_as = DbOptInstant)]
    pub held_until: Option<DateTime<Utc>>,
    /// The session a held time would move (absent: a dose it would add).
    pub holds_move_of: Option<i64>,
}

/// The chair time a live session takes, and nothing else: what planning
/// reads for every session of its window (hundreds per booking), so only
/// the columns the engine uses are read and decoded.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct TakenTime {
    /// The session's id.
    pub id: i64,
    pub course_id: i64,
    pub patient_id: i64,
    pub chair_id: i64,
    #[diesel(deserialize_as = DbInstant)]
    pub starts_at: DateTime<Utc>,
    #[diesel(deserialize_as = DbInstant)]
    pub ends_at: DateTime<Utc>,
    pub status: SessionStatus,
    /// Set for a held time (not yet part of its course).
    #[diesel(deserialize_as = DbOptInstant)]
    pub held_until: Option<DateTime<Utc>>,
}

impl From<&Session> for TakenTime {
    fn from(s: &Session) -> TakenTime {
        TakenTime {
            id: s.id,
            course_id: s.course_id,
            patient_id: s.patient_id,
            chair_id: s.chair_id,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            status: s.status,
            held_until: s.held_until,
        }
    }
}

/// One status change of a session, kept forever.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = session_status_history)]
pub struct StatusChange {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
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
