//! The `scale` mode: read latency with 10 thousand to 1 million sessions
//! stored. Each backend's database is seeded up to each size in turn
//! ([`seed`], with the server down), then one clinic's measured day is
//! read by a server started on it.

mod seed;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::context::{backends, Context};
use crate::database::{Backend, Scratch};
use crate::http::Client;
use crate::report::{Report, ScaleResult};
use crate::runner::{self, Work};
use crate::scenarios::{OneDay, Scenario};
use crate::server::Server;
use crate::world::{self, World};
use crate::ScaleArgs;

use seed::{Layout, PER_COURSE};

pub fn run(ctx: &Context, args: &ScaleArgs, report: &mut Report) -> Result<(), String> {
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
    let day = seed::measured_day();
    report.settings.extend([
        ("clinics".into(), args.clinics.to_string()),
        ("chairs".into(), args.chairs.to_string()),
        ("measured_day".into(), day.to_string()),
    ]);
    for backend in backends(&args.backend) {
        let (scratch, layout) = lay_out(ctx, args, backend, day)?;
        let mut courses = 0;
        for &size in &sizes {
            let step = Step::seed(&scratch, &layout, &mut courses, size)?;
            if args.seed_only {
                report.notes.push(format!(
                    "{}: seeded to {} sessions in {:.1} s; database {:.0} MiB",
                    backend.name(),
                    step.stored,
                    step.seed_seconds,
                    step.mib()
                ));
                continue;
            }
            step.measure(ctx, args, &layout, &endpoints, report)?;
        }
        drop(scratch);
    }
    Ok(())
}

/// A fresh database with the clinics made through the API, and the
/// layout of the calendar to seed. The server is stopped on return: SQL
/// writes next, and SQLite admits one writer.
fn lay_out(
    ctx: &Context,
    args: &ScaleArgs,
    backend: Backend,
    day: chrono::NaiveDate,
) -> Result<(Scratch, Layout), String> {
    let (scratch, admin, server) = ctx.start(backend, "scale")?;
    let clinics = world::create_clinics(
        &Client::new(&server.base),
        &ctx.config,
        &scratch,
        &admin,
        args.clinics,
        args.chairs,
        &world::daily_hours(),
    )?;
    let protocol_versions = clinics
        .iter()
        .map(|c| world::iv_protocol_version(&scratch, c))
        .collect::<Result<Vec<i64>, String>>()?;
    drop(server);
    let layout = Layout {
        clinics,
        protocol_versions,
        booster_policy: world::IV_BOOSTER_POLICY.to_string(),
        measured_day: day,
    };
    Ok((scratch, layout))
}

/// One size: the database seeded up to it.
struct Step<'a> {
    scratch: &'a Scratch,
    size: u64,
    /// Sessions actually stored (whole courses).
    stored: u64,
    /// Seeding this step, with what follows it (ANALYZE, a checkpoint).
    seed_seconds: f64,
    bytes: Option<u64>,
}

impl<'a> Step<'a> {
    /// Seeds from `courses` (updated) up to `size` sessions.
    fn seed(
        scratch: &'a Scratch,
        layout: &Layout,
        courses: &mut i64,
        size: u64,
    ) -> Result<Step<'a>, String> {
        eprintln!("… seeding {} to {size} sessions", scratch.backend.name());
        let started = Instant::now();
        *courses = layout.seed_to(scratch, *courses, size, |done, of| {
            eprintln!(
                "  {} sessions of {} ({:.0} s)",
                done * PER_COURSE,
                of * PER_COURSE,
                started.elapsed().as_secs_f64()
            )
        })?;
        seed::after_seeding(scratch)?;
        let step = Step {
            scratch,
            size,
            seed_seconds: started.elapsed().as_secs_f64(),
            stored: scratch
                .query("SELECT count(*) FROM sessions")?
                .parse()
                .map_err(|e| format!("counting sessions: {e}"))?,
            bytes: scratch.size_bytes(),
        };
        eprintln!(
            "  {} sessions stored, seeding took {:.1} s, database {:.0} MiB",
            step.stored,
            step.seed_seconds,
            step.mib()
        );
        Ok(step)
    }

    fn mib(&self) -> f64 {
        self.bytes.unwrap_or(0) as f64 / 1048576.0
    }

    /// Every endpoint × client count on a server started for this size.
    fn measure(
        &self,
        ctx: &Context,
        args: &ScaleArgs,
        layout: &Layout,
        endpoints: &[Scenario],
        report: &mut Report,
    ) -> Result<(), String> {
        let backend = self.scratch.backend;
        let mut server =
            Server::start(&ctx.config, self.scratch, &format!("server-{}", self.size))?;
        let idle = server.wait_until_idle(Duration::from_secs(60));
        eprintln!("  server idle after {:.1} s", idle.as_secs_f64());
        let world = Arc::new(World {
            clinics: vec![layout.clinics[0].clone()],
            patients: world::Patients::none(),
            first_day: layout.measured_day,
        });
        for &endpoint in endpoints {
            for &clients in &args.clients {
                report
                    .scale
                    .push(self.read(ctx, &server, &world, endpoint, clients));
            }
        }
        if !server.alive() {
            return Err(format!("the server died; log:\n{}", server.log_text()));
        }
        for line in server.log_problems().into_iter().take(5) {
            report.notes.push(format!(
                "{} at {} sessions, server log: {line}",
                backend.name(),
                self.stored
            ));
        }
        Ok(())
    }

    /// `clients` clients reading the measured day from `endpoint`.
    fn read(
        &self,
        ctx: &Context,
        server: &Server,
        world: &Arc<World>,
        endpoint: Scenario,
        clients: usize,
    ) -> ScaleResult {
        let workers = (0..clients)
            .map(|_| -> Box<dyn Work> {
                Box::new(OneDay::new(
                    Client::new(&server.base),
                    Arc::clone(world),
                    endpoint == Scenario::Availability,
                ))
            })
            .collect();
        let measured = runner::run(workers, ctx.warmup, ctx.limit, server.pid());
        let summary = measured.summary(endpoint.headline().expect("a read endpoint"));
        eprintln!(
            "  {} ×{clients}: {:.1}/s, p50 {:?} ms, p99 {:?} ms",
            endpoint.name(),
            summary.per_second,
            summary.p50_ms,
            summary.p99_ms
        );
        ScaleResult {
            backend: self.scratch.backend,
            sessions: self.stored,
            seed_seconds: self.seed_seconds,
            database_bytes: self.bytes,
            endpoint: endpoint.name().to_string(),
            clients,
            summary,
            memory: measured.memory,
        }
    }
}
