//! Courses booked per second: one transaction holding a course row, six
//! sessions, an outbox event and an audit row, with 1 and 8 writer threads.
//!
//! * SQLite, always: through the store, and the same statements through the
//!   plain SQLite C API (libsqlite3-sys) as the baseline, each on a fresh
//!   database file with the store's pragmas.
//! * PostgreSQL, when `BENCH_DATABASE_URL` or `TEST_DATABASE_URL` is set:
//!   through the store on a fresh scratch database. Its baseline is
//!   `scripts/bench-store-pgbench.sh` (the same transaction run by pgbench).
//!
//! Each course is an active IV course of a patient of its own: a patient
//! has at most one active course of a kind (the database refuses a
//! second), so the seed creates `BENCH_PATIENTS` patients (default 20000
//! per second of run, several times what this machine books) and a run
//! ends early, with a note, if it books that many courses.
//!
//! `BENCH_SECONDS` (default 5) bounds each run, `BENCH_ROUNDS` (default 3)
//! repeats every configuration, interleaved; `BENCH_FILTER` (e.g.
//! `sqlite plain`, `postgres`) picks configurations by name. Run with
//! `cargo bench -p chairside-store --bench booking`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chairside_engine::course::{CourseState, CourseStatus, NewSession, Placement};
use chairside_engine::{presets, ChairId, ClinicSettings, Modality, WeeklyHours};
use chairside_store::models::{
    Actor, AuditEntry, Course, NewChair, NewClinic, NewOutboxEvent, Role, Session,
};
use chairside_store::repo::courses::{self, NewCourse};
use chairside_store::repo::{audit, chairs, clinics, outbox, protocols, sessions};
use chairside_store::{DbConnection, Store, StoreConfig, StoreError};
use chrono::{NaiveTime, TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::json;

mod plain_sqlite;

const THREADS: [usize; 2] = [1, 8];

fn main() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let run_for = Duration::from_secs(env("BENCH_SECONDS", 5));
    let rounds = env("BENCH_ROUNDS", 3).max(1);
    let patients = env("BENCH_PATIENTS", 20_000 * run_for.as_secs().max(1)).max(1) as i64;
    let filter = std::env::var("BENCH_FILTER").unwrap_or_default();
    let pg_url = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .ok()
        .filter(|u| !u.is_empty());

    let mut runs: Vec<Run> = Vec::new();
    for threads in THREADS {
        runs.push(Run {
            backend: "sqlite",
            how: "store (diesel)",
            threads,
            rates: vec![],
        });
        runs.push(Run {
            backend: "sqlite",
            how: "plain C API loop",
            threads,
            rates: vec![],
        });
        if pg_url.is_some() {
            runs.push(Run {
                backend: "postgres",
                how: "store (diesel)",
                threads,
                rates: vec![],
            });
        }
    }
    runs.retain(|r| format!("{} {}", r.backend, r.how).contains(filter.as_str()));

    println!(
        "courses/s: course + 6 sessions + outbox + audit per transaction; \
         {rounds} interleaved rounds of {} s per configuration",
        run_for.as_secs()
    );
    // Interleaving the configurations spreads any background load on the
    // machine over all of them instead of penalising one.
    for _ in 0..rounds {
        for run in &mut runs {
            let rate = match (run.backend, run.how) {
                ("sqlite", "store (diesel)") => {
                    let db = TempSqlite::new();
                    store_rate(&db.path, patients, run.threads, run_for)
                }
                ("sqlite", _) => {
                    let db = TempSqlite::new();
                    // Schema and seed through the store; the loop is plain C API.
                    let store = Store::open(&StoreConfig::new(db.path.clone())).expect("open");
                    store.run_migrations().expect("migrate");
                    let fx = seed(&store, patients);
                    drop(store);
                    plain_sqlite::rate(&db.path, &fx, run.threads, run_for)
                }
                _ => {
                    let db = ScratchPg::new(pg_url.as_deref().expect("postgres URL"));
                    store_rate(&db.url, patients, run.threads, run_for)
                }
            };
            run.rates.push(rate);
        }
    }
    println!(
        "{:<10} {:<18} {:>7} {:>10} {:>10}   all rounds",
        "backend", "how", "threads", "median", "best"
    );
    for run in &mut runs {
        run.rates.sort_by(f64::total_cmp);
        let median = run.rates[run.rates.len() / 2];
        let best = run.rates[run.rates.len() - 1];
        let all: Vec<String> = run.rates.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "{:<10} {:<18} {:>7} {:>10.0} {:>10.0}   {}",
            run.backend,
            run.how,
            run.threads,
            median,
            best,
            all.join(" ")
        );
    }
    if pg_url.is_none() {
        println!("postgres: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)");
    } else {
        println!("postgres baseline: scripts/bench-store-pgbench.sh (pgbench, same transaction)");
    }
}

