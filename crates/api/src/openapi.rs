//! The OpenAPI 3.1 document, generated from the code. The committed copy
//! (`api-spec/openapi.json`) is checked against it by a test.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi};

use crate::routes::feeds;
use crate::routes::{
    clinical, clinics, courses, health, patients, protocols, reminders, schedule, sessions,
    webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Chairside",
        description = "Scheduling for ketamine and esketamine infusion clinics: courses of treatment planned onto chairs, exactly and without double booking.\n\nConventions (errors, ETags, idempotency, pagination, time) are described in docs/api.md.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only"),
        version = "0.1.0"
    ),
    paths(
        health::healthz, health::readyz, health::metrics, health::openapi_json,
        clinics::list_clinics, clinics::create_clinic, clinics::get_clinic, clinics::update_clinic,
        clinics::list_chairs, clinics::add_chair, clinics::deactivate_chair, clinics::activate_chair,
        clinics::list_closures, clinics::add_closure, clinics::remove_closure,
        protocols::list_protocols, protocols::create_protocol, protocols::get_protocol,
        patients::list_patients, patients::create_patient, patients::get_patient, patients::update_patient,
        courses::preview_course, courses::book_course, courses::list_courses, courses::get_course, courses::add_session,
        sessions::list_sessions, sessions::get_session, sessions::reschedule_session, sessions::cancel_session,
        sessions::check_in_session, sessions::complete_session, sessions::no_show_session, sessions::not_dosed_session,
        sessions::omit_session, sessions::correct_session,
        schedule::availability, schedule::day_sheet,
        clinical::change_booster_policy, clinical::step_back, clinical::booster_policy_history,
        clinical::record_measure, clinical::list_measures, clinical::booster_suggestion,
        clinical::pause_course, clinical::resume_course, clinical::discontinue_course, clinical::decide_at_risk,
        clinical::list_rems_forms, clinical::file_rems_form,
        reminders::upcoming_reminders,
        webhooks::create_webhook, webhooks::list_webhooks, webhooks::get_webhook, webhooks::set_webhook_enabled,
        webhooks::rotate_webhook_secret, webhooks::list_deliveries, webhooks::replay_delivery,
        feeds::issue_calendar_token, feeds::revoke_calendar_token, feeds::patient_feed, feeds::clinic_feed,
    ),
    modifiers(&BearerKeys, &KeyedAnswers, &ShapedAnswers),
    tags(
        (name = "clinics", description = "Clinic set-up: hours, chairs, closures"),
        (name = "protocols", description = "Treatment protocols"),
        (name = "patients", description = "Patients and their gate facts"),
        (name = "courses", description = "Courses of treatment"),
        (name = "sessions", description = "One session's life"),
        (name = "clinical", description = "Boosters, scores, suggestions, the course's lifecycle, REMS forms"),
        (name = "schedule", description = "Availability and the day sheet"),
        (name = "feeds", description = "Calendar feeds (iCalendar): a patient's secret feed URL and the clinic's chair board"),
        (name = "webhooks", description = "Signed event deliveries (Standard Webhooks)"),
        (name = "reminders", description = "Reminders for integrations that poll"),
        (name = "operations", description = "Health, metrics, documentation"),
    )
)]
struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key: `chairside api-key create --role front_desk --clinic 1`",
                    ))
                    .build(),
            ),
        );
    }
}

/// What any operation that takes an API key may answer besides its own
/// responses: the key is missing, may not do this, or is over its rate
/// limit; or the database is briefly out of reach. Added here once rather
/// than on every route.
struct KeyedAnswers;

impl Modify for KeyedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let answers = [
            (
                "401",
                "Unauthenticated",
                "No API key, or an unknown or revoked one",
            ),
            (
                "403",
                "Forbidden",
                "The key's role or clinic scope does not allow this",
            ),
            (
                "429",
                "RateLimited",
                "The key is over its rate limit; `Retry-After` says when to come back",
            ),
            (
                "503",
                "Unavailable",
                "The database is out of reach for now; `Retry-After` says when to try again",
            ),
        ];
        for (_, name, description) in answers {
            shared_problem_response(openapi, name, description);
        }
        for_each_operation(openapi, |_, operation| {
            if operation.security.as_ref().is_none_or(|s| s.is_empty()) {
                return;
            }
            for (status, name, _) in answers {
                answer_with(operation, status, name);
            }
        });
    }
}

/// Every operation of the document, with its path.
fn for_each_operation(
    openapi: &mut utoipa::openapi::OpenApi,
    mut f: impl FnMut(&str, &mut Operation),
) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            f(path, operation);
        }
    }
}

