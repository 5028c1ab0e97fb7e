//! The `CapabilityStatement`: what this FHIR view serves, which searches it
//! takes. The description of the FHIR part, as the OpenAPI document is of
//! the REST part. Public, like that document.

use actix_web::HttpResponse;
use serde_json::{json, Value};

use crate::fhir::outcome::fhir_ok;

fn search(name: &str, kind: &str, doc: &str) -> Value {
    json!({ "name": name, "type": kind, "documentation": doc })
}

fn resource(kind: &str, params: Vec<Value>) -> Value {
    json!({
        "type": kind,
        "interaction": [{ "code": "read" }, { "code": "search-type" }],
        "searchParam": params
    })
}

/// `GET /fhir/r4/metadata`.
pub async fn metadata() -> HttpResponse {
    let count = search("_count", "number", "page size, 1 to 200 (default 50)");
    let mut appointment = resource(
        "Appointment",
        vec![
            search(
                "date",
                "date",
                "the appointment's start: ge, gt, le, lt, eq; a date is a clinic-local day",
            ),
            search(
                "status",
                "token",
                "booked | checked-in | fulfilled | cancelled | noshow | entered-in-error",
            ),
            search("patient", "reference", "Patient/<id>"),
            search("actor", "reference", "Patient/<id> or Location/chair-<id>"),
            count.clone(),
        ],
    );
    appointment["operation"] = json!([
        { "name": "find", "definition": "http://fhir.org/guides/ihe/scheduling/OperationDefinition/appointment-find",
          "documentation": "careplan=CarePlan/<id>: proposed times for the course's next session (the day its rules pick, every free covered chair-start the rules accept)" },
        { "name": "book", "definition": "http://fhir.org/guides/ihe/scheduling/OperationDefinition/appointment-book",
          "documentation": "POST a proposed Appointment from $find (or Parameters with it as `appointment`): the REST reschedule of that session; admin, clinician or front-desk keys" }
    ]);
    let statement = json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-06",
        "publisher": "Chairside",
        "kind": "instance",
        "software": { "name": "Chairside", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "Chairside: infusion-clinic courses as a calendar engine, read as FHIR R4" },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "documentation": "Read-only. Authorization: Bearer <API key> scoped to one clinic; any role reads. Patients are named by the clinic's own reference (identifier), never by name.",
            "security": { "description": "Bearer API keys, as the REST API (see /openapi.json)." },
            "resource": [
                appointment,
                resource("CarePlan", vec![search("patient", "reference", "Patient/<id>"), count.clone()]),
                resource("Schedule", vec![search("actor", "reference", "Location/chair-<id> or Location/clinic-<id>")]),
                json!({
                    "type": "Slot",
                    "interaction": [{ "code": "search-type" }],
                    "searchParam": [
                        search("schedule", "reference", "Schedule/chair-<id> (required)"),
                        search("start", "date", "the range to cover: ge and lt (required, at most 62 days)"),
                        search("status", "token", "free | busy")
                    ]
                })
            ]
        }]
    });
    fhir_ok(&statement)
}
