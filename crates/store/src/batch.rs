//! Multi-row INSERTs, and two statements sent as one, that diesel
//! prepares once.
//!
//! diesel caches a prepared statement only when the statement's shape is in
//! its type. A `Vec` of rows is not (its length is not), so every booking's
//! sessions and outbox events were parsed and planned by PostgreSQL anew.
//! An array is: [`with_sized_rows`] hands the rows over as an array for the
//! sizes a decision usually writes, and as the `Vec` beyond them.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

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

/// Two statements in one round trip on PostgreSQL: `first` runs as a
/// data-modifying `WITH` of `then` (PostgreSQL runs each exactly once, in
/// one snapshot). diesel prepares it once when both are in their types.
#[derive(Debug, Clone, Copy, QueryId)]
pub(crate) struct AlongWith<A, B> {
    first: A,
    then: B,
}

impl<A, B> AlongWith<A, B> {
    pub(crate) fn new(first: A, then: B) -> AlongWith<A, B> {
        AlongWith { first, then }
    }
}

impl<A, B> QueryFragment<Pg> for AlongWith<A, B>
where
    A: QueryFragment<Pg>,
    B: QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH first AS (");
        self.first.walk_ast(out.reborrow())?;
        out.push_sql(") ");
        self.then.walk_ast(out.reborrow())
    }
}

impl<A, B> RunQueryDsl<PgConnection> for AlongWith<A, B> {}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use diesel::prelude::*;
    use diesel::query_builder::{QueryFragment, QueryId};

    use super::AlongWith;
    use crate::models::{Actor, AuditEntry};
    use crate::repo::audit::AuditRow;
    use crate::schema::{audit_log, outbox};

    /// Two statements as one: the first as a `WITH` of the second, with a
    /// static query id, and cacheable when both parts are. (The statement
    /// a booking sends, with its real rows, is checked in `repo::outbox`.)
    #[test]
    fn an_audit_row_along_with_the_events_is_prepared_once() {
        let entry = AuditEntry {
            clinic_id: Some(1),
            actor: Actor::system(),
            action: "course.booked".into(),
            entity_type: "course".into(),
            entity_id: None,
            before: None,
            after: None,
            request_id: None,
        };
        let at = chrono::NaiveDateTime::default();
        let audit = diesel::insert_into(audit_log::table).values(AuditRow::of(&entry, at));
        let events = diesel::insert_into(outbox::table)
            .values([1_i64, 2].map(|id| (outbox::aggregate_id.eq(id), outbox::event_type.eq("x"))));
        let both = AlongWith::new(audit, events);
        fn static_id<T: QueryId>(_: &T) -> bool {
            T::HAS_STATIC_QUERY_ID
        }
        assert!(static_id(&both));
        assert!(both.is_safe_to_cache_prepared(&Pg).unwrap());
        let sql = diesel::debug_query::<Pg, _>(&both).to_string();
        assert!(
            sql.starts_with("WITH first AS (INSERT INTO \"audit_log\""),
            "{sql}"
        );
        assert!(sql.contains(") INSERT INTO \"outbox\""), "{sql}");
    }
}
