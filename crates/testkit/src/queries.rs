//! Checks the API cannot make, read straight from a test's database.

use chairside_store::{DbConnection, Store, StoreError};
use diesel::RunQueryDsl;

/// Counts pairs of overlapping live sessions on one chair or one patient:
/// the invariant the database guards, checked by a plain self-join.
pub fn overlapping_live_pairs(conn: &mut DbConnection) -> i64 {
    use diesel::sql_types::BigInt;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let live = "('booked', 'checked_in', 'completed', 'not_dosed')";
    let sql = format!(
        "SELECT COUNT(*) AS n FROM sessions a JOIN sessions b \
           ON a.clinic_id = b.clinic_id AND a.id < b.id \
          AND (a.chair_id = b.chair_id OR a.patient_id = b.patient_id) \
          AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at \
        WHERE a.status IN {live} AND b.status IN {live}"
    );
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .expect("overlap query")
        .n
}

/// The number of rows in `table`.
pub fn count(conn: &mut DbConnection, table: &str) -> i64 {
    use diesel::sql_types::BigInt;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .expect("count")
        .n
}

#[derive(Clone, Debug, diesel::QueryableByName)]
pub struct OutboxRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event_type: String,
    /// The course.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub aggregate_id: i64,
}

/// Every outbox event, in outbox (id) order.
pub fn outbox(store: &Store) -> Vec<OutboxRow> {
    store
        .read(|conn| {
            diesel::sql_query("SELECT event_id, event_type, aggregate_id FROM outbox ORDER BY id")
                .load::<OutboxRow>(conn)
                .map_err(StoreError::from)
        })
        .expect("read the outbox")
}

/// The ids of every course in the database.
pub fn course_ids(store: &Store) -> Vec<i64> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    store
        .read(|conn| {
            diesel::sql_query("SELECT id FROM courses ORDER BY id")
                .load::<Id>(conn)
                .map_err(StoreError::from)
        })
        .expect("read the courses")
        .into_iter()
        .map(|row| row.id)
        .collect()
}

/// How many deadlocks PostgreSQL detected in this database so far (its
/// cumulative statistics, flushed within a second or so of the event);
/// `None` on SQLite, whose writers cannot deadlock.
pub fn deadlocks(conn: &mut DbConnection) -> Option<i64> {
    use diesel::sql_types::BigInt;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let DbConnection::Postgresql(_) = conn else {
        return None;
    };
    diesel::sql_query("SELECT pg_stat_clear_snapshot()")
        .execute(conn)
        .expect("clear the statistics snapshot");
    let sql = "SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()";
    Some(
        diesel::sql_query(sql)
            .get_result::<Count>(conn)
            .expect("deadlocks")
            .n,
    )
}
