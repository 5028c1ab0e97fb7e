//! One test per scheduling rule, named after the rule, on hand-built clinics.

use chairside_engine::*;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday::*};
use chrono_tz::Tz;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn at(zone: Tz, d: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    zone.from_local_datetime(&d.and_time(time(h, m)))
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn iv_chairs(n: i64) -> Vec<Chair> {
    (1..=n)
        .map(|id| Chair {
            id: ChairId(id),
            modalities: vec![Modality::Iv, Modality::Intranasal],
            active: true,
        })
        .collect()
}

fn weekday_clinic(zone: Tz, chairs: i64) -> ClinicCalendar {
    ClinicCalendar::new(
        zone,
        WeeklyHours::uniform(&[Mon, Tue, Wed, Thu, Fri], time(8, 0), time(18, 0)),
        iv_chairs(chairs),
    )
}

const NY: Tz = chrono_tz::America::New_York;

/// A booking that fills the chair for the whole opening day.
fn full_day(zone: Tz, chair: i64, d: NaiveDate) -> Booking {
    Booking {
        chair: ChairId(chair),
        interval: Interval::new(at(zone, d, 8, 0), at(zone, d, 18, 0)),
    }
}

fn ten_am() -> PatientPreferences {
    PatientPreferences {
        preferred_start: Some(time(10, 0)),
        ..Default::default()
    }
}

fn plan(
    calendar: &ClinicCalendar,
    occupancy: &Occupancy,
    protocol: &Protocol,
    preferences: &PatientPreferences,
    earliest: NaiveDate,
) -> Result<PhasePlan, EngineError> {
    Planner::new(calendar, occupancy)?.plan_phase(&PhaseRequest {
        protocol,
        phase: 0,
        preferences,
        earliest,
        first_within_days: 14,
        patient_sessions: &[],
        previous_session: None,
    })
}

fn dates(plan: &[PlannedSession]) -> Vec<NaiveDate> {
    plan.iter().map(|s| s.local_date).collect()
}

fn infeasibility(result: Result<PhasePlan, EngineError>) -> Infeasibility {
    match result {
        Err(EngineError::Infeasible(why)) => *why,
        other => panic!("expected infeasible, got {other:?}"),
    }
}

#[test]
fn induction_is_exact_where_earliest_first_greedy_dead_ends_on_a_full_week() {
    // Tue 3, Fri 6 and Mon 9 - Wed 11 are full. Taking the earliest day each
    // time gives Mon 2, Wed 4, and then the next must come within 7 days,
    // but Fri 6 .. Wed 11 are all full: a dead end (and restarting greedily
    // from a later first day finishes later). The exact plan takes Thu 5
    // instead and bridges the full week in exactly 7 days.
    let calendar = weekday_clinic(NY, 1);
    let full = [
        date(2026, 3, 3),
        date(2026, 3, 6),
        date(2026, 3, 9),
        date(2026, 3, 10),
        date(2026, 3, 11),
    ];
    let occupancy = Occupancy::from_bookings(full.iter().map(|d| full_day(NY, 1, *d)));
    let protocol = presets::iv_ketamine_standard();
    let plan = plan(
        &calendar,
        &occupancy,
        &protocol,
        &ten_am(),
        date(2026, 3, 2),
    )
    .unwrap();
    assert_eq!(
        dates(&plan.sessions),
        [
            date(2026, 3, 2),
            date(2026, 3, 5),
            date(2026, 3, 12),
            date(2026, 3, 16),
            date(2026, 3, 18),
            date(2026, 3, 20)
        ]
    );
    assert!(series_violations(protocol.series(0).unwrap(), &dates(&plan.sessions)).is_empty());
}

#[test]
fn induction_is_exact_across_a_closure_week() {
    // The same trap made by a clinic closure (Fri 6 - Wed 11) instead of full chairs.
    let mut calendar = weekday_clinic(NY, 2);
    calendar.closures.push(Closure {
        scope: ClosureScope::Clinic,
        span: ClosureSpan::Days {
            first: date(2026, 3, 6),
            last: date(2026, 3, 11),
        },
    });
    let occupancy = Occupancy::from_bookings([
        full_day(NY, 1, date(2026, 3, 3)),
        full_day(NY, 2, date(2026, 3, 3)),
    ]);
    let protocol = presets::iv_ketamine_standard();
    let plan = plan(
        &calendar,
        &occupancy,
        &protocol,
        &ten_am(),
        date(2026, 3, 2),
    )
    .unwrap();
    assert_eq!(
        dates(&plan.sessions)[..3],
        [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 12)]
    );
    assert_eq!(plan.sessions[5].local_date, date(2026, 3, 20));
}

