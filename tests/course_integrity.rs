//! The gaps found by driving the API as a front desk, a clinician and a
//! reminder integration would, each pinned by the requests that found it
//! (each of these answered wrongly before the engine owned the course).

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::support::*;

fn clinician(app: &App, clinic: &Clinic) -> String {
    app.db.create_key("clinician", Some(clinic.id))
}

/// A course action by `key` with the course's current ETag.
fn on_course(
    app: &App,
    key: &str,
    clinic: &Clinic,
    course: i64,
    action: &str,
    body: &Value,
) -> Reply {
    let path = clinic.path(&format!("/courses/{course}"));
    let etag = app.get(key, &path).etag();
    app.call("POST", &format!("{path}/{action}"))
        .key(key)
        .if_match(&etag)
        .json(body)
        .send()
}

fn doses(course: &Value) -> Vec<&Value> {
    with_status(course, &["booked", "checked_in", "completed"])
}

/// A session three weeks ahead could be checked in, completed or marked
/// no-show today; a whole induction could be "completed" before it happened
/// and boosters booked from it.
fn a_future_session_cannot_be_checked_in_completed_or_missed_today(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let last = with_status(&course, &["booked"])[5].clone();
    let check_in = app.act(&clinic, id(&last), "check-in", None).problem(409);
    assert_eq!(check_in["type"], "/problems/check-in-window", "{check_in}");
    assert_eq!(check_in["rule"], "check_in_window", "{check_in}");
    // It says when check-in opens: an hour before the start.
    assert_eq!(
        check_in["possible_from"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()),
        Some((instant(&last, "start") - Duration::minutes(60)).fixed_offset()),
        "{check_in}"
    );
    let no_show = app.act(&clinic, id(&last), "no-show", None).problem(409);
    assert_eq!(no_show["rule"], "no_show_grace", "{no_show}");
    assert!(no_show["possible_from"].is_string(), "{no_show}");
    for session in with_status(&course, &["booked"]) {
        let complete = app.act(&clinic, id(session), "complete", None).problem(409);
        assert_eq!(complete["rule"], "status_order", "{complete}");
    }
    let after = app.course(&clinic, course["id"].as_i64().unwrap());
    assert_eq!(after["current_phase"], 0, "{after}");
    assert_eq!(with_status(&after, &["booked"]).len(), 6, "{after}");

    // On the day, from an hour before the start, the desk checks in.
    app.at_start_of(&last, Duration::minutes(-60));
    app.act(&clinic, id(&last), "check-in", None).expect(200);
}
on_every_backend!(a_future_session_cannot_be_checked_in_completed_or_missed_today);

/// Not dosed was a miss to the rebooking path but one of the six to the
/// add-a-session path: after a not-dosed session, adding the replacement
/// answered 422 "7 sessions; the series holds 6". Now a not-dosed session
/// is a miss everywhere: its replacement is booked by the rules, and the
/// induction ends at the sixth *completed* dose.
fn not_dosed_is_a_miss_wherever_doses_are_counted(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let first = with_status(&course, &["booked"])[0].clone();
    app.at_start_of(&first, Duration::zero());
    app.act(&clinic, id(&first), "check-in", None).expect(200);
    let change = app
        .act(
            &clinic,
            id(&first),
            "not-dosed",
            Some(&json!({"reason": "blood pressure 152/96"})),
        )
        .expect(200);
    assert_eq!(change["booked"].as_array().unwrap().len(), 1, "{change}");
    let course = app.course(&clinic, course_id);
    assert_eq!(doses(&course).len(), 6, "{course}");
    assert_eq!(with_status(&course, &["not_dosed"]).len(), 1);
    // Adding a seventh dose is refused by the count, which excludes the miss.
    let added = app
        .post(
            &clinic.front_desk,
            &clinic.path(&format!("/courses/{course_id}/sessions")),
            &json!({"at": {"local_start": format!("{}T10:00", local_date(&first) + Duration::days(40))}}),
        )
        .problem(422);
    assert!(
        violation_rules(&added).iter().any(|r| r == "session_count"),
        "{added}"
    );
    // Five completed doses do not end the induction; the sixth does.
    let booked: Vec<i64> = with_status(&course, &["booked"])
        .iter()
        .map(|s| id(s))
        .collect();
    for (n, session) in booked.iter().enumerate() {
        app.when(&clinic, *session, 0);
        app.act(&clinic, *session, "check-in", None).expect(200);
        app.when(&clinic, *session, 60);
        app.act(&clinic, *session, "complete", None).expect(200);
        let now = app.course(&clinic, course_id);
        assert_eq!(
            now["current_phase"],
            if n < 5 { 0 } else { 1 },
            "after dose {}: {now}",
            n + 1
        );
    }
}
on_every_backend!(not_dosed_is_a_miss_wherever_doses_are_counted);

