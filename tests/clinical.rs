//! Clinicians run a course after its first booking, over HTTP: boosters are
//! booked when the induction completes, a clinician changes their spacing
//! (only future boosters move, the history says who and why), scores are
//! recorded and explain a spacing suggestion; the gates before a first dose,
//! REMS monitoring forms, pause/resume/discontinue and at-risk decisions.
//! Every change leaves an audit row and an outbox event; no endpoint lists
//! those, so they are read from the test's database.

use chairside_store::models::{AuditRecord, OutboxEvent, PageRequest};
use chairside_store::repo::audit::{self, AuditFilter};
use chairside_store::repo::{api_keys, outbox};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::support::*;

const IV: &str = "iv-ketamine-standard";
const ESKETAMINE: &str = "esketamine-nasal";

/// A clinician key scoped to the clinic.
fn clinician(app: &App, clinic: &Clinic) -> String {
    app.db.create_key("clinician", Some(clinic.id))
}

/// The id of the key a token belongs to (what histories and audit rows name).
fn key_id(app: &App, token: &str) -> i64 {
    app.db
        .store()
        .read(|conn| api_keys::verify(conn, token))
        .expect("read the API keys")
        .expect("a live key")
        .id
}

fn course_path(clinic: &Clinic, course: i64, rest: &str) -> String {
    clinic.path(&format!("/courses/{course}{rest}"))
}

/// The course as `key` reads it, and its ETag.
fn read_course(app: &App, key: &str, clinic: &Clinic, course: i64) -> (Value, String) {
    let reply = app.get(key, &course_path(clinic, course, ""));
    (reply.expect(200), reply.etag())
}

/// A change to a course (`booster-policy`, `pause`, …) by `key`, with the
/// course's current ETag.
fn on_course(
    app: &App,
    key: &str,
    clinic: &Clinic,
    course: i64,
    action: &str,
    body: &Value,
) -> Reply {
    let (_, etag) = read_course(app, key, clinic, course);
    app.call("POST", &course_path(clinic, course, &format!("/{action}")))
        .key(key)
        .if_match(&etag)
        .json(body)
        .send()
}

/// A session action by `key`, with the session's current ETag.
fn on_session(
    app: &App,
    key: &str,
    clinic: &Clinic,
    session: i64,
    action: &str,
    body: &Value,
) -> Reply {
    let (_, etag) = app.session(clinic, session);
    app.call(
        "POST",
        &clinic.path(&format!("/sessions/{session}/{action}")),
    )
    .key(key)
    .if_match(&etag)
    .json(body)
    .send()
}

/// Checks a patient in and completes the session (each with the session's
/// current ETag); returns what completing it did.
fn check_in_and_complete(app: &App, clinic: &Clinic, session: i64) -> Value {
    app.when(clinic, session, 0);
    let checked_in = app.act(clinic, session, "check-in", None).expect(200);
    assert_eq!(checked_in["session"]["status"], "checked_in");
    app.when(clinic, session, 60);
    let completed = app.act(clinic, session, "complete", None).expect(200);
    assert_eq!(completed["session"]["status"], "completed", "{completed}");
    completed
}

fn policy(interval: i64, floor: i64, ceiling: i64, tolerance: i64) -> Value {
    json!({
        "interval_days": interval,
        "floor_days": floor,
        "ceiling_days": ceiling,
        "tolerance_days": tolerance,
    })
}

/// The IV preset's booster policy.
fn iv_default_policy() -> Value {
    policy(21, 14, 42, 3)
}

/// Sessions of one phase with one of these statuses, in time order.
fn in_phase<'a>(course: &'a Value, phase: i64, statuses: &[&str]) -> Vec<&'a Value> {
    with_status(course, statuses)
        .into_iter()
        .filter(|s| s["phase"] == phase)
        .collect()
}

fn ids(sessions: &[&Value]) -> Vec<i64> {
    sessions.iter().map(|s| id(s)).collect()
}

/// The ids of a list of sessions in a reply (`booked`, `cancelled`).
fn listed_ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(id)
        .collect()
}

/// Asserts a booked booster `interval` ± `tolerance` days after `after`.
#[track_caller]
fn assert_booster(booster: &Value, after: NaiveDate, interval: i64, tolerance: i64) {
    assert_eq!(booster["phase"], 1, "{booster}");
    assert_eq!(booster["status"], "booked", "{booster}");
    let days = (local_date(booster) - after).num_days();
    assert!(
        (interval - tolerance..=interval + tolerance).contains(&days),
        "{days} days after {after}, not {interval}±{tolerance}: {booster}"
    );
    assert_inside_opening_hours(booster);
}

/// Chair, start and status of each session.
fn placements(sessions: &[&Value]) -> Vec<(Value, Value, Value)> {
    sessions
        .iter()
        .map(|s| {
            (
                s["chair_id"].clone(),
                s["start"].clone(),
                s["status"].clone(),
            )
        })
        .collect()
}

/// Books an IV-ketamine induction from next Monday for a new patient and
/// completes its six infusions. Returns the course, the completed sessions
/// and the date of the last infusion.
fn course_in_maintenance(app: &App, clinic: &Clinic, mrn: &str) -> (i64, Vec<i64>, NaiveDate) {
    let patient = app.patient(clinic, mrn);
    let course = app.book_induction(clinic, patient);
    let course_id = course["id"].as_i64().expect("course id");
    let induction = ids(&with_status(&course, &["booked"]));
    assert_eq!(induction.len(), 6, "{course}");
    for (n, session) in induction.iter().enumerate() {
        let completed = check_in_and_complete(app, clinic, *session);
        assert_eq!(completed["course_at_risk"], false, "{completed}");
        if n < 5 {
            assert_eq!(
                completed["booked"],
                json!([]),
                "no booster before the sixth infusion: {completed}"
            );
        }
    }
    let course = app.course(clinic, course_id);
    let done = in_phase(&course, 0, &["completed"]);
    assert_eq!(ids(&done), induction, "{course}");
    let last = local_date(done[5]);
    (course_id, induction, last)
}

/// Records a score; `measured_at` defaults to now.
fn record(
    app: &App,
    key: &str,
    clinic: &Clinic,
    course: i64,
    instrument: &str,
    score: i64,
    measured_at: Option<DateTime<Utc>>,
) -> Reply {
    let mut body = json!({"instrument": instrument, "score": score});
    if let Some(at) = measured_at {
        body["measured_at"] = json!(at.to_rfc3339());
    }
    app.post(key, &course_path(clinic, course, "/measures"), &body)
}

/// A new patient's registration with every gate passed.
fn ready_patient(mrn: &str) -> Value {
    json!({
        "external_ref": mrn,
        "display_name": format!("Patient {mrn}"),
        "intake_assessed_on": (today() - Duration::days(7)).to_string(),
        "consent_on_file": true,
        "escort_confirmed": true,
    })
}