#[test]
fn ten_am_stays_ten_am_local_across_spring_forward() {
    let calendar = weekday_clinic(NY, 1);
    let protocol = presets::iv_ketamine_standard();
    let plan = plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &ten_am(),
        date(2026, 3, 2),
    )
    .unwrap();
    assert!(plan.sessions.iter().all(|s| s.local_time == time(10, 0)));
    // Before 8 March New York is UTC-5, after it UTC-4.
    assert_eq!(
        plan.sessions[0].start,
        Utc.with_ymd_and_hms(2026, 3, 2, 15, 0, 0).unwrap()
    );
    assert_eq!(plan.sessions[3].local_date, date(2026, 3, 9));
    assert_eq!(
        plan.sessions[3].start,
        Utc.with_ymd_and_hms(2026, 3, 9, 14, 0, 0).unwrap()
    );
}

#[test]
fn ten_am_stays_ten_am_local_across_fall_back() {
    let calendar = weekday_clinic(NY, 1);
    let protocol = presets::iv_ketamine_standard();
    let plan = plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &ten_am(),
        date(2026, 10, 26),
    )
    .unwrap();
    assert!(plan.sessions.iter().all(|s| s.local_time == time(10, 0)));
    assert_eq!(
        plan.sessions[0].start,
        Utc.with_ymd_and_hms(2026, 10, 26, 14, 0, 0).unwrap()
    );
    assert_eq!(plan.sessions[3].local_date, date(2026, 11, 2));
    assert_eq!(
        plan.sessions[3].start,
        Utc.with_ymd_and_hms(2026, 11, 2, 15, 0, 0).unwrap()
    );
}

#[test]
fn skipped_and_repeated_local_times_are_never_offered() {
    // A (test-only) clinic open through the night on Sundays.
    let mut calendar = weekday_clinic(NY, 1);
    calendar.hours.sun.push(OpeningRange {
        opens: time(0, 0),
        closes: time(6, 0),
    });
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let short = ChairTime {
        pre_dose_check_minutes: 0,
        treatment_minutes: 15,
        monitoring_minutes: 0,
    };
    let local_times = |d| {
        planner
            .availability(&AvailabilityRequest {
                modality: Modality::Iv,
                chair_time: short,
                from: d,
                to: d,
            })
            .unwrap()
            .into_iter()
            .map(|o| o.local_time)
            .collect::<Vec<_>>()
    };
    let spring = local_times(date(2026, 3, 8));
    assert!(spring.contains(&time(1, 45)) && spring.contains(&time(3, 0)));
    assert!(
        !spring.iter().any(|t| *t >= time(2, 0) && *t < time(3, 0)),
        "02:xx does not exist: {spring:?}"
    );
    let fall = local_times(date(2026, 11, 1));
    assert!(fall.contains(&time(0, 45)) && fall.contains(&time(2, 0)));
    assert!(
        !fall.iter().any(|t| *t >= time(1, 0) && *t < time(2, 0)),
        "01:xx is ambiguous: {fall:?}"
    );
}

