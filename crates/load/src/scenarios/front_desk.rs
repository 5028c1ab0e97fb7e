//! The `mixed` scenario: a front desk's day, mostly reads, with
//! reschedules, cancellations, check-ins and new bookings of the sessions
//! this client owns.

use std::sync::Arc;

use serde_json::json;

use super::booking::book;
use super::op;
use super::reads::read;
use crate::http::Client;
use crate::runner::{Recorder, Rng, Work};
use crate::world::{SessionRef, World};

/// The mixed day, in percent of operations: mostly reads, as at a real
/// front desk; every change reads the session first for its ETag.
const DAY_SHEET_PCT: u64 = 35;
const AVAILABILITY_PCT: u64 = 15;
const SESSION_PCT: u64 = 15;
const RESCHEDULE_PCT: u64 = 10;
const CANCEL_PCT: u64 = 5;
const CHECK_IN_PCT: u64 = 10;
// The rest (10 %) books a new course.

pub struct FrontDesk {
    client: Client,
    world: Arc<World>,
    clinic: usize,
    rng: Rng,
    /// The booked sessions this desk may act on.
    sessions: Vec<SessionRef>,
    /// Makes this client's `Idempotency-Key`s unique.
    tag: String,
}

enum Change {
    Reschedule,
    Cancel,
    CheckIn,
}

impl FrontDesk {
    pub fn new(
        client: Client,
        clinic: usize,
        world: Arc<World>,
        rng: Rng,
        sessions: Vec<SessionRef>,
        tag: String,
    ) -> FrontDesk {
        FrontDesk {
            client,
            world,
            clinic,
            rng,
            sessions,
            tag,
        }
    }

    /// Reads a random session of this client's; drops it from the pool if
    /// it is no longer booked. Returns its position and ETag.
    fn pick(&mut self, rec: &mut Recorder) -> Option<(usize, String)> {
        if self.sessions.is_empty() {
            // Nothing left to act on: the desk looks at the day instead.
            read(&self.client, &self.world, &mut self.rng, false, rec);
            return None;
        }
        let at = self.rng.below(self.sessions.len() as u64) as usize;
        let session = self.sessions[at];
        let clinic = &self.world.clinics[session.clinic];
        let reply = rec.note(
            op::SESSION,
            self.client.get(
                Some(&clinic.front_desk),
                &clinic.path(&format!("/sessions/{}", session.id)),
            ),
        )?;
        if reply.status != 200 || reply.json()["status"] != "booked" {
            self.sessions.swap_remove(at);
            return None;
        }
        Some((at, reply.etag?))
    }

    fn change(&mut self, change: Change, rec: &mut Recorder) {
        let Some((at, etag)) = self.pick(rec) else {
            return;
        };
        let session = self.sessions[at];
        let clinic = &self.world.clinics[session.clinic];
        let (action, op, body) = match change {
            Change::Reschedule => (
                "reschedule",
                op::RESCHEDULE,
                json!({"next_best": {}, "reason": "patient asked for another day"}),
            ),
            Change::Cancel => (
                "cancel",
                op::CANCEL,
                json!({"scope": "this", "reason": "patient travelling"}),
            ),
            Change::CheckIn => ("check-in", op::CHECK_IN, json!({})),
        };
        rec.note(
            op,
            self.client.post(
                Some(&clinic.front_desk),
                &clinic.path(&format!("/sessions/{}/{action}", session.id)),
                &[("If-Match", &etag)],
                &body,
            ),
        );
        if !matches!(change, Change::Reschedule) {
            // Cancelled or checked in (or refused): no longer ours to move.
            self.sessions.swap_remove(at);
        }
    }
}

impl Work for FrontDesk {
    fn step(&mut self, rec: &mut Recorder) -> bool {
        let roll = self.rng.below(100);
        let mut at = DAY_SHEET_PCT;
        if roll < at {
            read(&self.client, &self.world, &mut self.rng, false, rec);
            return true;
        }
        at += AVAILABILITY_PCT;
        if roll < at {
            read(&self.client, &self.world, &mut self.rng, true, rec);
            return true;
        }
        at += SESSION_PCT;
        if roll < at {
            self.pick(rec);
            return true;
        }
        at += RESCHEDULE_PCT;
        if roll < at {
            self.change(Change::Reschedule, rec);
            return true;
        }
        at += CANCEL_PCT;
        if roll < at {
            self.change(Change::Cancel, rec);
            return true;
        }
        at += CHECK_IN_PCT;
        if roll < at {
            self.change(Change::CheckIn, rec);
            return true;
        }
        match book(&self.client, &self.world, self.clinic, &self.tag, rec) {
            Some(new) => {
                self.sessions.extend(new);
                true
            }
            None => false,
        }
    }
}
