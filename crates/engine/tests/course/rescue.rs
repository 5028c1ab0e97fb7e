//! Freed chair time: what a decision frees, and freed time that brings an
//! at-risk course back inside its rules (`rescue`).

use chairside_engine::backfill::freed_by;
use chairside_engine::course::*;
use chairside_engine::*;
use chrono::Duration;

use crate::course::world::*;

/// One chair, the IV course booked from Monday 2 March; every other minute
/// of the chair is someone else's from 3 to 31 March. The first dose is
/// given and the second missed: the owed dose finds no chair within the
/// series' rules, and the course goes at risk.
fn at_risk_for_want_of_a_chair() -> World {
    let mut world = World::clinic(1, ny(date(2026, 2, 27), 9, 0));
    world
        .book(presets::iv_ketamine_standard(), date(2026, 3, 2))
        .expect("the course books");
    world.others = full_except_the_course(&world, None);
    let first = world.next_booked();
    world.give(first.id);
    let second = world.next_booked();
    world.miss(second.id);
    assert!(world.course.at_risk.is_some(), "no chair for the owed dose");
    world
}

/// Everybody else's bookings: every opening minute from 3 to 31 March,
/// around the course's own sessions, but for `freed`.
fn full_except_the_course(world: &World, freed: Option<Interval>) -> Occupancy {
    let mut others = Occupancy::new();
    let own: Vec<Interval> = world.course.sessions.iter().map(|s| s.interval()).collect();
    for day in 3..=31 {
        let mut at = ny(date(2026, 3, day), 8, 0);
        let close = ny(date(2026, 3, day), 18, 0);
        while at < close {
            let slot = Interval::new(at, at + Duration::minutes(30));
            let taken = own
                .iter()
                .chain(freed.iter())
                .any(|i| i.start < slot.end && slot.start < i.end);
            if !taken {
                others.add(Booking {
                    chair: ChairId(1),
                    interval: slot,
                });
            }
            at += Duration::minutes(30);
        }
    }
    others
}

#[test]
fn freed_time_that_keeps_the_series_inside_its_rules_saves_an_at_risk_course() {
    let mut world = at_risk_for_want_of_a_chair();
    let last = world.last_booked();
    // Someone cancels the Monday after the last booked dose: 10:00-11:30.
    let start = ny(date(2026, 3, 16), 10, 0);
    let freed = Interval::new(start, start + Duration::minutes(90));
    world.others = full_except_the_course(&world, Some(freed));
    assert!(start > last.start);
    let decision = world
        .act(Action::Rescue {
            chair: ChairId(1),
            start,
            moving: None,
        })
        .expect("the freed time saves the course");
    assert!(world.course.at_risk.is_none());
    assert!(decision
        .events
        .iter()
        .any(|e| matches!(e, CourseEvent::AtRiskResolved { .. })));
    assert!(world
        .with_status(SessionStatus::Booked)
        .iter()
        .any(|s| s.start == start));
}

#[test]
fn freed_time_outside_the_series_rules_saves_nothing() {
    let mut world = at_risk_for_want_of_a_chair();
    // Four weeks on is past the series' span: it would break its rules.
    let start = ny(date(2026, 3, 30), 10, 0);
    let freed = Interval::new(start, start + Duration::minutes(90));
    world.others = full_except_the_course(&world, Some(freed));
    let refused = world.act(Action::Rescue {
        chair: ChairId(1),
        start,
        moving: None,
    });
    assert!(
        matches!(refused, Err(EngineError::Violations(_))),
        "{refused:?}"
    );
    assert!(world.course.at_risk.is_some());
}

#[test]
fn only_an_at_risk_course_is_rescued() {
    let mut world = iv_world();
    let start = ny(date(2026, 3, 20), 10, 0);
    let refusal = refused_by(world.act(Action::Rescue {
        chair: ChairId(1),
        start,
        moving: None,
    }));
    assert_eq!(refusal.rule, CourseRule::AtRisk);
}

#[test]
fn a_cancellation_and_an_early_discharge_free_chair_time() {
    let mut world = iv_world();
    let booked = world.with_status(SessionStatus::Booked);
    let before = world.course.clone();
    let cancel = world
        .act(Action::Cancel {
            session: booked[2].id,
            reason: "unwell".into(),
            remaining: false,
        })
        .unwrap();
    let freed = freed_by(&before, &cancel, world.now);
    assert_eq!(freed.len(), 1, "{freed:?}");
    assert_eq!(
        (freed[0].start, freed[0].end),
        (booked[2].start, booked[2].end)
    );

    let first = world.next_booked();
    world.now = first.start;
    world
        .act(Action::CheckIn {
            session: first.id,
            note: None,
            escort_override: None,
        })
        .unwrap();
    world.now = first.start + Duration::minutes(60);
    let before = world.course.clone();
    let discharged = world
        .act(Action::Complete {
            session: first.id,
            note: None,
            discharged_at: None,
        })
        .unwrap();
    let freed = freed_by(&before, &discharged, world.now);
    assert_eq!(
        freed.len(),
        1,
        "the last 30 minutes of the chair time: {freed:?}"
    );
    assert_eq!((freed[0].start, freed[0].end), (world.now, first.end));
}

#[test]
fn a_move_frees_the_time_it_leaves() {
    let mut world = iv_world();
    let later = world.last_booked();
    let before = world.course.clone();
    let moved = world
        .act(Action::Reschedule {
            session: later.id,
            to: Target::NextBest { not_before: None },
            reason: "the patient asked".into(),
            override_reason: None,
        })
        .unwrap();
    let freed = freed_by(&before, &moved, world.now);
    assert!(
        freed
            .iter()
            .any(|f| (f.start, f.end) == (later.start, later.end)),
        "{freed:?}"
    );
}
