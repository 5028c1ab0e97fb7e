//! The calendar a server keeps between a clinic's turns: used only while
//! the clinic's count of changes says it is the database's, following the
//! turn's own bookings, and read again after any other write.

use std::sync::Arc;

use chairside_engine::course::{Decision, SessionId, SessionUpdate};
use chairside_engine::presets;
use chairside_engine::ClosureSpan;
use chairside_store::models::{NewClosure, SessionStatus};
use chairside_store::repo::calendar::{self, CalendarSnapshot};
use chairside_store::repo::courses::{self, NewCourse};
use chairside_store::repo::{chairs, clinics, closures, patients, protocols};
use chairside_store::{Backend, Store, StoreError};
use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;

use chairside_testkit::backend_test;
use chairside_testkit::fixtures::{active_state, at, book, desk, planned, seed, Fixture};

/// A change made by some other writer.
type Change<'a> = Box<dyn Fn() + 'a>;

/// The planning window of these tests.
fn window() -> (DateTime<Utc>, DateTime<Utc>) {
    (at(0, 0), at(28, 0))
}

/// The calendar a writer in the clinic's turn plans on.
fn in_a_turn(store: &Store, fx: &Fixture) -> Arc<CalendarSnapshot> {
    let (from, to) = window();
    store
        .write_retrying(1, fx.clinic_id, |conn| {
            calendar::to_place(conn, fx.clinic_id, None, |_| {
                Ok::<_, StoreError>((from, to))
            })
        })
        .unwrap()
}

/// The calendar as the database has it, read directly.
pub(crate) fn as_stored(store: &Store, fx: &Fixture) -> CalendarSnapshot {
    let (from, to) = window();
    store
        .read(|conn| calendar::snapshot(conn, fx.clinic_id, from, to))
        .unwrap()
}

/// Books a course for `patient` in the clinic's turn, the way the service
/// does (the calendar read first, then the course and its sessions); with
/// `fail`, the transaction then fails and rolls back.
pub(crate) fn book_in_a_turn(store: &Store, fx: &Fixture, patient: i64, day: i64, fail: bool) {
    let (from, to) = window();
    let result = store.write_retrying(1, fx.clinic_id, |conn| {
        calendar::to_place(conn, fx.clinic_id, None, |_| {
            Ok::<_, StoreError>((from, to))
        })?;
        let protocol = presets::iv_ketamine_standard();
        let course = NewCourse {
            clinic_id: fx.clinic_id,
            patient_id: patient,
            protocol_version_id: fx.protocol_version_id,
            modality: protocol.modality,
            state: &active_state(),
        };
        let decision = Decision {
            bookings: vec![
                planned(fx.chair_ids[0], 1, at(day, 14), 60),
                planned(fx.chair_ids[1], 2, at(day + 2, 14), 60),
            ],
            ..Default::default()
        };
        courses::book(conn, &course, &protocol, &decision, desk())?;
        match fail {
            true => Err(StoreError::Invalid("the caller gave up".into())),
            false => Ok(()),
        }
    });
    assert_eq!(result.is_err(), fail, "{result:?}");
}

/// The calendar a writer plans on in the clinic's next turn, and whether
/// it was kept (`true`) or read from the database.
pub(crate) fn next_turn(store: &Store, fx: &Fixture) -> (Arc<CalendarSnapshot>, bool) {
    let before = store.calendar_uses();
    let calendar = in_a_turn(store, fx);
    let after = store.calendar_uses();
    let kept = after.kept == before.kept + 1 && after.read == before.read;
    let read = after.read == before.read + 1 && after.kept == before.kept;
    assert!(kept != read, "{before:?} -> {after:?}");
    (calendar, kept)
}

backend_test! {
    fn a_turn_plans_on_the_calendar_kept_from_the_last_one(db) {
        let fx = seed(&db.store, 2, 3);
        book(&db.store, &fx, fx.patient_ids[2], &[planned(fx.chair_ids[0], 1, at(1, 9), 60)]).unwrap();
        let (_, kept) = next_turn(&db.store, &fx);
        assert!(!kept, "nothing kept yet: read");
        let (second, kept) = next_turn(&db.store, &fx);
        assert!(kept, "nothing changed: the kept calendar is used");
        assert_eq!(*second, as_stored(&db.store, &fx));
        assert_eq!(second.sessions.len(), 1);
    }
}

