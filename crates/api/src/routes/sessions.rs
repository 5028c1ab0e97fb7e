//! Sessions: list, read, and what happens to one.

use actix_web::get;
use actix_web::{web, HttpResponse};
use chairside_engine::course::SessionStatus;
use chairside_engine::dates::{FIRST_DATE, LAST_DATE};
use chairside_engine::local_time::start_of_local_day;
use chairside_store::repo;
use chairside_store::repo::sessions::SessionFilter;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::dto::common::{in_calendar_opt, Page};
use crate::dto::session::{SessionView, StatusChangeView};
use crate::error::ApiError;
use crate::etag::ok_with_etag;
use crate::pagination::{encode, PageParams};
use crate::routes::{query::Query, read, ClinicPath};
use crate::service::course::read::session as one_session;
use crate::state::AppState;
use crate::views;

/// The ids that name a session in a path, within its clinic.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SessionPath {
    pub clinic_id: i64,
    pub session_id: i64,
}

/// Session filters.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// Only this course's sessions.
    pub course_id: Option<i64>,
    /// Only this patient's sessions.
    pub patient_id: Option<i64>,
    /// Only sessions in this status.
    pub status: Option<SessionStatus>,
    /// From this clinic-local date (inclusive).
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub from: Option<NaiveDate>,
    /// To this clinic-local date (inclusive).
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub to: Option<NaiveDate>,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sessions)
        .service(get_session)
        .service(session_history)
        .configure(super::session_actions::configure);
}

/// Lists sessions, oldest id first, with filters.
#[utoipa::path(tag = "sessions", params(ClinicPath, SessionQuery, PageParams),
    responses((status = 200, body = Page<SessionView>)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/sessions")]
pub async fn list_sessions(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<ClinicPath>,
    query: Query<SessionQuery>,
    page: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path.clinic_id;
    let request = page.to_request()?;
    let query = query.into_inner();
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if to < from {
            return Err(ApiError::invalid_field("to", "is before `from`"));
        }
    }
    let page = read(&state, move |conn| {
        let zone = repo::clinics::get(conn, id)?.time_zone;
        let range = match (query.from, query.to) {
            (None, None) => None,
            (from, to) => {
                let from = from.unwrap_or(FIRST_DATE);
                let to = to.unwrap_or(LAST_DATE);
                Some((
                    start_of_local_day(zone, from),
                    start_of_local_day(zone, to + Duration::days(1)),
                ))
            }
        };
        let filter = SessionFilter {
            range,
            statuses: query.status.map(|s| vec![s]),
            course_id: query.course_id,
            patient_id: query.patient_id,
            chair_id: None,
        };
        let rows = repo::sessions::list(conn, id, &filter, request)?;
        Ok(Page {
            items: rows.items.iter().map(|s| views::session(zone, s)).collect(),
            next_cursor: rows.next_after_id.map(encode),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Reads a session.
#[utoipa::path(tag = "sessions", params(SessionPath),
    responses((status = 200, body = SessionView)),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/clinics/{clinic_id}/sessions/{session_id}")]
pub async fn get_session(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let view = read(&state, move |conn| {
        one_session(conn, path.clinic_id, path.session_id)
    })
    .await?;
    Ok(ok_with_etag(&view))
}

/// Who moved the session's status, when and why, oldest first: the history
/// a clinician's correction undoes and an auditor reads.
#[utoipa::path(tag = "sessions", params(SessionPath),
    responses((status = 200, body = Vec<StatusChangeView>)),
    security(("api_key" = ["admin", "clinician", "front_desk"])))]
#[get("/clinics/{clinic_id}/sessions/{session_id}/history")]
pub async fn session_history(
    _caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
) -> Result<HttpResponse, ApiError> {
    let path = *path;
    let history = read(&state, move |conn| {
        // An unknown session is a 404, not an empty history.
        repo::sessions::get(conn, path.clinic_id, path.session_id)?;
        let changes = repo::sessions::history(conn, path.clinic_id, path.session_id)?;
        Ok(changes.iter().map(views::status_change).collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(history))
}
