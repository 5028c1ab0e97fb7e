//! A course held for a patient portal: planned and written like a booking
//! (its sessions hold their chairs), announced only as held; confirmed in
//! time it is booked and its sessions announced; let go or run out, every
//! chair is freed and the course ends; nothing else happens to it while
//! held.

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::Duration;

use crate::course::world::*;

/// The starting-Monday world, its course held for ten minutes.
fn held_world() -> World {
    let mut world = iv_world();
    world.course.held_until = Some(world.now + Duration::minutes(10));
    world
}

#[test]
fn a_held_plan_is_the_booking_plan_announced_as_held() {
    let world = iv_world();
    let planner = Planner::new(&world.calendar, &world.others).unwrap();
    let at = world.situation(&planner, Role::FrontDesk);
    let request = CourseRequest {
        protocol: &world.course.protocol,
        earliest: date(2026, 3, 2),
        first_within_days: 28,
    };
    let booked = book_course(&request, &at).unwrap();
    let held = hold_course(&request, &at, 10).unwrap();
    assert_eq!(held.bookings, booked.bookings, "the same plan");
    let until = world.now + Duration::minutes(10);
    assert_eq!(held.course.as_ref().unwrap().held_until, Some(until));
    assert_eq!(held.events, vec![CourseEvent::Held { until }]);
    for minutes in [0, MAX_HOLD_MINUTES + 1] {
        assert!(matches!(
            hold_course(&request, &at, minutes),
            Err(EngineError::InvalidInput { .. })
        ));
    }
}

#[test]
fn confirmed_in_time_the_course_is_booked_and_announced() {
    let mut world = held_world();
    let booked = world.with_status(SessionStatus::Booked);
    let decision = world.act(Action::ConfirmHold).unwrap();
    assert_eq!(world.course.held_until, None);
    assert_eq!(decision.events[0], CourseEvent::CourseBooked);
    assert_eq!(
        decision.events.len(),
        1 + booked.len(),
        "each session announced"
    );
    assert_eq!(world.with_status(SessionStatus::Booked).len(), booked.len());
}

#[test]
fn a_hold_that_ran_out_is_not_confirmed() {
    let mut world = held_world();
    world.now += Duration::minutes(10);
    let refusal = refused_by(world.act(Action::ConfirmHold));
    assert_eq!(refusal.rule, CourseRule::StatusOrder);
    assert!(refusal.detail.contains("ran out"), "{}", refusal.detail);
}

#[test]
fn a_released_hold_frees_every_chair_and_ends_the_course() {
    let mut world = held_world();
    let decision = world.act(Action::ReleaseHold { expired: true }).unwrap();
    assert!(world.with_status(SessionStatus::Booked).is_empty());
    assert_eq!(world.course.status, CourseStatus::Ceased);
    assert_eq!(world.course.held_until, None);
    assert_eq!(
        decision.events,
        vec![CourseEvent::HoldReleased { expired: true }]
    );
}

#[test]
fn nothing_else_happens_to_a_held_course() {
    let mut world = held_world();
    let first = world.next_booked();
    let refusal = refused_by(world.act(Action::Cancel {
        session: first.id,
        reason: "changed my mind".into(),
        remaining: false,
    }));
    assert_eq!(refusal.rule, CourseRule::CourseActive);
    assert!(refusal.detail.contains("held"), "{}", refusal.detail);
    assert_eq!(
        refused_by(iv_world().act(Action::ConfirmHold)).rule,
        CourseRule::StatusOrder
    );
}
