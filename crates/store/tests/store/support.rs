//! A fresh database per test, on each available backend.
//!
//! SQLite always: a temporary file (not `:memory:`: the race tests need
//! several connections to one database). PostgreSQL when
//! `TEST_DATABASE_URL` is set: `CREATE DATABASE chairside_test_<random>`,
//! dropped when the test ends, also on panic.

use std::path::PathBuf;

use chairside_engine::course::{
    CourseState, Decision, NewSession, Placement, SessionId, SessionUpdate,
};
use chairside_engine::{
    presets, ChairId, ClinicSettings, Modality, PatientPreferences, WeeklyHours,
};
use chairside_store::models::{
    Actor, AuditEntry, Course, CourseStatus, NewChair, NewClinic, NewOutboxEvent, NewPatient, Role,
    Session, SessionStatus,
};
use chairside_store::repo::courses::{self, Applied, NewCourse};
use chairside_store::repo::{audit, chairs, clinics, outbox, patients, protocols};
use chairside_store::{Backend, DbConnection, Store, StoreConfig, StoreError};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
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

/// A clinic with chairs, patients and two protocol revisions (IV ketamine
/// and esketamine nasal: two kinds of course).
pub struct Fixture {
    pub clinic_id: i64,
    pub chair_ids: Vec<i64>,
    pub patient_ids: Vec<i64>,
    /// IV ketamine, standard ([`Modality::Iv`]).
    pub protocol_version_id: i64,
    /// Esketamine nasal ([`Modality::Intranasal`]).
    pub nasal_version_id: i64,
}

/// Monday to Friday, 08:00 to 18:00.
pub fn weekday_hours() -> WeeklyHours {
    use chrono::Weekday::*;
    WeeklyHours::uniform(
        &[Mon, Tue, Wed, Thu, Fri],
        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
    )
}

/// A new patient with no preferences, consented, escort confirmed.
pub fn new_patient(external_ref: String, display_name: String) -> NewPatient {
    NewPatient {
        external_ref,
        display_name,
        preferences: PatientPreferences::default(),
        intake_assessed_on: None,
        consent_on_file: true,
        rems_enrolled_on: None,
        escort_confirmed: true,
    }
}

