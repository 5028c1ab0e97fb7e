//! What operations rely on: request ids echoed or generated, the
//! operations endpoints, metrics counted by route (not raw path) and of
//! the calendars writers kept or read, Swagger UI.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::*;

fn request_ids_are_echoed_or_generated(app: &App) {
    let sent = app
        .call("GET", "/healthz")
        .header("X-Request-Id", "front-desk-7.42")
        .send();
    assert_eq!(sent.header("x-request-id"), Some("front-desk-7.42"));
    // Errors carry it too.
    let error = app
        .call("GET", "/v1/clinics")
        .header("X-Request-Id", "abc-123")
        .send();
    error.problem(401);
    assert_eq!(error.header("x-request-id"), Some("abc-123"));

    let a = app.call("GET", "/healthz").send();
    let b = app.get(&app.admin, "/v1/clinics");
    let (a, b) = (
        a.header("x-request-id").unwrap(),
        b.header("x-request-id").unwrap(),
    );
    assert!(!a.is_empty() && !b.is_empty());
    assert_ne!(a, b, "each request gets its own id");

    // An id that could smuggle anything into logs is replaced.
    let long = "x".repeat(300);
    let replaced = app
        .call("GET", "/healthz")
        .header("X-Request-Id", &long)
        .send();
    let id = replaced.header("x-request-id").unwrap();
    assert!(!id.is_empty() && id != long);
}
on_every_backend!(request_ids_are_echoed_or_generated);

