//! Clinics, their opening hours and settings, chairs and closures.

use chairside_engine as engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::common::{in_calendar, Modality, WallTime};

/// One opening range, local wall-clock, `[opens, closes)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningRange {
    /// When the first chair interval may begin.
    pub opens: WallTime,
    /// When the last chair interval must have ended.
    pub closes: WallTime,
}

/// Weekly opening hours in the clinic's zone; a day left out is closed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mon": [{"opens": "08:00", "closes": "18:00"}], "wed": [{"opens": "08:00", "closes": "12:00"}, {"opens": "13:00", "closes": "18:00"}]}))]
#[allow(missing_docs)]
pub struct OpeningHours {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<OpeningRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<OpeningRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<OpeningRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<OpeningRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<OpeningRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<OpeningRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<OpeningRange>,
}

impl OpeningHours {
    fn days(&self) -> [(&Vec<OpeningRange>, chrono::Weekday); 7] {
        use chrono::Weekday::*;
        [
            (&self.mon, Mon),
            (&self.tue, Tue),
            (&self.wed, Wed),
            (&self.thu, Thu),
            (&self.fri, Fri),
            (&self.sat, Sat),
            (&self.sun, Sun),
        ]
    }
}

impl From<&OpeningHours> for engine::WeeklyHours {
    fn from(hours: &OpeningHours) -> Self {
        let mut weekly = engine::WeeklyHours::default();
        for (ranges, day) in hours.days() {
            *weekly.day_mut(day) = ranges
                .iter()
                .map(|r| engine::OpeningRange {
                    opens: r.opens.0,
                    closes: r.closes.0,
                })
                .collect();
        }
        weekly
    }
}

/// Clinic-wide settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClinicSettings {
    /// Sessions start on this grid, minutes from local midnight (divides a day).
    #[serde(default = "defaults::grid")]
    #[schema(minimum = 1, maximum = 240, example = 15)]
    pub start_grid_minutes: u32,
    /// At most this many sessions may start in one grid slot (staggered
    /// starts); absent = no cap.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub max_starts_per_slot: Option<u32>,
    /// Reminder lead times before a session, in minutes.
    #[serde(default = "defaults::reminders")]
    pub reminder_lead_times_minutes: Vec<u32>,
    /// How many future boosters stay booked ahead.
    #[serde(default = "defaults::boosters_ahead")]
    #[schema(minimum = 1, maximum = 12)]
    pub boosters_ahead: u32,
    /// The site is certified under the esketamine REMS.
    #[serde(default)]
    pub rems_certified: bool,
    /// A booked session not checked in this many minutes after its start is
    /// marked no-show automatically.
    #[serde(default = "defaults::no_show_after")]
    #[schema(minimum = 0, maximum = 1440)]
    pub no_show_after_minutes: u32,
    /// How booster spacing suggestions are made.
    #[serde(default)]
    pub suggestion: SuggestionSettings,
}

/// The rules behind booster spacing suggestions; thresholds left out take
/// the values in common use for the instrument (PHQ-9: remission < 5,
/// response ≥ 50 %; MADRS: remission ≤ 12; GAD-7: < 5; PCL-5: < 33, response
/// a 10-point change).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestionSettings {
    /// The instrument that guides spacing.
    #[serde(default = "defaults::instrument")]
    pub instrument: crate::dto::clinical::Instrument,
    /// Remission: a score at or below this.
    #[serde(default)]
    pub remission_at_most: Option<i32>,
    /// Response: at least this percent below baseline.
    #[serde(default)]
    pub response_percent: Option<i32>,
    /// Response: or at least this many points below baseline.
    #[serde(default)]
    pub response_points: Option<i32>,
    /// Lengthen only after this many consecutive scores in remission.
    #[serde(default = "defaults::held_for")]
    #[schema(minimum = 0, maximum = 12)]
    pub remission_held_for: u32,
}

impl Default for SuggestionSettings {
    fn default() -> Self {
        SuggestionSettings {
            instrument: defaults::instrument(),
            remission_at_most: None,
            response_percent: None,
            response_points: None,
            remission_held_for: defaults::held_for(),
        }
    }
}

