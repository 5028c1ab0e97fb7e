//! Crashes under booking load, seen from the outside.
//!
//! Eight front desks book induction courses (a new patient each) as fast as
//! they can, a webhook endpoint subscribed, while the server is killed with
//! SIGKILL (SQLite, PostgreSQL) or a private PostgreSQL cluster stops
//! without a checkpoint. Afterwards every course a client was told about
//! (201) is there with all its sessions, nothing is double booked, every
//! course has its outbox events, and every event reaches the endpoint at
//! least once, with the same `webhook-id` and body on every try.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::cluster::Cluster;
use crate::support::http::Call;
use crate::support::webhooks::{course_ids, outbox, Receiver, QUICK_DELIVERY};
use crate::support::*;

/// Front desks booking at once.
const DESKS: usize = 8;
/// Courses acknowledged before the crash (if the machine manages them
/// within `LOAD_AT_MOST`; the crash comes then anyway).
const BOOKED_BEFORE_CRASH: usize = 40;
const LOAD_AT_MOST: Duration = Duration::from_secs(15);
/// How long after the crash every event must have reached the endpoint:
/// deliveries the dead process had claimed wait out its lease (33 s with
/// `QUICK_DELIVERY`), and later events of their courses wait behind them.
const DELIVERED_WITHIN: Duration = Duration::from_secs(45);

/// One request of a front desk, and what came of it.
struct Attempt {
    /// `patient` or `course`.
    what: &'static str,
    answered: Instant,
    /// The reply, or the transport error (refused, reset, cut short).
    reply: Result<Reply, String>,
}

impl Attempt {
    fn status(&self) -> Option<u16> {
        self.reply.as_ref().ok().map(|r| r.status)
    }

    /// `course 201`, `patient 503`, `course transport error`, …
    fn outcome(&self) -> String {
        match self.status() {
            Some(status) => format!("{} {status}", self.what),
            None => format!("{} transport error", self.what),
        }
    }
}

/// How many attempts came to each outcome, for failure messages.
fn tally(attempts: &[Attempt]) -> BTreeMap<String, usize> {
    let mut tally = BTreeMap::new();
    for attempt in attempts {
        *tally.entry(attempt.outcome()).or_default() += 1;
    }
    tally
}

/// The courses the clients were told were booked (the 201 bodies).
fn acknowledged(attempts: &[Attempt]) -> Vec<Value> {
    attempts
        .iter()
        .filter(|a| a.what == "course")
        .filter_map(|a| a.reply.as_ref().ok().filter(|r| r.status == 201))
        .map(Reply::json)
        .collect()
}

/// A booking refused the documented way: the clinic is full (422
/// infeasible) or a concurrent booking took the slot the planner chose,
/// more often than the server retries (409).
#[track_caller]
fn assert_refused(reply: &Reply) {
    let problem = reply.problem(reply.status);
    let expected: &[&str] = match reply.status {
        409 => &[
            "/problems/chair-taken",
            "/problems/patient-double-booked",
            "/problems/contention",
        ],
        _ => &["/problems/infeasible"],
    };
    assert!(expected.iter().any(|t| problem["type"] == *t), "{reply:?}");
}

/// Front desks booking at one server until told to stop.
struct Load<'a> {
    base: String,
    clinic: &'a Clinic,
    protocol: i64,
    stop: AtomicBool,
    booked: AtomicUsize,
}