fn operations_endpoints_answer(app: &App) {
    let health = app.call("GET", "/healthz").send().expect(200);
    assert_eq!(health["status"], "ok");
    let ready = app.call("GET", "/readyz").send().expect(200);
    assert_eq!(ready["status"], "ok");

    // The served document is the one `chairside openapi` prints.
    let served = app.call("GET", "/openapi.json").send();
    assert!(
        served.content_type().starts_with("application/json"),
        "{served:?}"
    );
    let served = served.expect(200);
    assert!(
        served["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        served["openapi"]
    );
    for path in [
        "/v1/clinics/{clinic_id}/courses",
        "/v1/clinics/{clinic_id}/sessions/{session_id}/reschedule",
    ] {
        assert!(
            served["paths"].get(path).is_some(),
            "{path} is not documented"
        );
    }
    let printed = app
        .command()
        .arg("openapi")
        .output()
        .expect("run chairside openapi");
    assert!(printed.status.success());
    let printed: Value =
        serde_json::from_slice(&printed.stdout).expect("chairside openapi prints JSON");
    assert_eq!(printed, served);

    // Swagger UI, with its assets served by the binary itself.
    let docs = app.call("GET", "/docs/").send();
    assert_eq!(docs.status, 200, "{docs:?}");
    assert!(docs.content_type().starts_with("text/html"), "{docs:?}");
    assert!(docs.text.to_lowercase().contains("swagger"), "{docs:?}");
    let bundle = app.call("GET", "/docs/swagger-ui-bundle.js").send();
    assert_eq!(
        bundle.status, 200,
        "the UI is vendored, not fetched from a CDN"
    );
    assert!(bundle.text.len() > 100_000);
}
on_every_backend!(operations_endpoints_answer);

/// How each line of the request counter's series begins: its name, then
/// the brace that opens its labels.
const REQUEST_SERIES: &str = "chairside_http_requests_total{";

/// The label sets of `chairside_http_requests_total`.
fn request_series(app: &App) -> BTreeSet<String> {
    let metrics = app.call("GET", "/metrics").send();
    assert_eq!(metrics.status, 200, "{metrics:?}");
    assert!(
        metrics.text.contains("chairside_http_requests"),
        "{}",
        metrics.text
    );
    metrics
        .text
        .lines()
        .filter(|l| l.starts_with(REQUEST_SERIES))
        .filter_map(|l| {
            l.rsplit_once(' ')
                .map(|(series, _count)| series.to_string())
        })
        .collect()
}

fn metrics_count_routes_not_raw_paths(app: &App) {
    let clinic = app.clinic();
    app.get(&clinic.front_desk, &clinic.path("/patients"))
        .expect(200);
    app.call("GET", "/nope/1").send().problem(404);
    request_series(app);
    let before = request_series(app);
    assert!(
        before
            .iter()
            .any(|s| s.contains("route=\"/v1/clinics/{clinic_id}/patients\"")),
        "series are per route pattern: {before:#?}"
    );
    assert!(
        before
            .iter()
            .all(|s| !s.contains(&format!("/v1/clinics/{}", clinic.id))),
        "{before:#?}"
    );

    for path in [
        "/nope/123",
        "/nope/456",
        "/v1/nope",
        "/wp-login.php",
        "/v1/clinics/1/nothing-here",
    ] {
        app.call("GET", path).send().problem(404);
    }
    let after = request_series(app);
    assert_eq!(before, after, "unmatched paths made new series");
    assert!(after.iter().all(|s| !s.contains("nope")), "{after:#?}");
}
on_every_backend!(metrics_count_routes_not_raw_paths);

/// The value of the counter `series` (its name and labels) in `/metrics`.
fn counter(app: &App, series: &str) -> u64 {
    let metrics = app.call("GET", "/metrics").send();
    assert_eq!(metrics.status, 200, "{metrics:?}");
    let prefix = format!("{series} ");
    metrics
        .text
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in {}", metrics.text))
}

/// `chairside_calendars_planned_on_total{source="…"}`: how many calendars
/// writers planned on came from `source` (`kept` or `read`).
fn calendars_planned_on(app: &App, source: &str) -> u64 {
    counter(
        app,
        &format!("chairside_calendars_planned_on_total{{source=\"{source}\"}}"),
    )
}

/// An operator can see how many writes a SQLite commit carries: every
/// committed write counted, in no more commits than writes (none counted
/// on PostgreSQL, which has no such queue).
fn metrics_count_sqlite_writes_and_commits(app: &App) {
    let writes = "chairside_sqlite_writes_committed_total";
    let commits = "chairside_sqlite_commits_total";
    let before = (counter(app, writes), counter(app, commits));
    let clinic = app.clinic();
    app.patient(&clinic, "MRN-COMMITS");
    let after = (counter(app, writes), counter(app, commits));
    match app.db.backend() {
        chairside_store::Backend::Sqlite => {
            assert!(
                after.0 >= before.0 + 2,
                "a clinic and a patient: {before:?} {after:?}"
            );
            assert!(
                after.1 > before.1 && after.1 <= after.0,
                "{before:?} {after:?}"
            );
        }
        chairside_store::Backend::Postgres => assert_eq!(after, (0, 0)),
    }
}
on_every_backend!(metrics_count_sqlite_writes_and_commits);

/// An operator can see whether bookings plan on the calendar the server
/// kept: a clinic's first booking reads it, the next ones keep it.
fn metrics_count_calendars_kept_and_read(app: &App) {
    let clinic = app.clinic();
    let patients: Vec<i64> = (0..3)
        .map(|n| app.patient(&clinic, &format!("MRN-KEPT-{n}")))
        .collect();
    let (kept, read) = (
        calendars_planned_on(app, "kept"),
        calendars_planned_on(app, "read"),
    );
    for patient in patients {
        app.book_induction(&clinic, patient);
    }
    assert!(
        calendars_planned_on(app, "read") > read,
        "the first booking reads"
    );
    assert!(
        calendars_planned_on(app, "kept") >= kept + 2,
        "the next two plan on what the first kept"
    );
}
on_every_backend!(metrics_count_calendars_kept_and_read);

// Regression: GET /docs, where the issue puts Swagger UI, was a 404 problem;
// only /docs/ served the UI.
fn swagger_ui_answers_at_docs_without_a_trailing_slash(app: &App) {
    let docs = app.call("GET", "/docs").send();
    let redirected = (300..400).contains(&docs.status)
        && docs
            .header("location")
            .is_some_and(|l| l.ends_with("/docs/"));
    assert!(docs.status == 200 || redirected, "{docs:?}");
}
on_every_backend!(swagger_ui_answers_at_docs_without_a_trailing_slash);
