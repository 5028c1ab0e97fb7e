//! One running course per patient and kind; cancelling frees the chair,
//! and the calendar shows live sessions only.

use chairside_engine::course::{AtRisk, CourseEvent, CourseState, Decision};
use chairside_engine::Modality;
use chairside_engine::{presets, BoosterPolicy};
use chairside_store::models::{Actor, Course, CourseStatus, Role, SessionStatus, TakenTime};
use chairside_store::repo::courses::NewCourse;
use chairside_store::repo::{calendar, courses, sessions};
use chairside_store::{DbConnection, ErrorKind, StoreError};
use chrono::{Duration, NaiveDate};
use diesel::connection::SimpleConnection;

use chairside_testkit::fixtures::{
    active_state, apply, at, book, book_in, desk, planned, seed, status_change, Booked,
};
use chairside_testkit::queries::count;
use chairside_testkit::{backend_test, TestStore};

/// Rows in the tables a booking writes to: what a refused booking must
/// leave as it was.
fn booking_rows(conn: &mut DbConnection) -> Vec<i64> {
    ["courses", "sessions", "outbox", "audit_log"]
        .iter()
        .map(|t| count(conn, t))
        .collect()
}

/// A clinician's decision that stops the course running (ceased or
/// paused): its one session cancelled for `why`, the course in `status`,
/// with `event`. Returns the course as applied.
fn stop_running(
    db: &TestStore,
    booked: &Booked,
    status: CourseStatus,
    event: CourseEvent,
    why: &str,
) -> Course {
    let decision = Decision {
        updates: vec![status_change(
            &booked.sessions[0],
            SessionStatus::Cancelled,
            Some(why),
        )],
        course: Some(CourseState {
            status,
            ..active_state()
        }),
        events: vec![event],
        ..Default::default()
    };
    apply(
        &db.store,
        &booked.course,
        &booked.sessions,
        &decision,
        Actor::key(2, Role::Clinician),
    )
    .unwrap()
    .course
}