#[test]
fn local_times_that_do_not_exist_or_repeat_are_errors_unless_chosen() {
    let skipped = date(2026, 3, 8).and_time(time(2, 30));
    assert!(matches!(
        resolve_local(NY, skipped, Disambiguation::Earlier),
        Err(LocalTimeError::NonExistent { .. })
    ));
    let repeated = date(2026, 11, 1).and_time(time(1, 30));
    let Err(LocalTimeError::Ambiguous { earlier, later, .. }) =
        resolve_local(NY, repeated, Disambiguation::Reject)
    else {
        panic!("01:30 on 1 November occurs twice in New York");
    };
    assert_eq!(later - earlier, Duration::hours(1));
    assert_eq!(
        resolve_local(NY, repeated, Disambiguation::Earlier),
        Ok(earlier)
    );
    assert_eq!(
        resolve_local(NY, repeated, Disambiguation::Later),
        Ok(later)
    );
}

#[test]
fn a_zone_with_a_quarter_hour_offset_plans_on_its_local_grid() {
    let zone = chrono_tz::Asia::Kathmandu; // UTC+05:45
    let calendar = ClinicCalendar::new(
        zone,
        WeeklyHours::uniform(&[Sun, Mon, Tue, Wed, Thu, Fri], time(9, 0), time(17, 0)),
        iv_chairs(1),
    );
    let protocol = presets::iv_ketamine_standard();
    let prefs = PatientPreferences::default();
    let plan = plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &prefs,
        date(2026, 5, 4),
    )
    .unwrap();
    assert_eq!(plan.sessions[0].local_time, time(9, 0));
    assert_eq!(
        plan.sessions[0].start,
        Utc.with_ymd_and_hms(2026, 5, 4, 3, 15, 0).unwrap()
    );
    assert_eq!(
        plan.sessions[0].end - plan.sessions[0].start,
        Duration::minutes(90)
    );
}

#[test]
fn chair_time_covers_check_treatment_and_monitoring_and_never_overlaps() {
    // One chair; a booking 10:00-11:30. A 10:00 preference gets the nearest
    // start whose whole 145-minute esketamine interval is free.
    let calendar = weekday_clinic(NY, 1);
    let d = date(2026, 3, 2);
    let occupancy = Occupancy::from_bookings([Booking {
        chair: ChairId(1),
        interval: Interval::new(at(NY, d, 10, 0), at(NY, d, 11, 30)),
    }]);
    let protocol = presets::esketamine_nasal();
    let plan = plan(&calendar, &occupancy, &protocol, &ten_am(), d).unwrap();
    let first = plan.sessions[0];
    assert_eq!(first.end - first.start, Duration::minutes(145));
    assert_eq!(
        first.local_time,
        time(11, 30),
        "07:35 would end at 10:00 too, but 11:30 is nearer 10:00"
    );
}

#[test]
fn start_cap_staggers_starts_across_chairs() {
    let mut calendar = weekday_clinic(NY, 2);
    calendar.max_starts_per_slot = Some(1);
    let d = date(2026, 3, 2);
    let occupancy = Occupancy::from_bookings([Booking {
        chair: ChairId(1),
        interval: Interval::new(at(NY, d, 10, 0), at(NY, d, 11, 0)),
    }]);
    let protocol = presets::iv_ketamine_standard();
    let plan = plan(&calendar, &occupancy, &protocol, &ten_am(), d).unwrap();
    // Chair 2 is free at 10:00, but a session already starts then.
    assert_eq!(plan.sessions[0].local_time, time(9, 45));
    assert_eq!(plan.sessions[0].chair, ChairId(2));
}

#[test]
fn first_free_chair_in_stable_order_and_chair_closures_are_respected() {
    let mut calendar = weekday_clinic(NY, 3);
    calendar.closures.push(Closure {
        scope: ClosureScope::Chair(ChairId(1)),
        span: ClosureSpan::Range {
            start: date(2026, 3, 1).and_time(time(0, 0)),
            end: date(2026, 3, 31).and_time(time(0, 0)),
        },
    });
    let protocol = presets::iv_ketamine_standard();
    let plan = plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &ten_am(),
        date(2026, 3, 2),
    )
    .unwrap();
    assert!(plan.sessions.iter().all(|s| s.chair == ChairId(2)));
}

