//! Bugs found by hostile-input testing (`scripts/schemathesis.sh`), each
//! pinned by the request that found it.

use serde_json::{json, Value};

use crate::support::*;

/// A session list bounded on one side only filled the other with the
/// extreme date chrono knows, which PostgreSQL refuses as a timestamp
/// (`?to=2000-01-01`: 500), and SQLite compared as text before 2026
/// (`?from=2000-01-01`: nothing).
fn a_session_list_bounded_on_one_side_answers(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    app.book_induction(&clinic, patient);
    let until = app
        .get(&clinic.front_desk, &clinic.path("/sessions?to=2000-01-01"))
        .expect(200);
    assert_eq!(until["items"], json!([]), "{until}");
    let since = app
        .get(
            &clinic.front_desk,
            &clinic.path("/sessions?from=2000-01-01"),
        )
        .expect(200);
    assert_eq!(since["items"].as_array().map(Vec::len), Some(6), "{since}");
}
on_every_backend!(a_session_list_bounded_on_one_side_answers);

/// Each route was its own resource guarded by its method, so another
/// method on a known path fell through to "no such route" (404).
fn another_method_on_a_known_path_is_405_with_allow(app: &App) {
    let clinic = app.clinic();
    let health = app.call("TRACE", "/healthz").send();
    health.problem(405);
    assert_eq!(health.header("allow"), Some("GET"), "{health:?}");

    let clinics = app.call("PUT", "/v1/clinics").key(&app.admin).send();
    let problem = clinics.problem(405);
    assert_eq!(problem["type"], "/problems/method-not-allowed", "{problem}");
    let allow = clinics.header("allow").unwrap_or_default();
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "{clinics:?}"
    );

    let session = app
        .call("DELETE", &clinic.path("/sessions/1"))
        .key(&clinic.front_desk)
        .send();
    session.problem(405);

    // An unknown path is still 404.
    app.call("GET", "/v1/no-such-thing")
        .key(&app.admin)
        .send()
        .problem(404);
}
on_every_backend!(another_method_on_a_known_path_is_405_with_allow);

/// A taken chair label, protocol code, or (when changing a patient)
/// external_ref answered 409 `/problems/duplicate` with the database's own
/// words ("UNIQUE constraint failed: chairs.clinic_id, chairs.label").
fn taken_labels_codes_and_references_are_409s_that_say_which(app: &App) {
    let clinic = app.clinic();
    let taken = |reply: Reply, kind: &str| {
        let problem = reply.problem(409);
        assert_eq!(problem["type"], format!("/problems/{kind}"), "{problem}");
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(
            !detail.contains("constraint") && !detail.contains("UNIQUE"),
            "{problem}"
        );
    };

    taken(
        app.post(
            &app.admin,
            &clinic.path("/chairs"),
            &json!({"label": "Chair 1", "modalities": ["iv"]}),
        ),
        "duplicate-chair-label",
    );

    let mut protocol: Value = app.protocol(&clinic, "iv-ketamine-standard");
    let create =
        json!({"code": "iv-ketamine-standard", "definition": protocol["definition"].take()});
    taken(
        app.post(&app.admin, &clinic.path("/protocols"), &create),
        "duplicate-protocol-code",
    );

    app.patient(&clinic, "MRN-1");
    let second = app.patient(&clinic, "MRN-2");
    let path = clinic.path(&format!("/patients/{second}"));
    let etag = app.get(&clinic.front_desk, &path).etag();
    taken(
        app.call("PATCH", &path)
            .key(&clinic.front_desk)
            .if_match(&etag)
            .json(&json!({"external_ref": "MRN-1"}))
            .send(),
        "duplicate-external-ref",
    );
}
on_every_backend!(taken_labels_codes_and_references_are_409s_that_say_which);

/// The document says int32 for these settings, and the service took any
/// u32 (`remission_held_for: 2147483648` was stored). They now have
/// maximums, in the document and in the service.
fn settings_beyond_their_maximum_are_refused(app: &App) {
    for (settings, field) in [
        (
            json!({"suggestion": {"remission_held_for": 2147483648_u32}}),
            "settings.suggestion.remission_held_for",
        ),
        (
            json!({"no_show_after_minutes": 4294967295_u32}),
            "settings.no_show_after_minutes",
        ),
        (
            json!({"max_starts_per_slot": 101}),
            "settings.max_starts_per_slot",
        ),
    ] {
        let problem = app
            .post(
                &app.admin,
                "/v1/clinics",
                &json!({"name": "Harbour", "time_zone": ZONE_NAME, "hours": weekday_hours(), "settings": settings}),
            )
            .problem(422);
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
}
on_every_backend!(settings_beyond_their_maximum_are_refused);
