//! Clinicians' routes: booster spacing, scores, suggestions, the course's
//! lifecycle, REMS forms.

use actix_web::{get, post};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::dto::clinical::{
    BoosterPolicyChangeView, MeasureView, RecordMeasure, RemsFormView, SuggestionView,
};
use crate::error::ApiError;
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::courses::CoursePath;
use crate::routes::creation::Creation;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{query::Query, read, write, ClinicPath};
use crate::service::clinical;
use crate::state::AppState;

/// The ids that name a REMS form in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FormPath {
    pub clinic_id: i64,
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

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(booster_policy_history)
        .service(record_measure)
        .service(list_measures)
        .service(booster_suggestion)
        .service(list_rems_forms)
        .service(file_rems_form);
}

/// Who changed the booster spacing, when, from what to what, and why.
#[utoipa::path(tag = "clinical", params(CoursePath),
    responses((status = 200, body = Vec<BoosterPolicyChangeView>)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/courses/{course_id}/booster-policy/history")]
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
#[utoipa::path(tag = "clinical",
    params(CoursePath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")), request_body = RecordMeasure,
    responses((status = 201, body = MeasureView)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/courses/{course_id}/measures")]
pub async fn record_measure(
    create: Creation<CoursePath, RecordMeasure>,
) -> Result<HttpResponse, ApiError> {
    let path = create.path;
    let now = create.now();
    create
        .run(Some(path.clinic_id), move |conn, caller, path, body| {
            clinical::record_measure(conn, caller, path.clinic_id, path.course_id, body, now)
        })
        .await
}

/// The course's scores, oldest first, baseline marked.
#[utoipa::path(tag = "clinical", params(CoursePath),
    responses((status = 200, body = Vec<MeasureView>)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/courses/{course_id}/measures")]
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
#[utoipa::path(tag = "clinical", params(CoursePath),
    responses((status = 200, body = SuggestionView),
        (status = 422, description = answers(&[ProblemKind::Invalid]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/courses/{course_id}/booster-suggestion")]
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

/// Open esketamine REMS patient monitoring forms (each due 7 calendar days
/// after its session), by due date.
#[utoipa::path(tag = "clinical", params(ClinicPath, FormQuery),
    responses((status = 200, body = Vec<RemsFormView>)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/rems-forms")]
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
#[utoipa::path(tag = "clinical", params(FormPath),
    responses((status = 200, body = RemsFormView)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/rems-forms/{form_id}/file")]
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