#[test]
fn patient_weekdays_window_and_days_away_are_respected() {
    let calendar = weekday_clinic(NY, 1);
    let prefs = PatientPreferences {
        weekdays: vec![Mon, Wed, Fri],
        earliest_start: Some(time(13, 0)),
        latest_start: Some(time(15, 0)),
        preferred_start: Some(time(9, 0)),
        unavailable_dates: vec![date(2026, 3, 4)],
    };
    let protocol = presets::iv_ketamine_standard();
    let plan = plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &prefs,
        date(2026, 3, 2),
    )
    .unwrap();
    assert_eq!(
        dates(&plan.sessions),
        [
            date(2026, 3, 2),
            date(2026, 3, 6),
            date(2026, 3, 9),
            date(2026, 3, 11),
            date(2026, 3, 13),
            date(2026, 3, 16)
        ]
    );
    assert!(
        plan.sessions.iter().all(|s| s.local_time == time(13, 0)),
        "nearest to 09:00 inside 13:00-15:00"
    );
}

#[test]
fn one_session_per_patient_per_local_day() {
    let calendar = weekday_clinic(NY, 2);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    // The patient's other course has a session on Wed 4 March at 16:00.
    let other = [Interval::new(
        at(NY, date(2026, 3, 4), 16, 0),
        at(NY, date(2026, 3, 4), 17, 30),
    )];
    let plan = planner
        .plan_phase(&PhaseRequest {
            protocol: &protocol,
            phase: 0,
            preferences: &ten_am(),
            earliest: date(2026, 3, 2),
            first_within_days: 14,
            patient_sessions: &other,
            previous_session: None,
        })
        .unwrap();
    assert_eq!(
        &dates(&plan.sessions)[..3],
        [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 9)]
    );
}

#[test]
fn esketamine_induction_keeps_two_sessions_per_phase_week() {
    let calendar = weekday_clinic(NY, 1);
    let protocol = presets::esketamine_nasal();
    let plan = plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &ten_am(),
        date(2026, 3, 2),
    )
    .unwrap();
    let got = dates(&plan.sessions);
    assert_eq!(got.len(), 8);
    let day1 = got[0];
    for week in 0..4 {
        let n = got
            .iter()
            .filter(|d| (**d - day1).num_days() / 7 == week)
            .count();
        assert_eq!(n, 2, "phase week {} holds {n}: {got:?}", week + 1);
    }
}

#[test]
fn infeasible_without_a_suitable_chair() {
    let mut calendar = weekday_clinic(NY, 1);
    calendar.chairs[0].modalities = vec![Modality::Intranasal];
    let protocol = presets::iv_ketamine_standard();
    let why = infeasibility(plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &ten_am(),
        date(2026, 3, 2),
    ));
    assert_eq!(why.rule, Rule::NoSuitableChair);
    assert_eq!(why.earliest_feasible, None);
}

#[test]
fn infeasible_when_chairs_are_full_names_the_earliest_feasible_date() {
    let calendar = weekday_clinic(NY, 1);
    let start = date(2026, 3, 2);
    let occupancy =
        Occupancy::from_bookings((0..21).map(|i| full_day(NY, 1, start + Duration::days(i))));
    let protocol = presets::iv_ketamine_standard();
    let why = infeasibility(plan(&calendar, &occupancy, &protocol, &ten_am(), start));
    assert_eq!(why.rule, Rule::ChairsFull);
    assert_eq!(why.earliest_feasible, Some(date(2026, 3, 23)));
}

#[test]
fn infeasible_when_the_span_cannot_be_kept() {
    // Open on Mondays only: six sessions a week apart take 35 days > 21.
    let calendar = ClinicCalendar::new(
        NY,
        WeeklyHours::uniform(&[Mon], time(8, 0), time(18, 0)),
        iv_chairs(1),
    );
    let protocol = presets::iv_ketamine_standard();
    let why = infeasibility(plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &ten_am(),
        date(2026, 3, 2),
    ));
    assert_eq!(why.rule, Rule::Span);
    assert_eq!(why.earliest_feasible, None);
}

