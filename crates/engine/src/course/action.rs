//! Everything that can be asked of a course, in the clinic's words.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::ChairId;
use crate::course::model::SessionId;
use crate::protocol::BoosterPolicy;

/// Where a session should go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// At this instant, on this chair (or the first free suitable one).
    At {
        /// The chair, if the caller chose one.
        chair: Option<ChairId>,
        /// The start of the chair interval.
        start: DateTime<Utc>,
    },
    /// The earliest day, from `not_before`, that keeps the phase's rules.
    NextBest {
        /// Not before this clinic-local date (default: the day after the
        /// session's current date, and never before tomorrow).
        not_before: Option<NaiveDate>,
    },
}

/// What a patient answered to a reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReminderAnswer {
    /// They will come.
    Confirmed,
    /// They will not: the booking is cancelled (a miss; the dose is owed).
    Declined,
    /// They want another time: the booking moves to the next best one.
    AskedToMove,
}

/// A clinician's answer to an at-risk course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AtRiskChoice {
    /// Book the plan that extends the window, breaking the listed rules.
    AcceptExtension,
    /// Cancel the phase's remaining sessions and start the series again.
    RestartSeries,
}

/// What a privileged correction does to a session's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Correction {
    /// The session should never have existed (booked by mistake, wrong
    /// patient): it frees its chair and counts for nothing.
    EnteredInError,
    /// Undo the session's last status change (a no-show marked by
    /// mistake, a completion recorded on the wrong session); on an omitted
    /// dose, the omission. A dose that comes back is judged as if booked
    /// today: it must still be owed and find its place.
    UndoLastChange,
}

/// An action on a course. Every action that needs a reason carries one;
/// the engine refuses a blank one, naming the field `reason`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// The patient arrived (domain rule 6: a driver home must be
    /// confirmed, or a clinician overrides with a reason).
    CheckIn {
        session: SessionId,
        /// A note for the history.
        note: Option<String>,
        /// A clinician's reason to check in without a confirmed driver.
        escort_override: Option<String>,
    },
    /// Dosed and monitored: the patient is discharged.
    Complete {
        session: SessionId,
        /// A note for the history.
        note: Option<String>,
        /// When the patient left, if not now.
        discharged_at: Option<DateTime<Utc>>,
    },
    /// Arrived but not treated (e.g. blood pressure above 140/90).
    NotDosed {
        session: SessionId,
        /// Why treatment was withheld.
        reason: String,
    },
    /// The patient did not come.
    NoShow {
        session: SessionId,
        /// A note for the history.
        note: Option<String>,
        /// Marked by Chairside's own worker, not by a person.
        automatic: bool,
    },
    /// The patient or the desk cancels: a miss; the dose is still owed.
    /// `remaining` cancels this and every later booked session and puts the
    /// course on hold for a clinician to resume or end; it starts from the
    /// course's next booking (bookings whose time passed unresolved go too),
    /// since a course on hold holds no booking to come.
    Cancel {
        session: SessionId,
        /// Why.
        reason: String,
        /// This and every later booked session.
        remaining: bool,
    },
    /// A clinician gives one dose fewer in this phase (domain rule 4).
    Omit {
        /// The session (booked, or already missed).
        session: SessionId,
        /// Why.
        reason: String,
    },
    /// The patient's answer to a reminder, as a reminder integration (or the
    /// desk) reports it.
    Answer {
        session: SessionId,
        answer: ReminderAnswer,
    },
    /// The patient decided: a held course becomes booked.
    ConfirmHold,
    /// Let a held course go (the portal's choice, or its hold ran out):
    /// its sessions free their chairs and the course ends.
    ReleaseHold {
        /// The hold ran out (Chairside's worker), rather than let go.
        expired: bool,
    },
    /// Move one session (defer); the rest of the course keeps its times.
    Reschedule {
        session: SessionId,
        /// Where to.
        to: Target,
        /// Why.
        reason: String,
        /// A clinician may break a protocol rule with a reason.
        override_reason: Option<String>,
    },
    /// Book one more session of the current phase at a chosen time.
    AddSession {
        /// The chair, if the caller chose one.
        chair: Option<ChairId>,
        /// The start of the chair interval.
        start: DateTime<Utc>,
        /// A clinician may break a protocol rule with a reason.
        override_reason: Option<String>,
    },
    /// Freed chair time taken by an at-risk course: the owed dose booked
    /// there (or `moving`, a booked dose, moved there), accepted only if
    /// the course is then back inside its rules (backfill's first choice).
    Rescue {
        chair: ChairId,
        /// The start of the chair interval.
        start: DateTime<Utc>,
        /// A booked session to move there instead of booking an owed dose.
        moving: Option<SessionId>,
    },
    /// Put the course on hold: booked sessions are cancelled.
    Pause {
        /// Why.
        reason: String,
    },
    /// Take a paused course up again, re-planning from `from`.
    Resume {
        /// Re-plan from this clinic-local date (default and earliest: tomorrow).
        from: Option<NaiveDate>,
        /// Why.
        reason: String,
    },
    /// End the course early (cease).
    Cease {
        /// Why.
        reason: String,
    },
    /// A clinician decides an at-risk course.
    DecideAtRisk {
        /// Accept the extension or restart the series.
        choice: AtRiskChoice,
        /// Why.
        reason: String,
    },
    /// A clinician changes booster spacing (domain rule 12).
    ChangeBoosterPolicy {
        /// The new policy.
        policy: BoosterPolicy,
        /// Why.
        reason: String,
        /// Go below the protocol's floor (needs the reason).
        override_floor: bool,
    },
    /// The esketamine label's step back: the previous, more frequent interval.
    StepBack {
        /// Why (e.g. worsening symptoms).
        reason: String,
    },
    /// A privileged correction of a session's record.
    Correct {
        session: SessionId,
        /// What to correct.
        correction: Correction,
        /// Why.
        reason: String,
    },
}

impl Action {
    /// Whether deciding may place sessions (so it needs the clinic's
    /// occupancy). Only a check-in never does.
    pub fn may_plan(&self) -> bool {
        !matches!(
            self,
            Action::CheckIn { .. }
                | Action::ConfirmHold
                | Action::ReleaseHold { .. }
                | Action::Answer {
                    answer: ReminderAnswer::Confirmed,
                    ..
                }
        )
    }

    /// The session the action is about, if one.
    pub fn session(&self) -> Option<SessionId> {
        match self {
            Action::CheckIn { session, .. }
            | Action::Complete { session, .. }
            | Action::NotDosed { session, .. }
            | Action::NoShow { session, .. }
            | Action::Cancel { session, .. }
            | Action::Omit { session, .. }
            | Action::Answer { session, .. }
            | Action::Reschedule { session, .. }
            | Action::Rescue {
                moving: Some(session),
                ..
            }
            | Action::Correct { session, .. } => Some(*session),
            _ => None,
        }
    }
}
