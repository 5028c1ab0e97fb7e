//! How big and how varied the generated problems are, one shape per family
//! of properties.

use chrono_tz::Tz;

use crate::support::wall_clock::{KATHMANDU, LONDON, NEW_YORK, UTC};

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
    /// The share of cases whose clinic lists staff (the others plan on
    /// chairs alone).
    pub staffed: f64,
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
    staffed: 0.4,
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
    staffed: 0.4,
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

/// Small problems in clinics that all list staff, for the properties of
/// coverage itself.
pub const STAFFED: Shape = Shape {
    staffed: 1.0,
    ..SMALL
};
