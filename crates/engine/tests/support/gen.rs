//! Generators: small clinic calendars, their occupancy, series protocols,
//! patient preferences and planning requests.
//!
//! Everything is generated as plain numbers first and built in one place
//! ([`build`]), so that a failing case shrinks towards small numbers.

use chairside_engine::*;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;

pub const NEW_YORK: Tz = chrono_tz::America::New_York;
pub const LONDON: Tz = chrono_tz::Europe::London;
pub const KATHMANDU: Tz = chrono_tz::Asia::Kathmandu;
pub const UTC: Tz = chrono_tz::UTC;

pub const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

pub fn minute(m: u32) -> NaiveTime {
    time(m / 60, m % 60)
}

/// A wall-clock time that exists in the zone as an instant (the earlier one
/// if repeated, an hour on if skipped). Only for building inputs.
pub fn instant(zone: Tz, d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    let local = d.and_time(t);
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .expect("a local time an hour after a gap exists")
        .with_timezone(&Utc)
}

/// One planning problem: a clinic, its book, a protocol and a patient.
#[derive(Clone, Debug)]
pub struct Case {
    pub calendar: ClinicCalendar,
    pub bookings: Vec<Booking>,
    pub protocol: Protocol,
    pub preferences: PatientPreferences,
    pub earliest: NaiveDate,
    pub first_within_days: u32,
    pub previous_session: Option<NaiveDate>,
    pub patient_sessions: Vec<Interval>,
}

impl Case {
    pub fn occupancy(&self) -> Occupancy {
        Occupancy::from_bookings(self.bookings.iter().copied())
    }

    pub fn rules(&self) -> &SeriesRules {
        self.protocol.series(0).expect("phase 0 is a series")
    }

    pub fn request(&self) -> PhaseRequest<'_> {
        PhaseRequest {
            protocol: &self.protocol,
            phase: 0,
            preferences: &self.preferences,
            earliest: self.earliest,
            first_within_days: self.first_within_days,
            patient_sessions: &self.patient_sessions,
            previous_session: self.previous_session,
        }
    }
}

/// How big and how varied the generated problems are.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub zones: &'static [Tz],
    /// Opening-hour boundaries: first minute of day, last, step.
    pub hours: (u32, u32, u32),
    /// One day in `overnight` (0 = never) has night-time opening hours with
    /// boundaries dense around the clock changes, but none strictly inside
    /// 01:00-02:00: a range closing inside the repeated hour trips the
    /// engine bug pinned by
    /// `regression_no_ambiguous_start_when_a_range_closes_in_the_repeated_hour`.
    pub overnight: u32,
    /// Only the four 2026 DST Sundays of New York and London, and the days
    /// just before.
    pub dst_nights: bool,
    pub grids: &'static [u32],
    pub min_sessions: i32,
    pub max_sessions: i32,
    pub max_span_extra: i32,
    pub max_first_within: u32,
    pub max_bookings: usize,
    pub booking_days: i64,
    /// Chair time: (pre-dose, treatment, monitoring) upper bounds; treatment
    /// has `min_treatment` as its lower bound.
    pub chair_time: (i32, i32, i32),
    pub min_treatment: i32,
    /// Now and then sessions of at most 30 minutes.
    pub short_sessions: bool,
}

/// Medium problems for the soundness properties: every zone, DST days.
pub const WIDE: Shape = Shape {
    zones: &[NEW_YORK, LONDON, KATHMANDU, UTC],
    hours: (6 * 60, 21 * 60, 15),
    overnight: 7,
    dst_nights: false,
    grids: &[15, 15, 30, 10, 60],
    min_sessions: 1,
    max_sessions: 5,
    max_span_extra: 10,
    max_first_within: 14,
    max_bookings: 40,
    booking_days: 42,
    chair_time: (15, 60, 90),
    min_treatment: 5,
    short_sessions: true,
};

