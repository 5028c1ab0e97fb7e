//! Forty writers race for one chair (or one patient): exactly one wins, the
//! others get the typed conflict, and no overlapping live pair remains.

use std::sync::{Arc, Barrier};

use chairside_engine::course::{CourseEvent, Decision, NewSession, SessionRef};
use chairside_store::models::{Actor, Role};
use chairside_store::repo::courses;
use chairside_store::{in_write_transaction, DbConnection, ErrorKind, StoreError};

use chairside_testkit::fixtures::{at, book, book_on, planned, seed, Fixture};
use chairside_testkit::queries::{count, overlapping_live_pairs};
use chairside_testkit::{backend_test, TestStore};

const WRITERS: usize = 40;

/// What racing writer `i` does with its connection and its session.
type Writer = dyn Fn(&mut DbConnection, usize, NewSession) -> Result<(), StoreError> + Send + Sync;

/// Runs `WRITERS` threads, each on its own pooled connection, released
/// together; thread `i` writes a session on `chair_of(i)` at an overlapping
/// time. Returns each thread's outcome.
fn race(
    db: &TestStore,
    fx: &Arc<Fixture>,
    chair_of: fn(&Fixture, usize) -> i64,
    write: Arc<Writer>,
) -> Vec<Result<(), ErrorKind>> {
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let mut conn = db.store.connection().expect("a connection per writer");
            let barrier = Arc::clone(&barrier);
            let fx = Arc::clone(fx);
            let write = Arc::clone(&write);
            std::thread::spawn(move || {
                // Staggered starts (9:00, 9:01, …) all overlap each other.
                let session = planned(
                    chair_of(&fx, i),
                    1,
                    at(0, 9) + chrono::Duration::minutes(i as i64),
                    120,
                );
                barrier.wait();
                write(&mut conn, i, session).map_err(|e| e.kind())
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("writer thread"))
        .collect()
}

/// One writer wins; every other gets `loser_kind` — or, on PostgreSQL,
/// `Contention`: two inserts that check the same exclusion constraint at
/// the same instant wait for each other, and the deadlock detector aborts
/// one (40P01). Either way the loser wrote nothing, and the api runs it
/// again (it then meets the winner's row as `loser_kind`).
fn assert_one_winner(outcomes: &[Result<(), ErrorKind>], loser_kind: ErrorKind) {
    let winners = outcomes.iter().filter(|o| o.is_ok()).count();
    let losers: Vec<_> = outcomes.iter().filter_map(|o| o.err()).collect();
    assert_eq!(winners, 1, "outcomes: {outcomes:?}");
    assert!(
        losers
            .iter()
            .all(|k| *k == loser_kind || *k == ErrorKind::Contention),
        "every loser gets {loser_kind:?} (or Contention): {losers:?}"
    );
}

backend_test! {
    fn forty_writers_one_chair_exactly_one_wins(db) {
        // Forty patients each booking a course, all on chair 0.
        let fx = Arc::new(seed(&db.store, 1, WRITERS));
        let books = Arc::clone(&fx);
        let outcomes = race(db, &fx, |fx, _| fx.chair_ids[0], Arc::new(move |conn, i, session| {
            book_on(conn, &books, books.patient_ids[i], &[session]).map(|_| ())
        }));
        assert_one_winner(&outcomes, ErrorKind::ChairTaken);
        let mut conn = db.store.connection().unwrap();
        assert_eq!(overlapping_live_pairs(&mut conn), 0);
        assert_eq!(count(&mut conn, "courses"), 1, "the losers' courses rolled back");
    }
}

backend_test! {
    fn forty_writers_one_patient_exactly_one_wins(db) {
        // A patient has one active course of a kind (the database refuses
        // a second), so the forty writers each add a session to that course,
        // on forty different chairs, as the desk's "add a session" does:
        // all read the course at the same version.
        let fx = Arc::new(seed(&db.store, WRITERS, 1));
        let course = book(&db.store, &fx, fx.patient_ids[0], &[planned(fx.chair_ids[0], 1, at(7, 9), 60)])
            .unwrap()
            .course;
        let outcomes = race(db, &fx, |fx, i| fx.chair_ids[i], Arc::new(move |conn, _, session| {
            let decision = Decision {
                bookings: vec![session],
                events: vec![CourseEvent::SessionBooked(SessionRef::New(0))],
                ..Default::default()
            };
            in_write_transaction(conn, |c| {
                courses::apply(c, &course, &[], &decision, Actor::key(1, Role::FrontDesk)).map(|_| ())
            })
        }));
        assert_one_winner(&outcomes, ErrorKind::PatientDoubleBooked);
        let mut conn = db.store.connection().unwrap();
        assert_eq!(overlapping_live_pairs(&mut conn), 0);
        assert_eq!(count(&mut conn, "sessions"), 2, "the booked one and the winner's");
    }
}

backend_test! {
    fn two_stores_on_one_database_still_serialise(db) {
        // Two pools stand for two API replicas (two processes).
        let fx = seed(&db.store, 1, 2);
        let other = db.another_store();
        let barrier = Arc::new(Barrier::new(2));
        let fx = Arc::new(fx);
        let handles: Vec<_> = [db.store.clone(), other]
            .into_iter()
            .enumerate()
            .map(|(i, store)| {
                let barrier = Arc::clone(&barrier);
                let fx = Arc::clone(&fx);
                let mut conn = store.connection().unwrap();
                std::thread::spawn(move || {
                    barrier.wait();
                    book_on(&mut conn, &fx, fx.patient_ids[i], &[planned(fx.chair_ids[0], 1, at(0, 9), 60)])
                        .map(|_| ())
                        .map_err(|e| e.kind())
                })
            })
            .collect();
        let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_one_winner(&outcomes, ErrorKind::ChairTaken);
    }
}

chairside_testkit::postgres_test! {
    /// PostgreSQL only (SQLite writers all take turns): while one writer of
    /// a clinic is inside its transaction, a second writer of the same
    /// clinic does not start planning, and a writer of another clinic goes
    /// ahead and commits.
    fn a_clinics_writers_take_turns_and_other_clinics_go_on() {
        let db = TestStore::postgres();
        let (inside_tx, inside_rx) = std::sync::mpsc::channel::<&str>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let writer = |clinic, name, release| writer_in_turn(&db.store, &inside_tx, clinic, name, release);
        std::thread::scope(|scope| {
            // Lets the first writer go however this ends, so a failure
            // fails rather than waits for ever.
            let release = Release(release_tx);
            scope.spawn(writer(1, "first", Some(release_rx)));
            assert_eq!(inside_rx.recv().unwrap(), "first");
            scope.spawn(writer(1, "same clinic", None));
            scope.spawn(writer(2, "other clinic", None)).join().unwrap();
            let meanwhile: Vec<&str> = inside_rx.try_iter().collect();
            drop(release);
            assert_eq!(
                meanwhile,
                ["other clinic"],
                "the same clinic's writer waits for its turn"
            );
            assert_eq!(inside_rx.recv().unwrap(), "same clinic");
        });
    }
}

chairside_testkit::postgres_test! {
    /// PostgreSQL only: a clinic's writers waiting for its turn hold no
    /// connection. With two connections, one writer of clinic 1 in its
    /// turn and three more queued behind it, a writer of clinic 2 still
    /// gets the second connection and commits (queued in the database on
    /// the turn's row lock, the three would take it, and clinic 2 would
    /// wait for a connection until the pool gives up).
    fn writers_queued_for_a_turn_leave_connections_to_other_clinics() {
        let db = TestStore::postgres();
        let store = db.db.open_store(2);
        let (inside_tx, inside_rx) = std::sync::mpsc::channel::<&str>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let writer = |clinic, name, release| writer_in_turn(&store, &inside_tx, clinic, name, release);
        std::thread::scope(|scope| {
            let release = Release(release_tx);
            scope.spawn(writer(1, "first", Some(release_rx)));
            assert_eq!(inside_rx.recv().unwrap(), "first");
            for _ in 0..3 {
                scope.spawn(writer(1, "queued", None));
            }
            // Gives the queued writers time to reach for a connection (it
            // orders the threads; nothing is asserted about time).
            std::thread::sleep(std::time::Duration::from_millis(200));
            scope.spawn(writer(2, "other clinic", None)).join().unwrap();
            let meanwhile: Vec<&str> = inside_rx.try_iter().collect();
            drop(release);
            assert_eq!(meanwhile, ["other clinic"]);
            let after: Vec<&str> = (0..3).map(|_| inside_rx.recv().unwrap()).collect();
            assert_eq!(after, ["queued"; 3]);
        });
    }
}

/// A writer that, in `clinic`'s turn, says `name` and holds the turn until
/// `release` (if given) lets it go.
fn writer_in_turn(
    store: &chairside_store::Store,
    inside: &std::sync::mpsc::Sender<&'static str>,
    clinic: i64,
    name: &'static str,
    release: Option<std::sync::mpsc::Receiver<()>>,
) -> impl FnOnce() + Send + 'static {
    let (store, inside) = (store.clone(), inside.clone());
    move || {
        store
            .write_retrying(1, clinic, |_| {
                inside.send(name).unwrap();
                if let Some(release) = &release {
                    release.recv().unwrap();
                }
                Ok::<_, StoreError>(())
            })
            .unwrap()
    }
}

/// Sends its one message when dropped.
struct Release(std::sync::mpsc::Sender<()>);

impl Drop for Release {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}
