//! A course as the engine sees it: the protocol it follows, where it
//! stands, and every session it ever had.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{ChairId, Modality};
use crate::course::status::{CourseStatus, SessionStatus};
use crate::occupancy::Interval;
use crate::preferences::PatientPreferences;
use crate::protocol::{BoosterPolicy, PhaseKind, Protocol, SeriesRules};
use crate::rules::Violation;

/// A session's identity, as the store knows it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SessionId(pub i64);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseSession {
    /// Identity.
    pub id: SessionId,
    /// The protocol phase it belongs to.
    pub phase: usize,
    /// 1-based position among the phase's sessions in time order.
    pub sequence: u32,
    pub chair: ChairId,
    /// Start of the chair interval (pre-dose check).
    pub start: DateTime<Utc>,
    /// End of the chair interval (end of monitoring).
    pub end: DateTime<Utc>,
    /// Where it is in its life.
    pub status: SessionStatus,
    /// A clinician omitted this dose: the phase counts one dose fewer.
    pub omitted: bool,
    /// The status before the last change, for a correction that undoes it.
    pub previous_status: Option<SessionStatus>,
    /// The patient cancelled it (or asked to move it) inside the clinic's
    /// late-cancellation notice: it binds the patient.
    pub late_cancellation: bool,
    /// When the patient confirmed this booking (a move forgets it).
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl CourseSession {
    /// The chair interval.
    pub fn interval(&self) -> Interval {
        Interval::new(self.start, self.end)
    }
}

/// Why a course is at risk: its phase's rules can no longer be kept, and a
/// clinician decides (accept the extension or restart the series).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AtRisk {
    /// In words.
    pub reason: String,
    /// The rules the best plan breaks.
    pub violations: Vec<Violation>,
}

/// One patient's course of treatment on one protocol revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    /// Identity.
    pub id: i64,
    pub patient: i64,
    /// The protocol revision the course started with.
    pub protocol: Protocol,
    /// Where the course stands.
    pub status: CourseStatus,
    /// Index of the current phase.
    pub phase: usize,
    /// When a clinician restarted the current series: sessions of the
    /// phase before this instant belong to the abandoned series.
    pub series_started_at: Option<DateTime<Utc>>,
    /// The clinician's booster spacing (the protocol's default until changed).
    pub booster_policy: Option<BoosterPolicy>,
    /// Set while a clinician must decide.
    pub at_risk: Option<AtRisk>,
    /// A clinician accepted that the current series runs outside its
    /// spacing rules (an extension): re-plans may then relax them.
    pub extension_accepted: bool,
    /// Held for a patient portal until then: its sessions hold their chairs
    /// (and staff) like bookings while the patient decides; nothing else
    /// happens to it until it is confirmed or released.
    pub held_until: Option<DateTime<Utc>>,
    /// Every session the course ever had.
    pub sessions: Vec<CourseSession>,
}

impl Course {
    /// The session with this id.
    pub fn session(&self, id: SessionId) -> Option<&CourseSession> {
        self.sessions.iter().find(|s| s.id == id)
    }

    /// The ids of its booked sessions, in the order they were made.
    pub fn booked_ids(&self) -> Vec<SessionId> {
        self.sessions
            .iter()
            .filter(|s| s.status == SessionStatus::Booked)
            .map(|s| s.id)
            .collect()
    }

    /// The kind of treatment: a patient has at most one running course of
    /// each kind.
    pub fn modality(&self) -> Modality {
        self.protocol.modality
    }

    /// The series rules of the current phase, if it is a series.
    pub fn current_series(&self) -> Option<&SeriesRules> {
        match &self.protocol.phases.get(self.phase)?.kind {
            PhaseKind::Series(rules) => Some(rules),
            PhaseKind::Boosters(_) => None,
        }
    }

    /// Whether the current phase holds boosters.
    pub fn in_boosters(&self) -> bool {
        matches!(
            self.protocol.phases.get(self.phase).map(|p| &p.kind),
            Some(PhaseKind::Boosters(_))
        )
    }

    /// The booster policy in force: the clinician's, or the protocol's default.
    pub fn policy(&self) -> Option<BoosterPolicy> {
        self.booster_policy
            .or_else(|| self.protocol.boosters().map(|(_, r)| r.default_policy))
    }

    /// Whether a session counts for its phase's current series (not one a
    /// clinician abandoned by restarting it).
    pub fn in_current_series(&self, s: &CourseSession) -> bool {
        s.phase != self.phase || self.series_started_at.is_none_or(|t| s.start >= t)
    }

    /// The sessions of a phase's current series, in time order.
    pub fn series_sessions(&self, phase: usize) -> Vec<&CourseSession> {
        let mut sessions: Vec<&CourseSession> = self
            .sessions
            .iter()
            .filter(|s| s.phase == phase && self.in_current_series(s))
            .collect();
        sessions.sort_by_key(|s| (s.start, s.id));
        sessions
    }
}

/// What the engine needs to know about the patient.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// When and how the patient can come.
    pub preferences: PatientPreferences,
    /// The intake assessment's date, if done.
    pub intake_assessed_on: Option<NaiveDate>,
    /// Treatment consent is on file.
    pub consent_on_file: bool,
    /// Enrolled in the esketamine REMS on this date, if enrolled.
    pub rems_enrolled_on: Option<NaiveDate>,
    /// A responsible adult to drive the patient home is confirmed.
    pub escort_confirmed: bool,
}

/// Another course of the same patient, as far as this one cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherCourse {
    /// Its id.
    pub id: i64,
    /// Its kind of treatment.
    pub modality: Modality,
    /// Where it stands.
    pub status: CourseStatus,
}
