//! Staff members: who works the floor, in which roles, on which shifts.

use actix_web::{get, patch, post};
use actix_web::{web, HttpResponse};
use chairside_store::repo;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::staff::{CreateStaffMember, StaffReplanRequest, StaffReplanView, StaffView};
use crate::error::ApiError;
use crate::etag::{etag_of, ok_with_etag, IfMatch};
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::creation::Creation;
use crate::routes::{read, write, write_replanning, ClinicPath};
use crate::service::shift_change;
use crate::service::staff as service;
use crate::state::AppState;
use crate::views;

/// The ids that name a staff member in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct StaffPath {
    pub clinic_id: i64,
    pub staff_id: i64,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_staff)
        .service(add_staff_member)
        .service(get_staff_member)
        .service(update_staff_member)
        .service(replan_staff_change);
}

/// Lists the clinic's staff, active and inactive, by id.
#[utoipa::path(tag = "staff", params(ClinicPath),
    responses((status = 200, body = Vec<StaffView>)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/staff")]
pub async fn list_staff(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let staff = read(&state, move |conn| {
        repo::clinics::get(conn, id)?;
        Ok(repo::staff::list(conn, id)?
            .iter()
            .map(views::staff_member)
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(staff))
}

/// Adds a staff member with roles, weekly shifts and exceptions.
#[utoipa::path(tag = "staff", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateStaffMember,
    responses((status = 201, body = StaffView),
        (status = 409, description = answers(&[ProblemKind::DuplicateStaffLabel]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin"])))]
#[post("/clinics/{clinic_id}/staff")]
pub async fn add_staff_member(
    create: Creation<ClinicPath, CreateStaffMember>,
) -> Result<HttpResponse, ApiError> {
    let clinic = create.path.clinic_id;
    create
        .run(Some(clinic), move |conn, caller, _, body| {
            service::create(conn, caller, clinic, body)
        })
        .await
}

/// Reads a staff member.
#[utoipa::path(tag = "staff", params(StaffPath),
    responses((status = 200, body = StaffView)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/staff/{staff_id}")]
pub async fn get_staff_member(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<StaffPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let view = read(&state, move |conn| {
        Ok(views::staff_member(&repo::staff::get(
            conn,
            path.clinic_id,
            path.staff_id,
        )?))
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Changes a staff member's label, roles, shifts, exceptions or activity
/// (a JSON Merge Patch). Refused, listing them, while the change would
/// leave booked sessions without the staff they need; `POST …/replan`
/// makes such a change and moves those sessions.
#[utoipa::path(tag = "staff", params(StaffPath, ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = CreateStaffMember,
    responses((status = 200, body = StaffView),
        (status = 409, description = answers(&[ProblemKind::DuplicateStaffLabel, ProblemKind::ShiftChangeUncovers]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin"])))]
#[patch("/clinics/{clinic_id}/staff/{staff_id}")]
pub async fn update_staff_member(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<StaffPath>,
    if_match: IfMatch,
    body: Body<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let now = state.clock.now();
    let view = write(&state, move |conn| {
        service::update(
            conn,
            &caller,
            (path.clinic_id, path.staff_id),
            &if_match,
            &body.0,
            now,
        )
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Makes a change that leaves booked sessions uncovered and re-plans them:
/// each moves to its next best time under its course's rules with the new
/// roster. Without `confirm` it is a dry run: the answer says what would
/// move where and nothing is written; with `confirm: true` the change and
/// every move are made, all or nothing — a session that cannot be
/// re-planned refuses the whole change (409, listing it).
#[utoipa::path(tag = "staff", params(StaffPath, ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = StaffReplanRequest,
    responses((status = 200, body = StaffReplanView),
        (status = 409, description = answers(&[ProblemKind::DuplicateStaffLabel, ProblemKind::ShiftChangeUncovers, ProblemKind::ChairTaken, ProblemKind::Contention]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin"])))]
#[post("/clinics/{clinic_id}/staff/{staff_id}/replan")]
pub async fn replan_staff_change(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<StaffPath>,
    if_match: IfMatch,
    body: Body<StaffReplanRequest>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let now = state.clock.now();
    let view = write_replanning(&state, path.clinic_id, move |conn| {
        shift_change::replan(
            conn,
            &caller,
            (path.clinic_id, path.staff_id),
            &if_match,
            &body.0,
            now,
        )
    })
    .await?;
    let etag = etag_of(&view.staff);
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag))
        .json(view))
}
