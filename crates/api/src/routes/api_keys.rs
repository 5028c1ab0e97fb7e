//! API keys, managed by an admin of the clinic. The CLI makes the first
//! (operator) key; everything after that can go through here.

use actix_web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::api_key::{ApiKeyView, CreateApiKey, IssuedApiKey, RotateApiKey};
use crate::error::ApiError;
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::{read, write, ClinicPath};
use crate::service::api_keys as service;
use crate::state::AppState;

/// The ids that name an API key in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ApiKeyPath {
    pub clinic_id: i64,
    pub key_id: i64,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_api_keys)
        .service(create_api_key)
        .service(revoke_api_key)
        .service(rotate_api_key);
}

/// Lists the clinic's keys, live, revoked and expiring, without secrets.
#[utoipa::path(tag = "keys", params(ClinicPath),
    responses((status = 200, body = Vec<ApiKeyView>)),
    security(("api_key" = ["admin"])))]
#[get("/clinics/{clinic_id}/api-keys")]
pub async fn list_api_keys(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
) -> Result<HttpResponse, ApiError> {
    let clinic_id = path.clinic_id;
    let keys = read(&state, move |conn| service::list(conn, clinic_id)).await?;
    Ok(HttpResponse::Ok().json(keys))
}

/// Makes a key for the clinic (`admin`, `clinician`, `front_desk` or
/// `integration`). The answer holds its token, shown this once: only a hash
/// is kept. Not replayable under an `Idempotency-Key` for that reason: a
/// retry makes a second key, which an admin revokes.
#[utoipa::path(tag = "keys", params(ClinicPath),
    request_body = CreateApiKey,
    responses((status = 201, body = IssuedApiKey)),
    security(("api_key" = ["admin"])))]
#[post("/clinics/{clinic_id}/api-keys")]
pub async fn create_api_key(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    body: Body<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let clinic_id = path.clinic_id;
    let issued = write(&state, move |conn| {
        service::create(conn, &caller, clinic_id, &body.0)
    })
    .await?;
    Ok(HttpResponse::Created().json(issued))
}

/// Revokes a key: refused from the next request on, on every replica.
#[utoipa::path(tag = "keys", params(ApiKeyPath),
    responses((status = 200, body = ApiKeyView)),
    security(("api_key" = ["admin"])))]
#[post("/clinics/{clinic_id}/api-keys/{key_id}/revoke")]
pub async fn revoke_api_key(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ApiKeyPath>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let revoked = write(&state, move |conn| {
        service::revoke(conn, &caller, p.clinic_id, p.key_id)
    })
    .await?;
    state.keys.forget(p.key_id);
    Ok(HttpResponse::Ok().json(revoked))
}

/// Rotates a key: a new key (token shown once) with the same role and
/// label; the old one keeps working for `grace_minutes` (default 60), so
/// an integration switches without an outage, then is refused.
#[utoipa::path(tag = "keys", params(ApiKeyPath),
    request_body = RotateApiKey,
    responses((status = 201, body = IssuedApiKey),
        (status = 409, description = answers(&[ProblemKind::StatusTransition]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin"])))]
#[post("/clinics/{clinic_id}/api-keys/{key_id}/rotate")]
pub async fn rotate_api_key(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ApiKeyPath>,
    body: Body<RotateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let now = state.clock.now();
    let issued = write(&state, move |conn| {
        service::rotate(conn, &caller, (p.clinic_id, p.key_id), &body.0, now)
    })
    .await?;
    state.keys.forget(p.key_id);
    Ok(HttpResponse::Created().json(issued))
}
