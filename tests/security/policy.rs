//! The role policy: its table lists exactly the documented routes that
//! need a key, and every route keeps it, for every role, in its clinic and
//! in another; a scoped admin key creates no clinic; metrics need a key
//! only when configured private.

use std::collections::BTreeSet;

use chairside_api::policy::routes;
use chairside_store::models::Role;
use serde_json::json;

use super::*;
use crate::support::*;

#[test]
fn the_policy_table_lists_exactly_the_documented_routes_that_need_a_key() {
    let documented = documented_routes();
    for (method, pattern) in PUBLIC.iter().chain([&METRICS]) {
        assert!(
            documented.contains(&(method.to_string(), pattern.to_string())),
            "{method} {pattern} is not documented: the list of public routes is stale"
        );
    }
    let needing_a_key: BTreeSet<(String, String)> = documented
        .into_iter()
        .filter(|(method, pattern)| !is_public(method, pattern))
        .collect();
    let mut in_table = BTreeSet::new();
    for (method, pattern, roles) in routes() {
        assert!(
            in_table.insert((method.to_string(), pattern.to_string())),
            "{method} {pattern} is in the policy table twice"
        );
        assert!(!roles.is_empty(), "{method} {pattern}: no role may call it");
        assert!(
            !roles.contains(&Role::System),
            "{method} {pattern}: the system role has no key"
        );
    }
    let undocumented: Vec<_> = in_table.difference(&needing_a_key).collect();
    let unpoliced: Vec<_> = needing_a_key.difference(&in_table).collect();
    assert!(
        undocumented.is_empty() && unpoliced.is_empty(),
        "in the policy table but not documented: {undocumented:?}; \
         documented but not in the policy table: {unpoliced:?}"
    );
}

/// Every role the policy table refuses on a route gets 403; every role it
/// allows gets through with a key of the clinic in the path, and 403 with a
/// key of another clinic.
fn every_route_keeps_the_role_policy_and_clinic_scope(app: &App) {
    let (_clinic, ids) = clinic_and_ids(app);
    let other = app.clinic_with("Other Clinic", weekday_hours(), 1);
    let here = keys_for(app, ids.clinic);
    let elsewhere = keys_for(app, other.id);
    let mut breaches = Breaches::default();

    for (method, pattern, allowed) in routes() {
        let path = concrete(pattern, &ids);
        for role in ROLES {
            let who = |whose: &str| format!("{method} {path} with {whose} {} key", role.as_str());
            let reply = app.call(method, &path).key(key_of(&here, role)).send();
            if !allowed.contains(&role) {
                breaches.refused(&reply, 403, &who("this clinic's"));
                continue;
            }
            breaches.let_through(&reply, &who("this clinic's"));
            if pattern.contains("{clinic_id}") {
                let reply = app.call(method, &path).key(key_of(&elsewhere, role)).send();
                breaches.refused(&reply, 403, &who("another clinic's"));
            }
        }
        // The admin key scoped to no clinic reaches every clinic.
        if allowed.contains(&Role::Admin) {
            let reply = app.call(method, &path).key(&app.admin).send();
            breaches.let_through(
                &reply,
                &format!("{method} {path} with the global admin key"),
            );
        }
    }
    breaches.assert_none();

    // The one clinic-scoped route that takes the clinic as a query parameter.
    let integration = key_of(&here, Role::Integration);
    app.get(
        integration,
        &format!("/v1/reminders/upcoming?clinic_id={}", other.id),
    )
    .problem(403);
    app.get(
        integration,
        &format!("/v1/reminders/upcoming?clinic_id={}", ids.clinic),
    )
    .expect(200);
}

on_every_backend!(every_route_keeps_the_role_policy_and_clinic_scope);

/// An admin key scoped to one clinic manages that clinic only: it may not
/// create clinics, which would lie outside its scope from the start.
fn a_scoped_admin_key_cannot_create_clinics(app: &App) {
    let clinic = app.clinic();
    let scoped_admin = app.create_key("admin", Some(clinic.id));
    let body = json!({"name": "Elsewhere", "time_zone": ZONE_NAME, "hours": weekday_hours()});
    app.post(&scoped_admin, "/v1/clinics", &body).problem(403);
    app.post(&app.admin, "/v1/clinics", &body).expect(201);
}
on_every_backend!(a_scoped_admin_key_cannot_create_clinics);

fn metrics_need_a_key_only_when_configured_private(app: &App) {
    let clinic = app.clinic();
    let public = app.call("GET", "/metrics").send();
    assert_eq!(public.status, 200, "{public:?}");

    let private = app.start_server(&[("CHAIRSIDE_PRIVATE_METRICS", "true")]);
    let missing = private.call("GET", "/metrics").send();
    missing.problem(401);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    private
        .call("GET", "/metrics")
        .key(UNKNOWN_KEY)
        .send()
        .problem(401);
    for (role, key) in keys_for(app, clinic.id) {
        let reply = private.call("GET", "/metrics").key(&key).send();
        assert_eq!(reply.status, 200, "as {}: {reply:?}", role.as_str());
        assert!(reply.text.contains("chairside_http_requests"), "{reply:?}");
    }
    // Health and readiness stay public for the orchestrator.
    private.call("GET", "/healthz").send().expect(200);
    private.call("GET", "/readyz").send().expect(200);
}
on_every_backend!(metrics_need_a_key_only_when_configured_private);
