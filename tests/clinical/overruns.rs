//! A session running over moves the day: a patient who arrives late and is
//! dosed late holds the chair past the booked end, the next booking on that
//! chair is offered the same start on another chair, and the front desk
//! applies it with the one call it is given.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::*;
use crate::support::*;

/// Two chairs; patient A's IV session Monday 08:00–09:30 on chair 1, and
/// patient B, who likes 09:30, right after it on the same chair.
fn back_to_back(app: &App) -> (Clinic, Value, Value) {
    let clinic = app.clinic_with("Two-chair clinic", weekday_hours(), 2);
    let a = app.patient(&clinic, "MRN-O1");
    let first_of = |course: &Value| with_status(course, &["booked"])[0].clone();
    let a_first = first_of(&app.book_induction(&clinic, a));
    let mut body = ready_for_a_first_dose("MRN-O2", "Patient MRN-O2");
    body["preferences"] = json!({ "preferred_start": "09:30" });
    let b = app
        .post(&clinic.front_desk, &clinic.path("/patients"), &body)
        .expect(201)["id"]
        .as_i64()
        .expect("patient id");
    let b_first = first_of(&app.book_induction(&clinic, b));
    assert_eq!(
        a_first["chair_id"], b_first["chair_id"],
        "{a_first} {b_first}"
    );
    assert_eq!(instant(&a_first, "end"), instant(&b_first, "start"));
    (clinic, a_first, b_first)
}

fn overruns(app: &App, clinic: &Clinic) -> Vec<Value> {
    app.get(&clinic.front_desk, &clinic.path("/overruns"))
        .expect(200)
        .as_array()
        .expect("a list")
        .clone()
}

fn events_of(app: &App, clinic: &Clinic, kind: &str) -> Vec<Value> {
    outbox_events(app, clinic)
        .into_iter()
        .filter(|e| e.event_type == kind)
        .map(|e| e.payload)
        .collect()
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().expect("a time").parse().expect("RFC 3339")
}

/// Long on purpose: the late arrival, the overrun it causes, the fix and
/// its application are one story at the chair.
fn an_overrun_proposes_and_applies_a_chair_swap(app: &App) {
    let (clinic, a, b) = back_to_back(app);
    let (a_id, b_id) = (id(&a), id(&b));
    // A reminder integration can ask for both.
    let subscription = json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["session.late", "session.overrun"]});
    app.post(&app.admin, &clinic.path("/webhooks"), &subscription)
        .expect(201);
    let start = instant(&a, "start");

    // A arrives twenty minutes late: the chair is held twenty minutes longer.
    app.at_start_of(&a, Duration::minutes(20));
    app.act(&clinic, a_id, "check-in", None).expect(200);
    let arrived = (start + Duration::minutes(20)).to_rfc3339();
    app.monitor(
        &clinic,
        &clinic.front_desk,
        a_id,
        &json!({ "arrived_at": arrived }),
    )
    .expect(200);
    let late = events_of(app, &clinic, "session.late");
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0]["late_by_minutes"], 20);
    assert_eq!(late[0]["session"]["id"], a_id);
    assert!(late[0]["session"].get("reason").is_none(), "{}", late[0]);

    // Dosed at 08:25: 40 minutes of infusion and 40 of monitoring end at
    // 09:45, into B's 09:30 on the same chair.
    app.at_start_of(&a, Duration::minutes(25));
    app.start_dose(&clinic, a_id);
    let running = overruns(app, &clinic);
    assert_eq!(running.len(), 1, "{running:?}");
    let over = &running[0];
    assert_eq!(over["session_id"], a_id);
    assert_eq!(over["cause"], "late_dose");
    assert_eq!(over["late_by_minutes"], 20);
    assert_eq!(at(&over["held_until"]), start + Duration::minutes(105));
    let reached = over["reaches"].as_array().expect("reaches");
    assert_eq!(reached.len(), 1, "{over}");
    assert_eq!(reached[0]["session_id"], b_id);
    let fix = &reached[0]["fix"];
    assert_eq!(fix["kind"], "another_chair", "{fix}");
    assert_eq!(fix["chair_id"], json!(clinic.chairs[1]));
    assert_eq!(at(&fix["start"]), instant(&b, "start"));
    let announced = events_of(app, &clinic, "session.overrun");
    assert_eq!(announced.len(), 1, "{announced:?}");
    assert_eq!(announced[0]["reaches"], json!([b_id]));

    // Putting B back where A still sits is refused.
    let back = json!({ "to": { "start": b["start"] }, "chair_id": b["chair_id"], "reason": "try" });
    let refused = app.act(&clinic, b_id, "reschedule", Some(&back));
    assert!(
        refused.status == 409 || refused.status == 422,
        "{:?}",
        refused.json()
    );

    // One call applies the fix, as given.
    let apply = &fix["apply"];
    let moved = app
        .call(
            apply["method"].as_str().unwrap(),
            apply["href"].as_str().unwrap(),
        )
        .key(&clinic.front_desk)
        .if_match(apply["if_match"].as_str().unwrap())
        .json(&apply["body"])
        .send()
        .expect(200);
    assert_eq!(
        moved["session"]["chair_id"],
        json!(clinic.chairs[1]),
        "{moved}"
    );
    assert_eq!(instant(&moved["session"], "start"), instant(&b, "start"));
    let after = overruns(app, &clinic);
    assert_eq!(after[0]["reaches"], json!([]), "{after:?}");

    // Past the expected end A is still there: the chair stays held a
    // quarter hour past now, and nothing is announced twice.
    app.at_start_of(&a, Duration::minutes(110));
    chairside_api::workers::overruns::sweep(&app.store(), app.now()).expect("sweep");
    let still = overruns(app, &clinic);
    assert_eq!(still[0]["cause"], "still_in_the_chair");
    assert_eq!(at(&still[0]["held_until"]), start + Duration::minutes(125));
    assert_eq!(events_of(app, &clinic, "session.overrun").len(), 1);
    assert_eq!(events_of(app, &clinic, "session.late").len(), 1);

    // Discharged: nothing runs over any more.
    app.act(&clinic, a_id, "complete", None).expect(200);
    assert_eq!(overruns(app, &clinic), Vec::<Value>::new());
}
on_every_backend!(an_overrun_proposes_and_applies_a_chair_swap);
