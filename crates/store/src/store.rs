//! The [`Store`]: a bounded connection pool and the transaction API.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use diesel::r2d2::Pool;

use crate::backend::DbConnection;
use crate::checkpoints::Checkpoints;
use crate::connection::{Backend, ConnectionManager, DatabaseUrl, PooledDbConnection};
use crate::error::StoreError;
use crate::kept::{CalendarUses, KeptCalendars};
use crate::transaction::{write_transaction, RetryableError};
use crate::turn::{self, Turn};
use crate::turn_queues::TurnQueues;
use crate::writer::{Commits, Ending, SqliteWriter};

/// How to open a [`Store`].
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `postgres://…`, `postgresql://…`, `sqlite://path`, a plain path, or
    /// `:memory:`.
    pub database_url: String,
    /// Most connections the pool opens (`:memory:` always uses one).
    pub pool_size: u32,
    /// How long a caller waits for a free connection before
    /// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable).
    pub connection_timeout: Duration,
    /// How long a SQLite writer waits for the write lock before giving up
    /// with [`ErrorKind::Contention`](crate::ErrorKind::Contention).
    pub sqlite_busy_timeout: Duration,
}

impl StoreConfig {
    /// Defaults for `database_url`: 10 connections, 5 s to get one, 30 s
    /// SQLite busy timeout.
    ///
    /// Five seconds, because when PostgreSQL is down a request waits this
    /// long before its 503: long enough to ride out a burst, short enough
    /// for a load balancer's readiness probe to see the answer.
    pub fn new(database_url: impl Into<String>) -> StoreConfig {
        StoreConfig {
            database_url: database_url.into(),
            pool_size: 10,
            connection_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(30),
        }
    }

    /// Sets the pool size.
    pub fn pool_size(mut self, size: u32) -> StoreConfig {
        self.pool_size = size.max(1);
        self
    }

    /// Sets how long a caller waits for a connection.
    pub fn connection_timeout(mut self, timeout: Duration) -> StoreConfig {
        self.connection_timeout = timeout;
        self
    }
}

/// The store: cheap to clone, shared by every request handler.
///
/// Every method blocks the calling thread on database I/O. From async code
/// call it through `actix_web::web::block` or `tokio::task::spawn_blocking`,
/// never on an async worker thread.
#[derive(Clone)]
pub struct Store {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    /// SQLite's one writer in this process, whose queue shares commits
    /// (see [`writer`](crate::writer)); PostgreSQL needs none.
    sqlite_writer: Option<Arc<SqliteWriter>>,
    /// A SQLite file's checkpoints, off the write path.
    checkpoints: Option<Arc<Checkpoints>>,
    /// The calendars this server planned on lately, by clinic.
    kept: Arc<KeptCalendars>,
    /// Each clinic's writers waiting for its turn, without a connection
    /// (PostgreSQL; see [`turn_queues`](crate::turn_queues)).
    turn_queues: Arc<TurnQueues>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("pool", &self.pool.state())
            .finish()
    }
}

