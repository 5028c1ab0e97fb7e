//! A read-only FHIR R4 view of a clinic's schedule under `/fhir/r4`, for
//! EHRs and integration engines: `Schedule` (each chair, and the clinic),
//! `Slot` (free and busy, from the same calendar and occupancy the planner
//! plans on), `Appointment` (each session) and `CarePlan` (each course),
//! with the search parameters people use, a `CapabilityStatement` at
//! `metadata`, and `OperationOutcome` for every error. JSON only
//! (`application/fhir+json`). A key of any role scoped to a clinic reads
//! that clinic's resources ([`crate::auth::FhirReader`]).

pub mod appointments;
pub mod capability;
pub mod care_plans;
pub mod operations;
pub mod outcome;
pub mod resources;
pub mod schedules;
pub mod search;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::fhir::outcome::FhirError;

/// The FHIR view's base path.
pub const BASE: &str = "/fhir/r4";

/// Registers the FHIR routes (outside the OpenAPI document).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(BASE)
            .route("/metadata", web::get().to(capability::metadata))
            .route("/Appointment", web::get().to(appointments::search))
            .route("/Appointment/$find", web::get().to(operations::find))
            .route("/Appointment/$book", web::post().to(operations::book))
            .route("/Appointment/{id}", web::get().to(appointments::read))
            .route("/CarePlan", web::get().to(care_plans::search))
            .route("/CarePlan/{id}", web::get().to(care_plans::read))
            .route("/Schedule", web::get().to(schedules::search))
            .route("/Schedule/{id}", web::get().to(schedules::read))
            .route("/Slot", web::get().to(schedules::slots))
            .default_service(web::to(unsupported)),
    );
}

/// Anything else under the base: FHIR's "not supported".
async fn unsupported(req: HttpRequest) -> Result<HttpResponse, FhirError> {
    Err(FhirError(ApiError::NotFound(format!(
        "{} {} is not part of this read-only FHIR view (see {BASE}/metadata)",
        req.method(),
        req.path()
    ))))
}

/// A `searchset` bundle of `resources`, with `self` and (when the page is
/// full) `next` links.
pub fn bundle(req: &HttpRequest, resources: Vec<Value>, next: Option<String>) -> Value {
    let self_link = format!("{}?{}", req.path(), req.query_string());
    let mut links = vec![json!({ "relation": "self", "url": self_link })];
    if let Some(cursor) = next {
        let kept: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes())
            .filter(|(k, _)| k != "_page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        query.append_pair("_page", &cursor);
        links.push(
            json!({ "relation": "next", "url": format!("{}?{}", req.path(), query.finish()) }),
        );
    }
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|resource| {
            let url = format!(
                "{BASE}/{}/{}",
                resource["resourceType"].as_str().unwrap_or_default(),
                resource["id"].as_str().unwrap_or_default()
            );
            json!({ "fullUrl": url, "resource": resource, "search": { "mode": "match" } })
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": entries
    })
}
