//! An engine decision is applied whole, at the versions it was taken on: a
//! stale version is refused, a change outside a transaction or the clinic
//! too, and a retried write runs again after a conflict.

use chairside_engine::course::{
    AtRisk, CourseEvent, CourseState, Decision, RemsFormDue, SessionId, SessionRef, SessionUpdate,
};
use chairside_store::models::{Actor, Course, CourseStatus, Role, Session, SessionStatus};
use chairside_store::repo::courses::Applied;
use chairside_store::repo::{courses, sessions};
use chairside_store::ErrorKind;
use chrono::{DateTime, NaiveDate, Utc};

use chairside_testkit::fixtures::{
    active_state, apply, at, book, book_in, moved, planned, seed, status_change, Booked, Fixture,
};
use chairside_testkit::queries::count;
use chairside_testkit::{backend_test, TestStore};

/// Three sessions booked on one chair, days 0, 2 and 4, and a re-plan of
/// them taken on that booking, with what the re-plan rests on.
struct Replan {
    fx: Fixture,
    booked: Booked,
    decision: Decision,
    /// The course's state after it: restarted at `restarted`, at risk for
    /// `at_risk`, its extension accepted.
    at_risk: AtRisk,
    restarted: DateTime<Utc>,
    /// When the REMS form the decision opens for s1 is due.
    due: NaiveDate,
}

fn doctor() -> Actor {
    Actor::key(5, Role::Clinician)
}

/// Books the three sessions and takes the re-plan (see [`replan_of`]):
/// the course restarted, at risk, its extension accepted; a REMS form due
/// for s1.
fn replan(db: &TestStore) -> Replan {
    let fx = seed(&db.store, 2, 1);
    let chair = fx.chair_ids[0];
    let plan: Vec<_> = (0..3)
        .map(|i| planned(chair, i + 1, at(2 * i as i64, 9), 90))
        .collect();
    let booked = book(&db.store, &fx, fx.patient_ids[0], &plan).unwrap();
    let restarted = at(0, 0);
    let at_risk = AtRisk {
        reason: "series runs past 21 days".into(),
        violations: vec![],
    };
    let state = CourseState {
        status: CourseStatus::Active,
        phase: 0,
        series_started_at: Some(restarted),
        booster_policy: None,
        at_risk: Some(at_risk.clone()),
        extension_accepted: true,
        held_until: None,
    };
    let due = NaiveDate::from_ymd_opt(2030, 3, 11).unwrap();
    let decision = replan_of(&booked.sessions, chair, state, due);
    Replan {
        fx,
        booked,
        decision,
        at_risk,
        restarted,
        due,
    }
}

/// The re-plan of three sessions on one chair: s3 moves into s2's slot and
/// becomes number 2, s2 is cancelled (listed last, applied first: it frees
/// the chair), s1 is checked in, and a new number 3 takes the slot s3
/// left; the course goes to `state`, and s1's REMS form is due on `due`.
fn replan_of(sessions: &[Session], chair: i64, state: CourseState, due: NaiveDate) -> Decision {
    let [s1, s2, s3] = [&sessions[0], &sessions[1], &sessions[2]];
    let at_risk = state.at_risk.clone().expect("the course at risk");
    Decision {
        updates: vec![
            SessionUpdate {
                sequence: Some(2),
                ..moved(s3, chair, s2.starts_at, s2.ends_at, Some("re-plan"))
            },
            status_change(s1, SessionStatus::CheckedIn, None),
            SessionUpdate {
                sequence: Some(9),
                ..status_change(s2, SessionStatus::Cancelled, Some("patient ill"))
            },
        ],
        bookings: vec![planned(chair, 3, s3.starts_at, 90)],
        course: Some(state),
        policy_change: None,
        discharge: None,
        rems_forms: vec![RemsFormDue {
            session: SessionId(s1.id),
            due_on: due,
        }],
        events: vec![
            CourseEvent::SessionCancelled(SessionId(s2.id)),
            CourseEvent::SessionRescheduled(
                SessionId(s3.id),
                chairside_engine::course::Placement {
                    chair: chairside_engine::ChairId(chair),
                    start: s3.starts_at,
                    end: s3.ends_at,
                },
            ),
            CourseEvent::SessionBooked(SessionRef::New(0)),
            CourseEvent::AtRisk(at_risk),
        ],
    }
}

