//! Courses booked per second: one transaction holding a course row, six
//! sessions, an outbox event and an audit row, with 1 and 8 writer threads.
//!
//! * SQLite, always: through the store, and the same statements through the
//!   plain SQLite C API (libsqlite3-sys) as the baseline, each on a fresh
//!   database file with the store's pragmas.
//! * PostgreSQL, when `BENCH_DATABASE_URL` or `TEST_DATABASE_URL` is set:
//!   through the store on a fresh scratch database. Its baseline is
//!   `scripts/bench-store-pgbench.sh`, pgbench running the statements of
//!   `transaction.sql` (the plain SQLite loop runs the same file).
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

mod fixture;
mod plain_sqlite;
mod scratch;
mod sqlite_api;
mod through_store;
mod writers;

use std::time::Duration;

use chairside_store::{Store, StoreConfig};

use scratch::{ScratchPg, TempSqlite};

const THREADS: [usize; 2] = [1, 8];

/// What the environment asks for.
struct Settings {
    run_for: Duration,
    rounds: u64,
    patients: i64,
    filter: String,
    /// PostgreSQL runs only with a URL whose user may create databases.
    pg_url: Option<String>,
}

impl Settings {
    fn from_env() -> Settings {
        let env = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(default)
        };
        let run_for = Duration::from_secs(env("BENCH_SECONDS", 5));
        Settings {
            run_for,
            rounds: env("BENCH_ROUNDS", 3).max(1),
            patients: env("BENCH_PATIENTS", 20_000 * run_for.as_secs().max(1)).max(1) as i64,
            filter: std::env::var("BENCH_FILTER").unwrap_or_default(),
            pg_url: std::env::var("BENCH_DATABASE_URL")
                .or_else(|_| std::env::var("TEST_DATABASE_URL"))
                .ok()
                .filter(|u| !u.is_empty()),
        }
    }
}

/// Which database, and through what.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    SqliteStore,
    SqlitePlain,
    PostgresStore,
}

impl Way {
    fn backend(self) -> &'static str {
        match self {
            Way::SqliteStore | Way::SqlitePlain => "sqlite",
            Way::PostgresStore => "postgres",
        }
    }

    fn how(self) -> &'static str {
        match self {
            Way::SqliteStore | Way::PostgresStore => "store (diesel)",
            Way::SqlitePlain => "plain C API loop",
        }
    }
}

/// One configuration and its rate in every round.
struct Run {
    way: Way,
    threads: usize,
    rates: Vec<f64>,
}

fn main() {
    let settings = Settings::from_env();
    let mut runs = configurations(&settings);
    println!(
        "courses/s: course + 6 sessions + outbox + audit per transaction; \
         {} interleaved rounds of {} s per configuration",
        settings.rounds,
        settings.run_for.as_secs()
    );
    // Interleaving the configurations spreads any background load on the
    // machine over all of them instead of penalising one.
    for _ in 0..settings.rounds {
        for run in &mut runs {
            run.rates.push(measure(run.way, run.threads, &settings));
        }
    }
    print_table(&mut runs);
    if settings.pg_url.is_none() {
        println!("postgres: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)");
    } else {
        println!("postgres baseline: scripts/bench-store-pgbench.sh (pgbench, same transaction)");
    }
}

/// Every way × thread count that `BENCH_FILTER` keeps.
fn configurations(settings: &Settings) -> Vec<Run> {
    let mut ways = vec![Way::SqliteStore, Way::SqlitePlain];
    if settings.pg_url.is_some() {
        ways.push(Way::PostgresStore);
    }
    THREADS
        .into_iter()
        .flat_map(|threads| ways.iter().map(move |&way| (way, threads)))
        .filter(|(way, _)| format!("{} {}", way.backend(), way.how()).contains(&settings.filter))
        .map(|(way, threads)| Run {
            way,
            threads,
            rates: vec![],
        })
        .collect()
}

/// One round of one configuration, on a fresh database.
fn measure(way: Way, threads: usize, settings: &Settings) -> f64 {
    let (patients, run_for) = (settings.patients, settings.run_for);
    match way {
        Way::SqliteStore => {
            let db = TempSqlite::new();
            through_store::rate(&db.path, patients, threads, run_for)
        }
        Way::SqlitePlain => {
            let db = TempSqlite::new();
            // Schema and seed through the store; the loop is plain C API.
            let store = Store::open(&StoreConfig::new(db.path.clone())).expect("open");
            store.run_migrations().expect("migrate");
            let fx = fixture::seed(&store, patients);
            drop(store);
            plain_sqlite::rate(&db.path, &fx, threads, run_for)
        }
        Way::PostgresStore => {
            let db = ScratchPg::new(settings.pg_url.as_deref().expect("postgres URL"));
            through_store::rate(&db.url, patients, threads, run_for)
        }
    }
}

/// Median, best and every round's rate, per configuration.
fn print_table(runs: &mut [Run]) {
    println!(
        "{:<10} {:<18} {:>7} {:>10} {:>10}   all rounds",
        "backend", "how", "threads", "median", "best"
    );
    for run in runs {
        run.rates.sort_by(f64::total_cmp);
        let median = run.rates[run.rates.len() / 2];
        let best = run.rates[run.rates.len() - 1];
        let all: Vec<String> = run.rates.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "{:<10} {:<18} {:>7} {:>10.0} {:>10.0}   {}",
            run.way.backend(),
            run.way.how(),
            run.threads,
            median,
            best,
            all.join(" ")
        );
    }
}
