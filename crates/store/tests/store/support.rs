//! A fresh database per test, on each available backend.
//!
//! SQLite always: a temporary file (not `:memory:`: the race tests need
//! several connections to one database). PostgreSQL when
//! `TEST_DATABASE_URL` is set: `CREATE DATABASE chairside_test_<random>`,
//! dropped when the test ends, also on panic.

use std::path::PathBuf;

use chairside_store::models::Actor;
use chairside_store::models::{NewChair, NewClinic, NewCourse, NewPatient, PlannedSession};
use chairside_store::repo::courses::{self, BookedCourse, CourseBooking};
use chairside_store::repo::{chairs, clinics, patients, protocols};
use chairside_store::{Backend, DbConnection, Store, StoreConfig, StoreError};
use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::json;

/// Runs the body once per backend, as two tests: `<name>::sqlite` always and
/// `<name>::postgres` when `TEST_DATABASE_URL` is set.
macro_rules! backend_test {
    ($(#[$meta:meta])* fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($db: &crate::support::TestDb) $body

            $(#[$meta])*
            #[test]
            fn sqlite() {
                let db = crate::support::TestDb::new(chairside_store::Backend::Sqlite);
                body(&db);
            }

            $(#[$meta])*
            #[test]
            fn postgres() {
                match crate::support::TestDb::postgres() {
                    Some(db) => body(&db),
                    None => eprintln!("TEST_DATABASE_URL not set: PostgreSQL skipped"),
                }
            }
        }
    };
}
pub(crate) use backend_test;

/// A migrated database of its own, and a store on it.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    Postgres { admin_url: String, name: String },
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Pool size: the race tests need one connection per thread, and more.
pub const POOL_SIZE: u32 = 44;

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres().expect("TEST_DATABASE_URL"),
        }
    }

    pub fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("chairside_test_{}.sqlite", random_suffix()));
        let url = path.to_string_lossy().into_owned();
        TestDb::open(url, Cleanup::SqliteFile(path))
    }

    pub fn postgres() -> Option<TestDb> {
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let name = format!("chairside_test_{}", random_suffix());
        let mut admin = PgConnection::establish(&admin_url).expect("connect TEST_DATABASE_URL");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let url = with_database(&admin_url, &name);
        Some(TestDb::open(url, Cleanup::Postgres { admin_url, name }))
    }

    fn open(url: String, cleanup: Cleanup) -> TestDb {
        let store =
            Store::open(&StoreConfig::new(url.clone()).pool_size(POOL_SIZE)).expect("open store");
        let db = TestDb {
            store,
            url,
            cleanup,
        };
        db.store.run_migrations().expect("migrations");
        db
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// A second store on the same database: another process, as far as
    /// the database can tell.
    pub fn another_store(&self) -> Store {
        Store::open(&StoreConfig::new(self.url.clone()).pool_size(4)).expect("open store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Close the pool's connections before dropping the database.
        let placeholder = Store::open(&StoreConfig::new(":memory:")).expect("placeholder");
        drop(std::mem::replace(&mut self.store, placeholder));
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A clinic with chairs, patients and a protocol revision.
pub struct Fixture {
    pub clinic_id: i64,
    pub chair_ids: Vec<i64>,
    pub patient_ids: Vec<i64>,
    pub protocol_version_id: i64,
}

pub fn seed(store: &Store, chairs_n: usize, patients_n: usize) -> Fixture {
    store
        .write(|conn| {
            let clinic = clinics::create(
                conn,
                &NewClinic {
                    name: "Harbour Clinic".into(),
                    time_zone: "America/New_York".into(),
                    opening_hours: json!({"mon": [["08:00", "18:00"]]}),
                    settings: json!({"start_grid_minutes": 15, "rems_certified": true}),
                },
            )?;
            let chair_ids = (0..chairs_n)
                .map(|i| {
                    chairs::add(
                        conn,
                        clinic.id,
                        &NewChair {
                            label: format!("Chair {}", i + 1),
                            modalities: json!(["iv_ketamine", "esketamine_nasal"]),
                            position: i as i32,
                        },
                    )
                    .map(|c| c.id)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let patient_ids = (0..patients_n)
                .map(|i| {
                    patients::create(
                        conn,
                        clinic.id,
                        &NewPatient {
                            external_ref: format!("MRN-{i:05}"),
                            display_name: format!("Patient {i}"),
                            preferences: json!({}),
                            intake_assessed_on: None,
                            consent_on_file: true,
                            rems_enrolled_on: None,
                            escort_confirmed: true,
                        },
                    )
                    .map(|p| p.id)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let (_, version) = protocols::create(
                conn,
                clinic.id,
                "iv-ketamine-standard",
                "IV ketamine, standard",
                &json!({"phases": [{"kind": "series", "sessions": 6}]}),
            )?;
            Ok::<_, StoreError>(Fixture {
                clinic_id: clinic.id,
                chair_ids,
                patient_ids,
                protocol_version_id: version.id,
            })
        })
        .expect("seed")
}

/// 2030-03-04 (a Monday) at `hour`:00 UTC.
pub fn at(day: i64, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, hour, 0, 0).unwrap() + Duration::days(day)
}

/// One session on `chair` from `start` for `minutes`.
pub fn planned(chair_id: i64, sequence: i32, start: DateTime<Utc>, minutes: i64) -> PlannedSession {
    PlannedSession {
        phase_index: 0,
        sequence,
        chair_id,
        starts_at: start,
        ends_at: start + Duration::minutes(minutes),
    }
}

/// Books a course for `patient_id` with `sessions`, in one transaction.
pub fn book_on(
    conn: &mut DbConnection,
    fx: &Fixture,
    patient_id: i64,
    sessions: &[PlannedSession],
) -> Result<BookedCourse, StoreError> {
    chairside_store::in_write_transaction(conn, |conn| {
        courses::book(
            conn,
            &CourseBooking {
                course: &NewCourse {
                    clinic_id: fx.clinic_id,
                    patient_id,
                    protocol_version_id: fx.protocol_version_id,
                    booster_policy: None,
                },
                sessions,
                actor: Actor::key(1, chairside_store::models::Role::FrontDesk),
                request_id: Some("req-test"),
            },
        )
    })
}

pub fn book(
    store: &Store,
    fx: &Fixture,
    patient_id: i64,
    sessions: &[PlannedSession],
) -> Result<BookedCourse, StoreError> {
    book_on(&mut *store.connection()?, fx, patient_id, sessions)
}

/// Counts pairs of overlapping live sessions on one chair or one patient:
/// the invariant the database guards, checked by a plain self-join.
pub fn overlapping_live_pairs(conn: &mut DbConnection) -> i64 {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
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

pub fn count(conn: &mut DbConnection, table: &str) -> i64 {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
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
