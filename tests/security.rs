//! Who may call what, route by route: every route of the OpenAPI document
//! against the role policy table, with no key, a wrong key, a key of each
//! role and a key of another clinic. And what must never leak: API keys are
//! kept only as hashes, and neither keys, webhook secrets, feed tokens nor
//! patient names reach the log.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chairside_api::policy::ROUTES;
use chairside_store::models::Role;
use serde_json::{json, Value};

use crate::support::webhooks::Receiver;
use crate::support::*;

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
    for (method, pattern, roles) in ROUTES {
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

/// A key that existed and was revoked with `chairside api-key revoke`.
fn revoked_key(db: &TestDb) -> String {
    let created = db.api_key_create(&["--role", "admin", "--label", "revoked"]);
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
        .unwrap_or_else(|| panic!("no key id in {stderr:?}"));
    let revoked = db
        .command()
        .args(["api-key", "revoke", id])
        .output()
        .expect("run chairside api-key revoke");
    assert!(revoked.status.success(), "{revoked:?}");
    token
}

/// A well-formed key nobody issued.
const UNKNOWN_KEY: &str =
    "chs_0123456789ab_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

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
    let revoked = revoked_key(&app.db);
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

/// One key of each role scoped to `clinic`.
fn keys_for(db: &TestDb, clinic: i64) -> Vec<(Role, String)> {
    ROLES
        .iter()
        .map(|role| (*role, db.create_key(role.as_str(), Some(clinic))))
        .collect()
}

fn key_of(keys: &[(Role, String)], role: Role) -> &str {
    &keys.iter().find(|(r, _)| *r == role).expect("a key").1
}

/// Every role the policy table refuses on a route gets 403; every role it
/// allows gets through with a key of the clinic in the path, and 403 with a
/// key of another clinic.
fn every_route_keeps_the_role_policy_and_clinic_scope(app: &App) {
    let (_clinic, ids) = clinic_and_ids(app);
    let other = app.clinic_with("Other Clinic", weekday_hours(), 1);
    let here = keys_for(&app.db, ids.clinic);
    let elsewhere = keys_for(&app.db, other.id);
    let mut breaches = Breaches::default();

    for (method, pattern, allowed) in ROUTES {
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
    let scoped_admin = app.db.create_key("admin", Some(clinic.id));
    let body = json!({"name": "Elsewhere", "time_zone": ZONE_NAME, "hours": weekday_hours()});
    app.post(&scoped_admin, "/v1/clinics", &body).problem(403);
    app.post(&app.admin, "/v1/clinics", &body).expect(201);
}
on_every_backend!(a_scoped_admin_key_cannot_create_clinics);

fn metrics_need_a_key_only_when_configured_private(app: &App) {
    let clinic = app.clinic();
    let public = app.call("GET", "/metrics").send();
    assert_eq!(public.status, 200, "{public:?}");

    let private = Server::start_with(&app.db, &[("CHAIRSIDE_PRIVATE_METRICS", "true")]);
    let missing = private.call("GET", "/metrics").send();
    missing.problem(401);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    private
        .call("GET", "/metrics")
        .key(UNKNOWN_KEY)
        .send()
        .problem(401);
    for (role, key) in keys_for(&app.db, clinic.id) {
        let reply = private.call("GET", "/metrics").key(&key).send();
        assert_eq!(reply.status, 200, "as {}: {reply:?}", role.as_str());
        assert!(reply.text.contains("chairside_http_requests"), "{reply:?}");
    }
    // Health and readiness stay public for the orchestrator.
    private.call("GET", "/healthz").send().expect(200);
    private.call("GET", "/readyz").send().expect(200);
}
on_every_backend!(metrics_need_a_key_only_when_configured_private);

/// One `api_keys` row, every column as text.
#[derive(Debug, diesel::QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    clinic_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    prefix: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    secret_hash: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    role: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    label: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    created_at: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    revoked_at: String,
}

impl KeyRow {
    fn cells(&self) -> [&str; 8] {
        [
            &self.id,
            &self.clinic_id,
            &self.prefix,
            &self.secret_hash,
            &self.role,
            &self.label,
            &self.created_at,
            &self.revoked_at,
        ]
    }
}

fn key_rows(store: &chairside_store::Store) -> Vec<KeyRow> {
    use diesel::RunQueryDsl;
    let text = |column: &str| format!("COALESCE(CAST({column} AS TEXT), '') AS {column}");
    let columns = [
        "id",
        "clinic_id",
        "prefix",
        "secret_hash",
        "role",
        "label",
        "created_at",
        "revoked_at",
    ];
    let sql = format!(
        "SELECT {} FROM api_keys ORDER BY id",
        columns.map(text).join(", ")
    );
    store
        .read(|conn| {
            diesel::sql_query(sql)
                .load::<KeyRow>(conn)
                .map_err(chairside_store::StoreError::from)
        })
        .expect("read the api_keys table")
}

/// The part of a `chs_<prefix>_<secret>` token that is the secret.
fn secret_part(token: &str) -> &str {
    token.rsplit('_').next().expect("a token")
}

fn api_keys_are_stored_only_as_hashes(app: &App) {
    let clinic = app.clinic();
    let mut tokens = vec![app.admin.clone(), clinic.front_desk.clone()];
    tokens.extend(keys_for(&app.db, clinic.id).into_iter().map(|(_, key)| key));
    tokens.push(app.db.create_key("admin", None));
    for token in &tokens {
        // Real, working keys.
        app.get(token, "/v1/clinics").expect(200);
        assert!(secret_part(token).len() >= 32, "{token}");
    }

    let rows = key_rows(&app.db.store());
    assert!(rows.len() >= tokens.len(), "{rows:#?}");
    for token in &tokens {
        for row in &rows {
            assert_ne!(row.secret_hash, *token, "{row:?}");
            for cell in row.cells() {
                assert!(
                    !cell.contains(secret_part(token)),
                    "the clear key is stored: {row:?}"
                );
            }
        }
    }

    // Nowhere in the SQLite files either (audit trail, WAL, free pages).
    let data = app.db.scratch.join("data");
    if data.is_dir() {
        for file in std::fs::read_dir(&data).unwrap().flatten() {
            let bytes = std::fs::read(file.path()).unwrap();
            for token in &tokens {
                let secret = secret_part(token).as_bytes();
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret),
                    "a clear key is in {}",
                    file.path().display()
                );
            }
        }
    }

    // Listing keys shows no secret.
    for clinic_arg in [None, Some(clinic.id.to_string())] {
        let mut command = app.db.command();
        command.args(["api-key", "list"]);
        if let Some(id) = &clinic_arg {
            command.args(["--clinic", id]);
        }
        let listed = command.output().expect("run chairside api-key list");
        assert!(listed.status.success(), "{listed:?}");
        let text = String::from_utf8_lossy(&listed.stdout);
        assert!(!text.trim().is_empty(), "api-key list showed nothing");
        for token in &tokens {
            assert!(!text.contains(secret_part(token)), "{text}");
        }
    }
}
on_every_backend!(api_keys_are_stored_only_as_hashes);