impl ClinicSettings {
    /// The engine's suggestion rules from these settings.
    pub fn suggestion_rules(&self) -> engine::suggestion::SuggestionRules {
        use crate::dto::clinical::Instrument as I;
        use engine::suggestion::{Instrument, SuggestionRules, Thresholds};
        let s = &self.suggestion;
        let instrument = match s.instrument {
            I::Phq9 => Instrument::Phq9,
            I::Gad7 => Instrument::Gad7,
            I::Madrs => Instrument::Madrs,
            I::Pcl5 => Instrument::Pcl5,
        };
        let common = Thresholds::common(instrument);
        SuggestionRules {
            instrument,
            thresholds: Thresholds {
                remission_at_most: s.remission_at_most.unwrap_or(common.remission_at_most),
                response_percent: s.response_percent.unwrap_or(common.response_percent),
                response_points: s.response_points.or(common.response_points),
            },
            remission_held_for: s.remission_held_for,
        }
    }
}

mod defaults {
    pub fn grid() -> u32 {
        chairside_engine::calendar::DEFAULT_START_GRID_MINUTES
    }
    pub fn reminders() -> Vec<u32> {
        vec![72 * 60, 24 * 60, 120]
    }
    pub fn boosters_ahead() -> u32 {
        1
    }
    pub fn no_show_after() -> u32 {
        60
    }
    pub fn instrument() -> crate::dto::clinical::Instrument {
        crate::dto::clinical::Instrument::Phq9
    }
    pub fn held_for() -> u32 {
        2
    }
}

impl Default for ClinicSettings {
    fn default() -> Self {
        ClinicSettings {
            start_grid_minutes: defaults::grid(),
            max_starts_per_slot: None,
            reminder_lead_times_minutes: defaults::reminders(),
            boosters_ahead: defaults::boosters_ahead(),
            rems_certified: false,
            no_show_after_minutes: defaults::no_show_after(),
            suggestion: SuggestionSettings::default(),
        }
    }
}

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
    pub hours: OpeningHours,
    /// Settings; defaults apply to what is left out.
    #[serde(default)]
    pub settings: Option<ClinicSettings>,
}

/// A change to a clinic; what is left out stays.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClinic {
    /// New name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// New IANA zone.
    pub time_zone: Option<String>,
    /// New opening hours.
    pub hours: Option<OpeningHours>,
    /// New settings (replaced whole).
    pub settings: Option<ClinicSettings>,
}

/// A clinic.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClinicView {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// IANA zone.
    pub time_zone: String,
    /// Weekly opening hours.
    pub hours: OpeningHours,
    /// Settings.
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

/// A chair.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChairView {
    /// Id.
    pub id: i64,
    /// Label.
    pub label: String,
    /// Supported treatments.
    pub modalities: Vec<Modality>,
    /// Stable order.
    pub position: i32,
    /// Offered for booking.
    pub active: bool,
}

/// When a closure applies, clinic-local.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClosureSpan {
    /// Whole local days, inclusive.
    Days {
        /// First closed date.
        #[serde(deserialize_with = "in_calendar")]
        first: NaiveDate,
        /// Last closed date.
        #[serde(deserialize_with = "in_calendar")]
        last: NaiveDate,
    },
    /// A local wall-clock range `[start, end)`, without offset.
    Range {
        /// Local start, e.g. `2026-03-04T12:00`.
        #[schema(value_type = String, example = "2026-03-04T12:00:00")]
        #[serde(deserialize_with = "in_calendar")]
        start: NaiveDateTime,
        /// Local end.
        #[schema(value_type = String, example = "2026-03-04T17:00:00")]
        #[serde(deserialize_with = "in_calendar")]
        end: NaiveDateTime,
    },
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

/// A closure.
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

impl From<ClosureSpan> for engine::ClosureSpan {
    fn from(span: ClosureSpan) -> Self {
        match span {
            ClosureSpan::Days { first, last } => engine::ClosureSpan::Days { first, last },
            ClosureSpan::Range { start, end } => engine::ClosureSpan::Range { start, end },
        }
    }
}
