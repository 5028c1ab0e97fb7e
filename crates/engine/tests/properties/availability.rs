//! Availability lists exactly the free (chair, start) pairs the oracle
//! finds, and every slot the planner uses is among them.

use chairside_engine::*;
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::gen::{self, Case, DST_NIGHTS, STAFFED, WIDE};
use crate::support::oracle::{Clinic, Treatment};
use crate::support::proptest_config;

/// Compares a few days of availability with the oracle's free starts, and
/// looks up every planned session in its day's availability.
fn check_availability(case: &Case, from_offset: i64, length: i64) -> Result<(), TestCaseError> {
    let occupancy = case.occupancy();
    let planner = Planner::new(&case.calendar, &occupancy).unwrap();
    let clinic = Clinic::new(&case.calendar, &case.bookings, &case.loads);
    let treatment = Treatment::of(&case.protocol);
    let length_of_session = treatment.duration();
    let available = |from: NaiveDate, to: NaiveDate| {
        planner
            .availability(&AvailabilityRequest {
                modality: case.protocol.modality,
                chair_time: case.protocol.chair_time,
                from,
                to,
                staffing: case.protocol.staffing.clone(),
            })
            .unwrap()
    };
    let from = case.earliest + Duration::days(from_offset);
    let to = from + Duration::days(length);
    let engine: Vec<_> = available(from, to)
        .into_iter()
        .map(|o| (o.local_date, o.chair, o.start, o.end, o.local_time))
        .collect();
    let reference: Vec<_> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .flat_map(|d| {
            clinic
                .open_starts(d, &treatment)
                .into_iter()
                .map(move |(chair, start, t)| (d, chair, start, start + length_of_session, t))
        })
        .collect();
    prop_assert_eq!(engine, reference);
    if let Ok(plan) = planner.plan_phase(&case.request()) {
        for s in &plan.sessions {
            let open = available(s.local_date, s.local_date);
            prop_assert!(
                open.iter().any(|o| (o.chair, o.start, o.end, o.local_time)
                    == (s.chair, s.start, s.end, s.local_time)),
                "planned {s:?} is not in that day's availability"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(128))]

    #[test]
    fn availability_is_exactly_the_free_starts(
        case in gen::case(WIDE),
        from_offset in 0..=20i64,
        length in 0..=2i64,
    ) {
        check_availability(&case, from_offset, length)?;
    }

    /// The same where every clinic lists staff.
    #[test]
    fn availability_in_staffed_clinics(
        case in gen::case(STAFFED),
        from_offset in 0..=10i64,
        length in 0..=2i64,
    ) {
        check_availability(&case, from_offset, length)?;
    }

    /// The same on the nights the clocks change.
    #[test]
    fn availability_on_dst_nights(
        case in gen::case(DST_NIGHTS),
        from_offset in 0..=1i64,
        length in 0..=1i64,
    ) {
        check_availability(&case, from_offset, length)?;
    }
}
