//! Methods no route takes, and headers too big.

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
