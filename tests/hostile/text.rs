//! Hostile text (SQL-ish, binary-ish, NUL characters): kept verbatim, or
//! refused naming the field; in parameters that are not free text, refused.

use serde_json::{json, Value};

use super::*;
use crate::support::*;

/// Text that has broken SQL built by hand, LIKE patterns, and unicode that
/// trips naive code.
const HOSTILE_TEXT: &[&str] = &[
    "'; DROP TABLE sessions; --",
    "\" OR 1=1 --",
    "Robert'); DROP TABLE patients;--",
    "1' OR '1'='1",
    "%",
    "_",
    "%_%",
    "\\",
    "\\'; SELECT pg_sleep(10); --",
    "Zoë Ñúñez 中文 😀 💉",
    "\u{202e}evil\u{202c} right-to-left",
    "e\u{301}\u{301}\u{301} combining",
    "\u{feff}byte order mark",
    "tab\tand\nnew line",
];

/// Either kept exactly as sent, or refused with a 4xx naming the field.
#[track_caller]
fn kept_or_refused_naming(reply: &Reply, field: &str, sent: &str) -> Option<Value> {
    if reply.status == 201 {
        let created = reply.json();
        assert_eq!(created[field], sent, "{reply:?}");
        return Some(created);
    }
    let problem = client_error(reply);
    assert!(
        error_fields(&problem).iter().any(|f| f == field)
            || problem["detail"].as_str().unwrap().contains(field),
        "{problem}"
    );
    None
}

fn sql_like_text_is_kept_verbatim_or_refused(app: &App) {
    let clinic = app.clinic();
    let mut patients = Vec::new();
    for (n, text) in HOSTILE_TEXT.iter().enumerate() {
        if let Some(patient) = register_as_external_ref(app, &clinic, n, text) {
            patients.push((patient, text.to_string()));
        }
        register_as_name(app, &clinic, n, text);
        // A clinic's name and a chair's label.
        let reply = app.post(
            &app.admin,
            "/v1/clinics",
            &json!({"name": text, "time_zone": ZONE_NAME, "hours": weekday_hours()}),
        );
        if let Some(created) = kept_or_refused_naming(&reply, "name", text) {
            let read = app
                .get(&app.admin, &format!("/v1/clinics/{}", created["id"]))
                .expect(200);
            assert_eq!(read["name"], *text, "{read}");
        }
        let reply = app.post(
            &app.admin,
            &clinic.path("/chairs"),
            &json!({"label": text, "modalities": ["iv"]}),
        );
        kept_or_refused_naming(&reply, "label", text);
    }
    assert!(
        patients.len() >= HOSTILE_TEXT.len() / 2,
        "most of these are ordinary text: {patients:?}"
    );

    // Looked up by external ref, each finds itself and nothing else: no
    // quote ends the string, no `%` or `_` is a wildcard.
    for (id, text) in &patients {
        let found = find_by_external_ref(app, &clinic, text);
        let ids: Vec<&Value> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["id"])
            .collect();
        assert_eq!(ids, [id], "external_ref={text:?}: {found}");
        assert_eq!(found["items"][0]["external_ref"], *text);
    }
    for text in [
        "' OR '1'='1",
        "%25",
        "' OR 1=1 --",
        "x' UNION SELECT * FROM api_keys --",
    ] {
        let found = find_by_external_ref(app, &clinic, text);
        assert_eq!(found["items"], json!([]), "external_ref={text:?}: {found}");
    }
    assert_every_table_still_works(app, &clinic);
}
on_every_backend!(sql_like_text_is_kept_verbatim_or_refused);

fn sql_like_query_parameters_that_are_not_free_text_are_refused(app: &App) {
    let clinic = app.clinic();
    let fd = &clinic.front_desk;
    // Malformed, or invalid naming the parameter.
    let injected = encode("' OR 1=1 --");
    for path in [
        clinic.path(&format!("/sessions?status={injected}")),
        clinic.path(&format!("/courses?status={injected}")),
        clinic.path(&format!("/sessions?patient_id={injected}")),
        clinic.path(&format!("/day-sheet?date={injected}")),
        clinic.path(&format!("/sessions?from={injected}&to=2027-01-01")),
    ] {
        app.get(fd, &path).problem(400);
    }
    let problem = app
        .get(fd, &format!("/v1/reminders/upcoming?within={injected}"))
        .problem(422);
    assert_eq!(error_fields(&problem), ["within"], "{problem}");
    assert_every_table_still_works(app, &clinic);
}
on_every_backend!(sql_like_query_parameters_that_are_not_free_text_are_refused);

