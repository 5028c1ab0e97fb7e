//! Hostile input: bodies too big or too deep, absurd page sizes and
//! cursors, odd ids and traversal in paths, SQL-ish and binary-ish text,
//! wrong content types, unrouted methods, huge headers, values at the ends
//! of the calendar. Each is refused with a 4xx problem document (never a
//! 5xx, never a dropped connection) or, for text, kept verbatim; and the
//! server still answers afterwards.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::*;

/// Asserts a 4xx problem document; returns it.
#[track_caller]
fn client_error(reply: &Reply) -> Value {
    assert!((400..500).contains(&reply.status), "{reply:?}");
    reply.problem(reply.status)
}

/// Asserts that the server still answers.
#[track_caller]
fn still_up(app: &App) {
    app.call("GET", "/healthz").send().expect(200);
    app.get(&app.admin, "/v1/clinics").expect(200);
}

/// `text` percent-encoded for a query string: everything but unreserved
/// characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A POST of `body` (raw bytes as text) to `path` with the front desk key.
fn post_raw(app: &App, clinic: &Clinic, path: &str, content_type: &str, body: &str) -> Reply {
    app.call("POST", path)
        .key(&clinic.front_desk)
        .raw(content_type, body)
        .send()
}

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

fn deeply_nested_json_is_refused(app: &App) {
    let clinic = app.clinic();
    let patients = clinic.path("/patients");
    let send = |body: &str| post_raw(app, &clinic, &patients, "application/json", body);

    // 100 000 brackets are over the body limit before they are JSON.
    send(&"[".repeat(100_000)).problem(413);
    // Within the limit, unclosed: malformed (400) or, since the first thing
    // read is already of the wrong type, invalid (422); never a crash.
    client_error(&send(&"[".repeat(60_000)));
    client_error(&send(&"{\"a\":".repeat(10_000)));
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

/// Lists that page, with a key that may read them.
fn paged_lists(app: &App, clinic: &Clinic) -> Vec<(String, String)> {
    let webhook = app
        .post(
            &app.admin,
            &clinic.path("/webhooks"),
            &json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["*"]}),
        )
        .expect(201);
    vec![
        (app.admin.clone(), "/v1/clinics".to_string()),
        (clinic.front_desk.clone(), clinic.path("/patients")),
        (clinic.front_desk.clone(), clinic.path("/courses")),
        (clinic.front_desk.clone(), clinic.path("/sessions")),
        (
            app.admin.clone(),
            clinic.path(&format!("/webhooks/{}/deliveries", webhook["id"])),
        ),
    ]
}

fn page_sizes_outside_1_to_200_are_refused(app: &App) {
    let clinic = app.clinic();
    for (key, list) in paged_lists(app, &clinic) {
        // docs/api.md: `limit` is 1–200; a number out of range is a
        // nonsense value (422), something that is no number is malformed
        // (400). Neither is clamped.
        for limit in ["1000000000", "201", "-1", "-9223372036854775808"] {
            let problem = app.get(&key, &format!("{list}?limit={limit}")).problem(422);
            assert_eq!(error_fields(&problem), ["limit"], "{problem}");
        }
        for limit in [
            "abc",
            "1.5",
            "",
            "99999999999999999999",
            "1e3",
            "%00",
            "0x10",
        ] {
            app.get(&key, &format!("{list}?limit={limit}")).problem(400);
        }
        for limit in ["1", "200"] {
            app.get(&key, &format!("{list}?limit={limit}")).expect(200);
        }
    }
    still_up(app);
}
on_every_backend!(page_sizes_outside_1_to_200_are_refused);

