//! Booking: atomic courses, the database's overlap guard, one running
//! course per patient and kind, applying an engine decision whole,
//! optimistic concurrency.

use chairside_engine::course::{
    AtRisk, CourseEvent, CourseState, Decision, RemsFormDue, SessionId, SessionRef, SessionUpdate,
};
use chairside_engine::Modality;
use chairside_store::models::{Actor, Course, CourseStatus, Role, Session, SessionStatus};
use chairside_store::repo::courses::NewCourse;
use chairside_store::repo::{calendar, courses, measures, sessions};
use chairside_store::{Backend, ErrorKind, StoreError};
use chrono::{Duration, NaiveDate};
use diesel::connection::SimpleConnection;

use crate::support::{
    active_state, apply, at, backend_test, book, book_in, count, moved, planned, seed,
    status_change,
};

backend_test! {
    fn course_with_six_sessions_outbox_and_audit_commits_together(db) {
        let fx = seed(&db.store, 2, 1);
        let plan: Vec<_> = (0..6).map(|i| planned(fx.chair_ids[0], i + 1, at(2 * i as i64, 9), 150)).collect();
        let booked = book(&db.store, &fx, fx.patient_ids[0], &plan).expect("book");
        assert_eq!(booked.sessions.len(), 6);
        assert!(booked.sessions.iter().all(|s| s.status == SessionStatus::Booked && s.version == 1 && !s.omitted));
        assert_eq!(booked.sessions.iter().map(|s| s.sequence).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
        assert_eq!((booked.course.status, booked.course.current_phase, booked.course.modality),
            (CourseStatus::Active, 0, Some(Modality::Iv)));
        let mut conn = db.store.connection().unwrap();
        let stored = sessions::for_course(&mut conn, fx.clinic_id, booked.course.id).unwrap();
        assert_eq!(stored, booked.sessions, "returned sessions are what was stored");
        assert_eq!(courses::get(&mut conn, fx.clinic_id, booked.course.id).unwrap(), booked.course);
        assert_eq!(count(&mut conn, "outbox"), 1);
        assert_eq!(count(&mut conn, "audit_log"), 1);
        // Booking nothing writes nothing.
        assert!(sessions::insert(&mut conn, fx.clinic_id, booked.course.id, fx.patient_ids[0], &[]).unwrap().is_empty());
    }
}

backend_test! {
    fn a_conflict_on_the_sixth_session_leaves_nothing_behind(db) {
        let fx = seed(&db.store, 2, 2);
        // Someone else holds chair 0 on day 10.
        book(&db.store, &fx, fx.patient_ids[1], &[planned(fx.chair_ids[0], 1, at(10, 10), 60)]).unwrap();
        let mut conn = db.store.connection().unwrap();
        let before: Vec<i64> = ["courses", "sessions", "outbox", "audit_log"]
            .iter()
            .map(|t| count(&mut conn, t))
            .collect();
        let plan: Vec<_> = (0..6).map(|i| planned(fx.chair_ids[0], i + 1, at(2 * i as i64, 9), 150)).collect();
        let err = book(&db.store, &fx, fx.patient_ids[0], &plan).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ChairTaken, "{err}");
        let after: Vec<i64> = ["courses", "sessions", "outbox", "audit_log"]
            .iter()
            .map(|t| count(&mut conn, t))
            .collect();
        assert_eq!(before, after);
    }
}

backend_test! {
    fn the_same_patient_cannot_be_in_two_chairs(db) {
        // One patient on two kinds of course (IV ketamine and esketamine):
        // two active courses are allowed, two chairs at once are not.
        let fx = seed(&db.store, 2, 1);
        let p = fx.patient_ids[0];
        book(&db.store, &fx, p, &[planned(fx.chair_ids[0], 1, at(0, 9), 120)]).unwrap();
        let nasal = |start, minutes| {
            db.store.write(|c| book_in(c, &fx, fx.nasal_version_id, p, &[planned(fx.chair_ids[1], 1, start, minutes)]))
        };
        let err = nasal(at(0, 10), 60).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PatientDoubleBooked, "{err}");
        // Back to back is not an overlap: intervals are half-open.
        let second = nasal(at(0, 11), 60).unwrap();
        assert_eq!(second.course.modality, Some(Modality::Intranasal));
    }
}

