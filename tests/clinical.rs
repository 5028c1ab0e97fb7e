//! Clinicians run a course after its first booking, over HTTP: boosters are
//! booked when the induction completes, a clinician changes their spacing
//! (only future boosters move, the history says who and why), scores are
//! recorded and explain a spacing suggestion; the gates before a first dose,
//! REMS monitoring forms, pause/resume/discontinue and at-risk decisions.
//! Every change leaves an audit row and an outbox event; no endpoint lists
//! those, so they are read from the test's database.

mod at_risk;
mod boosters;
mod gates;
mod lifecycle;
mod monitoring;
mod overruns;
mod reminder_answers;
mod scores;
mod spacing;
mod whole_course;

use chairside_store::models::{AuditRecord, OutboxEvent, PageRequest};
use chairside_store::repo::audit::{self, AuditFilter};
use chairside_store::repo::{api_keys, outbox};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::support::*;

const IV: &str = "iv-ketamine-standard";
const ESKETAMINE: &str = "esketamine-nasal";

/// A clinician key scoped to the clinic.
fn clinician(app: &App, clinic: &Clinic) -> String {
    app.create_key("clinician", Some(clinic.id))
}

/// The id of the key a token belongs to (what histories and audit rows name).
fn key_id(app: &App, token: &str) -> i64 {
    app.store()
        .read(|conn| api_keys::verify(conn, token, chrono::Utc::now()))
        .expect("read the API keys")
        .expect("a live key")
        .id
}

fn course_path(clinic: &Clinic, course: i64, rest: &str) -> String {
    clinic.path(&format!("/courses/{course}{rest}"))
}

/// The course as `key` reads it, and its ETag.
fn read_course(app: &App, key: &str, clinic: &Clinic, course: i64) -> (Value, String) {
    let reply = app.get(key, &course_path(clinic, course, ""));
    (reply.expect(200), reply.etag())
}

/// A change to a course (`booster-policy`, `pause`, …) by `key`, with the
/// course's current ETag.
fn on_course(
    app: &App,
    key: &str,
    clinic: &Clinic,
    course: i64,
    action: &str,
    body: &Value,
) -> Reply {
    let (_, etag) = read_course(app, key, clinic, course);
    app.call("POST", &course_path(clinic, course, &format!("/{action}")))
        .key(key)
        .if_match(&etag)
        .json(body)
        .send()
}

/// Checks a patient in and completes the session (each with the session's
/// current ETag); returns what completing it did.
fn check_in_and_complete(app: &App, clinic: &Clinic, session: i64) -> Value {
    app.when(clinic, session, 0);
    let checked_in = app.act(clinic, session, "check-in", None).expect(200);
    assert_eq!(checked_in["session"]["status"], "checked_in");
    // The first device at 10 minutes in; discharge after the REMS two hours.
    app.when(clinic, session, 10);
    app.start_dose(clinic, session);
    app.when(clinic, session, 130);
    let completed = app.act(clinic, session, "complete", None).expect(200);
    assert_eq!(completed["session"]["status"], "completed", "{completed}");
    completed
}

fn policy(interval: i64, floor: i64, ceiling: i64, tolerance: i64) -> Value {
    json!({
        "interval_days": interval,
        "floor_days": floor,
        "ceiling_days": ceiling,
        "tolerance_days": tolerance,
    })
}

/// The IV preset's booster policy.
fn iv_default_policy() -> Value {
    policy(21, 14, 42, 3)
}

/// Sessions of one phase with one of these statuses, in time order.
fn in_phase<'a>(course: &'a Value, phase: i64, statuses: &[&str]) -> Vec<&'a Value> {
    with_status(course, statuses)
        .into_iter()
        .filter(|s| s["phase"] == phase)
        .collect()
}

fn ids(sessions: &[&Value]) -> Vec<i64> {
    sessions.iter().map(|s| id(s)).collect()
}

/// The ids of a list of sessions in a reply (`booked`, `cancelled`).
fn listed_ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(id)
        .collect()
}

/// Asserts a booked booster `interval` ± `tolerance` days after `after`.
#[track_caller]
fn assert_booster(booster: &Value, after: NaiveDate, interval: i64, tolerance: i64) {
    assert_eq!(booster["phase"], 1, "{booster}");
    assert_eq!(booster["status"], "booked", "{booster}");
    let days = (local_date(booster) - after).num_days();
    assert!(
        (interval - tolerance..=interval + tolerance).contains(&days),
        "{days} days after {after}, not {interval}±{tolerance}: {booster}"
    );
    assert_inside_opening_hours(booster);
}

/// Chair, start and status of each session.
fn placements(sessions: &[&Value]) -> Vec<(Value, Value, Value)> {
    sessions
        .iter()
        .map(|s| {
            (
                s["chair_id"].clone(),
                s["start"].clone(),
                s["status"].clone(),
            )
        })
        .collect()
}

