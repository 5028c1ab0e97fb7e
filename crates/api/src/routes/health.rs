//! Health, readiness, metrics, and the API's own documentation.

use actix_web::get;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::metrics::StoreTotals;
use crate::problem_kind::{answers, ProblemKind};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::read;
use crate::state::AppState;

/// Health status.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz)
        .service(readyz)
        .service(metrics)
        .service(openapi_json);
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// The database answers.
#[utoipa::path(tag = "operations",
    responses((status = 200, body = Health),
        (status = 503, description = answers(&[ProblemKind::Unavailable]), body = crate::problem::Problem, content_type = "application/problem+json")))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    read(&state, |conn| {
        let one = chairside_store::models::PageRequest {
            after_id: None,
            limit: 1,
        };
        chairside_store::repo::clinics::list(conn, one)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
    }))
}

/// Prometheus metrics (per route pattern, method and status class), in the
/// OpenMetrics text format. Public unless the server runs with
/// `--private-metrics`; then it takes any API key.
#[utoipa::path(tag = "operations",
    responses((status = 200, content_type = "application/openmetrics-text", body = String)),
    security((), ("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.public_metrics {
        use actix_web::FromRequest;
        let mut payload = payload.into_inner();
        crate::auth::Caller::from_request(&req, &mut payload).await?;
    }
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render(StoreTotals {
            calendars: state.store.calendar_uses(),
            commits: state.store.commits(),
        })))
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(tag = "operations", responses((status = 200, content_type = "application/json", body = Object)))]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}
