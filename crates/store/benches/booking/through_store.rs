//! Booking through the store, as the service does: the course row, its
//! sessions, one `course.booked` outbox event and one audit row, in one
//! write transaction.

use std::time::Duration;

use chairside_engine::course::{CourseState, CourseStatus, NewSession};
use chairside_store::models::{Actor, AuditEntry, NewOutboxEvent, Role};
use chairside_store::repo::courses::{self, NewCourse};
use chairside_store::repo::{audit, outbox, sessions};
use chairside_store::{DbConnection, Store, StoreConfig, StoreError};

use crate::fixture::{booked_payload, plan, seed, Fixture};
use crate::writers;

/// Courses per second with `threads` writers through the store on a fresh
/// database at `url` (migrated and seeded here).
pub fn rate(url: &str, patients: i64, threads: usize, run_for: Duration) -> f64 {
    let store = Store::open(&StoreConfig::new(url).pool_size(threads as u32)).expect("open");
    store.run_migrations().expect("migrate");
    let fx = seed(&store, patients);
    writers::courses_per_second(&fx, threads, run_for, || {
        let (store, fx) = (store.clone(), &fx);
        move |k, patient_id| {
            let planned = plan(fx, k);
            store
                .write(|conn| book(conn, fx, patient_id, &planned))
                .expect("booking");
        }
    })
}

/// Books a course in the caller's transaction, as the test kit's
/// `book_in` does, without its read of the protocol revision (the fixture
/// knows the modality).
fn book(
    conn: &mut DbConnection,
    fx: &Fixture,
    patient_id: i64,
    planned: &[NewSession],
) -> Result<(), StoreError> {
    let state = CourseState {
        status: CourseStatus::Active,
        phase: 0,
        series_started_at: None,
        booster_policy: None,
        at_risk: None,
        extension_accepted: false,
        held_until: None,
    };
    let course = courses::create(
        conn,
        &NewCourse {
            clinic_id: fx.clinic_id,
            patient_id,
            protocol_version_id: fx.protocol_version_id,
            modality: fx.modality,
            state: &state,
        },
    )?;
    let sessions = sessions::insert(conn, fx.clinic_id, course.id, patient_id, planned)?;
    let ids: Vec<i64> = sessions.iter().map(|s| s.id).collect();
    let summary = booked_payload(fx, course.id, course.patient_id, &ids, planned);
    outbox::append(
        conn,
        &NewOutboxEvent {
            clinic_id: fx.clinic_id,
            event_type: "course.booked".into(),
            aggregate_id: course.id,
            payload: summary.clone(),
        },
    )?;
    audit::append(
        conn,
        &AuditEntry {
            clinic_id: Some(fx.clinic_id),
            actor: Actor::key(1, Role::FrontDesk),
            action: "course.booked".into(),
            entity_type: "course".into(),
            entity_id: Some(course.id),
            before: None,
            after: Some(summary),
            request_id: Some("bench".into()),
        },
    )?;
    Ok(())
}
