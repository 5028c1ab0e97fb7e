//! Closures: a holiday, a training afternoon, a chair being repaired —
//! when they apply (local days, a local range, or instants) and what they
//! shut (the clinic or one chair). Staff exceptions use the same spans.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::ChairId;
use crate::local_time::{boundary_instant, start_of_local_day, to_local};
use crate::occupancy::Interval;

/// What a closure shuts: the whole clinic or one chair (out of service).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "chair_id", rename_all = "snake_case")]
pub enum ClosureScope {
    /// Every chair.
    Clinic,
    /// One chair only.
    Chair(ChairId),
}

/// When a closure (or a staff exception) applies: in clinic-local
/// wall-clock terms, or as instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ClosureSpan {
    /// Whole local days, `first` to `last` inclusive.
    Days {
        /// First closed date.
        first: NaiveDate,
        /// Last closed date.
        last: NaiveDate,
    },
    /// A local range `[start, end)`.
    Range {
        /// Local start, `YYYY-MM-DDTHH:MM`.
        #[serde(with = "crate::wall_clock::local")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-03-04T12:00"))]
        start: NaiveDateTime,
        /// Local end, `YYYY-MM-DDTHH:MM`.
        #[serde(with = "crate::wall_clock::local")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-03-04T17:00"))]
        end: NaiveDateTime,
    },
    /// Instants `[start, end)`, RFC 3339 with any offset (kept in UTC).
    Instants {
        #[cfg_attr(feature = "openapi", schema(example = "2026-03-04T17:00:00Z"))]
        start: DateTime<Utc>,
        #[cfg_attr(feature = "openapi", schema(example = "2026-03-04T22:00:00Z"))]
        end: DateTime<Utc>,
    },
}

impl ClosureSpan {
    /// The span as instants in `zone`; `None` when it is empty (a local
    /// range wholly in an hour the clocks skip).
    pub fn instants(&self, zone: Tz) -> Option<Interval> {
        match *self {
            ClosureSpan::Days { first, last } => Interval::non_empty(
                start_of_local_day(zone, first),
                start_of_local_day(zone, last.succ_opt()?),
            ),
            ClosureSpan::Range { start, end } => {
                Interval::non_empty(boundary_instant(zone, start), boundary_instant(zone, end))
            }
            ClosureSpan::Instants { start, end } => Interval::non_empty(start, end),
        }
    }

    /// The first and last dates the span names (UTC dates for instants),
    /// for the calendar's date range check.
    pub fn dates(&self) -> (NaiveDate, NaiveDate) {
        match *self {
            ClosureSpan::Days { first, last } => (first, last),
            ClosureSpan::Range { start, end } => (start.date(), end.date()),
            ClosureSpan::Instants { start, end } => (start.date_naive(), end.date_naive()),
        }
    }

    /// The clinic-local dates the span touches, first and last inclusive
    /// (an end at midnight touches only the day before).
    pub fn local_days(&self, zone: Tz) -> (NaiveDate, NaiveDate) {
        let last_before = |end: NaiveDateTime| {
            if end.time() == NaiveTime::MIN {
                end.date().pred_opt().unwrap_or(end.date())
            } else {
                end.date()
            }
        };
        match *self {
            ClosureSpan::Days { first, last } => (first, last),
            ClosureSpan::Range { start, end } => (start.date(), last_before(end).max(start.date())),
            ClosureSpan::Instants { start, end } => {
                let (start, end) = (to_local(zone, start), to_local(zone, end));
                (start.date(), last_before(end).max(start.date()))
            }
        }
    }

    /// Why the span is backwards or empty, if it is.
    pub fn backwards(&self) -> Option<String> {
        match *self {
            ClosureSpan::Days { first, last } if first > last => {
                Some(format!("first day {first} is after last day {last}"))
            }
            ClosureSpan::Range { start, end } if start >= end => {
                Some(format!("starts at {start} but ends at {end}"))
            }
            ClosureSpan::Instants { start, end } if start >= end => {
                Some(format!("starts at {start} but ends at {end}"))
            }
            _ => None,
        }
    }
}

/// A closure: a holiday, a staff training afternoon, a chair being repaired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Clinic-wide or one chair.
    pub scope: ClosureScope,
    /// When.
    pub span: ClosureSpan,
}