fn cursors_this_api_did_not_issue_are_refused(app: &App) {
    let clinic = app.clinic();
    let cursors = [
        // Random base64, and base64 of things that look almost right.
        "Zm9vYmFy".to_string(),
        "q83vEjRWeJA".to_string(),
        "YWZ0ZXI6LTE".to_string(),                          // after:-1
        "YWZ0ZXI6OTk5OTk5OTk5OTk5OTk5OTk5OTk5".to_string(), // after:999999999999999999999
        "YWZ0ZXI6MSBPUiAxPTE".to_string(),                  // after:1 OR 1=1
        "YWZ0ZXI6".to_string(),                             // after:
        // Not base64 at all.
        "%27%3B%20DROP%20TABLE%20sessions%3B%20--".to_string(),
        "%00%01%02".to_string(),
        "%F0%9F%92%89".to_string(),
        "A".repeat(5_000),
    ];
    for (key, list) in paged_lists(app, &clinic) {
        for cursor in &cursors {
            let problem = app
                .get(&key, &format!("{list}?cursor={cursor}"))
                .problem(400);
            assert_eq!(error_fields(&problem), ["cursor"], "{problem}");
        }
    }
    still_up(app);
}
on_every_backend!(cursors_this_api_did_not_issue_are_refused);

fn odd_ids_and_traversal_in_paths_are_not_found(app: &App) {
    let clinic = app.clinic();
    let odd = [
        "..%2F..%2Fetc%2Fpasswd",
        "..%2f..%2f..%2f..%2fetc%2fpasswd",
        "1%00",
        "%00",
        "99999999999999999999999",
        "-1",
        "0",
        "1.0",
        "0x1",
        "1e3",
        "%E2%80%AE1",
        "%FF",
        "1%20OR%201%3D1",
    ];
    for id in odd {
        app.get(&app.admin, &format!("/v1/clinics/{id}"))
            .problem(404);
        app.get(&app.admin, &format!("/v1/clinics/{id}/patients"))
            .problem(404);
        for nested in ["patients", "sessions", "courses", "protocols"] {
            app.get(&app.admin, &clinic.path(&format!("/{nested}/{id}")))
                .problem(404);
        }
        // A scoped key meets its scope first: some other clinic.
        client_error(&app.get(&clinic.front_desk, &format!("/v1/clinics/{id}/sessions")));
        // The feed: an unknown token.
        app.call("GET", &format!("/calendar/{id}.ics"))
            .send()
            .problem(404);
    }
    // Dot segments sent as they are.
    for path in [
        "/v1/clinics/../../etc/passwd",
        "/v1/../../../etc/passwd",
        "/calendar/../../etc/passwd",
    ] {
        let reply = app.get(&app.admin, path);
        reply.problem(404);
        assert!(!reply.text.contains("root:"), "{reply:?}");
    }
    // The documentation's own files: not found, and nothing of the disk.
    for path in [
        "/docs/../../etc/passwd",
        "/docs/..%2F..%2F..%2Fetc%2Fpasswd",
    ] {
        let reply = app.call("GET", path).send();
        assert_eq!(reply.status, 404, "{reply:?}");
        assert!(!reply.text.contains("root:"), "{reply:?}");
    }
    still_up(app);
}
on_every_backend!(odd_ids_and_traversal_in_paths_are_not_found);

/// Text that has broken SQL built by hand, LIKE patterns, and unicode that
/// trips naive code.
const HOSTILE_TEXT: &[&str] = &[
    "'; DROP TABLE sessions; --",
    "\" OR 1=1 --",
    "Robert'); DROP TABLE patients;--",
    "1' OR '1'='1",
    "%",
    "_",
    "%_%",
    "\\",
    "\\'; SELECT pg_sleep(10); --",
    "Zoë Ñúñez 中文 😀 💉",
    "\u{202e}evil\u{202c} right-to-left",
    "e\u{301}\u{301}\u{301} combining",
    "\u{feff}byte order mark",
    "tab\tand\nnew line",
];

/// Either kept exactly as sent, or refused with a 4xx naming the field.
#[track_caller]
fn kept_or_refused_naming(reply: &Reply, field: &str, sent: &str) -> Option<Value> {
    if reply.status == 201 {
        let created = reply.json();
        assert_eq!(created[field], sent, "{reply:?}");
        return Some(created);
    }
    let problem = client_error(reply);
    assert!(
        error_fields(&problem).iter().any(|f| f == field)
            || problem["detail"].as_str().unwrap().contains(field),
        "{problem}"
    );
    None
}

