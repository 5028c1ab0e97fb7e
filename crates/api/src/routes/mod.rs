//! HTTP routes: parse, authenticate, call a use case on a blocking thread,
//! map the result. No business rule lives here.

pub mod api_keys;
pub mod clinical;
pub mod clinics;
pub mod closures;
pub mod course_decisions;
pub mod courses;
pub mod creation;
pub mod feeds;
pub mod health;
pub mod held_times;
pub mod holds;
pub mod imports;
pub mod monitoring;
pub mod offers;
pub mod patients;
pub mod protocols;
pub mod query;
pub mod reminders;
pub mod rems_forms;
pub mod schedule;
pub mod session_actions;
pub mod sessions;
pub mod staff;
pub mod webhooks;

use actix_web::web;
use chairside_store::DbConnection;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::service::BOOKING_ATTEMPTS;
use crate::state::AppState;

/// The id that names a clinic in a path.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClinicPath {
    pub clinic_id: i64,
}

/// Runs a read on a blocking thread, inside the request's span.
pub async fn read<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let store = state.store.clone();
    let span = tracing::Span::current();
    web::block(move || span.in_scope(|| store.read(f))).await?
}

/// Runs a write transaction on a blocking thread, inside the request's span.
pub async fn write<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let store = state.store.clone();
    let span = tracing::Span::current();
    web::block(move || span.in_scope(|| store.write(f))).await?
}

/// Like [`write`], in the clinic's turn, once: for a change to what the
/// clinic's planning reads that re-plans nothing itself, so that it waits
/// for the clinic's writers before it locks anything instead of holding
/// rows they need while it waits for them (see the store's `turn`).
pub async fn write_in_turn<T, F>(
    state: &web::Data<AppState>,
    clinic_id: i64,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    write_taking_turns(state, clinic_id, 1, f).await
}

/// Like [`write`], re-planning when a concurrent writer took the chair;
/// the clinic's writers take turns.
pub async fn write_replanning<T, F>(
    state: &web::Data<AppState>,
    clinic_id: i64,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    write_taking_turns(state, clinic_id, BOOKING_ATTEMPTS, f).await
}

/// [`Store::write_retrying`](chairside_store::Store::write_retrying) on a
/// blocking thread, inside the request's span.
async fn write_taking_turns<T, F>(
    state: &web::Data<AppState>,
    clinic_id: i64,
    attempts: u32,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let store = state.store.clone();
    let span = tracing::Span::current();
    web::block(move || span.in_scope(|| store.write_retrying(attempts, clinic_id, f))).await?
}

/// The answer to a request no endpoint takes: 405 with `Allow` when the
/// path is one the document declares with other methods, else 404 — both
/// as problem documents, from the same declarations the router uses.
pub async fn not_declared(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, ApiError> {
    let methods = crate::openapi::methods_at(req.path());
    if methods.is_empty() {
        return Err(ApiError::NotFound("no such route".into()));
    }
    let allow = methods.join(", ");
    let mut response = actix_web::ResponseError::error_response(&ApiError::MethodNotAllowed(
        format!("this path takes {allow}"),
    ));
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    Ok(response)
}

/// Every endpoint: the root ones (health, metrics, this API's document, a
/// patient's calendar feed) and the API under `/v1`. Each endpoint is one
/// declaration — its handler's `#[utoipa::path]` (roles as its `api_key`
/// security scopes, responses) and its route attribute (method and path) —
/// from which the router, the OpenAPI document and the role check
/// (`crate::policy`) all follow.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.configure(health::configure)
        .service(feeds::patient_feed)
        .service(
            // actix-router tries each route's pattern in turn, a regular
            // expression each (3.5 % of a booking's server time with
            // courses 25 routes down): the front desk's routes first. No
            // pattern of theirs matches a path of the routes they pass.
            scope::scope("/v1")
                .configure(courses::configure)
                .configure(holds::configure)
                .configure(held_times::configure)
                .configure(offers::configure)
                .configure(clinical::configure)
                .configure(course_decisions::configure)
                .configure(sessions::configure)
                .configure(schedule::configure)
                .configure(clinics::configure)
                .configure(closures::configure)
                .configure(imports::configure)
                .configure(protocols::configure)
                .configure(patients::configure)
                .configure(feeds::configure)
                .configure(staff::configure)
                .configure(monitoring::configure)
                .configure(rems_forms::configure)
                .configure(reminders::configure)
                .configure(webhooks::configure)
                .configure(api_keys::configure),
        );
}
