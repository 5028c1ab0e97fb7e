//! Boosters: within floor..=ceiling of the session before and within the
//! tolerance of the target unless overdue; each on the day and slot the
//! rules call for.

use chairside_engine::*;
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use super::checks::{check_session, fail};
use crate::support::gen::{self, Case, WIDE};
use crate::support::oracle::{Candidate, Clinic, Treatment};
use crate::support::planning::{booster_request, is_infeasible};
use crate::support::proptest_config;

/// (floor, ceiling above the floor, interval position, tolerance)
fn booster_policy() -> impl Strategy<Value = BoosterPolicy> {
    (1..=10i32, 0..=20i32, 0..=100i32, 0..=5i32).prop_map(|(floor, extra, at, tolerance)| {
        BoosterPolicy {
            interval_days: floor + extra * at / 100,
            floor_days: floor,
            ceiling_days: floor + extra,
            tolerance_days: tolerance,
        }
    })
}

/// The booster the rules call for after `previous`: the usable day nearest
/// the target (ties: earlier) inside target ± tolerance and floor..=ceiling,
/// not before `not_before`; overdue (that window already passed): the first
/// usable day from `not_before` (and the floor) within the tolerance.
fn expected_booster(
    clinic: &Clinic,
    case: &Case,
    policy: &BoosterPolicy,
    previous: NaiveDate,
    not_before: NaiveDate,
) -> (bool, Option<Candidate>) {
    let days = |n: i32| Duration::days(n.into());
    let target = previous + days(policy.interval_days);
    let lo = (previous + days(policy.floor_days)).max(target - days(policy.tolerance_days));
    let hi = (previous + days(policy.ceiling_days)).min(target + days(policy.tolerance_days));
    let overdue = hi < not_before;
    let mut window: Vec<NaiveDate> = if overdue {
        let from = not_before.max(previous + days(policy.floor_days));
        from.iter_days()
            .take(policy.tolerance_days as usize + 1)
            .collect()
    } else {
        lo.max(not_before)
            .iter_days()
            .take_while(|d| *d <= hi)
            .collect()
    };
    window.sort_by_key(|d| ((*d - target).num_days().abs(), *d));
    let taken = clinic.patient_days(&case.patient_sessions);
    let treatment = Treatment::of(&case.protocol);
    let chosen = window.into_iter().find_map(|d| {
        if !clinic.patient_can_come(&case.preferences, &taken, d) {
            return None;
        }
        clinic.best(d, &treatment, &case.preferences)
    });
    (overdue, chosen)
}

/// Up to `count` boosters, one after the other, as [`expected_booster`]
/// finds them: fewer when one cannot be placed.
fn expected_boosters(
    clinic: &Clinic,
    case: &Case,
    policy: &BoosterPolicy,
    previous: NaiveDate,
    not_before: NaiveDate,
    count: usize,
) -> Vec<(bool, Candidate)> {
    let mut before = previous;
    let mut expected = Vec::new();
    for _ in 0..count {
        let (overdue, next) = expected_booster(clinic, case, policy, before, not_before);
        let Some(next) = next else { break };
        expected.push((overdue, next));
        before = next.date;
    }
    expected
}

proptest! {
    #![proptest_config(proptest_config(128))]

    #[test]
    fn boosters_stay_within_floor_ceiling_and_tolerance(
        case in gen::case(WIDE),
        policy in booster_policy(),
        previous_offset in 0..=10i64,
        not_before_offset in -3..=40i64,
        count in 1..=3usize,
    ) {
        let occupancy = case.occupancy();
        let planner = Planner::new(&case.calendar, &occupancy).unwrap();
        let clinic = Clinic::new(&case.calendar, &case.bookings, &case.loads);
        let previous = case.earliest + Duration::days(previous_offset);
        let not_before = previous + Duration::days(not_before_offset);
        let result = planner.propose_boosters(&BoosterRequest {
            first_sequence: 4,
            patient_sessions: &case.patient_sessions,
            ..booster_request(&case.protocol, &policy, &case.preferences, previous, not_before, count)
        });
        let expected = expected_boosters(&clinic, &case, &policy, previous, not_before, count);
        if expected.len() < count {
            prop_assert!(is_infeasible(&result), "the oracle finds no booster {}: {result:?}", expected.len() + 1);
            return Ok(());
        }
        let boosters = result.map_err(|e| fail(format!("oracle finds {expected:?}; engine: {e}")))?;
        prop_assert_eq!(boosters.len(), count);
        let mut before = previous;
        for (i, (b, (overdue, want))) in boosters.iter().zip(&expected).enumerate() {
            prop_assert_eq!(b.sequence as usize, 4 + i);
            let gap = (b.local_date - before).num_days();
            let target = before + Duration::days(policy.interval_days.into());
            prop_assert!(gap >= policy.floor_days.into(), "booster {i} {gap} days after, floor {}", policy.floor_days);
            prop_assert!(b.local_date >= not_before);
            if !overdue {
                prop_assert!(gap <= policy.ceiling_days.into(), "booster {i} {gap} days after, ceiling {}", policy.ceiling_days);
                prop_assert!((b.local_date - target).num_days().abs() <= policy.tolerance_days.into());
            }
            check_session(&clinic, &case, b)?;
            prop_assert_eq!((b.local_date, b.local_time, b.chair), (want.date, want.time, want.chair));
            before = b.local_date;
        }
    }
}
