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

/// serde's derive would read a struct from an array by position
/// (`"settings": [1, 2]` as the first two settings, `"hours": [[…]]` as
/// Monday's): every request type refuses it, 422 naming the field, and
/// nothing changes.
fn an_array_where_an_object_is_expected_is_refused(app: &App) {
    let clinic = app.clinic();
    let path = clinic.path("");
    let before = app.get(&app.admin, &path);
    let etag = before.etag();
    let before = before.expect(200);
    let patch = |body: serde_json::Value| {
        app.call("PATCH", &path)
            .key(&app.admin)
            .if_match(&etag)
            .json(&body)
            .send()
    };
    let settings = patch(json!({"settings": [1, 2]})).problem(422);
    assert_eq!(error_fields(&settings), ["settings"], "{settings}");
    let day = json!([{"opens": "09:00", "closes": "12:00"}]);
    let hours = patch(json!({"hours": [day]})).problem(422);
    assert_eq!(error_fields(&hours), ["hours"], "{hours}");
    let created = app.post(
        &app.admin,
        "/v1/clinics",
        &json!({"name": "By position", "time_zone": "America/New_York", "hours": [day]}),
    );
    assert_eq!(error_fields(&created.problem(422)), ["hours"]);
    assert_eq!(
        app.get(&app.admin, &path).expect(200),
        before,
        "nothing changed"
    );
    still_up(app);
}
on_every_backend!(an_array_where_an_object_is_expected_is_refused);

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A small compressed body that inflates far past the limit is refused
/// (413) having been decoded only up to the limit: eight at once leave the
/// server's memory where it was. A compressed body within the limit is read
/// like any other; an encoding Chairside does not read is 415.
fn a_compressed_body_is_decoded_only_up_to_the_limit(app: &App) {
    // 40 MiB of spaces: about 40 KiB compressed, under the 64 KiB limit.
    let mut inflates = vec![b' '; 40 << 20];
    inflates.extend_from_slice(b"{}");
    let bomb = gzip(&inflates);
    drop(inflates);
    assert!(bomb.len() < 64 << 10, "{} bytes compressed", bomb.len());
    let send = |body: &[u8], encoding: &str| {
        app.call("POST", "/v1/clinics")
            .key(&app.admin)
            .header("Content-Encoding", encoding)
            .raw_bytes("application/json", body)
            .send()
    };
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let sending: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| send(&bomb, "gzip")))
            .collect();
        sending.into_iter().map(|s| s.join().unwrap()).collect()
    });
    for reply in &replies {
        reply.problem(413);
    }
    if let Some(peak) = app.server.peak_memory_kib() {
        assert!(peak < 160 << 10, "the server peaked at {} MiB", peak >> 10);
    }
    let clinic =
        json!({"name": "Compressed", "time_zone": "America/New_York", "hours": weekday_hours()});
    send(&gzip(clinic.to_string().as_bytes()), "gzip").expect(201);
    send(clinic.to_string().as_bytes(), "br").problem(415);
    still_up(app);
}
on_every_backend!(a_compressed_body_is_decoded_only_up_to_the_limit);