/// The re-plan, applied at the versions it was taken on; and the course's
/// sessions as stored after it.
fn applied_replan(db: &TestStore) -> (Replan, Applied, Vec<Session>) {
    let replan = replan(db);
    let booked = &replan.booked;
    let applied = apply(
        &db.store,
        &booked.course,
        &booked.sessions,
        &replan.decision,
        doctor(),
    )
    .unwrap();
    let stored = db
        .store
        .read(|c| sessions::for_course(c, replan.fx.clinic_id, booked.course.id))
        .unwrap();
    (replan, applied, stored)
}

backend_test! {
    fn a_decision_on_a_stale_course_or_unread_sessions_leaves_nothing(db) {
        let Replan { fx, booked, decision, .. } = replan(db);
        // A writer still holding an older version of the course loses, and
        // leaves nothing: not the session changes, not the bookings, not
        // the history, not the forms.
        let stale = Course { version: booked.course.version - 1, ..booked.course.clone() };
        let mut conn = db.store.connection().unwrap();
        let tables = ["courses", "sessions", "session_status_history", "rems_monitoring_forms"];
        let counts = |conn: &mut chairside_store::DbConnection| -> Vec<i64> {
            tables.iter().map(|t| count(conn, t)).collect()
        };
        let before = counts(&mut conn);
        let err = apply(&db.store, &stale, &booked.sessions, &decision, doctor()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion, "{err}");
        assert_eq!(counts(&mut conn), before);
        // A decision must name only sessions it read (here s3 was not).
        let err = apply(&db.store, &booked.course, &booked.sessions[..2], &decision, doctor()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal, "{err}");
        assert_eq!(counts(&mut conn), before);
        assert_eq!(sessions::for_course(&mut conn, fx.clinic_id, booked.course.id).unwrap(), booked.sessions);
        assert_eq!(courses::get(&mut conn, fx.clinic_id, booked.course.id).unwrap(), booked.course);
    }
}

backend_test! {
    fn a_decision_is_applied_whole(db) {
        let (replan, applied, stored) = applied_replan(db);
        let Replan { fx, booked, at_risk, restarted, due, .. } = replan;
        let [s1, s2, s3] = [&booked.sessions[0], &booked.sessions[1], &booked.sessions[2]];
        let chair = fx.chair_ids[0];
        // Chairs freed first: the cancellation is applied before the move.
        assert_eq!(applied.changed.iter().map(|s| s.id).collect::<Vec<_>>(), [s2.id, s3.id, s1.id]);
        assert_eq!(applied.booked.len(), 1);
        let new = &applied.booked[0];
        assert_eq!((new.chair_id, new.starts_at, new.sequence, new.status), (chair, s3.starts_at, 3, SessionStatus::Booked));
        assert!(applied.policy_change.is_none());
        let course = &applied.course;
        assert_eq!(course.version, booked.course.version + 1);
        assert_eq!((course.status, course.current_phase, course.series_started_at, course.at_risk.clone(), course.extension_accepted),
            (CourseStatus::Active, 0, Some(restarted), Some(at_risk), true));
        let mut conn = db.store.connection().unwrap();
        assert_eq!(&courses::get(&mut conn, fx.clinic_id, course.id).unwrap(), course);

        let view: Vec<_> = stored.iter().map(|s| (s.id, s.sequence, s.starts_at, s.status, s.reason.as_deref(), s.version)).collect();
        assert_eq!(view, [
            (s1.id, 1, s1.starts_at, SessionStatus::CheckedIn, None, 2),
            (s3.id, 2, s2.starts_at, SessionStatus::Booked, Some("re-plan"), 2),
            (new.id, 3, s3.starts_at, SessionStatus::Booked, None, 1),
            (s2.id, 9, s2.starts_at, SessionStatus::Cancelled, Some("patient ill"), 2),
        ]);
        assert_eq!(chairside_testkit::queries::overlapping_live_pairs(&mut conn), 0);

        // Status history: one row per status change, with who and why; a
        // move is not a status change.
        let h2 = sessions::history(&mut conn, fx.clinic_id, s2.id).unwrap();
        assert_eq!(h2.iter().map(|h| (h.from_status, h.to_status, h.reason.as_deref(), h.key_id, h.role)).collect::<Vec<_>>(),
            [(Some(SessionStatus::Booked), SessionStatus::Cancelled, Some("patient ill"), Some(5), Role::Clinician)]);
        let h1 = sessions::history(&mut conn, fx.clinic_id, s1.id).unwrap();
        assert_eq!(h1.iter().map(|h| (h.from_status, h.to_status)).collect::<Vec<_>>(),
            [(Some(SessionStatus::Booked), SessionStatus::CheckedIn)]);
        assert!(sessions::history(&mut conn, fx.clinic_id, s3.id).unwrap().is_empty());
        let forms = chairside_store::repo::rems_forms::list(&mut conn, fx.clinic_id, true, Some(due)).unwrap();
        assert_eq!(forms.iter().map(|f| f.session_id).collect::<Vec<_>>(), [s1.id]);
    }
}