backend_test! {
    fn a_booking_in_a_turn_is_kept_without_reading_again(db) {
        let fx = seed(&db.store, 2, 3);
        book_in_a_turn(&db.store, &fx, fx.patient_ids[0], 1, false);
        let (next, kept) = next_turn(&db.store, &fx);
        assert!(kept, "the turn's own booking is added to what it kept");
        assert_eq!(*next, as_stored(&db.store, &fx));
        assert_eq!(next.sessions.len(), 2);
        drop(next);
        book_in_a_turn(&db.store, &fx, fx.patient_ids[1], 7, false);
        let (after, kept) = next_turn(&db.store, &fx);
        assert!(kept);
        assert_eq!(*after, as_stored(&db.store, &fx));
        assert_eq!(after.sessions.len(), 4);
    }
}

backend_test! {
    fn a_booking_rolled_back_leaves_no_trace_in_the_kept_calendar(db) {
        let fx = seed(&db.store, 2, 3);
        drop(in_a_turn(&db.store, &fx));
        book_in_a_turn(&db.store, &fx, fx.patient_ids[0], 1, true);
        let (after, _) = next_turn(&db.store, &fx);
        assert_eq!(*after, as_stored(&db.store, &fx));
        assert!(after.sessions.is_empty(), "{:?}", after.sessions);
    }
}

backend_test! {
    fn any_other_writer_makes_the_next_turn_read_again(db) {
        let fx = seed(&db.store, 2, 3);
        let booked = book(&db.store, &fx, fx.patient_ids[2], &[planned(fx.chair_ids[0], 1, at(1, 9), 60)]).unwrap();
        let replica = db.another_store();
        let changes: Vec<(&str, Change)> = vec![
            ("a session cancelled", Box::new(|| {
                db.store.write(|c| courses::apply(c, &booked.course, &booked.sessions, &Decision {
                    updates: vec![SessionUpdate {
                        session: SessionId(booked.sessions[0].id),
                        status: Some((SessionStatus::Booked, SessionStatus::Cancelled)),
                        ..Default::default()
                    }],
                    ..Default::default()
                }, desk())).unwrap();
            })),
            ("a closure added", Box::new(|| close_a_day(&db.store, &fx))),
            ("a chair taken out of use", Box::new(|| take_a_chair_out_of_use(&db.store, &fx))),
            ("a course booked by another server", Box::new(|| {
                book(&replica, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(2, 9), 60)]).unwrap();
            })),
            ("a session moved by hand", Box::new(|| {
                db.store.connection().unwrap().batch_execute(&format!(
                    "UPDATE sessions SET chair_id = {} WHERE clinic_id = {}",
                    fx.chair_ids[1], fx.clinic_id
                )).unwrap();
            })),
        ];
        for (what, change) in changes {
            next_turn(&db.store, &fx);
            change();
            let (next, kept) = next_turn(&db.store, &fx);
            assert!(!kept, "{what}: the calendar is read again");
            assert_eq!(*next, as_stored(&db.store, &fx), "{what}");
        }
    }
}

