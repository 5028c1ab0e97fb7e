//! Hostile input: bodies too big or too deep, absurd page sizes and
//! cursors, odd ids and traversal in paths, SQL-ish and binary-ish text,
//! wrong content types, unrouted methods, huge headers, values at the ends
//! of the calendar. Each is refused with a 4xx problem document (never a
//! 5xx, never a dropped connection) or, for text, kept verbatim; and the
//! server still answers afterwards.

mod bodies;
mod calendar;
mod lists_and_paths;
mod methods_and_headers;
mod text;

use serde_json::Value;

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
