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
mod database;
mod http;
mod report;
mod runner;
mod scale;
mod scenarios;
mod server;
mod sqlite;
mod stats;
mod world;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

use crate::database::{Backend, Scratch};
use crate::http::Client;
use crate::report::{Report, RunResult, ScaleResult};
use crate::runner::Limit;
use crate::scenarios::Scenario;
use crate::server::{Server, ServerConfig};
use crate::world::World;

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
struct Common {
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
struct RunArgs {
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
}

#[derive(Debug, Parser)]
struct ScaleArgs {
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

/// What every run shares.
struct Context {
    config: ServerConfig,
    pg_url: String,
    work_dir: PathBuf,
    keep: bool,
    warmup: Duration,
    limit: Limit,
}

impl Context {
    fn scratch(&self, backend: Backend, label: &str) -> Result<Scratch, String> {
        Scratch::create(backend, &self.work_dir, label, &self.pg_url, self.keep)
    }

    /// A fresh database, migrated, with an admin key, and the server on it.
    fn start(&self, backend: Backend, label: &str) -> Result<(Scratch, String, Server), String> {
        let scratch = self.scratch(backend, label)?;
        self.config.cli(&scratch, &["migrate"])?;
        let admin = self.config.create_key(&scratch, "admin", None)?;
        let server = Server::start(&self.config, &scratch, "server")?;
        Ok((scratch, admin, server))
    }

