//! A reminder integration reports the patient's answer: a confirmation is
//! kept, a decline inside the clinic's notice is a late cancellation (the
//! dose rebooked), and integrations hear of both.

use chrono::Duration;
use serde_json::{json, Value};

use super::*;
use crate::support::*;

fn answer(app: &App, clinic: &Clinic, key: &str, session: i64, said: &str) -> Reply {
    let (_, etag) = app.session(clinic, session);
    app.call(
        "POST",
        &clinic.path(&format!("/sessions/{session}/reminder-answer")),
    )
    .key(key)
    .if_match(&etag)
    .json(&json!({ "answer": said }))
    .send()
}

fn a_declined_reminder_inside_the_notice_is_a_late_cancellation(app: &App) {
    let clinic = app.clinic();
    let reminders = app.create_key("integration", Some(clinic.id));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-A1"));
    let booked = with_status(&course, &["booked"]);
    let (second, third) = (booked[1].clone(), booked[2].clone());

    // Two days ahead the patient confirms the second dose.
    app.set_now(instant(&second, "start") - Duration::hours(48));
    let confirmed = answer(app, &clinic, &reminders, id(&second), "confirmed").expect(200);
    assert_eq!(confirmed["session"]["status"], "booked");
    assert!(
        confirmed["session"]["confirmed_at"].is_string(),
        "{confirmed}"
    );

    // Three hours before the third (notice: 24 hours) the patient declines.
    app.set_now(instant(&third, "start") - Duration::hours(3));
    let declined = answer(app, &clinic, &reminders, id(&third), "declined").expect(200);
    assert_eq!(declined["session"]["status"], "cancelled", "{declined}");
    assert_eq!(declined["session"]["late_cancellation"], true);
    assert_eq!(
        declined["booked"].as_array().map(Vec::len),
        Some(1),
        "the dose is rebooked: {declined}"
    );

    let events: Vec<(String, Value)> = outbox_events(app, &clinic)
        .into_iter()
        .map(|e| (e.event_type, e.payload))
        .collect();
    let confirmed_event = events
        .iter()
        .find(|(t, _)| t == "session.confirmed")
        .expect("announced");
    assert_eq!(confirmed_event.1["id"], json!(id(&second)));
    let cancelled = events
        .iter()
        .find(|(t, p)| t == "session.cancelled" && p["id"] == json!(id(&third)))
        .expect("announced");
    assert_eq!(cancelled.1["late_cancellation"], true);

    // A clinician's key is not a reminder integration's; the desk's is.
    let clinician = clinician(app, &clinic);
    let fourth = with_status(&app.course(&clinic, id(&course)), &["booked"])[2].clone();
    answer(app, &clinic, &clinician, id(&fourth), "declined").problem(403);
    // A patient may not answer for a session already under way.
    app.set_now(instant(&fourth, "start") + Duration::minutes(5));
    let started = answer(app, &clinic, &clinic.front_desk, id(&fourth), "declined").problem(409);
    assert_eq!(started["rule"], "status_order", "{started}");
}
on_every_backend!(a_declined_reminder_inside_the_notice_is_a_late_cancellation);
