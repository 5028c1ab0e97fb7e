//! A course with everything a change to it needs: protocol revision,
//! sessions, patient, zone.

use chairside_engine as engine;
use chairside_store::models as m;
use chairside_store::{repo, DbConnection};
use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;

use crate::calendar::intervals;
use crate::error::ApiError;
use crate::service::{engine_protocol, horizon};
use crate::views::{self, stored};

/// A course loaded for a change.
pub struct CourseContext {
    /// The course.
    pub course: m::Course,
    /// The protocol revision it follows.
    pub version: m::ProtocolVersion,
    /// The same, as the engine reads it.
    pub protocol: engine::Protocol,
    /// Every session of the course.
    pub sessions: Vec<m::Session>,
    /// The patient.
    pub patient: m::Patient,
    /// The clinic's zone.
    pub zone: Tz,
}

impl CourseContext {
    /// Loads a course of the clinic.
    pub fn load(conn: &mut DbConnection, clinic_id: i64, course_id: i64) -> Result<Self, ApiError> {
        let course = repo::courses::get(conn, clinic_id, course_id)?;
        let version = repo::protocols::get_version(conn, clinic_id, course.protocol_version_id)?;
        let protocol = engine_protocol(&version)?;
        let sessions = repo::sessions::for_course(conn, clinic_id, course_id)?;
        let patient = repo::patients::get(conn, clinic_id, course.patient_id)?;
        let clinic = repo::clinics::get(conn, clinic_id)?;
        let zone = views::zone_of(&clinic)?;
        Ok(CourseContext {
            course,
            version,
            protocol,
            sessions,
            patient,
            zone,
        })
    }

    /// Live sessions of a phase, in time order, except one.
    pub fn live_in_phase(&self, phase: i32, except: Option<i64>) -> Vec<&m::Session> {
        let mut live: Vec<&m::Session> = self
            .sessions
            .iter()
            .filter(|s| s.phase_index == phase && s.status.is_live() && Some(s.id) != except)
            .collect();
        live.sort_by_key(|s| s.starts_at);
        live
    }

    /// Whether a session of the current phase belongs to its current series
    /// (not to one a clinician restarted).
    pub fn in_current_series(&self, s: &m::Session) -> bool {
        s.phase_index != self.course.current_phase || s.sequence > self.course.series_start_sequence
    }

    /// The local date of a session.
    pub fn date(&self, s: &m::Session) -> NaiveDate {
        s.starts_at.with_timezone(&self.zone).date_naive()
    }

    /// The course's booster policy (the protocol default until changed).
    pub fn booster_policy(&self) -> Result<Option<engine::BoosterPolicy>, ApiError> {
        match &self.course.booster_policy {
            Some(p) => Ok(Some(stored(p, "booster policy")?)),
            None => Ok(self.protocol.boosters().map(|(_, r)| r.default_policy)),
        }
    }

    /// The last live session before a date in an earlier phase, or in this
    /// phase for boosters: what spacing is measured from.
    pub fn previous_session(
        &self,
        phase: i32,
        before: NaiveDate,
        except: Option<i64>,
    ) -> Option<NaiveDate> {
        let is_boosters = matches!(
            self.protocol.phases.get(phase as usize).map(|p| &p.kind),
            Some(engine::PhaseKind::Boosters(_))
        );
        self.sessions
            .iter()
            .filter(|s| s.status.is_live() && Some(s.id) != except)
            .filter(|s| s.phase_index < phase || (is_boosters && s.phase_index == phase))
            .map(|s| self.date(s))
            .filter(|d| *d < before)
            .max()
    }

    /// The patient's other live sessions (every course) over a horizon, except some.
    pub fn patient_busy(
        &self,
        conn: &mut DbConnection,
        from: NaiveDate,
        days: i64,
        except: &[i64],
    ) -> Result<Vec<engine::Interval>, ApiError> {
        let (start, end) = horizon(self.zone, from, days)?;
        let own = repo::calendar::patient_live_sessions(
            conn,
            self.course.clinic_id,
            self.patient.id,
            start,
            end,
        )?;
        let others: Vec<m::Session> = own
            .into_iter()
            .filter(|s| !except.contains(&s.id))
            .collect();
        Ok(intervals(&others))
    }

    /// The patient's preferences.
    pub fn preferences(&self) -> Result<engine::PatientPreferences, ApiError> {
        let p: crate::dto::patient::Preferences = stored(&self.patient.preferences, "preferences")?;
        Ok(engine::PatientPreferences::from(&p))
    }

    /// Tomorrow in the clinic's zone: the earliest a re-planned session goes.
    pub fn tomorrow(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.zone).date_naive() + chrono::Duration::days(1)
    }
}
