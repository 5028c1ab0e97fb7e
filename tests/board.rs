//! The board's server side: its page served from the binary with a strict
//! policy, the day sheet it draws (hours and closures as instants, each
//! session's segments and patient, a cheap 304 when nothing changed), a
//! move asked as a dry run (the engine's answer, nothing changed), and a
//! course's timeline. The page itself is tested in a real browser by
//! `scripts/board_browser.sh`.

use chrono::Duration;
use serde_json::json;

use crate::support::*;

fn the_board_is_served_from_the_binary_with_a_strict_policy(app: &App) {
    for (path, kind) in [
        ("/board", "text/html"),
        ("/board/board.js", "text/javascript"),
        ("/board/board.css", "text/css"),
    ] {
        let reply = app.call("GET", path).send();
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            reply.content_type().starts_with(kind),
            "{path}: {}",
            reply.content_type()
        );
        let policy = reply.header("content-security-policy").unwrap_or("");
        assert!(policy.contains("default-src 'self'"), "{path}: {policy}");
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
    }
    let page = app.call("GET", "/board").send().text;
    assert!(page.contains("sessionStorage") || page.contains("board.js"));
}
on_every_backend!(the_board_is_served_from_the_binary_with_a_strict_policy);

fn the_day_sheet_draws_a_day_and_answers_304_when_unchanged(app: &App) {
    let clinic = app.clinic_with("Sheet", weekday_hours(), 2);
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-S1"));
    let first = with_status(&course, &["booked"])[0].clone();
    let path = clinic.path(&format!("/day-sheet?date={}", local_date(&first)));
    let reply = app.get(&clinic.front_desk, &path);
    let etag = reply.etag();
    let sheet = reply.expect(200);
    assert_eq!(sheet["opening"].as_array().unwrap().len(), 1, "{sheet}");
    assert_eq!(sheet["grid_minutes"], 15);
    let shown = sheet["chairs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["sessions"].as_array().unwrap().clone())
        .find(|s| s["id"] == first["id"])
        .expect("the session is on the sheet");
    assert_eq!(shown["modality"], "iv");
    assert_eq!(shown["patient_name"], "Patient MRN-S1");
    let (start, treatment) = (
        instant(&shown, "start"),
        shown["segments"]["treatment_start"].as_str().unwrap(),
    );
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(treatment).unwrap(),
        start + Duration::minutes(10)
    );

    let again = app
        .call("GET", &path)
        .key(&clinic.front_desk)
        .header("If-None-Match", &etag)
        .send();
    assert_eq!(again.status, 304, "unchanged: {}", again.text);
    app.act(
        &clinic,
        id(&first),
        "cancel",
        Some(&json!({"scope": "this", "reason": "x"})),
    )
    .expect(200);
    let changed = app
        .call("GET", &path)
        .key(&clinic.front_desk)
        .header("If-None-Match", &etag)
        .send();
    assert_eq!(changed.status, 200);
}
on_every_backend!(the_day_sheet_draws_a_day_and_answers_304_when_unchanged);

/// The sheet shades a chair block where it is, and shows a patient who
/// arrived late holding the chair past the booking.
fn the_day_sheet_shows_blocks_and_a_late_arrival(app: &App) {
    let clinic = app.clinic_with("Sheet", weekday_hours(), 2);
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-S2"));
    let first = with_status(&course, &["booked"])[0].clone();
    let start = instant(&first, "start");
    let (block_start, block_end) = (start + Duration::hours(3), start + Duration::hours(5));
    let span = json!({"kind": "instants", "start": block_start, "end": block_end});
    let block = json!({"chair_id": clinic.chairs[1], "span": span, "reason": "pump service"});
    app.post(&clinic.front_desk, &clinic.path("/closures"), &block)
        .expect(201);

    app.at_start_of(&first, Duration::minutes(20));
    app.act(&clinic, id(&first), "check-in", None).expect(200);
    let arrived = json!({"arrived_at": (start + Duration::minutes(20)).to_rfc3339()});
    app.monitor(&clinic, &clinic.front_desk, id(&first), &arrived)
        .expect(200);

    let path = clinic.path(&format!("/day-sheet?date={}", local_date(&first)));
    let sheet = app.get(&clinic.front_desk, &path).expect(200);
    let closures = sheet["closures"].as_array().unwrap();
    assert_eq!(closures.len(), 1, "{sheet}");
    assert_eq!(closures[0]["chair_id"], clinic.chairs[1]);
    assert_eq!(instant(&closures[0], "start"), block_start);
    assert_eq!(instant(&closures[0], "end"), block_end);
    let shown = sheet["chairs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["sessions"].as_array().unwrap().clone())
        .find(|s| s["id"] == first["id"])
        .expect("the session is on the sheet");
    assert_eq!(shown["running_over"]["late_by_minutes"], 20, "{shown}");
    assert!(instant(&shown["running_over"], "until") > instant(&first, "end"));
}
on_every_backend!(the_day_sheet_shows_blocks_and_a_late_arrival);

fn a_move_asked_as_a_dry_run_answers_and_changes_nothing(app: &App) {
    let clinic = app.clinic_with("Dry run", weekday_hours(), 1);
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-D1"));
    let second = with_status(&course, &["booked"])[1].clone();
    let (_, etag) = app.session(&clinic, id(&second));
    let to = format!("{}T16:00", local_date(&second));
    let path = clinic.path(&format!(
        "/sessions/{}/reschedule?dry_run=true",
        id(&second)
    ));
    let answer = app
        .call("POST", &path)
        .key(&clinic.front_desk)
        .if_match(&etag)
        .json(&json!({"to": {"local_start": to}, "reason": "asked"}))
        .send()
        .expect(200);
    assert_eq!(answer["session"]["local"]["start"], "16:00", "{answer}");
    let (unchanged, same) = app.session(&clinic, id(&second));
    assert_eq!(unchanged["start"], second["start"], "nothing moved");
    assert_eq!(same, etag);
    // A move the rules refuse is refused the same way as for real.
    let late = format!("{}T17:30", local_date(&second));
    let refused = app
        .call("POST", &path)
        .key(&clinic.front_desk)
        .if_match(&etag)
        .json(&json!({"to": {"local_start": late}, "reason": "asked"}))
        .send();
    assert!(matches!(refused.status, 409 | 422), "{}", refused.text);
}
on_every_backend!(a_move_asked_as_a_dry_run_answers_and_changes_nothing);

fn a_course_timeline_shows_doses_windows_and_scores(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-L1"));
    let path = clinic.path(&format!("/courses/{}/timeline", id(&course)));
    let timeline = app.get(&clinic.front_desk, &path).expect(200);
    assert_eq!(timeline["doses"].as_array().unwrap().len(), 6, "{timeline}");
    assert_eq!(timeline["doses"][0]["day"], 0);
    let windows = timeline["windows"].as_array().unwrap();
    // Five gaps between six doses, and the span.
    assert_eq!(windows.len(), 6, "{timeline}");
    assert!(windows.iter().all(|w| w["kept"] == true), "{timeline}");
    assert_eq!(timeline["scores"]["instrument"], "phq9");
    assert_eq!(timeline["phases"][0]["name"], "Induction");
}
on_every_backend!(a_course_timeline_shows_doses_windows_and_scores);