fn register(app: &App, clinic: &Clinic, body: &Value) -> i64 {
    app.post(&clinic.front_desk, &clinic.path("/patients"), body)
        .expect(201)["id"]
        .as_i64()
        .expect("patient id")
}

/// Changes a patient (`PATCH`, with the patient's current ETag).
fn patch_patient(app: &App, clinic: &Clinic, patient: i64, change: &Value) -> Value {
    let path = clinic.path(&format!("/patients/{patient}"));
    let etag = app.get(&clinic.front_desk, &path).etag();
    app.call("PATCH", &path)
        .key(&clinic.front_desk)
        .if_match(&etag)
        .json(change)
        .send()
        .expect(200)
}

/// Books a course of the preset from next Monday, as the front desk does.
fn book(app: &App, clinic: &Clinic, patient: i64, code: &str) -> Reply {
    let protocol = app.protocol_id(clinic, code);
    app.post(
        &clinic.front_desk,
        &clinic.path("/courses"),
        &json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()}),
    )
}

/// The clinic becomes REMS-certified.
fn certify_for_rems(app: &App, clinic: &Clinic) {
    set_clinic_setting(app, clinic, "rems_certified", json!(true));
}

/// An admin changes one of the clinic's settings, keeping the others.
fn set_clinic_setting(app: &App, clinic: &Clinic, name: &str, value: Value) {
    let read = app.get(&app.admin, &clinic.path(""));
    let etag = read.etag();
    let mut settings = read.expect(200)["settings"].clone();
    settings[name] = value.clone();
    let changed = app
        .call("PATCH", &clinic.path(""))
        .key(&app.admin)
        .if_match(&etag)
        .json(&json!({ "settings": settings }))
        .send()
        .expect(200);
    assert_eq!(changed["settings"][name], value, "{changed}");
}

/// Asserts a 422 naming the gate that is not passed.
#[track_caller]
fn assert_gate(reply: &Reply, gate: &str) {
    let problem = reply.problem(422);
    assert_eq!(problem["type"], "/problems/gate-not-passed", "{problem}");
    assert_eq!(error_fields(&problem), [gate], "{problem}");
}

/// Asserts a 422 naming the field.
#[track_caller]
fn assert_invalid(reply: &Reply, field: &str) {
    let problem = reply.problem(422);
    assert_eq!(problem["type"], "/problems/invalid", "{problem}");
    assert!(
        error_fields(&problem).iter().any(|f| f == field),
        "`{field}` not named: {problem}"
    );
}

/// The clinic's whole audit trail, oldest first.
fn trail(app: &App, clinic: &Clinic) -> Vec<AuditRecord> {
    let store = app.db.store();
    let mut rows = Vec::new();
    let mut after_id = None;
    loop {
        let page = store
            .read(|conn| {
                audit::list(
                    conn,
                    Some(clinic.id),
                    &AuditFilter::default(),
                    PageRequest {
                        after_id,
                        limit: 500,
                    },
                )
            })
            .expect("read the audit trail");
        rows.extend(page.items);
        match page.next_after_id {
            Some(next) => after_id = Some(next),
            None => return rows,
        }
    }
}

/// Every outbox event of the clinic, oldest first.
fn outbox_events(app: &App, clinic: &Clinic) -> Vec<OutboxEvent> {
    let store = app.db.store();
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let batch = store
            .read(|conn| outbox::list_after(conn, Some(clinic.id), after, 1000))
            .expect("read the outbox");
        match batch.last() {
            Some(last) => after = last.id,
            None => return events,
        }
        events.extend(batch);
    }
}

/// The audit rows of an action on an entity; at least one must be there.
#[track_caller]
fn audited<'a>(
    trail: &'a [AuditRecord],
    action: &str,
    entity_type: &str,
    entity: i64,
) -> Vec<&'a AuditRecord> {
    let rows: Vec<&AuditRecord> = trail
        .iter()
        .filter(|r| {
            r.action == action && r.entity_type == entity_type && r.entity_id == Some(entity)
        })
        .collect();
    assert!(
        !rows.is_empty(),
        "no audit row `{action}` on {entity_type} {entity}; the trail: {:?}",
        trail
            .iter()
            .map(|r| (&r.action, &r.entity_type, r.entity_id))
            .collect::<Vec<_>>()
    );
    rows
}

/// The outbox events of a type about a course; at least one must be there.
#[track_caller]
fn announced<'a>(events: &'a [OutboxEvent], event_type: &str, course: i64) -> Vec<&'a OutboxEvent> {
    let found: Vec<&OutboxEvent> = events
        .iter()
        .filter(|e| e.event_type == event_type && e.aggregate_id == course)
        .collect();
    assert!(
        !found.is_empty(),
        "no `{event_type}` event for course {course}; the outbox: {:?}",
        events
            .iter()
            .map(|e| (&e.event_type, e.aggregate_id))
            .collect::<Vec<_>>()
    );
    found
}

// ---------------------------------------------------------------------------
// 1. A whole course.

