//! A chair's open time as free and busy spans (FHIR slots): busy where a
//! session holds it or a closure shuts it, free elsewhere, nothing outside
//! opening hours.

use chairside_engine::free_busy::Span;
use chairside_engine::*;

use super::booked;
use crate::support::clinics::weekday_clinic;
use crate::support::wall_clock::{at, date, NEW_YORK};

#[test]
fn a_chairs_day_is_free_around_its_bookings_and_closures() {
    let monday = date(2026, 3, 2);
    let mut calendar = weekday_clinic(NEW_YORK, 2);
    calendar.closures.push(Closure {
        scope: ClosureScope::Chair(ChairId(1)),
        span: ClosureSpan::Range {
            start: monday.and_time(chrono::NaiveTime::from_hms_opt(14, 0, 0).unwrap()),
            end: monday.and_time(chrono::NaiveTime::from_hms_opt(15, 0, 0).unwrap()),
        },
    });
    let occupancy = Occupancy::from_bookings([
        booked(1, monday, (10, 0), (11, 30)),
        booked(2, monday, (9, 0), (12, 0)),
    ]);
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let t = |h, m| at(NEW_YORK, monday, h, m);
    // The window starts before opening and ends after closing.
    let window = Interval::new(t(6, 0), t(20, 0));
    let span = |from: (u32, u32), to: (u32, u32), free| Span {
        interval: Interval::new(t(from.0, from.1), t(to.0, to.1)),
        free,
    };
    assert_eq!(
        planner.free_busy(ChairId(1), window),
        vec![
            span((8, 0), (10, 0), true),
            span((10, 0), (11, 30), false),
            span((11, 30), (14, 0), true),
            span((14, 0), (15, 0), false),
            span((15, 0), (18, 0), true),
        ]
    );
    // A window inside a booking is all busy.
    let inside = Interval::new(t(10, 30), t(11, 0));
    assert_eq!(
        planner.free_busy(ChairId(1), inside),
        vec![span((10, 30), (11, 0), false)]
    );
}
