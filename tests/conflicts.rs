//! Adding a session by hand: a taken chair is a conflict; a protocol rule
//! is the clinician's to break, with a reason.

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

    let problem = app
        .post(
            &clinic.front_desk,
            &clinic.path(&format!("/courses/{}/sessions", second["id"])),
            &json!({
                "at": {"start": taken["local"]["start_with_offset"]},
                "chair_id": taken["chair_id"],
            }),
        )
        .problem(409);
    assert_eq!(problem["type"], "/problems/chair-taken", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("chair {}", taken["chair_id"])),
        "which chair: {problem}"
    );

    // Even a clinician cannot override a taken chair.
    let clinician = app.db.create_key("clinician", Some(clinic.id));
    app.post(
        &clinician,
        &clinic.path(&format!("/courses/{}/sessions", second["id"])),
        &json!({
            "at": {"start": taken["start"]},
            "chair_id": taken["chair_id"],
            "override_reason": "squeeze them in",
        }),
    )
    .problem(409);
    let course = app.course(&clinic, second["id"].as_i64().unwrap());
    assert_eq!(
        course["sessions"].as_array().unwrap().len(),
        6,
        "nothing was added"
    );
}
on_every_backend!(a_taken_chair_is_a_conflict_that_names_it);

fn a_protocol_rule_is_broken_only_by_a_clinician_with_a_reason(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let first = with_status(&course, &["booked"])[0].clone();
    // The day after the first infusion: back-to-back days break the
    // induction's spacing.
    let next_day = local_date(&first) + Duration::days(1);
    let body = json!({"at": {"local_start": format!("{next_day}T12:00:00")}});
    let sessions = clinic.path(&format!("/courses/{course_id}/sessions"));

    let problem = app.post(&clinic.front_desk, &sessions, &body).problem(422);
    assert_eq!(problem["type"], "/problems/rule-violations", "{problem}");
    let rules = violation_rules(&problem);
    assert!(rules.iter().any(|r| r == "min_gap"), "{problem}");
    assert!(
        problem["violations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["detail"].as_str().is_some_and(|d| !d.is_empty())),
        "{problem}"
    );

    // A front desk cannot override, reason or not.
    let mut with_reason = body.clone();
    with_reason["override_reason"] = json!("patient flies out on Friday");
    app.post(&clinic.front_desk, &sessions, &with_reason)
        .problem(403);

    // A clinician without a reason is refused like anyone else.
    let clinician = app.db.create_key("clinician", Some(clinic.id));
    let refused = app.post(&clinician, &sessions, &body).problem(422);
    assert!(
        violation_rules(&refused).iter().any(|r| r == "min_gap"),
        "{refused}"
    );

    let added = app.post(&clinician, &sessions, &with_reason).expect(201);
    assert_eq!(local_date(&added), next_day);
    assert_eq!(added["local"]["start"], "12:00");
    assert_eq!(added["status"], "booked");
    assert_inside_opening_hours(&added);
    let course = app.course(&clinic, course_id);
    assert_eq!(with_status(&course, &["booked"]).len(), 7);
}
on_every_backend!(a_protocol_rule_is_broken_only_by_a_clinician_with_a_reason);

fn booking_a_taken_slot_again_is_a_conflict(app: &App) {
    // What a client sees when its own request won a moment ago (a
    // retry without an Idempotency-Key, or a second replica's request).
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let last = with_status(&course, &["booked"])[5].clone();
    app.act(
        &clinic,
        id(&last),
        "cancel",
        Some(&json!({"scope": "this", "reason": "re-added below"})),
    )
    .expect(200);
    let body = json!({
        "at": {"local_start": format!("{}T15:00:00", local_date(&last))},
        "chair_id": clinic.chairs[2],
    });
    let sessions = clinic.path(&format!("/courses/{}/sessions", course["id"]));
    app.post(&clinic.front_desk, &sessions, &body).expect(201);
    let again = app.post(&clinic.front_desk, &sessions, &body).problem(409);
    assert_eq!(again["type"], "/problems/chair-taken", "{again}");
}
on_every_backend!(booking_a_taken_slot_again_is_a_conflict);