backend_test! {
    fn an_applied_decision_reads_back_as_decided(db) {
        let (Replan { fx, booked, .. }, applied, stored) = applied_replan(db);
        let [s1, s2, s3] = [&booked.sessions[0], &booked.sessions[1], &booked.sessions[2]];
        let new = &applied.booked[0];
        // The engine reads it back as it was decided, each session with the
        // status before its last change.
        let mut conn = db.store.connection().unwrap();
        let version = chairside_store::repo::protocols::get_version(&mut conn, fx.clinic_id, fx.protocol_version_id).unwrap();
        let engine = courses::engine_course(&mut conn, &applied.course, version.definition, &stored).unwrap();
        assert_eq!((engine.status, engine.phase, engine.extension_accepted), (CourseStatus::Active, 0, true));
        let previous: Vec<_> = engine.sessions.iter().map(|s| (s.id.0, s.sequence, s.previous_status)).collect();
        assert_eq!(previous, [
            (s1.id, 1, Some(SessionStatus::Booked)),
            (s3.id, 2, None),
            (new.id, 3, None),
            (s2.id, 9, Some(SessionStatus::Booked)),
        ]);
    }
}

backend_test! {
    fn after_a_decision_only_writers_at_its_versions_go_on(db) {
        let (Replan { fx, booked, decision, .. }, applied, stored) = applied_replan(db);
        let s1 = &booked.sessions[0];
        let course = &applied.course;
        let mut conn = db.store.connection().unwrap();
        // A writer that read the course after this change but s1 before it
        // loses too: every session changes only at the version read.
        let complete = Decision {
            updates: vec![status_change(s1, SessionStatus::Completed, None)],
            events: vec![CourseEvent::SessionCompleted(SessionId(s1.id))],
            ..Default::default()
        };
        let err = apply(&db.store, course, &booked.sessions, &complete, doctor()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion, "{err}");
        assert_eq!(sessions::for_course(&mut conn, fx.clinic_id, course.id).unwrap(), stored);

        // The same decision again, on the version it produced: the course
        // moves on only if the sessions can; s3's old slot is taken now.
        let again = Decision { updates: vec![], rems_forms: vec![], ..decision.clone() };
        let err = apply(&db.store, course, &stored, &again, doctor()).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::ChairTaken | ErrorKind::PatientDoubleBooked), "{err}");
        assert_eq!(&courses::get(&mut conn, fx.clinic_id, course.id).unwrap(), course);
        // And apply is a multi-statement write: never outside a transaction.
        let err = courses::apply(&mut conn, course, &[], &Decision::default(), doctor()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
    }
}

/// A front desk's move of `session` (as read) to the second chair on day 1,
/// 09:00 to 10:00, announced with where `from` was.
fn move_to_day_1(fx: &Fixture, from: &Session, session: &Session) -> Decision {
    Decision {
        updates: vec![moved(
            session,
            fx.chair_ids[1],
            at(1, 9),
            at(1, 10),
            Some("patient asked"),
        )],
        events: vec![CourseEvent::SessionRescheduled(
            SessionId(from.id),
            chairside_engine::course::Placement {
                chair: chairside_engine::ChairId(from.chair_id),
                start: from.starts_at,
                end: from.ends_at,
            },
        )],
        ..Default::default()
    }
}

