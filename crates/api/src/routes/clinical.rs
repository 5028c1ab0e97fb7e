//! Clinicians' routes: booster spacing, scores, suggestions, the course's
//! lifecycle, REMS forms.

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_engine::course::Action;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::clinical::{
    BoosterPolicyChangeView, BoosterPolicyChanged, ChangeBoosterPolicy, DecideAtRisk, MeasureView,
    Reason, RecordMeasure, RemsFormView, Resume, StepBack, SuggestionView,
};
use crate::dto::course::CourseView;
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::idempotency::IdempotencyKey;
use crate::problem::Problem;
use crate::routes::courses::CoursePath;
use crate::routes::{created, query::Query, read, resource, write, write_replanning, ClinicPath};
use crate::service::{clinical, course};
use crate::state::AppState;

/// `/v1/clinics/{clinic_id}/rems-forms/{form_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FormPath {
    /// The clinic.
    pub clinic_id: i64,
    /// The form.
    pub form_id: i64,
}

/// Which forms.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormQuery {
    /// Only forms past their due date.
    #[serde(default)]
    pub overdue: bool,
}

/// Every clinician's decision on a course has one shape: check `If-Match`
/// against the course, ask the engine, persist its decision; decide again
/// if a concurrent writer took a chair the decision placed (bounded).
async fn act_on_course(
    caller: Caller,
    state: &web::Data<AppState>,
    path: CoursePath,
    if_match: IfMatch,
    action: Action,
) -> Result<course::Acted, ApiError> {
    let now = state.clock.now();
    write_replanning(state, path.clinic_id, move |conn| {
        course::on_course(
            conn,
            &caller,
            path.clinic_id,
            path.course_id,
            &if_match,
            now,
            &action,
        )
    })
    .await
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let course = "/clinics/{clinic_id}/courses/{course_id}";
    cfg.service(
        resource(&format!("{course}/booster-policy")).route(web::post().to(change_booster_policy)),
    )
    .service(
        resource(&format!("{course}/booster-policy/step-back")).route(web::post().to(step_back)),
    )
    .service(
        resource(&format!("{course}/booster-policy/history"))
            .route(web::get().to(booster_policy_history)),
    )
    .service(
        resource(&format!("{course}/measures"))
            .route(web::post().to(record_measure))
            .route(web::get().to(list_measures)),
    )
    .service(
        resource(&format!("{course}/booster-suggestion")).route(web::get().to(booster_suggestion)),
    )
    .service(resource(&format!("{course}/pause")).route(web::post().to(pause_course)))
    .service(resource(&format!("{course}/resume")).route(web::post().to(resume_course)))
    .service(resource(&format!("{course}/discontinue")).route(web::post().to(discontinue_course)))
    .service(resource(&format!("{course}/at-risk/decision")).route(web::post().to(decide_at_risk)))
    .service(resource("/clinics/{clinic_id}/rems-forms").route(web::get().to(list_rems_forms)))
    .service(
        resource("/clinics/{clinic_id}/rems-forms/{form_id}/file")
            .route(web::post().to(file_rems_form)),
    );
}

