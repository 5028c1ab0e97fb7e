//! Clinics, their opening hours and settings, chairs and closures.

use chairside_engine::{ClinicSettings, ClosureSpan, Modality, WeeklyHours};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new clinic.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Harbour Infusion Clinic",
    "time_zone": "America/New_York",
    "hours": {"mon": [{"opens": "08:00", "closes": "18:00"}], "tue": [{"opens": "08:00", "closes": "18:00"}], "wed": [{"opens": "08:00", "closes": "18:00"}], "thu": [{"opens": "08:00", "closes": "18:00"}], "fri": [{"opens": "08:00", "closes": "18:00"}]},
    "settings": {"start_grid_minutes": 15, "rems_certified": true}
}))]
pub struct CreateClinic {
    /// Display name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// IANA time zone; every wall-clock rule of the clinic is evaluated in it.
    #[schema(example = "America/New_York")]
    pub time_zone: String,
    /// Weekly opening hours.
    pub hours: WeeklyHours,
    /// Settings; defaults apply to what is left out.
    #[serde(default)]
    pub settings: Option<ClinicSettings>,
}

/// A change to a clinic, as a JSON Merge Patch (RFC 7396): a field left
/// out stays as it is, `null` restores its default, an object (the
/// settings, the hours) is merged field by field.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"settings": {"rems_certified": true}}))]
pub struct UpdateClinic {
    /// New name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// New IANA zone.
    pub time_zone: Option<String>,
    /// Opening hours changes (a weekday given replaces that day's ranges).
    pub hours: Option<WeeklyHours>,
    /// Settings changes (fields not sent stay as they are).
    pub settings: Option<ClinicSettings>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClinicView {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// IANA zone.
    #[schema(value_type = String, example = "America/New_York")]
    pub time_zone: chrono_tz::Tz,
    /// Weekly opening hours.
    pub hours: WeeklyHours,
    pub settings: ClinicSettings,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new chair.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"label": "Chair 1", "modalities": ["iv", "intranasal"]}))]
pub struct CreateChair {
    /// What staff call it, unique in the clinic.
    #[schema(min_length = 1, max_length = 100)]
    pub label: String,
    /// The treatments it is equipped for.
    pub modalities: Vec<Modality>,
    /// Its place in the stable order chairs are offered in (default: last).
    pub position: Option<i32>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChairView {
    /// Id.
    pub id: i64,
    pub label: String,
    /// Supported treatments.
    pub modalities: Vec<Modality>,
    /// Stable order.
    pub position: i32,
    /// Offered for booking.
    pub active: bool,
}

/// A new closure: the whole clinic, or one chair (a chair block).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"chair_id": null, "span": {"kind": "days", "first": "2026-12-24", "last": "2026-12-26"}, "reason": "Holidays"}))]
pub struct CreateClosure {
    /// A chair out of service; absent = the whole clinic.
    pub chair_id: Option<i64>,
    /// When.
    pub span: ClosureSpan,
    /// Why (shown to staff).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClosureView {
    /// Id.
    pub id: i64,
    /// The chair, or absent for the whole clinic.
    pub chair_id: Option<i64>,
    /// When.
    pub span: ClosureSpan,
    /// Why.
    pub reason: String,
}