/// Records a score; `measured_at` defaults to now.
fn record(
    app: &App,
    key: &str,
    clinic: &Clinic,
    course: i64,
    instrument: &str,
    score: i64,
    measured_at: Option<DateTime<Utc>>,
) -> Reply {
    let mut body = json!({"instrument": instrument, "score": score});
    if let Some(at) = measured_at {
        body["measured_at"] = json!(at.to_rfc3339());
    }
    app.post(key, &course_path(clinic, course, "/measures"), &body)
}

/// Changes a patient (`PATCH`, with the patient's current ETag).
fn patch_patient(app: &App, clinic: &Clinic, patient: i64, change: &Value) -> Value {
    let path = clinic.path(&format!("/patients/{patient}"));
    let etag = app.get(&clinic.front_desk, &path).etag();
    app.call("PATCH", &path)
        .key(&clinic.front_desk)
        .if_match(&etag)
        .json(change)
        .send()
        .expect(200)
}

/// An admin changes one of the clinic's settings, keeping the others.
fn set_clinic_setting(app: &App, clinic: &Clinic, name: &str, value: Value) {
    let read = app.get(&app.admin, &clinic.path(""));
    let etag = read.etag();
    let mut settings = read.expect(200)["settings"].clone();
    settings[name] = value.clone();
    let changed = app
        .call("PATCH", &clinic.path(""))
        .key(&app.admin)
        .if_match(&etag)
        .json(&json!({ "settings": settings }))
        .send()
        .expect(200);
    assert_eq!(changed["settings"][name], value, "{changed}");
}

/// Asserts a 422 naming the field.
#[track_caller]
fn assert_invalid(reply: &Reply, field: &str) {
    let problem = reply.problem(422);
    assert_eq!(problem["type"], "/problems/invalid", "{problem}");
    assert!(
        error_fields(&problem).iter().any(|f| f == field),
        "`{field}` not named: {problem}"
    );
}

/// The clinic's whole audit trail, oldest first.
fn trail(app: &App, clinic: &Clinic) -> Vec<AuditRecord> {
    let store = app.store();
    let mut rows = Vec::new();
    let mut after_id = None;
    loop {
        let page = store
            .read(|conn| {
                audit::list(
                    conn,
                    Some(clinic.id),
                    &AuditFilter::default(),
                    PageRequest {
                        after_id,
                        limit: 500,
                    },
                )
            })
            .expect("read the audit trail");
        rows.extend(page.items);
        match page.next_after_id {
            Some(next) => after_id = Some(next),
            None => return rows,
        }
    }
}

/// Every outbox event of the clinic, oldest first.
fn outbox_events(app: &App, clinic: &Clinic) -> Vec<OutboxEvent> {
    let store = app.store();
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let batch = store
            .read(|conn| outbox::list_after(conn, Some(clinic.id), after, 1000))
            .expect("read the outbox");
        match batch.last() {
            Some(last) => after = last.id,
            None => return events,
        }
        events.extend(batch);
    }
}

/// The audit rows of an action on an entity; at least one must be there.
#[track_caller]
fn audited<'a>(
    trail: &'a [AuditRecord],
    action: &str,
    entity_type: &str,
    entity: i64,
) -> Vec<&'a AuditRecord> {
    let rows: Vec<&AuditRecord> = trail
        .iter()
        .filter(|r| {
            r.action == action && r.entity_type == entity_type && r.entity_id == Some(entity)
        })
        .collect();
    assert!(
        !rows.is_empty(),
        "no audit row `{action}` on {entity_type} {entity}; the trail: {:?}",
        trail
            .iter()
            .map(|r| (&r.action, &r.entity_type, r.entity_id))
            .collect::<Vec<_>>()
    );
    rows
}

/// The outbox events of a type about a course; at least one must be there.
#[track_caller]
fn announced<'a>(events: &'a [OutboxEvent], event_type: &str, course: i64) -> Vec<&'a OutboxEvent> {
    let found: Vec<&OutboxEvent> = events
        .iter()
        .filter(|e| e.event_type == event_type && e.aggregate_id == course)
        .collect();
    assert!(
        !found.is_empty(),
        "no `{event_type}` event for course {course}; the outbox: {:?}",
        events
            .iter()
            .map(|e| (&e.event_type, e.aggregate_id))
            .collect::<Vec<_>>()
    );
    found
}

/// How many audit rows and outbox events about the course an action left
/// (at least one of each must be there): each change is kept in the trail
/// and reaches the integrations.
#[track_caller]
fn audited_and_announced(app: &App, clinic: &Clinic, action: &str, course: i64) -> (usize, usize) {
    let rows = audited(&trail(app, clinic), action, "course", course).len();
    let events = announced(&outbox_events(app, clinic), action, course).len();
    (rows, events)
}
