//! API keys: a request without a valid one is unauthenticated; a valid
//! one is checked for its role and its clinic.

use serde_json::{json, Value};

use crate::support::*;

fn requests_without_a_valid_bearer_key_are_unauthenticated(app: &App) {
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
}
on_every_backend!(requests_without_a_valid_bearer_key_are_unauthenticated);

fn api_keys_are_checked_for_role_and_clinic(app: &App) {
    let clinic = app.clinic();
    let other = app.clinic_with("Other Clinic", weekday_hours(), 1);

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
    let integration = app.create_key("integration", Some(clinic.id));
    app.get(&integration, &clinic.path("/patients"))
        .problem(403);
    app.get(&integration, &clinic.path("/sessions")).expect(200);

    // The unscoped admin reaches both.
    app.get(&app.admin, &clinic.path("/patients")).expect(200);
    app.get(&app.admin, &other.path("/patients")).expect(200);
}
on_every_backend!(api_keys_are_checked_for_role_and_clinic);
