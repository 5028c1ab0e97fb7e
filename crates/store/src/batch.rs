//! Multi-row INSERTs that diesel prepares once.
//!
//! diesel caches a prepared statement only when the statement's shape is in
//! its type. A `Vec` of rows is not (its length is not), so every booking's
//! sessions and outbox events were parsed and planned by PostgreSQL anew.
//! An array is: [`with_sized_rows`] hands the rows over as an array for the
//! sizes a decision usually writes, and as the `Vec` beyond them.

/// Evaluates `$insert` with `$rows` (a `Vec`) rebound as `[_; N]` when it
/// holds 1 to 8 rows, else as it is.
macro_rules! with_sized_rows {
    ($rows:ident => $insert:expr) => {
        $crate::batch::with_sized_rows!(@sizes $rows => $insert; 1 2 3 4 5 6 7 8)
    };
    (@sizes $rows:ident => $insert:expr; $($n:literal)*) => {
        match $rows.len() {
            $($n => {
                let Ok($rows) = <[_; $n]>::try_from($rows) else {
                    unreachable!("the length was matched");
                };
                $insert
            })*
            _ => $insert,
        }
    };
}

pub(crate) use with_sized_rows;
