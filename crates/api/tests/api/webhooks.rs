//! Durable webhook delivery end to end against a local receiver: signed per
//! Standard Webhooks (verified with the reference library), only 2xx counts,
//! retries with backoff, Retry-After, 410 disables, redirects not followed,
//! events of a course in order, nothing sent twice.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chairside_api::auth::Caller;
use chairside_api::dto::webhook::CreateSubscription;
use chairside_api::service::webhooks;
use chairside_api::webhooks::delivery::{agent, DeliveryConfig};
use chairside_api::workers::webhooks::round;
use chairside_store::models::{DeliveryStatus, PageRequest};
use chairside_store::repo;
use chairside_testkit::TestStore;

use crate::fixtures;

/// One request the receiver got.
struct Received {
    headers: http::HeaderMap,
    body: Vec<u8>,
}

/// A local HTTP receiver answering with scripted responses (then 200).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

fn receiver(script: Vec<&'static str>) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(VecDeque::from(script)));
    let (got2, script2) = (got.clone(), script.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = http::HeaderMap::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let trimmed = line.trim_end();
                if trimmed.is_empty() {
                    break;
                }
                let (name, value) = trimmed.split_once(':').unwrap();
                headers.insert(
                    http::HeaderName::from_bytes(name.trim().to_ascii_lowercase().as_bytes())
                        .unwrap(),
                    value.trim().parse().unwrap(),
                );
            }
            let length: usize = headers
                .get("content-length")
                .map_or(0, |v| v.to_str().unwrap().parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            got2.lock().unwrap().push(Received { headers, body });
            let status = script2.lock().unwrap().pop_front().unwrap_or("200 OK");
            let extra = if status.starts_with("302") {
                "Location: http://127.0.0.1:9/elsewhere\r\n"
            } else if status.starts_with("503") {
                "Retry-After: 120\r\n"
            } else {
                ""
            };
            write!(
                stream,
                "HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
        }
    });
    Receiver { url, got }
}

fn fast() -> DeliveryConfig {
    DeliveryConfig {
        timeout: Duration::from_secs(5),
        retry_scale: 0.0,
    }
}

fn subscribe(store: &chairside_store::Store, url: &str) -> (i64, String) {
    let caller = Caller::system("test");
    let created = store
        .write(|conn| {
            webhooks::create(
                conn,
                &caller,
                1,
                &CreateSubscription {
                    url: url.to_string(),
                    event_types: vec!["*".into()],
                    include_patient_names: false,
                },
            )
        })
        .unwrap();
    (created.subscription.id, created.secret)
}

#[test]
fn every_delivery_verifies_with_a_standard_webhooks_library_and_arrives_in_course_order() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let hooks = receiver(vec![]);
    fixtures::booked_course(store, serde_json::json!({}));
    let (_, secret) = subscribe(store, &hooks.url);
    let (agent, config) = (agent(&fast()), fast());
    for _ in 0..20 {
        if round(store, &agent, &config).unwrap() == 0 {
            break;
        }
    }
    let got = hooks.got.lock().unwrap();
    // course.booked and six session.booked events, one course, in order.
    assert_eq!(got.len(), 7);
    let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
    let mut types = Vec::new();
    for request in got.iter() {
        verifier
            .verify(&request.body, &request.headers)
            .expect("signature verifies");
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert!(body["timestamp"].is_string() && body["data"].is_object());
        assert!(
            !String::from_utf8_lossy(&request.body).contains("A. Patient"),
            "no patient names by default"
        );
        types.push(body["type"].as_str().unwrap().to_string());
    }
    assert_eq!(types[0], "course.booked");
    assert!(types[1..].iter().all(|t| t == "session.booked"));
    let ids: std::collections::HashSet<_> = got
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(ids.len(), 7, "one webhook-id per event, each sent once");
}

