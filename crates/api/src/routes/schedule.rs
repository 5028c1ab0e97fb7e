//! Availability and the day sheet.

use actix_web::get;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::dto::common::in_calendar;
use crate::error::ApiError;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::etag::{etag_of, not_modified};
use crate::routes::{query::Query, read, ClinicPath};
use crate::service::day_sheet::DaySheet;
use crate::service::schedule::{self as service, AvailabilityView};
use crate::state::AppState;

/// What to look for.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// The protocol whose chair time and treatment decide the fit.
    pub protocol_id: i64,
    /// First clinic-local date.
    #[serde(deserialize_with = "in_calendar")]
    pub from: NaiveDate,
    /// Last clinic-local date (inclusive; at most 62 days after `from`).
    #[serde(deserialize_with = "in_calendar")]
    pub to: NaiveDate,
    /// Only this chair.
    pub chair_id: Option<i64>,
}

/// Which day.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaySheetQuery {
    /// The clinic-local date.
    #[serde(deserialize_with = "in_calendar")]
    pub date: NaiveDate,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(availability).service(day_sheet);
}

/// Open start times per chair for a date range and a protocol.
#[utoipa::path(tag = "schedule", params(ClinicPath, AvailabilityQuery),
    responses((status = 200, body = AvailabilityView)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/availability")]
pub async fn availability(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<AvailabilityQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let q = query.into_inner();
    let now = state.clock.now();
    let view = read(&state, move |conn| {
        service::availability(conn, id, q.protocol_id, (q.from, q.to), q.chair_id, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Every chair's sessions for one clinic-local date, with the opening
/// hours and closures as instants, each session's treatment, segments and
/// patient, sessions running over, and staff coverage. Strong `ETag` (the
/// clock is left out of it); `If-None-Match` gives 304, so a board polls
/// cheaply.
#[utoipa::path(tag = "schedule", params(ClinicPath, DaySheetQuery,
        ("If-None-Match" = Option<String>, Header, description = "The sheet's last ETag")),
    responses((status = 200, body = DaySheet),
        (status = 304, description = "The sheet has not changed")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/day-sheet")]
pub async fn day_sheet(
    _caller: Caller,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<DaySheetQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let date = query.date;
    let now = state.clock.now();
    let sheet: DaySheet = read(&state, move |conn| {
        crate::service::day_sheet::day_sheet(conn, id, date, now)
    })
    .await?;
    let etag = etag_of(&sheet.version());
    if not_modified(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((actix_web::http::header::ETAG, etag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag))
        .json(sheet))
}