fn a_whole_course_runs_from_induction_to_boosters_spaced_by_response(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let clinician = clinician(app, &clinic);
    let patient = app.patient(&clinic, "MRN-1001");
    let course = app.book_induction(&clinic, patient);
    let course_id = course["id"].as_i64().unwrap();
    assert_eq!(course["current_phase"], 0, "{course}");
    assert_eq!(course["booster_policy"], iv_default_policy(), "{course}");

    // A PHQ-9 before the first infusion is the baseline.
    let baseline = record(
        app,
        &clinician,
        &clinic,
        course_id,
        "phq9",
        20,
        Some(Utc::now() - Duration::days(2)),
    )
    .expect(201);
    assert_eq!(baseline["baseline"], true, "{baseline}");

    // Six infusions: the sixth starts maintenance with one booster booked
    // ahead (`boosters_ahead` defaults to 1), three weeks after the last.
    let induction = ids(&with_status(&course, &["booked"]));
    assert_eq!(induction.len(), 6, "{course}");
    let mut last_reply = Value::Null;
    for (n, session) in induction.iter().enumerate() {
        let completed = check_in_and_complete(app, &clinic, *session);
        assert_eq!(completed["course_at_risk"], false, "{completed}");
        if n < 5 {
            assert_eq!(completed["booked"], json!([]), "{completed}");
        }
        last_reply = completed;
    }
    let (course, etag_in_maintenance) = read_course(app, &fd, &clinic, course_id);
    assert_eq!(course["current_phase"], 1, "{course}");
    assert_eq!(course["status"], "active", "{course}");
    assert!(course["at_risk"].is_null(), "{course}");
    let done = in_phase(&course, 0, &["completed"]);
    assert_eq!(ids(&done), induction, "{course}");
    let last_infusion = local_date(done[5]);
    let boosters = in_phase(&course, 1, &["booked"]);
    assert_eq!(boosters.len(), 1, "exactly one booster ahead: {course}");
    assert_eq!(listed_ids(&last_reply["booked"]), ids(&boosters));
    assert_booster(boosters[0], last_infusion, 21, 3);
    let first_booster = id(boosters[0]);
    let induction_before = placements(&done);
    assert_eq!(
        with_status(&course, &["booked"]).len(),
        1,
        "nothing else is booked: {course}"
    );

    // IV ketamine is not under REMS: no monitoring form was opened.
    assert_eq!(
        app.get(&fd, &clinic.path("/rems-forms")).expect(200),
        json!([])
    );

    // A clinician lengthens the interval; If-Match is required and must be current.
    let lengthen = json!({
        "policy": policy(28, 14, 42, 3),
        "reason": "PHQ-9 in remission since the induction",
    });
    let policy_path = course_path(&clinic, course_id, "/booster-policy");
    app.call("POST", &policy_path)
        .key(&clinician)
        .json(&lengthen)
        .send()
        .problem(428);
    app.call("POST", &policy_path)
        .key(&clinician)
        .if_match("\"not-the-current-etag\"")
        .json(&lengthen)
        .send()
        .problem(412);
    let changed = app
        .call("POST", &policy_path)
        .key(&clinician)
        .if_match(&etag_in_maintenance)
        .json(&lengthen)
        .send()
        .expect(200);
    assert_eq!(changed["policy"], lengthen["policy"], "{changed}");
    // Only the future booster moved: cancelled, and booked again at the new target.
    assert_eq!(
        listed_ids(&changed["cancelled"]),
        [first_booster],
        "{changed}"
    );
    assert_eq!(changed["cancelled"][0]["status"], "cancelled", "{changed}");
    let rebooked = changed["booked"].as_array().expect("booked");
    assert_eq!(rebooked.len(), 1, "{changed}");
    assert_booster(&rebooked[0], last_infusion, 28, 3);
    let second_booster = id(&rebooked[0]);

    let (course, etag_lengthened) = read_course(app, &fd, &clinic, course_id);
    assert_ne!(etag_lengthened, etag_in_maintenance);
    assert_eq!(course["booster_policy"], lengthen["policy"], "{course}");
    assert_eq!(
        placements(&in_phase(&course, 0, &["completed"])),
        induction_before,
        "attended sessions never move"
    );
    assert_eq!(
        ids(&with_status(&course, &["booked"])),
        [second_booster],
        "{course}"
    );
    let old = course["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| id(s) == first_booster)
        .expect("the first booster is still listed");
    assert_eq!(old["status"], "cancelled", "{old}");

    // The history says who changed what, from what, and why.
    let history = app
        .get(
            &fd,
            &course_path(&clinic, course_id, "/booster-policy/history"),
        )
        .expect(200);
    let history = history.as_array().expect("a list");
    assert_eq!(history.len(), 1, "{history:?}");
    let change = &history[0];
    assert_eq!(change["key_id"], key_id(app, &clinician), "{change}");
    assert_eq!(change["role"], "clinician", "{change}");
    assert_eq!(change["old_policy"], iv_default_policy(), "{change}");
    assert_eq!(change["new_policy"], lengthen["policy"], "{change}");
    assert_eq!(change["reason"], lengthen["reason"], "{change}");
    assert_eq!(change["floor_overridden"], false, "{change}");
    assert!(change["changed_at"].as_str().is_some(), "{change}");

    // Two PHQ-9 scores in remission: the suggestion is to lengthen one step.
    for score in [4, 3] {
        let measure = record(app, &clinician, &clinic, course_id, "phq9", score, None).expect(201);
        assert_eq!(measure["baseline"], false, "{measure}");
    }
    let suggestion_path = course_path(&clinic, course_id, "/booster-suggestion");
    let suggestion = app.get(&fd, &suggestion_path).expect(200);
    assert_eq!(suggestion["direction"], "lengthen", "{suggestion}");
    assert_eq!(suggestion["rule"], "remission_held", "{suggestion}");
    assert_eq!(suggestion["instrument"], "phq9", "{suggestion}");
    assert_eq!(suggestion["current_interval_days"], 28, "{suggestion}");
    assert_eq!(suggestion["suggested_interval_days"], 35, "{suggestion}");
    assert_eq!(suggestion["baseline"], 20, "{suggestion}");
    assert_eq!(suggestion["recent"], json!([4, 3]), "{suggestion}");
    assert!(
        suggestion["explanation"]
            .as_str()
            .is_some_and(|e| e.contains('4') && e.contains('3')),
        "{suggestion}"
    );

    // Symptoms return (less than 50% below baseline): shorten one step.
    record(app, &clinician, &clinic, course_id, "phq9", 14, None).expect(201);
    let suggestion = app.get(&fd, &suggestion_path).expect(200);
    assert_eq!(suggestion["direction"], "shorten", "{suggestion}");
    assert_eq!(suggestion["rule"], "loss_of_response", "{suggestion}");
    assert_eq!(suggestion["current_interval_days"], 28, "{suggestion}");
    assert_eq!(suggestion["suggested_interval_days"], 21, "{suggestion}");
    assert_eq!(suggestion["baseline"], 20, "{suggestion}");
    assert_eq!(suggestion["recent"], json!([3, 14]), "{suggestion}");
    assert!(
        suggestion["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("14") && e.contains("20")),
        "{suggestion}"
    );

    // A suggestion changes nothing until a clinician applies it.
    let (course, etag_now) = read_course(app, &fd, &clinic, course_id);
    assert_eq!(etag_now, etag_lengthened, "{course}");

    // Every change left an audit row and an outbox event.
    let trail = trail(app, &clinic);
    let events = outbox_events(app, &clinic);
    let rows = audited(&trail, "booster.policy_changed", "course", course_id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].key_id, Some(key_id(app, &clinician)));
    assert_eq!(rows[0].role.as_str(), "clinician");
    let after = rows[0].after.as_ref().expect("what changed");
    assert_eq!(after["old_policy"], iv_default_policy(), "{after}");
    assert_eq!(after["new_policy"], lengthen["policy"], "{after}");
    assert_eq!(after["reason"], lengthen["reason"], "{after}");
    announced(&events, "booster.policy_changed", course_id);
    audited(&trail, "course.phase_completed", "course", course_id);
    announced(&events, "course.phase_completed", course_id);
    for session in &induction {
        audited(&trail, "session.completed", "session", *session);
    }
    assert_eq!(announced(&events, "session.completed", course_id).len(), 6);
    audited(&trail, "session.cancelled", "session", first_booster);
    announced(&events, "session.cancelled", course_id);
    // The boosters were announced: the first and the one booked again.
    assert_eq!(
        announced(&events, "session.booked", course_id).len(),
        6 + 2,
        "six infusions and two boosters"
    );
    // Scores are audited by instrument, never by value.
    let measures = audited(&trail, "measure.recorded", "course", course_id);
    assert_eq!(measures.len(), 4);
    for row in measures {
        let after = row.after.as_ref().expect("what was recorded");
        assert!(
            after["instrument"]
                .as_str()
                .is_some_and(|i| i.eq_ignore_ascii_case("phq9")),
            "{after}"
        );
        assert!(
            after.get("score").is_none(),
            "a score in the audit trail: {after}"
        );
    }
}
on_every_backend!(a_whole_course_runs_from_induction_to_boosters_spaced_by_response);

// ---------------------------------------------------------------------------
// 2. Roles.

fn only_clinicians_change_booster_spacing_and_the_course_lifecycle(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let clinician = clinician(app, &clinic);
    let patient = app.patient(&clinic, "MRN-2001");
    let course_id = app.book_induction(&clinic, patient)["id"].as_i64().unwrap();
    let (_, etag_before) = read_course(app, &fd, &clinic, course_id);

    let reason = json!({"reason": "clinical judgement"});
    let attempts = [
        (
            "booster-policy",
            json!({"policy": policy(28, 14, 42, 3), "reason": "remission held"}),
        ),
        ("booster-policy/step-back", reason.clone()),
        ("pause", reason.clone()),
        ("resume", reason.clone()),
        ("discontinue", reason.clone()),
        (
            "at-risk/decision",
            json!({"choice": "accept_extension", "reason": "clinical judgement"}),
        ),
    ];
    for (action, body) in &attempts {
        let problem = on_course(app, &fd, &clinic, course_id, action, body).problem(403);
        assert_eq!(
            problem["type"], "/problems/forbidden",
            "{action}: {problem}"
        );
    }
    // An integration may not either.
    let integration = app.db.create_key("integration", Some(clinic.id));
    on_course(app, &integration, &clinic, course_id, "pause", &reason).problem(403);

    // Nothing changed.
    let (_, etag) = read_course(app, &fd, &clinic, course_id);
    assert_eq!(etag, etag_before);
    let history_path = course_path(&clinic, course_id, "/booster-policy/history");
    assert_eq!(app.get(&fd, &history_path).expect(200), json!([]));

    // A clinician may do each of them.
    let changed = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy",
        &attempts[0].1,
    )
    .expect(200);
    assert_eq!(changed["policy"]["interval_days"], 28, "{changed}");
    let stepped = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy/step-back",
        &reason,
    )
    .expect(200);
    assert_eq!(stepped["policy"]["interval_days"], 21, "{stepped}");
    // So may an admin.
    let by_admin = on_course(
        app,
        &app.admin,
        &clinic,
        course_id,
        "booster-policy",
        &json!({"policy": policy(35, 14, 42, 3), "reason": "remission held"}),
    )
    .expect(200);
    assert_eq!(by_admin["policy"]["interval_days"], 35, "{by_admin}");
    // The course is not at risk: the clinician is allowed, but there is nothing to decide.
    let problem = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "at-risk/decision",
        &attempts[5].1,
    )
    .problem(409);
    assert_eq!(problem["type"], "/problems/not-at-risk", "{problem}");
    let paused = on_course(app, &clinician, &clinic, course_id, "pause", &reason).expect(200);
    assert_eq!(paused["status"], "paused", "{paused}");
    let resumed = on_course(app, &clinician, &clinic, course_id, "resume", &reason).expect(200);
    assert_eq!(resumed["status"], "active", "{resumed}");
    let ceased = on_course(app, &clinician, &clinic, course_id, "discontinue", &reason).expect(200);
    assert_eq!(ceased["status"], "ceased", "{ceased}");

    let history = app.get(&fd, &history_path).expect(200);
    let roles: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["clinician", "clinician", "admin"], "{history}");
}
on_every_backend!(only_clinicians_change_booster_spacing_and_the_course_lifecycle);

