//! Booking: atomic courses, the database's overlap guard, optimistic
//! concurrency.

use chairside_store::models::{Actor, Role, SessionStatus};
use chairside_store::repo::{calendar, courses, sessions};
use chairside_store::{Backend, ErrorKind, StoreError};
use diesel::connection::SimpleConnection;

use crate::support::{at, backend_test, book, count, planned, seed};

backend_test! {
    fn course_with_six_sessions_outbox_and_audit_commits_together(db) {
        let fx = seed(&db.store, 2, 1);
        let plan: Vec<_> = (0..6).map(|i| planned(fx.chair_ids[0], i, at(2 * i as i64, 9), 150)).collect();
        let booked = book(&db.store, &fx, fx.patient_ids[0], &plan).expect("book");
        assert_eq!(booked.sessions.len(), 6);
        assert!(booked.sessions.iter().all(|s| s.status == SessionStatus::Booked && s.version == 1));
        let mut conn = db.store.connection().unwrap();
        let stored = sessions::for_course(&mut conn, fx.clinic_id, booked.course.id).unwrap();
        assert_eq!(stored, booked.sessions, "returned sessions are what was stored");
        assert_eq!(count(&mut conn, "outbox"), 1);
        assert_eq!(count(&mut conn, "audit_log"), 1);
    }
}

backend_test! {
    fn a_conflict_on_the_sixth_session_leaves_nothing_behind(db) {
        let fx = seed(&db.store, 2, 2);
        // Someone else holds chair 0 on day 10.
        book(&db.store, &fx, fx.patient_ids[1], &[planned(fx.chair_ids[0], 0, at(10, 10), 60)]).unwrap();
        let mut conn = db.store.connection().unwrap();
        let before: Vec<i64> = ["courses", "sessions", "outbox", "audit_log"]
            .iter()
            .map(|t| count(&mut conn, t))
            .collect();
        let plan: Vec<_> = (0..6).map(|i| planned(fx.chair_ids[0], i, at(2 * i as i64, 9), 150)).collect();
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
        let fx = seed(&db.store, 2, 1);
        let p = fx.patient_ids[0];
        book(&db.store, &fx, p, &[planned(fx.chair_ids[0], 0, at(0, 9), 120)]).unwrap();
        let err = book(&db.store, &fx, p, &[planned(fx.chair_ids[1], 0, at(0, 10), 60)]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PatientDoubleBooked, "{err}");
        // Back to back is not an overlap: intervals are half-open.
        book(&db.store, &fx, p, &[planned(fx.chair_ids[1], 0, at(0, 11), 60)]).unwrap();
    }
}

backend_test! {
    fn a_raw_sql_overlapping_insert_is_refused_by_the_database(db) {
        let fx = seed(&db.store, 1, 2);
        let booked = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 0, at(0, 9), 120)]).unwrap();
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
        let booked = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 0, at(0, 9), 60)]).unwrap();
        let s = &booked.sessions[0];
        let actor = Actor::key(7, Role::FrontDesk);
        let checked_in = db.store.write(|c| {
            sessions::set_status(c, fx.clinic_id, s.id, s.version, SessionStatus::CheckedIn, None, actor)
        }).unwrap();
        assert_eq!(checked_in.version, s.version + 1);
        // A second writer still holding version 1 loses.
        let err = db.store.write(|c| {
            sessions::set_status(c, fx.clinic_id, s.id, s.version, SessionStatus::Cancelled, Some("late"), actor)
        }).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        let err = db.store.write(|c| {
            sessions::reschedule(c, fx.clinic_id, s.id, s.version, &sessions::SessionMove { chair_id: fx.chair_ids[1], starts_at: at(1, 9), ends_at: at(1, 10), reason: None })
        }).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
        let err = db.store.write(|c| {
            sessions::reschedule(c, fx.clinic_id, 999_999, 1, &sessions::SessionMove { chair_id: fx.chair_ids[1], starts_at: at(1, 9), ends_at: at(1, 10), reason: None })
        }).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let moved = db.store.write(|c| {
            sessions::reschedule(c, fx.clinic_id, s.id, checked_in.version, &sessions::SessionMove { chair_id: fx.chair_ids[1], starts_at: at(1, 9), ends_at: at(1, 10), reason: Some("patient asked") })
        }).unwrap();
        assert_eq!((moved.chair_id, moved.starts_at, moved.version), (fx.chair_ids[1], at(1, 9), 3));
        let history = db.store.read(|c| sessions::history(c, fx.clinic_id, s.id)).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].from_status, Some(SessionStatus::Booked));
        assert_eq!(history[0].to_status, SessionStatus::CheckedIn);
        assert_eq!(history[0].key_id, Some(7));
        let course = db.store.read(|c| courses::get(c, fx.clinic_id, booked.course.id)).unwrap();
        let err = db.store.write(|c| {
            courses::update(c, fx.clinic_id, course.id, course.version + 5, &Default::default())
        }).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StaleVersion);
    }
}

backend_test! {
    fn cancelling_frees_the_chair_and_the_calendar_shows_live_sessions_only(db) {
        let fx = seed(&db.store, 1, 2);
        let first = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 0, at(0, 9), 120)]).unwrap();
        let s = &first.sessions[0];
        db.store.write(|c| {
            sessions::set_status(c, fx.clinic_id, s.id, s.version, SessionStatus::Cancelled, Some("ill"), Actor::system())
        }).unwrap();
        let second = book(&db.store, &fx, fx.patient_ids[1], &[planned(fx.chair_ids[0], 0, at(0, 10), 60)]).unwrap();
        let snapshot = db.store.read(|c| calendar::snapshot(c, fx.clinic_id, at(0, 0), at(1, 0))).unwrap();
        assert_eq!(snapshot.chairs.len(), 1);
        assert_eq!(snapshot.sessions, second.sessions);
        // A session that started before the window and runs into it counts.
        let running = db.store.read(|c| calendar::live_sessions(c, fx.clinic_id, at(0, 10) + chrono::Duration::minutes(30), at(0, 12))).unwrap();
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
        book(&db.store, &fx, fx.patient_ids[1], &[planned(fx.chair_ids[0], 0, at(0, 9), 60)]).unwrap();
        let mut attempts = 0;
        // A naive planner: try chair 0 first, then the next chair.
        let booked = db.store.write_retrying(3, 1, |conn| {
            let chair = fx.chair_ids[attempts];
            attempts += 1;
            courses::book(conn, &courses::CourseBooking {
                course: &chairside_store::models::NewCourse {
                    clinic_id: fx.clinic_id,
                    patient_id: fx.patient_ids[0],
                    protocol_version_id: fx.protocol_version_id,
                    booster_policy: None,
                },
                sessions: &[planned(chair, 0, at(0, 9), 60)],
                actor: Actor::key(1, Role::FrontDesk),
                request_id: None,
            })
        }).unwrap();
        assert_eq!(attempts, 2);
        assert_eq!(booked.sessions[0].chair_id, fx.chair_ids[1]);
        let mut conn = db.store.connection().unwrap();
        assert_eq!(count(&mut conn, "courses"), 2, "the failed attempt left nothing");
    }
}
