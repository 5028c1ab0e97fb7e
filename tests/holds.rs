//! A patient portal holds a plan while the patient decides: the held
//! sessions keep their chairs like bookings, a confirmation books them, a
//! hold that runs out frees them; portals racing for the same hold or the
//! same chair never both win.

use chrono::Duration;
use serde_json::{json, Value};

use crate::support::*;

fn hold(app: &App, clinic: &Clinic, patient: i64, minutes: i64) -> Reply {
    let protocol = app.protocol_id(clinic, "iv-ketamine-standard");
    app.post(
        &clinic.front_desk,
        &clinic.path("/courses"),
        &json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string(), "hold_minutes": minutes}),
    )
}

fn event_types(app: &App, clinic: &Clinic) -> Vec<String> {
    app.store()
        .read(|conn| chairside_store::repo::outbox::list_after(conn, Some(clinic.id), 0, 1000))
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect()
}

fn on_course(app: &App, clinic: &Clinic, course: i64, action: &str) -> Reply {
    let path = clinic.path(&format!("/courses/{course}"));
    let etag = app.get(&clinic.front_desk, &path).etag();
    app.call("POST", &format!("{path}/{action}"))
        .key(&clinic.front_desk)
        .if_match(&etag)
        .send()
}

fn a_held_plan_keeps_its_chairs_and_is_booked_when_confirmed(app: &App) {
    let clinic = app.clinic_with("One chair", weekday_hours(), 1);
    let held = hold(app, &clinic, app.patient(&clinic, "MRN-H1"), 10).expect(201);
    assert!(held["held_until"].is_string(), "{held}");
    assert_eq!(
        event_types(app, &clinic),
        ["course.held"],
        "sessions are not announced yet"
    );
    // The held sessions keep their chair: another patient goes elsewhere.
    let other = app.book_induction(&clinic, app.patient(&clinic, "MRN-H2"));
    let taken: Vec<&Value> = with_status(&held, &["booked"]);
    for session in with_status(&other, &["booked"]) {
        assert!(
            taken.iter().all(|t| t["start"] != session["start"]),
            "{session}"
        );
    }
    // Nothing else happens to a held course.
    let first = id(taken[0]);
    app.act(
        &clinic,
        first,
        "cancel",
        Some(&json!({"scope": "this", "reason": "x"})),
    )
    .problem(409);

    let fhir = |session: i64| {
        app.get(
            &clinic.front_desk,
            &format!("/fhir/r4/Appointment/{session}"),
        )
        .expect(200)["status"]
            .clone()
    };
    assert_eq!(fhir(first), "pending", "not the patient's until confirmed");

    let confirmed = on_course(app, &clinic, id(&held), "confirm").expect(200);
    assert_eq!(fhir(first), "booked");
    assert!(confirmed["held_until"].is_null(), "{confirmed}");
    let types = event_types(app, &clinic);
    assert!(
        types.iter().filter(|t| *t == "course.booked").count() == 2,
        "{types:?}"
    );
    assert!(types.contains(&"session.booked".to_string()));
}
on_every_backend!(a_held_plan_keeps_its_chairs_and_is_booked_when_confirmed);

fn a_hold_that_runs_out_frees_its_chairs(app: &App) {
    let clinic = app.clinic_with("One chair", weekday_hours(), 1);
    let held = hold(app, &clinic, app.patient(&clinic, "MRN-H3"), 5).expect(201);
    let course = id(&held);
    app.set_now(app.now() + Duration::minutes(6));
    // Too late to confirm: the chairs are about to be free again.
    let late = on_course(app, &clinic, course, "confirm").problem(409);
    assert!(
        late["detail"].as_str().unwrap().contains("ran out"),
        "{late}"
    );
    let released = chairside_api::workers::holds::sweep(&app.store(), app.now()).expect("sweep");
    assert!(
        released <= 1,
        "the server's own worker may have released it first"
    );
    let after = app.course(&clinic, course);
    assert_eq!(after["status"], "ceased", "{after}");
    assert!(with_status(&after, &["booked"]).is_empty());
    assert!(event_types(app, &clinic).contains(&"course.hold_released".to_string()));
    // Its chair times are free: the same plan can be booked now.
    let again = app.book_induction(&clinic, app.patient(&clinic, "MRN-H4"));
    assert_eq!(
        with_status(&again, &["booked"])[0]["start"],
        with_status(&held, &["booked"])[0]["start"]
    );
}
on_every_backend!(a_hold_that_runs_out_frees_its_chairs);

/// Two portals racing for the same hold — one confirming, one letting it
/// go, many times over — and ten portals holding plans for one chair at
/// once: one wins each hold, and no chair is ever held twice.
fn portals_racing_for_holds_never_both_win(app: &App) {
    let clinic = app.clinic_with("One chair", weekday_hours(), 1);
    let held = hold(app, &clinic, app.patient(&clinic, "MRN-R0"), 10).expect(201);
    let path = clinic.path(&format!("/courses/{}", id(&held)));
    let etag = app.get(&clinic.front_desk, &path).etag();
    let servers = app.servers();
    let calls = (0..10)
        .map(|i| {
            let action = if i % 2 == 0 { "confirm" } else { "release" };
            servers[i % servers.len()]
                .call("POST", &format!("{path}/{action}"))
                .key(&clinic.front_desk)
                .if_match(&etag)
        })
        .collect();
    let replies = all_at_once(calls);
    let winners = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(winners, 1, "{replies:#?}");
    assert!(
        replies.iter().all(|r| matches!(r.status, 200 | 409 | 412)),
        "{replies:#?}"
    );

    let patients: Vec<i64> = (1..=10)
        .map(|n| app.patient(&clinic, &format!("MRN-R{n}")))
        .collect();
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let calls = patients
        .iter()
        .enumerate()
        .map(|(i, patient)| {
            servers[i % servers.len()]
                .call("POST", &clinic.path("/courses"))
                .key(&clinic.front_desk)
                .json(&json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string(), "hold_minutes": 10}))
        })
        .collect();
    let held = all_at_once(calls);
    assert!(
        held.iter().all(|r| r.status == 201 || r.status == 422),
        "{held:#?}"
    );
    assert_eq!(app.overlapping_live_pairs(), 0, "no chair held twice");
}
race_on_every_backend!(portals_racing_for_holds_never_both_win);
