//! The default mode, `run`: every scenario × backend × client count over
//! HTTP, each on a fresh server and database; booking in rounds, each
//! followed at once by the booking transaction alone (the baselines) at the
//! same client count.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::baseline;
use crate::context::{backends, Context};
use crate::database::Backend;
use crate::http::Client;
use crate::report::{Baseline, Report, RunResult};
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
    report
        .settings
        .insert("rounds".into(), args.rounds.to_string());
    for backend in backends(&args.backend) {
        // Booking is measured in rounds with its baselines (below) when
        // they run; every other scenario once, first.
        let paired =
            args.only_baselines || (!args.no_baselines && scenarios.contains(&Scenario::Book));
        if !args.only_baselines {
            for &scenario in scenarios
                .iter()
                .filter(|&&s| !(paired && s == Scenario::Book))
            {
                for &clients in &args.clients {
                    report
                        .runs
                        .push(run_one(ctx, args, backend, scenario, clients)?);
                }
            }
        }
        if paired {
            for round in 1..=usize::from(args.rounds) {
                for &clients in &args.clients {
                    book_and_baselines(ctx, args, report, (backend, clients, round))?;
                }
            }
        }
    }
    Ok(())
}

/// One round at one client count: booking over HTTP, then Chairside's own
/// transaction and the minimal one alone, back to back. The limit moves
/// with the disk (fsync) from minute to minute more than Chairside does;
/// measured together, the three see the same machine.
fn book_and_baselines(
    ctx: &Context,
    args: &RunArgs,
    report: &mut Report,
    (backend, clients, round): (Backend, usize, usize),
) -> Result<(), String> {
    if !args.only_baselines {
        let run = run_one(ctx, args, backend, Scenario::Book, clients)?;
        report.runs.push(RunResult { round, ..run });
    }
    eprintln!(
        "… booking transaction alone on {} with {clients} client(s), round {round}",
        backend.name()
    );
    let b = baseline::run(ctx, args, backend, clients)?;
    eprintln!("  {:.1} courses/s ({})", b.courses_per_second, b.how);
    report.baselines.push(Baseline { round, ..b });
    eprintln!(
        "… minimal booking transaction on {} with {clients} client(s), round {round}",
        backend.name()
    );
    // On SQLite one writer's loop, whatever the clients: run again at each
    // count all the same, for the minutes it shares with the HTTP run.
    let b = baseline::minimal::run(ctx, backend, clients)?;
    eprintln!("  {:.1} courses/s ({})", b.courses_per_second, b.how);
    report.baselines.push(Baseline { round, ..b });
    Ok(())
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
        round: 1,
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
