//! What happens to one session: each action is one declaration of the
//! `session_action!` shape — load the session, check `If-Match` against it
//! as the decision reads it, ask the engine, persist its decision, answer
//! with the session and what the course's rules booked or cancelled.

use actix_web::{post, web, HttpResponse};
use chairside_engine::course::{Action, SessionId};
use chrono_tz::Tz;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::body::{Body, MaybeBody};
use crate::dto::session::{
    AnswerReminder, CancelScope, CancelSession, CompleteSession, CorrectSession, NotDosed,
    OmitSession, RescheduleSession, SessionChange, StatusNote,
};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::sessions::SessionPath;
use crate::routes::{query::Query, write_replanning};
use crate::service::course as service;
use crate::service::when::target;
use crate::state::AppState;

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(reschedule_session)
        .service(cancel_session)
        .service(check_in_session)
        .service(complete_session)
        .service(no_show_session)
        .service(not_dosed_session)
        .service(omit_session)
        .service(answer_reminder)
        .service(correct_session);
}

/// Declares a session action: its documentation, handler name, route,
/// request body (and whether it may be left out), roles, the problems
/// particular to it (409 conflicts, 422 refusals; the conventional ones
/// follow from its shape), and how its request becomes an engine `Action`.
macro_rules! session_action {
    (
        $(#[$doc:meta])*
        $name:ident: $route:tt, $extract:ident<$body:ident>,
        roles = [$($role:literal),+],
        conflicts = [$($conflict:ident),+]
        $(, refusals = [$($refusal:ident),+])?,
        |$zone:pat_param, $session:pat_param, $input:pat_param| $action:expr
    ) => {
        $(#[$doc])*
        #[utoipa::path(tag = "sessions",
            params(SessionPath, DryRun, ("If-Match" = String, Header, description = "The session's ETag")),
            request_body = $body,
            responses(
                (status = 200, body = SessionChange),
                (status = 409, description = answers(&[$(ProblemKind::$conflict),+]),
                    body = Problem, content_type = "application/problem+json")
                $(, (status = 422, description = answers(&[$(ProblemKind::$refusal),+]),
                    body = Problem, content_type = "application/problem+json"))?
            ),
            security(("api_key" = [$($role),+])))]
        #[post($route)]
        pub async fn $name(
            caller: Caller,
            state: web::Data<AppState>,
            path: web::Path<SessionPath>,
            if_match: IfMatch,
            dry: Query<DryRun>,
            body: $extract<$body>,
        ) -> Result<HttpResponse, ApiError> {
            let $input = body.0;
            let asked = Asked { path: *path, if_match, dry_run: dry.dry_run.unwrap_or(false) };
            act_on_session(caller, state, asked, move |$zone: Tz, $session: SessionId| {
                $action
            })
            .await
        }
    };
}

/// Ask without doing: `?dry_run=true` answers exactly what the action
/// would do — the same decision, written in a savepoint that is rolled
/// back — or the problem that refuses it. Nothing changes, nothing is
/// announced. (A board shows the engine's answer before a move is made.)
#[derive(Clone, Copy, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DryRun {
    /// Answer what the action would do, and do nothing.
    pub dry_run: Option<bool>,
}

/// A session action as asked: which session, at which ETag, for real or not.
struct Asked {
    path: SessionPath,
    if_match: IfMatch,
    dry_run: bool,
}

/// Runs a session action in one write transaction, deciding again
/// (bounded) when a concurrent writer took a chair the decision placed.
async fn act_on_session(
    caller: Caller,
    state: web::Data<AppState>,
    asked: Asked,
    action: impl Fn(Tz, SessionId) -> Result<Action, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let Asked {
        path,
        if_match,
        dry_run,
    } = asked;
    let change = write_replanning(&state, path.clinic_id, move |conn| {
        let run = |conn: &mut chairside_store::DbConnection| {
            let (clinic, session) = (path.clinic_id, path.session_id);
            service::on_session(conn, &caller, clinic, session, &if_match, now, &action)
        };
        if dry_run {
            chairside_store::rolled_back(conn, run)
        } else {
            run(conn)
        }
    })
    .await?;
    if dry_run {
        return Ok(HttpResponse::Ok().json(change));
    }
    Ok(changed(change))
}

fn changed(change: SessionChange) -> HttpResponse {
    let etag = crate::etag::etag_of(&change.session);
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag))
        .json(change)
}

session_action! {
    /// Moves one session (defer) to a given time or the next best time that
    /// keeps the phase's rules; the rest of the course keeps its times.
    reschedule_session: "/clinics/{clinic_id}/sessions/{session_id}/reschedule",
    Body<RescheduleSession>,
    roles = ["admin", "clinician", "front_desk"],
    conflicts = [StatusTransition, CourseStatus, PhaseEnded, ChairTaken, PatientDoubleBooked,
        Contention],
    refusals = [RuleViolations, Infeasible],
    |zone, session, body| {
        let to = target(zone, body.to.as_ref(), body.chair_id, body.next_best.as_ref())?;
        Ok(Action::Reschedule {
            session,
            to,
            reason: body.reason.clone(),
            override_reason: body.override_reason.clone(),
        })
    }
}

