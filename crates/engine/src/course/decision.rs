//! What a decision changes, and the events that follow from it. Applying a
//! decision is the store's job ([`crate::course::evolve`] is the same
//! application in memory); choosing the HTTP answer is the api's.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::ChairId;
use crate::course::action::AtRiskChoice;
use crate::course::model::{AtRisk, SessionId};
use crate::course::status::{CourseStatus, SessionStatus};
use crate::protocol::BoosterPolicy;

/// Where a session is: a chair and a chair interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub chair: ChairId,
    /// Start of the chair interval.
    pub start: DateTime<Utc>,
    /// End of the chair interval.
    pub end: DateTime<Utc>,
}

/// A change to an existing session; only the fields that change are set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUpdate {
    pub session: SessionId,
    /// A new status (and the status it leaves, for the history).
    pub status: Option<(SessionStatus, SessionStatus)>,
    /// A new chair or time.
    pub placement: Option<Placement>,
    /// A new position in its phase.
    pub sequence: Option<u32>,
    /// The dose was omitted by a clinician.
    pub omitted: Option<bool>,
    /// The patient's late cancellation.
    pub late_cancellation: Option<bool>,
    /// The patient's confirmation, given (`Some(Some(at))`) or forgotten
    /// by a move (`Some(None)`).
    pub confirmed_at: Option<Option<DateTime<Utc>>>,
    /// Why it changed (kept with the session and in its history).
    pub reason: Option<String>,
}

/// A session to book.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSession {
    pub phase: usize,
    /// Its position in the phase.
    pub sequence: u32,
    /// Where.
    pub placement: Placement,
}

/// A session named by an event: one that exists, or the `n`th of the
/// decision's [`Decision::bookings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionRef {
    /// An existing session.
    Existing(SessionId),
    /// A session the decision books (index into `bookings`).
    New(usize),
}

/// A course's own state after a decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseState {
    pub status: CourseStatus,
    /// Current phase.
    pub phase: usize,
    /// When the current series was restarted, if it was.
    pub series_started_at: Option<DateTime<Utc>>,
    /// The booster policy in force.
    pub booster_policy: Option<BoosterPolicy>,
    /// Why the course is at risk, if it is.
    pub at_risk: Option<AtRisk>,
    /// A clinician accepted an extension of the current series.
    pub extension_accepted: bool,
    /// Held for a portal until then (see [`crate::course::holds`]).
    #[serde(default)]
    pub held_until: Option<DateTime<Utc>>,
}

/// A change of booster spacing, kept in the course's policy history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyChange {
    /// The policy before.
    pub old: Option<BoosterPolicy>,
    /// The policy after.
    pub new: BoosterPolicy,
    /// Why.
    pub reason: String,
    /// The clinician went below the protocol's floor.
    pub floor_overridden: bool,
}

/// A REMS patient monitoring form falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemsFormDue {
    /// The esketamine session it covers.
    pub session: SessionId,
    /// 7 calendar days after the session, clinic-local (domain rule 7).
    pub due_on: NaiveDate,
}

/// A patient left: the end of monitoring, kept in the session's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discharge {
    pub session: SessionId,
    pub at: DateTime<Utc>,
}

/// Something that happened to a course, for webhooks and the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CourseEvent {
    /// A new course with its first phase booked.
    CourseBooked,
    /// A session was booked.
    SessionBooked(SessionRef),
    /// A session moved; where it was.
    SessionRescheduled(SessionId, Placement),
    /// A session was cancelled (by the desk, a re-plan, a pause, …).
    SessionCancelled(SessionId),
    /// A clinician omitted a session's dose.
    SessionOmitted(SessionId),
    /// The patient arrived.
    SessionCheckedIn(SessionId),
    /// Dosed and monitored.
    SessionCompleted(SessionId),
    /// Arrived but not treated.
    SessionNotDosed(SessionId),
    /// Did not come.
    SessionNoShow(SessionId),
    /// The patient confirmed the booking.
    SessionConfirmed(SessionId),
    /// A clinician corrected a session's record.
    SessionCorrected {
        session: SessionId,
        /// Status before.
        from: SessionStatus,
        /// Status after.
        to: SessionStatus,
    },
    /// The course went at risk.
    AtRisk(AtRisk),
    /// A clinician decided an at-risk course.
    AtRiskDecided {
        /// What was chosen.
        choice: AtRiskChoice,
        /// Why the course was at risk.
        was: AtRisk,
    },
    /// Freed chair time brought an at-risk course back inside its rules.
    AtRiskResolved {
        /// Why the course was at risk.
        was: AtRisk,
    },
    /// A phase reached its number of doses.
    PhaseCompleted {
        /// The phase completed.
        phase: usize,
    },
    /// Every phase done.
    CourseCompleted,
    /// Put on hold.
    Paused,
    /// Taken up again.
    Resumed {
        /// Re-planned from this local date.
        from: NaiveDate,
    },
    /// Ended early.
    Discontinued,
    /// Booster spacing changed.
    BoosterPolicyChanged,
    /// A new course held for a portal until then; its sessions hold their
    /// chairs, and are announced when it is confirmed.
    Held { until: DateTime<Utc> },
    /// A hold ran out, or the portal let it go: its sessions are released.
    HoldReleased {
        /// It ran out (rather than being let go).
        expired: bool,
    },
}