backend_test! {
    fn a_second_active_course_of_one_kind_is_refused(db) {
        let fx = seed(&db.store, 3, 2);
        let (p, q) = (fx.patient_ids[0], fx.patient_ids[1]);
        let first = book(&db.store, &fx, p, &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap();
        let mut conn = db.store.connection().unwrap();
        let before = booking_rows(&mut conn);
        // A second IV course for the same patient, on days far from the
        // first's sessions: refused by the unique index, and the booking
        // leaves nothing behind.
        let err = book(&db.store, &fx, p, &[planned(fx.chair_ids[1], 1, at(30, 9), 60)]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CourseRunning, "{err}");
        assert!(err.is_retryable(), "a concurrent booking's refusal is worth a fresh look");
        assert_eq!(before, booking_rows(&mut conn));
        // Another kind for the same patient, or the same kind for another
        // patient, is fine.
        db.store.write(|c| book_in(c, &fx, fx.nasal_version_id, p, &[planned(fx.chair_ids[1], 1, at(2, 9), 150)])).unwrap();
        book(&db.store, &fx, q, &[planned(fx.chair_ids[2], 1, at(0, 9), 60)]).unwrap();

        // Once the first course has ceased, a new IV course may start.
        let done = stop_running(db, &first, CourseStatus::Ceased, CourseEvent::Discontinued, "ceased");
        assert_eq!(done.status, CourseStatus::Ceased);
        let second = book(&db.store, &fx, p, &[planned(fx.chair_ids[0], 1, at(30, 9), 60)]).unwrap();

        // A paused course does not block one either.
        stop_running(db, &second, CourseStatus::Paused, CourseEvent::Paused, "paused");
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
        let taken: Vec<TakenTime> = second.sessions.iter().map(TakenTime::from).collect();
        assert_eq!(snapshot.sessions, taken);
        // A session that started before the window and runs into it counts.
        let running = db.store.read(|c| calendar::live_sessions(c, fx.clinic_id, at(0, 10) + Duration::minutes(30), at(0, 12))).unwrap();
        assert_eq!(running, second.sessions);
        let none = db.store.read(|c| calendar::live_sessions(c, fx.clinic_id, at(0, 11), at(0, 12))).unwrap();
        assert!(none.is_empty());
    }
}

backend_test! {
    fn a_created_course_is_the_row_stored(db) {
        // `create` answers the row without reading it back: every column
        // must be what a read finds, from the id to the instants the
        // store truncates to seconds.
        let fx = seed(&db.store, 1, 2);
        let held = at(0, 9) + Duration::milliseconds(1_250);
        let state = CourseState {
            status: CourseStatus::Active,
            phase: 1,
            series_started_at: Some(at(0, 8) + Duration::microseconds(7)),
            booster_policy: Some(BoosterPolicy { interval_days: 21, floor_days: 14, ceiling_days: 35, tolerance_days: 3 }),
            at_risk: Some(AtRisk { reason: "no chair within the window".into(), violations: vec![] }),
            extension_accepted: true,
            held_until: Some(held),
        };
        let made = |p: i64| NewCourse { clinic_id: fx.clinic_id, patient_id: p, protocol_version_id: fx.protocol_version_id, modality: Modality::Intranasal, state: &state };
        let first = db.store.write(|c| courses::create(c, &made(fx.patient_ids[0]))).unwrap();
        let second = db.store.write(|c| courses::create(c, &made(fx.patient_ids[1]))).unwrap();
        let mut conn = db.store.connection().unwrap();
        assert_eq!(courses::get(&mut conn, fx.clinic_id, first.id).unwrap(), first);
        assert_eq!(courses::get(&mut conn, fx.clinic_id, second.id).unwrap(), second);
        assert!(second.id > first.id);
        assert_eq!(first.held_until, Some(at(0, 9) + Duration::seconds(1)));
    }
}

backend_test! {
    fn booked_sessions_are_the_rows_stored_in_the_order_planned(db) {
        // The ids a multi-row insert answers (SQLite counts them back from
        // the last one) pair each planned session with its own row, also
        // after other courses' sessions were written.
        let fx = seed(&db.store, 2, 2);
        book(&db.store, &fx, fx.patient_ids[1], &[planned(fx.chair_ids[1], 1, at(0, 9), 60)]).unwrap();
        let plan = [
            planned(fx.chair_ids[0], 1, at(3, 9), 60),
            planned(fx.chair_ids[1], 2, at(1, 10), 90),
            planned(fx.chair_ids[0], 3, at(5, 8), 30),
        ];
        let booked = book(&db.store, &fx, fx.patient_ids[0], &plan).unwrap();
        let mut conn = db.store.connection().unwrap();
        assert_eq!(booked.sessions.iter().map(|s| s.sequence).collect::<Vec<_>>(), [1, 2, 3]);
        for s in &booked.sessions {
            assert_eq!(&sessions::get(&mut conn, fx.clinic_id, s.id).unwrap(), s);
        }
    }
}

backend_test! {
    fn a_booked_course_and_its_sessions_are_the_rows_stored(db) {
        // `book` answers the course and its sessions as written (on
        // PostgreSQL by one statement, the sessions taking the course's id
        // inside it): every column as a read finds it, each session paired
        // with its own row in the order planned, the course written with
        // the state given — with sessions and without.
        let fx = seed(&db.store, 2, 2);
        let protocol = presets::iv_ketamine_standard();
        let state = CourseState { phase: 1, extension_accepted: true, ..active_state() };
        let made = |p: i64| NewCourse { clinic_id: fx.clinic_id, patient_id: p, protocol_version_id: fx.protocol_version_id, modality: Modality::Iv, state: &state };
        let plan = Decision {
            bookings: vec![
                planned(fx.chair_ids[1], 1, at(4, 9), 60),
                planned(fx.chair_ids[0], 2, at(2, 10), 90),
                planned(fx.chair_ids[1], 3, at(6, 8), 30),
            ],
            ..Default::default()
        };
        let booked = db.store.write(|c| courses::book(c, &made(fx.patient_ids[0]), &protocol, &plan, desk())).unwrap();
        let empty = db.store.write(|c| courses::book(c, &made(fx.patient_ids[1]), &protocol, &Decision::default(), desk())).unwrap();
        let mut conn = db.store.connection().unwrap();
        for applied in [&booked, &empty] {
            assert_eq!(courses::get(&mut conn, fx.clinic_id, applied.course.id).unwrap(), applied.course);
            assert_eq!((applied.course.current_phase, applied.course.extension_accepted), (1, true));
        }
        assert_eq!(booked.booked.iter().map(|s| (s.sequence, s.chair_id)).collect::<Vec<_>>(), [(1, fx.chair_ids[1]), (2, fx.chair_ids[0]), (3, fx.chair_ids[1])]);
        for s in &booked.booked {
            assert_eq!(&sessions::get(&mut conn, fx.clinic_id, s.id).unwrap(), s);
            assert_eq!(s.course_id, booked.course.id);
        }
        assert!(empty.booked.is_empty());
        assert_eq!(count(&mut conn, "sessions"), 3);
    }
}

backend_test! {
    fn a_booking_that_overlaps_leaves_no_course_behind(db) {
        // The course and its sessions are written together: a session
        // refused by the database takes the course with it.
        let fx = seed(&db.store, 1, 2);
        book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap();
        let before = booking_rows(&mut db.store.connection().unwrap());
        let protocol = presets::iv_ketamine_standard();
        let state = active_state();
        let new = NewCourse { clinic_id: fx.clinic_id, patient_id: fx.patient_ids[1], protocol_version_id: fx.protocol_version_id, modality: Modality::Iv, state: &state };
        let clash = Decision { bookings: vec![planned(fx.chair_ids[0], 1, at(0, 9) + Duration::minutes(30), 60)], ..Default::default() };
        let err = db.store.write(|c| courses::book(c, &new, &protocol, &clash, desk())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ChairTaken);
        assert_eq!(booking_rows(&mut db.store.connection().unwrap()), before);
    }
}

backend_test! {
    fn a_new_course_has_no_sessions_to_change(db) {
        // A booking decision that would change existing sessions was not
        // taken on a new course: refused before anything is written.
        let fx = seed(&db.store, 1, 2);
        let booked = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap();
        let before = booking_rows(&mut db.store.connection().unwrap());
        let protocol = presets::iv_ketamine_standard();
        let state = active_state();
        let new = NewCourse { clinic_id: fx.clinic_id, patient_id: fx.patient_ids[1], protocol_version_id: fx.protocol_version_id, modality: Modality::Iv, state: &state };
        let stray = Decision { updates: vec![status_change(&booked.sessions[0], SessionStatus::Cancelled, None)], ..Default::default() };
        let err = db.store.write(|c| courses::book(c, &new, &protocol, &stray, desk())).unwrap_err();
        assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
        assert_eq!(booking_rows(&mut db.store.connection().unwrap()), before);
    }
}

backend_test! {
    fn the_database_holds_a_chair_and_a_patient_for_live_statuses_only(db) {
        // The engine's rule (`SessionStatus::is_live`) as the database
        // enforces it against any writer: PostgreSQL's exclusion
        // constraints, SQLite's triggers (spelled without `IN` since
        // migration 19). For every status, a day each: a session in that
        // status under a booking, and a booking under a session in that
        // status, the second inserted or updated into place — overlapping
        // the first's chair (another patient) and its patient (another
        // chair).
        let fx = seed(&db.store, 2, 2);
        let course = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)]).unwrap().course.id;
        let (held, other) = ((fx.chair_ids[0], fx.patient_ids[0]), (fx.chair_ids[1], fx.patient_ids[1]));
        let mut conn = db.store.connection().unwrap();
        // Two hours from `hour`:30.
        let insert = |day: usize, (chair, patient): (i64, i64), hour: u32, status: &str| format!(
            "INSERT INTO sessions (clinic_id, course_id, patient_id, phase_index, sequence, chair_id, \
             starts_at, ends_at, status, created_at, updated_at) VALUES ({}, {course}, {patient}, 0, 9, \
             {chair}, '2031-01-{day:02} {hour:02}:30:00', '2031-01-{day:02} {:02}:30:00', '{status}', \
             '2031-01-01 00:00:00', '2031-01-01 00:00:00')", fx.clinic_id, hour + 2);
        let refusal = |conn: &mut DbConnection, sql: &str| conn.batch_execute(sql).err().map(|e| StoreError::from(e).kind());
        let mut day = 0;
        for status in SessionStatus::ALL {
            let live = status.is_live();
            let status = status.as_str();
            for (first, then, updated) in [(status, "booked", false), ("booked", status, false), (status, "booked", true), ("booked", status, true)] {
                day += 1;
                conn.batch_execute(&insert(day, held, 10, first)).unwrap();
                for (clash, taken) in [((held.0, other.1), ErrorKind::ChairTaken), ((other.0, held.1), ErrorKind::PatientDoubleBooked)] {
                    let sql = if updated {
                        conn.batch_execute(&insert(day, clash, 11, "cancelled")).unwrap();
                        format!("UPDATE sessions SET status = '{then}' WHERE chair_id = {} AND patient_id = {} \
                                 AND starts_at = '2031-01-{day:02} 11:30:00'", clash.0, clash.1)
                    } else {
                        insert(day, clash, 11, then)
                    };
                    let expected = live.then_some(taken);
                    assert_eq!(refusal(&mut conn, &sql), expected, "{first} then {then}, updated: {updated}, {taken:?}");
                }
            }
        }
    }
}