backend_test! {
    fn a_second_active_course_of_one_kind_is_refused(db) {
        let fx = seed(&db.store, 3, 2);
        let (p, q) = (fx.patient_ids[0], fx.patient_ids[1]);
        let first = book(&db.store, &fx, p, &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap();
        let mut conn = db.store.connection().unwrap();
        let before: Vec<i64> = ["courses", "sessions", "outbox", "audit_log"]
            .iter()
            .map(|t| count(&mut conn, t))
            .collect();
        // A second IV course for the same patient, on days far from the
        // first's sessions: refused by the unique index, and the booking
        // leaves nothing behind.
        let err = book(&db.store, &fx, p, &[planned(fx.chair_ids[1], 1, at(30, 9), 60)]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CourseRunning, "{err}");
        assert!(err.is_retryable(), "a concurrent booking's refusal is worth a fresh look");
        let after: Vec<i64> = ["courses", "sessions", "outbox", "audit_log"]
            .iter()
            .map(|t| count(&mut conn, t))
            .collect();
        assert_eq!(before, after);
        // Another kind for the same patient, or the same kind for another
        // patient, is fine.
        db.store.write(|c| book_in(c, &fx, fx.nasal_version_id, p, &[planned(fx.chair_ids[1], 1, at(2, 9), 150)])).unwrap();
        book(&db.store, &fx, q, &[planned(fx.chair_ids[2], 1, at(0, 9), 60)]).unwrap();

        // Once the first course has ceased, a new IV course may start.
        let ceased = CourseState { status: CourseStatus::Ceased, ..active_state() };
        let decision = Decision {
            updates: vec![status_change(&first.sessions[0], SessionStatus::Cancelled, Some("ceased"))],
            course: Some(ceased),
            events: vec![CourseEvent::Discontinued],
            ..Default::default()
        };
        let done = apply(&db.store, &first.course, &first.sessions, &decision, Actor::key(2, Role::Clinician)).unwrap();
        assert_eq!(done.course.status, CourseStatus::Ceased);
        let second = book(&db.store, &fx, p, &[planned(fx.chair_ids[0], 1, at(30, 9), 60)]).unwrap();

        // A paused course does not block one either.
        let paused = CourseState { status: CourseStatus::Paused, ..active_state() };
        let decision = Decision {
            updates: vec![status_change(&second.sessions[0], SessionStatus::Cancelled, Some("paused"))],
            course: Some(paused),
            events: vec![CourseEvent::Paused],
            ..Default::default()
        };
        apply(&db.store, &second.course, &second.sessions, &decision, Actor::key(2, Role::Clinician)).unwrap();
        let third = book(&db.store, &fx, p, &[planned(fx.chair_ids[0], 1, at(40, 9), 60)]).unwrap();

        // ... but resuming it while the third runs is refused, by the
        // store's own write as by raw SQL.
        let paused_row = courses::get(&mut conn, fx.clinic_id, second.course.id).unwrap();
        let resume = Decision { course: Some(active_state()), events: vec![CourseEvent::Resumed { from: NaiveDate::from_ymd_opt(2030, 4, 1).unwrap() }], ..Default::default() };
        let err = apply(&db.store, &paused_row, &[], &resume, Actor::key(2, Role::Clinician)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CourseRunning, "{err}");
        let err = conn
            .batch_execute(&format!("UPDATE courses SET status = 'active' WHERE id = {}", second.course.id))
            .unwrap_err();
        assert_eq!(StoreError::from(err).kind(), ErrorKind::CourseRunning);
        // A course created directly (not through the helper) is held to it too.
        let state = active_state();
        let err = db.store.write(|c| courses::create(c, &NewCourse {
            clinic_id: fx.clinic_id,
            patient_id: p,
            protocol_version_id: fx.protocol_version_id,
            modality: Modality::Iv,
            state: &state,
        })).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CourseRunning);
        let mine = courses::of_patient(&mut conn, fx.clinic_id, p).unwrap();
        let statuses: Vec<_> = mine.iter().map(|c| (c.modality, c.status)).collect();
        assert_eq!(statuses, [
            (Some(Modality::Iv), CourseStatus::Ceased),
            (Some(Modality::Intranasal), CourseStatus::Active),
            (Some(Modality::Iv), CourseStatus::Paused),
            (Some(Modality::Iv), CourseStatus::Active),
        ]);
        assert_eq!(mine[3].id, third.course.id);
    }
}

