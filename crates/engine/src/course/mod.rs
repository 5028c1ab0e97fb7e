//! The course: one patient's treatment on one protocol, and every rule of
//! its life, as a *decider*. [`decide`] takes the course as it stands, an
//! [`Action`], the [`Situation`] around it (calendar, settings, patient,
//! who asks, now) and answers with a [`Decision`] — the changes and the
//! events that follow — or refuses by naming the rule. [`evolve`] applies a
//! decision in memory exactly as the store applies it to its rows.
//!
//! Where each rule lives, by the clinic's words:
//! - [`status`]: which status may follow which (forward only).
//! - [`counting`]: what counts toward a series; a miss leaves the dose owed.
//! - [`timing`]: when check-in and no-show can happen, in clinic time.
//! - `attendance`: check in, complete, not dosed, no-show.
//! - `cancellation`: cancel (a miss), cancel all remaining, omit.
//! - `moves`: reschedule (defer) and add a session; overridable rules.
//! - `settle`: after every change — rebook what is owed, cancel what is
//!   not, start the next phase, keep boosters booked ahead, flag at risk.
//! - `lifecycle`: pause, resume, cease, the at-risk decision, one running
//!   course per patient and kind.
//! - `rescue`: freed chair time that brings an at-risk course back
//!   inside its rules (backfill's first choice).
//! - `spacing`: booster policy changes and the label's step back.
//! - `correction`: entered in error, undo the last change (or omission);
//!   a dose that comes back is judged as one booked today.
//! - [`booking`]: a new course and its first phase.

mod action;
mod attendance;
pub mod booking;
mod cancellation;
pub mod confirmation;
mod correction;
pub mod counting;
mod decide;
mod decision;
mod draft;
mod evolve;
pub(crate) mod guards;
pub mod holds;
mod lifecycle;
mod model;
mod moves;
mod refusal;
mod rescue;
mod settle;
mod situation;
mod spacing;
pub mod status;
pub mod timing;

pub use action::{Action, AtRiskChoice, Correction, ReminderAnswer, Target};
pub use attendance::REMS_FORM_DUE_DAYS;
pub use booking::{book_course, import_course, CourseRequest};
pub use counting::SeriesCount;
pub use decide::decide;
pub use decision::{
    CourseEvent, CourseState, Decision, Discharge, NewSession, Placement, PolicyChange,
    RemsFormDue, SessionRef, SessionUpdate,
};
pub use evolve::evolve;
pub use guards::dose_gates;
pub use holds::{hold_course, hold_course_until, hold_until, still_held, MAX_HOLD_MINUTES};
pub use lifecycle::{running_course_of_kind, RESTART_WITHIN_DAYS};
pub use model::{AtRisk, Course, CourseSession, OtherCourse, Patient, SessionId};
pub use moves::overridable;
pub use refusal::{CourseRule, Refusal};
pub use settle::NEXT_PHASE_WITHIN_DAYS;
pub use situation::Situation;
pub use status::{CourseStatus, SessionStatus};
