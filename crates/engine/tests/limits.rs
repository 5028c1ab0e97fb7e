//! Dates at the ends of chrono's calendar (`-262143-01-01`, `+262142-12-31`)
//! and just outside the dates Chairside works with: every operation answers
//! `InvalidInput` naming the date, never a panic; dates inside are planned.

use chairside_engine::dates::{FIRST_DATE, LAST_DATE};
use chairside_engine::local_time::{boundary_instant, start_of_local_day, to_local};
use chairside_engine::reminders::reminder_due;
use chairside_engine::*;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday::*};
use chrono_tz::Tz;
use proptest::prelude::*;

const NY: Tz = chrono_tz::America::New_York;
const TOKYO: Tz = chrono_tz::Asia::Tokyo;

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

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn clinic(zone: Tz) -> ClinicCalendar {
    ClinicCalendar::new(
        zone,
        WeeklyHours::uniform(
            &[Mon, Tue, Wed, Thu, Fri, Sat, Sun],
            time(8, 0),
            time(18, 0),
        ),
        vec![Chair {
            id: ChairId(1),
            modalities: vec![Modality::Iv],
            active: true,
        }],
    )
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

fn request<'r>(
    protocol: &'r Protocol,
    preferences: &'r PatientPreferences,
    earliest: NaiveDate,
) -> PhaseRequest<'r> {
    PhaseRequest {
        protocol,
        phase: 0,
        preferences,
        earliest,
        first_within_days: 28,
        patient_sessions: &[],
        previous_session: None,
    }
}

#[test]
fn closures_outside_the_calendar_are_refused_not_a_panic() {
    let occupancy = Occupancy::new();
    let midnight = NaiveTime::MIN;
    for zone in [NY, TOKYO] {
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
                let mut calendar = clinic(zone);
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
        let mut calendar = clinic(zone);
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
            .plan_phase(&request(&protocol, &preferences, LAST_DATE))
            .unwrap();
        assert!(plan.sessions[0].local_date > LAST_DATE, "{plan:?}");
    }
}

#[test]
fn plans_from_outside_the_calendar_are_refused_not_a_panic() {
    let calendar = clinic(NY);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let preferences = PatientPreferences::default();
    let standing = [Interval::new(
        DateTime::<Utc>::MAX_UTC - Duration::hours(1),
        DateTime::<Utc>::MAX_UTC,
    )];
    let policy = protocol.boosters().unwrap().1.default_policy;
    for date in outside() {
        assert_invalid(
            planner.plan_phase(&request(&protocol, &preferences, date)),
            "earliest",
        );
        assert_invalid(
            planner.plan_phase(&PhaseRequest {
                previous_session: Some(date),
                ..request(&protocol, &preferences, FIRST_DATE)
            }),
            "previous_session",
        );
        assert_invalid(
            planner.availability(&AvailabilityRequest {
                modality: Modality::Iv,
                chair_time: protocol.chair_time,
                from: date,
                to: date,
            }),
            "from",
        );
        assert_invalid(
            planner.replan_series(&ReplanRequest {
                protocol: &protocol,
                phase: 0,
                kept: &[],
                remaining: 3,
                earliest: date,
                preferences: &preferences,
                patient_sessions: &[],
            }),
            "earliest",
        );
        assert_invalid(
            planner.defer_session(&DeferRequest {
                protocol: &protocol,
                phase: 0,
                dates: &[date],
                moving: 0,
                not_before: LAST_DATE,
                preferences: &preferences,
                patient_sessions: &[],
            }),
            "dates[0]",
        );
        assert_invalid(
            planner.propose_boosters(&BoosterRequest {
                protocol: &protocol,
                policy: &policy,
                previous_session: date,
                count: 3,
                not_before: FIRST_DATE,
                first_sequence: 1,
                preferences: &preferences,
                patient_sessions: &[],
            }),
            "previous_session",
        );
        assert_invalid(
            planner.validate_sessions(&ValidationRequest {
                protocol: &protocol,
                phase: 0,
                standing: &[date],
                sessions: &[],
                previous_session: None,
                booster_policy: None,
                patient_sessions: &[],
            }),
            "standing[0]",
        );
    }
    assert_invalid(
        planner.plan_phase(&PhaseRequest {
            patient_sessions: &standing,
            ..request(&protocol, &preferences, LAST_DATE)
        }),
        "patient_sessions[0]",
    );
    assert_invalid(
        planner.validate_sessions(&ValidationRequest {
            protocol: &protocol,
            phase: 0,
            standing: &[],
            sessions: &[ProposedSession {
                chair: ChairId(1),
                start: standing[0].start,
                end: standing[0].end,
            }],
            previous_session: None,
            booster_policy: None,
            patient_sessions: &[],
        }),
        "sessions[0].start",
    );
}

#[test]
fn wall_clock_conversions_at_the_ends_of_chrono_never_panic() {
    let first = NaiveDate::MIN.and_time(NaiveTime::MIN);
    let last = NaiveDate::MAX.and_time(time(23, 59));
    for zone in [NY, TOKYO] {
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
        boundary_instant(NY, last),
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
    #![proptest_config(ProptestConfig::with_cases(64))]

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
        let zone = if tokyo { TOKYO } else { NY };
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
        let mut calendar = clinic(zone);
        calendar.closures.push(Closure {
            scope: ClosureScope::Clinic,
            span: ClosureSpan::Days { first: date, last: date },
        });
        let built = Planner::new(&calendar, &occupancy);
        prop_assert_eq!(built.is_ok(), inside, "closure on {}", date);

        let calendar = clinic(zone);
        let planner = Planner::new(&calendar, &occupancy).unwrap();
        let protocol = presets::iv_ketamine_standard();
        let preferences = PatientPreferences::default();
        let planned = planner.plan_phase(&request(&protocol, &preferences, date));
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
