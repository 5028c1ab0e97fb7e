//! HTTP routes: parse, authenticate, call a use case on a blocking thread,
//! map the result. No business rule lives here.

pub mod clinical;
pub mod clinics;
pub mod courses;
pub mod feeds;
pub mod health;
pub mod patients;
pub mod protocols;
pub mod query;
pub mod reminders;
pub mod schedule;
pub mod sessions;
pub mod webhooks;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, ResponseError};
use chairside_store::DbConnection;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::service::BOOKING_ATTEMPTS;
use crate::state::AppState;

/// `/v1/clinics/{clinic_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClinicPath {
    /// The clinic.
    pub clinic_id: i64,
}

/// The resource at `path`, for its routes. Any other method on the path is
/// 405 with `Allow` listing the methods it takes, as a problem document.
/// (`cfg.route` would guard the whole resource by method instead, so another
/// method fell through to "no such route", 404.)
pub(crate) fn resource(
    path: &str,
) -> actix_web::Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path).wrap(from_fn(method_not_allowed))
}

/// actix answers another method with an empty 405 and `Allow`; give it the
/// problem document every error has.
async fn method_not_allowed(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let response = next.call(req).await?;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return Ok(response.map_into_left_body());
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let methods = allow
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (req, _) = response.into_parts();
    let mut problem =
        ApiError::MethodNotAllowed(format!("this path takes {methods}")).error_response();
    if let Some(allow) = allow {
        problem.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ServiceResponse::new(req, problem).map_into_right_body())
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

/// Like [`write`], re-planning when a concurrent writer took the chair;
/// the clinic's re-plans take turns.
pub async fn write_replanning<T, F>(
    state: &web::Data<AppState>,
    clinic_id: i64,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnMut(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let store = state.store.clone();
    let span = tracing::Span::current();
    web::block(move || span.in_scope(|| store.write_retrying(BOOKING_ATTEMPTS, clinic_id, f)))
        .await?
}

/// A creating `POST`: runs `make` in one write transaction under the
/// request's `Idempotency-Key` (a retry gets the stored response) and
/// answers 201 with the created resource and its ETag. Re-run when a
/// concurrent writer took a chair or won a lock.
pub async fn created<T, F>(
    state: &web::Data<AppState>,
    req: &actix_web::HttpRequest,
    caller: crate::auth::Caller,
    key: crate::idempotency::IdempotencyKey,
    clinic: Option<i64>,
    raw: &[u8],
    mut make: F,
) -> Result<actix_web::HttpResponse, ApiError>
where
    T: serde::Serialize,
    F: FnMut(&mut DbConnection, &crate::auth::Caller) -> Result<T, ApiError> + Send + 'static,
{
    use crate::idempotency::{fingerprint, run, Stored};
    let fingerprint = fingerprint(req, raw);
    let ttl = state.settings.idempotency_ttl;
    let stored = write_replanning(state, clinic.unwrap_or(0), move |conn| {
        run(conn, &caller, clinic, &key, &fingerprint, ttl, |conn| {
            Ok(Stored::resource(
                actix_web::http::StatusCode::CREATED,
                &make(conn, &caller)?,
            ))
        })
    })
    .await?;
    Ok(stored.respond())
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    feeds::configure_public(cfg);
    cfg.service(
        web::scope("/v1")
            .configure(clinics::configure)
            .configure(protocols::configure)
            .configure(patients::configure)
            .configure(feeds::configure)
            .configure(courses::configure)
            .configure(clinical::configure)
            .configure(sessions::configure)
            .configure(schedule::configure)
            .configure(reminders::configure)
            .configure(webhooks::configure),
    );
}
