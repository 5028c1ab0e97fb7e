//! Held times: a row in `sessions` that holds a chair and its patient for a
//! few minutes — a portal holding one session's new time, an offer of freed
//! chair time — under the same exclusion constraints (PostgreSQL) or
//! triggers (SQLite) as any booking, so two holders never win one chair.
//! It is no session of its course: every read of a course, a day or a
//! session leaves it out (`held_until IS NULL`), and only the planner's
//! occupancy counts it. Confirming deletes it and applies the move or
//! booking it held in the same transaction; letting it go deletes it.

use chairside_engine::course::Placement;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{instant, now};
use crate::error::StoreError;
use crate::models::{columns, Session, SessionStatus};
use crate::repo::require_transaction;
use crate::schema::sessions::dsl as s;

/// What a held time holds, for whom.
#[derive(Clone, Copy, Debug)]
pub struct NewHeldTime {
    pub course_id: i64,
    pub patient_id: i64,
    /// The phase (and number) of the dose it would be.
    pub phase: i32,
    pub sequence: i32,
    pub placement: Placement,
    pub until: DateTime<Utc>,
    /// The session it would move (absent: a dose it would add).
    pub moves: Option<i64>,
}

/// Holds the time: refused by the database as a booking would be if the
/// chair or the patient is taken, and by a unique index if the session's
/// move already holds a time.
pub fn hold(
    conn: &mut DbConnection,
    clinic_id: i64,
    held: &NewHeldTime,
) -> Result<Session, StoreError> {
    require_transaction(conn)?;
    crate::turn::hold(conn, clinic_id)?;
    let at = now();
    Ok(diesel::insert_into(s::sessions)
        .values((
            s::clinic_id.eq(clinic_id),
            s::course_id.eq(held.course_id),
            s::patient_id.eq(held.patient_id),
            s::phase_index.eq(held.phase),
            s::sequence.eq(held.sequence),
            s::chair_id.eq(held.placement.chair.0),
            s::starts_at.eq(instant(held.placement.start)),
            s::ends_at.eq(instant(held.placement.end)),
            s::status.eq(SessionStatus::Booked.as_str()),
            s::created_at.eq(at),
            s::updated_at.eq(at),
            s::held_until.eq(Some(instant(held.until))),
            s::holds_move_of.eq(held.moves),
        ))
        .returning(columns::<Session>())
        .get_result::<Session>(conn)?)
}

/// The held time with id `id`, if it is still held.
pub fn get(
    conn: &mut DbConnection,
    clinic_id: i64,
    id: i64,
) -> Result<Option<Session>, StoreError> {
    Ok(s::sessions
        .filter(s::clinic_id.eq(clinic_id).and(s::id.eq(id)))
        .filter(s::held_until.is_not_null())
        .select(columns::<Session>())
        .first::<Session>(conn)
        .optional()?)
}

/// The time held for session `session_id`'s move, if any.
pub fn of_move(
    conn: &mut DbConnection,
    clinic_id: i64,
    session_id: i64,
) -> Result<Option<Session>, StoreError> {
    Ok(s::sessions
        .filter(
            s::clinic_id
                .eq(clinic_id)
                .and(s::holds_move_of.eq(session_id)),
        )
        .filter(s::held_until.is_not_null())
        .select(columns::<Session>())
        .first::<Session>(conn)
        .optional()?)
}

/// Lets a held time go; whether it was still held (of two replicas letting
/// it go, one finds nothing).
pub fn let_go(conn: &mut DbConnection, clinic_id: i64, id: i64) -> Result<bool, StoreError> {
    let gone = diesel::delete(
        s::sessions
            .filter(s::clinic_id.eq(clinic_id).and(s::id.eq(id)))
            .filter(s::held_until.is_not_null()),
    )
    .execute(conn)?;
    Ok(gone == 1)
}

/// Held times that ran out by `now`.
pub fn run_out(
    conn: &mut DbConnection,
    clinic_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Session>, StoreError> {
    Ok(s::sessions
        .filter(s::clinic_id.eq(clinic_id))
        .filter(s::held_until.le(instant(now)))
        .order(s::id)
        .select(columns::<Session>())
        .load::<Session>(conn)?)
}