backend_test! {
    fn a_decision_is_applied_whole(db) {
        let fx = seed(&db.store, 2, 1);
        let p = fx.patient_ids[0];
        let chair = fx.chair_ids[0];
        // Three sessions on one chair, days 0, 2 and 4.
        let plan: Vec<_> = (0..3).map(|i| planned(chair, i + 1, at(2 * i as i64, 9), 90)).collect();
        let booked = book(&db.store, &fx, p, &plan).unwrap();
        let [s1, s2, s3] = [&booked.sessions[0], &booked.sessions[1], &booked.sessions[2]];
        let doctor = Actor::key(5, Role::Clinician);
        let restarted = at(0, 0);
        let at_risk = AtRisk { reason: "series runs past 21 days".into(), violations: vec![] };
        let state = CourseState {
            status: CourseStatus::Active,
            phase: 0,
            series_started_at: Some(restarted),
            booster_policy: None,
            at_risk: Some(at_risk.clone()),
            extension_accepted: true,
        };
        let due = NaiveDate::from_ymd_opt(2030, 3, 11).unwrap();
        // A re-plan: s3 moves into s2's slot and becomes number 2, s2 is
        // cancelled (listed last, applied first: it frees the chair), s1
        // is checked in, and a new number 3 takes the slot s3 left.
        let decision = Decision {
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
            course: Some(state.clone()),
            policy_change: None,
            rems_forms: vec![RemsFormDue { session: SessionId(s1.id), due_on: due }],
            events: vec![
                CourseEvent::SessionCancelled(SessionId(s2.id)),
                CourseEvent::SessionRescheduled(SessionId(s3.id), chairside_engine::course::Placement {
                    chair: chairside_engine::ChairId(chair), start: s3.starts_at, end: s3.ends_at }),
                CourseEvent::SessionBooked(SessionRef::New(0)),
                CourseEvent::AtRisk(at_risk.clone()),
            ],
        };

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
        let err = apply(&db.store, &stale, &booked.sessions, &decision, doctor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion, "{err}");
        assert_eq!(counts(&mut conn), before);
        // A decision must name only sessions it read (here s3 was not).
        let err = apply(&db.store, &booked.course, &booked.sessions[..2], &decision, doctor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal, "{err}");
        assert_eq!(counts(&mut conn), before);
        assert_eq!(sessions::for_course(&mut conn, fx.clinic_id, booked.course.id).unwrap(), booked.sessions);
        assert_eq!(courses::get(&mut conn, fx.clinic_id, booked.course.id).unwrap(), booked.course);

        // The current version: all of it.
        let applied = apply(&db.store, &booked.course, &booked.sessions, &decision, doctor).unwrap();
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
        assert_eq!(&courses::get(&mut conn, fx.clinic_id, course.id).unwrap(), course);

        let stored = sessions::for_course(&mut conn, fx.clinic_id, course.id).unwrap();
        let view: Vec<_> = stored.iter().map(|s| (s.id, s.sequence, s.starts_at, s.status, s.reason.as_deref(), s.version)).collect();
        assert_eq!(view, [
            (s1.id, 1, s1.starts_at, SessionStatus::CheckedIn, None, 2),
            (s3.id, 2, s2.starts_at, SessionStatus::Booked, Some("re-plan"), 2),
            (new.id, 3, s3.starts_at, SessionStatus::Booked, None, 1),
            (s2.id, 9, s2.starts_at, SessionStatus::Cancelled, Some("patient ill"), 2),
        ]);
        assert_eq!(crate::support::overlapping_live_pairs(&mut conn), 0);

        // A writer that read the course after this change but s1 before it
        // loses too: every session changes only at the version read.
        let complete = Decision {
            updates: vec![status_change(s1, SessionStatus::Completed, None)],
            events: vec![CourseEvent::SessionCompleted(SessionId(s1.id))],
            ..Default::default()
        };
        let err = apply(&db.store, course, &booked.sessions, &complete, doctor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion, "{err}");
        assert_eq!(sessions::for_course(&mut conn, fx.clinic_id, course.id).unwrap(), stored);

        // Status history: one row per status change, with who and why; a
        // move is not a status change.
        let h2 = sessions::history(&mut conn, fx.clinic_id, s2.id).unwrap();
        assert_eq!(h2.iter().map(|h| (h.from_status, h.to_status, h.reason.as_deref(), h.key_id, h.role)).collect::<Vec<_>>(),
            [(Some(SessionStatus::Booked), SessionStatus::Cancelled, Some("patient ill"), Some(5), Role::Clinician)]);
        let h1 = sessions::history(&mut conn, fx.clinic_id, s1.id).unwrap();
        assert_eq!(h1.iter().map(|h| (h.from_status, h.to_status)).collect::<Vec<_>>(),
            [(Some(SessionStatus::Booked), SessionStatus::CheckedIn)]);
        assert!(sessions::history(&mut conn, fx.clinic_id, s3.id).unwrap().is_empty());
        let forms = measures::rems_forms_due(&mut conn, fx.clinic_id, due).unwrap();
        assert_eq!(forms.iter().map(|f| f.session_id).collect::<Vec<_>>(), [s1.id]);

        // The engine reads it back as it was decided, each session with the
        // status before its last change.
        let version = chairside_store::repo::protocols::get_version(&mut conn, fx.clinic_id, fx.protocol_version_id).unwrap();
        let engine = courses::engine_course(&mut conn, course, version.definition, &stored).unwrap();
        assert_eq!((engine.status, engine.phase, engine.extension_accepted), (CourseStatus::Active, 0, true));
        let previous: Vec<_> = engine.sessions.iter().map(|s| (s.id.0, s.sequence, s.previous_status)).collect();
        assert_eq!(previous, [
            (s1.id, 1, Some(SessionStatus::Booked)),
            (s3.id, 2, None),
            (new.id, 3, None),
            (s2.id, 9, Some(SessionStatus::Booked)),
        ]);

        // The same decision again, on the version it produced: the course
        // moves on only if the sessions can; s3's old slot is taken now.
        let again = Decision { updates: vec![], rems_forms: vec![], ..decision.clone() };
        let err = apply(&db.store, course, &stored, &again, doctor).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::ChairTaken | ErrorKind::PatientDoubleBooked), "{err}");
        assert_eq!(&courses::get(&mut conn, fx.clinic_id, course.id).unwrap(), course);
        // And apply is a multi-statement write: never outside a transaction.
        let err = courses::apply(&mut conn, course, &[], &Decision::default(), doctor).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
    }
}

