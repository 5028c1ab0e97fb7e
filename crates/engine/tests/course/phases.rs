//! Phases advance exactly when their count is reached, with Day 1 of each
//! phase counted from its first session (domain: protocols).

use chairside_engine::course::*;
use chairside_engine::*;

use crate::course::world::*;

#[test]
fn an_iv_induction_hands_over_to_boosters_at_the_sixth_completed_dose() {
    let mut world = iv_world();
    for n in 1..=6 {
        let next = world.next_booked();
        let decision = world.give(next.id);
        if n < 6 {
            assert_eq!(world.course.phase, 0);
            assert!(decision.bookings.is_empty(), "dose {n}: {decision:?}");
        } else {
            assert!(decision
                .events
                .contains(&CourseEvent::PhaseCompleted { phase: 0 }));
            assert_eq!(decision.bookings.len(), 1, "one booster booked ahead");
        }
    }
    assert_eq!(world.course.phase, 1);
    let last_infusion = dates(&world.with_status(SessionStatus::Completed))[5];
    let booster = dates(&world.booked_in(1))[0];
    let gap = (booster - last_infusion).num_days();
    assert!(
        (18..=24).contains(&gap),
        "21 ± 3 days after the last infusion: {gap}"
    );
    // Each booster given books the next one.
    let first_booster = world.booked_in(1)[0].clone();
    world.give(first_booster.id);
    assert_eq!(world.booked_in(1).len(), 1);
    assert_eq!(world.course.status, CourseStatus::Active);
}

#[test]
fn esketamine_runs_weeks_one_to_four_then_five_to_eight_then_maintenance() {
    let mut world = World::starting_monday(presets::esketamine_nasal());
    assert_eq!(world.booked_in(0).len(), 8, "twice weekly for four weeks");
    for _ in 0..8 {
        let next = world.next_booked();
        world.give(next.id);
    }
    assert_eq!(world.course.phase, 1);
    let weeks_5_8 = world.booked_in(1);
    assert_eq!(weeks_5_8.len(), 4, "weekly for four weeks");
    let last_of_phase_one = *dates(&world.with_status(SessionStatus::Completed))
        .last()
        .unwrap();
    let phase_two = dates(&weeks_5_8);
    let rules = world.course.current_series().unwrap().clone();
    let gap = (phase_two[0] - last_of_phase_one).num_days();
    assert!(
        (rules.min_days_between as i64..=rules.max_days_between as i64).contains(&gap),
        "{gap}"
    );
    // Phase weeks count from Day 1 of the phase: one session in each.
    let day1 = phase_two[0];
    let weeks: Vec<i64> = phase_two
        .iter()
        .map(|d| (*d - day1).num_days() / 7)
        .collect();
    assert_eq!(weeks, vec![0, 1, 2, 3]);
    for _ in 0..4 {
        let next = world.next_booked();
        world.give(next.id);
    }
    assert_eq!(world.course.phase, 2, "maintenance");
    assert_eq!(world.booked_in(2).len(), 1);
}

#[test]
fn a_protocol_without_boosters_completes_the_course() {
    let mut protocol = presets::iv_ketamine_standard();
    protocol.phases.truncate(1);
    let mut world = World::starting_monday(protocol);
    for _ in 0..6 {
        let next = world.next_booked();
        world.give(next.id);
    }
    assert_eq!(world.course.status, CourseStatus::Completed);
    assert!(world.with_status(SessionStatus::Booked).is_empty());
}