#[test]
fn infeasible_when_the_chair_time_does_not_fit_opening_hours() {
    let calendar = ClinicCalendar::new(
        NY,
        WeeklyHours::uniform(&[Mon, Tue, Wed, Thu, Fri], time(8, 0), time(9, 0)),
        iv_chairs(2),
    );
    let protocol = presets::iv_ketamine_standard();
    let why = infeasibility(plan(
        &calendar,
        &Occupancy::new(),
        &protocol,
        &ten_am(),
        date(2026, 3, 2),
    ));
    assert_eq!(why.rule, Rule::OpeningHours);
}

#[test]
fn replan_after_a_miss_keeps_completed_sessions_and_the_rules() {
    let calendar = weekday_clinic(NY, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let kept = [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6)];
    let replan = planner
        .replan_series(&ReplanRequest {
            protocol: &protocol,
            phase: 0,
            kept: &kept,
            remaining: 3,
            earliest: date(2026, 3, 10),
            preferences: &ten_am(),
            patient_sessions: &[],
        })
        .unwrap();
    assert!(!replan.at_risk());
    assert_eq!(
        dates(&replan.sessions),
        [date(2026, 3, 10), date(2026, 3, 12), date(2026, 3, 16)]
    );
    assert_eq!(replan.sessions[0].sequence, 4);
}

#[test]
fn replan_that_cannot_keep_the_window_is_at_risk_with_violations() {
    let calendar = weekday_clinic(NY, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let away: Vec<NaiveDate> = (9..=20).map(|d| date(2026, 3, d)).collect();
    let prefs = PatientPreferences {
        unavailable_dates: away,
        ..ten_am()
    };
    let kept = [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6)];
    let replan = planner
        .replan_series(&ReplanRequest {
            protocol: &protocol,
            phase: 0,
            kept: &kept,
            remaining: 3,
            earliest: date(2026, 3, 9),
            preferences: &prefs,
            patient_sessions: &[],
        })
        .unwrap();
    assert!(replan.at_risk());
    assert_eq!(
        dates(&replan.sessions),
        [date(2026, 3, 23), date(2026, 3, 25), date(2026, 3, 27)]
    );
    let rules: Vec<Rule> = replan.violations.iter().map(|v| v.rule).collect();
    assert_eq!(rules, [Rule::MaxGap, Rule::Span]);
}

#[test]
fn defer_moves_one_session_and_keeps_the_rest() {
    let calendar = weekday_clinic(NY, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let booked = [2, 4, 6, 9, 11, 13].map(|d| date(2026, 3, d));
    let moved = planner
        .defer_session(&DeferRequest {
            protocol: &protocol,
            phase: 0,
            dates: &booked,
            moving: 3,
            not_before: date(2026, 3, 10),
            preferences: &ten_am(),
            patient_sessions: &[],
        })
        .unwrap();
    assert!(!moved.at_risk());
    assert_eq!(moved.sessions.len(), 1);
    assert_eq!(moved.sessions[0].local_date, date(2026, 3, 16));
    assert_eq!(moved.sessions[0].sequence, 6);
}

#[test]
fn omit_keeps_the_rest_and_reports_a_gap_it_opens() {
    let protocol = presets::iv_ketamine_standard();
    let fine = [2, 4, 6, 11, 13].map(|d| date(2026, 3, d));
    assert!(omit_session(&protocol, 0, &fine).unwrap().is_empty());
    let gap = [2, 4, 6, 16].map(|d| date(2026, 3, d));
    let violations = omit_session(&protocol, 0, &gap).unwrap();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].rule, Rule::MaxGap);
    assert_eq!(violations[0].sequence, Some(4));
}

