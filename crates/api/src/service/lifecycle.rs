//! A course's life after booking: the next phase when a series completes,
//! boosters kept booked ahead, pause, resume, discontinue, and the
//! clinician's decision on an at-risk course.

use chairside_engine::{self as engine, BoosterRequest, PhaseRequest, ReplanRequest};
use chairside_store::models::{self as m, CourseStatus, CourseUpdate, SessionStatus};
use chairside_store::{repo, DbConnection};
use chrono::NaiveDate;
use serde_json::json;

use crate::auth::Caller;
use crate::dto::clinical::{AtRiskChoice, DecideAtRisk, Resume};
use crate::dto::course::CourseView;
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::service::context::CourseContext;
use crate::service::placing::dates;
use crate::service::sessions::{change_status, flag_at_risk, replace_future};
use crate::service::{audit, courses, emit, load_book};

/// How far ahead phases and boosters are planned.
const SEARCH_DAYS: i64 = 400;

fn set_course(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
    change: CourseUpdate,
) -> Result<m::Course, ApiError> {
    let course = repo::courses::get(conn, clinic_id, course_id)?;
    Ok(repo::courses::update(
        conn,
        clinic_id,
        course_id,
        course.version,
        &change,
    )?)
}

fn course_event(
    conn: &mut DbConnection,
    caller: &Caller,
    course: &m::Course,
    event: &str,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let payload = json!({ "course_id": course.id, "patient_id": course.patient_id, "status": course.status.as_str(), "current_phase": course.current_phase, "detail": detail });
    emit(conn, course.clinic_id, event, course.id, payload.clone())?;
    audit(
        conn,
        caller,
        Some(course.clinic_id),
        event,
        "course",
        Some(course.id),
        None,
        Some(payload),
    )
}

/// Books boosters so that the clinic's `boosters_ahead` future boosters
/// stand, planned from the last standing session.
pub fn top_up_boosters(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    not_before: NaiveDate,
) -> Result<Vec<m::Session>, ApiError> {
    let context = CourseContext::load(conn, clinic_id, course_id)?;
    let phase = context.course.current_phase;
    let Some((booster_phase, _)) = context.protocol.boosters() else {
        return Ok(Vec::new());
    };
    if phase as usize != booster_phase || context.course.status != CourseStatus::Active {
        return Ok(Vec::new());
    }
    let future: Vec<&m::Session> = context
        .sessions
        .iter()
        .filter(|s| s.phase_index == phase && s.status == SessionStatus::Booked)
        .collect();
    let book = load_book(conn, clinic_id, not_before, SEARCH_DAYS, &[])?;
    let wanted = book.settings.boosters_ahead as usize;
    if future.len() >= wanted {
        return Ok(Vec::new());
    }
    let previous = context
        .sessions
        .iter()
        .filter(|s| s.status.is_live())
        .map(|s| context.date(s))
        .max()
        .unwrap_or(not_before);
    let policy = context
        .booster_policy()?
        .expect("a booster phase has a policy");
    let busy = context.patient_busy(conn, not_before, SEARCH_DAYS, &[])?;
    let preferences = context.preferences()?;
    let proposed = book.planner()?.propose_boosters(&BoosterRequest {
        protocol: &context.protocol,
        policy: &policy,
        previous_session: previous,
        count: wanted - future.len(),
        not_before,
        first_sequence: context
            .sessions
            .iter()
            .filter(|s| s.phase_index == phase)
            .count() as u32
            + 1,
        preferences: &preferences,
        patient_sessions: &busy,
    })?;
    let (booked, _, _) = replace_future(conn, caller, &context, phase, &[], &proposed)?;
    Ok(booked)
}

