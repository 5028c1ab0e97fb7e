use chrono::{DateTime, NaiveDate, Utc};
use diesel::{Queryable, Selectable};

use crate::columns::{DbInstant, DbOptInstant};
use crate::models::Role;
use crate::schema::{rems_monitoring_forms, session_monitoring, symptom_measures};

pub use chairside_engine::monitoring::{
    MonitoringRecord, RemsForm, RemsFormFields, RemsFormStatus,
};

pub use chairside_engine::suggestion::Instrument;

/// A recorded symptom score.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = symptom_measures)]
pub struct SymptomMeasure {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    /// The course it informs, if any.
    pub course_id: Option<i64>,
    /// The scale.
    pub instrument: Instrument,
    /// The total score.
    pub score: i32,
    /// When the patient was rated.
    #[diesel(deserialize_as = DbInstant)]
    pub measured_at: DateTime<Utc>,
    /// The key that recorded it.
    pub key_id: Option<i64>,
    /// The role it acted in.
    pub role: Role,
    /// When recorded.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
}

/// A new symptom score.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSymptomMeasure {
    pub patient_id: i64,
    /// The course, if any.
    pub course_id: Option<i64>,
    /// The scale.
    pub instrument: Instrument,
    /// The total score.
    pub score: i32,
    /// When the patient was rated.
    pub measured_at: DateTime<Utc>,
}

/// The REMS patient monitoring form due after an esketamine session.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = rems_monitoring_forms)]
pub struct RemsMonitoringForm {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    /// The session it covers (one form per session).
    pub session_id: i64,
    pub patient_id: i64,
    /// Due date (7 calendar days after the session, clinic-local).
    pub due_on: NaiveDate,
    /// When submitted on the REMS portal, if it was.
    #[diesel(deserialize_as = DbOptInstant)]
    pub filed_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// Draft, complete or submitted.
    pub status: RemsFormStatus,
    /// A clinician's answers, over what the session's record pre-fills.
    pub answers: RemsFormFields,
    /// The REMS portal's reference, once submitted.
    pub submission_reference: Option<String>,
    /// The worker announced it due soon.
    pub due_soon_sent: bool,
    /// The worker announced it overdue.
    pub overdue_sent: bool,
}

impl RemsMonitoringForm {
    /// The form as the engine's rules see it.
    pub fn form(&self) -> RemsForm {
        RemsForm {
            status: self.status,
            due_on: self.due_on,
            entered: self.answers.clone(),
            submission_reference: self.submission_reference.clone(),
            submitted_at: self.filed_at,
        }
    }
}

/// What was recorded at one session.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = session_monitoring)]
pub struct SessionMonitoring {
    pub clinic_id: i64,
    pub session_id: i64,
    pub record: MonitoringRecord,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When last changed.
    #[diesel(deserialize_as = DbInstant)]
    pub updated_at: DateTime<Utc>,
}