/// Stops the load when dropped, so that a panic on the test's thread does
/// not leave the desks running (and the scope waiting for them).
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl<'a> Load<'a> {
    fn new(app: &App, clinic: &'a Clinic) -> Load<'a> {
        Load {
            base: app.server.base.clone(),
            clinic,
            protocol: app.protocol_id(clinic, "iv-ketamine-standard"),
            stop: AtomicBool::new(false),
            booked: AtomicUsize::new(0),
        }
    }

    /// Runs the desks on threads of their own while `during` runs on this
    /// one; then stops them and returns every attempt they made. A desk
    /// gives up at its first transport error when `give_up_when_unreachable`
    /// (the server is gone).
    fn run(&self, give_up_when_unreachable: bool, during: impl FnOnce()) -> Vec<Attempt> {
        std::thread::scope(|scope| {
            let desks: Vec<_> = (0..DESKS)
                .map(|desk| scope.spawn(move || self.desk(desk, give_up_when_unreachable)))
                .collect();
            {
                let _stop = StopOnDrop(&self.stop);
                during();
            }
            desks
                .into_iter()
                .flat_map(|desk| desk.join().expect("a front desk"))
                .collect()
        })
    }

    /// Until stopped: a new patient, then an induction course for them.
    fn desk(&self, desk: usize, give_up_when_unreachable: bool) -> Vec<Attempt> {
        let agent = crate::support::server::agent();
        let post = |what, path: String, body: Value| {
            let reply = Call::new(agent.clone(), "POST", format!("{}{path}", self.base))
                .key(&self.clinic.front_desk)
                .json(&body)
                .try_send();
            Attempt {
                what,
                answered: Instant::now(),
                reply,
            }
        };
        let mut attempts = Vec::new();
        for n in 0.. {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let patient = post(
                "patient",
                self.clinic.path("/patients"),
                json!({
                    "external_ref": format!("DESK{desk}-{n}"),
                    "display_name": format!("Patient {desk}-{n}"),
                    "intake_assessed_on": (today() - chrono::Duration::days(7)).to_string(),
                    "consent_on_file": true,
                    "escort_confirmed": true,
                }),
            );
            let patient_id = patient
                .reply
                .as_ref()
                .ok()
                .filter(|r| r.status == 201)
                .and_then(|r| r.json()["id"].as_i64());
            let unreachable = patient.reply.is_err();
            attempts.push(patient);
            let Some(patient_id) = patient_id else {
                if unreachable && give_up_when_unreachable {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            let course = post(
                "course",
                self.clinic.path("/courses"),
                json!({"patient_id": patient_id, "protocol_id": self.protocol, "earliest": next_monday().to_string()}),
            );
            match course.status() {
                Some(201) => {
                    self.booked.fetch_add(1, Ordering::SeqCst);
                }
                Some(_) => std::thread::sleep(Duration::from_millis(10)),
                None if give_up_when_unreachable => {
                    attempts.push(course);
                    break;
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
            attempts.push(course);
        }
        attempts
    }

    /// Waits until `n` courses are booked, or `at_most` has passed.
    fn wait_for_bookings(&self, n: usize, at_most: Duration) {
        let deadline = Instant::now() + at_most;
        while self.booked.load(Ordering::SeqCst) < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The clinic under load: six chairs, so that the courses keep fitting, and
/// a webhook endpoint subscribed to everything before the first booking.
fn clinic_with_endpoint(app: &App) -> (Clinic, Receiver) {
    let clinic = app.clinic_with("Harbour Infusion Clinic", weekday_hours(), 6);
    let hooks = Receiver::start(Duration::ZERO);
    app.subscribe(&clinic, &hooks.url);
    (clinic, hooks)
}

/// Course bookings whose outcome the client cannot know: no answer, or a
/// 503 (the database may have committed before the connection died).
fn unknown_outcomes(attempts: &[Attempt]) -> usize {
    attempts
        .iter()
        .filter(|a| a.what == "course" && matches!(a.status(), None | Some(503)))
        .count()
}

/// Asserts what a crash must not lose, on `app` (serving again):
/// every acknowledged course is stored with the sessions its 201 showed,
/// and no refused booking left a course behind;
/// no two live sessions overlap on a chair or for a patient; every course
/// has its `course.booked` and six `session.booked` events in the outbox;
/// by `deliver_by` every outbox event has reached the endpoint, and every
/// repeat of a `webhook-id` carried the same body.
#[track_caller]
fn assert_nothing_lost(
    app: &App,
    clinic: &Clinic,
    acknowledged: &[Value],
    unknown: usize,
    hooks: &Receiver,
    deliver_by: Instant,
) {
    let booked = |course: &Value| -> Vec<Value> {
        with_status(course, &["booked"])
            .iter()
            .map(|s| json!([s["id"], s["start"], s["end"], s["chair_id"]]))
            .collect()
    };
    for course in acknowledged {
        assert_eq!(booked(course).len(), 6, "a 201 with six sessions: {course}");
        let id = course["id"].as_i64().expect("course id");
        let stored = app
            .get(&clinic.front_desk, &clinic.path(&format!("/courses/{id}")))
            .expect(200);
        assert_eq!(
            booked(&stored),
            booked(course),
            "course {id} as acknowledged and as stored"
        );
    }
    let store = app.db.store();
    assert_eq!(
        overlapping_live_pairs(&store),
        0,
        "the database holds overlapping live sessions"
    );

    let courses = course_ids(&store);
    for course in acknowledged {
        assert!(
            courses.contains(&course["id"].as_i64().unwrap()),
            "acknowledged course {} is not in the database",
            course["id"]
        );
    }
    assert!(
        courses.len() <= acknowledged.len() + unknown,
        "{} courses stored, {} acknowledged, {unknown} unanswered: a refused booking left a course behind",
        courses.len(),
        acknowledged.len()
    );
    let events = outbox(&store);
    for course in &courses {
        let types: Vec<&str> = events
            .iter()
            .filter(|e| e.aggregate_id == *course)
            .map(|e| e.event_type.as_str())
            .collect();
        let count = |t: &str| types.iter().filter(|&&x| x == t).count();
        assert_eq!(
            (count("course.booked"), count("session.booked")),
            (1, 6),
            "course {course}'s booking events in the outbox: {types:?}"
        );
    }

    let ids: HashSet<String> = events.iter().map(|e| e.event_id.clone()).collect();
    let missing = hooks.wait_for(&ids, deliver_by);
    assert!(
        missing.is_empty(),
        "{} of {} outbox events never reached the endpoint: {missing:?}",
        missing.len(),
        ids.len()
    );
    // Events written since (reminders) are known too.
    let known: HashSet<String> = outbox(&store).into_iter().map(|e| e.event_id).collect();
    let received = hooks.received();
    let mut first_body: HashMap<&str, &Value> = HashMap::new();
    for delivery in &received {
        assert!(
            known.contains(&delivery.webhook_id),
            "a delivery with a webhook-id the outbox does not know: {delivery:?}"
        );
        if let Some(first) = first_body.insert(&delivery.webhook_id, &delivery.body) {
            assert_eq!(
                first, &delivery.body,
                "a repeat of {} with another body",
                delivery.webhook_id
            );
        }
    }
    eprintln!(
        "{} courses ({} acknowledged), {} events, {} deliveries ({} repeats after the crash)",
        courses.len(),
        acknowledged.len(),
        ids.len(),
        received.len(),
        received.len() - first_body.len()
    );
}

/// The server killed with SIGKILL mid-load, then started again on the same
/// database.
fn server_killed_mid_load(db: TestDb) {
    let mut app = App::replicated_with(db, 1, QUICK_DELIVERY);
    let (clinic, hooks) = clinic_with_endpoint(&app);
    let load = Load::new(&app, &clinic);
    let mut killed = Instant::now();
    let attempts = load.run(true, || {
        load.wait_for_bookings(BOOKED_BEFORE_CRASH, LOAD_AT_MOST);
        killed = Instant::now();
        app.server.kill();
        load.stop();
    });
    let outcomes = tally(&attempts);
    eprintln!("before and at the kill: {outcomes:?}");
    for attempt in &attempts {
        match (attempt.what, attempt.status()) {
            ("patient", Some(201)) | ("course", Some(201)) => {}
            ("course", Some(409 | 422)) => assert_refused(attempt.reply.as_ref().unwrap()),
            (_, None) => assert!(
                attempt.answered >= killed,
                "the server was unreachable before it was killed: {:?}",
                attempt.reply
            ),
            _ => panic!("{:?}; all outcomes: {outcomes:?}", attempt.reply),
        }
    }
    let acknowledged = acknowledged(&attempts);
    assert!(!acknowledged.is_empty(), "nothing was booked: {outcomes:?}");

    app.server = Server::start_with(&app.db, QUICK_DELIVERY);
    assert_nothing_lost(
        &app,
        &clinic,
        &acknowledged,
        unknown_outcomes(&attempts),
        &hooks,
        killed + DELIVERED_WITHIN,
    );
}

mod server_killed_mid_booking_load_loses_nothing_acknowledged {
    #[test]
    fn sqlite() {
        super::server_killed_mid_load(crate::support::TestDb::sqlite());
    }

    #[test]
    fn postgres() {
        match crate::support::TestDb::postgres() {
            Some(db) => super::server_killed_mid_load(db),
            None => eprintln!("TEST_DATABASE_URL not set: PostgreSQL skipped"),
        }
    }
}

/// How long PostgreSQL stays down while the desks keep booking.
const OUTAGE: Duration = Duration::from_secs(3);
/// How long the server may take to book again once PostgreSQL is back. Its
/// connection pool retries connecting with a growing pause (r2d2: from
/// 0.2 s, doubling, at most half the 30 s checkout timeout) and does not
/// try sooner when asked, so after a few seconds' outage it is back within
/// a few seconds, after a longer one within 15 s.
const RECONNECTS_WITHIN: Duration = Duration::from_secs(25);
/// Courses booked after the outage that show the server is back.
const BOOKED_AFTER_OUTAGE: usize = 5;

/// Asserts the answer of a server whose database is down: a 503
/// `/problems/unavailable` problem with `Retry-After`.
#[track_caller]
fn assert_unavailable(reply: &Reply) {
    let problem = reply.problem(503);
    assert_eq!(problem["type"], "/problems/unavailable", "{reply:?}");
    assert!(reply.header("retry-after").is_some(), "{reply:?}");
}

/// PostgreSQL stopped without a checkpoint (`pg_ctl stop -m immediate`)
/// under booking load, and started again a few seconds later (it replays
/// its write-ahead log). The server process is not restarted: it answers
/// 503 while the database is gone, then books again by itself, and nothing
/// acknowledged is lost. A failed read is never answered as if the patient
/// or protocol did not exist (that was a bug: 422 instead of 503).
#[test]
fn postgres_stopped_abruptly_mid_load_the_server_answers_503_then_recovers() {
    let Some(cluster) = Cluster::start() else {
        eprintln!("PostgreSQL server binaries (initdb, pg_ctl) not installed: skipped");
        return;
    };
    // Declared after the cluster, so dropped (servers stopped, database
    // dropped) while it still runs.
    let app = App::replicated_with(TestDb::postgres_on(&cluster.admin_url()), 1, QUICK_DELIVERY);
    let (clinic, hooks) = clinic_with_endpoint(&app);
    let load = Load::new(&app, &clinic);
    let (mut crashed, mut back) = (Instant::now(), Instant::now());
    let mut booked_after_outage = 0;
    let attempts = load.run(false, || {
        load.wait_for_bookings(BOOKED_BEFORE_CRASH, LOAD_AT_MOST);
        crashed = Instant::now();
        cluster.crash();
        std::thread::sleep(OUTAGE);
        cluster.up();
        back = Instant::now();
        let before = load.booked.load(Ordering::SeqCst);
        load.wait_for_bookings(before + BOOKED_AFTER_OUTAGE, RECONNECTS_WITHIN);
        booked_after_outage = load.booked.load(Ordering::SeqCst) - before;
        load.stop();
    });
    let outcomes = tally(&attempts);
    eprintln!(
        "PostgreSQL down {:?}; {booked_after_outage} booked within {:?} after: {outcomes:?}",
        back - crashed,
        back.elapsed()
    );

    // No 500, ever; what the database refused while down is a 503 problem.
    let mut refused_while_down = 0;
    for attempt in &attempts {
        let reply = attempt
            .reply
            .as_ref()
            .unwrap_or_else(|e| panic!("the server itself stayed up, yet: {e}"));
        match (attempt.what, reply.status) {
            ("patient", 201) | ("course", 201) => {}
            ("course", 409 | 422) => assert_refused(reply),
            (_, 503) => assert_unavailable(reply),
            _ => panic!("{reply:?}; all outcomes: {outcomes:?}"),
        }
        if reply.status == 503 && attempt.answered > crashed && attempt.answered < back {
            refused_while_down += 1;
        }
    }
    assert!(
        refused_while_down > 0,
        "no 503 while PostgreSQL was down: {outcomes:?}"
    );
    // The same server process, not restarted, books again.
    if booked_after_outage < BOOKED_AFTER_OUTAGE {
        let since_back: Vec<String> = attempts
            .iter()
            .filter(|a| a.answered > back)
            .map(|a| {
                let reply = a.reply.as_ref().map(|r| format!("{r:?}"));
                format!(
                    "+{:?} {}",
                    a.answered - back,
                    reply.unwrap_or_else(|e| e.clone())
                )
            })
            .collect();
        panic!(
            "{booked_after_outage} courses booked in the {RECONNECTS_WITHIN:?} after PostgreSQL came back \
             (it was down {:?}): {outcomes:?}; answered since:\n{}",
            back - crashed,
            since_back.join("\n")
        );
    }
    let ready = app.call("GET", "/readyz").send();
    assert_eq!(ready.status, 200, "{ready:?}");
    let acknowledged = acknowledged(&attempts);
    assert_nothing_lost(
        &app,
        &clinic,
        &acknowledged,
        unknown_outcomes(&attempts),
        &hooks,
        crashed + DELIVERED_WITHIN,
    );
}
