//! SQLite's one writer in this process, and the commits writers share.
//!
//! SQLite admits one writer at a time. Writers of this process queue here
//! and are woken the moment the previous one is done, instead of polling in
//! SQLite's busy handler (which sleeps up to 100 ms between tries); other
//! processes still serialise through `BEGIN IMMEDIATE` and the busy timeout.
//!
//! A commit is what a write costs most on SQLite: the WAL frames of every
//! page it changed, and an fsync (a fifth of a booking's server time, at
//! one client). So when writers are queued as one finishes, it leaves its
//! transaction open and the next writes in it: each writer's work is a
//! savepoint of one transaction, and the last writer of the queue (or the
//! [`MOST_IN_ONE_COMMIT`]th) commits them all — one fsync, and pages
//! changed by several writers (the ends of the sessions, outbox and audit
//! tables) written once. (The first writer of a transaction needs no
//! savepoint: its work is the whole transaction so far, so a writer alone
//! costs what a plain transaction does.) A writer is answered only once its
//! work is committed; a writer whose work failed is rolled back (to its
//! savepoint) and answered at once, and the others' work goes on. If the
//! shared commit fails, every writer in it is answered with that failure:
//! nothing any of them was told succeeded is lost.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::Pool;
use diesel::Connection;

use crate::backend::DbConnection;
use crate::connection::{ConnectionManager, PooledDbConnection};
use crate::error::StoreError;
use crate::transaction::in_savepoint;

/// The most writers one commit carries: bounds how long the first of them
/// waits for its answer.
pub(crate) const MOST_IN_ONE_COMMIT: usize = 16;

/// How a writer's work ended, for what it may remember of what it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Committed (alone or with others).
    Committed,
    /// Rolled back; the database is as the writer found it.
    RolledBack,
    /// Rolled back, but what the writer found included other writers' work
    /// not yet committed, or its own work was lost with a failed commit:
    /// what it read may never be the database's.
    Unsure,
}

/// The process's SQLite writer.
#[derive(Default)]
pub(crate) struct SqliteWriter {
    open: Mutex<Option<OpenCommit>>,
    /// Writers waiting for `open`.
    queued: AtomicUsize,
    counts: [AtomicU64; 2],
}

/// How many writers' work was committed, in how many commits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Commits {
    /// Writers whose work was committed.
    pub writes: u64,
    /// Commits that carried them.
    pub commits: u64,
}

/// A transaction left open for the queue, with the writers in it.
struct OpenCommit {
    conn: PooledDbConnection,
    writers: usize,
    outcome: Arc<Outcome>,
}

/// Whether a shared commit committed, for the writers waiting on it.
#[derive(Default)]
struct Outcome {
    committed: Mutex<Option<bool>>,
    settled: Condvar,
}

impl Outcome {
    fn settle(&self, committed: bool) {
        *lock(&self.committed) = Some(committed);
        self.settled.notify_all();
    }