// ---------------------------------------------------------------------------
// 3. The floor.

fn booster_spacing_below_the_protocols_floor_needs_an_override_with_a_reason(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let patient = app.patient(&clinic, "MRN-3001");
    let course_id = app.book_induction(&clinic, patient)["id"].as_i64().unwrap();
    let history_path = course_path(&clinic, course_id, "/booster-policy/history");

    // The IV preset's floor is 14 days: a floor of 7, or an interval of 10, is below it.
    let too_soon = policy(21, 7, 42, 3);
    for below in [&too_soon, &policy(10, 7, 42, 3)] {
        let problem = on_course(
            app,
            &clinician,
            &clinic,
            course_id,
            "booster-policy",
            &json!({"policy": below, "reason": "the patient relapses by week two"}),
        )
        .problem(422);
        assert_eq!(problem["type"], "/problems/rule-violations", "{problem}");
        assert_eq!(problem["rule"], "booster_floor", "{problem}");
        assert_eq!(violation_rules(&problem), ["booster_floor"], "{problem}");
        assert!(
            problem["violations"][0]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("14")),
            "the detail names the protocol's floor: {problem}"
        );
    }
    // The override needs a reason.
    for reason in ["", "   "] {
        let reply = on_course(
            app,
            &clinician,
            &clinic,
            course_id,
            "booster-policy",
            &json!({"policy": too_soon, "reason": reason, "override_floor": true}),
        );
        assert_invalid(&reply, "reason");
    }
    assert_eq!(
        app.get(&clinic.front_desk, &history_path).expect(200),
        json!([])
    );
    assert_eq!(
        app.course(&clinic, course_id)["booster_policy"],
        iv_default_policy()
    );

    // With the override and a reason it goes through, and the history says so.
    let reason = "relapses by day 10 at every longer interval";
    let allowed = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy",
        &json!({"policy": too_soon, "reason": reason, "override_floor": true}),
    )
    .expect(200);
    assert_eq!(allowed["policy"], too_soon, "{allowed}");
    assert_eq!(app.course(&clinic, course_id)["booster_policy"], too_soon);
    // At the floor, no override is needed.
    on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy",
        &json!({"policy": policy(14, 14, 42, 3), "reason": "back to the protocol's floor"}),
    )
    .expect(200);
    let history = app.get(&clinic.front_desk, &history_path).expect(200);
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(history[0]["floor_overridden"], true, "{}", history[0]);
    assert_eq!(history[0]["reason"], reason, "{}", history[0]);
    assert_eq!(history[0]["old_policy"], iv_default_policy());
    assert_eq!(history[0]["new_policy"], too_soon);
    assert_eq!(history[0]["role"], "clinician");
    assert_eq!(history[1]["floor_overridden"], false, "{}", history[1]);
    assert_eq!(history[1]["old_policy"], too_soon);

    let trail = trail(app, &clinic);
    let rows = audited(&trail, "booster.policy_changed", "course", course_id);
    let overridden: Vec<&Value> = rows
        .iter()
        .map(|r| &r.after.as_ref().unwrap()["floor_overridden"])
        .collect();
    assert_eq!(overridden, [&json!(true), &json!(false)]);
    assert_eq!(
        announced(
            &outbox_events(app, &clinic),
            "booster.policy_changed",
            course_id
        )
        .len(),
        2
    );
}
on_every_backend!(booster_spacing_below_the_protocols_floor_needs_an_override_with_a_reason);

