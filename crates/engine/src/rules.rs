//! The rules a schedule must keep, by name, and violations of them.
//!
//! One enum names every rule, so that an infeasible plan, a validation report
//! and an HTTP problem document all speak the same words.

use serde::{Deserialize, Serialize};

/// A scheduling rule, as a clinician would name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Rule {
    /// No active chair supports the protocol's modality.
    NoSuitableChair,
    /// The chair interval does not fit the clinic's opening hours that day.
    OpeningHours,
    /// The chair interval fits opening hours, but no start in the patient's window.
    PatientWindow,
    /// A clinic or chair closure covers it.
    Closure,
    /// Every suitable chair is taken at every fitting start.
    ChairsFull,
    /// This chair is taken at this time.
    ChairTaken,
    /// Too many sessions already start in that grid slot.
    StartsPerSlot,
    /// The staff on shift cannot cover every patient at every minute.
    StaffCoverage,
    /// The patient cannot come that day (weekday, date away, or another session).
    PatientAvailability,
    /// Two sessions of the patient would overlap.
    PatientOverlap,
    /// At most one session per patient per local day.
    OnePerDay,
    /// Fewer days between consecutive sessions than the phase allows.
    MinGap,
    /// More days between consecutive sessions than the phase allows.
    MaxGap,
    /// First to last session takes longer than the phase allows.
    Span,
    /// More sessions in one phase week than the phase allows.
    WeeklyCap,
    /// More sessions than the series holds.
    SessionCount,
    /// A booster sooner than the policy's floor.
    BoosterFloor,
    /// A booster later than the policy's ceiling.
    BoosterCeiling,
    /// The session holds its chair for less than the protocol's chair time.
    ChairTime,
    /// The chair is not one of the clinic's.
    UnknownChair,
    /// The chair is out of service.
    ChairInactive,
    /// The chair is not equipped for the protocol's modality.
    ChairModality,
}

impl Rule {
    /// A short description in the clinic's words.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::NoSuitableChair => "no active chair supports this treatment",
            Rule::OpeningHours => "the chair time does not fit the clinic's opening hours",
            Rule::PatientWindow => "no start inside the patient's time window fits",
            Rule::Closure => "the clinic or chair is closed",
            Rule::ChairsFull => "every suitable chair is taken",
            Rule::ChairTaken => "the chair is taken at that time",
            Rule::StartsPerSlot => "too many sessions already start at that time",
            Rule::StaffCoverage => "not enough staff on shift to cover it",
            Rule::PatientAvailability => "the patient cannot come that day",
            Rule::PatientOverlap => "the patient already has a session at that time",
            Rule::OnePerDay => "at most one session per patient per day",
            Rule::MinGap => "sessions are closer together than the phase allows",
            Rule::MaxGap => "sessions are further apart than the phase allows",
            Rule::Span => "the series takes longer than the phase allows",
            Rule::WeeklyCap => "more sessions in one phase week than allowed",
            Rule::SessionCount => "more sessions than the series holds",
            Rule::BoosterFloor => "the booster is sooner than the floor allows",
            Rule::BoosterCeiling => "the booster is later than the ceiling allows",
            Rule::ChairTime => "the session is shorter than the protocol's chair time",
            Rule::UnknownChair => "the chair is not one of the clinic's",
            Rule::ChairInactive => "the chair is out of service",
            Rule::ChairModality => "the chair is not equipped for this treatment",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// One broken rule in a schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Violation {
    /// Which rule.
    pub rule: Rule,
    /// The session's 1-based position in the phase, when it concerns one.
    pub sequence: Option<u32>,
    /// The numbers behind it.
    pub detail: String,
}

impl Violation {
    pub(crate) fn new(rule: Rule, sequence: Option<u32>, detail: impl Into<String>) -> Self {
        Violation {
            rule,
            sequence,
            detail: detail.into(),
        }
    }
}
