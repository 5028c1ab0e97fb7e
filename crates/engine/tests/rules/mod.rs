//! One test per scheduling rule, named after the rule, on hand-built clinics.

mod boosters;
mod free_busy;
mod induction;
mod infeasible;
mod local_time;
mod placement;
mod replanning;
mod staffing;
mod validation;

use chairside_engine::*;
use chrono::NaiveDate;

use crate::support::planning::phase_request;
use crate::support::wall_clock::{at, time, NEW_YORK};

/// A booking of `chair` on `d` in New York, `from` to `to` (hour, minute).
fn booked(chair: i64, d: NaiveDate, from: (u32, u32), to: (u32, u32)) -> Booking {
    Booking {
        chair: ChairId(chair),
        interval: Interval::new(at(NEW_YORK, d, from.0, from.1), at(NEW_YORK, d, to.0, to.1)),
    }
}

/// A booking that fills the chair for the whole opening day (08:00-18:00).
fn full_day(chair: i64, d: NaiveDate) -> Booking {
    booked(chair, d, (8, 0), (18, 0))
}

/// A patient who would like to start at 10:00, any day.
fn ten_am() -> PatientPreferences {
    PatientPreferences {
        preferred_start: Some(time(10, 0)),
        ..Default::default()
    }
}

/// Plans phase 0, its first session within 14 days of `earliest`.
fn plan(
    calendar: &ClinicCalendar,
    occupancy: &Occupancy,
    protocol: &Protocol,
    preferences: &PatientPreferences,
    earliest: NaiveDate,
) -> Result<PhasePlan, EngineError> {
    Planner::new(calendar, occupancy)?.plan_phase(&phase_request(
        protocol,
        preferences,
        earliest,
        14,
    ))
}

/// Plans phase 0 for the 10:00 patient.
fn plan_ten_am(
    calendar: &ClinicCalendar,
    occupancy: &Occupancy,
    protocol: &Protocol,
    earliest: NaiveDate,
) -> Result<PhasePlan, EngineError> {
    plan(calendar, occupancy, protocol, &ten_am(), earliest)
}

/// Plans phase 0 for the 10:00 patient, nothing else booked in the clinic.
fn plan_in_empty_clinic(
    calendar: &ClinicCalendar,
    protocol: &Protocol,
    earliest: NaiveDate,
) -> Result<PhasePlan, EngineError> {
    plan_ten_am(calendar, &Occupancy::new(), protocol, earliest)
}