struct Run {
    backend: &'static str,
    how: &'static str,
    threads: usize,
    rates: Vec<f64>,
}

/// What every booking refers to.
#[derive(Clone)]
pub struct Fixture {
    pub clinic_id: i64,
    pub chair_id: i64,
    /// Course `k` is for patient `patient_ids[k]`.
    pub patient_ids: Arc<Vec<i64>>,
    pub protocol_version_id: i64,
    /// The protocol's kind, which the course row keeps.
    pub modality: Modality,
}

impl Fixture {
    /// The patient of course number `k`, while there are patients left.
    pub fn patient(&self, k: i64) -> Option<i64> {
        usize::try_from(k)
            .ok()
            .and_then(|k| self.patient_ids.get(k).copied())
    }
}

fn seed(store: &Store, patients: i64) -> Fixture {
    store
        .write(|conn| {
            use chrono::Weekday::*;
            let clinic = clinics::create(
                conn,
                &NewClinic {
                    name: "Bench".into(),
                    time_zone: chrono_tz::UTC,
                    opening_hours: WeeklyHours::uniform(
                        &[Mon, Tue, Wed, Thu, Fri],
                        NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                        NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
                    ),
                    settings: ClinicSettings::default(),
                },
            )?;
            let chair = chairs::add(
                conn,
                clinic.id,
                &NewChair {
                    label: "A".into(),
                    modalities: vec![Modality::Iv],
                    position: 0,
                },
            )?;
            // One statement for all the patients (one INSERT each would
            // take longer than the run).
            diesel::sql_query(format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {patients}) \
                 INSERT INTO patients (clinic_id, external_ref, display_name, preferences, \
                   consent_on_file, escort_confirmed, created_at, updated_at) \
                 SELECT {}, 'MRN-' || i, 'P' || i, '{{}}', TRUE, TRUE, \
                   '2030-01-01 00:00:00', '2030-01-01 00:00:00' FROM n",
                clinic.id
            ))
            .execute(conn)?;
            #[derive(diesel::QueryableByName)]
            struct Id {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                id: i64,
            }
            let patient_ids: Vec<i64> = diesel::sql_query(format!(
                "SELECT id FROM patients WHERE clinic_id = {} ORDER BY id",
                clinic.id
            ))
            .load::<Id>(conn)?
            .into_iter()
            .map(|r| r.id)
            .collect();
            let protocol = presets::iv_ketamine_standard();
            let (_, version) = protocols::create(conn, clinic.id, "p", "P", &protocol)?;
            Ok::<_, StoreError>(Fixture {
                clinic_id: clinic.id,
                chair_id: chair.id,
                patient_ids: Arc::new(patient_ids),
                protocol_version_id: version.id,
                modality: protocol.modality,
            })
        })
        .expect("seed")
}

/// Six sessions of course number `k`, two hours apart, never overlapping
/// any other course's (so every booking succeeds, as in the pgbench script).
pub fn plan(fx: &Fixture, k: i64) -> Vec<NewSession> {
    let base = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    (0..6)
        .map(|i| {
            let start = base + chrono::Duration::hours(2 * (6 * k + i));
            NewSession {
                phase: 0,
                sequence: i as u32 + 1,
                placement: Placement {
                    chair: ChairId(fx.chair_id),
                    start,
                    end: start + chrono::Duration::minutes(90),
                },
            }
        })
        .collect()
}

