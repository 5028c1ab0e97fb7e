//! Protocols for fuzzing: valid ones, then up to three fields overwritten
//! by wild integers (extremes, negatives, zero) or their structure broken.

use chairside_engine::*;
use proptest::prelude::*;

use crate::support::gen;

/// Any integer: extremes, small ones (negatives too), plausible ones.
fn wild() -> BoxedStrategy<i32> {
    prop_oneof![
        3 => any::<i32>(),
        1 => Just(i32::MIN),
        1 => Just(i32::MAX),
        2 => -3..=3i32,
        2 => 0..=400i32,
    ]
    .boxed()
}

/// A weekly cap. `Protocol::validate` multiplies it by the number of phase
/// weeks (up to 522) in i32; values above 4,000,000 overflow there (see
/// `regression_validate_does_not_overflow_on_a_huge_weekly_cap`), and
/// anything far above 7 makes the planner allocate in proportion (see
/// `regression_a_huge_weekly_cap_is_refused_or_planned`). `huge` allows the
/// former, for properties that validate without planning.
fn wild_cap(huge: bool) -> BoxedStrategy<i32> {
    if huge {
        prop_oneof![any::<i32>().prop_map(|c| c.min(4_000_000)), -3..=9i32].boxed()
    } else {
        prop_oneof![Just(i32::MIN), -3..=9i32].boxed()
    }
}

fn valid_series() -> BoxedStrategy<PhaseKind> {
    (
        1..=8i32,
        1..=4i32,
        0..=10i32,
        0..=20i32,
        prop::option::of(1..=7i32),
    )
        .prop_map(|(n, min, extra, span_extra, cap)| {
            PhaseKind::Series(gen::series_rules((n, min, extra, span_extra, cap)))
        })
        .boxed()
}

fn valid_boosters() -> BoxedStrategy<PhaseKind> {
    (
        1..=14i32,
        0..=40i32,
        0..=100i32,
        0..=5i32,
        prop::collection::vec(0..=100i32, 0..=3),
    )
        .prop_map(|(floor, extra, at, tolerance, picks)| {
            let ceiling = floor + extra;
            let interval = floor + extra * at / 100;
            let mut steps: Vec<i32> = picks.iter().map(|p| floor + extra * p / 100).collect();
            steps.push(interval);
            steps.sort();
            steps.dedup();
            PhaseKind::Boosters(BoosterRules {
                default_policy: BoosterPolicy {
                    interval_days: interval,
                    floor_days: floor,
                    ceiling_days: ceiling,
                    tolerance_days: tolerance,
                },
                interval_steps_days: steps,
            })
        })
        .boxed()
}

/// A protocol that validates: one or two series, then maybe boosters.
fn valid_protocol() -> BoxedStrategy<Protocol> {
    (
        prop::sample::select(&[Modality::Iv, Modality::Im, Modality::Intranasal][..]),
        (0..=15i32, 1..=60i32, 0..=180i32),
        prop::collection::vec(valid_series(), 1..=2),
        prop::option::of(valid_boosters()),
        (0..=24i32, 0..=240i32),
    )
        .prop_map(
            |(modality, (pre, treatment, monitoring), series, boosters, (fast, early))| {
                let phases = series
                    .into_iter()
                    .chain(boosters)
                    .map(|kind| Phase {
                        name: "P".into(),
                        kind,
                    })
                    .collect();
                Protocol {
                    name: "Custom".into(),
                    modality,
                    rems: false,
                    chair_time: ChairTime {
                        pre_dose_check_minutes: pre,
                        treatment_minutes: treatment,
                        monitoring_minutes: monitoring,
                    },
                    phases,
                    instructions: DayOfInstructions {
                        fasting_hours: fast,
                        arrive_early_minutes: early,
                        driver_required: true,
                        no_driving_until_next_day: true,
                    },
                    staffing: None,
                }
            },
        )
        .boxed()
}

/// Overwrites one field of a protocol (numbered 0..17) with `value`, or
/// breaks its structure (16).
fn mutate(protocol: &mut Protocol, field: usize, value: i32) {
    let series = protocol.phases.iter_mut().find_map(|p| match &mut p.kind {
        PhaseKind::Series(rules) => Some(rules),
        PhaseKind::Boosters(_) => None,
    });
    if let (Some(rules), 5..=9) = (series, field) {
        match field {
            5 => rules.sessions = value,
            6 => rules.min_days_between = value,
            7 => rules.max_days_between = value,
            8 => rules.max_span_days = value,
            _ => rules.max_per_week = Some(value),
        }
        return;
    }
    let boosters = protocol.phases.iter_mut().find_map(|p| match &mut p.kind {
        PhaseKind::Boosters(rules) => Some(rules),
        PhaseKind::Series(_) => None,
    });
    if let (Some(rules), 10..=14) = (boosters, field) {
        let policy = &mut rules.default_policy;
        match field {
            10 => policy.interval_days = value,
            11 => policy.floor_days = value,
            12 => policy.ceiling_days = value,
            13 => policy.tolerance_days = value,
            _ => rules.interval_steps_days.push(value),
        }
        return;
    }
    match (field, value.rem_euclid(4)) {
        (0, _) => protocol.chair_time.pre_dose_check_minutes = value,
        (1, _) => protocol.chair_time.treatment_minutes = value,
        (2, _) => protocol.chair_time.monitoring_minutes = value,
        (3, _) => protocol.instructions.fasting_hours = value,
        (4, _) => protocol.instructions.arrive_early_minutes = value,
        (16, 0) => protocol.name = " ".into(),
        (16, 1) => protocol.phases.clear(),
        (16, 2) => {
            if let Some(phase) = protocol.phases.first_mut() {
                phase.name = String::new();
            }
        }
        (16, _) => protocol.phases.reverse(),
        _ => {}
    }
}

/// A valid protocol with up to three fields overwritten by wild integers.
pub(super) fn any_protocol(huge_cap: bool) -> BoxedStrategy<Protocol> {
    let mutation = (0..17usize).prop_flat_map(move |field| {
        let value = if field == 9 {
            wild_cap(huge_cap)
        } else {
            wild()
        };
        (Just(field), value)
    });
    (valid_protocol(), prop::collection::vec(mutation, 0..=3))
        .prop_map(|(mut protocol, mutations)| {
            for (field, value) in mutations {
                mutate(&mut protocol, field, value);
            }
            protocol
        })
        .boxed()
}
