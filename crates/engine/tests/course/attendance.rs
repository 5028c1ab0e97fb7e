//! What happened at a session can be recorded only when it can have
//! happened (domain: counting and time), in clinic time.

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::Duration;

use crate::course::world::*;

fn check_in(id: SessionId) -> Action {
    Action::CheckIn {
        session: id,
        note: None,
        escort_override: None,
    }
}

#[test]
fn a_session_three_weeks_ahead_cannot_be_checked_in_today() {
    let mut world = iv_world();
    let last = world.last_booked();
    let refusal = refused_by(world.act(check_in(last.id)));
    assert_eq!(refusal.rule, CourseRule::CheckInWindow);
    // Check-in opens an hour before the start, on the session's day.
    assert_eq!(
        refusal.possible_from,
        Some(last.start - Duration::minutes(60))
    );
    assert_eq!(world.session(last.id).status, SessionStatus::Booked);
}

#[test]
fn check_in_opens_an_hour_before_the_start_and_closes_at_its_end() {
    let mut world = iv_world();
    let first = world.next_booked();
    world.now = first.start - Duration::minutes(61);
    assert_eq!(
        refused_by(world.act(check_in(first.id))).rule,
        CourseRule::CheckInWindow
    );
    world.now = first.end;
    let late = refused_by(world.act(check_in(first.id)));
    assert_eq!(
        (late.rule, late.possible_from),
        (CourseRule::CheckInWindow, None)
    );
    world.now = first.start - Duration::minutes(60);
    world.act(check_in(first.id)).unwrap();
    assert_eq!(world.session(first.id).status, SessionStatus::CheckedIn);
}

#[test]
fn the_check_in_lead_is_the_clinics_setting_and_never_reaches_the_day_before() {
    let mut world = iv_world();
    world.settings.check_in_opens_minutes_before = 12 * 60;
    let first = world.next_booked(); // 10:00 on Monday 2 March
    world.now = ny(date(2026, 3, 1), 23, 30);
    let refusal = refused_by(world.act(check_in(first.id)));
    assert_eq!(refusal.possible_from, Some(ny(date(2026, 3, 2), 0, 0)));
}

#[test]
fn a_whole_induction_cannot_be_completed_before_it_happened() {
    let mut world = iv_world();
    for session in world.with_status(SessionStatus::Booked) {
        let refused = refused_by(world.act(Action::Complete {
            session: session.id,
            note: None,
            discharged_at: None,
        }));
        assert_eq!(refused.rule, CourseRule::StatusOrder, "{refused:?}");
    }
    assert_eq!(world.course.phase, 0);
    assert!(world.with_status(SessionStatus::Completed).is_empty());
}

#[test]
fn not_dosed_comes_only_after_check_in() {
    let mut world = iv_world();
    let first = world.next_booked();
    world.now = first.start;
    let refused = refused_by(world.act(Action::NotDosed {
        session: first.id,
        reason: "blood pressure 152/96".into(),
    }));
    assert_eq!(refused.rule, CourseRule::StatusOrder);
    world.act(check_in(first.id)).unwrap();
    let blank = world.act(Action::NotDosed {
        session: first.id,
        reason: "  ".into(),
    });
    assert!(matches!(blank, Err(EngineError::InvalidInput { ref field, .. }) if field == "reason"));
    world
        .act(Action::NotDosed {
            session: first.id,
            reason: "blood pressure 152/96".into(),
        })
        .unwrap();
    assert_eq!(world.session(first.id).status, SessionStatus::NotDosed);
}

#[test]
fn a_no_show_waits_for_the_grace_period() {
    let mut world = iv_world();
    let first = world.next_booked();
    world.now = first.start + Duration::minutes(14);
    let refused = refused_by(world.act(Action::NoShow {
        session: first.id,
        note: None,
        automatic: false,
    }));
    assert_eq!(refused.rule, CourseRule::NoShowGrace);
    assert_eq!(
        refused.possible_from,
        Some(first.start + Duration::minutes(15))
    );
    world.now = first.start + Duration::minutes(15);
    world
        .act(Action::NoShow {
            session: first.id,
            note: None,
            automatic: false,
        })
        .unwrap();
    // Chairside's own worker waits for the clinic's automatic threshold.
    let second = world.next_booked();
    world.now = second.start + Duration::minutes(59);
    let refused = refused_by(world.act(Action::NoShow {
        session: second.id,
        note: None,
        automatic: true,
    }));
    assert_eq!(
        refused.possible_from,
        Some(second.start + Duration::minutes(60))
    );
}

#[test]
fn check_in_needs_a_driver_home_or_a_clinicians_override() {
    let mut world = iv_world();
    world.patient.escort_confirmed = false;
    let first = world.next_booked();
    world.now = first.start;
    assert_eq!(
        refused_by(world.act(check_in(first.id))).rule,
        CourseRule::EscortConfirmed
    );
    let with_a_taxi = Action::CheckIn {
        session: first.id,
        note: None,
        escort_override: Some("taxi arranged by the clinic".into()),
    };
    let by_desk = refused_by(world.act(with_a_taxi.clone()));
    assert_eq!(by_desk.rule, CourseRule::ClinicalDecision);
    world.decide_clinically(with_a_taxi).unwrap();
}

#[test]
fn consent_withdrawn_after_booking_stops_the_check_in() {
    let mut world = iv_world();
    world.patient.consent_on_file = false;
    let first = world.next_booked();
    world.now = first.start;
    assert_eq!(
        refused_by(world.act(check_in(first.id))).rule,
        CourseRule::ConsentOnFile
    );
}

#[test]
fn completing_an_esketamine_session_opens_its_rems_form_seven_days_later() {
    let mut world = World::starting_monday(presets::esketamine_nasal());
    let first = world.next_booked();
    let decision = world.give(first.id);
    assert_eq!(
        decision.rems_forms,
        vec![RemsFormDue {
            session: first.id,
            due_on: date(2026, 3, 9),
        }]
    );
}
