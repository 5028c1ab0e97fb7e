//! What happens to one session: moved (defer), cancelled (omit, or all
//! remaining), checked in, completed, missed (no-show), not dosed. A miss in
//! a series re-plans the rest inside the rules or flags the course at risk
//! (domain rule 4). Statuses only move forward (rule 11).

use chairside_engine::{self as engine, BoosterRequest, DeferRequest, ReplanRequest};
use chairside_store::models::{self as m, CourseUpdate, SessionStatus};
use chairside_store::repo::sessions::SessionMove;
use chairside_store::{repo, DbConnection};
use chrono::Duration;
use serde_json::json;

use crate::auth::Caller;
use crate::dto::common::ViolationView;
use crate::dto::course::AtRisk;
use crate::dto::session::{
    CancelScope, CancelSession, NotDosed, RescheduleSession, SessionChange, SessionView, StatusNote,
};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::service::context::CourseContext;
use crate::service::placing::{dates, resolve_at, Placement};
use crate::service::{audit, emit, load_book, session_payload};
use crate::views;

/// How far ahead a move or a re-plan looks.
const SEARCH_DAYS: i64 = 400;

/// Whether a status may follow another (forward only).
pub fn may_move(from: SessionStatus, to: SessionStatus) -> bool {
    use SessionStatus::*;
    matches!(
        (from, to),
        (Booked, CheckedIn)
            | (Booked, Cancelled)
            | (Booked, NoShow)
            | (Booked, NotDosed)
            | (Booked, EnteredInError)
            | (CheckedIn, Completed)
            | (CheckedIn, NotDosed)
    )
}

fn load(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
    if_match: &IfMatch,
) -> Result<(CourseContext, m::Session), ApiError> {
    let session = repo::sessions::get(conn, clinic_id, session_id)?;
    let context = CourseContext::load(conn, clinic_id, session.course_id)?;
    if_match.check(&views::session(context.zone, &session))?;
    Ok((context, session))
}

/// A session.
pub fn get(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
) -> Result<SessionView, ApiError> {
    let session = repo::sessions::get(conn, clinic_id, session_id)?;
    let clinic = repo::clinics::get(conn, clinic_id)?;
    Ok(views::session(views::zone_of(&clinic)?, &session))
}

pub(crate) fn change_status(
    conn: &mut DbConnection,
    caller: &Caller,
    context: &CourseContext,
    session: &m::Session,
    to: SessionStatus,
    reason: Option<&str>,
) -> Result<m::Session, ApiError> {
    if !may_move(session.status, to) {
        return Err(ApiError::Conflict {
            kind: "status-transition",
            detail: format!(
                "a {} session cannot become {}",
                session.status.as_str(),
                to.as_str()
            ),
        });
    }
    let updated = repo::sessions::set_status(
        conn,
        session.clinic_id,
        session.id,
        session.version,
        to,
        reason,
        caller.actor(),
    )?;
    let event = match to {
        SessionStatus::CheckedIn => "session.checked_in",
        SessionStatus::Completed => "session.completed",
        SessionStatus::NoShow => "session.no_show",
        SessionStatus::NotDosed => "session.not_dosed",
        _ => "session.cancelled",
    };
    emit(
        conn,
        session.clinic_id,
        event,
        session.course_id,
        session_payload(context.zone, &updated),
    )?;
    audit(
        conn,
        caller,
        Some(session.clinic_id),
        event,
        "session",
        Some(session.id),
        Some(json!({ "status": session.status.as_str() })),
        Some(json!({ "status": to.as_str(), "reason": reason })),
    )?;
    Ok(updated)
}

fn outcome(
    context: &CourseContext,
    session: m::Session,
    booked: Vec<m::Session>,
    cancelled: Vec<m::Session>,
    at_risk: bool,
) -> SessionChange {
    SessionChange {
        session: views::session(context.zone, &session),
        booked: booked
            .iter()
            .map(|s| views::session(context.zone, s))
            .collect(),
        cancelled: cancelled
            .iter()
            .map(|s| views::session(context.zone, s))
            .collect(),
        course_at_risk: at_risk,
    }
}

