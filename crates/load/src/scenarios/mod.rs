//! What the simulated clients do: book courses, read availability and day
//! sheets, a front desk's mixed day, and the trivial `/healthz`.

mod booking;
mod front_desk;
mod reads;

use std::sync::Arc;

use serde::Serialize;

use crate::http::Client;
use crate::runner::{Rng, Work};
use crate::world::{SessionRef, World};

use booking::Book;
use front_desk::FrontDesk;
use reads::{Healthz, Read};

pub use reads::OneDay;

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
    pub const BOOK: &str = "POST courses";
    pub const AVAILABILITY: &str = "GET availability";
    pub const DAY_SHEET: &str = "GET day-sheet";
    /// One session (for its ETag).
    pub const SESSION: &str = "GET session";
    /// Reschedule to the next best time.
    pub const RESCHEDULE: &str = "POST reschedule";
    /// Cancel this session.
    pub const CANCEL: &str = "POST cancel";
    pub const CHECK_IN: &str = "POST check-in";
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
                Scenario::Book => {
                    let world = world.expect("a world");
                    Box::new(Book {
                        client,
                        clinic: i % world.clinics.len(),
                        world,
                        tag: format!("{tag}-c{i}"),
                    })
                }
                Scenario::Availability | Scenario::DaySheet => Box::new(Read {
                    client,
                    world: world.expect("a world"),
                    rng,
                    availability: scenario == Scenario::Availability,
                }),
                Scenario::Mixed => {
                    let world = world.expect("a world");
                    Box::new(FrontDesk::new(
                        client,
                        i % world.clinics.len(),
                        world,
                        rng,
                        // Each client owns its share of the booked sessions,
                        // so two clients never fight over one ETag.
                        seeded.iter().skip(i).step_by(count).copied().collect(),
                        format!("{tag}-c{i}"),
                    ))
                }
            }
        })
        .collect()
}