pub fn seed(store: &Store, chairs_n: usize, patients_n: usize) -> Fixture {
    store
        .write(|conn| {
            let clinic = clinics::create(
                conn,
                &NewClinic {
                    name: "Harbour Clinic".into(),
                    time_zone: chrono_tz::America::New_York,
                    opening_hours: weekday_hours(),
                    settings: ClinicSettings {
                        rems_certified: true,
                        ..Default::default()
                    },
                },
            )?;
            let chair_ids = (0..chairs_n)
                .map(|i| {
                    chairs::add(
                        conn,
                        clinic.id,
                        &NewChair {
                            label: format!("Chair {}", i + 1),
                            modalities: vec![Modality::Iv, Modality::Intranasal],
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
                        &new_patient(format!("MRN-{i:05}"), format!("Patient {i}")),
                    )
                    .map(|p| p.id)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let (_, iv) = protocols::create(
                conn,
                clinic.id,
                "iv-ketamine-standard",
                "IV ketamine, standard",
                &presets::iv_ketamine_standard(),
            )?;
            let (_, nasal) = protocols::create(
                conn,
                clinic.id,
                "esketamine-nasal",
                "Esketamine nasal",
                &presets::esketamine_nasal(),
            )?;
            Ok::<_, StoreError>(Fixture {
                clinic_id: clinic.id,
                chair_ids,
                patient_ids,
                protocol_version_id: iv.id,
                nasal_version_id: nasal.id,
            })
        })
        .expect("seed")
}

/// 2030-03-04 (a Monday) at `hour`:00 UTC.
pub fn at(day: i64, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, hour, 0, 0).unwrap() + Duration::days(day)
}

/// One session of phase 0, number `sequence`, on `chair` from `start` for
/// `minutes`.
pub fn planned(chair_id: i64, sequence: u32, start: DateTime<Utc>, minutes: i64) -> NewSession {
    NewSession {
        phase: 0,
        sequence,
        placement: Placement {
            chair: ChairId(chair_id),
            start,
            end: start + Duration::minutes(minutes),
        },
    }
}

/// A new course's state: active, in its first phase.
pub fn active_state() -> CourseState {
    CourseState {
        status: CourseStatus::Active,
        phase: 0,
        series_started_at: None,
        booster_policy: None,
        at_risk: None,
        extension_accepted: false,
    }
}

/// The actor the booking helpers write as.
pub fn desk() -> Actor {
    Actor::key(1, Role::FrontDesk)
}

/// What [`book`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Booked {
    pub course: Course,
    pub sessions: Vec<Session>,
    /// The `course.booked` outbox event's id.
    pub event_id: String,
}

/// Books a course the way the service does, in the caller's transaction:
/// the course row (active, phase 0, of the protocol's kind), its sessions,
/// one `course.booked` outbox event and one audit row.
pub fn book_in(
    conn: &mut DbConnection,
    fx: &Fixture,
    protocol_version_id: i64,
    patient_id: i64,
    sessions: &[NewSession],
) -> Result<Booked, StoreError> {
    let version = protocols::get_version(conn, fx.clinic_id, protocol_version_id)?;
    let state = active_state();
    let course = courses::create(
        conn,
        &NewCourse {
            clinic_id: fx.clinic_id,
            patient_id,
            protocol_version_id,
            modality: version.definition.modality,
            state: &state,
        },
    )?;
    let sessions = chairside_store::repo::sessions::insert(
        conn,
        fx.clinic_id,
        course.id,
        patient_id,
        sessions,
    )?;
    let summary = json!({
        "course_id": course.id,
        "patient_id": course.patient_id,
        "protocol_version_id": course.protocol_version_id,
        "sessions": sessions.iter().map(|s| json!({
            "id": s.id,
            "phase_index": s.phase_index,
            "sequence": s.sequence,
            "chair_id": s.chair_id,
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
        })).collect::<Vec<_>>(),
    });
    let event = outbox::append(
        conn,
        &NewOutboxEvent {
            clinic_id: fx.clinic_id,
            event_type: "course.booked".into(),
            aggregate_id: course.id,
            payload: summary.clone(),
        },
    )?;
    audit::append(
        conn,
        &AuditEntry {
            clinic_id: Some(fx.clinic_id),
            actor: desk(),
            action: "course.booked".into(),
            entity_type: "course".into(),
            entity_id: Some(course.id),
            before: None,
            after: Some(summary),
            request_id: Some("req-test".into()),
        },
    )?;
    Ok(Booked {
        course,
        sessions,
        event_id: event.event_id,
    })
}

/// Books an IV course for `patient_id` with `sessions`, in one transaction
/// on `conn`.
pub fn book_on(
    conn: &mut DbConnection,
    fx: &Fixture,
    patient_id: i64,
    sessions: &[NewSession],
) -> Result<Booked, StoreError> {
    chairside_store::in_write_transaction(conn, |conn| {
        book_in(conn, fx, fx.protocol_version_id, patient_id, sessions)
    })
}

/// Books an IV course for `patient_id` with `sessions`, in one transaction.
pub fn book(
    store: &Store,
    fx: &Fixture,
    patient_id: i64,
    sessions: &[NewSession],
) -> Result<Booked, StoreError> {
    book_on(&mut *store.connection()?, fx, patient_id, sessions)
}

/// Applies `decision`, taken on `course` and its sessions as `read`, in one
/// transaction, as `actor`.
pub fn apply(
    store: &Store,
    course: &Course,
    read: &[Session],
    decision: &Decision,
    actor: Actor,
) -> Result<Applied, StoreError> {
    store.write(|c| courses::apply(c, course, read, decision, actor))
}

/// A change of one session's status, as the engine decides it.
pub fn status_change(session: &Session, to: SessionStatus, reason: Option<&str>) -> SessionUpdate {
    SessionUpdate {
        session: SessionId(session.id),
        status: Some((session.status, to)),
        reason: reason.map(str::to_owned),
        ..Default::default()
    }
}

/// A move of one session, as the engine decides it.
pub fn moved(
    session: &Session,
    chair_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    reason: Option<&str>,
) -> SessionUpdate {
    SessionUpdate {
        session: SessionId(session.id),
        placement: Some(Placement {
            chair: ChairId(chair_id),
            start,
            end,
        }),
        reason: reason.map(str::to_owned),
        ..Default::default()
    }
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
