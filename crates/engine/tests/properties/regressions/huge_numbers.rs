//! Numbers a protocol or policy validates with, too big to plan with: an
//! overflow, or an allocation that aborts the whole process.

use chairside_engine::*;

use super::with_series;
use crate::support::clinics::one_chair_every_day;
use crate::support::planning::{booster_request, is_infeasible, phase_request};
use crate::support::wall_clock::{date, UTC};

/// `validate_series` checks `cap * weeks < sessions` in i32: a weekly cap
/// of i32::MAX with a 21-day span (4 phase weeks) overflows, which panics
/// in debug builds (and wraps in release, refusing a harmless protocol).
#[test]
fn regression_validate_does_not_overflow_on_a_huge_weekly_cap() {
    let protocol = with_series(SeriesRules {
        sessions: 6,
        min_days_between: 2,
        max_days_between: 7,
        max_span_days: 21,
        max_per_week: Some(i32::MAX),
    });
    let verdict = std::panic::catch_unwind(|| protocol.validate().is_ok());
    assert!(verdict.is_ok(), "validate panicked");
}

/// The name libtest knows a test of this module by: the module's path in
/// this binary (the crate's name left off), then the test's own name.
fn test_name(test: &str) -> String {
    let module = module_path!().split_once("::").map_or("", |(_, path)| path);
    format!("{module}::{test}")
}

/// Runs `body` in a child process (this test binary, running only the test
/// `test`), so that an abort fails the test instead of killing the run.
fn in_child_process(test: &str, body: impl FnOnce()) {
    const CHILD: &str = "CHAIRSIDE_PROPERTIES_CHILD";
    let name = test_name(test);
    if std::env::var(CHILD).is_ok_and(|n| n == name) {
        body();
        return;
    }
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &name, "--test-threads=1", "--nocapture"])
        .env(CHILD, &name)
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "{name} died: {:?}\n{}",
        child.status,
        String::from_utf8_lossy(&child.stderr)
    );
    // A name libtest does not know runs nothing, and passes.
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "the child ran no test named {name}:\n{stdout}"
    );
}

/// A weekly cap above 7 means nothing (one session a day at most), yet
/// `validate` accepts any cap and the series search sizes its table as
/// (max_span + 1) * cap states per session: a cap of 1,000,000,000 with a
/// 1-day span asks for 64 GB and aborts the whole process ("memory
/// allocation of 64000000000 bytes failed"), which no `catch_unwind` or
/// web framework can contain.
#[test]
fn regression_a_huge_weekly_cap_is_refused_or_planned() {
    let protocol = with_series(SeriesRules {
        sessions: 2,
        min_days_between: 1,
        max_days_between: 1,
        max_span_days: 1,
        max_per_week: Some(1_000_000_000),
    });
    if protocol.validate().is_err() {
        return; // refused: fixed
    }
    in_child_process("regression_a_huge_weekly_cap_is_refused_or_planned", || {
        let calendar = one_chair_every_day(UTC);
        let occupancy = Occupancy::new();
        let planner = Planner::new(&calendar, &occupancy).unwrap();
        let preferences = PatientPreferences::default();
        let plan = planner.plan_phase(&phase_request(&protocol, &preferences, date(2026, 3, 2), 7));
        assert!(plan.is_ok(), "{plan:?}");
    });
}

/// `BoosterPolicy::validate` bounds the tolerance but not the interval,
/// floor or ceiling. `propose_boosters` addresses days by offset from the
/// previous session and grows its day table up to the target: an interval
/// of i32::MAX days (ceiling the same) validates, then the table asks for
/// ~120 GB and the process aborts ("memory allocation of 120259084288
/// bytes failed"); smaller absurd intervals (10^8 days) overflow
/// `NaiveDate` instead. A clinician's policy reaches this from the API.
#[test]
fn regression_a_huge_booster_interval_is_refused_or_planned() {
    let policy = BoosterPolicy {
        interval_days: i32::MAX,
        floor_days: 1,
        ceiling_days: i32::MAX,
        tolerance_days: 0,
    };
    if policy.validate("policy").is_err() {
        return; // refused: fixed
    }
    in_child_process(
        "regression_a_huge_booster_interval_is_refused_or_planned",
        || {
            let calendar = one_chair_every_day(UTC);
            let occupancy = Occupancy::new();
            let planner = Planner::new(&calendar, &occupancy).unwrap();
            let protocol = presets::iv_ketamine_standard();
            let preferences = PatientPreferences::default();
            let boosters = planner.propose_boosters(&booster_request(
                &protocol,
                &policy,
                &preferences,
                date(2026, 3, 2),
                date(2026, 3, 3),
                1,
            ));
            assert!(boosters.is_ok() || is_infeasible(&boosters), "{boosters:?}");
        },
    );
}