/// Checks a patient in. Refused without a confirmed escort unless a
/// clinician or admin overrides with a reason (domain rule 6).
pub fn check_in(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
    if_match: &IfMatch,
    note: &StatusNote,
) -> Result<SessionChange, ApiError> {
    let (context, session) = load(conn, clinic_id, session_id, if_match)?;
    if context.protocol.instructions.driver_required && !context.patient.escort_confirmed {
        match note
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            None => {
                return Err(ApiError::Gate {
                    gate: "escort_confirmed",
                    detail: "no responsible adult to drive the patient home is confirmed".into(),
                })
            }
            Some(_) => caller.require_clinical("checking in without a confirmed escort")?,
        }
    }
    let reason = note.override_reason.as_deref().or(note.reason.as_deref());
    let updated = change_status(
        conn,
        caller,
        &context,
        &session,
        SessionStatus::CheckedIn,
        reason,
    )?;
    Ok(outcome(&context, updated, Vec::new(), Vec::new(), false))
}

/// Completes a session; REMS protocols open the monitoring form due in 7 days.
pub fn complete(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
    if_match: &IfMatch,
    note: &StatusNote,
) -> Result<SessionChange, ApiError> {
    let (context, session) = load(conn, clinic_id, session_id, if_match)?;
    let updated = change_status(
        conn,
        caller,
        &context,
        &session,
        SessionStatus::Completed,
        note.reason.as_deref(),
    )?;
    if context.protocol.rems {
        // REMS: the monitoring form is due 7 calendar days after the session.
        let due = context.date(&updated) + Duration::days(7);
        repo::measures::open_rems_form(conn, clinic_id, updated.id, updated.patient_id, due)?;
    }
    let booked =
        crate::service::lifecycle::after_completion(conn, caller, clinic_id, session.course_id)?;
    let at_risk = repo::courses::get(conn, clinic_id, session.course_id)?
        .at_risk_reason
        .is_some();
    Ok(outcome(&context, updated, booked, Vec::new(), at_risk))
}

/// Marks a no-show and re-plans what the miss affects.
pub fn no_show(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
    if_match: &IfMatch,
    note: &StatusNote,
) -> Result<SessionChange, ApiError> {
    let (context, session) = load(conn, clinic_id, session_id, if_match)?;
    let updated = change_status(
        conn,
        caller,
        &context,
        &session,
        SessionStatus::NoShow,
        note.reason.as_deref(),
    )?;
    let (booked, cancelled, at_risk) = after_miss(conn, caller, clinic_id, session.course_id)?;
    Ok(outcome(&context, updated, booked, cancelled, at_risk))
}

/// Marks a booked session no-show on Chairside's own authority, when it was
/// not checked in within the clinic's `no_show_after_minutes` of its start,
/// and re-plans what the miss affects. A session changed meanwhile (a late
/// check-in on another replica) is left alone.
pub fn mark_no_show_automatically(
    conn: &mut DbConnection,
    caller: &Caller,
    session: &m::Session,
) -> Result<bool, ApiError> {
    let current = repo::sessions::get(conn, session.clinic_id, session.id)?;
    if current.status != SessionStatus::Booked || current.version != session.version {
        return Ok(false);
    }
    let context = CourseContext::load(conn, session.clinic_id, session.course_id)?;
    change_status(
        conn,
        caller,
        &context,
        &current,
        SessionStatus::NoShow,
        Some("not checked in: marked no-show automatically"),
    )?;
    after_miss(conn, caller, session.clinic_id, session.course_id)?;
    Ok(true)
}

/// Arrived but not dosed (e.g. blood pressure above 140/90): a distinct
/// outcome; with `rebook` the missed session is re-planned.
pub fn not_dosed(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
    if_match: &IfMatch,
    body: &NotDosed,
) -> Result<SessionChange, ApiError> {
    if body.reason.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "reason",
            "say why treatment was withheld",
        ));
    }
    let (context, session) = load(conn, clinic_id, session_id, if_match)?;
    let updated = change_status(
        conn,
        caller,
        &context,
        &session,
        SessionStatus::NotDosed,
        Some(&body.reason),
    )?;
    if !body.rebook {
        return Ok(outcome(&context, updated, Vec::new(), Vec::new(), false));
    }
    let (booked, cancelled, at_risk) = after_miss(conn, caller, clinic_id, session.course_id)?;
    Ok(outcome(&context, updated, booked, cancelled, at_risk))
}

