//! The problems each operation may answer with: the ones its declaration
//! names (checked against their statuses), and the conventional ones that
//! follow from what it takes — a key, ids in its path, a body, `If-Match`,
//! an `Idempotency-Key`.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, ResponseBuilder, Type};
use utoipa::Modify;

use super::for_each_operation;
use crate::problem_kind::ProblemKind;

/// What any operation that takes an API key may answer besides its own
/// responses: the key is missing, may not do this, or is over its rate
/// limit; or the database is briefly out of reach. Added here once rather
/// than on every route.
pub(super) struct KeyedAnswers;

impl Modify for KeyedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let answers = [
            ProblemKind::Unauthenticated,
            ProblemKind::Forbidden,
            ProblemKind::RateLimited,
            ProblemKind::Unavailable,
        ];
        for kind in answers {
            shared_problem_response(openapi, kind);
        }
        for_each_operation(openapi, |_, operation| {
            if operation.security.as_ref().is_none_or(|s| s.is_empty()) {
                return;
            }
            for kind in answers {
                answer_with(operation, kind);
            }
        });
    }
}

/// Each endpoint declares the problems particular to it, by kind
/// (`crate::problem_kind::answers`). Checked here, once, when the document
/// is built: every problem response names at least one kind, and only kinds
/// of its status — so a route cannot document a 409 that is really a 422.
pub(super) struct ProblemAnswers;

impl Modify for ProblemAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for_each_operation(openapi, |path, operation| {
            for (status, response) in operation.responses.responses.iter() {
                let utoipa::openapi::RefOr::T(response) = response else {
                    continue;
                };
                if !response.content.contains_key(crate::problem::PROBLEM_JSON) {
                    continue;
                }
                let named = kinds_named(&response.description);
                assert!(
                    !named.is_empty(),
                    "{path}: its {status} answer names no problem kind; describe it with `answers(&[…])`"
                );
                for kind in named {
                    assert_eq!(
                        kind.status().as_str(),
                        status,
                        "{path}: {kind:?} is not a {status} problem"
                    );
                }
            }
        });
    }
}

/// The kinds a response's description names.
fn kinds_named(description: &str) -> Vec<ProblemKind> {
    ProblemKind::ALL
        .iter()
        .copied()
        .filter(|k| description.contains(&format!("`{}`", k.type_uri())))
        .collect()
}

/// The name of a kind's shared response in `components/responses`.
fn response_name(kind: ProblemKind) -> String {
    format!("{kind:?}")
}

/// Registers a kind's shared problem response in the components, once.
fn shared_problem_response(openapi: &mut utoipa::openapi::OpenApi, kind: ProblemKind) {
    openapi
        .components
        .get_or_insert_with(Default::default)
        .responses
        .entry(response_name(kind))
        .or_insert_with(|| problem_response(&kind.answer()).into());
}

/// Documents the kind on the operation: as its shared response when the
/// route declares nothing at that status, else as one more paragraph of the
/// route's own answer.
fn answer_with(operation: &mut Operation, kind: ProblemKind) {
    use std::collections::btree_map::Entry;
    match operation
        .responses
        .responses
        .entry(kind.status().as_u16().to_string())
    {
        Entry::Vacant(vacant) => {
            vacant
                .insert(Ref::new(format!("#/components/responses/{}", response_name(kind))).into());
        }
        Entry::Occupied(mut declared) => {
            if let utoipa::openapi::RefOr::T(response) = declared.get_mut() {
                if !kinds_named(&response.description).contains(&kind) {
                    response.description.push_str("\n\n");
                    response.description.push_str(&kind.answer());
                }
            }
        }
    }
}

