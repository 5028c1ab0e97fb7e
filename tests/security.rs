//! Who may call what, route by route: every route of the OpenAPI document
//! against the role policy table, with no key, a wrong key, a key of each
//! role and a key of another clinic. And what must never leak: API keys are
//! kept only as hashes, and neither keys, webhook secrets, feed tokens nor
//! patient names reach the log.

mod keys;
mod managed_keys;
mod policy;
mod secrets;

use std::collections::BTreeSet;

use chairside_store::models::Role;
use serde_json::Value;

use crate::support::*;

/// A key made with `chairside api-key create` (as on the server host):
/// its token and its id.
fn key_from_cli(app: &App, label: &str) -> (String, String) {
    let created = app.api_key_create(&["--role", "admin", "--label", label]);
    assert!(created.status.success(), "{created:?}");
    let token = String::from_utf8(created.stdout)
        .unwrap()
        .trim()
        .to_string();
    // "created key 7 (admin)"
    let stderr = String::from_utf8_lossy(&created.stderr);
    let id = stderr
        .split_whitespace()
        .nth(2)
        .unwrap_or_else(|| panic!("no key id in {stderr:?}"))
        .to_string();
    (token, id)
}

/// Revokes a key with `chairside api-key revoke`.
fn revoke_with_cli(app: &App, id: &str) {
    let revoked = app
        .command()
        .args(["api-key", "revoke", id])
        .output()
        .expect("run chairside api-key revoke");
    assert!(revoked.status.success(), "{revoked:?}");
}

/// Every role a key can have.
const ROLES: [Role; 4] = [
    Role::Admin,
    Role::Clinician,
    Role::FrontDesk,
    Role::Integration,
];

/// Documented routes anyone may call: health, readiness, the document
/// itself, and a patient's calendar feed (its secret token is the
/// credential). `/metrics` is public too unless `CHAIRSIDE_PRIVATE_METRICS`
/// is set, so it has an entry in the policy table for that case.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/openapi.json"),
    ("GET", "/calendar/{token}.ics"),
];

const METRICS: (&str, &str) = ("GET", "/metrics");

/// Every (method, path pattern) of the committed OpenAPI document.
fn documented_routes() -> BTreeSet<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/api-spec/openapi.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let document: Value = serde_json::from_str(&text).expect("the OpenAPI document is JSON");
    let mut routes = BTreeSet::new();
    for (pattern, item) in document["paths"].as_object().expect("`paths`") {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if item.get(method).is_some() {
                routes.insert((method.to_uppercase(), pattern.clone()));
            }
        }
    }
    routes
}

fn is_public(method: &str, pattern: &str) -> bool {
    PUBLIC.contains(&(method, pattern))
}

/// Real ids to put in paths where they are cheap to have.
struct Ids {
    clinic: i64,
    chair: i64,
    patient: i64,
}

/// A request path for `pattern` that, but for its credentials, gets past
/// every check before the handler where that is cheap: each `{name}`
/// replaced (the clinic, chair and patient by real ids, a feed token and
/// other ids by made-up ones), and the query parameters a read requires.
fn concrete(pattern: &str, ids: &Ids) -> String {
    let mut path = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').expect("a closing brace");
        path.push_str(&rest[..open]);
        path.push_str(&match &rest[open + 1..close] {
            "clinic_id" => ids.clinic.to_string(),
            "chair_id" => ids.chair.to_string(),
            "patient_id" => ids.patient.to_string(),
            "token" => "not-a-feed-token".to_string(),
            _ => "987654".to_string(),
        });
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    let monday = next_monday();
    if pattern.ends_with("/availability") {
        path.push_str(&format!(
            "?protocol_id=987654&from={monday}&to={}",
            monday + chrono::Duration::days(6)
        ));
    } else if pattern.ends_with("/day-sheet") {
        path.push_str(&format!("?date={monday}"));
    }
    path
}

/// A clinic with a chair and a patient, and the ids to fill paths with.
fn clinic_and_ids(app: &App) -> (Clinic, Ids) {
    let clinic = app.clinic();
    let patient = app.patient(&clinic, "MRN-1");
    let ids = Ids {
        clinic: clinic.id,
        chair: clinic.chairs[0],
        patient,
    };
    (clinic, ids)
}

/// Answers that break the policy, collected over a whole walk so that one
/// failure lists them all.
#[derive(Default)]
struct Breaches(Vec<String>);

impl Breaches {
    /// The reply must be a problem document with this status.
    fn refused(&mut self, reply: &Reply, status: u16, who: &str) {
        let problem = reply.status == status
            && reply.content_type().starts_with("application/problem+json")
            && serde_json::from_str::<Value>(&reply.text).is_ok_and(|p| p["status"] == status);
        if !problem {
            self.0.push(format!("{who}: wanted {status}: {reply:?}"));
        }
    }

    /// The reply must not refuse the caller: no 401, no 403 (and no 5xx).
    fn let_through(&mut self, reply: &Reply, who: &str) {
        if matches!(reply.status, 401 | 403) || reply.status >= 500 {
            self.0
                .push(format!("{who}: wanted neither 401 nor 403: {reply:?}"));
        }
    }

    #[track_caller]
    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} answers break the policy:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

/// One key of each role scoped to `clinic`.
fn keys_for(app: &App, clinic: i64) -> Vec<(Role, String)> {
    ROLES
        .iter()
        .map(|role| (*role, app.create_key(role.as_str(), Some(clinic))))
        .collect()
}

fn key_of(keys: &[(Role, String)], role: Role) -> &str {
    &keys.iter().find(|(r, _)| *r == role).expect("a key").1
}

/// A well-formed key nobody issued.
const UNKNOWN_KEY: &str =
    "chs_0123456789ab_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
