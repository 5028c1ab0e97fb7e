//! The gates before a dose: booking waits for intake, consent and (for
//! esketamine) REMS certification; check-in without an escort needs a
//! clinician's override; each esketamine session opens a REMS monitoring
//! form due seven days later.

use chrono::Duration;
use serde_json::{json, Value};

use super::*;
use crate::support::*;

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

/// A new patient's registration with every gate passed.
pub(super) fn ready_patient(mrn: &str) -> Value {
    json!({
        "external_ref": mrn,
        "display_name": format!("Patient {mrn}"),
        "intake_assessed_on": (today() - Duration::days(7)).to_string(),
        "consent_on_file": true,
        "escort_confirmed": true,
    })
}

pub(super) fn register(app: &App, clinic: &Clinic, body: &Value) -> i64 {
    app.post(&clinic.front_desk, &clinic.path("/patients"), body)
        .expect(201)["id"]
        .as_i64()
        .expect("patient id")
}

/// Books a course of the preset from next Monday, as the front desk does.
pub(super) fn book(app: &App, clinic: &Clinic, patient: i64, code: &str) -> Reply {
    let protocol = app.protocol_id(clinic, code);
    app.post(
        &clinic.front_desk,
        &clinic.path("/courses"),
        &json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()}),
    )
}

/// The clinic becomes REMS-certified.
pub(super) fn certify_for_rems(app: &App, clinic: &Clinic) {
    set_clinic_setting(app, clinic, "rems_certified", json!(true));
}

/// Asserts a 422 naming the gate that is not passed.
#[track_caller]
fn assert_gate(reply: &Reply, gate: &str) {
    let problem = reply.problem(422);
    assert_eq!(problem["type"], "/problems/gate-not-passed", "{problem}");
    assert_eq!(error_fields(&problem), [gate], "{problem}");
}

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
    let check_in = |key: &str, body: &Value| on_session(app, key, &clinic, first, "check-in", body);

    assert_gate(
        &app.act(&clinic, first, "check-in", None),
        "escort_confirmed",
    );
    assert_gate(&check_in(&fd, &json!({})), "escort_confirmed");
    // Blank is no reason.
    let blank = json!({"override_reason": "  "});
    assert_gate(&check_in(&clinician, &blank), "escort_confirmed");
    // Only a clinician may override.
    let override_reason =
        json!({"override_reason": "a taxi booked by the clinic takes the patient home"});
    let problem = check_in(&fd, &override_reason).problem(403);
    assert_eq!(problem["type"], "/problems/forbidden", "{problem}");
    assert_eq!(app.session(&clinic, first).0["status"], "booked");

    let checked_in = check_in(&clinician, &override_reason).expect(200);
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

