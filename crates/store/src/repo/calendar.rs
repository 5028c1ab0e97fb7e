//! The calendar snapshot the engine plans against.

use std::collections::HashMap;

use chairside_engine::staff::needs::loads;
use chairside_engine::{
    Booking, Chair as EngineChair, ChairId, ClinicCalendar, Closure as EngineClosure, ClosureScope,
    Interval, Occupancy, Protocol, Staffing,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::error::StoreError;
use crate::models::{columns, live_words, Chair, Clinic, Closure, Session, StaffMember};
use crate::repo::sessions::range_bounds;
use crate::repo::{chairs, clinics, closures, floor, staff};
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
    /// Active staff members if the clinic plans with staff; none means it
    /// plans on chairs alone.
    pub staff: Vec<StaffMember>,
    /// The protocol of each course with a session in the horizon (by course
    /// id), read only when staff applies: it says what each session asks
    /// of them.
    pub protocols: HashMap<i64, Protocol>,
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
            staffing: self.staffing(),
        }
    }

    /// The clinic's staff and its own ratios, as the planner counts them.
    pub fn staffing(&self) -> Staffing {
        Staffing {
            members: self.staff.iter().map(StaffMember::on_the_floor).collect(),
            ratios: self.clinic.settings.staff_ratios.clone(),
        }
    }

    /// The chairs the live sessions hold, leaving out one course's (the
    /// engine knows a course's own sessions when it decides on it).
    pub fn occupancy_without(&self, course: Option<i64>) -> Occupancy {
        let others = || {
            self.sessions
                .iter()
                .filter(move |s| Some(s.course_id) != course)
        };
        let mut book = Occupancy::from_bookings(others().map(|s| Booking {
            chair: ChairId(s.chair_id),
            interval: Interval::new(s.starts_at, s.ends_at),
        }));
        let staffing = self.staffing();
        if staffing.applies() {
            for session in others() {
                if let Some(protocol) = self.protocols.get(&session.course_id) {
                    let needs = staffing.needs_for(protocol);
                    book.add_loads(loads(session.starts_at, &protocol.chair_time, &needs));
                }
            }
        }
        book
    }
}

/// Loads the clinic, chairs, closures, staff and the live sessions
/// overlapping `[from, to)`, to read (availability, the day sheet); a writer
/// that will place sessions uses [`snapshot_to_place`].
pub fn snapshot(
    conn: &mut DbConnection,
    clinic_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<CalendarSnapshot, StoreError> {
    let clinic = clinics::get(conn, clinic_id)?;
    let staff = on_the_floor(conn, &clinic)?;
    let sessions = live_sessions(conn, clinic_id, from, to)?;
    let protocols = if staff.is_empty() {
        HashMap::new()
    } else {
        floor::protocols_of(conn, clinic_id, &sessions)?
    };
    Ok(CalendarSnapshot {
        clinic,
        chairs: chairs::list(conn, clinic_id)?,
        closures: closures::list(conn, clinic_id)?,
        sessions,
        staff,
        protocols,
    })
}

/// [`snapshot`] for a writer that will place sessions. Inside
/// [`Store::write`](crate::Store::write) on SQLite it is read under the write
/// lock, so the plan is made on current data. On PostgreSQL a concurrent
/// booking of the same chair is caught by the exclusion constraint; where
/// the clinic plans with staff, the floor is locked first (see
/// [`floor::lock`]) so that the sessions read are all that are committed.
pub fn snapshot_to_place(
    conn: &mut DbConnection,
    clinic_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<CalendarSnapshot, StoreError> {
    if clinics::get(conn, clinic_id)?.settings.plan_with_staff {
        floor::lock(conn, clinic_id)?;
    }
    snapshot(conn, clinic_id, from, to)
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
        staff: Vec::new(),
        protocols: HashMap::new(),
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
