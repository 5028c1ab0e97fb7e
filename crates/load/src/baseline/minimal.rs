//! The database's limit: the minimal booking transaction, exactly as the
//! team measures it (`crates/load/minimal/`, copied from `shared/perf/`),
//! on a database of its own with its own schema. On PostgreSQL pgbench runs
//! it with the booking run's client count; on SQLite its Python loop runs
//! with one writer (SQLite takes one writer at a time, so that loop is the
//! limit at every client count).

use std::process::Command;
use std::time::Duration;

use super::pgbench;
use crate::context::Context;
use crate::database::Backend;
use crate::report::{Baseline, Transaction};
use crate::runner::Limit;

const SCHEMA: &str = include_str!("../../minimal/minimal-schema.sql");
const BOOKING: &str = include_str!("../../minimal/minimal-booking.pgbench");
const SQLITE_LOOP: &str = include_str!("../../minimal/sqlite_minimal_booking.py");

/// Measured with no `--seconds` (the run counts operations instead).
const DEFAULT_SECONDS: f64 = 10.0;

/// The minimal transaction with `clients` connections.
pub fn run(ctx: &Context, backend: Backend, clients: usize) -> Result<Baseline, String> {
    let scratch = ctx.scratch(backend, &format!("minimal_{clients}"))?;
    match backend {
        Backend::Postgres => {
            let url = scratch.pg_url().ok_or("pgbench needs PostgreSQL")?;
            scratch.exec(SCHEMA)?;
            let path = scratch.dir.join("minimal-booking.pgbench");
            std::fs::write(&path, BOOKING).map_err(|e| format!("{}: {e}", path.display()))?;
            let out = pgbench::measure(ctx, url, &path, clients)?;
            Ok(pgbench::baseline(out, clients, Transaction::Minimal))
        }
        Backend::Sqlite => python_loop(ctx, &scratch.dir, clients),
    }
}

/// What the Python loop's `write_run` answers (the fields read here).
#[derive(serde::Deserialize)]
struct LoopRun {
    courses_per_s: f64,
    courses: u64,
    conflicts: u64,
    lat_avg_ms: f64,
    lat_p50_ms: f64,
    lat_p99_ms: f64,
}

/// The script's first configuration only (durable commits, empty start):
/// a warm-up on a fresh file, then the measured run on another.
fn python_loop(ctx: &Context, dir: &std::path::Path, clients: usize) -> Result<Baseline, String> {
    let script = dir.join("sqlite_minimal_booking.py");
    std::fs::write(&script, SQLITE_LOOP).map_err(|e| format!("{}: {e}", script.display()))?;
    let seconds = match ctx.limit {
        Limit::Duration(d) => d.as_secs_f64(),
        Limit::Operations(_) => DEFAULT_SECONDS,
    };
    let driver = format!(
        "import json, sys\n\
         sys.path.insert(0, {dir:?})\n\
         import sqlite_minimal_booking as m\n\
         path = {db:?}\n\
         if {warmup} > 0:\n    m.create(path); m.write_run(path, 'FULL', {warmup}, 1, 1)\n\
         m.create(path)\n\
         print(json.dumps(m.write_run(path, 'FULL', {seconds}, 2, 1)))\n",
        dir = dir.display().to_string(),
        db = dir.join("minimal.db").display().to_string(),
        warmup = ctx.warmup.max(Duration::ZERO).as_secs_f64(),
    );
    let out = Command::new("python3")
        .args(["-c", &driver])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the SQLite minimal loop failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let run: LoopRun = serde_json::from_str(text.trim())
        .map_err(|e| format!("cannot read the SQLite minimal loop's answer {text:?}: {e}"))?;
    Ok(Baseline {
        backend: Backend::Sqlite,
        transaction: Transaction::Minimal,
        clients,
        round: 1,
        how: "Python loop, 1 writer".into(),
        courses_per_second: run.courses_per_s,
        transactions: run.courses,
        failed: run.conflicts,
        mean_ms: Some(run.lat_avg_ms),
        p50_ms: Some(run.lat_p50_ms),
        p99_ms: Some(run.lat_p99_ms),
    })
}
