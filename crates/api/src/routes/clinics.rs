//! Clinics, chairs, closures.

use actix_web::{get, patch, post};
use actix_web::{web, HttpResponse};
use chairside_store::repo;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::clinic::{ChairView, ClinicView, CreateChair, CreateClinic, UpdateClinic};
use crate::dto::common::Page;
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::pagination::{encode, PageParams};
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::creation::Creation;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{query::Query, read, write, ClinicPath};
use crate::service::clinics as service;
use crate::state::AppState;
use crate::views;

/// The ids that name a chair in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ChairPath {
    pub clinic_id: i64,
    pub chair_id: i64,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_clinics)
        .service(create_clinic)
        .service(get_clinic)
        .service(update_clinic)
        .service(list_chairs)
        .service(add_chair)
        .service(deactivate_chair)
        .service(activate_chair);
}

/// Lists the clinics the key may see.
#[utoipa::path(tag = "clinics", params(PageParams),
    responses((status = 200, body = Page<ClinicView>)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics")]
pub async fn list_clinics(
    caller: Caller,
    state: web::Data<AppState>,
    page: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let request = page.to_request()?;
    let page = read(&state, move |conn| {
        if let Some(scope) = caller.clinic_scope {
            let clinic = repo::clinics::get(conn, scope)?;
            return Ok(Page {
                items: vec![views::clinic(&clinic)],
                next_cursor: None,
            });
        }
        let rows = repo::clinics::list(conn, request)?;
        Ok(Page {
            items: rows.items.iter().map(views::clinic).collect(),
            next_cursor: rows.next_after_id.map(encode),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Creates a clinic (with the preset protocols).
#[utoipa::path(tag = "clinics", request_body = CreateClinic,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ClinicView)),
    security(("api_key" = ["admin"])))]
#[post("/clinics")]
pub async fn create_clinic(create: Creation<(), CreateClinic>) -> Result<HttpResponse, ApiError> {
    create
        .run(None, |conn, caller, _, body| {
            service::create(conn, caller, body)
        })
        .await
}

/// Reads a clinic.
#[utoipa::path(tag = "clinics", params(ClinicPath),
    responses((status = 200, body = ClinicView)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}")]
pub async fn get_clinic(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let view = read(&state, move |conn| {
        Ok(views::clinic(&repo::clinics::get(conn, id)?))
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Changes a clinic's name, zone, hours or settings.
#[utoipa::path(tag = "clinics", params(ClinicPath, ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = UpdateClinic,
    responses((status = 200, body = ClinicView),
        (status = 409, description = answers(&[ProblemKind::ShiftChangeUncovers]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin"])))]
#[patch("/clinics/{clinic_id}")]
pub async fn update_clinic(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    if_match: IfMatch,
    body: Body<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let now = state.clock.now();
    let view = write(&state, move |conn| {
        service::update(conn, &caller, id, &if_match, &body.0, now)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Lists a clinic's chairs in their stable order.
#[utoipa::path(tag = "clinics", params(ClinicPath),
    responses((status = 200, body = Vec<ChairView>)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/chairs")]
pub async fn list_chairs(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let chairs = read(&state, move |conn| {
        repo::clinics::get(conn, id)?;
        Ok(repo::chairs::list(conn, id)?
            .iter()
            .map(views::chair)
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(chairs))
}

/// Adds a chair.
#[utoipa::path(tag = "clinics", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateChair,
    responses((status = 201, body = ChairView),
        (status = 409, description = answers(&[ProblemKind::DuplicateChairLabel]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin"])))]
#[post("/clinics/{clinic_id}/chairs")]
pub async fn add_chair(
    create: Creation<ClinicPath, CreateChair>,
) -> Result<HttpResponse, ApiError> {
    let clinic = create.path.clinic_id;
    create
        .run(Some(clinic), move |conn, caller, _, body| {
            service::add_chair(conn, caller, clinic, body)
        })
        .await
}

async fn set_chair_active(
    caller: Caller,
    state: web::Data<AppState>,
    path: ChairPath,
    if_match: IfMatch,
    active: bool,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let view = write(&state, move |conn| {
        let chair = repo::chairs::get(conn, path.clinic_id, path.chair_id)?;
        if_match.check(&views::chair(&chair))?;
        service::set_chair_active(conn, &caller, path.clinic_id, path.chair_id, active, now)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Takes a chair out of service; refused (409) while it holds future sessions.
#[utoipa::path(tag = "clinics", params(ChairPath, ("If-Match" = String, Header, description = "The chair's ETag")),
    responses((status = 200, body = ChairView), (status = 409, description = answers(&[ProblemKind::ChairHasSessions]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin"])))]
#[post("/clinics/{clinic_id}/chairs/{chair_id}/deactivate")]
pub async fn deactivate_chair(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ChairPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    set_chair_active(caller, state, *path, if_match, false).await
}

/// Puts a chair back in service.
#[utoipa::path(tag = "clinics", params(ChairPath, ("If-Match" = String, Header, description = "The chair's ETag")),
    responses((status = 200, body = ChairView)),
    security(("api_key" = ["admin"])))]
#[post("/clinics/{clinic_id}/chairs/{chair_id}/activate")]
pub async fn activate_chair(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ChairPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    set_chair_active(caller, state, *path, if_match, true).await
}
