//! A course paused, resumed within its rules, and discontinued.

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use super::*;
use crate::support::*;

fn a_course_is_paused_resumed_within_its_rules_and_discontinued(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let minutes = chair_minutes(&app.protocol(&clinic, IV));
    let patient = app.patient(&clinic, "MRN-8001");
    let course = app.book_induction(&clinic, patient);
    let course_id = course["id"].as_i64().unwrap();
    let planned = ids(&with_status(&course, &["booked"]));
    let first = check_in_and_complete(app, &clinic, planned[0]);
    let first_date = local_date(&first["session"]);
    let decide =
        |action: &str, body: &Value| on_course(app, &clinician, &clinic, course_id, action, body);

    // Pause: every future session cancelled; the course keeps its place.
    let why = json!({"reason": "admitted to hospital"});
    let paused = decide("pause", &why);
    let paused_etag = paused.etag();
    assert_paused(&paused.expect(200), &planned, &why["reason"]);
    assert_eq!(
        read_course(app, &clinic.front_desk, &clinic, course_id).1,
        paused_etag
    );
    let problem = decide("pause", &why).problem(409);
    assert_eq!(problem["type"], "/problems/course-status", "{problem}");

    // Resume three days after the infusion given: the other five are planned
    // from then, and with the one given they keep the induction's rules.
    let from = first_date + Duration::days(3);
    let resume_from = json!({"from": from.to_string(), "reason": "discharged"});
    let resumed = decide("resume", &resume_from).expect(200);
    let booked = assert_resumed_from(&resumed, from, &planned);
    let given_and_booked = in_phase(&resumed, 0, &["completed", "booked"]);
    assert_induction(&given_and_booked, first_date, minutes);

    // Discontinue needs a reason: left out (the problem names the missing
    // field in its detail), or blank.
    let problem = decide("discontinue", &json!({})).problem(422);
    assert_eq!(problem["type"], "/problems/invalid", "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("reason"),
        "{problem}"
    );
    assert_invalid(&decide("discontinue", &json!({"reason": " "})), "reason");
    assert_eq!(app.course(&clinic, course_id)["status"], "active");
    let ceased = decide("discontinue", &json!({"reason": "moved out of state"})).expect(200);
    assert_eq!(ceased["status"], "ceased", "{ceased}");
    assert_eq!(with_status(&ceased, &["booked"]).len(), 0, "{ceased}");
    for s in &booked {
        let now = app.session(&clinic, *s).0;
        assert_eq!(now["status"], "cancelled", "{now}");
    }
    assert_eq!(ids(&with_status(&ceased, &["completed"])), [planned[0]]);
    for action in ["discontinue", "resume"] {
        decide(action, &json!({"reason": "again"})).problem(409);
    }

    let cancelled: Vec<i64> = planned[1..].iter().chain(&booked).copied().collect();
    assert_each_step_audited_and_announced(app, &clinic, course_id, &cancelled);
}
on_every_backend!(a_course_is_paused_resumed_within_its_rules_and_discontinued);

/// Resumed: active, not at risk, the five infusions still owed booked
/// anew (none of the cancelled sessions back), none before `from`.
/// Returns them.
#[track_caller]
fn assert_resumed_from(resumed: &Value, from: NaiveDate, planned: &[i64]) -> Vec<i64> {
    assert_eq!(resumed["status"], "active", "{resumed}");
    assert!(resumed["at_risk"].is_null(), "{resumed}");
    let booked = with_status(resumed, &["booked"]);
    assert_eq!(booked.len(), 5, "{resumed}");
    for s in &booked {
        assert!(local_date(s) >= from, "before {from}: {s}");
        assert!(
            !planned.contains(&id(s)),
            "a cancelled session came back: {s}"
        );
    }
    ids(&booked)
}

/// Paused: no session booked, every one after the first (given) cancelled
/// for the pause's reason, the course still in its induction.
#[track_caller]
fn assert_paused(paused: &Value, planned: &[i64], reason: &Value) {
    assert_eq!(paused["status"], "paused", "{paused}");
    assert_eq!(paused["current_phase"], 0, "{paused}");
    assert_eq!(with_status(paused, &["booked"]).len(), 0, "{paused}");
    let cancelled = with_status(paused, &["cancelled"]);
    assert_eq!(ids(&cancelled), planned[1..], "{paused}");
    for s in &cancelled {
        assert_eq!(s["reason"], *reason, "{s}");
    }
    assert_eq!(ids(&with_status(paused, &["completed"])), [planned[0]]);
}

/// The pause, the resumption and the discontinuation each left one audit
/// row (a clinician's) and one outbox event; every session they cancelled
/// (five at the pause, five at the end) was audited and announced.
#[track_caller]
fn assert_each_step_audited_and_announced(
    app: &App,
    clinic: &Clinic,
    course: i64,
    cancelled: &[i64],
) {
    let trail = trail(app, clinic);
    let events = outbox_events(app, clinic);
    for event in ["course.paused", "course.resumed", "course.discontinued"] {
        let rows = audited(&trail, event, "course", course);
        assert_eq!(rows.len(), 1, "{event}");
        assert_eq!(rows[0].role.as_str(), "clinician", "{event}");
        assert_eq!(announced(&events, event, course).len(), 1, "{event}");
    }
    for s in cancelled {
        audited(&trail, "session.cancelled", "session", *s);
    }
    assert_eq!(
        announced(&events, "session.cancelled", course).len(),
        5 + 5,
        "each cancellation reaches the integrations"
    );
}
