//! The esketamine REMS Patient Monitoring Form of each session: listed by
//! due date, pre-filled, answered and completed by a clinician, submitted
//! by the clinic, exported for the portal and the clinic's records.

use actix_web::http::header;
use actix_web::{get, patch, post};
use actix_web::{web, HttpResponse};
use chairside_engine::monitoring::RemsFormFields;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::monitoring::{RemsFormView, SubmitRemsForm};
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::query::Query;
use crate::routes::{read, write, ClinicPath};
use crate::service::rems_forms::{self as service, Listing, Step};
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
#[serde(deny_unknown_fields)]
pub struct FormQuery {
    /// Only forms past their due date (never submitted ones).
    #[serde(default)]
    pub overdue: bool,
    /// Submitted forms too (default: only those still to file).
    #[serde(default)]
    pub all: bool,
}

/// An export as JSON (the list's own shape) or CSV (for a spreadsheet).
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    #[default]
    Json,
    Csv,
}

/// What to export.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    pub format: ExportFormat,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_rems_forms)
        .service(list_rems_forms)
        .service(get_rems_form)
        .service(answer_rems_form)
        .service(complete_rems_form)
        .service(submit_rems_form);
}

/// The forms still to file (or all), by due date, each with its urgency
/// (`open`, `due_soon` within two days, `overdue`) and what is missing.
#[utoipa::path(tag = "rems-forms", params(ClinicPath, FormQuery),
    responses((status = 200, body = Vec<RemsFormView>)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/rems-forms")]
pub async fn list_rems_forms(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<FormQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let listing = Listing {
        all: query.all,
        overdue_only: query.overdue,
    };
    let now = state.clock.now();
    let list = read(&state, move |conn| service::list(conn, id, listing, now)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Every form of the clinic, submitted ones too, as JSON or as CSV (one
/// row per form, the form's fields as columns).
#[utoipa::path(tag = "rems-forms", params(ClinicPath, ExportQuery),
    responses((status = 200, description = "The forms", content(
        (Vec<RemsFormView> = "application/json"),
        (String = "text/csv")))),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/rems-forms/export")]
pub async fn export_rems_forms(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let now = state.clock.now();
    let listing = Listing {
        all: true,
        overdue_only: false,
    };
    let forms = read(&state, move |conn| service::list(conn, id, listing, now)).await?;
    Ok(match query.format {
        ExportFormat::Json => HttpResponse::Ok().json(forms),
        ExportFormat::Csv => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rems-forms-clinic-{id}.csv\""),
            ))
            .body(service::csv(&forms)),
    })
}

/// One form: its fields (a clinician's answers over the session's record),
/// what is missing, its status.
#[utoipa::path(tag = "rems-forms", params(FormPath),
    responses((status = 200, body = RemsFormView)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/rems-forms/{form_id}")]
pub async fn get_rems_form(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<FormPath>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let now = state.clock.now();
    let view = read(&state, move |conn| {
        service::get(conn, p.clinic_id, p.form_id, now)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Runs one step of a form's life with its ETag.
async fn step_of(
    caller: Caller,
    state: web::Data<AppState>,
    p: FormPath,
    if_match: IfMatch,
    step: Step,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let view = write(&state, move |conn| {
        service::take(
            conn,
            &caller,
            (p.clinic_id, p.form_id),
            &if_match,
            step,
            now,
        )
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// A clinician answers fields of a draft (the evaluation question, whether
/// vitals were acceptable, concomitant medication, or a correction of a
/// pre-filled value); fields left out keep their value.
#[utoipa::path(tag = "rems-forms", params(FormPath, ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = RemsFormFields,
    responses((status = 200, body = RemsFormView),
        (status = 409, description = answers(&[ProblemKind::StatusTransition]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician"])))]
#[patch("/clinics/{clinic_id}/rems-forms/{form_id}")]
pub async fn answer_rems_form(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<FormPath>,
    if_match: IfMatch,
    body: Body<RemsFormFields>,
) -> Result<HttpResponse, ApiError> {
    step_of(caller, state, *path, if_match, Step::Answer(body.0)).await
}

/// A clinician signs the draft off: every field must be answered (422
/// names the first missing one).
#[utoipa::path(tag = "rems-forms", params(FormPath, ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = RemsFormView),
        (status = 409, description = answers(&[ProblemKind::StatusTransition]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician"])))]
#[post("/clinics/{clinic_id}/rems-forms/{form_id}/complete")]
pub async fn complete_rems_form(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<FormPath>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    step_of(caller, state, *path, if_match, Step::Complete).await
}

/// The clinic filed a complete form on the REMS portal: the portal's
/// reference and the time (default now).
#[utoipa::path(tag = "rems-forms", params(FormPath, ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = SubmitRemsForm,
    responses((status = 200, body = RemsFormView),
        (status = 409, description = answers(&[ProblemKind::StatusTransition]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/rems-forms/{form_id}/submit")]
pub async fn submit_rems_form(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<FormPath>,
    if_match: IfMatch,
    body: Body<SubmitRemsForm>,
) -> Result<HttpResponse, ApiError> {
    step_of(caller, state, *path, if_match, Step::Submit(body.0)).await
}
