//! The engine's one error type.
//!
//! Every failure the engine reports is an [`EngineError`]; [`EngineError::kind`]
//! says which family it belongs to so that the HTTP layer can map it to a
//! status code in exactly one place.

use crate::course::Refusal;
use crate::infeasible::Infeasibility;
use crate::local_time::LocalTimeError;
use crate::rules::Violation;

/// What went wrong, coarsely: the HTTP layer maps each kind to one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is malformed or nonsensical (a protocol with min gap > max gap, …).
    InvalidInput,
    /// A local wall-clock time does not exist or is ambiguous in the clinic's zone.
    LocalTime,
    /// The request is well-formed but no schedule satisfies the rules.
    Infeasible,
    /// The sessions as asked for break scheduling rules.
    Violations,
    /// A rule of the course's life does not allow the action (now).
    Refused,
}

/// An error from the calendar engine.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// A field of the input breaks a rule of its own (not of the calendar).
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Where the problem is, as a dotted path (`phases[0].min_days_between`).
        field: String,
        /// What is wrong with it, in the clinic's words.
        reason: String,
    },
    /// A local time could not be turned into an instant without guessing.
    #[error(transparent)]
    LocalTime(#[from] LocalTimeError),
    /// No plan satisfies the rules; says which rule and what would work.
    #[error("{0}")]
    Infeasible(Box<Infeasibility>),
    /// The sessions as asked for break these rules (a chosen time, a
    /// chosen chair); a clinician may override the protocol's spacing.
    #[error("the schedule breaks {} rule(s)", .0.len())]
    Violations(Vec<Violation>),
    /// A rule of the course's life refuses the action, by name.
    #[error(transparent)]
    Refused(Box<Refusal>),
}

impl EngineError {
    /// The family of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::InvalidInput { .. } => ErrorKind::InvalidInput,
            EngineError::LocalTime(_) => ErrorKind::LocalTime,
            EngineError::Infeasible(_) => ErrorKind::Infeasible,
            EngineError::Violations(_) => ErrorKind::Violations,
            EngineError::Refused(_) => ErrorKind::Refused,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        EngineError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same error with its field placed under `parent`: opening-hours
    /// checks name `hours.mon[0]`, which under `staff[2].shifts` reads
    /// `staff[2].shifts.mon[0]`.
    pub(crate) fn within(self, parent: &str) -> Self {
        match self {
            EngineError::InvalidInput { field, reason } => {
                let field = field.strip_prefix("hours").unwrap_or(&field);
                EngineError::InvalidInput {
                    field: format!("{parent}{field}"),
                    reason,
                }
            }
            other => other,
        }
    }
}

impl From<Refusal> for EngineError {
    fn from(value: Refusal) -> Self {
        EngineError::Refused(Box::new(value))
    }
}

impl From<Infeasibility> for EngineError {
    fn from(value: Infeasibility) -> Self {
        EngineError::Infeasible(Box::new(value))
    }
}
