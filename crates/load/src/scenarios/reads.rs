//! The read scenarios: availability and day sheets of random clinics and
//! dates, one clinic's one day (the scale measurement), and `/healthz`.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};

use super::{op, READ_DAYS};
use crate::http::Client;
use crate::runner::{Recorder, Rng, Work};
use crate::world::{Clinic, World};

/// `GET /healthz`: no key, no database.
pub struct Healthz {
    pub client: Client,
}

impl Work for Healthz {
    fn step(&mut self, rec: &mut Recorder) -> bool {
        rec.note(op::HEALTHZ, self.client.get(None, "/healthz"));
        true
    }
}

/// Day sheets (or availability) of random clinics and dates.
pub struct Read {
    pub client: Client,
    pub world: Arc<World>,
    pub rng: Rng,
    pub availability: bool,
}

impl Work for Read {
    fn step(&mut self, rec: &mut Recorder) -> bool {
        read(
            &self.client,
            &self.world,
            &mut self.rng,
            self.availability,
            rec,
        );
        true
    }
}

/// A day sheet or a day's availability, random clinic and date.
pub fn read(client: &Client, world: &World, rng: &mut Rng, availability: bool, rec: &mut Recorder) {
    let clinic = &world.clinics[rng.below(world.clinics.len() as u64) as usize];
    let date = world.first_day + Duration::days(rng.below(READ_DAYS) as i64);
    read_day(client, clinic, date, availability, rec);
}

/// One clinic's day sheet, or its availability, for one date.
fn read_day(
    client: &Client,
    clinic: &Clinic,
    date: NaiveDate,
    availability: bool,
    rec: &mut Recorder,
) {
    if availability {
        let path = clinic.path(&format!(
            "/availability?protocol_id={}&from={date}&to={date}",
            clinic.iv_protocol
        ));
        rec.note(
            op::AVAILABILITY,
            client.get(Some(&clinic.front_desk), &path),
        );
    } else {
        let path = clinic.path(&format!("/day-sheet?date={date}"));
        rec.note(op::DAY_SHEET, client.get(Some(&clinic.front_desk), &path));
    }
}

/// Reads of one clinic's one day (the world's first clinic and first day),
/// again and again: the scale measurement.
pub struct OneDay {
    client: Client,
    world: Arc<World>,
    availability: bool,
}

impl OneDay {
    /// A client reading availability (or the day sheet).
    pub fn new(client: Client, world: Arc<World>, availability: bool) -> OneDay {
        OneDay {
            client,
            world,
            availability,
        }
    }
}

impl Work for OneDay {
    fn step(&mut self, rec: &mut Recorder) -> bool {
        let clinic = &self.world.clinics[0];
        read_day(
            &self.client,
            clinic,
            self.world.first_day,
            self.availability,
            rec,
        );
        true
    }
}
