//! A small clinic with one course in it, a clock, and the store's part
//! played in memory: ids for new sessions, decisions applied by `evolve`.

use chairside_engine::course::*;
use chairside_engine::monitoring::MonitoringRecord;
use chairside_engine::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::support::clinics::weekday_clinic;
use crate::support::wall_clock::at;
pub use crate::support::wall_clock::{date, time, NEW_YORK as NY};

/// A clinic-local wall-clock time in New York, as an instant.
pub fn ny(d: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    at(NY, d, h, m)
}

/// The clinic: New York, Mon–Fri 08:00–18:00, `chairs` chairs for IV and
/// nasal treatment, and everybody else's bookings.
pub struct World {
    pub calendar: ClinicCalendar,
    pub others: Occupancy,
    pub settings: ClinicSettings,
    pub patient: Patient,
    pub other_courses: Vec<OtherCourse>,
    pub elsewhere: Vec<Interval>,
    pub now: DateTime<Utc>,
    pub course: Course,
    /// What was recorded at the session an action is about. By default a
    /// first device long ago, so that completing is never held up by the
    /// REMS two hours unless a test is about them.
    pub monitoring: MonitoringRecord,
    next_id: i64,
}

/// A record whose dose started on 1 January 2026 (before any test's clock).
pub fn dosed_long_ago() -> MonitoringRecord {
    MonitoringRecord {
        dose_started_at: Some(ny(date(2026, 1, 1), 9, 0)),
        ..MonitoringRecord::default()
    }
}

impl World {
    pub fn clinic(chairs: i64, now: DateTime<Utc>) -> World {
        World {
            calendar: weekday_clinic(NY, chairs),
            others: Occupancy::new(),
            settings: ClinicSettings {
                rems_certified: true,
                ..ClinicSettings::default()
            },
            patient: ready_patient(),
            other_courses: Vec::new(),
            elsewhere: Vec::new(),
            now,
            course: Course {
                id: 1,
                patient: 1,
                protocol: presets::iv_ketamine_standard(),
                status: CourseStatus::Active,
                phase: 0,
                series_started_at: None,
                booster_policy: None,
                at_risk: None,
                extension_accepted: false,
                held_until: None,
                sessions: Vec::new(),
            },
            monitoring: dosed_long_ago(),
            next_id: 100,
        }
    }

    /// A world whose course on `protocol` is booked from `earliest`.
    pub fn booked(protocol: Protocol, now: DateTime<Utc>, earliest: NaiveDate) -> World {
        let mut world = World::clinic(2, now);
        world.book(protocol, earliest).expect("the course books");
        world
    }

    /// Today is Friday 27 February 2026, 09:00 in New York; the course on
    /// `protocol` is booked from Monday 2 March.
    pub fn starting_monday(protocol: Protocol) -> World {
        World::booked(protocol, ny(date(2026, 2, 27), 9, 0), date(2026, 3, 2))
    }

