//! Durable webhook delivery: fan-out exactly once, leases that two workers
//! never share, per-course order, the append-only attempt log, replays.

mod attempts;
mod concurrency;
mod fan_out;

use chairside_store::models::{
    AttemptOutcome, Delivery, NewOutboxEvent, NewWebhookSubscription, Next, PageRequest,
    WebhookSubscription,
};
use chairside_store::repo::{outbox, webhooks};
use chairside_store::Store;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use chairside_testkit::fixtures::{at, book, planned, Fixture};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn subscribe(store: &Store, clinic_id: i64, types: &[&str]) -> WebhookSubscription {
    store
        .write(|c| {
            webhooks::create(
                c,
                clinic_id,
                &NewWebhookSubscription {
                    url: "http://127.0.0.1:9/hook".into(),
                    event_types: types.iter().map(|t| t.to_string()).collect(),
                    secret: SECRET.into(),
                    include_patient_names: false,
                },
            )
        })
        .expect("subscribe")
}

fn emit(store: &Store, clinic_id: i64, event_type: &str, aggregate_id: i64) -> String {
    store
        .write(|c| {
            outbox::append(
                c,
                &NewOutboxEvent {
                    clinic_id,
                    event_type: event_type.into(),
                    aggregate_id,
                    payload: json!({"course_id": aggregate_id, "kind": event_type}),
                },
            )
        })
        .expect("append event")
        .event_id
}

fn fan_out(store: &Store) -> usize {
    store
        .write(|c| webhooks::fan_out(c, 1000))
        .expect("fan out")
}

fn claim(store: &Store, now: DateTime<Utc>, limit: i64) -> Vec<Delivery> {
    store
        .write(|c| webhooks::claim_due(c, now, limit, Duration::seconds(60)))
        .expect("claim")
}

fn record(store: &Store, d: &Delivery, status_code: Option<i32>, next: Next) -> Delivery {
    store
        .write(|c| {
            webhooks::record_attempt(
                c,
                d,
                &AttemptOutcome {
                    status_code,
                    error: status_code
                        .filter(|s| !(200..300).contains(s))
                        .map(|s| format!("HTTP {s}")),
                    duration_ms: 12,
                },
                next,
            )
        })
        .expect("record attempt")
}

fn all_deliveries(store: &Store, clinic_id: i64, subscription_id: i64) -> Vec<Delivery> {
    let mut conn = store.connection().unwrap();
    webhooks::deliveries(
        &mut conn,
        clinic_id,
        subscription_id,
        PageRequest {
            after_id: None,
            limit: 500,
        },
    )
    .unwrap()
    .items
}

/// A course booked for patient `i` (one session), emitting `course.booked`.
fn course(store: &Store, fx: &Fixture, i: usize) -> (i64, String) {
    let booked = book(
        store,
        fx,
        fx.patient_ids[i],
        &[planned(fx.chair_ids[i], 1, at(i as i64, 9), 60)],
    )
    .expect("book");
    (booked.course.id, booked.event_id)
}
