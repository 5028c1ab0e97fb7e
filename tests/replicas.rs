//! Three server processes on one PostgreSQL database, each running its
//! webhook worker, under front-desk traffic on all three: courses for
//! different patients competing for two chairs, sessions moved and
//! cancelled with `If-Match`. Nothing is double booked, every
//! acknowledged change is what the database holds, and every event reaches
//! the endpoint exactly once (it always answers 200), one delivery of a
//! course at a time, in the course's outbox order. SQLite serves one
//! process only (docs/storage.md), so there the same traffic goes to one
//! server.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::webhooks::{outbox, Receiver};
use crate::support::*;

/// Front desks, spread over the servers in turn.
const DESKS: usize = 6;
/// Patients each desk books (then moves and cancels sessions of).
const PATIENTS_PER_DESK: usize = 4;
/// Each delivery is held this long by the endpoint, so that two deliveries
/// in flight at once would overlap visibly.
const HOLD: Duration = Duration::from_millis(20);
/// Every event delivered within this long after the traffic ends.
const DELIVERED_WITHIN: Duration = Duration::from_secs(40);

/// One desk's view of the traffic it sent.
#[derive(Default)]
struct Desk {
    /// `METHOD route -> status`, counted.
    outcomes: BTreeMap<String, usize>,
    /// Replies that no front desk should ever get (5xx, or an undocumented
    /// status for the action).
    unexpected: Vec<String>,
    /// For each session this desk changed or booked: its state in the last
    /// acknowledged reply (`[start, end, chair_id, status]`).
    acknowledged: HashMap<i64, Value>,
}

impl Desk {
    fn note(&mut self, what: &str, reply: &Reply, allowed: &[u16]) {
        *self
            .outcomes
            .entry(format!("{what} {}", reply.status))
            .or_default() += 1;
        if !allowed.contains(&reply.status) {
            self.unexpected.push(format!("{what}: {reply:?}"));
        } else if reply.status >= 400 {
            reply.problem(reply.status);
        }
    }

    fn remember(&mut self, session: &Value) {
        self.acknowledged.insert(id(session), state(session));
    }
}

fn state(session: &Value) -> Value {
    json!([
        session["start"],
        session["end"],
        session["chair_id"],
        session["status"]
    ])
}

/// A session action with the session's current ETag, on this server.
fn act(server: &Server, clinic: &Clinic, session: i64, action: &str, body: &Value) -> Reply {
    let path = clinic.path(&format!("/sessions/{session}"));
    let current = server.call("GET", &path).key(&clinic.front_desk).send();
    assert_eq!(current.status, 200, "{current:?}");
    server
        .call("POST", &format!("{path}/{action}"))
        .key(&clinic.front_desk)
        .if_match(&current.etag())
        .json(body)
        .send()
}

/// One front desk: for each of its patients, registers them, books an
/// induction, moves the second infusion to 08:00 that day (every desk wants
/// 08:00 on the same few days: they compete for the two chairs), moves the
/// fourth to the next best day, and cancels the last.
fn front_desk(server: &Server, clinic: &Clinic, protocol: i64, desk: usize) -> Desk {
    let mut seen = Desk::default();
    for n in 0..PATIENTS_PER_DESK {
        let patient = server
            .call("POST", &clinic.path("/patients"))
            .key(&clinic.front_desk)
            .json(&json!({
                "external_ref": format!("DESK{desk}-{n}"),
                "display_name": format!("Patient {desk}-{n}"),
                "intake_assessed_on": (today() - chrono::Duration::days(7)).to_string(),
                "consent_on_file": true,
                "escort_confirmed": true,
            }))
            .send();
        seen.note("register", &patient, &[201]);
        let Some(patient) = patient.json()["id"].as_i64() else {
            continue;
        };
        let course = server
            .call("POST", &clinic.path("/courses"))
            .key(&clinic.front_desk)
            .json(&json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()}))
            .send();
        seen.note("book", &course, &[201, 409, 422]);
        if course.status != 201 {
            continue;
        }
        let course = course.json();
        let sessions: Vec<Value> = with_status(&course, &["booked"])
            .into_iter()
            .cloned()
            .collect();
        for session in &sessions {
            seen.remember(session);
        }

        let second = &sessions[1];
        let moved = act(
            server,
            clinic,
            id(second),
            "reschedule",
            &json!({
                "to": {"local_start": format!("{}T08:00:00", local_date(second))},
                "reason": "the patient asked for the first slot",
            }),
        );
        seen.note("reschedule to 08:00", &moved, &[200, 409, 412, 422]);
        if moved.status == 200 {
            seen.remember(&moved.json()["session"]);
        }

        let fourth = &sessions[3];
        let moved = act(
            server,
            clinic,
            id(fourth),
            "reschedule",
            &json!({"next_best": {}, "reason": "the driver is away"}),
        );
        seen.note("reschedule next best", &moved, &[200, 409, 412, 422]);
        if moved.status == 200 {
            seen.remember(&moved.json()["session"]);
        }

        let last = &sessions[5];
        let cancelled = act(
            server,
            clinic,
            id(last),
            "cancel",
            &json!({"scope": "this", "reason": "the patient is travelling"}),
        );
        seen.note("cancel", &cancelled, &[200, 409, 412]);
        if cancelled.status == 200 {
            let reply = cancelled.json();
            seen.remember(&reply["session"]);
            for booked in reply["booked"].as_array().into_iter().flatten() {
                seen.remember(booked);
            }
        }
    }
    seen
}

