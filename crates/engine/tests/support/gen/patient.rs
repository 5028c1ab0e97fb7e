//! The patient of a case: the days and times they can come, their sessions
//! in another course, and the dates the request gives (earliest start,
//! first-session window, the previous phase's last session).

use chairside_engine::*;
use chrono::{Duration, NaiveDate, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::clinic::minutes;
use super::Shape;
use crate::support::wall_clock::{date, instant, minute, WEEK};

/// (weekdays, window, preferred start minute, unavailable day offsets)
pub(super) type RawPreferences = (
    Vec<Weekday>,
    (Option<u32>, Option<u32>),
    Option<u32>,
    Vec<i64>,
);

pub(super) fn raw_preferences() -> BoxedStrategy<RawPreferences> {
    (
        prop_oneof![
            2 => Just(Vec::new()),
            1 => prop::sample::subsequence(WEEK.to_vec(), 3..=7)
        ],
        (
            prop::option::weighted(0.3, minutes(6 * 60, 14 * 60, 15)),
            prop::option::weighted(0.3, minutes(9 * 60, 21 * 60, 15)),
        ),
        prop::option::weighted(0.7, minutes(6 * 60, 20 * 60, 5)),
        prop::collection::vec(0..=20i64, 0..=3),
    )
        .boxed()
}

/// (earliest, first within days, previous session days before earliest,
/// other sessions as (day offset, start minute))
pub(super) type RawRequest = (NaiveDate, u32, Option<i64>, Vec<(i64, u32)>);

pub(super) fn raw_request(shape: Shape) -> BoxedStrategy<RawRequest> {
    (
        earliest(shape),
        0..=shape.max_first_within,
        prop::option::weighted(0.25, 1..=6i64),
        prop::collection::vec((0..=20i64, minutes(6 * 60, 20 * 60, 15)), 0..=2),
    )
        .boxed()
}

/// Often in the ten days before a 2026 clock change, so that plans cross it.
fn earliest(shape: Shape) -> BoxedStrategy<NaiveDate> {
    let before = |d: NaiveDate| (0..10i64).prop_map(move |k| d - Duration::days(k));
    if shape.dst_nights {
        let sundays = vec![
            date(2026, 3, 8),
            date(2026, 3, 29),
            date(2026, 10, 25),
            date(2026, 11, 1),
        ];
        return (prop::sample::select(sundays), 0..=1i64)
            .prop_map(|(d, k)| d - Duration::days(k))
            .boxed();
    }
    prop_oneof![
        1 => before(date(2026, 3, 8)),
        1 => before(date(2026, 3, 29)),
        1 => before(date(2026, 10, 25)),
        1 => before(date(2026, 11, 1)),
        2 => (0..365i64).prop_map(|k| date(2026, 1, 1) + Duration::days(k)),
    ]
    .boxed()
}

pub(super) fn preferences(
    day: impl Fn(i64) -> NaiveDate,
    (weekdays, (a, b), preferred, away): RawPreferences,
) -> PatientPreferences {
    let (earliest_start, latest_start) = match (a, b) {
        (Some(a), Some(b)) => (Some(minute(a.min(b))), Some(minute(a.max(b)))),
        (a, b) => (a.map(minute), b.map(minute)),
    };
    PatientPreferences {
        weekdays,
        earliest_start,
        latest_start,
        preferred_start: preferred.map(minute),
        unavailable_dates: away.into_iter().map(day).collect(),
    }
}

/// The patient's sessions in another course, an hour each.
pub(super) fn sessions(
    zone: Tz,
    day: impl Fn(i64) -> NaiveDate,
    raw: Vec<(i64, u32)>,
) -> Vec<Interval> {
    raw.into_iter()
        .map(|(offset, start)| {
            let start = instant(zone, day(offset), minute(start));
            Interval::new(start, start + Duration::hours(1))
        })
        .collect()
}
