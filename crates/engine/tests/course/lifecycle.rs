//! A course's life as a clinician shapes it: one running course per kind,
//! pause, resume, cease, at-risk decisions, booster spacing, corrections.

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::Duration;

use crate::course::world::*;

/// The running course of a kind is the active one of that kind, never the
/// course asking: the same answer refuses a second induction, a resume,
/// and gives an imported appointment its course.
#[test]
fn the_running_course_of_a_kind_is_the_active_one_of_that_kind() {
    let course = |id, modality, status| OtherCourse {
        id,
        modality,
        status,
    };
    let others = [
        course(1, Modality::Iv, CourseStatus::Paused),
        course(2, Modality::Intranasal, CourseStatus::Active),
        course(3, Modality::Iv, CourseStatus::Completed),
        course(4, Modality::Iv, CourseStatus::Active),
    ];
    let running =
        |modality, except| running_course_of_kind(&others, modality, except).map(|c| c.id);
    assert_eq!(running(Modality::Iv, None), Some(4));
    assert_eq!(running(Modality::Intranasal, None), Some(2));
    assert_eq!(running(Modality::Im, None), None);
    assert_eq!(
        running(Modality::Iv, Some(4)),
        None,
        "not the course asking"
    );
}

#[test]
fn a_second_iv_induction_is_refused_while_the_first_runs() {
    let mut world = iv_world();
    world.other_courses = vec![OtherCourse {
        id: 7,
        modality: Modality::Iv,
        status: CourseStatus::Active,
    }];
    let refusal = match world.book(presets::iv_ketamine_standard(), date(2026, 3, 2)) {
        Err(EngineError::Refused(r)) => *r,
        other => panic!("{other:?}"),
    };
    assert_eq!(refusal.rule, CourseRule::OneRunningCourse);
    assert_eq!(refusal.other_course, Some(7));
    // A paused course does not block a new one; esketamine is another kind.
    world.other_courses[0].status = CourseStatus::Paused;
    world
        .book(presets::iv_ketamine_standard(), date(2026, 3, 2))
        .unwrap();
    world.other_courses[0].status = CourseStatus::Active;
    world
        .book(presets::esketamine_nasal(), date(2026, 3, 2))
        .unwrap();
}

#[test]
fn a_paused_course_resumes_only_while_no_other_of_its_kind_runs() {
    let mut world = iv_world();
    world
        .decide_clinically(Action::Pause {
            reason: "hospitalised".into(),
        })
        .unwrap();
    assert!(world.with_status(SessionStatus::Booked).is_empty());
    world.other_courses = vec![OtherCourse {
        id: 9,
        modality: Modality::Iv,
        status: CourseStatus::Active,
    }];
    let resume = Action::Resume {
        from: None,
        reason: "discharged".into(),
    };
    assert_eq!(
        refused_by(world.decide_clinically(resume.clone())).rule,
        CourseRule::OneRunningCourse
    );
    world.other_courses.clear();
    world.decide_clinically(resume).unwrap();
    assert_eq!(world.booked_in(0).len(), 6);
}

#[test]
fn a_resume_date_in_the_past_is_refused_naming_the_field() {
    let mut world = iv_world();
    world
        .decide_clinically(Action::Pause {
            reason: "hospitalised".into(),
        })
        .unwrap();
    let result = world.decide_clinically(Action::Resume {
        from: Some(date(2026, 2, 1)),
        reason: "discharged".into(),
    });
    assert!(matches!(result, Err(EngineError::InvalidInput { ref field, .. }) if field == "from"));
}

#[test]
fn earliest_in_the_past_is_refused_when_booking() {
    let mut world = World::clinic(2, ny(date(2026, 2, 27), 9, 0));
    let result = world.book(presets::iv_ketamine_standard(), date(2026, 2, 20));
    assert!(
        matches!(result, Err(EngineError::InvalidInput { ref field, .. }) if field == "earliest")
    );
}

#[test]
fn cancelling_all_remaining_puts_the_course_on_hold() {
    let mut world = iv_world();
    let first = world.next_booked();
    world.give(first.id);
    // "All remaining" starts from the course's next booking: a course on
    // hold holds no booking to come.
    let booked = world.with_status(SessionStatus::Booked);
    let cancel_remaining = |session: &CourseSession| Action::Cancel {
        session: session.id,
        reason: "patient stops for now".into(),
        remaining: true,
    };
    let refusal = refused_by(world.act(cancel_remaining(&booked[1])));
    assert_eq!(refusal.rule, CourseRule::StatusOrder);
    assert!(refusal
        .detail
        .contains(&format!("session {}", booked[0].id.0)));
    world.act(cancel_remaining(&booked[0])).unwrap();
    assert_eq!(world.course.status, CourseStatus::Paused);
    assert!(world.with_status(SessionStatus::Booked).is_empty());
    assert_eq!(world.with_status(SessionStatus::Cancelled).len(), 5);
}

#[test]
fn ceasing_cancels_what_is_booked_and_is_final() {
    let mut world = iv_world();
    let decision = world
        .decide_clinically(Action::Cease {
            reason: "adverse reaction".into(),
        })
        .unwrap();
    assert_eq!(decision.cancelled().len(), 6);
    assert_eq!(world.course.status, CourseStatus::Ceased);
    assert_eq!(
        refused_by(world.decide_clinically(Action::Cease {
            reason: "again".into()
        }))
        .rule,
        CourseRule::CourseOver
    );
}

fn at_risk_world() -> World {
    let mut world = iv_world();
    world.calendar.closures.push(Closure {
        scope: ClosureScope::Clinic,
        span: ClosureSpan::Days {
            first: date(2026, 3, 5),
            last: date(2026, 3, 25),
        },
    });
    let first = world.next_booked();
    world.give(first.id);
    let second = world.next_booked();
    world.miss(second.id);
    assert!(world.course.at_risk.is_some());
    world
}

