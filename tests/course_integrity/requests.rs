//! What a request may ask: a second running course of one kind is
//! refused; patching one setting keeps the others; a closure in the
//! spring-forward gap, an earliest date in the past and a missing field are
//! refused, named; wall-clock times take minutes with or without seconds.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use super::*;
use crate::support::*;

/// A second concurrent IV induction could be booked for the same patient.
fn a_second_running_course_of_one_kind_is_refused(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let patient = app.patient(&clinic, "MRN-1");
    let first = app.book_induction(&clinic, patient);
    let first_id = first["id"].as_i64().unwrap();
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let body = json!({"patient_id": patient, "protocol_id": protocol, "earliest": (next_monday() + Duration::days(7)).to_string()});
    let refused = app
        .post(&clinic.front_desk, &clinic.path("/courses"), &body)
        .problem(409);
    assert_eq!(refused["type"], "/problems/one-running-course", "{refused}");
    assert_eq!(refused["course_id"], first_id, "{refused}");

    // Paused, the first no longer runs: a second may start; the first then
    // cannot resume while the second runs.
    on_course(
        app,
        &clinician,
        &clinic,
        first_id,
        "pause",
        &json!({"reason": "hospital stay"}),
    )
    .expect(200);
    let second = app
        .post(&clinic.front_desk, &clinic.path("/courses"), &body)
        .expect(201);
    let resume = on_course(
        app,
        &clinician,
        &clinic,
        first_id,
        "resume",
        &json!({"reason": "home again"}),
    )
    .problem(409);
    assert_eq!(resume["course_id"], second["id"], "{resume}");
}
on_every_backend!(a_second_running_course_of_one_kind_is_refused);

/// PATCH of clinic settings replaced the whole object: a field left out,
/// such as `rems_certified`, was reset.
fn patching_one_setting_keeps_the_others(app: &App) {
    let clinic = app.clinic();
    let patch = |body: &Value| {
        let etag = app.get(&app.admin, &clinic.path("")).etag();
        app.call("PATCH", &clinic.path(""))
            .key(&app.admin)
            .if_match(&etag)
            .raw("application/merge-patch+json", &body.to_string())
            .send()
    };
    patch(&json!({"settings": {"rems_certified": true, "boosters_ahead": 2}})).expect(200);
    let changed = patch(&json!({"settings": {"boosters_ahead": 3}})).expect(200);
    assert_eq!(changed["settings"]["rems_certified"], true, "{changed}");
    assert_eq!(changed["settings"]["boosters_ahead"], 3, "{changed}");
    assert_eq!(changed["hours"], weekday_hours(), "{changed}");
    // One weekday given replaces that day only; `null` restores a default.
    let changed = patch(&json!({"hours": {"sat": [{"opens": "09:00", "closes": "13:00"}]}, "settings": {"boosters_ahead": null}})).expect(200);
    assert_eq!(changed["hours"]["mon"], weekday_hours()["mon"], "{changed}");
    assert_eq!(changed["hours"]["sat"][0]["opens"], "09:00", "{changed}");
    assert_eq!(changed["settings"]["boosters_ahead"], 1, "{changed}");
    assert_eq!(changed["settings"]["rems_certified"], true, "{changed}");
    // A mistyped field is named with its path.
    let problem = patch(&json!({"settings": {"boosters_ahead": "three"}})).problem(422);
    assert_eq!(
        error_fields(&problem),
        ["settings.boosters_ahead"],
        "{problem}"
    );

    // Patients the same: a field left out stays, `null` clears a date.
    let patient = app.patient(&clinic, "MRN-1");
    let path = clinic.path(&format!("/patients/{patient}"));
    let patch_patient = |body: &Value| {
        let etag = app.get(&clinic.front_desk, &path).etag();
        app.call("PATCH", &path)
            .key(&clinic.front_desk)
            .if_match(&etag)
            .json(body)
            .send()
    };
    let changed = patch_patient(&json!({"preferences": {"preferred_start": "10:00"}})).expect(200);
    assert_eq!(changed["escort_confirmed"], true, "{changed}");
    let changed =
        patch_patient(&json!({"preferences": {"weekdays": ["mon"]}, "intake_assessed_on": null}))
            .expect(200);
    assert_eq!(
        changed["preferences"]["preferred_start"], "10:00",
        "{changed}"
    );
    assert_eq!(
        changed["preferences"]["weekdays"],
        json!(["mon"]),
        "{changed}"
    );
    assert_eq!(changed["intake_assessed_on"], Value::Null, "{changed}");
}
on_every_backend!(patching_one_setting_keeps_the_others);

