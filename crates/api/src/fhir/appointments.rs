//! `Appointment`: one per session, read by id or searched by date, status,
//! patient and actor (the patient, or a chair as `Location/chair-<id>`).

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_engine::dates::{FIRST_DATE, LAST_DATE};
use chairside_engine::local_time::start_of_local_day;
use chairside_store::models::PageRequest;
use chairside_store::repo::{self, sessions::SessionFilter};

use crate::auth::FhirReader;
use crate::error::ApiError;
use crate::fhir::bundle;
use crate::fhir::outcome::{fhir_ok, FhirError};
use crate::fhir::resources::{appointment, statuses_for};
use crate::fhir::search::{next_page, Params};
use crate::routes::read as read_db;
use crate::state::AppState;

/// A resource id in a path, or "not found" (ids are numbers here).
pub fn numeric_id(kind: &str, id: &str) -> Result<i64, FhirError> {
    id.parse()
        .map_err(|_| FhirError(ApiError::NotFound(format!("{kind}/{id} not found"))))
}

/// `GET /fhir/r4/Appointment/{id}`.
pub async fn read(
    reader: FhirReader,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, FhirError> {
    let id = numeric_id("Appointment", &path)?;
    let clinic = reader.clinic_id;
    let resource = read_db(&state, move |conn| {
        let session = repo::sessions::get(conn, clinic, id)?;
        let patient = repo::patients::get(conn, clinic, session.patient_id)?;
        let held = repo::courses::get(conn, clinic, session.course_id)?
            .held_until
            .is_some();
        Ok(appointment(&session, &patient, held))
    })
    .await?;
    Ok(fhir_ok(&resource))
}

/// The session filter a search's parameters ask for.
fn filter(params: &Params, zone: chrono_tz::Tz) -> Result<SessionFilter, FhirError> {
    let statuses = match params.one("status")? {
        None => None,
        Some(code) => Some(statuses_for(code).ok_or_else(|| {
            FhirError::invalid("status", format!("{code:?} is not an Appointment status"))
        })?),
    };
    let (from, to) = params.range("date", zone)?;
    let range = (from.is_some() || to.is_some()).then(|| {
        (
            from.unwrap_or_else(|| start_of_local_day(zone, FIRST_DATE)),
            to.unwrap_or_else(|| start_of_local_day(zone, LAST_DATE)),
        )
    });
    let mut filter = SessionFilter {
        range,
        statuses,
        patient_id: params.reference("patient", "Patient/")?,
        ..SessionFilter::default()
    };
    if let Some(actor) = params.one("actor")? {
        if let Some(chair) = actor.strip_prefix("Location/chair-") {
            filter.chair_id =
                Some(chair.parse().map_err(|_| {
                    FhirError::invalid("actor", format!("{actor:?} is not a chair"))
                })?);
        } else {
            let patient = params.reference("actor", "Patient/")?;
            if filter.patient_id.is_some_and(|p| Some(p) != patient) {
                return Err(FhirError::invalid(
                    "actor",
                    "names another patient than `patient`",
                ));
            }
            filter.patient_id = patient;
        }
    }
    Ok(filter)
}

/// `GET /fhir/r4/Appointment?date=&status=&patient=&actor=&_count=`: a
/// `searchset` bundle by id, `_count` at a time, with a `next` link.
pub async fn search(
    reader: FhirReader,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, FhirError> {
    let params = Params::parse(req.query_string(), &["date", "status", "patient", "actor"])?;
    let page = PageRequest {
        after_id: params.after()?,
        limit: params.count()?,
    };
    let clinic = reader.clinic_id;
    let found = read_db(&state, move |conn| {
        let zone = repo::clinics::get(conn, clinic)?.time_zone;
        let filter = filter(&params, zone).map_err(|e| e.0)?;
        let sessions = repo::sessions::list(conn, clinic, &filter, page)?;
        let held = repo::courses::held(conn, clinic)?;
        // A page often holds one patient's course: read each patient once.
        let mut patients = std::collections::HashMap::new();
        let mut resources = Vec::with_capacity(sessions.items.len());
        for session in &sessions.items {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                patients.entry(session.patient_id)
            {
                slot.insert(repo::patients::get(conn, clinic, session.patient_id)?);
            }
            let held = held.contains(&session.course_id);
            resources.push(appointment(session, &patients[&session.patient_id], held));
        }
        Ok((resources, sessions.next_after_id.map(next_page)))
    })
    .await?;
    Ok(fhir_ok(&bundle(&req, found.0, found.1)))
}
