//! A course held for a patient portal: confirmed, or let go.

use actix_web::{post, web, HttpResponse};
use chairside_engine::course::Action;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::dto::course::CourseView;
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::course_decisions::decide;
use crate::routes::courses::CoursePath;
use crate::state::AppState;

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(confirm_hold).service(release_hold);
}

/// Confirms a held course: it is booked, and its sessions are announced
/// (`course.booked`, `session.booked`). After `held_until` it is refused
/// (409): its chairs were free again; plan anew.
#[utoipa::path(tag = "courses", params(CoursePath, ("If-Match" = String, Header, description = "The course's ETag")),
    responses((status = 200, body = CourseView),
        (status = 409, description = answers(&[ProblemKind::StatusTransition, ProblemKind::Contention]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/courses/{course_id}/confirm")]
pub async fn confirm_hold(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let acted = decide(caller, &state, *path, if_match, Action::ConfirmHold).await?;
    Ok(ok_with_etag(&acted.course_view()))
}

/// Lets a held course go (the patient said no): its sessions free their
/// chairs and the course ends (`course.hold_released`). A hold that runs
/// out is let go by Chairside itself.
#[utoipa::path(tag = "courses", params(CoursePath, ("If-Match" = String, Header, description = "The course's ETag")),
    responses((status = 200, body = CourseView),
        (status = 409, description = answers(&[ProblemKind::StatusTransition, ProblemKind::Contention]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/courses/{course_id}/release")]
pub async fn release_hold(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let release = Action::ReleaseHold { expired: false };
    let acted = decide(caller, &state, *path, if_match, release).await?;
    Ok(ok_with_etag(&acted.course_view()))
}
