//! The connection type shared by both backends.
//!
//! diesel's `MultiConnection` derive generates one backend type,
//! [`MultiBackend`], whose queries are written once and rendered for whichever
//! database the connection points at. The generated items carry no docs,
//! hence the `allow` on this module.
#![allow(missing_docs)]

use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

/// A connection to either PostgreSQL or SQLite; every repository function
/// takes `&mut DbConnection`.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL (`postgres://…`), for production and several replicas.
    Postgresql(PgConnection),
    /// SQLite (a file path, `sqlite://path` or `:memory:`), the embedded default.
    Sqlite(SqliteConnection),
}
