//! What must never leak: API keys are kept only as hashes; neither keys,
//! webhook secrets, feed tokens nor patient names reach the log.

use std::time::{Duration, Instant};

use serde_json::json;

use super::*;
use crate::support::*;

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
    tokens.extend(keys_for(app, clinic.id).into_iter().map(|(_, key)| key));
    tokens.push(app.create_key("admin", None));
    for token in &tokens {
        // Real, working keys.
        app.get(token, "/v1/clinics").expect(200);
        assert!(secret_part(token).len() >= 32, "{token}");
    }

    let rows = key_rows(&app.store());
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
    if let Some(data) = app.db.sqlite_dir() {
        for file in std::fs::read_dir(data).unwrap().flatten() {
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
        let mut command = app.command();
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

/// A patient whose name and reference are unlikely to turn up in a log by
/// chance.
const NAME: &str = "Zebulon Quixote-Farnsworth";
const EXTERNAL_REF: &str = "MRN-ZQ-4471-XK";

fn secrets_and_patient_names_stay_out_of_the_log(app: &App) {
    let clinic = app.clinic();
    let integration = app.create_key("integration", Some(clinic.id));
    let receiver = Receiver::start(Duration::ZERO);
    let (webhook, first_secret) = subscribe_with_names(app, &clinic, &integration, &receiver);
    let patient = register_named_patient(app, &clinic);
    app.book_induction(&clinic, patient);
    let feed_token = read_own_feed(app, &clinic, patient);
    let wrong = fail_to_authenticate(app, &clinic, &integration);
    let second_secret = rotate_secret(app, &integration, &webhook);
    assert_ne!(first_secret, second_secret);
    wait_for_a_named_delivery(&receiver);

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

/// The integration subscribes the receiver to every event, patient names
/// included; returns the subscription's path and its signing secret.
fn subscribe_with_names(
    app: &App,
    clinic: &Clinic,
    integration: &str,
    receiver: &Receiver,
) -> (String, String) {
    let subscription = app
        .post(
            integration,
            &clinic.path("/webhooks"),
            &json!({"url": receiver.url, "event_types": ["*"], "include_patient_names": true}),
        )
        .expect(201);
    let secret = subscription["secret"]
        .as_str()
        .expect("a secret")
        .to_string();
    let webhook = clinic.path(&format!("/webhooks/{}", subscription["id"]));
    (webhook, secret)
}

/// Registers the patient called `NAME` and finds them again by their
/// reference; returns the patient.
fn register_named_patient(app: &App, clinic: &Clinic) -> i64 {
    let patient = app
        .post(
            &clinic.front_desk,
            &clinic.path("/patients"),
            &ready_for_a_first_dose(EXTERNAL_REF, NAME),
        )
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let found = app
        .get(
            &clinic.front_desk,
            &clinic.path(&format!("/patients?external_ref={EXTERNAL_REF}")),
        )
        .expect(200);
    assert_eq!(found["items"][0]["display_name"], NAME, "{found}");
    patient
}

/// Issues the patient's feed token and reads the feed with it; returns
/// the token.
fn read_own_feed(app: &App, clinic: &Clinic, patient: i64) -> String {
    let feed = app
        .call(
            "POST",
            &clinic.path(&format!("/patients/{patient}/calendar-token")),
        )
        .key(&clinic.front_desk)
        .send()
        .expect(201);
    let url = feed["url"].as_str().unwrap();
    assert_eq!(app.call("GET", url).send().status, 200);
    feed["token"].as_str().expect("a feed token").to_string()
}

/// Requests that fail: a wrong secret behind a real prefix, a key in the
/// wrong scheme, a key of the wrong role. Returns the wrong key.
fn fail_to_authenticate(app: &App, clinic: &Clinic, integration: &str) -> String {
    let prefix = app.admin.rsplit_once('_').unwrap().0;
    let wrong = format!("{prefix}_{}", "5".repeat(64));
    app.get(&wrong, "/v1/clinics").problem(401);
    app.call("GET", "/v1/clinics")
        .header("Authorization", &format!("Basic {integration}"))
        .send()
        .problem(401);
    app.get(integration, &clinic.path("/patients")).problem(403);
    wrong
}

/// Rotates the subscription's secret (both sign for a while); returns the
/// new one.
fn rotate_secret(app: &App, integration: &str, webhook: &str) -> String {
    let etag = app.get(integration, webhook).etag();
    let rotated = app
        .call("POST", &format!("{webhook}/rotate-secret"))
        .key(integration)
        .if_match(&etag)
        .json(&json!({}))
        .send()
        .expect(200);
    rotated["secret"]
        .as_str()
        .expect("a new secret")
        .to_string()
}

/// Lets the worker sign and send some deliveries, within 20 s; one of
/// them names the patient, as the subscription asked.
#[track_caller]
fn wait_for_a_named_delivery(receiver: &Receiver) {
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
}
