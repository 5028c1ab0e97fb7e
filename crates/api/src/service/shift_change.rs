//! A staff change made although it leaves booked sessions uncovered, and
//! those sessions re-planned: first as a dry run (what would move where;
//! the change and the moves are made in a savepoint and undone, so the
//! answer is exactly what confirming does on the same data), then on
//! confirmation, all or nothing. Each session moves as a reschedule to its
//! next best time under its course's rules with the new roster, earliest
//! first, and coverage is checked again after each move, since one move
//! can free the people another session needed.

use std::collections::HashSet;

use chairside_engine::course::{Action, SessionId, Target};
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::auth::Caller;
use crate::dto::staff::{SessionMove, StaffReplanRequest, StaffReplanView};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::problem::UncoveredSession;
use crate::service::course::act;
use crate::service::staff;
use crate::views;

/// Moves one uncovered session to its next best time; a refusal of the
/// course's rules comes back as the session left uncovered, saying why.
fn move_one(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, zone): (i64, Tz),
    next: UncoveredSession,
    now: DateTime<Utc>,
) -> Result<Result<SessionMove, UncoveredSession>, ApiError> {
    let before = repo::sessions::get(conn, clinic_id, next.session_id)?;
    let action = Action::Reschedule {
        session: SessionId(before.id),
        to: Target::NextBest {
            not_before: Some(before.starts_at.with_timezone(&zone).date_naive()),
        },
        reason: REASON.to_string(),
        override_reason: None,
    };
    match act(
        conn,
        caller,
        clinic_id,
        before.course_id,
        &action,
        now,
        |_, _, _, _| Ok(()),
    ) {
        Ok(acted) => {
            let after = acted
                .session(before.id)
                .ok_or_else(|| ApiError::Internal(format!("session {} vanished", before.id)))?;
            Ok(Ok(SessionMove {
                course_id: before.course_id,
                from_chair_id: before.chair_id,
                from_start: before.starts_at,
                to: views::session(zone, &after),
            }))
        }
        Err(e @ (ApiError::Infeasible(_) | ApiError::Violations(_) | ApiError::Refused(_))) => {
            Ok(Err(UncoveredSession {
                detail: format!("{}; it cannot be re-planned: {e}", next.detail),
                ..next
            }))
        }
        Err(e) => Err(e),
    }
}

/// The reason each moved session keeps in its history.
const REASON: &str = "staff change: no longer covered at its time";

/// Makes the change and re-plans what it uncovers (`confirm`), or answers
/// what that would do and writes nothing.
pub fn replan(
    conn: &mut DbConnection,
    caller: &Caller,
    path: (i64, i64),
    if_match: &IfMatch,
    request: &StaffReplanRequest,
    now: DateTime<Utc>,
) -> Result<StaffReplanView, ApiError> {
    let run = |conn: &mut DbConnection| {
        change_and_move(conn, caller, path, if_match, &request.change, now)
    };
    if request.confirm {
        run(conn)
    } else {
        let mut answer = chairside_store::rolled_back(conn, run)?;
        answer.applied = false;
        Ok(answer)
    }
}

fn change_and_move(
    conn: &mut DbConnection,
    caller: &Caller,
    (clinic_id, staff_id): (i64, i64),
    if_match: &IfMatch,
    change: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<StaffReplanView, ApiError> {
    let (member, mut short) =
        staff::change(conn, caller, (clinic_id, staff_id), if_match, change, now)?;
    let zone = repo::clinics::get(conn, clinic_id)?.time_zone;
    let mut moved = Vec::new();
    let mut stuck: Vec<UncoveredSession> = Vec::new();
    let mut tried = HashSet::new();
    while let Some(next) = short.into_iter().find(|u| tried.insert(u.session_id)) {
        match move_one(conn, caller, (clinic_id, zone), next, now)? {
            Ok(session_move) => moved.push(session_move),
            Err(left) => stuck.push(left),
        }
        short = staff::uncovered_now(conn, clinic_id, now)?;
    }
    if !stuck.is_empty() {
        // The caller's transaction undoes the change and every move.
        return Err(ApiError::Uncovered(stuck));
    }
    Ok(StaffReplanView {
        staff: member,
        moved,
        applied: true,
    })
}
