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

use chairside_testkit::queries::OutboxRow;

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

    /// A reschedule's reply: noted, and the moved session remembered if it
    /// went through.
    fn note_move(&mut self, what: &str, moved: &Reply) {
        self.note(what, moved, &[200, 409, 412, 422]);
        if moved.status == 200 {
            self.remember(&moved.json()["session"]);
        }
    }

    /// A cancellation's reply: noted, and if it went through the cancelled
    /// session and any booked to replace it remembered.
    fn note_cancel(&mut self, cancelled: &Reply) {
        self.note("cancel", cancelled, &[200, 409, 412]);
        if cancelled.status == 200 {
            let reply = cancelled.json();
            self.remember(&reply["session"]);
            for booked in reply["booked"].as_array().into_iter().flatten() {
                self.remember(booked);
            }
        }
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
        let Some(patient) = register(&mut seen, server, clinic, desk, n) else {
            continue;
        };
        let Some(sessions) = book(&mut seen, server, clinic, protocol, patient) else {
            continue;
        };
        let second = &sessions[1];
        let to_eight = json!({
            "to": {"local_start": format!("{}T08:00:00", local_date(second))},
            "reason": "the patient asked for the first slot",
        });
        let moved = act(server, clinic, id(second), "reschedule", &to_eight);
        seen.note_move("reschedule to 08:00", &moved);
        let next_best = json!({"next_best": {}, "reason": "the driver is away"});
        let moved = act(server, clinic, id(&sessions[3]), "reschedule", &next_best);
        seen.note_move("reschedule next best", &moved);
        let cancel = json!({"scope": "this", "reason": "the patient is travelling"});
        let cancelled = act(server, clinic, id(&sessions[5]), "cancel", &cancel);
        seen.note_cancel(&cancelled);
    }
    seen
}

/// The desk's `n`th patient, registered on this server; `None` if refused.
fn register(
    seen: &mut Desk,
    server: &Server,
    clinic: &Clinic,
    desk: usize,
    n: usize,
) -> Option<i64> {
    let patient = server
        .call("POST", &clinic.path("/patients"))
        .key(&clinic.front_desk)
        .json(&ready_for_a_first_dose(
            &format!("DESK{desk}-{n}"),
            &format!("Patient {desk}-{n}"),
        ))
        .send();
    seen.note("register", &patient, &[201]);
    patient.json()["id"].as_i64()
}

/// An induction for the patient, booked on this server: its six sessions
/// (remembered as acknowledged), or `None` if refused.
fn book(
    seen: &mut Desk,
    server: &Server,
    clinic: &Clinic,
    protocol: i64,
    patient: i64,
) -> Option<Vec<Value>> {
    let course = server
        .call("POST", &clinic.path("/courses"))
        .key(&clinic.front_desk)
        .json(&json!({"patient_id": patient, "protocol_id": protocol, "earliest": next_monday().to_string()}))
        .send();
    seen.note("book", &course, &[201, 409, 422]);
    if course.status != 201 {
        return None;
    }
    let sessions: Vec<Value> = with_status(&course.json(), &["booked"])
        .into_iter()
        .cloned()
        .collect();
    for session in &sessions {
        seen.remember(session);
    }
    Some(sessions)
}

fn front_desks_on_every_replica(app: &App) {
    let clinic = app.clinic_with("Harbour Infusion Clinic", weekday_hours(), 2);
    let hooks = Receiver::start(HOLD);
    app.subscribe(&clinic, &hooks.url);
    let desks = run_desks(app, &clinic);
    let traffic_ended = Instant::now();
    assert_only_documented_replies(&desks, app.servers().len());
    assert_eq!(
        app.overlapping_live_pairs(),
        0,
        "the database holds overlapping live sessions"
    );
    assert_stored_as_last_acknowledged(app, &clinic, &desks);

    // Every event delivered, exactly once, a course's one at a time and in
    // its outbox order.
    let store = app.store();
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
    let mut received = hooks.received();
    received.sort_by_key(|r| r.started);
    assert_none_delivered_twice(&received);
    let courses = assert_each_course_in_outbox_order(&outbox(&store), &received);
    eprintln!(
        "{} events of {courses} courses, each delivered once, in order",
        received.len()
    );
}

