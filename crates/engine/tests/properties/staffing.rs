//! Staff coverage on its own: validation names `StaffCoverage` for a
//! session at any minute (on the grid or not, in opening hours or not)
//! exactly when the oracle finds the staff short, and never in a clinic
//! without staff.

use chairside_engine::*;
use chrono::Duration;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::checks::fail;
use crate::support::gen::{self, Case, DST_NIGHTS, STAFFED};
use crate::support::oracle::{Clinic, Treatment};
use crate::support::planning::validation_request;
use crate::support::proptest_config;
use crate::support::wall_clock::{instant, minute};

/// Validates one session of the case's protocol from `day` days after the
/// earliest date at minute `at` of the local day, and compares.
fn check_validation(case: &Case, day: i64, at: u32) -> Result<(), TestCaseError> {
    let occupancy = case.occupancy();
    let planner = Planner::new(&case.calendar, &occupancy).unwrap();
    let clinic = Clinic::new(&case.calendar, &case.bookings, &case.loads);
    let treatment = Treatment::of(&case.protocol);
    let start = instant(
        case.calendar.zone,
        case.earliest + Duration::days(day),
        minute(at),
    );
    let session = ProposedSession {
        chair: case.calendar.chairs[0].id,
        start,
        end: start + treatment.duration(),
    };
    let violations = planner
        .validate_sessions(&validation_request(&case.protocol, &[session]))
        .map_err(|e| fail(format!("validate_sessions failed: {e}")))?;
    let named = violations.iter().find(|v| v.rule == Rule::StaffCoverage);
    let covered = clinic.staff_covers(&treatment, start);
    prop_assert_eq!(
        named.is_none(),
        covered,
        "session at {} ({}): engine {:?}",
        start,
        minute(at),
        named
    );
    if !case.calendar.staffing.applies() {
        prop_assert!(named.is_none(), "no staff, yet {named:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(256))]

    #[test]
    fn validation_names_staff_coverage_exactly_when_staff_are_short(
        case in gen::case(STAFFED),
        day in 0..=15i64,
        at in 0..24 * 60u32,
    ) {
        check_validation(&case, day, at)?;
    }

    /// The same on the nights the clocks change, some clinics without staff.
    #[test]
    fn validation_names_staff_coverage_on_dst_nights(
        case in gen::case(DST_NIGHTS),
        day in 0..=2i64,
        at in 0..24 * 60u32,
    ) {
        check_validation(&case, day, at)?;
    }
}
