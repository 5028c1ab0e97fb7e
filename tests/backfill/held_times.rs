//! A portal holds one session's new time while the patient decides.

use chrono::Duration;
use serde_json::{json, Value};

use super::*;

fn hold(app: &App, clinic: &Clinic, session: i64, local_start: &str, minutes: i64) -> Reply {
    app.post(
        &clinic.front_desk,
        &clinic.path(&format!("/sessions/{session}/hold")),
        &json!({"to": {"local_start": local_start}, "minutes": minutes}),
    )
}

fn confirm(app: &App, clinic: &Clinic, session: i64) -> Reply {
    let (_, etag) = app.session(clinic, session);
    app.call(
        "POST",
        &clinic.path(&format!("/sessions/{session}/hold/confirm")),
    )
    .key(&clinic.front_desk)
    .if_match(&etag)
    .send()
}

/// 16:00 on the session's local day.
fn late_afternoon(session: &Value) -> String {
    format!("{}T16:00", local_date(session))
}

/// A held time is no session: not of its course, not on the day's sheet.
fn is_no_session(app: &App, clinic: &Clinic, course: &Value, session: &Value, held: &Value) {
    let course = app.course(clinic, id(course));
    assert_eq!(course["sessions"].as_array().unwrap().len(), 6, "{course}");
    let path = clinic.path(&format!("/day-sheet?date={}", local_date(session)));
    let sheet = app.get(&clinic.front_desk, &path).expect(200);
    let on_sheet = sheet["chairs"][0]["sessions"].as_array().unwrap();
    assert!(
        on_sheet.iter().all(|s| s["start"] != held["start"]),
        "{sheet}"
    );
}

fn a_sessions_new_time_is_held_and_then_taken(app: &App) {
    let clinic = app.clinic_with("One chair", weekday_hours(), 1);
    let mine = app.book_induction(&clinic, app.patient(&clinic, "MRN-T1"));
    let theirs = app.book_induction(&clinic, app.patient(&clinic, "MRN-T2"));
    let third = with_status(&mine, &["booked"])[2].clone();
    let to = late_afternoon(&third);

    let held = hold(app, &clinic, id(&third), &to, 10).expect(201);
    assert_eq!(held["local"]["start"], "16:00", "{held}");
    assert!(held["held_until"].is_string());
    let path = clinic.path(&format!("/sessions/{}/hold", id(&third)));
    assert_eq!(
        app.get(&clinic.front_desk, &path).expect(200)["start"],
        held["start"]
    );
    // The session itself has not moved, and nobody else gets that time.
    assert_eq!(app.session(&clinic, id(&third)).0["start"], third["start"]);
    is_no_session(app, &clinic, &mine, &third, &held);
    let other = with_status(&theirs, &["booked"])
        .into_iter()
        .find(|s| local_date(s) == local_date(&third))
        .cloned()
        .expect("one chair: the other induction shares the day");
    let taken = hold(app, &clinic, id(&other), &to, 10).problem(409);
    assert_eq!(
        taken["type"].as_str().unwrap().rsplit('/').next(),
        Some("chair-taken"),
        "{taken}"
    );
    // A second hold for the same session is refused until this one goes.
    hold(
        app,
        &clinic,
        id(&third),
        &format!("{}T17:00", local_date(&third)),
        10,
    )
    .problem(409);

    let moved = confirm(app, &clinic, id(&third)).expect(200);
    assert_eq!(moved["session"]["start"], held["start"], "{moved}");
    app.get(&clinic.front_desk, &path).problem(404);
    let types = event_types(app, &clinic);
    assert!(
        types.contains(&"session.time_held".to_string()),
        "{types:?}"
    );
    assert!(types.contains(&"session.rescheduled".to_string()));
    assert_eq!(app.overlapping_live_pairs(), 0);
}
on_every_backend!(a_sessions_new_time_is_held_and_then_taken);

fn a_held_time_that_runs_out_is_let_go(app: &App) {
    let clinic = app.clinic_with("One chair", weekday_hours(), 1);
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-T3"));
    let second = with_status(&course, &["booked"])[1].clone();
    hold(app, &clinic, id(&second), &late_afternoon(&second), 5).expect(201);
    app.set_now(app.now() + Duration::minutes(6));
    let late = confirm(app, &clinic, id(&second)).problem(409);
    assert!(
        late["detail"].as_str().unwrap().contains("ran out"),
        "{late}"
    );
    sweep(app);
    let path = clinic.path(&format!("/sessions/{}/hold", id(&second)));
    app.get(&clinic.front_desk, &path).problem(404);
    assert!(event_types(app, &clinic).contains(&"session.hold_released".to_string()));
    // The time is free again: it can be held anew, and let go by the portal.
    hold(app, &clinic, id(&second), &late_afternoon(&second), 5).expect(201);
    app.post(&clinic.front_desk, &format!("{path}/release"), &json!({}))
        .expect(204);
    app.get(&clinic.front_desk, &path).problem(404);
}
on_every_backend!(a_held_time_that_runs_out_is_let_go);

/// Portals on every server hold one free time for different patients'
/// sessions at once: one wins, and no chair is ever held twice.
fn portals_racing_for_one_time_never_both_win(app: &App) {
    let clinic = app.clinic_with("One chair", weekday_hours(), 1);
    let firsts: Vec<Value> = (1..=4)
        .map(|n| {
            let course = app.book_induction(&clinic, app.patient(&clinic, &format!("MRN-P{n}")));
            with_status(&course, &["booked"])[0].clone()
        })
        .collect();
    let day = local_date(&firsts[0]);
    let racing: Vec<&Value> = firsts.iter().filter(|s| local_date(s) == day).collect();
    assert!(
        racing.len() >= 2,
        "the first sessions share a day: {firsts:?}"
    );
    let to = format!("{day}T16:30");
    let servers = app.servers();
    let replies = all_at_once(
        racing
            .iter()
            .enumerate()
            .map(|(i, session)| {
                servers[i % servers.len()]
                    .call(
                        "POST",
                        &clinic.path(&format!("/sessions/{}/hold", id(session))),
                    )
                    .key(&clinic.front_desk)
                    .json(&json!({"to": {"local_start": to}, "minutes": 10}))
            })
            .collect(),
    );
    let winners = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(winners, 1, "{replies:#?}");
    assert!(
        replies.iter().all(|r| matches!(r.status, 201 | 409)),
        "{replies:#?}"
    );
    assert_eq!(app.overlapping_live_pairs(), 0, "no chair held twice");
}
race_on_every_backend!(portals_racing_for_one_time_never_both_win);
