//! Patients.

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_store::repo;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::common::Page;
use crate::dto::patient::{CreatePatient, PatientView, UpdatePatient};
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::idempotency::IdempotencyKey;
use crate::pagination::{encode, PageParams};
use crate::problem::Problem;
use crate::routes::{created, query::Query, read, resource, write, ClinicPath};
use crate::service::patients as service;
use crate::state::AppState;
use crate::views;

/// `/v1/clinics/{clinic_id}/patients/{patient_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PatientPath {
    /// The clinic.
    pub clinic_id: i64,
    /// The patient.
    pub patient_id: i64,
}

/// Patient search.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PatientQuery {
    /// Find the patient with this external reference (EHR MRN).
    pub external_ref: Option<String>,
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/clinics/{clinic_id}/patients")
            .route(web::get().to(list_patients))
            .route(web::post().to(create_patient)),
    )
    .service(
        resource("/clinics/{clinic_id}/patients/{patient_id}")
            .route(web::get().to(get_patient))
            .route(web::patch().to(update_patient)),
    );
}

/// Lists patients, or finds one by external reference.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/patients", tag = "patients", params(ClinicPath, PatientQuery, PageParams),
    responses((status = 200, body = Page<PatientView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/patients", tag = "patients", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreatePatient,
    responses((status = 201, body = PatientView), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn create_patient(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ClinicPath>,
    key: IdempotencyKey,
    body: Body<CreatePatient>,
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
        move |conn, caller| service::create(conn, caller, id, &body.0),
    )
    .await
}

/// Reads a patient.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/patients/{patient_id}", tag = "patients", params(PatientPath),
    responses((status = 200, body = PatientView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
#[utoipa::path(patch, path = "/v1/clinics/{clinic_id}/patients/{patient_id}", tag = "patients", params(PatientPath, ("If-Match" = String, Header, description = "The ETag you read")),
    request_body = UpdatePatient,
    responses((status = 200, body = PatientView), (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another patient of the clinic has this external_ref", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
