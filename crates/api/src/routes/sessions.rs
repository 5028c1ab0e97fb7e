//! Sessions: list, read, and what happens to one.

use actix_web::{web, HttpResponse};
use chairside_engine::dates::{FIRST_DATE, LAST_DATE};
use chairside_engine::local_time::start_of_local_day;
use chairside_store::repo;
use chairside_store::repo::sessions::SessionFilter;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::body::{Body, MaybeBody};
use crate::dto::common::{in_calendar_opt, Page};
use crate::dto::session::{
    CancelSession, CorrectSession, NotDosed, OmitSession, RescheduleSession, SessionChange,
    SessionView, StatusNote,
};
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::pagination::{encode, PageParams};
use crate::problem::Problem;
use crate::routes::{query::Query, read, resource, write_replanning, ClinicPath};
use crate::service::course::{self as service, read::session as one_session};
use crate::service::when::resolve_at;
use crate::state::AppState;
use crate::views;
use chairside_engine::course::{Action, SessionId, SessionStatus, Target};
use chairside_engine::ChairId;
use chrono_tz::Tz;

/// `/v1/clinics/{clinic_id}/sessions/{session_id}`.
#[derive(Clone, Copy, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SessionPath {
    /// The clinic.
    pub clinic_id: i64,
    /// The session.
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

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let one = "/clinics/{clinic_id}/sessions/{session_id}";
    cfg.service(resource("/clinics/{clinic_id}/sessions").route(web::get().to(list_sessions)))
        .service(resource(one).route(web::get().to(get_session)))
        .service(resource(&format!("{one}/reschedule")).route(web::post().to(reschedule_session)))
        .service(resource(&format!("{one}/cancel")).route(web::post().to(cancel_session)))
        .service(resource(&format!("{one}/check-in")).route(web::post().to(check_in_session)))
        .service(resource(&format!("{one}/complete")).route(web::post().to(complete_session)))
        .service(resource(&format!("{one}/no-show")).route(web::post().to(no_show_session)))
        .service(resource(&format!("{one}/not-dosed")).route(web::post().to(not_dosed_session)))
        .service(resource(&format!("{one}/omit")).route(web::post().to(omit_session)))
        .service(resource(&format!("{one}/correct")).route(web::post().to(correct_session)));
}

