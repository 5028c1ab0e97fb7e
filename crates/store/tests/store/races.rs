//! Forty writers race for one chair (or one patient): exactly one wins, the
//! others get the typed conflict, and no overlapping live pair remains.

use std::sync::{Arc, Barrier};

use chairside_store::ErrorKind;

use crate::support::{
    at, backend_test, book_on, overlapping_live_pairs, planned, seed, Fixture, TestDb,
};

const WRITERS: usize = 40;

/// Runs `WRITERS` threads, each on its own pooled connection, released
/// together; thread `i` books `(patient_of(i), chair_of(i))` at an
/// overlapping time. Returns each thread's outcome.
fn race(
    db: &TestDb,
    fx: &Arc<Fixture>,
    patient_of: fn(&Fixture, usize) -> i64,
    chair_of: fn(&Fixture, usize) -> i64,
) -> Vec<Result<(), ErrorKind>> {
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let mut conn = db.store.connection().expect("a connection per writer");
            let barrier = Arc::clone(&barrier);
            let fx = Arc::clone(fx);
            std::thread::spawn(move || {
                // Staggered starts (9:00, 9:01, …) all overlap each other.
                let session = planned(
                    chair_of(&fx, i),
                    0,
                    at(0, 9) + chrono::Duration::minutes(i as i64),
                    120,
                );
                barrier.wait();
                book_on(&mut conn, &fx, patient_of(&fx, i), &[session])
                    .map(|_| ())
                    .map_err(|e| e.kind())
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("writer thread"))
        .collect()
}

fn assert_one_winner(outcomes: &[Result<(), ErrorKind>], loser_kind: ErrorKind) {
    let winners = outcomes.iter().filter(|o| o.is_ok()).count();
    let losers: Vec<_> = outcomes.iter().filter_map(|o| o.err()).collect();
    assert_eq!(winners, 1, "outcomes: {outcomes:?}");
    assert!(
        losers.iter().all(|k| *k == loser_kind),
        "every loser gets {loser_kind:?}: {losers:?}"
    );
}

backend_test! {
    fn forty_writers_one_chair_exactly_one_wins(db) {
        let fx = Arc::new(seed(&db.store, 1, WRITERS));
        let outcomes = race(db, &fx, |fx, i| fx.patient_ids[i], |fx, _| fx.chair_ids[0]);
        assert_one_winner(&outcomes, ErrorKind::ChairTaken);
        assert_eq!(overlapping_live_pairs(&mut db.store.connection().unwrap()), 0);
    }
}

backend_test! {
    fn forty_writers_one_patient_exactly_one_wins(db) {
        let fx = Arc::new(seed(&db.store, WRITERS, 1));
        let outcomes = race(db, &fx, |fx, _| fx.patient_ids[0], |fx, i| fx.chair_ids[i]);
        assert_one_winner(&outcomes, ErrorKind::PatientDoubleBooked);
        assert_eq!(overlapping_live_pairs(&mut db.store.connection().unwrap()), 0);
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
                    book_on(&mut conn, &fx, fx.patient_ids[i], &[planned(fx.chair_ids[0], 0, at(0, 9), 60)])
                        .map(|_| ())
                        .map_err(|e| e.kind())
                })
            })
            .collect();
        let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_one_winner(&outcomes, ErrorKind::ChairTaken);
    }
}
