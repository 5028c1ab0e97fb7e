//! Omit and correct are clinical decisions kept in the trail; esketamine
//! runs into maintenance on the clinic's clock.

use chrono::Duration;
use serde_json::{json, Value};

use super::*;
use crate::support::*;

/// Omitting a dose and correcting a record are a clinician's, with a
/// reason, and both reach the audit trail and the webhooks' outbox.
fn omit_and_correct_are_clinical_decisions_kept_in_the_trail(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-1"));
    let course_id = course["id"].as_i64().unwrap();
    let booked: Vec<i64> = with_status(&course, &["booked"])
        .iter()
        .map(|s| id(s))
        .collect();
    let act = |key: &str, session: i64, action: &str, body: &Value| {
        on_session(app, key, &clinic, session, action, body)
    };
    let reason = json!({"reason": "five infusions suffice"});
    act(&clinic.front_desk, booked[5], "omit", &reason).problem(403);
    act(&clinician, booked[5], "omit", &json!({"reason": " "})).problem(422);
    let omitted = act(&clinician, booked[5], "omit", &reason).expect(200);
    assert_eq!(omitted["session"]["status"], "cancelled", "{omitted}");
    assert_eq!(omitted["session"]["omitted"], true, "{omitted}");
    assert_eq!(
        omitted["booked"],
        json!([]),
        "no replacement for an omitted dose"
    );

    // A no-show marked by mistake: the clinician undoes it; the
    // replacement it caused is cancelled again.
    app.when(&clinic, booked[0], 30);
    let missed = app.act(&clinic, booked[0], "no-show", None).expect(200);
    assert_eq!(missed["booked"].as_array().unwrap().len(), 1, "{missed}");
    let correction =
        json!({"correction": "undo_last_change", "reason": "arrived late; clicked the wrong row"});
    act(&clinic.front_desk, booked[0], "correct", &correction).problem(403);
    let undone = act(&clinician, booked[0], "correct", &correction).expect(200);
    assert_eq!(undone["session"]["status"], "booked", "{undone}");
    assert_eq!(undone["cancelled"].as_array().unwrap().len(), 1, "{undone}");
    let course = app.course(&clinic, course_id);
    assert_eq!(doses(&course).len(), 5, "{course}");
    // The session's history says who moved its status, and why.
    let history_path = clinic.path(&format!("/sessions/{}/history", booked[0]));
    let history = app.get(&clinic.front_desk, &history_path).expect(200);
    assert_eq!(
        status_moves(&history),
        [
            ["booked", "no_show", "front_desk"],
            ["no_show", "booked", "clinician"],
        ],
        "{history}"
    );
    assert_eq!(history[1]["reason"], correction["reason"], "{history}");
    app.get(&clinic.front_desk, &clinic.path("/sessions/999999/history"))
        .problem(404);

    assert_audited_and_announced(app, &clinic, &["session.omitted", "session.corrected"]);
}
on_every_backend!(omit_and_correct_are_clinical_decisions_kept_in_the_trail);

/// Each change in a session's history: from which status, to which, by
/// which role.
fn status_moves(history: &Value) -> Vec<[&str; 3]> {
    history
        .as_array()
        .unwrap()
        .iter()
        .map(|change| {
            ["from", "to", "role"].map(|field| change[field].as_str().unwrap_or_default())
        })
        .collect()
}

/// Each action is in the clinic's audit trail and its outbox.
#[track_caller]
fn assert_audited_and_announced(app: &App, clinic: &Clinic, actions: &[&str]) {
    let store = app.store();
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
    let events = store
        .read(|conn| chairside_store::repo::outbox::list_after(conn, Some(clinic.id), 0, 1000))
        .expect("the outbox");
    for action in actions {
        assert!(
            trail.items.iter().any(|r| r.action == *action),
            "{action} audited"
        );
        assert!(
            events.iter().any(|e| e.event_type == *action),
            "{action} announced"
        );
    }
}

