//! Soundness: whatever the engine plans keeps every rule.

use chairside_engine::*;
use chrono::Duration;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::checks::{check_session, fail};
use crate::support::gen::{self, Case, DST_NIGHTS, WIDE};
use crate::support::oracle::{Clinic, Spacing};
use crate::support::planning::{dates, validation_request};
use crate::support::proptest_config;

/// Every rule a whole plan of phase 0 must keep.
fn check_plan(case: &Case, planner: &Planner, plan: &PhasePlan) -> Result<(), TestCaseError> {
    let clinic = Clinic::new(&case.calendar, &case.bookings, &case.loads);
    let spacing = Spacing::of(case.rules());
    prop_assert_eq!(plan.phase, 0);
    prop_assert_eq!(plan.sessions.len(), spacing.sessions, "session count");
    for (i, s) in plan.sessions.iter().enumerate() {
        prop_assert_eq!(s.sequence, i as u32 + 1);
        prop_assert!(s.local_date >= case.earliest, "before earliest");
        check_session(&clinic, case, s)?;
    }
    let dates = dates(&plan.sessions);
    prop_assert!(
        dates.windows(2).all(|w| w[0] < w[1]),
        "one session per local day, in order: {dates:?}"
    );
    spacing
        .keeps(case.previous_session, &dates)
        .map_err(|e| fail(format!("spacing of {dates:?}: {e}")))?;
    let first_latest = case.earliest + Duration::days(case.first_within_days.into());
    prop_assert!(dates[0] <= first_latest, "first session after the window");
    let proposed: Vec<ProposedSession> = plan
        .sessions
        .iter()
        .map(|s| ProposedSession {
            chair: s.chair,
            start: s.start,
            end: s.end,
        })
        .collect();
    let violations = planner
        .validate_sessions(&ValidationRequest {
            previous_session: case.previous_session,
            patient_sessions: &case.patient_sessions,
            ..validation_request(&case.protocol, &proposed)
        })
        .map_err(|e| fail(format!("validate_sessions failed: {e}")))?;
    prop_assert!(
        violations.is_empty(),
        "the engine's own validation: {violations:?}"
    );
    Ok(())
}

/// Plans the case and checks whatever comes back.
fn check_planning(case: &Case) -> Result<(), TestCaseError> {
    let occupancy = case.occupancy();
    let planner = Planner::new(&case.calendar, &occupancy).unwrap();
    match planner.plan_phase(&case.request()) {
        Ok(plan) => check_plan(case, &planner, &plan),
        Err(EngineError::Infeasible(_)) => Ok(()),
        Err(other) => Err(fail(format!("unexpected error: {other}"))),
    }
}

proptest! {
    #![proptest_config(proptest_config(256))]

    #[test]
    fn every_plan_keeps_every_rule(case in gen::case(WIDE)) {
        check_planning(&case)?;
    }

    /// The same on the nights the clocks change, with night-time hours.
    #[test]
    fn every_plan_keeps_every_rule_on_dst_nights(case in gen::case(DST_NIGHTS)) {
        check_planning(&case)?;
    }
}
