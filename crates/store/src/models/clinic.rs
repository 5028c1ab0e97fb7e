use chairside_engine::{ClinicSettings, ClosureSpan, Modality, WeeklyHours};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::{Queryable, Selectable};

use crate::columns::{DbInstant, DbList, DbZone};
use crate::schema::{chairs, clinics};

/// A clinic: its zone, opening hours and settings.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = clinics)]
pub struct Clinic {
    /// Also the `clinic_id` of every row that belongs to it.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// IANA time zone, e.g. `America/New_York`.
    #[diesel(deserialize_as = DbZone)]
    pub time_zone: Tz,
    /// Opening hours (JSON, the engine's shape), in clinic-local time.
    pub opening_hours: WeeklyHours,
    /// Settings (JSON): reminder lead times, start grid minutes, start cap,
    /// REMS certification, boosters kept ahead.
    pub settings: ClinicSettings,
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
pub struct NewClinic {
    /// Display name.
    pub name: String,
    /// IANA time zone (validated by the api layer).
    pub time_zone: Tz,
    /// Opening hours (JSON).
    pub opening_hours: WeeklyHours,
    /// Settings (JSON).
    pub settings: ClinicSettings,
}

/// A change to a clinic; `None` fields stay as they are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClinicUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New IANA time zone.
    pub time_zone: Option<Tz>,
    /// New opening hours.
    pub opening_hours: Option<WeeklyHours>,
    /// New settings.
    pub settings: Option<ClinicSettings>,
}

/// A treatment chair.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = chairs)]
pub struct Chair {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    /// Label, unique in the clinic ("Chair 3").
    pub label: String,
    /// Modalities the chair supports (JSON array of strings).
    #[diesel(deserialize_as = DbList<Modality>)]
    pub modalities: Vec<Modality>,
    /// Stable display and allocation order (then id).
    pub position: i32,
    /// Inactive chairs take no new bookings.
    pub active: bool,
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
pub struct NewChair {
    /// Label, unique in the clinic.
    pub label: String,
    /// Modalities (JSON array of strings).
    pub modalities: Vec<Modality>,
    /// Order among the clinic's chairs.
    pub position: i32,
}

/// A closure of the clinic or of one chair.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Closure {
    /// Id.
    pub id: i64,
    pub clinic_id: i64,
    /// The chair, or `None` for the whole clinic.
    pub chair_id: Option<i64>,
    /// What is closed.
    pub span: ClosureSpan,
    /// Why (shown to staff).
    pub reason: String,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// The id another system gave it (an import), unique in the clinic.
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewClosure {
    /// The chair, or `None` for the whole clinic.
    pub chair_id: Option<i64>,
    /// What is closed.
    pub span: ClosureSpan,
    /// The id another system gave it (an import).
    pub external_id: Option<String>,
    /// Why.
    pub reason: String,
}
