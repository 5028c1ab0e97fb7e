//! Model-based tests of the course decider, with `proptest-state-machine`.
//!
//! Random sequences of every action the engine takes (check in, complete,
//! not dosed, no-show, cancel this or all remaining, omit, reschedule to the
//! next best day or to a time, add a session, pause, resume, cease, the
//! at-risk decision, booster spacing, step back, corrections) and of time
//! passing, taken as the front desk or as a clinician, on both presets, in a
//! small clinic (`world`) with 1–3 chairs and sometimes other patients'
//! bookings (also made between steps), closures, a start cap, and the
//! patient's sessions in another course.
//!
//! How the pieces fit the crate: the *reference state machine* only holds
//! the generated clinic ([`generation`]); it cannot predict which sessions
//! the engine's planner books, so steps name sessions symbolically (the
//! `n`th of the sessions an action makes sense for, resolved against the
//! real course when the step runs: [`resolution`]) and time symbolically
//! (hours, or a session's start plus minutes). The reference *model* of
//! the course ([`reference`]) lives next to the real course in the system
//! under test ([`sut`], [`steps`]): it predicts what each action must do —
//! refuse (by which rule, where it knows), accept, and its direct effect
//! ([`verdict`], [`revival`] for corrections) — follows each accepted
//! decision on its own, and the properties below are checked after every
//! step ([`checks`], [`events`], [`effects`], [`invariants`]):
//!
//! 1. a refused action changes nothing and is refused as the model says;
//!    an accepted one changes exactly what `evolve` says (the model,
//!    following the decision, mirrors the course), and what the model
//!    predicts for the action; deciding twice decides the same;
//! 2. completed sessions never change except by a correction of that session;
//! 3. statuses only move forward except by a correction;
//! 4. a series never counts more completed doses than its number, nor
//!    more given and under way while it runs; an active series not at risk
//!    holds exactly its count (given + under way + booked); an omitted
//!    dose is never booked or given again;
//! 5. the phase advances exactly when the count is reached, never while
//!    one of its doses is under way;
//! 6. live sessions never overlap or share a local day, never overlap the
//!    patient's other sessions or another patient's booking on their chair,
//!    never break the clinic's start cap, and whatever a decision books or
//!    moves lies in opening hours, outside closures and not in the past; a
//!    course on hold or over holds no booking, and every booking is a dose
//!    to come of the current series; boosters stay booked ahead;
//! 7. future bookings of a series keep its spacing rules, unless the course
//!    is at risk or a clinician accepted an extension;
//! 8. each decision emits the events its change implies (REMS forms
//!    included), and no event names a session the decision did not change;
//! 9. sequence numbers of each phase are 1..n in time order.
//!
//! Engine bugs these properties found are pinned in [`regressions`], each
//! as its shrunk sequence replayed with every check, asserting the rule
//! its fix implements.
//!
//! `PROPTEST_CASES=n` runs more (or fewer) cases than the default;
//! `MODEL_STATS=1` prints where each case got to; `MODEL_VERBOSE=1` puts
//! every decision in a failure's trace; `MODEL_ECHO=1` prints each action
//! and the course as it runs (with `--nocapture`).

use proptest::test_runner::Config;
use proptest_state_machine::{prop_state_machine, StateMachineTest};

/// Fails a property with its reason unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

mod checks;
mod effects;
mod events;
mod generation;
mod invariants;
mod reading;
mod reference;
mod regressions;
mod resolution;
mod revival;
mod steps;
mod sut;
mod verdict;

use generation::{Setup, Step};
use sut::{CourseMachine, Sut};

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4000);
    Config {
        cases,
        // Regressions are pinned as tests (`regressions`), not in files.
        failure_persistence: None,
        ..Config::default()
    }
}

prop_state_machine! {
    #![proptest_config(config())]

    /// Random action sequences on both presets, checked against the model.
    #[test]
    fn the_course_keeps_its_rules_under_random_actions(sequential 1..100 => CourseMachine);
}

/// Replays a sequence, checking every step as the random run does; the
/// system under test is returned for the test to assert its outcome.
fn replay(setup: Setup, steps: Vec<Step>) -> Sut {
    let mut sut = Sut::new(&setup);
    CourseMachine::check_invariants(&sut, &setup);
    for step in steps {
        sut = CourseMachine::apply(sut, &setup, step);
        CourseMachine::check_invariants(&sut, &setup);
    }
    sut
}