impl CourseEvent {
    /// Every event type a course emits, as integrations subscribe to them.
    pub const TYPES: &'static [&'static str] = &[
        "course.booked",
        "course.at_risk",
        "course.at_risk_decided",
        "course.at_risk_resolved",
        "course.phase_completed",
        "course.completed",
        "course.paused",
        "course.resumed",
        "course.discontinued",
        "booster.policy_changed",
        "course.held",
        "course.hold_released",
        "session.booked",
        "session.rescheduled",
        "session.cancelled",
        "session.omitted",
        "session.checked_in",
        "session.completed",
        "session.no_show",
        "session.not_dosed",
        "session.corrected",
        "session.confirmed",
    ];

    /// The event's type, as integrations subscribe to it.
    pub fn name(&self) -> &'static str {
        match self {
            CourseEvent::CourseBooked => "course.booked",
            CourseEvent::SessionBooked(_) => "session.booked",
            CourseEvent::SessionRescheduled(..) => "session.rescheduled",
            CourseEvent::SessionCancelled(_) => "session.cancelled",
            CourseEvent::SessionOmitted(_) => "session.omitted",
            CourseEvent::SessionCheckedIn(_) => "session.checked_in",
            CourseEvent::SessionCompleted(_) => "session.completed",
            CourseEvent::SessionNotDosed(_) => "session.not_dosed",
            CourseEvent::SessionNoShow(_) => "session.no_show",
            CourseEvent::SessionCorrected { .. } => "session.corrected",
            CourseEvent::SessionConfirmed(_) => "session.confirmed",
            CourseEvent::AtRisk(_) => "course.at_risk",
            CourseEvent::AtRiskDecided { .. } => "course.at_risk_decided",
            CourseEvent::AtRiskResolved { .. } => "course.at_risk_resolved",
            CourseEvent::PhaseCompleted { .. } => "course.phase_completed",
            CourseEvent::CourseCompleted => "course.completed",
            CourseEvent::Paused => "course.paused",
            CourseEvent::Resumed { .. } => "course.resumed",
            CourseEvent::Discontinued => "course.discontinued",
            CourseEvent::BoosterPolicyChanged => "booster.policy_changed",
            CourseEvent::Held { .. } => "course.held",
            CourseEvent::HoldReleased { .. } => "course.hold_released",
        }
    }

    /// The session the event is about, if one.
    pub fn session(&self) -> Option<SessionRef> {
        match self {
            CourseEvent::SessionBooked(r) => Some(*r),
            CourseEvent::SessionRescheduled(id, _)
            | CourseEvent::SessionCancelled(id)
            | CourseEvent::SessionOmitted(id)
            | CourseEvent::SessionCheckedIn(id)
            | CourseEvent::SessionCompleted(id)
            | CourseEvent::SessionNotDosed(id)
            | CourseEvent::SessionNoShow(id)
            | CourseEvent::SessionConfirmed(id)
            | CourseEvent::SessionCorrected { session: id, .. } => Some(SessionRef::Existing(*id)),
            _ => None,
        }
    }
}

/// Everything a decision changes. Empty parts change nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Changes to existing sessions, by id.
    pub updates: Vec<SessionUpdate>,
    /// Sessions to book, in time order.
    pub bookings: Vec<NewSession>,
    /// The course's state, when it changes.
    pub course: Option<CourseState>,
    /// A booster policy change to keep in the history.
    pub policy_change: Option<PolicyChange>,
    /// REMS monitoring forms that fall due.
    pub rems_forms: Vec<RemsFormDue>,
    /// The patient left (a completion).
    pub discharge: Option<Discharge>,
    /// What happened, in order.
    pub events: Vec<CourseEvent>,
}

impl Decision {
    /// The chairs (ids) the decision places sessions on: its bookings and
    /// its moves.
    pub fn chairs_placed(&self) -> Vec<i64> {
        let moved = self.updates.iter().filter_map(|u| u.placement);
        (self.bookings.iter().map(|b| b.placement))
            .chain(moved)
            .map(|p| p.chair.0)
            .collect()
    }

    /// Where the decision puts session `id`, if it moves it.
    pub fn placement_of(&self, id: SessionId) -> Option<Placement> {
        self.updates
            .iter()
            .find(|u| u.session == id)
            .and_then(|u| u.placement)
    }

    /// The sessions the decision cancelled (by the desk, a re-plan, a pause).
    pub fn cancelled(&self) -> Vec<SessionId> {
        self.updates
            .iter()
            .filter(|u| matches!(u.status, Some((_, SessionStatus::Cancelled))))
            .map(|u| u.session)
            .collect()
    }
}
