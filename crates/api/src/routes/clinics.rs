//! Clinics, chairs, closures.

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_store::repo;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::clinic::{
    ChairView, ClinicView, ClosureView, CreateChair, CreateClinic, CreateClosure, UpdateClinic,
};
use crate::dto::common::Page;
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::idempotency::IdempotencyKey;
use crate::pagination::{encode, PageParams};
use crate::problem::Problem;
use crate::routes::{created, query::Query, read, resource, write, ClinicPath};
use crate::service::clinics as service;
use crate::state::AppState;
use crate::views;

/// `/v1/clinics/{clinic_id}/chairs/{chair_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ChairPath {
    /// The clinic.
    pub clinic_id: i64,
    /// The chair.
    pub chair_id: i64,
}

/// `/v1/clinics/{clinic_id}/closures/{closure_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClosurePath {
    /// The clinic.
    pub clinic_id: i64,
    /// The closure.
    pub closure_id: i64,
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/clinics")
            .route(web::get().to(list_clinics))
            .route(web::post().to(create_clinic)),
    )
    .service(
        resource("/clinics/{clinic_id}")
            .route(web::get().to(get_clinic))
            .route(web::patch().to(update_clinic)),
    )
    .service(
        resource("/clinics/{clinic_id}/chairs")
            .route(web::get().to(list_chairs))
            .route(web::post().to(add_chair)),
    )
    .service(
        resource("/clinics/{clinic_id}/chairs/{chair_id}/deactivate")
            .route(web::post().to(deactivate_chair)),
    )
    .service(
        resource("/clinics/{clinic_id}/chairs/{chair_id}/activate")
            .route(web::post().to(activate_chair)),
    )
    .service(
        resource("/clinics/{clinic_id}/closures")
            .route(web::get().to(list_closures))
            .route(web::post().to(add_closure)),
    )
    .service(
        resource("/clinics/{clinic_id}/closures/{closure_id}")
            .route(web::delete().to(remove_closure)),
    );
}

/// Lists the clinics the key may see.
#[utoipa::path(get, path = "/v1/clinics", tag = "clinics", params(PageParams),
    responses((status = 200, body = Page<ClinicView>), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
#[utoipa::path(post, path = "/v1/clinics", tag = "clinics", request_body = CreateClinic,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses((status = 201, body = ClinicView), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn create_clinic(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    key: IdempotencyKey,
    body: Body<CreateClinic>,
) -> Result<HttpResponse, ApiError> {
    let raw = body.1.clone();
    created(
        &state,
        &req,
        caller,
        key,
        None,
        &raw,
        move |conn, caller| service::create(conn, caller, &body.0),
    )
    .await
}

/// Reads a clinic.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}", tag = "clinics", params(ClinicPath),
    responses((status = 200, body = ClinicView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
#[utoipa::path(patch, path = "/v1/clinics/{clinic_id}", tag = "clinics", params(ClinicPath, ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = UpdateClinic,
    responses((status = 200, body = ClinicView), (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn update_clinic(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    if_match: IfMatch,
    body: Body<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let view = write(&state, move |conn| {
        service::update(conn, &caller, id, &if_match, &body.0)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Lists a clinic's chairs in their stable order.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/chairs", tag = "clinics", params(ClinicPath),
    responses((status = 200, body = Vec<ChairView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/chairs", tag = "clinics", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateChair,
    responses((status = 201, body = ChairView), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A chair of the clinic has this label, or the same Idempotency-Key is still running", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn add_chair(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ClinicPath>,
    key: IdempotencyKey,
    body: Body<CreateChair>,
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
        move |conn, caller| service::add_chair(conn, caller, id, &body.0),
    )
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
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/chairs/{chair_id}/deactivate", tag = "clinics", params(ChairPath, ("If-Match" = String, Header, description = "The chair's ETag")),
    responses((status = 200, body = ChairView), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn deactivate_chair(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ChairPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    set_chair_active(caller, state, *path, if_match, false).await
}

/// Puts a chair back in service.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/chairs/{chair_id}/activate", tag = "clinics", params(ChairPath, ("If-Match" = String, Header, description = "The chair's ETag")),
    responses((status = 200, body = ChairView), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn activate_chair(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ChairPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    set_chair_active(caller, state, *path, if_match, true).await
}

/// Lists closures and chair blocks.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/closures", tag = "clinics", params(ClinicPath),
    responses((status = 200, body = Vec<ClosureView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn list_closures(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let closures = read(&state, move |conn| {
        repo::clinics::get(conn, id)?;
        Ok(repo::closures::list(conn, id)?
            .iter()
            .map(views::closure)
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(closures))
}

/// Closes the clinic, or blocks one chair, for whole days or a local range.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/closures", tag = "clinics", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateClosure,
    responses((status = 201, body = ClosureView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn add_closure(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ClinicPath>,
    key: IdempotencyKey,
    body: Body<CreateClosure>,
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
        move |conn, caller| service::add_closure(conn, caller, id, &body.0),
    )
    .await
}

/// Removes a closure.
#[utoipa::path(delete, path = "/v1/clinics/{clinic_id}/closures/{closure_id}", tag = "clinics", params(ClosurePath),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn remove_closure(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClosurePath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    write(&state, move |conn| {
        service::remove_closure(conn, &caller, path.clinic_id, path.closure_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