backend_test! {
    fn a_stale_version_is_refused(db) {
        let fx = seed(&db.store, 2, 1);
        let booked = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap();
        let s = &booked.sessions[0];
        let actor = Actor::key(7, Role::FrontDesk);
        let check_in = Decision {
            updates: vec![status_change(s, SessionStatus::CheckedIn, None)],
            events: vec![CourseEvent::SessionCheckedIn(SessionId(s.id))],
            ..Default::default()
        };
        let applied = apply(&db.store, &booked.course, &booked.sessions, &check_in, actor).unwrap();
        let checked_in = &applied.changed[0];
        assert_eq!((checked_in.status, checked_in.version), (SessionStatus::CheckedIn, s.version + 1));
        // A change to a session moves its course's version on.
        assert_eq!(applied.course.version, booked.course.version + 1);
        // A second writer still holding the course and the session at
        // version 1 loses.
        let cancel = Decision {
            updates: vec![status_change(s, SessionStatus::Cancelled, Some("late"))],
            events: vec![CourseEvent::SessionCancelled(SessionId(s.id))],
            ..Default::default()
        };
        let err = apply(&db.store, &booked.course, &booked.sessions, &cancel, actor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        let move_to = |session: &Session| move_to_day_1(&fx, s, session);
        let err = apply(&db.store, &booked.course, &booked.sessions, &move_to(s), actor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        // So does one holding the new course but the session as it was.
        let err = apply(&db.store, &applied.course, &booked.sessions, &move_to(s), actor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        // And so does a session change at a stale version on its own.
        let err = db.store.write(|c| sessions::apply_update(c, fx.clinic_id, &move_to(s).updates[0], s.version, actor)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        let stored = db.store.read(|c| sessions::get(c, fx.clinic_id, s.id)).unwrap();
        assert_eq!(&stored, checked_in, "the losers changed nothing");
        assert_eq!(db.store.read(|c| courses::get(c, fx.clinic_id, s.course_id)).unwrap(), applied.course);
        // At the current versions the move goes through.
        let applied = apply(&db.store, &applied.course, std::slice::from_ref(checked_in), &move_to(s), actor).unwrap();
        let moved = &applied.changed[0];
        assert_eq!((moved.chair_id, moved.starts_at, moved.ends_at, moved.status, moved.version),
            (fx.chair_ids[1], at(1, 9), at(1, 10), SessionStatus::CheckedIn, 3));
        assert_eq!(moved.reason.as_deref(), Some("patient asked"));
        let history = db.store.read(|c| sessions::history(c, fx.clinic_id, s.id)).unwrap();
        assert_eq!(history.len(), 1, "a move is not a status change");
        assert_eq!(history[0].from_status, Some(SessionStatus::Booked));
        assert_eq!(history[0].to_status, SessionStatus::CheckedIn);
        assert_eq!((history[0].key_id, history[0].role), (Some(7), Role::FrontDesk));
        let course = db.store.read(|c| courses::get(c, fx.clinic_id, booked.course.id)).unwrap();
        assert_eq!(course.version, 3);
        let far_ahead = Course { version: course.version + 5, ..course.clone() };
        let err = apply(&db.store, &far_ahead, &[], &Decision { course: Some(active_state()), ..Default::default() }, actor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
    }
}

backend_test! {
    fn a_session_change_needs_a_transaction_and_a_session_of_the_clinic(db) {
        let fx = seed(&db.store, 2, 1);
        let booked = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap();
        let s = &booked.sessions[0];
        let actor = Actor::key(7, Role::FrontDesk);
        let move_to = |session: &Session| move_to_day_1(&fx, s, session);
        // A session that does not exist is not found.
        let ghost = Session { id: 999_999, ..s.clone() };
        let err = db.store.write(|c| sessions::apply_update(c, fx.clinic_id, &move_to(&ghost).updates[0], 1, actor)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        // Nor is one of another clinic.
        let err = db.store.write(|c| sessions::apply_update(c, fx.clinic_id + 1, &move_to(s).updates[0], s.version, actor)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        // A status change or a move must run in a transaction.
        let err = db.store.read(|c| sessions::apply_update(c, fx.clinic_id, &move_to(s).updates[0], s.version, actor)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert_eq!(db.store.read(|c| sessions::get(c, fx.clinic_id, s.id)).unwrap(), *s, "nothing changed");
        // Nor is a course that does not exist.
        let err = db.store.read(|c| courses::get(c, fx.clinic_id, 999_999)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
}

backend_test! {
    fn write_retrying_runs_the_closure_again_after_a_conflict(db) {
        let fx = seed(&db.store, 2, 2);
        book(&db.store, &fx, fx.patient_ids[1], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap();
        let mut attempts = 0;
        // A naive planner: try chair 0 first, then the next chair.
        let booked = db.store.write_retrying(3, 1, |conn| {
            let chair = fx.chair_ids[attempts];
            attempts += 1;
            book_in(conn, &fx, fx.protocol_version_id, fx.patient_ids[0], &[planned(chair, 1, at(0, 9), 60)])
        }).unwrap();
        assert_eq!(attempts, 2);
        assert_eq!(booked.sessions[0].chair_id, fx.chair_ids[1]);
        let mut conn = db.store.connection().unwrap();
        assert_eq!(count(&mut conn, "courses"), 2, "the failed attempt left nothing");
    }
}
