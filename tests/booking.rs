//! The front desk runs an IV-ketamine induction from registration to the
//! last infusion, over HTTP, as its software would.

use chrono::Duration;
use serde_json::{json, Value};

use crate::support::*;

/// Every session of the course keeps its chair, time and status, except
/// the ones named.
#[track_caller]
fn assert_unchanged_except(before: &Value, after: &Value, changed: &[i64]) {
    let key = |s: &Value| {
        (
            s["chair_id"].clone(),
            s["start"].clone(),
            s["status"].clone(),
        )
    };
    let before = before["sessions"].as_array().expect("sessions");
    let after = after["sessions"].as_array().expect("sessions");
    for old in before.iter().filter(|s| !changed.contains(&id(s))) {
        let new = after
            .iter()
            .find(|s| id(s) == id(old))
            .unwrap_or_else(|| panic!("session {} disappeared", id(old)));
        assert_eq!(key(old), key(new), "session {} changed", id(old));
    }
}

/// Checks a patient in and completes the session, each with the ETag the
/// previous step returned; returns the completed session.
fn check_in_and_complete(app: &App, clinic: &Clinic, session: i64) -> Value {
    app.when(clinic, session, 0);
    let checked_in = app.act(clinic, session, "check-in", None);
    let etag = checked_in.etag();
    assert_eq!(checked_in.expect(200)["session"]["status"], "checked_in");
    // The ETag a change returns is the one a fresh read gives.
    assert_eq!(app.session(clinic, session).1, etag);
    app.when(clinic, session, 60);
    let completed = app
        .call(
            "POST",
            &clinic.path(&format!("/sessions/{session}/complete")),
        )
        .key(&clinic.front_desk)
        .if_match(&etag)
        .send()
        .expect(200);
    assert_eq!(completed["session"]["status"], "completed");
    completed["session"].clone()
}