/// Changes the course's booster spacing (clinician or admin). Only future
/// boosters not yet attended move; below the protocol's floor needs
/// `override_floor` and a reason.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses/{course_id}/booster-policy", tag = "clinical",
    params(CoursePath, ("If-Match" = String, Header, description = "The course's ETag")), request_body = ChangeBoosterPolicy,
    responses((status = 200, body = BoosterPolicyChanged), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn change_booster_policy(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
    if_match: IfMatch,
    body: Body<ChangeBoosterPolicy>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let action = Action::ChangeBoosterPolicy {
        policy: body.policy,
        reason: body.reason,
        override_floor: body.override_floor,
    };
    let acted = act_on_course(caller, &state, *path, if_match, action).await?;
    Ok(HttpResponse::Ok().json(clinical::policy_changed(&acted)?))
}

/// Steps back to the previous, more frequent interval (esketamine label:
/// worsening symptoms in maintenance).
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses/{course_id}/booster-policy/step-back", tag = "clinical",
    params(CoursePath, ("If-Match" = String, Header, description = "The course's ETag")), request_body = StepBack,
    responses((status = 200, body = BoosterPolicyChanged), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn step_back(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
    if_match: IfMatch,
    body: Body<StepBack>,
) -> Result<HttpResponse, ApiError> {
    let action = Action::StepBack {
        reason: body.0.reason,
    };
    let acted = act_on_course(caller, &state, *path, if_match, action).await?;
    Ok(HttpResponse::Ok().json(clinical::policy_changed(&acted)?))
}

/// Who changed the booster spacing, when, from what to what, and why.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/courses/{course_id}/booster-policy/history", tag = "clinical", params(CoursePath),
    responses((status = 200, body = Vec<BoosterPolicyChangeView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn booster_policy_history(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let history = read(&state, move |conn| {
        clinical::policy_history(conn, p.clinic_id, p.course_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(history))
}

/// Records a symptom score (PHQ-9 0–27, GAD-7 0–21, MADRS 0–60, PCL-5 0–80).
/// The first score before the first session is the baseline.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses/{course_id}/measures", tag = "clinical",
    params(CoursePath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")), request_body = RecordMeasure,
    responses((status = 201, body = MeasureView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn record_measure(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CoursePath>,
    key: IdempotencyKey,
    body: Body<RecordMeasure>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let raw = body.1.clone();
    let now = state.clock.now();
    created(
        &state,
        &req,
        caller,
        key,
        Some(p.clinic_id),
        &raw,
        move |conn, caller| {
            clinical::record_measure(conn, caller, p.clinic_id, p.course_id, &body.0, now)
        },
    )
    .await
}

/// The course's scores, oldest first, baseline marked.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/courses/{course_id}/measures", tag = "clinical", params(CoursePath),
    responses((status = 200, body = Vec<MeasureView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn list_measures(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let list = read(&state, move |conn| {
        clinical::list_measures(conn, p.clinic_id, p.course_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// A read-only suggestion to lengthen, keep or shorten booster spacing, with
/// the rule that fired and the numbers behind it.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/courses/{course_id}/booster-suggestion", tag = "clinical", params(CoursePath),
    responses((status = 200, body = SuggestionView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn booster_suggestion(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let view = read(&state, move |conn| {
        clinical::suggestion(conn, p.clinic_id, p.course_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Pauses a course: future sessions are cancelled, the course keeps its place.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses/{course_id}/pause", tag = "clinical",
    params(CoursePath, ("If-Match" = String, Header, description = "The course's ETag")), request_body = Reason,
    responses((status = 200, body = CourseView), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn pause_course(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
    if_match: IfMatch,
    body: Body<Reason>,
) -> Result<HttpResponse, ApiError> {
    let action = Action::Pause {
        reason: body.0.reason,
    };
    let acted = act_on_course(caller, &state, *path, if_match, action).await?;
    Ok(ok_with_etag(&acted.course_view()))
}

/// Resumes a paused course, re-planning from the resume date within the phase's rules.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses/{course_id}/resume", tag = "clinical",
    params(CoursePath, ("If-Match" = String, Header, description = "The course's ETag")), request_body = Resume,
    responses((status = 200, body = CourseView), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn resume_course(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
    if_match: IfMatch,
    body: Body<Resume>,
) -> Result<HttpResponse, ApiError> {
    let action = Action::Resume {
        from: body.0.from,
        reason: body.0.reason,
    };
    let acted = act_on_course(caller, &state, *path, if_match, action).await?;
    Ok(ok_with_etag(&acted.course_view()))
}

/// Discontinues a course (cease): remaining sessions cancelled; a reason is required.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses/{course_id}/discontinue", tag = "clinical",
    params(CoursePath, ("If-Match" = String, Header, description = "The course's ETag")), request_body = Reason,
    responses((status = 200, body = CourseView), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn discontinue_course(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
    if_match: IfMatch,
    body: Body<Reason>,
) -> Result<HttpResponse, ApiError> {
    let action = Action::Cease {
        reason: body.0.reason,
    };
    let acted = act_on_course(caller, &state, *path, if_match, action).await?;
    Ok(ok_with_etag(&acted.course_view()))
}

/// Decides an at-risk course: accept the extended plan or restart the series.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/courses/{course_id}/at-risk/decision", tag = "clinical",
    params(CoursePath, ("If-Match" = String, Header, description = "The course's ETag")), request_body = DecideAtRisk,
    responses((status = 200, body = CourseView), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn decide_at_risk(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
    if_match: IfMatch,
    body: Body<DecideAtRisk>,
) -> Result<HttpResponse, ApiError> {
    let action = Action::DecideAtRisk {
        choice: body.0.choice,
        reason: body.0.reason,
    };
    let acted = act_on_course(caller, &state, *path, if_match, action).await?;
    Ok(ok_with_etag(&acted.course_view()))
}

/// Open esketamine REMS patient monitoring forms (each due 7 calendar days
/// after its session), by due date.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/rems-forms", tag = "clinical", params(ClinicPath, FormQuery),
    responses((status = 200, body = Vec<RemsFormView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn list_rems_forms(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<FormQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, overdue) = (path.clinic_id, query.overdue);
    let now = state.clock.now();
    let list = read(&state, move |conn| {
        clinical::rems_forms(conn, id, overdue, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Marks a REMS form filed.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/rems-forms/{form_id}/file", tag = "clinical", params(FormPath),
    responses((status = 200, body = RemsFormView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn file_rems_form(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<FormPath>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let now = state.clock.now();
    let view = write(&state, move |conn| {
        clinical::file_rems_form(conn, &caller, p.clinic_id, p.form_id, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
