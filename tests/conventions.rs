//! The conventions every endpoint keeps: problem documents, keys and roles,
//! strict input, request ids, and the operations endpoints.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::*;

/// A clinic with one patient on a booked induction: something to point
/// requests at.
fn clinic_with_course(app: &App) -> (Clinic, Value) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let course = app.book_induction(&clinic, patient);
    (clinic, course)
}

fn bad_json_bodies_are_refused_naming_the_field(app: &App) {
    let clinic = app.clinic();
    let patients = clinic.path("/patients");
    let send = |body: &str| {
        app.call("POST", &patients)
            .key(&clinic.front_desk)
            .raw("application/json", body)
            .send()
    };

    let unknown =
        send(r#"{"external_ref": "MRN-1", "display_name": "A", "shoe_size": 44}"#).problem(422);
    assert_eq!(error_fields(&unknown), ["shoe_size"], "{unknown}");

    let wrong_type =
        send(r#"{"external_ref": "MRN-1", "display_name": "A", "consent_on_file": "yes"}"#)
            .problem(422);
    assert_eq!(
        error_fields(&wrong_type),
        ["consent_on_file"],
        "{wrong_type}"
    );

    let bad_date = send(
        r#"{"external_ref": "MRN-1", "display_name": "A", "intake_assessed_on": "2026-02-30"}"#,
    )
    .problem(422);
    assert_eq!(
        error_fields(&bad_date),
        ["intake_assessed_on"],
        "{bad_date}"
    );

    let not_a_date = send(
        r#"{"external_ref": "MRN-1", "display_name": "A", "intake_assessed_on": "last Tuesday"}"#,
    )
    .problem(422);
    assert_eq!(
        error_fields(&not_a_date),
        ["intake_assessed_on"],
        "{not_a_date}"
    );

    let missing = send(r#"{"external_ref": "MRN-1"}"#).problem(422);
    assert!(
        missing["detail"].as_str().unwrap().contains("display_name"),
        "{missing}"
    );

    let nested = app
        .post(
            &clinic.front_desk,
            &patients,
            &json!({
                "external_ref": "MRN-1", "display_name": "A",
                "preferences": {"earliest_start": "25:00"},
            }),
        )
        .problem(422);
    assert_eq!(
        error_fields(&nested),
        ["preferences.earliest_start"],
        "{nested}"
    );

    send(r#"{"external_ref": "MRN-1", "display_name": "#).problem(400);
    send("not json at all").problem(400);
    send(r#"{"external_ref": "MRN-1", "display_name": "A"} trailing"#).problem(400);

    let form = app
        .call("POST", &patients)
        .key(&clinic.front_desk)
        .raw("application/x-www-form-urlencoded", "external_ref=MRN-1")
        .send();
    form.problem(415);

    // Nothing of the above was registered.
    let listed = app.get(&clinic.front_desk, &patients).expect(200);
    assert_eq!(listed["items"], json!([]));
}
on_every_backend!(bad_json_bodies_are_refused_naming_the_field);

fn api_keys_are_checked_for_role_and_clinic(app: &App) {
    let clinic = app.clinic();
    let other = app.clinic_with("Other Clinic", weekday_hours(), 1);

    let missing = app.call("GET", "/v1/clinics").send();
    missing.problem(401);
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Bearer"),
        "{missing:?}"
    );
    let unknown = app.get("chs_not_a_real_key", "/v1/clinics");
    unknown.problem(401);
    assert_eq!(unknown.header("www-authenticate"), Some("Bearer"));
    app.call("GET", "/v1/clinics")
        .header("Authorization", &format!("Basic {}", app.admin))
        .send()
        .problem(401);

    // A front desk does not set up clinics.
    app.post(
        &clinic.front_desk,
        "/v1/clinics",
        &json!({
            "name": "Rogue", "time_zone": ZONE_NAME, "hours": weekday_hours(),
        }),
    )
    .problem(403);
    app.post(
        &clinic.front_desk,
        &clinic.path("/chairs"),
        &json!({"label": "X", "modalities": ["iv"]}),
    )
    .problem(403);

    // A key scoped to one clinic sees nothing of another.
    app.get(&clinic.front_desk, &other.path("/patients"))
        .problem(403);
    app.get(&clinic.front_desk, &other.path("")).problem(403);
    app.post(
        &clinic.front_desk,
        &other.path("/patients"),
        &json!({
            "external_ref": "MRN-9", "display_name": "Z",
        }),
    )
    .problem(403);
    let clinics = app.get(&clinic.front_desk, "/v1/clinics").expect(200);
    let ids: Vec<&Value> = clinics["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&json!(clinic.id)], "{clinics}");

    // An integration reads the schedule but not the patient register.
    let integration = app.db.create_key("integration", Some(clinic.id));
    app.get(&integration, &clinic.path("/patients"))
        .problem(403);
    app.get(&integration, &clinic.path("/sessions")).expect(200);

    // The unscoped admin reaches both.
    app.get(&app.admin, &clinic.path("/patients")).expect(200);
    app.get(&app.admin, &other.path("/patients")).expect(200);
}
on_every_backend!(api_keys_are_checked_for_role_and_clinic);

fn local_times_that_do_not_exist_or_repeat_are_refused(app: &App) {
    let (clinic, course) = clinic_with_course(app);
    let sessions = clinic.path(&format!("/courses/{}/sessions", course["id"]));
    // 2027-03-14 02:30 is skipped in New York (spring forward).
    let skipped = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {"local_start": "2027-03-14T02:30:00"}}),
        )
        .problem(422);
    assert_eq!(error_fields(&skipped), ["at.local_start"], "{skipped}");
    // 2027-11-07 01:30 happens twice (fall back): say which, or be refused.
    let repeated = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {"local_start": "2027-11-07T01:30:00"}}),
        )
        .problem(422);
    assert_eq!(error_fields(&repeated), ["at.local_start"], "{repeated}");

    // The same when moving a session.
    let first = with_status(&course, &["booked"])[0].clone();
    let moved = app
        .act(
            &clinic,
            id(&first),
            "reschedule",
            Some(&json!({
                "to": {"local_start": "2027-03-14T02:30:00"}, "reason": "test",
            })),
        )
        .problem(422);
    assert_eq!(error_fields(&moved), ["to.local_start"], "{moved}");
    assert_eq!(
        app.session(&clinic, id(&first)).0["start"],
        first["start"],
        "nothing moved"
    );
}
on_every_backend!(local_times_that_do_not_exist_or_repeat_are_refused);