    fn wait(&self) -> bool {
        let mut committed = lock(&self.committed);
        loop {
            match *committed {
                Some(committed) => return committed,
                None => {
                    committed = self
                        .settled
                        .wait(committed)
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

type Manager = <DbConnection as Connection>::TransactionManager;

impl SqliteWriter {
    /// Writers waiting for the one before them.
    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// The writes and commits so far.
    pub(crate) fn commits(&self) -> Commits {
        Commits {
            writes: self.counts[0].load(Ordering::Relaxed),
            commits: self.counts[1].load(Ordering::Relaxed),
        }
    }

    /// Runs `f` as this process's writer, in a transaction it may share
    /// with the writers queued behind it; answers once its work is
    /// committed (or undone).
    pub(crate) fn write<T, E>(
        &self,
        pool: &Pool<ConnectionManager>,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> (Result<T, E>, Ending)
    where
        E: From<StoreError>,
    {
        let mut open = match self.join(pool) {
            Ok(open) => open,
            Err(e) => return (Err(e.into()), Ending::RolledBack),
        };
        let commit = open.as_mut().expect("a transaction is open");
        commit.writers += 1;
        // The first writer's work is the whole transaction so far: it needs
        // no savepoint (its failure rolls the transaction back), so a
        // writer alone costs what a plain transaction does.
        let first = commit.writers == 1;
        let done = catch_unwind(AssertUnwindSafe(|| match first {
            true => f(&mut commit.conn),
            false => in_savepoint(&mut commit.conn, f),
        }));
        let result = match done {
            Ok(result) => result,
            Err(panic) => {
                let _ = finish(open, false);
                resume_unwind(panic)
            }
        };
        if first && result.is_err() {
            let _ = finish(open, false);
            return (result, Ending::RolledBack);
        }
        // A savepoint released or rolled back leaves the transaction as it
        // was; anything else (SQLite rolls a whole transaction back on some
        // errors) spoils the commit.
        let sound = matches!(
            Manager::transaction_manager_status_mut(&mut commit.conn).transaction_depth(),
            Ok(Some(depth)) if depth.get() == 1
        );
        let shared =
            sound && commit.writers < MOST_IN_ONE_COMMIT && self.queued.load(Ordering::SeqCst) > 0;
        if shared {
            let outcome = commit.outcome.clone();
            drop(open);
            return self.counted(match result {
                // Rolled back to its savepoint, among others' work.
                Err(error) => (Err(error), Ending::Unsure),
                Ok(value) if outcome.wait() => (Ok(value), Ending::Committed),
                Ok(_) => (Err(commit_failed().into()), Ending::Unsure),
            });
        }
        let committed = self.commit(open, sound);
        self.counted(match (committed, result) {
            (_, Err(error)) => (Err(error), Ending::Unsure),
            (Ok(()), Ok(value)) => (Ok(value), Ending::Committed),
            (Err(e), Ok(_)) => (Err(e.into()), Ending::Unsure),
        })
    }

    /// Waits for the writer before this one, then answers the open
    /// transaction: the one it left open, or a new one.
    fn join(
        &self,
        pool: &Pool<ConnectionManager>,
    ) -> Result<MutexGuard<'_, Option<OpenCommit>>, StoreError> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut open = lock(&self.open);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        if open.is_none() {
            *open = Some(OpenCommit::new(begin(pool)?));
        }
        Ok(open)
    }

    /// Counts a write that was committed.
    fn counted<T, E>(&self, ended: (Result<T, E>, Ending)) -> (Result<T, E>, Ending) {
        if ended.1 == Ending::Committed {
            self.counts[0].fetch_add(1, Ordering::Relaxed);
        }
        ended
    }

    /// Ends the open transaction: commits it if `sound`, counted.
    fn commit(
        &self,
        open: MutexGuard<'_, Option<OpenCommit>>,
        sound: bool,
    ) -> Result<(), StoreError> {
        let committed = finish(open, sound);
        if committed.is_ok() {
            self.counts[1].fetch_add(1, Ordering::Relaxed);
        }
        committed
    }
}

impl OpenCommit {
    fn new(conn: PooledDbConnection) -> OpenCommit {
        OpenCommit {
            conn,
            writers: 0,
            outcome: Arc::default(),
        }
    }
}

/// A connection with a write transaction begun on it.
fn begin(pool: &Pool<ConnectionManager>) -> Result<PooledDbConnection, StoreError> {
    let mut conn = pool.get()?;
    match &mut *conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgresql(_) => {
            return Err(StoreError::Internal(
                "the SQLite writer on PostgreSQL".into(),
            ))
        }
    }
    Ok(conn)
}

/// Commits the open transaction (rolls it back unless `commit`), tells the
/// writers waiting on it, and closes it.
fn finish(mut open: MutexGuard<'_, Option<OpenCommit>>, commit: bool) -> Result<(), StoreError> {
    let Some(OpenCommit {
        mut conn, outcome, ..
    }) = open.take()
    else {
        return Ok(());
    };
    let committed = match commit {
        true => Manager::commit_transaction(&mut conn).map_err(StoreError::from),
        false => Err(commit_failed()),
    };
    if committed.is_err() {
        // A failed COMMIT may leave the transaction open; close it so the
        // connection goes back to the pool clean (a broken one is dropped).
        let _ = Manager::rollback_transaction(&mut conn);
    }
    outcome.settle(committed.is_ok());
    drop(open);
    committed
}

fn commit_failed() -> StoreError {
    StoreError::Unavailable("the commit this write shared failed; nothing of it was kept".into())
}
