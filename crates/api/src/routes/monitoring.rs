//! What actually happened at a session: times, blood pressure, observations.

use actix_web::{get, patch};
use actix_web::{web, HttpResponse};
use chairside_engine::monitoring::MonitoringChange;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::monitoring::{MonitoringView, OverrunView};
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::sessions::SessionPath;
use crate::routes::{read, write_in_turn, ClinicPath};
use crate::service::monitoring as service;
use crate::service::overruns;
use crate::state::AppState;

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_monitoring)
        .service(record_monitoring)
        .service(list_overruns);
}

/// The sessions running over now — a late arrival, a late dose, a patient
/// still monitored past the booked end — with how long each holds its
/// chair and the bookings on that chair it reaches. Each such booking comes
/// with the best fix the course's rules allow now (the same start on
/// another free, covered chair; else the earliest later start that day;
/// else the next best day), as the reschedule request that applies it.
#[utoipa::path(tag = "monitoring", params(ClinicPath),
    responses((status = 200, body = Vec<OverrunView>)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/overruns")]
pub async fn list_overruns(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
) -> Result<HttpResponse, ApiError> {
    let clinic_id = path.clinic_id;
    let now = state.clock.now();
    let role = caller.role;
    let view = read(&state, move |conn| {
        overruns::list(conn, clinic_id, role, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// What was recorded at a session, the earliest discharge the rules allow,
/// and warnings (a blood pressure above the clinic's limit). Health
/// information: it is never copied into events, logs or feeds.
#[utoipa::path(tag = "monitoring", params(SessionPath),
    responses((status = 200, body = MonitoringView)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/sessions/{session_id}/monitoring")]
pub async fn get_monitoring(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let view = read(&state, move |conn| {
        service::get(conn, p.clinic_id, p.session_id)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Records what happened while the patient is checked in: arrival, first
/// device or infusion start, dose end, the dose and lot, blood pressure at
/// the label's points (a reading replaces the one at its point),
/// observations, who monitored. A dose starts only after the pre-dose blood
/// pressure; above the clinic's limit only with a clinician's
/// `dosed_despite_blood_pressure` — otherwise the answer warns and names
/// the *not dosed* path. Discharge is recorded by completing the session.
#[utoipa::path(tag = "monitoring", params(SessionPath, ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = MonitoringChange,
    responses((status = 200, body = MonitoringView),
        (status = 409, description = answers(&[ProblemKind::StatusTransition, ProblemKind::BloodPressure]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[patch("/clinics/{clinic_id}/sessions/{session_id}/monitoring")]
pub async fn record_monitoring(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: Body<MonitoringChange>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let now = state.clock.now();
    let view = write_in_turn(&state, p.clinic_id, move |conn| {
        service::record(
            conn,
            &caller,
            (p.clinic_id, p.session_id),
            &if_match,
            &body.0,
            now,
        )
    })
    .await?;
    Ok(ok_with_etag(&view))
}
