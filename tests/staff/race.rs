//! Coverage under races, through three server processes (one on SQLite).
//! With one nurse no two sessions may overlap at all (a check is
//! one-to-one, and the nurse is busy with whoever is in the chair), so the
//! proof is simple to read: no two live sessions overlap in time.
//!
//! Courses booked at once all succeed. Moves of five sessions to one time
//! on five different chairs (no chair constraint between them: only staff
//! coverage decides) let exactly one win; the others are told the floor is
//! short.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::*;

const PATIENTS: usize = 8;
/// Five sessions fill Monday from 08:00 to 15:30 with one nurse; each then
/// races for 15:30, the hour left, on a chair of its own.
const MOVERS: usize = 5;

/// A clinic of five chairs with one nurse and one prescriber on the floor.
fn one_nurse_clinic(app: &App) -> Clinic {
    let clinic = app.clinic_with("One nurse", weekday_hours(), MOVERS);
    add_staff(app, &clinic, "RN A", &["nurse"], json!([]));
    add_staff(app, &clinic, "MD B", &["prescriber"], json!([]));
    patch_settings(app, &clinic, json!({"plan_with_staff": true})).expect(200);
    clinic
}

/// How to make one racing request on a given server.
type MakeCall<'a> = Box<dyn Fn(&Server) -> Call + Sync + 'a>;

/// Sends the calls all at once, spread over the app's servers in turn.
fn release_together(app: &App, calls: Vec<MakeCall<'_>>) -> Vec<Reply> {
    let servers = app.servers();
    all_at_once(
        calls
            .iter()
            .enumerate()
            .map(|(i, make)| make(servers[i % servers.len()]))
            .collect(),
    )
}

#[track_caller]
fn assert_no_overlap(mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)>) {
    spans.sort();
    for pair in spans.windows(2) {
        assert!(
            pair[0].1 <= pair[1].0,
            "two sessions overlap with one nurse on the floor: {pair:?}"
        );
    }
}

fn racing_bookings_never_exceed_staff_coverage(app: &App) {
    let clinic = one_nurse_clinic(app);
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let bodies: Vec<_> = (0..PATIENTS)
        .map(|n| {
            let patient = app.patient(&clinic, &format!("MRN-{n}"));
            json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()})
        })
        .collect();
    let replies = release_together(
        app,
        bodies
            .iter()
            .map(|body| {
                let path = clinic.path("/courses");
                let key = clinic.front_desk.clone();
                Box::new(move |server: &Server| server.call("POST", &path).key(&key).json(body))
                    as MakeCall
            })
            .collect(),
    );
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for reply in &replies {
        let course = reply.expect(201);
        for s in with_status(&course, &["booked"]) {
            spans.push((instant(s, "start"), instant(s, "end")));
        }
    }
    assert_eq!(
        spans.len(),
        PATIENTS * 6,
        "every induction is booked in full"
    );
    assert_no_overlap(spans);
}
race_on_every_backend!(racing_bookings_never_exceed_staff_coverage);

fn moves_to_the_last_covered_hour_one_wins(app: &App) {
    let clinic = one_nurse_clinic(app);
    let firsts: Vec<Value> = (0..MOVERS)
        .map(|n| {
            let course = app.book_induction(&clinic, app.patient(&clinic, &format!("MRN-{n}")));
            with_status(&course, &["booked"])[0].clone()
        })
        .collect();
    let at = format!("{}T15:30", next_monday());
    let replies = release_together(
        app,
        firsts
            .iter()
            .zip(&clinic.chairs)
            .map(|(session, chair)| {
                let path = clinic.path(&format!("/sessions/{}/reschedule", id(session)));
                let etag = app.session(&clinic, id(session)).1;
                let body =
                    json!({"to": {"local_start": at}, "chair_id": chair, "reason": "afternoon"});
                let key = clinic.front_desk.clone();
                Box::new(move |server: &Server| {
                    server
                        .call("POST", &path)
                        .key(&key)
                        .if_match(&etag)
                        .json(&body)
                }) as MakeCall
            })
            .collect(),
    );
    let won = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        won, 1,
        "exactly one move wins the covered hour: {replies:#?}"
    );
    for lost in replies.iter().filter(|r| r.status != 200) {
        assert_eq!(
            lost.problem(409)["type"],
            "/problems/staff-short",
            "{lost:?}"
        );
    }
    let day = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!(
                "/sessions?from={0}&to={0}&limit=200",
                next_monday()
            )),
        )
        .expect(200);
    let spans = day["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "booked")
        .map(|s| (instant(s, "start"), instant(s, "end")))
        .collect();
    assert_no_overlap(spans);
}
race_on_every_backend!(moves_to_the_last_covered_hour_one_wins);
