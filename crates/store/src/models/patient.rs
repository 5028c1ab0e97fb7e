use chairside_engine::PatientPreferences;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{Queryable, Selectable};

use crate::columns::DbInstant;
use crate::schema::patients;

/// A patient of a clinic, with the facts the first-dose gates check.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = patients)]
pub struct Patient {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    /// The clinic's own reference (EHR MRN), unique in the clinic.
    pub external_ref: String,
    /// Name for staff screens; never logged.
    pub display_name: String,
    /// Scheduling preferences (JSON, clinic-local).
    pub preferences: PatientPreferences,
    /// Date of the intake assessment.
    pub intake_assessed_on: Option<NaiveDate>,
    /// Treatment consent is on file.
    pub consent_on_file: bool,
    /// Date of enrolment in the esketamine REMS.
    pub rems_enrolled_on: Option<NaiveDate>,
    /// A responsible adult to drive home is confirmed.
    pub escort_confirmed: bool,
    /// SHA-256 (hex) of the calendar feed token, if one was issued.
    #[serde(skip)]
    pub calendar_token_hash: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// When last changed.
    #[diesel(deserialize_as = DbInstant)]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPatient {
    /// Unique in the clinic.
    pub external_ref: String,
    /// Name for staff screens.
    pub display_name: String,
    /// Preferences (JSON).
    pub preferences: PatientPreferences,
    /// Intake assessment date.
    pub intake_assessed_on: Option<NaiveDate>,
    pub consent_on_file: bool,
    /// REMS enrolment date.
    pub rems_enrolled_on: Option<NaiveDate>,
    pub escort_confirmed: bool,
}

/// A change to a patient; `None` fields stay as they are. The nested
/// options set a nullable field: `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatientUpdate {
    /// New external reference.
    pub external_ref: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
    /// New preferences.
    pub preferences: Option<PatientPreferences>,
    /// New intake date.
    pub intake_assessed_on: Option<Option<NaiveDate>>,
    pub consent_on_file: Option<bool>,
    /// New REMS enrolment date.
    pub rems_enrolled_on: Option<Option<NaiveDate>>,
    pub escort_confirmed: Option<bool>,
    /// New calendar token hash (hex SHA-256), or `Some(None)` to revoke.
    pub calendar_token_hash: Option<Option<String>>,
}
