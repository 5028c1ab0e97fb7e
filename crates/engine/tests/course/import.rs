//! A course the previous system had booked: its appointments become the
//! first sessions, checked as times chosen by hand are, and the rest of
//! the series is planned after them.

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{DateTime, Utc};

use crate::course::world::*;

fn import(
    world: &World,
    appointments: &[(ChairId, DateTime<Utc>)],
) -> Result<Decision, EngineError> {
    let planner = Planner::new(&world.calendar, &world.others).unwrap();
    let at = world.situation(&planner, Role::FrontDesk);
    import_course(&world.course.protocol, appointments, &at)
}

#[test]
fn imported_appointments_are_kept_and_the_series_is_completed_after_them() {
    let world = iv_world();
    // Monday, Wednesday and Friday at 10:00 on chair 1.
    let days = [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6)];
    let appointments: Vec<_> = days.iter().map(|d| (ChairId(1), ny(*d, 10, 0))).collect();
    let decision = import(&world, &appointments).unwrap();
    assert_eq!(decision.bookings.len(), 6, "three imported, three planned");
    for (booking, (chair, start)) in decision.bookings.iter().zip(&appointments) {
        assert_eq!(
            (booking.placement.chair, booking.placement.start),
            (*chair, *start)
        );
    }
    assert!(decision.bookings[3].placement.start > appointments[2].1);
    assert_eq!(decision.events[0], CourseEvent::CourseBooked);
    assert!(decision.course.is_some(), "the new course's state");
}

#[test]
fn an_imported_time_that_breaks_the_rules_is_refused_naming_them() {
    let world = iv_world();
    // Saturday: the clinic is closed.
    match import(&world, &[(ChairId(1), ny(date(2026, 3, 7), 10, 0))]) {
        Err(EngineError::Violations(v)) => assert_eq!(v[0].rule, Rule::OpeningHours, "{v:?}"),
        other => panic!("expected violations, got {other:?}"),
    }
    // Two days running: the induction's spacing.
    let running = [
        (ChairId(1), ny(date(2026, 3, 2), 10, 0)),
        (ChairId(1), ny(date(2026, 3, 3), 10, 0)),
    ];
    assert!(matches!(
        import(&world, &running),
        Err(EngineError::Violations(_))
    ));
    // More appointments than the series holds.
    let too_many: Vec<_> = (0..7)
        .map(|i| {
            (
                ChairId(1),
                ny(date(2026, 3, 2) + chrono::Duration::days(2 * i), 10, 0),
            )
        })
        .collect();
    assert!(matches!(
        import(&world, &too_many),
        Err(EngineError::InvalidInput { .. })
    ));
}