/// Cancels this session (omit: the rest keep their times) or all remaining.
pub fn cancel(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
    if_match: &IfMatch,
    body: &CancelSession,
) -> Result<SessionChange, ApiError> {
    if body.reason.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "reason",
            "say why the session is cancelled",
        ));
    }
    let (context, session) = load(conn, clinic_id, session_id, if_match)?;
    let updated = change_status(
        conn,
        caller,
        &context,
        &session,
        SessionStatus::Cancelled,
        Some(&body.reason),
    )?;
    let mut cancelled = Vec::new();
    if body.scope == CancelScope::Remaining {
        let later: Vec<m::Session> = context
            .sessions
            .iter()
            .filter(|s| {
                s.id != session.id
                    && s.status == SessionStatus::Booked
                    && s.starts_at > session.starts_at
            })
            .cloned()
            .collect();
        for other in later {
            cancelled.push(change_status(
                conn,
                caller,
                &context,
                &other,
                SessionStatus::Cancelled,
                Some(&body.reason),
            )?);
        }
        return Ok(outcome(&context, updated, Vec::new(), cancelled, false));
    }
    // Omit: nothing moves, but the gap it leaves may break the phase's rules.
    let mut at_risk = false;
    if let engine::PhaseKind::Series(_) =
        &context.protocol.phase(session.phase_index as usize)?.kind
    {
        let remaining = dates(
            context.zone,
            &context.live_in_phase(session.phase_index, Some(session.id)),
        );
        let violations =
            engine::omit_session(&context.protocol, session.phase_index as usize, &remaining)?;
        if !violations.is_empty() {
            flag_at_risk(
                conn,
                caller,
                &context,
                "a cancelled session leaves the series outside its rules",
                &violations,
            )?;
            at_risk = true;
        }
    }
    Ok(outcome(&context, updated, Vec::new(), Vec::new(), at_risk))
}

pub(crate) fn flag_at_risk(
    conn: &mut DbConnection,
    caller: &Caller,
    context: &CourseContext,
    reason: &str,
    violations: &[engine::Violation],
) -> Result<(), ApiError> {
    let at_risk = AtRisk {
        reason: reason.to_string(),
        violations: violations.iter().map(ViolationView::from).collect(),
    };
    let course = repo::courses::get(conn, context.course.clinic_id, context.course.id)?;
    repo::courses::update(
        conn,
        course.clinic_id,
        course.id,
        course.version,
        &CourseUpdate {
            status: None,
            current_phase: None,
            at_risk_reason: Some(Some(serde_json::to_string(&at_risk).expect("serialises"))),
        },
    )?;
    emit(
        conn,
        course.clinic_id,
        "course.at_risk",
        course.id,
        json!({ "course_id": course.id, "at_risk": at_risk }),
    )?;
    audit(
        conn,
        caller,
        Some(course.clinic_id),
        "course.at_risk",
        "course",
        Some(course.id),
        None,
        Some(json!(at_risk)),
    )
}