fn sql_like_text_is_kept_verbatim_or_refused(app: &App) {
    let clinic = app.clinic();
    let fd = &clinic.front_desk;
    let mut patients = Vec::new();
    for (n, text) in HOSTILE_TEXT.iter().enumerate() {
        // As an external ref (unique: it is looked up) and as a name.
        let reply = app.post(
            fd,
            &clinic.path("/patients"),
            &json!({"external_ref": text, "display_name": format!("Patient {n}")}),
        );
        if let Some(created) = kept_or_refused_naming(&reply, "external_ref", text) {
            patients.push((created["id"].clone(), text.to_string()));
        }
        let reply = app.post(
            fd,
            &clinic.path("/patients"),
            &json!({"external_ref": format!("MRN-{n}"), "display_name": text}),
        );
        if let Some(created) = kept_or_refused_naming(&reply, "display_name", text) {
            let id = created["id"].as_i64().unwrap();
            let read = app
                .get(fd, &clinic.path(&format!("/patients/{id}")))
                .expect(200);
            assert_eq!(read["display_name"], *text, "{read}");
        }
        // A clinic's name and a chair's label.
        let reply = app.post(
            &app.admin,
            "/v1/clinics",
            &json!({"name": text, "time_zone": ZONE_NAME, "hours": weekday_hours()}),
        );
        if let Some(created) = kept_or_refused_naming(&reply, "name", text) {
            let read = app
                .get(&app.admin, &format!("/v1/clinics/{}", created["id"]))
                .expect(200);
            assert_eq!(read["name"], *text, "{read}");
        }
        let reply = app.post(
            &app.admin,
            &clinic.path("/chairs"),
            &json!({"label": text, "modalities": ["iv"]}),
        );
        kept_or_refused_naming(&reply, "label", text);
    }
    assert!(
        patients.len() >= HOSTILE_TEXT.len() / 2,
        "most of these are ordinary text: {patients:?}"
    );

    // Looked up by external ref, each finds itself and nothing else: no
    // quote ends the string, no `%` or `_` is a wildcard.
    for (id, text) in &patients {
        let found = app
            .get(
                fd,
                &clinic.path(&format!("/patients?external_ref={}", encode(text))),
            )
            .expect(200);
        let ids: Vec<&Value> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["id"])
            .collect();
        assert_eq!(ids, [id], "external_ref={text:?}: {found}");
        assert_eq!(found["items"][0]["external_ref"], *text);
    }
    for text in [
        "' OR '1'='1",
        "%25",
        "' OR 1=1 --",
        "x' UNION SELECT * FROM api_keys --",
    ] {
        let found = app
            .get(
                fd,
                &clinic.path(&format!("/patients?external_ref={}", encode(text))),
            )
            .expect(200);
        assert_eq!(found["items"], json!([]), "external_ref={text:?}: {found}");
    }

    // In query parameters that are not free text: malformed, or invalid
    // naming the parameter.
    let injected = encode("' OR 1=1 --");
    for path in [
        clinic.path(&format!("/sessions?status={injected}")),
        clinic.path(&format!("/courses?status={injected}")),
        clinic.path(&format!("/sessions?patient_id={injected}")),
        clinic.path(&format!("/day-sheet?date={injected}")),
        clinic.path(&format!("/sessions?from={injected}&to=2027-01-01")),
    ] {
        app.get(fd, &path).problem(400);
    }
    let problem = app
        .get(fd, &format!("/v1/reminders/upcoming?within={injected}"))
        .problem(422);
    assert_eq!(error_fields(&problem), ["within"], "{problem}");

    // Every table is still there and works: a course books, sessions list.
    let patient = app.patient(&clinic, "MRN-AFTER");
    let course = app.book_induction(&clinic, patient);
    let sessions = app
        .get(
            fd,
            &clinic.path(&format!("/sessions?course_id={}", course["id"])),
        )
        .expect(200);
    assert_eq!(sessions["items"].as_array().unwrap().len(), 6, "{sessions}");
    assert_eq!(overlapping_live_pairs(&app.db.store()), 0);
    still_up(app);
}
on_every_backend!(sql_like_text_is_kept_verbatim_or_refused);

