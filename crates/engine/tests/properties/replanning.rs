//! Re-planning after a miss: the new sessions come after `earliest` and the
//! last kept one; a plan without violations keeps every rule (and is the
//! brute force's best); a plan with violations lists exactly what
//! `series_violations` finds, and only when no plan keeps the rules.

use chairside_engine::*;
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::checks::{candidate_days, check_session, fail, same_sessions};
use crate::support::gen::{self, Case, REPLAN};
use crate::support::oracle::{BruteForce, Candidate, Clinic, Spacing};
use crate::support::planning::{dates, replan_request};
use crate::support::proptest_config;

/// Up to `gaps.len()` dates from `first` that keep the spacing rules: each
/// gap picks a distance between the min and max gap; stops before a date
/// that would break the span or the weekly cap.
fn kept_dates(spacing: &Spacing, first: NaiveDate, gaps: &[i64]) -> Vec<NaiveDate> {
    let mut kept = vec![first];
    for pick in &gaps[1..] {
        let gap = spacing.min + pick % (spacing.max - spacing.min + 1);
        let mut next = kept.clone();
        next.push(*kept.last().unwrap() + Duration::days(gap));
        if spacing.keeps(None, &next).is_err() {
            break;
        }
        kept = next;
    }
    kept
}

/// The sessions that stand: the start of the engine's own plan, or (when
/// there is none, or `from_plan` is false) any dates keeping the rules.
/// Never the whole series, so that something is left to re-plan.
fn standing(case: &Case, planner: &Planner, from_plan: bool, gaps: &[i64]) -> Vec<NaiveDate> {
    let spacing = Spacing::of(case.rules());
    let mut kept = match planner.plan_phase(&case.request()) {
        Ok(plan) if from_plan => dates(&plan.sessions[..gaps.len().min(plan.sessions.len())]),
        _ => kept_dates(&spacing, case.earliest, gaps),
    };
    kept.truncate(spacing.sessions - 1);
    kept
}

/// The brute force's best re-plan of `remaining` sessions after `kept`.
fn best_replan(
    clinic: &Clinic,
    case: &Case,
    kept: &[NaiveDate],
    remaining: usize,
    earliest: NaiveDate,
) -> Option<Vec<Candidate>> {
    let spacing = Spacing::of(case.rules());
    let days = candidate_days(
        clinic,
        case,
        earliest,
        kept[0] + Duration::days(spacing.span),
    );
    BruteForce {
        spacing,
        kept,
        count: remaining,
        earliest,
        first_latest: None,
        previous: None,
        days,
    }
    .solve()
}

/// Checks a re-plan the engine made after `kept` against the brute force's
/// best (`reference`).
fn check_replan(
    clinic: &Clinic,
    case: &Case,
    kept: &[NaiveDate],
    earliest: NaiveDate,
    replan: &Replan,
    reference: Option<Vec<Candidate>>,
) -> Result<(), TestCaseError> {
    let rules = case.rules();
    let spacing = Spacing::of(rules);
    prop_assert_eq!(replan.sessions.len(), spacing.sessions - kept.len());
    for (i, s) in replan.sessions.iter().enumerate() {
        prop_assert_eq!(s.sequence as usize, kept.len() + i + 1);
        prop_assert!(
            s.local_date >= earliest,
            "{} is before {earliest}",
            s.local_date
        );
        check_session(clinic, case, s)?;
    }
    let mut all = kept.to_vec();
    all.extend(dates(&replan.sessions));
    prop_assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "dates in order: {all:?}"
    );
    let found = series_violations(rules, &all);
    if replan.violations.is_empty() {
        prop_assert!(
            found.is_empty(),
            "not at risk, yet {all:?} breaks {found:?}"
        );
        spacing.keeps(None, &all).map_err(fail)?;
        let best =
            reference.ok_or_else(|| fail("keeps the rules, brute force disagrees".into()))?;
        same_sessions(&replan.sessions, &best)?;
    } else {
        prop_assert_eq!(&replan.violations, &found);
        prop_assert!(
            reference.is_none(),
            "at risk, but {reference:?} keeps the rules"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(256))]

    /// The kept sessions come from [`standing`]; re-planning from nothing
    /// is pinned by a regression test.
    #[test]
    fn replans_keep_the_rules_or_list_every_violation(
        case in gen::case(REPLAN),
        from_plan in any::<bool>(),
        gaps in prop::collection::vec(0..=10i64, 1..=4),
        delay in 0..=8i64,
    ) {
        let occupancy = case.occupancy();
        let planner = Planner::new(&case.calendar, &occupancy).unwrap();
        let kept = standing(&case, &planner, from_plan, &gaps);
        if kept.is_empty() {
            return Ok(());
        }
        let remaining = Spacing::of(case.rules()).sessions - kept.len();
        let earliest = *kept.last().unwrap() + Duration::days(1 + delay);
        let result = planner.replan_series(&ReplanRequest {
            patient_sessions: &case.patient_sessions,
            ..replan_request(&case.protocol, &kept, remaining, earliest, &case.preferences)
        });
        let clinic = Clinic::new(&case.calendar, &case.bookings, &case.loads);
        let reference = best_replan(&clinic, &case, &kept, remaining, earliest);
        match result {
            Ok(replan) => check_replan(&clinic, &case, &kept, earliest, &replan, reference)?,
            Err(EngineError::Infeasible(_)) => prop_assert!(
                reference.is_none(),
                "infeasible, but {reference:?} keeps the rules"
            ),
            Err(other) => return Err(fail(format!("unexpected error: {other}"))),
        }
    }
}
