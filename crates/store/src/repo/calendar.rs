//! The calendar snapshot the engine plans against.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::error::StoreError;
use crate::models::{columns, Chair, Clinic, Closure, Session, SessionStatus};
use crate::repo::sessions::range_bounds;
use crate::repo::{chairs, clinics, closures};
use crate::schema::sessions::dsl as s;

/// Everything the engine needs to plan in a clinic over a horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarSnapshot {
    /// The clinic (zone, opening hours, settings).
    pub clinic: Clinic,
    /// Its chairs, in stable order (position, id).
    pub chairs: Vec<Chair>,
    /// Its closures.
    pub closures: Vec<Closure>,
    /// Live sessions overlapping the horizon, by start.
    pub sessions: Vec<Session>,
}

/// Loads the clinic, chairs, closures and the live sessions overlapping
/// `[from, to)`. Inside [`Store::write`](crate::Store::write) on SQLite this
/// is read under the write lock, so the plan is made on current data; on
/// PostgreSQL a concurrent booking is caught by the exclusion constraint.
pub fn snapshot(
    conn: &mut DbConnection,
    clinic_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<CalendarSnapshot, StoreError> {
    Ok(CalendarSnapshot {
        clinic: clinics::get(conn, clinic_id)?,
        chairs: chairs::list(conn, clinic_id)?,
        closures: closures::list(conn, clinic_id)?,
        sessions: live_sessions(conn, clinic_id, from, to)?,
    })
}

/// Live sessions of the clinic overlapping `[from, to)`, by start then id.
/// Uses the `(clinic_id, starts_at)` index over a bounded range.
pub fn live_sessions(
    conn: &mut DbConnection,
    clinic_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Session>, StoreError> {
    let (lookback, from, to) = range_bounds(from, to);
    Ok(s::sessions
        .filter(
            s::clinic_id
                .eq(clinic_id)
                .and(s::starts_at.gt(lookback))
                .and(s::starts_at.lt(to))
                .and(s::ends_at.gt(from))
                .and(s::status.eq_any(SessionStatus::live_texts())),
        )
        .order((s::starts_at, s::id))
        .select(columns::<Session>())
        .load::<Session>(conn)?)
}

/// A patient's live sessions overlapping `[from, to)`, by start then id.
pub fn patient_live_sessions(
    conn: &mut DbConnection,
    clinic_id: i64,
    patient_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Session>, StoreError> {
    let (lookback, from, to) = range_bounds(from, to);
    Ok(s::sessions
        .filter(
            s::clinic_id
                .eq(clinic_id)
                .and(s::patient_id.eq(patient_id))
                .and(s::starts_at.gt(lookback))
                .and(s::starts_at.lt(to))
                .and(s::ends_at.gt(from))
                .and(s::status.eq_any(SessionStatus::live_texts())),
        )
        .order((s::starts_at, s::id))
        .select(columns::<Session>())
        .load::<Session>(conn)?)
}
