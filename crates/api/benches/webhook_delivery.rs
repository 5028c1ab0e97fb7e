//! Events per second one webhook worker delivers to a local receiver.
//!
//! `cargo bench -p chairside-api --bench webhook_delivery` (SQLite; set
//! `BENCH_DATABASE_URL=postgres://…` for PostgreSQL, a scratch database
//! whose tables this bench fills). Bounded: 2,000 events by default
//! (`BENCH_EVENTS`), to 127.0.0.1 only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Instant;

use chairside_api::webhooks::delivery::{agent, DeliveryConfig};
use chairside_api::workers::webhooks::round;
use chairside_store::models::{NewClinic, NewOutboxEvent, NewWebhookSubscription};
use chairside_store::{repo, Store, StoreConfig};

/// A receiver answering 200 to everything, keeping connections alive.
fn receiver() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        line.clear();
                        reader.read_line(&mut line).unwrap();
                        if line.trim_end().is_empty() {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                        .unwrap();
                }
            });
        }
    });
    url
}

fn main() {
    let events: i64 = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = std::env::temp_dir().join(format!("chairside-bench-webhooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (url, backend) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => (url, "postgresql"),
        Err(_) => (dir.join("db.sqlite").display().to_string(), "sqlite"),
    };
    let store = Store::open(&StoreConfig::new(url)).unwrap();
    store.run_migrations().unwrap();
    let clinic = subscribed_clinic(&store, receiver());
    append_events(&store, clinic, events);
    let config = DeliveryConfig::default();
    let agent = agent(&config);
    let started = Instant::now();
    let mut sent = 0;
    while sent < events as usize {
        sent += round(&store, &agent, &config).unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "webhook_delivery/{backend}: {sent} events in {:.2} s = {:.0} events/s (one worker, local receiver)",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A clinic whose one subscription takes every event, at `target`.
fn subscribed_clinic(store: &Store, target: String) -> i64 {
    store
        .write(|conn| {
            let clinic = repo::clinics::create(
                conn,
                &NewClinic {
                    name: "Bench".into(),
                    time_zone: chrono_tz::UTC,
                    opening_hours: Default::default(),
                    settings: Default::default(),
                },
            )?;
            repo::webhooks::create(
                conn,
                clinic.id,
                &NewWebhookSubscription {
                    url: target,
                    event_types: vec!["*".into()],
                    secret: chairside_api::webhooks::signing::new_secret(),
                    include_patient_names: false,
                },
            )?;
            Ok::<_, chairside_store::StoreError>(clinic.id)
        })
        .unwrap()
}

/// Events of 50 courses, interleaved, as a busy clinic's day writes them
/// (deliveries of one course keep their order, so the interleaving is what
/// lets one worker send many at once).
fn append_events(store: &Store, clinic_id: i64, events: i64) {
    store
        .write(|conn| {
            for i in 0..events {
                repo::outbox::append(
                    conn,
                    &NewOutboxEvent {
                        clinic_id,
                        event_type: "session.booked".into(),
                        aggregate_id: i % 50,
                        payload: serde_json::json!({"session_id": i, "course_id": i % 50, "status": "booked"}),
                    },
                )?;
            }
            Ok::<_, chairside_store::StoreError>(())
        })
        .unwrap();
}
