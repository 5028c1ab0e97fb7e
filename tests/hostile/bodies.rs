//! Bodies: too big, nested too deep, or not JSON at all.

use serde_json::json;

use super::*;
use crate::support::*;

fn bodies_over_the_limit_are_refused(app: &App) {
    let clinic = app.clinic();
    // 64 KiB by default (CHAIRSIDE_MAX_BODY_BYTES).
    for size in [64 * 1024 + 1, 2 * 1024 * 1024] {
        let body = json!({"external_ref": "MRN-1", "display_name": "x".repeat(size)}).to_string();
        let problem = post_raw(
            app,
            &clinic,
            &clinic.path("/patients"),
            "application/json",
            &body,
        )
        .problem(413);
        assert_eq!(problem["type"], "/problems/too-large", "{problem}");
    }
    // A route whose body may be left out is limited all the same.
    let webhook = app
        .post(
            &app.admin,
            &clinic.path("/webhooks"),
            &json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["*"]}),
        )
        .expect(201);
    let path = clinic.path(&format!("/webhooks/{}", webhook["id"]));
    let etag = app.get(&app.admin, &path).etag();
    app.call("POST", &format!("{path}/rotate-secret"))
        .key(&app.admin)
        .if_match(&etag)
        .raw(
            "application/json",
            &format!(r#"{{"grace_hours": 1, "pad": "{}"}}"#, "x".repeat(70_000)),
        )
        .send()
        .problem(413);
    still_up(app);
    let listed = app
        .get(&clinic.front_desk, &clinic.path("/patients"))
        .expect(200);
    assert_eq!(listed["items"], json!([]), "nothing was registered");
}
on_every_backend!(bodies_over_the_limit_are_refused);

/// An object opened and given a key whose value never comes: repeated,
/// objects nested ever deeper and never closed.
const UNCLOSED_OBJECT: &str = "{\"a\":";

fn deeply_nested_json_is_refused(app: &App) {
    let clinic = app.clinic();
    let patients = clinic.path("/patients");
    let send = |body: &str| post_raw(app, &clinic, &patients, "application/json", body);

    // 100 000 brackets are over the body limit before they are JSON.
    send(&"[".repeat(100_000)).problem(413);
    // Within the limit, unclosed: malformed (400) or, since the first thing
    // read is already of the wrong type, invalid (422); never a crash.
    client_error(&send(&"[".repeat(60_000)));
    client_error(&send(&UNCLOSED_OBJECT.repeat(10_000)));
    // Well-formed but deep, where a string is wanted: the field is named.
    let deep = format!(
        r#"{{"external_ref": {}1{}, "display_name": "A"}}"#,
        "[".repeat(30_000),
        "]".repeat(30_000)
    );
    let problem = send(&deep).problem(422);
    assert!(
        error_fields(&problem)
            .iter()
            .all(|f| f.starts_with("external_ref")),
        "{problem}"
    );
    let deep = format!(
        r#"{{"external_ref": "MRN-1", "display_name": "A", "preferences": {}1{}}}"#,
        r#"{"weekdays": "#.repeat(3_000),
        "}".repeat(3_000)
    );
    let problem = send(&deep).problem(422);
    assert!(
        error_fields(&problem)
            .iter()
            .all(|f| f.starts_with("preferences")),
        "{problem}"
    );
    still_up(app);
    let listed = app.get(&clinic.front_desk, &patients).expect(200);
    assert_eq!(listed["items"], json!([]), "nothing was registered");
}
on_every_backend!(deeply_nested_json_is_refused);

fn bodies_that_are_not_json_are_refused(app: &App) {
    let clinic = app.clinic();
    let patients = clinic.path("/patients");
    let valid = r#"{"external_ref": "MRN-1", "display_name": "A"}"#;

    // No content type at all, and types that are not JSON.
    let bare = app.call("POST", &patients).key(&clinic.front_desk).send();
    bare.problem(415);
    for content_type in [
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "json",
        "",
    ] {
        post_raw(app, &clinic, &patients, content_type, valid).problem(415);
    }
    // JSON announced, something else sent.
    for body in ["", " ", "\u{feff}{}", "null", "[]", "42", "\"text\""] {
        client_error(&post_raw(app, &clinic, &patients, "application/json", body));
    }
    post_raw(app, &clinic, &patients, "application/json", "").problem(400);
    // Invalid UTF-8 inside a string, and an escaped lone surrogate.
    let invalid_utf8 = app
        .call("POST", &patients)
        .key(&clinic.front_desk)
        .raw_bytes(
            "application/json",
            b"{\"external_ref\": \"MRN-1\", \"display_name\": \"\xff\xfe\"}",
        )
        .send();
    let problem = invalid_utf8.problem(400);
    assert_eq!(error_fields(&problem), ["display_name"], "{problem}");
    let surrogate = post_raw(
        app,
        &clinic,
        &patients,
        "application/json",
        r#"{"external_ref": "MRN-1", "display_name": "\ud800"}"#,
    )
    .problem(400);
    assert_eq!(error_fields(&surrogate), ["display_name"], "{surrogate}");

    still_up(app);
    let listed = app.get(&clinic.front_desk, &patients).expect(200);
    assert_eq!(listed["items"], json!([]), "nothing was registered");
}
on_every_backend!(bodies_that_are_not_json_are_refused);
