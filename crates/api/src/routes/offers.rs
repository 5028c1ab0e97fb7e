//! Offers of freed chair time, and the waiting list they reach last.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::dto::backfill::{JoinWaitlist, OfferQuery, OfferView, WaitingView, WaitlistQuery};
use crate::dto::common::Page;
use crate::error::ApiError;
use crate::pagination::PageParams;
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::creation::Creation;
use crate::routes::{query::Query, read, write, write_in_turn, write_replanning, ClinicPath};
use crate::service::backfill::{self as service, answer, waitlist};
use crate::state::AppState;

/// The ids that name an offer in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OfferPath {
    pub clinic_id: i64,
    pub offer_id: i64,
}

/// The ids that name a waiting-list entry in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WaitingPath {
    pub clinic_id: i64,
    pub waiting_id: i64,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_offers)
        .service(get_offer)
        .service(accept_offer)
        .service(decline_offer)
        .service(join_waitlist)
        .service(list_waitlist)
        .service(withdraw_from_waitlist);
}

/// Offers of freed chair time, by id, a page at a time. Backfill is on
/// when `settings.backfill_offer_minutes` is set: time freed by a
/// cancellation, a no-show, a move or an early discharge is offered to an
/// at-risk course it saves, else the course whose next session gains most
/// by moving earlier, else the patient waiting longest (`slot.offered`).
#[utoipa::path(tag = "backfill", params(ClinicPath, OfferQuery),
    responses((status = 200, body = Page<OfferView>)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/offers")]
pub async fn list_offers(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<OfferQuery>,
) -> Result<HttpResponse, ApiError> {
    let clinic = path.clinic_id;
    let q = query.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .to_request()?;
    let offers = read(&state, move |conn| {
        service::list(conn, clinic, q.status, page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(offers))
}

/// One offer.
#[utoipa::path(tag = "backfill", params(OfferPath),
    responses((status = 200, body = OfferView)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/offers/{offer_id}")]
pub async fn get_offer(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<OfferPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let offer = read(&state, move |conn| {
        service::get(conn, path.clinic_id, path.offer_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(offer))
}

/// Accepts an open offer in one call: the session moves there (`earlier`),
/// the at-risk course books its dose there and is no longer at risk
/// (`rescue`), or the waiting patient's held course is booked
/// (`first_course`) — judged again by the course's rules.
#[utoipa::path(tag = "backfill", params(OfferPath),
    responses((status = 200, body = OfferView),
        (status = 409, description = answers(&[ProblemKind::OfferClosed, ProblemKind::StatusTransition, ProblemKind::CourseStatus, ProblemKind::DoesNotSave, ProblemKind::ChairTaken, ProblemKind::Contention]), body = Problem, content_type = "application/problem+json"),
        (status = 422, description = answers(&[ProblemKind::RuleViolations]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[post("/clinics/{clinic_id}/offers/{offer_id}/accept")]
pub async fn accept_offer(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<OfferPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let now = state.clock.now();
    let offer = write_replanning(&state, path.clinic_id, move |conn| {
        answer::accept(conn, &caller, path.clinic_id, path.offer_id, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(offer))
}

/// Declines an open offer: its hold is let go and the time goes to the
/// next in line.
#[utoipa::path(tag = "backfill", params(OfferPath),
    responses((status = 200, body = OfferView),
        (status = 409, description = answers(&[ProblemKind::OfferClosed]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[post("/clinics/{clinic_id}/offers/{offer_id}/decline")]
pub async fn decline_offer(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<OfferPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let now = state.clock.now();
    let offer = write_in_turn(&state, path.clinic_id, move |conn| {
        answer::decline(conn, &caller, path.clinic_id, path.offer_id, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(offer))
}

/// Puts a patient on the waiting list for a first course of a protocol
/// (once while waiting): freed chair time reaches them after at-risk
/// courses and earlier moves, longest waiting first, planned with the
/// patient's own preferences.
#[utoipa::path(tag = "backfill", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = JoinWaitlist,
    responses((status = 201, body = WaitingView),
        (status = 409, description = answers(&[ProblemKind::Duplicate]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/waitlist")]
pub async fn join_waitlist(
    create: Creation<ClinicPath, JoinWaitlist>,
) -> Result<HttpResponse, ApiError> {
    let clinic = create.path.clinic_id;
    let now = create.now();
    create
        .run(Some(clinic), move |conn, caller, _, body| {
            waitlist::join(conn, caller, clinic, body, now)
        })
        .await
}

/// The waiting list, by id, a page at a time.
#[utoipa::path(tag = "backfill", params(ClinicPath, WaitlistQuery),
    responses((status = 200, body = Page<WaitingView>)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/waitlist")]
pub async fn list_waitlist(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<WaitlistQuery>,
) -> Result<HttpResponse, ApiError> {
    let clinic = path.clinic_id;
    let q = query.into_inner();
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .to_request()?;
    let list = read(&state, move |conn| {
        waitlist::list(conn, clinic, q.status, page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Takes a waiting patient off the list.
#[utoipa::path(tag = "backfill", params(WaitingPath),
    responses((status = 200, body = WaitingView),
        (status = 409, description = answers(&[ProblemKind::OfferClosed]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/waitlist/{waiting_id}/withdraw")]
pub async fn withdraw_from_waitlist(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<WaitingPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let entry = write(&state, move |conn| {
        waitlist::withdraw(conn, &caller, path.clinic_id, path.waiting_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(entry))
}