/// After a miss: in a series, re-plan the remaining sessions inside the
/// phase's rules, keeping attended ones; if the rules cannot be kept, leave
/// the bookings and flag the course at risk with the violations of the best
/// relaxed plan. In boosters, book the next booster from the last one attended.
fn after_miss(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
) -> Result<(Vec<m::Session>, Vec<m::Session>, bool), ApiError> {
    let context = CourseContext::load(conn, clinic_id, course_id)?;
    let phase = context.course.current_phase;
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
    let earliest = context.tomorrow();
    let book = load_book(conn, clinic_id, earliest, SEARCH_DAYS, &future_ids)?;
    let busy = context.patient_busy(conn, earliest, SEARCH_DAYS, &future_ids)?;
    let preferences = context.preferences()?;
    let planner = book.planner()?;
    let planned = match &context.protocol.phase(phase as usize)?.kind {
        engine::PhaseKind::Series(rules) => {
            // Least disruption first: keep every booked session and add the
            // missing ones after them, if the rules allow.
            let mut standing = attended.clone();
            standing.extend(future.iter().copied());
            let standing = dates(context.zone, &standing);
            let missing = (rules.sessions as usize).saturating_sub(standing.len());
            if missing == 0 {
                return Ok((Vec::new(), Vec::new(), false));
            }
            let appended = planner.replan_series(&ReplanRequest {
                protocol: &context.protocol,
                phase: phase as usize,
                kept: &standing,
                remaining: missing,
                earliest,
                preferences: &preferences,
                patient_sessions: &busy,
            });
            if let Some(appended) = appended.ok().filter(|r| !r.at_risk()) {
                let sessions = appended.sessions.clone();
                return replace_future(conn, caller, &context, phase, &[], &sessions);
            }
            let kept = dates(context.zone, &attended);
            let remaining = (rules.sessions as usize).saturating_sub(kept.len());
            let replan = planner.replan_series(&ReplanRequest {
                protocol: &context.protocol,
                phase: phase as usize,
                kept: &kept,
                remaining,
                earliest,
                preferences: &preferences,
                patient_sessions: &busy,
            })?;
            if replan.at_risk() {
                flag_at_risk(
                    conn,
                    caller,
                    &context,
                    "after a missed session the phase's window cannot be kept",
                    &replan.violations,
                )?;
                return Ok((Vec::new(), Vec::new(), true));
            }
            replan.sessions
        }
        engine::PhaseKind::Boosters(_) => {
            let policy = context
                .booster_policy()?
                .expect("a booster phase has a policy");
            let last = context
                .previous_session(phase, earliest, None)
                .unwrap_or(earliest);
            let wanted = book.settings.boosters_ahead as usize;
            let already = future.len();
            if already >= wanted {
                return Ok((Vec::new(), Vec::new(), false));
            }
            planner.propose_boosters(&BoosterRequest {
                protocol: &context.protocol,
                policy: &policy,
                previous_session: last,
                count: wanted - already,
                not_before: earliest,
                first_sequence: context.live_in_phase(phase, None).len() as u32 + 1,
                preferences: &preferences,
                patient_sessions: &busy,
            })?
        }
    };
    replace_future(conn, caller, &context, phase, &future, &planned)
}

/// Makes the booked future of a phase equal to a plan: sessions already at a
/// planned chair and time stay; the others are cancelled and the rest of
/// the plan is booked. Cancelling first frees their chairs for the plan.
pub(crate) fn replace_future(
    conn: &mut DbConnection,
    caller: &Caller,
    context: &CourseContext,
    phase: i32,
    future: &[&m::Session],
    planned: &[engine::PlannedSession],
) -> Result<(Vec<m::Session>, Vec<m::Session>, bool), ApiError> {
    let same = |s: &m::Session, p: &engine::PlannedSession| {
        s.chair_id == p.chair.0 && s.starts_at == p.start && s.ends_at == p.end
    };
    let mut cancelled = Vec::new();
    for session in future
        .iter()
        .filter(|s| !planned.iter().any(|p| same(s, p)))
    {
        cancelled.push(change_status(
            conn,
            caller,
            context,
            session,
            SessionStatus::Cancelled,
            Some("moved by a re-plan of the course"),
        )?);
    }
    // New sessions are numbered after every session the phase ever had, so
    // a number is never reused (cancelled and missed ones keep theirs).
    let last_sequence = context
        .sessions
        .iter()
        .filter(|s| s.phase_index == phase)
        .map(|s| s.sequence)
        .max()
        .unwrap_or(0);
    let new: Vec<m::PlannedSession> = planned
        .iter()
        .filter(|p| !future.iter().any(|s| same(s, p)))
        .enumerate()
        .map(|(i, p)| m::PlannedSession {
            phase_index: phase,
            sequence: last_sequence + 1 + i as i32,
            chair_id: p.chair.0,
            starts_at: p.start,
            ends_at: p.end,
        })
        .collect();
    let booked = repo::sessions::insert_planned(
        conn,
        context.course.clinic_id,
        context.course.id,
        context.patient.id,
        &new,
    )?;
    for session in &booked {
        emit(
            conn,
            session.clinic_id,
            "session.booked",
            session.course_id,
            session_payload(context.zone, session),
        )?;
    }
    audit(
        conn,
        caller,
        Some(context.course.clinic_id),
        "course.replanned",
        "course",
        Some(context.course.id),
        Some(json!({ "cancelled": cancelled.iter().map(|s| s.id).collect::<Vec<_>>() })),
        Some(json!({ "booked": booked.iter().map(|s| s.id).collect::<Vec<_>>() })),
    )?;
    Ok((booked, cancelled, false))
}

