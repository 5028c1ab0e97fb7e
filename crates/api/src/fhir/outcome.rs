//! Errors as FHIR says them: an `OperationOutcome` with the HTTP status the
//! REST API would answer (one mapping, `ApiError::kind`), an issue code
//! from FHIR's IssueType, the field (`expression`) when one is at fault.

use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::problem_kind::ProblemKind;

/// FHIR's media type.
pub const FHIR_JSON: &str = "application/fhir+json";

/// An [`ApiError`] answered as an `OperationOutcome`.
#[derive(Debug)]
pub struct FhirError(pub ApiError);

impl<E: Into<ApiError>> From<E> for FhirError {
    fn from(error: E) -> Self {
        FhirError(error.into())
    }
}

impl std::fmt::Display for FhirError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl FhirError {
    /// A search parameter FHIR understands but this value breaks.
    pub fn invalid(parameter: &str, message: impl Into<String>) -> Self {
        FhirError(ApiError::invalid_field(parameter, message))
    }
}

/// FHIR's IssueType for a problem kind.
fn issue_code(kind: ProblemKind) -> &'static str {
    match kind.status().as_u16() {
        400 | 422 => "invalid",
        401 => "login",
        403 => "forbidden",
        404 => "not-found",
        405 => "not-supported",
        409 | 412 => "conflict",
        429 => "throttled",
        503 => "transient",
        _ => "exception",
    }
}

/// The `OperationOutcome` for an error.
pub fn operation_outcome(error: &ApiError) -> Value {
    let kind = error.kind();
    let fields: Vec<String> = match error {
        ApiError::Invalid { errors, .. } | ApiError::BadRequest { errors, .. } => {
            errors.iter().map(|e| e.field.clone()).collect()
        }
        _ => Vec::new(),
    };
    let mut issue = json!({
        "severity": "error",
        "code": issue_code(kind),
        "details": { "text": kind.slug() },
        "diagnostics": error.to_string()
    });
    if !fields.is_empty() {
        issue["expression"] = json!(fields);
    }
    json!({ "resourceType": "OperationOutcome", "issue": [issue] })
}

impl ResponseError for FhirError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        // The REST answer carries the headers (WWW-Authenticate,
        // Retry-After); the body becomes FHIR's.
        let mut response = self.0.error_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(FHIR_JSON),
        );
        response.set_body(actix_web::body::BoxBody::new(
            serde_json::to_string(&operation_outcome(&self.0)).expect("serialises"),
        ))
    }
}

/// A FHIR resource or bundle answered with FHIR's media type.
pub fn fhir_ok(resource: &Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(FHIR_JSON)
        .body(serde_json::to_string(resource).expect("serialises"))
}
