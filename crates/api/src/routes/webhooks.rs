//! Webhook subscriptions.

use actix_web::{web, HttpRequest, HttpResponse};
use chairside_store::repo;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::{Body, MaybeBody};
use crate::dto::common::Page;
use crate::dto::webhook::{
    CreateSubscription, DeliveryView, RotateSecret, SetEnabled, SubscriptionView,
    SubscriptionWithSecret,
};
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::idempotency::IdempotencyKey;
use crate::pagination::{encode, PageParams};
use crate::problem::Problem;
use crate::routes::{created, query::Query, read, resource, write, ClinicPath};
use crate::service::webhooks as service;
use crate::state::AppState;

/// `/v1/clinics/{clinic_id}/webhooks/{webhook_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WebhookPath {
    /// The clinic.
    pub clinic_id: i64,
    /// The subscription.
    pub webhook_id: i64,
}

/// `/v1/clinics/{clinic_id}/webhooks/{webhook_id}/deliveries/{delivery_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// The clinic.
    pub clinic_id: i64,
    /// The subscription.
    pub webhook_id: i64,
    /// The delivery.
    pub delivery_id: i64,
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let one = "/clinics/{clinic_id}/webhooks/{webhook_id}";
    cfg.service(
        resource("/clinics/{clinic_id}/webhooks")
            .route(web::post().to(create_webhook))
            .route(web::get().to(list_webhooks)),
    )
    .service(resource(one).route(web::get().to(get_webhook)))
    .service(resource(&format!("{one}/enabled")).route(web::put().to(set_webhook_enabled)))
    .service(resource(&format!("{one}/rotate-secret")).route(web::post().to(rotate_webhook_secret)))
    .service(resource(&format!("{one}/deliveries")).route(web::get().to(list_deliveries)))
    .service(
        resource(&format!("{one}/deliveries/{{delivery_id}}/replay"))
            .route(web::post().to(replay_delivery)),
    );
}

/// Subscribes an endpoint to events (Standard Webhooks signatures). The
/// signing secret is in this response only.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/webhooks", tag = "webhooks", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateSubscription,
    responses((status = 201, body = SubscriptionWithSecret), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn create_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ClinicPath>,
    key: IdempotencyKey,
    body: Body<CreateSubscription>,
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

/// Lists the clinic's subscriptions.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/webhooks", tag = "webhooks", params(ClinicPath),
    responses((status = 200, body = Vec<SubscriptionView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn list_webhooks(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let list = read(&state, move |conn| {
        repo::clinics::get(conn, id)?;
        Ok(repo::webhooks::list(conn, id)?
            .iter()
            .map(service::view)
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Reads a subscription.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/webhooks/{webhook_id}", tag = "webhooks", params(WebhookPath),
    responses((status = 200, body = SubscriptionView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn get_webhook(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<WebhookPath>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let view = read(&state, move |conn| {
        Ok(service::view(&repo::webhooks::get(
            conn,
            p.clinic_id,
            p.webhook_id,
        )?))
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Enables or disables deliveries.
#[utoipa::path(put, path = "/v1/clinics/{clinic_id}/webhooks/{webhook_id}/enabled", tag = "webhooks",
    params(WebhookPath, ("If-Match" = String, Header, description = "The subscription's ETag")), request_body = SetEnabled,
    responses((status = 200, body = SubscriptionView), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn set_webhook_enabled(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<WebhookPath>,
    if_match: IfMatch,
    body: Body<SetEnabled>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let view = write(&state, move |conn| {
        service::set_enabled(conn, &caller, p.clinic_id, p.webhook_id, &if_match, &body.0)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Rotates the signing secret; both secrets sign during the grace period.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/webhooks/{webhook_id}/rotate-secret", tag = "webhooks",
    params(WebhookPath, ("If-Match" = String, Header, description = "The subscription's ETag")), request_body = RotateSecret,
    responses((status = 200, body = SubscriptionWithSecret), (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn rotate_webhook_secret(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<WebhookPath>,
    if_match: IfMatch,
    body: MaybeBody<RotateSecret>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let rotated = write(&state, move |conn| {
        service::rotate(conn, &caller, p.clinic_id, p.webhook_id, &if_match, &body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rotated))
}

/// The delivery log: attempts, status codes, next attempt.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/webhooks/{webhook_id}/deliveries", tag = "webhooks", params(WebhookPath, PageParams),
    responses((status = 200, body = Page<DeliveryView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn list_deliveries(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<WebhookPath>,
    page: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let request = page.to_request()?;
    let (items, next) = read(&state, move |conn| {
        service::deliveries(conn, p.clinic_id, p.webhook_id, request)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: next.map(encode),
    }))
}

/// Sends a delivered or abandoned event again, with the same `webhook-id`.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", tag = "webhooks", params(DeliveryPath),
    responses((status = 201, body = DeliveryView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn replay_delivery(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<DeliveryPath>,
) -> Result<HttpResponse, ApiError> {
    let p = *path;
    let view = write(&state, move |conn| {
        service::replay(conn, &caller, p.clinic_id, p.webhook_id, p.delivery_id)
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}
