//! Courses: preview, book, read, add a session.

use actix_web::{get, post};
use actix_web::{web, HttpResponse};
use chairside_engine::course::CourseStatus;
use chairside_store::repo::courses::CourseFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::common::Page;
use crate::dto::course::{AddSession, CoursePlan, CourseView, PlanCourse};
use crate::dto::session::SessionView;
use crate::error::ApiError;
use crate::etag::ok_with_etag;
use crate::pagination::{encode, PageParams};
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::creation::Creation;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{query::Query, read as reading, ClinicPath};
use crate::service::course::{self as service, read};
use crate::service::timeline::CourseTimeline;
use crate::state::AppState;

/// The ids that name a course in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CoursePath {
    pub clinic_id: i64,
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

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(preview_course)
        .service(book_course)
        .service(list_courses)
        .service(get_course)
        .service(course_timeline)
        .service(add_session);
}

/// The plan the engine would book for a patient, protocol and earliest date;
/// nothing is booked.
#[utoipa::path(tag = "courses", params(ClinicPath),
    request_body = PlanCourse,
    responses((status = 200, body = CoursePlan),
        (status = 409, description = answers(&[ProblemKind::OneRunningCourse]), body = Problem, content_type = "application/problem+json"),
        (status = 422, description = answers(&[ProblemKind::Infeasible, ProblemKind::GateNotPassed]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/courses/preview")]
pub async fn preview_course(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    body: Body<PlanCourse>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let now = state.clock.now();
    let plan = reading(&state, move |conn| {
        service::preview(conn, &caller, id, &body.0, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// Books the first phase of a course: every session in one atomic step.
/// When a concurrent booking takes a planned chair, the plan is made again.
#[utoipa::path(tag = "courses", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = PlanCourse,
    responses((status = 201, body = CourseView),
        (status = 409, description = answers(&[ProblemKind::OneRunningCourse, ProblemKind::ChairTaken, ProblemKind::PatientDoubleBooked, ProblemKind::Contention]), body = Problem, content_type = "application/problem+json"),
        (status = 422, description = answers(&[ProblemKind::Infeasible, ProblemKind::GateNotPassed]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/courses")]
pub async fn book_course(
    create: Creation<ClinicPath, PlanCourse>,
) -> Result<HttpResponse, ApiError> {
    let clinic = create.path.clinic_id;
    let now = create.now();
    create
        .run(Some(clinic), move |conn, caller, _, body| {
            service::book(conn, caller, clinic, body, now)
        })
        .await
}

/// Lists courses.
#[utoipa::path(tag = "courses", params(ClinicPath, CourseQuery, PageParams),
    responses((status = 200, body = Page<CourseView>)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/courses")]
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
        status: query.status,
    };
    let (items, next) = reading(&state, move |conn| {
        read::courses(conn, id, &filter, request)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: next.map(encode),
    }))
}

/// Reads a course with its sessions.
#[utoipa::path(tag = "courses", params(CoursePath),
    responses((status = 200, body = CourseView)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/courses/{course_id}")]
pub async fn get_course(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let view = reading(&state, move |conn| {
        read::course(conn, path.clinic_id, path.course_id)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// A course across weeks, for a picture of it: doses by day, phase bands,
/// the series' windows (where each dose may fall by the rules, and whether
/// it does — what makes a course at risk visible), the patient's scores
/// with baseline, response and remission lines, and the booster spacing
/// changes.
#[utoipa::path(tag = "courses", params(CoursePath),
    responses((status = 200, body = CourseTimeline)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/courses/{course_id}/timeline")]
pub async fn course_timeline(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let now = state.clock.now();
    let view = reading(&state, move |conn| {
        crate::service::timeline::timeline(conn, path.clinic_id, path.course_id, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Adds one session to the course's current phase at a chosen time, judged
/// by the engine: a series holding all its doses takes no more; a protocol
/// rule may be broken only by a clinician key with `override_reason`; a
/// taken chair is 409.
#[utoipa::path(tag = "courses", params(CoursePath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = AddSession,
    responses((status = 201, body = SessionView),
        (status = 409, description = answers(&[ProblemKind::CourseStatus, ProblemKind::ChairTaken, ProblemKind::PatientDoubleBooked, ProblemKind::Contention]), body = Problem, content_type = "application/problem+json"),
        (status = 422, description = answers(&[ProblemKind::RuleViolations, ProblemKind::Infeasible]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/courses/{course_id}/sessions")]
pub async fn add_session(
    create: Creation<CoursePath, AddSession>,
) -> Result<HttpResponse, ApiError> {
    let path = create.path;
    let now = create.now();
    create
        .run(Some(path.clinic_id), move |conn, caller, path, body| {
            service::add_session(conn, caller, path.clinic_id, path.course_id, body, now)
        })
        .await
}
