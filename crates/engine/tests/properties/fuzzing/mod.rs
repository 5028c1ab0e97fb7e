//! Fuzzing: nonsense protocols and calendars never panic, and whatever
//! validates can be planned.

mod json;
mod protocols;

use chairside_engine::*;
use chrono::Duration;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::planning::{booster_request, is_infeasible, phase_request};
use crate::support::proptest_config;
use crate::support::wall_clock::{date, instant, time, NEW_YORK, WEEK};
use protocols::any_protocol;

/// A clinic open every day 07:00-20:00 with three chairs, half full.
fn fuzz_clinic() -> (ClinicCalendar, Vec<Booking>) {
    let hours = WeeklyHours::uniform(&WEEK, time(7, 0), time(20, 0));
    let chairs = (1..=3)
        .map(|id| Chair {
            id: ChairId(id),
            modalities: vec![Modality::Iv, Modality::Im, Modality::Intranasal],
            active: true,
        })
        .collect();
    let calendar = ClinicCalendar::new(NEW_YORK, hours, chairs);
    let bookings = (0..60)
        .flat_map(|day| {
            (1..=3).filter(move |c| (day + c) % 2 == 0).map(move |c| {
                let start = instant(NEW_YORK, date(2026, 3, 1) + Duration::days(day), time(9, 0));
                Booking {
                    chair: ChairId(c),
                    interval: Interval::new(start, start + Duration::hours(6)),
                }
            })
        })
        .collect();
    (calendar, bookings)
}

/// Ten years: boosters further apart than this are skipped when fuzzing.
const MAX_SANE_DAYS: i32 = 3653;

/// Plans every phase of a validated protocol: never a panic, never an
/// input error.
fn plan_every_phase(planner: &Planner, protocol: &Protocol) -> Result<(), TestCaseError> {
    let preferences = PatientPreferences {
        preferred_start: Some(time(10, 0)),
        ..Default::default()
    };
    for (index, phase) in protocol.phases.iter().enumerate() {
        let result = match &phase.kind {
            PhaseKind::Series(_) => planner
                .plan_phase(&PhaseRequest {
                    phase: index,
                    ..phase_request(protocol, &preferences, date(2026, 3, 2), 14)
                })
                .map(|_| ()),
            // A policy of more than ten years aborts the process (see
            // `regression_a_huge_booster_interval_is_refused_or_planned`).
            PhaseKind::Boosters(rules) if rules.default_policy.ceiling_days > MAX_SANE_DAYS => {
                continue
            }
            PhaseKind::Boosters(rules) => planner
                .propose_boosters(&booster_request(
                    protocol,
                    &rules.default_policy,
                    &preferences,
                    date(2026, 3, 2),
                    date(2026, 3, 3),
                    2,
                ))
                .map(|_| ()),
        };
        prop_assert!(
            result.is_ok() || is_infeasible(&result),
            "phase {index} of a valid protocol: {result:?}"
        );
    }
    let open = planner.availability(&AvailabilityRequest {
        modality: protocol.modality,
        chair_time: protocol.chair_time,
        from: date(2026, 3, 2),
        to: date(2026, 3, 3),
        staffing: None,
    });
    prop_assert!(
        open.is_ok(),
        "availability for a valid chair time: {open:?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(512))]

    /// `Protocol::validate` never panics, whatever the integers.
    #[test]
    fn validating_any_protocol_never_panics(protocol in any_protocol(true)) {
        let _ = protocol.validate();
    }
}

proptest! {
    #![proptest_config(proptest_config(256))]

    /// Whatever validates can be planned (each series phase, the boosters,
    /// availability) without a panic.
    #[test]
    fn any_valid_protocol_can_be_planned(protocol in any_protocol(false)) {
        if protocol.validate().is_err() {
            return Ok(());
        }
        let (calendar, bookings) = fuzz_clinic();
        let occupancy = Occupancy::from_bookings(bookings);
        let planner = Planner::new(&calendar, &occupancy).unwrap();
        plan_every_phase(&planner, &protocol)?;
    }
}