#[test]
fn failures_are_retried_until_a_2xx_with_the_same_webhook_id() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let hooks = receiver(vec![
        "500 Internal Server Error",
        "302 Found",
        "503 Service Unavailable",
    ]);
    fixtures::booked_course(store, serde_json::json!({}));
    let (id, _) = subscribe(store, &hooks.url);
    let (agent, config) = (agent(&fast()), fast());
    round(store, &agent, &config).unwrap();
    round(store, &agent, &config).unwrap();
    round(store, &agent, &config).unwrap();
    // The third answer was 503 with Retry-After: 120: the next attempt waits.
    let first = store
        .read(|conn| {
            repo::webhooks::deliveries(
                conn,
                1,
                id,
                PageRequest {
                    after_id: None,
                    limit: 50,
                },
            )
        })
        .unwrap()
        .items[0]
        .clone();
    assert_eq!(first.status, DeliveryStatus::Pending);
    assert_eq!(first.attempts, 3);
    let wait = first.next_attempt_at.unwrap() - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(100),
        "Retry-After honoured: {wait}"
    );
    let got = hooks.got.lock().unwrap();
    assert_eq!(
        got.len(),
        3,
        "later events of the course wait for the first: {}",
        got.len()
    );
    assert!(got
        .iter()
        .all(|r| r.headers["webhook-id"] == got[0].headers["webhook-id"]));
    let log = store
        .read(|conn| repo::webhooks::attempts(conn, 1, first.id))
        .unwrap();
    let codes: Vec<_> = log.iter().map(|a| a.status_code).collect();
    assert_eq!(
        codes,
        [Some(500), Some(302), Some(503)],
        "a redirect is not followed and not success"
    );
}

#[test]
fn gone_disables_the_subscription() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let hooks = receiver(vec!["410 Gone"]);
    fixtures::booked_course(store, serde_json::json!({}));
    let (id, _) = subscribe(store, &hooks.url);
    let (agent, config) = (agent(&fast()), fast());
    round(store, &agent, &config).unwrap();
    round(store, &agent, &config).unwrap();
    let subscription = store.read(|conn| repo::webhooks::get(conn, 1, id)).unwrap();
    assert!(!subscription.enabled);
    assert!(subscription.disabled_reason.unwrap().contains("410"));
    assert_eq!(
        hooks.got.lock().unwrap().len(),
        1,
        "nothing more is sent to a disabled endpoint"
    );
}

#[test]
fn a_crash_in_the_middle_of_delivery_loses_nothing() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let hooks = receiver(vec![]);
    fixtures::booked_course(store, serde_json::json!({}));
    let (id, _) = subscribe(store, &hooks.url);
    // A worker fans out and claims the first delivery, then dies before
    // sending it (its lease is all that is left of it).
    store
        .write(|conn| repo::webhooks::fan_out(conn, 100))
        .unwrap();
    let claimed = store
        .write(|conn| {
            repo::webhooks::claim_due(conn, chrono::Utc::now(), 10, chrono::Duration::seconds(1))
        })
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // Another process (or the same after a restart) takes over once the lease ends.
    std::thread::sleep(Duration::from_millis(2100));
    let (agent, config) = (agent(&fast()), fast());
    for _ in 0..20 {
        if round(store, &agent, &config).unwrap() == 0 {
            break;
        }
    }
    let got = hooks.got.lock().unwrap();
    assert_eq!(got.len(), 7, "every event arrives");
    assert_eq!(
        got[0].headers["webhook-id"].to_str().unwrap(),
        claimed[0].event_id,
        "the claimed one first, same id"
    );
    let page = store
        .read(|conn| {
            repo::webhooks::deliveries(
                conn,
                1,
                id,
                PageRequest {
                    after_id: None,
                    limit: 50,
                },
            )
        })
        .unwrap();
    assert!(page
        .items
        .iter()
        .all(|d| d.status == DeliveryStatus::Delivered));
}

#[test]
fn a_500_then_a_200_delivers_with_the_same_webhook_id() {
    let test = TestStore::sqlite();
    let store = &test.store;
    let hooks = receiver(vec!["500 Internal Server Error"]);
    fixtures::booked_course(store, serde_json::json!({}));
    let (id, secret) = subscribe(store, &hooks.url);
    let (agent, config) = (agent(&fast()), fast());
    for _ in 0..20 {
        if round(store, &agent, &config).unwrap() == 0 {
            break;
        }
    }
    let first = store
        .read(|conn| {
            repo::webhooks::deliveries(
                conn,
                1,
                id,
                PageRequest {
                    after_id: None,
                    limit: 50,
                },
            )
        })
        .unwrap()
        .items[0]
        .clone();
    assert_eq!(first.status, DeliveryStatus::Delivered);
    assert_eq!(first.attempts, 2);
    let got = hooks.got.lock().unwrap();
    assert_eq!(
        got[0].headers["webhook-id"], got[1].headers["webhook-id"],
        "the retry carries the same id"
    );
    let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
    verifier
        .verify(&got[1].body, &got[1].headers)
        .expect("the retry is signed afresh and verifies");
    let codes: Vec<_> = store
        .read(|conn| repo::webhooks::attempts(conn, 1, first.id))
        .unwrap()
        .iter()
        .map(|a| a.status_code)
        .collect();
    assert_eq!(codes, [Some(500), Some(200)]);
}
