//! Placing a session by hand (a move to a chosen time): a taken chair is a
//! conflict; a protocol rule is the clinician's to break, with a reason.

use chrono::Duration;
use serde_json::{json, Value};

use crate::support::*;

/// A course on Tuesdays and Thursdays, so Mondays are free for its patient.
fn tuesday_thursday_course(app: &App, clinic: &Clinic, external_ref: &str) -> Value {
    let patient = app.patient(clinic, external_ref);
    let protocol = app.protocol_id(clinic, "iv-ketamine-standard");
    app.post(
        &clinic.front_desk,
        &clinic.path("/courses"),
        &json!({
            "patient_id": patient,
            "protocol_id": protocol,
            "earliest": next_monday().to_string(),
            "preferences": {"weekdays": ["tue", "thu"]},
        }),
    )
    .expect(201)
}

fn a_taken_chair_is_a_conflict_that_names_it(app: &App) {
    let clinic = app.clinic();
    let first = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let taken = with_status(&first, &["booked"])[0].clone();
    let second = tuesday_thursday_course(app, &clinic, "MRN-2");
    assert!(
        with_status(&second, &["booked"])
            .iter()
            .all(|s| local_date(s) != local_date(&taken)),
        "the second patient has nothing on {}: {second}",
        local_date(&taken)
    );

    let moving = with_status(&second, &["booked"])[0].clone();
    let to_taken = json!({
        "to": {"start": taken["local"]["start_with_offset"]},
        "chair_id": taken["chair_id"],
        "reason": "patient asked for Monday",
    });
    let problem = app
        .act(&clinic, id(&moving), "reschedule", Some(&to_taken))
        .problem(409);
    assert_eq!(problem["type"], "/problems/chair-taken", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("chair {}", taken["chair_id"])),
        "which chair: {problem}"
    );

    // Even a clinician cannot override a taken chair.
    let clinician = app.create_key("clinician", Some(clinic.id));
    let (_, etag) = app.session(&clinic, id(&moving));
    let mut overridden = to_taken.clone();
    overridden["override_reason"] = json!("squeeze them in");
    app.call(
        "POST",
        &clinic.path(&format!("/sessions/{}/reschedule", id(&moving))),
    )
    .key(&clinician)
    .if_match(&etag)
    .json(&overridden)
    .send()
    .problem(409);
    let (after, _) = app.session(&clinic, id(&moving));
    assert_eq!(after["start"], moving["start"], "nothing moved");
}
on_every_backend!(a_taken_chair_is_a_conflict_that_names_it);

fn a_protocol_rule_is_broken_only_by_a_clinician_with_a_reason(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let booked = with_status(&course, &["booked"]);
    let (first, second) = (booked[0].clone(), booked[1].clone());
    // The day after the first infusion: back-to-back days break the
    // induction's spacing.
    let next_day = local_date(&first) + Duration::days(1);
    let body = json!({
        "to": {"local_start": format!("{next_day}T12:00")},
        "reason": "patient flies out on Friday",
    });
    let move_second = |key: &str, body: &Value| {
        let (_, etag) = app.session(&clinic, id(&second));
        app.call(
            "POST",
            &clinic.path(&format!("/sessions/{}/reschedule", id(&second))),
        )
        .key(key)
        .if_match(&etag)
        .json(body)
        .send()
    };

    assert_breaks_min_gap(&move_second(&clinic.front_desk, &body).problem(422));

    // A front desk cannot override, reason or not.
    let mut with_override = body.clone();
    with_override["override_reason"] = json!("the clinician agreed by phone");
    move_second(&clinic.front_desk, &with_override).problem(403);

    // A clinician without an override reason is refused like anyone else.
    let clinician = app.create_key("clinician", Some(clinic.id));
    let refused = move_second(&clinician, &body).problem(422);
    assert!(
        violation_rules(&refused).iter().any(|r| r == "min_gap"),
        "{refused}"
    );

    let moved = move_second(&clinician, &with_override).expect(200);
    let moved = &moved["session"];
    assert_eq!(local_date(moved), next_day);
    assert_eq!(moved["local"]["start"], "12:00");
    assert_eq!(moved["status"], "booked");
    assert_inside_opening_hours(moved);
    let course = app.course(&clinic, course_id);
    assert_eq!(with_status(&course, &["booked"]).len(), 6);
    // The clinician accepted the series outside its spacing: not at risk.
    assert_eq!(course["at_risk"], Value::Null, "{course}");
}
on_every_backend!(a_protocol_rule_is_broken_only_by_a_clinician_with_a_reason);

/// A move refused for the rules it breaks: the induction's minimum gap
/// among them, each violation saying why.
#[track_caller]
fn assert_breaks_min_gap(problem: &Value) {
    assert_eq!(problem["type"], "/problems/rule-violations", "{problem}");
    let rules = violation_rules(problem);
    assert!(rules.iter().any(|r| r == "min_gap"), "{problem}");
    assert!(
        problem["violations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["detail"].as_str().is_some_and(|d| !d.is_empty())),
        "{problem}"
    );
}

fn booking_a_taken_slot_again_is_a_conflict(app: &App) {
    // What a client sees when another desk's request won the slot a moment
    // ago (or a second replica's).
    let clinic = app.clinic();
    let a = tuesday_thursday_course(app, &clinic, "MRN-1");
    let b = tuesday_thursday_course(app, &clinic, "MRN-2");
    let monday = next_monday();
    let body = json!({
        "to": {"local_start": format!("{monday}T15:00")},
        "chair_id": clinic.chairs[2],
        "reason": "Tuesday is a holiday for them",
    });
    // Each moves its first Tuesday to the Monday before it.
    let first_of = |course: &Value| id(with_status(course, &["booked"])[0]);
    app.act(&clinic, first_of(&a), "reschedule", Some(&body))
        .expect(200);
    let again = app
        .act(&clinic, first_of(&b), "reschedule", Some(&body))
        .problem(409);
    assert_eq!(again["type"], "/problems/chair-taken", "{again}");
}
on_every_backend!(booking_a_taken_slot_again_is_a_conflict);