/// Lists sessions, oldest id first, with filters.
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/sessions", tag = "sessions", params(ClinicPath, SessionQuery, PageParams),
    responses((status = 200, body = Page<SessionView>), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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
#[utoipa::path(get, path = "/v1/clinics/{clinic_id}/sessions/{session_id}", tag = "sessions", params(SessionPath),
    responses((status = 200, body = SessionView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
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

fn changed(change: SessionChange) -> HttpResponse {
    let etag = crate::etag::etag_of(&change.session);
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag))
        .json(change)
}

/// Every session action has one shape: check `If-Match` against the
/// session, ask the engine, persist its decision, answer with the session
/// and what the course's rules booked or cancelled. A concurrent writer
/// that took a chair the decision placed: decide again (bounded).
async fn act_on_session(
    caller: Caller,
    state: web::Data<AppState>,
    path: SessionPath,
    if_match: IfMatch,
    action: impl Fn(Tz, SessionId) -> Result<Action, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let change = write_replanning(&state, path.clinic_id, move |conn| {
        service::on_session(
            conn,
            &caller,
            path.clinic_id,
            path.session_id,
            &if_match,
            now,
            &action,
        )
    })
    .await?;
    Ok(changed(change))
}

/// Moves one session (defer) to a given time or the next best time that
/// keeps the phase's rules; the rest of the course keeps its times.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/sessions/{session_id}/reschedule", tag = "sessions",
    params(SessionPath, ("If-Match" = String, Header, description = "The session's ETag")), request_body = RescheduleSession,
    responses((status = 200, body = SessionChange), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn reschedule_session(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: Body<RescheduleSession>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    act_on_session(caller, state, *path, if_match, move |zone, session| {
        let to = match (&body.to, &body.next_best) {
            (Some(at), None) => Target::At {
                chair: body.chair_id.map(ChairId),
                start: resolve_at(zone, at, "to")?,
            },
            (None, Some(next)) => Target::NextBest {
                not_before: next.not_before,
            },
            _ => {
                return Err(ApiError::invalid_field(
                    "to",
                    "give exactly one of `to` or `next_best`",
                ))
            }
        };
        Ok(Action::Reschedule {
            session,
            to,
            reason: body.reason.clone(),
            override_reason: body.override_reason.clone(),
        })
    })
    .await
}

/// Cancels this session — a miss: the dose is still owed and is rebooked
/// inside the phase's rules, or the course goes at risk — or all remaining
/// ones, which puts the course on hold for a clinician.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/sessions/{session_id}/cancel", tag = "sessions",
    params(SessionPath, ("If-Match" = String, Header, description = "The session's ETag")), request_body = CancelSession,
    responses((status = 200, body = SessionChange), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn cancel_session(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: Body<CancelSession>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    act_on_session(caller, state, *path, if_match, move |_, session| {
        Ok(Action::Cancel {
            session,
            reason: body.reason.clone(),
            remaining: body.scope == crate::dto::session::CancelScope::Remaining,
        })
    })
    .await
}

/// Checks the patient in: on the session's local day, from the clinic's
/// lead before its start until its end; refused (422) without a confirmed
/// escort unless a clinician overrides with a reason.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/sessions/{session_id}/check-in", tag = "sessions",
    params(SessionPath, ("If-Match" = String, Header, description = "The session's ETag")), request_body = StatusNote,
    responses((status = 200, body = SessionChange), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn check_in_session(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: MaybeBody<StatusNote>,
) -> Result<HttpResponse, ApiError> {
    let note = body.0;
    act_on_session(caller, state, *path, if_match, move |_, session| {
        Ok(Action::CheckIn {
            session,
            note: note.reason.clone(),
            escort_override: note.override_reason.clone(),
        })
    })
    .await
}

/// Completes a checked-in session; a series reaching its number of doses
/// starts the next phase.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/sessions/{session_id}/complete", tag = "sessions",
    params(SessionPath, ("If-Match" = String, Header, description = "The session's ETag")), request_body = StatusNote,
    responses((status = 200, body = SessionChange), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn complete_session(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: MaybeBody<StatusNote>,
) -> Result<HttpResponse, ApiError> {
    let note = body.0;
    act_on_session(caller, state, *path, if_match, move |_, session| {
        Ok(Action::Complete {
            session,
            note: note.reason.clone(),
        })
    })
    .await
}

/// Marks a no-show, from the session's start plus the clinic's grace
/// period; the dose is rebooked inside the phase's rules or the course goes
/// at risk.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/sessions/{session_id}/no-show", tag = "sessions",
    params(SessionPath, ("If-Match" = String, Header, description = "The session's ETag")), request_body = StatusNote,
    responses((status = 200, body = SessionChange), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn no_show_session(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: MaybeBody<StatusNote>,
) -> Result<HttpResponse, ApiError> {
    let note = body.0;
    act_on_session(caller, state, *path, if_match, move |_, session| {
        Ok(Action::NoShow {
            session,
            note: note.reason.clone(),
            automatic: false,
        })
    })
    .await
}

/// Arrived but not dosed (treatment withheld), after check-in: a miss, so
/// the dose is rebooked inside the phase's rules or the course goes at risk.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/sessions/{session_id}/not-dosed", tag = "sessions",
    params(SessionPath, ("If-Match" = String, Header, description = "The session's ETag")), request_body = NotDosed,
    responses((status = 200, body = SessionChange), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn not_dosed_session(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: Body<NotDosed>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    act_on_session(caller, state, *path, if_match, move |_, session| {
        Ok(Action::NotDosed {
            session,
            reason: body.reason.clone(),
        })
    })
    .await
}

/// A clinician omits this session's dose: the phase counts one dose fewer
/// and the session (booked or missed) is not replaced.
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/sessions/{session_id}/omit", tag = "sessions",
    params(SessionPath, ("If-Match" = String, Header, description = "The session's ETag")), request_body = OmitSession,
    responses((status = 200, body = SessionChange), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn omit_session(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: Body<OmitSession>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    act_on_session(caller, state, *path, if_match, move |_, session| {
        Ok(Action::Omit {
            session,
            reason: body.reason.clone(),
        })
    })
    .await
}

/// A clinician corrects a session's record: entered in error, or its last
/// status change undone. Kept in the audit trail with the reason; the
/// course is brought back into line (a dose owed again is rebooked).
#[utoipa::path(post, path = "/v1/clinics/{clinic_id}/sessions/{session_id}/correct", tag = "sessions",
    params(SessionPath, ("If-Match" = String, Header, description = "The session's ETag")), request_body = CorrectSession,
    responses((status = 200, body = SessionChange), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"), (status = 428, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn correct_session(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<SessionPath>,
    if_match: IfMatch,
    body: Body<CorrectSession>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    act_on_session(caller, state, *path, if_match, move |_, session| {
        Ok(Action::Correct {
            session,
            correction: body.correction,
            reason: body.reason.clone(),
        })
    })
    .await
}
