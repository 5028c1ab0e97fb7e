//! A course at risk: its induction window can no longer be kept. It shows
//! why; a clinician accepts the extension, or restarts a fresh series,
//! which ends only after its own six sessions.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use super::*;
use crate::support::*;

/// A course whose induction window can no longer be kept: three infusions
/// given, then the patient can come on none of the three weeks after the
/// third, and misses the fourth. Returns the course, the three given, the
/// sessions still booked and the dates the patient cannot come.
fn course_at_risk(
    app: &App,
    clinic: &Clinic,
    mrn: &str,
) -> (i64, Vec<i64>, Vec<i64>, Vec<NaiveDate>) {
    let patient = app.patient(clinic, mrn);
    let course = app.book_induction(clinic, patient);
    let course_id = course["id"].as_i64().unwrap();
    let planned = ids(&with_status(&course, &["booked"]));
    let mut third = None;
    for session in &planned[..3] {
        third = Some(local_date(
            &check_in_and_complete(app, clinic, *session)["session"],
        ));
    }
    let unavailable = away_for_three_weeks_after(app, clinic, patient, third.unwrap());

    app.when(clinic, planned[3], 30);
    let missed = app.act(clinic, planned[3], "no-show", None).expect(200);
    assert_eq!(missed["session"]["status"], "no_show", "{missed}");
    assert_eq!(missed["course_at_risk"], true, "{missed}");
    assert_eq!(missed["booked"], json!([]), "{missed}");

    // The course shows why, and nothing was moved meanwhile.
    let course = app.course(clinic, course_id);
    assert_at_risk_for_its_window(&course);
    let still_booked = ids(&with_status(&course, &["booked"]));
    assert_eq!(still_booked, planned[4..], "{course}");
    (course_id, planned[..3].to_vec(), still_booked, unavailable)
}

/// The patient cannot come on any of the 21 days after `day`; returns
/// those dates.
fn away_for_three_weeks_after(
    app: &App,
    clinic: &Clinic,
    patient: i64,
    day: NaiveDate,
) -> Vec<NaiveDate> {
    let unavailable: Vec<NaiveDate> = (1..=21).map(|d| day + Duration::days(d)).collect();
    let dates: Vec<String> = unavailable.iter().map(|d| d.to_string()).collect();
    let patched = patch_patient(
        app,
        clinic,
        patient,
        &json!({"preferences": {"unavailable_dates": dates}}),
    );
    assert_eq!(
        patched["preferences"]["unavailable_dates"]
            .as_array()
            .unwrap()
            .len(),
        21
    );
    unavailable
}