fn front_desk_books_and_runs_an_iv_ketamine_induction(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let monday = next_monday();

    // Register the patient, then find them again by the EHR's number.
    let patient = app.patient(&clinic, "MRN-004211");
    let found = app
        .get(&fd, &clinic.path("/patients?external_ref=MRN-004211"))
        .expect(200);
    let found = found["items"].as_array().expect("items");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["id"], patient);
    assert_eq!(found[0]["consent_on_file"], true);

    // The presets are there; the IV one is six infusions.
    let protocols = app.get(&fd, &clinic.path("/protocols")).expect(200);
    let codes: Vec<&str> = protocols
        .as_array()
        .expect("protocols")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert!(codes.contains(&"iv-ketamine-standard"), "{codes:?}");
    let protocol = app.protocol(&clinic, "iv-ketamine-standard");
    let protocol_id = protocol["id"].as_i64().unwrap();
    assert_eq!(protocol["definition"]["phases"][0]["sessions"], 6);
    let minutes = chair_minutes(&protocol);

    // Preview: a plan within the rules, nothing booked.
    let request =
        json!({"patient_id": patient, "protocol_id": protocol_id, "earliest": monday.to_string()});
    let preview = app
        .post(&fd, &clinic.path("/courses/preview"), &request)
        .expect(200);
    let planned: Vec<&Value> = preview["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .collect();
    assert_induction(&planned, monday, minutes);
    let listed = app
        .get(&fd, &clinic.path(&format!("/courses?patient_id={patient}")))
        .expect(200);
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "a preview books nothing"
    );

    // Book: the previewed plan, all six sessions booked at once.
    let booked = app.post(&fd, &clinic.path("/courses"), &request);
    assert!(booked.header("etag").is_some(), "{booked:?}");
    let course = booked.expect(201);
    let course_id = course["id"].as_i64().unwrap();
    let sessions = with_status(&course, &["booked"]);
    assert_eq!(sessions.len(), course["sessions"].as_array().unwrap().len());
    assert_induction(&sessions, monday, minutes);
    for (booked, planned) in sessions.iter().zip(&planned) {
        assert_eq!(
            (&booked["start"], &booked["chair_id"]),
            (&planned["start"], &planned["chair_id"]),
            "the booking is the preview"
        );
        assert!(clinic
            .chairs
            .contains(&booked["chair_id"].as_i64().unwrap()));
    }
    let ids: Vec<i64> = sessions.iter().map(|s| id(s)).collect();

    // Reschedule the second session to 14:00 the same day.
    let before = app.course(&clinic, course_id);
    let second = &sessions[1];
    let moved = app.act(
        &clinic,
        ids[1],
        "reschedule",
        Some(&json!({
            "to": {"local_start": format!("{}T14:00:00", local_date(second))},
            "reason": "the patient asked for the afternoon",
        })),
    );
    let moved_etag = moved.etag();
    let moved = moved.expect(200);
    assert_eq!(moved["session"]["id"], ids[1]);
    assert_eq!(moved["session"]["local"]["start"], "14:00");
    assert_eq!(local_date(&moved["session"]), local_date(second));
    assert_eq!(moved["session"]["status"], "booked");
    assert_eq!(app.session(&clinic, ids[1]).1, moved_etag);
    let after = app.course(&clinic, course_id);
    assert_eq!(
        after["sessions"].as_array().unwrap().len(),
        6,
        "a move adds no session"
    );
    assert_unchanged_except(&before, &after, &[ids[1]]);

    // Move the last one to the next best day that keeps the rules.
    let last = &sessions[5];
    let moved = app
        .act(
            &clinic,
            ids[5],
            "reschedule",
            Some(&json!({"next_best": {}, "reason": "the driver is away"})),
        )
        .expect(200);
    assert_eq!(moved["session"]["id"], ids[5]);
    assert!(local_date(&moved["session"]) > local_date(last), "{moved}");
    let after_next_best = app.course(&clinic, course_id);
    assert_unchanged_except(&after, &after_next_best, &[ids[5]]);
    assert_induction(&with_status(&after_next_best, LIVE), monday, minutes);

    // Cancel the third: the others keep their times, and the dose it was to
    // give is still owed — rebooked inside the rules, or the course at risk.
    let cancelled = app
        .act(
            &clinic,
            ids[2],
            "cancel",
            Some(&json!({"scope": "this", "reason": "the patient is travelling"})),
        )
        .expect(200);
    assert_eq!(cancelled["session"]["status"], "cancelled");
    let after_cancel = app.course(&clinic, course_id);
    if after_cancel["at_risk"].is_null() {
        assert_eq!(
            cancelled["booked"].as_array().unwrap().len(),
            1,
            "{cancelled}"
        );
        assert_induction(&with_status(&after_cancel, LIVE), monday, minutes);
    }
    assert_unchanged_except(&after_next_best, &after_cancel, &[ids[2]]);
    assert_eq!(
        cancelled["course_at_risk"].as_bool().unwrap(),
        !after_cancel["at_risk"].is_null(),
        "the reply and the course agree on the risk: {cancelled} {after_cancel}"
    );

    // The first two come and are treated; a completed session stays completed.
    check_in_and_complete(app, &clinic, ids[0]);
    check_in_and_complete(app, &clinic, ids[1]);
    app.act(&clinic, ids[0], "check-in", None).problem(409);

    // The fourth is missed: the rest is re-planned, or the course is at risk.
    app.when(&clinic, ids[3], 30);
    let missed = app.act(&clinic, ids[3], "no-show", None).expect(200);
    assert_eq!(missed["session"]["status"], "no_show");
    let course = app.course(&clinic, course_id);
    let replanned = !missed["booked"].as_array().unwrap().is_empty();
    if replanned {
        assert!(!missed["course_at_risk"].as_bool().unwrap(), "{missed}");
        let doses: Vec<&Value> = with_status(&course, &["booked", "checked_in", "completed"]);
        assert_induction(&doses, monday, minutes);
    } else {
        assert!(
            missed["course_at_risk"].as_bool().unwrap(),
            "neither re-planned nor at risk: {missed}"
        );
        let at_risk = &course["at_risk"];
        assert!(
            at_risk["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{course}"
        );
    }

    // Everyone still booked comes and is treated.
    for session in with_status(&course, &["booked"]) {
        check_in_and_complete(app, &clinic, id(session));
    }
    let course = app.course(&clinic, course_id);
    let induction = |statuses: &[&str]| -> Vec<Value> {
        with_status(&course, statuses)
            .into_iter()
            .filter(|s| s["phase"] == 0)
            .cloned()
            .collect()
    };
    assert_eq!(induction(&["booked", "checked_in"]).len(), 0, "{course}");
    if replanned {
        let done = induction(&["completed"]);
        assert_eq!(done.len(), 6, "{course}");
        // Six infusions done: maintenance begins with a booster 2 to 6
        // weeks after the last one (the preset's floor and ceiling).
        assert_eq!(course["current_phase"], 1, "{course}");
        let last_infusion = local_date(&done[5]);
        for booster in with_status(&course, &["booked"]) {
            assert_eq!(booster["phase"], 1, "{booster}");
            let after = (local_date(booster) - last_infusion).num_days();
            assert!(
                (14..=42).contains(&after),
                "{after} days after the induction: {booster}"
            );
            assert_inside_opening_hours(booster);
        }
    }
    let completed = app
        .get(
            &fd,
            &clinic.path(&format!("/sessions?course_id={course_id}&status=completed")),
        )
        .expect(200);
    assert_eq!(
        completed["items"].as_array().unwrap().len(),
        with_status(&course, &["completed"]).len()
    );

    // The day sheet of the first infusion shows it on its chair.
    let first = &sessions[0];
    let sheet = app
        .get(
            &fd,
            &clinic.path(&format!("/day-sheet?date={}", local_date(first))),
        )
        .expect(200);
    assert_eq!(sheet["date"], local_date(first).to_string());
    assert_eq!(sheet["zone"], ZONE_NAME);
    let chairs: Vec<i64> = sheet["chairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["chair_id"].as_i64().unwrap())
        .collect();
    assert_eq!(chairs, clinic.chairs);
    let on_chair = sheet["chairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chair_id"] == first["chair_id"])
        .unwrap();
    let shown = on_chair["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| id(s) == ids[0])
        .unwrap_or_else(|| panic!("session {} not on the day sheet: {sheet}", ids[0]));
    assert_eq!(shown["status"], "completed");
    assert_eq!(shown["local"]["start"], first["local"]["start"]);

    // Availability: open starts inside the hours, none on a taken chair.
    let to = monday + Duration::days(4);
    let open = app
        .get(
            &fd,
            &clinic.path(&format!(
                "/availability?protocol_id={protocol_id}&from={monday}&to={to}"
            )),
        )
        .expect(200);
    assert_eq!(open["chair_minutes"], minutes);
    let starts = open["starts"].as_array().unwrap();
    assert!(!starts.is_empty(), "{open}");
    let taken = app
        .get(
            &fd,
            &clinic.path(&format!("/sessions?from={monday}&to={to}&limit=200")),
        )
        .expect(200);
    let taken: Vec<&Value> = taken["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| LIVE.iter().any(|l| s["status"] == *l))
        .collect();
    for start in starts {
        assert_inside_opening_hours(start);
        assert!(
            local_date(start) >= monday && local_date(start) <= to,
            "{start}"
        );
        for session in &taken {
            let overlaps = start["chair_id"] == session["chair_id"]
                && instant(start, "start") < instant(session, "end")
                && instant(session, "start") < instant(start, "end");
            assert!(!overlaps, "open start {start} overlaps {session}");
        }
    }
}
on_every_backend!(front_desk_books_and_runs_an_iv_ketamine_induction);

fn a_replanned_induction_numbers_each_session_once(app: &App) {
    let clinic = app.clinic();
    let minutes = chair_minutes(&app.protocol(&clinic, "iv-ketamine-standard"));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let second = id(with_status(&course, &["booked"])[1]);
    app.when(&clinic, second, 30);
    let missed = app.act(&clinic, second, "no-show", None).expect(200);
    assert_eq!(
        missed["booked"].as_array().unwrap().len(),
        1,
        "one session replaces the missed one: {missed}"
    );
    let course = app.course(&clinic, course_id);
    let live = with_status(&course, LIVE);
    assert_induction(&live, next_monday(), minutes);
    // `sequence` is the position in the phase, in time order: each once.
    let positions: Vec<i64> = live
        .iter()
        .map(|s| s["sequence"].as_i64().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<i64> = positions.iter().copied().collect();
    assert_eq!(
        unique.len(),
        positions.len(),
        "two sessions claim one position: {positions:?}"
    );
}
on_every_backend!(a_replanned_induction_numbers_each_session_once);

fn arrived_but_not_dosed_is_rebooked_inside_the_rules(app: &App) {
    let clinic = app.clinic();
    let minutes = chair_minutes(&app.protocol(&clinic, "iv-ketamine-standard"));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let first = id(with_status(&course, &["booked"])[0]);
    app.when(&clinic, first, 0);
    app.act(&clinic, first, "check-in", None).expect(200);
    let change = app
        .act(
            &clinic,
            first,
            "not-dosed",
            Some(&json!({"reason": "blood pressure 152/96 before dosing"})),
        )
        .expect(200);
    assert_eq!(change["session"]["status"], "not_dosed");
    assert_eq!(
        change["session"]["reason"],
        "blood pressure 152/96 before dosing"
    );
    let course = app.course(&clinic, course_id);
    if change["course_at_risk"] == true {
        assert!(!course["at_risk"].is_null(), "{course}");
    } else {
        assert_eq!(change["booked"].as_array().unwrap().len(), 1, "{change}");
        // Six infusions still to give, inside the induction's rules.
        assert_induction(&with_status(&course, &["booked"]), next_monday(), minutes);
    }
    // Not dosed is an outcome: it does not become completed later.
    app.act(&clinic, first, "complete", None).problem(409);
    // A reason is required.
    let second = id(with_status(&course, &["booked"])[0]);
    app.when(&clinic, second, 0);
    app.act(&clinic, second, "check-in", None).expect(200);
    let problem = app
        .act(&clinic, second, "not-dosed", Some(&json!({"reason": " "})))
        .problem(422);
    assert_eq!(error_fields(&problem), ["reason"], "{problem}");
}
on_every_backend!(arrived_but_not_dosed_is_rebooked_inside_the_rules);

fn cancelling_all_remaining_leaves_the_earlier_sessions(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let sessions: Vec<Value> = with_status(&course, &["booked"])
        .into_iter()
        .cloned()
        .collect();
    let change = app
        .act(
            &clinic,
            id(&sessions[3]),
            "cancel",
            Some(&json!({"scope": "remaining", "reason": "the patient moves away"})),
        )
        .expect(200);
    assert_eq!(change["session"]["status"], "cancelled");
    let also: Vec<i64> = change["cancelled"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(also, [id(&sessions[4]), id(&sessions[5])]);
    let after = app.course(&clinic, course["id"].as_i64().unwrap());
    assert_unchanged_except(
        &course,
        &after,
        &[id(&sessions[3]), id(&sessions[4]), id(&sessions[5])],
    );
    assert_eq!(with_status(&after, &["cancelled"]).len(), 3, "{after}");
    // Their chairs are free again.
    let date = local_date(&sessions[5]);
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let open = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!(
                "/availability?protocol_id={protocol}&from={date}&to={date}&chair_id={}",
                sessions[5]["chair_id"]
            )),
        )
        .expect(200);
    let starts: Vec<&Value> = open["starts"].as_array().unwrap().iter().collect();
    assert!(
        starts.iter().any(|s| s["start"] == sessions[5]["start"]),
        "the freed slot is offered again: {open}"
    );
}
on_every_backend!(cancelling_all_remaining_leaves_the_earlier_sessions);
