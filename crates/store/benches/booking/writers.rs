//! Writer threads booking courses as fast as they can: what the store and
//! the plain baseline share, so both are timed the same way.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::fixture::Fixture;

/// Courses per second booked by `threads` writers together for `run_for`
/// (or until every patient has a course). Each thread makes its writer
/// with `writer` (its connection, its statements), waits for the others,
/// then books course numbers `k` from a shared counter, `book(k, patient)`.
pub fn courses_per_second<W, B>(fx: &Fixture, threads: usize, run_for: Duration, writer: W) -> f64
where
    W: Fn() -> B + Sync,
    B: FnMut(i64, i64),
{
    let next = AtomicI64::new(0);
    let start = Barrier::new(threads);
    let rate = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut book = writer();
                    start.wait();
                    let began = Instant::now();
                    let mut booked = 0u64;
                    while began.elapsed() < run_for {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(patient_id) = fx.patient(k) else {
                            break;
                        };
                        book(k, patient_id);
                        booked += 1;
                    }
                    booked as f64 / began.elapsed().as_secs_f64()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("writer")).sum()
    });
    note_if_out_of_patients(fx, &next);
    rate
}

/// Says so when a run ended early because every patient had a course.
fn note_if_out_of_patients(fx: &Fixture, next: &AtomicI64) {
    let patients = fx.patient_ids.len();
    if fx.patient(next.load(Ordering::Relaxed) - 1).is_none() {
        eprintln!(
            "note: a run booked a course for all {patients} patients and ended early \
             (its rate stands); raise BENCH_PATIENTS for longer runs"
        );
    }
}
