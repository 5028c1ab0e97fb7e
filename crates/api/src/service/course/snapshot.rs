//! What a course decision reads, loaded in the request's transaction: the
//! clinic's calendar and the occupancy of every other course over the
//! planning window, the patient, their other courses and sessions.

use chairside_engine::course::{OtherCourse, Patient, Situation};
use chairside_engine::monitoring::MonitoringRecord;
use chairside_engine::{ClinicCalendar, EngineError, Interval, Occupancy, Planner, Role};
use chairside_store::models as m;
use chairside_store::repo::patients::WithCourses;
use chairside_store::{repo, DbConnection};
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::error::ApiError;
use crate::service::horizon;

/// How far ahead a decision may place sessions (a year of boosters, a
/// restarted series, a re-plan after a long pause).
pub const PLANNING_DAYS: i64 = 400;

/// The local dates a decision may touch: from `from` for `days` days.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// The first local date.
    pub from: NaiveDate,
    /// How many days after it.
    pub days: i64,
}

impl Window {
    /// From the earlier of today and `also` (a session being corrected in
    /// the past), for the planning horizon beyond today.
    pub fn planning(today: NaiveDate, also: Option<NaiveDate>) -> Window {
        let from = also.map_or(today, |d| d.min(today));
        Window {
            from,
            days: (today - from).num_days() + PLANNING_DAYS,
        }
    }
}

/// The situation around a course, owned; [`Snapshot::decide`] lends it to
/// the engine.
pub struct Snapshot {
    pub clinic: m::Clinic,
    calendar: ClinicCalendar,
    occupancy: Occupancy,
    patient: Patient,
    elsewhere: Vec<Interval>,
    other_courses: Vec<OtherCourse>,
    /// What was recorded at the session the action is about, once loaded.
    pub monitoring: Option<MonitoringRecord>,
}

impl Snapshot {
    /// Loads the situation of the patient's course `course` (`None`: a
    /// course not yet booked) at `now` (sessions running over hold their
    /// chairs), given the patient as read with all their courses
    /// ([`repo::patients::with_courses`], nothing written since: the
    /// clinic's count read with them stands). Without a window nothing is
    /// placed, so no occupancy is read.
    pub fn load(
        conn: &mut DbConnection,
        clinic_id: i64,
        whose: &WithCourses,
        course: Option<i64>,
        window: Option<Window>,
        now: DateTime<Utc>,
    ) -> Result<Snapshot, ApiError> {
        let WithCourses {
            patient, courses, ..
        } = whose;
        let (calendar_rows, elsewhere) = match window {
            Some(window) => {
                let rows = repo::calendar::to_place(conn, clinic_id, whose.changes, |clinic| {
                    horizon(clinic.time_zone, window.from, window.days)
                })?;
                // The patient's own live sessions are among the clinic's,
                // read over the same range: no second query.
                let elsewhere = rows
                    .sessions
                    .iter()
                    .filter(|s| s.patient_id == patient.id)
                    .filter(|s| Some(s.course_id) != course || s.held_until.is_some())
                    .map(|s| Interval::new(s.starts_at, s.ends_at))
                    .collect();
                (rows, elsewhere)
            }
            None => (
                std::sync::Arc::new(repo::calendar::without_sessions(conn, clinic_id)?),
                Vec::new(),
            ),
        };
        let other_courses = other_courses(courses, course);
        Ok(Snapshot {
            calendar: calendar_rows.calendar(),
            occupancy: calendar_rows.occupancy_without(course, now),
            clinic: calendar_rows.clinic.clone(),
            patient: engine_patient(patient),
            elsewhere,
            other_courses,
            monitoring: None,
        })
    }

    /// The clinic's zone.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.clinic.time_zone
    }

    /// Asks the engine, in this situation, as `actor` at `now`.
    pub fn decide<T>(
        &self,
        actor: Role,
        now: DateTime<Utc>,
        ask: impl FnOnce(&Situation) -> Result<T, EngineError>,
    ) -> Result<T, ApiError> {
        let planner = Planner::new(&self.calendar, &self.occupancy)?;
        let situation = Situation {
            planner: &planner,
            settings: &self.clinic.settings,
            patient: &self.patient,
            elsewhere: &self.elsewhere,
            other_courses: &self.other_courses,
            actor,
            now,
            monitoring: self.monitoring.as_ref(),
        };
        Ok(ask(&situation)?)
    }
}

/// The patient's courses but `except`, as the engine sees them beside the
/// one it decides on (a course without a kind, from before kinds were
/// recorded, is none of its concern).
pub fn other_courses(courses: &[m::Course], except: Option<i64>) -> Vec<OtherCourse> {
    courses
        .iter()
        .filter(|c| Some(c.id) != except)
        .filter_map(|c| {
            c.modality.map(|modality| OtherCourse {
                id: c.id,
                modality,
                status: c.status,
            })
        })
        .collect()
}

/// The patient as the engine decides on them.
pub fn engine_patient(p: &m::Patient) -> Patient {
    Patient {
        preferences: p.preferences.clone(),
        intake_assessed_on: p.intake_assessed_on,
        consent_on_file: p.consent_on_file,
        rems_enrolled_on: p.rems_enrolled_on,
        escort_confirmed: p.escort_confirmed,
    }
}

/// The local date of an instant in the clinic's zone, one day earlier.
pub fn day_before(zone: chrono_tz::Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive() - Duration::days(1)
}
