//! A migrated database of a test's own and a store on it: for the tests
//! that use the store (or the api's services) in process, without the
//! binary.

use chairside_store::{Backend, Store, StoreConfig};

use crate::TestDb;

/// Pool size: the race tests need one connection per thread, and more.
/// Connections are opened as needed.
pub const POOL_SIZE: u32 = 44;

/// A [`TestDb`], migrated, and a [`Store`] on it.
pub struct TestStore {
    // Field order is drop order: the store's connections are closed
    // before the database is dropped.
    pub store: Store,
    pub db: TestDb,
}

impl TestStore {
    /// A store on a new database, migrated.
    pub fn on(db: TestDb) -> TestStore {
        let store = db.open_store(POOL_SIZE);
        store.run_migrations().expect("migrate the test database");
        TestStore { store, db }
    }

    /// On a new SQLite file.
    pub fn sqlite() -> TestStore {
        TestStore::on(TestDb::sqlite())
    }

    /// On a new PostgreSQL database; panics without `TEST_DATABASE_URL`.
    pub fn postgres() -> TestStore {
        TestStore::on(TestDb::postgres())
    }

    /// On a new database on `backend`.
    pub fn new(backend: Backend) -> TestStore {
        TestStore::on(TestDb::on(backend))
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// What the store was opened with: the SQLite file or PostgreSQL URL.
    pub fn url(&self) -> String {
        self.db.url()
    }

    /// A second store on the same database: another process, as far as
    /// the database can tell.
    pub fn another_store(&self) -> Store {
        Store::open(&StoreConfig::new(self.url()).pool_size(4)).expect("open another store")
    }
}
