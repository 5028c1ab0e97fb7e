//! The clinic calendar: its zone, opening hours, closures, chairs and the
//! start-time grid. All of it is wall-clock data in the clinic's zone.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use crate::closure::{Closure, ClosureScope, ClosureSpan};
use crate::error::EngineError;
use crate::local_time::{boundary_instant, start_of_local_day};
use crate::names::named_enum;
use crate::staff::Staffing;
use crate::wall_clock::END_OF_DAY;

/// A chair's identity, as the store knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChairId(pub i64);

named_enum! {
    /// How a treatment is given; a chair supports some of them (an
    /// intranasal chair may lack an infusion pump). It is also the kind of a
    /// course: a patient runs at most one course of each kind at a time.
    pub enum Modality as "modality" {
        /// Intravenous infusion.
        Iv => "iv",
        /// Intramuscular injection.
        Im => "im",
        /// Nasal spray (esketamine).
        Intranasal => "intranasal",
    }
}

/// A treatment chair. The order of [`ClinicCalendar::chairs`] is the stable
/// order in which the planner offers chairs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chair {
    /// Identity.
    pub id: ChairId,
    /// The treatments this chair is equipped for.
    pub modalities: Vec<Modality>,
    /// Inactive chairs are never offered.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

impl Chair {
    /// Whether the planner may offer this chair for the modality.
    pub fn can_host(&self, modality: Modality) -> bool {
        self.active && self.modalities.contains(&modality)
    }
}

/// One opening range of a day, local wall-clock, half-open `[opens, closes)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpeningRange {
    /// When the first chair interval may begin (`HH:MM`).
    #[serde(with = "crate::wall_clock::time")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "08:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"))]
    pub opens: NaiveTime,
    /// When the last chair interval must have ended (`HH:MM`; `24:00` for
    /// midnight at the end of the day).
    #[serde(with = "crate::wall_clock::closing_time")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "18:00", pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?|24:00(:00)?)$"))]
    pub closes: NaiveTime,
}

impl OpeningRange {
    /// When the range opens on `date`, as an instant in `zone`.
    pub fn opens_at(&self, zone: Tz, date: NaiveDate) -> DateTime<Utc> {
        boundary_instant(zone, date.and_time(self.opens))
    }

    /// When the range closes on `date`, as an instant in `zone`: `24:00`
    /// is the next day's midnight.
    pub fn closes_at(&self, zone: Tz, date: NaiveDate) -> DateTime<Utc> {
        match date.succ_opt() {
            Some(next) if self.closes == END_OF_DAY => start_of_local_day(zone, next),
            _ => boundary_instant(zone, date.and_time(self.closes)),
        }
    }
}

/// Weekly opening hours: zero or more ranges per weekday (a day with none is closed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpeningHours, example = json!({"mon": [{"opens": "08:00", "closes": "18:00"}], "wed": [{"opens": "08:00", "closes": "12:00"}, {"opens": "13:00", "closes": "18:00"}]})))]
#[allow(missing_docs)] // the fields are the weekdays
pub struct WeeklyHours {
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

impl WeeklyHours {
    /// The same single range on each of the given weekdays; closed on the others.
    pub fn uniform(days: &[Weekday], opens: NaiveTime, closes: NaiveTime) -> Self {
        let mut hours = WeeklyHours::default();
        for day in days {
            hours.day_mut(*day).push(OpeningRange { opens, closes });
        }
        hours
    }

    /// The ranges on a weekday, in time order.
    pub fn on(&self, day: Weekday) -> &[OpeningRange] {
        match day {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }

    /// Mutable access to a weekday's ranges.
    pub fn day_mut(&mut self, day: Weekday) -> &mut Vec<OpeningRange> {
        match day {
            Weekday::Mon => &mut self.mon,
            Weekday::Tue => &mut self.tue,
            Weekday::Wed => &mut self.wed,
            Weekday::Thu => &mut self.thu,
            Weekday::Fri => &mut self.fri,
            Weekday::Sat => &mut self.sat,
            Weekday::Sun => &mut self.sun,
        }
    }
}

/// Everything about a clinic that decides where a session may go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicCalendar {
    /// The clinic's IANA zone; every wall-clock rule is evaluated in it.
    pub zone: Tz,
    /// Weekly opening hours.
    pub hours: WeeklyHours,
    /// Closures of the clinic or of single chairs.
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// Chairs, in the stable order the planner offers them.
    pub chairs: Vec<Chair>,
    /// Sessions start on this grid, in minutes from local midnight.
    #[serde(default = "default_grid")]
    pub start_grid_minutes: u32,
    /// At most this many sessions may start in one grid slot (starts are
    /// nurse-heavy; staggering them flattens the peak). `None` = no cap.
    #[serde(default)]
    pub max_starts_per_slot: Option<u32>,
    /// Who is on the floor and the ratios the clinic keeps.
    #[serde(default)]
    pub staffing: Staffing,
}

/// The default start-time grid: every quarter hour.
pub const DEFAULT_START_GRID_MINUTES: u32 = 15;

fn default_grid() -> u32 {
    DEFAULT_START_GRID_MINUTES
}

impl ClinicCalendar {
    /// A calendar with the default grid, no closures and no start cap.
    pub fn new(zone: Tz, hours: WeeklyHours, chairs: Vec<Chair>) -> Self {
        ClinicCalendar {
            zone,
            hours,
            closures: Vec::new(),
            chairs,
            start_grid_minutes: DEFAULT_START_GRID_MINUTES,
            max_starts_per_slot: None,
            staffing: Staffing::default(),
        }
    }

