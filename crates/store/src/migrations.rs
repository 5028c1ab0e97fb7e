//! Embedded schema migrations, one set per backend.
//!
//! `migrations/postgres` and `migrations/sqlite` hold the same migrations
//! under the same names; the binary embeds both and applies the set that
//! matches the connection.

use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::backend::DbConnection;
use crate::error::StoreError;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// The PostgreSQL advisory lock held while migrating ("chairsid" in ASCII).
const MIGRATION_LOCK: i64 = 0x6368_6169_7273_6964;

/// Applies every pending migration; returns the versions applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        DbConnection::Postgresql(c) => {
            // Replicas started together (a rolling upgrade, a scale-out)
            // would otherwise race to apply the same migration, and all but
            // one would fail at start. A session advisory lock lets the
            // first apply them; the rest wait, then find nothing pending.
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let applied = c
                .run_pending_migrations(POSTGRES)
                .map(|v| v.iter().map(|m| m.to_string()).collect());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            applied
        }
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
    };
    applied.map_err(|e| StoreError::Internal(format!("migration failed: {e}")))
}

/// Reverts every applied migration, newest first; returns the versions
/// reverted. For tests and for a deliberate `migrate --down-all`.
pub fn revert_all_migrations(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let reverted = match conn {
        DbConnection::Postgresql(c) => c
            .revert_all_migrations(POSTGRES)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
        DbConnection::Sqlite(c) => c
            .revert_all_migrations(SQLITE)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
    };
    reverted.map_err(|e| StoreError::Internal(format!("migration revert failed: {e}")))
}

/// Reverts the newest applied migration; returns its version. For tests
/// of what a migration does to rows already stored, and for a deliberate
/// step back.
pub fn revert_last_migration(conn: &mut DbConnection) -> Result<String, StoreError> {
    let reverted = match conn {
        DbConnection::Postgresql(c) => c.revert_last_migration(POSTGRES).map(|m| m.to_string()),
        DbConnection::Sqlite(c) => c.revert_last_migration(SQLITE).map(|m| m.to_string()),
    };
    reverted.map_err(|e| StoreError::Internal(format!("migration revert failed: {e}")))
}

/// Migrations known to the binary and not yet applied to this database.
pub fn pending_migrations(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let pending = match conn {
        DbConnection::Postgresql(c) => c
            .pending_migrations(POSTGRES)
            .map(|v| v.iter().map(|m| m.name().to_string()).collect()),
        DbConnection::Sqlite(c) => c
            .pending_migrations(SQLITE)
            .map(|v| v.iter().map(|m| m.name().to_string()).collect()),
    };
    pending.map_err(|e| StoreError::Internal(format!("reading migrations failed: {e}")))
}
