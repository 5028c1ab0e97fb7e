//! Optimality: on small instances the plan is exactly the brute force's
//! lexicographic minimum, and the engine says infeasible exactly when the
//! brute force finds nothing.

use chairside_engine::*;
use chrono::Duration;
use proptest::prelude::*;

use super::checks::{candidate_days, same_sessions};
use crate::support::gen::{self, SMALL};
use crate::support::oracle::{BruteForce, Clinic, Spacing};
use crate::support::proptest_config;

proptest! {
    #![proptest_config(proptest_config(256))]

    #[test]
    fn plans_equal_a_brute_force_on_small_instances(case in gen::case(SMALL)) {
        let occupancy = case.occupancy();
        let planner = Planner::new(&case.calendar, &occupancy).unwrap();
        let clinic = Clinic::new(&case.calendar, &case.bookings);
        let spacing = Spacing::of(case.rules());
        let first_latest = case.earliest + Duration::days(case.first_within_days.into());
        let days = candidate_days(
            &clinic,
            &case,
            case.earliest,
            first_latest + Duration::days(spacing.span),
        );
        let reference = BruteForce {
            spacing,
            kept: &[],
            count: spacing.sessions,
            earliest: case.earliest,
            first_latest: Some(first_latest),
            previous: case.previous_session,
            days,
        }
        .solve();
        let result = planner.plan_phase(&case.request());
        match (&result, &reference) {
            (Ok(plan), Some(best)) => same_sessions(&plan.sessions, best)?,
            (Err(EngineError::Infeasible(_)), None) => {}
            _ => prop_assert!(false, "engine {result:?}\nbrute force {reference:?}"),
        }
    }
}
