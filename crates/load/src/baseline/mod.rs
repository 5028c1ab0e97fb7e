//! The booking's database work without HTTP, the server or the planner,
//! twice: Chairside's own transaction ([`run`]) and the minimal one, the
//! database's limit ([`minimal`]). Chairside's own: The same statements ([`crate::booking_sql`]), in the same
//! order, with the same row counts and payload sizes, on a database set up
//! exactly like the booking run's (clinics and chairs through the API,
//! patients with SQL), run by pgbench on PostgreSQL and by a C-API loop on
//! SQLite.

mod ids;
pub mod minimal;
mod pgbench;
mod pgbench_script;
mod sqlite_direct;
mod values;

use chrono::NaiveDateTime;

use crate::context::Context;
use crate::database::{Backend, Scratch};
use crate::report::Baseline;
use crate::RunArgs;

pub use ids::Ids;

/// What both loops book on.
pub struct Alone<'a> {
    pub scratch: &'a Scratch,
    pub ids: &'a Ids,
    /// Session times are offsets from this instant (see [`Ids::offset`]).
    pub base: NaiveDateTime,
    /// Connections, each booking like one HTTP client.
    pub clients: usize,
}

/// The booking transaction alone with `clients` connections.
pub fn run(
    ctx: &Context,
    args: &RunArgs,
    backend: Backend,
    clients: usize,
) -> Result<Baseline, String> {
    let (scratch, admin, server) = ctx.start(backend, &format!("alone_{clients}"))?;
    let world = ctx.make_world(args, &scratch, &server, &admin, clients, 0)?;
    // Nothing but the loop touches the database from here on.
    drop(server);
    let pool = ctx.patients_per_clinic(args.clinics, clients, 0);
    let ids = Ids::of(&scratch, &world, clients, pool)?;
    let alone = Alone {
        scratch: &scratch,
        ids: &ids,
        base: world.first_day.and_hms_opt(12, 0, 0).expect("noon"),
        clients,
    };
    match backend {
        Backend::Postgres => pgbench::run(ctx, &alone),
        Backend::Sqlite => sqlite_direct::run(ctx, &alone),
    }
}
