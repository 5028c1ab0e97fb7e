//! The [`Store`]: a bounded connection pool and the transaction API.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::{Pool, PooledConnection};
use diesel::Connection;

use crate::backend::DbConnection;
use crate::connection::{Backend, ConnectionManager, DatabaseUrl};
use crate::error::StoreError;
use crate::kept::KeptCalendars;
use crate::turn::{self, CalendarUses, Turn};

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

/// A checked-out pooled connection; derefs to [`DbConnection`].
pub type PooledDbConnection = PooledConnection<ConnectionManager>;

/// The store: cheap to clone, shared by every request handler.
///
/// Every method blocks the calling thread on database I/O. From async code
/// call it through `actix_web::web::block` or `tokio::task::spawn_blocking`,
/// never on an async worker thread.
#[derive(Clone)]
pub struct Store {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    /// SQLite admits one writer at a time. Writers of this process queue
    /// here, and are woken the moment the previous one commits, instead of
    /// polling in SQLite's busy handler (which sleeps up to 100 ms between
    /// tries). Other processes still serialise through `BEGIN IMMEDIATE`
    /// and the busy timeout; PostgreSQL needs no gate.
    sqlite_writers: Option<Arc<Mutex<()>>>,
    /// The calendars this server planned on lately, by clinic.
    kept: Arc<KeptCalendars>,
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
        let manager = ConnectionManager::new(url, config.sqlite_busy_timeout);
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(0))
            .connection_timeout(config.connection_timeout)
            // A validation query per checkout would add a round trip to every
            // transaction; a dead connection surfaces as Unavailable instead.
            .test_on_check_out(false)
            .build(manager)?;
        let sqlite_writers = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Store {
            pool,
            backend,
            sqlite_writers,
            kept: Arc::default(),
        })
    }

    /// How many calendars writers planned on were kept from an earlier
    /// turn, and how many were read, since the store opened.
    pub fn calendar_uses(&self) -> CalendarUses {
        self.kept.uses()
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
        let _turn = self.writer_turn();
        let mut conn = self.connection()?;
        in_write_transaction(&mut conn, f)
    }

    /// On SQLite, waits for this process's previous writer to finish.
    fn writer_turn(&self) -> Option<MutexGuard<'_, ()>> {
        self.sqlite_writers
            .as_ref()
            .map(|gate| gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
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
            let outcome = {
                let _turn = self.writer_turn();
                let mut conn = self.connection()?;
                let mut left = None;
                let outcome = in_write_transaction(&mut conn, |conn: &mut DbConnection| {
                    let count = turn::take(conn, turns_on)?;
                    let taken = Turn::new(turns_on, count, self.kept.take(turns_on));
                    let (outcome, turn) = taken.during(|| f(conn));
                    left = Some(turn);
                    outcome
                });
                if let Some(turn) = &left {
                    self.kept.count(turn.uses);
                }
                let kept = left.and_then(|turn| match outcome {
                    Ok(_) => turn.committed(),
                    Err(_) => turn.rolled_back(),
                });
                if let Some(kept) = kept {
                    self.kept.keep(turns_on, kept);
                }
                outcome
            };
            match outcome {
                Err(e) if attempt < attempts && e.is_retryable() => attempt += 1,
                result => return result,
            }
        }
    }
}

/// Errors that can say whether a transaction is worth running again.
/// Implement it for the service layer's error so that
/// [`Store::write_retrying`] can see through it.
pub trait RetryableError {
    /// True when a fresh attempt may succeed.
    fn is_retryable(&self) -> bool;
}

impl RetryableError for StoreError {
    fn is_retryable(&self) -> bool {
        StoreError::is_retryable(self)
    }
}

/// Runs `f` inside the caller's transaction and undoes whatever it wrote
/// (a savepoint rolled back): a dry run that answers exactly what doing it
/// would, because it does it.
pub fn rolled_back<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    Manager::begin_transaction(conn).map_err(StoreError::from)?;
    let result = f(conn);
    Manager::rollback_transaction(conn).map_err(StoreError::from)?;
    result
}

/// Runs `f` inside the caller's transaction as one step that happens whole
/// or not at all (a savepoint): an error undoes what `f` wrote and leaves
/// the transaction usable (on PostgreSQL a refused statement would
/// otherwise abort it), so the caller may try something else.
pub fn in_savepoint<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    Manager::begin_transaction(conn).map_err(StoreError::from)?;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(StoreError::from)?;
            Ok(value)
        }
        Err(error) => {
            Manager::rollback_transaction(conn).map_err(StoreError::from)?;
            Err(error)
        }
    }
}

/// Runs `f` in one write transaction on a connection the caller already
/// holds: `BEGIN IMMEDIATE` on SQLite, `BEGIN` on PostgreSQL; commits if `f`
/// returns `Ok`, rolls back otherwise. [`Store::write`] is this on a pooled
/// connection.
pub fn in_write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let begun = match conn {
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
    };
    begun.map_err(StoreError::from)?;
    type Manager = <DbConnection as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                // A failed COMMIT may leave the transaction open; close it so
                // the connection goes back to the pool clean.
                let _ = Manager::rollback_transaction(conn);
                Err(StoreError::from(e).into())
            }
        },
        Err(user_error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(user_error),
            Err(rollback_error) => Err(StoreError::from(rollback_error).into()),
        },
    }
}