    /// Patients each clinic needs: the seed bookings plus more than the
    /// fastest conceivable booking rate (1000 courses/s over all clients)
    /// can use in the warm-up and the measurement. Clients are spread
    /// round-robin, so a clinic gets at most ⌈clients / clinics⌉ of them.
    fn patients_per_clinic(&self, clinics: usize, clients: usize, seeds: usize) -> i64 {
        let clients = clients.max(1);
        let share = clients.div_ceil(clinics) as f64 / clients as f64;
        let work = match self.limit {
            Limit::Operations(n) => n as f64 * share,
            Limit::Duration(d) => 1000.0 * (d + self.warmup).as_secs_f64() * share,
        };
        seeds as i64 + work.ceil() as i64 + 100
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

fn run(cli: Cli) -> Result<(), String> {
    let common = cli.common;
    if common.seconds.is_nan() || common.seconds <= 0.0 {
        return Err("--seconds must be positive".into());
    }
    let warmup = common.warmup.unwrap_or((common.seconds / 5.0).min(2.0));
    let work_dir = common
        .work_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("chairside-load"));
    std::fs::create_dir_all(&work_dir).map_err(|e| format!("{}: {e}", work_dir.display()))?;
    let ctx = Context {
        config: ServerConfig {
            binary: server::find_binary(common.server.as_deref())?,
            pool_size: common.pool_size,
            log_filter: common.log_filter.clone(),
        },
        pg_url: common.pg_url.clone(),
        work_dir,
        keep: common.keep,
        warmup: Duration::from_secs_f64(warmup),
        limit: match common.requests {
            Some(n) => Limit::Operations(n),
            None => Limit::Duration(Duration::from_secs_f64(common.seconds)),
        },
    };
    let mut report = Report {
        started_at: chrono::Utc::now().to_rfc3339(),
        settings: BTreeMap::from([
            ("server".into(), ctx.config.binary.display().to_string()),
            ("seconds".into(), format!("{}", common.seconds)),
            ("warmup_seconds".into(), format!("{warmup}")),
            (
                "requests".into(),
                common.requests.map(|n| n.to_string()).unwrap_or_default(),
            ),
            (
                "pool_size".into(),
                common
                    .pool_size
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "server default".into()),
            ),
            ("log_filter".into(), common.log_filter.clone()),
            (
                "cores".into(),
                std::thread::available_parallelism()
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ),
            ("sqlite_version".into(), sqlite::version()),
            (
                "postgres_version".into(),
                database::psql(&common.pg_url, "SHOW server_version")
                    .map(|v| v.trim().to_string())
                    .unwrap_or_else(|e| format!("unreachable: {e}")),
            ),
            (
                "load_average_at_start".into(),
                std::fs::read_to_string("/proc/loadavg")
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
        ]),
        ..Report::default()
    };
    let outcome = match cli
        .command
        .unwrap_or_else(|| Command::Run(RunArgs::parse_from(["run"])))
    {
        Command::Run(args) => run_matrix(&ctx, &args, &mut report),
        Command::Scale(args) => run_scale(&ctx, &args, &mut report),
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

fn backends(given: &[Backend]) -> Vec<Backend> {
    if given.is_empty() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        given.to_vec()
    }
}

fn run_matrix(ctx: &Context, args: &RunArgs, report: &mut Report) -> Result<(), String> {
    let scenarios = if args.scenario.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        args.scenario.clone()
    };
    report
        .settings
        .insert("clinics".into(), args.clinics.to_string());
    report
        .settings
        .insert("chairs".into(), args.chairs.to_string());
    report
        .settings
        .insert("seed_courses".into(), args.seed_courses.to_string());
    for backend in backends(&args.backend) {
        if !args.only_baselines {
            for &scenario in &scenarios {
                for &clients in &args.clients {
                    eprintln!(
                        "… {} on {} with {clients} client(s)",
                        scenario.name(),
                        backend.name()
                    );
                    let result = run_one(ctx, args, backend, scenario, clients)?;
                    eprintln!(
                        "  {} ok ({:.1}/s), p50 {:?} ms, p99 {:?} ms, failed {}",
                        result.headline.ok,
                        result.headline.per_second,
                        result.headline.p50_ms,
                        result.headline.p99_ms,
                        result.headline.non_2xx + result.headline.transport_errors
                    );
                    report.runs.push(result);
                }
            }
        }
        if args.only_baselines || (!args.no_baselines && scenarios.contains(&Scenario::Book)) {
            for &clients in &args.clients {
                eprintln!(
                    "… booking transaction alone on {} with {clients} client(s)",
                    backend.name()
                );
                let b = baseline::run(ctx, args, backend, clients)?;
                eprintln!("  {:.1} courses/s ({})", b.courses_per_second, b.how);
                report.baselines.push(b);
            }
        }
    }
    Ok(())
}

/// Creates the clinics and patients of a run (and its seed bookings).
fn make_world(
    ctx: &Context,
    args: &RunArgs,
    scratch: &Scratch,
    server: &Server,
    admin: &str,
    clients: usize,
    seeds: usize,
) -> Result<Arc<World>, String> {
    let client = Client::new(&server.base);
    let clinics = world::create_clinics(
        &client,
        &ctx.config,
        scratch,
        admin,
        args.clinics,
        args.chairs,
        &world::weekday_hours(),
    )?;
    let patients = world::insert_patients(
        scratch,
        &clinics,
        ctx.patients_per_clinic(args.clinics, clients, seeds),
    )?;
    Ok(Arc::new(World {
        clinics,
        patients,
        first_day: chrono::Utc::now().date_naive() + chrono::Duration::days(7),
    }))
}

fn run_one(
    ctx: &Context,
    args: &RunArgs,
    backend: Backend,
    scenario: Scenario,
    clients: usize,
) -> Result<RunResult, String> {
    let label = format!("{}_{clients}", scenario.name());
    let setup = Instant::now();
    let (scratch, admin, mut server) = ctx.start(backend, &label)?;
    let seeds = if scenario.needs_bookings() {
        args.seed_courses
    } else {
        0
    };
    let mut seeded = Vec::new();
    let world = if scenario.needs_world() {
        let world = make_world(ctx, args, &scratch, &server, &admin, clients, seeds)?;
        if seeds > 0 {
            seeded = world::book_courses(&Client::new(&server.base), &world, seeds, "seed")?;
        }
        Some(world)
    } else {
        None
    };
    server.wait_until_idle(Duration::from_secs(20));
    let setup_seconds = setup.elapsed().as_secs_f64();
    let tag = format!("{}-{}", std::process::id(), label);
    let workers = scenarios::clients(
        scenario,
        &server.base,
        world.as_ref(),
        clients,
        &seeded,
        &tag,
    );
    let measured = runner::run(workers, ctx.warmup, ctx.limit, server.pid());
    if !server.alive() {
        return Err(format!(
            "the server died during {} on {} with {clients} clients; log:\n{}",
            scenario.name(),
            backend.name(),
            server.log_text()
        ));
    }
    let ops: BTreeMap<String, stats::Summary> = measured
        .ops
        .iter()
        .map(|(op, r)| (op.to_string(), r.summarise(measured.elapsed)))
        .collect();
    let headline = match scenario.headline() {
        Some(op) => measured.ops.get(op).cloned().unwrap_or_default(),
        None => {
            let mut all = stats::Recorded::default();
            for r in measured.ops.values() {
                all.merge(r.clone());
            }
            all
        }
    }
    .summarise(measured.elapsed);
    let log = server.log_problems();
    drop(server);
    drop(scratch);
    Ok(RunResult {
        scenario,
        backend,
        clients,
        measured_seconds: measured.elapsed.as_secs_f64(),
        headline,
        ops,
        memory: measured.memory,
        setup_seconds,
        stopped_early: measured.stopped_early,
        server_log_lines: log.len(),
        server_log: log.into_iter().take(20).collect(),
    })
}

fn run_scale(ctx: &Context, args: &ScaleArgs, report: &mut Report) -> Result<(), String> {
    let endpoints: Vec<Scenario> = if args.scenario.is_empty() {
        vec![Scenario::Availability, Scenario::DaySheet]
    } else {
        args.scenario.clone()
    };
    if let Some(bad) = endpoints
        .iter()
        .find(|s| !matches!(s, Scenario::Availability | Scenario::DaySheet))
    {
        return Err(format!(
            "scale measures availability and day-sheet, not {}",
            bad.name()
        ));
    }
    let mut sizes = args.sizes.clone();
    sizes.sort_unstable();
    let day = scale::measured_day();
    report
        .settings
        .insert("clinics".into(), args.clinics.to_string());
    report
        .settings
        .insert("chairs".into(), args.chairs.to_string());
    report
        .settings
        .insert("measured_day".into(), day.to_string());
    for backend in backends(&args.backend) {
        let (scratch, admin, server) = ctx.start(backend, "scale")?;
        let client = Client::new(&server.base);
        let clinics = world::create_clinics(
            &client,
            &ctx.config,
            &scratch,
            &admin,
            args.clinics,
            args.chairs,
            &world::daily_hours(),
        )?;
        let protocol_versions = clinics
            .iter()
            .map(|c| {
                scratch
                    .query(&format!(
                        "SELECT id FROM protocol_versions WHERE clinic_id = {} AND protocol_id = {} \
                         ORDER BY revision DESC LIMIT 1",
                        c.id, c.iv_protocol
                    ))?
                    .parse::<i64>()
                    .map_err(|e| format!("protocol version of clinic {}: {e}", c.id))
            })
            .collect::<Result<Vec<i64>, String>>()?;
        let layout = scale::Layout {
            clinics,
            protocol_versions,
            booster_policy: world::IV_BOOSTER_POLICY.to_string(),
            measured_day: day,
        };
        // The server stays down while SQL writes (SQLite admits one writer).
        drop(server);
        let mut courses = 0;
        for &size in &sizes {
            eprintln!("… seeding {} to {size} sessions", backend.name());
            let started = Instant::now();
            courses = layout.seed_to(&scratch, courses, size, |done, of| {
                eprintln!(
                    "  {} sessions of {} ({:.0} s)",
                    done * scale::SESSIONS_PER_COURSE,
                    of * scale::SESSIONS_PER_COURSE,
                    started.elapsed().as_secs_f64()
                )
            })?;
            scale::after_seeding(&scratch)?;
            let seed_seconds = started.elapsed().as_secs_f64();
            let stored: u64 = scratch
                .query("SELECT count(*) FROM sessions")?
                .parse()
                .map_err(|e| format!("counting sessions: {e}"))?;
            let bytes = scratch.size_bytes();
            eprintln!(
                "  {stored} sessions stored, seeding took {seed_seconds:.1} s, database {:.0} MiB",
                bytes.unwrap_or(0) as f64 / 1048576.0
            );
            if args.seed_only {
                report.notes.push(format!(
                    "{}: seeded to {stored} sessions in {seed_seconds:.1} s; database {:.0} MiB",
                    backend.name(),
                    bytes.unwrap_or(0) as f64 / 1048576.0
                ));
                continue;
            }
            let mut server = Server::start(&ctx.config, &scratch, &format!("server-{size}"))?;
            let idle = server.wait_until_idle(Duration::from_secs(60));
            eprintln!("  server idle after {:.1} s", idle.as_secs_f64());
            let world = Arc::new(World {
                clinics: vec![layout.clinics[0].clone()],
                patients: world::Patients::none(),
                first_day: day,
            });
            for &endpoint in &endpoints {
                for &clients in &args.clients {
                    let workers = scale_clients(&server.base, &world, endpoint, clients);
                    let measured = runner::run(workers, ctx.warmup, ctx.limit, server.pid());
                    let op = endpoint.headline().expect("a read endpoint");
                    let summary = measured
                        .ops
                        .get(op)
                        .cloned()
                        .unwrap_or_default()
                        .summarise(measured.elapsed);
                    eprintln!(
                        "  {} ×{clients}: {:.1}/s, p50 {:?} ms, p99 {:?} ms",
                        endpoint.name(),
                        summary.per_second,
                        summary.p50_ms,
                        summary.p99_ms
                    );
                    report.scale.push(ScaleResult {
                        backend,
                        sessions: stored,
                        seed_seconds,
                        database_bytes: bytes,
                        endpoint: endpoint.name().to_string(),
                        clients,
                        summary,
                        memory: measured.memory,
                    });
                }
            }
            if !server.alive() {
                return Err(format!("the server died; log:\n{}", server.log_text()));
            }
            for line in server.log_problems().into_iter().take(5) {
                report.notes.push(format!(
                    "{} at {stored} sessions, server log: {line}",
                    backend.name()
                ));
            }
        }
        drop(scratch);
    }
    Ok(())
}

/// Clients reading one clinic's measured day, again and again.
fn scale_clients(
    base: &str,
    world: &Arc<World>,
    endpoint: Scenario,
    clients: usize,
) -> Vec<Box<dyn runner::Work>> {
    (0..clients)
        .map(|_| -> Box<dyn runner::Work> {
            Box::new(scenarios::OneDay::new(
                Client::new(base),
                Arc::clone(world),
                endpoint == Scenario::Availability,
            ))
        })
        .collect()
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
