//! `Schedule` (one per chair, one for the clinic) and `Slot` (a chair's
//! open time as free and busy spans over a requested range, from the same
//! calendar and occupancy the planner plans on — the engine's
//! `free_busy`).

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_engine::availability::MAX_AVAILABILITY_DAYS;
use chairside_engine::{ChairId, Interval, Planner};
use chairside_store::models as m;
use chairside_store::repo;
use chairside_store::DbConnection;
use serde_json::Value;

use crate::auth::FhirReader;
use crate::error::ApiError;
use crate::fhir::bundle;
use crate::fhir::outcome::{fhir_ok, FhirError};
use crate::fhir::resources::{schedule, slot};
use crate::fhir::search::Params;
use crate::routes::read as read_db;
use crate::state::AppState;

/// Which schedule an id names: the clinic's, or one of its chairs'.
enum Which {
    Clinic,
    Chair(i64),
}

fn which(id: &str, clinic: i64) -> Option<Which> {
    if let Some(chair) = id.strip_prefix("chair-") {
        return chair.parse().ok().map(Which::Chair);
    }
    (id.strip_prefix("clinic-")? == clinic.to_string()).then_some(Which::Clinic)
}

/// The schedule `id` of the clinic, or not found.
fn schedule_of(conn: &mut DbConnection, clinic_id: i64, id: &str) -> Result<Value, ApiError> {
    let clinic = repo::clinics::get(conn, clinic_id)?;
    let not_found = || ApiError::NotFound(format!("Schedule/{id} not found"));
    match which(id, clinic_id).ok_or_else(not_found)? {
        Which::Clinic => Ok(schedule(&clinic, None)),
        Which::Chair(chair) => {
            let chair = repo::chairs::get(conn, clinic_id, chair).map_err(|_| not_found())?;
            Ok(schedule(&clinic, Some(&chair)))
        }
    }
}

/// `GET /fhir/r4/Schedule/{id}` (`chair-<id>` or `clinic-<id>`).
pub async fn read(
    reader: FhirReader,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, FhirError> {
    let clinic = reader.clinic_id;
    let id = path.into_inner();
    let resource = read_db(&state, move |conn| schedule_of(conn, clinic, &id)).await?;
    Ok(fhir_ok(&resource))
}

/// `GET /fhir/r4/Schedule?actor=`: the clinic's and each chair's, or the
/// one whose actor is named.
pub async fn search(
    reader: FhirReader,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, FhirError> {
    let params = Params::parse(req.query_string(), &["actor"])?;
    let actor = params.one("actor")?.map(str::to_string);
    let clinic = reader.clinic_id;
    let found = read_db(&state, move |conn| {
        if let Some(actor) = actor {
            let id = actor.strip_prefix("Location/").unwrap_or(&actor);
            return Ok(schedule_of(conn, clinic, id)
                .map(|s| vec![s])
                .unwrap_or_default());
        }
        let row = repo::clinics::get(conn, clinic)?;
        let chairs = repo::chairs::list(conn, clinic)?;
        Ok(std::iter::once(schedule(&row, None))
            .chain(chairs.iter().map(|c| schedule(&row, Some(c))))
            .collect())
    })
    .await?;
    Ok(fhir_ok(&bundle(&req, found, None)))
}

/// `GET /fhir/r4/Slot?schedule=Schedule/chair-<id>&start=ge…&start=lt…`
/// (`status=free|busy` optional): the chair's open time in the range as
/// free and busy slots. The range is required and at most 62 days.
pub async fn slots(
    reader: FhirReader,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, FhirError> {
    let params = Params::parse(req.query_string(), &["schedule", "start", "status"])?;
    let schedule_id = params
        .one("schedule")?
        .ok_or_else(|| FhirError::invalid("schedule", "required: Schedule/chair-<id>"))?;
    let schedule_id = schedule_id
        .strip_prefix("Schedule/")
        .unwrap_or(schedule_id)
        .to_string();
    let chair = schedule_id
        .strip_prefix("chair-")
        .and_then(|c| c.parse::<i64>().ok())
        .ok_or_else(|| {
            FhirError::invalid("schedule", "slots are a chair's: Schedule/chair-<id>")
        })?;
    let wanted = match params.one("status")? {
        None => None,
        Some("free") => Some(true),
        Some("busy") => Some(false),
        Some(other) => {
            return Err(FhirError::invalid(
                "status",
                format!("{other:?}: free or busy"),
            ))
        }
    };
    let clinic = reader.clinic_id;
    let now = state.clock.now();
    let found = read_db(&state, move |conn| {
        let row = repo::clinics::get(conn, clinic)?;
        repo::chairs::get(conn, clinic, chair)
            .map_err(|_| ApiError::NotFound(format!("Schedule/{schedule_id} not found")))?;
        let window = window(&params, &row).map_err(|e| e.0)?;
        let book = repo::calendar::snapshot(conn, clinic, window.start, window.end)?;
        let (calendar, occupancy) = (book.calendar(), book.occupancy_without(None, now));
        let spans = Planner::new(&calendar, &occupancy)?.free_busy(ChairId(chair), window);
        Ok(spans
            .into_iter()
            .filter(|s| wanted.is_none_or(|free| s.free == free))
            .map(|s| slot(&schedule_id, s.interval.start, s.interval.end, s.free))
            .collect())
    })
    .await?;
    Ok(fhir_ok(&bundle(&req, found, None)))
}

/// The `start` range a slot search covers: both ends, at most 62 days.
fn window(params: &Params, clinic: &m::Clinic) -> Result<Interval, FhirError> {
    let (from, to) = params.range("start", clinic.time_zone)?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(FhirError::invalid(
            "start",
            "give the range: start=ge<date>&start=lt<date>",
        ));
    };
    if (to - from).num_days() > MAX_AVAILABILITY_DAYS {
        return Err(FhirError::invalid(
            "start",
            format!("at most {MAX_AVAILABILITY_DAYS} days per search"),
        ));
    }
    Interval::non_empty(from, to)
        .ok_or_else(|| FhirError::invalid("start", "the range ends before it starts"))
}
