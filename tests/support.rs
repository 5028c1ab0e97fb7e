//! The test kit's end-to-end harness (`chairside-testkit`), on this
//! package's binary: Cargo builds `chairside` for its own package's
//! integration tests only, so it is named here, once.

pub use chairside_testkit::e2e::webhooks::{Received, Receiver, QUICK_DELIVERY};
pub use chairside_testkit::e2e::*;
pub use chairside_testkit::queries::{course_ids, outbox};
pub use chairside_testkit::TestDb;

/// The binary under test.
pub const CHAIRSIDE: Binary = Binary::at(env!("CARGO_BIN_EXE_chairside"));

/// Runs the scenario `fn $name(app: &App)` on each backend, as two tests:
/// `<name>::sqlite`, and `<name>::postgres`, ignored unless asked for and
/// failing without `TEST_DATABASE_URL`. Attributes given first apply to
/// both (see `chairside_testkit::on_every_backend!`).
macro_rules! on_every_backend {
    ($($scenario:tt)*) => {
        chairside_testkit::on_every_backend!(crate::support::CHAIRSIDE; $($scenario)*);
    };
}
pub(crate) use on_every_backend;

/// Runs the race `fn $name(app: &App)` as `<name>::sqlite_one_server` and
/// `<name>::postgres_three_servers` (three server processes sharing one
/// PostgreSQL database; ignored unless asked for).
macro_rules! race_on_every_backend {
    ($($scenario:tt)*) => {
        chairside_testkit::race_on_every_backend!(crate::support::CHAIRSIDE; $($scenario)*);
    };
}
pub(crate) use race_on_every_backend;

pub(crate) use chairside_testkit::postgres_test;

/// Sends the calls at once (one thread each, released together); the
/// replies in the calls' order.
pub fn all_at_once(calls: Vec<Call>) -> Vec<Reply> {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(calls.len()));
    std::thread::scope(|scope| {
        let handles: Vec<_> = calls
            .into_iter()
            .map(|call| {
                let barrier = barrier.clone();
                scope.spawn(move || {
                    barrier.wait();
                    call.send()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a request sent at once"))
            .collect()
    })
}
