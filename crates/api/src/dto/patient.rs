//! Patients: the clinic's reference, preferences and the gate facts.

use chairside_engine as engine;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::common::{in_calendar_all, in_calendar_opt, Day, WallTime};

/// What the patient can do and would like, clinic-local.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"weekdays": ["mon", "wed", "fri"], "earliest_start": "09:00", "latest_start": "14:00", "preferred_start": "10:00", "unavailable_dates": ["2026-03-20"]}))]
pub struct Preferences {
    /// Weekdays the patient can come; empty = any.
    #[serde(default)]
    pub weekdays: Vec<Day>,
    /// Earliest acceptable start.
    #[serde(default)]
    pub earliest_start: Option<WallTime>,
    /// Latest acceptable start (inclusive).
    #[serde(default)]
    pub latest_start: Option<WallTime>,
    /// The start the patient would like.
    #[serde(default)]
    pub preferred_start: Option<WallTime>,
    /// Dates the patient cannot come.
    #[serde(default, deserialize_with = "in_calendar_all")]
    pub unavailable_dates: Vec<NaiveDate>,
}

impl From<&Preferences> for engine::PatientPreferences {
    fn from(p: &Preferences) -> Self {
        engine::PatientPreferences {
            weekdays: p.weekdays.iter().map(|d| (*d).into()).collect(),
            earliest_start: p.earliest_start.map(|t| t.0),
            latest_start: p.latest_start.map(|t| t.0),
            preferred_start: p.preferred_start.map(|t| t.0),
            unavailable_dates: p.unavailable_dates.clone(),
        }
    }
}

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
    pub preferences: Preferences,
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

/// A change to a patient; what is left out stays.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePatient {
    /// New reference.
    #[schema(min_length = 1, max_length = 100)]
    pub external_ref: Option<String>,
    /// New name.
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    /// New preferences (replaced whole).
    pub preferences: Option<Preferences>,
    /// New intake date.
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub intake_assessed_on: Option<NaiveDate>,
    /// Consent.
    pub consent_on_file: Option<bool>,
    /// REMS enrolment date.
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub rems_enrolled_on: Option<NaiveDate>,
    /// Escort confirmed.
    pub escort_confirmed: Option<bool>,
}

/// A patient.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PatientView {
    /// Id.
    pub id: i64,
    /// The clinic's reference.
    pub external_ref: String,
    /// Name for staff screens.
    pub display_name: String,
    /// Preferences.
    pub preferences: Preferences,
    /// Intake assessment date.
    pub intake_assessed_on: Option<NaiveDate>,
    /// Consent on file.
    pub consent_on_file: bool,
    /// REMS enrolment date.
    pub rems_enrolled_on: Option<NaiveDate>,
    /// Escort confirmed.
    pub escort_confirmed: bool,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}
