//! Reminders for integrations that poll.

use actix_web::get;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::dto::reminder::ReminderView;
use crate::error::ApiError;
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::{query::Query, read};
use crate::service::reminders as service;
use crate::state::AppState;

/// What to look for.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpcomingQuery {
    /// How far ahead: `90m`, `48h`, `2d` (at most `14d`; default `48h`).
    #[param(pattern = "^[0-9]+[mhd]$")]
    pub within: Option<String>,
    /// The clinic; defaults to the key's clinic (required for keys not scoped to one).
    pub clinic_id: Option<i64>,
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upcoming_reminders);
}

/// Reminders due soon (each clinic's lead times, in clinic time) for booked
/// sessions, with the day-of instructions to send. Never for a session that
/// has started or been cancelled.
#[utoipa::path(tag = "reminders", params(UpcomingQuery),
    responses((status = 200, body = Vec<ReminderView>),
        (status = 404, description = answers(&[ProblemKind::NotFound]), body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["admin", "clinician", "front_desk", "integration"])))]
#[get("/reminders/upcoming")]
pub async fn upcoming_reminders(
    caller: Caller,
    state: web::Data<AppState>,
    query: Query<UpcomingQuery>,
) -> Result<HttpResponse, ApiError> {
    let within = service::parse_within(query.within.as_deref().unwrap_or("48h"))?;
    let clinic_id = match (caller.clinic_scope, query.clinic_id) {
        (Some(scope), Some(asked)) if scope != asked => {
            return Err(ApiError::Forbidden(format!(
                "this key is scoped to clinic {scope}"
            )))
        }
        (Some(scope), _) => scope,
        (None, Some(asked)) => asked,
        (None, None) => {
            return Err(ApiError::invalid_field(
                "clinic_id",
                "required for a key not scoped to one clinic",
            ))
        }
    };
    let now = state.clock.now();
    let due = read(&state, move |conn| {
        service::upcoming(conn, clinic_id, within, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(due))
}