fn date_times_without_an_offset_are_refused(app: &App) {
    let (clinic, course) = clinic_with_course(app);
    let sessions = clinic.path(&format!("/courses/{}/sessions", course["id"]));
    let problem = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {"start": "2027-01-12T10:00:00"}}),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["at.start"], "{problem}");
    let problem = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {"start": "2027-01-12"}}),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["at.start"], "{problem}");
    // Both ways at once is ambiguous too.
    let problem = app
        .post(
            &clinic.front_desk,
            &sessions,
            &json!({"at": {
                "start": "2027-01-12T10:00:00-05:00", "local_start": "2027-01-12T10:00:00",
            }}),
        )
        .problem(422);
    assert_eq!(error_fields(&problem), ["at"], "{problem}");
    let course = app.course(&clinic, course["id"].as_i64().unwrap());
    assert_eq!(
        course["sessions"].as_array().unwrap().len(),
        6,
        "nothing was added"
    );
}
on_every_backend!(date_times_without_an_offset_are_refused);

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
        .db
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
        .filter(|l| l.starts_with("chairside_http_requests_total{"))
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

fn unknown_things_and_bad_parameters_are_problem_documents(app: &App) {
    let clinic = app.clinic();
    let fd = &clinic.front_desk;
    app.get(&app.admin, "/v1/clinics/987654").problem(404);
    app.get(&app.admin, "/v1/clinics/not-a-number").problem(404);
    app.get(fd, &clinic.path("/sessions/987654")).problem(404);
    app.get(fd, &clinic.path("/courses/987654")).problem(404);
    app.call("GET", "/v1/nothing").send().problem(404);
    app.get(fd, &clinic.path("/day-sheet?date=2026-02-30"))
        .problem(400);
    app.get(fd, &clinic.path("/day-sheet")).problem(400);
    let limit = app.get(fd, &clinic.path("/patients?limit=0")).problem(422);
    assert_eq!(error_fields(&limit), ["limit"], "{limit}");
    let cursor = app
        .get(fd, &clinic.path("/patients?cursor=%21%21"))
        .problem(400);
    assert_eq!(error_fields(&cursor), ["cursor"], "{cursor}");
    let range = app
        .get(fd, &clinic.path("/sessions?from=2027-01-10&to=2027-01-01"))
        .problem(422);
    assert_eq!(error_fields(&range), ["to"], "{range}");
}
on_every_backend!(unknown_things_and_bad_parameters_are_problem_documents);

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

fn lists_page_with_opaque_cursors(app: &App) {
    let clinic = app.clinic();
    let patients: Vec<i64> = (1..=5)
        .map(|n| app.patient(&clinic, &format!("MRN-{n}")))
        .collect();
    let mut seen = Vec::new();
    let mut path = clinic.path("/patients?limit=2");
    for _ in 0..5 {
        let page = app.get(&clinic.front_desk, &path).expect(200);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2, "{page}");
        seen.extend(items.iter().map(id));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = clinic.path(&format!("/patients?limit=2&cursor={cursor}")),
            None => break,
        }
    }
    assert_eq!(seen, patients, "every patient once, oldest first");

    let course = app.book_induction(&clinic, patients[0]);
    let first = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/sessions?course_id={}&limit=4", course["id"])),
        )
        .expect(200);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!(
                "/sessions?course_id={}&limit=4&cursor={cursor}",
                course["id"]
            )),
        )
        .expect(200);
    assert!(second["next_cursor"].is_null(), "{second}");
    let mut ids: Vec<i64> = first["items"].as_array().unwrap().iter().map(id).collect();
    ids.extend(second["items"].as_array().unwrap().iter().map(id));
    let mut booked: Vec<i64> = course["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    booked.sort();
    assert_eq!(ids, booked);
}
on_every_backend!(lists_page_with_opaque_cursors);
