//! Sessions: one chair interval of one patient, and what can happen to it.

use chairside_engine::course::{Correction, SessionStatus};
use chairside_engine::Disambiguation;
use chairside_engine::Role;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::common::{in_calendar_opt, local_in_calendar_opt};

/// A session's times in the clinic's zone.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LocalTimes {
    /// The clinic's IANA zone.
    #[schema(example = "America/New_York")]
    pub zone: String,
    /// Local date.
    pub date: NaiveDate,
    /// Local start, `HH:MM`.
    #[serde(with = "chairside_engine::wall_clock::time")]
    #[schema(value_type = String, example = "10:00")]
    pub start: NaiveTime,
    /// Local end of the chair interval, `HH:MM`.
    #[serde(with = "chairside_engine::wall_clock::time")]
    #[schema(value_type = String, example = "11:30")]
    pub end: NaiveTime,
    /// Start with the local UTC offset (RFC 3339).
    pub start_with_offset: DateTime<FixedOffset>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Id.
    pub id: i64,
    pub course_id: i64,
    pub patient_id: i64,
    /// Index of the protocol phase (0 = first).
    pub phase: i32,
    /// Position among the phase's sessions in time order (1-based).
    pub sequence: i32,
    pub chair_id: i64,
    /// Start of the chair interval (pre-dose check), UTC.
    pub start: DateTime<Utc>,
    /// End of the chair interval (end of monitoring), UTC.
    pub end: DateTime<Utc>,
    /// The same in clinic time.
    pub local: LocalTimes,
    pub status: SessionStatus,
    /// A clinician omitted this dose: the phase counts one dose fewer.
    pub omitted: bool,
    /// The patient cancelled it inside the clinic's late-cancellation
    /// notice: it binds the patient.
    pub late_cancellation: bool,
    /// When the patient confirmed this booking (a move forgets it).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Why it was moved, cancelled, not dosed, …
    pub reason: Option<String>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// A session proposed by the planner (not booked).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlannedSessionView {
    /// Index of the protocol phase.
    pub phase: i32,
    /// Position in the phase (1-based).
    pub sequence: i32,
    pub chair_id: i64,
    /// Start, UTC.
    pub start: DateTime<Utc>,
    /// End, UTC.
    pub end: DateTime<Utc>,
    /// In clinic time.
    pub local: LocalTimes,
}

/// When: an instant with its offset, or a clinic-local wall-clock time.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start": "2026-03-09T10:00:00-04:00"}))]
pub struct At {
    /// An RFC 3339 date-time with offset.
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub start: Option<DateTime<FixedOffset>>,
    /// Or a clinic-local date-time without offset, e.g. `2026-03-09T10:00`
    /// (seconds allowed). A time the clocks skip is refused.
    #[serde(default, deserialize_with = "local_in_calendar_opt")]
    #[schema(value_type = Option<String>, example = "2026-03-09T10:00")]
    pub local_start: Option<NaiveDateTime>,
    /// For a local time that occurs twice (fall back): `earlier` or `later`.
    /// Without it such a time is refused.
    #[serde(default)]
    pub disambiguation: Option<Disambiguation>,
}

/// Move a session: to a given time, or to the next best time.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"next_best": {"not_before": "2026-03-10"}, "reason": "patient has a cold"}))]
pub struct RescheduleSession {
    /// The new time (exclusive with `next_best`).
    #[serde(default)]
    pub to: Option<At>,
    /// Chair for `to` (default: the first free suitable chair).
    #[serde(default)]
    pub chair_id: Option<i64>,
    /// Let the planner pick the earliest day that keeps the phase's rules.
    #[serde(default)]
    pub next_best: Option<NextBest>,
    /// Why.
    #[schema(min_length = 1)]
    pub reason: String,
    /// A clinician may book a time that breaks a protocol rule, with this reason.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// Options for "next best".
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NextBest {
    /// Not before this local date (default: the day after the current date).
    #[serde(default, deserialize_with = "in_calendar_opt")]
    pub not_before: Option<NaiveDate>,
}

/// Which sessions a cancellation reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelScope {
    /// This session only (omit); the rest keep their times.
    This,
    /// This and every later booked session of the course.
    Remaining,
}

/// Cancel one session or all remaining ones.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scope": "this", "reason": "patient travelling"}))]
pub struct CancelSession {
    /// This one, or all remaining.
    pub scope: CancelScope,
    /// Why.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// What the patient answered to a reminder.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answer": "declined"}))]
pub struct AnswerReminder {
    /// `confirmed`, `declined` or `asked_to_move`.
    pub answer: chairside_engine::course::ReminderAnswer,
}

/// A status change with an optional note.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusNote {
    /// A note for the history.
    #[serde(default)]
    pub reason: Option<String>,
    /// Check in without a confirmed escort: the reason (clinician or admin).
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// The patient leaves: monitoring ends (an esketamine patient no earlier
/// than two hours after the first device, under the REMS).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteSession {
    /// A note for the history.
    #[serde(default)]
    pub reason: Option<String>,
    /// When the patient left, if not now (RFC 3339 with an offset).
    #[serde(default)]
    pub discharged_at: Option<DateTime<Utc>>,
}

/// Arrived, but not dosed: a miss, so the dose is rebooked inside the
/// phase's rules (or the course goes at risk).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "blood pressure 152/96 before dosing"}))]
pub struct NotDosed {
    /// Why treatment was withheld (e.g. blood pressure above 140/90).
    #[schema(min_length = 1)]
    pub reason: String,
}

/// A clinician gives one dose fewer in the phase (the session, booked or
/// missed, is not replaced).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "responding well; five infusions suffice"}))]
pub struct OmitSession {
    /// Why.
    #[schema(min_length = 1)]
    pub reason: String,
}

/// A clinician corrects a session's record.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"correction": "undo_last_change", "reason": "patient arrived late; no-show marked by mistake"}))]
pub struct CorrectSession {
    /// Mark it entered in error, or undo its last status change.
    pub correction: Correction,
    /// Why (kept in the audit trail).
    #[schema(min_length = 1)]
    pub reason: String,
}

/// The outcome of a change that may re-plan the rest of the course.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SessionChange {
    /// The session changed.
    pub session: SessionView,
    /// Sessions booked as a consequence (a rebooking, a re-plan).
    pub booked: Vec<SessionView>,
    /// Sessions cancelled as a consequence.
    pub cancelled: Vec<SessionView>,
    /// Whether the course is now at risk (a clinician must decide).
    pub course_at_risk: bool,
}

/// One change of a session's status: who made it, when and why. A
/// correction undoes the latest; an auditor reads them all.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StatusChangeView {
    /// The status before (`null` when the row records the session's first).
    pub from: Option<SessionStatus>,
    pub to: SessionStatus,
    /// The reason given with the change, if any.
    pub reason: Option<String>,
    /// The API key that made it (`null` for Chairside's own workers).
    pub key_id: Option<i64>,
    /// The role it acted in (`system` for Chairside's own workers).
    pub role: Role,
    pub at: DateTime<Utc>,
}
