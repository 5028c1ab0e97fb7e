//! `chairside-load`: load tests of the real `chairside` binary.
//!
//! It starts the server itself (the release binary next to it, or
//! `--server`), on a fresh SQLite data directory or a fresh PostgreSQL
//! database per run (`chairside_load_*`, dropped afterwards), with rate
//! limiting off and error-only logging; creates keys through the CLI,
//! clinics through the API and patients with SQL; then runs simulated
//! clients — one OS thread and one keep-alive connection each — for a
//! warm-up and a fixed duration (or request count), keeping every latency.
//!
//! ```text
//! chairside-load                                  # every scenario × backend × 1/8/32 clients, and the baselines
//! chairside-load run --scenario book --backend postgres --clients 8
//! chairside-load scale                            # read latency at 10k / 100k / 1M sessions stored
//! ```
//!
//! Results go to standard output as markdown and to `--out` as JSON.
//! `scripts/perf.sh` builds and runs it.

mod baseline;
mod booking_sql;
mod context;
mod database;
mod http;
mod matrix;
mod report;
mod runner;
mod scale;
mod scenarios;
mod server;
mod sqlite;
mod stats;
mod world;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::context::Context;
use crate::database::Backend;
use crate::report::Report;
use crate::scenarios::Scenario;

#[derive(Debug, Parser)]
#[command(
    name = "chairside-load",
    about = "Load tests of the chairside server on SQLite and PostgreSQL"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct Common {
    /// The release `chairside` binary (default: next to this one).
    #[arg(long, global = true)]
    server: Option<PathBuf>,
    /// A PostgreSQL URL whose user may create and drop databases; runs use
    /// scratch databases on the same server.
    #[arg(
        long,
        env = "PERF_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres",
        global = true
    )]
    pg_url: String,
    /// Seconds measured per run.
    #[arg(long, env = "PERF_SECONDS", default_value_t = 10.0, global = true)]
    seconds: f64,
    /// Seconds of warm-up before each measurement (default: 2, or a fifth
    /// of --seconds when that is shorter).
    #[arg(long, env = "PERF_WARMUP_SECONDS", global = true)]
    warmup: Option<f64>,
    /// Measure this many operations per run (shared by the clients) instead
    /// of a duration.
    #[arg(long, global = true)]
    requests: Option<u64>,
    /// The server's `CHAIRSIDE_POOL_SIZE` (default: the server's default).
    #[arg(long, global = true)]
    pool_size: Option<u32>,
    /// The server's `RUST_LOG`.
    #[arg(long, default_value = "error", global = true)]
    log_filter: String,
    /// Where to write the JSON results.
    #[arg(long, global = true)]
    out: Option<PathBuf>,
    /// Where scratch files go (SQLite data, server logs).
    #[arg(long, global = true)]
    work_dir: Option<PathBuf>,
    /// Keep the scratch databases and logs.
    #[arg(long, global = true)]
    keep: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scenarios × backends × client counts, and the database-alone
    /// baselines (the default command).
    Run(RunArgs),
    /// Read latency with many sessions stored, seeded with SQL.
    Scale(ScaleArgs),
}

#[derive(Debug, Parser)]
pub struct RunArgs {
    /// Scenarios (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    scenario: Vec<Scenario>,
    /// Backends (default: both).
    #[arg(long, value_enum, value_delimiter = ',')]
    backend: Vec<Backend>,
    /// Concurrent clients.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 8, 32])]
    clients: Vec<usize>,
    /// Clinics the clients spread over.
    #[arg(long, default_value_t = 8)]
    clinics: usize,
    /// Chairs per clinic.
    #[arg(long, default_value_t = 6)]
    chairs: usize,
    /// Courses booked per clinic before a read or mixed run.
    #[arg(long, default_value_t = 40)]
    seed_courses: usize,
    /// Skip pgbench and the direct SQLite loop.
    #[arg(long)]
    no_baselines: bool,
    /// Run only pgbench and the direct SQLite loop.
    #[arg(long, conflicts_with = "no_baselines")]
    only_baselines: bool,
    /// Rounds of booking and the transactions alone: each round books over
    /// HTTP and runs both baselines back to back at every client count, so
    /// a ratio compares minutes alike; the report gives the median round.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    rounds: u16,
}

#[derive(Debug, Parser)]
pub struct ScaleArgs {
    /// Sessions stored at each step (cumulative, ascending).
    #[arg(long, value_delimiter = ',', default_values_t = [10_000, 100_000, 1_000_000])]
    sizes: Vec<u64>,
    /// Backends (default: both).
    #[arg(long, value_enum, value_delimiter = ',')]
    backend: Vec<Backend>,
    /// Read endpoints (default: availability and day-sheet).
    #[arg(long, value_enum, value_delimiter = ',')]
    scenario: Vec<Scenario>,
    /// Concurrent clients.
    #[arg(long, value_delimiter = ',', default_values_t = [1])]
    clients: Vec<usize>,
    /// Clinics the sessions spread over.
    #[arg(long, default_value_t = 20)]
    clinics: usize,
    /// Chairs per clinic.
    #[arg(long, default_value_t = 10)]
    chairs: usize,
    /// Only seed (and time it); measure nothing.
    #[arg(long)]
    seed_only: bool,
}

impl Common {
    /// Seconds of warm-up: as given, else 2 or a fifth of `--seconds`.
    fn warmup_seconds(&self) -> f64 {
        self.warmup.unwrap_or((self.seconds / 5.0).min(2.0))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chairside-load: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the mode asked for; the report is printed (and written) even when
/// a run failed part-way, with a note saying so.
fn run(cli: Cli) -> Result<(), String> {
    let common = cli.common;
    let ctx = Context::new(&common)?;
    let mut report = Report {
        started_at: chrono::Utc::now().to_rfc3339(),
        settings: ctx.settings(&common),
        ..Report::default()
    };
    let outcome = match cli
        .command
        .unwrap_or_else(|| Command::Run(RunArgs::parse_from(["run"])))
    {
        Command::Run(args) => matrix::run(&ctx, &args, &mut report),
        Command::Scale(args) => scale::run(&ctx, &args, &mut report),
    };
    if let Err(e) = &outcome {
        report.notes.push(format!("stopped by an error: {e}"));
    }
    println!("{}", report.markdown());
    if let Some(out) = &common.out {
        let json = serde_json::to_string_pretty(&report).expect("the report serialises");
        std::fs::write(out, json).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("results: {}", out.display());
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_well_formed() {
        Cli::command().debug_assert();
        let cli = Cli::parse_from([
            "chairside-load",
            "run",
            "--scenario",
            "book,day-sheet",
            "--clients",
            "1,32",
            "--seconds",
            "2",
        ]);
        match cli.command {
            Some(Command::Run(args)) => {
                assert_eq!(args.scenario, [Scenario::Book, Scenario::DaySheet]);
                assert_eq!(args.clients, [1, 32]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(cli.common.seconds, 2.0);
        // No subcommand: the whole matrix with its defaults.
        assert_eq!(RunArgs::parse_from(["run"]).clients, [1, 8, 32]);
    }
}