// ---------------------------------------------------------------------------
// 4. Step back.

fn stepping_back_returns_to_the_previous_booster_interval(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let clinician = clinician(app, &clinic);
    let (course_id, induction, last) = course_in_maintenance(app, &clinic, "MRN-4001");
    let booster = in_phase(&app.course(&clinic, course_id), 1, &["booked"])
        .first()
        .map(|b| id(b))
        .expect("a booster booked");

    let lengthened = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy",
        &json!({"policy": policy(28, 14, 42, 3), "reason": "remission held"}),
    )
    .expect(200);
    assert_eq!(listed_ids(&lengthened["cancelled"]), [booster]);
    let at_28 = id(&lengthened["booked"][0]);
    assert_booster(&lengthened["booked"][0], last, 28, 3);

    // A step back needs a reason.
    let reply = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy/step-back",
        &json!({"reason": " "}),
    );
    assert_invalid(&reply, "reason");

    // Worse again: one call returns to the previous step, 28 → 21 days.
    let why = "PHQ-9 rose from 4 to 13 since the last booster";
    let stepped = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy/step-back",
        &json!({ "reason": why }),
    )
    .expect(200);
    assert_eq!(stepped["policy"], iv_default_policy(), "{stepped}");
    assert_eq!(listed_ids(&stepped["cancelled"]), [at_28], "{stepped}");
    let booked = stepped["booked"].as_array().unwrap();
    assert_eq!(booked.len(), 1, "{stepped}");
    assert_booster(&booked[0], last, 21, 3);

    let course = app.course(&clinic, course_id);
    assert_eq!(course["booster_policy"], iv_default_policy());
    assert_eq!(ids(&in_phase(&course, 0, &["completed"])), induction);
    assert_eq!(
        ids(&with_status(&course, &["booked"])),
        [id(&booked[0])],
        "{course}"
    );
    let history = app
        .get(
            &fd,
            &course_path(&clinic, course_id, "/booster-policy/history"),
        )
        .expect(200);
    let last_change = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last_change["old_policy"]["interval_days"], 28,
        "{last_change}"
    );
    assert_eq!(
        last_change["new_policy"]["interval_days"], 21,
        "{last_change}"
    );
    assert_eq!(last_change["reason"], why, "{last_change}");
    assert_eq!(last_change["role"], "clinician", "{last_change}");

    // 21 → 14, and 14 is the most frequent step the protocol has.
    let again = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy/step-back",
        &json!({ "reason": why }),
    )
    .expect(200);
    assert_eq!(again["policy"]["interval_days"], 14, "{again}");
    assert_booster(&again["booked"][0], last, 14, 3);
    let problem = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy/step-back",
        &json!({ "reason": why }),
    )
    .problem(409);
    assert_eq!(problem["type"], "/problems/no-shorter-step", "{problem}");

    let trail = trail(app, &clinic);
    assert_eq!(
        audited(&trail, "booster.policy_changed", "course", course_id).len(),
        3
    );
    assert_eq!(
        announced(
            &outbox_events(app, &clinic),
            "booster.policy_changed",
            course_id
        )
        .len(),
        3
    );
}
on_every_backend!(stepping_back_returns_to_the_previous_booster_interval);

fn boosters_ahead_is_a_clinic_setting_and_attended_boosters_never_move(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    set_clinic_setting(app, &clinic, "boosters_ahead", json!(2));
    let (course_id, induction, last) = course_in_maintenance(app, &clinic, "MRN-4101");

    // Two boosters stand ahead, each about three weeks after the one before.
    let course = app.course(&clinic, course_id);
    let ahead = in_phase(&course, 1, &["booked"]);
    assert_eq!(ahead.len(), 2, "{course}");
    assert_booster(ahead[0], last, 21, 3);
    assert_booster(ahead[1], local_date(ahead[0]), 21, 3);
    let (first, second) = (id(ahead[0]), id(ahead[1]));
    let first_date = local_date(ahead[0]);

    // The first booster is given: another is booked so that two stay ahead.
    let given = check_in_and_complete(app, &clinic, first);
    let topped_up = given["booked"].as_array().expect("booked");
    assert_eq!(topped_up.len(), 1, "{given}");
    let course = app.course(&clinic, course_id);
    let ahead = in_phase(&course, 1, &["booked"]);
    assert_eq!(ids(&ahead), [second, id(&topped_up[0])], "{course}");
    assert_booster(ahead[1], local_date(ahead[0]), 21, 3);
    let attended = placements(&with_status(&course, &["completed"]));

    // Lengthening moves both future boosters and neither attended one.
    let changed = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy",
        &json!({"policy": policy(28, 14, 42, 3), "reason": "remission held"}),
    )
    .expect(200);
    let mut cancelled = listed_ids(&changed["cancelled"]);
    cancelled.sort();
    assert_eq!(cancelled, ids(&ahead), "{changed}");
    let booked = changed["booked"].as_array().expect("booked");
    assert_eq!(booked.len(), 2, "{changed}");
    assert_booster(&booked[0], first_date, 28, 3);
    assert_booster(&booked[1], local_date(&booked[0]), 28, 3);
    let course = app.course(&clinic, course_id);
    assert_eq!(
        placements(&with_status(&course, &["completed"])),
        attended,
        "attended sessions never move"
    );
    assert_eq!(
        ids(&in_phase(&course, 0, &["completed"])),
        induction,
        "{course}"
    );
    assert_eq!(
        ids(&in_phase(&course, 1, &["booked"])),
        listed_ids(&changed["booked"]),
        "{course}"
    );
}
on_every_backend!(boosters_ahead_is_a_clinic_setting_and_attended_boosters_never_move);

fn a_course_paused_in_maintenance_resumes_with_its_booster(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let (course_id, _, last) = course_in_maintenance(app, &clinic, "MRN-4201");
    let booster = id(in_phase(&app.course(&clinic, course_id), 1, &["booked"])[0]);

    let paused = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "pause",
        &json!({"reason": "travelling for a month"}),
    )
    .expect(200);
    assert_eq!(paused["status"], "paused", "{paused}");
    assert_eq!(paused["current_phase"], 1, "{paused}");
    assert_eq!(with_status(&paused, &["booked"]).len(), 0, "{paused}");
    assert_eq!(app.session(&clinic, booster).0["status"], "cancelled");

    let resumed = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "resume",
        &json!({"reason": "back home"}),
    )
    .expect(200);
    assert_eq!(resumed["status"], "active", "{resumed}");
    assert_eq!(resumed["current_phase"], 1, "{resumed}");
    let ahead = in_phase(&resumed, 1, &["booked"]);
    assert_eq!(ahead.len(), 1, "{resumed}");
    assert_ne!(id(ahead[0]), booster, "{resumed}");
    assert_booster(ahead[0], last, 21, 3);
}
on_every_backend!(a_course_paused_in_maintenance_resumes_with_its_booster);

