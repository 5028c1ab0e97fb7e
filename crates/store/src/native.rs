//! Statements run on the connection's own backend, and the id of a row
//! just inserted.
//!
//! diesel's `MultiConnection` renders a statement's SQL text anew every time
//! it runs — even one it keeps prepared, only to look it up — and converts
//! each bound value; on a booking's path that was about 6 % of the server's
//! time on SQLite. A statement whose values are plain types (no column type
//! only [`MultiBackend`](crate::MultiBackend) reads) runs on the native
//! connection instead, with the statement cache's static key; so does a
//! multi-row insert, which `MultiBackend` cannot render at all.
//!
//! SQLite answers `RETURNING` by building a temporary table for the
//! statement, every time (about 1 % of a booking per statement): where the
//! only thing returned is the new row's id, SQLite is asked
//! `last_insert_rowid()` instead. PostgreSQL keeps `RETURNING id`, which
//! costs it nothing.

diesel::define_sql_function! {
    /// The rowid of this connection's latest insert into a rowid table
    /// (SQLite); a trigger's own inserts do not change it once the
    /// statement is done.
    fn last_insert_rowid() -> diesel::sql_types::BigInt;
}

/// Runs `$run` with `$c` bound to the native connection of `$conn`.
macro_rules! natively {
    ($conn:expr, $c:ident => $run:expr) => {
        match $conn {
            $crate::backend::DbConnection::Postgresql($c) => $run,
            $crate::backend::DbConnection::Sqlite($c) => $run,
        }
    };
}

pub(crate) use natively;

/// Runs the insert `$insert` into a table whose id column is `$id`,
/// natively, and answers the new rows' ids in ascending order, which is the
/// order of the insert's rows. SQLite gives a multi-row insert's rows
/// consecutive ids ending at `last_insert_rowid()`: each new rowid is one
/// more than the table's largest (SQLite chooses otherwise only once the
/// largest is `i64::MAX`), and no trigger inserts into a table this is
/// used on.
macro_rules! inserted_ids {
    ($conn:expr, $insert:expr, $id:expr) => {
        match $conn {
            $crate::backend::DbConnection::Postgresql(c) => {
                let mut ids: Vec<i64> = $insert.returning($id).get_results(c)?;
                ids.sort_unstable();
                ids
            }
            $crate::backend::DbConnection::Sqlite(c) => {
                let rows = $insert.execute(c)? as i64;
                let last =
                    diesel::select($crate::native::last_insert_rowid()).get_result::<i64>(c)?;
                (last - rows + 1..=last).collect::<Vec<i64>>()
            }
        }
    };
}

pub(crate) use inserted_ids;
