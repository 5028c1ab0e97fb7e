//! Chairside's persistence: everything the service keeps, on an embedded
//! SQLite file or on PostgreSQL, chosen by the database URL.
//!
//! # Overview
//!
//! * [`Store`] owns a bounded r2d2 pool of [`DbConnection`]s (diesel's
//!   `MultiConnection` over `PgConnection` and `SqliteConnection`); queries are
//!   written once and run on either backend.
//! * [`Store::write`] runs a closure in one transaction (`BEGIN IMMEDIATE` on
//!   SQLite); [`Store::write_retrying`] runs it again when a concurrent writer
//!   took the slot, so the closure can reload, re-plan with the engine and
//!   write again.
//! * [`repo`] holds one module per aggregate: plain functions taking
//!   `&mut DbConnection`, usable inside or outside a transaction (the ones
//!   that must be atomic check that they run inside one).
//! * The database itself refuses double booking (an exclusion constraint on
//!   PostgreSQL, triggers on SQLite), refuses changes to the audit trail, and
//!   the store reports each refusal as a typed [`StoreError`] with a
//!   [`kind`](StoreError::kind).
//! * [`run_migrations`] applies the embedded migrations for the backend.
//!
//! Every call blocks on database I/O: from async code, call the store
//! through `actix_web::web::block` or `tokio::task::spawn_blocking`.
//!
//! # Example
//!
//! ```
//! use chairside_engine::{ClinicSettings, WeeklyHours};
//! use chairside_store::{repo, Store, StoreConfig, StoreError};
//! use chairside_store::models::NewClinic;
//!
//! # fn main() -> Result<(), StoreError> {
//! let store = Store::open(&StoreConfig::new(":memory:"))?;
//! store.run_migrations()?;
//! let clinic = store.write(|conn| {
//!     repo::clinics::create(conn, &NewClinic {
//!         name: "Harbour Clinic".into(),
//!         time_zone: chrono_tz::America::New_York,
//!         opening_hours: WeeklyHours::default(),
//!         settings: ClinicSettings::default(),
//!     })
//! })?;
//! let again = store.read(|conn| repo::clinics::get(conn, clinic.id))?;
//! assert_eq!(again.name, "Harbour Clinic");
//! assert_eq!(again.settings.boosters_ahead, 1);
//! # Ok(())
//! # }
//! ```

mod backend;
mod batch;
mod checkpoints;
mod columns;
mod connection;
mod error;
mod kept;
mod migrations;
pub mod models;
mod native;
pub mod repo;
mod schema;
mod secrets;
mod store;
mod timestamp_text;
mod transaction;
mod turn;
mod turn_queues;
mod writer;

pub use backend::{DbConnection, MultiBackend};
pub use columns::stored_instant;
pub use connection::{Backend, ConnectionManager, DatabaseUrl, PooledDbConnection};
pub use error::{ErrorKind, Overlap, StoreError};
pub use kept::CalendarUses;
pub use migrations::{
    pending_migrations, revert_all_migrations, revert_last_migration, run_migrations,
};
pub use secrets::sha256_hex;
pub use store::{Store, StoreConfig};
pub use transaction::{in_savepoint, in_write_transaction, rolled_back, RetryableError};
pub use writer::Commits;
