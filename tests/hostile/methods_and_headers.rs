//! Methods no route takes, heads too big, too slow or malformed: every
//! refusal is a problem document, the HTTP layer's own included.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::*;
use crate::support::*;

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
        // Refused by the HTTP layer, before any route.
        refused_with(&answer, 431, "headers-too-large");
    }
    let many: String = (0..120).map(|n| format!("X-Many-{n}: {n}\r\n")).collect();
    let request =
        format!("GET /v1/clinics HTTP/1.1\r\nHost: localhost\r\n{many}Connection: close\r\n\r\n");
    refused_with(
        &raw_exchange(app, request.as_bytes()),
        431,
        "headers-too-large",
    );
    // A long key is just an unknown key.
    app.get(&format!("chs_{}", "a".repeat(50_000)), "/v1/clinics")
        .problem(401);
    app.get(&"b".repeat(50_000), "/v1/clinics").problem(401);
    still_up(app);
}
on_every_backend!(huge_headers_are_refused);

/// The status and problem document of a raw answer, checked to be
/// `status` of the kind `slug`, its `Content-Length` the body's.
fn refused_with(answer: &str, status: u16, slug: &str) -> serde_json::Value {
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {answer:?}"));
    assert!(
        head.starts_with(&format!("HTTP/1.1 {status} ")),
        "{:?}",
        head.lines().next()
    );
    let head = head.to_ascii_lowercase();
    let headers: Vec<&str> = head.split("\r\n").skip(1).collect();
    assert!(
        headers.contains(&"content-type: application/problem+json"),
        "{head}"
    );
    let length = format!("content-length: {}", body.len());
    assert!(headers.contains(&length.as_str()), "{head}");
    let problem: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(problem["status"], status, "{problem}");
    assert_eq!(problem["type"], format!("/problems/{slug}"), "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    problem
}

/// A `Content-Length` that is no length the server can hold is refused by
/// the HTTP layer with a problem document, and the server stays up.
fn malformed_lengths_are_problem_documents(app: &App) {
    for length in ["-1", "18446744073709551616", "1e3", "12, 13"] {
        let request = format!(
            "POST /v1/clinics HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{}}",
            app.admin
        );
        refused_with(&raw_exchange(app, request.as_bytes()), 400, "bad-request");
    }
    let garbage = "GET /v1/clinics HTTP/1.1\r\nHost localhost\r\n\r\n";
    refused_with(&raw_exchange(app, garbage.as_bytes()), 400, "bad-request");
    still_up(app);
}
on_every_backend!(malformed_lengths_are_problem_documents);

/// A head that stops coming is answered 408 with a problem document once
/// the server stops waiting for it (5 s).
fn a_head_that_stops_coming_is_a_problem_document(app: &App) {
    let answer = raw_exchange(app, b"GET /v1/clinics HTTP/1.1\r\nHost: loc");
    refused_with(&answer, 408, "request-timeout");
    still_up(app);
}
on_every_backend!(a_head_that_stops_coming_is_a_problem_document);