/// Moves one session (defer), to a given time or the next best one; the
/// rest of the course keeps its times.
pub fn reschedule(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
    if_match: &IfMatch,
    body: &RescheduleSession,
) -> Result<SessionChange, ApiError> {
    if body.reason.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "reason",
            "say why the session moves",
        ));
    }
    let (context, session) = load(conn, clinic_id, session_id, if_match)?;
    if session.status != SessionStatus::Booked {
        return Err(ApiError::Conflict {
            kind: "status-transition",
            detail: format!(
                "only a booked session can move; this one is {}",
                session.status.as_str()
            ),
        });
    }
    let phase = session.phase_index;
    let current_date = context.date(&session);
    let (chair, start, overridden) = match (&body.to, &body.next_best) {
        (Some(at), None) => {
            let start = resolve_at(context.zone, at, "to")?;
            let date = start.with_timezone(&context.zone).date_naive();
            let book = load_book(conn, clinic_id, date, 1, &[session.id])?;
            let busy = context.patient_busy(conn, date, 1, &[session.id])?;
            let standing = dates(
                context.zone,
                &context.live_in_phase(phase, Some(session.id)),
            );
            let policy = context.booster_policy()?;
            let placement = Placement {
                book: &book,
                protocol: &context.protocol,
                phase: phase as usize,
                standing: &standing,
                previous_session: context.previous_session(phase, date, Some(session.id)),
                booster_policy: policy.as_ref(),
                patient_sessions: &busy,
            };
            let (chair, overridden) = placement.judge(
                caller,
                body.chair_id,
                start,
                body.override_reason.as_deref(),
            )?;
            (chair, start, overridden)
        }
        (None, Some(next)) => {
            let not_before = next
                .not_before
                .unwrap_or(current_date + Duration::days(1))
                .max(context.tomorrow());
            let book = load_book(conn, clinic_id, not_before, SEARCH_DAYS, &[session.id])?;
            let busy = context.patient_busy(conn, not_before, SEARCH_DAYS, &[session.id])?;
            let preferences = context.preferences()?;
            let planner = book.planner()?;
            let placed = match &context.protocol.phase(phase as usize)?.kind {
                engine::PhaseKind::Series(_) => {
                    let live = context.live_in_phase(phase, None);
                    let all = dates(context.zone, &live);
                    let moving = live
                        .iter()
                        .position(|s| s.id == session.id)
                        .expect("a booked session is live");
                    let moved = planner.defer_session(&DeferRequest {
                        protocol: &context.protocol,
                        phase: phase as usize,
                        dates: &all,
                        moving,
                        not_before,
                        preferences: &preferences,
                        patient_sessions: &busy,
                    })?;
                    if moved.at_risk() {
                        return Err(ApiError::Violations(moved.violations));
                    }
                    moved.sessions[0]
                }
                engine::PhaseKind::Boosters(_) => {
                    let policy = context
                        .booster_policy()?
                        .expect("a booster phase has a policy");
                    let previous = context
                        .previous_session(phase, current_date, Some(session.id))
                        .unwrap_or(not_before);
                    planner.propose_boosters(&BoosterRequest {
                        protocol: &context.protocol,
                        policy: &policy,
                        previous_session: previous,
                        count: 1,
                        not_before,
                        first_sequence: session.sequence as u32,
                        preferences: &preferences,
                        patient_sessions: &busy,
                    })?[0]
                }
            };
            (placed.chair.0, placed.start, Vec::new())
        }
        _ => {
            return Err(ApiError::invalid_field(
                "to",
                "give exactly one of `to` or `next_best`",
            ))
        }
    };
    let end = start + context.protocol.chair_time.total();
    let moved = repo::sessions::reschedule(
        conn,
        clinic_id,
        session.id,
        session.version,
        &SessionMove {
            chair_id: chair,
            starts_at: start,
            ends_at: end,
            reason: Some(&body.reason),
        },
    )?;
    let before = views::session(context.zone, &session);
    let after = views::session(context.zone, &moved);
    emit(
        conn,
        clinic_id,
        "session.rescheduled",
        session.course_id,
        json!({ "session": after, "previous": { "start": before.start, "end": before.end, "chair_id": before.chair_id, "local": before.local } }),
    )?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "session.rescheduled",
        "session",
        Some(session.id),
        Some(json!({ "start": before.start, "chair_id": before.chair_id })),
        Some(json!({
            "start": after.start,
            "chair_id": after.chair_id,
            "reason": body.reason,
            "override_reason": body.override_reason,
            "overridden": overridden.iter().map(ViolationView::from).collect::<Vec<_>>(),
        })),
    )?;
    Ok(outcome(&context, moved, Vec::new(), Vec::new(), false))
}