/// Cancelling one induction session left five, with no re-plan and no
/// at-risk flag.
fn a_cancelled_induction_session_is_rebooked_or_the_course_goes_at_risk(app: &App) {
    let clinic = app.clinic();
    let minutes = chair_minutes(&app.protocol(&clinic, "iv-ketamine-standard"));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let third = with_status(&course, &["booked"])[2].clone();
    let change = app
        .act(
            &clinic,
            id(&third),
            "cancel",
            Some(&json!({"scope": "this", "reason": "patient travelling"})),
        )
        .expect(200);
    let course = app.course(&clinic, course["id"].as_i64().unwrap());
    assert_eq!(change["booked"].as_array().unwrap().len(), 1, "{change}");
    assert_eq!(course["at_risk"], Value::Null, "{course}");
    assert_induction(&doses(&course), next_monday(), minutes);
    // The cancelled day is not offered again for that dose.
    assert!(
        doses(&course)
            .iter()
            .all(|s| local_date(s) != local_date(&third)),
        "{course}"
    );
}
on_every_backend!(a_cancelled_induction_session_is_rebooked_or_the_course_goes_at_risk);

/// After a reschedule, session numbers no longer followed time order.
fn sessions_are_numbered_in_time_order_after_a_move(app: &App) {
    let clinic = app.clinic();
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let first = with_status(&course, &["booked"])[0].clone();
    app.act(
        &clinic,
        id(&first),
        "reschedule",
        Some(&json!({"next_best": {}, "reason": "a cold"})),
    )
    .expect(200);
    let course = app.course(&clinic, course["id"].as_i64().unwrap());
    let numbers: Vec<i64> = with_status(&course, LIVE)
        .iter()
        .map(|s| s["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=6).collect::<Vec<_>>(), "{course}");
    let (moved, _) = app.session(&clinic, id(&first));
    assert!(moved["sequence"].as_i64().unwrap() > 1, "{moved}");
}
on_every_backend!(sessions_are_numbered_in_time_order_after_a_move);

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

/// Omitting a dose and correcting a record are a clinician's, with a
/// reason, and both reach the audit trail and the webhooks' outbox.
fn omit_and_correct_are_clinical_decisions_kept_in_the_trail(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let booked: Vec<Value> = with_status(&course, &["booked"])
        .into_iter()
        .cloned()
        .collect();
    let act = |key: &str, session: &Value, action: &str, body: &Value| {
        let (_, etag) = app.session(&clinic, id(session));
        app.call(
            "POST",
            &clinic.path(&format!("/sessions/{}/{action}", id(session))),
        )
        .key(key)
        .if_match(&etag)
        .json(body)
        .send()
    };
    let reason = json!({"reason": "five infusions suffice"});
    act(&clinic.front_desk, &booked[5], "omit", &reason).problem(403);
    act(&clinician, &booked[5], "omit", &json!({"reason": " "})).problem(422);
    let omitted = act(&clinician, &booked[5], "omit", &reason).expect(200);
    assert_eq!(omitted["session"]["status"], "cancelled", "{omitted}");
    assert_eq!(omitted["session"]["omitted"], true, "{omitted}");
    assert_eq!(
        omitted["booked"],
        json!([]),
        "no replacement for an omitted dose"
    );

    // A no-show marked by mistake: the clinician undoes it; the
    // replacement it caused is cancelled again.
    app.at_start_of(&booked[0], Duration::minutes(30));
    let missed = app
        .act(&clinic, id(&booked[0]), "no-show", None)
        .expect(200);
    assert_eq!(missed["booked"].as_array().unwrap().len(), 1, "{missed}");
    let correction =
        json!({"correction": "undo_last_change", "reason": "arrived late; clicked the wrong row"});
    act(&clinic.front_desk, &booked[0], "correct", &correction).problem(403);
    let undone = act(&clinician, &booked[0], "correct", &correction).expect(200);
    assert_eq!(undone["session"]["status"], "booked", "{undone}");
    assert_eq!(undone["cancelled"].as_array().unwrap().len(), 1, "{undone}");
    let course = app.course(&clinic, course_id);
    assert_eq!(doses(&course).len(), 5, "{course}");

    let store = app.db.store();
    let trail = store
        .read(|conn| {
            chairside_store::repo::audit::list(
                conn,
                Some(clinic.id),
                &Default::default(),
                chairside_store::models::PageRequest {
                    after_id: None,
                    limit: 500,
                },
            )
        })
        .expect("the trail");
    for action in ["session.omitted", "session.corrected"] {
        assert!(
            trail.items.iter().any(|r| r.action == action),
            "{action} audited"
        );
    }
    let events = store
        .read(|conn| chairside_store::repo::outbox::list_after(conn, Some(clinic.id), 0, 1000))
        .expect("the outbox");
    for kind in ["session.omitted", "session.corrected"] {
        assert!(
            events.iter().any(|e| e.event_type == kind),
            "{kind} announced"
        );
    }
}
on_every_backend!(omit_and_correct_are_clinical_decisions_kept_in_the_trail);

/// Phases advance exactly when their count is reached, for both presets
/// end to end: esketamine weeks 1–4 (eight doses, twice a phase week), then
/// weeks 5–8 (four, once a phase week, Day 1 the first of them), then
/// maintenance with a booster booked ahead. (Before, a test could only
/// complete sessions ahead of their dates, so phase 2 was planned from
/// tomorrow and this path was never run.)
fn esketamine_runs_into_maintenance_on_the_clinics_clock(app: &App) {
    let clinic = app.clinic();
    let etag = app.get(&app.admin, &clinic.path("")).etag();
    app.call("PATCH", &clinic.path(""))
        .key(&app.admin)
        .if_match(&etag)
        .json(&json!({"settings": {"rems_certified": true}}))
        .send()
        .expect(200);
    let patient = app
        .post(
            &clinic.front_desk,
            &clinic.path("/patients"),
            &json!({"external_ref": "MRN-E", "display_name": "E", "intake_assessed_on": "2026-01-05",
                    "consent_on_file": true, "escort_confirmed": true, "rems_enrolled_on": "2026-01-05"}),
        )
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let protocol = app.protocol_id(&clinic, "esketamine-nasal");
    let course = app
        .post(
            &clinic.front_desk,
            &clinic.path("/courses"),
            &json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()}),
        )
        .expect(201);
    let course_id = course["id"].as_i64().unwrap();
    let give_booked_of_phase = |phase: i64| {
        loop {
            let course = app.course(&clinic, course_id);
            let Some(next) = with_status(&course, &["booked"])
                .into_iter()
                .find(|s| s["phase"] == phase)
                .cloned()
            else {
                return course;
            };
            app.at_start_of(&next, Duration::zero());
            app.act(&clinic, id(&next), "check-in", None).expect(200);
            app.at_start_of(&next, Duration::minutes(150));
            app.act(&clinic, id(&next), "complete", None).expect(200);
        }
    };
    assert_eq!(with_status(&course, &["booked"]).len(), 8, "{course}");
    let course = give_booked_of_phase(0);
    assert_eq!(course["current_phase"], 1, "{course}");
    let weeks_5_8: Vec<&Value> = with_status(&course, &["booked"]);
    assert_eq!(weeks_5_8.len(), 4, "{course}");
    let day1 = local_date(weeks_5_8[0]);
    let weeks: Vec<i64> = weeks_5_8.iter().map(|s| (local_date(s) - day1).num_days() / 7).collect();
    assert_eq!(weeks, [0, 1, 2, 3], "one a phase week: {course}");
    let course = give_booked_of_phase(1);
    assert_eq!(course["current_phase"], 2, "{course}");
    let boosters = with_status(&course, &["booked"]);
    assert_eq!(boosters.len(), 1, "{course}");
    let last_dose = with_status(&course, &["completed"]).last().map(|s| local_date(s)).unwrap();
    let gap = (local_date(boosters[0]) - last_dose).num_days();
    assert!((6..=8).contains(&gap), "weekly maintenance: {gap} days, {course}");
    // Every dose opened its REMS monitoring form.
    let forms = app.get(&clinic.front_desk, &clinic.path("/rems-forms")).expect(200);
    assert_eq!(forms.as_array().unwrap().len(), 12, "{forms}");
}
on_every_backend!(esketamine_runs_into_maintenance_on_the_clinics_clock);
