//! Migrations run up, down and up again, and leave the same schema; both
//! backends have the same tables and columns.

use std::collections::BTreeSet;

use chairside_store::{
    pending_migrations, revert_all_migrations, revert_last_migration, run_migrations, Backend,
    DbConnection,
};
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::RunQueryDsl;

use chairside_testkit::{backend_test, postgres_test, TestStore};

#[derive(diesel::QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// `table.column` for every column of every table the migrations made.
fn schema(conn: &mut DbConnection) -> BTreeSet<String> {
    let sql = match Backend::of(conn) {
        Backend::Postgres => {
            "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name \
             FROM information_schema.columns c JOIN information_schema.tables t \
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
               AND c.table_name <> '__diesel_schema_migrations'"
        }
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
               AND m.name <> '__diesel_schema_migrations'"
        }
    };
    diesel::sql_query(sql)
        .load::<Column>(conn)
        .expect("schema query")
        .into_iter()
        .map(|c| format!("{}.{}", c.table_name, c.column_name))
        .collect()
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn ids(conn: &mut DbConnection, sql: &str) -> Vec<i64> {
    diesel::sql_query(sql)
        .load::<Id>(conn)
        .expect("ids")
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// Migrations the binary embeds (per backend).
const MIGRATIONS: usize = 21;

const TABLES: [&str; 28] = [
    "api_keys",
    "audit_log",
    "booster_policy_changes",
    "chairs",
    "clinic_turns",
    "clinics",
    "closures",
    "courses",
    "freed_chair_time",
    "idempotency_keys",
    "outbox",
    "outbox_pending",
    "patients",
    "protocol_versions",
    "protocols",
    "reminders_sent",
    "rems_monitoring_forms",
    "session_monitoring",
    "session_notices",
    "session_status_history",
    "sessions",
    "slot_offers",
    "staff_members",
    "symptom_measures",
    "waitlist",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_subscriptions",
];

backend_test! {
    fn migrations_run_up_down_up(db) {
        let mut conn = db.store.connection().unwrap();
        let first = schema(&mut conn);
        let tables: BTreeSet<&str> = first.iter().map(|c| c.split('.').next().unwrap()).collect();
        assert_eq!(tables, TABLES.into_iter().collect());
        assert!(pending_migrations(&mut conn).unwrap().is_empty());
        let reverted = revert_all_migrations(&mut conn).unwrap();
        assert_eq!(reverted.len(), MIGRATIONS);
        assert!(schema(&mut conn).is_empty(), "down.sql drops everything up.sql made");
        assert_eq!(pending_migrations(&mut conn).unwrap().len(), MIGRATIONS);
        run_migrations(&mut conn).unwrap();
        assert_eq!(schema(&mut conn), first);
    }
}

postgres_test! {
    fn postgres_and_sqlite_have_the_same_columns() {
        let pg = TestStore::postgres();
        let lite = TestStore::sqlite();
        let pg_schema = schema(&mut pg.store.connection().unwrap());
        let lite_schema = schema(&mut lite.store.connection().unwrap());
        assert_eq!(pg_schema, lite_schema);
    }
}

postgres_test! {
    /// Replicas of a new version starting together each run the migrations
    /// at start: every one of them must come up, and each migration is
    /// applied once.
    fn replicas_migrating_together_all_succeed() {
        replicas_migrating_together(&TestStore::postgres());
    }
}

fn replicas_migrating_together(db: &TestStore) {
    revert_all_migrations(&mut db.store.connection().unwrap()).unwrap();
    let replicas: Vec<_> = (0..4).map(|_| db.another_store()).collect();
    let barrier = std::sync::Barrier::new(replicas.len());
    let applied: Vec<Vec<String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = replicas
            .iter()
            .map(|replica| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    replica.run_migrations()
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().unwrap().expect("every replica migrates"))
            .collect()
    });
    let total: usize = applied.iter().map(Vec::len).sum();
    assert_eq!(total, MIGRATIONS, "each migration applied exactly once");
    assert!(pending_migrations(&mut db.store.connection().unwrap())
        .unwrap()
        .is_empty());
}

backend_test! {
    /// Migration 21 moves "not yet published" from a column of the outbox
    /// to the fan-out queue: events stored unpublished before it are
    /// queued after it, published ones are not; and back down again.
    fn events_not_yet_published_stay_queued_across_migration_21(db) {
        let mut conn = db.store.connection().unwrap();
        assert!(revert_last_migration(&mut conn).unwrap().starts_with("20261208000021"));
        conn.batch_execute(
            "INSERT INTO outbox (clinic_id, event_id, event_type, aggregate_id, payload, created_at, published_at) VALUES \
               (1, 'evt_a', 'course.booked', 7, '{}', '2026-12-08 09:00:00', '2026-12-08 09:00:01'), \
               (1, 'evt_b', 'session.booked', 7, '{}', '2026-12-08 09:00:00', NULL), \
               (2, 'evt_c', 'session.cancelled', 8, '{}', '2026-12-08 09:00:02', NULL)",
        )
        .unwrap();
        let unpublished = ids(&mut conn, "SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id");
        assert_eq!(unpublished.len(), 2);
        run_migrations(&mut conn).unwrap();
        assert_eq!(ids(&mut conn, "SELECT id FROM outbox_pending ORDER BY id"), unpublished);
        assert_eq!(ids(&mut conn, "SELECT id FROM outbox ORDER BY id").len(), 3, "the event log is kept whole");
        revert_last_migration(&mut conn).unwrap();
        assert_eq!(ids(&mut conn, "SELECT id FROM outbox WHERE published_at IS NULL ORDER BY id"), unpublished);
        run_migrations(&mut conn).unwrap();
    }
}
