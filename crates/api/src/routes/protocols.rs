//! Protocols: presets and the clinic's own.

use actix_web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::dto::protocol::{CreateProtocol, ProtocolView};
use crate::error::ApiError;
use crate::etag::ok_with_etag;
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::creation::Creation;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{read, ClinicPath};
use crate::service::protocols as service;
use crate::state::AppState;

/// The ids that name a protocol in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProtocolPath {
    pub clinic_id: i64,
    pub protocol_id: i64,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_protocols)
        .service(get_protocol)
        .service(create_protocol);
}

/// Lists the clinic's protocols (the presets and its own), each at its latest revision.
#[utoipa::path(tag = "protocols", params(ClinicPath),
    responses((status = 200, body = Vec<ProtocolView>)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/protocols")]
pub async fn list_protocols(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let list = read(&state, move |conn| service::list(conn, id)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Reads a protocol.
#[utoipa::path(tag = "protocols", params(ProtocolPath),
    responses((status = 200, body = ProtocolView)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/protocols/{protocol_id}")]
pub async fn get_protocol(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ProtocolPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let view = read(&state, move |conn| {
        service::get(conn, path.clinic_id, path.protocol_id)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Creates a custom protocol; nonsense (min gap > max gap, zero sessions,
/// negative minutes) is refused with the field named.
#[utoipa::path(tag = "protocols", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateProtocol,
    responses((status = 201, body = ProtocolView),
        (status = 409, description = answers(&[ProblemKind::DuplicateProtocolCode]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician"])))]
#[post("/clinics/{clinic_id}/protocols")]
pub async fn create_protocol(
    create: Creation<ClinicPath, CreateProtocol>,
) -> Result<HttpResponse, ApiError> {
    let clinic = create.path.clinic_id;
    create
        .run(Some(clinic), move |conn, caller, _, body| {
            service::create(conn, caller, clinic, body)
        })
        .await
}
