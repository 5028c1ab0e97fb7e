//! SQLite checkpoints off the write path.
//!
//! In WAL mode a commit appends the pages it changed to the WAL, and a
//! checkpoint copies them back into the database file (and fsyncs it). By
//! default the writer whose commit takes the WAL past 1 000 pages does that
//! itself, inside the write lock: at eight clients booking, 8 % of the
//! server's time and an fsync every few dozen bookings, with every other
//! writer waiting. Here a thread of the store checkpoints `PASSIVE` (it
//! waits for no writer and blocks none) every [`EVERY`], and a writer
//! checkpoints only if that falls far behind
//! ([`WRITER_CHECKPOINTS_PAST`](crate::connection::WRITER_CHECKPOINTS_PAST),
//! set on every connection).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::Pool;

use crate::connection::ConnectionManager;
use crate::error::StoreError;

/// How often the store's thread checkpoints.
const EVERY: Duration = Duration::from_millis(250);

/// The store's checkpointing thread; it stops when this is dropped (the
/// last clone of the store).
pub(crate) struct Checkpoints {
    _stop: mpsc::Sender<()>,
    done: Arc<AtomicU64>,
}

impl Checkpoints {
    /// Starts checkpointing the database behind `pool`; `None` if no thread
    /// could be started (then writers checkpoint, as SQLite does alone).
    pub(crate) fn start(pool: Pool<ConnectionManager>) -> Option<Checkpoints> {
        let (stop, stopped) = mpsc::channel::<()>();
        let done = Arc::new(AtomicU64::new(0));
        let counted = done.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoints".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    match checkpoint(&pool) {
                        Ok(()) => counted.fetch_add(1, Ordering::Relaxed),
                        Err(error) => {
                            tracing::warn!(%error, "SQLite checkpoint failed");
                            0
                        }
                    };
                }
            })
            .ok()?;
        Some(Checkpoints { _stop: stop, done })
    }

    /// Checkpoints done so far.
    pub(crate) fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

fn checkpoint(pool: &Pool<ConnectionManager>) -> Result<(), StoreError> {
    pool.get()?
        .batch_execute("PRAGMA wal_checkpoint(PASSIVE)")
        .map_err(StoreError::from)
}