/// Long on purpose: one form's whole life (opened, pre-filled, answered,
/// completed, submitted, exported) reads best as one story.
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
    assert_eq!(forms.as_array().unwrap().len(), 1, "{forms}");
    let form = &forms[0];
    assert_open_form_for(form, first, patient);
    let overdue = clinic.path("/rems-forms?overdue=true");
    assert_eq!(app.get(&fd, &overdue).expect(200), json!([]));

    check_in_and_complete(app, &clinic, id(second));
    let forms = app.get(&fd, &forms_path).expect(200);
    assert_eq!(
        due_dates(&forms),
        [
            (id(first), a_week_after(first)),
            (id(second), a_week_after(second))
        ],
        "by due date"
    );

    // Pre-filled from the record: the first device 10 minutes in, the
    // discharge at 130, the pre-dose blood pressure.
    let form_id = form["id"].as_i64().unwrap();
    assert_eq!(
        form["fields"]["treatment_date"],
        local_date(first).to_string(),
        "{form}"
    );
    assert_eq!(form["fields"]["total_treatment_minutes"], 120, "{form}");
    assert_eq!(
        form["fields"]["blood_pressure_before_administration"],
        json!({"systolic": 128, "diastolic": 82})
    );
    assert_eq!(form["status"], "draft");

    // A clinician answers and completes it; the desk submits it, which
    // takes it off the list; it cannot be submitted twice.
    let doctor = clinician(app, &clinic);
    let one = clinic.path(&format!("/rems-forms/{form_id}"));
    let answers = json!({"dose": "56_mg", "lot_number": "L-1", "ready_to_leave_after_minutes": 95,
        "vitals_acceptable_before_administration": true, "vitals_acceptable_before_completion": true,
        "blood_pressure_40_minutes": {"systolic": 136, "diastolic": 86},
        "blood_pressure_before_completion": {"systolic": 124, "diastolic": 80},
        "sedation": false, "dissociation": true, "respiratory_depression": false,
        "concomitant_medications": [], "monitored_by": null});
    let etag = app.get(&doctor, &one).etag();
    let answered = app
        .call("PATCH", &one)
        .key(&doctor)
        .if_match(&etag)
        .json(&answers)
        .send()
        .expect(200);
    assert_eq!(answered["missing"], json!(["monitored_by"]), "{answered}");
    let complete = clinic.path(&format!("/rems-forms/{form_id}/complete"));
    let etag = app.get(&doctor, &one).etag();
    let refused = app
        .call("POST", &complete)
        .key(&doctor)
        .if_match(&etag)
        .send()
        .problem(422);
    assert_eq!(refused["errors"][0]["field"], "monitored_by", "{refused}");
    let nurse = app
        .post(
            &app.admin,
            &clinic.path("/staff"),
            &json!({"label": "Nurse R", "roles": ["nurse"], "shifts": weekday_hours()}),
        )
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let etag = app.get(&doctor, &one).etag();
    app.call("PATCH", &one)
        .key(&doctor)
        .if_match(&etag)
        .json(&json!({"monitored_by": nurse}))
        .send()
        .expect(200);
    let etag = app.get(&doctor, &one).etag();
    let completed = app
        .call("POST", &complete)
        .key(&doctor)
        .if_match(&etag)
        .send()
        .expect(200);
    assert_eq!(completed["status"], "complete", "{completed}");
    let submit = clinic.path(&format!("/rems-forms/{form_id}/submit"));
    let etag = app.get(&fd, &one).etag();
    let submitted = app
        .call("POST", &submit)
        .key(&fd)
        .if_match(&etag)
        .json(&json!({"submission_reference": "REMS-2026-0001"}))
        .send()
        .expect(200);
    assert_eq!(submitted["status"], "submitted", "{submitted}");
    assert!(submitted["submitted_at"].as_str().is_some(), "{submitted}");
    assert_eq!(submitted["urgency"], Value::Null, "{submitted}");
    let open = app.get(&fd, &forms_path).expect(200);
    let open_for: Vec<i64> = due_dates(&open).into_iter().map(|(s, _)| s).collect();
    assert_eq!(open_for, [id(second)], "{open}");
    let etag = app.get(&fd, &one).etag();
    let again = app
        .call("POST", &submit)
        .key(&fd)
        .if_match(&etag)
        .json(&json!({"submission_reference": "REMS-2026-0001"}))
        .send()
        .problem(409);
    assert_eq!(again["rule"], "status_order", "{again}");

    // The export holds every form, submitted ones too, as JSON and CSV.
    let all = app.get(&fd, &clinic.path("/rems-forms/export")).expect(200);
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let csv = app
        .call("GET", &clinic.path("/rems-forms/export?format=csv"))
        .key(&fd)
        .send();
    assert_eq!(csv.status, 200, "{csv:?}");
    assert!(csv.content_type().starts_with("text/csv"), "{csv:?}");
    let text = &csv.text;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("form_id,session_id,patient_id,due_on,status,"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("REMS-2026-0001") && l.contains(",submitted,")),
        "{text}"
    );

    let trail = trail(app, &clinic);
    let rows = audited(&trail, "rems_form.submitted", "rems_form", form_id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].role.as_str(), "front_desk");
}
on_every_backend!(each_esketamine_session_opens_a_rems_form_due_seven_days_later);

/// The date a session's REMS monitoring form falls due: seven calendar
/// days after the session's local date.
fn a_week_after(session: &Value) -> String {
    (local_date(session) + Duration::days(7)).to_string()
}

/// Each listed form's session and due date, in the list's order.
fn due_dates(forms: &Value) -> Vec<(i64, String)> {
    forms
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["session_id"].as_i64().unwrap(),
                f["due_on"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A REMS monitoring form opened for the patient's session, due a week
/// after it, neither overdue nor filed yet.
#[track_caller]
fn assert_open_form_for(form: &Value, session: &Value, patient: i64) {
    assert_eq!(form["session_id"], id(session), "{form}");
    assert_eq!(form["patient_id"], patient, "{form}");
    assert_eq!(
        form["due_on"],
        a_week_after(session),
        "7 calendar days after the session: {form}"
    );
    assert_eq!(form["overdue"], false, "{form}");
    assert!(form["submitted_at"].is_null(), "{form}");
}
