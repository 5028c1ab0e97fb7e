//! A course is booked whole or not at all, and the database itself refuses
//! overlapping live sessions on a chair or for a patient.

use chairside_engine::Modality;
use chairside_store::models::{CourseStatus, SessionStatus};
use chairside_store::repo::{courses, sessions};
use chairside_store::{Backend, ErrorKind, StoreError};
use diesel::connection::SimpleConnection;

use chairside_testkit::backend_test;
use chairside_testkit::fixtures::{at, book, book_in, planned, seed};
use chairside_testkit::queries::count;

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
        assert_eq!(chairside_testkit::queries::overlapping_live_pairs(&mut conn), 0);
    }
}