fn a_checked_in_booster_is_attended_and_stays_where_it_is(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let (course_id, _, _) = course_in_maintenance(app, &clinic, "MRN-4301");
    let booster = in_phase(&app.course(&clinic, course_id), 1, &["booked"])[0].clone();
    app.at_start_of(&booster, Duration::zero());
    app.act(&clinic, id(&booster), "check-in", None).expect(200);

    let changed = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "booster-policy",
        &json!({"policy": policy(28, 14, 42, 3), "reason": "remission held"}),
    )
    .expect(200);
    assert_eq!(changed["cancelled"], json!([]), "{changed}");
    let booked = changed["booked"].as_array().expect("booked");
    assert_eq!(
        booked.len(),
        1,
        "the next booster, after the one attended: {changed}"
    );
    assert_booster(&booked[0], local_date(&booster), 28, 3);
    let now = app.session(&clinic, id(&booster)).0;
    assert_eq!(now["status"], "checked_in", "{now}");
    assert_eq!(
        (&now["start"], &now["chair_id"]),
        (&booster["start"], &booster["chair_id"])
    );
}
on_every_backend!(a_checked_in_booster_is_attended_and_stays_where_it_is);

// ---------------------------------------------------------------------------
// 5. Scores.
fn booster_suggestions_follow_the_clinics_rules(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let patient = app.patient(&clinic, "MRN-5101");
    let course_id = app.book_induction(&clinic, patient)["id"].as_i64().unwrap();
    let path = course_path(&clinic, course_id, "/booster-suggestion");
    let suggest = || app.get(&fd, &path).expect(200);
    let summary = |s: &Value| {
        (
            s["direction"].as_str().unwrap().to_string(),
            s["rule"].as_str().unwrap().to_string(),
            s["suggested_interval_days"].as_i64().unwrap(),
        )
    };
    let keep = |rule: &str| ("keep".to_string(), rule.to_string(), 21);

    // PHQ-9 by default; nothing to compare with yet.
    let s = suggest();
    assert_eq!(summary(&s), keep("no_baseline"), "{s}");
    assert_eq!(s["instrument"], "phq9", "{s}");
    assert_eq!(s["current_interval_days"], 21, "{s}");
    record(app, &fd, &clinic, course_id, "phq9", 20, None).expect(201);
    let s = suggest();
    assert_eq!(summary(&s), keep("no_scores_since_baseline"), "{s}");
    assert_eq!(s["baseline"], 20, "{s}");
    record(app, &fd, &clinic, course_id, "phq9", 9, None).expect(201);
    let s = suggest();
    assert_eq!(summary(&s), keep("response_maintained"), "{s}");

    // This clinic guides spacing by MADRS, remission at 12 or below held
    // for three scores.
    set_clinic_setting(
        app,
        &clinic,
        "suggestion",
        json!({"instrument": "madrs", "remission_at_most": 12, "response_percent": null, "response_points": null, "remission_held_for": 3}),
    );
    let s = suggest();
    assert_eq!(summary(&s), keep("no_baseline"), "{s}");
    assert_eq!(s["instrument"], "madrs", "{s}");
    for score in [34, 12, 10] {
        record(app, &fd, &clinic, course_id, "madrs", score, None).expect(201);
    }
    let s = suggest();
    assert_eq!(
        summary(&s),
        keep("response_maintained"),
        "two in remission are not three: {s}"
    );
    record(app, &fd, &clinic, course_id, "madrs", 9, None).expect(201);
    let s = suggest();
    assert_eq!(
        summary(&s),
        ("lengthen".to_string(), "remission_held".to_string(), 28),
        "{s}"
    );
    assert_eq!(s["baseline"], 34, "{s}");
    assert_eq!(s["recent"], json!([12, 10, 9]), "{s}");
    record(app, &fd, &clinic, course_id, "madrs", 20, None).expect(201);
    let s = suggest();
    assert_eq!(
        summary(&s),
        ("shorten".to_string(), "loss_of_response".to_string(), 14),
        "20 is less than 50% below 34: {s}"
    );
}
on_every_backend!(booster_suggestions_follow_the_clinics_rules);

