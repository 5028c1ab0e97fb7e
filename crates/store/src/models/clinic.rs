use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::{Queryable, Selectable};
use serde_json::Value;

use crate::columns::{DbInstant, DbJson};
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
    pub time_zone: String,
    /// Opening hours (JSON, the engine's shape), in clinic-local time.
    #[diesel(deserialize_as = DbJson)]
    pub opening_hours: Value,
    /// Settings (JSON): reminder lead times, start grid minutes, start cap,
    /// REMS certification, boosters kept ahead.
    #[diesel(deserialize_as = DbJson)]
    pub settings: Value,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// When last changed.
    #[diesel(deserialize_as = DbInstant)]
    pub updated_at: DateTime<Utc>,
}

/// A new clinic.
#[derive(Debug, Clone, PartialEq)]
pub struct NewClinic {
    /// Display name.
    pub name: String,
    /// IANA time zone (validated by the api layer).
    pub time_zone: String,
    /// Opening hours (JSON).
    pub opening_hours: Value,
    /// Settings (JSON).
    pub settings: Value,
}

/// A change to a clinic; `None` fields stay as they are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClinicUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New IANA time zone.
    pub time_zone: Option<String>,
    /// New opening hours.
    pub opening_hours: Option<Value>,
    /// New settings.
    pub settings: Option<Value>,
}

/// A treatment chair.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = chairs)]
pub struct Chair {
    /// Id.
    pub id: i64,
    /// The clinic.
    pub clinic_id: i64,
    /// Label, unique in the clinic ("Chair 3").
    pub label: String,
    /// Modalities the chair supports (JSON array of strings).
    #[diesel(deserialize_as = DbJson)]
    pub modalities: Value,
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

/// A new chair.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChair {
    /// Label, unique in the clinic.
    pub label: String,
    /// Modalities (JSON array of strings).
    pub modalities: Value,
    /// Order among the clinic's chairs.
    pub position: i32,
}

/// What a closure closes: whole local days, or a local wall-clock range.
/// Both are in the clinic's zone; the engine resolves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClosureSpan {
    /// `first..=last`, whole local days.
    Days {
        /// First closed day.
        first: NaiveDate,
        /// Last closed day (inclusive).
        last: NaiveDate,
    },
    /// `[start, end)` in local wall-clock time.
    LocalRange {
        /// Start, local.
        start: NaiveDateTime,
        /// End, local, exclusive.
        end: NaiveDateTime,
    },
}

/// A closure of the clinic or of one chair.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Closure {
    /// Id.
    pub id: i64,
    /// The clinic.
    pub clinic_id: i64,
    /// The chair, or `None` for the whole clinic.
    pub chair_id: Option<i64>,
    /// What is closed.
    pub span: ClosureSpan,
    /// Why (shown to staff).
    pub reason: String,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// A new closure.
#[derive(Debug, Clone, PartialEq)]
pub struct NewClosure {
    /// The chair, or `None` for the whole clinic.
    pub chair_id: Option<i64>,
    /// What is closed.
    pub span: ClosureSpan,
    /// Why.
    pub reason: String,
}
