//! What the simulated clients do: book courses, read availability and day
//! sheets, a front desk's mixed day, and the trivial `/healthz`.

use std::sync::Arc;

use chrono::Duration;
use serde::Serialize;
use serde_json::json;

use crate::http::Client;
use crate::runner::{Recorder, Rng, Work};
use crate::world::{booking_body, session_ids, SessionRef, World};

/// A workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Book induction courses (6 IV sessions planned by the server) for new
    /// patients, as fast as possible, spread over the clinics.
    Book,
    /// `GET …/availability` for one day, random clinic and date.
    Availability,
    /// `GET …/day-sheet`, random clinic and date.
    DaySheet,
    /// A front desk's day: day sheets, availability, session reads,
    /// reschedules, cancellations, check-ins and new bookings.
    Mixed,
    /// `GET /healthz`: no key, no database; the server's floor.
    Healthz,
}

/// Operation names, as reported.
pub mod op {
    /// Booking a course.
    pub const BOOK: &str = "POST courses";
    /// Availability.
    pub const AVAILABILITY: &str = "GET availability";
    /// Day sheet.
    pub const DAY_SHEET: &str = "GET day-sheet";
    /// One session (for its ETag).
    pub const SESSION: &str = "GET session";
    /// Reschedule to the next best time.
    pub const RESCHEDULE: &str = "POST reschedule";
    /// Cancel this session.
    pub const CANCEL: &str = "POST cancel";
    /// Check in.
    pub const CHECK_IN: &str = "POST check-in";
    /// Health.
    pub const HEALTHZ: &str = "GET healthz";
}

impl Scenario {
    /// Every scenario, in report order.
    pub const ALL: [Scenario; 5] = [
        Scenario::Book,
        Scenario::Availability,
        Scenario::DaySheet,
        Scenario::Mixed,
        Scenario::Healthz,
    ];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Book => "book",
            Scenario::Availability => "availability",
            Scenario::DaySheet => "day-sheet",
            Scenario::Mixed => "mixed",
            Scenario::Healthz => "healthz",
        }
    }

    /// The operation its headline figures are about (`None`: all of them).
    pub fn headline(self) -> Option<&'static str> {
        match self {
            Scenario::Book => Some(op::BOOK),
            Scenario::Availability => Some(op::AVAILABILITY),
            Scenario::DaySheet => Some(op::DAY_SHEET),
            Scenario::Mixed => None,
            Scenario::Healthz => Some(op::HEALTHZ),
        }
    }

    /// Whether it needs clinics and patients.
    pub fn needs_world(self) -> bool {
        self != Scenario::Healthz
    }

    /// Whether it reads or changes courses booked before it starts.
    pub fn needs_bookings(self) -> bool {
        matches!(
            self,
            Scenario::Availability | Scenario::DaySheet | Scenario::Mixed
        )
    }
}

/// How many days after the world's first day reads pick their date from:
/// the seeded courses start over the first ten days (four a day per
/// clinic) and run three weeks.
pub const READ_DAYS: u64 = 14;

/// The clients of a run.
pub fn clients(
    scenario: Scenario,
    base: &str,
    world: Option<&Arc<World>>,
    count: usize,
    seeded: &[SessionRef],
    tag: &str,
) -> Vec<Box<dyn Work>> {
    (0..count)
        .map(|i| -> Box<dyn Work> {
            let client = Client::new(base);
            let rng = Rng::new(i as u64 + 1);
            let world = world.cloned();
            match scenario {
                Scenario::Healthz => Box::new(Healthz { client }),
                Scenario::Book => Box::new(Book {
                    client,
                    clinic: i % world.as_ref().expect("a world").clinics.len(),
                    world: world.expect("a world"),
                    tag: format!("{tag}-c{i}"),
                }),
                Scenario::Availability | Scenario::DaySheet => Box::new(Read {
                    client,
                    world: world.expect("a world"),
                    rng,
                    availability: scenario == Scenario::Availability,
                }),
                Scenario::Mixed => {
                    let world = world.expect("a world");
                    Box::new(FrontDesk {
                        client,
                        clinic: i % world.clinics.len(),
                        world,
                        rng,
                        // Each client owns its share of the booked sessions,
                        // so two clients never fight over one ETag.
                        sessions: seeded.iter().skip(i).step_by(count).copied().collect(),
                        tag: format!("{tag}-c{i}"),
                    })
                }
            }
        })
        .collect()
}

struct Healthz {
    client: Client,
}

impl Work for Healthz {
    fn step(&mut self, rec: &mut Recorder) -> bool {
        rec.note(op::HEALTHZ, self.client.get(None, "/healthz"));
        true
    }
}

struct Book {
    client: Client,
    world: Arc<World>,
    clinic: usize,
    tag: String,
}

/// Books a course for the clinic's next new patient, with an
/// `Idempotency-Key` as a careful front-desk client sends; returns the
/// new sessions (`None`: no patient left).
fn book(
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

impl Work for Book {
    fn step(&mut self, rec: &mut Recorder) -> bool {
        book(&self.client, &self.world, self.clinic, &self.tag, rec).is_some()
    }
}

struct Read {
    client: Client,
    world: Arc<World>,
    rng: Rng,
    availability: bool,
}

/// A day sheet or a day's availability, random clinic and date.
fn read(client: &Client, world: &World, rng: &mut Rng, availability: bool, rec: &mut Recorder) {
    let clinic = &world.clinics[rng.below(world.clinics.len() as u64) as usize];
    let date = world.first_day + Duration::days(rng.below(READ_DAYS) as i64);
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
        let date = self.world.first_day;
        if self.availability {
            let path = clinic.path(&format!(
                "/availability?protocol_id={}&from={date}&to={date}",
                clinic.iv_protocol
            ));
            rec.note(
                op::AVAILABILITY,
                self.client.get(Some(&clinic.front_desk), &path),
            );
        } else {
            let path = clinic.path(&format!("/day-sheet?date={date}"));
            rec.note(
                op::DAY_SHEET,
                self.client.get(Some(&clinic.front_desk), &path),
            );
        }
        true
    }
}

/// The mixed day, in percent of operations: mostly reads, as at a real
/// front desk; every change reads the session first for its ETag.
const DAY_SHEET_PCT: u64 = 35;
const AVAILABILITY_PCT: u64 = 15;
const SESSION_PCT: u64 = 15;
const RESCHEDULE_PCT: u64 = 10;
const CANCEL_PCT: u64 = 5;
const CHECK_IN_PCT: u64 = 10;
// The rest (10 %) books a new course.

struct FrontDesk {
    client: Client,
    world: Arc<World>,
    clinic: usize,
    rng: Rng,
    sessions: Vec<SessionRef>,
    tag: String,
}

enum Change {
    Reschedule,
    Cancel,
    CheckIn,
}

impl FrontDesk {
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
