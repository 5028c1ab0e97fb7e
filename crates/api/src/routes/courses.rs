//! Courses: preview, book, read, add a session.

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_engine::course::{Action, CourseEvent, CourseStatus, SessionRef};
use chairside_engine::ChairId;
use chairside_store::repo;
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
use crate::idempotency::IdempotencyKey;
use crate::pagination::{encode, PageParams};
use crate::problem::Problem;
use crate::routes::{created, query::Query, read as reading, resource, ClinicPath};
use crate::service::course::{self as service, read};
use crate::service::when::resolve_at;
use crate::state::AppState;
use crate::views;

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
        (status = 409, description = "The patient has a running course of this kind", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Infeasible (names the rule and the earliest feasible date), a gate not passed, or invalid input", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
    let now = state.clock.now();
    created(
        &state,
        &req,
        caller,
        key,
        Some(id),
        &raw,
        move |conn, caller| service::book(conn, caller, id, &body.0, now),
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
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/courses/{course_id}", tag = "courses", params(CoursePath),
    responses((status = 200, body = CourseView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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

/// Adds one session to the course's current phase at a chosen time, judged
/// by the engine: a series holding all its doses takes no more; a protocol
/// rule may be broken only by a clinician key with `override_reason`; a
/// taken chair is 409.
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
    let now = state.clock.now();
    created(
        &state,
        &req,
        caller,
        key,
        Some(path.clinic_id),
        &raw,
        move |conn, caller| {
            let zone = repo::clinics::get(conn, path.clinic_id)?.time_zone;
            let action = Action::AddSession {
                chair: body.0.chair_id.map(ChairId),
                start: resolve_at(zone, &body.0.at, "at")?,
                override_reason: body.0.override_reason.clone(),
            };
            let acted = service::act(
                conn,
                caller,
                path.clinic_id,
                path.course_id,
                &action,
                now,
                |_, _, _, _| Ok(()),
            )?;
            // The session asked for is the decision's first booking event.
            let added = acted.decision.events.iter().find_map(|e| match e {
                CourseEvent::SessionBooked(SessionRef::New(i)) => acted.applied.booked.get(*i),
                _ => None,
            });
            let added = added.ok_or_else(|| ApiError::Internal("the added session".into()))?;
            Ok(views::session(acted.zone, added))
        },
    )
    .await
}