/// NUL characters: SQLite keeps them; PostgreSQL cannot store them in text.
/// Either way the answer must be the text kept, or a 4xx naming the field.
fn nul_characters_are_kept_or_refused(app: &App) {
    let clinic = app.clinic();
    let fd = &clinic.front_desk;
    let text = "Robert\u{0}'); DROP TABLE sessions; --";
    let reply = app.post(
        fd,
        &clinic.path("/patients"),
        &json!({"external_ref": "MRN-NUL", "display_name": text}),
    );
    kept_or_refused_naming(&reply, "display_name", text);
    let reply = app.post(
        fd,
        &clinic.path("/patients"),
        &json!({"external_ref": "MRN\u{0}1", "display_name": "A"}),
    );
    kept_or_refused_naming(&reply, "external_ref", "MRN\u{0}1");
    let reply = app.post(
        &app.admin,
        "/v1/clinics",
        &json!({"name": "Clinic\u{0}", "time_zone": ZONE_NAME, "hours": weekday_hours()}),
    );
    kept_or_refused_naming(&reply, "name", "Clinic\u{0}");
    let reply = app.post(
        &app.admin,
        &clinic.path("/chairs"),
        &json!({"label": "Chair\u{0}", "modalities": ["iv"]}),
    );
    kept_or_refused_naming(&reply, "label", "Chair\u{0}");
    // As a query parameter: found or not, never an error of the server.
    let found = app.get(fd, &clinic.path("/patients?external_ref=MRN%001"));
    assert!(
        found.status == 200 || (400..500).contains(&found.status),
        "{found:?}"
    );
    if found.status != 200 {
        client_error(&found);
    }
    still_up(app);
}
mod nul_characters_are_kept_or_refused {
    #[test]
    fn sqlite() {
        crate::support::App::on_sqlite(super::nul_characters_are_kept_or_refused);
    }

    #[test]
    fn postgres() {
        crate::support::App::on_postgres(super::nul_characters_are_kept_or_refused);
    }
}

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

fn methods_not_routed_are_problem_documents(app: &App) {
    let clinic = app.clinic();
    let get_only = [
        clinic.path("/protocols"),
        clinic.path("/sessions"),
        clinic.path("/day-sheet"),
        "/v1/clinics".to_string(),
        "/healthz".to_string(),
        "/openapi.json".to_string(),
    ];
    for path in &get_only {
        for method in ["DELETE", "PUT", "PATCH"] {
            for key in [None, Some(&app.admin)] {
                let call = app.call(method, path);
                let call = match key {
                    Some(key) => call.key(key),
                    None => call,
                };
                let reply = call.send();
                assert!(matches!(reply.status, 404 | 405), "{reply:?}");
                reply.problem(reply.status);
            }
        }
    }
    // Methods the HTTP client will not send: by hand.
    for method in ["FOO", "PROPFIND", "TRACE", "CONNECT"] {
        let answer = raw_exchange(
            app,
            format!(
                "{method} /v1/clinics HTTP/1.1\r\nHost: localhost\r\n\
                 Authorization: Bearer {}\r\nConnection: close\r\n\r\n",
                app.admin
            )
            .as_bytes(),
        );
        let status = answer.get(9..12).unwrap_or_default();
        assert!(
            matches!(status, "400" | "404" | "405"),
            "{method}: {answer}"
        );
        if status != "400" {
            assert!(
                answer
                    .to_ascii_lowercase()
                    .contains("content-type: application/problem+json"),
                "{method}: {answer}"
            );
        }
    }
    still_up(app);
}
on_every_backend!(methods_not_routed_are_problem_documents);

