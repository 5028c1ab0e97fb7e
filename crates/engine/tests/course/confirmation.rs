//! The patient's answer to a reminder: a confirmation is kept (and
//! forgotten by a move), a decline is a miss whose dose is rebooked, and
//! inside the clinic's notice a decline or a request to move is a late
//! cancellation that binds the patient — never a clinician's change.

use chairside_engine::course::*;
use chrono::Duration;

use crate::course::world::*;

fn answer(session: SessionId, answer: ReminderAnswer) -> Action {
    Action::Answer { session, answer }
}

#[test]
fn a_confirmation_is_kept_until_the_booking_moves() {
    let mut world = iv_world();
    let second = world.with_status(SessionStatus::Booked)[1].clone();
    world.now = second.start - Duration::hours(48);
    let decision = world
        .act(answer(second.id, ReminderAnswer::Confirmed))
        .unwrap();
    assert!(decision
        .events
        .contains(&CourseEvent::SessionConfirmed(second.id)));
    assert_eq!(world.session(second.id).confirmed_at, Some(world.now));
    assert_eq!(world.session(second.id).status, SessionStatus::Booked);
    world
        .act(Action::Reschedule {
            session: second.id,
            to: Target::NextBest { not_before: None },
            reason: "the desk moved it".into(),
            override_reason: None,
        })
        .unwrap();
    assert_eq!(
        world.session(second.id).confirmed_at,
        None,
        "confirmed for the old time"
    );
}

#[test]
fn a_decline_with_notice_is_a_miss_and_the_dose_is_rebooked() {
    let mut world = iv_world();
    let second = world.with_status(SessionStatus::Booked)[1].clone();
    let booked_before = world.with_status(SessionStatus::Booked).len();
    world.now = second.start - Duration::hours(30);
    world
        .act(answer(second.id, ReminderAnswer::Declined))
        .unwrap();
    let declined = world.session(second.id);
    assert_eq!(declined.status, SessionStatus::Cancelled);
    assert!(
        !declined.late_cancellation,
        "30 hours is outside the 24-hour notice"
    );
    assert_eq!(
        world.with_status(SessionStatus::Booked).len(),
        booked_before,
        "the dose is rebooked"
    );
}

#[test]
fn inside_the_notice_a_decline_or_a_request_to_move_is_a_late_cancellation() {
    for said in [ReminderAnswer::Declined, ReminderAnswer::AskedToMove] {
        let mut world = iv_world();
        let second = world.with_status(SessionStatus::Booked)[1].clone();
        world.now = second.start - Duration::hours(3);
        world.act(answer(second.id, said)).unwrap();
        let late = world.session(second.id);
        assert_eq!(late.status, SessionStatus::Cancelled, "{said:?}");
        assert!(late.late_cancellation, "{said:?} 3 hours before");
        assert!(
            world
                .with_status(SessionStatus::Booked)
                .iter()
                .all(|s| !s.late_cancellation),
            "the rebooked dose starts clean"
        );
    }
}

#[test]
fn a_request_to_move_with_notice_moves_the_booking() {
    let mut world = iv_world();
    let second = world.with_status(SessionStatus::Booked)[1].clone();
    world.now = second.start - Duration::hours(72);
    world
        .act(answer(second.id, ReminderAnswer::AskedToMove))
        .unwrap();
    let moved = world.session(second.id);
    assert_eq!(moved.status, SessionStatus::Booked);
    assert!(moved.start > second.start);
    assert!(!moved.late_cancellation);
}

#[test]
fn a_clinicians_cancellation_is_never_late() {
    let mut world = iv_world();
    let second = world.with_status(SessionStatus::Booked)[1].clone();
    world.now = second.start - Duration::hours(1);
    world
        .act(Action::Cancel {
            session: second.id,
            reason: "chair out of service".into(),
            remaining: false,
        })
        .unwrap();
    assert!(!world.session(second.id).late_cancellation);
}

#[test]
fn a_session_under_way_is_not_answered() {
    let mut world = iv_world();
    let first = world.next_booked();
    world.now = first.start + Duration::minutes(5);
    let refusal = refused_by(world.act(answer(first.id, ReminderAnswer::Declined)));
    assert_eq!(refusal.rule, CourseRule::StatusOrder);
    assert_eq!(world.session(first.id).status, SessionStatus::Booked);
}