fn front_desks_on_every_replica(app: &App) {
    let clinic = app.clinic_with("Harbour Infusion Clinic", weekday_hours(), 2);
    let hooks = Receiver::start(HOLD);
    app.subscribe(&clinic, &hooks.url);
    let protocol = app.protocol_id(&clinic, "iv-ketamine-standard");
    let servers = app.servers();
    let desks: Vec<Desk> = std::thread::scope(|scope| {
        let desks: Vec<_> = (0..DESKS)
            .map(|desk| {
                let server = servers[desk % servers.len()];
                let clinic = &clinic;
                scope.spawn(move || front_desk(server, clinic, protocol, desk))
            })
            .collect();
        desks
            .into_iter()
            .map(|d| d.join().expect("a front desk"))
            .collect()
    });
    let traffic_ended = Instant::now();

    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for desk in &desks {
        for (outcome, n) in &desk.outcomes {
            *outcomes.entry(outcome.clone()).or_default() += n;
        }
    }
    eprintln!("{} servers: {outcomes:?}", servers.len());
    let unexpected: Vec<&String> = desks.iter().flat_map(|d| &d.unexpected).collect();
    assert!(unexpected.is_empty(), "unexpected replies: {unexpected:#?}");
    assert!(
        outcomes.get("book 201").is_some_and(|&n| n > 1),
        "hardly anything was booked: {outcomes:?}"
    );

    // No double booking, and every acknowledged change is what is stored.
    let store = app.db.store();
    assert_eq!(
        overlapping_live_pairs(&store),
        0,
        "the database holds overlapping live sessions"
    );
    for desk in &desks {
        for (session, acknowledged) in &desk.acknowledged {
            let stored = app
                .get(
                    &clinic.front_desk,
                    &clinic.path(&format!("/sessions/{session}")),
                )
                .expect(200);
            assert_eq!(
                &state(&stored),
                acknowledged,
                "session {session} as last acknowledged and as stored"
            );
        }
    }

    // Every event delivered, exactly once, a course's one at a time and in
    // its outbox order.
    let events = outbox(&store);
    let ids: HashSet<String> = events.iter().map(|e| e.event_id.clone()).collect();
    let missing = hooks.wait_for(&ids, traffic_ended + DELIVERED_WITHIN);
    assert!(
        missing.is_empty(),
        "{} of {} events never reached the endpoint: {missing:?}",
        missing.len(),
        ids.len()
    );
    // Let a duplicate that is on its way arrive before counting.
    std::thread::sleep(Duration::from_millis(500));
    let events = outbox(&store);
    let mut received = hooks.received();
    received.sort_by_key(|r| r.started);
    let mut times: HashMap<&str, usize> = HashMap::new();
    for delivery in &received {
        *times.entry(delivery.webhook_id.as_str()).or_default() += 1;
    }
    let repeated: Vec<(&&str, &usize)> = times.iter().filter(|(_, &n)| n > 1).collect();
    assert!(
        repeated.is_empty(),
        "events delivered more than once although every attempt got 200: {repeated:?}"
    );
    let course_of: HashMap<&str, i64> = events
        .iter()
        .map(|e| (e.event_id.as_str(), e.aggregate_id))
        .collect();
    let mut by_course: BTreeMap<i64, Vec<&crate::support::webhooks::Received>> = BTreeMap::new();
    for delivery in &received {
        let course = course_of
            .get(delivery.webhook_id.as_str())
            .unwrap_or_else(|| panic!("a webhook-id the outbox does not know: {delivery:?}"));
        by_course.entry(*course).or_default().push(delivery);
    }
    for (course, deliveries) in &by_course {
        let arrived: Vec<&str> = deliveries.iter().map(|d| d.webhook_id.as_str()).collect();
        let written: Vec<&str> = events
            .iter()
            .filter(|e| e.aggregate_id == *course)
            .map(|e| e.event_id.as_str())
            .collect();
        assert_eq!(arrived, written, "course {course}: arrival vs outbox order");
        for pair in deliveries.windows(2) {
            assert!(
                pair[1].started >= pair[0].finished,
                "course {course}: {} sent before {} was answered",
                pair[1].webhook_id,
                pair[0].webhook_id
            );
        }
    }
    eprintln!(
        "{} events of {} courses, each delivered once, in order",
        received.len(),
        by_course.len()
    );
}

mod front_desks_on_every_replica_book_no_chair_twice_and_each_event_arrives_once_in_order {
    use crate::support::webhooks::QUICK_DELIVERY;
    use crate::support::{App, TestDb};

    #[test]
    fn sqlite_one_server() {
        super::front_desks_on_every_replica(&App::replicated_with(
            TestDb::sqlite(),
            1,
            QUICK_DELIVERY,
        ));
    }

    #[test]
    fn postgres_three_servers() {
        match TestDb::postgres() {
            Some(db) => {
                super::front_desks_on_every_replica(&App::replicated_with(db, 3, QUICK_DELIVERY))
            }
            None => {
                eprintln!("TEST_DATABASE_URL not set: three servers over PostgreSQL are skipped")
            }
        }
    }
}