backend_test! {
    fn a_raw_sql_overlapping_insert_is_refused_by_the_database(db) {
        let fx = seed(&db.store, 1, 2);
        let booked = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 120)]).unwrap();
        let course_id = booked.course.id;
        let mut conn = db.store.connection().unwrap();
        let insert = |patient: i64, start: &str, end: &str, status: &str| {
            format!(
                "INSERT INTO sessions (clinic_id, course_id, patient_id, phase_index, sequence, chair_id, \
                 starts_at, ends_at, status, created_at, updated_at) VALUES ({}, {course_id}, {patient}, 0, 1, {}, \
                 '{start}', '{end}', '{status}', '2030-01-01 00:00:00', '2030-01-01 00:00:00')",
                fx.clinic_id, fx.chair_ids[0]
            )
        };
        // Another patient, same chair, overlapping: refused.
        let err = conn
            .batch_execute(&insert(fx.patient_ids[1], "2030-03-04 10:00:00", "2030-03-04 12:00:00", "booked"))
            .unwrap_err();
        assert_eq!(StoreError::from(err).kind(), ErrorKind::ChairTaken);
        // Same patient, overlapping, on the same chair: still refused.
        let err = conn
            .batch_execute(&insert(fx.patient_ids[0], "2030-03-04 08:30:00", "2030-03-04 09:30:00", "checked_in"))
            .unwrap_err();
        assert!(matches!(StoreError::from(err).kind(), ErrorKind::ChairTaken | ErrorKind::PatientDoubleBooked));
        // A cancelled row does not hold the chair.
        conn.batch_execute(&insert(fx.patient_ids[1], "2030-03-04 10:00:00", "2030-03-04 12:00:00", "cancelled"))
            .expect("cancelled rows may overlap");
        // Making that row live again by raw UPDATE is refused as well.
        let err = conn
            .batch_execute("UPDATE sessions SET status = 'booked' WHERE status = 'cancelled'")
            .unwrap_err();
        assert_eq!(StoreError::from(err).kind(), ErrorKind::ChairTaken);
        // And an empty or inverted interval is refused.
        let err = conn
            .batch_execute(&insert(fx.patient_ids[1], "2030-03-05 10:00:00", "2030-03-05 10:00:00", "booked"))
            .unwrap_err();
        assert_eq!(StoreError::from(err).kind(), ErrorKind::Invalid);
        if db.backend() == Backend::Sqlite {
            // The triggers compare text: other spellings of an instant are refused.
            let err = conn
                .batch_execute(&insert(fx.patient_ids[1], "2030-03-05T10:00:00", "2030-03-05T11:00:00", "booked"))
                .unwrap_err();
            assert_eq!(StoreError::from(err).kind(), ErrorKind::Invalid);
        }
        assert_eq!(crate::support::overlapping_live_pairs(&mut conn), 0);
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
        let move_to = |session: &Session| Decision {
            updates: vec![moved(session, fx.chair_ids[1], at(1, 9), at(1, 10), Some("patient asked"))],
            events: vec![CourseEvent::SessionRescheduled(SessionId(s.id), chairside_engine::course::Placement {
                chair: chairside_engine::ChairId(s.chair_id), start: s.starts_at, end: s.ends_at })],
            ..Default::default()
        };
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
        // A session that does not exist is not found.
        let ghost = Session { id: 999_999, ..s.clone() };
        let err = db.store.write(|c| sessions::apply_update(c, fx.clinic_id, &move_to(&ghost).updates[0], 1, actor)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        // Nor is one of another clinic.
        let err = db.store.write(|c| sessions::apply_update(c, fx.clinic_id + 1, &move_to(s).updates[0], checked_in.version, actor)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        // A status change or a move must run in a transaction.
        let err = db.store.read(|c| sessions::apply_update(c, fx.clinic_id, &move_to(s).updates[0], checked_in.version, actor)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
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
        let err = db.store.read(|c| courses::get(c, fx.clinic_id, 999_999)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
}

backend_test! {
    fn cancelling_frees_the_chair_and_the_calendar_shows_live_sessions_only(db) {
        let fx = seed(&db.store, 1, 2);
        let first = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 120)]).unwrap();
        let s = &first.sessions[0];
        let cancelled = db.store.write(|c| {
            sessions::apply_update(c, fx.clinic_id, &status_change(s, SessionStatus::Cancelled, Some("ill")), s.version, Actor::system())
        }).unwrap();
        assert_eq!((cancelled.status, cancelled.reason.as_deref()), (SessionStatus::Cancelled, Some("ill")));
        let second = book(&db.store, &fx, fx.patient_ids[1], &[planned(fx.chair_ids[0], 1, at(0, 10), 60)]).unwrap();
        let snapshot = db.store.read(|c| calendar::snapshot(c, fx.clinic_id, at(0, 0), at(1, 0))).unwrap();
        assert_eq!(snapshot.chairs.len(), 1);
        assert_eq!(snapshot.sessions, second.sessions);
        // A session that started before the window and runs into it counts.
        let running = db.store.read(|c| calendar::live_sessions(c, fx.clinic_id, at(0, 10) + Duration::minutes(30), at(0, 12))).unwrap();
        assert_eq!(running, second.sessions);
        let none = db.store.read(|c| calendar::live_sessions(c, fx.clinic_id, at(0, 11), at(0, 12))).unwrap();
        assert!(none.is_empty());
        let mine = db.store.read(|c| calendar::patient_live_sessions(c, fx.clinic_id, fx.patient_ids[0], at(0, 0), at(1, 0))).unwrap();
        assert!(mine.is_empty());
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
