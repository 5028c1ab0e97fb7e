//! The committed OpenAPI document is what the code generates, and every
//! documented route has an entry in the role policy.

use chairside_api::openapi::{document, document_json};
use chairside_api::policy::allowed_roles;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../api-spec/openapi.json");

#[test]
fn committed_openapi_document_matches_the_code() {
    let generated = document_json();
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    if committed != generated {
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(COMMITTED, &generated).expect("write api-spec/openapi.json");
            return;
        }
        panic!(
            "api-spec/openapi.json is out of date: run `cargo run -- openapi > api-spec/openapi.json` \
             (or UPDATE_OPENAPI=1 cargo test -p chairside-api --test api openapi)"
        );
    }
}

#[test]
fn the_document_is_openapi_3_1() {
    let json: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
    assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
}

/// Routes anyone may call: health, metrics (configurable), the document itself,
/// and a patient's calendar feed (its secret token is the credential).
const PUBLIC: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/calendar/{token}.ics",
];

#[test]
fn every_documented_route_has_a_role_policy() {
    let doc = document();
    let mut missing = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PATCH", item.patch.is_some()),
            ("PUT", item.put.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in methods {
            if !present || PUBLIC.contains(&path.as_str()) {
                continue;
            }
            let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
            if allowed_roles(&method, path).is_none() {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without a role policy: {missing:?}"
    );
}
