//! Booking a course over HTTP, as the `book` scenario does again and again
//! and the front desk does now and then.

use std::sync::Arc;

use super::op;
use crate::http::Client;
use crate::runner::{Recorder, Work};
use crate::world::{booking_body, session_ids, SessionRef, World};

/// Books for the clinic's new patients until there are none left.
pub struct Book {
    pub client: Client,
    pub world: Arc<World>,
    pub clinic: usize,
    /// Makes this client's `Idempotency-Key`s unique.
    pub tag: String,
}

impl Work for Book {
    fn step(&mut self, rec: &mut Recorder) -> bool {
        book(&self.client, &self.world, self.clinic, &self.tag, rec).is_some()
    }
}

/// Books a course for the clinic's next new patient, with an
/// `Idempotency-Key` as a careful front-desk client sends; returns the
/// new sessions (`None`: no patient left).
pub fn book(
    client: &Client,
    world: &World,
    clinic: usize,
    tag: &str,
    rec: &mut Recorder,
) -> Option<Vec<SessionRef>> {
    let (patient, n) = world.patients.take(clinic)?;
    let clinic = &world.clinics[clinic];
    let key = format!("{tag}-{n}");
    let reply = rec.note(
        op::BOOK,
        client.post(
            Some(&clinic.front_desk),
            &clinic.path("/courses"),
            &[("Idempotency-Key", &key)],
            &booking_body(world, clinic, patient, n),
        ),
    );
    Some(match reply {
        Some(r) if r.status == 201 => session_ids(&r.json())
            .into_iter()
            .map(|id| SessionRef {
                clinic: clinic.index,
                id,
            })
            .collect(),
        _ => Vec::new(),
    })
}