fn secrets_and_patient_names_stay_out_of_the_log(app: &App) {
    const NAME: &str = "Zebulon Quixote-Farnsworth";
    const EXTERNAL_REF: &str = "MRN-ZQ-4471-XK";
    let clinic = app.clinic();
    let integration = app.db.create_key("integration", Some(clinic.id));
    let receiver = Receiver::start(Duration::ZERO);

    let subscription = app
        .post(
            &integration,
            &clinic.path("/webhooks"),
            &json!({"url": receiver.url, "event_types": ["*"], "include_patient_names": true}),
        )
        .expect(201);
    let first_secret = subscription["secret"]
        .as_str()
        .expect("a secret")
        .to_string();
    let webhook = clinic.path(&format!("/webhooks/{}", subscription["id"]));

    let patient = app
        .post(
            &clinic.front_desk,
            &clinic.path("/patients"),
            &json!({
                "external_ref": EXTERNAL_REF,
                "display_name": NAME,
                "intake_assessed_on": (today() - chrono::Duration::days(7)).to_string(),
                "consent_on_file": true,
                "escort_confirmed": true,
            }),
        )
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    app.book_induction(&clinic, patient);
    let found = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/patients?external_ref={EXTERNAL_REF}")),
        )
        .expect(200);
    assert_eq!(found["items"][0]["display_name"], NAME, "{found}");

    let feed = app
        .call(
            "POST",
            &clinic.path(&format!("/patients/{patient}/calendar-token")),
        )
        .key(&clinic.front_desk)
        .send()
        .expect(201);
    let feed_token = feed["token"].as_str().expect("a feed token").to_string();
    let url = feed["url"].as_str().unwrap();
    assert_eq!(app.call("GET", url).send().status, 200);

    // Failing requests: a wrong secret behind a real prefix, a key in the
    // wrong scheme, a key of the wrong role.
    let prefix = app.admin.rsplit_once('_').unwrap().0;
    let wrong = format!("{prefix}_{}", "5".repeat(64));
    app.get(&wrong, "/v1/clinics").problem(401);
    app.call("GET", "/v1/clinics")
        .header("Authorization", &format!("Basic {integration}"))
        .send()
        .problem(401);
    app.get(&integration, &clinic.path("/patients"))
        .problem(403);

    // Rotating gives a second secret; both sign for a while.
    let etag = app.get(&integration, &webhook).etag();
    let rotated = app
        .call("POST", &format!("{webhook}/rotate-secret"))
        .key(&integration)
        .if_match(&etag)
        .json(&json!({}))
        .send()
        .expect(200);
    let second_secret = rotated["secret"]
        .as_str()
        .expect("a new secret")
        .to_string();
    assert_ne!(first_secret, second_secret);

    // Let the worker sign and send some deliveries (names included).
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.received().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let delivered = receiver.received();
    assert!(!delivered.is_empty(), "no delivery within 20 s");
    assert!(
        delivered.iter().any(|d| d.body.to_string().contains(NAME)),
        "the subscription asked for names: {:?}",
        delivered.first()
    );

    let log = app.server.log_text();
    assert!(log.contains("request"), "the server logs requests: {log}");
    let secrets = [
        ("the admin key", secret_part(&app.admin)),
        ("the front desk key", secret_part(&clinic.front_desk)),
        ("the integration key", secret_part(&integration)),
        ("the wrong key", secret_part(&wrong)),
        ("the webhook secret", &first_secret),
        (
            "the webhook secret's key",
            first_secret.trim_start_matches("whsec_"),
        ),
        ("the rotated webhook secret", &second_secret),
        (
            "the rotated webhook secret's key",
            second_secret.trim_start_matches("whsec_"),
        ),
        ("the feed token", &feed_token),
        ("the patient's name", NAME),
        ("the patient's surname", "Quixote"),
        ("the patient's external ref", EXTERNAL_REF),
    ];
    for (what, secret) in secrets {
        assert!(
            !log.contains(secret),
            "{what} ({secret}) is in the server log:\n{log}"
        );
    }
}
on_every_backend!(secrets_and_patient_names_stay_out_of_the_log);