fn scores_outside_their_scale_are_refused_and_the_first_is_the_baseline(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let patient = app.patient(&clinic, "MRN-5001");
    let course_id = app.book_induction(&clinic, patient)["id"].as_i64().unwrap();
    let measures_path = course_path(&clinic, course_id, "/measures");

    for (instrument, score) in [
        ("phq9", 28),
        ("gad7", 22),
        ("madrs", 61),
        ("pcl5", 81),
        ("phq9", -1),
        ("madrs", -5),
    ] {
        let reply = record(app, &fd, &clinic, course_id, instrument, score, None);
        assert_invalid(&reply, "score");
    }
    assert_invalid(
        &record(app, &fd, &clinic, course_id, "hamd", 10, None),
        "instrument",
    );
    assert_invalid(
        &record(
            app,
            &fd,
            &clinic,
            course_id,
            "phq9",
            10,
            Some(Utc::now() + Duration::days(1)),
        ),
        "measured_at",
    );
    assert_eq!(app.get(&fd, &measures_path).expect(200), json!([]));

    // The ends of each scale are in range. The first PHQ-9, before the
    // first session, is the baseline; the next one is not.
    let mut recorded = Vec::new();
    for (instrument, score) in [
        ("phq9", 27),
        ("gad7", 21),
        ("madrs", 60),
        ("pcl5", 80),
        ("phq9", 0),
    ] {
        let measure = record(app, &fd, &clinic, course_id, instrument, score, None).expect(201);
        assert_eq!(measure["instrument"], instrument, "{measure}");
        assert_eq!(measure["score"], score, "{measure}");
        recorded.push(measure["id"].as_i64().unwrap());
    }
    let listed = app.get(&fd, &measures_path).expect(200);
    let listed = listed.as_array().unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        recorded,
        "oldest first: {listed:?}"
    );
    let phq9: Vec<(i64, bool)> = listed
        .iter()
        .filter(|m| m["instrument"] == "phq9")
        .map(|m| {
            (
                m["score"].as_i64().unwrap(),
                m["baseline"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(phq9, [(27, true), (0, false)], "{listed:?}");
    // Each scale has its own baseline.
    for m in listed.iter().filter(|m| m["instrument"] != "phq9") {
        assert_eq!(m["baseline"], true, "{m}");
    }

    // A retry with the same Idempotency-Key records once.
    let retry = || {
        app.call("POST", &measures_path)
            .key(&fd)
            .idempotency_key("phq9-visit-2")
            .json(&json!({"instrument": "phq9", "score": 9}))
            .send()
            .expect(201)
    };
    assert_eq!(retry()["id"], retry()["id"]);
    assert_eq!(
        app.get(&fd, &measures_path)
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        6
    );

    let trail = trail(app, &clinic);
    assert_eq!(
        audited(&trail, "measure.recorded", "course", course_id).len(),
        6,
        "one audit row per score recorded, none for those refused"
    );
}
on_every_backend!(scores_outside_their_scale_are_refused_and_the_first_is_the_baseline);

// ---------------------------------------------------------------------------
// 6. Gates.

fn booking_is_refused_until_intake_consent_and_rems_gates_pass(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();

    let mut no_intake = ready_patient("MRN-6001");
    no_intake
        .as_object_mut()
        .unwrap()
        .remove("intake_assessed_on");
    let no_intake = register(app, &clinic, &no_intake);
    assert_gate(&book(app, &clinic, no_intake, IV), "intake_assessed_on");
    let protocol = app.protocol_id(&clinic, IV);
    let preview = app.post(
        &fd,
        &clinic.path("/courses/preview"),
        &json!({"patient_id": no_intake, "protocol_id": protocol, "earliest": next_monday().to_string()}),
    );
    assert_gate(&preview, "intake_assessed_on");

    let mut no_consent = ready_patient("MRN-6002");
    no_consent["consent_on_file"] = json!(false);
    let no_consent = register(app, &clinic, &no_consent);
    assert_gate(&book(app, &clinic, no_consent, IV), "consent_on_file");
    // Consent on file: the gate opens.
    patch_patient(app, &clinic, no_consent, &json!({"consent_on_file": true}));
    book(app, &clinic, no_consent, IV).expect(201);

    // Esketamine: the site must be REMS-certified, then the patient enrolled.
    let esketamine = register(app, &clinic, &ready_patient("MRN-6003"));
    assert_gate(
        &book(app, &clinic, esketamine, ESKETAMINE),
        "rems_certified",
    );
    certify_for_rems(app, &clinic);
    assert_gate(
        &book(app, &clinic, esketamine, ESKETAMINE),
        "rems_enrolled_on",
    );
    patch_patient(
        app,
        &clinic,
        esketamine,
        &json!({"rems_enrolled_on": today().to_string()}),
    );
    let course = book(app, &clinic, esketamine, ESKETAMINE).expect(201);
    assert_eq!(with_status(&course, &["booked"]).len(), 8, "{course}");

    // The refused bookings booked nothing.
    for patient in [no_intake, esketamine] {
        let courses = app
            .get(&fd, &clinic.path(&format!("/courses?patient_id={patient}")))
            .expect(200);
        let expected = usize::from(patient == esketamine);
        assert_eq!(
            courses["items"].as_array().unwrap().len(),
            expected,
            "{courses}"
        );
    }
}
on_every_backend!(booking_is_refused_until_intake_consent_and_rems_gates_pass);

fn check_in_without_an_escort_needs_a_clinicians_override(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    let clinician = clinician(app, &clinic);
    let mut body = ready_patient("MRN-6101");
    body["escort_confirmed"] = json!(false);
    let patient = register(app, &clinic, &body);
    let course = book(app, &clinic, patient, IV).expect(201);
    let first = ids(&with_status(&course, &["booked"]))[0];
    app.when(&clinic, first, 0);

    let refused = app.act(&clinic, first, "check-in", None);
    assert_gate(&refused, "escort_confirmed");
    let refused = on_session(app, &fd, &clinic, first, "check-in", &json!({}));
    assert_gate(&refused, "escort_confirmed");
    // Blank is no reason.
    let refused = on_session(
        app,
        &clinician,
        &clinic,
        first,
        "check-in",
        &json!({"override_reason": "  "}),
    );
    assert_gate(&refused, "escort_confirmed");
    // Only a clinician may override.
    let override_reason =
        json!({"override_reason": "a taxi booked by the clinic takes the patient home"});
    let problem = on_session(app, &fd, &clinic, first, "check-in", &override_reason).problem(403);
    assert_eq!(problem["type"], "/problems/forbidden", "{problem}");
    assert_eq!(app.session(&clinic, first).0["status"], "booked");

    let checked_in = on_session(
        app,
        &clinician,
        &clinic,
        first,
        "check-in",
        &override_reason,
    )
    .expect(200);
    assert_eq!(
        checked_in["session"]["status"], "checked_in",
        "{checked_in}"
    );

    // The override is attributable, with its reason.
    let trail = trail(app, &clinic);
    let rows = audited(&trail, "session.checked_in", "session", first);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].role.as_str(), "clinician");
    assert_eq!(rows[0].key_id, Some(key_id(app, &clinician)));
    assert_eq!(
        rows[0].after.as_ref().unwrap()["reason"],
        override_reason["override_reason"]
    );
    announced(
        &outbox_events(app, &clinic),
        "session.checked_in",
        course["id"].as_i64().unwrap(),
    );
}
on_every_backend!(check_in_without_an_escort_needs_a_clinicians_override);

// ---------------------------------------------------------------------------
// 7. REMS forms.

fn each_esketamine_session_opens_a_rems_form_due_seven_days_later(app: &App) {
    let clinic = app.clinic();
    let fd = clinic.front_desk.clone();
    certify_for_rems(app, &clinic);
    let mut body = ready_patient("MRN-7001");
    body["rems_enrolled_on"] = json!(today().to_string());
    let patient = register(app, &clinic, &body);
    let course = book(app, &clinic, patient, ESKETAMINE).expect(201);
    let sessions = with_status(&course, &["booked"]);
    let (first, second) = (sessions[0], sessions[1]);
    let forms_path = clinic.path("/rems-forms");
    assert_eq!(app.get(&fd, &forms_path).expect(200), json!([]));

    check_in_and_complete(app, &clinic, id(first));
    let forms = app.get(&fd, &forms_path).expect(200);
    let forms = forms.as_array().unwrap().clone();
    assert_eq!(forms.len(), 1, "{forms:?}");
    let form = &forms[0];
    assert_eq!(form["session_id"], id(first), "{form}");
    assert_eq!(form["patient_id"], patient, "{form}");
    assert_eq!(
        form["due_on"],
        (local_date(first) + Duration::days(7)).to_string(),
        "7 calendar days after the session: {form}"
    );
    assert_eq!(form["overdue"], false, "{form}");
    assert!(form["filed_at"].is_null(), "{form}");
    assert_eq!(
        app.get(&fd, &clinic.path("/rems-forms?overdue=true"))
            .expect(200),
        json!([])
    );

    check_in_and_complete(app, &clinic, id(second));
    let forms = app.get(&fd, &forms_path).expect(200);
    let due: Vec<(i64, String)> = forms
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["session_id"].as_i64().unwrap(),
                f["due_on"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        due,
        [
            (
                id(first),
                (local_date(first) + Duration::days(7)).to_string()
            ),
            (
                id(second),
                (local_date(second) + Duration::days(7)).to_string()
            ),
        ],
        "by due date"
    );

    // Filing the first takes it off the list; it cannot be filed twice.
    let form_id = form["id"].as_i64().unwrap();
    let file_path = clinic.path(&format!("/rems-forms/{form_id}/file"));
    let filed = app.call("POST", &file_path).key(&fd).send().expect(200);
    assert_eq!(filed["id"], form_id, "{filed}");
    assert!(filed["filed_at"].as_str().is_some(), "{filed}");
    assert_eq!(filed["overdue"], false, "{filed}");
    let open = app.get(&fd, &forms_path).expect(200);
    assert_eq!(
        open.as_array()
            .unwrap()
            .iter()
            .map(|f| f["session_id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [id(second)],
        "{open}"
    );
    app.call("POST", &file_path).key(&fd).send().problem(404);

    let trail = trail(app, &clinic);
    let rows = audited(&trail, "rems_form.filed", "rems_form", form_id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].role.as_str(), "front_desk");
}
on_every_backend!(each_esketamine_session_opens_a_rems_form_due_seven_days_later);

// ---------------------------------------------------------------------------
// 8. Pause, resume, discontinue.

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

    // Pause: every future session cancelled; the course keeps its place.
    let why = "admitted to hospital";
    let paused = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "pause",
        &json!({ "reason": why }),
    );
    let paused_etag = paused.etag();
    let paused = paused.expect(200);
    assert_eq!(paused["status"], "paused", "{paused}");
    assert_eq!(paused["current_phase"], 0, "{paused}");
    assert_eq!(with_status(&paused, &["booked"]).len(), 0, "{paused}");
    let cancelled = with_status(&paused, &["cancelled"]);
    assert_eq!(ids(&cancelled), planned[1..], "{paused}");
    for s in &cancelled {
        assert_eq!(s["reason"], why, "{s}");
    }
    assert_eq!(ids(&with_status(&paused, &["completed"])), [planned[0]]);
    assert_eq!(
        read_course(app, &clinic.front_desk, &clinic, course_id).1,
        paused_etag
    );
    let problem = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "pause",
        &json!({ "reason": why }),
    )
    .problem(409);
    assert_eq!(problem["type"], "/problems/course-status", "{problem}");

    // Resume three days after the infusion given: the other five are planned
    // from then, and with the one given they keep the induction's rules.
    let from = first_date + Duration::days(3);
    let resumed = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "resume",
        &json!({"from": from.to_string(), "reason": "discharged"}),
    )
    .expect(200);
    assert_eq!(resumed["status"], "active", "{resumed}");
    assert!(resumed["at_risk"].is_null(), "{resumed}");
    let booked = with_status(&resumed, &["booked"]);
    assert_eq!(booked.len(), 5, "{resumed}");
    for s in &booked {
        assert!(local_date(s) >= from, "before {from}: {s}");
        assert!(
            !planned.contains(&id(s)),
            "a cancelled session came back: {s}"
        );
    }
    assert_induction(
        &in_phase(&resumed, 0, &["completed", "booked"]),
        first_date,
        minutes,
    );

    // Discontinue needs a reason: left out (the problem names the missing
    // field in its detail), or blank.
    let problem = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "discontinue",
        &json!({}),
    )
    .problem(422);
    assert_eq!(problem["type"], "/problems/invalid", "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("reason"),
        "{problem}"
    );
    assert_invalid(
        &on_course(
            app,
            &clinician,
            &clinic,
            course_id,
            "discontinue",
            &json!({"reason": " "}),
        ),
        "reason",
    );
    assert_eq!(app.course(&clinic, course_id)["status"], "active");
    let ceased = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "discontinue",
        &json!({"reason": "moved out of state"}),
    )
    .expect(200);
    assert_eq!(ceased["status"], "ceased", "{ceased}");
    assert_eq!(with_status(&ceased, &["booked"]).len(), 0, "{ceased}");
    for s in &booked {
        let now = app.session(&clinic, id(s)).0;
        assert_eq!(now["status"], "cancelled", "{now}");
    }
    assert_eq!(ids(&with_status(&ceased, &["completed"])), [planned[0]]);
    for action in ["discontinue", "resume"] {
        on_course(
            app,
            &clinician,
            &clinic,
            course_id,
            action,
            &json!({"reason": "again"}),
        )
        .problem(409);
    }

    let trail = trail(app, &clinic);
    let events = outbox_events(app, &clinic);
    for event in ["course.paused", "course.resumed", "course.discontinued"] {
        let rows = audited(&trail, event, "course", course_id);
        assert_eq!(rows.len(), 1, "{event}");
        assert_eq!(rows[0].role.as_str(), "clinician", "{event}");
        assert_eq!(announced(&events, event, course_id).len(), 1, "{event}");
    }
    for s in planned[1..].iter().chain(&ids(&booked)) {
        audited(&trail, "session.cancelled", "session", *s);
    }
    assert_eq!(
        announced(&events, "session.cancelled", course_id).len(),
        5 + 5,
        "each cancellation reaches the integrations"
    );
}
on_every_backend!(a_course_is_paused_resumed_within_its_rules_and_discontinued);