fn booster_request<'r>(
    protocol: &'r Protocol,
    policy: &'r BoosterPolicy,
    prefs: &'r PatientPreferences,
    previous: NaiveDate,
    not_before: NaiveDate,
    count: usize,
) -> BoosterRequest<'r> {
    BoosterRequest {
        protocol,
        policy,
        previous_session: previous,
        count,
        not_before,
        first_sequence: 1,
        preferences: prefs,
        patient_sessions: &[],
    }
}

#[test]
fn booster_goes_on_target_or_the_nearest_day_within_tolerance() {
    let calendar = weekday_clinic(NY, 1);
    let protocol = presets::iv_ketamine_standard();
    let policy = protocol.boosters().unwrap().1.default_policy;
    let prefs = ten_am();
    let last = date(2026, 3, 13);
    let empty = Occupancy::new();
    let planner = Planner::new(&calendar, &empty).unwrap();
    let boosters = planner
        .propose_boosters(&booster_request(&protocol, &policy, &prefs, last, last, 2))
        .unwrap();
    assert_eq!(dates(&boosters), [date(2026, 4, 3), date(2026, 4, 24)]);

    // Target Fri 3 April full: Thu 2 and Sat 4 are equally near; Sat is closed anyway.
    let full = Occupancy::from_bookings([full_day(NY, 1, date(2026, 4, 3))]);
    let planner = Planner::new(&calendar, &full).unwrap();
    let boosters = planner
        .propose_boosters(&booster_request(&protocol, &policy, &prefs, last, last, 1))
        .unwrap();
    assert_eq!(boosters[0].local_date, date(2026, 4, 2));
}

