//! A clinic's writers of this process wait for its turn here, holding no
//! connection (PostgreSQL).
//!
//! The turn itself is a row lock in the database ([`turn`](crate::turn)):
//! it orders the clinic's writers on every server. But a writer waiting
//! for a row lock holds a pooled connection and a PostgreSQL backend while
//! it does nothing. With 32 desks over 8 clinics and 10 connections, the
//! clinics' second and third writers sat on connections the other clinics
//! needed: booking at 32 clients fell below booking at 8. Queued here
//! first, one writer per clinic per process asks the database for the
//! turn; the others wait on a mutex and are woken the moment it is done.
//! Other servers' writers still wait in the database, as before.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The queues of the clinics that have writers in line.
#[derive(Default)]
pub(crate) struct TurnQueues {
    by_clinic: Mutex<HashMap<i64, Arc<Mutex<()>>>>,
}

impl TurnQueues {
    /// Runs `f` once this process's earlier writers of `clinic` are done.
    pub(crate) fn in_line<T>(&self, clinic: i64, f: impl FnOnce() -> T) -> T {
        let queue = lock(&self.by_clinic).entry(clinic).or_default().clone();
        let done = {
            let _front = lock(&queue);
            f()
        };
        // A clinic nobody else waits for leaves the map: only the map and
        // this writer hold its queue (a writer joins under the map's lock).
        let mut by_clinic = lock(&self.by_clinic);
        if Arc::strong_count(&queue) == 2 {
            by_clinic.remove(&clinic);
        }
        done
    }
}

/// A lock whose holder panicked is still a queue: nothing it guards can be
/// left half-changed.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;

    use super::TurnQueues;

    /// One writer of a clinic at a time, other clinics alongside; the map
    /// forgets a clinic once its line is empty.
    #[test]
    fn one_writer_of_a_clinic_at_a_time() {
        let queues = TurnQueues::default();
        let inside = [AtomicUsize::new(0), AtomicUsize::new(0)];
        let most = [AtomicUsize::new(0), AtomicUsize::new(0)];
        let start = Barrier::new(16);
        std::thread::scope(|scope| {
            for writer in 0..16 {
                let (queues, inside, most, start) = (&queues, &inside, &most, &start);
                scope.spawn(move || {
                    let clinic = writer % 2;
                    start.wait();
                    for _ in 0..50 {
                        queues.in_line(clinic as i64, || {
                            let now = inside[clinic].fetch_add(1, Ordering::SeqCst) + 1;
                            most[clinic].fetch_max(now, Ordering::SeqCst);
                            std::thread::yield_now();
                            inside[clinic].fetch_sub(1, Ordering::SeqCst);
                        });
                    }
                });
            }
        });
        assert_eq!(most.map(|m| m.into_inner()), [1, 1]);
        assert!(queues.by_clinic.into_inner().unwrap().is_empty());
    }
}
