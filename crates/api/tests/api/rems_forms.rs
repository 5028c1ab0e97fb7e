//! REMS form reminders: a form still to submit is announced once as due
//! soon (two days ahead) and once as overdue (the day after its due date),
//! in clinic time, whatever the number of sweeps or replicas.

use chairside_api::workers::rems_forms::sweep;
use chairside_store::repo;
use chairside_testkit::TestStore;
use chrono::{Duration, Utc};

use crate::fixtures;

fn announced(store: &chairside_store::Store) -> Vec<(String, serde_json::Value)> {
    store
        .read(|conn| repo::outbox::list_after(conn, Some(1), 0, 1000))
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type.starts_with("rems_form."))
        .map(|e| (e.event_type, e.payload))
        .collect()
}

/// The clinic's local date at `now` (forms fall due in clinic time).
fn clinic_today(store: &chairside_store::Store, now: chrono::DateTime<Utc>) -> chrono::NaiveDate {
    let zone = store
        .read(|conn| repo::clinics::get(conn, 1))
        .unwrap()
        .time_zone;
    now.with_timezone(&zone).date_naive()
}

#[test]
fn a_form_is_announced_due_soon_then_overdue_once_each() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let course = fixtures::booked_course(store, serde_json::json!({}));
    let session = &course.sessions[0];
    let now = Utc::now();
    let due_on = clinic_today(store, now) + Duration::days(5);
    let form = store
        .write(|conn| repo::rems_forms::open(conn, 1, session.id, course.patient_id, due_on))
        .unwrap();

    assert_eq!(
        sweep(store, now).unwrap(),
        0,
        "five days ahead: nothing yet"
    );
    assert_eq!(
        sweep(store, now + Duration::days(3)).unwrap(),
        1,
        "due soon"
    );
    assert_eq!(
        sweep(store, now + Duration::days(4)).unwrap(),
        0,
        "never twice"
    );
    assert_eq!(
        sweep(store, now + Duration::days(5)).unwrap(),
        0,
        "due today is not overdue"
    );
    assert_eq!(sweep(store, now + Duration::days(7)).unwrap(), 1, "overdue");
    assert_eq!(
        sweep(store, now + Duration::days(9)).unwrap(),
        0,
        "never twice"
    );

    let events = announced(store);
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, ["rems_form.due_soon", "rems_form.overdue"]);
    // Ids, status and due date only: the form's content is health information.
    let mut keys: Vec<&String> = events[1].1.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["due_on", "form_id", "patient_id", "session_id", "status"]
    );
    assert_eq!(events[1].1["form_id"], form.id);
}

#[test]
fn a_submitted_form_is_never_announced() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let course = fixtures::booked_course(store, serde_json::json!({}));
    let session = &course.sessions[0];
    let now = Utc::now();
    let form = store
        .write(|conn| {
            repo::rems_forms::open(
                conn,
                1,
                session.id,
                course.patient_id,
                clinic_today(store, now),
            )
        })
        .unwrap();
    let mut filed = form.form();
    filed.status = chairside_engine::monitoring::RemsFormStatus::Submitted;
    filed.submission_reference = Some("REMS-1".into());
    filed.submitted_at = Some(now);
    store
        .write(|conn| repo::rems_forms::save(conn, 1, form.id, form.version, &filed))
        .unwrap();
    assert_eq!(sweep(store, now + Duration::days(3)).unwrap(), 0);
    assert!(announced(store).is_empty());
}
