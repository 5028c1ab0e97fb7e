//! Who may do what: the one table that maps every route to the roles allowed
//! to call it. The [`Caller`](crate::auth::Caller) extractor enforces it, so
//! no handler checks roles by hand. A test checks that every route of the
//! OpenAPI document has an entry here.

use actix_web::http::Method;
use chairside_store::models::Role;

use Role::{Admin, Clinician, FrontDesk, Integration};

/// Everyone with a key.
const ANY: &[Role] = &[Admin, Clinician, FrontDesk, Integration];
/// Staff who run the day.
const STAFF: &[Role] = &[Admin, Clinician, FrontDesk];
/// Clinical decisions.
const CLINICAL: &[Role] = &[Admin, Clinician];
/// Integrations that subscribe to events.
const INTEGRATIONS: &[Role] = &[Admin, Integration];
/// Clinic set-up and keys.
const ADMIN: &[Role] = &[Admin];

/// (method, route pattern, roles allowed).
pub const ROUTES: &[(&str, &str, &[Role])] = &[
    ("GET", "/metrics", ANY),
    ("GET", "/v1/reminders/upcoming", ANY),
    ("POST", "/v1/clinics/{clinic_id}/webhooks", INTEGRATIONS),
    ("GET", "/v1/clinics/{clinic_id}/webhooks", INTEGRATIONS),
    (
        "GET",
        "/v1/clinics/{clinic_id}/webhooks/{webhook_id}",
        INTEGRATIONS,
    ),
    (
        "PUT",
        "/v1/clinics/{clinic_id}/webhooks/{webhook_id}/enabled",
        INTEGRATIONS,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/webhooks/{webhook_id}/rotate-secret",
        INTEGRATIONS,
    ),
    (
        "GET",
        "/v1/clinics/{clinic_id}/webhooks/{webhook_id}/deliveries",
        INTEGRATIONS,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
        INTEGRATIONS,
    ),
    ("GET", "/v1/clinics", ANY),
    ("POST", "/v1/clinics", ADMIN),
    ("GET", "/v1/clinics/{clinic_id}", ANY),
    ("PATCH", "/v1/clinics/{clinic_id}", ADMIN),
    ("GET", "/v1/clinics/{clinic_id}/chairs", ANY),
    ("POST", "/v1/clinics/{clinic_id}/chairs", ADMIN),
    (
        "POST",
        "/v1/clinics/{clinic_id}/chairs/{chair_id}/deactivate",
        ADMIN,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/chairs/{chair_id}/activate",
        ADMIN,
    ),
    ("GET", "/v1/clinics/{clinic_id}/closures", ANY),
    ("POST", "/v1/clinics/{clinic_id}/closures", STAFF),
    (
        "DELETE",
        "/v1/clinics/{clinic_id}/closures/{closure_id}",
        STAFF,
    ),
    ("GET", "/v1/clinics/{clinic_id}/protocols", ANY),
    ("POST", "/v1/clinics/{clinic_id}/protocols", CLINICAL),
    (
        "GET",
        "/v1/clinics/{clinic_id}/protocols/{protocol_id}",
        ANY,
    ),
    ("GET", "/v1/clinics/{clinic_id}/patients", STAFF),
    ("POST", "/v1/clinics/{clinic_id}/patients", STAFF),
    (
        "GET",
        "/v1/clinics/{clinic_id}/patients/{patient_id}",
        STAFF,
    ),
    (
        "PATCH",
        "/v1/clinics/{clinic_id}/patients/{patient_id}",
        STAFF,
    ),
    ("POST", "/v1/clinics/{clinic_id}/courses/preview", STAFF),
    ("POST", "/v1/clinics/{clinic_id}/courses", STAFF),
    ("GET", "/v1/clinics/{clinic_id}/courses", ANY),
    ("GET", "/v1/clinics/{clinic_id}/courses/{course_id}", ANY),
    (
        "POST",
        "/v1/clinics/{clinic_id}/courses/{course_id}/sessions",
        STAFF,
    ),
    ("GET", "/v1/clinics/{clinic_id}/sessions", ANY),
    ("GET", "/v1/clinics/{clinic_id}/sessions/{session_id}", ANY),
    (
        "POST",
        "/v1/clinics/{clinic_id}/sessions/{session_id}/reschedule",
        STAFF,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/sessions/{session_id}/cancel",
        STAFF,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/sessions/{session_id}/check-in",
        STAFF,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/sessions/{session_id}/complete",
        STAFF,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/sessions/{session_id}/no-show",
        STAFF,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/sessions/{session_id}/not-dosed",
        STAFF,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/sessions/{session_id}/omit",
        CLINICAL,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/sessions/{session_id}/correct",
        CLINICAL,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/courses/{course_id}/booster-policy",
        CLINICAL,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/courses/{course_id}/booster-policy/step-back",
        CLINICAL,
    ),
    (
        "GET",
        "/v1/clinics/{clinic_id}/courses/{course_id}/booster-policy/history",
        STAFF,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/courses/{course_id}/measures",
        STAFF,
    ),
    (
        "GET",
        "/v1/clinics/{clinic_id}/courses/{course_id}/measures",
        STAFF,
    ),
    (
        "GET",
        "/v1/clinics/{clinic_id}/courses/{course_id}/booster-suggestion",
        STAFF,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/courses/{course_id}/pause",
        CLINICAL,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/courses/{course_id}/resume",
        CLINICAL,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/courses/{course_id}/discontinue",
        CLINICAL,
    ),
    (
        "POST",
        "/v1/clinics/{clinic_id}/courses/{course_id}/at-risk/decision",
        CLINICAL,
    ),
    ("GET", "/v1/clinics/{clinic_id}/rems-forms", STAFF),
    (
        "POST",
        "/v1/clinics/{clinic_id}/rems-forms/{form_id}/file",
        STAFF,
    ),
    ("GET", "/v1/clinics/{clinic_id}/availability", STAFF),
    ("GET", "/v1/clinics/{clinic_id}/day-sheet", STAFF),
    (
        "POST",
        "/v1/clinics/{clinic_id}/patients/{patient_id}/calendar-token",
        STAFF,
    ),
    (
        "DELETE",
        "/v1/clinics/{clinic_id}/patients/{patient_id}/calendar-token",
        STAFF,
    ),
    ("GET", "/v1/clinics/{clinic_id}/calendar.ics", STAFF),
];

/// The roles allowed on a route, or `None` if the route is not in the table
/// (which denies it: a route nobody thought about is nobody's).
pub fn allowed_roles(method: &Method, pattern: &str) -> Option<&'static [Role]> {
    ROUTES
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == pattern)
        .map(|(_, _, roles)| *roles)
}
