//! Webhooks seen from the receiving end: a local endpoint that records
//! every delivery it gets. (The outbox they come from: [`crate::queries`].)

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{App, Clinic};

/// Server settings for tests that watch deliveries: the worker looks for
/// work every 50 ms, a request times out after 1 s (so the lease of a
/// delivery a crashed worker held, 3 × timeout + 30 s, ends 33 s after it
/// was claimed), and retries wait a thousandth of the production schedule.
pub const QUICK_DELIVERY: &[(&str, &str)] = &[
    ("CHAIRSIDE_WEBHOOK_POLL_MS", "50"),
    ("CHAIRSIDE_WEBHOOK_TIMEOUT_SECONDS", "1"),
    ("CHAIRSIDE_WEBHOOK_RETRY_SCALE", "0.001"),
];

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    /// The `webhook-id` header: the outbox event id, the same on retries.
    pub webhook_id: String,
    /// The body, parsed.
    pub body: Value,
    /// When the request began to arrive, and when the answer was sent.
    pub started: Instant,
    pub finished: Instant,
}

/// A webhook endpoint on a local port that answers `200 OK` to everything,
/// after holding each request for `hold` (so that two deliveries of one
/// event in flight at once would overlap in time, visibly). Each
/// connection is served by a thread of its own. Stops when dropped.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    address: std::net::SocketAddr,
}

impl Receiver {
    pub fn start(hold: Duration) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the webhook receiver");
        let address = listener.local_addr().expect("the receiver's address");
        let got = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (got2, stop2) = (got.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let got = got2.clone();
                std::thread::spawn(move || {
                    if let Some(received) = serve_one(stream, hold) {
                        got.lock().unwrap().push(received);
                    }
                });
            }
        });
        Receiver {
            url: format!("http://{address}/hooks"),
            got,
            stop,
            address,
        }
    }

    /// Every delivery so far, in the order they were answered.
    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until every id in `ids` has arrived at least once, or the
    /// deadline passes; returns the ids still missing.
    pub fn wait_for(&self, ids: &HashSet<String>, deadline: Instant) -> HashSet<String> {
        loop {
            let seen: HashSet<String> = self.received().into_iter().map(|r| r.webhook_id).collect();
            let missing: HashSet<String> = ids.difference(&seen).cloned().collect();
            if missing.is_empty() || Instant::now() >= deadline {
                return missing;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
    }
}

/// Reads one request, holds it, answers 200 and closes the connection.
/// `None` for a connection that sent no complete request.
fn serve_one(mut stream: TcpStream, hold: Duration) -> Option<Received> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let started = Instant::now();
    if line.trim().is_empty() {
        return None;
    }
    let mut headers = HashMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    std::thread::sleep(hold);
    let finished = Instant::now();
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .ok()?;
    Some(Received {
        webhook_id: headers.get("webhook-id").cloned().unwrap_or_default(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        started,
        finished,
    })
}

impl App {
    /// Subscribes `url` to every event of the clinic; returns the subscription.
    pub fn subscribe(&self, clinic: &Clinic, url: &str) -> Value {
        self.post(
            &self.admin,
            &clinic.path("/webhooks"),
            &json!({"url": url, "event_types": ["*"]}),
        )
        .expect(201)
    }
}