/// Small problems a brute force can enumerate: at most 4 sessions, a
/// horizon of at most 14 days, few starts a day.
pub const SMALL: Shape = Shape {
    zones: &[UTC, KATHMANDU, NEW_YORK],
    hours: (8 * 60, 14 * 60, 30),
    overnight: 0,
    dst_nights: false,
    grids: &[30, 60, 30],
    min_sessions: 1,
    max_sessions: 4,
    max_span_extra: 3,
    max_first_within: 3,
    max_bookings: 30,
    booking_days: 16,
    chair_time: (10, 45, 45),
    min_treatment: 20,
    short_sessions: false,
};

/// Nights of the clock changes in New York and London: mostly night-time
/// opening hours, short sessions, the transition Sunday in every request.
pub const DST_NIGHTS: Shape = Shape {
    zones: &[NEW_YORK, LONDON],
    overnight: 2,
    dst_nights: true,
    max_first_within: 2,
    booking_days: 4,
    max_bookings: 10,
    chair_time: (5, 15, 15),
    ..WIDE
};

/// Small problems with at least two sessions, so one can stand and one be
/// re-planned.
pub const REPLAN: Shape = Shape {
    min_sessions: 2,
    ..SMALL
};

/// A minute of the day in `from..to` on a `step`-minute grid.
fn minutes(from: u32, to: u32, step: u32) -> BoxedStrategy<u32> {
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

fn hours(shape: Shape) -> BoxedStrategy<WeeklyHours> {
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

/// (chair index, day offset, start minute, length minutes)
type RawBooking = (usize, i64, u32, i64);
/// (kind, chair index, day offset, length days, start minute, length minutes)
type RawClosure = (u8, usize, i64, i64, u32, i64);

fn raw_bookings(shape: Shape) -> BoxedStrategy<Vec<RawBooking>> {
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

fn raw_closures(shape: Shape) -> BoxedStrategy<Vec<RawClosure>> {
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

/// (sessions, min gap, extra max gap, extra span, cap)
type RawSeries = (i32, i32, i32, i32, Option<i32>);

fn raw_series(shape: Shape) -> BoxedStrategy<RawSeries> {
    (
        shape.min_sessions..=shape.max_sessions,
        1..=3i32,
        0..=5i32,
        0..=shape.max_span_extra,
        prop::option::weighted(0.3, 1..=3i32),
    )
        .boxed()
}

/// Valid series rules: span at least (n-1)*min; the cap only if it can hold n.
pub fn series_rules((n, min, extra, span_extra, cap): RawSeries) -> SeriesRules {
    let max_span_days = (n - 1) * min + span_extra;
    let max_per_week = cap.filter(|c| c * (max_span_days / 7 + 1) >= n);
    SeriesRules {
        sessions: n,
        min_days_between: min,
        max_days_between: min + extra,
        max_span_days,
        max_per_week,
    }
}

pub fn protocol(modality: Modality, chair_time: ChairTime, rules: SeriesRules) -> Protocol {
    let mut protocol = presets::iv_ketamine_standard();
    protocol.modality = modality;
    protocol.chair_time = chair_time;
    protocol.phases[0].kind = PhaseKind::Series(rules);
    protocol
}

fn chair_time(shape: Shape) -> BoxedStrategy<ChairTime> {
    let (pre, treatment, monitoring) = shape.chair_time;
    let usual = (0..=pre, shape.min_treatment..=treatment, 0..=monitoring);
    // Short sessions fit between the clock changes of a DST night.
    let short = (0..=5, 5..=15, 0..=10);
    let parts = if shape.short_sessions {
        prop_oneof![4 => usual, 1 => short].boxed()
    } else {
        usual.boxed()
    };
    parts
        .prop_map(|(p, t, m)| ChairTime {
            pre_dose_check_minutes: p,
            treatment_minutes: t,
            monitoring_minutes: m,
        })
        .boxed()
}

/// Mostly a modality some active chair supports; now and then any.
fn modality(calendar: &ClinicCalendar, choice: u8) -> Modality {
    let offered: Vec<Modality> = calendar
        .chairs
        .iter()
        .filter(|c| c.active)
        .flat_map(|c| c.modalities.iter().copied())
        .collect();
    let all = [Modality::Iv, Modality::Intranasal, Modality::Im];
    if choice < 12 && !offered.is_empty() {
        offered[choice as usize % offered.len()]
    } else {
        all[choice as usize % 3]
    }
}

/// (weekdays, window, preferred start minute, unavailable day offsets)
type RawPreferences = (
    Vec<Weekday>,
    (Option<u32>, Option<u32>),
    Option<u32>,
    Vec<i64>,
);

fn raw_preferences() -> BoxedStrategy<RawPreferences> {
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

/// Everything of a case except the calendar pieces.
type RawRequest = (NaiveDate, u32, Option<i64>, Vec<(i64, u32)>);

fn raw_request(shape: Shape) -> BoxedStrategy<RawRequest> {
    (
        earliest(shape),
        0..=shape.max_first_within,
        prop::option::weighted(0.25, 1..=6i64),
        prop::collection::vec((0..=20i64, minutes(6 * 60, 20 * 60, 15)), 0..=2),
    )
        .boxed()
}

/// A clinic calendar: zone, chairs, hours, grid, start cap.
fn calendar(shape: Shape) -> BoxedStrategy<ClinicCalendar> {
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

/// A whole planning case of the given shape.
pub fn case(shape: Shape) -> BoxedStrategy<Case> {
    (
        calendar(shape),
        raw_bookings(shape),
        raw_closures(shape),
        (raw_series(shape), chair_time(shape), 0..14u8),
        raw_preferences(),
        raw_request(shape),
    )
        .prop_map(build)
        .boxed()
}

type Raw = (
    ClinicCalendar,
    Vec<RawBooking>,
    Vec<RawClosure>,
    (RawSeries, ChairTime, u8),
    RawPreferences,
    RawRequest,
);

pub fn build((mut calendar, bookings, closures, protocol_raw, prefs, request): Raw) -> Case {
    let zone = calendar.zone;
    let (earliest, first_within_days, previous, patient) = request;
    let day = |offset: i64| earliest + Duration::days(offset);
    let chair_at = |index: usize| calendar.chairs[index % calendar.chairs.len()].id;
    let bookings = bookings
        .into_iter()
        .map(|(chair, offset, start, minutes)| {
            // Now and then a booking on a chair the clinic no longer lists.
            let chair = if chair >= 8 {
                ChairId(999)
            } else {
                chair_at(chair)
            };
            let start = instant(zone, day(offset), minute(start));
            Booking {
                chair,
                interval: Interval::new(start, start + Duration::minutes(minutes)),
            }
        })
        .collect();
    let closures = closures
        .into_iter()
        .map(|(kind, chair, offset, days, start, minutes)| {
            let scope = if kind % 2 == 1 {
                ClosureScope::Chair(chair_at(chair))
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
        .collect();
    calendar.closures = closures;
    let (series, chair_time, choice) = protocol_raw;
    let rules = series_rules(series);
    let modality = modality(&calendar, choice);
    let (weekdays, (a, b), preferred, away) = prefs;
    let (earliest_start, latest_start) = match (a, b) {
        (Some(a), Some(b)) => (Some(minute(a.min(b))), Some(minute(a.max(b)))),
        (a, b) => (a.map(minute), b.map(minute)),
    };
    let preferences = PatientPreferences {
        weekdays,
        earliest_start,
        latest_start,
        preferred_start: preferred.map(minute),
        unavailable_dates: away.into_iter().map(day).collect(),
    };
    let patient_sessions = patient
        .into_iter()
        .map(|(offset, start)| {
            let start = instant(zone, day(offset), minute(start));
            Interval::new(start, start + Duration::hours(1))
        })
        .collect();
    Case {
        calendar,
        bookings,
        protocol: protocol(modality, chair_time, rules),
        preferences,
        earliest,
        first_within_days,
        previous_session: previous.map(|k| earliest - Duration::days(k)),
        patient_sessions,
    }
}