/// What an operation may answer because of what it takes, by the
/// conventions of `docs/api.md`: ids in the path (404), a body (400, 413,
/// 415, 422), query parameters (400, 422), `If-Match` (400, 412, 428),
/// `Idempotency-Key` (400, 409, 422); and 503 where the database is read
/// without a key. Added unless the route documents the status itself; routes
/// document what is particular to them. Also states the syntax of the two
/// headers, as their extractors read them.
pub(super) struct ShapedAnswers;

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
            // Keyed operations have 503 from `KeyedAnswers`; the keyless
            // ones outside `operations` (a patient's feed) read the database
            // too; health and metrics declare their own.
            keyless_database: operation.security.as_ref().is_none_or(|s| s.is_empty())
                && !operation
                    .tags
                    .iter()
                    .flatten()
                    .any(|tag| tag == "operations"),
        }
    }
}

/// A conventional answer and when it applies.
type ShapedAnswer = (ProblemKind, fn(Shape) -> bool);

const SHAPED_ANSWERS: &[ShapedAnswer] = &[
    (ProblemKind::BadRequest, |s| {
        s.body || s.query || s.if_match || s.idempotency_key
    }),
    (ProblemKind::NotFound, |s| s.ids_in_path),
    (ProblemKind::IdempotencyInProgress, |s| s.idempotency_key),
    (ProblemKind::Stale, |s| s.if_match),
    (ProblemKind::TooLarge, |s| s.body),
    (ProblemKind::UnsupportedMediaType, |s| s.body),
    (ProblemKind::Invalid, |s| {
        s.body || s.query || s.idempotency_key
    }),
    (ProblemKind::IfMatchRequired, |s| s.if_match),
    (ProblemKind::Unavailable, |s| s.keyless_database),
];

impl Modify for ShapedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (kind, _) in SHAPED_ANSWERS {
            shared_problem_response(openapi, *kind);
        }
        for_each_operation(openapi, |path, operation| {
            let shape = Shape::of(path, operation);
            for (kind, applies) in SHAPED_ANSWERS {
                if applies(shape) {
                    answer_with(operation, *kind);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::document;

    /// Building the document runs every check of `ProblemAnswers`: each
    /// problem answer an endpoint declares names its kinds, of its status.
    #[test]
    fn an_endpoint_documents_the_problems_it_declares() {
        let omit = &document().paths.paths["/v1/clinics/{clinic_id}/sessions/{session_id}/omit"];
        let omit = omit.post.as_ref().expect("omit is a POST");
        let utoipa::openapi::RefOr::T(conflict) = &omit.responses.responses["409"] else {
            panic!("omit declares its own 409");
        };
        let named = kinds_named(&conflict.description);
        for kind in [
            ProblemKind::StatusTransition,
            ProblemKind::SeriesOnly,
            ProblemKind::LastDose,
            ProblemKind::ChairTaken,
        ] {
            assert!(named.contains(&kind), "{kind:?} in {named:?}");
        }
        assert!(named.iter().all(|k| k.status().as_u16() == 409));
    }

    fn one_answer(status: &str, description: String) -> utoipa::openapi::OpenApi {
        use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
        use utoipa::openapi::{PathsBuilder, ResponsesBuilder};
        let operation = OperationBuilder::new()
            .responses(
                ResponsesBuilder::new()
                    .response(status, problem_response(&description))
                    .build(),
            )
            .build();
        utoipa::openapi::OpenApiBuilder::new()
            .paths(
                PathsBuilder::new()
                    .path("/v1/x", PathItem::new(HttpMethod::Post, operation))
                    .build(),
            )
            .build()
    }

    #[test]
    #[should_panic(expected = "is not a 409 problem")]
    fn a_kind_of_another_status_is_refused() {
        let mut document = one_answer("409", crate::problem_kind::answers(&[ProblemKind::Invalid]));
        ProblemAnswers.modify(&mut document);
    }

    #[test]
    #[should_panic(expected = "names no problem kind")]
    fn a_problem_answer_without_kinds_is_refused() {
        let mut document = one_answer("409", "Something went wrong".into());
        ProblemAnswers.modify(&mut document);
    }
}
