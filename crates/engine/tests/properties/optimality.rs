//! Optimality: on small instances the plan is exactly the brute force's
//! lexicographic minimum, and the engine says infeasible exactly when the
//! brute force finds nothing; with staff on the floor too.

use chairside_engine::*;
use chrono::Duration;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::checks::{candidate_days, same_sessions};
use crate::support::gen::{self, Case, SMALL, STAFFED};
use crate::support::oracle::{BruteForce, Clinic, Spacing};
use crate::support::proptest_config;

/// The engine's plan of the case is the brute force's best, or both find
/// nothing.
fn check_optimality(case: &Case) -> Result<(), TestCaseError> {
    let occupancy = case.occupancy();
    let planner = Planner::new(&case.calendar, &occupancy).unwrap();
    let clinic = Clinic::new(&case.calendar, &case.bookings, &case.loads);
    let spacing = Spacing::of(case.rules());
    let first_latest = case.earliest + Duration::days(case.first_within_days.into());
    let days = candidate_days(
        &clinic,
        case,
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
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(256))]

    #[test]
    fn plans_equal_a_brute_force_on_small_instances(case in gen::case(SMALL)) {
        check_optimality(&case)?;
    }

    /// The same where every clinic lists staff.
    #[test]
    fn plans_equal_a_brute_force_in_staffed_clinics(case in gen::case(STAFFED)) {
        check_optimality(&case)?;
    }
}
