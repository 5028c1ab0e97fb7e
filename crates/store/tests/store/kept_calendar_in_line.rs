//! A clinic's writers in one process, in line: the calendar each turn
//! leaves is the one the next plans on. (Before the turn kept its calendar
//! in line, this test failed about one run in four.)

use chairside_testkit::fixtures::seed;
use chairside_testkit::{postgres_test, TestStore};

use crate::kept_calendar::{as_stored, book_in_a_turn, next_turn};

postgres_test! {
    /// This process's writers of a clinic line up, and each turn keeps the
    /// calendar it leaves before the next in line begins: however the
    /// threads are scheduled, only the first turn reads the window.
    fn writers_in_line_plan_on_the_calendar_the_last_one_left() {
        let db = TestStore::postgres();
        let fx = seed(&db.store, 2, 24);
        // Busy threads beside the writers, as on a server with more work
        // than cores: a writer is often descheduled between its commit and
        // whatever it does next.
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                });
            }
            let writers: Vec<_> = (0..8).map(|first| {
                let (store, fx) = (&db.store, &fx);
                s.spawn(move || {
                    for k in (first..24).step_by(8) {
                        book_in_a_turn(store, fx, fx.patient_ids[k], k as i64, false);
                    }
                })
            }).collect();
            let ended: Vec<_> = writers.into_iter().map(|w| w.join()).collect();
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            for writer in ended {
                writer.unwrap();
            }
        });
        let uses = db.store.calendar_uses();
        assert_eq!((uses.read, uses.kept), (1, 23), "{uses:?}");
        let (next, kept) = next_turn(&db.store, &fx);
        assert!(kept);
        assert_eq!(*next, as_stored(&db.store, &fx));
    }
}
