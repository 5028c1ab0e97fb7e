//! Staff on the floor: the planner offers a time only when the staff on
//! shift can cover every segment of the session; changes that would leave
//! booked sessions uncovered are refused, naming them.

mod planning;
mod race;
mod shift_changes;

use serde_json::{json, Value};

use crate::support::*;

/// Mon–Fri 08:00–18:00.
fn weekday_shift() -> Value {
    weekday_hours()
}

/// Adds a staff member with these roles on weekday shifts; returns its id.
fn add_staff(app: &App, clinic: &Clinic, label: &str, roles: &[&str], exceptions: Value) -> i64 {
    app.post(
        &app.admin,
        &clinic.path("/staff"),
        &json!({"label": label, "roles": roles, "shifts": weekday_shift(), "exceptions": exceptions}),
    )
    .expect(201)["id"]
        .as_i64()
        .expect("staff id")
}

/// Changes the clinic's settings with a merge patch; returns the reply.
fn patch_settings(app: &App, clinic: &Clinic, settings: Value) -> Reply {
    let path = clinic.path("");
    let etag = app.get(&app.admin, &path).etag();
    app.call("PATCH", &path)
        .key(&app.admin)
        .if_match(&etag)
        .json(&json!({"settings": settings}))
        .send()
}

/// A clinic of three chairs that plans with two nurses and a prescriber.
fn staffed_clinic(app: &App, prescriber_leave: Value) -> Clinic {
    let clinic = app.clinic();
    add_staff(app, &clinic, "RN A", &["nurse"], json!([]));
    add_staff(app, &clinic, "RN B", &["nurse"], json!([]));
    add_staff(app, &clinic, "MD C", &["prescriber"], prescriber_leave);
    patch_settings(app, &clinic, json!({"plan_with_staff": true})).expect(200);
    clinic
}

/// The local start times (`HH:MM`) of a course's live sessions.
fn local_starts(course: &Value) -> Vec<String> {
    with_status(course, &["booked"])
        .iter()
        .map(|s| {
            s["local"]["start"]
                .as_str()
                .expect("local start")
                .to_string()
        })
        .collect()
}
