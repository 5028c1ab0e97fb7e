//! Calendar feeds (iCalendar): a patient's feed at a secret URL that needs
//! no API key, the keys to it, and the clinic's chair board for staff.

use actix_web::http::header;
use actix_web::{delete, get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::etag::not_modified;
use crate::routes::patients::PatientPath;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{read, write, ClinicPath};
use crate::service::feeds::{self as service, CalendarToken};
use crate::state::AppState;

/// The media type of every feed.
const TEXT_CALENDAR: &str = "text/calendar; charset=utf-8";
/// Feeds may be kept but must be revalidated (cheap: `If-None-Match`), and
/// only by the subscriber: they are health information.
const FEED_CACHE: &str = "private, no-cache";
/// How often a token is re-issued when the patient row changed meanwhile.
const TOKEN_ATTEMPTS: u32 = 3;

/// The path of a patient's feed: its secret token.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FeedPath {
    /// The patient's feed token, as issued.
    pub token: String,
}

/// Under `/v1`: the tokens and the clinic's feed.
pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue_calendar_token)
        .service(revoke_calendar_token)
        .service(clinic_feed);
}

/// Issues or rotates a patient's calendar feed token.
///
/// Any earlier token stops working. The token is shown in this response
/// only: Chairside keeps nothing but its hash. No `If-Match`: this acts on the feed token, not on the patient's fields
/// (though the patient's `updated_at`, and so its ETag, changes). No
/// `Idempotency-Key` either: repeating it simply rotates again.
#[utoipa::path(tag = "feeds", params(PatientPath),
    responses((status = 201, body = CalendarToken)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[post("/clinics/{clinic_id}/patients/{patient_id}/calendar-token")]
pub async fn issue_calendar_token(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<PatientPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let mut attempt = 1;
    let token = loop {
        let caller = caller.clone();
        let issued = write(&state, move |conn| {
            service::issue_token(conn, &caller, path.clinic_id, path.patient_id)
        })
        .await;
        match issued {
            // Another change to the patient landed first; the token does not
            // depend on it, so issue again rather than refuse.
            Err(ApiError::PreconditionFailed(_)) if attempt < TOKEN_ATTEMPTS => attempt += 1,
            other => break other?,
        }
    };
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(token))
}

/// Revokes a patient's calendar feed token.
///
/// Its URL answers 404 from now on. No `If-Match`: this acts on the feed
/// token, not on the patient's fields.
#[utoipa::path(tag = "feeds", params(PatientPath),
    responses((status = 204)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[delete("/clinics/{clinic_id}/patients/{patient_id}/calendar-token")]
pub async fn revoke_calendar_token(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<PatientPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    write(&state, move |conn| {
        service::revoke_token(conn, &caller, path.clinic_id, path.patient_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A patient's sessions as an iCalendar feed, for a phone's calendar.
///
/// RFC 5545, times in UTC: every session of the patient in the clinic from
/// 30 days ago to 400 days ahead, cancelled ones marked `STATUS:CANCELLED`,
/// `SEQUENCE` raised on every change, the protocol's day-of instructions in
/// `DESCRIPTION`. The token in the URL is the only credential: no API key.
/// Events name no patient. Strong `ETag`; `If-None-Match` gives 304.
#[utoipa::path(tag = "feeds",
    params(FeedPath, ("If-None-Match" = Option<String>, Header, description = "The ETag of the feed you hold")),
    responses((status = 200, content_type = "text/calendar", body = String, headers(("ETag" = String, description = "Strong; a hash of the body"))),
        (status = 304, description = "The feed has not changed")))]
#[get("/calendar/{token}.ics")]
pub async fn patient_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<FeedPath>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner().token;
    let now = state.clock.now();
    let body = read(&state, move |conn| service::patient_feed(conn, &token, now)).await?;
    Ok(feed_response(&req, body))
}

/// The clinic's chair board as an iCalendar feed, for staff.
///
/// Every session of the clinic from 30 days ago to 400 days ahead, with the
/// same UIDs and rules as the patients' feeds, titled by chair, never by
/// patient. Strong `ETag`; `If-None-Match` gives 304.
#[utoipa::path(tag = "feeds",
    params(ClinicPath, ("If-None-Match" = Option<String>, Header, description = "The ETag of the feed you hold")),
    responses((status = 200, content_type = "text/calendar", body = String, headers(("ETag" = String, description = "Strong; a hash of the body"))),
        (status = 304, description = "The feed has not changed")),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/calendar.ics")]
pub async fn clinic_feed(
    _caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ClinicPath>,
) -> Result<HttpResponse, ApiError> {
    let clinic_id = path.clinic_id;
    let now = state.clock.now();
    let body = read(&state, move |conn| {
        service::clinic_feed(conn, clinic_id, now)
    })
    .await?;
    Ok(feed_response(&req, body))
}

/// The strong ETag of a feed: a hash of its bytes.
fn feed_etag(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    format!(
        "\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
    )
}

fn feed_response(req: &HttpRequest, body: String) -> HttpResponse {
    let etag = feed_etag(&body);
    if not_modified(req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, FEED_CACHE))
            .finish();
    }
    HttpResponse::Ok()
        .content_type(TEXT_CALENDAR)
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, FEED_CACHE))
        .body(body)
}