/// A closure at a wall-clock time that does not exist (the spring-forward
/// gap) was accepted.
fn a_closure_in_the_spring_forward_gap_is_refused(app: &App) {
    let clinic = app.clinic();
    let closure = |start: &str, end: &str| {
        app.post(
            &clinic.front_desk,
            &clinic.path("/closures"),
            &json!({"span": {"kind": "range", "start": start, "end": end}, "reason": "maintenance"}),
        )
    };
    // New York skips 02:00–03:00 on 14 March 2027.
    let problem = closure("2027-03-14T02:30", "2027-03-14T05:00").problem(422);
    assert_eq!(error_fields(&problem), ["span.start"], "{problem}");
    let problem = closure("2027-03-14T01:00", "2027-03-14T02:15").problem(422);
    assert_eq!(error_fields(&problem), ["span.end"], "{problem}");
    closure("2027-03-14T01:00", "2027-03-14T03:00").expect(201);
}
on_every_backend!(a_closure_in_the_spring_forward_gap_is_refused);

/// Wall-clock times documented as `HH:MM` were refused unless written
/// `HH:MM:SS`; a local date-time without seconds (`2026-03-04T12:00`, as in
/// the spec's own example) was refused with serde's "premature end of input".
fn wall_clock_times_take_minutes_with_or_without_seconds(app: &App) {
    let clinic = app.clinic();
    for (start, end) in [
        ("2027-05-04T12:00", "2027-05-04T13:00"),
        ("2027-05-05T12:00:00", "2027-05-05T13:00:00"),
    ] {
        let closure = app
            .post(
                &clinic.front_desk,
                &clinic.path("/closures"),
                &json!({"span": {"kind": "range", "start": start, "end": end}, "reason": "staff training"}),
            )
            .expect(201);
        assert_eq!(
            closure["span"]["start"].as_str().unwrap()[..16],
            start[..16],
            "{closure}"
        );
    }
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let second = with_status(&course, &["booked"])[1].clone();
    for time in ["14:00", "14:15:00"] {
        let moved = app
            .act(
                &clinic,
                id(&second),
                "reschedule",
                Some(&json!({"to": {"local_start": format!("{}T{time}", local_date(&second))}, "reason": "afternoon"})),
            )
            .expect(200);
        assert_eq!(moved["session"]["local"]["start"], time[..5], "{moved}");
    }
    let patient = app
        .post(
            &clinic.front_desk,
            &clinic.path("/patients"),
            &json!({"external_ref": "MRN-2", "display_name": "B", "preferences": {"earliest_start": "09:00:00", "preferred_start": "10:30"}}),
        )
        .expect(201);
    assert_eq!(
        patient["preferences"]["earliest_start"], "09:00",
        "{patient}"
    );
    assert_eq!(
        patient["preferences"]["preferred_start"], "10:30",
        "{patient}"
    );
}
on_every_backend!(wall_clock_times_take_minutes_with_or_without_seconds);

/// A missing JSON field was reported as `errors[0].field = "body"`.
fn a_missing_field_is_named(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let problem = app
        .post(
            &clinic.front_desk,
            &clinic.path("/courses"),
            &json!({"patient_id": patient, "protocol_id": 1}),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["earliest"], "{problem}");
    let problem = app
        .post(
            &clinic.front_desk,
            &clinic.path("/closures"),
            &json!({"span": {"kind": "days", "first": "2027-01-01"}, "reason": "x"}),
        )
        .problem(422);
    assert!(error_fields(&problem)[0].starts_with("span"), "{problem}");
}
on_every_backend!(a_missing_field_is_named);

/// An `earliest` in the past was moved to today without a word.
fn an_earliest_date_in_the_past_is_refused(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let yesterday: NaiveDate = app.now().with_timezone(&ZONE).date_naive() - Duration::days(1);
    for path in ["/courses/preview", "/courses"] {
        let problem = app
            .post(&clinic.front_desk, &clinic.path(path), &json!({"patient_id": patient, "protocol_id": protocol, "earliest": yesterday.to_string()}))
            .problem(422);
        assert_eq!(error_fields(&problem), ["earliest"], "{problem}");
    }
}
on_every_backend!(an_earliest_date_in_the_past_is_refused);
