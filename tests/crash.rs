//! Crashes under booking load, seen from the outside.
//!
//! Eight front desks book induction courses (a new patient each) as fast as
//! they can, a webhook endpoint subscribed, while the server is killed with
//! SIGKILL (SQLite, PostgreSQL) or a private PostgreSQL cluster stops
//! without a checkpoint. Afterwards every course a client was told about
//! (201) is there with all its sessions, nothing is double booked, every
//! course has its outbox events, and every event reaches the endpoint at
//! least once, with the same `webhook-id` and body on every try.

mod load;
mod nothing_lost;
mod postgres_stopped;
mod server_killed;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;
use load::Load;
use nothing_lost::assert_nothing_lost;

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
