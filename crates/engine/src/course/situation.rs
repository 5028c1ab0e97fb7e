//! Everything around a course that a decision reads: the clinic's calendar
//! and occupancy, its settings, the patient, who asks, and *now*.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::course::model::{OtherCourse, Patient};
use crate::local_time::local_date;
use crate::monitoring::MonitoringRecord;
use crate::occupancy::Interval;
use crate::planner::Planner;
use crate::role::Role;
use crate::settings::ClinicSettings;

/// The world a course decision is taken in.
#[derive(Clone, Copy)]
pub struct Situation<'a> {
    /// The clinic's calendar and the occupancy of every live session that
    /// is *not* this course's (the engine knows its own sessions).
    pub planner: &'a Planner<'a>,
    /// The clinic's settings.
    pub settings: &'a ClinicSettings,
    pub patient: &'a Patient,
    /// The patient's live sessions in other courses.
    pub elsewhere: &'a [Interval],
    /// The patient's other courses.
    pub other_courses: &'a [OtherCourse],
    /// Who asks.
    pub actor: Role,
    /// The instant the decision is taken at.
    pub now: DateTime<Utc>,
    /// What was recorded at the session the action is about (its times and
    /// vitals), if anything was.
    pub monitoring: Option<&'a MonitoringRecord>,
}

impl Situation<'_> {
    /// The clinic's zone.
    pub fn zone(&self) -> Tz {
        self.planner.calendar().zone
    }

    /// Today in clinic time.
    pub fn today(&self) -> NaiveDate {
        local_date(self.zone(), self.now)
    }

    /// Tomorrow in clinic time: the earliest day a re-plan books.
    pub fn tomorrow(&self) -> NaiveDate {
        self.today() + Duration::days(1)
    }
}
