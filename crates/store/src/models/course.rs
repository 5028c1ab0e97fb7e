use chairside_engine::course::AtRisk;
use chairside_engine::{BoosterPolicy, Modality};
use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};

use crate::columns::{DbInstant, DbOptInstant};
use crate::models::Role;
use crate::schema::{booster_policy_changes, courses};

pub use chairside_engine::course::CourseStatus;

/// A course of treatment: a patient on one exact protocol revision.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = courses)]
pub struct Course {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    pub patient_id: i64,
    /// The protocol revision the course started with.
    pub protocol_version_id: i64,
    pub status: CourseStatus,
    /// Index of the current phase in the protocol.
    pub current_phase: i32,
    /// The clinician's booster policy, once set.
    pub booster_policy: Option<BoosterPolicy>,
    /// Why the course is at risk (its window can no longer be kept), if so.
    #[diesel(column_name = at_risk_reason)]
    pub at_risk: Option<AtRisk>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// When last changed.
    #[diesel(deserialize_as = DbInstant)]
    pub updated_at: DateTime<Utc>,
    /// The kind of treatment (the protocol's modality): a patient has at
    /// most one active course of each kind, which the database enforces.
    pub modality: Option<Modality>,
    /// When a clinician restarted the current series, if so.
    #[diesel(deserialize_as = DbOptInstant)]
    pub series_started_at: Option<DateTime<Utc>>,
    /// A clinician accepted the current series outside its spacing rules.
    pub extension_accepted: bool,
    /// Held for a patient portal until then.
    #[diesel(deserialize_as = DbOptInstant)]
    pub held_until: Option<DateTime<Utc>>,
}

/// One change of a course's booster policy, kept forever.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = booster_policy_changes)]
pub struct BoosterPolicyChange {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    pub course_id: i64,
    /// The key that changed it.
    pub key_id: Option<i64>,
    /// The role it acted in.
    pub role: Role,
    /// The policy before.
    pub old_policy: Option<BoosterPolicy>,
    /// The policy after.
    pub new_policy: BoosterPolicy,
    /// Why.
    pub reason: String,
    /// The clinician overrode the protocol's floor.
    pub floor_overridden: bool,
    /// When.
    #[diesel(deserialize_as = DbInstant)]
    pub changed_at: DateTime<Utc>,
}
