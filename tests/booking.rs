//! The front desk runs an IV-ketamine induction from registration to the
//! last infusion, over HTTP, as its software would.

mod changes;
mod closures;
mod imports;
mod induction;

use serde_json::Value;

use crate::support::*;

/// Every session of the course keeps its chair, time and status, except
/// the ones named.
#[track_caller]
fn assert_unchanged_except(before: &Value, after: &Value, changed: &[i64]) {
    let key = |s: &Value| {
        (
            s["chair_id"].clone(),
            s["start"].clone(),
            s["status"].clone(),
        )
    };
    let before = before["sessions"].as_array().expect("sessions");
    let after = after["sessions"].as_array().expect("sessions");
    for old in before.iter().filter(|s| !changed.contains(&id(s))) {
        let new = after
            .iter()
            .find(|s| id(s) == id(old))
            .unwrap_or_else(|| panic!("session {} disappeared", id(old)));
        assert_eq!(key(old), key(new), "session {} changed", id(old));
    }
}

/// Checks a patient in and completes the session, each with the ETag the
/// previous step returned; returns the completed session.
fn check_in_and_complete(app: &App, clinic: &Clinic, session: i64) -> Value {
    app.when(clinic, session, 0);
    let checked_in = app.act(clinic, session, "check-in", None);
    let etag = checked_in.etag();
    assert_eq!(checked_in.expect(200)["session"]["status"], "checked_in");
    // The ETag a change returns is the one a fresh read gives.
    assert_eq!(app.session(clinic, session).1, etag);
    app.when(clinic, session, 60);
    let completed = app
        .call(
            "POST",
            &clinic.path(&format!("/sessions/{session}/complete")),
        )
        .key(&clinic.front_desk)
        .if_match(&etag)
        .send()
        .expect(200);
    assert_eq!(completed["session"]["status"], "completed");
    completed["session"].clone()
}
