//! Keys: every route but the public ones needs one, and refuses keys
//! nobody issued or that were revoked.

use super::*;
use crate::support::*;

/// A key that existed and was revoked with `chairside api-key revoke`.
fn revoked_key(app: &App) -> String {
    let (token, id) = key_from_cli(app, "revoked");
    revoke_with_cli(app, &id);
    token
}

/// The documented routes that need a key (`/metrics` aside: public here).
fn routes_needing_a_key() -> Vec<(String, String)> {
    documented_routes()
        .into_iter()
        .filter(|(method, pattern)| {
            !is_public(method, pattern) && (method.as_str(), pattern.as_str()) != METRICS
        })
        .collect()
}

fn routes_need_a_key_unless_public(app: &App) {
    let (clinic, ids) = clinic_and_ids(app);
    let mut breaches = Breaches::default();
    for (method, pattern) in routes_needing_a_key() {
        let path = concrete(&pattern, &ids);
        let missing = app.call(&method, &path).send();
        breaches.refused(&missing, 401, &format!("{method} {path} without a key"));
        if missing.header("www-authenticate") != Some("Bearer") {
            breaches
                .0
                .push(format!("no `WWW-Authenticate: Bearer`: {missing:?}"));
        }
        // The key in the wrong scheme is no key.
        let basic = app
            .call(&method, &path)
            .header("Authorization", &format!("Basic {}", app.admin))
            .send();
        breaches.refused(&basic, 401, &format!("{method} {path} with a Basic key"));
    }
    breaches.assert_none();

    // The public ones answer without a key.
    for path in ["/healthz", "/readyz", "/openapi.json", "/metrics", "/docs/"] {
        let reply = app.call("GET", path).send();
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    // An unknown feed token is not found, not unauthorised; a real one is
    // the credential.
    app.call("GET", "/calendar/not-a-feed-token.ics")
        .send()
        .problem(404);
    let issued = app
        .call(
            "POST",
            &clinic.path(&format!("/patients/{}/calendar-token", ids.patient)),
        )
        .key(&clinic.front_desk)
        .send()
        .expect(201);
    let url = issued["url"].as_str().expect("a feed url");
    let feed = app.call("GET", url).send();
    assert_eq!(feed.status, 200, "{feed:?}");
}
on_every_backend!(routes_need_a_key_unless_public);

/// Unknown and revoked keys get 401 on every route, called bare (no body,
/// no `If-Match`): the key is checked before anything else is looked at.
fn every_route_refuses_unknown_and_revoked_keys(app: &App) {
    let (_clinic, ids) = clinic_and_ids(app);
    let revoked = revoked_key(app);
    let mut breaches = Breaches::default();
    for (method, pattern) in routes_needing_a_key() {
        let path = concrete(&pattern, &ids);
        for (what, key) in [("an unknown key", UNKNOWN_KEY), ("a revoked key", &revoked)] {
            let reply = app.call(&method, &path).key(key).send();
            breaches.refused(&reply, 401, &format!("{method} {path} with {what}"));
        }
    }
    breaches.assert_none();
}

on_every_backend!(every_route_refuses_unknown_and_revoked_keys);
