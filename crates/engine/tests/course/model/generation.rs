//! What proptest draws: the clinic a case runs in ([`Setup`]) and the steps
//! tried in it ([`Step`]), with sessions and times still symbolic — the
//! engine's planner decides which sessions exist, so a step names "the
//! `n`th session this action makes sense for" and is resolved against the
//! real course when it runs (`resolution`).

use proptest::prelude::*;
use proptest_state_machine::ReferenceStateMachine;

/// The clinic a case runs in (the reference state: it does not change).
#[derive(Clone, Debug)]
pub struct Setup {
    /// Esketamine nasal (else IV ketamine, standard).
    pub esketamine: bool,
    /// 1–3 chairs.
    pub chairs: i64,
    /// Starts before the spring DST change (else before the fall one).
    pub spring: bool,
    /// The course is booked from this many days after today.
    pub lead_days: i64,
    /// Other patients' bookings: (chair, day, hour, quarter, minutes).
    pub others: Vec<(i64, i64, u32, u32, i64)>,
    /// Closures: (chair or the whole clinic, first day, days).
    pub closures: Vec<(Option<i64>, i64, i64)>,
    /// The patient's sessions in another course: (day, hour).
    pub elsewhere: Vec<(i64, u32)>,
    /// A driver home is confirmed.
    pub escort_confirmed: bool,
    /// Boosters booked ahead.
    pub boosters_ahead: u32,
    /// Doses given (checked step by step) before the random steps.
    pub given: usize,
    /// At most one session starts per grid slot (staggered starts).
    pub start_cap: bool,
}

/// The `n`th of the sessions an action makes sense for (`any`: of all).
#[derive(Clone, Copy, Debug)]
pub struct Pick {
    pub n: usize,
    pub any: bool,
}

/// A chosen time: `days` after today (or after the session concerned), at
/// `hour:quarter*15` clinic time, on a chosen chair or the first free one.
#[derive(Clone, Copy, Debug)]
pub struct When {
    pub from_session: bool,
    pub days: i64,
    pub hour: u32,
    pub quarter: u32,
    pub chair: Option<i64>,
}

/// One action, with its sessions and times still symbolic.
#[derive(Clone, Debug)]
pub enum Act {
    CheckIn {
        pick: Pick,
        escort_override: bool,
    },
    Complete {
        pick: Pick,
    },
    NotDosed {
        pick: Pick,
    },
    NoShow {
        pick: Pick,
        automatic: bool,
    },
    Cancel {
        pick: Pick,
        remaining: bool,
    },
    Omit {
        pick: Pick,
    },
    RescheduleNextBest {
        pick: Pick,
        not_before: Option<i64>,
    },
    RescheduleTo {
        pick: Pick,
        when: When,
        override_rule: bool,
    },
    AddSession {
        when: When,
        override_rule: bool,
    },
    Pause,
    Resume {
        from: Option<i64>,
    },
    Cease,
    DecideAtRisk {
        restart: bool,
    },
    ChangePolicy {
        step: usize,
        below_floor: bool,
        override_floor: bool,
    },
    StepBack,
    Correct {
        pick: Pick,
        undo: bool,
        /// Undo the last change of an omitted dose (its omission).
        omitted: bool,
    },
}

#[derive(Clone, Debug)]
pub enum Step {
    /// Time passes.
    Wait { hours: i64 },
    /// The clock moves to an upcoming booked session's start plus minutes.
    GoTo { n: usize, minutes: i64 },
    /// Someone acts.
    Act { clinician: bool, act: Act },
    /// The patient comes to the next booked session: check in, complete.
    Give { n: usize },
    /// Another patient books a chair where ours is free: a freed session's
    /// chair interval (`Some`; on its chair, or on the next one at the same
    /// start), or a time.
    OtherBooks {
        freed: Option<(usize, bool)>,
        at: (i64, i64, u32, u32),
    },
    /// The driver home is confirmed, or no longer.
    Escort(bool),
    /// Another course of the same kind runs, or no longer.
    OtherCourse(bool),
}

fn pick() -> impl Strategy<Value = Pick> {
    (
        prop_oneof![4 => 0usize..2, 1 => 0usize..12],
        prop::bool::weighted(0.1),
    )
        .prop_map(|(n, any)| Pick { n, any })
}

