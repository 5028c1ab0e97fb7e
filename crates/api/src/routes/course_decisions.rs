//! A clinician's decisions on a whole course: booster spacing, pause,
//! resume, end, the at-risk decision. Each is one declaration of the
//! `course_decision!` shape — check `If-Match` against the course, ask the
//! engine, persist its decision, answer.

use actix_web::{post, web, HttpResponse};
use chairside_engine::course::Action;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::body::Body;
use crate::dto::clinical::{
    BoosterPolicyChanged, ChangeBoosterPolicy, DecideAtRisk, Reason, Resume, StepBack,
};
use crate::dto::course::CourseView;
use crate::error::ApiError;
use crate::etag::{ok_with_etag, IfMatch};
use crate::problem::Problem;
use crate::problem_kind::{answers, ProblemKind};
use crate::routes::courses::CoursePath;
use crate::routes::write_replanning;
use crate::service::{clinical, course};
use crate::state::AppState;

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(change_booster_policy)
        .service(step_back)
        .service(pause_course)
        .service(resume_course)
        .service(discontinue_course)
        .service(decide_at_risk);
}

/// Declares a clinician's decision on a course: its documentation, handler
/// name, route, request body, what it answers with, the problems particular
/// to it, how its request becomes an engine `Action`, and how the decision
/// is answered. Only a clinician's or an admin's key decides.
macro_rules! course_decision {
    (
        $(#[$doc:meta])*
        $name:ident: $route:tt, Body<$body:ident> -> $answer:ident,
        conflicts = [$($conflict:ident),+]
        $(, refusals = [$($refusal:ident),+])?,
        |$input:pat_param| $action:expr,
        |$acted:pat_param| $respond:expr
    ) => {
        $(#[$doc])*
        #[utoipa::path(tag = "clinical",
            params(CoursePath, ("If-Match" = String, Header, description = "The course's ETag")),
            request_body = $body,
            responses(
                (status = 200, body = $answer),
                (status = 409, description = answers(&[$(ProblemKind::$conflict),+]),
                    body = Problem, content_type = "application/problem+json")
                $(, (status = 422, description = answers(&[$(ProblemKind::$refusal),+]),
                    body = Problem, content_type = "application/problem+json"))?
            ),
            security(("api_key" = ["admin", "clinician"])))]
        #[post($route)]
        pub async fn $name(
            caller: Caller,
            state: web::Data<AppState>,
            path: web::Path<CoursePath>,
            if_match: IfMatch,
            body: Body<$body>,
        ) -> Result<HttpResponse, ApiError> {
            let $input = body.0;
            let $acted = decide(caller, &state, *path, if_match, $action).await?;
            $respond
        }
    };
}

/// Runs a decision in one write transaction, deciding again (bounded) when
/// a concurrent writer took a chair the decision placed.
pub(crate) async fn decide(
    caller: Caller,
    state: &web::Data<AppState>,
    path: CoursePath,
    if_match: IfMatch,
    action: Action,
) -> Result<course::Acted, ApiError> {
    let now = state.clock.now();
    write_replanning(state, path.clinic_id, move |conn| {
        course::on_course(
            conn,
            &caller,
            path.clinic_id,
            path.course_id,
            &if_match,
            now,
            &action,
        )
    })
    .await
}

course_decision! {
    /// Changes the course's booster spacing. Only future boosters not yet
    /// attended move; below the protocol's floor needs `override_floor` and a
    /// reason.
    change_booster_policy: "/clinics/{clinic_id}/courses/{course_id}/booster-policy",
    Body<ChangeBoosterPolicy> -> BoosterPolicyChanged,
    conflicts = [CourseStatus, ChairTaken, PatientDoubleBooked, Contention],
    refusals = [RuleViolations, Infeasible],
    |body| Action::ChangeBoosterPolicy {
        policy: body.policy,
        reason: body.reason,
        override_floor: body.override_floor,
    },
    |acted| Ok(HttpResponse::Ok().json(clinical::policy_changed(&acted)?))
}

course_decision! {
    /// Steps back to the previous, more frequent interval (esketamine label:
    /// worsening symptoms in maintenance).
    step_back: "/clinics/{clinic_id}/courses/{course_id}/booster-policy/step-back",
    Body<StepBack> -> BoosterPolicyChanged,
    conflicts = [NoShorterStep, CourseStatus, ChairTaken, PatientDoubleBooked, Contention],
    refusals = [Infeasible],
    |body| Action::StepBack { reason: body.reason },
    |acted| Ok(HttpResponse::Ok().json(clinical::policy_changed(&acted)?))
}

course_decision! {
    /// Pauses a course: future sessions are cancelled, the course keeps its
    /// place.
    pause_course: "/clinics/{clinic_id}/courses/{course_id}/pause",
    Body<Reason> -> CourseView,
    conflicts = [CourseStatus],
    |body| Action::Pause { reason: body.reason },
    |acted| Ok(ok_with_etag(&acted.course_view()))
}

course_decision! {
    /// Resumes a paused course, re-planning from the resume date within the
    /// phase's rules.
    resume_course: "/clinics/{clinic_id}/courses/{course_id}/resume",
    Body<Resume> -> CourseView,
    conflicts = [CourseStatus, OneRunningCourse, ChairTaken, PatientDoubleBooked, Contention],
    |body| Action::Resume {
        from: body.from,
        reason: body.reason,
    },
    |acted| Ok(ok_with_etag(&acted.course_view()))
}

course_decision! {
    /// Discontinues a course (cease): remaining sessions are cancelled; a
    /// reason is required.
    discontinue_course: "/clinics/{clinic_id}/courses/{course_id}/discontinue",
    Body<Reason> -> CourseView,
    conflicts = [CourseStatus],
    |body| Action::Cease { reason: body.reason },
    |acted| Ok(ok_with_etag(&acted.course_view()))
}

course_decision! {
    /// Decides an at-risk course: accept the extended plan or restart the
    /// series.
    decide_at_risk: "/clinics/{clinic_id}/courses/{course_id}/at-risk/decision",
    Body<DecideAtRisk> -> CourseView,
    conflicts = [NotAtRisk, CourseStatus, SeriesOnly, ChairTaken, PatientDoubleBooked, Contention],
    refusals = [Infeasible],
    |body| Action::DecideAtRisk {
        choice: body.choice,
        reason: body.reason,
    },
    |acted| Ok(ok_with_etag(&acted.course_view()))
}