    /// The chair with this id, if the clinic has it.
    pub fn chair(&self, id: ChairId) -> Option<&Chair> {
        self.chairs.iter().find(|c| c.id == id)
    }

    /// Checks the calendar's own consistency.
    pub fn validate(&self) -> Result<(), EngineError> {
        let grid = self.start_grid_minutes;
        if grid == 0 || grid > 240 || 1440 % grid != 0 {
            return Err(EngineError::invalid(
                "start_grid_minutes",
                format!(
                    "{grid} must be between 1 and 240 and divide a day (e.g. 5, 10, 15, 30, 60)"
                ),
            ));
        }
        if self.max_starts_per_slot == Some(0) {
            return Err(EngineError::invalid(
                "max_starts_per_slot",
                "0 would forbid every start; omit it for no cap",
            ));
        }
        check_hours(&self.hours)?;
        self.staffing.validate()?;
        let chairs = self.chair_ids()?;
        check_closures(&self.closures, &chairs)
    }

    /// The clinic's chair ids; one listed twice is an error.
    fn chair_ids(&self) -> Result<HashSet<ChairId>, EngineError> {
        let mut seen = HashSet::new();
        for (i, chair) in self.chairs.iter().enumerate() {
            if !seen.insert(chair.id) {
                return Err(EngineError::invalid(
                    format!("chairs[{i}].id"),
                    format!("chair {} is listed twice", chair.id.0),
                ));
            }
        }
        Ok(seen)
    }
}

/// Each day's opening ranges are whole seconds, in time order, and do not
/// overlap.
pub(crate) fn check_hours(hours: &WeeklyHours) -> Result<(), EngineError> {
    for day in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ] {
        let ranges = hours.on(day);
        let name = weekday_key(day);
        for (i, r) in ranges.iter().enumerate() {
            if r.opens >= r.closes {
                return Err(EngineError::invalid(
                    format!("hours.{name}[{i}]"),
                    format!("opens at {} but closes at {}", r.opens, r.closes),
                ));
            }
            if r.opens.nanosecond() != 0 || (r.closes.nanosecond() != 0 && r.closes != END_OF_DAY) {
                return Err(EngineError::invalid(
                    format!("hours.{name}[{i}]"),
                    "opening hours are whole seconds",
                ));
            }
            if i > 0 && ranges[i - 1].closes > r.opens {
                return Err(EngineError::invalid(
                    format!("hours.{name}[{i}]"),
                    "ranges must be in time order and must not overlap",
                ));
            }
        }
    }
    Ok(())
}

/// Each closure is a forward range of accepted dates, and a chair's closure
/// names one of the clinic's chairs.
fn check_closures(closures: &[Closure], chairs: &HashSet<ChairId>) -> Result<(), EngineError> {
    for (i, closure) in closures.iter().enumerate() {
        if let Some(why) = closure.span.backwards() {
            return Err(EngineError::invalid(format!("closures[{i}]"), why));
        }
        let (first, last) = closure.span.dates();
        crate::dates::check(&format!("closures[{i}]"), first)?;
        crate::dates::check(&format!("closures[{i}]"), last)?;
        if let ClosureScope::Chair(id) = closure.scope {
            if !chairs.contains(&id) {
                return Err(EngineError::invalid(
                    format!("closures[{i}].scope"),
                    format!("chair {} is not one of the clinic's chairs", id.0),
                ));
            }
        }
    }
    Ok(())
}

/// The short key used for a weekday in JSON (`mon`, `tue`, …).
pub fn weekday_key(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}
