//! Dates at the ends of chrono's calendar (`-262143-01-01`, `+262142-12-31`)
//! and just outside the dates Chairside works with: every operation answers
//! `InvalidInput` naming the date, never a panic; dates inside are planned.

use chairside_engine::dates::{FIRST_DATE, LAST_DATE};
use chairside_engine::local_time::{boundary_instant, start_of_local_day, to_local};
use chairside_engine::reminders::reminder_due;
use chairside_engine::*;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use proptest::prelude::*;

use crate::support::clinics::one_chair_every_day;
use crate::support::planning::{
    booster_request, phase_request, replan_request, validation_request,
};
use crate::support::proptest_config;
use crate::support::wall_clock::{time, NEW_YORK, TOKYO};

/// Dates no clinic means: chrono's first and last, and the days just
/// outside Chairside's range.
fn outside() -> [NaiveDate; 6] {
    [
        NaiveDate::MIN,
        NaiveDate::MIN.succ_opt().unwrap(),
        FIRST_DATE.pred_opt().unwrap(),
        LAST_DATE.succ_opt().unwrap(),
        NaiveDate::MAX.pred_opt().unwrap(),
        NaiveDate::MAX,
    ]
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T, EngineError>, field: &str) {
    match result {
        Err(EngineError::InvalidInput { field: f, reason }) => {
            assert_eq!(f, field, "{reason}");
            assert!(reason.contains("1900-01-01") && reason.contains("2999-12-31"));
        }
        other => panic!("expected InvalidInput for {field}, got {other:?}"),
    }
}

/// What an operation answered, its result set aside.
type Answer = Result<(), EngineError>;

#[test]
fn closures_outside_the_calendar_are_refused_not_a_panic() {
    let occupancy = Occupancy::new();
    let midnight = NaiveTime::MIN;
    for zone in [NEW_YORK, TOKYO] {
        for date in outside() {
            for span in [
                ClosureSpan::Days {
                    first: date,
                    last: date,
                },
                ClosureSpan::Range {
                    start: date.and_time(midnight),
                    end: date.and_time(time(23, 59)),
                },
            ] {
                let mut calendar = one_chair_every_day(zone);
                calendar.closures.push(Closure {
                    scope: ClosureScope::Clinic,
                    span,
                });
                assert_invalid(
                    Planner::new(&calendar, &occupancy).map(|_| ()),
                    "closures[0]",
                );
            }
        }
        // The last day of the calendar may be closed, and planning around it works.
        let mut calendar = one_chair_every_day(zone);
        calendar.closures.push(Closure {
            scope: ClosureScope::Clinic,
            span: ClosureSpan::Days {
                first: LAST_DATE,
                last: LAST_DATE,
            },
        });
        let planner = Planner::new(&calendar, &occupancy).unwrap();
        let protocol = presets::iv_ketamine_standard();
        let preferences = PatientPreferences::default();
        let plan = planner
            .plan_phase(&phase_request(&protocol, &preferences, LAST_DATE, 28))
            .unwrap();
        assert!(plan.sessions[0].local_date > LAST_DATE, "{plan:?}");
    }
}

/// Every operation that takes a date, asked about `date`, each with the
/// field a refusal must name.
///
/// Long for a function, on purpose: it is a table, one entry per
/// operation, and a new operation is one more entry.
fn each_operation_on(planner: &Planner, date: NaiveDate) -> Vec<(&'static str, Answer)> {
    let protocol = presets::iv_ketamine_standard();
    let preferences = PatientPreferences::default();
    let policy = protocol.boosters().unwrap().1.default_policy;
    let from_first_date = phase_request(&protocol, &preferences, FIRST_DATE, 28);
    vec![
        (
            "earliest",
            planner
                .plan_phase(&phase_request(&protocol, &preferences, date, 28))
                .map(drop),
        ),
        (
            "previous_session",
            planner
                .plan_phase(&PhaseRequest {
                    previous_session: Some(date),
                    ..from_first_date
                })
                .map(drop),
        ),
        (
            "from",
            planner
                .availability(&AvailabilityRequest {
                    modality: Modality::Iv,
                    chair_time: protocol.chair_time,
                    from: date,
                    to: date,
                    staffing: None,
                })
                .map(drop),
        ),
        (
            "earliest",
            planner
                .replan_series(&replan_request(&protocol, &[], 3, date, &preferences))
                .map(drop),
        ),
        (
            "dates[0]",
            planner
                .defer_session(&DeferRequest {
                    protocol: &protocol,
                    phase: 0,
                    dates: &[date],
                    moving: 0,
                    not_before: LAST_DATE,
                    preferences: &preferences,
                    patient_sessions: &[],
                })
                .map(drop),
        ),
        (
            "previous_session",
            planner
                .propose_boosters(&booster_request(
                    &protocol,
                    &policy,
                    &preferences,
                    date,
                    FIRST_DATE,
                    3,
                ))
                .map(drop),
        ),
        (
            "standing[0]",
            planner
                .validate_sessions(&ValidationRequest {
                    standing: &[date],
                    ..validation_request(&protocol, &[])
                })
                .map(drop),
        ),
    ]
}

