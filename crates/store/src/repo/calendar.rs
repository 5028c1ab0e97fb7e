//! The calendar snapshot the engine plans against.

use chairside_engine::{
    Booking, Chair as EngineChair, ChairId, ClinicCalendar, Closure as EngineClosure, ClosureScope,
    Interval, Occupancy,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::error::StoreError;
use crate::models::{columns, live_words, Chair, Clinic, Closure, Session};
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
    pub closures: Vec<Closure>,
    /// Live sessions overlapping the horizon, by start.
    pub sessions: Vec<Session>,
}

impl CalendarSnapshot {
    /// The clinic's calendar as the engine plans on it: zone, hours,
    /// closures, chairs in their stable order, start grid and cap.
    pub fn calendar(&self) -> ClinicCalendar {
        let settings = &self.clinic.settings;
        ClinicCalendar {
            zone: self.clinic.time_zone,
            hours: self.clinic.opening_hours.clone(),
            closures: self
                .closures
                .iter()
                .map(|c| EngineClosure {
                    scope: match c.chair_id {
                        Some(id) => ClosureScope::Chair(ChairId(id)),
                        None => ClosureScope::Clinic,
                    },
                    span: c.span,
                })
                .collect(),
            chairs: self
                .chairs
                .iter()
                .map(|c| EngineChair {
                    id: ChairId(c.id),
                    modalities: c.modalities.clone(),
                    active: c.active,
                })
                .collect(),
            start_grid_minutes: settings.start_grid_minutes,
            max_starts_per_slot: settings.max_starts_per_slot,
        }
    }

    /// The chairs the live sessions hold, leaving out one course's (the
    /// engine knows a course's own sessions when it decides on it).
    pub fn occupancy_without(&self, course: Option<i64>) -> Occupancy {
        Occupancy::from_bookings(
            self.sessions
                .iter()
                .filter(|s| Some(s.course_id) != course)
                .map(|s| Booking {
                    chair: ChairId(s.chair_id),
                    interval: Interval::new(s.starts_at, s.ends_at),
                }),
        )
    }
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
                .and(s::status.eq_any(live_words())),
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
                .and(s::status.eq_any(live_words())),
        )
        .order((s::starts_at, s::id))
        .select(columns::<Session>())
        .load::<Session>(conn)?)
}
