//! The system under test: a small clinic (`world`) with its course, the
//! reference model beside it, and what happened so far — and how
//! `proptest-state-machine` drives it.

use std::collections::BTreeMap;

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest_state_machine::StateMachineTest;

use super::generation::{Clinic, Setup, Step};
use super::reading::{describe, local_day};
use super::reference::Model;
use crate::course::world::*;

/// The world, its course, and the model beside it.
pub struct Sut {
    pub(super) world: World,
    pub(super) model: Model,
    pub(super) setup: Setup,
    /// What happened so far, for the failure message.
    pub(super) trace: Vec<String>,
    /// Every action decided, and the engine's answer (the regression tests
    /// assert the rule that answers them).
    pub(super) outcomes: Vec<(Action, Result<Decision, EngineError>)>,
    /// Accepted actions by kind (`MODEL_STATS`).
    pub(super) accepted: BTreeMap<String, usize>,
}

/// The state machine test: the engine against the model.
pub struct CourseMachine;

impl StateMachineTest for CourseMachine {
    type SystemUnderTest = Sut;
    type Reference = Clinic;

    fn init_test(setup: &Setup) -> Sut {
        Sut::new(setup)
    }

    fn apply(mut sut: Sut, _: &Setup, step: Step) -> Sut {
        sut.step(&step);
        sut
    }

    fn teardown(sut: Sut, _: Setup) {
        // `MODEL_STATS=1` prints where each case got to (for tuning).
        if std::env::var_os("MODEL_STATS").is_some() {
            let course = &sut.world.course;
            eprintln!(
                "STATS esk={} status={} phase={} at_risk={} ext={} restarted={} accepted={:?}",
                sut.setup.esketamine,
                course.status,
                course.phase,
                course.at_risk.is_some(),
                course.extension_accepted,
                course.series_started_at.is_some(),
                sut.accepted,
            );
        }
    }

    fn check_invariants(sut: &Sut, _: &Setup) {
        if let Err(why) = sut.invariants() {
            sut.fail(&why);
        }
    }
}

/// The clinic of a case, with the course booked in it; `cluttered` adds
/// other patients' bookings, closures and the patient's other sessions.
fn build(setup: &Setup, cluttered: bool) -> Result<World, EngineError> {
    let today = if setup.spring {
        date(2026, 2, 26)
    } else {
        date(2026, 10, 22)
    };
    let mut world = World::clinic(setup.chairs, ny(today, 9, 0));
    world.settings.boosters_ahead = setup.boosters_ahead;
    world.patient.escort_confirmed = setup.escort_confirmed;
    world.calendar.max_starts_per_slot = setup.start_cap.then_some(1);
    if cluttered {
        clutter(&mut world, setup, today);
    }
    let protocol = if setup.esketamine {
        presets::esketamine_nasal()
    } else {
        presets::iv_ketamine_standard()
    };
    world.book(protocol, today + Duration::days(setup.lead_days))?;
    Ok(world)
}

fn clutter(world: &mut World, setup: &Setup, today: NaiveDate) {
    let chair = |c: i64| ChairId((c - 1) % setup.chairs + 1);
    for &(c, day, hour, quarter, minutes) in &setup.others {
        let start = ny(today + Duration::days(day), hour, quarter * 15);
        world.others.add(Booking {
            chair: chair(c),
            interval: Interval::new(start, start + Duration::minutes(minutes)),
        });
    }
    for &(c, first, days) in &setup.closures {
        let first = today + Duration::days(first);
        world.calendar.closures.push(Closure {
            scope: c.map_or(ClosureScope::Clinic, |c| ClosureScope::Chair(chair(c))),
            span: ClosureSpan::Days {
                first,
                last: first + Duration::days(days - 1),
            },
        });
    }
    for &(day, hour) in &setup.elsewhere {
        let start = ny(today + Duration::days(day), hour, 0);
        world
            .elsewhere
            .push(Interval::new(start, start + Duration::minutes(60)));
    }
}

impl Sut {
    pub(super) fn new(setup: &Setup) -> Sut {
        // A clinic too full to book the course in is not the point here:
        // then the course is booked in the same clinic without the clutter.
        let world = build(setup, true)
            .or_else(|_| build(setup, false))
            .expect("the course books in an empty clinic");
        let trace = vec![format!("booked:\n{}", describe(&world.course))];
        let mut sut = Sut {
            model: Model::of(&world.course),
            world,
            setup: setup.clone(),
            trace,
            outcomes: Vec::new(),
            accepted: BTreeMap::new(),
        };
        for _ in 0..setup.given {
            sut.step(&Step::Give { n: 0 });
            if let Err(why) = sut.invariants() {
                sut.fail(&why);
            }
        }
        sut
    }

    pub(super) fn fail(&self, why: &str) -> ! {
        panic!(
            "{why}\n--- steps ---\n{}\n--- course now ---\n{}",
            self.trace.join("\n"),
            describe(&self.world.course)
        );
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        self.world.now
    }

    pub(super) fn today(&self) -> NaiveDate {
        local_day(self.now())
    }

    pub(super) fn chair(&self, c: i64) -> ChairId {
        ChairId((c - 1) % self.setup.chairs + 1)
    }

    /// The answer to the last action decided.
    pub(super) fn last(&self) -> &Result<Decision, EngineError> {
        &self.outcomes.last().expect("an action was decided").1
    }

    /// The answer to the last action decided of this kind (`Action`'s
    /// variant name).
    pub(super) fn last_of(&self, kind: &str) -> &Result<Decision, EngineError> {
        self.outcomes
            .iter()
            .rev()
            .find(|(action, _)| format!("{action:?}").starts_with(kind))
            .map(|(_, result)| result)
            .unwrap_or_else(|| panic!("no {kind} was decided"))
    }

    /// Moves the clock forward (never back).
    pub(super) fn set_clock(&mut self, to: DateTime<Utc>) {
        if to > self.world.now {
            self.world.now = to;
            self.trace.push(format!(
                "  clock → {}",
                to.with_timezone(&NY).format("%a %m-%d %H:%M")
            ));
        }
    }
}
