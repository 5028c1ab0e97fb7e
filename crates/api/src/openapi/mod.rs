//! The OpenAPI 3.1 document, generated from the code. The committed copy
//! (`api-spec/openapi.json`) is checked against it by a test.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use utoipa_actix_web::AppExt;

mod answers;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Chairside",
        description = "Scheduling for ketamine and esketamine infusion clinics: courses of treatment planned onto chairs, exactly and without double booking.\n\nConventions (errors, ETags, idempotency, pagination, time) are described in docs/api.md.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only"),
        version = "0.1.0"
    ),
    tags(
        (name = "clinics", description = "Clinic set-up: hours, chairs, closures"),
        (name = "protocols", description = "Treatment protocols"),
        (name = "patients", description = "Patients and their gate facts"),
        (name = "courses", description = "Courses of treatment"),
        (name = "sessions", description = "One session's life"),
        (name = "clinical", description = "Boosters, scores, suggestions, the course's lifecycle, REMS forms"),
        (name = "schedule", description = "Availability and the day sheet"),
        (name = "staff", description = "Staff on the floor: roles, shifts, leave; what sessions need of them"),
        (name = "monitoring", description = "What actually happened at a session: times, blood pressure, observations"),
        (name = "rems-forms", description = "The esketamine REMS Patient Monitoring Form of each session"),
        (name = "feeds", description = "Calendar feeds (iCalendar): a patient's secret feed URL and the clinic's chair board"),
        (name = "webhooks", description = "Signed event deliveries (Standard Webhooks)"),
        (name = "reminders", description = "Reminders for integrations that poll"),
        (name = "backfill", description = "Freed chair time offered to who gains most: at-risk courses, earlier moves, the waiting list"),
        (name = "keys", description = "API keys of a clinic: made, listed, rotated with a grace period, revoked"),
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

/// Every operation of the document, with its path.
pub(super) fn for_each_operation(
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

/// The OpenAPI document: the paths of every endpoint as the router
/// registers them (`routes::register`), then the conventions added once.
/// Built on first use.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let (_, mut document) = actix_web::App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(crate::routes::register)
            .split_for_parts();
        let modifiers: [&dyn Modify; 4] = [
            &BearerKeys,
            &answers::ProblemAnswers,
            &answers::KeyedAnswers,
            &answers::ShapedAnswers,
        ];
        for modifier in modifiers {
            modifier.modify(&mut document);
        }
        document
    })
}

/// The path template of the operation a handler declares (its function's
/// name), as routed: `path_of("patient_feed")` is `/calendar/{token}.ics`.
pub fn path_of(handler: &str) -> &'static str {
    document()
        .paths
        .paths
        .iter()
        .find(|(_, item)| {
            [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                .into_iter()
                .flatten()
                .any(|op| op.operation_id.as_deref() == Some(handler))
        })
        .map(|(path, _)| path.as_str())
        .unwrap_or_else(|| panic!("no endpoint is declared by a handler named {handler}"))
}

/// The methods the document declares at a concrete request path
/// (`/v1/clinics/7`), in the order GET, PUT, POST, DELETE, PATCH.
pub fn methods_at(path: &str) -> Vec<&'static str> {
    let matching: Vec<_> = document()
        .paths
        .paths
        .iter()
        .filter(|(template, _)| matches_template(template, path))
        .collect();
    // As OpenAPI reads paths: a concrete path (`/courses/preview`) is
    // matched before a templated one (`/courses/{course_id}`).
    let fewest = matching.iter().map(|(t, _)| t.matches('{').count()).min();
    matching
        .into_iter()
        .filter(|(template, _)| Some(template.matches('{').count()) == fewest)
        .flat_map(|(_, item)| {
            [
                ("GET", item.get.is_some()),
                ("PUT", item.put.is_some()),
                ("POST", item.post.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
            ]
            .into_iter()
            .filter_map(|(method, declared)| declared.then_some(method))
        })
        .collect()
}

/// Whether a path template (`/calendar/{token}.ics`) matches a request path.
fn matches_template(template: &str, path: &str) -> bool {
    let (template, path): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| match t.split_once('{') {
                None => t == p,
                Some((before, rest)) => {
                    let after = rest.split_once('}').map_or("", |(_, after)| after);
                    p.len() > before.len() + after.len()
                        && p.starts_with(before)
                        && p.ends_with(after)
                }
            })
}

/// The document as the pretty JSON committed in `api-spec/openapi.json`.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .expect("the document serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_is_found_by_its_handler_and_a_path_by_its_template() {
        assert_eq!(path_of("patient_feed"), "/calendar/{token}.ics");
        assert_eq!(methods_at("/v1/clinics/7"), ["GET", "PATCH"]);
        assert_eq!(methods_at("/calendar/7.abc.ics"), ["GET"]);
        assert!(methods_at("/v1/clinics/7/nowhere").is_empty());
        // A concrete path wins over a templated one that also matches.
        assert_eq!(methods_at("/v1/clinics/7/courses/preview"), ["POST"]);
    }
}
