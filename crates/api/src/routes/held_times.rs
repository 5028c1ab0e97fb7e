//! A time held for one session's move while the patient decides: held,
//! looked at, confirmed (the session moves there) or let go.

use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::dto::backfill::{HeldTimeView, HoldTime};
use crate::dto::session::SessionChange;
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::creation::Creation;
use crate::routes::sessions::SessionPath;
use crate::routes::{read, write_in_turn, write_replanning};
use crate::service::held_times as service;
use crate::service::when::target;
use crate::state::AppState;

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(hold_session_time)
        .service(held_session_time)
        .service(confirm_session_time)
        .service(release_session_time);
}

/// Holds a new time for a session for 1 to 30 minutes while the patient
/// decides: judged as the reschedule would be (the course's rules, no
/// override), then held — the chair and the patient are taken for anyone
/// else, the session stays where it is (`session.time_held`). Confirm to
/// move it there; let go, or let it run out, to free it.
#[utoipa::path(tag = "sessions", params(SessionPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = HoldTime,
    responses((status = 201, body = HeldTimeView),
        (status = 409, description = answers(&[ProblemKind::AlreadyHeld, ProblemKind::StatusTransition, ProblemKind::CourseStatus, ProblemKind::ChairTaken, ProblemKind::PatientDoubleBooked, ProblemKind::Contention]), body = Problem, content_type = "application/problem+json"),
        (status = 422, description = answers(&[ProblemKind::RuleViolations, ProblemKind::Infeasible]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/sessions/{session_id}/hold")]
pub async fn hold_session_time(
    create: Creation<SessionPath, HoldTime>,
) -> Result<HttpResponse, ApiError> {
    let path = create.path;
    let now = create.now();
    create
        .run(Some(path.clinic_id), move |conn, caller, _, body| {
            let zone = chairside_store::repo::clinics::get(conn, path.clinic_id)?.time_zone;
            let to = target(
                zone,
                body.to.as_ref(),
                body.chair_id,
                body.next_best.as_ref(),
            )?;
            service::hold_move(
                conn,
                caller,
                path.clinic_id,
                path.session_id,
                to,
                body.minutes,
                now,
            )
        })
        .await
}

/// The time held for a session, while it is held.
#[utoipa::path(tag = "sessions", params(SessionPath),
    responses((status = 200, body = HeldTimeView)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/sessions/{session_id}/hold")]
pub async fn held_session_time(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let held = read(&state, move |conn| {
        service::held_for(conn, path.clinic_id, path.session_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(held))
}

/// The patient takes the held time: the session moves there (judged
/// again by the course's rules; `session.rescheduled`). After
/// `held_until` it is refused (409): the time may be someone else's.
#[utoipa::path(tag = "sessions", params(SessionPath, ("If-Match" = String, Header, description = "The session's ETag")),
    responses((status = 200, body = SessionChange),
        (status = 409, description = answers(&[ProblemKind::StatusTransition, ProblemKind::CourseStatus, ProblemKind::ChairTaken, ProblemKind::Contention]), body = Problem, content_type = "application/problem+json"),
        (status = 422, description = answers(&[ProblemKind::RuleViolations]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/sessions/{session_id}/hold/confirm")]
pub async fn confirm_session_time(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let now = state.clock.now();
    let change = write_replanning(&state, path.clinic_id, move |conn| {
        service::confirm_move(
            conn,
            &caller,
            path.clinic_id,
            path.session_id,
            &if_match,
            now,
        )
    })
    .await?;
    let etag = crate::etag::etag_of(&change.session);
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag))
        .json(change))
}

/// Lets the held time go (`session.hold_released`); the session stays
/// where it is.
#[utoipa::path(tag = "sessions", params(SessionPath),
    responses((status = 204)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/sessions/{session_id}/hold/release")]
pub async fn release_session_time(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    write_in_turn(&state, path.clinic_id, move |conn| {
        service::release_move(conn, &caller, path.clinic_id, path.session_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
