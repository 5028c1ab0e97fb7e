//! Patients.

use actix_web::{get, patch, post};
use actix_web::{web, HttpResponse};
use chairside_store::repo;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::common::Page;
use crate::dto::patient::{CreatePatient, PatientView, UpdatePatient};
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::pagination::{encode, PageParams};
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::creation::Creation;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{query::Query, read, write, ClinicPath};
use crate::service::patients as service;
use crate::state::AppState;
use crate::views;

/// The ids that name a patient in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PatientPath {
    pub clinic_id: i64,
    pub patient_id: i64,
}

/// Patient search.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PatientQuery {
    /// Find the patient with this external reference (EHR MRN).
    pub external_ref: Option<String>,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_patients)
        .service(create_patient)
        .service(get_patient)
        .service(update_patient);
}

/// Lists patients, or finds one by external reference.
#[utoipa::path(tag = "patients", params(ClinicPath, PatientQuery, PageParams),
    responses((status = 200, body = Page<PatientView>)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/patients")]
pub async fn list_patients(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<PatientQuery>,
    page: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let request = page.to_request()?;
    let external_ref = query.into_inner().external_ref;
    let page = read(&state, move |conn| {
        repo::clinics::get(conn, id)?;
        if let Some(external_ref) = external_ref {
            let found = repo::patients::find_by_external_ref(conn, id, &external_ref)?;
            return Ok(Page {
                items: found.iter().map(views::patient).collect(),
                next_cursor: None,
            });
        }
        let rows = repo::patients::list(conn, id, request)?;
        Ok(Page {
            items: rows.items.iter().map(views::patient).collect(),
            next_cursor: rows.next_after_id.map(encode),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Registers a patient.
#[utoipa::path(tag = "patients", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreatePatient,
    responses((status = 201, body = PatientView), (status = 409, description = answers(&[ProblemKind::DuplicateExternalRef]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/patients")]
pub async fn create_patient(
    create: Creation<ClinicPath, CreatePatient>,
) -> Result<HttpResponse, ApiError> {
    let clinic = create.path.clinic_id;
    create
        .run(Some(clinic), move |conn, caller, _, body| {
            service::create(conn, caller, clinic, body)
        })
        .await
}

/// Reads a patient.
#[utoipa::path(tag = "patients", params(PatientPath),
    responses((status = 200, body = PatientView)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/patients/{patient_id}")]
pub async fn get_patient(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<PatientPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let view = read(&state, move |conn| {
        Ok(views::patient(&repo::patients::get(
            conn,
            path.clinic_id,
            path.patient_id,
        )?))
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Changes a patient's reference, name, preferences or gate facts.
#[utoipa::path(tag = "patients", params(PatientPath, ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = UpdatePatient,
    responses((status = 200, body = PatientView),
        (status = 409, description = answers(&[ProblemKind::DuplicateExternalRef]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[patch("/clinics/{clinic_id}/patients/{patient_id}")]
pub async fn update_patient(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<PatientPath>,
    if_match: IfMatch,
    body: Body<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let view = write(&state, move |conn| {
        service::update(
            conn,
            &caller,
            path.clinic_id,
            path.patient_id,
            &if_match,
            &body.0,
        )
    })
    .await?;
    Ok(ok_with_etag(&view))
}