/// Phases advance exactly when their count is reached, for both presets
/// end to end: esketamine weeks 1–4 (eight doses, twice a phase week), then
/// weeks 5–8 (four, once a phase week, Day 1 the first of them), then
/// maintenance with a booster booked ahead. (Before, a test could only
/// complete sessions ahead of their dates, so phase 2 was planned from
/// tomorrow and this path was never run.)
fn esketamine_runs_into_maintenance_on_the_clinics_clock(app: &App) {
    let clinic = app.clinic();
    let patient = rems_enrolled_patient(app, &clinic);
    let protocol = app.protocol_id(&clinic, "esketamine-nasal");
    let course = app
        .post(
            &clinic.front_desk,
            &clinic.path("/courses"),
            &json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()}),
        )
        .expect(201);
    let course_id = course["id"].as_i64().unwrap();
    assert_eq!(with_status(&course, &["booked"]).len(), 8, "{course}");
    let course = give_every_booked_dose_of_phase(app, &clinic, course_id, 0);
    assert_eq!(course["current_phase"], 1, "{course}");
    let weeks_5_8: Vec<&Value> = with_status(&course, &["booked"]);
    assert_eq!(weeks_5_8.len(), 4, "{course}");
    let day1 = local_date(weeks_5_8[0]);
    let weeks: Vec<i64> = weeks_5_8
        .iter()
        .map(|s| (local_date(s) - day1).num_days() / 7)
        .collect();
    assert_eq!(weeks, [0, 1, 2, 3], "one a phase week: {course}");
    let course = give_every_booked_dose_of_phase(app, &clinic, course_id, 1);
    assert_eq!(course["current_phase"], 2, "{course}");
    let boosters = with_status(&course, &["booked"]);
    assert_eq!(boosters.len(), 1, "{course}");
    let last_dose = with_status(&course, &["completed"])
        .last()
        .map(|s| local_date(s))
        .unwrap();
    let gap = (local_date(boosters[0]) - last_dose).num_days();
    assert!(
        (6..=8).contains(&gap),
        "weekly maintenance: {gap} days, {course}"
    );
    // Every dose opened its REMS monitoring form.
    let forms = app
        .get(&clinic.front_desk, &clinic.path("/rems-forms"))
        .expect(200);
    assert_eq!(forms.as_array().unwrap().len(), 12, "{forms}");
}
on_every_backend!(esketamine_runs_into_maintenance_on_the_clinics_clock);

/// Certifies the clinic for REMS and registers a patient enrolled in it,
/// every other gate passed; returns the patient.
fn rems_enrolled_patient(app: &App, clinic: &Clinic) -> i64 {
    let etag = app.get(&app.admin, &clinic.path("")).etag();
    app.call("PATCH", &clinic.path(""))
        .key(&app.admin)
        .if_match(&etag)
        .json(&json!({"settings": {"rems_certified": true}}))
        .send()
        .expect(200);
    app.post(
        &clinic.front_desk,
        &clinic.path("/patients"),
        &json!({"external_ref": "MRN-E", "display_name": "E", "intake_assessed_on": "2026-01-05",
                "consent_on_file": true, "escort_confirmed": true, "rems_enrolled_on": "2026-01-05"}),
    )
    .expect(201)["id"]
        .as_i64()
        .unwrap()
}

/// Gives every booked dose of the phase in turn on the clinic's clock
/// (checked in at its start, completed 150 minutes in), until none of the
/// phase is booked; returns the course then.
fn give_every_booked_dose_of_phase(app: &App, clinic: &Clinic, course: i64, phase: i64) -> Value {
    loop {
        let course = app.course(clinic, course);
        let Some(next) = with_status(&course, &["booked"])
            .into_iter()
            .find(|s| s["phase"] == phase)
            .cloned()
        else {
            return course;
        };
        app.at_start_of(&next, Duration::zero());
        app.act(clinic, id(&next), "check-in", None).expect(200);
        app.at_start_of(&next, Duration::minutes(10));
        app.start_dose(clinic, id(&next));
        app.at_start_of(&next, Duration::minutes(150));
        app.act(clinic, id(&next), "complete", None).expect(200);
    }
}
