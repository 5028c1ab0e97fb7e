//! RFC 9457 problem details: the one shape every error response takes.

use serde::Serialize;
use utoipa::ToSchema;

use crate::problem_kind::ProblemKind;

/// The media type of every error response.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One offending field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where: a JSON path into the body (`phases[0].min_days_between`), or a
    /// query or path parameter or header name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error response (`application/problem+json`, RFC 9457).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/infeasible",
    "title": "No schedule keeps the rules",
    "status": 422,
    "detail": "every suitable chair is taken on 9 days",
    "rule": "chairs_full",
    "earliest_feasible": "2026-03-23"
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem; documented in `docs/api.md`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// The offending fields, for validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The rule, by name, when one refused the request: a scheduling rule
    /// (`chairs_full`, `max_gap`, …) or a rule of the course's life
    /// (`check_in_window`, `status_order`, `one_running_course`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Every scheduling rule a proposed session breaks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<chairside_engine::Violation>,
    /// When the refused action becomes possible, if waiting is all it takes
    /// (a check-in that opens an hour before the start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Another course the refusal is about (the one already running).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course_id: Option<i64>,
    /// The earliest date from which a plan within the rules exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest_feasible: Option<chrono::NaiveDate>,
    /// Booked sessions a change would leave without the staff they need.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncovered: Vec<UncoveredSession>,
    /// The request id, to quote when reporting the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Problem {
    /// A problem of `kind` saying `detail`, and nothing more.
    pub fn of(kind: ProblemKind, detail: String) -> Problem {
        Problem {
            kind: kind.type_uri(),
            title: kind.title().to_string(),
            status: kind.status().as_u16(),
            detail,
            errors: Vec::new(),
            rule: None,
            violations: Vec::new(),
            earliest_feasible: None,
            possible_from: None,
            course_id: None,
            uncovered: Vec::new(),
            request_id: None,
        }
    }
}

/// A booked session a change would leave without the staff it needs.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UncoveredSession {
    pub session_id: i64,
    /// Start of its chair interval.
    pub starts_at: chrono::DateTime<chrono::Utc>,
    /// Which roles fall short, when, and by how many.
    pub detail: String,
}