#[test]
fn lengthening_the_interval_moves_only_the_boosters_planned_from_it() {
    let calendar = weekday_clinic(NY, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let prefs = ten_am();
    let longer = BoosterPolicy {
        interval_days: 28,
        ..protocol.boosters().unwrap().1.default_policy
    };
    let attended = date(2026, 4, 3);
    let next = planner
        .propose_boosters(&booster_request(
            &protocol, &longer, &prefs, attended, attended, 1,
        ))
        .unwrap();
    assert_eq!(next[0].local_date, date(2026, 5, 1));
}

#[test]
fn booster_never_before_the_floor_and_overdue_boosters_go_as_soon_as_possible() {
    let calendar = weekday_clinic(NY, 1);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let prefs = ten_am();
    let policy = protocol.boosters().unwrap().1.default_policy;
    let overdue = planner
        .propose_boosters(&booster_request(
            &protocol,
            &policy,
            &prefs,
            date(2026, 1, 2),
            date(2026, 3, 2),
            1,
        ))
        .unwrap();
    assert_eq!(overdue[0].local_date, date(2026, 3, 2));
    // Everything near the target is full and the floor forbids going earlier.
    let full = Occupancy::from_bookings(
        (0..30).map(|i| full_day(NY, 1, date(2026, 3, 16) + Duration::days(i))),
    );
    let planner = Planner::new(&calendar, &full).unwrap();
    let Err(EngineError::Infeasible(why)) = planner.propose_boosters(&booster_request(
        &protocol,
        &policy,
        &prefs,
        date(2026, 3, 13),
        date(2026, 3, 13),
        1,
    )) else {
        panic!("no chair within tolerance");
    };
    assert_eq!(why.rule, Rule::ChairsFull);
    assert_eq!(why.earliest_feasible, Some(date(2026, 4, 15)));
}

#[test]
fn availability_lists_free_chair_starts_only() {
    let calendar = weekday_clinic(NY, 2);
    let d = date(2026, 3, 2);
    let occupancy = Occupancy::from_bookings([full_day(NY, 1, d)]);
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let open = planner
        .availability(&AvailabilityRequest {
            modality: Modality::Iv,
            chair_time: protocol.chair_time,
            from: d,
            to: d,
        })
        .unwrap();
    // 08:00 .. 16:30 every 15 minutes (90-minute sessions end by 18:00), chair 2 only.
    assert_eq!(open.len(), 35);
    assert!(open.iter().all(|o| o.chair == ChairId(2)));
    assert_eq!(open.first().unwrap().local_time, time(8, 0));
    assert_eq!(open.last().unwrap().local_time, time(16, 30));
}

#[test]
fn validation_lists_every_broken_rule() {
    let calendar = weekday_clinic(NY, 1);
    let d = date(2026, 3, 2);
    let occupancy = Occupancy::from_bookings([Booking {
        chair: ChairId(1),
        interval: Interval::new(at(NY, d, 9, 0), at(NY, d, 10, 0)),
    }]);
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let sessions = [
        // Overlaps the booking and is 30 minutes short.
        ProposedSession {
            chair: ChairId(1),
            start: at(NY, d, 9, 30),
            end: at(NY, d, 10, 30),
        },
        // The next day (min gap 2) and past closing.
        ProposedSession {
            chair: ChairId(1),
            start: at(NY, d + Duration::days(1), 17, 0),
            end: at(NY, d + Duration::days(1), 18, 30),
        },
        // Not a chair of this clinic.
        ProposedSession {
            chair: ChairId(9),
            start: at(NY, d + Duration::days(4), 10, 0),
            end: at(NY, d + Duration::days(4), 11, 30),
        },
    ];
    let violations = planner
        .validate_sessions(&ValidationRequest {
            protocol: &protocol,
            phase: 0,
            standing: &[],
            sessions: &sessions,
            previous_session: None,
            booster_policy: None,
            patient_sessions: &[],
        })
        .unwrap();
    let found: Vec<(Rule, Option<u32>)> = violations.iter().map(|v| (v.rule, v.sequence)).collect();
    assert_eq!(
        found,
        [
            (Rule::ChairTime, Some(1)),
            (Rule::ChairTaken, Some(1)),
            (Rule::OpeningHours, Some(2)),
            (Rule::UnknownChair, Some(3)),
            (Rule::MinGap, Some(2)),
        ]
    );
}

#[test]
fn nonsense_protocols_are_refused_with_the_field_named() {
    let field_of = |p: Protocol| match p.validate() {
        Err(EngineError::InvalidInput { field, .. }) => field,
        other => panic!("expected invalid input, got {other:?}"),
    };
    let mut p = presets::iv_ketamine_standard();
    if let PhaseKind::Series(rules) = &mut p.phases[0].kind {
        rules.min_days_between = 8;
    }
    assert_eq!(field_of(p), "phases[0].max_days_between");
    let mut p = presets::iv_ketamine_standard();
    if let PhaseKind::Series(rules) = &mut p.phases[0].kind {
        rules.sessions = 0;
    }
    assert_eq!(field_of(p), "phases[0].sessions");
    let mut p = presets::iv_ketamine_standard();
    p.chair_time.monitoring_minutes = -5;
    assert_eq!(field_of(p), "chair_time.monitoring_minutes");
    let mut p = presets::iv_ketamine_standard();
    p.phases.swap(0, 1);
    assert_eq!(field_of(p), "phases[0]");
    assert!(presets::iv_ketamine_standard().validate().is_ok());
    assert!(presets::esketamine_nasal().validate().is_ok());
}

#[test]
fn protocols_and_calendars_round_trip_through_json() {
    let protocol = presets::esketamine_nasal();
    let json = serde_json::to_string(&protocol).unwrap();
    assert_eq!(serde_json::from_str::<Protocol>(&json).unwrap(), protocol);
    let calendar: ClinicCalendar = serde_json::from_value(serde_json::json!({
        "zone": "Europe/London",
        "hours": { "mon": [{ "opens": "08:00:00", "closes": "12:00:00" }, { "opens": "13:00:00", "closes": "18:00:00" }] },
        "chairs": [{ "id": 1, "modalities": ["iv"] }],
        "closures": [{ "scope": { "kind": "chair", "chair_id": 1 }, "span": { "kind": "days", "first": "2026-12-24", "last": "2026-12-26" } }]
    }))
    .unwrap();
    assert_eq!(calendar.start_grid_minutes, 15);
    assert!(calendar.validate().is_ok());
}