    pub fn situation<'a>(&'a self, planner: &'a Planner<'a>, actor: Role) -> Situation<'a> {
        Situation {
            planner,
            settings: &self.settings,
            patient: &self.patient,
            elsewhere: &self.elsewhere,
            other_courses: &self.other_courses,
            actor,
            now: self.now,
            monitoring: Some(&self.monitoring),
        }
    }

    /// Books a fresh course on `protocol` (replacing the world's course).
    pub fn book(
        &mut self,
        protocol: Protocol,
        earliest: NaiveDate,
    ) -> Result<Decision, EngineError> {
        let planner = Planner::new(&self.calendar, &self.others)?;
        let at = self.situation(&planner, Role::FrontDesk);
        let decision = book_course(
            &CourseRequest {
                protocol: &protocol,
                earliest,
                first_within_days: 28,
            },
            &at,
        )?;
        let empty = Course {
            protocol,
            sessions: Vec::new(),
            ..self.course.clone()
        };
        let ids = self.ids(decision.bookings.len());
        self.course = evolve(&empty, &decision, &ids);
        Ok(decision)
    }

    fn ids(&mut self, n: usize) -> Vec<SessionId> {
        (0..n)
            .map(|_| {
                self.next_id += 1;
                SessionId(self.next_id)
            })
            .collect()
    }

    /// Decides `action` as `actor` at the world's `now` and applies it.
    pub fn act_as(&mut self, actor: Role, action: Action) -> Result<Decision, EngineError> {
        let planner = Planner::new(&self.calendar, &self.others)?;
        let at = self.situation(&planner, actor);
        let decision = decide(&self.course, &action, &at)?;
        let ids = self.ids(decision.bookings.len());
        self.course = evolve(&self.course, &decision, &ids);
        Ok(decision)
    }

    /// As the front desk.
    pub fn act(&mut self, action: Action) -> Result<Decision, EngineError> {
        self.act_as(Role::FrontDesk, action)
    }

    pub fn decide_clinically(&mut self, action: Action) -> Result<Decision, EngineError> {
        self.act_as(Role::Clinician, action)
    }

    pub fn session(&self, id: SessionId) -> &CourseSession {
        self.course.session(id).expect("a session of the course")
    }

    /// The course's sessions in a status, in time order.
    pub fn with_status(&self, status: SessionStatus) -> Vec<CourseSession> {
        let mut found: Vec<CourseSession> = self
            .course
            .sessions
            .iter()
            .filter(|s| s.status == status)
            .cloned()
            .collect();
        found.sort_by_key(|s| s.start);
        found
    }

    pub fn booked_in(&self, phase: usize) -> Vec<CourseSession> {
        self.with_status(SessionStatus::Booked)
            .into_iter()
            .filter(|s| s.phase == phase)
            .collect()
    }

    /// The booked session that starts first.
    pub fn next_booked(&self) -> CourseSession {
        self.with_status(SessionStatus::Booked)
            .first()
            .cloned()
            .expect("a booked session")
    }

    /// The booked session that starts last (not the one booked last).
    pub fn last_booked(&self) -> CourseSession {
        self.with_status(SessionStatus::Booked)
            .last()
            .cloned()
            .expect("a booked session")
    }

    /// Moves the clock to a session's start and gives its dose.
    pub fn give(&mut self, id: SessionId) -> Decision {
        self.now = self.session(id).start;
        self.act(Action::CheckIn {
            session: id,
            note: None,
            escort_override: None,
        })
        .expect("check-in at the start");
        self.now = self.session(id).start + Duration::minutes(60);
        self.act(Action::Complete {
            session: id,
            note: None,
            discharged_at: None,
        })
        .expect("complete after check-in")
    }

    /// Moves the clock past a session's grace period and marks a no-show.
    pub fn miss(&mut self, id: SessionId) -> Decision {
        self.now = self.session(id).start + Duration::minutes(30);
        self.act(Action::NoShow {
            session: id,
            note: None,
            automatic: false,
        })
        .expect("no-show after the grace period")
    }
}

/// An IV course booked from Monday ([`World::starting_monday`]).
pub fn iv_world() -> World {
    World::starting_monday(presets::iv_ketamine_standard())
}

pub fn ready_patient() -> Patient {
    Patient {
        preferences: PatientPreferences {
            preferred_start: Some(time(10, 0)),
            ..Default::default()
        },
        intake_assessed_on: Some(date(2026, 2, 20)),
        consent_on_file: true,
        rems_enrolled_on: Some(date(2026, 2, 20)),
        escort_confirmed: true,
    }
}

pub fn refused_by(result: Result<Decision, EngineError>) -> Refusal {
    match result {
        Err(EngineError::Refused(refusal)) => *refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

pub fn dates(sessions: &[CourseSession]) -> Vec<NaiveDate> {
    sessions
        .iter()
        .map(|s| s.start.with_timezone(&NY).date_naive())
        .collect()
}