fn when() -> impl Strategy<Value = When> {
    (
        prop::bool::weighted(0.7),
        prop_oneof![-1i64..=3, 2i64..=8, 7i64..=16],
        prop_oneof![Just(10u32), 7u32..=17],
        0u32..4,
        prop::option::weighted(0.3, 1i64..=3),
    )
        .prop_map(|(from_session, days, hour, quarter, chair)| When {
            from_session,
            days,
            hour,
            quarter,
            chair,
        })
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        30 => (pick(), prop::bool::weighted(0.2))
            .prop_map(|(pick, escort_override)| Act::CheckIn { pick, escort_override }),
        30 => pick().prop_map(|pick| Act::Complete { pick }),
        8 => pick().prop_map(|pick| Act::NotDosed { pick }),
        10 => (pick(), any::<bool>()).prop_map(|(pick, automatic)| Act::NoShow { pick, automatic }),
        12 => (pick(), prop::bool::weighted(0.1))
            .prop_map(|(pick, remaining)| Act::Cancel { pick, remaining }),
        8 => pick().prop_map(|pick| Act::Omit { pick }),
        8 => (pick(), prop::option::weighted(0.3, 0i64..=14))
            .prop_map(|(pick, not_before)| Act::RescheduleNextBest { pick, not_before }),
        8 => (pick(), when(), prop::bool::weighted(0.3))
            .prop_map(|(pick, when, override_rule)| Act::RescheduleTo { pick, when, override_rule }),
        10 => (when(), prop::bool::weighted(0.4))
            .prop_map(|(when, override_rule)| Act::AddSession { when, override_rule }),
        3 => Just(Act::Pause),
        8 => prop::option::weighted(0.4, 0i64..=21).prop_map(|from| Act::Resume { from }),
        1 => Just(Act::Cease),
        12 => any::<bool>().prop_map(|restart| Act::DecideAtRisk { restart }),
        6 => (0usize..5, prop::bool::weighted(0.2), any::<bool>()).prop_map(
            |(step, below_floor, override_floor)| Act::ChangePolicy { step, below_floor, override_floor }
        ),
        3 => Just(Act::StepBack),
        12 => (pick(), any::<bool>(), prop::bool::weighted(0.15))
            .prop_map(|(pick, undo, omitted)| Act::Correct { pick, undo, omitted }),
    ]
}

/// Whether an action is a clinician's to take (the desk tries it too, rarely).
fn clinical(act: &Act) -> bool {
    matches!(
        act,
        Act::Omit { .. }
            | Act::Pause
            | Act::Resume { .. }
            | Act::Cease
            | Act::DecideAtRisk { .. }
            | Act::ChangePolicy { .. }
            | Act::StepBack
            | Act::Correct { .. }
    )
}

fn step() -> impl Strategy<Value = Step> {
    let minutes = prop::sample::select(vec![-65i64, -30, -5, 0, 5, 16, 30, 61, 100]);
    prop_oneof![
        10 => prop_oneof![2 => 1i64..=8, 2 => 9i64..=48, 1 => 49i64..=240]
            .prop_map(|hours| Step::Wait { hours }),
        12 => (prop_oneof![3 => Just(0usize), 1 => 0usize..4], minutes)
            .prop_map(|(n, minutes)| Step::GoTo { n, minutes }),
        55 => (act(), 0u32..100).prop_map(|(act, roll)| {
            // Clinical actions mostly by a clinician; the rest by either.
            let clinician = if clinical(&act) { roll < 85 } else { roll < 50 };
            Step::Act { clinician, act }
        }),
        12 => prop_oneof![3 => Just(0usize), 1 => 0usize..3].prop_map(|n| Step::Give { n }),
        3 => (
            prop::option::weighted(0.6, (0usize..4, prop::bool::weighted(0.6))),
            (1i64..=3, 0i64..=24, 8u32..=16, 0u32..4)
        )
            .prop_map(|(freed, at)| Step::OtherBooks { freed, at }),
        1 => prop::bool::weighted(0.7).prop_map(Step::Escort),
        1 => prop::bool::weighted(0.4).prop_map(Step::OtherCourse),
    ]
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        any::<bool>(),
        1i64..=3,
        prop::bool::weighted(0.6),
        1i64..=5,
        prop::collection::vec(
            (
                1i64..=3,
                0i64..=24,
                8u32..=16,
                0u32..4,
                prop::sample::select(vec![45i64, 90, 150]),
            ),
            0..=6,
        ),
        prop::collection::vec(
            (prop::option::weighted(0.5, 1i64..=3), 0i64..=24, 1i64..=4),
            0..=2,
        ),
        prop::collection::vec((0i64..=20, 8u32..=16), 0..=2),
        prop::bool::weighted(0.85),
        1u32..=2,
        prop_oneof![2 => Just(0usize), 1 => 0usize..=14],
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(
                esketamine,
                chairs,
                spring,
                lead_days,
                others,
                closures,
                elsewhere,
                escort_confirmed,
                boosters_ahead,
                given,
                start_cap,
            )| Setup {
                esketamine,
                chairs,
                spring,
                lead_days,
                others,
                closures,
                elsewhere,
                escort_confirmed,
                boosters_ahead,
                given,
                start_cap,
            },
        )
}

/// The reference state machine: the clinic, and the steps to try in it.
pub struct Clinic;

impl ReferenceStateMachine for Clinic {
    type State = Setup;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Setup> {
        setup().boxed()
    }

    fn transitions(_: &Setup) -> BoxedStrategy<Step> {
        step().boxed()
    }

    fn apply(state: Setup, _: &Step) -> Setup {
        state
    }
}
