//! The clinic of a case: zone, chairs, opening hours, grid and start cap,
//! then other patients' bookings and closures as numbers, built into the
//! engine's types once the request's dates are known.

use chairside_engine::*;
use chrono::{Duration, NaiveDate, NaiveTime};
use proptest::prelude::*;

use super::Shape;
use crate::support::wall_clock::{instant, minute, WEEK};

/// A minute of the day in `from..to` on a `step`-minute grid.
pub(super) fn minutes(from: u32, to: u32, step: u32) -> BoxedStrategy<u32> {
    (from / step..to / step).prop_map(move |q| q * step).boxed()
}

fn pick<T: Copy + std::fmt::Debug + 'static>(values: &'static [T]) -> BoxedStrategy<T> {
    prop::sample::select(values).boxed()
}

fn day_hours(points: Vec<NaiveTime>) -> BoxedStrategy<Vec<OpeningRange>> {
    prop_oneof![1 => Just(0usize), 6 => Just(1), 2 => Just(2)]
        .prop_flat_map(move |k| {
            if k == 0 {
                Just(Vec::new()).boxed()
            } else {
                prop::sample::subsequence(points.clone(), 2 * k).boxed()
            }
        })
        .prop_map(|ts| {
            ts.chunks(2)
                .map(|c| OpeningRange {
                    opens: c[0],
                    closes: c[1],
                })
                .collect()
        })
        .boxed()
}

pub(super) fn hours(shape: Shape) -> BoxedStrategy<WeeklyHours> {
    let (first, last, step) = shape.hours;
    let day: Vec<NaiveTime> = (first..=last).step_by(step as usize).map(minute).collect();
    // Around the clock, with boundaries dense where the clocks change.
    let clock: Vec<NaiveTime> = [
        0, 30, 60, 120, 150, 180, 210, 240, 300, 480, 720, 1080, 1410,
    ]
    .into_iter()
    .map(minute)
    .collect();
    // A range lying wholly inside a skipped hour (01:00-02:00 London,
    // 02:00-03:00 New York) makes the engine build an empty interval, a
    // debug panic pinned by
    // `regression_no_panic_when_an_opening_range_or_closure_lies_in_a_skipped_hour`.
    let night = day_hours(clock).prop_filter("a range inside a skipped hour", |ranges| {
        !ranges
            .iter()
            .any(|r| r.opens >= minute(60) && r.closes <= minute(180))
    });
    let one_day = if shape.overnight > 0 {
        prop_oneof![shape.overnight - 1 => day_hours(day), 1 => night].boxed()
    } else {
        day_hours(day)
    };
    prop::array::uniform7(one_day)
        .prop_map(|days| {
            let mut hours = WeeklyHours::default();
            for (weekday, ranges) in WEEK.iter().zip(days) {
                *hours.day_mut(*weekday) = ranges;
            }
            hours
        })
        .boxed()
}

fn modalities() -> BoxedStrategy<Vec<Modality>> {
    prop_oneof![
        6 => Just(vec![Modality::Iv]),
        2 => Just(vec![Modality::Iv, Modality::Intranasal]),
        1 => Just(vec![Modality::Intranasal]),
        1 => Just(vec![Modality::Im, Modality::Iv]),
        1 => Just(vec![Modality::Im]),
    ]
    .boxed()
}

/// 1-4 chairs with shuffled ids (calendar order is not id order).
fn chairs() -> BoxedStrategy<Vec<Chair>> {
    (1..=4usize)
        .prop_flat_map(|n| {
            (
                Just((1..=n as i64).collect::<Vec<_>>()).prop_shuffle(),
                prop::collection::vec((modalities(), prop::bool::weighted(0.9)), n),
            )
        })
        .prop_map(|(ids, specs)| {
            ids.into_iter()
                .zip(specs)
                .map(|(id, (modalities, active))| Chair {
                    id: ChairId(id * 7),
                    modalities,
                    active,
                })
                .collect()
        })
        .boxed()
}

