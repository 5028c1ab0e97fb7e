//! A private PostgreSQL cluster stopped abruptly under booking load, and
//! started again, while the same server process runs on.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::*;
use crate::support::cluster::Cluster;
use crate::support::*;

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

postgres_test! {
    /// PostgreSQL stopped without a checkpoint (`pg_ctl stop -m immediate`)
    /// under booking load, and started again a few seconds later (it
    /// replays its write-ahead log). The server process is not restarted:
    /// it answers 503 while the database is gone, then books again by
    /// itself, and nothing acknowledged is lost. A failed read is never
    /// answered as if the patient or protocol did not exist (that was a
    /// bug: 422 instead of 503).
    fn postgres_stopped_abruptly_mid_load_the_server_answers_503_then_recovers() {
        postgres_stopped_abruptly_mid_load();
    }
}

/// The scenario above, on a private PostgreSQL cluster it may crash.
fn postgres_stopped_abruptly_mid_load() {
    let cluster = Cluster::start().expect(
        "this test starts a PostgreSQL cluster of its own: install the PostgreSQL server \
         (initdb and pg_ctl under /usr/lib/postgresql/<version>/bin)",
    );
    // Declared after the cluster, so dropped (servers stopped, database
    // dropped) while it still runs.
    let app =
        CHAIRSIDE.replicated_with(TestDb::postgres_on(&cluster.admin_url()), 1, QUICK_DELIVERY);
    let (clinic, hooks) = clinic_with_endpoint(&app);
    let load = Load::new(&app, &clinic);
    let (attempts, outage) = book_through_an_outage(&cluster, &load);
    let outcomes = tally(&attempts);
    eprintln!(
        "PostgreSQL down {:?}; {} booked within {:?} after: {outcomes:?}",
        outage.back - outage.crashed,
        outage.booked_after,
        outage.back.elapsed()
    );
    assert_503_while_down_and_never_500(&attempts, &outage, &outcomes);
    assert_books_again(&attempts, &outage, &outcomes);
    let ready = app.call("GET", "/readyz").send();
    assert_eq!(ready.status, 200, "{ready:?}");
    assert_nothing_lost(
        &app,
        &clinic,
        &acknowledged(&attempts),
        unknown_outcomes(&attempts),
        &hooks,
        outage.crashed + DELIVERED_WITHIN,
    );
}

/// When PostgreSQL went down and came back, and how many courses the
/// server booked once it was back.
struct Outage {
    crashed: Instant,
    back: Instant,
    booked_after: usize,
}

/// Runs the desks; once they have booked for a while, stops PostgreSQL
/// abruptly for `OUTAGE`, starts it again and waits (at most
/// `RECONNECTS_WITHIN`) for `BOOKED_AFTER_OUTAGE` more courses.
fn book_through_an_outage(cluster: &Cluster, load: &Load) -> (Vec<Attempt>, Outage) {
    let mut outage = Outage {
        crashed: Instant::now(),
        back: Instant::now(),
        booked_after: 0,
    };
    let attempts = load.run(false, || {
        load.wait_for_bookings(BOOKED_BEFORE_CRASH, LOAD_AT_MOST);
        outage.crashed = Instant::now();
        cluster.crash();
        std::thread::sleep(OUTAGE);
        cluster.up();
        outage.back = Instant::now();
        let before = load.booked.load(Ordering::SeqCst);
        load.wait_for_bookings(before + BOOKED_AFTER_OUTAGE, RECONNECTS_WITHIN);
        outage.booked_after = load.booked.load(Ordering::SeqCst) - before;
        load.stop();
    });
    (attempts, outage)
}

/// No 500, ever, and no lost connection (the server itself stayed up);
/// what the database refused while down is a 503 problem, and there was
/// at least one.
#[track_caller]
fn assert_503_while_down_and_never_500(
    attempts: &[Attempt],
    outage: &Outage,
    outcomes: &BTreeMap<String, usize>,
) {
    let mut refused_while_down = 0;
    for attempt in attempts {
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
        if reply.status == 503
            && attempt.answered > outage.crashed
            && attempt.answered < outage.back
        {
            refused_while_down += 1;
        }
    }
    assert!(
        refused_while_down > 0,
        "no 503 while PostgreSQL was down: {outcomes:?}"
    );
}

/// The same server process, not restarted, booked again once PostgreSQL
/// was back; if not, the failure lists everything answered since.
#[track_caller]
fn assert_books_again(attempts: &[Attempt], outage: &Outage, outcomes: &BTreeMap<String, usize>) {
    if outage.booked_after >= BOOKED_AFTER_OUTAGE {
        return;
    }
    let since_back: Vec<String> = attempts
        .iter()
        .filter(|a| a.answered > outage.back)
        .map(|a| {
            let reply = a.reply.as_ref().map(|r| format!("{r:?}"));
            format!(
                "+{:?} {}",
                a.answered - outage.back,
                reply.unwrap_or_else(|e| e.clone())
            )
        })
        .collect();
    panic!(
        "{} courses booked in the {RECONNECTS_WITHIN:?} after PostgreSQL came back \
         (it was down {:?}): {outcomes:?}; answered since:\n{}",
        outage.booked_after,
        outage.back - outage.crashed,
        since_back.join("\n")
    );
}
