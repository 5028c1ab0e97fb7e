//! A portal holds one session's new time while the patient decides: the
//! move is judged exactly as the reschedule would be (the course's own
//! decider, nothing written), and the time it gives is held — a row the
//! database guards like a booking, outside the course — until confirmed
//! (the hold goes and the reschedule is applied, in one transaction),
//! let go, or run out (the worker lets it go). `session.time_held` and
//! `session.hold_released` say so; a confirmation is the usual
//! `session.rescheduled`.

use chairside_engine::course::{hold_until, still_held, Action, Placement, SessionId, Target};
use chairside_store::models as m;
use chairside_store::repo::held_times::NewHeldTime;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

use crate::auth::Caller;
use crate::dto::backfill::HeldTimeView;
use crate::dto::session::SessionChange;
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::problem_kind::ProblemKind;
use crate::service::course::act::{on_session, Asking};
use crate::service::{audit, emit};
use crate::views;

/// Why the session moves, in its history, when a held time is confirmed.
const CONFIRMED: &str = "the patient confirmed the time held for them";

/// The held time as a portal sees it.
pub fn view(zone: Tz, held: &m::Session) -> HeldTimeView {
    HeldTimeView {
        session_id: held.holds_move_of.unwrap_or(held.id),
        course_id: held.course_id,
        chair_id: held.chair_id,
        start: held.starts_at,
        end: held.ends_at,
        local: views::local_times(zone, held.starts_at, held.ends_at),
        held_until: held.held_until.unwrap_or(held.starts_at),
    }
}

/// Holds `to` for session `session_id`'s move for `minutes`, if the course's
/// rules allow the move now.
pub fn hold_move(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
    to: Target,
    minutes: i64,
    now: DateTime<Utc>,
) -> Result<HeldTimeView, ApiError> {
    let until = hold_until("minutes", now, minutes)?;
    let session = repo::sessions::get(conn, clinic_id, session_id)?;
    if repo::held_times::of_move(conn, clinic_id, session_id)?.is_some() {
        return Err(ApiError::Conflict {
            kind: ProblemKind::AlreadyHeld,
            detail: format!(
                "a time is already held for session {session_id}: confirm it or let it go first"
            ),
        });
    }
    let placement = where_it_would_move(conn, caller, &session, to, now)?;
    let held = repo::held_times::hold(
        conn,
        clinic_id,
        &NewHeldTime {
            course_id: session.course_id,
            patient_id: session.patient_id,
            phase: session.phase_index,
            sequence: session.sequence,
            placement,
            until,
            moves: Some(session_id),
        },
    )?;
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let shown = view(zone, &held);
    let payload = serde_json::to_value(&shown).expect("views serialise");
    let event = "session.time_held";
    emit(conn, clinic_id, event, session.course_id, payload.clone())?;
    let entity = Some(session_id);
    audit(
        conn,
        caller,
        Some(clinic_id),
        event,
        "session",
        entity,
        None,
        Some(payload),
    )?;
    Ok(shown)
}

/// Where the reschedule to `to` would put the session now, by the course's
/// own rules (nothing written); a time overlapping the session's own is
/// not held (the patient cannot hold two), it is moved to directly.
fn where_it_would_move(
    conn: &mut DbConnection,
    caller: &Caller,
    session: &m::Session,
    to: Target,
    now: DateTime<Utc>,
) -> Result<Placement, ApiError> {
    let id = SessionId(session.id);
    let action = Action::Reschedule {
        session: id,
        to,
        reason: "a time held for the patient".into(),
        override_reason: None,
    };
    let no_check = |_: Tz, _: &m::Course, _: &[m::Session], _: &(i64, i32)| Ok(());
    let asking = Asking::load(
        conn,
        session.clinic_id,
        session.course_id,
        &action,
        now,
        no_check,
    )?;
    let decision = asking.answer(&action, caller.role, now)??;
    let placement = decision
        .placement_of(id)
        .ok_or_else(|| ApiError::Internal("a reschedule that places nothing".into()))?;
    if placement.start < session.ends_at && session.starts_at < placement.end {
        return Err(ApiError::Conflict {
            kind: ProblemKind::PatientDoubleBooked,
            detail: "the new time overlaps the session's own: move it directly (reschedule)".into(),
        });
    }
    Ok(placement)
}

/// The time held for session `session_id`, if one is.
pub fn held_for(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
) -> Result<HeldTimeView, ApiError> {
    let held = repo::held_times::of_move(conn, clinic_id, session_id)?
        .ok_or_else(|| ApiError::NotFound(format!("no time is held for session {session_id}")))?;
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    Ok(view(zone, &held))
}

/// The patient takes the held time: the hold goes and the session moves
/// there, judged again by the course's rules, in one transaction.
pub fn confirm_move(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
    if_match: &IfMatch,
    now: DateTime<Utc>,
) -> Result<SessionChange, ApiError> {
    let held = repo::held_times::of_move(conn, clinic_id, session_id)?
        .ok_or_else(|| ApiError::NotFound(format!("no time is held for session {session_id}")))?;
    still_held(held.held_until.unwrap_or(now), now)?;
    let (chair, start) = (held.chair_id, held.starts_at);
    repo::held_times::let_go(conn, clinic_id, held.id)?;
    on_session(
        conn,
        caller,
        clinic_id,
        session_id,
        if_match,
        now,
        |_, id| {
            Ok(Action::Reschedule {
                session: id,
                to: Target::At {
                    chair: Some(chairside_engine::ChairId(chair)),
                    start,
                },
                reason: CONFIRMED.into(),
                override_reason: None,
            })
        },
    )
}

/// Lets the held time go (the patient said no, or it ran out).
pub fn release(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    held: &m::Session,
    expired: bool,
) -> Result<bool, ApiError> {
    if !repo::held_times::let_go(conn, clinic_id, held.id)? {
        return Ok(false); // another replica let it go first
    }
    let subject = held.holds_move_of.unwrap_or(held.id);
    let payload = json!({ "session_id": subject, "course_id": held.course_id, "expired": expired });
    emit(
        conn,
        clinic_id,
        "session.hold_released",
        held.course_id,
        payload.clone(),
    )?;
    audit(
        conn,
        caller,
        Some(clinic_id),
        "session.hold_released",
        "session",
        Some(subject),
        None,
        Some(payload),
    )?;
    Ok(true)
}

/// Lets go the time held for session `session_id`.
pub fn release_move(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    session_id: i64,
) -> Result<(), ApiError> {
    let held = repo::held_times::of_move(conn, clinic_id, session_id)?
        .ok_or_else(|| ApiError::NotFound(format!("no time is held for session {session_id}")))?;
    release(conn, caller, clinic_id, &held, false)?;
    Ok(())
}