backend_test! {
    /// A booking reads the clinic's count with the patient, not on its own:
    /// that count decides as the turn's own read would.
    fn the_count_read_with_the_patient_decides_like_its_own_read(db) {
        let fx = seed(&db.store, 2, 3);
        book(&db.store, &fx, fx.patient_ids[2], &[planned(fx.chair_ids[0], 1, at(1, 9), 60)]).unwrap();
        drop(in_a_turn(&db.store, &fx));
        let (from, to) = window();
        let booking_turn = |store: &Store| {
            let before = store.calendar_uses();
            let (calendar, counted) = store
                .write_retrying(1, fx.clinic_id, |conn| {
                    let patient = patients::with_courses(conn, fx.clinic_id, fx.patient_ids[0])?;
                    let calendar = calendar::to_place(conn, fx.clinic_id, patient.changes, |_| {
                        Ok::<_, StoreError>((from, to))
                    })?;
                    Ok::<_, StoreError>((calendar, patient.changes))
                })
                .unwrap();
            assert_eq!(counted, Some(changes(store, &fx)), "the count as the turn left it");
            let after = store.calendar_uses();
            (calendar, after.kept == before.kept + 1 && after.read == before.read)
        };
        let (calendar, kept) = booking_turn(&db.store);
        assert!(kept, "nothing changed: the kept calendar");
        assert_eq!(*calendar, as_stored(&db.store, &fx));
        book(&db.another_store(), &fx, fx.patient_ids[1], &[planned(fx.chair_ids[1], 1, at(2, 9), 60)]).unwrap();
        let (calendar, kept) = booking_turn(&db.store);
        assert!(!kept, "another server booked: read again");
        assert_eq!(*calendar, as_stored(&db.store, &fx));
        assert_eq!(calendar.sessions.len(), 2);
    }
}

backend_test! {
    /// A booking's protocol revision is kept with the calendar while the
    /// count stands, and read again once a new revision moved it.
    fn the_protocols_latest_revision_is_kept_with_the_calendar(db) {
        let fx = seed(&db.store, 2, 3);
        let protocol_id = protocol_of(&db.store, &fx);
        let (from, to) = window();
        let booking_turn = |store: &Store| {
            let before = store.calendar_uses().revisions_kept;
            let version = store
                .write_retrying(1, fx.clinic_id, |conn| {
                    let patient = patients::with_courses(conn, fx.clinic_id, fx.patient_ids[0])?;
                    let version = protocols::latest_version_counted(conn, fx.clinic_id, protocol_id, patient.changes)?;
                    calendar::to_place(conn, fx.clinic_id, patient.changes, |_| Ok::<_, StoreError>((from, to)))?;
                    Ok::<_, StoreError>(version)
                })
                .unwrap();
            (version, store.calendar_uses().revisions_kept == before + 1)
        };
        // The first turn keeps a calendar; the second finds it current and
        // keeps the revision it read with it.
        let (first, kept) = booking_turn(&db.store);
        assert!(!kept, "nothing kept yet: read");
        let (second, kept) = booking_turn(&db.store);
        assert!(!kept, "the calendar kept, not yet the revision: read");
        assert_eq!(second, first);
        let (again, kept) = booking_turn(&db.store);
        assert!(kept, "nothing changed: the kept revision");
        assert_eq!(again, first);
        revise_the_protocol(&db.another_store(), &fx);
        let (revised, kept) = booking_turn(&db.store);
        assert!(!kept, "a new revision: read again");
        assert_eq!(revised.revision, first.revision + 1);
        assert_eq!(revised, db.store.read(|c| protocols::latest_version(c, fx.clinic_id, protocol_id)).unwrap());
    }
}

/// The protocol of the fixture's IV courses.
fn protocol_of(store: &Store, fx: &Fixture) -> i64 {
    store
        .read(|c| protocols::get_version(c, fx.clinic_id, fx.protocol_version_id))
        .unwrap()
        .protocol_id
}

/// Adds a revision to the fixture's IV protocol, as editing it does.
fn revise_the_protocol(store: &Store, fx: &Fixture) {
    let protocol_id = protocol_of(store, fx);
    store
        .write(|c| {
            let protocol = protocols::get(c, fx.clinic_id, protocol_id)?;
            let latest = protocols::latest_version(c, fx.clinic_id, protocol_id)?;
            protocols::add_revision(
                c,
                fx.clinic_id,
                protocol_id,
                protocol.version,
                &latest.definition,
            )
        })
        .unwrap();
}

/// Closes the clinic for a day, through the store as the API does.
fn close_a_day(store: &Store, fx: &Fixture) {
    let day = at(3, 0).date_naive();
    store
        .write(|c| {
            closures::add(
                c,
                fx.clinic_id,
                &NewClosure {
                    chair_id: None,
                    span: ClosureSpan::Days {
                        first: day,
                        last: day,
                    },
                    external_id: None,
                    reason: "staff training".into(),
                },
            )
        })
        .unwrap();
}