/// The course is at risk with a reason and violations, each naming its
/// rule and saying why; the induction's window (gap or span) is among them.
#[track_caller]
fn assert_at_risk_for_its_window(course: &Value) {
    let at_risk = &course["at_risk"];
    assert!(
        at_risk["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{course}"
    );
    let violations = at_risk["violations"].as_array().expect("violations");
    assert!(!violations.is_empty(), "{course}");
    for v in violations {
        assert!(
            v["rule"].as_str().is_some_and(|r| !r.is_empty())
                && v["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{v}"
        );
    }
    let rules: Vec<String> = violations
        .iter()
        .map(|v| v["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(
        rules.iter().any(|r| r == "max_gap" || r == "max_span"),
        "the window is what breaks: {rules:?}"
    );
}

/// Long on purpose: the risk, the decision and what is recorded and sent
/// of it are one story.
fn an_at_risk_course_shows_why_and_a_clinician_accepts_the_extension(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let (course_id, given, old_booked, unavailable) = course_at_risk(app, &clinic, "MRN-9001");
    let decision = json!({"choice": "accept_extension", "reason": "the patient is away; a longer induction is acceptable"});
    let decide = |key: &str| on_course(app, key, &clinic, course_id, "at-risk/decision", &decision);

    decide(&clinic.front_desk).problem(403);
    let decided = decide(&clinician);
    let etag = decided.etag();
    let decided = decided.expect(200);
    assert!(decided["at_risk"].is_null(), "{decided}");
    assert_eq!(decided["status"], "active", "{decided}");
    assert_eq!(read_course(app, &clinician, &clinic, course_id).1, etag);
    assert_eq!(ids(&in_phase(&decided, 0, &["completed"])), given);
    let booked = in_phase(&decided, 0, &["booked"]);
    assert_eq!(booked.len(), 3, "the three missing infusions: {decided}");
    let last_given = local_date(in_phase(&decided, 0, &["completed"])[2]);
    for s in &booked {
        assert!(local_date(s) > last_given, "{s}");
        assert!(
            !unavailable.contains(&local_date(s)),
            "booked on a day the patient cannot come: {s}"
        );
        assert_inside_opening_hours(s);
    }
    for s in &old_booked {
        let ok = booked.iter().any(|b| id(b) == *s)
            || app.session(&clinic, *s).0["status"] == "cancelled";
        assert!(ok, "session {s} neither kept nor cancelled");
    }
    // Deciding again: nothing to decide.
    decide(&clinician).problem(409);

    let trail = trail(app, &clinic);
    let events = outbox_events(app, &clinic);
    audited(&trail, "course.at_risk", "course", course_id);
    announced(&events, "course.at_risk", course_id);
    let rows = audited(&trail, "course.at_risk_decided", "course", course_id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].role.as_str(), "clinician");
    let detail = &rows[0].after.as_ref().unwrap()["detail"];
    assert_eq!(detail["choice"], "accept_extension", "{detail}");
    assert_eq!(detail["reason"], decision["reason"], "{detail}");
    assert!(
        !detail["was"].is_null(),
        "the risk decided is recorded: {detail}"
    );
    announced(&events, "course.at_risk_decided", course_id);
    // The reason stays in the audit trail; integrations do not get it.
    let sent = events
        .iter()
        .find(|e| e.event_type == "course.at_risk_decided")
        .unwrap();
    assert!(
        sent.payload["detail"].get("reason").is_none(),
        "{}",
        sent.payload
    );
    assert_eq!(sent.payload["detail"]["choice"], "accept_extension");
}
on_every_backend!(an_at_risk_course_shows_why_and_a_clinician_accepts_the_extension);

fn an_at_risk_course_restarted_books_a_fresh_series(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let minutes = chair_minutes(&app.protocol(&clinic, IV));
    let (course_id, given, old_booked, unavailable) = course_at_risk(app, &clinic, "MRN-9101");
    let decision = json!({"choice": "restart_series", "reason": "three weeks away: start the induction again"});

    let decided = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "at-risk/decision",
        &decision,
    )
    .expect(200);
    assert!(decided["at_risk"].is_null(), "{decided}");
    assert_eq!(decided["status"], "active", "{decided}");
    assert_eq!(decided["current_phase"], 0, "{decided}");
    assert_eq!(ids(&in_phase(&decided, 0, &["completed"])), given);
    for s in &old_booked {
        assert_eq!(
            app.session(&clinic, *s).0["status"],
            "cancelled",
            "session {s}"
        );
    }
    // A fresh series of six, after the weeks the patient is away, within the rules.
    let fresh = in_phase(&decided, 0, &["booked"]);
    let after_away = *unavailable.last().unwrap();
    assert_induction(&fresh, after_away, minutes);
    let earlier_max = decided["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !fresh.iter().any(|f| id(f) == id(s)))
        .map(|s| s["sequence"].as_i64().unwrap())
        .max()
        .unwrap();
    for s in &fresh {
        assert!(
            s["sequence"].as_i64().unwrap() > earlier_max,
            "a sequence number reused: {s}"
        );
    }

    let trail = trail(app, &clinic);
    let rows = audited(&trail, "course.at_risk_decided", "course", course_id);
    assert_eq!(
        rows[0].after.as_ref().unwrap()["detail"]["choice"],
        "restart_series"
    );
    announced(
        &outbox_events(app, &clinic),
        "course.at_risk_decided",
        course_id,
    );
}
on_every_backend!(an_at_risk_course_restarted_books_a_fresh_series);

/// After a restart, the earlier infusions no longer count towards the
/// series: maintenance begins only when the fresh six are given.
fn a_restarted_series_ends_only_after_its_own_six_sessions(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let (course_id, _, _, _) = course_at_risk(app, &clinic, "MRN-9201");
    let decided = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "at-risk/decision",
        &json!({"choice": "restart_series", "reason": "start the induction again"}),
    )
    .expect(200);
    let fresh = ids(&in_phase(&decided, 0, &["booked"]));
    assert_eq!(fresh.len(), 6, "{decided}");
    for (n, session) in fresh.iter().enumerate() {
        check_in_and_complete(app, &clinic, *session);
        let course = app.course(&clinic, course_id);
        let expected_phase = if n < 5 { 0 } else { 1 };
        assert_eq!(
            course["current_phase"],
            expected_phase,
            "after {} of the fresh six: {course}",
            n + 1
        );
    }
}
on_every_backend!(a_restarted_series_ends_only_after_its_own_six_sessions);