#[test]
fn plans_from_outside_the_calendar_are_refused_not_a_panic() {
    let calendar = one_chair_every_day(NEW_YORK);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    for date in outside() {
        for (field, answer) in each_operation_on(&planner, date) {
            assert_invalid(answer, field);
        }
    }
    // An instant at the very end of chrono's time, in the patient's diary
    // or proposed for a session.
    let protocol = presets::iv_ketamine_standard();
    let preferences = PatientPreferences::default();
    let standing = [Interval::new(
        DateTime::<Utc>::MAX_UTC - Duration::hours(1),
        DateTime::<Utc>::MAX_UTC,
    )];
    assert_invalid(
        planner.plan_phase(&PhaseRequest {
            patient_sessions: &standing,
            ..phase_request(&protocol, &preferences, LAST_DATE, 28)
        }),
        "patient_sessions[0]",
    );
    let at_the_end = [ProposedSession {
        chair: ChairId(1),
        start: standing[0].start,
        end: standing[0].end,
    }];
    assert_invalid(
        planner.validate_sessions(&validation_request(&protocol, &at_the_end)),
        "sessions[0].start",
    );
}

#[test]
fn wall_clock_conversions_at_the_ends_of_chrono_never_panic() {
    let first = NaiveDate::MIN.and_time(NaiveTime::MIN);
    let last = NaiveDate::MAX.and_time(time(23, 59));
    for zone in [NEW_YORK, TOKYO] {
        // Past the end in one direction or the other: the end it fell off.
        let _ = boundary_instant(zone, first);
        let _ = boundary_instant(zone, last);
        let _ = start_of_local_day(zone, NaiveDate::MIN);
        let _ = start_of_local_day(zone, NaiveDate::MAX);
        let _ = to_local(zone, DateTime::<Utc>::MIN_UTC);
        let _ = to_local(zone, DateTime::<Utc>::MAX_UTC);
        let _ = reminder_due(zone, DateTime::<Utc>::MIN_UTC, 72 * 60);
    }
    assert_eq!(
        boundary_instant(NEW_YORK, last),
        DateTime::<Utc>::MAX_UTC,
        "New York is behind UTC: its last minute is after chrono's"
    );
    let policy = presets::iv_ketamine_standard()
        .boosters()
        .unwrap()
        .1
        .default_policy;
    assert_eq!(booster_target(&policy, NaiveDate::MAX), NaiveDate::MAX);
}

proptest! {
    #![proptest_config(proptest_config(64))]

    /// Any date chrono knows: a plan from it, and a closure on it, are
    /// made (inside the calendar) or refused as invalid (outside), never a
    /// panic.
    #[test]
    fn any_date_is_planned_or_refused(
        days in i64::from(NaiveDate::MIN.num_days_from_ce())..=i64::from(NaiveDate::MAX.num_days_from_ce()),
        near_an_end in 0..4u8,
        shift in -400i64..400,
        tokyo in any::<bool>(),
    ) {
        let zone = if tokyo { TOKYO } else { NEW_YORK };
        // Half the cases near an end of chrono's or of Chairside's calendar.
        let anchor = match near_an_end {
            0 => NaiveDate::MIN.checked_add_signed(Duration::days(shift.abs())),
            1 => NaiveDate::MAX.checked_sub_signed(Duration::days(shift.abs())),
            2 => FIRST_DATE.checked_add_signed(Duration::days(shift)),
            _ => LAST_DATE.checked_add_signed(Duration::days(shift)),
        };
        let date = if days % 2 == 0 {
            anchor.unwrap()
        } else {
            NaiveDate::from_num_days_from_ce_opt(days as i32).unwrap()
        };
        let inside = (FIRST_DATE..=LAST_DATE).contains(&date);

        let occupancy = Occupancy::new();
        let mut calendar = one_chair_every_day(zone);
        calendar.closures.push(Closure {
            scope: ClosureScope::Clinic,
            span: ClosureSpan::Days { first: date, last: date },
        });
        let built = Planner::new(&calendar, &occupancy);
        prop_assert_eq!(built.is_ok(), inside, "closure on {}", date);

        let calendar = one_chair_every_day(zone);
        let planner = Planner::new(&calendar, &occupancy).unwrap();
        let protocol = presets::iv_ketamine_standard();
        let preferences = PatientPreferences::default();
        let planned = planner.plan_phase(&phase_request(&protocol, &preferences, date, 28));
        match planned {
            Ok(plan) => prop_assert!(inside && plan.sessions[0].local_date >= date),
            Err(EngineError::InvalidInput { field, .. }) => {
                prop_assert!(!inside);
                prop_assert_eq!(field, "earliest");
            }
            Err(other) => prop_assert!(false, "{} from {}", other, date),
        }
    }
}
