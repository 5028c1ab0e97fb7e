//! Closures of a clinic and blocks of one chair.

use actix_web::{delete, get, post};
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::dto::clinic::{ClosureView, CreateClosure};
use crate::dto::common::Page;
use crate::error::ApiError;
use crate::pagination::PageParams;
use crate::routes::creation::Creation;
use crate::routes::{query::Query, read, write, ClinicPath};
use crate::service::closures::{self as service, ClosureFilter};
use crate::state::AppState;

/// The ids that name a closure in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClosurePath {
    pub clinic_id: i64,
    pub closure_id: i64,
}

/// Which closures to list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ClosureQuery {
    /// Only closures touching this clinic-local date or a later one.
    pub from: Option<NaiveDate>,
    /// Only closures touching this clinic-local date or an earlier one.
    pub to: Option<NaiveDate>,
    /// Only closures that take this chair: its blocks and the clinic's own.
    pub chair_id: Option<i64>,
    /// Items per page, 1..=200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_closures)
        .service(add_closure)
        .service(remove_closure);
}

/// Lists closures and chair blocks a page at a time, by id; filtered by the
/// local dates they touch and the chair they take.
#[utoipa::path(tag = "clinics", params(ClinicPath, ClosureQuery),
    responses((status = 200, body = Page<ClosureView>)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/closures")]
pub async fn list_closures(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<ClosureQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let q = query.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .to_request()?;
    let filter = ClosureFilter {
        from: q.from,
        to: q.to,
        chair_id: q.chair_id,
    };
    let closures = read(&state, move |conn| service::list(conn, id, filter, page)).await?;
    Ok(HttpResponse::Ok().json(closures))
}

/// Closes the clinic, or blocks one chair: whole local days, a local range,
/// or UTC instants.
#[utoipa::path(tag = "clinics", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateClosure,
    responses((status = 201, body = ClosureView)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/closures")]
pub async fn add_closure(
    create: Creation<ClinicPath, CreateClosure>,
) -> Result<HttpResponse, ApiError> {
    let clinic = create.path.clinic_id;
    create
        .run(Some(clinic), move |conn, caller, _, body| {
            service::add_closure(conn, caller, clinic, body)
        })
        .await
}

/// Removes a closure.
#[utoipa::path(tag = "clinics", params(ClosurePath),
    responses((status = 204)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[delete("/clinics/{clinic_id}/closures/{closure_id}")]
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