/// Adds one session to a course at a chosen time.
pub fn add(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    course_id: i64,
    body: &crate::dto::course::AddSession,
) -> Result<SessionView, ApiError> {
    let context = CourseContext::load(conn, clinic_id, course_id)?;
    if context.course.status != m::CourseStatus::Active {
        return Err(ApiError::Conflict {
            kind: "course-not-active",
            detail: format!("the course is {}", context.course.status.as_str()),
        });
    }
    let phase = body.phase.unwrap_or(context.course.current_phase);
    if phase < 0 || phase as usize >= context.protocol.phases.len() {
        return Err(ApiError::invalid_field(
            "phase",
            format!("the protocol has {} phases", context.protocol.phases.len()),
        ));
    }
    let start = resolve_at(context.zone, &body.at, "at")?;
    let date = start.with_timezone(&context.zone).date_naive();
    let book = load_book(conn, clinic_id, date, 1, &[])?;
    let busy = context.patient_busy(conn, date, 1, &[])?;
    let standing = dates(context.zone, &context.live_in_phase(phase, None));
    let policy = context.booster_policy()?;
    let placement = Placement {
        book: &book,
        protocol: &context.protocol,
        phase: phase as usize,
        standing: &standing,
        previous_session: context.previous_session(phase, date, None),
        booster_policy: policy.as_ref(),
        patient_sessions: &busy,
    };
    let (chair, overridden) = placement.judge(
        caller,
        body.chair_id,
        start,
        body.override_reason.as_deref(),
    )?;
    let sequence = context
        .sessions
        .iter()
        .filter(|s| s.phase_index == phase)
        .map(|s| s.sequence)
        .max()
        .unwrap_or(0)
        + 1;
    let inserted = repo::sessions::insert_planned(
        conn,
        clinic_id,
        course_id,
        context.patient.id,
        &[m::PlannedSession {
            phase_index: phase,
            sequence,
            chair_id: chair,
            starts_at: start,
            ends_at: start + context.protocol.chair_time.total(),
        }],
    )?;
    let session = &inserted[0];
    emit(
        conn,
        clinic_id,
        "session.booked",
        course_id,
        session_payload(context.zone, session),
    )?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "session.added",
        "session",
        Some(session.id),
        None,
        Some(json!({
            "start": session.starts_at,
            "chair_id": session.chair_id,
            "override_reason": body.override_reason,
            "overridden": overridden.iter().map(ViolationView::from).collect::<Vec<_>>(),
        })),
    )?;
    Ok(views::session(context.zone, session))
}
