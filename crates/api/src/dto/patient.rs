//! Patients: the clinic's reference, preferences and the gate facts.

use chairside_engine::PatientPreferences;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::common::in_calendar_opt;

/// A new patient.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"external_ref": "MRN-004211", "display_name": "A. Patient", "preferences": {"preferred_start": "10:00"}, "intake_assessed_on": "2026-02-20", "consent_on_file": true, "escort_confirmed": true}))]
pub struct CreatePatient {
    /// The clinic's own reference (EHR MRN), unique in the clinic.
    #[schema(min_length = 1, max_length = 100)]
    pub external_ref: String,
    /// Name for staff screens; never logged nor sent to integrations by default.
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    /// Scheduling preferences.
    #[serde(default)]
    pub preferences: PatientPreferences,
    /// Date of the intake assessment.
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub intake_assessed_on: Option<NaiveDate>,
    /// Treatment consent is on file.
    #[serde(default)]
    pub consent_on_file: bool,
    /// Date of enrolment in the esketamine REMS.
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub rems_enrolled_on: Option<NaiveDate>,
    /// A responsible adult to drive home is confirmed.
    #[serde(default)]
    pub escort_confirmed: bool,
}

/// A change to a patient, as a JSON Merge Patch (RFC 7396): a field left
/// out stays as it is, `null` clears it (or restores its default), an
/// object is merged field by field.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePatient {
    /// New reference.
    #[schema(min_length = 1, max_length = 100)]
    pub external_ref: Option<String>,
    /// New name.
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    /// Preference changes, merged into the current preferences.
    pub preferences: Option<PatientPreferences>,
    /// New intake date.
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub intake_assessed_on: Option<NaiveDate>,
    pub consent_on_file: Option<bool>,
    /// REMS enrolment date.
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub rems_enrolled_on: Option<NaiveDate>,
    pub escort_confirmed: Option<bool>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PatientView {
    /// Id.
    pub id: i64,
    /// The clinic's reference.
    pub external_ref: String,
    /// Name for staff screens.
    pub display_name: String,
    pub preferences: PatientPreferences,
    /// Intake assessment date.
    pub intake_assessed_on: Option<NaiveDate>,
    pub consent_on_file: bool,
    /// REMS enrolment date.
    pub rems_enrolled_on: Option<NaiveDate>,
    pub escort_confirmed: bool,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}
