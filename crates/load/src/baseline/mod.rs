//! The limit: the HTTP booking's database work without HTTP, the server or
//! the planner. The same statements, in the same order, with the same row
//! counts and payload sizes (captured from the real server with
//! `log_statement = 'all'`), on a database set up exactly like the booking
//! run's (clinics and chairs through the API, patients with SQL), run by
//! pgbench on PostgreSQL and by a C-API loop on SQLite.

mod pgbench;
mod sqlite_direct;

use crate::database::{Backend, Scratch};
use crate::report::Baseline;
use crate::world::World;
use crate::{make_world, Context, RunArgs};

/// The `course.booked` payload (and the audit row's `after`) of a
/// six-session course, as the server writes it.
pub const COURSE_PAYLOAD: &str = r#"{"course_id":1,"patient_id":1,"protocol_version_id":1,"sessions":[{"chair_id":1,"ends_at":"2026-11-26T14:30:00Z","id":1,"phase_index":0,"sequence":1,"starts_at":"2026-11-26T13:00:00Z"},{"chair_id":1,"ends_at":"2026-11-30T14:30:00Z","id":2,"phase_index":0,"sequence":2,"starts_at":"2026-11-30T13:00:00Z"},{"chair_id":1,"ends_at":"2026-12-02T14:30:00Z","id":3,"phase_index":0,"sequence":3,"starts_at":"2026-12-02T13:00:00Z"},{"chair_id":1,"ends_at":"2026-12-04T14:30:00Z","id":4,"phase_index":0,"sequence":4,"starts_at":"2026-12-04T13:00:00Z"},{"chair_id":1,"ends_at":"2026-12-07T14:30:00Z","id":5,"phase_index":0,"sequence":5,"starts_at":"2026-12-07T13:00:00Z"},{"chair_id":1,"ends_at":"2026-12-09T14:30:00Z","id":6,"phase_index":0,"sequence":6,"starts_at":"2026-12-09T13:00:00Z"}]}"#;

/// A `session.booked` payload.
pub const SESSION_PAYLOAD: &str = r#"{"chair_id":1,"course_id":1,"end":"2026-11-26T14:30:00Z","id":1,"local":{"date":"2026-11-26","end":"09:30","start":"08:00","start_with_offset":"2026-11-26T08:00:00-05:00","zone":"America/New_York"},"patient_id":1,"phase":0,"reason":null,"sequence":1,"start":"2026-11-26T13:00:00Z","status":"booked","updated_at":"2026-11-26T06:59:41Z"}"#;

/// The 201 response body remembered under the `Idempotency-Key`.
pub const RESPONSE_BODY: &str = r#"{"id":1,"patient_id":1,"protocol_id":1,"protocol_revision":1,"status":"active","current_phase":0,"booster_policy":{"interval_days":21,"floor_days":14,"ceiling_days":42,"tolerance_days":3},"at_risk":null,"sessions":[{"id":1,"course_id":1,"patient_id":1,"phase":0,"sequence":1,"chair_id":1,"start":"2026-11-26T13:00:00Z","end":"2026-11-26T14:30:00Z","local":{"zone":"America/New_York","date":"2026-11-26","start":"08:00","end":"09:30","start_with_offset":"2026-11-26T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":2,"course_id":1,"patient_id":1,"phase":0,"sequence":2,"chair_id":1,"start":"2026-11-30T13:00:00Z","end":"2026-11-30T14:30:00Z","local":{"zone":"America/New_York","date":"2026-11-30","start":"08:00","end":"09:30","start_with_offset":"2026-11-30T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":3,"course_id":1,"patient_id":1,"phase":0,"sequence":3,"chair_id":1,"start":"2026-12-02T13:00:00Z","end":"2026-12-02T14:30:00Z","local":{"zone":"America/New_York","date":"2026-12-02","start":"08:00","end":"09:30","start_with_offset":"2026-12-02T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":4,"course_id":1,"patient_id":1,"phase":0,"sequence":4,"chair_id":1,"start":"2026-12-04T13:00:00Z","end":"2026-12-04T14:30:00Z","local":{"zone":"America/New_York","date":"2026-12-04","start":"08:00","end":"09:30","start_with_offset":"2026-12-04T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":5,"course_id":1,"patient_id":1,"phase":0,"sequence":5,"chair_id":1,"start":"2026-12-07T13:00:00Z","end":"2026-12-07T14:30:00Z","local":{"zone":"America/New_York","date":"2026-12-07","start":"08:00","end":"09:30","start_with_offset":"2026-12-07T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"},{"id":6,"course_id":1,"patient_id":1,"phase":0,"sequence":6,"chair_id":1,"start":"2026-12-09T13:00:00Z","end":"2026-12-09T14:30:00Z","local":{"zone":"America/New_York","date":"2026-12-09","start":"08:00","end":"09:30","start_with_offset":"2026-12-09T08:00:00-05:00"},"status":"booked","reason":null,"updated_at":"2026-11-26T06:59:41Z"}],"created_at":"2026-11-26T06:59:41Z","updated_at":"2026-11-26T06:59:41Z"}"#;

