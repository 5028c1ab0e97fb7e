//! Protocols: presets and the clinic's own.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::protocol::{CreateProtocol, ProtocolView};
use crate::error::ApiError;
use crate::etag::ok_with_etag;
use crate::idempotency::IdempotencyKey;
use crate::problem::Problem;
use crate::routes::{created, read, resource, ClinicPath};
use crate::service::protocols as service;
use crate::state::AppState;

/// `/v1/clinics/{clinic_id}/protocols/{protocol_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProtocolPath {
    /// The clinic.
    pub clinic_id: i64,
    /// The protocol.
    pub protocol_id: i64,
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/clinics/{clinic_id}/protocols")
            .route(web::get().to(list_protocols))
            .route(web::post().to(create_protocol)),
    )
    .service(
        resource("/clinics/{clinic_id}/protocols/{protocol_id}").route(web::get().to(get_protocol)),
    );
}

/// Lists the clinic's protocols (the presets and its own), each at its latest revision.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/protocols", tag = "protocols", params(ClinicPath),
    responses((status = 200, body = Vec<ProtocolView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/protocols/{protocol_id}", tag = "protocols", params(ProtocolPath),
    responses((status = 200, body = ProtocolView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/protocols", tag = "protocols", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateProtocol,
    responses((status = 201, body = ProtocolView), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn create_protocol(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ClinicPath>,
    key: IdempotencyKey,
    body: Body<CreateProtocol>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let raw = body.1.clone();
    created(
        &state,
        &req,
        caller,
        key,
        Some(id),
        &raw,
        move |conn, caller| service::create(conn, caller, id, &body.0),
    )
    .await
}
