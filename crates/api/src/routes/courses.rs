//! Courses: preview, book, read, add a session.

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_store::models::CourseStatus as StoreCourseStatus;
use chairside_store::repo::courses::CourseFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::common::Page;
use crate::dto::course::{AddSession, CoursePlan, CourseStatus, CourseView, PlanCourse};
use crate::dto::session::SessionView;
use crate::error::ApiError;
use crate::etag::ok_with_etag;
use crate::idempotency::IdempotencyKey;
use crate::pagination::{encode, PageParams};
use crate::problem::Problem;
use crate::routes::{created, query::Query, read, resource, ClinicPath};
use crate::service::{courses as service, sessions};
use crate::state::AppState;

/// `/v1/clinics/{clinic_id}/courses/{course_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CoursePath {
    /// The clinic.
    pub clinic_id: i64,
    /// The course.
    pub course_id: i64,
}

/// Course filters.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseQuery {
    /// Only this patient's courses.
    pub patient_id: Option<i64>,
    /// Only courses in this status.
    pub status: Option<CourseStatus>,
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/clinics/{clinic_id}/courses/preview").route(web::post().to(preview_course)),
    )
    .service(
        resource("/clinics/{clinic_id}/courses")
            .route(web::post().to(book_course))
            .route(web::get().to(list_courses)),
    )
    .service(resource("/clinics/{clinic_id}/courses/{course_id}").route(web::get().to(get_course)))
    .service(
        resource("/clinics/{clinic_id}/courses/{course_id}/sessions")
            .route(web::post().to(add_session)),
    );
}

/// The plan the engine would book for a patient, protocol and earliest date;
/// nothing is booked.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses/preview", tag = "courses", params(ClinicPath),
    request_body = PlanCourse,
    responses((status = 200, body = CoursePlan),
        (status = 422, description = "Infeasible (names the rule and the earliest feasible date), a gate not passed, or invalid input", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn preview_course(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    body: Body<PlanCourse>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let plan = read(&state, move |conn| service::preview(conn, id, &body.0)).await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// Books the first phase of a course: every session in one atomic step.
/// When a concurrent booking takes a planned chair, the plan is made again.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses", tag = "courses", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = PlanCourse,
    responses((status = 201, body = CourseView),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Infeasible, a gate not passed, or invalid input", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn book_course(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ClinicPath>,
    key: IdempotencyKey,
    body: Body<PlanCourse>,
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
        move |conn, caller| service::book(conn, caller, id, &body.0),
    )
    .await
}

/// Lists courses.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/courses", tag = "courses", params(ClinicPath, CourseQuery, PageParams),
    responses((status = 200, body = Page<CourseView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn list_courses(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<CourseQuery>,
    page: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let request = page.to_request()?;
    let filter = CourseFilter {
        patient_id: query.patient_id,
        status: query.status.map(|s| match s {
            CourseStatus::Active => StoreCourseStatus::Active,
            CourseStatus::Paused => StoreCourseStatus::Paused,
            CourseStatus::Completed => StoreCourseStatus::Completed,
            CourseStatus::Ceased => StoreCourseStatus::Ceased,
        }),
    };
    let (items, next) = read(&state, move |conn| {
        service::list(conn, id, &filter, request)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: next.map(encode),
    }))
}

/// Reads a course with its sessions.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/courses/{course_id}", tag = "courses", params(CoursePath),
    responses((status = 200, body = CourseView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn get_course(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let view = read(&state, move |conn| {
        service::get(conn, path.clinic_id, path.course_id)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Adds one session at a chosen time, validated by the engine. A protocol
/// rule may be broken only by a clinician key with `override_reason`; a taken
/// chair is 409.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses/{course_id}/sessions", tag = "courses", params(CoursePath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = AddSession,
    responses((status = 201, body = SessionView), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn add_session(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CoursePath>,
    key: IdempotencyKey,
    body: Body<AddSession>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let raw = body.1.clone();
    created(
        &state,
        &req,
        caller,
        key,
        Some(path.clinic_id),
        &raw,
        move |conn, caller| sessions::add(conn, caller, path.clinic_id, path.course_id, &body.0),
    )
    .await
}
