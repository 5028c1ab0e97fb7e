//! The ids the direct loops book with. Created in order in a fresh
//! database, the run's ids are arithmetic progressions, so the loops (and
//! pgbench, in SQL) compute them instead of looking them up; [`Ids::of`]
//! checks that instead of assuming it.

use crate::database::Scratch;
use crate::world::{iv_protocol_version, Clinic, World, PATIENT_ID_BASE};

#[derive(Debug, Clone)]
pub struct Ids {
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
    /// Patients per clinic usable (a multiple of the lanes).
    pub pool: i64,
    /// Clients per clinic (rounded up): each books on a chair of its own.
    pub lanes: i64,
}

/// Seconds between two lanes that share a chair: ten years.
pub const LANE_SHIFT_SECONDS: i64 = 315_360_000;
/// Seconds between two bookings of one lane: six two-hour slots.
pub const BOOKING_SECONDS: i64 = 43_200;

impl Ids {
    /// The ids of a world, for `clients` clients; an error when they are
    /// not the progressions the loops compute.
    pub fn of(scratch: &Scratch, world: &World, clients: usize, pool: i64) -> Result<Ids, String> {
        let c = &world.clinics;
        let clinics = c.len() as i64;
        let chairs = c[0].chairs.len() as i64;
        let lanes = (clients as i64 + clinics - 1) / clinics;
        let ids = Ids {
            clinics,
            chairs,
            clinic0: c[0].id,
            chair0: c[0].chairs[0],
            protocol0: c[0].iv_protocol,
            version0: iv_protocol_version(scratch, &c[0])?,
            protocol_step: if c.len() > 1 {
                c[1].iv_protocol - c[0].iv_protocol
            } else {
                2
            },
            key0: key_of(scratch, c[0].id)?,
            pool: pool / lanes * lanes,
            lanes,
        };
        for (i, clinic) in c.iter().enumerate() {
            ids.check(scratch, i as i64, clinic)?;
        }
        if lanes > chairs {
            eprintln!("  note: {lanes} clients per clinic share {chairs} chairs, ten years apart");
        }
        Ok(ids)
    }

    /// An error unless clinic `i` has the ids the loops compute for it.
    fn check(&self, scratch: &Scratch, i: i64, clinic: &Clinic) -> Result<(), String> {
        let chairs: Vec<i64> = (0..self.chairs)
            .map(|k| self.chair0 + i * self.chairs + k)
            .collect();
        if clinic.id != self.clinic0 + i
            || clinic.chairs != chairs
            || clinic.iv_protocol != self.protocol0 + i * self.protocol_step
            || iv_protocol_version(scratch, clinic)? != self.version0 + i * self.protocol_step
            || key_of(scratch, clinic.id)? != self.key0 + i
        {
            return Err(format!(
                "clinic {} does not have the ids the direct loop computes: {clinic:?}",
                clinic.id
            ));
        }
        Ok(())
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
        PATIENT_ID_BASE + ((n * self.lanes + lane) % self.pool) * self.clinics + ci
    }

    /// Seconds after the base instant of a client's `n`-th booking's first
    /// session: six two-hour slots per booking on the lane's chair; lanes
    /// beyond the chairs move ten years on.
    pub fn offset(&self, client: i64, n: i64) -> i64 {
        let (_, lane, _) = self.place(client);
        (lane / self.chairs) * LANE_SHIFT_SECONDS + n * BOOKING_SECONDS
    }
}

/// The id of the clinic's (first) front-desk key.
fn key_of(scratch: &Scratch, clinic: i64) -> Result<i64, String> {
    scratch
        .query(&format!(
            "SELECT id FROM api_keys WHERE clinic_id = {clinic} AND role = 'front_desk' ORDER BY id LIMIT 1"
        ))?
        .parse()
        .map_err(|e| format!("key id: {e}"))
}