/// Registers a problem response under `name` in the components, once.
fn shared_problem_response(openapi: &mut utoipa::openapi::OpenApi, name: &str, description: &str) {
    openapi
        .components
        .get_or_insert_with(Default::default)
        .responses
        .entry(name.to_string())
        .or_insert_with(|| problem_response(description).into());
}

/// Documents `status` on the operation as the shared response `name`,
/// unless the route documents that status itself.
fn answer_with(operation: &mut Operation, status: &str, name: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| Ref::new(format!("#/components/responses/{name}")).into());
}

/// What an operation may answer because of what it takes, by the
/// conventions of `docs/api.md`: ids in the path (404), a body (400, 413,
/// 415, 422), query parameters (400, 422), `If-Match` (400, 412, 428),
/// `Idempotency-Key` (400, 409, 422); and 503 where the database is read
/// without a key. Added unless the route documents the status itself; routes
/// document what is particular to them. Also states the syntax of the two
/// headers, as their extractors read them.
struct ShapedAnswers;

/// What an operation takes, as far as its conventional answers go.
#[derive(Clone, Copy)]
struct Shape {
    ids_in_path: bool,
    body: bool,
    query: bool,
    if_match: bool,
    idempotency_key: bool,
    keyless_database: bool,
}

impl Shape {
    fn of(path: &str, operation: &Operation) -> Shape {
        let parameters = || operation.parameters.iter().flatten();
        let header = |name: &str| {
            parameters().any(|p| p.parameter_in == ParameterIn::Header && p.name == name)
        };
        Shape {
            ids_in_path: path.contains('{'),
            body: operation.request_body.is_some(),
            query: parameters().any(|p| p.parameter_in == ParameterIn::Query),
            if_match: header("If-Match"),
            idempotency_key: header("Idempotency-Key"),
            // Keyed operations have 503 from `KeyedAnswers`; health, metrics
            // and this document read no database.
            keyless_database: path.starts_with("/calendar/"),
        }
    }
}

/// Status, name in `components/responses`, description, and when it applies.
type ShapedAnswer = (&'static str, &'static str, &'static str, fn(Shape) -> bool);

const SHAPED_ANSWERS: &[ShapedAnswer] = &[
    (
        "400",
        "BadRequest",
        "Malformed JSON, query parameter or header",
        |s| s.body || s.query || s.if_match || s.idempotency_key,
    ),
    (
        "404",
        "NotFound",
        "No such resource in this clinic, or a malformed id",
        |s| s.ids_in_path,
    ),
    (
        "409",
        "IdempotencyInProgress",
        "A request with the same `Idempotency-Key` is still running",
        |s| s.idempotency_key,
    ),
    ("412", "Stale", "`If-Match` is not the current ETag", |s| {
        s.if_match
    }),
    ("413", "TooLarge", "The body is over the limit", |s| s.body),
    ("415", "UnsupportedMediaType", "The body is not JSON", |s| {
        s.body
    }),
    (
        "422",
        "Invalid",
        "Well-formed, but invalid or against a rule (`errors` names the field)",
        |s| s.body || s.query || s.idempotency_key,
    ),
    (
        "428",
        "IfMatchRequired",
        "A change without `If-Match`",
        |s| s.if_match,
    ),
    (
        "503",
        "Unavailable",
        "The database is out of reach for now; `Retry-After` says when to try again",
        |s| s.keyless_database,
    ),
];

impl Modify for ShapedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (_, name, description, _) in SHAPED_ANSWERS {
            shared_problem_response(openapi, name, description);
        }
        for_each_operation(openapi, |path, operation| {
            let shape = Shape::of(path, operation);
            for (status, name, _, applies) in SHAPED_ANSWERS {
                if applies(shape) {
                    answer_with(operation, status, name);
                }
            }
            describe_headers(operation);
        });
    }
}

/// `Idempotency-Key` is 1 to 255 visible ASCII characters; `If-Match` is
/// `*` or strong entity tags (a weak one, `W/"…"`, is 400).
fn describe_headers(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if parameter.parameter_in != ParameterIn::Header {
            continue;
        }
        let schema = ObjectBuilder::new().schema_type(Type::String);
        let schema = match parameter.name.as_str() {
            "Idempotency-Key" => schema
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[!-~]+$")),
            "If-Match" => schema.pattern(Some(r#"^(\*|"[!#-~]*"( *, *"[!#-~]*")*)$"#)),
            _ => continue,
        };
        parameter.schema = Some(schema.into());
    }
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::problem::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as the pretty JSON committed in `api-spec/openapi.json`.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .expect("the document serialises");
    text.push('\n');
    text
}