/// Registers a patient with `text` as the external ref (unique: it is
/// looked up); kept verbatim or refused naming it. Returns the patient's
/// id if kept.
fn register_as_external_ref(app: &App, clinic: &Clinic, n: usize, text: &str) -> Option<Value> {
    let reply = app.post(
        &clinic.front_desk,
        &clinic.path("/patients"),
        &json!({"external_ref": text, "display_name": format!("Patient {n}")}),
    );
    kept_or_refused_naming(&reply, "external_ref", text).map(|created| created["id"].clone())
}

/// Registers a patient with `text` as the name; kept verbatim (also when
/// read back) or refused naming it.
fn register_as_name(app: &App, clinic: &Clinic, n: usize, text: &str) {
    let reply = app.post(
        &clinic.front_desk,
        &clinic.path("/patients"),
        &json!({"external_ref": format!("MRN-{n}"), "display_name": text}),
    );
    if let Some(created) = kept_or_refused_naming(&reply, "display_name", text) {
        let id = created["id"].as_i64().unwrap();
        let read = app
            .get(&clinic.front_desk, &clinic.path(&format!("/patients/{id}")))
            .expect(200);
        assert_eq!(read["display_name"], *text, "{read}");
    }
}

/// The clinic's patients with this external ref.
fn find_by_external_ref(app: &App, clinic: &Clinic, text: &str) -> Value {
    app.get(
        &clinic.front_desk,
        &clinic.path(&format!("/patients?external_ref={}", encode(text))),
    )
    .expect(200)
}

/// Every table is still there and works: a course books, its sessions
/// list, nothing overlaps, and the server answers.
#[track_caller]
fn assert_every_table_still_works(app: &App, clinic: &Clinic) {
    let patient = app.patient(clinic, "MRN-AFTER");
    let course = app.book_induction(clinic, patient);
    let sessions = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/sessions?course_id={}", course["id"])),
        )
        .expect(200);
    assert_eq!(sessions["items"].as_array().unwrap().len(), 6, "{sessions}");
    assert_eq!(app.overlapping_live_pairs(), 0);
    still_up(app);
}

/// NUL characters: SQLite keeps them; PostgreSQL cannot store them in text.
/// Either way the answer must be the text kept, or a 4xx naming the field.
fn nul_characters_are_kept_or_refused(app: &App) {
    let clinic = app.clinic();
    let fd = &clinic.front_desk;
    let text = "Robert\u{0}'); DROP TABLE sessions; --";
    let reply = app.post(
        fd,
        &clinic.path("/patients"),
        &json!({"external_ref": "MRN-NUL", "display_name": text}),
    );
    kept_or_refused_naming(&reply, "display_name", text);
    let reply = app.post(
        fd,
        &clinic.path("/patients"),
        &json!({"external_ref": "MRN\u{0}1", "display_name": "A"}),
    );
    kept_or_refused_naming(&reply, "external_ref", "MRN\u{0}1");
    let reply = app.post(
        &app.admin,
        "/v1/clinics",
        &json!({"name": "Clinic\u{0}", "time_zone": ZONE_NAME, "hours": weekday_hours()}),
    );
    kept_or_refused_naming(&reply, "name", "Clinic\u{0}");
    let reply = app.post(
        &app.admin,
        &clinic.path("/chairs"),
        &json!({"label": "Chair\u{0}", "modalities": ["iv"]}),
    );
    kept_or_refused_naming(&reply, "label", "Chair\u{0}");
    // As a query parameter: found or not, never an error of the server.
    let found = app.get(fd, &clinic.path("/patients?external_ref=MRN%001"));
    assert!(
        found.status == 200 || (400..500).contains(&found.status),
        "{found:?}"
    );
    if found.status != 200 {
        client_error(&found);
    }
    still_up(app);
}
on_every_backend!(nul_characters_are_kept_or_refused);
