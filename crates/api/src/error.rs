//! The HTTP layer's one error type, and the one place where every error of
//! every layer is mapped to a status and a problem document.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use chairside_engine::course::Refusal;
use chairside_engine::{EngineError, Infeasibility, LocalTimeError, Rule, Violation};
use chairside_store::{ErrorKind as StoreKind, RetryableError, StoreError};

use crate::problem::{FieldError, Problem, UncoveredSession, PROBLEM_JSON};
use crate::problem_kind::ProblemKind;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (bad JSON, bad parameter syntax).
    #[error("{detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
        /// Which fields.
        errors: Vec<FieldError>,
    },
    /// The request is well-formed but its content is invalid.
    #[error("{detail}")]
    Invalid {
        /// What is wrong.
        detail: String,
        /// Which fields.
        errors: Vec<FieldError>,
    },
    /// No or unknown API key.
    #[error("{0}")]
    Unauthenticated(String),
    /// The key's role or clinic scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// No such resource (in this clinic).
    #[error("{0}")]
    NotFound(String),
    /// The path exists, but not with this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The state of the resource does not allow this (e.g. chair taken).
    #[error("{detail}")]
    Conflict {
        /// Which conflict (a 409 [`ProblemKind`]).
        kind: ProblemKind,
        /// What conflicted.
        detail: String,
    },
    /// A change of staff would leave these booked sessions uncovered.
    #[error("the change would leave {} booked session(s) without the staff they need", .0.len())]
    Uncovered(Vec<UncoveredSession>),
    /// `If-Match` names a representation that is no longer current.
    #[error("{0}")]
    PreconditionFailed(String),
    /// A change without `If-Match`.
    #[error("{0}")]
    PreconditionRequired(String),
    /// No schedule keeps the rules.
    #[error("{0}")]
    Infeasible(Box<Infeasibility>),
    /// The proposed sessions break scheduling rules.
    #[error("the proposed schedule breaks {} rule(s)", .0.len())]
    Violations(Vec<Violation>),
    /// A gate before treatment is not passed (consent, REMS, escort).
    #[error("{detail}")]
    Gate {
        /// The missing gate's name.
        gate: &'static str,
        /// What is missing.
        detail: String,
    },
    /// A rule of the course's life refuses the action now (statuses move
    /// forward, check-in on the day, one running course per kind, …).
    #[error("{}", .0.detail)]
    Refused(Box<Refusal>),
    /// The body is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// The body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The API key made more requests than its rate limit allows.
    #[error("{detail}")]
    RateLimited {
        /// What the limit is.
        detail: String,
        /// Whole seconds until a request would be accepted.
        retry_after_seconds: u64,
    },
    /// The database is unreachable or too busy right now.
    #[error("{0}")]
    Unavailable(String),
    /// A bug: never expected.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// A validation failure of one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        ApiError::Invalid {
            detail: format!("{field}: {message}"),
            errors: vec![FieldError { field, message }],
        }
    }

    /// A reference in the request to something that does not exist is the
    /// request's fault: 422 naming the field. Any other failure stays what
    /// it is; a database that is down must be a 503 the client retries,
    /// never a verdict that the request is invalid.
    pub fn unknown_reference(
        error: impl Into<ApiError>,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        match error.into() {
            ApiError::NotFound(_) => ApiError::invalid_field(field, message),
            other => other,
        }
    }

    /// A malformed parameter.
    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        ApiError::BadRequest {
            detail: format!("{field}: {message}"),
            errors: vec![FieldError { field, message }],
        }
    }

    /// The kind of problem this error is: its status, type and title.
    pub fn kind(&self) -> ProblemKind {
        match self {
            ApiError::BadRequest { .. } => ProblemKind::BadRequest,
            ApiError::Invalid { .. } => ProblemKind::Invalid,
            ApiError::Unauthenticated(_) => ProblemKind::Unauthenticated,
            ApiError::Forbidden(_) => ProblemKind::Forbidden,
            ApiError::NotFound(_) => ProblemKind::NotFound,
            ApiError::MethodNotAllowed(_) => ProblemKind::MethodNotAllowed,
            ApiError::Conflict { kind, .. } => *kind,
            ApiError::Uncovered(_) => ProblemKind::ShiftChangeUncovers,
            ApiError::PreconditionFailed(_) => ProblemKind::Stale,
            ApiError::PreconditionRequired(_) => ProblemKind::IfMatchRequired,
            ApiError::Infeasible(_) => ProblemKind::Infeasible,
            ApiError::Violations(_) => ProblemKind::RuleViolations,
            ApiError::Gate { .. } => ProblemKind::GateNotPassed,
            ApiError::Refused(refusal) => ProblemKind::of_course_rule(refusal.rule),
            ApiError::TooLarge(_) => ProblemKind::TooLarge,
            ApiError::UnsupportedMediaType(_) => ProblemKind::UnsupportedMediaType,
            ApiError::RateLimited { .. } => ProblemKind::RateLimited,
            ApiError::Unavailable(_) => ProblemKind::Unavailable,
            ApiError::Internal(_) => ProblemKind::Internal,
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let kind = self.kind();
        let mut problem = Problem::of(kind, self.to_string());
        match self {
            ApiError::BadRequest { errors, .. } | ApiError::Invalid { errors, .. } => {
                problem.errors = errors.clone();
            }
            ApiError::Infeasible(why) => {
                problem.rule = Some(word(why.rule));
                problem.earliest_feasible = why.earliest_feasible;
            }
            ApiError::Violations(violations) => {
                problem.violations = violations.clone();
                problem.rule = violations.first().map(|v| word(v.rule));
            }
            ApiError::Refused(refusal) => {
                problem.rule = Some(refusal.rule.as_str().to_string());
                problem.possible_from = refusal.possible_from;
                problem.course_id = refusal.other_course;
            }
            ApiError::Uncovered(sessions) => {
                problem.rule = Some(word(Rule::StaffCoverage));
                problem.uncovered = sessions.clone();
            }
            ApiError::Gate { gate, detail } => {
                problem.errors = vec![FieldError {
                    field: (*gate).to_string(),
                    message: detail.clone(),
                }];
            }
            ApiError::Internal(_) => {
                problem.detail = "an unexpected error; it has been logged".into()
            }
            _ => {}
        }
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind().status()
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(message) = self {
            tracing::error!(error = %message, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            ApiError::Unauthenticated(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::RateLimited {
                retry_after_seconds,
                ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).expect("problem serialises"))
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error.kind() {
            StoreKind::ChairTaken => ApiError::Conflict {
                kind: ProblemKind::ChairTaken,
                detail: format!("the chair was taken meanwhile: {error}"),
            },
            StoreKind::PatientDoubleBooked => ApiError::Conflict {
                kind: ProblemKind::PatientDoubleBooked,
                detail: format!("the patient already has a session then: {error}"),
            },
            StoreKind::CourseRunning => ApiError::Conflict {
                kind: ProblemKind::OneRunningCourse,
                detail:
                    "the patient has an active course of this kind; pause, end or complete it first"
                        .into(),
            },
            StoreKind::StaleVersion => ApiError::PreconditionFailed(format!(
                "the resource changed meanwhile; read it again: {error}"
            )),
            StoreKind::NotFound => ApiError::NotFound(error.to_string()),
            StoreKind::Duplicate => ApiError::Conflict {
                kind: ProblemKind::Duplicate,
                detail: error.to_string(),
            },
            StoreKind::Invalid => ApiError::Invalid {
                detail: error.to_string(),
                errors: Vec::new(),
            },
            // A concurrent transaction won (deadlock, serialisation): worth
            // running again, and a conflict if it keeps happening.
            StoreKind::Contention => ApiError::Conflict {
                kind: ProblemKind::Contention,
                detail: format!("a concurrent change won; try again: {error}"),
            },
            StoreKind::Unavailable => ApiError::Unavailable(error.to_string()),
            StoreKind::Internal => ApiError::Internal(error.to_string()),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::InvalidInput { field, reason } => ApiError::invalid_field(field, reason),
            EngineError::LocalTime(e) => local_time_error("start", e),
            EngineError::Infeasible(why) => ApiError::Infeasible(why),
            EngineError::Violations(violations) => violations_answer(violations),
            EngineError::Refused(refusal) if refusal.rule.is_gate() => ApiError::Gate {
                gate: refusal.rule.as_str(),
                detail: refusal.detail,
            },
            EngineError::Refused(refusal) => ApiError::Refused(refusal),
        }
    }
}

/// A scheduling rule's word (`chairs_full`).
fn word(rule: Rule) -> String {
    serde_json::to_value(rule)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Rules only other bookings can break are a conflict with the current
/// state (409: the loser of a race for a chair); any other broken rule is a
/// request that could never work as asked (422).
fn violations_answer(violations: Vec<Violation>) -> ApiError {
    let conflict = !violations.is_empty()
        && violations.iter().all(|v| {
            matches!(
                v.rule,
                Rule::ChairTaken
                    | Rule::PatientOverlap
                    | Rule::OnePerDay
                    | Rule::StartsPerSlot
                    | Rule::StaffCoverage
            )
        });
    if !conflict {
        return ApiError::Violations(violations);
    }
    let broken = |rule: Rule| violations.iter().any(|v| v.rule == rule);
    ApiError::Conflict {
        kind: if broken(Rule::ChairTaken) {
            ProblemKind::ChairTaken
        } else if broken(Rule::StaffCoverage) {
            ProblemKind::StaffShort
        } else {
            ProblemKind::PatientDoubleBooked
        },
        detail: violations
            .iter()
            .map(|v| v.detail.clone())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// A local time that does not exist or is ambiguous, at a named field.
pub fn local_time_error(field: &str, error: LocalTimeError) -> ApiError {
    ApiError::invalid_field(field, error.to_string())
}

impl From<actix_web::error::BlockingError> for ApiError {
    /// The blocking task panicked (a bug; the panic is in the log) or the
    /// pool is gone because the server is stopping.
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::Internal("a blocking task failed: it panicked, or the server is stopping".into())
    }
}

impl RetryableError for ApiError {
    fn is_retryable(&self) -> bool {
        // A chair taken by a concurrent writer: reload, re-plan, try again.
        matches!(
            self,
            ApiError::Conflict {
                kind: ProblemKind::ChairTaken
                    | ProblemKind::PatientDoubleBooked
                    | ProblemKind::OneRunningCourse
                    | ProblemKind::Contention,
                ..
            }
        )
    }
}