/// Sends `request` on a fresh connection; returns what came back, as text.
/// A server may close the connection before reading all of a huge request,
/// so a failed write is no failure as long as an answer can be read.
fn raw_exchange(app: &App, request: &[u8]) -> String {
    let address = app.server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn huge_headers_are_refused(app: &App) {
    for size in [1024 * 1024, 10 * 1024 * 1024] {
        let request = format!(
            "GET /v1/clinics HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
             X-Padding: {}\r\nConnection: close\r\n\r\n",
            app.admin,
            "a".repeat(size)
        );
        let answer = raw_exchange(app, request.as_bytes());
        // Refused by the HTTP layer, before any route: no problem document
        // there, but a 4xx.
        assert!(
            answer.starts_with("HTTP/1.1 431"),
            "{size} bytes of header: {:?}",
            answer.lines().next()
        );
    }
    // A long key is just an unknown key.
    app.get(&format!("chs_{}", "a".repeat(50_000)), "/v1/clinics")
        .problem(401);
    app.get(&"b".repeat(50_000), "/v1/clinics").problem(401);
    still_up(app);
}
on_every_backend!(huge_headers_are_refused);

/// The first and last dates chrono knows.
const FIRST_DATE: &str = "-262143-01-01";
const LAST_DATE: &str = "+262142-12-31";

fn dates_at_the_ends_of_the_calendar_are_refused(app: &App) {
    let clinic = app.clinic();
    let fd = &clinic.front_desk;
    let patient = app.patient(&clinic, "MRN-1");
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let (first, last) = (encode(FIRST_DATE), encode(LAST_DATE));
    for path in [
        format!("/day-sheet?date={first}"),
        format!("/day-sheet?date={last}"),
        format!("/sessions?from={first}&to=-262143-01-02"),
        format!("/sessions?from=%2B262142-12-30&to={last}"),
        format!("/availability?protocol_id={protocol}&from={first}&to=-262143-01-10"),
        format!("/availability?protocol_id={protocol}&from=%2B262142-12-25&to={last}"),
    ] {
        let reply = app.get(fd, &clinic.path(&path));
        // Nothing can be there: an empty answer is as good as a refusal.
        if reply.status != 200 {
            client_error(&reply);
        }
    }
    for earliest in [FIRST_DATE, LAST_DATE] {
        let body = json!({"patient_id": patient, "protocol_id": protocol, "earliest": earliest});
        client_error(&app.post(fd, &clinic.path("/courses/preview"), &body));
        client_error(&app.post(fd, &clinic.path("/courses"), &body));
    }
    // Stored dates: kept, or refused naming the field. PostgreSQL's `date`
    // starts in 4714 BC.
    for (n, date) in [FIRST_DATE, LAST_DATE, "-4714-11-23"].iter().enumerate() {
        for field in ["intake_assessed_on", "rems_enrolled_on"] {
            let reply = app.post(
                fd,
                &clinic.path("/patients"),
                &json!({"external_ref": format!("MRN-{field}-{n}"), "display_name": "A", field: date}),
            );
            if reply.status == 201 {
                assert_eq!(reply.json()[field], *date, "{reply:?}");
            } else {
                let problem = client_error(&reply);
                assert_eq!(error_fields(&problem), [field], "{problem}");
            }
        }
    }
    still_up(app);
}
on_every_backend!(dates_at_the_ends_of_the_calendar_are_refused);

fn a_closure_at_the_end_of_the_calendar_does_not_stop_booking(app: &App) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    for span in [
        json!({"kind": "days", "first": "+262142-12-30", "last": LAST_DATE}),
        json!({"kind": "range", "start": "+262142-12-31T00:00:00", "end": "+262142-12-31T23:59:59"}),
        json!({"kind": "days", "first": FIRST_DATE, "last": FIRST_DATE}),
    ] {
        let reply = app.post(
            &clinic.front_desk,
            &clinic.path("/closures"),
            &json!({"span": span, "reason": "typo"}),
        );
        if reply.status != 201 {
            client_error(&reply);
        }
    }
    // Refused or stored, it must not stand in the way of the next booking.
    app.book_induction(&clinic, patient);
    still_up(app);
}
on_every_backend!(a_closure_at_the_end_of_the_calendar_does_not_stop_booking);

fn reminder_windows_beyond_any_clock_are_refused(app: &App) {
    let clinic = app.clinic();
    for within in [
        "9999999999999999h",
        "999999999999999m",
        "999999999999999d",
        "-9223372036854775808h",
        "99999999999999999999d",
    ] {
        let reply = app
            .call(
                "GET",
                &format!("/v1/reminders/upcoming?within={}", encode(within)),
            )
            .key(&clinic.front_desk)
            .try_send()
            .unwrap_or_else(|e| panic!("within={within}: no answer (a panic?): {e}"));
        let problem = reply.problem(422);
        assert_eq!(error_fields(&problem), ["within"], "{problem}");
    }
    still_up(app);
}
on_every_backend!(reminder_windows_beyond_any_clock_are_refused);