/// Takes the second chair out of use.
fn take_a_chair_out_of_use(store: &Store, fx: &Fixture) {
    store
        .write(|c| {
            let chair = chairs::get(c, fx.clinic_id, fx.chair_ids[1])?;
            chairs::set_active(c, fx.clinic_id, chair.id, chair.version, false)
        })
        .unwrap();
}

/// The clinic's count of changes.
fn changes(store: &Store, fx: &Fixture) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Changes {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        changes: i64,
    }
    diesel::sql_query(format!(
        "SELECT changes FROM clinic_turns WHERE clinic_id = {}",
        fx.clinic_id
    ))
    .get_result::<Changes>(&mut *store.connection().unwrap())
    .unwrap()
    .changes
}

backend_test! {
    /// Every table the calendar is read from counts its changes, whoever
    /// writes them; what planning does not read of a session does not.
    fn every_table_planning_reads_counts_its_changes(db) {
        use chairside_engine::monitoring::MonitoringRecord;
        use chairside_store::models::{ClinicUpdate, NewStaffMember};
        use chairside_store::repo::{monitoring, staff};
        let fx = seed(&db.store, 2, 3);
        let booked = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(1, 9), 60)]).unwrap();
        drop(in_a_turn(&db.store, &fx));
        let sql = |statement: String| db.store.connection().unwrap().batch_execute(&statement).unwrap();
        let session = booked.sessions[0].id;
        let counted: Vec<(&str, i64, Change)> = vec![
            ("a clinic's settings", 1, Box::new(|| {
                db.store.write(|c| {
                    let clinic = clinics::get(c, fx.clinic_id)?;
                    clinics::update(c, clinic.id, clinic.version, &ClinicUpdate {
                        name: Some("Harbour Clinic East".into()),
                        time_zone: None,
                        opening_hours: None,
                        settings: None,
                    })
                }).unwrap();
            })),
            ("a chair", 1, Box::new(|| take_a_chair_out_of_use(&db.store, &fx))),
            ("a closure", 1, Box::new(|| close_a_day(&db.store, &fx))),
            ("a closure removed", 1, Box::new(|| {
                sql(format!("DELETE FROM closures WHERE clinic_id = {}", fx.clinic_id));
            })),
            ("a staff member", 1, Box::new(|| {
                db.store.write(|c| staff::add(c, fx.clinic_id, &NewStaffMember {
                    label: "Nurse A".into(),
                    roles: vec![chairside_engine::staff::StaffRole::Nurse],
                    shifts: chairside_testkit::fixtures::weekday_hours(),
                    exceptions: Vec::new(),
                    active: true,
                })).unwrap();
            })),
            ("what was recorded at a session", 1, Box::new(|| {
                db.store.write(|c| monitoring::save(c, fx.clinic_id, session, None, &MonitoringRecord::default())).unwrap();
            })),
            ("a session's time", 1, Box::new(|| {
                sql(format!("UPDATE sessions SET ends_at = ends_at WHERE id = {session}"));
                sql(format!("UPDATE sessions SET chair_id = {} WHERE id = {session}", fx.chair_ids[1]));
            })),
            ("a session's reason alone", 0, Box::new(|| {
                sql(format!("UPDATE sessions SET reason = 'asked by phone' WHERE id = {session}"));
            })),
            // With the clinic's turn a booking takes (PostgreSQL only).
            ("sessions booked", 1 + i64::from(db.backend() == Backend::Postgres), Box::new(|| {
                book(&db.store, &fx, fx.patient_ids[1], &[planned(fx.chair_ids[0], 1, at(2, 9), 60)]).unwrap();
            })),
            ("a monitoring record deleted", 1, Box::new(|| {
                sql(format!("DELETE FROM session_monitoring WHERE session_id = {session}"));
            })),
            ("a protocol's new revision", 1, Box::new(|| revise_the_protocol(&db.store, &fx))),
        ];
        for (what, more, change) in counted {
            let before = changes(&db.store, &fx);
            change();
            assert_eq!(changes(&db.store, &fx), before + more, "{what}");
        }
    }
}
