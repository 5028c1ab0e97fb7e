//! Opening connections: which backend a URL means, and the per-connection
//! settings each backend needs.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

use crate::backend::DbConnection;
use crate::error::StoreError;

/// WAL pages past which a writer checkpoints itself (32 MiB): only when
/// the store's checkpoint thread (`checkpoints.rs`) fell behind, or in a
/// process that runs none (the CLI).
pub(crate) const WRITER_CHECKPOINTS_PAST: u32 = 8192;

/// The database behind a [`Store`](crate::Store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    Sqlite,
}

impl Backend {
    /// The backend of a connection.
    pub fn of(conn: &DbConnection) -> Backend {
        match conn {
            DbConnection::Postgresql(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// A database URL, resolved to a backend.
///
/// `postgres://…` and `postgresql://…` mean PostgreSQL; `sqlite://path`, a
/// plain path and `:memory:` mean SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A PostgreSQL connection string, passed to libpq unchanged.
    Postgres(String),
    /// A SQLite database file.
    SqliteFile(String),
    /// A private in-memory SQLite database (one connection only).
    SqliteMemory,
}

impl DatabaseUrl {
    /// Resolves `url` to a backend; an empty string is refused.
    pub fn parse(url: &str) -> Result<DatabaseUrl, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        match path {
            "" => Err(StoreError::Invalid("empty database URL".into())),
            ":memory:" => Ok(DatabaseUrl::SqliteMemory),
            path => Ok(DatabaseUrl::SqliteFile(path.to_owned())),
        }
    }

    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::SqliteFile(_) | DatabaseUrl::SqliteMemory => Backend::Sqlite,
        }
    }
}

/// Opens one connection and applies the session settings the store relies on.
pub(crate) fn establish(
    url: &DatabaseUrl,
    sqlite_busy_timeout: Duration,
) -> Result<DbConnection, StoreError> {
    match url {
        DatabaseUrl::Postgres(url) => {
            let mut conn = PgConnection::establish(url).map_err(StoreError::from_connection)?;
            // Instants are `timestamp` columns holding UTC; pin the session
            // zone so that now() and casts in ad-hoc SQL agree with them.
            conn.batch_execute("SET TIME ZONE 'UTC'")
                .map_err(StoreError::from)?;
            Ok(DbConnection::Postgresql(conn))
        }
        DatabaseUrl::SqliteFile(path) => {
            let mut conn =
                SqliteConnection::establish(path).map_err(StoreError::from_connection)?;
            // busy_timeout first: switching to WAL itself needs the lock.
            // synchronous=FULL keeps a commit durable across power loss.
            // Checkpoints are the store thread's (`checkpoints.rs`).
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                 PRAGMA wal_autocheckpoint = {};",
                sqlite_busy_timeout.as_millis(),
                WRITER_CHECKPOINTS_PAST,
            ))
            .map_err(StoreError::from)?;
            Ok(DbConnection::Sqlite(conn))
        }
        DatabaseUrl::SqliteMemory => {
            let mut conn =
                SqliteConnection::establish(":memory:").map_err(StoreError::from_connection)?;
            conn.batch_execute("PRAGMA foreign_keys = ON;")
                .map_err(StoreError::from)?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

/// A checked-out pooled connection; derefs to [`DbConnection`].
pub type PooledDbConnection = diesel::r2d2::PooledConnection<ConnectionManager>;

/// The r2d2 manager behind [`Store`](crate::Store): opens connections with
/// the settings above.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    sqlite_busy_timeout: Duration,
}

impl ConnectionManager {
    pub(crate) fn new(url: DatabaseUrl, sqlite_busy_timeout: Duration) -> ConnectionManager {
        ConnectionManager {
            url,
            sqlite_busy_timeout,
        }
    }
}

impl diesel::r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        establish(&self.url, self.sqlite_busy_timeout)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::from)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection handed back mid-transaction (a panic in a closure)
        // must not be reused.
        use diesel::connection::TransactionManager;
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}
