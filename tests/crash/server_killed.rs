//! The server killed (SIGKILL) under booking load and started again, on
//! SQLite and on PostgreSQL.

use std::time::Instant;

use super::*;
use crate::support::*;

/// The server killed with SIGKILL mid-load, then started again on the same
/// database.
fn server_killed_mid_load(db: TestDb) {
    let mut app = CHAIRSIDE.replicated_with(db, 1, QUICK_DELIVERY);
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

    app.server = app.start_server(QUICK_DELIVERY);
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
    use crate::support::{postgres_test, TestDb};

    #[test]
    fn sqlite() {
        super::server_killed_mid_load(TestDb::sqlite());
    }

    postgres_test! {
        fn postgres() {
            super::server_killed_mid_load(TestDb::postgres());
        }
    }
}