/// After a session completes: when it completes a series, the next phase
/// starts (the next series is planned from the last session, or boosters are
/// booked); when there is no next phase the course is completed. In the
/// booster phase, the next booster is kept booked ahead.
pub fn after_completion(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
) -> Result<Vec<m::Session>, ApiError> {
    let context = CourseContext::load(conn, clinic_id, course_id)?;
    let phase = context.course.current_phase;
    let tomorrow = context.tomorrow();
    let engine::PhaseKind::Series(rules) = &context.protocol.phase(phase as usize)?.kind else {
        return top_up_boosters(conn, caller, clinic_id, course_id, tomorrow);
    };
    let completed: Vec<&m::Session> = context
        .sessions
        .iter()
        .filter(|s| {
            s.phase_index == phase
                && context.in_current_series(s)
                && s.status == SessionStatus::Completed
        })
        .collect();
    if completed.len() < rules.sessions as usize {
        return Ok(Vec::new());
    }
    let last = dates(context.zone, &completed)
        .last()
        .copied()
        .unwrap_or(tomorrow);
    let next = phase + 1;
    repo::courses::set_series_start(conn, clinic_id, course_id, 0)?;
    let course = set_course(
        conn,
        clinic_id,
        course_id,
        CourseUpdate {
            status: None,
            current_phase: Some(next),
            at_risk_reason: Some(None),
        },
    )?;
    course_event(
        conn,
        caller,
        &course,
        "course.phase_completed",
        json!({ "completed_phase": phase }),
    )?;
    let Some(next_phase) = context.protocol.phases.get(next as usize) else {
        let course = set_course(
            conn,
            clinic_id,
            course_id,
            CourseUpdate {
                status: Some(CourseStatus::Completed),
                current_phase: None,
                at_risk_reason: None,
            },
        )?;
        course_event(conn, caller, &course, "course.completed", json!({}))?;
        return Ok(Vec::new());
    };
    match &next_phase.kind {
        engine::PhaseKind::Boosters(_) => {
            top_up_boosters(conn, caller, clinic_id, course_id, tomorrow)
        }
        engine::PhaseKind::Series(_) => {
            let book = load_book(conn, clinic_id, tomorrow, SEARCH_DAYS, &[])?;
            let busy = context.patient_busy(conn, tomorrow, SEARCH_DAYS, &[])?;
            let preferences = context.preferences()?;
            let plan = book.planner()?.plan_phase(&PhaseRequest {
                protocol: &context.protocol,
                phase: next as usize,
                preferences: &preferences,
                earliest: tomorrow,
                first_within_days: 28,
                patient_sessions: &busy,
                previous_session: Some(last),
            });
            match plan {
                Ok(plan) => {
                    let context = CourseContext::load(conn, clinic_id, course_id)?;
                    Ok(replace_future(conn, caller, &context, next, &[], &plan.sessions)?.0)
                }
                Err(engine::EngineError::Infeasible(why)) => {
                    let context = CourseContext::load(conn, clinic_id, course_id)?;
                    let violation = engine::Violation {
                        rule: why.rule,
                        sequence: Some(1),
                        detail: why.to_string(),
                    };
                    flag_at_risk(
                        conn,
                        caller,
                        &context,
                        "the next phase cannot be planned within its rules",
                        &[violation],
                    )?;
                    Ok(Vec::new())
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}

fn cancel_future(
    conn: &mut DbConnection,
    caller: &Caller,
    context: &CourseContext,
    reason: &str,
) -> Result<Vec<m::Session>, ApiError> {
    let future: Vec<m::Session> = context
        .sessions
        .iter()
        .filter(|s| s.status == SessionStatus::Booked)
        .cloned()
        .collect();
    future
        .iter()
        .map(|s| {
            change_status(
                conn,
                caller,
                context,
                s,
                SessionStatus::Cancelled,
                Some(reason),
            )
        })
        .collect()
}

fn require_reason(reason: &str) -> Result<(), ApiError> {
    if reason.trim().is_empty() {
        return Err(ApiError::invalid_field("reason", "a reason is required"));
    }
    Ok(())
}

fn guarded(
    conn: &mut DbConnection,
    clinic_id: i64,
    course_id: i64,
    if_match: &IfMatch,
) -> Result<CourseContext, ApiError> {
    let context = CourseContext::load(conn, clinic_id, course_id)?;
    if_match.check(&courses::view(conn, &context.course)?)?;
    Ok(context)
}

/// Pauses a course: future sessions cancelled; the course keeps its place.
pub fn pause(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    if_match: &IfMatch,
    reason: &str,
) -> Result<CourseView, ApiError> {
    require_reason(reason)?;
    let context = guarded(conn, clinic_id, course_id, if_match)?;
    if context.course.status != CourseStatus::Active {
        return Err(ApiError::Conflict {
            kind: "course-status",
            detail: format!(
                "only an active course can pause; this one is {}",
                context.course.status.as_str()
            ),
        });
    }
    let cancelled = cancel_future(conn, caller, &context, reason)?;
    let course = set_course(
        conn,
        clinic_id,
        course_id,
        CourseUpdate {
            status: Some(CourseStatus::Paused),
            current_phase: None,
            at_risk_reason: None,
        },
    )?;
    course_event(
        conn,
        caller,
        &course,
        "course.paused",
        json!({ "reason": reason, "cancelled": cancelled.iter().map(|s| s.id).collect::<Vec<_>>() }),
    )?;
    courses::view(conn, &course)
}

/// Resumes a paused course, re-planning its current phase from a date.
pub fn resume(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    if_match: &IfMatch,
    body: &Resume,
) -> Result<CourseView, ApiError> {
    require_reason(&body.reason)?;
    let context = guarded(conn, clinic_id, course_id, if_match)?;
    if context.course.status != CourseStatus::Paused {
        return Err(ApiError::Conflict {
            kind: "course-status",
            detail: format!(
                "only a paused course can resume; this one is {}",
                context.course.status.as_str()
            ),
        });
    }
    let from = body
        .from
        .unwrap_or(context.tomorrow())
        .max(context.tomorrow());
    let course = set_course(
        conn,
        clinic_id,
        course_id,
        CourseUpdate {
            status: Some(CourseStatus::Active),
            current_phase: None,
            at_risk_reason: None,
        },
    )?;
    let booked = replan_current(conn, caller, clinic_id, course_id, from, false)?;
    course_event(
        conn,
        caller,
        &course,
        "course.resumed",
        json!({ "reason": body.reason, "from": from, "booked": booked.iter().map(|s| s.id).collect::<Vec<_>>() }),
    )?;
    courses::get(conn, clinic_id, course_id)
}

/// Re-plans the current phase from `from`: a series keeps its completed
/// sessions (or, restarting, starts over); boosters are topped up.
fn replan_current(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    from: NaiveDate,
    accept_relaxed: bool,
) -> Result<Vec<m::Session>, ApiError> {
    let context = CourseContext::load(conn, clinic_id, course_id)?;
    let phase = context.course.current_phase;
    let engine::PhaseKind::Series(rules) = &context.protocol.phase(phase as usize)?.kind else {
        return top_up_boosters(conn, caller, clinic_id, course_id, from);
    };
    let attended: Vec<&m::Session> = context
        .sessions
        .iter()
        .filter(|s| {
            s.phase_index == phase
                && context.in_current_series(s)
                && matches!(
                    s.status,
                    SessionStatus::Completed | SessionStatus::CheckedIn
                )
        })
        .collect();
    let future: Vec<&m::Session> = context
        .sessions
        .iter()
        .filter(|s| s.phase_index == phase && s.status == SessionStatus::Booked)
        .collect();
    let future_ids: Vec<i64> = future.iter().map(|s| s.id).collect();
    let kept = dates(context.zone, &attended);
    let book = load_book(conn, clinic_id, from, SEARCH_DAYS, &future_ids)?;
    let busy = context.patient_busy(conn, from, SEARCH_DAYS, &future_ids)?;
    let preferences = context.preferences()?;
    let replan = book.planner()?.replan_series(&ReplanRequest {
        protocol: &context.protocol,
        phase: phase as usize,
        kept: &kept,
        remaining: (rules.sessions as usize).saturating_sub(kept.len()),
        earliest: from,
        preferences: &preferences,
        patient_sessions: &busy,
    })?;
    if replan.at_risk() && !accept_relaxed {
        flag_at_risk(
            conn,
            caller,
            &context,
            "the phase's window cannot be kept from the resume date",
            &replan.violations,
        )?;
        return Ok(Vec::new());
    }
    Ok(replace_future(conn, caller, &context, phase, &future, &replan.sessions)?.0)
}

/// Ends a course early (cease): remaining sessions cancelled, reason kept.
pub fn discontinue(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    if_match: &IfMatch,
    reason: &str,
) -> Result<CourseView, ApiError> {
    require_reason(reason)?;
    let context = guarded(conn, clinic_id, course_id, if_match)?;
    if matches!(
        context.course.status,
        CourseStatus::Ceased | CourseStatus::Completed
    ) {
        return Err(ApiError::Conflict {
            kind: "course-status",
            detail: format!("the course is already {}", context.course.status.as_str()),
        });
    }
    let cancelled = cancel_future(conn, caller, &context, reason)?;
    let course = set_course(
        conn,
        clinic_id,
        course_id,
        CourseUpdate {
            status: Some(CourseStatus::Ceased),
            current_phase: None,
            at_risk_reason: Some(None),
        },
    )?;
    course_event(
        conn,
        caller,
        &course,
        "course.discontinued",
        json!({ "reason": reason, "cancelled": cancelled.iter().map(|s| s.id).collect::<Vec<_>>() }),
    )?;
    courses::view(conn, &course)
}

/// A clinician decides an at-risk course: accept the extended plan (booked
/// as the engine relaxed it, violations recorded) or restart the series.
pub fn decide_at_risk(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    if_match: &IfMatch,
    body: &DecideAtRisk,
) -> Result<CourseView, ApiError> {
    require_reason(&body.reason)?;
    let context = guarded(conn, clinic_id, course_id, if_match)?;
    let Some(at_risk) = context.course.at_risk_reason.clone() else {
        return Err(ApiError::Conflict {
            kind: "not-at-risk",
            detail: "the course is not at risk".into(),
        });
    };
    let from = context.tomorrow();
    let booked = match body.choice {
        AtRiskChoice::AcceptExtension => {
            replan_current(conn, caller, clinic_id, course_id, from, true)?
        }
        AtRiskChoice::RestartSeries => {
            let phase = context.course.current_phase;
            // Restarting: the series begins again; earlier sessions of the
            // phase no longer count towards it.
            let future: Vec<&m::Session> = context
                .sessions
                .iter()
                .filter(|s| s.phase_index == phase && s.status == SessionStatus::Booked)
                .collect();
            let future_ids: Vec<i64> = future.iter().map(|s| s.id).collect();
            let book = load_book(conn, clinic_id, from, SEARCH_DAYS, &future_ids)?;
            let busy = context.patient_busy(conn, from, SEARCH_DAYS, &future_ids)?;
            let preferences = context.preferences()?;
            let plan = book.planner()?.plan_phase(&PhaseRequest {
                protocol: &context.protocol,
                phase: phase as usize,
                preferences: &preferences,
                earliest: from,
                first_within_days: 56,
                patient_sessions: &busy,
                previous_session: None,
            })?;
            let first_sequence = context
                .sessions
                .iter()
                .filter(|s| s.phase_index == phase)
                .map(|s| s.sequence)
                .max()
                .unwrap_or(0);
            // The restarted series counts only the sessions booked from here.
            repo::courses::set_series_start(conn, clinic_id, course_id, first_sequence)?;
            let renumbered: Vec<engine::PlannedSession> = plan
                .sessions
                .iter()
                .map(|s| engine::PlannedSession {
                    sequence: s.sequence + first_sequence as u32,
                    ..*s
                })
                .collect();
            replace_future(conn, caller, &context, phase, &future, &renumbered)?.0
        }
    };
    let course = set_course(
        conn,
        clinic_id,
        course_id,
        CourseUpdate {
            status: None,
            current_phase: None,
            at_risk_reason: Some(None),
        },
    )?;
    let choice = match body.choice {
        AtRiskChoice::AcceptExtension => "accept_extension",
        AtRiskChoice::RestartSeries => "restart_series",
    };
    course_event(
        conn,
        caller,
        &course,
        "course.at_risk_decided",
        json!({ "choice": choice, "reason": body.reason, "was": at_risk, "booked": booked.iter().map(|s| s.id).collect::<Vec<_>>() }),
    )?;
    courses::view(conn, &course)
}