/// The ids the direct loops book with. Created in order in a fresh
/// database, the run's ids are arithmetic progressions; [`Ids::of`] checks
/// that instead of assuming it.
#[derive(Debug, Clone)]
pub struct Ids {
    /// Clinics.
    pub clinics: i64,
    /// Chairs per clinic.
    pub chairs: i64,
    /// Clinic 0's id (clinic `i` is `clinic0 + i`).
    pub clinic0: i64,
    /// Clinic 0's first chair (chair `k` of clinic `i` is `chair0 + i * chairs + k`).
    pub chair0: i64,
    /// Clinic 0's IV protocol (clinic `i`'s is `protocol0 + i * protocol_step`).
    pub protocol0: i64,
    /// Its version (same step).
    pub version0: i64,
    /// Ids between two clinics' IV protocols (two presets each).
    pub protocol_step: i64,
    /// Clinic 0's front-desk key id (clinic `i`'s is `key0 + i`).
    pub key0: i64,
    /// The lookup prefix of clinic 0's key.
    pub prefix: String,
    /// Patients per clinic usable (a multiple of the lanes).
    pub pool: i64,
    /// Clients per clinic (rounded up): each books on a chair of its own.
    pub lanes: i64,
}

impl Ids {
    /// The ids of a world, for `clients` clients; an error when they are
    /// not the progressions the loops compute.
    pub fn of(scratch: &Scratch, world: &World, clients: usize, pool: i64) -> Result<Ids, String> {
        let c = &world.clinics;
        let clinics = c.len() as i64;
        let chairs = c[0].chairs.len() as i64;
        let lanes = (clients as i64 + clinics - 1) / clinics;
        let protocol_step = if c.len() > 1 {
            c[1].iv_protocol - c[0].iv_protocol
        } else {
            2
        };
        let version_of = |clinic: i64, protocol: i64| -> Result<i64, String> {
            scratch
                .query(&format!(
                    "SELECT id FROM protocol_versions WHERE clinic_id = {clinic} AND protocol_id = {protocol} \
                     ORDER BY revision DESC LIMIT 1"
                ))?
                .parse()
                .map_err(|e| format!("protocol version: {e}"))
        };
        let key_of = |clinic: i64| -> Result<i64, String> {
            scratch
                .query(&format!(
                    "SELECT id FROM api_keys WHERE clinic_id = {clinic} AND role = 'front_desk' ORDER BY id LIMIT 1"
                ))?
                .parse()
                .map_err(|e| format!("key id: {e}"))
        };
        let ids = Ids {
            clinics,
            chairs,
            clinic0: c[0].id,
            chair0: c[0].chairs[0],
            protocol0: c[0].iv_protocol,
            version0: version_of(c[0].id, c[0].iv_protocol)?,
            protocol_step,
            key0: key_of(c[0].id)?,
            prefix: c[0]
                .front_desk
                .strip_prefix("chs_")
                .and_then(|rest| rest.split_once('_'))
                .map(|(prefix, _)| prefix.to_string())
                .ok_or("a front-desk key without a prefix")?,
            pool: pool / lanes * lanes,
            lanes,
        };
        for (i, clinic) in c.iter().enumerate() {
            let i = i as i64;
            let expected_chairs: Vec<i64> =
                (0..chairs).map(|k| ids.chair0 + i * chairs + k).collect();
            if clinic.id != ids.clinic0 + i
                || clinic.chairs != expected_chairs
                || clinic.iv_protocol != ids.protocol0 + i * protocol_step
                || version_of(clinic.id, clinic.iv_protocol)? != ids.version0 + i * protocol_step
                || key_of(clinic.id)? != ids.key0 + i
            {
                return Err(format!(
                    "clinic {} does not have the ids the direct loop computes: {clinic:?}",
                    clinic.id
                ));
            }
        }
        if lanes > chairs {
            // Lanes beyond the chairs move ten years on (see the scripts).
            eprintln!("  note: {lanes} clients per clinic share {chairs} chairs, ten years apart");
        }
        Ok(ids)
    }

    /// Clinic position, lane (0.. per clinic) and chair of a client.
    pub fn place(&self, client: i64) -> (i64, i64, i64) {
        let ci = client % self.clinics;
        let lane = client / self.clinics;
        (
            ci,
            lane,
            self.chair0 + ci * self.chairs + lane % self.chairs,
        )
    }

    /// The patient of a client's `n`-th booking: its own, never shared
    /// with another lane, so its sessions never overlap.
    pub fn patient(&self, client: i64, n: i64) -> i64 {
        let (ci, lane, _) = self.place(client);
        crate::world::PATIENT_ID_BASE + ((n * self.lanes + lane) % self.pool) * self.clinics + ci
    }

    /// Seconds after the base instant of a client's `n`-th booking's first
    /// session: six two-hour slots per booking on the lane's chair.
    pub fn offset(&self, client: i64, n: i64) -> i64 {
        let (_, lane, _) = self.place(client);
        (lane / self.chairs) * 315_360_000 + n * 43_200
    }
}

/// The booking transaction alone with `clients` connections.
pub fn run(
    ctx: &Context,
    args: &RunArgs,
    backend: Backend,
    clients: usize,
) -> Result<Baseline, String> {
    let (scratch, admin, server) = ctx.start(backend, &format!("alone_{clients}"))?;
    let world = make_world(ctx, args, &scratch, &server, &admin, clients, 0)?;
    // Nothing but the loop touches the database from here on.
    drop(server);
    let pool = ctx.patients_per_clinic(args.clinics, clients, 0);
    let ids = Ids::of(&scratch, &world, clients, pool)?;
    let base = world.first_day.and_hms_opt(12, 0, 0).expect("noon");
    match backend {
        Backend::Postgres => pgbench::run(ctx, &scratch, &ids, base, clients),
        Backend::Sqlite => sqlite_direct::run(ctx, &scratch, &ids, base, clients),
    }
}
