//! Local times around New York's clock changes: never a guessed start,
//! never a panic on an hour that does not exist.

use chairside_engine::*;
use chrono::{Duration, NaiveTime};

use super::{a_single_session, TWENTY_MINUTES};
use crate::support::clinics::one_chair;
use crate::support::planning::{is_infeasible, phase_request, validation_request};
use crate::support::wall_clock::{date, instant, time, NEW_YORK};

/// On 2026-11-01 New York repeats 01:00-01:59. A range that closes inside
/// the repeated hour (here 00:00-01:30) has the same UTC offset at both
/// ends, so `fitting_starts` takes its "steady" fast path and converts
/// 01:00 with the summer offset instead of rejecting it: the planner and
/// availability offer 01:00, a local time that occurs twice (05:00Z and
/// 06:00Z), i.e. a guess (issue: "never guessed").
#[test]
fn regression_no_ambiguous_start_when_a_range_closes_in_the_repeated_hour() {
    let mut hours = WeeklyHours::default();
    hours.sun.push(OpeningRange {
        opens: time(0, 0),
        closes: time(1, 30),
    });
    let calendar = one_chair(NEW_YORK, hours);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let fall_back = date(2026, 11, 1);
    let open = planner
        .availability(&AvailabilityRequest {
            modality: Modality::Iv,
            chair_time: TWENTY_MINUTES,
            from: fall_back,
            to: fall_back,
            staffing: None,
        })
        .unwrap();
    let times: Vec<NaiveTime> = open.iter().map(|o| o.local_time).collect();
    assert!(
        !times.contains(&time(1, 0)),
        "01:00 occurs twice on {fall_back}: {times:?}"
    );

    let mut protocol = a_single_session();
    protocol.chair_time = TWENTY_MINUTES;
    let preferences = PatientPreferences {
        earliest_start: Some(time(1, 0)),
        ..Default::default()
    };
    let result = planner.plan_phase(&phase_request(&protocol, &preferences, fall_back, 0));
    assert!(
        is_infeasible(&result),
        "only 01:00 (ambiguous) is in the window: {result:?}"
    );
}

/// On 2026-03-08 New York skips 02:00-02:59. An opening range of
/// 02:00-03:00 on Sundays (or a closure 02:00-02:30 that day) starts and
/// ends at the same instant, 07:00Z, once both ends are resolved ("takes
/// effect when the clocks resume"). `Planner::opening_intervals` (used by
/// `validate_sessions`) and `Planner::new` (closures) call `Interval::new`
/// on it before filtering, and its `debug_assert!(start < end)` panics in
/// debug builds ("empty interval 2026-03-08 07:00:00 UTC..07:00:00 UTC").
/// Found by `every_plan_keeps_every_rule_on_dst_nights`.
#[test]
fn regression_no_panic_when_an_opening_range_or_closure_lies_in_a_skipped_hour() {
    let spring = date(2026, 3, 8);
    let mut hours = WeeklyHours::default();
    hours.sun.push(OpeningRange {
        opens: time(2, 0),
        closes: time(3, 0),
    });
    hours.sun.push(OpeningRange {
        opens: time(3, 30),
        closes: time(4, 0),
    });
    let calendar = one_chair(NEW_YORK, hours);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let mut protocol = a_single_session();
    protocol.chair_time = TWENTY_MINUTES;
    let start = instant(NEW_YORK, spring, time(3, 30));
    let session = [ProposedSession {
        chair: ChairId(1),
        start,
        end: start + Duration::minutes(20),
    }];
    let validate = std::panic::catch_unwind(|| {
        planner.validate_sessions(&validation_request(&protocol, &session))
    });
    assert!(
        matches!(validate, Ok(Ok(ref v)) if v.is_empty()),
        "03:30-03:50 on {spring} is open: {validate:?}"
    );

    let mut closed = one_chair(NEW_YORK, WeeklyHours::default());
    closed.closures.push(Closure {
        scope: ClosureScope::Clinic,
        span: ClosureSpan::Range {
            start: spring.and_time(time(2, 0)),
            end: spring.and_time(time(2, 30)),
        },
    });
    let built = std::panic::catch_unwind(|| Planner::new(&closed, &occupancy).is_ok());
    assert!(
        built.is_ok(),
        "Planner::new panicked on a closure inside the skipped hour"
    );
}
