//! The gaps found by driving the API as a front desk, a clinician and a
//! reminder integration would, each pinned by the requests that found it
//! (each of these answered wrongly before the engine owned the course).

mod decisions_and_phases;
mod requests;
mod sessions;

use serde_json::Value;

use crate::support::*;

fn clinician(app: &App, clinic: &Clinic) -> String {
    app.create_key("clinician", Some(clinic.id))
}

/// A course action by `key` with the course's current ETag.
fn on_course(
    app: &App,
    key: &str,
    clinic: &Clinic,
    course: i64,
    action: &str,
    body: &Value,
) -> Reply {
    let path = clinic.path(&format!("/courses/{course}"));
    let etag = app.get(key, &path).etag();
    app.call("POST", &format!("{path}/{action}"))
        .key(key)
        .if_match(&etag)
        .json(body)
        .send()
}

/// A session action by `key` with the session's current ETag.
fn on_session(
    app: &App,
    key: &str,
    clinic: &Clinic,
    session: i64,
    action: &str,
    body: &Value,
) -> Reply {
    let (_, etag) = app.session(clinic, session);
    app.call(
        "POST",
        &clinic.path(&format!("/sessions/{session}/{action}")),
    )
    .key(key)
    .if_match(&etag)
    .json(body)
    .send()
}

fn doses(course: &Value) -> Vec<&Value> {
    with_status(course, &["booked", "checked_in", "completed"])
}