/// Books a course the way the service does (the tests' helper, copied):
/// the course row, active in its first phase, its sessions, one
/// `course.booked` outbox event and one audit row, in the caller's
/// transaction.
fn book(
    conn: &mut DbConnection,
    fx: &Fixture,
    patient_id: i64,
    planned: &[NewSession],
) -> Result<(Course, Vec<Session>), StoreError> {
    let state = CourseState {
        status: CourseStatus::Active,
        phase: 0,
        series_started_at: None,
        booster_policy: None,
        at_risk: None,
        extension_accepted: false,
    };
    let course = courses::create(
        conn,
        &NewCourse {
            clinic_id: fx.clinic_id,
            patient_id,
            protocol_version_id: fx.protocol_version_id,
            modality: fx.modality,
            state: &state,
        },
    )?;
    let sessions = sessions::insert(conn, fx.clinic_id, course.id, patient_id, planned)?;
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
    outbox::append(
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
            actor: Actor::key(1, Role::FrontDesk),
            action: "course.booked".into(),
            entity_type: "course".into(),
            entity_id: Some(course.id),
            before: None,
            after: Some(summary),
            request_id: Some("bench".into()),
        },
    )?;
    Ok((course, sessions))
}

/// Runs `threads` writers booking courses through the store for `run_for`
/// (or until every patient has a course).
fn store_rate(url: &str, patients: i64, threads: usize, run_for: Duration) -> f64 {
    let store = Store::open(&StoreConfig::new(url).pool_size(threads as u32)).expect("open");
    store.run_migrations().expect("migrate");
    let fx = seed(&store, patients);
    let next = Arc::new(AtomicI64::new(0));
    let start = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (store, fx, next, start) = (
                store.clone(),
                fx.clone(),
                Arc::clone(&next),
                Arc::clone(&start),
            );
            std::thread::spawn(move || {
                start.wait();
                let began = Instant::now();
                let mut booked = 0u64;
                while began.elapsed() < run_for {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(patient_id) = fx.patient(k) else {
                        break;
                    };
                    let sessions = plan(&fx, k);
                    store
                        .write(|conn| book(conn, &fx, patient_id, &sessions))
                        .expect("booking");
                    booked += 1;
                }
                booked as f64 / began.elapsed().as_secs_f64()
            })
        })
        .collect();
    let rate = handles.into_iter().map(|h| h.join().expect("writer")).sum();
    note_if_out_of_patients(&fx, &next);
    rate
}

/// Says so when a run ended early because every patient had a course.
pub fn note_if_out_of_patients(fx: &Fixture, next: &AtomicI64) {
    let patients = fx.patient_ids.len();
    if fx.patient(next.load(Ordering::Relaxed) - 1).is_none() {
        eprintln!(
            "note: a run booked a course for all {patients} patients and ended early \
             (its rate stands); raise BENCH_PATIENTS for longer runs"
        );
    }
}

/// A fresh SQLite file, removed afterwards.
struct TempSqlite {
    path: String,
}

impl TempSqlite {
    fn new() -> TempSqlite {
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes).expect("randomness");
        let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let path = std::env::temp_dir().join(format!("chairside_bench_{suffix}.sqlite"));
        TempSqlite {
            path: path.to_string_lossy().into_owned(),
        }
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path));
        }
    }
}

/// A scratch PostgreSQL database, dropped afterwards.
struct ScratchPg {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchPg {
    fn new(admin_url: &str) -> ScratchPg {
        let mut bytes = [0u8; 6];
        getrandom::fill(&mut bytes).expect("randomness");
        let name = format!(
            "chairside_bench_{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let mut admin = PgConnection::establish(admin_url).expect("connect");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        let base = admin_url.split('?').next().unwrap_or(admin_url);
        let cut = base
            .rfind('/')
            .filter(|&i| i > base.find("://").map_or(0, |s| s + 2))
            .unwrap_or(base.len());
        let url = format!("{}/{name}", &base[..cut]);
        ScratchPg {
            admin_url: admin_url.to_owned(),
            name,
            url,
        }
    }
}

impl Drop for ScratchPg {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