session_action! {
    /// Cancels this session — a miss: the dose is still owed and is rebooked
    /// inside the phase's rules, or the course goes at risk — or this and all
    /// remaining ones, which puts the course on hold for a clinician. "All
    /// remaining" starts at the course's next booking (an earlier booking
    /// still to come is refused, 409, naming it; one already past and not
    /// attended is cancelled with the rest).
    cancel_session: "/clinics/{clinic_id}/sessions/{session_id}/cancel",
    Body<CancelSession>,
    roles = ["admin", "clinician", "front_desk"],
    conflicts = [StatusTransition, CourseStatus, ChairTaken, PatientDoubleBooked, Contention],
    |_, session, body| {
        Ok(Action::Cancel {
            session,
            reason: body.reason.clone(),
            remaining: body.scope == CancelScope::Remaining,
        })
    }
}

session_action! {
    /// Records the patient's answer to a reminder, as a reminder
    /// integration reports it: `confirmed` keeps the booking and says when;
    /// `declined` cancels it (a miss: the dose is rebooked inside the
    /// phase's rules); `asked_to_move` moves it to the next best time.
    /// Less than `settings.late_cancellation_notice_hours` before the start,
    /// a decline or a request to move is a late cancellation: the booking is
    /// cancelled with `late_cancellation: true` and the dose rebooked.
    answer_reminder: "/clinics/{clinic_id}/sessions/{session_id}/reminder-answer",
    Body<AnswerReminder>,
    roles = ["admin", "front_desk", "integration"],
    conflicts = [StatusTransition, CourseStatus, ChairTaken, PatientDoubleBooked, Contention],
    refusals = [RuleViolations, Infeasible],
    |_, session, body| {
        Ok(Action::Answer {
            session,
            answer: body.answer,
        })
    }
}

session_action! {
    /// Checks the patient in: on the session's local day, from the clinic's
    /// lead before its start until its end; refused (422) without a confirmed
    /// escort unless a clinician overrides with a reason.
    check_in_session: "/clinics/{clinic_id}/sessions/{session_id}/check-in",
    MaybeBody<StatusNote>,
    roles = ["admin", "clinician", "front_desk"],
    conflicts = [StatusTransition, CourseStatus, CheckInWindow],
    refusals = [GateNotPassed],
    |_, session, note| {
        Ok(Action::CheckIn {
            session,
            note: note.reason.clone(),
            escort_override: note.override_reason.clone(),
        })
    }
}

session_action! {
    /// Completes a checked-in session: the patient is discharged (now, or at
    /// `discharged_at`). An esketamine patient leaves no earlier than two
    /// hours after the first device recorded in the session's monitoring
    /// (REMS; `possible_from` names the earliest time). A series reaching
    /// its number of doses starts the next phase.
    complete_session: "/clinics/{clinic_id}/sessions/{session_id}/complete",
    MaybeBody<CompleteSession>,
    roles = ["admin", "clinician", "front_desk"],
    conflicts = [StatusTransition, RemsMonitoring, ChairTaken, PatientDoubleBooked, Contention],
    |_, session, body| {
        Ok(Action::Complete {
            session,
            note: body.reason.clone(),
            discharged_at: body.discharged_at,
        })
    }
}

session_action! {
    /// Marks a no-show, from the session's start plus the clinic's grace
    /// period; the dose is rebooked inside the phase's rules or the course goes
    /// at risk.
    no_show_session: "/clinics/{clinic_id}/sessions/{session_id}/no-show",
    MaybeBody<StatusNote>,
    roles = ["admin", "clinician", "front_desk"],
    conflicts = [StatusTransition, NoShowGrace, ChairTaken, PatientDoubleBooked, Contention],
    |_, session, note| {
        Ok(Action::NoShow {
            session,
            note: note.reason.clone(),
            automatic: false,
        })
    }
}

session_action! {
    /// Arrived but not dosed (treatment withheld), after check-in: a miss, so
    /// the dose is rebooked inside the phase's rules or the course goes at risk.
    not_dosed_session: "/clinics/{clinic_id}/sessions/{session_id}/not-dosed",
    Body<NotDosed>,
    roles = ["admin", "clinician", "front_desk"],
    conflicts = [StatusTransition, ChairTaken, PatientDoubleBooked, Contention],
    |_, session, body| {
        Ok(Action::NotDosed {
            session,
            reason: body.reason.clone(),
        })
    }
}

session_action! {
    /// A clinician omits this session's dose: the phase counts one dose fewer
    /// and the session (booked or missed) is not replaced.
    omit_session: "/clinics/{clinic_id}/sessions/{session_id}/omit",
    Body<OmitSession>,
    roles = ["admin", "clinician"],
    conflicts = [StatusTransition, CourseStatus, SeriesOnly, PhaseEnded, LastDose,
        ChairTaken, PatientDoubleBooked, Contention],
    |_, session, body| {
        Ok(Action::Omit {
            session,
            reason: body.reason.clone(),
        })
    }
}

session_action! {
    /// A clinician corrects a session's record: entered in error, or its last
    /// status change undone. Kept in the audit trail with the reason; the
    /// course is brought back into line (a dose owed again is rebooked).
    correct_session: "/clinics/{clinic_id}/sessions/{session_id}/correct",
    Body<CorrectSession>,
    roles = ["admin", "clinician"],
    conflicts = [StatusTransition, NothingToUndo, PhaseEnded, CourseStatus,
        ChairTaken, PatientDoubleBooked, Contention],
    refusals = [RuleViolations],
    |_, session, body| {
        Ok(Action::Correct {
            session,
            correction: body.correction,
            reason: body.reason.clone(),
        })
    }
}
