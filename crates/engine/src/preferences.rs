//! What the patient can and would like to do.

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

/// A patient's constraints (weekdays, start window, dates away) and wish
/// (a preferred start time). All wall-clock, in the clinic's zone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Preferences, example = json!({"weekdays": ["mon", "wed", "fri"], "earliest_start": "09:00", "latest_start": "14:00", "preferred_start": "10:00", "unavailable_dates": ["2026-03-20"]})))]
pub struct PatientPreferences {
    /// Weekdays the patient can come (`mon` … `sun`); empty = any day the
    /// clinic is open.
    #[serde(default, with = "crate::wall_clock::weekdays")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["mon", "wed", "fri"])))]
    pub weekdays: Vec<Weekday>,
    /// Earliest acceptable start time (`HH:MM`).
    #[serde(default, with = "crate::wall_clock::time_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "09:00"))]
    pub earliest_start: Option<NaiveTime>,
    /// Latest acceptable start time, inclusive (`HH:MM`).
    #[serde(default, with = "crate::wall_clock::time_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "14:00"))]
    pub latest_start: Option<NaiveTime>,
    /// The start time the patient would like (`HH:MM`); the planner
    /// minimises the total distance from it.
    #[serde(default, with = "crate::wall_clock::time_opt")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "10:00"))]
    pub preferred_start: Option<NaiveTime>,
    /// Dates the patient cannot come.
    #[serde(default)]
    pub unavailable_dates: Vec<NaiveDate>,
}

impl PatientPreferences {
    /// Whether the patient can come on this date at all.
    pub fn allows_date(&self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        (self.weekdays.is_empty() || self.weekdays.contains(&date.weekday()))
            && !self.unavailable_dates.contains(&date)
    }

    /// Whether a local start time is inside the patient's window.
    pub fn allows_start(&self, time: NaiveTime) -> bool {
        self.earliest_start.is_none_or(|e| time >= e) && self.latest_start.is_none_or(|l| time <= l)
    }

    /// How far a start is from the preferred one, in minutes (0 without a preference).
    pub fn distance_minutes(&self, time: NaiveTime) -> u32 {
        self.preferred_start
            .map_or(0, |p| (time - p).num_minutes().unsigned_abs() as u32)
    }

    /// Checks the preferences' own consistency.
    pub fn validate(&self) -> Result<(), crate::EngineError> {
        if let (Some(e), Some(l)) = (self.earliest_start, self.latest_start) {
            if e > l {
                return Err(crate::EngineError::invalid(
                    "preferences.latest_start",
                    format!("latest start {l} is before earliest start {e}"),
                ));
            }
        }
        Ok(())
    }
}
