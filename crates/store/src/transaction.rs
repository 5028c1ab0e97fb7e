//! Transactions on a connection the caller holds: a write transaction, a
//! savepoint, a dry run; and which errors are worth another attempt.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::Connection;

use crate::backend::DbConnection;
use crate::error::StoreError;

/// Errors that can say whether a transaction is worth running again.
/// Implement it for the service layer's error so that
/// [`Store::write_retrying`](crate::Store::write_retrying) can see through it.
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
/// returns `Ok`, rolls back otherwise. [`Store::write`](crate::Store::write)
/// is this on a pooled connection (PostgreSQL).
pub fn in_write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    write_transaction(conn, "BEGIN", f)
}

/// [`in_write_transaction`], begun on PostgreSQL by `begin` (`BEGIN` and
/// what else the transaction starts with, in one round trip).
pub(crate) fn write_transaction<T, E>(
    conn: &mut DbConnection,
    begin: &str,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let begun = match conn {
        DbConnection::Postgresql(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, begin).inspect_err(|_| {
                // A statement after BEGIN failed: the server's transaction
                // is open (and aborted) though diesel counts none.
                let _ = c.batch_execute("ROLLBACK");
            })
        }
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
