//! Reading the calendar snapshot the engine plans against: to read, or to
//! place sessions in the clinic's turn.

use std::collections::HashMap;
use std::sync::Arc;

use chairside_engine::course::SessionStatus;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::error::StoreError;
use crate::models::{columns, live_words, Clinic, Session, StaffMember, TakenTime};
use crate::repo::sessions::range_bounds;
use crate::repo::{chairs, clinics, closures, floor, monitoring, staff};
use crate::schema::sessions::dsl as s;
use crate::turn;

pub use crate::models::CalendarSnapshot;

/// Loads the clinic, chairs, closures, staff and the live sessions
/// overlapping `[from, to)`, to read (availability, the day sheet); a writer
/// that will place sessions uses [`to_place`].
pub fn snapshot(
    conn: &mut DbConnection,
    clinic_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<CalendarSnapshot, StoreError> {
    let clinic = clinics::get(conn, clinic_id)?;
    snapshot_of(conn, clinic, from, to)
}

/// [`snapshot`] of a clinic the caller has already read.
pub fn snapshot_of(
    conn: &mut DbConnection,
    clinic: Clinic,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<CalendarSnapshot, StoreError> {
    let clinic_id = clinic.id;
    let staff = on_the_floor(conn, &clinic)?;
    let sessions = taken(conn, clinic_id, from, to)?;
    let checked_in = || {
        sessions
            .iter()
            .filter(|s| s.status == SessionStatus::CheckedIn)
    };
    let protocols = if staff.is_empty() {
        floor::protocols_of(conn, clinic_id, checked_in().map(|s| s.course_id))?
    } else {
        floor::protocols_of(conn, clinic_id, sessions.iter().map(|s| s.course_id))?
    };
    let ids: Vec<i64> = checked_in().map(|s| s.id).collect();
    Ok(CalendarSnapshot {
        clinic,
        chairs: chairs::list(conn, clinic_id)?,
        closures: closures::list(conn, clinic_id)?,
        sessions,
        staff,
        protocols,
        in_the_chair: monitoring::of_sessions(conn, clinic_id, &ids)?,
    })
}

/// The calendar for a writer that will place sessions, over the window
/// `window` answers for the clinic. Inside
/// [`Store::write_retrying`](crate::Store::write_retrying) the writer holds
/// the clinic's turn, so the plan is made on current data, and the calendar
/// this server kept (the clinic with it) is used when the clinic's count of
/// changes says it is still the database's (see [`turn`](crate::turn)).
/// Where the clinic plans with staff, the floor is locked first (see
/// [`floor::lock`]). `counted` is the clinic's count of changes if the
/// caller read it in this turn with nothing written since
/// ([`WithCourses::changes`](crate::repo::patients::WithCourses)); it is
/// read here otherwise. (A count read before a write of the same
/// transaction would pass a kept calendar without that write as current.)
pub fn to_place<E: From<StoreError>>(
    conn: &mut DbConnection,
    clinic_id: i64,
    counted: Option<i64>,
    window: impl FnOnce(&Clinic) -> Result<(DateTime<Utc>, DateTime<Utc>), E>,
) -> Result<Arc<CalendarSnapshot>, E> {
    let now = match (turn::holds(clinic_id), counted) {
        (true, Some(count)) => Some(count),
        (true, None) => Some(turn::count(conn, clinic_id)?),
        (false, _) => None,
    };
    let kept_clinic = now.and_then(|now| turn::kept_clinic(clinic_id, now));
    let kept_is_current = kept_clinic.is_some();
    let clinic = match kept_clinic {
        Some(clinic) => clinic,
        None => clinics::get(conn, clinic_id)?,
    };
    let (from, to) = window(&clinic)?;
    if clinic.settings.plan_with_staff {
        floor::lock(conn, clinic_id)?;
    }
    let Some(now) = now else {
        return Ok(Arc::new(snapshot_of(conn, clinic, from, to)?));
    };
    if let Some(kept) = turn::kept_calendar(clinic_id, now, from, to) {
        return Ok(kept);
    }
    // Writers' windows move on with the days (each books from its own
    // earliest date): when the kept calendar was current but ended too
    // soon, read a little ahead, so that the next ones find it. (When it
    // was not current, the next writer would not find it current either.)
    let to = match kept_is_current {
        true => to + ((to - from) / 2).min(READ_AHEAD),
        false => to,
    };
    let calendar = Arc::new(snapshot_of(conn, clinic, from, to)?);
    turn::keep(clinic_id, now, (from, to), calendar.clone());
    Ok(calendar)
}

/// How far past a writer's window the calendar is read when the kept one
/// ended too soon.
const READ_AHEAD: chrono::TimeDelta = chrono::TimeDelta::days(31);

/// The clinic, chairs and closures, without sessions: enough for a
/// decision that places nothing.
pub fn without_sessions(
    conn: &mut DbConnection,
    clinic_id: i64,
) -> Result<CalendarSnapshot, StoreError> {
    Ok(CalendarSnapshot {
        clinic: clinics::get(conn, clinic_id)?,
        chairs: chairs::list(conn, clinic_id)?,
        closures: closures::list(conn, clinic_id)?,
        sessions: Vec::new(),
        staff: Vec::new(),
        protocols: HashMap::new(),
        in_the_chair: HashMap::new(),
    })
}

/// The staff the planner counts: the active members, if the clinic plans
/// with staff.
fn on_the_floor(conn: &mut DbConnection, clinic: &Clinic) -> Result<Vec<StaffMember>, StoreError> {
    if clinic.settings.plan_with_staff {
        staff::active(conn, clinic.id)
    } else {
        Ok(Vec::new())
    }
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
        .filter(live_overlapping(clinic_id, lookback, from, to))
        .order((s::starts_at, s::id))
        .select(columns::<Session>())
        .load::<Session>(conn)?)
}

/// [`live_sessions`], only the chair time each takes (what planning reads).
fn taken(
    conn: &mut DbConnection,
    clinic_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<TakenTime>, StoreError> {
    let (lookback, from, to) = range_bounds(from, to);
    Ok(s::sessions
        .filter(live_overlapping(clinic_id, lookback, from, to))
        .order((s::starts_at, s::id))
        .select(columns::<TakenTime>())
        .load::<TakenTime>(conn)?)
}

/// The clinic's live sessions starting after `lookback` and overlapping
/// `[from, to)`: a statically typed filter, so diesel prepares it once.
#[diesel::dsl::auto_type]
fn live_overlapping(
    clinic_id: i64,
    lookback: NaiveDateTime,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> _ {
    let live: [&'static str; 4] = live_words();
    s::clinic_id
        .eq(clinic_id)
        .and(s::starts_at.gt(lookback))
        .and(s::starts_at.lt(to))
        .and(s::ends_at.gt(from))
        .and(s::status.eq_any(live))
}
