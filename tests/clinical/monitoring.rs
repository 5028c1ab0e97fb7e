//! What actually happened at an esketamine session, end to end: the REMS
//! two hours before discharge, a blood pressure above the limit leading to
//! *not dosed* and a rebooking, and a REMS form going overdue.

use chrono::Duration;
use serde_json::{json, Value};

use super::gates::{book, certify_for_rems, ready_patient, register};
use super::*;
use crate::support::*;

/// A REMS clinic with an enrolled patient on an esketamine course whose
/// first session is checked in at its start; returns the clinic, the
/// course and that session.
fn checked_in_esketamine(app: &App, mrn: &str) -> (Clinic, Value, Value) {
    let clinic = app.clinic();
    certify_for_rems(app, &clinic);
    let mut body = ready_patient(mrn);
    body["rems_enrolled_on"] = json!(today().to_string());
    let patient = register(app, &clinic, &body);
    let course = book(app, &clinic, patient, ESKETAMINE).expect(201);
    let first = with_status(&course, &["booked"])[0].clone();
    app.at_start_of(&first, Duration::zero());
    app.act(&clinic, id(&first), "check-in", None).expect(200);
    (clinic, course, first)
}

fn two_hours_under_the_rems_are_kept_at_discharge(app: &App) {
    let (clinic, _, first) = checked_in_esketamine(app, "MRN-M1");
    let session = id(&first);
    // Without the first device's time, Chairside cannot count two hours.
    app.at_start_of(&first, Duration::minutes(150));
    let unknown = app.act(&clinic, session, "complete", None).problem(409);
    assert_eq!(unknown["rule"], "first_device_recorded", "{unknown}");

    // The first device at 10:15 (clinic time), recorded as it happened.
    app.at_start_of(&first, Duration::minutes(15));
    let dosed = app.start_dose(&clinic, session);
    let device = instant(&first, "start") + Duration::minutes(15);
    assert_eq!(
        dosed["earliest_discharge"],
        json!((device + Duration::minutes(120)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    );

    // At 1 h 50 the patient may not leave; the answer names when they may.
    app.set_now(device + Duration::minutes(110));
    let early = app.act(&clinic, session, "complete", None).problem(409);
    assert_eq!(early["type"], "/problems/rems-monitoring", "{early}");
    assert_eq!(early["rule"], "rems_minimum_monitoring", "{early}");
    let from = early["possible_from"].as_str().expect("possible_from");
    assert_eq!(
        from.parse::<chrono::DateTime<chrono::Utc>>().unwrap(),
        device + Duration::minutes(120)
    );
    assert!(
        early["detail"].as_str().unwrap().contains("110 minutes"),
        "{early}"
    );
    let (still, _) = app.session(&clinic, session);
    assert_eq!(still["status"], "checked_in");

    // At two hours they may; the discharge is kept in the record.
    app.set_now(device + Duration::minutes(120));
    let done = app.act(&clinic, session, "complete", None).expect(200);
    assert_eq!(done["session"]["status"], "completed", "{done}");
    let record = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/sessions/{session}/monitoring")),
        )
        .expect(200);
    let discharged: chrono::DateTime<chrono::Utc> =
        record["discharged_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(discharged, device + Duration::minutes(120));
}
on_every_backend!(two_hours_under_the_rems_are_kept_at_discharge);

/// Long on purpose: the warning, the held dose, the clinician's decision
/// and the rebooking are one story at the chair.
fn a_blood_pressure_above_the_limit_leads_to_not_dosed_and_a_rebooking(app: &App) {
    let (clinic, course, first) = checked_in_esketamine(app, "MRN-M2");
    let session = id(&first);
    app.at_start_of(&first, Duration::minutes(10));
    let now = app.now().to_rfc3339();
    let high = app
        .monitor(&clinic, &clinic.front_desk, session, &json!({
            "arrived_at": app.now().to_rfc3339(),
            "blood_pressure": [{"point": "before_dosing", "systolic": 158, "diastolic": 96, "taken_at": now}]
        }))
        .expect(200);
    assert_eq!(
        high["warnings"][0]["rule"], "blood_pressure_limit",
        "{high}"
    );
    assert!(
        high["warnings"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("158/96"),
        "{high}"
    );
    assert_eq!(
        high["not_dosed"],
        clinic.path(&format!("/sessions/{session}/not-dosed")),
        "{high}"
    );

    // Who monitored is one of the clinic's staff.
    let stranger = app
        .monitor(
            &clinic,
            &clinic.front_desk,
            session,
            &json!({"monitored_by": 987654}),
        )
        .problem(422);
    assert_eq!(stranger["errors"][0]["field"], "monitored_by", "{stranger}");

    // The dose does not start without a clinician's decision…
    let start = json!({"dose_started_at": now});
    let held = app
        .monitor(&clinic, &clinic.front_desk, session, &start)
        .problem(409);
    assert_eq!(held["type"], "/problems/blood-pressure", "{held}");
    assert_eq!(held["rule"], "blood_pressure_limit", "{held}");
    let desk = json!({"dose_started_at": now, "dosed_despite_blood_pressure": "patient insists"});
    app.monitor(&clinic, &clinic.front_desk, session, &desk)
        .problem(403);

    // …and the clinician decides not to dose: the dose is rebooked.
    let doctor = clinician(app, &clinic);
    let (_, etag) = app.session(&clinic, session);
    let not_dosed = app
        .call(
            "POST",
            &clinic.path(&format!("/sessions/{session}/not-dosed")),
        )
        .key(&doctor)
        .if_match(&etag)
        .json(&json!({"reason": "blood pressure 158/96 before dosing, above 140/90"}))
        .send()
        .expect(200);
    assert_eq!(not_dosed["session"]["status"], "not_dosed", "{not_dosed}");
    let rebooked = not_dosed["booked"].as_array().expect("booked");
    assert_eq!(
        rebooked.len(),
        1,
        "the missed dose is rebooked: {not_dosed}"
    );
    assert!(instant(&rebooked[0], "start") > instant(&first, "start"));
    let course = app.course(&clinic, course["id"].as_i64().unwrap());
    let booked: Vec<i64> = with_status(&course, &["booked"])
        .iter()
        .map(|s| id(s))
        .collect();
    assert!(booked.contains(&id(&rebooked[0])), "{course}");
    // Nothing is recorded once the patient is no longer in the chair.
    let late = app
        .monitor(
            &clinic,
            &clinic.front_desk,
            session,
            &json!({"arrived_at": now}),
        )
        .problem(409);
    assert_eq!(late["rule"], "status_order", "{late}");
    // Vitals stay out of the event stream: only ids and statuses travel.
    let events = outbox_events(app, &clinic);
    assert!(
        events
            .iter()
            .all(|e| !e.payload.to_string().contains("158")),
        "no blood pressure in events"
    );
}
on_every_backend!(a_blood_pressure_above_the_limit_leads_to_not_dosed_and_a_rebooking);

fn a_rems_form_left_open_goes_overdue(app: &App) {
    let (clinic, _, first) = checked_in_esketamine(app, "MRN-M3");
    let session = id(&first);
    app.at_start_of(&first, Duration::minutes(10));
    app.start_dose(&clinic, session);
    app.at_start_of(&first, Duration::minutes(135));
    app.act(&clinic, session, "complete", None).expect(200);
    let overdue = clinic.path("/rems-forms?overdue=true");
    assert_eq!(app.get(&clinic.front_desk, &overdue).expect(200), json!([]));

    // Five days later it is due soon; eight days later it is overdue.
    app.at_start_of(&first, Duration::days(5));
    let soon = app
        .get(&clinic.front_desk, &clinic.path("/rems-forms"))
        .expect(200);
    assert_eq!(soon[0]["urgency"], "due_soon", "{soon}");
    app.at_start_of(&first, Duration::days(8));
    let late = app.get(&clinic.front_desk, &overdue).expect(200);
    assert_eq!(late.as_array().unwrap().len(), 1, "{late}");
    assert_eq!(late[0]["session_id"], session);
    assert_eq!(late[0]["urgency"], "overdue");
    assert_eq!(late[0]["overdue"], true);
    assert_eq!(late[0]["status"], "draft");
}
on_every_backend!(a_rems_form_left_open_goes_overdue);