impl Store {
    /// Opens the pool. Does not run migrations: call
    /// [`Store::run_migrations`] (the binary does so on start).
    pub fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        let url = DatabaseUrl::parse(&config.database_url)?;
        let backend = url.backend();
        // Each in-memory SQLite connection is its own database: one only.
        let size = match url {
            DatabaseUrl::SqliteMemory => 1,
            _ => config.pool_size.max(1),
        };
        let url_is_file = matches!(url, DatabaseUrl::SqliteFile(_));
        let manager = ConnectionManager::new(url, config.sqlite_busy_timeout);
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(0))
            .connection_timeout(config.connection_timeout)
            // A validation query per checkout would add a round trip to every
            // transaction; a dead connection surfaces as Unavailable instead.
            .test_on_check_out(false)
            .build(manager)?;
        let sqlite_writer = (backend == Backend::Sqlite).then(Arc::default);
        let checkpoints = match url_is_file {
            true => Checkpoints::start(pool.clone()).map(Arc::new),
            false => None,
        };
        Ok(Store {
            pool,
            backend,
            sqlite_writer,
            checkpoints,
            kept: Arc::default(),
            turn_queues: Arc::default(),
        })
    }

    /// How many calendars writers planned on were kept from an earlier
    /// turn, and how many were read, since the store opened.
    pub fn calendar_uses(&self) -> CalendarUses {
        self.kept.uses()
    }

    /// On SQLite, how many writes were committed in how many commits (the
    /// writers queued behind one share its commit; see
    /// [`writer`](crate::writer)); `None` on PostgreSQL.
    pub fn commits(&self) -> Option<Commits> {
        self.sqlite_writer.as_ref().map(|writer| writer.commits())
    }

    /// On a SQLite file, how many checkpoints the store's thread has done;
    /// `None` otherwise.
    pub fn checkpoints(&self) -> Option<u64> {
        self.checkpoints.as_ref().map(|c| c.done())
    }

    /// On SQLite, how many of this process's writers wait for the one
    /// writing now; `None` on PostgreSQL.
    pub fn writers_queued(&self) -> Option<usize> {
        self.sqlite_writer.as_ref().map(|writer| writer.queued())
    }

    /// The backend behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks out a connection (blocking up to the configured timeout).
    pub fn connection(&self) -> Result<PooledDbConnection, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn run_migrations(&self) -> Result<Vec<String>, StoreError> {
        crate::migrations::run_migrations(&mut *self.connection()?)
    }

    /// Keeps the query planner's statistics current. SQLite gathers none by
    /// itself, and without them it may walk a clinic's whole history by id
    /// instead of the start-time index; `PRAGMA optimize` analyses only the
    /// tables that need it, cheaply. PostgreSQL's autovacuum does this.
    pub fn optimize(&self) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        if self.backend == Backend::Sqlite {
            self.connection()?
                .batch_execute("PRAGMA optimize=0x10002")?;
        }
        Ok(())
    }

    /// Writes a consistent copy of an SQLite database to `target` while the
    /// service keeps running (`VACUUM INTO`: one read transaction, so the
    /// copy is a snapshot of committed data). PostgreSQL has its own tools
    /// for this (`pg_dump`, base backups); see docs/operations.md.
    pub fn backup_to(&self, target: &std::path::Path) -> Result<(), StoreError> {
        use diesel::RunQueryDsl;
        if self.backend == Backend::Postgres {
            return Err(StoreError::Invalid(
                "on PostgreSQL, back up with pg_dump or a base backup (docs/operations.md)".into(),
            ));
        }
        if target.exists() {
            return Err(StoreError::Invalid(format!(
                "{} already exists; a backup never overwrites",
                target.display()
            )));
        }
        let target = target
            .to_str()
            .ok_or_else(|| StoreError::Invalid("the backup path is not valid UTF-8".into()))?;
        diesel::sql_query("VACUUM INTO ?")
            .bind::<diesel::sql_types::Text, _>(target)
            .execute(&mut *self.connection()?)?;
        Ok(())
    }

    /// Runs `f` on a connection outside any explicit transaction: for
    /// single-statement reads.
    pub fn read<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.connection()?;
        f(&mut conn)
    }

    /// Runs `f` in one write transaction: everything it writes commits
    /// together or not at all. On SQLite the transaction is `BEGIN
    /// IMMEDIATE`, so it holds the write lock from its first read and two
    /// writers never interleave; on PostgreSQL it is a normal (read
    /// committed) transaction and the constraints arbitrate.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.transact(f).0
    }

    /// [`Store::write`], saying how it ended.
    fn transact<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> (Result<T, E>, Ending)
    where
        E: From<StoreError>,
    {
        match &self.sqlite_writer {
            Some(writer) => writer.write(&self.pool, f),
            None => self.transact_on_postgres("BEGIN", f),
        }
    }

    /// [`Store::transact`] in `clinic`'s turn: `f` is given the count of
    /// changes the turn was taken at where it is known at once (SQLite).
    /// On PostgreSQL the turn is taken with `BEGIN`, in one round trip, and
    /// the count is learnt from the first read of it (see [`turn`]).
    ///
    /// `settle` is told how the transaction ended before the clinic's next
    /// writer in this process begins (on PostgreSQL, still in line), so
    /// the calendar the turn leaves is kept before the next turn asks.
    fn transact_in_turn<T, E>(
        &self,
        clinic: i64,
        f: impl FnOnce(&mut DbConnection, Option<i64>) -> Result<T, E>,
        settle: impl FnOnce(Ending),
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        match &self.sqlite_writer {
            Some(writer) => {
                let (result, ending) = writer.write(&self.pool, |conn| {
                    let taken_at = turn::take(conn, clinic)?;
                    f(conn, Some(taken_at))
                });
                settle(ending);
                result
            }
            None => {
                // An i64 formatted: nothing to quote.
                let begin = format!("BEGIN; SELECT chairside_take_turn({clinic})");
                // This process's writers of the clinic line up first,
                // holding no connection (SQLite's queue for its one writer
                // already).
                self.turn_queues.in_line(clinic, || {
                    let (result, ending) = self.transact_on_postgres(&begin, |conn| f(conn, None));
                    settle(ending);
                    result
                })
            }
        }
    }

    /// A PostgreSQL transaction begun by `begin`, on a pooled connection.
    /// It is its own: rolled back, the database is as it found it.
    fn transact_on_postgres<T, E>(
        &self,
        begin: &str,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> (Result<T, E>, Ending)
    where
        E: From<StoreError>,
    {
        let result = self
            .connection()
            .map_err(E::from)
            .and_then(|mut conn| write_transaction(&mut conn, begin, f));
        let ending = match result.is_ok() {
            true => Ending::Committed,
            false => Ending::RolledBack,
        };
        (result, ending)
    }

    /// Counts what a turn planned on and keeps the calendar it leaves:
    /// its own writes added when it committed, as it found it when it
    /// rolled back, none when unsure.
    fn settle_turn(&self, clinic: i64, turn: Option<Turn>, ending: Ending) {
        let Some(turn) = turn else { return };
        self.kept.count(turn.uses);
        let kept = match ending {
            Ending::Committed => turn.committed(),
            Ending::RolledBack => turn.rolled_back(),
            Ending::Unsure => None,
        };
        if let Some(kept) = kept {
            self.kept.keep(clinic, kept);
        }
    }

    /// Like [`Store::write`], but runs `f` again, in a new transaction, when
    /// it fails with a retryable store error (an overlap raised by a
    /// concurrent booking, or contention), at most `attempts` times in all.
    /// `f` must therefore reload what it needs and re-plan on every call.
    /// Writers with the same `turns_on` (a clinic id) run one at a time.
    pub fn write_retrying<T, E>(
        &self,
        attempts: u32,
        turns_on: i64,
        mut f: impl FnMut(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + RetryableError,
    {
        let attempts = attempts.max(1);
        let mut attempt = 1;
        loop {
            // Writers of one clinic plan onto the same chairs. Left to race,
            // desks that book at once plan on the same snapshot and all but
            // one lose at the exclusion constraint; each loser has done a
            // whole transaction for nothing and plans again (32 clients, 4
            // desks a clinic: about 30 % of first attempts, and once 15 of
            // 2 945 bookings answered 409 with chairs free). So every
            // writer of a clinic takes the clinic's turn (on SQLite they go
            // one at a time anyway): it plans on everything
            // committed with nobody else writing, and wins or the clinic is
            // truly full (422). Measured against first attempts in
            // parallel (turn lock held shared, retries alone), back to back
            // on one machine: 32 clients 477 -> 581 bookings a second, p99
            // 156 -> 103 ms; 8 clients (one desk a clinic) unchanged.
            // Per `turns_on` (the clinic): one busy clinic holds up no
            // other, and a turn lasts one transaction (a few ms).
            // The turn is the clinic's row in `clinic_turns` (see
            // [`turn`]); with it comes the calendar this server kept.
            // The calendar the turn leaves is kept before the clinic's next
            // writer here takes its turn: kept after leaving the line, it
            // was missed by the next turn about one time in five at 32
            // clients (two cores, the keeper descheduled), which then read
            // the whole window again.
            let left = RefCell::new(None);
            let outcome = self.transact_in_turn(
                turns_on,
                |conn, taken_at| {
                    let taken = Turn::new(turns_on, taken_at, self.kept.take(turns_on));
                    let (outcome, turn) = taken.during(|| f(conn));
                    *left.borrow_mut() = Some(turn);
                    outcome
                },
                |ending| self.settle_turn(turns_on, left.borrow_mut().take(), ending),
            );
            match outcome {
                Err(e) if attempt < attempts && e.is_retryable() => attempt += 1,
                result => return result,
            }
        }
    }
}
