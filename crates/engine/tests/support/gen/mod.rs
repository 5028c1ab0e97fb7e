//! Generators: small clinic calendars, their occupancy and staff, series
//! protocols, patient preferences and planning requests.
//!
//! Everything is generated as plain numbers first and built in one place
//! ([`build`]), so that a failing case shrinks towards small numbers.

mod clinic;
mod patient;
mod protocol;
mod shapes;
mod staff;

pub use protocol::series_rules;
pub use shapes::{Shape, DST_NIGHTS, REPLAN, SMALL, STAFFED, WIDE};

use chairside_engine::*;
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

/// One planning problem: a clinic, its book, a protocol and a patient.
#[derive(Clone, Debug)]
pub struct Case {
    pub calendar: ClinicCalendar,
    pub bookings: Vec<Booking>,
    pub protocol: Protocol,
    pub preferences: PatientPreferences,
    pub earliest: NaiveDate,
    pub first_within_days: u32,
    pub previous_session: Option<NaiveDate>,
    pub patient_sessions: Vec<Interval>,
    /// What the booked sessions ask of staff.
    pub loads: Vec<Load>,
}

impl Case {
    pub fn occupancy(&self) -> Occupancy {
        let mut occupancy = Occupancy::from_bookings(self.bookings.iter().copied());
        occupancy.add_loads(self.loads.iter().copied());
        occupancy
    }

    pub fn rules(&self) -> &SeriesRules {
        self.protocol.series(0).expect("phase 0 is a series")
    }

    pub fn request(&self) -> PhaseRequest<'_> {
        PhaseRequest {
            protocol: &self.protocol,
            phase: 0,
            preferences: &self.preferences,
            earliest: self.earliest,
            first_within_days: self.first_within_days,
            patient_sessions: &self.patient_sessions,
            previous_session: self.previous_session,
        }
    }
}

pub fn case(shape: Shape) -> BoxedStrategy<Case> {
    (
        clinic::calendar(shape),
        clinic::raw_bookings(shape),
        clinic::raw_closures(shape),
        (
            protocol::raw_series(shape),
            protocol::chair_time(shape),
            0..14u8,
        ),
        patient::raw_preferences(),
        patient::raw_request(shape),
        staff::raw_staff(shape),
    )
        .prop_map(build)
        .boxed()
}

type Raw = (
    ClinicCalendar,
    Vec<clinic::RawBooking>,
    Vec<clinic::RawClosure>,
    (protocol::RawSeries, ChairTime, u8),
    patient::RawPreferences,
    patient::RawRequest,
    staff::RawStaff,
);

/// Builds a case from its numbers: a day is an offset from the request's
/// earliest date, a chair an index into the calendar's chairs.
fn build((mut calendar, bookings, closures, protocol_raw, prefs, request, staff): Raw) -> Case {
    let (earliest, first_within_days, previous, patient) = request;
    let day = |offset: i64| earliest + Duration::days(offset);
    let bookings = clinic::bookings(&calendar, day, bookings);
    calendar.closures = clinic::closures(&calendar, day, closures);
    let (series, chair_time, choice) = protocol_raw;
    let modality = protocol::modality(&calendar, choice);
    let patient_sessions = patient::sessions(calendar.zone, day, patient);
    let (raw_staffing, raw_loads) = staff;
    let (staffing, own_needs) = staff::staffing(day, modality, raw_staffing);
    let loads = staff::booking_loads(&staffing, &bookings, raw_loads);
    calendar.staffing = staffing;
    let mut protocol = protocol::protocol(modality, chair_time, series_rules(series));
    protocol.staffing = own_needs;
    Case {
        calendar,
        bookings,
        loads,
        protocol,
        preferences: patient::preferences(day, prefs),
        earliest,
        first_within_days,
        previous_session: previous.map(|k| earliest - Duration::days(k)),
        patient_sessions,
    }
}
