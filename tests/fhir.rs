//! The FHIR R4 view, read as an EHR would: the CapabilityStatement, a
//! clinic's appointments searched by date, status, patient and chair with
//! paging, the course as a CarePlan, schedules and their free and busy
//! slots, and OperationOutcome for every error. The resources are also
//! checked by an independent validator in CI (`scripts/fhir_validate.py`).

use serde_json::Value;

use crate::support::*;

fn fhir(app: &App, key: &str, path: &str) -> Reply {
    app.get(key, &format!("/fhir/r4/{path}"))
}

#[track_caller]
fn resource(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(
        reply.content_type().starts_with("application/fhir+json"),
        "{reply:?}"
    );
    reply.json()
}

#[track_caller]
fn outcome(reply: &Reply, status: u16, code: &str) -> Value {
    assert_eq!(reply.status, status, "{reply:?}");
    assert!(
        reply.content_type().starts_with("application/fhir+json"),
        "{reply:?}"
    );
    let body = reply.json();
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    assert_eq!(body["issue"][0]["code"], code, "{body}");
    body
}

fn entries(bundle: &Value) -> Vec<Value> {
    assert_eq!(bundle["resourceType"], "Bundle", "{bundle}");
    assert_eq!(bundle["type"], "searchset");
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"].clone())
        .collect()
}

