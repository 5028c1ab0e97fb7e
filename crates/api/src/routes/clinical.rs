//! Clinicians' routes: booster spacing, scores, suggestions.

use actix_web::{get, post};
use actix_web::{web, HttpResponse};

use crate::auth::Caller;
use crate::dto::clinical::{BoosterPolicyChangeView, MeasureView, RecordMeasure, SuggestionView};
use crate::error::ApiError;
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::courses::CoursePath;
use crate::routes::creation::Creation;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::read;
use crate::service::clinical;
use crate::state::AppState;

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(booster_policy_history)
        .service(record_measure)
        .service(list_measures)
        .service(booster_suggestion);
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
