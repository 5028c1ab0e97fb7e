//! The default mode, `run`: every scenario × backend × client count over
//! HTTP, each on a fresh server and database, then the booking transaction
//! alone (the baselines) at the same client counts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::baseline;
use crate::context::{backends, Context};
use crate::database::Backend;
use crate::http::Client;
use crate::report::{Baseline, Report, RunResult, Transaction};
use crate::runner::{self, Measured};
use crate::scenarios::{self, Scenario};
use crate::stats::{self, Summary};
use crate::world::{self, SessionRef, World};
use crate::RunArgs;

pub fn run(ctx: &Context, args: &RunArgs, report: &mut Report) -> Result<(), String> {
    let scenarios = if args.scenario.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        args.scenario.clone()
    };
    report.settings.extend([
        ("clinics".into(), args.clinics.to_string()),
        ("chairs".into(), args.chairs.to_string()),
        ("seed_courses".into(), args.seed_courses.to_string()),
    ]);
    for backend in backends(&args.backend) {
        if !args.only_baselines {
            for &scenario in &scenarios {
                for &clients in &args.clients {
                    report
                        .runs
                        .push(run_one(ctx, args, backend, scenario, clients)?);
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
                eprintln!(
                    "… minimal booking transaction on {} with {clients} client(s)",
                    backend.name()
                );
                let b = minimal(ctx, report, backend, clients)?;
                eprintln!("  {:.1} courses/s ({})", b.courses_per_second, b.how);
                report.baselines.push(b);
            }
        }
    }
    Ok(())
}

/// The minimal transaction; on SQLite one writer's loop is the limit
/// whatever the clients, so it runs once and is shown for each count.
fn minimal(
    ctx: &Context,
    report: &Report,
    backend: Backend,
    clients: usize,
) -> Result<Baseline, String> {
    let once = report
        .baselines
        .iter()
        .find(|b| b.backend == Backend::Sqlite && b.transaction == Transaction::Minimal);
    match (backend, once) {
        (Backend::Sqlite, Some(b)) => Ok(Baseline {
            clients,
            ..b.clone()
        }),
        _ => baseline::minimal::run(ctx, backend, clients),
    }
}

/// One scenario on a fresh server and database.
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
    let (world, seeded) = if scenario.needs_world() {
        let seeds = seeds_for(args, scenario);
        let world = ctx.make_world(args, &scratch, &server, &admin, clients, seeds)?;
        let seeded = seed(&server.base, &world, seeds)?;
        (Some(world), seeded)
    } else {
        (None, Vec::new())
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
    let log = server.log_problems();
    drop(server);
    drop(scratch);
    Ok(RunResult {
        scenario,
        backend,
        clients,
        measured_seconds: measured.elapsed.as_secs_f64(),
        headline: headline(scenario, &measured),
        ops: measured
            .ops
            .iter()
            .map(|(op, r)| (op.to_string(), r.summarise(measured.elapsed)))
            .collect::<BTreeMap<_, _>>(),
        memory: measured.memory,
        setup_seconds,
        stopped_early: measured.stopped_early,
        server_log_lines: log.len(),
        server_log: log.into_iter().take(20).collect(),
    })
}

/// Courses booked per clinic before the run: only for scenarios that read
/// or change them.
fn seeds_for(args: &RunArgs, scenario: Scenario) -> usize {
    if scenario.needs_bookings() {
        args.seed_courses
    } else {
        0
    }
}

/// Books `per_clinic` courses through the API before the run, for the
/// scenarios that read or change them.
fn seed(base: &str, world: &Arc<World>, per_clinic: usize) -> Result<Vec<SessionRef>, String> {
    if per_clinic == 0 {
        return Ok(Vec::new());
    }
    world::book_courses(&Client::new(base), world, per_clinic, "seed")
}

/// The scenario's headline operation, or every operation merged.
fn headline(scenario: Scenario, measured: &Measured) -> Summary {
    match scenario.headline() {
        Some(op) => measured.summary(op),
        None => {
            let mut all = stats::Recorded::default();
            for r in measured.ops.values() {
                all.merge(r.clone());
            }
            all.summarise(measured.elapsed)
        }
    }
}