/// Long on purpose: one clinic's schedule read through every resource.
fn an_ehr_reads_a_clinics_schedule_as_fhir(app: &App) {
    let clinic = app.clinic();
    let reader = app.create_key("integration", Some(clinic.id));
    let patient = app.patient(&clinic, "MRN-F1");
    let course = app.book_induction(&clinic, patient);
    let booked = with_status(&course, &["booked"]);
    let first = booked[0];

    let metadata = app.call("GET", "/fhir/r4/metadata").send();
    let statement = resource(&metadata);
    assert_eq!(statement["resourceType"], "CapabilityStatement");
    assert_eq!(statement["fhirVersion"], "4.0.1");

    // One appointment per session, the patient by the clinic's reference.
    let appointment = resource(&fhir(app, &reader, &format!("Appointment/{}", id(first))));
    assert_eq!(appointment["status"], "booked");
    assert_eq!(appointment["start"], first["start"]);
    let actors: Vec<&Value> = appointment["participant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["actor"])
        .collect();
    assert_eq!(actors[0]["reference"], format!("Patient/{patient}"));
    assert_eq!(actors[0]["identifier"]["value"], "MRN-F1");
    assert_eq!(
        actors[1]["reference"],
        format!("Location/chair-{}", first["chair_id"])
    );
    assert!(
        !appointment.to_string().contains("Patient MRN-F1"),
        "no names: {appointment}"
    );

    // Searched by the day, by status, by patient; paged.
    let day = local_date(first);
    let on_the_day = entries(&resource(&fhir(
        app,
        &reader,
        &format!("Appointment?date=ge{day}&date=le{day}"),
    )));
    assert_eq!(on_the_day.len(), 1, "{on_the_day:?}");
    let all = entries(&resource(&fhir(
        app,
        &reader,
        &format!("Appointment?patient=Patient/{patient}&status=booked"),
    )));
    assert_eq!(all.len(), booked.len());
    let page = resource(&fhir(app, &reader, "Appointment?status=booked&_count=2"));
    assert_eq!(entries(&page).len(), 2);
    let next = page["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .expect("a next link");
    let second_page = resource(&app.get(&reader, next["url"].as_str().unwrap()));
    assert_eq!(entries(&second_page)[0]["id"], all[2]["id"]);

    // The course as a CarePlan: phases with their rule, visits as appointments.
    let plan = resource(&fhir(app, &reader, &format!("CarePlan/{}", id(&course))));
    assert_eq!(plan["status"], "active");
    let repeat = &plan["activity"][0]["detail"]["scheduledTiming"]["repeat"];
    assert_eq!(repeat["count"], 6, "{plan}");
    assert!(plan
        .to_string()
        .contains(&format!("Appointment/{}", id(first))));

    // Schedules: the clinic's and each chair's; slots free and busy.
    let schedules = entries(&resource(&fhir(app, &reader, "Schedule")));
    assert_eq!(schedules.len(), 1 + clinic.chairs.len());
    let chair = first["chair_id"].as_i64().unwrap();
    let slots = entries(&resource(&fhir(
        app,
        &reader,
        &format!(
            "Slot?schedule=Schedule/chair-{chair}&start=ge{day}&start=lt{}",
            day.succ_opt().unwrap()
        ),
    )));
    let busy: Vec<&Value> = slots.iter().filter(|s| s["status"] == "busy").collect();
    assert_eq!(busy.len(), 1, "{slots:?}");
    assert_eq!(busy[0]["start"], first["start"]);
    assert_eq!(busy[0]["end"], first["end"]);
    assert!(slots.iter().any(|s| s["status"] == "free"));

    // Errors are OperationOutcomes with the REST API's statuses.
    outcome(&fhir(app, &reader, "Appointment/999999"), 404, "not-found");
    outcome(
        &fhir(app, &reader, "Appointment?flavour=vanilla"),
        422,
        "invalid",
    );
    outcome(
        &fhir(app, &reader, "Slot?schedule=Schedule/chair-1"),
        422,
        "invalid",
    );
    outcome(&fhir(app, &reader, "Patient/1"), 404, "not-found");
    outcome(
        &app.call("GET", "/fhir/r4/Appointment").send(),
        401,
        "login",
    );
    outcome(&fhir(app, &app.admin, "Appointment"), 403, "forbidden");
    let other = app.clinic_with("Other", weekday_hours(), 1);
    let theirs = app.create_key("integration", Some(other.id));
    outcome(
        &fhir(app, &theirs, &format!("Appointment/{}", id(first))),
        404,
        "not-found",
    );
}
on_every_backend!(an_ehr_reads_a_clinics_schedule_as_fhir);

/// IHE's $find proposes times for a course's next session; $book books one,
/// as the REST reschedule would.
fn find_proposes_and_book_books_the_next_session(app: &App) {
    let clinic = app.clinic();
    let reader = app.create_key("integration", Some(clinic.id));
    let course = app.book_induction(&clinic, app.patient(&clinic, "MRN-F2"));
    let first = with_status(&course, &["booked"])[0].clone();

    let found = resource(&fhir(
        app,
        &clinic.front_desk,
        &format!(
            "Appointment/$find?careplan=CarePlan/{}&_count=3",
            id(&course)
        ),
    ));
    let proposals = entries(&found);
    assert!(!proposals.is_empty() && proposals.len() <= 3, "{found}");
    for p in &proposals {
        assert_eq!(p["status"], "proposed");
        assert_eq!(p["identifier"][0]["value"], id(&first).to_string());
        let place = (
            p["start"].clone(),
            p["participant"][1]["actor"]["reference"].clone(),
        );
        let now = (
            first["start"].clone(),
            Value::from(format!("Location/chair-{}", first["chair_id"])),
        );
        assert_ne!(place, now, "somewhere else: {p}");
    }

    // An integration key reads but does not book.
    let body = proposals[0].to_string();
    let refused = app
        .call("POST", "/fhir/r4/Appointment/$book")
        .key(&reader)
        .raw("application/fhir+json", &body)
        .send();
    outcome(&refused, 403, "forbidden");

    let booked = resource(
        &app.call("POST", "/fhir/r4/Appointment/$book")
            .key(&clinic.front_desk)
            .raw("application/fhir+json", &body)
            .send(),
    );
    assert_eq!(booked["status"], "booked");
    assert_eq!(booked["id"], id(&first).to_string());
    assert_eq!(booked["start"], proposals[0]["start"]);
    let (moved, _) = app.session(&clinic, id(&first));
    assert_eq!(
        moved["start"], proposals[0]["start"],
        "the REST view agrees"
    );
    assert_eq!(moved["reason"], "booked through FHIR Appointment/$book");
}
on_every_backend!(find_proposes_and_book_books_the_next_session);
