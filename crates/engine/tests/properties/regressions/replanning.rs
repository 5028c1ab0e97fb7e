//! Re-plans that missed a plan keeping the rules, or missed the rules the
//! kept sessions already break.

use chairside_engine::*;

use crate::support::clinics::{one_chair, one_chair_every_day};
use crate::support::planning::{dates, replan_request};
use crate::support::wall_clock::{date, time, UTC, WEEKDAYS};

/// With no kept session, `replan_series` tries a first session on
/// `earliest` only (`place_series(.., 0, 0, ..)`). If the patient cannot
/// come that day, the strict search fails and the relaxed one (no max gap
/// or span) answers: here Tue 3 March, then nothing until the 16th (the
/// patient is away), a 13-day gap flagged at risk, although 16, 18, 20,
/// 23, 25, 27 March keep every rule.
#[test]
fn regression_replan_without_kept_sessions_looks_past_the_first_day() {
    let calendar = one_chair(
        UTC,
        WeeklyHours::uniform(&WEEKDAYS, time(8, 0), time(18, 0)),
    );
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let mut away = vec![date(2026, 3, 2)];
    away.extend(date(2026, 3, 5).iter_days().take(9));
    let preferences = PatientPreferences {
        unavailable_dates: away,
        ..Default::default()
    };
    let replan = planner
        .replan_series(&replan_request(
            &protocol,
            &[],
            6,
            date(2026, 3, 2),
            &preferences,
        ))
        .unwrap();
    assert!(
        replan.violations.is_empty(),
        "at risk with {:?} on {:?}",
        replan.violations,
        dates(&replan.sessions)
    );
}

/// `replan_series` only checks the new sessions against the anchor: when
/// the kept sessions themselves already break a rule (here 10 days between
/// the two completed sessions, max 7; or more sessions than the series
/// holds) the re-plan reports no violations, so the course is not flagged
/// at risk although `series_violations` of the whole course is not empty.
#[test]
fn regression_replan_counts_the_kept_sessions_in_its_violations() {
    let calendar = one_chair_every_day(UTC);
    let occupancy = Occupancy::new();
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let rules = protocol.series(0).unwrap();
    let preferences = PatientPreferences::default();
    for (kept, remaining) in [
        (vec![date(2026, 2, 10), date(2026, 2, 20)], 4),
        (vec![date(2026, 2, 20), date(2026, 2, 23)], 5),
    ] {
        let replan = planner
            .replan_series(&replan_request(
                &protocol,
                &kept,
                remaining,
                date(2026, 2, 24),
                &preferences,
            ))
            .unwrap();
        let mut all = kept.clone();
        all.extend(dates(&replan.sessions));
        assert_eq!(replan.violations, series_violations(rules, &all), "{all:?}");
    }
}
