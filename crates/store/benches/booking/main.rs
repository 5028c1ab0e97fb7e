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
//! `BENCH_SECONDS` (default 5) bounds each run, `BENCH_ROUNDS` (default 3)
//! repeats every configuration, interleaved; `BENCH_FILTER` (e.g.
//! `sqlite plain`, `postgres`) picks configurations by name. Run with
//! `cargo bench -p chairside-store --bench booking`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chairside_store::models::{
    Actor, NewChair, NewClinic, NewCourse, NewPatient, PlannedSession, Role,
};
use chairside_store::repo::courses::{self, CourseBooking};
use chairside_store::repo::{chairs, clinics, patients, protocols};
use chairside_store::{Store, StoreConfig, StoreError};
use chrono::{TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
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
                    store_rate(&db.path, run.threads, run_for)
                }
                ("sqlite", _) => {
                    let db = TempSqlite::new();
                    // Schema and seed through the store; the loop is plain C API.
                    let store = Store::open(&StoreConfig::new(db.path.clone())).expect("open");
                    store.run_migrations().expect("migrate");
                    let fx = seed(&store);
                    drop(store);
                    plain_sqlite::rate(&db.path, &fx, run.threads, run_for)
                }
                _ => {
                    let db = ScratchPg::new(pg_url.as_deref().expect("postgres URL"));
                    store_rate(&db.url, run.threads, run_for)
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
#[derive(Clone, Copy)]
pub struct Fixture {
    pub clinic_id: i64,
    pub chair_id: i64,
    pub patient_id: i64,
    pub protocol_version_id: i64,
}

fn seed(store: &Store) -> Fixture {
    store
        .write(|conn| {
            let clinic = clinics::create(
                conn,
                &NewClinic {
                    name: "Bench".into(),
                    time_zone: "UTC".into(),
                    opening_hours: json!({}),
                    settings: json!({}),
                },
            )?;
            let chair = chairs::add(
                conn,
                clinic.id,
                &NewChair {
                    label: "A".into(),
                    modalities: json!(["iv_ketamine"]),
                    position: 0,
                },
            )?;
            let patient = patients::create(
                conn,
                clinic.id,
                &NewPatient {
                    external_ref: "MRN-1".into(),
                    display_name: "P".into(),
                    preferences: json!({}),
                    intake_assessed_on: None,
                    consent_on_file: true,
                    rems_enrolled_on: None,
                    escort_confirmed: true,
                },
            )?;
            let (_, version) =
                protocols::create(conn, clinic.id, "p", "P", &json!({"phases": []}))?;
            Ok::<_, StoreError>(Fixture {
                clinic_id: clinic.id,
                chair_id: chair.id,
                patient_id: patient.id,
                protocol_version_id: version.id,
            })
        })
        .expect("seed")
}

/// Six sessions of course number `k`, two hours apart, never overlapping
/// any other course's (so every booking succeeds, as in the pgbench script).
pub fn plan(fx: &Fixture, k: i64) -> Vec<PlannedSession> {
    let base = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    (0..6)
        .map(|i| {
            let start = base + chrono::Duration::hours(2 * (6 * k + i));
            PlannedSession {
                phase_index: 0,
                sequence: i as i32,
                chair_id: fx.chair_id,
                starts_at: start,
                ends_at: start + chrono::Duration::minutes(90),
            }
        })
        .collect()
}

/// Runs `threads` writers booking courses through the store for `run_for`.
fn store_rate(url: &str, threads: usize, run_for: Duration) -> f64 {
    let store = Store::open(&StoreConfig::new(url).pool_size(threads as u32)).expect("open");
    store.run_migrations().expect("migrate");
    let fx = seed(&store);
    let next = Arc::new(AtomicI64::new(0));
    let start = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (store, next, start) = (store.clone(), Arc::clone(&next), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                let began = Instant::now();
                let mut booked = 0u64;
                while began.elapsed() < run_for {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let sessions = plan(&fx, k);
                    let course = NewCourse {
                        clinic_id: fx.clinic_id,
                        patient_id: fx.patient_id,
                        protocol_version_id: fx.protocol_version_id,
                        booster_policy: None,
                    };
                    store
                        .write(|conn| {
                            courses::book(
                                conn,
                                &CourseBooking {
                                    course: &course,
                                    sessions: &sessions,
                                    actor: Actor::key(1, Role::FrontDesk),
                                    request_id: Some("bench"),
                                },
                            )
                        })
                        .expect("booking");
                    booked += 1;
                }
                booked as f64 / began.elapsed().as_secs_f64()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("writer")).sum()
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