/// The desks, each on its own thread and spread over the app's servers in
/// turn; what each of them saw.
fn run_desks(app: &App, clinic: &Clinic) -> Vec<Desk> {
    let protocol = app.protocol_id(clinic, "iv-ketamine-standard");
    let servers = app.servers();
    std::thread::scope(|scope| {
        let desks: Vec<_> = (0..DESKS)
            .map(|desk| {
                let server = servers[desk % servers.len()];
                scope.spawn(move || front_desk(server, clinic, protocol, desk))
            })
            .collect();
        desks
            .into_iter()
            .map(|d| d.join().expect("a front desk"))
            .collect()
    })
}

/// No desk got a reply the documentation does not promise, and more than
/// one course was booked (else the traffic proved little).
#[track_caller]
fn assert_only_documented_replies(desks: &[Desk], servers: usize) {
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for desk in desks {
        for (outcome, n) in &desk.outcomes {
            *outcomes.entry(outcome.clone()).or_default() += n;
        }
    }
    eprintln!("{servers} servers: {outcomes:?}");
    let unexpected: Vec<&String> = desks.iter().flat_map(|d| &d.unexpected).collect();
    assert!(unexpected.is_empty(), "unexpected replies: {unexpected:#?}");
    assert!(
        outcomes.get("book 201").is_some_and(|&n| n > 1),
        "hardly anything was booked: {outcomes:?}"
    );
}

/// Every session a desk booked or changed is stored as the last reply
/// acknowledging it said.
#[track_caller]
fn assert_stored_as_last_acknowledged(app: &App, clinic: &Clinic, desks: &[Desk]) {
    for desk in desks {
        for (session, acknowledged) in &desk.acknowledged {
            let (stored, _) = app.session(clinic, *session);
            assert_eq!(
                &state(&stored),
                acknowledged,
                "session {session} as last acknowledged and as stored"
            );
        }
    }
}

/// No `webhook-id` arrived twice: every attempt got a 200, so none needed
/// a retry.
#[track_caller]
fn assert_none_delivered_twice(received: &[Received]) {
    let mut times: HashMap<&str, usize> = HashMap::new();
    for delivery in received {
        *times.entry(delivery.webhook_id.as_str()).or_default() += 1;
    }
    let repeated: Vec<(&&str, &usize)> = times.iter().filter(|(_, &n)| n > 1).collect();
    assert!(
        repeated.is_empty(),
        "events delivered more than once although every attempt got 200: {repeated:?}"
    );
}

/// Each course's deliveries (sorted by when they started) arrived in the
/// order its events were written, one at a time: each sent only after the
/// one before was answered. Returns how many courses had deliveries.
#[track_caller]
fn assert_each_course_in_outbox_order(events: &[OutboxRow], received: &[Received]) -> usize {
    let course_of: HashMap<&str, i64> = events
        .iter()
        .map(|e| (e.event_id.as_str(), e.aggregate_id))
        .collect();
    let mut by_course: BTreeMap<i64, Vec<&Received>> = BTreeMap::new();
    for delivery in received {
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
    by_course.len()
}

mod front_desks_on_every_replica_book_no_chair_twice_and_each_event_arrives_once_in_order {
    use crate::support::{postgres_test, TestDb, CHAIRSIDE, QUICK_DELIVERY};

    #[test]
    fn sqlite_one_server() {
        super::front_desks_on_every_replica(&CHAIRSIDE.replicated_with(
            TestDb::sqlite(),
            1,
            QUICK_DELIVERY,
        ));
    }

    postgres_test! {
        fn postgres_three_servers() {
            let db = TestDb::postgres();
            super::front_desks_on_every_replica(&CHAIRSIDE.replicated_with(db, 3, QUICK_DELIVERY));
        }
    }
}
