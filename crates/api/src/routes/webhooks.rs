//! Webhook subscriptions.

use actix_web::{get, post, put};
use actix_web::{web, HttpResponse};
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
use crate::pagination::{encode, PageParams};
use crate::routes::creation::Creation;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{query::Query, read, write, ClinicPath};
use crate::service::webhooks as service;
use crate::state::AppState;

/// The ids that name a webhook in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct WebhookPath {
    pub clinic_id: i64,
    /// The subscription.
    pub webhook_id: i64,
}

/// The ids that name a webhook delivery in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    pub clinic_id: i64,
    /// The subscription.
    pub webhook_id: i64,
    pub delivery_id: i64,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(set_webhook_enabled)
        .service(rotate_webhook_secret)
        .service(list_deliveries)
        .service(replay_delivery);
}

/// Subscribes an endpoint to events (Standard Webhooks signatures). The
/// signing secret is in this response only.
#[utoipa::path(tag = "webhooks", params(ClinicPath, ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateSubscription,
    responses((status = 201, body = SubscriptionWithSecret)),
    security(("api_key" = ["admin", "integration"])))]
#[post("/clinics/{clinic_id}/webhooks")]
pub async fn create_webhook(
    create: Creation<ClinicPath, CreateSubscription>,
) -> Result<HttpResponse, ApiError> {
    let clinic = create.path.clinic_id;
    create
        .run(Some(clinic), move |conn, caller, _, body| {
            service::create(conn, caller, clinic, body)
        })
        .await
}

/// Lists the clinic's subscriptions.
#[utoipa::path(tag = "webhooks", params(ClinicPath),
    responses((status = 200, body = Vec<SubscriptionView>)),
    security(("api_key" = ["admin", "integration"])))]
#[get("/clinics/{clinic_id}/webhooks")]
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
#[utoipa::path(tag = "webhooks", params(WebhookPath),
    responses((status = 200, body = SubscriptionView)),
    security(("api_key" = ["admin", "integration"])))]
#[get("/clinics/{clinic_id}/webhooks/{webhook_id}")]
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
#[utoipa::path(tag = "webhooks",
    params(WebhookPath, ("If-Match" = String, Header, description = "The subscription's ETag")), request_body = SetEnabled,
    responses((status = 200, body = SubscriptionView)),
    security(("api_key" = ["admin", "integration"])))]
#[put("/clinics/{clinic_id}/webhooks/{webhook_id}/enabled")]
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
#[utoipa::path(tag = "webhooks",
    params(WebhookPath, ("If-Match" = String, Header, description = "The subscription's ETag")), request_body = RotateSecret,
    responses((status = 200, body = SubscriptionWithSecret)),
    security(("api_key" = ["admin", "integration"])))]
#[post("/clinics/{clinic_id}/webhooks/{webhook_id}/rotate-secret")]
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
#[utoipa::path(tag = "webhooks", params(WebhookPath, PageParams),
    responses((status = 200, body = Page<DeliveryView>)),
    security(("api_key" = ["admin", "integration"])))]
#[get("/clinics/{clinic_id}/webhooks/{webhook_id}/deliveries")]
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
#[utoipa::path(tag = "webhooks", params(DeliveryPath),
    responses((status = 201, body = DeliveryView)),
    security(("api_key" = ["admin", "integration"])))]
#[post("/clinics/{clinic_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/replay")]
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