// ---------------------------------------------------------------------------
// 9. At risk.

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
    let third = third.unwrap();
    let unavailable: Vec<NaiveDate> = (1..=21).map(|d| third + Duration::days(d)).collect();
    let patched = patch_patient(
        app,
        clinic,
        patient,
        &json!({"preferences": {"unavailable_dates": unavailable.iter().map(|d| d.to_string()).collect::<Vec<_>>()}}),
    );
    assert_eq!(
        patched["preferences"]["unavailable_dates"]
            .as_array()
            .unwrap()
            .len(),
        21
    );

    app.when(clinic, planned[3], 30);
    let missed = app.act(clinic, planned[3], "no-show", None).expect(200);
    assert_eq!(missed["session"]["status"], "no_show", "{missed}");
    assert_eq!(missed["course_at_risk"], true, "{missed}");
    assert_eq!(missed["booked"], json!([]), "{missed}");

    // The course shows why, and nothing was moved meanwhile.
    let course = app.course(clinic, course_id);
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
    let rules: Vec<String> = at_risk["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(
        rules.iter().any(|r| r == "max_gap" || r == "max_span"),
        "the window is what breaks: {rules:?}"
    );
    let still_booked = ids(&with_status(&course, &["booked"]));
    assert_eq!(still_booked, planned[4..], "{course}");
    (course_id, planned[..3].to_vec(), still_booked, unavailable)
}

fn an_at_risk_course_shows_why_and_a_clinician_accepts_the_extension(app: &App) {
    let clinic = app.clinic();
    let clinician = clinician(app, &clinic);
    let (course_id, given, old_booked, unavailable) = course_at_risk(app, &clinic, "MRN-9001");
    let decision = json!({"choice": "accept_extension", "reason": "the patient is away; a longer induction is acceptable"});

    on_course(
        app,
        &clinic.front_desk,
        &clinic,
        course_id,
        "at-risk/decision",
        &decision,
    )
    .problem(403);
    let decided = on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "at-risk/decision",
        &decision,
    );
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
    on_course(
        app,
        &clinician,
        &clinic,
        course_id,
        "at-risk/decision",
        &decision,
    )
    .problem(409);

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