#[test]
fn an_accepted_extension_books_the_relaxed_plan() {
    let mut world = at_risk_world();
    let decision = world
        .decide_clinically(Action::DecideAtRisk {
            choice: AtRiskChoice::AcceptExtension,
            reason: "the patient prefers to wait".into(),
        })
        .unwrap();
    assert!(world.course.at_risk.is_none());
    assert!(world.course.extension_accepted);
    assert!(decision
        .events
        .iter()
        .any(|e| matches!(e, CourseEvent::AtRiskDecided { .. })));
    let c = SeriesCount::of(
        &world.course,
        0,
        &world.course.current_series().unwrap().clone(),
    );
    assert_eq!(c.completed + c.planned, 6);
}

#[test]
fn a_restarted_series_counts_only_its_own_doses() {
    let mut world = at_risk_world();
    world
        .decide_clinically(Action::DecideAtRisk {
            choice: AtRiskChoice::RestartSeries,
            reason: "start again after the closure".into(),
        })
        .unwrap();
    let c = SeriesCount::of(
        &world.course,
        0,
        &world.course.current_series().unwrap().clone(),
    );
    assert_eq!((c.completed, c.planned), (0, 6));
    for _ in 0..6 {
        let next = world.next_booked();
        world.give(next.id);
    }
    assert_eq!(world.course.phase, 1);
    assert_eq!(world.with_status(SessionStatus::Completed).len(), 7);
}

#[test]
fn an_at_risk_decision_needs_an_at_risk_course() {
    let mut world = iv_world();
    assert_eq!(
        refused_by(world.decide_clinically(Action::DecideAtRisk {
            choice: AtRiskChoice::AcceptExtension,
            reason: "why not".into()
        }))
        .rule,
        CourseRule::AtRisk
    );
}

#[test]
fn a_completed_dose_entered_in_error_is_owed_again() {
    let mut world = iv_world();
    let first = world.next_booked();
    world.give(first.id);
    let decision = world
        .decide_clinically(Action::Correct {
            session: first.id,
            correction: Correction::EnteredInError,
            reason: "recorded on the wrong patient".into(),
        })
        .unwrap();
    assert!(decision
        .events
        .iter()
        .any(|e| matches!(e, CourseEvent::SessionCorrected { .. })));
    assert_eq!(
        world.session(first.id).status,
        SessionStatus::EnteredInError
    );
    assert_eq!(world.booked_in(0).len(), 6, "the dose is booked again");
}

#[test]
fn undoing_a_mistaken_no_show_cancels_its_replacement() {
    let mut world = iv_world();
    let first = world.next_booked();
    world.miss(first.id);
    assert_eq!(world.booked_in(0).len(), 6, "5 + a replacement");
    // The patient had arrived late and was treated; the desk clicked the
    // wrong row. The clinician undoes the no-show.
    world.now = first.start + Duration::minutes(40);
    world
        .decide_clinically(Action::Correct {
            session: first.id,
            correction: Correction::UndoLastChange,
            reason: "patient arrived late; marked no-show by mistake".into(),
        })
        .unwrap();
    assert_eq!(world.session(first.id).status, SessionStatus::Booked);
    assert_eq!(world.booked_in(0).len(), 6);
    let undo_again = Action::Correct {
        session: first.id,
        correction: Correction::UndoLastChange,
        reason: "flip".into(),
    };
    // The undo is itself undoable, once; a session never changed has nothing.
    let untouched = world.last_booked();
    assert_eq!(
        refused_by(world.decide_clinically(Action::Correct {
            session: untouched.id,
            correction: Correction::UndoLastChange,
            reason: "nothing".into(),
        }))
        .rule,
        CourseRule::NothingToUndo
    );
    let _ = undo_again;
}

#[test]
fn corrections_are_a_clinicians_and_need_a_reason() {
    let mut world = iv_world();
    let first = world.next_booked();
    let correct = |reason: &str| Action::Correct {
        session: first.id,
        correction: Correction::EnteredInError,
        reason: reason.into(),
    };
    assert_eq!(
        refused_by(world.act(correct("booked by mistake"))).rule,
        CourseRule::ClinicalDecision
    );
    assert!(matches!(
        world.decide_clinically(correct(" ")),
        Err(EngineError::InvalidInput { .. })
    ));
}

#[test]
fn booster_spacing_changes_move_only_future_boosters() {
    let mut world = iv_world();
    for _ in 0..6 {
        let next = world.next_booked();
        world.give(next.id);
    }
    let booster = world.booked_in(1)[0].clone();
    let decision = world
        .decide_clinically(Action::ChangeBoosterPolicy {
            policy: BoosterPolicy {
                interval_days: 28,
                floor_days: 14,
                ceiling_days: 42,
                tolerance_days: 3,
            },
            reason: "stable for two months".into(),
            override_floor: false,
        })
        .unwrap();
    assert_eq!(decision.cancelled(), vec![booster.id]);
    assert_eq!(decision.bookings.len(), 1);
    let change = decision.policy_change.expect("kept in the history");
    assert_eq!(change.new.interval_days, 28);
    let below = world.decide_clinically(Action::ChangeBoosterPolicy {
        policy: BoosterPolicy {
            interval_days: 10,
            floor_days: 7,
            ceiling_days: 42,
            tolerance_days: 3,
        },
        reason: "worse".into(),
        override_floor: false,
    });
    assert!(
        matches!(below, Err(EngineError::Violations(ref v)) if v[0].rule == Rule::BoosterFloor)
    );
}
