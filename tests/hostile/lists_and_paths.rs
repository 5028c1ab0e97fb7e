//! Page sizes outside 1 to 200, cursors this API did not issue, odd ids
//! and traversal in paths.

use serde_json::json;

use super::*;
use crate::support::*;

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