/// A clinic calendar without closures (those come with the request's dates).
pub(super) fn calendar(shape: Shape) -> BoxedStrategy<ClinicCalendar> {
    (
        pick(shape.zones),
        chairs(),
        hours(shape),
        pick(shape.grids),
        prop::option::weighted(0.2, 1..=2u32),
    )
        .prop_map(|(zone, chairs, hours, grid, cap)| {
            let mut calendar = ClinicCalendar::new(zone, hours, chairs);
            calendar.start_grid_minutes = grid;
            calendar.max_starts_per_slot = cap;
            calendar
        })
        .boxed()
}

/// (chair index, day offset, start minute, length minutes)
pub(super) type RawBooking = (usize, i64, u32, i64);
/// (kind, chair index, day offset, length days, start minute, length minutes)
pub(super) type RawClosure = (u8, usize, i64, i64, u32, i64);

pub(super) fn raw_bookings(shape: Shape) -> BoxedStrategy<Vec<RawBooking>> {
    prop::collection::vec(
        (
            0..9usize,
            -1..shape.booking_days,
            // Mostly on a 5-minute grid; now and then any minute, so that a
            // booking and a session can overlap by a single minute.
            prop_oneof![3 => minutes(5 * 60, 22 * 60, 5), 1 => minutes(5 * 60, 22 * 60, 1)],
            prop_oneof![3 => (1..=16i64).prop_map(|q| q * 15), 1 => 1..=240i64],
        ),
        0..=shape.max_bookings,
    )
    .boxed()
}

pub(super) fn raw_closures(shape: Shape) -> BoxedStrategy<Vec<RawClosure>> {
    let start = if shape.overnight > 0 {
        // Night-time edges too, but no closure wholly inside a skipped hour
        // (see `regression_no_panic_when_an_opening_range_or_closure_lies_in_a_skipped_hour`).
        prop_oneof![2 => minutes(6 * 60, 20 * 60, 15), 1 => minutes(0, 6 * 60, 30)].boxed()
    } else {
        minutes(6 * 60, 20 * 60, 15)
    };
    let closure = (
        0..4u8,
        0..4usize,
        if shape.dst_nights { 0..3i64 } else { 0..30i64 },
        0..3i64,
        start,
        (2..=40i64).prop_map(|q| q * 15),
    )
        .prop_filter("a closure inside a skipped hour", |c| {
            !(c.0 >= 2 && c.4 >= 60 && c.4 as i64 + c.5 <= 180)
        });
    prop::collection::vec(closure, 0..=3).boxed()
}

fn chair_at(calendar: &ClinicCalendar, index: usize) -> ChairId {
    calendar.chairs[index % calendar.chairs.len()].id
}

pub(super) fn bookings(
    calendar: &ClinicCalendar,
    day: impl Fn(i64) -> NaiveDate,
    raw: Vec<RawBooking>,
) -> Vec<Booking> {
    raw.into_iter()
        .map(|(chair, offset, start, minutes)| {
            // Now and then a booking on a chair the clinic no longer lists.
            let chair = if chair >= 8 {
                ChairId(999)
            } else {
                chair_at(calendar, chair)
            };
            let start = instant(calendar.zone, day(offset), minute(start));
            Booking {
                chair,
                interval: Interval::new(start, start + Duration::minutes(minutes)),
            }
        })
        .collect()
}

pub(super) fn closures(
    calendar: &ClinicCalendar,
    day: impl Fn(i64) -> NaiveDate,
    raw: Vec<RawClosure>,
) -> Vec<Closure> {
    raw.into_iter()
        .map(|(kind, chair, offset, days, start, minutes)| {
            let scope = if kind % 2 == 1 {
                ClosureScope::Chair(chair_at(calendar, chair))
            } else {
                ClosureScope::Clinic
            };
            let span = if kind < 2 {
                ClosureSpan::Days {
                    first: day(offset),
                    last: day(offset + days),
                }
            } else {
                let start = day(offset).and_time(minute(start));
                ClosureSpan::Range {
                    start,
                    end: start + Duration::minutes(minutes),
                }
            };
            Closure { scope, span }
        })
        .collect()
}
