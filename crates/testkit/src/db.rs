//! A database of a test's own, and a scratch directory beside it: a SQLite
//! file, or a PostgreSQL database cloned from the migrated template (see
//! [`crate::postgres`]). Dropped when the test ends, also on panic.

use crate::unique::unique_suffix;
use std::path::{Path, PathBuf};

use chairside_store::{Backend, Store, StoreConfig};

use crate::postgres;

/// A fresh database and a scratch directory (for logs, the clinic's clock
/// and, on SQLite, the database file).
pub struct TestDb {
    location: Location,
    /// Removed when the database is dropped.
    pub scratch: PathBuf,
}

enum Location {
    /// The data directory (`CHAIRSIDE_DATA_DIR`); the database is the
    /// file [`SQLITE_FILE`] in it, made by whoever migrates it first.
    Sqlite(PathBuf),
    Postgres(postgres::Database),
}

/// The file name of the database in a SQLite data directory (what the
/// binary opens in `CHAIRSIDE_DATA_DIR`).
pub const SQLITE_FILE: &str = "chairside.sqlite";

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chairside_test_{}", unique_suffix()));
    std::fs::create_dir_all(&dir).expect("create the test's scratch directory");
    dir
}

impl TestDb {
    /// An empty SQLite database (not migrated: the binary migrates it at
    /// start, [`crate::TestStore`] when it opens it).
    pub fn sqlite() -> TestDb {
        let scratch = scratch_dir();
        let data = scratch.join("data");
        std::fs::create_dir_all(&data).expect("create the SQLite data directory");
        TestDb {
            location: Location::Sqlite(data),
            scratch,
        }
    }

    /// A new PostgreSQL database on the server `TEST_DATABASE_URL` names,
    /// migrated (a clone of the template). Panics, saying how to set it,
    /// without `TEST_DATABASE_URL`.
    pub fn postgres() -> TestDb {
        TestDb::postgres_on(&postgres::require())
    }

    /// A new, migrated database on the PostgreSQL server at `admin_url`
    /// (e.g. a private cluster a test starts and stops itself).
    pub fn postgres_on(admin_url: &str) -> TestDb {
        TestDb {
            location: Location::Postgres(postgres::Database::create(admin_url)),
            scratch: scratch_dir(),
        }
    }

    /// A new database on `backend`.
    pub fn on(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres(),
        }
    }

    pub fn backend(&self) -> Backend {
        match self.location {
            Location::Sqlite(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }

    /// What a [`Store`] opens: the SQLite file's path or the PostgreSQL URL.
    pub fn url(&self) -> String {
        match &self.location {
            Location::Sqlite(dir) => dir.join(SQLITE_FILE).display().to_string(),
            Location::Postgres(db) => db.url.clone(),
        }
    }

    /// The SQLite data directory, if this is SQLite.
    pub fn sqlite_dir(&self) -> Option<&Path> {
        match &self.location {
            Location::Sqlite(dir) => Some(dir),
            Location::Postgres(_) => None,
        }
    }

    /// A new store on this database, with at most `pool_size` connections
    /// (opened as needed). It does not migrate.
    pub fn open_store(&self, pool_size: u32) -> Store {
        Store::open(&StoreConfig::new(self.url()).pool_size(pool_size))
            .expect("open the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // The PostgreSQL database drops itself (`postgres::Database`); a
        // failing test has already printed what it needed from here.
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}
